//! Side-by-side NUTS benchmark: `sobolev_samplers::mcmc::sample` against the
//! Rust crate nuts-rs 0.19 on the same log densities.
//!
//! Both samplers run 4 chains of 1000 warm-up and 1000 kept draws with a
//! diagonal mass matrix adapted during warm-up on nutpie's schedule (ours
//! also on Stan's windows, printed as `ours-stan`), sequentially on one thread
//! (ours inside a one-thread rayon pool, nuts-rs chain after chain). nuts-rs
//! calls our `Target::logp_grad` through a thin [`CpuLogpFunc`] wrapper, so
//! the cost of the density is identical and the comparison measures the
//! samplers. Efficiency is the minimum over parameters of the rank-normalised
//! bulk effective sample size (`diagnostics::ess_bulk`, which matches ArviZ),
//! per second of wall time, per second of the sampling thread's CPU time
//! (which a loaded machine does not inflate), and per gradient evaluation
//! after warm-up, and the thread CPU time per gradient evaluation (warm-up
//! included; column `ns/grad`), with the mean step size of the kept draws
//! (`eps`).
//! Agreement is the largest difference of posterior means between the two
//! samplers in units of the posterior standard deviation.
//!
//! Run with `cargo bench -p sobolev-benches --bench mcmc_nuts_rs` (set
//! `MCMC_SEED=<u64>` to repeat it on other seeds; both samplers take it;
//! `MCMC_SKIP_STAN=1` leaves out the Stan-window run and `MCMC_CASES=funnel,logistic`
//! picks posteriors). The table, with the gradient evaluations spent in
//! warm-up and after it, goes to stdout and the peers JSON (ARCHITECTURE.md format) to
//! `target/peers/mcmc-nuts-rs.json`.

use std::collections::HashMap;
use std::error::Error;
use std::time::Instant;

use nuts_rs::rand::rngs::StdRng;
use nuts_rs::rand::{RngExt, SeedableRng};
use nuts_rs::{Chain, CpuLogpFunc, CpuMath, CpuMathError, DiagNutsSettings, HasDims, LogpError};
use serde_json::json;
use sobolev_samplers::diagnostics::ess_bulk;
use sobolev_samplers::mcmc::{self, Target};
use sobolev_samplers::posteriors::{CorrelatedGaussian, Funnel, LogisticRegression, Moments};

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// The run's seed: `MCMC_SEED` if set, else [`DEFAULT_SEED`].
fn seed() -> u64 {
    std::env::var("MCMC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED)
}

/// Whether `MCMC_SKIP_STAN=1` asks to leave out our run on Stan's windows.
fn skip_stan() -> bool {
    std::env::var("MCMC_SKIP_STAN").is_ok_and(|s| s == "1")
}

/// Which of the three posteriors to run: `MCMC_CASES` lists any of
/// `gaussian`, `funnel`, `logistic` (comma-separated); all by default.
fn case_selected(case: &str) -> bool {
    std::env::var("MCMC_CASES").map_or(true, |s| s.split(',').any(|c| c.trim() == case))
}

/// CPU time of the calling thread in seconds, from the scheduler's
/// statistics (`/proc/thread-self/schedstat`, nanoseconds on a core; NaN
/// where it cannot be read). Unlike wall time it leaves out the time the
/// thread waited for a core, so the comparison holds on a loaded machine.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns * 1e-9)
}

const N_CHAINS: usize = 4;
const N_WARMUP: usize = 1000;
const N_DRAWS: usize = 1000;
const DEFAULT_SEED: u64 = 20_240_601;
const PEER: &str = "nuts-rs 0.19.1";

/// A failure of our log density, reported to nuts-rs as recoverable (it
/// then treats the trajectory as divergent, as a non-finite energy would).
#[derive(Debug, thiserror::Error)]
#[error("log density failed: {0}")]
struct DensityFailure(String);

impl LogpError for DensityFailure {
    fn is_recoverable(&self) -> bool {
        true
    }
}

/// Our target seen through nuts-rs's CPU density interface.
struct NutsRsDensity<'a, T: Target> {
    target: &'a T,
}

impl<T: Target> HasDims for NutsRsDensity<'_, T> {
    fn dim_sizes(&self) -> HashMap<String, u64> {
        HashMap::from([(
            "unconstrained_parameter".to_string(),
            self.target.dim() as u64,
        )])
    }
}

impl<T: Target> CpuLogpFunc for NutsRsDensity<'_, T> {
    type LogpError = DensityFailure;
    type FlowParameters = ();
    type ExpandedVector = Vec<f64>;

    fn dim(&self) -> usize {
        self.target.dim()
    }

    fn logp(&mut self, position: &[f64], gradient: &mut [f64]) -> Result<f64, DensityFailure> {
        self.target
            .logp_grad(position, gradient)
            .map_err(|e| DensityFailure(e.to_string()))
    }

    fn expand_vector<R>(&mut self, _rng: &mut R, array: &[f64]) -> Result<Vec<f64>, CpuMathError>
    where
        R: nuts_rs::rand::Rng + ?Sized,
    {
        Ok(array.to_vec())
    }
}

/// The kept draws of one sampler, `[chain][draw][dim]`, with its cost.
struct Run {
    seconds: f64,
    cpu_seconds: f64,
    values: Vec<f64>,
    gradients: usize,
    warmup_gradients: usize,
    divergences: usize,
    /// Mean step size of the kept draws (jitter included).
    mean_step_size: f64,
}

impl Run {
    /// Parameter `j` as `[chain][draw]`.
    fn param(&self, d: usize, j: usize) -> Vec<Vec<f64>> {
        (0..N_CHAINS)
            .map(|c| {
                (0..N_DRAWS)
                    .map(|i| self.values[(c * N_DRAWS + i) * d + j])
                    .collect()
            })
            .collect()
    }

    /// Thread CPU time per gradient evaluation, warm-up included, in
    /// nanoseconds: the sampler's cost per gradient with the density's.
    fn cpu_ns_per_gradient(&self) -> f64 {
        1e9 * self.cpu_seconds / (self.warmup_gradients + self.gradients) as f64
    }

    fn min_ess_bulk(&self, d: usize) -> f64 {
        (0..d)
            .map(|j| ess_bulk(&self.param(d, j)))
            .fold(f64::INFINITY, f64::min)
    }

    /// Posterior mean and standard deviation of every parameter.
    fn mean_sd(&self, d: usize) -> (Vec<f64>, Vec<f64>) {
        let n = (N_CHAINS * N_DRAWS) as f64;
        let mut mean = vec![0.0; d];
        for row in self.values.chunks_exact(d) {
            mean.iter_mut().zip(row).for_each(|(m, x)| *m += x / n);
        }
        let mut var = vec![0.0; d];
        for row in self.values.chunks_exact(d) {
            for j in 0..d {
                var[j] += (row[j] - mean[j]).powi(2) / (n - 1.0);
            }
        }
        (mean, var.into_iter().map(f64::sqrt).collect())
    }
}

fn run_ours<T: Target>(target: &T, schedule: mcmc::WarmupSchedule) -> BoxResult<Run> {
    // nuts-rs adapts its diagonal metric from draws and gradients on
    // nutpie's schedule; ours does the same with `DiagonalFisher` and
    // `WarmupSchedule::Nutpie` (Stan's windows for comparison).
    let settings = mcmc::Settings {
        seed: seed(),
        metric: mcmc::MetricKind::DiagonalFisher,
        schedule,
        ..Default::default()
    };
    assert_eq!(
        (settings.n_chains, settings.n_warmup, settings.n_draws),
        (N_CHAINS, N_WARMUP, N_DRAWS),
        "the default run shape changed"
    );
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let start = Instant::now();
    let (draws, cpu_seconds) = pool.install(|| {
        let cpu = thread_cpu_seconds();
        let draws = mcmc::sample(target, &settings, None);
        (draws, thread_cpu_seconds() - cpu)
    });
    let draws = draws?;
    let seconds = start.elapsed().as_secs_f64();
    let mean_step_size =
        draws.stats.iter().map(|s| s.step_size).sum::<f64>() / draws.stats.len() as f64;
    Ok(Run {
        seconds,
        cpu_seconds,
        mean_step_size,
        gradients: draws.gradient_evaluations(),
        warmup_gradients: draws.warmup_gradients,
        divergences: draws.divergences(),
        values: draws.values,
    })
}

fn run_nuts_rs<T: Target>(target: &T) -> BoxResult<Run> {
    use nuts_rs::Settings as _;
    let d = target.dim();
    let settings = DiagNutsSettings {
        num_tune: N_WARMUP as u64,
        num_draws: N_DRAWS as u64,
        num_chains: N_CHAINS,
        seed: seed(),
        ..Default::default()
    };
    let mut values = Vec::with_capacity(N_CHAINS * N_DRAWS * d);
    let (mut gradients, mut warmup_gradients, mut divergences) = (0u64, 0u64, 0usize);
    let mut sum_step_size = 0.0;
    let start = Instant::now();
    let cpu = thread_cpu_seconds();
    for c in 0..N_CHAINS {
        let mut rng = StdRng::seed_from_u64(seed() ^ ((c as u64 + 1) << 32));
        let math = CpuMath::new(NutsRsDensity { target });
        let mut chain = settings.new_chain(c as u64, math, &mut rng)?;
        // Stan's default initialisation, uniform on [-2, 2]^d, as ours.
        let x0: Vec<f64> = (0..d).map(|_| rng.random_range(-2.0..2.0)).collect();
        chain.set_position(&x0)?;
        for i in 0..N_WARMUP + N_DRAWS {
            let (x, progress) = chain.draw()?;
            if i >= N_WARMUP {
                values.extend_from_slice(&x);
                gradients += progress.num_gradients;
                divergences += usize::from(progress.diverging);
                sum_step_size += progress.step_size;
            } else {
                warmup_gradients += progress.num_gradients;
            }
        }
    }
    let cpu_seconds = thread_cpu_seconds() - cpu;
    let seconds = start.elapsed().as_secs_f64();
    Ok(Run {
        seconds,
        cpu_seconds,
        values,
        gradients: gradients as usize,
        warmup_gradients: warmup_gradients as usize,
        divergences,
        mean_step_size: sum_step_size / (N_CHAINS * N_DRAWS) as f64,
    })
}

/// Largest |mean - exact mean| / exact sd over parameters.
fn moment_error(mean: &[f64], exact: &Moments) -> f64 {
    mean.iter()
        .zip(&exact.mean)
        .zip(&exact.sd)
        .map(|((m, e), s)| (m - e).abs() / s)
        .fold(0.0, f64::max)
}

fn compare<T: Target>(
    name: &str,
    target: &T,
    exact: Option<Moments>,
) -> BoxResult<serde_json::Value> {
    let d = target.dim();
    // nuts-rs runs first on odd seeds, so that neither sampler always meets
    // the machine in the same state.
    let peer_first = seed() % 2 == 1;
    let early_peer = if peer_first {
        Some(run_nuts_rs(target)?)
    } else {
        None
    };
    let ours = run_ours(target, mcmc::WarmupSchedule::Nutpie)?;
    let peer = match early_peer {
        Some(peer) => peer,
        None => run_nuts_rs(target)?,
    };
    let ours_stan = if skip_stan() {
        None
    } else {
        Some(run_ours(target, mcmc::WarmupSchedule::Stan)?)
    };
    let mut rows = Vec::new();
    for (label, run) in [
        ("ours", Some(&ours)),
        ("nuts-rs", Some(&peer)),
        ("ours-stan", ours_stan.as_ref()),
    ] {
        let Some(run) = run else { continue };
        let ess = run.min_ess_bulk(d);
        println!(
            "{name:<22} {label:<9} {:>8.3} {:>8.3} {:>9.1} {:>10.1} {:>10.1} {:>10.5} {:>9} {:>9} {:>4} {:>8.1} {:>7.4}",
            run.seconds,
            run.cpu_seconds,
            ess,
            ess / run.seconds,
            ess / run.cpu_seconds,
            ess / run.gradients as f64,
            run.warmup_gradients,
            run.gradients,
            run.divergences,
            run.cpu_ns_per_gradient(),
            run.mean_step_size
        );
        rows.push(ess);
    }
    let (ess_ours, ess_peer) = (rows[0], rows[1]);
    let ours_s = ours.seconds / ess_ours;
    let peer_s = peer.seconds / ess_peer;
    let speedup = peer_s / ours_s;
    let cpu_speedup = (ess_ours / ours.cpu_seconds) / (ess_peer / peer.cpu_seconds);
    println!(
        "{name:<22} ESS/s ratio ours/nuts-rs = {speedup:.3} (wall), {cpu_speedup:.3} (thread CPU time)"
    );

    let (mean_ours, sd_ours) = ours.mean_sd(d);
    let (mean_peer, sd_peer) = peer.mean_sd(d);
    let max_err = (0..d)
        .map(|j| (mean_ours[j] - mean_peer[j]).abs() / (0.5 * (sd_ours[j] + sd_peer[j])))
        .fold(0.0, f64::max);
    let stan_note = match (&ours_stan, rows.get(2)) {
        (Some(run), Some(ess)) => {
            format!(", ours on Stan's windows {:.5}", ess / run.gradients as f64)
        }
        _ => String::new(),
    };
    let mut notes = format!(
        "ESS per thread CPU second, ours/nuts-rs: {cpu_speedup:.3}; min bulk ESS per gradient: ours {:.5}, nuts-rs {:.5}{stan_note}; gradients in warm-up: ours {}, nuts-rs {}; after warm-up: ours {}, nuts-rs {}; divergences: ours {}, nuts-rs {}; max_err = max |mean difference| / posterior sd",
        ess_ours / ours.gradients as f64,
        ess_peer / peer.gradients as f64,
        ours.warmup_gradients,
        peer.warmup_gradients,
        ours.gradients,
        peer.gradients,
        ours.divergences,
        peer.divergences,
    );
    if let Some(exact) = exact {
        notes.push_str(&format!(
            "; max |mean - exact| / sd: ours {:.3}, nuts-rs {:.3}",
            moment_error(&mean_ours, &exact),
            moment_error(&mean_peer, &exact)
        ));
    }
    Ok(json!({
        "name": name,
        "n": d,
        "ours_s": ours_s,
        "peer": PEER,
        "peer_s": peer_s,
        "speedup": speedup,
        "max_err": max_err,
        "notes": notes,
    }))
}

fn main() -> BoxResult<()> {
    println!(
        "{N_CHAINS} chains x {N_WARMUP} warm-up x {N_DRAWS} draws, diagonal metric, one thread"
    );
    println!(
        "{:<22} {:<9} {:>8} {:>8} {:>9} {:>10} {:>10} {:>10} {:>9} {:>9} {:>4} {:>8} {:>7}",
        "target",
        "sampler",
        "seconds",
        "cpu s",
        "min ESS",
        "ESS/s",
        "ESS/cpu-s",
        "ESS/grad",
        "wu grads",
        "grads",
        "div",
        "ns/grad",
        "eps"
    );
    let gaussian = CorrelatedGaussian::new(50, 1e4, 3)?;
    let funnel = Funnel {
        d: 10,
        centred: false,
    };
    let logistic = LogisticRegression::synthetic(1000, 25, 5)?;
    let mut cases = Vec::new();
    if case_selected("gaussian") {
        cases.push(compare(
            "correlated_gaussian_50",
            &gaussian,
            Some(gaussian.moments()),
        )?);
    }
    if case_selected("funnel") {
        cases.push(compare(
            "funnel_10_noncentred",
            &funnel,
            Some(funnel.moments()),
        )?);
    }
    if case_selected("logistic") {
        cases.push(compare("logistic_1000x25", &logistic, None)?);
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/peers");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("mcmc-nuts-rs.json");
    let report = json!({ "area": "mcmc-nuts-rs", "cases": cases });
    std::fs::write(&path, serde_json::to_string_pretty(&report)?)?;
    println!("wrote {}", path.display());
    Ok(())
}
