//! Gaussian processes on a million points: a state-space Matern-3/2 GP on
//! a time series (Kalman filtering and RTS smoothing, O(N)) and a Kronecker
//! GP on a 100 x 100 x 100 grid (per-axis eigendecompositions).

use crate::Outcome;
use crate::plot::{Frame, chart, posterior};
use crate::report::Report;
use plotters::prelude::*;
use sobolev::kernels::gp::MaternOrder;
use sobolev::kernels::kernel::{Matern52, Stationary};
use sobolev::kernels::{GaussianProcess, KroneckerGp, Points, StateSpaceGp};
use std::time::Instant;

/// A smooth signal plus deterministic pseudo-random noise of sd ~0.1.
fn observations(t: &[f64]) -> Vec<f64> {
    t.iter()
        .enumerate()
        .map(|(i, s)| {
            let u = ((i as f64 * 12.9898).sin() * 43758.5453).rem_euclid(1.0);
            (0.7 * s).sin() + 0.3 * (0.13 * s).cos() + 0.35 * (u - 0.5)
        })
        .collect()
}

pub(crate) fn state_space_gp(rep: &mut Report) -> Outcome {
    rep.section(
        "A Gaussian process on a million time points",
        "Matern-3/2 GP regression on 1e6 noisy observations through its state-space form \
         (Kalman filter and RTS smoother, O(N) time and memory): the posterior mean and a \
         two-standard-deviation band over a window of the series.",
    );
    let n = 1_000_000;
    let t: Vec<f64> = (0..n).map(|i| i as f64 * 0.01).collect();
    let y = observations(&t);
    let start = Instant::now();
    let points = Points::from_1d(&t)?;
    let gp = StateSpaceGp::new(MaternOrder::ThreeHalves, 1.0, 2.0, 0.01, &points, &y)?;
    let build = start.elapsed().as_secs_f64();
    let (lo, hi) = (5000.0, 5030.0);
    let query: Vec<f64> = (0..=600)
        .map(|i| lo + (hi - lo) * i as f64 / 600.0)
        .collect();
    let start = Instant::now();
    let pred = gp.predict(&Points::from_1d(&query)?)?;
    let predict = start.elapsed().as_secs_f64();
    rep.row(
        "GP",
        "state-space Matern-3/2, 1e6 points: filter + smoother",
        format!(
            "{build:.2} s, log marginal likelihood {:.1}",
            gp.log_marginal_likelihood()
        ),
    );
    rep.row(
        "GP",
        "posterior at 601 query points",
        format!("{:.1} ms", 1e3 * predict),
    );
    let path = rep.figure_path("state_space_gp.svg");
    let frame = Frame {
        title: "State-space GP, 1e6 observations (window t in [5000, 5030])",
        x: (lo, hi),
        y: (-1.8, 1.8),
        x_label: "t",
        y_label: "y",
    };
    let (i0, i1) = ((lo / 0.01) as usize, (hi / 0.01) as usize);
    chart(&path, (900, 420), &frame, |c| {
        c.draw_series(
            (i0..=i1)
                .step_by(3)
                .map(|i| Circle::new((t[i], y[i]), 1, BLACK.mix(0.35).filled())),
        )?
        .label("observations (every third)")
        .legend(|(x, y)| Circle::new((x, y), 2, BLACK.mix(0.35).filled()));
        posterior(c, &query, &pred.mean, &pred.variance)?;
        Ok(())
    })?;
    rep.markdown("![state-space GP](state_space_gp.svg)");
    Ok(())
}

/// A smooth field on the unit cube with noise of sd 0.05.
fn field(a: f64, b: f64, c: f64) -> f64 {
    (3.0 * a).sin() * (2.0 * b).cos() + 0.5 * (4.0 * c).sin() * a
}

pub(crate) fn kronecker_gp(rep: &mut Report) -> Outcome {
    rep.section(
        "A Kronecker GP on a 100 x 100 x 100 grid",
        "Matern-5/2 product kernel on 1e6 noisy observations of a smooth field on a full 3-D \
         grid: exact log marginal likelihood from three 100 x 100 eigendecompositions, and the \
         posterior along the line (x, 0.37, 0.61) between grid points, against the true field.",
    );
    let n = 100;
    let axis: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
    let mut y = Vec::with_capacity(n * n * n);
    let mut k = 0usize;
    for &a in &axis {
        for &b in &axis {
            for &c in &axis {
                let u = ((k as f64 * 12.9898).sin() * 43758.5453).rem_euclid(1.0);
                y.push(field(a, b, c) + 0.17 * (u - 0.5));
                k += 1;
            }
        }
    }
    let kernel = |v: f64| Stationary::new(Matern52, v, 0.4);
    let start = Instant::now();
    let gp = KroneckerGp::new(
        vec![kernel(1.0)?, kernel(1.0)?, kernel(1.0)?],
        vec![axis.clone(), axis.clone(), axis.clone()],
        0.0025,
        y,
    )?;
    let build = start.elapsed().as_secs_f64();
    let xs: Vec<f64> = (0..=200).map(|i| i as f64 / 200.0).collect();
    let rows: Vec<[f64; 3]> = xs.iter().map(|&x| [x, 0.37, 0.61]).collect();
    let start = Instant::now();
    let pred = gp.predict(&Points::from_rows(&rows)?)?;
    let predict = start.elapsed().as_secs_f64();
    let err = xs
        .iter()
        .zip(&pred.mean)
        .map(|(&x, m)| (m - field(x, 0.37, 0.61)).abs())
        .fold(0.0, f64::max);
    rep.row(
        "GP",
        "Kronecker Matern-5/2, 100^3 = 1e6 grid points: plan + solve",
        format!(
            "{build:.2} s, log marginal likelihood {:.1}",
            gp.log_marginal_likelihood()
        ),
    );
    rep.row(
        "GP",
        "Kronecker posterior at 201 off-grid points",
        format!("{:.2} s, max |mean - truth| {err:.3}", predict),
    );
    let path = rep.figure_path("kronecker_gp.svg");
    let frame = Frame {
        title: "Kronecker GP, 1e6 grid points: posterior on the line (x, 0.37, 0.61)",
        x: (0.0, 1.0),
        y: (-1.6, 1.6),
        x_label: "x",
        y_label: "f",
    };
    chart(&path, (900, 420), &frame, |c| {
        c.draw_series(LineSeries::new(
            xs.iter().map(|&x| (x, field(x, 0.37, 0.61))),
            BLACK.stroke_width(1),
        ))?
        .label("true field")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK));
        posterior(c, &xs, &pred.mean, &pred.variance)?;
        Ok(())
    })?;
    rep.markdown("![Kronecker GP](kronecker_gp.svg)");
    Ok(())
}
