//! Geometry: Frechet means of SPD matrices drawn as ellipses, and
//! geodesics in the Poincare disk up to its boundary.

use crate::Outcome;
use crate::plot::{Frame, chart, ramp};
use crate::report::Report;
use plotters::prelude::*;
use rand::{Rng, SeedableRng};
use sobolev::manifolds::stats::{MeanOptions, frechet_mean};
use sobolev::manifolds::{AffineInvariant, LogEuclidean, Manifold, Mat, PoincareBall, Spd};
use std::time::Instant;

/// The ellipse `{S u : |u| = 1}`, `S = P^{1/2}`, of a 2 x 2 SPD matrix.
fn ellipse(p: &Mat<f64>) -> Vec<(f64, f64)> {
    let (a, b, d) = (p[(0, 0)], p[(0, 1)], p[(1, 1)]);
    // Closed-form square root of a 2 x 2 SPD matrix.
    let s = (a * d - b * b).sqrt();
    let t = (a + d + 2.0 * s).sqrt();
    let (r00, r01, r11) = ((a + s) / t, b / t, (d + s) / t);
    (0..=100)
        .map(|k| {
            let th = std::f64::consts::TAU * k as f64 / 100.0;
            let (c, sn) = (th.cos(), th.sin());
            (r00 * c + r01 * sn, r01 * c + r11 * sn)
        })
        .collect()
}

pub(crate) fn spd_means(rep: &mut Report) -> Outcome {
    rep.section(
        "Frechet means of covariance matrices",
        "Twelve random 2 x 2 covariance matrices (thin ellipses) and their affine-invariant and \
         log-Euclidean Frechet means (thick). The affine-invariant mean of 100 SPD(60) matrices \
         is timed as well.",
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let pts: Vec<Mat<f64>> = (0..12)
        .map(|_| {
            let th: f64 = rng.random_range(0.0..std::f64::consts::PI);
            let (l1, l2) = (
                rng.random_range(0.3..2.0f64),
                rng.random_range(0.05..0.4f64),
            );
            let (c, s) = (th.cos(), th.sin());
            Mat::from_fn(2, 2, |i, j| {
                let u = [c, s];
                let w = [-s, c];
                l1 * u[i] * u[j] + l2 * w[i] * w[j]
            })
        })
        .collect();
    let opts = MeanOptions::default();
    let ai = frechet_mean(&Spd::<AffineInvariant>::new(2)?, &pts, None, &opts)?;
    let le = frechet_mean(&Spd::<LogEuclidean>::new(2)?, &pts, None, &opts)?;
    rep.row(
        "geometry",
        "SPD(2) affine-invariant mean",
        format!("{} Karcher iterations", ai.iterations),
    );
    // A bigger mean for timing: 100 SPD(60) matrices.
    let spd60 = Spd::<AffineInvariant>::new(60)?;
    let big: Vec<Mat<f64>> = (0..100)
        .map(|_| {
            let a = Mat::from_fn(60, 60, |_, _| rng.random_range(-1.0..1.0f64));
            let mut p = a.as_ref() * a.transpose();
            for i in 0..60 {
                p[(i, i)] += 1.0;
            }
            p
        })
        .collect();
    let start = Instant::now();
    let m60 = frechet_mean(
        &spd60,
        &big,
        None,
        &MeanOptions {
            tolerance: 1e-10,
            ..opts
        },
    )?;
    rep.row(
        "geometry",
        "affine-invariant mean of 100 SPD(60)",
        format!(
            "{:.2} s, {} iterations",
            start.elapsed().as_secs_f64(),
            m60.iterations
        ),
    );
    let path = rep.figure_path("spd_means.svg");
    let frame = Frame {
        title: "SPD(2) matrices as ellipses and their Frechet means",
        x: (-1.6, 1.6),
        y: (-1.6, 1.6),
        x_label: "",
        y_label: "",
    };
    chart(&path, (560, 560), &frame, |c| {
        for (k, p) in pts.iter().enumerate() {
            let s = c.draw_series(LineSeries::new(ellipse(p), ramp(k as f64 / 11.0).mix(0.6)))?;
            if k == 0 {
                s.label("data")
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], ramp(0.0)));
            }
        }
        c.draw_series(LineSeries::new(ellipse(&ai.mean), BLACK.stroke_width(3)))?
            .label("affine-invariant mean")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.stroke_width(3)));
        c.draw_series(LineSeries::new(ellipse(&le.mean), MAGENTA.stroke_width(2)))?
            .label("log-Euclidean mean")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], MAGENTA.stroke_width(2)));
        Ok(())
    })?;
    rep.markdown("![SPD means](spd_means.svg)");
    Ok(())
}

pub(crate) fn poincare_geodesics(rep: &mut Report) -> Outcome {
    rep.section(
        "Geodesics in the Poincare disk",
        "Geodesics between points up to 1e-12 from the boundary of the disk (curvature -1), \
         traced by `geodesic(p, q, t)`; each is a circular arc orthogonal to the boundary. \
         Distances stay finite and accurate at the boundary.",
    );
    let ball = PoincareBall::new(2, 1.0)?;
    let radii = [0.3, 0.9, 0.999, 1.0 - 1e-6, 1.0 - 1e-12];
    let mut ends = Vec::new();
    for (k, r) in radii.iter().enumerate() {
        let a = 0.4 + 1.3 * k as f64;
        let b = a + 2.2;
        ends.push((
            vec![r * a.cos(), r * a.sin()],
            vec![r * b.cos(), r * b.sin()],
        ));
    }
    let mut curves = Vec::new();
    let mut max_len = 0.0f64;
    for (p, q) in &ends {
        let d = ball.dist(p, q)?;
        max_len = max_len.max(d);
        let curve: Vec<(f64, f64)> = (0..=200)
            .map(|i| ball.geodesic(p, q, i as f64 / 200.0).map(|x| (x[0], x[1])))
            .collect::<Result<_, _>>()?;
        curves.push(curve);
    }
    rep.row(
        "geometry",
        "Poincare geodesic between points 1e-12 from the boundary",
        format!("length {max_len:.3} (finite)"),
    );
    let path = rep.figure_path("poincare_geodesics.svg");
    let frame = Frame {
        title: "Geodesics in the Poincare disk",
        x: (-1.05, 1.05),
        y: (-1.05, 1.05),
        x_label: "",
        y_label: "",
    };
    chart(&path, (560, 560), &frame, |c| {
        let circle: Vec<(f64, f64)> = (0..=360)
            .map(|k| {
                let t = std::f64::consts::TAU * k as f64 / 360.0;
                (t.cos(), t.sin())
            })
            .collect();
        c.draw_series(LineSeries::new(circle, BLACK))?;
        for (k, curve) in curves.iter().enumerate() {
            let colour = ramp(k as f64 / (curves.len() - 1) as f64);
            c.draw_series(LineSeries::new(curve.clone(), colour.stroke_width(2)))?
                .label(format!("|p| = |q| = 1 - {:.0e}", 1.0 - radii[k]))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                });
        }
        Ok(())
    })?;
    rep.markdown("![Poincare geodesics](poincare_geodesics.svg)");
    Ok(())
}
