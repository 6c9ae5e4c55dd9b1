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
#[inline(always)]
fn poly(c: &[f64], s: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &a| acc * s + a)
}

/// The sums `sum_k P_k(t^2) p^k` (for `I`) and `sum_k (-1)^k P_k(t^2) p^k`
/// (for `K`), `p = 1/r`, truncated where the bound on the terms drops below
/// the tail tolerance: the number of terms is read off `r` by
/// [`terms_for`], and each count has its own fully unrolled evaluation, so
/// that the polynomials, independent of one another, run side by side.
#[inline]
fn sums_u(t2: f64, p: f64, r: f64) -> (f64, f64) {
    match terms_for(r) {
        0..=3 => sums_fixed::<3>(t2, p),
        4 => sums_fixed::<4>(t2, p),
        5 => sums_fixed::<5>(t2, p),
        6 => sums_fixed::<6>(t2, p),
        7 => sums_fixed::<7>(t2, p),
        8 => sums_fixed::<8>(t2, p),
        9 => sums_fixed::<9>(t2, p),
        10 => sums_fixed::<10>(t2, p),
        11 => sums_fixed::<11>(t2, p),
        12 => sums_fixed::<12>(t2, p),
        13 => sums_fixed::<13>(t2, p),
        14 => sums_fixed::<14>(t2, p),
        15 => sums_fixed::<15>(t2, p),
        16 => sums_fixed::<16>(t2, p),
        17 => sums_fixed::<17>(t2, p),
        18 => sums_fixed::<18>(t2, p),
        19 => sums_fixed::<19>(t2, p),
        20 => sums_fixed::<20>(t2, p),
        _ => sums_fixed::<DEBYE_TERMS>(t2, p),
    }
}

/// `(DEBYE_U_BOUND[k] / TAIL)^(1/k)` for `k = 1..=20` (index `k - 1`): term
/// `k` is below the tail tolerance once `r` exceeds it (checked against the
/// bounds by a unit test below).
pub(crate) const TERM_THRESHOLD_R: [f64; 20] = [
    1.2625e16,
    84270768.95341587,
    194847.2258356145,
    10316.495559001913,
    1871.1592978040187,
    621.8462081411196,
    290.4783726813372,
    167.29189303369913,
    110.5312154249009,
    80.2746041350834,
    62.383115244406234,
    50.96165305126907,
    43.23429346814354,
    37.76515788497007,
    33.7540742221557,
    30.72737085879659,
    28.390321977656004,
    26.551723834122534,
    25.083057077225778,
    23.895267939015753,
];

/// How many terms (`k = 0..n`) the sums need at `r`: the first `k` whose
/// bound `DEBYE_U_BOUND[k] / r^k` is below the tail tolerance (the bounds
/// over `r^k` decrease in `k` for `r >= 30`, so the thresholds decrease).
/// Read off `r` itself, so that it waits for no division.
#[inline]
fn terms_for(r: f64) -> usize {
    let mut k = 1;
    while k < DEBYE_TERMS && r <= TERM_THRESHOLD_R[k - 1] {
        k += 1;
    }
    k
}

/// `sums_u` with exactly `N` terms (`k = 0..N`), unrolled.
#[inline(always)]
fn sums_fixed<const N: usize>(t2: f64, p: f64) -> (f64, f64) {
    let mut si = 1.0;
    let mut sk = 1.0;
    let mut pk = 1.0;
    let mut k = 1;
    while k < N {
        pk *= p;
        let term = poly(DEBYE_U[k], t2) * pk;
        si += term;
        if k % 2 == 1 {
            sk -= term;
        } else {
            sk += term;
        }
        k += 1;
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

/// `1 / (sqrt(2 pi) sqrt(r))`: computed beside the sums, so that only a
/// product follows them (`2 pi r` itself overflows near the top of the
/// range).
#[inline]
fn inv_sqrt_2pi_r(r: f64) -> f64 {
    1.0 / (SQRT_2PI * r.sqrt())
}

/// `ln I_v(x) - shift * x` for `r >= DEBYE_MIN_R`.
#[inline]
pub(crate) fn log_i(v: f64, x: f64, scaled: bool) -> f64 {
    let (r, t2, p) = geometry(v, x);
    let w = inv_sqrt_2pi_r(r);
    let (si, _) = sums_u(t2, p, r);
    exponent(v, x, r, scaled) + (si * w).ln()
}

/// `ln K_v(x) + shift * x` for `r >= DEBYE_MIN_R`.
#[inline]
pub(crate) fn log_k(v: f64, x: f64, scaled: bool) -> f64 {
    let (r, t2, p) = geometry(v, x);
    let (_, sk) = sums_u(t2, p, r);
    -exponent(v, x, r, scaled) + (sk * (std::f64::consts::FRAC_PI_2 / r).sqrt()).ln()
}

/// `I_{v+1}(x) / I_v(x)` for `r >= DEBYE_MIN_R`:
/// `x/(r + v) - (x/r^2) sum_{k>=1} W_k(t^2) p^{k-1} / sum_k P_k(t^2) p^k`,
/// where `W_k = (V_k - P_k)/(t^2 - 1)` keeps the small difference exact.
#[inline]
pub(crate) fn ratio_i(v: f64, x: f64) -> f64 {
    let (r, t2, p) = geometry(v, x);
    let (si, _) = sums_u(t2, p, r);
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
    let (si, _) = sums_u(t2, p, r);
    (r / x) * (sum_v(t2, p, 1.0) / si)
}

/// `d/dx ln K_v(x) = -(r/x) sum (-1)^k V / sum (-1)^k P` for `r >= DEBYE_MIN_R`.
#[inline]
pub(crate) fn dlog_k(v: f64, x: f64) -> f64 {
    let (r, t2, p) = geometry(v, x);
    let (_, sk) = sums_u(t2, p, r);
    -(r / x) * (sum_v(t2, p, -1.0) / sk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_thresholds_follow_the_bounds() {
        for k in 1..DEBYE_TERMS {
            let exact = (DEBYE_U_BOUND[k] / TAIL).powf(1.0 / k as f64);
            let tab = TERM_THRESHOLD_R[k - 1];
            assert!(
                (tab / exact - 1.0).abs() < 1e-13,
                "k = {k}: {tab} vs {exact}"
            );
        }
        // The count agrees with the term-by-term rule across the range.
        for &r in &[30.0, 31.0, 45.0, 99.0, 300.0, 1e3, 2e3, 1e4, 1e5, 1e8, 1e17] {
            let mut pk = 1.0 / r;
            let mut k = 1;
            while k < DEBYE_TERMS && DEBYE_U_BOUND[k] * pk >= TAIL {
                pk /= r;
                k += 1;
            }
            assert_eq!(terms_for(r), k, "r = {r}");
        }
    }
}
