//! Spherical Bessel functions `j_n(x) = sqrt(pi/(2x)) J_{n+1/2}(x)` and
//! `y_n(x) = sqrt(pi/(2x)) Y_{n+1/2}(x)` of integer order `n >= 0`, and
//! their derivatives.
//!
//! For `|x| < 2` both come from their own expansions, which never form
//! `sqrt(pi/(2x))` (it overflows as `x -> 0` while `J_{n+1/2}` underflows):
//! `j_n` from its power series
//! `x^n/(2n+1)!! sum_k (-x^2/2)^k / (k! (2n+3)(2n+5)...(2n+2k+1))`, and `y_n`
//! from `y_0 = -cos x / x`, `y_1 = -(cos x / x + sin x)/x` by the upward
//! recurrence `y_{k+1} = ((2k+1)/x) y_k - y_{k-1}`, stable because `y` is
//! dominant. For `|x| >= 2` they are the cylinder functions of half-odd
//! order (`j_0 = sin x / x` and `y_0` directly). Derivatives use
//! `f_n' = (n/x) f_n - f_{n+1}`, free of cancellation as `x -> 0`, or
//! `sqrt(pi/(2x)) (J' - J/(2x))` on the cylinder side. Negative `x` by
//! parity: `j_n(-x) = (-1)^n j_n(x)`, `y_n(-x) = (-1)^(n+1) y_n(x)`.
//!
//! References: NIST DLMF 10.47-10.53; Abramowitz & Stegun 10.1.

use super::evaluate;
use super::steed::y_derivative;
use std::f64::consts::PI;

/// Below this `|x|` the series and the recurrence are used.
const SERIES_MAX_X: f64 = 2.0;

/// `(j_n(x), j_n'(x))` by the power series, `0 < x < 2`: with
/// `c_k = (-x^2/2)^k / (k! (2n+3)...(2n+2k+1))`, `j_n = L x sum c_k` and
/// `j_n' = L sum (n + 2k) c_k`, `L = x^(n-1)/(2n+1)!!`.
fn j_series(n: u32, x: f64) -> (f64, f64) {
    // L built factor by factor (each below 2/3), so that it underflows only
    // when the values do; n = 0 (L = 1/x) is done without forming 1/x,
    // which overflows for subnormal x.
    let m = f64::from(n);
    let mut lead = 1.0 / (2.0 * m + 1.0);
    for i in 1..n {
        lead *= x / (2.0 * f64::from(i) + 1.0);
        if lead == 0.0 {
            return (0.0, 0.0);
        }
    }
    let q = -0.5 * x * x;
    let (mut t, mut s, mut sd, mut k) = (1.0_f64, 1.0_f64, m, 1.0_f64);
    while t.abs() > s.abs() * 1e-17 {
        t *= q / (k * (2.0 * m + 2.0 * k + 1.0));
        s += t;
        sd += (m + 2.0 * k) * t;
        k += 1.0;
    }
    if n == 0 {
        (s, sd / x)
    } else {
        (lead * x * s, lead * sd)
    }
}

/// `(y_n(x), y_{n+1}(x))` by upward recurrence, `0 < x < 2`.
fn y_recurrence(n: u32, x: f64) -> (f64, f64) {
    let (s, c) = x.sin_cos();
    let mut a = -c / x;
    let mut b = -(c / x + s) / x;
    for k in 1..=n {
        if !b.is_finite() {
            return (f64::NEG_INFINITY, f64::NEG_INFINITY);
        }
        let next = ((2.0 * f64::from(k) + 1.0) / x) * b - a;
        a = b;
        b = next;
    }
    (a, if b.is_finite() { b } else { f64::NEG_INFINITY })
}

/// `(j_n, y_n, j_n', y_n')` for `x > 0` finite; the `y` pair only when
/// `want_y`, the derivatives only when `deriv`.
fn positive(n: u32, x: f64, want_y: bool, deriv: bool) -> [f64; 4] {
    let m = f64::from(n);
    if x < SERIES_MAX_X {
        let (j, dj) = j_series(n, x);
        let (y, y1) = if want_y {
            y_recurrence(n, x)
        } else {
            (f64::NAN, f64::NAN)
        };
        return [j, y, dj, y_derivative(m, x, y, y1)];
    }
    if n == 0 && !deriv {
        let (s, c) = x.sin_cos();
        return [s / x, -c / x, f64::NAN, f64::NAN];
    }
    let f = (PI / (2.0 * x)).sqrt();
    if !want_y && !deriv {
        return [
            f * super::bessel_j(m + 0.5, x),
            f64::NAN,
            f64::NAN,
            f64::NAN,
        ];
    }
    let r = evaluate(m + 0.5, x, deriv);
    let h = 0.5 / x;
    [f * r.j, f * r.y, f * (r.dj - h * r.j), f * (r.dy - h * r.y)]
}

/// All four at any real `x`, by parity for `x < 0`.
fn spherical(n: u32, x: f64, want_y: bool, deriv: bool) -> [f64; 4] {
    if x.is_nan() {
        return [f64::NAN; 4];
    }
    if x.is_infinite() {
        return [0.0; 4];
    }
    if x == 0.0 {
        let j = if n == 0 { 1.0 } else { 0.0 };
        let dj = if n == 1 { 1.0 / 3.0 } else { 0.0 };
        return [j, f64::NEG_INFINITY, dj, f64::INFINITY];
    }
    if x > 0.0 {
        return positive(n, x, want_y, deriv);
    }
    let [j, y, dj, dy] = positive(n, -x, want_y, deriv);
    let p = if n.is_multiple_of(2) { 1.0 } else { -1.0 };
    [p * j, -p * y, -p * dj, p * dy]
}

/// Spherical Bessel function of the first kind `j_n(x)`, integer `n >= 0`,
/// every real `x`.
///
/// Special values: `j_0(0) = 1`, `j_n(0) = 0` for `n > 0`,
/// `j_n(+-inf) = 0`; `j_n(-x) = (-1)^n j_n(x)`; NaN for NaN `x`.
///
/// Algorithm: power series for `|x| < 2`, otherwise
/// `sqrt(pi/(2x)) J_{n+1/2}(x)` (see [`crate::bessel_j`]). Accuracy against
/// 30-digit mpmath (`crates/special/tests/data/sph_bessel.csv`), relative
/// for `x < n` and scaled by the envelope `sqrt(j_n^2 + y_n^2)` for
/// `x >= n` (regions in terms of `v = n + 1/2`):
///
#[doc = include_str!("../../doc/spherical_bessel_accuracy.md")]
///
/// ```
/// use sobolev_special::spherical_bessel_j;
/// let x = 0.7_f64;
/// let exact = (x.sin() / x - x.cos()) / x; // j_1
/// assert!((spherical_bessel_j(1, x) - exact).abs() < 1e-16);
/// ```
pub fn spherical_bessel_j(n: u32, x: f64) -> f64 {
    spherical(n, x, false, false)[0]
}

/// Spherical Bessel function of the second kind `y_n(x)`, integer
/// `n >= 0`, every real `x`.
///
/// Special values: `y_n(0) = -inf`, `y_n(+-inf) = 0`;
/// `y_n(-x) = (-1)^(n+1) y_n(x)`; values beyond the double range are
/// `-inf` (positive `x`); NaN for NaN `x`.
///
/// Algorithm: upward recurrence from `y_0`, `y_1` for `|x| < 2`, otherwise
/// `sqrt(pi/(2x)) Y_{n+1/2}(x)`. Accuracy in [`spherical_bessel_j`].
///
/// ```
/// use sobolev_special::spherical_bessel_y;
/// let x = 2.5_f64;
/// assert!((spherical_bessel_y(0, x) + x.cos() / x).abs() < 1e-16);
/// ```
pub fn spherical_bessel_y(n: u32, x: f64) -> f64 {
    spherical(n, x, true, false)[1]
}

/// `d/dx j_n(x)`, with the domain of [`spherical_bessel_j`].
///
/// ```
/// use sobolev_special::{spherical_bessel_j, spherical_bessel_j_derivative};
/// // j_0' = -j_1
/// let x = 5.0;
/// assert!((spherical_bessel_j_derivative(0, x) + spherical_bessel_j(1, x)).abs() < 1e-16);
/// ```
pub fn spherical_bessel_j_derivative(n: u32, x: f64) -> f64 {
    spherical(n, x, false, true)[2]
}

/// `d/dx y_n(x)`, with the domain of [`spherical_bessel_y`].
///
/// ```
/// use sobolev_special::{spherical_bessel_y, spherical_bessel_y_derivative};
/// // y_0' = -y_1
/// let x = 5.0;
/// assert!((spherical_bessel_y_derivative(0, x) + spherical_bessel_y(1, x)).abs() < 1e-16);
/// ```
pub fn spherical_bessel_y_derivative(n: u32, x: f64) -> f64 {
    spherical(n, x, true, true)[3]
}
