//! QuasiPeriodicGp against ExactGp with the kernel Periodic x Matern: log
//! marginal likelihood, its gradient, predictions, fitting and bad input.

use sobolev_kernels::gp::MaternOrder;
use sobolev_kernels::kernel::{
    Matern12, Matern32, Matern52, Periodic, Product, Profile, Stationary,
};
use sobolev_kernels::{
    Error, ExactGp, FitOptions, GaussianProcess, Points, QuasiPeriodicGp, QuasiPeriodicKernel,
};

/// `n` irregular times in `[0, 10]` (one repeated) and noisy quasi-periodic
/// targets with period `period`.
fn data(n: usize, period: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut s: u64 = seed;
    let mut u = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut t: Vec<f64> = (0..n).map(|_| 10.0 * u()).collect();
    t[5] = t[3];
    let w = 2.0 * std::f64::consts::PI / period;
    let y = t
        .iter()
        .map(|&x| (w * x).sin() * (1.0 + 0.3 * (0.2 * x).cos()) + 0.1 * (u() - 0.5))
        .collect();
    (t, y)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1.0)
}

fn kernel(order: MaternOrder, periodic_lengthscale: f64) -> QuasiPeriodicKernel {
    QuasiPeriodicKernel {
        order,
        variance: 1.3,
        lengthscale: 2.5,
        periodic_lengthscale,
        period: 2.1,
    }
}

/// Worst relative difference to ExactGp over LML, gradient, mean and
/// variance, and the number of harmonics kept.
fn compare<P: Profile>(order: MaternOrder, profile: P, periodic_lengthscale: f64) -> (f64, usize) {
    let (t, y) = data(60, 2.0, 12345);
    let k = kernel(order, periodic_lengthscale);
    let noise = 0.02;
    let x = Points::from_1d(&t).unwrap();
    let qp = QuasiPeriodicGp::with_truncation(k, noise, 1e-15, &x, &y).unwrap();
    let product = Product::new(
        Periodic::new(1.0, k.periodic_lengthscale, k.period).unwrap(),
        Stationary::new(profile, k.variance, k.lengthscale).unwrap(),
    )
    .unwrap();
    let ex = ExactGp::new(product, noise, x, y).unwrap();
    let mut worst = rel(qp.log_marginal_likelihood(), ex.log_marginal_likelihood());
    let g = qp.log_marginal_likelihood_gradient().unwrap();
    // ExactGp: [periodic variance, l_p, p, s^2, l, noise].
    let ge = ex.log_marginal_likelihood_gradient();
    for (a, b) in g.iter().zip([ge[3], ge[4], ge[1], ge[2], ge[5]]) {
        worst = worst.max(rel(*a, b));
    }
    assert!(rel(ge[0], ge[3]) < 1e-12);
    let xs = Points::from_1d(&[-1.0, 0.0, t[3], 2.5, 5.0, 7.77, 9.9, 12.0, 2.5]).unwrap();
    let (pq, pe) = (qp.predict(&xs).unwrap(), ex.predict(&xs).unwrap());
    for i in 0..xs.len() {
        worst = worst.max(rel(pq.mean[i], pe.mean[i]));
        worst = worst.max(rel(pq.variance[i], pe.variance[i]));
    }
    (worst, qp.harmonics())
}

#[test]
fn matches_exact_gp() {
    for lp in [0.6, 1.5] {
        for (order, (err, j)) in [
            (MaternOrder::Half, compare(MaternOrder::Half, Matern12, lp)),
            (
                MaternOrder::ThreeHalves,
                compare(MaternOrder::ThreeHalves, Matern32, lp),
            ),
            (
                MaternOrder::FiveHalves,
                compare(MaternOrder::FiveHalves, Matern52, lp),
            ),
        ] {
            eprintln!("{order:?}, l_p = {lp}: J = {j}, worst relative difference {err:.2e}");
            assert!(err < 1e-9, "{order:?} l_p = {lp}: {err:e}");
        }
    }
}

#[test]
fn gradient_matches_finite_differences() {
    let (t, y) = data(40, 2.0, 777);
    let x = Points::from_1d(&t).unwrap();
    let k = kernel(MaternOrder::ThreeHalves, 0.9);
    let gp = QuasiPeriodicGp::new(k, 0.05, &x, &y).unwrap();
    let g = gp.log_marginal_likelihood_gradient().unwrap();
    let p0 = gp.log_params();
    let lml_at = |p: &[f64]| {
        let kk = QuasiPeriodicKernel {
            order: k.order,
            variance: p[0].exp(),
            lengthscale: p[1].exp(),
            periodic_lengthscale: p[2].exp(),
            period: p[3].exp(),
        };
        QuasiPeriodicGp::with_truncation(kk, p[4].exp(), 1e-15, &x, &y)
            .unwrap()
            .log_marginal_likelihood()
    };
    let h = 1e-5;
    for i in 0..5 {
        let (mut a, mut b) = (p0.clone(), p0.clone());
        a[i] += h;
        b[i] -= h;
        let fd = (lml_at(&a) - lml_at(&b)) / (2.0 * h);
        eprintln!(
            "d/dp[{i}]: analytic {:.10e}, central difference {fd:.10e}",
            g[i]
        );
        assert!(rel(g[i], fd) < 1e-7, "parameter {i}: {} vs {fd}", g[i]);
    }
}

#[test]
fn harmonics_follow_the_truncation() {
    let x = Points::from_1d(&[0.0, 1.0]).unwrap();
    let y = [0.1, -0.2];
    let loose = QuasiPeriodicGp::with_truncation(kernel(MaternOrder::Half, 1.0), 0.1, 1e-4, &x, &y)
        .unwrap();
    let tight = QuasiPeriodicGp::new(kernel(MaternOrder::Half, 1.0), 0.1, &x, &y).unwrap();
    let short = QuasiPeriodicGp::new(kernel(MaternOrder::Half, 0.3), 0.1, &x, &y).unwrap();
    assert!(loose.harmonics() < tight.harmonics());
    assert!(tight.harmonics() < short.harmonics());
    assert_eq!(tight.state_dim(), 2 * (tight.harmonics() + 1));
    // A very short periodic lengthscale needs too many harmonics.
    assert!(matches!(
        QuasiPeriodicGp::new(kernel(MaternOrder::Half, 0.02), 0.1, &x, &y),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn bad_input_gives_typed_errors() {
    let x = Points::from_1d(&[0.0, 1.0, 2.0]).unwrap();
    let y = [0.1, -0.2, 0.3];
    let k = kernel(MaternOrder::FiveHalves, 1.0);
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        for which in 0..4 {
            let mut kb = k;
            match which {
                0 => kb.variance = bad,
                1 => kb.lengthscale = bad,
                2 => kb.periodic_lengthscale = bad,
                _ => kb.period = bad,
            }
            assert!(matches!(
                QuasiPeriodicGp::new(kb, 0.1, &x, &y),
                Err(Error::InvalidArgument(_))
            ));
        }
        assert!(matches!(
            QuasiPeriodicGp::new(k, bad, &x, &y),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(
        QuasiPeriodicGp::with_truncation(k, 0.1, 0.0, &x, &y),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        QuasiPeriodicGp::new(k, 0.1, &x, &y[..2]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        QuasiPeriodicGp::new(k, 0.1, &x, &[0.1, f64::NAN, 0.3]),
        Err(Error::NonFinite(_))
    ));
    let x2 = Points::new(vec![0.0, 1.0, 2.0, 3.0], 2).unwrap();
    assert!(matches!(
        QuasiPeriodicGp::new(k, 0.1, &x2, &y[..2]),
        Err(Error::ShapeMismatch { .. })
    ));
    let gp = QuasiPeriodicGp::new(k, 0.1, &x, &y).unwrap();
    assert!(matches!(gp.predict(&x2), Err(Error::ShapeMismatch { .. })));
    let json = serde_json::to_string(&gp).unwrap();
    assert_eq!(gp, serde_json::from_str::<QuasiPeriodicGp>(&json).unwrap());
}

#[test]
fn fit_recovers_the_period_and_matches_exact_gp() {
    let period = 1.7;
    let mut s: u64 = 99;
    let mut u = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let t: Vec<f64> = (0..150).map(|_| 15.0 * u()).collect();
    let w = 2.0 * std::f64::consts::PI / period;
    let y: Vec<f64> = t
        .iter()
        .map(|&x| (w * x).sin() * (1.0 + 0.3 * (0.3 * x).cos()) + 0.2 * (u() - 0.5))
        .collect();
    let x = Points::from_1d(&t).unwrap();
    let start = QuasiPeriodicKernel {
        order: MaternOrder::ThreeHalves,
        variance: 1.0,
        lengthscale: 3.0,
        periodic_lengthscale: 1.0,
        period: 1.6,
    };
    let options = FitOptions::default();
    let (gp, report) = QuasiPeriodicGp::fit(start, 0.05, &x, &y, &options).unwrap();
    let fitted = gp.kernel();
    eprintln!(
        "fitted {fitted:?}, noise {:.4e}, J = {}, lml {:.10}, {} iterations",
        gp.noise_variance(),
        gp.harmonics(),
        gp.log_marginal_likelihood(),
        report.iterations
    );
    assert!((fitted.period / period - 1.0).abs() < 0.03, "{fitted:?}");
    let g = gp.log_marginal_likelihood_gradient().unwrap();
    assert!(g.iter().all(|v| v.abs() < 1e-3), "{g:?} after {report:?}");

    let product = Product::new(
        Periodic::new(1.0, start.periodic_lengthscale, start.period).unwrap(),
        Stationary::new(Matern32, start.variance, start.lengthscale).unwrap(),
    )
    .unwrap();
    let (ex, _) = ExactGp::fit(product, 0.05, x, y, &options).unwrap();
    let lml_ex = ex.log_marginal_likelihood();
    eprintln!("ExactGp::fit lml {lml_ex:.10}");
    assert!(rel(gp.log_marginal_likelihood(), lml_ex) < 1e-6);
    let pe = ex.log_params();
    // ExactGp: [periodic variance, l_p, p, s^2, l, noise]; the two
    // variances enter only through their product.
    let pq = gp.log_params();
    assert!((pq[0] - (pe[0] + pe[3])).abs() < 1e-3, "{pq:?} vs {pe:?}");
    for (a, b) in [
        (pq[1], pe[4]),
        (pq[2], pe[1]),
        (pq[3], pe[2]),
        (pq[4], pe[5]),
    ] {
        assert!((a - b).abs() < 1e-3, "{pq:?} vs {pe:?}");
    }
}

#[test]
fn reversed_regular_grid_matches_exact_gp() {
    // A regular grid reuses one transition; given in reverse order.
    let t: Vec<f64> = (0..50).rev().map(|i| 0.2 * i as f64).collect();
    let y: Vec<f64> = t.iter().map(|s| (2.5 * s).sin() + 0.1 * s).collect();
    let x = Points::from_1d(&t).unwrap();
    let k = kernel(MaternOrder::FiveHalves, 0.8);
    let qp = QuasiPeriodicGp::with_truncation(k, 0.03, 1e-15, &x, &y).unwrap();
    let product = Product::new(
        Periodic::new(1.0, k.periodic_lengthscale, k.period).unwrap(),
        Stationary::new(Matern52, k.variance, k.lengthscale).unwrap(),
    )
    .unwrap();
    let ex = ExactGp::new(product, 0.03, x.clone(), y).unwrap();
    let mut worst = rel(qp.log_marginal_likelihood(), ex.log_marginal_likelihood());
    let g = qp.log_marginal_likelihood_gradient().unwrap();
    let ge = ex.log_marginal_likelihood_gradient();
    for (a, b) in g.iter().zip([ge[3], ge[4], ge[1], ge[2], ge[5]]) {
        worst = worst.max(rel(*a, b));
    }
    let (pq, pe) = (qp.predict(&x).unwrap(), ex.predict(&x).unwrap());
    for i in 0..x.len() {
        worst = worst.max(rel(pq.mean[i], pe.mean[i]));
        worst = worst.max(rel(pq.variance[i], pe.variance[i]));
    }
    eprintln!("regular grid: worst relative difference {worst:.2e}");
    assert!(worst < 1e-9, "{worst:e}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]
    /// The model does not depend on the order of the observations, and
    /// predictions at permuted inputs are the permuted predictions.
    #[test]
    fn invariant_under_permutation(seed in 0u64..1000, rot in 1usize..29) {
        let (t, y) = data(30, 1.5, seed + 1);
        let k = kernel(MaternOrder::ThreeHalves, 1.1);
        let x = Points::from_1d(&t).unwrap();
        let gp = QuasiPeriodicGp::new(k, 0.05, &x, &y).unwrap();
        let (mut tp, mut yp) = (t.clone(), y.clone());
        tp.rotate_left(rot);
        yp.rotate_left(rot);
        let gq = QuasiPeriodicGp::new(k, 0.05, &Points::from_1d(&tp).unwrap(), &yp).unwrap();
        proptest::prop_assert!(rel(gp.log_marginal_likelihood(), gq.log_marginal_likelihood()) < 1e-12);
        let xs = [11.0, -0.5, 3.3, 7.1, 0.2];
        let mut xr = xs;
        xr.rotate_left(2);
        let a = gp.predict(&Points::from_1d(&xs).unwrap()).unwrap();
        let b = gp.predict(&Points::from_1d(&xr).unwrap()).unwrap();
        for i in 0..xs.len() {
            let j = (i + xs.len() - 2) % xs.len();
            proptest::prop_assert_eq!(a.mean[i], b.mean[j]);
            proptest::prop_assert_eq!(a.variance[i], b.variance[j]);
        }
    }
}

#[test]
fn prior_samples_have_the_kernel_covariance() {
    use rand::SeedableRng;
    use sobolev_kernels::Kernel;
    let k = kernel(MaternOrder::ThreeHalves, 0.9);
    let ts = [3.0, 0.0, 0.4, 1.05, 2.1, 2.1, 5.5];
    let xs = Points::from_1d(&ts).unwrap();
    let n = 4000;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let draws = QuasiPeriodicGp::sample_prior(k, &xs, n, &mut rng).unwrap();
    let product = Product::new(
        Periodic::new(1.0, k.periodic_lengthscale, k.period).unwrap(),
        Stationary::new(Matern32, k.variance, k.lengthscale).unwrap(),
    )
    .unwrap();
    let mut worst: f64 = 0.0;
    for i in 0..ts.len() {
        for j in 0..=i {
            let c: f64 = (0..n).map(|s| draws[(i, s)] * draws[(j, s)]).sum::<f64>() / n as f64;
            let kij = product.eval(&[ts[i]], &[ts[j]]);
            let (kii, kjj) = (
                product.eval(&[ts[i]], &[ts[i]]),
                product.eval(&[ts[j]], &[ts[j]]),
            );
            let se = ((kii * kjj + kij * kij) / n as f64).sqrt();
            worst = worst.max(((c - kij) / se).abs());
        }
    }
    eprintln!("prior covariance: largest |z| {worst:.2} over 28 statistics");
    assert!(worst < 5.0, "{worst}");
    // Equal inputs give equal draws.
    assert_eq!(draws[(4, 0)], draws[(5, 0)]);
}

#[test]
fn posterior_samples_match_predict() {
    use rand::SeedableRng;
    let (t, y) = data(40, 2.0, 31);
    let x = Points::from_1d(&t).unwrap();
    let gp = QuasiPeriodicGp::new(kernel(MaternOrder::Half, 1.1), 0.05, &x, &y).unwrap();
    let ts = [t[0], 11.0, -0.7, 4.44, t[7], 6.0, t[3]];
    let xs = Points::from_1d(&ts).unwrap();
    let n = 2000;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let draws = gp.sample_posterior(&xs, n, &mut rng).unwrap();
    let pred = gp.predict(&xs).unwrap();
    let mut worst: f64 = 0.0;
    for i in 0..ts.len() {
        let mean = (0..n).map(|s| draws[(i, s)]).sum::<f64>() / n as f64;
        let var = (0..n).map(|s| (draws[(i, s)] - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let v = pred.variance[i];
        worst = worst.max((mean - pred.mean[i]).abs() / (v / n as f64).sqrt());
        worst = worst.max((var - v).abs() / (v * (2.0 / n as f64).sqrt()));
    }
    eprintln!("posterior moments: largest |z| {worst:.2} over 14 statistics");
    assert!(worst < 5.0, "{worst}");
}
