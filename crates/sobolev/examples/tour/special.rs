//! Special functions: log-Bessel accuracy over the committed mpmath table,
//! and a von Mises-Fisher fit in 32768 dimensions.

use crate::Outcome;
use crate::plot::{Frame, chart, ramp};
use crate::report::Report;
use plotters::prelude::*;
use rand::SeedableRng;
use sobolev::manifolds::distributions::VonMisesFisher;
use sobolev::manifolds::{Manifold, Sphere};
use sobolev::special::{log_bessel_i, log_bessel_k};
use std::time::Instant;

/// The mpmath reference table of the special-functions tests:
/// `v, x, ln I (hi, lo), ln K (hi, lo), ratio (hi, lo)`.
const TABLE: &str = include_str!("../../../special/tests/data/log_bessel.csv");

/// `ln` of the largest and smallest positive doubles.
const LN_MAX: f64 = 709.782712893384;
const LN_MIN: f64 = -745.1332191019412;

pub(crate) fn log_bessel_accuracy(rep: &mut Report) -> Outcome {
    rep.section(
        "Log-Bessel functions against mpmath",
        "Relative error `|computed - exact| / max(1, |exact|)` of `log_bessel_i` and \
         `log_bessel_k` on the committed 50-digit mpmath table (the worse of the two at each \
         point). Crosses mark where SciPy's route must fail: the points where the scaled \
         `ive(v, x) = exp(-x) I_v(x)` or `kve(v, x) = exp(x) K_v(x)` leaves the double range, \
         so that `log(ive) + x` or `log(kve) - x` is infinite (SciPy also fails in places \
         where the scaled values are representable; `cargo xtask peers special` counts those).",
    );
    let start = Instant::now();
    let mut pts = Vec::new();
    for line in TABLE.lines().skip(1) {
        let f: Vec<f64> = line.split(',').filter_map(|s| s.parse().ok()).collect();
        if f.len() < 6 {
            continue;
        }
        let (v, x, li, lk) = (f[0], f[1], f[2] + f[3], f[4] + f[5]);
        let ei = (log_bessel_i(v, x) - li).abs() / li.abs().max(1.0);
        let ek = (log_bessel_k(v, x) - lk).abs() / lk.abs().max(1.0);
        // SciPy's route `log(ive(v, x)) + x`, `log(kve(v, x)) - x` fails
        // where the scaled functions leave the double range.
        let outside =
            !(LN_MIN..LN_MAX).contains(&(li - x)) || !(LN_MIN..LN_MAX).contains(&(lk + x));
        pts.push((x.log10(), (1.0 + v).log10(), ei.max(ek), outside));
    }
    let secs = start.elapsed().as_secs_f64();
    let mut errs: Vec<f64> = pts.iter().map(|p| p.2).collect();
    errs.sort_by(f64::total_cmp);
    let n = errs.len();
    let outside = pts.iter().filter(|p| p.3).count();
    rep.row(
        "special",
        "log I/K reference points",
        format!("{n} (v to 1e6, x 1e-300..1e300)"),
    );
    rep.row(
        "special",
        "log I/K median relative error",
        format!("{:.1e}", errs[n / 2]),
    );
    rep.row(
        "special",
        "log I/K max relative error",
        format!("{:.1e}", errs[n - 1]),
    );
    rep.row(
        "special",
        "points where SciPy's log(ive)+x or log(kve)-x is not finite",
        format!("{outside} of {n} (all finite here, {secs:.3} s)"),
    );
    let path = rep.figure_path("log_bessel_accuracy.svg");
    let frame = Frame {
        title: "log I_v(x), log K_v(x): relative error vs mpmath",
        x: (-305.0, 305.0),
        y: (-0.1, 6.3),
        x_label: "log10 x",
        y_label: "log10(1 + v)",
    };
    chart(&path, (900, 520), &frame, |c| {
        c.draw_series(
            pts.iter()
                .filter(|p| p.3)
                .map(|&(x, v, _, _)| Cross::new((x, v), 5, BLACK.mix(0.25).stroke_width(1))),
        )?
        .label("SciPy log(ive)+x or log(kve)-x not finite")
        .legend(|(x, y)| Cross::new((x, y), 5, BLACK.mix(0.4)));
        c.draw_series(pts.iter().map(|&(x, v, e, _)| {
            // 1e-17 (blue) to 1e-14 (red).
            let t = ((e.max(1e-17)).log10() + 17.0) / 3.0;
            Circle::new((x, v), 3, ramp(t).filled())
        }))?
        .label("relative error, blue 1e-17 .. red 1e-14")
        .legend(|(x, y)| Circle::new((x, y), 3, ramp(0.5).filled()));
        Ok(())
    })?;
    rep.markdown("![log-Bessel accuracy](log_bessel_accuracy.svg)");
    Ok(())
}

pub(crate) fn vmf_fit(rep: &mut Report) -> Outcome {
    rep.section(
        "A von Mises-Fisher fit in 32768 dimensions",
        "400 draws from vMF(mu, kappa = 20000) on S^32767 by Wood's sampler, then the \
         maximum-likelihood fit through the log-space Bessel ratio (SciPy's \
         `vonmises_fisher.fit` returns kappa = 1e-8 here: its Bessel ratio overflows).",
    );
    let p = 32768;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mu = Sphere::new(p)?.random_point(&mut rng);
    let truth = VonMisesFisher::new(mu.clone(), 20000.0)?;
    let start = Instant::now();
    let draws: Vec<Vec<f64>> = (0..400).map(|_| truth.sample(&mut rng)).collect();
    let t_sample = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let fit = VonMisesFisher::fit(&draws)?;
    let t_fit = start.elapsed().as_secs_f64();
    let cos: f64 = mu
        .iter()
        .zip(fit.mean_direction())
        .map(|(a, b)| a * b)
        .sum();
    rep.row(
        "vMF",
        "kappa fitted (true 20000), p = 32768",
        format!(
            "{:.1} (sample {t_sample:.2} s, fit {:.1} ms)",
            fit.kappa(),
            1e3 * t_fit
        ),
    );
    rep.row(
        "vMF",
        "angle between fitted and true mean direction",
        format!("{:.2e} rad", cos.min(1.0).acos()),
    );
    Ok(())
}
