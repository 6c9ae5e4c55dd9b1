//! SparseGp (Titsias SGPR): equality with ExactGp when the inducing inputs
//! are the data, the bound's analytic gradient against finite differences,
//! the bound's ordering properties, fitting and errors.

use sobolev_kernels::gp::FitOptions;
use sobolev_kernels::kernel::{Matern52, RationalQuadratic, Stationary};
use sobolev_kernels::{Error, ExactGp, GaussianProcess, Jitter, Kernel, Points, SparseGp};

/// `n` points in `[0, 4]^2` and noisy targets from a smooth function.
fn data(n: usize, seed: u64) -> (Points, Vec<f64>) {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let (a, b) = (4.0 * next(), 4.0 * next());
        x.extend([a, b]);
        y.push(a.sin() + 0.5 * (1.7 * b).cos() + 0.1 * (next() - 0.5));
    }
    (Points::new(x, 2).unwrap(), y)
}

fn subset(x: &Points, m: usize) -> Points {
    let rows: Vec<&[f64]> = (0..m).map(|i| x.row(i * x.len() / m)).collect();
    Points::from_rows(&rows).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1.0)
}

#[test]
fn inducing_at_the_data_recovers_the_exact_gp() {
    let (x, y) = data(40, 1);
    let kernel = Stationary::ard(Matern52, 1.3, vec![0.9, 1.4]).unwrap();
    let noise = 0.05;
    let exact = ExactGp::new(kernel.clone(), noise, x.clone(), y.clone()).unwrap();
    let sparse = SparseGp::new(kernel, noise, x.clone(), y, x.clone()).unwrap();
    let (le, ls) = (
        exact.log_marginal_likelihood(),
        sparse.log_marginal_likelihood(),
    );
    println!("LML exact {le} sparse {ls}: {:e}", rel(ls, le));
    assert!(rel(ls, le) < 1e-10);
    let ge = exact.log_marginal_likelihood_gradient();
    let gs = sparse.log_marginal_likelihood_gradient().unwrap();
    let gerr = ge
        .iter()
        .zip(&gs)
        .map(|(a, b)| rel(*b, *a))
        .fold(0.0, f64::max);
    println!("gradient {ge:?} vs {gs:?}: {gerr:e}");
    assert!(gerr < 1e-8);
    let (xs, _) = data(25, 9);
    let (pe, ps) = (exact.predict(&xs).unwrap(), sparse.predict(&xs).unwrap());
    let (mut em, mut ev) = (0.0f64, 0.0f64);
    for j in 0..xs.len() {
        em = em.max(rel(ps.mean[j], pe.mean[j]));
        ev = ev.max((ps.variance[j] - pe.variance[j]).abs());
    }
    println!("predictions: mean {em:e}, variance {ev:e}");
    assert!(em < 1e-9 && ev < 1e-9);
}

#[test]
fn bound_gradient_matches_finite_differences() {
    let (x, y) = data(80, 2);
    let z = subset(&x, 12);
    let kernel =
        Stationary::ard(RationalQuadratic::new(1.4).unwrap(), 0.9, vec![1.1, 0.7]).unwrap();
    let gp = SparseGp::new(kernel, 0.08, x, y, z).unwrap();
    let p0 = gp.log_params();
    let g = gp.log_marginal_likelihood_gradient().unwrap();
    assert_eq!(g.len(), p0.len());
    for j in 0..p0.len() {
        let h = 1e-5;
        let mut p = p0.clone();
        p[j] += h;
        let up = gp.with_log_params(&p).unwrap().log_marginal_likelihood();
        p[j] -= 2.0 * h;
        let down = gp.with_log_params(&p).unwrap().log_marginal_likelihood();
        let fd = (up - down) / (2.0 * h);
        println!("param {j}: analytic {} fd {fd}", g[j]);
        assert!((g[j] - fd).abs() < 1e-6 * (1.0 + fd.abs()), "param {j}");
    }
}

#[test]
fn inducing_gradient_matches_finite_differences() {
    let (x, y) = data(70, 6);
    let z = subset(&x, 9);
    let kernel = Stationary::ard(Matern52, 1.1, vec![0.9, 1.3]).unwrap();
    let gp = SparseGp::new(kernel.clone(), 0.06, x.clone(), y.clone(), z.clone()).unwrap();
    let g = gp.inducing_gradient().unwrap();
    assert_eq!(g.len(), z.as_slice().len());
    let mut worst = 0.0f64;
    for j in 0..g.len() {
        let h = 1e-6;
        let mut zp = z.as_slice().to_vec();
        zp[j] += h;
        let up = SparseGp::new(
            kernel.clone(),
            0.06,
            x.clone(),
            y.clone(),
            Points::new(zp.clone(), 2).unwrap(),
        )
        .unwrap()
        .log_marginal_likelihood();
        zp[j] -= 2.0 * h;
        let down = SparseGp::new(
            kernel.clone(),
            0.06,
            x.clone(),
            y.clone(),
            Points::new(zp, 2).unwrap(),
        )
        .unwrap()
        .log_marginal_likelihood();
        let fd = (up - down) / (2.0 * h);
        worst = worst.max((g[j] - fd).abs() / (1.0 + fd.abs()));
    }
    println!("inducing gradient vs central differences: {worst:e}");
    assert!(worst < 1e-6);
}

#[test]
fn optimising_inducing_inputs_raises_the_bound() {
    let (x, y) = data(120, 8);
    // A poor start: all inducing inputs in one corner.
    let z = Points::new(
        (0..8)
            .flat_map(|i| [0.1 * i as f64, 0.05 * i as f64])
            .collect(),
        2,
    )
    .unwrap();
    let kernel = Stationary::new(Matern52, 1.0, 1.0).unwrap();
    let options = FitOptions::default();
    let (fixed, _) = SparseGp::fit(
        kernel.clone(),
        0.1,
        x.clone(),
        y.clone(),
        z.clone(),
        &options,
    )
    .unwrap();
    let (moved, report) =
        SparseGp::fit_with_inducing(kernel, 0.1, x, y, z, Jitter::escalate(), &options).unwrap();
    assert_eq!(report.log_params.len(), 3 + 16);
    println!(
        "bound with fixed Z {}, with optimised Z {}",
        fixed.log_marginal_likelihood(),
        moved.log_marginal_likelihood()
    );
    assert!(moved.log_marginal_likelihood() > fixed.log_marginal_likelihood() + 1.0);
    assert!(moved.inducing_points().as_slice() != fixed.inducing_points().as_slice());
}

#[test]
fn bound_is_below_the_evidence_and_grows_with_inducing_points() {
    let (x, y) = data(60, 3);
    let kernel = Stationary::new(Matern52, 1.0, 0.8).unwrap();
    let exact = ExactGp::new(kernel.clone(), 0.02, x.clone(), y.clone())
        .unwrap()
        .log_marginal_likelihood();
    let mut last = f64::NEG_INFINITY;
    // Nested inducing sets: the first m data points.
    for m in [3, 6, 12, 24, 48] {
        let rows: Vec<&[f64]> = (0..m).map(|i| x.row(i)).collect();
        let z = Points::from_rows(&rows).unwrap();
        let b = SparseGp::new(kernel.clone(), 0.02, x.clone(), y.clone(), z)
            .unwrap()
            .log_marginal_likelihood();
        assert!(
            b <= exact + 1e-9 && b >= last - 1e-9,
            "m = {m}: {b} vs {exact}"
        );
        last = b;
    }
}

#[test]
fn fitting_improves_the_bound() {
    let (x, y) = data(150, 4);
    let z = subset(&x, 20);
    let kernel = Stationary::ard(Matern52, 0.3, vec![3.0, 3.0]).unwrap();
    let start = SparseGp::new(kernel.clone(), 0.5, x.clone(), y.clone(), z.clone())
        .unwrap()
        .log_marginal_likelihood();
    let (gp, report) = SparseGp::fit(kernel, 0.5, x, y, z, &FitOptions::default()).unwrap();
    assert!(report.log_marginal_likelihood > start + 10.0);
    assert!((gp.log_marginal_likelihood() - report.log_marginal_likelihood).abs() < 1e-8);
    let g = gp.log_marginal_likelihood_gradient().unwrap();
    let gnorm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
    assert!(gnorm < 1e-3 * 150.0, "gradient norm at the optimum {gnorm}");
    // The fitted model predicts the smooth function.
    let (xs, ys) = data(30, 11);
    let pred = gp.predict(&xs).unwrap();
    let rmse = (pred
        .mean
        .iter()
        .zip(&ys)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        / 30.0)
        .sqrt();
    assert!(rmse < 0.1, "rmse {rmse}");
}

#[test]
fn sparse_gp_errors_and_serde() {
    let (x, y) = data(20, 5);
    let kernel = Stationary::new(Matern52, 1.0, 0.8).unwrap();
    let z1 = Points::new(vec![0.0, 1.0, 2.0], 1).unwrap();
    assert!(matches!(
        SparseGp::new(kernel.clone(), 0.1, x.clone(), y.clone(), z1),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        SparseGp::new(kernel.clone(), 0.1, x.clone(), y[..5].to_vec(), x.clone()),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut bad = y.clone();
    bad[2] = f64::NAN;
    assert!(matches!(
        SparseGp::new(kernel.clone(), 0.1, x.clone(), bad, x.clone()),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        SparseGp::new(kernel.clone(), 0.0, x.clone(), y.clone(), x.clone()),
        Err(Error::InvalidArgument(_))
    ));
    // Duplicate inducing inputs: singular K(Z, Z) unless jitter is asked for.
    let dup = Points::new(vec![1.0, 1.0, 1.0, 1.0, 2.0, 0.5], 2).unwrap();
    assert!(matches!(
        SparseGp::new(kernel.clone(), 0.1, x.clone(), y.clone(), dup.clone()),
        Err(Error::NotPositiveDefinite(_))
    ));
    let gp = SparseGp::with_jitter(kernel, 0.1, x, y, dup, Jitter::escalate()).unwrap();
    assert!(gp.jitter() > 0.0);
    let json = serde_json::to_string(&gp).unwrap();
    let back: SparseGp<Stationary<Matern52>> = serde_json::from_str(&json).unwrap();
    assert_eq!(gp, back);
    assert_eq!(gp.kernel().num_params() + 1, gp.log_params().len());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Titsias's bound never exceeds the exact log marginal likelihood.
        #[test]
        fn bound_is_a_lower_bound(
            lv in -1.0f64..1.0, ll in -1.0f64..1.0, ln in -4.0f64..0.0,
            m in 2usize..15, seed in 0u64..1000,
        ) {
            let (x, y) = data(30, seed);
            let kernel = Stationary::new(Matern52, lv.exp(), ll.exp()).unwrap();
            let exact = ExactGp::new(kernel.clone(), ln.exp(), x.clone(), y.clone())
                .unwrap()
                .log_marginal_likelihood();
            let z = subset(&x, m);
            let bound = SparseGp::with_jitter(kernel, ln.exp(), x, y, z, Jitter::escalate())
                .unwrap()
                .log_marginal_likelihood();
            prop_assert!(bound <= exact + 1e-8 * (1.0 + exact.abs()), "{bound} > {exact}");
        }
    }
}
