//! Deflated, recycling CG against dense solves and against plain CG.

use faer::linalg::solvers::Solve;
use faer::matrix_free::IdentityPrecond;
use faer::{Col, Mat, MatRef, Side};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sobolev_linalg::Error;
use sobolev_linalg::cg::{self, CgOptions};
use sobolev_linalg::ops::Diagonal;
use sobolev_linalg::precond::PivotedCholesky;
use sobolev_linalg::recycling::{DeflatedEnd, RecyclingCg};

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

fn dense_solve(a: MatRef<'_, f64>, b: &Col<f64>) -> Col<f64> {
    let x = a.llt(Side::Lower).unwrap().solve(b.as_mat());
    x.col(0).to_owned()
}

fn rel_err(x: &Col<f64>, want: &Col<f64>) -> f64 {
    (x - want).norm_l2() / want.norm_l2()
}

/// `K(ell) + s2 I` for the squared-exponential kernel on sorted points.
fn rbf_system(x: &[f64], ell: f64, s2: f64) -> Mat<f64> {
    let n = x.len();
    Mat::from_fn(n, n, |i, j| {
        (-0.5 * ((x[i] - x[j]) / ell).powi(2)).exp() + if i == j { s2 } else { 0.0 }
    })
}

#[test]
fn solutions_match_dense_solves_along_a_sequence() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    // Smallest eigenvalues 1e-3 .. 1e-2 spread out, the rest in [1, 2].
    let lam: Vec<f64> = (0..120)
        .map(|i| {
            if i < 6 {
                1e-3 * (1 + 2 * i) as f64
            } else {
                1.0 + i as f64 / 120.0
            }
        })
        .collect();
    let a = with_spectrum(&mut rng, &lam);
    let opts = CgOptions {
        rel_tolerance: 1e-12,
        ..CgOptions::default()
    };
    let mut solver = RecyclingCg::new(6, 30, DeflatedEnd::Smallest, opts).unwrap();
    let mut counts = Vec::new();
    for _ in 0..4 {
        let b = Col::from_fn(120, |_| rng.random_range(-1.0..1.0));
        let (x, report) = solver.solve(&a, b.as_ref(), None).unwrap();
        let want = dense_solve(a.as_ref(), &b);
        assert!(rel_err(&x, &want) < 1e-9, "{report:?}");
        assert!(report.rel_residual <= 1e-12);
        counts.push(report.iterations);
    }
    // Once the six small eigenvalues are deflated the remaining spectrum
    // lies in [1, 2]: far fewer iterations than the first solve.
    assert!(counts[3] * 2 < counts[0], "{counts:?}");
    assert_eq!(solver.deflation_space().unwrap().ncols(), 6);
}

#[test]
fn no_deflation_is_plain_cg() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let lam: Vec<f64> = (0..80).map(|i| 1.0 + i as f64).collect();
    let a = with_spectrum(&mut rng, &lam);
    let b = Col::from_fn(80, |_| rng.random_range(-1.0..1.0));
    let x0 = Col::from_fn(80, |_| rng.random_range(-0.1..0.1));
    let opts = CgOptions::default();
    let mut solver = RecyclingCg::new(0, 0, DeflatedEnd::Smallest, opts).unwrap();
    let (x, report) = solver.solve(&a, b.as_ref(), Some(x0.as_ref())).unwrap();
    let (y, plain) = cg::solve(
        &a,
        &IdentityPrecond { dim: 80 },
        b.as_mat(),
        Some(x0.as_mat()),
        &opts,
    )
    .unwrap();
    assert_eq!(report.iterations, plain.iterations);
    let y = y.col(0).to_owned();
    assert!(rel_err(&x, &y) < 1e-9);
    assert!(solver.deflation_space().is_none());
}

#[test]
fn recycling_beats_warm_started_cg_on_a_kernel_sequence() {
    // Squared-exponential kernel systems as the lengthscale moves from 0.10
    // to 0.12 in ten steps, noise variance 1e-3, 400 points: the few dozen
    // eigenvalues above the noise floor set CG's iteration count, and their
    // eigenvectors move little from one system to the next. Measured on
    // systems 2..11: 90 deflated iterations (plus 12 applications of A per
    // system for A W) against 498 for CG warm-started from the previous
    // solution; with k = 30 the Galerkin start alone nearly solves each
    // system (10 iterations in all).
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let n = 400;
    let mut pts: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..1.0)).collect();
    pts.sort_by(f64::total_cmp);
    let b = Col::from_fn(n, |_| rng.random_range(-1.0..1.0));
    let opts = CgOptions {
        rel_tolerance: 1e-8,
        abs_tolerance: 0.0,
        max_iters: 2000,
    };
    let mut solver = RecyclingCg::new(12, 40, DeflatedEnd::Largest, opts).unwrap();
    let (mut recycled, mut plain) = (0usize, 0usize);
    let mut previous: Option<(Col<f64>, Col<f64>)> = None;
    for step in 0..=10 {
        let ell = 0.10 + 0.002 * step as f64;
        let a = rbf_system(&pts, ell, 1e-3);
        let warm = previous.as_ref().map(|(x, _)| x.as_ref());
        let (x, report) = solver.solve(&a, b.as_ref(), warm).unwrap();
        let warm_plain = previous.as_ref().map(|(_, y)| y.as_mat());
        let (y, plain_report) = cg::solve(
            &a,
            &IdentityPrecond { dim: n },
            b.as_mat(),
            warm_plain,
            &opts,
        )
        .unwrap();
        let want = dense_solve(a.as_ref(), &b);
        assert!(rel_err(&x, &want) < 1e-5, "step {step}: {report:?}");
        // The true residual, not the recurrence's.
        let true_res = (&b - &a * &x).norm_l2() / b.norm_l2();
        assert!(true_res < 2e-8, "step {step}: true residual {true_res:e}");
        if step > 0 {
            recycled += report.iterations;
            plain += plain_report.iterations;
        }
        previous = Some((x, y.col(0).to_owned()));
    }
    eprintln!(
        "kernel sequence, systems 2..11: recycled {recycled} iterations, warm-started CG {plain}"
    );
    // Counting every application of A (12 columns of A W per system).
    let applications = recycled + 12 * 10;
    assert!(
        applications * 2 < plain,
        "recycled {recycled}, plain {plain}"
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let opts = CgOptions::default();
    assert!(matches!(
        RecyclingCg::new(5, 3, DeflatedEnd::Smallest, opts),
        Err(Error::InvalidArgument(_))
    ));
    let bad = CgOptions {
        rel_tolerance: f64::NAN,
        ..opts
    };
    assert!(matches!(
        RecyclingCg::new(2, 4, DeflatedEnd::Smallest, bad),
        Err(Error::InvalidArgument(_))
    ));
    let mut solver = RecyclingCg::new(2, 4, DeflatedEnd::Smallest, opts).unwrap();
    let a = Mat::<f64>::identity(5, 5);
    let short = Col::<f64>::zeros(4);
    assert!(matches!(
        solver.solve(&a, short.as_ref(), None),
        Err(Error::ShapeMismatch { .. })
    ));
    let nan = Col::from_fn(5, |i| if i == 2 { f64::NAN } else { 1.0 });
    assert!(matches!(
        solver.solve(&a, nan.as_ref(), None),
        Err(Error::NonFinite(_))
    ));
    let indefinite = Mat::from_fn(5, 5, |i, j| if i == j { 1.0 - i as f64 } else { 0.0 });
    let b = Col::from_fn(5, |_| 1.0);
    assert!(matches!(
        solver.solve(&indefinite, b.as_ref(), None),
        Err(Error::NotPositiveDefinite(_))
    ));
    let few = CgOptions {
        max_iters: 2,
        ..opts
    };
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let lam: Vec<f64> = (0..40).map(|i| 1.0 + i as f64).collect();
    let spd = with_spectrum(&mut rng, &lam);
    let b = Col::from_fn(40, |_| rng.random_range(-1.0..1.0));
    let mut solver = RecyclingCg::new(2, 4, DeflatedEnd::Smallest, few).unwrap();
    match solver.solve(&spd, b.as_ref(), None) {
        Err(Error::NotConverged {
            iterations,
            residual,
            ..
        }) => {
            assert_eq!(iterations, 2);
            assert!(residual > 0.0 && residual.is_finite());
        }
        other => panic!("expected NotConverged, got {other:?}"),
    }
    // A space kept for one size does not silently apply to another.
    let mut solver = RecyclingCg::new(2, 4, DeflatedEnd::Smallest, opts).unwrap();
    solver.solve(&spd, b.as_ref(), None).unwrap();
    let b5 = Col::from_fn(5, |_| 1.0);
    assert!(matches!(
        solver.solve(&a, b5.as_ref(), None),
        Err(Error::ShapeMismatch { .. })
    ));
    solver.reset();
    assert!(solver.solve(&a, b5.as_ref(), None).is_ok());
}

/// `D^{1/2} S D^{1/2}`: `S` with six small outlying eigenvalues, `D` a
/// diagonal scaling over three decades, so that Jacobi preconditioning
/// removes the scaling and deflation the outliers.
fn scaled_outlier_system(rng: &mut ChaCha8Rng, n: usize) -> Mat<f64> {
    let lam: Vec<f64> = (0..n)
        .map(|i| {
            if i < 6 {
                1e-3 * (1 + 2 * i) as f64
            } else {
                1.0 + i as f64 / n as f64
            }
        })
        .collect();
    let s = with_spectrum(rng, &lam);
    let d: Vec<f64> = (0..n)
        .map(|_| 10f64.powf(rng.random_range(0.0..3.0)).sqrt())
        .collect();
    Mat::from_fn(n, n, |i, j| d[i] * s[(i, j)] * d[j])
}

fn jacobi(a: &Mat<f64>) -> Diagonal {
    Diagonal::new((0..a.nrows()).map(|i| a[(i, i)]).collect())
        .unwrap()
        .inverse()
        .unwrap()
}

#[test]
fn preconditioned_recycling_matches_dense_solves_and_beats_pcg() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let n = 150;
    let a = scaled_outlier_system(&mut rng, n);
    let precond = jacobi(&a);
    let opts = CgOptions {
        rel_tolerance: 1e-12,
        max_iters: 5000,
        ..CgOptions::default()
    };
    let mut solver = RecyclingCg::new(6, 40, DeflatedEnd::Smallest, opts).unwrap();
    let mut counts = Vec::new();
    let mut pcg_counts = Vec::new();
    for _ in 0..4 {
        let b = Col::from_fn(n, |_| rng.random_range(-1.0..1.0));
        let (x, report) = solver
            .solve_preconditioned(&a, &precond, b.as_ref(), None)
            .unwrap();
        let want = dense_solve(a.as_ref(), &b);
        assert!(rel_err(&x, &want) < 1e-8, "{report:?}");
        assert!(report.rel_residual <= 1e-12);
        let (_, plain) = cg::solve(&a, &precond, b.as_mat(), None, &opts).unwrap();
        counts.push(report.iterations);
        pcg_counts.push(plain.iterations);
    }
    // The first solve has no space yet: it is plain PCG.
    assert!(
        counts[0].abs_diff(pcg_counts[0]) <= 1,
        "{counts:?} {pcg_counts:?}"
    );
    // Later solves deflate the outliers of the preconditioned operator.
    for k in 1..4 {
        assert!(
            counts[k] * 3 < pcg_counts[k] * 2,
            "{counts:?} vs PCG {pcg_counts:?}"
        );
    }
    eprintln!("deflated PCG {counts:?}, PCG {pcg_counts:?}");
    assert_eq!(solver.deflation_space().unwrap().ncols(), 6);
}

#[test]
fn preconditioned_without_deflation_is_pcg() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let n = 90;
    let a = scaled_outlier_system(&mut rng, n);
    let precond = jacobi(&a);
    let b = Col::from_fn(n, |_| rng.random_range(-1.0..1.0));
    let opts = CgOptions {
        max_iters: 5000,
        ..CgOptions::default()
    };
    let mut solver = RecyclingCg::new(0, 0, DeflatedEnd::Smallest, opts).unwrap();
    let (x, report) = solver
        .solve_preconditioned(&a, &precond, b.as_ref(), None)
        .unwrap();
    let (y, plain) = cg::solve(&a, &precond, b.as_mat(), None, &opts).unwrap();
    assert!(report.iterations.abs_diff(plain.iterations) <= 1);
    assert!(rel_err(&x, &y.col(0).to_owned()) < 1e-6);
}

#[test]
fn bad_preconditioners_are_typed_errors() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let a = scaled_outlier_system(&mut rng, 20);
    let b = Col::from_fn(20, |_| 1.0);
    let mut solver = RecyclingCg::new(2, 4, DeflatedEnd::Smallest, CgOptions::default()).unwrap();
    let small = Diagonal::new(vec![1.0; 19]).unwrap();
    assert!(matches!(
        solver.solve_preconditioned(&a, &small, b.as_ref(), None),
        Err(Error::ShapeMismatch { .. })
    ));
    let negative = Diagonal::new(vec![-1.0; 20]).unwrap();
    assert!(matches!(
        solver.solve_preconditioned(&a, &negative, b.as_ref(), None),
        Err(Error::NotPositiveDefinite(_))
    ));
}

#[test]
fn pivoted_cholesky_preconditioned_kernel_sequence() {
    // The kernel sequence above with a rank-8 pivoted-Cholesky
    // preconditioner per system, each solve from zero: deflation then works
    // on what the preconditioner leaves, the largest eigenvalues of P A.
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let n = 400;
    let mut pts: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..1.0)).collect();
    pts.sort_by(f64::total_cmp);
    let b = Col::from_fn(n, |_| rng.random_range(-1.0..1.0));
    let opts = CgOptions {
        rel_tolerance: 1e-8,
        abs_tolerance: 0.0,
        max_iters: 2000,
    };
    let mut counts = Vec::new();
    for end in [DeflatedEnd::Largest, DeflatedEnd::Smallest] {
        let mut solver = RecyclingCg::new(12, 40, end, opts).unwrap();
        let (mut recycled, mut plain) = (0usize, 0usize);
        for step in 0..=10 {
            let ell = 0.10 + 0.002 * step as f64;
            let a = rbf_system(&pts, ell, 1e-3);
            let kernel_diag = vec![1.0; n];
            let factor = PivotedCholesky::new(
                &kernel_diag,
                |j| {
                    (0..n)
                        .map(|i| a[(i, j)] - if i == j { 1e-3 } else { 0.0 })
                        .collect()
                },
                8,
                0.0,
            )
            .unwrap();
            let precond = factor.preconditioner(1e-3).unwrap();
            let (x, report) = solver
                .solve_preconditioned(&a, &precond, b.as_ref(), None)
                .unwrap();
            let (_, plain_report) = cg::solve(&a, &precond, b.as_mat(), None, &opts).unwrap();
            let want = dense_solve(a.as_ref(), &b);
            assert!(rel_err(&x, &want) < 1e-5, "step {step}: {report:?}");
            if step > 0 {
                recycled += report.iterations;
                plain += plain_report.iterations;
            }
        }
        counts.push((end, recycled, plain));
    }
    eprintln!("pivoted-Cholesky PCG kernel sequence, systems 2..11: {counts:?}");
    // Measured: keeping the largest Ritz values of P A, 91 iterations
    // against 216 for the same PCG without deflation (plus 12 applications
    // of A per system for A W); keeping the smallest, 209: what a rank-8
    // pivoted Cholesky leaves is the top of the spectrum.
    let (_, largest, plain) = counts[0];
    assert!(largest * 2 < plain, "{counts:?}");
    let (_, smallest, _) = counts[1];
    assert!(largest < smallest, "{counts:?}");
}
