//! ExactGp against scikit-learn's GaussianProcessRegressor (fixtures from
//! xtask/refdata/gp_sklearn.py): log marginal likelihood, its gradient and
//! predictions at the same data and hyperparameters.

use sobolev_kernels::gp::Jitter;
use sobolev_kernels::kernel::{
    Gaussian, Matern12, Matern32, Matern52, Periodic, RationalQuadratic, Stationary,
};
use sobolev_kernels::{Error, ExactGp, FitOptions, GaussianProcess, Kernel, Points};

#[path = "common/gp_fixture.rs"]
mod gp_fixture;
use gp_fixture::{Case, rel};

fn load() -> Vec<Case> {
    gp_fixture::load("gp_sklearn.txt")
}

fn check<K: Kernel + Clone>(case: &Case, kernel: K) -> f64 {
    let f = &case.fields;
    let x = Points::new(f["x"].clone(), case.d).unwrap();
    let xs = Points::new(f["xs"].clone(), case.d).unwrap();
    let theta = &f["theta"];
    let np = kernel.num_params();
    assert_eq!(np + 1, theta.len(), "{}", case.name);
    let mut kernel = kernel;
    kernel.set_log_params(&theta[..np]).unwrap();
    let noise = theta[np].exp();
    let gp = ExactGp::new(kernel, noise, x, f["y"].clone()).unwrap();
    assert_eq!(gp.jitter(), 0.0);
    let mut worst = rel(gp.log_marginal_likelihood(), f["lml"][0]);
    let grad = gp.log_marginal_likelihood_gradient();
    let gscale = f["grad"].iter().fold(0.0f64, |a, v| a.max(v.abs()));
    for (g, w) in grad.iter().zip(&f["grad"]) {
        worst = worst.max((g - w).abs() / gscale);
    }
    let pred = gp.predict(&xs).unwrap();
    for ((m, v), (wm, ws)) in pred
        .mean
        .iter()
        .zip(&pred.variance)
        .zip(f["mean"].iter().zip(&f["std"]))
    {
        worst = worst.max((m - wm).abs() / wm.abs().max(1.0));
        worst = worst.max(rel(v + noise, ws * ws));
    }
    worst
}

#[test]
fn matches_scikit_learn() {
    let cases = load();
    assert_eq!(cases.len(), 6);
    for case in &cases {
        let err = match case.name.as_str() {
            "matern52_ard" => check(case, Stationary::ard(Matern52, 1.0, vec![1.0; 3]).unwrap()),
            "matern32_1d" => check(case, Stationary::new(Matern32, 1.0, 1.0).unwrap()),
            "matern12_1d" => check(case, Stationary::new(Matern12, 1.0, 1.0).unwrap()),
            "rbf_2d" => check(case, Stationary::new(Gaussian, 1.0, 1.0).unwrap()),
            "rq_2d" => check(
                case,
                Stationary::new(RationalQuadratic::new(1.0).unwrap(), 1.0, 1.0).unwrap(),
            ),
            "periodic_1d" => check(case, Periodic::new(1.0, 1.0, 1.0).unwrap()),
            other => panic!("unknown case {other}"),
        };
        eprintln!("{:<14} worst relative error {err:.2e}", case.name);
        assert!(err < 1e-12, "{}: {err:e}", case.name);
    }
}

#[test]
fn fit_increases_likelihood_and_reaches_a_stationary_point() {
    let case = &load()[0];
    let f = &case.fields;
    let x = Points::new(f["x"].clone(), 3).unwrap();
    let kernel = Stationary::ard(Matern52, 1.0, vec![1.0; 3]).unwrap();
    let start = ExactGp::new(kernel.clone(), 0.1, x.clone(), f["y"].clone()).unwrap();
    let (gp, report) =
        ExactGp::fit(kernel, 0.1, x, f["y"].clone(), &FitOptions::default()).unwrap();
    assert!(gp.log_marginal_likelihood() > start.log_marginal_likelihood());
    assert!(
        (report.log_marginal_likelihood - gp.log_marginal_likelihood()).abs() < 1e-9,
        "{report:?} vs {}",
        gp.log_marginal_likelihood()
    );
    let g = gp.log_marginal_likelihood_gradient();
    let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
    assert!(norm < 1e-3, "gradient norm at optimum {norm}");
}

#[test]
fn serde_round_trip_is_exact() {
    let case = &load()[1];
    let f = &case.fields;
    let x = Points::new(f["x"].clone(), 1).unwrap();
    let gp = ExactGp::new(
        Stationary::new(Matern32, 0.9, 0.6).unwrap(),
        0.02,
        x,
        f["y"].clone(),
    )
    .unwrap();
    let json = serde_json::to_string(&gp).unwrap();
    let back: ExactGp<Stationary<Matern32>> = serde_json::from_str(&json).unwrap();
    assert!(gp == back, "round trip changed the model");
}

#[test]
fn bad_input_gives_typed_errors() {
    let x = Points::from_1d(&[0.0, 0.5, 1.0]).unwrap();
    let k = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    assert!(matches!(
        ExactGp::new(k.clone(), 0.1, x.clone(), vec![1.0, 2.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        ExactGp::new(k.clone(), 0.1, x.clone(), vec![1.0, f64::NAN, 0.0]),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        ExactGp::new(k.clone(), 0.0, x.clone(), vec![1.0, 2.0, 3.0]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ExactGp::new(k.clone(), -1.0, x.clone(), vec![1.0, 2.0, 3.0]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        Points::new(vec![0.0, f64::INFINITY], 1),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        Points::new(vec![0.0, 1.0, 2.0], 2),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        Stationary::new(Gaussian, 1.0, -2.0),
        Err(Error::InvalidArgument(_))
    ));
    let ard = Stationary::ard(Gaussian, 1.0, vec![1.0, 2.0]).unwrap();
    assert!(matches!(
        ExactGp::new(ard, 0.1, x, vec![1.0, 2.0, 3.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    // Duplicate inputs with a noise far below round-off: reported, not jittered.
    let dup = Points::from_1d(&[0.3, 0.3, 0.3, 1.0]).unwrap();
    let y = vec![1.0, 1.0, 1.0, 0.0];
    let err = ExactGp::new(k.clone(), 1e-300, dup.clone(), y.clone()).unwrap_err();
    assert!(matches!(err, Error::NotPositiveDefinite(_)), "{err}");
    let gp = ExactGp::with_jitter(k, 1e-300, dup, y, Jitter::escalate()).unwrap();
    assert!(gp.jitter() > 0.0);
}
