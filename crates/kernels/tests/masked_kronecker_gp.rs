//! MaskedKroneckerGp against ExactGp on the observed cells with the same
//! product kernel, and against KroneckerGp when no cell is missing.

use sobolev_kernels::{
    Error, ExactGp, GaussianProcess, KroneckerGp, MaskedKroneckerGp, PcgOptions, Points,
};
use sobolev_linalg::lanczos::Reorthogonalization;
use sobolev_linalg::slq::SlqOptions;

#[path = "common/masked_grid.rs"]
mod masked_grid;
use masked_grid::{cells, grid, kernels, observed_cells, product, random_mask};

fn target(p: &[f64]) -> f64 {
    (p[0] * 2.0).sin() + p[1] * p[2] - 0.3 * p[1].powi(2)
}

fn assert_close(a: &[f64], b: &[f64], rel: f64, what: &str) {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert_eq!(a.len(), b.len());
    let worst = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs() / scale));
    eprintln!("{what}: max error {worst:e} relative to the largest value");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= rel * scale,
            "{what} {i}: {x} vs {y} (scale {scale})"
        );
    }
}

#[test]
fn matches_the_exact_gp_on_the_observed_cells() {
    let axes = grid();
    let pts = cells(&axes);
    let mask = random_mask(pts.len());
    let missing = mask.iter().filter(|m| !**m).count();
    assert!((25..=45).contains(&missing), "{missing} cells missing");
    let observed = observed_cells(&pts, &mask);
    let y: Vec<f64> = observed.iter().map(|p| target(p)).collect();
    let noise = 0.05;
    let gp = MaskedKroneckerGp::new(
        kernels(),
        axes.clone(),
        &mask,
        y.clone(),
        noise,
        &PcgOptions::default(),
    )
    .unwrap();
    eprintln!(
        "{missing} of {} cells missing: {} CG iterations, residual {:e}",
        pts.len(),
        gp.iterations(),
        gp.relative_residual()
    );
    assert!(gp.iterations() > 1 && gp.iterations() < 100);
    assert!(gp.relative_residual() <= 1e-11);
    let exact = ExactGp::new(
        product(&kernels()),
        noise,
        Points::from_rows(&observed).unwrap(),
        y,
    )
    .unwrap();
    // Every grid cell, missing ones included.
    let ours = gp.predict_mean_grid(&axes).unwrap();
    let reference = exact.predict(&Points::from_rows(&pts).unwrap()).unwrap();
    assert_close(&ours, &reference.mean, 1e-9, "grid mean");
    // A shifted test grid.
    let test: Vec<Vec<f64>> = vec![vec![-0.2, 0.55, 1.9], vec![0.1, 1.2], vec![0.3, 0.8, 2.5]];
    let ours = gp.predict_mean_grid(&test).unwrap();
    let reference = exact
        .predict(&Points::from_rows(&cells(&test)).unwrap())
        .unwrap();
    assert_close(&ours, &reference.mean, 1e-9, "test-grid mean");
}

#[test]
fn slq_log_marginal_likelihood_brackets_the_exact_one() {
    let axes = grid();
    let pts = cells(&axes);
    let mask = random_mask(pts.len());
    let observed = observed_cells(&pts, &mask);
    let y: Vec<f64> = observed.iter().map(|p| target(p)).collect();
    let noise = 0.05;
    let gp = MaskedKroneckerGp::new(
        kernels(),
        axes,
        &mask,
        y.clone(),
        noise,
        &PcgOptions::default(),
    )
    .unwrap();
    let exact = ExactGp::new(
        product(&kernels()),
        noise,
        Points::from_rows(&observed).unwrap(),
        y,
    )
    .unwrap()
    .log_marginal_likelihood();
    let options = SlqOptions {
        probes: 64,
        steps: 40,
        reorthogonalization: Reorthogonalization::Full,
        seed: 11,
    };
    let est = gp.log_marginal_likelihood_slq(&options).unwrap();
    eprintln!(
        "lml: SLQ {} +- {} vs exact {exact}",
        est.value, est.std_error
    );
    assert!(est.std_error > 0.0);
    assert!(
        (est.value - exact).abs() <= 4.0 * est.std_error,
        "SLQ {} +- {} vs exact {exact}",
        est.value,
        est.std_error
    );
    assert!((est.value - exact).abs() <= 0.05 * exact.abs());
}

#[test]
fn equals_the_kronecker_gp_when_nothing_is_missing() {
    let axes = grid();
    let pts = cells(&axes);
    let y: Vec<f64> = pts.iter().map(|p| target(p)).collect();
    let noise = 0.05;
    let mask = vec![true; pts.len()];
    let gp = MaskedKroneckerGp::new(
        kernels(),
        axes.clone(),
        &mask,
        y.clone(),
        noise,
        &PcgOptions::default(),
    )
    .unwrap();
    // The preconditioner is the exact inverse: one step solves.
    assert_eq!(gp.iterations(), 1);
    let full = KroneckerGp::new(kernels(), axes.clone(), noise, y).unwrap();
    assert_close(gp.alpha(), full.alpha(), 1e-12, "alpha");
    let ours = gp.predict_mean_grid(&axes).unwrap();
    let theirs = full.predict_grid(&axes).unwrap().mean;
    assert_close(&ours, &theirs, 1e-12, "grid mean");
}

#[test]
fn reports_non_convergence() {
    let axes = grid();
    let n: usize = axes.iter().map(Vec::len).product();
    let mask: Vec<bool> = (0..n).map(|c| c % 3 != 0).collect();
    let y: Vec<f64> = (0..mask.iter().filter(|m| **m).count())
        .map(|i| (i as f64).cos())
        .collect();
    let options = PcgOptions {
        tolerance: 1e-14,
        max_iterations: 1,
    };
    let err = MaskedKroneckerGp::new(kernels(), axes, &mask, y, 0.05, &options).unwrap_err();
    assert!(
        matches!(err, Error::NotConverged { iterations: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn rejects_bad_input() {
    let axes = grid();
    let n: usize = axes.iter().map(Vec::len).product();
    let opts = PcgOptions::default();
    let all = vec![true; n];
    let y = vec![0.5; n];
    let new = |mask: &[bool], y: Vec<f64>, noise: f64| {
        MaskedKroneckerGp::new(kernels(), grid(), mask, y, noise, &opts)
    };
    assert!(matches!(
        new(&all[..n - 1], y.clone(), 0.1),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        new(&all, y[..n - 1].to_vec(), 0.1),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        new(&vec![false; n], vec![], 0.1),
        Err(Error::Empty(_))
    ));
    let mut bad = y.clone();
    bad[3] = f64::NAN;
    assert!(matches!(new(&all, bad, 0.1), Err(Error::NonFinite(_))));
    for noise in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            new(&all, y.clone(), noise),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(
        MaskedKroneckerGp::new(kernels()[..2].to_vec(), grid(), &all, y.clone(), 0.1, &opts),
        Err(Error::ShapeMismatch { .. })
    ));
    let tol = PcgOptions {
        tolerance: 0.0,
        max_iterations: 10,
    };
    assert!(matches!(
        MaskedKroneckerGp::new(kernels(), grid(), &all, y.clone(), 0.1, &tol),
        Err(Error::InvalidArgument(_))
    ));
    let gp = new(&all, y, 0.1).unwrap();
    assert!(matches!(
        gp.predict_mean_grid(&grid()[..2]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        gp.predict_mean_grid(&[vec![0.0], vec![], vec![1.0]]),
        Err(Error::Empty(_))
    ));
    // All-zero targets give zero weights without iterating.
    let zero = new(&all, vec![0.0; n], 0.1).unwrap();
    assert_eq!(zero.iterations(), 0);
    assert!(zero.alpha().iter().all(|a| *a == 0.0));
}
