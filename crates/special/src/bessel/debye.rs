//! Uniform (Debye) asymptotic expansion of `I_v(x)` and `K_v(x)`, written in
//! `r = sqrt(v^2 + x^2)` so that it holds for every order once `r` is large.
//!
//! With `z = x/v`, `t = 1/sqrt(1 + z^2) = v/r` and
//! `eta = sqrt(1 + z^2) + ln(z / (1 + sqrt(1 + z^2)))` (DLMF 10.41.3-4):
//!
//! ```text
//! I_v(x) ~ e^{v eta} / sqrt(2 pi r) * sum_k u_k(t) / v^k
//! K_v(x) ~ sqrt(pi / (2 r)) e^{-v eta} * sum_k (-1)^k u_k(t) / v^k
//! ```
//!
//! Since `u_k(t) = t^k P_k(t^2)`, the `k`-th term is `P_k(t^2) / r^k`: the
//! expansion is one in `1/r`, valid for small `v` and large `x` too (at
//! `v = 0` it is Hankel's expansion). `v eta = r - v asinh(v/x)`. The
//! derivatives use the companion polynomials `v_k(t) = t^k V_k(t^2)`.
//!
//! References: F. W. J. Olver, *Asymptotics and Special Functions* (1974),
//! ch. 10; DLMF 10.41; N. M. Temme, *Special Functions* (1996), 9.7.

use super::coefficients::{DEBYE_TERMS, DEBYE_U, DEBYE_U_BOUND, DEBYE_V, DEBYE_W};
use super::twofold::v_eta_compensated;

/// Smallest `r = sqrt(v^2 + x^2)` where the expansion (with the tabulated
/// terms) reaches double precision.
pub(crate) const DEBYE_MIN_R: f64 = 30.0;

/// `sqrt(2 pi)`.
const SQRT_2PI: f64 = 2.5066282746310002;

/// Relative size of the first neglected term.
const TAIL: f64 = 1e-17;

/// `sqrt(v^2 + x^2)` without overflow.
#[inline]
pub(crate) fn hypot_pos(v: f64, x: f64) -> f64 {
    if v < 1e150 && x < 1e150 {
        (v * v + x * x).sqrt()
    } else {
        v.hypot(x)
    }
}

/// `n / (a + b)` for positive `a, b`, halving everything when `a + b`
/// overflows (only near the top of the double range; exact otherwise).
#[inline]
fn over_sum(n: f64, a: f64, b: f64) -> f64 {
    let s = a + b;
    if s.is_finite() {
        n / s
    } else {
        (0.5 * n) / (0.5 * a + 0.5 * b)
    }
}

/// `asinh(v/x) = ln((v + r)/x)` for `v, x > 0`, accurate when `v << x` too.
#[inline]
fn asinh_ratio(v: f64, x: f64, r: f64) -> f64 {
    if v > 0.5 * x {
        let q = (v + r) / x;
        if q.is_finite() {
            q.ln()
        } else {
            (0.5 * v + 0.5 * r).ln() + std::f64::consts::LN_2 - x.ln()
        }
    } else {
        // (v + r)/x - 1 = v/x + (r - x)/x with r - x = v^2 / (r + x).
        let a = v / x;
        (a + a * over_sum(v, r, x)).ln_1p()
    }
}

/// The exponent `v eta - shift * x`, with `shift` 0 or 1 (the scaled forms).
#[inline]
pub(crate) fn exponent(v: f64, x: f64, r: f64, scaled: bool) -> f64 {
    let l = asinh_ratio(v, x, r);
    let lead = if scaled { v * over_sum(v, r, x) } else { r };
    let e = lead - v * l;
    // Near eta = 0 the two terms cancel; redo the difference in double-double.
    if !scaled && v > 16.0 && e.abs() < 0.125 * lead {
        v_eta_compensated(v, x)
    } else {
        e
    }
}

/// Horner evaluation of a polynomial with ascending coefficients.
#[inline]
fn poly(c: &[f64], s: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &a| acc * s + a)
}

/// The sums `sum_k P_k(t^2) p^k` (for `I`) and `sum_k (-1)^k P_k(t^2) p^k`
/// (for `K`), `p = 1/r`, truncated where the bound on the terms drops below
/// the tail tolerance.
#[inline]
fn sums_u(t2: f64, p: f64) -> (f64, f64) {
    let mut si = 1.0;
    let mut sk = 1.0;
    let mut pk = 1.0;
    let mut sign = 1.0;
    for k in 1..DEBYE_TERMS {
        pk *= p;
        if DEBYE_U_BOUND[k] * pk < TAIL {
            break;
        }
        sign = -sign;
        let term = poly(DEBYE_U[k], t2) * pk;
        si += term;
        sk += sign * term;
    }
    (si, sk)
}

/// `sum_k s^k V_k(t^2) p^k` with `s = +1` (for `I`) or `-1` (for `K`).
#[inline]
fn sum_v(t2: f64, p: f64, sign_step: f64) -> f64 {
    let mut sum = 1.0;
    let mut pk = 1.0;
    let mut sign = 1.0;
    for k in 1..DEBYE_TERMS {
        pk *= p;
        if DEBYE_U_BOUND[k] * pk * (1.0 + 2.0 * k as f64) < TAIL {
            break;
        }
        sign *= sign_step;
        sum += sign * poly(DEBYE_V[k], t2) * pk;
    }
    sum
}

/// The common parts: `r`, `t^2 = (v/r)^2`, `p = 1/r`.
#[inline]
fn geometry(v: f64, x: f64) -> (f64, f64, f64) {
    let r = hypot_pos(v, x);
    let t = v / r;
    (r, t * t, 1.0 / r)
}

/// `ln I_v(x) - shift * x` for `r >= DEBYE_MIN_R`.
#[inline]
pub(crate) fn log_i(v: f64, x: f64, scaled: bool) -> f64 {
    let (r, t2, p) = geometry(v, x);
    let (si, _) = sums_u(t2, p);
    // sqrt(2 pi) sqrt(r): 2 pi r itself overflows near the top of the range.
    exponent(v, x, r, scaled) + (si / (SQRT_2PI * r.sqrt())).ln()
}

/// `ln K_v(x) + shift * x` for `r >= DEBYE_MIN_R`.
#[inline]
pub(crate) fn log_k(v: f64, x: f64, scaled: bool) -> f64 {
    let (r, t2, p) = geometry(v, x);
    let (_, sk) = sums_u(t2, p);
    -exponent(v, x, r, scaled) + (sk * (std::f64::consts::FRAC_PI_2 / r).sqrt()).ln()
}

/// `I_{v+1}(x) / I_v(x)` for `r >= DEBYE_MIN_R`:
/// `x/(r + v) - (x/r^2) sum_{k>=1} W_k(t^2) p^{k-1} / sum_k P_k(t^2) p^k`,
/// where `W_k = (V_k - P_k)/(t^2 - 1)` keeps the small difference exact.
#[inline]
pub(crate) fn ratio_i(v: f64, x: f64) -> f64 {
    let (r, t2, p) = geometry(v, x);
    let (si, _) = sums_u(t2, p);
    let mut sw = 0.0;
    let mut pk = 1.0;
    for k in 1..DEBYE_TERMS {
        if k > 1 {
            pk *= p;
        }
        if DEBYE_U_BOUND[k] * pk * p * (1.0 + 2.0 * k as f64) < TAIL {
            break;
        }
        sw += poly(DEBYE_W[k - 1], t2) * pk;
    }
    over_sum(x, r, v) - (x * p) * p * sw / si
}

/// `d/dx ln I_v(x) = (r/x) sum V / sum P` for `r >= DEBYE_MIN_R`.
#[inline]
pub(crate) fn dlog_i(v: f64, x: f64) -> f64 {
    let (r, t2, p) = geometry(v, x);
    let (si, _) = sums_u(t2, p);
    (r / x) * (sum_v(t2, p, 1.0) / si)
}

/// `d/dx ln K_v(x) = -(r/x) sum (-1)^k V / sum (-1)^k P` for `r >= DEBYE_MIN_R`.
#[inline]
pub(crate) fn dlog_k(v: f64, x: f64) -> f64 {
    let (r, t2, p) = geometry(v, x);
    let (_, sk) = sums_u(t2, p);
    -(r / x) * (sum_v(t2, p, -1.0) / sk)
}
