//! LaplaceGpc against a 40-digit mpmath fixture (plain Newton iteration,
//! R&W eq. 3.32, finite-difference gradient, quadrature-averaged
//! probabilities), plus finite differences, fitting and errors.

use sobolev_kernels::gp::FitOptions;
use sobolev_kernels::kernel::{Gaussian, Matern52, Stationary};
use sobolev_kernels::{Error, Kernel, LaplaceGpc, Points};

struct Fixture {
    s2: f64,
    l: f64,
    x: Points,
    labels: Vec<bool>,
    mode: Vec<f64>,
    lml: f64,
    grad: Vec<f64>,
    tests: Vec<[f64; 5]>,
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/gpc_laplace.txt"
    ))
    .unwrap();
    let (mut s2, mut l, mut lml) = (0.0, 0.0, 0.0);
    let (mut xs, mut labels, mut mode, mut grad, mut tests) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for line in text.lines() {
        let mut it = line.split_whitespace();
        let tag = it.next().unwrap();
        let v: Vec<f64> = it.map(|t| t.parse().unwrap()).collect();
        match tag {
            "params" => (s2, l) = (v[0], v[1]),
            "point" => {
                xs.extend([v[0], v[1]]);
                labels.push(v[2] > 0.0);
            }
            "mode" => mode = v,
            "lml" => lml = v[0],
            "grad" => grad = v,
            "test" => tests.push([v[0], v[1], v[2], v[3], v[4]]),
            _ => panic!("unknown tag {tag}"),
        }
    }
    Fixture {
        s2,
        l,
        x: Points::new(xs, 2).unwrap(),
        labels,
        mode,
        lml,
        grad,
        tests,
    }
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn laplace_gpc_matches_mpmath() {
    let fx = fixture();
    let kernel = Stationary::new(Gaussian, fx.s2, fx.l).unwrap();
    let gpc = LaplaceGpc::new(kernel, fx.x.clone(), fx.labels.clone()).unwrap();
    let mode_err = gpc
        .mode()
        .iter()
        .zip(&fx.mode)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    let lml_err = rel(gpc.log_marginal_likelihood(), fx.lml);
    let g = gpc.log_marginal_likelihood_gradient().unwrap();
    let grad_err = g
        .iter()
        .zip(&fx.grad)
        .fold(0.0f64, |m, (a, b)| m.max(rel(*a, *b)));
    let xs: Vec<f64> = fx.tests.iter().flat_map(|t| [t[0], t[1]]).collect();
    let pred = gpc.predict(&Points::new(xs, 2).unwrap()).unwrap();
    let (mut em, mut ev, mut ep) = (0.0f64, 0.0f64, 0.0f64);
    for (j, t) in fx.tests.iter().enumerate() {
        em = em.max((pred.latent.mean[j] - t[2]).abs());
        ev = ev.max(rel(pred.latent.variance[j], t[3]));
        ep = ep.max((pred.probability[j] - t[4]).abs());
    }
    println!(
        "Newton iterations {}; mode {mode_err:e}, lml {lml_err:e}, gradient {grad_err:e}, \
         mean {em:e}, variance {ev:e}, probability {ep:e}",
        gpc.newton_iterations()
    );
    assert!(mode_err < 1e-12 && lml_err < 1e-12 && grad_err < 1e-10);
    assert!(em < 1e-12 && ev < 1e-12 && ep < 1e-12);
}

#[test]
fn laplace_gradient_matches_finite_differences() {
    let fx = fixture();
    let kernel = Stationary::ard(Matern52, 1.7, vec![0.8, 1.3]).unwrap();
    let gpc = LaplaceGpc::new(kernel, fx.x.clone(), fx.labels.clone()).unwrap();
    let p0 = gpc.kernel().log_params();
    let g = gpc.log_marginal_likelihood_gradient().unwrap();
    for j in 0..p0.len() {
        let h = 1e-5;
        let mut p = p0.clone();
        p[j] += h;
        let up = gpc.with_log_params(&p).unwrap().log_marginal_likelihood();
        p[j] -= 2.0 * h;
        let down = gpc.with_log_params(&p).unwrap().log_marginal_likelihood();
        let fd = (up - down) / (2.0 * h);
        assert!(
            (g[j] - fd).abs() < 1e-7 * (1.0 + fd.abs()),
            "param {j}: {} vs {fd}",
            g[j]
        );
    }
}

#[test]
fn fitting_improves_the_approximate_evidence() {
    let fx = fixture();
    let kernel = Stationary::new(Gaussian, 0.3, 3.0).unwrap();
    let start = LaplaceGpc::new(kernel.clone(), fx.x.clone(), fx.labels.clone())
        .unwrap()
        .log_marginal_likelihood();
    let (gpc, report) = LaplaceGpc::fit(
        kernel,
        fx.x.clone(),
        fx.labels.clone(),
        &FitOptions::default(),
    )
    .unwrap();
    assert!(report.log_marginal_likelihood > start);
    let g = gpc.log_marginal_likelihood_gradient().unwrap();
    println!("{report:?} {g:?} {start}");
    assert!(g.iter().all(|v| v.abs() < 1e-3), "{g:?}");
    // Probabilities lie in (0, 1) and training points are mostly classified right.
    let pred = gpc.predict(&fx.x).unwrap();
    let right = pred
        .probability
        .iter()
        .zip(&fx.labels)
        .filter(|(p, l)| (**p > 0.5) == **l)
        .count();
    assert!(pred.probability.iter().all(|p| *p > 0.0 && *p < 1.0));
    assert!(right >= 24, "{right} of 30");
}

#[test]
fn laplace_gpc_errors_and_serde() {
    let fx = fixture();
    let kernel = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    assert!(matches!(
        LaplaceGpc::new(kernel.clone(), fx.x.clone(), fx.labels[..3].to_vec()),
        Err(Error::ShapeMismatch { .. })
    ));
    let ard = Stationary::ard(Gaussian, 1.0, vec![1.0; 3]).unwrap();
    assert!(matches!(
        LaplaceGpc::new(ard, fx.x.clone(), fx.labels.clone()),
        Err(Error::ShapeMismatch { .. })
    ));
    // Duplicate inputs with opposite labels are fine: B stays well conditioned.
    let dup = Points::new(vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0], 2).unwrap();
    let gpc = LaplaceGpc::new(kernel, dup, vec![true, false, true]).unwrap();
    assert!(gpc.log_marginal_likelihood().is_finite());
    let back: LaplaceGpc<Stationary<Gaussian>> =
        serde_json::from_str(&serde_json::to_string(&gpc).unwrap()).unwrap();
    assert_eq!(gpc, back);
}
