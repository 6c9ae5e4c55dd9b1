//! Sylvester and Lyapunov solvers against closed forms, each other, and
//! their residuals.
use faer::{Mat, MatRef};
use proptest::prelude::*;
use sobolev_linalg::Error;
use sobolev_linalg::sylvester::{
    lyapunov, lyapunov_smith, sylvester, sylvester_residual, sylvester_schur, sylvester_symmetric,
    sylvester_vectorised,
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
    let minus_q = -&q;
    let vectorised = sylvester_vectorised(a.as_ref(), a.transpose(), minus_q.as_ref()).unwrap();
    assert!(max_rel(vectorised.as_ref(), direct.as_ref()) < 1e-12);
    // n = 60: Bartels-Stewart inside `lyapunov`, Smith beside it.
    let a = stable(&entries, 60);
    let q = Mat::<f64>::identity(60, 60);
    let p = lyapunov(a.as_ref(), q.as_ref()).unwrap();
    let minus_q = -&q;
    let r = sylvester_residual(a.as_ref(), a.transpose(), minus_q.as_ref(), p.as_ref());
    assert!(r < 1e-14, "residual {r:e}");
    let smith = lyapunov_smith(a.as_ref(), q.as_ref()).unwrap();
    assert!(max_rel(smith.as_ref(), p.as_ref()) < 1e-12);
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
        sylvester_vectorised(big.as_ref(), big.as_ref(), cbig.as_ref()),
        Err(Error::InvalidArgument(_))
    ));
    // Bartels-Stewart has no size limit: the zero right-hand side gives 0.
    let x = sylvester(big.as_ref(), big.as_ref(), cbig.as_ref()).unwrap();
    assert_eq!(x.norm_max(), 0.0);
    let inf = faer::mat![[1.0, f64::INFINITY], [0.0, 1.0]];
    assert!(matches!(
        sylvester(inf.as_ref(), a.as_ref(), c.as_ref()),
        Err(Error::NonFinite(_))
    ));
}

#[test]
fn nearly_singular_general_equations_report_their_residual() {
    // A has eigenvalue 1, B has eigenvalue -1 + 1e-17 (rounds to -1): the
    // equation is singular to working precision; both are non-normal.
    let a = faer::mat![[1.0, 4.0, 0.5], [0.0, 2.0, -1.0], [0.0, 0.0, 3.0]];
    let b = faer::mat![[-1.0 + 1e-17, 0.0], [2.5, 5.0]];
    let c = Mat::from_fn(3, 2, |i, j| 1.0 + i as f64 - j as f64);
    match sylvester(a.as_ref(), b.as_ref(), c.as_ref()) {
        Err(Error::NotConverged { residual, .. }) => assert!(residual.is_finite()),
        other => panic!("expected NotConverged, got {other:?}"),
    }
    // A rotation block with eigenvalues +-2i against -(+-2i): singular with
    // complex-conjugate pairs on both sides.
    let a = faer::mat![[0.0, 2.0], [-2.0, 0.0]];
    let b = faer::mat![[0.0, -3.0], [4.0 / 3.0, 0.0]];
    let c = Mat::<f64>::identity(2, 2);
    assert!(matches!(
        sylvester(a.as_ref(), b.as_ref(), c.as_ref()),
        Err(Error::NotConverged { .. })
    ));
    // Lyapunov with eigenvalues +1 and -1: l_1 + l_2 = 0.
    let f = faer::mat![[1.0, 3.0], [0.0, -1.0]];
    assert!(matches!(
        lyapunov(f.as_ref(), c.as_ref()),
        Err(Error::NotConverged { .. })
    ));
}

/// A rotation-dominated matrix `shift I + K + noise/4` (`K` skew): its
/// eigenvalues come in complex-conjugate pairs with real part near `shift`.
fn rotational(entries: &[f64], n: usize, shift: f64) -> Mat<f64> {
    Mat::from_fn(n, n, |i, j| {
        let skew = 2.0
            * (entries[(i * 5 + j * 11) % entries.len()]
                - entries[(j * 5 + i * 11) % entries.len()]);
        let noise = 0.25 * entries[(i * 13 + j * 3 + 1) % entries.len()];
        skew + noise + if i == j { shift } else { 0.0 }
    })
}

#[test]
fn a_stalled_schur_form_falls_back() {
    // Period-101 entries: nalgebra's Francis iteration stalls on this stable
    // matrix at n = 150; `lyapunov` then uses the Smith iteration.
    let n = 150;
    let x = Mat::from_fn(n, n, |i, j| (((i * 37 + j * 11) % 101) as f64 / 50.0) - 1.0);
    let spd = &x * x.transpose() * faer::Scale(1.0 / n as f64);
    let a = Mat::from_fn(n, n, |i, j| {
        -spd[(i, j)] - if i == j { 0.5 } else { 0.0 } + 0.5 * (x[(i, j)] - x[(j, i)])
    });
    let q = Mat::<f64>::identity(n, n);
    let p = lyapunov(a.as_ref(), q.as_ref()).unwrap();
    let minus_q = -&q;
    let r = sylvester_residual(a.as_ref(), a.transpose(), minus_q.as_ref(), p.as_ref());
    assert!(r < 1e-13, "residual {r:e}");
    // The general solver reports the stalled form as a typed error at this
    // size (n m > 1024, no vectorised fallback).
    let c = Mat::from_fn(n, n, |i, j| (i + j) as f64);
    match sylvester_schur(a.as_ref(), a.transpose(), c.as_ref()) {
        Ok(x) => {
            let r = sylvester_residual(a.as_ref(), a.transpose(), c.as_ref(), x.as_ref());
            assert!(r < 1e-13);
        }
        Err(e) => assert!(matches!(e, Error::NotConverged { .. })),
    }
}

#[test]
fn complex_conjugate_pairs_match_the_vectorised_solve() {
    let entries: Vec<f64> = (0..89)
        .map(|k| ((k * 29 % 89) as f64 / 44.5) - 1.0)
        .collect();
    for (n, m) in [(2, 2), (4, 3), (6, 6), (9, 7)] {
        let a = rotational(&entries, n, 1.0);
        let b = rotational(&entries[7..], m, 0.5);
        let c = Mat::from_fn(n, m, |i, j| entries[(3 * i + 7 * j) % entries.len()]);
        let x = sylvester_schur(a.as_ref(), b.as_ref(), c.as_ref()).unwrap();
        let y = sylvester_vectorised(a.as_ref(), b.as_ref(), c.as_ref()).unwrap();
        assert!(max_rel(x.as_ref(), y.as_ref()) < 1e-12, "n = {n}, m = {m}");
        let r = sylvester_residual(a.as_ref(), b.as_ref(), c.as_ref(), x.as_ref());
        assert!(r < 1e-15, "n = {n}, m = {m}: residual {r:e}");
    }
}

#[test]
fn unstable_non_symmetric_lyapunov_is_solved() {
    // Eigenvalues with positive real parts (no pair summing to zero): the
    // Smith iteration does not apply, Bartels-Stewart does.
    let entries: Vec<f64> = (0..89)
        .map(|k| ((k * 31 % 89) as f64 / 44.5) - 1.0)
        .collect();
    let a = rotational(&entries, 7, 0.8);
    let q = Mat::from_fn(7, 7, |i, j| if i == j { 2.0 } else { 0.1 });
    let p = lyapunov(a.as_ref(), q.as_ref()).unwrap();
    let minus_q = -&q;
    let y = sylvester_vectorised(a.as_ref(), a.transpose(), minus_q.as_ref()).unwrap();
    assert!(max_rel(p.as_ref(), y.as_ref()) < 1e-12);
    assert!(lyapunov_smith(a.as_ref(), q.as_ref()).is_err());
}

/// SplitMix64 in `[-1, 1)`, as in `xtask/refdata/sylvester_scipy.py`.
fn uniform_stream(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

#[test]
fn scipy_solve_sylvester_fixtures() {
    let text = include_str!("data/sylvester_scipy.txt");
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let mut cases = 0;
    let mut worst = 0.0f64;
    while let Some(header) = lines.next() {
        let fields: Vec<u64> = header
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect();
        let (n, m, seed) = (fields[0] as usize, fields[1] as usize, fields[2]);
        let values: Vec<f64> = lines
            .next()
            .unwrap()
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect();
        let row_major = |seed: u64, rows: usize, cols: usize| {
            let mut next = uniform_stream(seed);
            let flat: Vec<f64> = (0..rows * cols).map(|_| next()).collect();
            Mat::from_fn(rows, cols, |i, j| flat[i * cols + j])
        };
        let a = row_major(seed, n, n) * faer::Scale(1.0 / (n as f64).sqrt())
            + Mat::<f64>::identity(n, n) * faer::Scale(1.5);
        let b = row_major(seed + 1, m, m) * faer::Scale(1.0 / (m as f64).sqrt())
            + Mat::<f64>::identity(m, m);
        let c = row_major(seed + 2, n, m);
        let want = Mat::from_fn(n, m, |i, j| values[i * m + j]);
        let x = sylvester(a.as_ref(), b.as_ref(), c.as_ref()).unwrap();
        let err = max_rel(x.as_ref(), want.as_ref());
        assert!(err < 1e-12, "n = {n}, m = {m}: {err:e}");
        worst = worst.max(err);
        cases += 1;
    }
    assert_eq!(cases, 5);
    eprintln!("worst relative difference from scipy solve_sylvester: {worst:e}");
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
    fn bartels_stewart_matches_the_vectorised_solve(
        n in 1usize..9,
        m in 1usize..9,
        entries in proptest::collection::vec(-1.0f64..1.0, 64),
        others in proptest::collection::vec(-1.0f64..1.0, 64),
        rhs in proptest::collection::vec(-1.0f64..1.0, 64),
    ) {
        // General real matrices (complex pairs likely), shifted and scaled
        // so that the equation is well conditioned: the eigenvalues of A lie
        // near 1.5, those of B near 1, within about 0.6.
        let (sn, sm) = (1.0 / (n as f64).sqrt(), 1.0 / (m as f64).sqrt());
        let a = Mat::from_fn(n, n, |i, j| sn * entries[i * 8 + j] + if i == j { 1.5 } else { 0.0 });
        let b = Mat::from_fn(m, m, |i, j| sm * others[i * 8 + j] + if i == j { 1.0 } else { 0.0 });
        let c = Mat::from_fn(n, m, |i, j| rhs[i * 8 + j]);
        let y = sylvester_vectorised(a.as_ref(), b.as_ref(), c.as_ref()).unwrap();
        let x = sylvester_schur(a.as_ref(), b.as_ref(), c.as_ref()).unwrap();
        let r = sylvester_residual(a.as_ref(), b.as_ref(), c.as_ref(), x.as_ref());
        prop_assert!(r < 1e-14, "residual {:e}", r);
        let d = max_rel(x.as_ref(), y.as_ref());
        prop_assert!(d < 1e-12, "difference {:e}", d);
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
