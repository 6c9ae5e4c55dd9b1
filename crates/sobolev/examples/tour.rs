//! An end-to-end tour of Sobolev on synthetic data, one stop per crate.
//!
//! Run with `cargo xtask demo` (or `cargo run --release -p sobolev --example tour`).

use sobolev::kernels::gp::MaternOrder;
use sobolev::kernels::{GaussianProcess, Points, StateSpaceGp};
use sobolev::manifolds::stats::{MeanOptions, frechet_mean};
use sobolev::manifolds::{Manifold, Sphere};
use sobolev::samplers::diagnostics::summarize;
use sobolev::samplers::mcmc::{Settings, sample};
use sobolev::samplers::posteriors::EightSchools;
use sobolev::special::{log_bessel_i, log_bessel_k, vmf};
use std::time::Instant;

type Outcome = Result<(), Box<dyn std::error::Error>>;

fn special_functions() -> Outcome {
    println!("== special functions in log space");
    for (v, x) in [(0.5, 1e-300), (1e4, 1e3), (1e6, 1e5), (10.0, 1e300)] {
        println!(
            "  log I_{v}({x:e}) = {:.15e}   log K_{v}({x:e}) = {:.15e}",
            log_bessel_i(v, x),
            log_bessel_k(v, x)
        );
    }
    let p = 32768.0;
    let kappa = 5000.0;
    let rbar = vmf::mean_resultant_length(p, kappa);
    let back = vmf::inverse_mean_resultant_length(p, rbar);
    println!(
        "  von Mises-Fisher, p = {p}: A_p({kappa}) = {rbar:.12}, inverse gives kappa = {back:.6} (rel err {:.1e})",
        (back - kappa).abs() / kappa
    );
    Ok(())
}

fn state_space_gp() -> Outcome {
    println!("== Gaussian process on 1e5 time points (state-space Matern-3/2, O(N))");
    let n = 100_000;
    let t: Vec<f64> = (0..n).map(|i| i as f64 * 0.01).collect();
    let y: Vec<f64> = t
        .iter()
        .enumerate()
        .map(|(i, s)| (0.7 * s).sin() + 0.1 * ((i as f64 * 12.9898).sin() * 43758.5453).fract())
        .collect();
    let start = Instant::now();
    let points = Points::from_1d(&t)?;
    let gp = StateSpaceGp::new(MaternOrder::ThreeHalves, 1.0, 2.0, 0.01, &points, &y)?;
    let query = Points::from_1d(&[10.0, 500.5, 999.0])?;
    let pred = gp.predict(&query)?;
    println!(
        "  log marginal likelihood {:.3}, posterior means {:?} ({:.2} s)",
        gp.log_marginal_likelihood(),
        pred.mean
            .iter()
            .map(|m| (m * 1e3).round() / 1e3)
            .collect::<Vec<_>>(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn sphere_mean() -> Outcome {
    println!("== Frechet mean on the sphere S^2");
    let s2 = Sphere::new(3)?;
    let pts: Vec<Vec<f64>> = [(0.3, 0.2), (-0.2, 0.4), (0.1, -0.3), (0.25, 0.1)]
        .iter()
        .map(|&(a, b): &(f64, f64)| {
            let v = [a, b, 1.0];
            let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            v.iter().map(|x| x / n).collect()
        })
        .collect();
    let m = frechet_mean(&s2, &pts, None, &MeanOptions::default())?;
    let spread: f64 = pts
        .iter()
        .map(|p| s2.dist(&m.mean, p).unwrap_or(f64::NAN))
        .sum();
    println!(
        "  mean {:?} after {} iterations, sum of distances {spread:.6}",
        m.mean
            .iter()
            .map(|x| (x * 1e6).round() / 1e6)
            .collect::<Vec<_>>(),
        m.iterations
    );
    Ok(())
}

fn nuts_eight_schools() -> Outcome {
    println!("== NUTS on eight schools (non-centred), 4 chains x 1000 draws");
    let settings = Settings {
        seed: 2026,
        ..Settings::default()
    };
    let start = Instant::now();
    let draws = sample(&EightSchools, &settings, None)?;
    let secs = start.elapsed().as_secs_f64();
    for (j, name) in [(0, "mu"), (1, "log tau")] {
        let s = summarize(&draws.param(j));
        println!(
            "  {name:<8} mean {:>7.3} sd {:>6.3} ess_bulk {:>6.0} ess_tail {:>6.0} rhat {:.4}",
            s.mean, s.sd, s.ess_bulk, s.ess_tail, s.rhat
        );
    }
    println!(
        "  {} divergences, {} gradient evaluations, {secs:.2} s",
        draws.divergences(),
        draws.gradient_evaluations()
    );
    Ok(())
}

fn main() -> Outcome {
    let start = Instant::now();
    special_functions()?;
    state_space_gp()?;
    sphere_mean()?;
    nuts_eight_schools()?;
    println!("tour finished in {:.2} s", start.elapsed().as_secs_f64());
    Ok(())
}
