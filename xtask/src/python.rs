//! Python virtual environments under `target/` for the peers and refdata.

use crate::Result;
use crate::run::{Cmd, repo_root};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// A virtual environment under `target/venv-<name>`.
pub(crate) struct Venv {
    dir: PathBuf,
}

impl Venv {
    /// The environment's interpreter running `args`.
    pub(crate) fn python<I, S>(&self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Cmd::new(self.dir.join("bin/python"), args)
    }
}

/// Creates `target/venv-<name>` if missing and installs `requirements` into
/// it when they changed since the last install.
pub(crate) fn venv(name: &str, requirements: &Path) -> Result<Venv> {
    let dir = repo_root().join("target").join(format!("venv-{name}"));
    let env = Venv { dir };
    if !env.dir.join("bin/python").exists() {
        println!("creating Python environment {}", env.dir.display());
        Cmd::new(
            "python3",
            [OsStr::new("-m"), "venv".as_ref(), env.dir.as_os_str()],
        )
        .run()
        .map_err(|e| format!("{e} (is python3 with the venv module installed?)"))?;
    }
    let wanted = std::fs::read_to_string(requirements)
        .map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
    let stamp = env.dir.join("installed-requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        println!(
            "installing {} into {}",
            requirements.display(),
            env.dir.display()
        );
        env.python(["-m", "pip", "install", "--quiet", "--upgrade", "pip"])
            .run()?;
        env.python([
            OsStr::new("-m"),
            "pip".as_ref(),
            "install".as_ref(),
            "-r".as_ref(),
            requirements.as_os_str(),
        ])
        .run()?;
        std::fs::write(&stamp, wanted).map_err(|e| e.to_string())?;
    }
    Ok(env)
}
