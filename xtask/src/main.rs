//! Build orchestration for Sobolev, in plain Rust: `cargo xtask <command>`.
//!
//! One subcommand per job. Every external tool that is missing (nvcc,
//! python3, cargo-fuzz, a GPU) is reported as a clear error, never a panic.

mod gpu;
mod peers;
mod python;
mod run;

use clap::{Parser, Subcommand};
use run::{Step, cargo, repo_root};
use std::process::ExitCode;

/// Result type of every subcommand: errors are printed and turn into exit code 1.
pub(crate) type Result<T = ()> = std::result::Result<T, String>;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Build orchestration for the Sobolev workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// What CI runs: fmt check, clippy (warnings denied), all tests and
    /// doctests, a type-check of the CUDA path, and rustdoc (warnings denied).
    Test,
    /// The main job: build in release and run the end-to-end tour.
    Demo,
    /// Criterion benchmarks, of one bench target (`special`, `linalg`, ...) or all.
    Bench {
        /// Bench target to run; all when omitted.
        target: Option<String>,
        /// Extra arguments passed to criterion (after `--`).
        #[arg(last = true)]
        criterion_args: Vec<String>,
    },
    /// Side-by-side timings and errors against the Python peers of one area;
    /// writes target/peers/<area>.json and prints a table.
    Peers {
        /// Area: special, linalg, kernels, rkhs, manifolds, samplers, mcmc.
        area: String,
        /// Threads for us and for the peer (RAYON_NUM_THREADS, OMP_NUM_THREADS, ...);
        /// defaults to every core.
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Regenerate the committed high-precision reference tables with mpmath
    /// (scripts naming their own `requirements-<tag>.txt` run in
    /// `target/venv-refdata-<tag>`).
    Refdata {
        /// Only the scripts whose file name contains this.
        filter: Option<String>,
    },
    /// Compile cuda/*.cu to cuda/ptx/*.ptx with nvcc.
    Ptx,
    /// Build the GPU test binaries with `--features cuda`, pack them for a
    /// machine with a GPU, and run them when a device is present.
    Gpu {
        /// Only build and pack; do not try to run.
        #[arg(long)]
        no_run: bool,
    },
    /// Build rustdoc for the workspace, the book included (warnings denied).
    Doc {
        /// Open the facade's page in a browser afterwards.
        #[arg(long)]
        open: bool,
    },
    /// Run a cargo-fuzz target for a bounded time on the stable toolchain.
    Fuzz {
        /// Fuzz target name (a file in fuzz/fuzz_targets/).
        target: String,
        /// Seconds to fuzz.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Test => test(),
        Command::Demo => demo(),
        Command::Bench {
            target,
            criterion_args,
        } => bench(target, criterion_args),
        Command::Peers { area, threads } => peers::run(&area, threads),
        Command::Refdata { filter } => refdata(filter.as_deref()),
        Command::Ptx => gpu::ptx(),
        Command::Gpu { no_run } => gpu::gpu(!no_run),
        Command::Doc { open } => doc(open),
        Command::Fuzz { target, seconds } => fuzz(&target, seconds),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn test() -> Result {
    let cuda_env = gpu::typecheck_env()?;
    let steps = [
        Step::new("format check", cargo(["fmt", "--all", "--", "--check"])),
        Step::new(
            "clippy, warnings denied",
            cargo([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        ),
        Step::new(
            "clippy of the CUDA path (feature `cuda`)",
            cargo([
                "clippy",
                "-p",
                "sobolev-gpu",
                "--features",
                "cuda",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])
            .envs(cuda_env),
        ),
        // Property tests draw from a fixed seed so that CI is reproducible;
        // run `cargo test` directly for fresh random cases.
        Step::new(
            "tests and doctests",
            cargo(["test", "--workspace"]).env("PROPTEST_RNG_SEED", "20261123"),
        ),
        Step::new("rustdoc and the book, warnings denied", doc_cmd(false)),
    ];
    run::steps(&steps)
}

fn demo() -> Result {
    let root = repo_root();
    let examples_dir = root.join("crates/sobolev/examples");
    let mut examples: Vec<String> = std::fs::read_dir(&examples_dir)
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .filter_map(|e| {
                    // `name.rs`, or a directory `name/` with a `main.rs`.
                    let name = e.file_name().into_string().ok()?;
                    if e.path().join("main.rs").is_file() {
                        return Some(name);
                    }
                    name.strip_suffix(".rs").map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    examples.sort();
    if examples.is_empty() {
        return Err(format!(
            "no end-to-end examples in {} yet",
            examples_dir.display()
        ));
    }
    println!(
        "demo: running {} end-to-end example(s) in release: {}",
        examples.len(),
        examples.join(", ")
    );
    let out = root.join("target/demo");
    let steps: Vec<Step> = examples
        .iter()
        .map(|ex| {
            Step::new(
                format!("example `{ex}`"),
                cargo(["run", "--release", "-p", "sobolev", "--example", ex])
                    .env("SOBOLEV_DEMO_DIR", out.to_string_lossy().into_owned()),
            )
        })
        .collect();
    run::steps(&steps)?;
    println!("demo: figures and report.md in {}", out.display());
    Ok(())
}

fn bench(target: Option<String>, criterion_args: Vec<String>) -> Result {
    let mut args = vec!["bench".to_owned(), "-p".into(), "sobolev-benches".into()];
    if let Some(t) = &target {
        args.extend(["--bench".into(), t.clone()]);
    }
    if !criterion_args.is_empty() {
        args.push("--".into());
        args.extend(criterion_args);
    }
    run::steps(&[Step::new(
        format!("criterion benches ({})", target.as_deref().unwrap_or("all")),
        cargo(args),
    )])
}

fn refdata(filter: Option<&str>) -> Result {
    let root = repo_root();
    let dir = root.join("xtask/refdata");
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        // `_name.py` files are modules shared by the scripts, not scripts.
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('_'))
        })
        .filter(|p| {
            filter.is_none_or(|f| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().contains(f))
            })
        })
        .collect();
    scripts.sort();
    if scripts.is_empty() {
        return Err(format!("no refdata scripts in {} match", dir.display()));
    }
    let mut steps = Vec::with_capacity(scripts.len());
    for script in &scripts {
        let text = std::fs::read_to_string(script)
            .map_err(|e| format!("cannot read {}: {e}", script.display()))?;
        // Scripts whose peers are too heavy for the shared environment name
        // their own `requirements-<tag>.txt`; they get `target/venv-refdata-<tag>`.
        let venv = match own_requirements(&text) {
            Some(tag) => python::venv(
                &format!("refdata-{tag}"),
                &dir.join(format!("requirements-{tag}.txt")),
            )?,
            None => python::venv("refdata", &dir.join("requirements.txt"))?,
        };
        let name = script.file_name().unwrap_or_default().to_string_lossy();
        steps.push(Step::new(
            format!("refdata {name}"),
            venv.python([script.as_os_str()]),
        ));
    }
    run::steps(&steps)
}

/// The `<tag>` of the first `xtask/refdata/requirements-<tag>.txt` a refdata
/// script mentions (its own environment), if any.
fn own_requirements(script: &str) -> Option<&str> {
    const PREFIX: &str = "xtask/refdata/requirements-";
    let start = script.find(PREFIX)? + PREFIX.len();
    let rest = &script[start..];
    let tag = &rest[..rest.find(".txt")?];
    let valid = !tag.is_empty()
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    valid.then_some(tag)
}

/// `cargo doc` for the workspace (the book included) with warnings denied.
fn doc_cmd(open: bool) -> run::Cmd {
    let mut args = vec!["doc", "--workspace", "--no-deps", "--exclude", "xtask"];
    if open {
        args.push("--open");
    }
    cargo(args).env("RUSTDOCFLAGS", "-D warnings")
}

fn doc(open: bool) -> Result {
    run::steps(&[Step::new(
        "rustdoc with the book, warnings denied",
        doc_cmd(open),
    )])?;
    println!(
        "book: {}",
        repo_root()
            .join("target/doc/sobolev/book/index.html")
            .display()
    );
    Ok(())
}

fn fuzz(target: &str, seconds: u64) -> Result {
    let root = repo_root();
    let path = root.join("fuzz/fuzz_targets").join(format!("{target}.rs"));
    if !path.exists() {
        let known: Vec<String> = std::fs::read_dir(root.join("fuzz/fuzz_targets"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        e.file_name()
                            .to_string_lossy()
                            .strip_suffix(".rs")
                            .map(str::to_owned)
                    })
                    .collect()
            })
            .unwrap_or_default();
        return Err(format!("no fuzz target `{target}`; known: {known:?}"));
    }
    if !run::succeeds(cargo(["fuzz", "--version"])) {
        run::steps(&[Step::new(
            "install cargo-fuzz",
            cargo(["install", "cargo-fuzz", "--locked"]),
        )])?;
    }
    // cargo-fuzz asks for nightly only for the sanitizers; with `-s none`
    // the remaining unstable flags are accepted on stable under
    // RUSTC_BOOTSTRAP.
    let max_time = format!("-max_total_time={seconds}");
    run::steps(&[Step::new(
        format!("fuzz `{target}` for {seconds} s"),
        cargo([
            "fuzz",
            "run",
            "--sanitizer",
            "none",
            target,
            "--",
            max_time.as_str(),
        ])
        .env("RUSTC_BOOTSTRAP", "1"),
    )])
}

#[cfg(test)]
mod tests {
    use super::own_requirements;

    #[test]
    fn own_requirements_reads_the_first_tag() {
        let header = "needs torch:\n  pip install -r xtask/refdata/requirements-gpytorch.txt\n\
                      (also xtask/refdata/requirements-other.txt)";
        assert_eq!(own_requirements(header), Some("gpytorch"));
        assert_eq!(
            own_requirements("uses xtask/refdata/requirements.txt"),
            None
        );
        assert_eq!(own_requirements("xtask/refdata/requirements-.txt"), None);
        assert_eq!(own_requirements("xtask/refdata/requirements-a b.txt"), None);
        assert_eq!(own_requirements("xtask/refdata/requirements-open"), None);
    }
}
