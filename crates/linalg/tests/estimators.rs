//! Krylov methods and stochastic estimators against exact dense values.

use faer::linalg::solvers::Solve;
use faer::matrix_free::IdentityPrecond;
use faer::{Mat, MatRef, Side};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sobolev_linalg::Error;
use sobolev_linalg::cg::{self, CgOptions};
use sobolev_linalg::kronecker_eigen::KroneckerEigen;
use sobolev_linalg::lanczos::{LanczosOptions, Reorthogonalization, lanczos};
use sobolev_linalg::ops::Diagonal;
use sobolev_linalg::precond::PivotedCholesky;
use sobolev_linalg::slq::{self, SlqOptions};
use sobolev_linalg::trace;

fn random_mat(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| rng.random_range(-1.0..1.0))
}

/// `Q diag(lam) Q^T` with a random orthogonal `Q`.
fn with_spectrum(rng: &mut ChaCha8Rng, lam: &[f64]) -> Mat<f64> {
    let n = lam.len();
    let q = random_mat(rng, n, n).qr().compute_thin_Q();
    let d = Mat::from_fn(n, n, |i, j| if i == j { lam[i] } else { 0.0 });
    let a = &q * d * q.transpose();
    Mat::from_fn(n, n, |i, j| 0.5 * (a[(i, j)] + a[(j, i)]))
}

fn rel_err(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    (a - b).norm_l2() / b.norm_l2()
}

/// Squared-exponential kernel matrix on sorted points in [0, 1].
fn rbf(rng: &mut ChaCha8Rng, n: usize, ell: f64) -> Mat<f64> {
    let mut x: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..1.0)).collect();
    x.sort_by(f64::total_cmp);
    Mat::from_fn(n, n, |i, j| (-0.5 * ((x[i] - x[j]) / ell).powi(2)).exp())
}

#[test]
fn block_cg_solves_several_systems() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let lam: Vec<f64> = (0..80).map(|i| 1.0 + i as f64).collect();
    let a = with_spectrum(&mut rng, &lam);
    let b = random_mat(&mut rng, 80, 4);
    let (x, report) = cg::solve(
        &a,
        &IdentityPrecond { dim: 80 },
        b.as_ref(),
        None,
        &CgOptions::default(),
    )
    .unwrap();
    let want = a.llt(Side::Lower).unwrap().solve(&b);
    assert!(rel_err(x.as_ref(), want.as_ref()) < 1e-9, "{report:?}");
    // warm start from the solution: converged before the first step
    let (_, warm) = cg::solve(
        &a,
        &IdentityPrecond { dim: 80 },
        b.as_ref(),
        Some(x.as_ref()),
        &CgOptions::default(),
    )
    .unwrap();
    assert_eq!(warm.iterations, 0);
    // a Jacobi preconditioner is accepted
    let d: Vec<f64> = (0..80).map(|i| 1.0 / a[(i, i)]).collect();
    let (xj, _) = cg::solve(
        &a,
        &Diagonal::new(d).unwrap(),
        b.as_ref(),
        None,
        &CgOptions::default(),
    )
    .unwrap();
    assert!(rel_err(xj.as_ref(), want.as_ref()) < 1e-9);
}

#[test]
fn cg_reports_failures() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let lam: Vec<f64> = (0..60).map(|i| 10f64.powf(i as f64 / 10.0)).collect();
    let a = with_spectrum(&mut rng, &lam);
    let b = random_mat(&mut rng, 60, 1);
    let opts = CgOptions {
        max_iters: 3,
        ..Default::default()
    };
    match cg::solve(&a, &IdentityPrecond { dim: 60 }, b.as_ref(), None, &opts) {
        Err(Error::NotConverged {
            iterations,
            residual,
            ..
        }) => {
            assert_eq!(iterations, 3);
            assert!(residual > 0.0 && residual.is_finite());
        }
        other => panic!("expected NotConverged, got {other:?}"),
    }
    let mut lam = vec![1.0; 10];
    lam[3] = -2.0;
    let indefinite = with_spectrum(&mut rng, &lam);
    let b = random_mat(&mut rng, 10, 1);
    let r = cg::solve(
        &indefinite,
        &IdentityPrecond { dim: 10 },
        b.as_ref(),
        None,
        &CgOptions::default(),
    );
    assert!(
        matches!(
            r,
            Err(Error::NotPositiveDefinite(_)) | Err(Error::NotConverged { .. })
        ),
        "{r:?}"
    );
    let nan = Mat::from_fn(10, 1, |_, _| f64::NAN);
    assert!(matches!(
        cg::solve(
            &a,
            &IdentityPrecond { dim: 60 },
            nan.as_ref(),
            None,
            &CgOptions::default()
        ),
        Err(Error::ShapeMismatch { .. })
    ));
    let nan = Mat::from_fn(60, 1, |_, _| f64::NAN);
    assert!(matches!(
        cg::solve(
            &a,
            &IdentityPrecond { dim: 60 },
            nan.as_ref(),
            None,
            &CgOptions::default()
        ),
        Err(Error::NonFinite(_))
    ));
}

#[test]
fn lanczos_with_full_reorthogonalisation_is_exact() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let lam: Vec<f64> = (0..50).map(|i| (i as f64 * 0.37).sin() + 2.0).collect();
    let a = with_spectrum(&mut rng, &lam);
    let start: Vec<f64> = (0..50).map(|_| rng.random_range(-1.0..1.0)).collect();
    let opts = LanczosOptions {
        steps: 20,
        reorthogonalization: Reorthogonalization::Full,
        ..Default::default()
    };
    let t = lanczos(&a, &start, &opts).unwrap();
    let q = t.basis.as_ref().unwrap();
    let qtq = q.transpose() * q;
    assert!(rel_err(qtq.as_ref(), Mat::<f64>::identity(20, 20).as_ref()) < 1e-13);
    let qtaq = q.transpose() * &a * q;
    assert!(rel_err(qtaq.as_ref(), t.to_dense().as_ref()) < 1e-12);
    // run to completion: the Ritz values are the eigenvalues
    let opts = LanczosOptions {
        steps: 50,
        reorthogonalization: Reorthogonalization::Full,
        ..Default::default()
    };
    let t = lanczos(&a, &start, &opts).unwrap();
    let (nodes, weights) = t.gauss_quadrature().unwrap();
    let mut sorted = lam.clone();
    sorted.sort_by(f64::total_cmp);
    for (a, b) in nodes.iter().zip(&sorted) {
        assert!((a - b).abs() < 1e-10, "{a} vs {b}");
    }
    assert!((weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}

#[test]
fn lanczos_stops_at_an_invariant_subspace() {
    let a = Mat::from_fn(6, 6, |i, j| {
        if i == j {
            [1.0, 1.0, 2.0, 2.0, 3.0, 3.0][i]
        } else {
            0.0
        }
    });
    let t = lanczos(
        &a,
        &[1.0; 6],
        &LanczosOptions {
            steps: 6,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(t.len(), 3);
    assert!(matches!(
        lanczos(&a, &[0.0; 6], &LanczosOptions::default()),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn slq_log_det_within_its_confidence_interval() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let k = rbf(&mut rng, 300, 0.1);
    let mut a = k.clone();
    for i in 0..300 {
        a[(i, i)] += 0.05;
    }
    let l = a.llt(Side::Lower).unwrap();
    let exact: f64 = 2.0 * (0..300).map(|i| l.L()[(i, i)].ln()).sum::<f64>();
    let est = slq::log_det(
        &a,
        &SlqOptions {
            probes: 64,
            steps: 40,
            seed: 7,
            ..Default::default()
        },
    )
    .unwrap();
    let err = (est.value - exact).abs();
    assert!(err <= 4.0 * est.std_error, "est {est:?} exact {exact}");
    assert!(err / exact.abs() < 0.02, "est {est:?} exact {exact}");
    assert!(est.ci_low < est.value && est.value < est.ci_high);
    // deterministic for a seed
    let again = slq::log_det(
        &a,
        &SlqOptions {
            probes: 64,
            steps: 40,
            seed: 7,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(est, again);
}

#[test]
fn slq_is_exact_for_the_trace_of_a_polynomial() {
    // Gauss quadrature with m nodes is exact for polynomials of degree 2m - 1,
    // so SLQ of f(x) = x^2 equals Hutchinson's estimate of tr A^2 with the same probes.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let lam: Vec<f64> = (0..40).map(|i| 0.5 + i as f64 / 10.0).collect();
    let a = with_spectrum(&mut rng, &lam);
    let opts = SlqOptions {
        probes: 200,
        steps: 5,
        seed: 1,
        ..Default::default()
    };
    let est = slq::trace_function(&a, |x| x * x, &opts).unwrap();
    let exact: f64 = lam.iter().map(|x| x * x).sum();
    assert!(
        (est.value - exact).abs() <= 4.0 * est.std_error + 1e-9,
        "{est:?} vs {exact}"
    );
    let mut indefinite = lam.clone();
    indefinite[0] = -1.0;
    let b = with_spectrum(&mut rng, &indefinite);
    assert!(matches!(
        slq::log_det(
            &b,
            &SlqOptions {
                steps: 40,
                ..Default::default()
            }
        ),
        Err(Error::NotPositiveDefinite(_))
    ));
}

#[test]
fn slq_log_det_of_a_kronecker_plan_matches_the_exact_one() {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let factors: Vec<Mat<f64>> = (0..3).map(|_| rbf(&mut rng, 8, 0.3)).collect();
    let plan = KroneckerEigen::product(factors, 0.1).unwrap();
    let est = slq::log_det(
        &plan,
        &SlqOptions {
            probes: 64,
            steps: 50,
            seed: 3,
            ..Default::default()
        },
    )
    .unwrap();
    let exact = plan.log_det();
    assert!(
        (est.value - exact).abs() <= 4.0 * est.std_error,
        "{est:?} vs {exact}"
    );
}

#[test]
fn hutchpp_beats_hutchinson_on_a_decaying_spectrum() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let lam: Vec<f64> = (0..200).map(|i| (-(i as f64) / 3.0).exp()).collect();
    let a = with_spectrum(&mut rng, &lam);
    let exact: f64 = lam.iter().sum();
    let h = trace::hutchinson(&a, 60, 11).unwrap();
    let hpp = trace::hutchpp(&a, 60, 11).unwrap();
    assert!((h.value - exact).abs() <= 4.0 * h.std_error);
    assert!((hpp.value - exact).abs() <= 4.0 * hpp.std_error + 1e-12);
    assert!(
        (hpp.value - exact).abs() < 1e-2 * exact,
        "{hpp:?} vs {exact}"
    );
    assert!(hpp.std_error < 0.1 * h.std_error);
}

#[test]
fn diagonal_estimator_is_exact_for_diagonal_matrices() {
    let d: Vec<f64> = (0..30).map(|i| i as f64 - 4.5).collect();
    let op = Diagonal::new(d.clone()).unwrap();
    let est = trace::diagonal(&op, 3, 0).unwrap();
    for (a, b) in est.iter().zip(&d) {
        assert!((a - b).abs() < 1e-14);
    }
    let h = trace::hutchinson(&op, 3, 0).unwrap();
    assert!((h.value - d.iter().sum::<f64>()).abs() < 1e-12);
    assert!(matches!(
        trace::hutchinson(&op, 0, 0),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn pivoted_cholesky_preconditioner_cuts_cg_iterations() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let n = 400;
    let k = rbf(&mut rng, n, 0.2);
    let s2 = 1e-4;
    let mut a = k.clone();
    for i in 0..n {
        a[(i, i)] += s2;
    }
    let diag: Vec<f64> = (0..n).map(|i| k[(i, i)]).collect();
    let pc =
        PivotedCholesky::new(&diag, |j| (0..n).map(|i| k[(i, j)]).collect(), 30, 1e-12).unwrap();
    assert!(
        pc.residual_trace() < 1e-6 * n as f64,
        "{}",
        pc.residual_trace()
    );
    let l = pc.factor();
    let approx = l * l.transpose();
    assert!(rel_err(approx.as_ref(), k.as_ref()) < 1e-5);
    let precond = pc.preconditioner(s2).unwrap();
    let b = random_mat(&mut rng, n, 1);
    let opts = CgOptions {
        rel_tolerance: 1e-8,
        max_iters: 5000,
        ..Default::default()
    };
    let (x0, plain) = cg::solve(&a, &IdentityPrecond { dim: n }, b.as_ref(), None, &opts).unwrap();
    let (x1, pre) = cg::solve(&a, &precond, b.as_ref(), None, &opts).unwrap();
    assert!(
        pre.iterations * 5 < plain.iterations,
        "{pre:?} vs {plain:?}"
    );
    let r1 = &b - &a * &x1;
    let r0 = &b - &a * &x0;
    assert!(r1.norm_l2() < 1e-7 * b.norm_l2() && r0.norm_l2() < 1e-7 * b.norm_l2());
    // full rank reproduces the matrix
    let small = rbf(&mut rng, 20, 0.5);
    let mut small_pd = small.clone();
    for i in 0..20 {
        small_pd[(i, i)] += 0.1;
    }
    let d: Vec<f64> = (0..20).map(|i| small_pd[(i, i)]).collect();
    let full =
        PivotedCholesky::new(&d, |j| (0..20).map(|i| small_pd[(i, j)]).collect(), 20, 0.0).unwrap();
    let ll = full.factor() * full.factor().transpose();
    assert!(rel_err(ll.as_ref(), small_pd.as_ref()) < 1e-13);
    assert!(matches!(
        PivotedCholesky::new(&[1.0, -1.0], |_| vec![0.0, 0.0], 2, 0.0),
        Err(Error::NotPositiveDefinite(_))
    ));
}
