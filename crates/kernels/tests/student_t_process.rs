//! StudentTProcess against a 40-digit mpmath fixture (log marginal
//! likelihood by determinant and LU solve, central-difference gradient,
//! predictions), the GP limit, fitting and errors.

use sobolev_kernels::gp::FitOptions;
use sobolev_kernels::kernel::{Gaussian, Stationary};
use sobolev_kernels::{Error, ExactGp, GaussianProcess, Points, StudentTProcess};

struct Fixture {
    params: Vec<f64>,
    x: Points,
    y: Vec<f64>,
    lml: f64,
    grad: Vec<f64>,
    tests: Vec<[f64; 3]>,
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/tp_student.txt"
    ))
    .unwrap();
    let (mut params, mut xs, mut y, mut lml, mut grad, mut tests) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        0.0,
        Vec::new(),
        Vec::new(),
    );
    for line in text.lines() {
        let mut it = line.split_whitespace();
        let tag = it.next().unwrap();
        let v: Vec<f64> = it.map(|t| t.parse().unwrap()).collect();
        match tag {
            "params" => params = v,
            "point" => {
                xs.push(v[0]);
                y.push(v[1]);
            }
            "lml" => lml = v[0],
            "grad" => grad = v,
            "test" => tests.push([v[0], v[1], v[2]]),
            _ => panic!("unknown tag {tag}"),
        }
    }
    Fixture {
        params,
        x: Points::from_1d(&xs).unwrap(),
        y,
        lml,
        grad,
        tests,
    }
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

fn model(fx: &Fixture) -> StudentTProcess<Stationary<Gaussian>> {
    let p = &fx.params;
    let kernel = Stationary::new(Gaussian, p[0], p[1]).unwrap();
    StudentTProcess::new(kernel, p[2], p[3], fx.x.clone(), fx.y.clone()).unwrap()
}

#[test]
fn student_t_process_matches_mpmath() {
    let fx = fixture();
    let tp = model(&fx);
    let lml_err = rel(tp.log_marginal_likelihood(), fx.lml);
    let g = tp.log_marginal_likelihood_gradient();
    assert_eq!(g.len(), 4);
    let grad_err = g
        .iter()
        .zip(&fx.grad)
        .fold(0.0f64, |m, (a, b)| m.max(rel(*a, *b)));
    let xs: Vec<f64> = fx.tests.iter().map(|t| t[0]).collect();
    let pred = tp.predict(&Points::from_1d(&xs).unwrap()).unwrap();
    let (mut em, mut ev) = (0.0f64, 0.0f64);
    for (j, t) in fx.tests.iter().enumerate() {
        em = em.max(rel(pred.mean[j], t[1]));
        ev = ev.max(rel(pred.variance[j], t[2]));
    }
    println!("lml {lml_err:e}, gradient {grad_err:e}, mean {em:e}, variance {ev:e}");
    assert!(lml_err < 1e-13 && grad_err < 1e-11 && em < 1e-12 && ev < 1e-12);
}

#[test]
fn student_t_process_tends_to_the_gp() {
    let fx = fixture();
    let p = &fx.params;
    let kernel = Stationary::new(Gaussian, p[0], p[1]).unwrap();
    let gp = ExactGp::new(kernel.clone(), p[2], fx.x.clone(), fx.y.clone()).unwrap();
    let tp = StudentTProcess::new(kernel, p[2], 1e9, fx.x.clone(), fx.y.clone()).unwrap();
    assert!(rel(tp.log_marginal_likelihood(), gp.log_marginal_likelihood()) < 1e-6);
    let xs = Points::from_1d(&[0.3, 3.3]).unwrap();
    let (a, b) = (tp.predict(&xs).unwrap(), gp.predict(&xs).unwrap());
    for j in 0..2 {
        assert!(rel(a.mean[j], b.mean[j]) < 1e-14);
        assert!(rel(a.variance[j], b.variance[j]) < 1e-6);
    }
    // With an outlier in the data the variance is inflated at finite nu.
    let tp = model(&fx);
    assert!(tp.variance_scale() > 1.0);
}

#[test]
fn fitting_improves_the_evidence() {
    let fx = fixture();
    let kernel = Stationary::new(Gaussian, 0.5, 2.0).unwrap();
    let start = StudentTProcess::new(kernel.clone(), 0.3, 6.0, fx.x.clone(), fx.y.clone())
        .unwrap()
        .log_marginal_likelihood();
    let (tp, report) = StudentTProcess::fit(
        kernel,
        0.3,
        6.0,
        fx.x.clone(),
        fx.y.clone(),
        &FitOptions::default(),
    )
    .unwrap();
    assert!(report.log_marginal_likelihood > start);
    let g = tp.log_marginal_likelihood_gradient();
    assert!(g.iter().all(|v| v.abs() < 1e-3), "{g:?}");
}

#[test]
fn student_t_process_errors_and_serde() {
    let fx = fixture();
    let kernel = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    for dof in [2.0, 1.0, f64::INFINITY, f64::NAN] {
        assert!(matches!(
            StudentTProcess::new(kernel.clone(), 0.1, dof, fx.x.clone(), fx.y.clone()),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(
        StudentTProcess::new(kernel.clone(), 0.1, 5.0, fx.x.clone(), fx.y[..3].to_vec()),
        Err(Error::ShapeMismatch { .. })
    ));
    let tp = model(&fx);
    assert!(tp.with_log_params(&[0.0; 3]).is_err());
    let back: StudentTProcess<Stationary<Gaussian>> =
        serde_json::from_str(&serde_json::to_string(&tp).unwrap()).unwrap();
    assert_eq!(tp, back);
}
