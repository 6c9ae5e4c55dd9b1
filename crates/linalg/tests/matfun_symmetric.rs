//! Symmetric matrix functions against closed forms and identities.
use faer::{Mat, MatRef};
use proptest::prelude::*;
use sobolev_linalg::Error;
use sobolev_linalg::matfun::{SymEigen, sym_exp, sym_fn, sym_inv_sqrt, sym_log, sym_pow, sym_sqrt};

fn max_abs_diff(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    let mut m = 0.0f64;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            m = m.max((a[(i, j)] - b[(i, j)]).abs());
        }
    }
    m
}

fn max_abs(a: MatRef<'_, f64>) -> f64 {
    let mut m = 0.0f64;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            m = m.max(a[(i, j)].abs());
        }
    }
    m
}

/// `R(t) diag(d0, d1) R(t)^T` with `R(t)` the rotation by `t`.
fn rotated_2x2(t: f64, d0: f64, d1: f64) -> Mat<f64> {
    let (s, c) = t.sin_cos();
    let r = faer::mat![[c, -s], [s, c]];
    let d = faer::mat![[d0, 0.0], [0.0, d1]];
    &r * &d * r.transpose()
}

#[test]
fn closed_forms_on_a_rotated_diagonal() {
    let (t, d0, d1) = (0.7, 0.3, 5.0);
    let a = rotated_2x2(t, d0, d1);
    let cases: Vec<(Mat<f64>, Mat<f64>)> = vec![
        (
            sym_exp(a.as_ref()).unwrap(),
            rotated_2x2(t, d0.exp(), d1.exp()),
        ),
        (
            sym_log(a.as_ref()).unwrap(),
            rotated_2x2(t, d0.ln(), d1.ln()),
        ),
        (
            sym_sqrt(a.as_ref()).unwrap(),
            rotated_2x2(t, d0.sqrt(), d1.sqrt()),
        ),
        (
            sym_inv_sqrt(a.as_ref()).unwrap(),
            rotated_2x2(t, 1.0 / d0.sqrt(), 1.0 / d1.sqrt()),
        ),
        (
            sym_pow(a.as_ref(), -1.3).unwrap(),
            rotated_2x2(t, d0.powf(-1.3), d1.powf(-1.3)),
        ),
        (
            sym_fn(a.as_ref(), f64::cos).unwrap(),
            rotated_2x2(t, d0.cos(), d1.cos()),
        ),
    ];
    for (got, want) in cases {
        let err = max_abs_diff(got.as_ref(), want.as_ref()) / max_abs(want.as_ref());
        assert!(err < 1e-14, "relative error {err:e}");
        // Exactly symmetric output.
        assert_eq!(got[(0, 1)], got[(1, 0)]);
    }
}

#[test]
fn one_decomposition_serves_several_functions() {
    let a = faer::mat![[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]];
    let eig = SymEigen::new(a.as_ref()).unwrap();
    let root = eig.sqrt().unwrap();
    let inv_root = eig.inv_sqrt().unwrap();
    let id = &root * &inv_root;
    assert!(max_abs_diff(id.as_ref(), Mat::<f64>::identity(3, 3).as_ref()) < 1e-14);
    let sq = &root * &root;
    assert!(max_abs_diff(sq.as_ref(), a.as_ref()) < 1e-13);
    let lambda = eig.eigenvalues();
    assert!(lambda.windows(2).all(|w| w[0] <= w[1]));
    // Trace of the log is the log of the determinant (a 3x3 closed form).
    let det = 4.0 * (3.0 * 2.0 - 0.04) - 1.0 * (2.0 - 0.1) + 0.5 * (0.2 - 1.5);
    let l = eig.log().unwrap();
    let tr = l[(0, 0)] + l[(1, 1)] + l[(2, 2)];
    assert!((tr - f64::ln(det)).abs() < 1e-14);
}

#[test]
fn bad_input_is_a_typed_error() {
    let rect = Mat::<f64>::zeros(2, 3);
    assert!(matches!(
        sym_exp(rect.as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
    let empty = Mat::<f64>::zeros(0, 0);
    assert!(matches!(sym_exp(empty.as_ref()), Err(Error::Empty(_))));
    let nan = faer::mat![[1.0, f64::NAN], [f64::NAN, 1.0]];
    assert!(matches!(sym_exp(nan.as_ref()), Err(Error::NonFinite(_))));
    let asym = faer::mat![[1.0, 0.5], [0.4, 1.0]];
    assert!(matches!(
        sym_exp(asym.as_ref()),
        Err(Error::InvalidArgument(_))
    ));
    let indefinite = faer::mat![[1.0, 2.0], [2.0, 1.0]];
    assert!(sym_exp(indefinite.as_ref()).is_ok());
    for r in [
        sym_log(indefinite.as_ref()),
        sym_sqrt(indefinite.as_ref()),
        sym_inv_sqrt(indefinite.as_ref()),
        sym_pow(indefinite.as_ref(), 0.5),
    ] {
        assert!(matches!(r, Err(Error::NotPositiveDefinite(_))));
    }
    let spd = faer::mat![[2.0, 0.0], [0.0, 1.0]];
    assert!(matches!(
        sym_pow(spd.as_ref(), f64::INFINITY),
        Err(Error::NonFinite(_))
    ));
}

/// A random SPD matrix `X X^T + shift I` from proptest-drawn entries.
fn spd_from(entries: &[f64], n: usize, shift: f64) -> Mat<f64> {
    let x = Mat::from_fn(n, n, |i, j| entries[i * n + j]);
    let mut a = &x * x.transpose();
    for i in 0..n {
        a[(i, i)] += shift;
    }
    a
}

proptest! {
    #[test]
    fn exp_of_log_and_square_of_root_recover_spd(
        n in 1usize..8,
        entries in proptest::collection::vec(-2.0f64..2.0, 64),
        shift in 0.05f64..3.0,
    ) {
        let a = spd_from(&entries, n, shift);
        let scale = max_abs(a.as_ref());
        let l = sym_log(a.as_ref()).unwrap();
        let back = sym_exp(l.as_ref()).unwrap();
        prop_assert!(max_abs_diff(back.as_ref(), a.as_ref()) <= 1e-12 * scale);
        let r = sym_sqrt(a.as_ref()).unwrap();
        let sq = &r * &r;
        prop_assert!(max_abs_diff(sq.as_ref(), a.as_ref()) <= 1e-12 * scale);
        let p = sym_pow(a.as_ref(), 0.25).unwrap();
        let p2 = &p * &p;
        prop_assert!(max_abs_diff(p2.as_ref(), r.as_ref()) <= 1e-12 * max_abs(r.as_ref()));
    }
}

/// The symmetric scaling-and-squaring route (below order 128) against the
/// eigendecomposition, at orders where faer's triangular products block,
/// for norms from the degree-3 range to a dozen squarings, including
/// indefinite matrices (where `exp` spans many decades).
#[test]
fn symmetric_pade_route_agrees_with_the_eigendecomposition() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    for &n in &[17usize, 64, 127] {
        let x = Mat::from_fn(n, n, |_, _| next());
        let base = Mat::from_fn(n, n, |i, j| 0.5 * (x[(i, j)] + x[(j, i)]));
        let base_norm = max_abs(base.as_ref()) * n as f64;
        for &target in &[1e-3, 0.2, 0.9, 2.0, 5.0, 40.0, 3000.0] {
            let a = &base * faer::Scale(target / base_norm);
            let got = sym_exp(a.as_ref()).unwrap();
            let want = SymEigen::new(a.as_ref()).unwrap().exp();
            for j in 0..n {
                for i in 0..j {
                    assert_eq!(got[(i, j)], got[(j, i)]);
                }
            }
            // Both are backward stable: the difference is bounded by the
            // conditioning, about `eps ||A|| ||exp(A)||` here.
            let scale = max_abs(want.as_ref()) * (1.0 + target);
            let err = max_abs_diff(got.as_ref(), want.as_ref()) / scale;
            assert!(err < 1e-13, "n = {n}, ||A|| ~ {target}: {err:e}");
        }
    }
}
