//! StateSpaceGp against ExactGp with the same Matern kernel: log marginal
//! likelihood, its gradient and predictions.

use sobolev_kernels::gp::MaternOrder;
use sobolev_kernels::kernel::{Matern12, Matern32, Matern52, Profile, Stationary};
use sobolev_kernels::{Error, ExactGp, FitOptions, GaussianProcess, Points, StateSpaceGp};

fn data(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut s: u64 = 12345;
    let mut u = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut t: Vec<f64> = (0..n).map(|_| 10.0 * u()).collect();
    t[5] = t[3]; // a repeated input
    let y = t
        .iter()
        .map(|&x| (1.3 * x).sin() + 0.2 * (u() - 0.5))
        .collect();
    (t, y)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1.0)
}

fn compare<P: Profile>(order: MaternOrder, profile: P) -> f64 {
    let (t, y) = data(60);
    let (v, l, noise) = (1.4, 0.9, 0.03);
    let x = Points::from_1d(&t).unwrap();
    let ss = StateSpaceGp::new(order, v, l, noise, &x, &y).unwrap();
    let ex = ExactGp::new(Stationary::new(profile, v, l).unwrap(), noise, x, y).unwrap();
    let mut worst = rel(ss.log_marginal_likelihood(), ex.log_marginal_likelihood());
    let gs = ss.log_marginal_likelihood_gradient().unwrap();
    for (a, b) in gs.iter().zip(ex.log_marginal_likelihood_gradient()) {
        worst = worst.max(rel(*a, b));
    }
    let xs = Points::from_1d(&[-1.0, 0.0, t[3], 2.5, 5.0, 7.77, 9.9, 12.0, 2.5]).unwrap();
    let (ps, pe) = (ss.predict(&xs).unwrap(), ex.predict(&xs).unwrap());
    for i in 0..xs.len() {
        worst = worst.max(rel(ps.mean[i], pe.mean[i]));
        worst = worst.max(rel(ps.variance[i], pe.variance[i]));
    }
    worst
}

#[test]
fn matches_exact_gp() {
    for (order, err) in [
        (MaternOrder::Half, compare(MaternOrder::Half, Matern12)),
        (
            MaternOrder::ThreeHalves,
            compare(MaternOrder::ThreeHalves, Matern32),
        ),
        (
            MaternOrder::FiveHalves,
            compare(MaternOrder::FiveHalves, Matern52),
        ),
    ] {
        eprintln!("{order:?}: worst relative difference {err:.2e}");
        assert!(err < 1e-9, "{order:?}: {err:e}");
    }
}

#[test]
fn fit_reaches_a_stationary_point() {
    let (t, y) = data(300);
    let x = Points::from_1d(&t).unwrap();
    let (gp, report) = StateSpaceGp::fit(
        MaternOrder::FiveHalves,
        1.0,
        1.0,
        0.1,
        &x,
        &y,
        &FitOptions::default(),
    )
    .unwrap();
    let g = gp.log_marginal_likelihood_gradient().unwrap();
    assert!(g.iter().all(|v| v.abs() < 1e-3), "{g:?} after {report:?}");
    let start = StateSpaceGp::new(MaternOrder::FiveHalves, 1.0, 1.0, 0.1, &x, &y).unwrap();
    assert!(gp.log_marginal_likelihood() > start.log_marginal_likelihood());
}

#[test]
fn bad_input() {
    let x2 = Points::new(vec![0.0, 1.0, 2.0, 3.0], 2).unwrap();
    assert!(matches!(
        StateSpaceGp::new(MaternOrder::Half, 1.0, 1.0, 0.1, &x2, &[1.0, 2.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    let x = Points::from_1d(&[0.0, 1.0]).unwrap();
    assert!(StateSpaceGp::new(MaternOrder::Half, 1.0, 0.0, 0.1, &x, &[1.0, 2.0]).is_err());
    assert!(StateSpaceGp::new(MaternOrder::Half, 1.0, 1.0, 0.1, &x, &[1.0, f64::NAN]).is_err());
    assert!(StateSpaceGp::new(MaternOrder::Half, 1.0, 1.0, 0.1, &x, &[1.0]).is_err());
    let gp = StateSpaceGp::new(MaternOrder::Half, 1.0, 1.0, 0.1, &x, &[1.0, 2.0]).unwrap();
    let json = serde_json::to_string(&gp).unwrap();
    assert_eq!(gp, serde_json::from_str::<StateSpaceGp>(&json).unwrap());
}

#[test]
fn gradient_matches_central_differences() {
    let (t, y) = data(80);
    let x = Points::from_1d(&t).unwrap();
    for order in [
        MaternOrder::Half,
        MaternOrder::ThreeHalves,
        MaternOrder::FiveHalves,
    ] {
        let p = [0.7f64.ln(), 1.3f64.ln(), 0.05f64.ln()];
        let lml = |q: &[f64]| {
            StateSpaceGp::new(order, q[0].exp(), q[1].exp(), q[2].exp(), &x, &y)
                .unwrap()
                .log_marginal_likelihood()
        };
        let g = StateSpaceGp::new(order, p[0].exp(), p[1].exp(), p[2].exp(), &x, &y)
            .unwrap()
            .log_marginal_likelihood_gradient()
            .unwrap();
        for i in 0..3 {
            let h = 1e-5;
            let (mut up, mut down) = (p, p);
            up[i] += h;
            down[i] -= h;
            let fd = (lml(&up) - lml(&down)) / (2.0 * h);
            assert!(
                (fd - g[i]).abs() < 1e-7 * g[i].abs().max(1.0),
                "{order:?} param {i}: analytic {} vs central difference {fd}",
                g[i]
            );
        }
    }
}

#[test]
fn regular_grid_and_unsorted_inputs() {
    // A regular grid (the transition is reused) given in reverse order,
    // against ExactGp, with test inputs outside, on and between the inputs.
    let t: Vec<f64> = (0..40).rev().map(|i| 0.25 * i as f64).collect();
    let y: Vec<f64> = t.iter().map(|&s| (0.8 * s).cos() + 0.1 * s).collect();
    let x = Points::from_1d(&t).unwrap();
    let (v, l, noise) = (0.8, 1.7, 0.01);
    let ss = StateSpaceGp::new(MaternOrder::FiveHalves, v, l, noise, &x, &y).unwrap();
    let ex = ExactGp::new(Stationary::new(Matern52, v, l).unwrap(), noise, x, y).unwrap();
    let mut worst = rel(ss.log_marginal_likelihood(), ex.log_marginal_likelihood());
    let gs = ss.log_marginal_likelihood_gradient().unwrap();
    for (a, b) in gs.iter().zip(ex.log_marginal_likelihood_gradient()) {
        worst = worst.max(rel(*a, b));
    }
    let xs = Points::from_1d(&[11.0, -0.5, 0.25, 3.3, 9.75, 0.0, 3.3, 20.0]).unwrap();
    let (ps, pe) = (ss.predict(&xs).unwrap(), ex.predict(&xs).unwrap());
    for i in 0..xs.len() {
        worst = worst.max(rel(ps.mean[i], pe.mean[i]));
        worst = worst.max(rel(ps.variance[i], pe.variance[i]));
    }
    assert!(worst < 1e-9, "{worst:e}");
}
