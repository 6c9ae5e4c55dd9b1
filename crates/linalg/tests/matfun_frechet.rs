//! Frechet derivatives of symmetric matrix functions against finite
//! differences, closed forms on repeated eigenvalues, and identities.
use faer::prelude::Solve;
use faer::{Mat, MatRef};
use proptest::prelude::*;
use sobolev_linalg::matfun::{
    SymEigen, divided_difference_exp, divided_difference_log, divided_difference_pow, sym_exp,
    sym_exp_frechet, sym_log, sym_log_frechet, sym_pow_frechet, sym_sqrt, sym_sqrt_frechet,
};

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
    max_abs_diff(a, Mat::<f64>::zeros(a.nrows(), a.ncols()).as_ref())
}

fn spd_from(entries: &[f64], n: usize, shift: f64) -> Mat<f64> {
    let x = Mat::from_fn(n, n, |i, j| entries[i * n + j]);
    let mut a = &x * x.transpose();
    for i in 0..n {
        a[(i, i)] += shift;
    }
    a
}

fn sym_from(entries: &[f64], n: usize) -> Mat<f64> {
    Mat::from_fn(n, n, |i, j| entries[i.min(j) * n + i.max(j)])
}

/// Central difference `(f(A + hE) - f(A - hE)) / 2h`.
fn central_difference(
    f: impl Fn(MatRef<'_, f64>) -> Mat<f64>,
    a: MatRef<'_, f64>,
    e: MatRef<'_, f64>,
    h: f64,
) -> Mat<f64> {
    let plus = a + e * faer::Scale(h);
    let minus = a - e * faer::Scale(h);
    (f(plus.as_ref()) - f(minus.as_ref())) * faer::Scale(0.5 / h)
}

#[test]
fn divided_differences_match_series_for_close_arguments() {
    // (f(y + d) - f(y)) / d = f'(y) + f''(y) d / 2 + f'''(y) d^2 / 6 + ...
    let y: f64 = 1.3;
    for d in [1e-14, 1e-11, 1e-8, 1e-5] {
        let exp_series = y.exp() * (1.0 + d / 2.0 + d * d / 6.0);
        assert!((divided_difference_exp(y + d, y) / exp_series - 1.0).abs() < 3e-16);
        let log_series = 1.0 / y - d / (2.0 * y * y) + d * d / (3.0 * y * y * y);
        assert!((divided_difference_log(y + d, y) / log_series - 1.0).abs() < 3e-16);
        let p = 0.37;
        let pow_series = p * y.powf(p - 1.0)
            + p * (p - 1.0) * y.powf(p - 2.0) * d / 2.0
            + p * (p - 1.0) * (p - 2.0) * y.powf(p - 3.0) * d * d / 6.0;
        assert!((divided_difference_pow(p, y + d, y) / pow_series - 1.0).abs() < 3e-16);
    }
    // Far-apart arguments: no overflow before the answer overflows.
    assert!(divided_difference_exp(700.0, -700.0).is_finite());
    assert!(divided_difference_pow(1.0, 1e200, 1e-200).is_finite());
    assert!((divided_difference_pow(1.0, 1e200, 1e-200) - 1.0).abs() < 1e-15);
    assert!(
        (divided_difference_log(1e300, 1e-300) - (1e300f64.ln() - 1e-300f64.ln()) / 1e300).abs()
            < 1e-315
    );
}

#[test]
fn repeated_eigenvalues_give_scaled_directions() {
    let n = 4;
    let c = 2.5;
    let a = Mat::from_fn(n, n, |i, j| if i == j { c } else { 0.0 });
    let e = Mat::from_fn(n, n, |i, j| (i as f64 + 1.0) * 0.3 - j as f64 * 0.7);
    let eig = SymEigen::new(a.as_ref()).unwrap();
    let checks = [
        (eig.frechet_exp(e.as_ref()).unwrap(), c.exp()),
        (eig.frechet_log(e.as_ref()).unwrap(), 1.0 / c),
        (eig.frechet_sqrt(e.as_ref()).unwrap(), 0.5 / c.sqrt()),
        (
            eig.frechet_pow(-0.7, e.as_ref()).unwrap(),
            -0.7 * c.powf(-1.7),
        ),
    ];
    for (got, scale) in checks {
        let want = &e * faer::Scale(scale);
        assert!(max_abs_diff(got.as_ref(), want.as_ref()) < 1e-14 * max_abs(want.as_ref()));
    }
}

#[test]
fn integer_powers_have_polynomial_derivatives() {
    let a = faer::mat![[3.0, 0.5, 0.1], [0.5, 2.0, 0.3], [0.1, 0.3, 1.0]];
    let e = faer::mat![[0.2, -1.0, 0.4], [0.7, 0.1, 0.0], [-0.3, 0.5, 1.2]];
    let id = sym_pow_frechet(a.as_ref(), 1.0, e.as_ref()).unwrap();
    assert!(max_abs_diff(id.as_ref(), e.as_ref()) < 1e-14);
    let sq = sym_pow_frechet(a.as_ref(), 2.0, e.as_ref()).unwrap();
    let want = &a * &e + &e * &a;
    assert!(max_abs_diff(sq.as_ref(), want.as_ref()) < 1e-13);
    let inv = sym_pow_frechet(a.as_ref(), -1.0, e.as_ref()).unwrap();
    let ainv = a
        .as_ref()
        .partial_piv_lu()
        .solve(Mat::<f64>::identity(3, 3));
    let want = -(&ainv * &e * &ainv);
    assert!(max_abs_diff(inv.as_ref(), want.as_ref()) < 1e-13);
}

#[test]
fn generic_derivative_agrees_with_the_exponential() {
    let a = faer::mat![[1.0, 0.2], [0.2, 1.0 + 1e-12]];
    let e = faer::mat![[0.5, 1.0], [1.0, -0.25]];
    let eig = SymEigen::new(a.as_ref()).unwrap();
    let exact = eig.frechet_exp(e.as_ref()).unwrap();
    let generic = eig.frechet_fn(f64::exp, f64::exp, e.as_ref()).unwrap();
    assert!(max_abs_diff(exact.as_ref(), generic.as_ref()) < 1e-7);
}

proptest! {
    #[test]
    fn derivatives_match_central_differences(
        n in 1usize..7,
        entries in proptest::collection::vec(-1.0f64..1.0, 49),
        dir in proptest::collection::vec(-1.0f64..1.0, 49),
        shift in 0.5f64..2.0,
    ) {
        let a = spd_from(&entries, n, shift);
        let e = sym_from(&dir, n);
        let h = 1e-5;
        let fd = central_difference(|x| sym_exp(x).unwrap(), a.as_ref(), e.as_ref(), h);
        let got = sym_exp_frechet(a.as_ref(), e.as_ref()).unwrap();
        prop_assert!(max_abs_diff(got.as_ref(), fd.as_ref()) <= 1e-7 * max_abs(got.as_ref()).max(1.0));
        let fd = central_difference(|x| sym_log(x).unwrap(), a.as_ref(), e.as_ref(), h);
        let got = sym_log_frechet(a.as_ref(), e.as_ref()).unwrap();
        prop_assert!(max_abs_diff(got.as_ref(), fd.as_ref()) <= 1e-7 * max_abs(got.as_ref()).max(1.0));
        let fd = central_difference(|x| sym_sqrt(x).unwrap(), a.as_ref(), e.as_ref(), h);
        let got = sym_sqrt_frechet(a.as_ref(), e.as_ref()).unwrap();
        prop_assert!(max_abs_diff(got.as_ref(), fd.as_ref()) <= 1e-7 * max_abs(got.as_ref()).max(1.0));
    }

    #[test]
    fn derivative_identities_hold(
        n in 1usize..8,
        entries in proptest::collection::vec(-1.0f64..1.0, 64),
        dir in proptest::collection::vec(-1.0f64..1.0, 64),
        shift in 0.1f64..2.0,
    ) {
        let a = spd_from(&entries, n, shift);
        let e = Mat::from_fn(n, n, |i, j| dir[i * n + j]);
        // sqrt(A) L + L sqrt(A) = E.
        let r = sym_sqrt(a.as_ref()).unwrap();
        let l = sym_sqrt_frechet(a.as_ref(), e.as_ref()).unwrap();
        let back = &r * &l + &l * &r;
        prop_assert!(max_abs_diff(back.as_ref(), e.as_ref()) <= 1e-12 * max_abs(a.as_ref()).max(1.0));
        // exp and log are inverse: L_exp(log A, L_log(A, E)) = E.
        let log_a = sym_log(a.as_ref()).unwrap();
        let l = sym_log_frechet(a.as_ref(), e.as_ref()).unwrap();
        let back = sym_exp_frechet(log_a.as_ref(), l.as_ref()).unwrap();
        prop_assert!(max_abs_diff(back.as_ref(), e.as_ref()) <= 1e-11 * max_abs(a.as_ref()).max(1.0) / shift);
    }
}
