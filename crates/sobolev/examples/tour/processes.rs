//! Gaussian processes: a state-space Matern-3/2 GP on a million time
//! points, O(N) by Kalman filtering and RTS smoothing.

use crate::Outcome;
use crate::plot::{Frame, chart};
use crate::report::Report;
use plotters::prelude::*;
use sobolev::kernels::gp::MaternOrder;
use sobolev::kernels::{GaussianProcess, Points, StateSpaceGp};
use std::time::Instant;

/// A smooth signal plus deterministic pseudo-random noise of sd ~0.1.
fn observations(t: &[f64]) -> Vec<f64> {
    t.iter()
        .enumerate()
        .map(|(i, s)| {
            let u = ((i as f64 * 12.9898).sin() * 43758.5453).fract();
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
        let band: Vec<(f64, f64)> = query
            .iter()
            .zip(&pred.mean)
            .zip(&pred.variance)
            .map(|((&q, &m), &v)| (q, m + 2.0 * v.max(0.0).sqrt()))
            .chain(
                query
                    .iter()
                    .zip(&pred.mean)
                    .zip(&pred.variance)
                    .rev()
                    .map(|((&q, &m), &v)| (q, m - 2.0 * v.max(0.0).sqrt())),
            )
            .collect();
        c.draw_series(std::iter::once(Polygon::new(band, BLUE.mix(0.2))))?
            .label("mean +- 2 sd")
            .legend(|(x, y)| Rectangle::new([(x, y - 4), (x + 16, y + 4)], BLUE.mix(0.2).filled()));
        c.draw_series(LineSeries::new(
            query.iter().copied().zip(pred.mean.iter().copied()),
            BLUE.stroke_width(2),
        ))?
        .label("posterior mean")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE.stroke_width(2)));
        Ok(())
    })?;
    rep.markdown("![state-space GP](state_space_gp.svg)");
    Ok(())
}
