//! Our side of `cargo xtask peers kernels`: exact-GP log marginal likelihood
//! with its gradient (ARD Matern 5/2, d = 5), Gaussian kernel sums, a
//! state-space GP on a million time points and a Kronecker GP on a million
//! grid points (both fitted, then predicting at a million new points).

use crate::{Exchange, OurCase, median_time};
use sobolev_kernels::gp::MaternOrder;
use sobolev_kernels::kernel::{Gaussian, Matern52, Stationary};
use sobolev_kernels::{
    ExactGp, FitOptions, GaussianProcess, KroneckerGp, Points, StateSpaceGp, StationaryOperator,
};

fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Wall time of one run (for cases too long to repeat).
fn single_time<T>(f: impl FnOnce() -> T) -> f64 {
    let t = std::time::Instant::now();
    std::hint::black_box(f());
    t.elapsed().as_secs_f64()
}

fn threads() -> usize {
    rayon::current_num_threads()
}

fn lml_case(ex: &mut Exchange, n: usize, reps: usize) -> std::io::Result<()> {
    let d = 5;
    let mut u = lcg(n as u64);
    let x: Vec<f64> = (0..n * d).map(|_| 4.0 * u() - 2.0).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| {
            (x[i * d] + 0.5 * x[i * d + 1]).sin()
                + 0.3 * x[i * d + 2] * x[i * d + 3]
                + 0.1 * (u() - 0.5)
        })
        .collect();
    let ls = vec![0.8, 1.1, 1.4, 0.9, 2.0];
    let kernel = Stationary::ard(Matern52, 1.3, ls).map_err(std::io::Error::other)?;
    let noise = 0.05;
    let pts = Points::new(x.clone(), d).map_err(std::io::Error::other)?;
    let run = || {
        let gp = ExactGp::new(kernel.clone(), noise, pts.clone(), y.clone())
            .map_err(std::io::Error::other)?;
        let mut out = vec![gp.log_marginal_likelihood()];
        out.extend(gp.log_marginal_likelihood_gradient());
        Ok::<_, std::io::Error>((out, gp.log_params()))
    };
    let mut result = None;
    let t = if reps == 0 {
        single_time(|| result = Some(run()))
    } else {
        let t = median_time(reps, run);
        result = Some(run());
        t
    };
    let (out, theta) = result.ok_or_else(|| std::io::Error::other("no result"))??;
    let name = format!("lml_grad_matern52_ard_n{n}");
    ex.write_array(&name, "x", &x)?;
    ex.write_array(&name, "y", &y)?;
    ex.write_array(&name, "theta", &theta)?;
    ex.write_array(&name, "out", &out)?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "d=5, ARD Matern-5/2 + white noise, {} threads; out = [lml, grad(7)]",
            threads()
        ),
    });
    Ok(())
}

fn kernel_sum_case(ex: &mut Exchange, n: usize, reps: usize) -> std::io::Result<()> {
    let d = 3;
    let mut u = lcg(7 + n as u64);
    let x: Vec<f64> = (0..n * d).map(|_| u()).collect();
    let y: Vec<f64> = (0..n * d).map(|_| u()).collect();
    let v: Vec<f64> = (0..n).map(|_| u() - 0.5).collect();
    let lengthscale = 0.1;
    let kernel = Stationary::new(Gaussian, 1.0, lengthscale).map_err(std::io::Error::other)?;
    let px = Points::new(x.clone(), d).map_err(std::io::Error::other)?;
    let py = Points::new(y.clone(), d).map_err(std::io::Error::other)?;
    let op = StationaryOperator::new(kernel, &px, &py).map_err(std::io::Error::other)?;
    let mut result = None;
    let t = if reps == 0 {
        single_time(|| result = Some(op.matvec(&v)))
    } else {
        let t = median_time(reps, || op.matvec(&v));
        result = Some(op.matvec(&v));
        t
    };
    let out = result
        .ok_or_else(|| std::io::Error::other("no result"))?
        .map_err(std::io::Error::other)?;
    let name = format!("gauss_sum_d3_n{n}");
    ex.write_array(&name, "x", &x)?;
    ex.write_array(&name, "y", &y)?;
    ex.write_array(&name, "v", &v)?;
    ex.write_array(&name, "out", &out)?;
    let evals = (n as f64) * (n as f64);
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "N=M={n}, lengthscale {lengthscale}, {} threads; ours {:.2e} kernel evals/s",
            threads(),
            evals / t
        ),
    });
    Ok(())
}

fn state_space_case(ex: &mut Exchange, n: usize) -> std::io::Result<()> {
    let mut u = lcg(99);
    let t: Vec<f64> = (0..n).map(|i| i as f64 * 1e-3 + 5e-4 * u()).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&s| (3.0 * s).sin() + 0.5 * (0.7 * s).cos() + 0.2 * (u() - 0.5))
        .collect();
    let pts = Points::from_1d(&t).map_err(std::io::Error::other)?;
    let test = Points::from_1d(&t.iter().map(|s| s + 2.5e-4).collect::<Vec<_>>())
        .map_err(std::io::Error::other)?;
    let mut iters = 0;
    let run = || {
        let (gp, report) = StateSpaceGp::fit(
            MaternOrder::FiveHalves,
            1.0,
            1.0,
            0.1,
            &pts,
            &y,
            &FitOptions::default(),
        )
        .map_err(std::io::Error::other)?;
        let pred = gp.predict(&test).map_err(std::io::Error::other)?;
        Ok::<_, std::io::Error>((report, pred.mean[n / 2]))
    };
    let start = std::time::Instant::now();
    let (report, _) = run()?;
    let elapsed = start.elapsed().as_secs_f64();
    iters += report.iterations;
    let name = format!("state_space_matern52_fit_predict_n{n}");
    ex.record(OurCase {
        name,
        n,
        ours_s: elapsed,
        notes: format!(
            "L-BFGS {iters} iterations to lml {:.6e}, then predict at {n} new points; {} threads; no Python peer",
            report.log_marginal_likelihood,
            threads()
        ),
    });
    Ok(())
}

/// A Matern 5/2 product kernel on an `m^3` grid of the unit cube: fit all
/// seven log-hyperparameters by L-BFGS, then predict mean and variance on
/// the `m^3` grid of cell midpoints shifted by half a step.
fn kronecker_case(ex: &mut Exchange, m: usize) -> std::io::Result<()> {
    let axis: Vec<f64> = (0..m).map(|i| i as f64 / (m - 1) as f64).collect();
    let mut u = lcg(5);
    let mut y = Vec::with_capacity(m * m * m);
    for &a in &axis {
        for &b in &axis {
            for &c in &axis {
                y.push((3.0 * a).sin() * (2.0 * b).cos() + (4.0 * c).sin() * a + 0.2 * (u() - 0.5));
            }
        }
    }
    let axes = vec![axis.clone(), axis.clone(), axis.clone()];
    let half = 0.5 / (m - 1) as f64;
    let test: Vec<Vec<f64>> = (0..3)
        .map(|_| axis.iter().map(|v| v + half).collect())
        .collect();
    let kernel = || Stationary::new(Matern52, 1.0, 0.5).map_err(std::io::Error::other);
    let kernels = vec![kernel()?, kernel()?, kernel()?];
    let start = std::time::Instant::now();
    let (gp, report) = KroneckerGp::fit(kernels, axes, 0.1, y, &FitOptions::default())
        .map_err(std::io::Error::other)?;
    let pred = gp.predict_grid(&test).map_err(std::io::Error::other)?;
    let elapsed = start.elapsed().as_secs_f64();
    std::hint::black_box(&pred);
    let n = m * m * m;
    ex.record(OurCase {
        name: format!("kronecker_gp_fit_predict_{m}x{m}x{m}"),
        n,
        ours_s: elapsed,
        notes: format!(
            "Matern-5/2 product kernel, 7 log-hyperparameters; L-BFGS {} iterations to lml {:.6e}, then mean and variance on a {m}^3 grid of new points; {} threads; no Python peer",
            report.iterations,
            report.log_marginal_likelihood,
            threads()
        ),
    });
    Ok(())
}

/// Runs the kernels area.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    lml_case(ex, 2000, 3)?;
    // Median of three at N = 5000 too: one run on a shared machine is noisy.
    lml_case(ex, 5000, 3)?;
    kernel_sum_case(ex, 20_000, 3)?;
    kernel_sum_case(ex, 100_000, 0)?;
    state_space_case(ex, 1_000_000)?;
    kronecker_case(ex, 100)?;
    Ok(())
}
