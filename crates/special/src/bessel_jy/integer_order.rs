//! Fast path for `J_0`, `J_1`, `Y_0`, `Y_1` on `2 < x < 26`, the stretch
//! between the power series and Hankel's expansion where Steed's method
//! would otherwise iterate its continued fractions.
//!
//! On each unit interval `[c - 1/2, c + 1/2)` the function is its Taylor
//! series in `t = x - c`, whose coefficients come from Bessel's equation
//! by the recurrence
//! `a_{k+2} = -[c (k+1)(2k+1) a_{k+1} + (k^2 + c^2 - n^2) a_k + 2c a_{k-1}
//! + a_{k-2}] / (c^2 (k+1)(k+2))` run at 60 digits
//! (`xtask/refdata/bessel_jy_integer.py`), cut where the terms fall below
//! `1e-20`. With `|J|, |Y| <= 1` there, Horner's rule leaves an absolute
//! error of a few `1e-17`, a small fraction of the envelope
//! `sqrt(J^2 + Y^2) >= 0.15`.
//!
//! References: NIST DLMF 10.2.1 (the equation); the approach of expanding
//! about fixed points follows the piecewise fits of Boost.Math's
//! `bessel_j0`/`bessel_y0` in spirit, with exact Taylor data instead of
//! minimax fits.

use super::integer_order_coefficients::{J0, J1, Y0, Y1};

/// The range the tables cover.
pub(crate) const LOW: f64 = 2.0;
/// The upper end of the tables.
pub(crate) const HIGH: f64 = 26.0;

#[inline]
fn horner(c: &[f64], t: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &a| acc.mul_add(t, a))
}

/// `(J_n(x), Y_n(x))` for `n` in `{0, 1}` and `LOW < x < HIGH`.
#[inline]
pub(crate) fn values(n: u8, x: f64) -> (f64, f64) {
    let i = (x - LOW).floor();
    // 0 <= i <= 23 by the caller's range check; clamp defensively.
    let k = (i.max(0.0) as usize).min(J0.len() - 1);
    let t = x - (LOW + 0.5 + k as f64);
    if n == 0 {
        (horner(J0[k], t), horner(Y0[k], t))
    } else {
        (horner(J1[k], t), horner(Y1[k], t))
    }
}

/// Whether the fast path applies at `(v, x)`.
#[inline]
pub(crate) fn applies(v: f64, x: f64) -> bool {
    (v == 0.0 || v == 1.0) && x > LOW && x < HIGH
}
