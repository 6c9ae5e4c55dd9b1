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
