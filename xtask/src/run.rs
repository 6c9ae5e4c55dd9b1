//! Running external commands as numbered steps with timings.

use crate::Result;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The workspace root (the parent of the xtask package).
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A command to run from the workspace root: program, arguments, environment.
#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    program: OsString,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
}

impl Cmd {
    /// A command running `program` with `args`.
    pub(crate) fn new<I, S>(program: impl AsRef<OsStr>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Self {
            program: program.as_ref().to_owned(),
            args: args.into_iter().map(|a| a.as_ref().to_owned()).collect(),
            envs: Vec::new(),
        }
    }

    /// Sets one environment variable.
    pub(crate) fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Sets several environment variables.
    pub(crate) fn envs<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        vars.into_iter().fold(self, |cmd, (k, v)| cmd.env(k, v))
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args).current_dir(repo_root());
        for (k, v) in &self.envs {
            c.env(k, v);
        }
        c
    }

    /// The command line, for messages.
    pub(crate) fn display(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs the command, inheriting stdio; an error names the command.
    pub(crate) fn run(&self) -> Result {
        let status = self
            .command()
            .status()
            .map_err(|e| format!("could not start `{}`: {e}", self.program.to_string_lossy()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` failed ({status})", self.display()))
        }
    }

    /// Runs the command and returns its standard output.
    pub(crate) fn output(&self) -> Result<String> {
        let out = self
            .command()
            .output()
            .map_err(|e| format!("could not start `{}`: {e}", self.program.to_string_lossy()))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "`{}` failed ({}): {}",
                self.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

/// `cargo` (the one running this xtask) with arguments.
pub(crate) fn cargo<I, S>(args: I) -> Cmd
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Cmd::new(cargo, args)
}

/// Whether a command runs and exits successfully (its output is discarded).
pub(crate) fn succeeds(cmd: Cmd) -> bool {
    cmd.output().is_ok()
}

/// Whether `program` is on the PATH.
pub(crate) fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// A named step of a longer job.
pub(crate) struct Step {
    name: String,
    cmd: Cmd,
}

impl Step {
    /// A step called `name` that runs `cmd`.
    pub(crate) fn new(name: impl Into<String>, cmd: Cmd) -> Self {
        Self {
            name: name.into(),
            cmd,
        }
    }
}

/// Runs steps in order, printing `[i/n] name` and each step's time; stops at
/// the first failure.
pub(crate) fn steps(steps: &[Step]) -> Result {
    let start = Instant::now();
    for (i, step) in steps.iter().enumerate() {
        println!("[{}/{}] {}", i + 1, steps.len(), step.name);
        let t = Instant::now();
        step.cmd
            .run()
            .map_err(|e| format!("step `{}` failed: {e}", step.name))?;
        println!(
            "[{}/{}] {} ok ({:.1} s)",
            i + 1,
            steps.len(),
            step.name,
            t.elapsed().as_secs_f64()
        );
    }
    println!(
        "all {} step(s) ok in {:.1} s",
        steps.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
