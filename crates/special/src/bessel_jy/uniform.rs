//! Debye's expansions of `J_v(x)` and `Y_v(x)` away from the turning point
//! `x = v`, written in `w = sqrt(|x^2 - v^2|)` so that they also hold for
//! small order and large argument.
//!
//! Oscillatory side, `x = v sec(beta) > v` (DLMF 10.19.6-7): with
//! `xi = w - v acos(v/x) - pi/4` and `s = -(v/w)^2`,
//!
//! ```text
//! J_v(x) ~ sqrt(2/(pi w)) (cos(xi) E + sin(xi) O)
//! Y_v(x) ~ sqrt(2/(pi w)) (sin(xi) E - cos(xi) O)
//! E = sum_m (-1)^m P_{2m}(s) / w^{2m},  O = sum_m (-1)^m P_{2m+1}(s) / w^{2m+1}
//! ```
//!
//! where `u_k(t) = t^k P_k(t^2)` are Debye's polynomials (the same table as
//! the modified functions use). At `v = 0` this is Hankel's expansion. The
//! phase is split as `x + (v asin(v/x) - v^2/(w + x)) - (v/2 + 1/4) pi`, with
//! `v/2 + 1/4` reduced modulo 2 exactly, so that `x` up to `1e300` keeps its
//! full phase.
//!
//! Monotone side, `x = v sech(alpha) < v` (DLMF 10.19.3-4): with
//! `eta = v acosh(v/x) - w` and `t^2 = (v/w)^2`,
//!
//! ```text
//! J_v(x) ~ e^{-eta} / sqrt(2 pi w) sum_k P_k(t^2) / w^k
//! Y_v(x) ~ -e^{eta} / sqrt(pi w / 2) sum_k (-1)^k P_k(t^2) / w^k
//! ```
//!
//! Both are used only where the terms fall below `1e-17` within the
//! tabulated 21; otherwise the caller falls back to Steed's method.
//!
//! References: F. W. J. Olver, *Asymptotics and Special Functions* (1974),
//! ch. 10; NIST DLMF 10.17, 10.19; N. M. Temme, *Special Functions* (1996).

use crate::bessel::coefficients::{DEBYE_TERMS, DEBYE_U};
use std::f64::consts::{FRAC_2_PI, PI};

/// Terms below this (relative to a sum of size one) end the series.
const TAIL: f64 = 1e-17;

/// Below this `w` the 21 tabulated terms cannot reach double precision.
pub(crate) const MIN_W: f64 = 25.0;

/// Horner evaluation of a polynomial with ascending coefficients.
#[inline]
fn poly(c: &[f64], s: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &a| acc.mul_add(s, a))
}

/// `sqrt(|x^2 - v^2|)` without overflow or cancellation.
#[inline]
fn gap(v: f64, x: f64) -> f64 {
    let (d, s) = ((x - v).abs(), x + v);
    if s < 1e150 {
        (d * s).sqrt()
    } else {
        d.sqrt() * s.sqrt()
    }
}

/// `(E, O)` of the oscillatory expansion, or `None` if it does not converge.
#[inline]
fn sums_oscillatory(s: f64, p: f64) -> Option<(f64, f64)> {
    let (mut even, mut odd) = (1.0, 0.0);
    let mut pk = 1.0;
    for k in 1..DEBYE_TERMS {
        pk *= p;
        let term = poly(DEBYE_U[k], s) * pk;
        // (-1)^m with k = 2m or 2m + 1.
        let signed = if (k / 2) % 2 == 0 { term } else { -term };
        if k % 2 == 0 {
            even += signed;
        } else {
            odd += signed;
        }
        if term.abs() < TAIL {
            return Some((even, odd));
        }
    }
    None
}

/// `(sum P_k p^k, sum (-1)^k P_k p^k)` of the monotone expansion, or `None`.
#[inline]
fn sums_monotone(t2: f64, p: f64) -> Option<(f64, f64)> {
    let (mut sp, mut sm) = (1.0, 1.0);
    let mut pk = 1.0;
    let mut sign = 1.0;
    for k in 1..DEBYE_TERMS {
        pk *= p;
        sign = -sign;
        let term = poly(DEBYE_U[k], t2) * pk;
        sp += term;
        sm += sign * term;
        if term.abs() < TAIL {
            return Some((sp, sm));
        }
    }
    None
}

/// `(J_v(x), Y_v(x))` for `0 <= v < x` with `w >= MIN_W`, or `None` where
/// the expansion does not reach double precision.
pub(crate) fn oscillatory(v: f64, x: f64) -> Option<(f64, f64)> {
    let w = gap(v, x);
    if w < MIN_W {
        return None;
    }
    let ratio = v / w;
    let (even, odd) = sums_oscillatory(-ratio * ratio, 1.0 / w)?;
    // Phase: x + phi, phi = v asin(v/x) - v^2/(w + x) - (v/2 + 1/4) pi.
    let turns = (0.5 * v + 0.25) % 2.0;
    let phi = v * (v / x).asin() - v * (v / (w + x)) - PI * turns;
    let (sx, cx) = x.sin_cos();
    let (sp, cp) = phi.sin_cos();
    let (sin_xi, cos_xi) = (sx * cp + cx * sp, cx * cp - sx * sp);
    let amp = (FRAC_2_PI / w).sqrt();
    Some((
        amp * (cos_xi * even + sin_xi * odd),
        amp * (sin_xi * even - cos_xi * odd),
    ))
}

/// `acosh(v/x) = ln((v + w)/x)` for `0 < x < v`, without cancellation near
/// `x = v` (where `v - x` is exact) or overflow of `v/x`.
#[inline]
fn acosh_ratio(v: f64, x: f64, w: f64) -> f64 {
    if x >= 0.5 * v {
        ((v - x + w) / x).ln_1p()
    } else {
        let q = (v + w) / x;
        if q.is_finite() {
            q.ln()
        } else {
            (v + w).ln() - x.ln()
        }
    }
}

/// `(J_v(x), Y_v(x))` for `0 < x < v` with `w >= MIN_W`, or `None` where
/// the expansion does not reach double precision.
pub(crate) fn monotone(v: f64, x: f64) -> Option<(f64, f64)> {
    let w = gap(v, x);
    if w < MIN_W {
        return None;
    }
    let ratio = v / w;
    let (sp, sm) = sums_monotone(ratio * ratio, 1.0 / w)?;
    let eta = v * acosh_ratio(v, x, w) - w;
    let j = (-eta).exp() / (2.0 * PI * w).sqrt() * sp;
    let y = -eta.exp() / (0.5 * PI * w).sqrt() * sm;
    Some((j, y))
}
