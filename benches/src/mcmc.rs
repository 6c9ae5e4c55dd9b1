//! Side-by-side MCMC cases: NUTS with diagonal metric adaptation on a
//! correlated Gaussian (condition number 1e4), the non-centred funnel and a
//! logistic regression, 4 chains x 1000 warm-up x 1000 draws each.
//!
//! We write the model data (`<case>.in.f64`) and our draws
//! (`<case>.out.f64`, `[chain][draw][dim]`); `benches/peers/mcmc.py` runs
//! NumPyro's NUTS on the same models and computes bulk ESS for both with
//! the same estimator, so ESS per second and per gradient compare like for
//! like. `ours_s` is the wall time of the whole run.

use crate::{Exchange, OurCase};
use sobolev_samplers::mcmc::{Settings, Target, sample};
use sobolev_samplers::posteriors::{CorrelatedGaussian, Funnel, LogisticRegression};
use std::time::Instant;

fn run_case<T: Target>(
    ex: &mut Exchange,
    name: &str,
    target: &T,
    data: &[f64],
) -> std::io::Result<()> {
    let settings = Settings {
        seed: 7,
        ..Settings::default()
    };
    // One untimed run warms caches and the thread pool.
    let _ = sample(
        target,
        &Settings {
            n_warmup: 50,
            n_draws: 50,
            ..settings.clone()
        },
        None,
    );
    let start = Instant::now();
    let draws = sample(target, &settings, None).map_err(std::io::Error::other)?;
    let secs = start.elapsed().as_secs_f64();
    ex.write_array(name, "in", data)?;
    ex.write_array(name, "out", &draws.values)?;
    ex.record(OurCase {
        name: name.into(),
        n: target.dim(),
        ours_s: secs,
        notes: format!(
            "grads={} divergences={}",
            draws.gradient_evaluations(),
            draws.divergences()
        ),
    });
    Ok(())
}

/// Our side of `cargo xtask peers mcmc`.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    let gauss = CorrelatedGaussian::new(50, 1e4, 3).map_err(std::io::Error::other)?;
    let p = gauss.precision();
    let prec: Vec<f64> = (0..50 * 50).map(|k| p[(k / 50, k % 50)]).collect();
    run_case(ex, "correlated_gaussian_d50", &gauss, &prec)?;

    let funnel = Funnel {
        d: 10,
        centred: false,
    };
    run_case(ex, "funnel_noncentred_d10", &funnel, &[10.0])?;

    let logistic = LogisticRegression::synthetic(1000, 25, 5).map_err(std::io::Error::other)?;
    let mut data = logistic.design_rows();
    data.extend(&logistic.y);
    run_case(ex, "logistic_n1000_d25", &logistic, &data)
}
