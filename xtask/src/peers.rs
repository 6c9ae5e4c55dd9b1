//! `cargo xtask peers <area>`: our cases and the Python peer's, in one run.
//!
//! 1. `target/release/peers <area> target/peers/<area>/` (from the benches
//!    package) runs our side and writes inputs, outputs and timings;
//! 2. `benches/peers/<area>.py <exchange-dir> <out.json>` times the peer on
//!    the same inputs, compares outputs and writes `target/peers/<area>.json`
//!    in the format of ARCHITECTURE.md;
//! 3. the table is printed from that file.

use crate::Result;
use crate::python;
use crate::run::{Cmd, Step, cargo, repo_root, steps};
use serde::Deserialize;

#[derive(Deserialize)]
struct Report {
    area: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    n: u64,
    ours_s: f64,
    peer: String,
    peer_s: Option<f64>,
    speedup: Option<f64>,
    max_err: Option<f64>,
    #[serde(default)]
    notes: String,
}

/// Runs one peers area end to end, or every area of a group: `rkhs` runs
/// `rkhs-features`, `rkhs-compare`, ... when there is no `rkhs.py` itself.
pub(crate) fn run(area: &str, threads: Option<usize>) -> Result {
    let root = repo_root();
    let script = root.join("benches/peers").join(format!("{area}.py"));
    if !script.exists() {
        let members = group_members(&root.join("benches/peers"), area);
        if !members.is_empty() {
            for member in &members {
                run_area(member, threads)?;
            }
            return Ok(());
        }
    }
    run_area(area, threads)
}

/// The areas `<group>-<name>` that have a peer script, sorted.
fn group_members(dir: &std::path::Path, group: &str) -> Vec<String> {
    let prefix = format!("{group}-");
    let mut members: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let area = name.strip_suffix(".py")?;
            area.starts_with(&prefix).then(|| area.to_string())
        })
        .collect();
    members.sort();
    members
}

fn run_area(area: &str, threads: Option<usize>) -> Result {
    let root = repo_root();
    let script = root.join("benches/peers").join(format!("{area}.py"));
    let requirements = root
        .join("benches/peers")
        .join(format!("requirements-{area}.txt"));
    if !script.exists() {
        return Err(format!(
            "no peer script {} for area `{area}`",
            script.display()
        ));
    }
    let threads = threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let t = threads.to_string();
    let thread_env = [
        ("RAYON_NUM_THREADS", t.clone()),
        ("OMP_NUM_THREADS", t.clone()),
        ("MKL_NUM_THREADS", t.clone()),
        ("OPENBLAS_NUM_THREADS", t.clone()),
        ("SOBOLEV_THREADS", t.clone()),
        (
            "XLA_FLAGS",
            format!(
                "--xla_cpu_multi_thread_eigen={} intra_op_parallelism_threads={t}",
                threads > 1
            ),
        ),
    ];
    let venv = python::venv(&format!("peers-{area}"), &requirements)?;
    let exchange = root.join("target/peers").join(area);
    let report = root.join("target/peers").join(format!("{area}.json"));
    let _ = std::fs::remove_dir_all(&exchange);
    steps(&[
        Step::new(
            "build our peer runner (release)",
            cargo([
                "build",
                "--release",
                "-p",
                "sobolev-benches",
                "--bin",
                "peers",
            ]),
        ),
        Step::new(
            format!("our cases ({threads} thread(s))"),
            Cmd::new(
                root.join("target/release/peers"),
                [area.as_ref(), exchange.as_os_str()],
            )
            .envs(thread_env.clone()),
        ),
        Step::new(
            format!("peer cases ({threads} thread(s))"),
            venv.python([script.as_os_str(), exchange.as_os_str(), report.as_os_str()])
                .envs(thread_env),
        ),
    ])?;
    print_table(&report)
}

fn print_table(path: &std::path::Path) -> Result {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let report: Report = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a peers report: {e}", path.display()))?;
    let opt = |x: Option<f64>, prec: usize| {
        x.map(|v| format!("{v:.prec$e}"))
            .unwrap_or_else(|| "-".into())
    };
    println!("\npeers: {} ({})", report.area, path.display());
    println!(
        "{:<36} {:>9} {:>10} {:>10} {:>8} {:>9}  peer / notes",
        "case", "n", "ours_s", "peer_s", "speedup", "max_err"
    );
    for c in &report.cases {
        println!(
            "{:<36} {:>9} {:>10.3e} {:>10} {:>8} {:>9}  {} {}",
            c.name,
            c.n,
            c.ours_s,
            opt(c.peer_s, 3),
            c.speedup
                .map(|s| format!("{s:.2}x"))
                .unwrap_or_else(|| "-".into()),
            opt(c.max_err, 1),
            c.peer,
            c.notes
        );
    }
    Ok(())
}
