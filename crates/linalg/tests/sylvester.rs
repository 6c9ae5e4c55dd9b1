//! Sylvester and Lyapunov solvers against closed forms, each other, and
//! their residuals.
use faer::{Mat, MatRef};
use proptest::prelude::*;
use sobolev_linalg::Error;
use sobolev_linalg::sylvester::{
    lyapunov, lyapunov_smith, sylvester, sylvester_residual, sylvester_symmetric,
};

fn max_rel(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    let mut num = 0.0f64;
    let mut den = 0.0f64;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            num = num.max((a[(i, j)] - b[(i, j)]).abs());
            den = den.max(b[(i, j)].abs());
        }
    }
    num / den
}

#[test]
fn diagonal_coefficients_have_entrywise_solutions() {
    let a = faer::mat![[1.0, 0.0], [0.0, 3.0]];
    let b = faer::mat![[0.5, 0.0, 0.0], [0.0, -2.0, 0.0], [0.0, 0.0, 4.0]];
    let c = Mat::from_fn(2, 3, |i, j| (i + 2 * j) as f64 - 1.5);
    let x = sylvester(a.as_ref(), b.as_ref(), c.as_ref()).unwrap();
    let want = Mat::from_fn(2, 3, |i, j| c[(i, j)] / (a[(i, i)] + b[(j, j)]));
    assert!(max_rel(x.as_ref(), want.as_ref()) < 1e-15);
}

#[test]
fn matern32_stationary_covariance() {
    // F = [[0, 1], [-l^2, -2l]], L Qc L^T = diag(0, 4 l^3 s^2): P = diag(s^2, l^2 s^2).
    let (lam, s2) = (0.7, 1.9);
    let f = faer::mat![[0.0, 1.0], [-lam * lam, -2.0 * lam]];
    let q = faer::mat![[0.0, 0.0], [0.0, 4.0 * lam * lam * lam * s2]];
    let p = lyapunov(f.as_ref(), q.as_ref()).unwrap();
    let want = faer::mat![[s2, 0.0], [0.0, lam * lam * s2]];
    assert!((p.as_ref() - want.as_ref()).norm_max() < 1e-14 * s2);
    let p = lyapunov_smith(f.as_ref(), q.as_ref()).unwrap();
    assert!((p.as_ref() - want.as_ref()).norm_max() < 1e-13 * s2);
}

/// A stable matrix: `-(X X^T / n + I/2) + skew part + strictly upper noise`.
fn stable(entries: &[f64], n: usize) -> Mat<f64> {
    let x = Mat::from_fn(n, n, |i, j| entries[(i * 7 + j * 3) % entries.len()]);
    let spd = &x * x.transpose() * faer::Scale(1.0 / n as f64);
    Mat::from_fn(n, n, |i, j| {
        let sym = -spd[(i, j)] - if i == j { 0.5 } else { 0.0 };
        let skew = x[(i, j)] - x[(j, i)];
        sym + 0.5 * skew
    })
}

#[test]
fn smith_agrees_with_the_direct_solve_and_scales_past_it() {
    let entries: Vec<f64> = (0..97)
        .map(|k| ((k * 37 % 101) as f64 / 50.0) - 1.0)
        .collect();
    let a = stable(&entries, 12);
    let q = Mat::from_fn(12, 12, |i, j| if i == j { 1.0 + i as f64 } else { 0.1 });
    let direct = lyapunov(a.as_ref(), q.as_ref()).unwrap();
    let smith = lyapunov_smith(a.as_ref(), q.as_ref()).unwrap();
    assert!(max_rel(smith.as_ref(), direct.as_ref()) < 1e-12);
    // n = 60 > 32 takes the Smith path inside `lyapunov`.
    let a = stable(&entries, 60);
    let q = Mat::<f64>::identity(60, 60);
    let p = lyapunov(a.as_ref(), q.as_ref()).unwrap();
    let minus_q = -&q;
    let r = sylvester_residual(a.as_ref(), a.transpose(), minus_q.as_ref(), p.as_ref());
    assert!(r < 1e-14, "residual {r:e}");
    // The stationary covariance is symmetric positive definite.
    assert!(p.as_ref().llt(faer::Side::Lower).is_ok());
}

#[test]
fn singular_and_unstable_equations_are_reported() {
    let a = faer::mat![[1.0, 0.0], [0.0, 2.0]];
    let b = faer::mat![[-1.0, 0.0], [0.0, 5.0]];
    let c = Mat::<f64>::identity(2, 2);
    assert!(matches!(
        sylvester_symmetric(a.as_ref(), b.as_ref(), c.as_ref()),
        Err(Error::NotConverged { .. })
    ));
    let a = faer::mat![[1.0, 1.0], [0.0, 2.0]];
    let b = faer::mat![[-1.0, 0.0], [3.0, 5.0]];
    assert!(matches!(
        sylvester(a.as_ref(), b.as_ref(), c.as_ref()),
        Err(Error::NotConverged { .. })
    ));
    let unstable = faer::mat![[0.5, 1.0], [0.0, -1.0]];
    assert!(matches!(
        lyapunov_smith(unstable.as_ref(), c.as_ref()),
        Err(Error::NotConverged { .. })
    ));
    let wrong = Mat::<f64>::zeros(3, 2);
    assert!(matches!(
        sylvester(a.as_ref(), b.as_ref(), wrong.as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
    let nan = faer::mat![[f64::NAN, 0.0], [0.0, 1.0]];
    assert!(matches!(
        lyapunov(nan.as_ref(), c.as_ref()),
        Err(Error::NonFinite(_))
    ));
    let big = Mat::<f64>::from_fn(40, 40, |i, j| {
        if i == j {
            1.0
        } else if j == i + 1 {
            0.5
        } else {
            0.0
        }
    });
    let cbig = Mat::<f64>::zeros(40, 40);
    assert!(matches!(
        sylvester(big.as_ref(), big.as_ref(), cbig.as_ref()),
        Err(Error::InvalidArgument(_))
    ));
}

proptest! {
    #[test]
    fn general_sylvester_residual_is_small(
        n in 1usize..9,
        m in 1usize..9,
        entries in proptest::collection::vec(-1.0f64..1.0, 64),
        others in proptest::collection::vec(-1.0f64..1.0, 64),
        rhs in proptest::collection::vec(-1.0f64..1.0, 64),
    ) {
        // Eigenvalues of A near +3, of B near +2: a_i + b_j stays away from 0.
        let a = Mat::from_fn(n, n, |i, j| entries[i * 8 + j] + if i == j { 3.0 } else { 0.0 });
        let b = Mat::from_fn(m, m, |i, j| others[i * 8 + j] + if i == j { 2.0 } else { 0.0 });
        let c = Mat::from_fn(n, m, |i, j| rhs[i * 8 + j]);
        let x = sylvester(a.as_ref(), b.as_ref(), c.as_ref()).unwrap();
        prop_assert!(sylvester_residual(a.as_ref(), b.as_ref(), c.as_ref(), x.as_ref()) < 1e-14);
    }

    #[test]
    fn eigen_and_smith_lyapunov_solvers_agree(
        n in 1usize..9,
        entries in proptest::collection::vec(-1.0f64..1.0, 64),
        rhs in proptest::collection::vec(-1.0f64..1.0, 64),
    ) {
        // Symmetric negative definite A: `lyapunov` takes the eigen path,
        // `lyapunov_smith` the Cayley/Smith iteration.
        let x = Mat::from_fn(n, n, |i, j| entries[i * 8 + j]);
        let a = -(&x * x.transpose()) - Mat::<f64>::identity(n, n) * faer::Scale(0.3);
        let y = Mat::from_fn(n, n, |i, j| rhs[i * 8 + j]);
        let q = &y * y.transpose();
        let p1 = lyapunov(a.as_ref(), q.as_ref()).unwrap();
        let p2 = lyapunov_smith(a.as_ref(), q.as_ref()).unwrap();
        let minus_q = -&q;
        prop_assert!(sylvester_residual(a.as_ref(), a.as_ref(), minus_q.as_ref(), p1.as_ref()) < 1e-14);
        prop_assert!(max_rel(p1.as_ref(), p2.as_ref()) < 1e-11);
    }
}
