//! The gamma function and its logarithm.
//!
//! `Γ(x) = ∫₀^∞ t^{x-1} e^{-t} dt` for `x > 0`, continued to negative
//! non-integers by the reflection formula `Γ(x) Γ(1-x) = π / sin(πx)`.
//!
//! The evaluation is split by region so that every input to an elementary
//! function is exact:
//!
//! * `|x - 2| <= 1/2`: `ln Γ(2+z) = z P(z)` with `P` the degree-18
//!   Chebyshev interpolant of `ln Γ(2+z)/z` (error `6e-19`; the Taylor
//!   series, coefficients `(-1)^k (ζ(k) - 1)/k` by Abramowitz & Stegun
//!   6.1.33, needs 28 terms for the same), Horner on the low four terms and
//!   Estrin's scheme on the rest.
//!   The factor `z` makes `ln Γ` accurate in absolute terms at its zeros 1
//!   and 2.
//! * `-1/2 <= x < 3/2`: the same series with `Γ(x) = Γ(x+2) / (x (x+1))`.
//! * `5/2 <= x < 10`: the recurrence `Γ(x+1) = x Γ(x)` down to `[3/2, 5/2)`,
//!   where the shifted arguments are exact in floating point.
//! * `x >= 10`: Stirling's series `ln Γ(x) = (x-1/2) ln x - x + ln(2π)/2 +
//!   Σ B_{2k} / (2k(2k-1) x^{2k-1})` (DLMF 5.11.1), truncated after nine
//!   terms (remainder below `2e-18` at `x = 10`). For `Γ` itself the power
//!   `x^{x-1/2}` is formed from `x` directly (no shifted base, so no rounding
//!   amplified by the exponent), split in two halves to avoid overflow, as
//!   Boost.Math does for its Lanczos form.
//! * `x < -1/2`: reflection, with `sin(πx)` evaluated after exact reduction
//!   of `x` modulo 2.
//!
//! References: DLMF §5 (<https://dlmf.nist.gov/5>); Abramowitz & Stegun
//! 6.1; J. Maddock et al., Boost.Math "tgamma"/"lgamma" notes on exact
//! argument handling.
//!
//! ## Measured accuracy
//!
//! Against 50-digit mpmath references (`xtask/refdata/gamma_erf.py`, tables
//! in `tests/data/`), in units of `f64::EPSILON` (2.2e-16); relative error `|computed - exact| / |exact|`.
//! The tests in `tests/` hold every row to these figures.
//!
//! | function | region | n | max (eps) | mean (eps) |
//! |---|---|---|---|---|
//! | `ln_gamma` | (0,3) | 120 | 1.57 | 0.33 |
//! | `ln_gamma` | (10,171) | 80 | 1.04 | 0.33 |
//! | `ln_gamma` | (3,10) | 60 | 0.75 | 0.30 |
//! | `ln_gamma` | large | 80 | 0.74 | 0.23 |
//! | `ln_gamma` | near1 | 50 | 0.94 | 0.35 |
//! | `ln_gamma` | near2 | 50 | 0.52 | 0.22 |
//! | `ln_gamma` | negative | 152 | 2.70 | 0.40 |
//! | `ln_gamma` | tiny | 60 | 0.44 | 0.18 |
//! | `gamma` | (0,3) | 120 | 0.90 | 0.23 |
//! | `gamma` | (10,171) | 80 | 1.99 | 0.61 |
//! | `gamma` | (3,10) | 60 | 1.13 | 0.38 |
//! | `gamma` | near1 | 50 | 0.70 | 0.31 |
//! | `gamma` | near2 | 50 | 0.42 | 0.16 |
//! | `gamma` | negative | 152 | 2.45 | 0.61 |
//! | `gamma` | tiny | 60 | 0.87 | 0.18 |
//! | `ln_multigamma` | p=1 | 15 | 0.87 | 0.26 |
//! | `ln_multigamma` | p=10 | 15 | 1.37 | 0.45 |
//! | `ln_multigamma` | p=2 | 15 | 1.02 | 0.30 |
//! | `ln_multigamma` | p=3 | 15 | 0.75 | 0.26 |
//! | `ln_multigamma` | p=50 | 15 | 1.44 | 0.81 |
//!
//! ## Speed
//!
//! `cargo xtask peers special-gamma` (10^6 arguments log-uniform in
//! `[1e-3, 1e5]`, scalar loop on one thread, default x86-64 target without
//! FMA, a shared 2-core machine at load average 4.5): `ln_gamma` 16 ns per
//! call against SciPy `gammaln` 22 ns (1.4x; 0.6x in a run disturbed by
//! other jobs), the rayon slice 16 ns (1.2x). The gains over the Taylor
//! form (55 ns) are the shorter polynomial, the shallow Estrin chains and,
//! mostly, multiply-adds that no longer call the software `fma` routine
//! (see `fused`). By region, on one thread: `(0, 1/2)` 15 ns, `[1/2, 5/2)`
//! 13 ns, `[5/2, 10)` 24 ns (the recurrence), `x >= 10` 8 ns.

use crate::fused::madd;
use std::f64::consts::PI;

/// `ln(2π) / 2`.
pub(crate) const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;
/// `ln π`.
const LN_PI: f64 = 1.144_729_885_849_400_2;
/// `sqrt(2π)`.
const SQRT_2PI: f64 = 2.506_628_274_631_000_7;

/// Polynomial `P` of degree 18 with `ln Γ(2+z) ≈ z P(z)` on `|z| <= 1/2`:
/// the Chebyshev interpolant of `ln Γ(2+z) / z` at 19 nodes (50-digit
/// mpmath, `mpmath.chebyfit`, `xtask/refdata/ln_gamma_poly.py`), converted
/// to powers of `z` and rounded to `f64`. Its error is `6e-19` on the
/// interval, against `1e-18` for 28 terms of the Taylor series there.
const LN_GAMMA_2_POLY: [f64; 19] = [
    0.42278433509846713,
    0.32246703342411326,
    -0.0673523010531981,
    0.02058080842778038,
    -0.0073855510286719986,
    0.002890510331034267,
    -0.0011927539118428156,
    0.0005096695154115458,
    -0.00022315475400520507,
    9.945767355819498e-5,
    -4.49263133791557e-5,
    2.0505590755833454e-5,
    -9.438715099211532e-6,
    4.38470440459836e-6,
    -2.0439048107029907e-6,
    9.200527894968101e-7,
    -4.3252393445604814e-7,
    2.78740805211359e-7,
    -1.3219945666117874e-7,
];

/// `B_{2k} / (2k (2k-1))` for `k = 1..=9`: Stirling's series in `1/x`.
pub(crate) const STIRLING: [f64; 9] = [
    8.333_333_333_333_333e-2,
    -2.777_777_777_777_778e-3,
    7.936_507_936_507_937e-4,
    -5.952_380_952_380_953e-4,
    8.417_508_417_508_417e-4,
    -1.917_526_917_526_917_6e-3,
    6.410_256_410_256_41e-3,
    -2.955_065_359_477_124_2e-2,
    1.796_443_723_688_305_7e-1,
];

/// Below this, `ln Γ` is reduced to `[3/2, 5/2)`; above, Stirling's series.
pub(crate) const STIRLING_FROM: f64 = 10.0;

/// Beyond this `Γ(x)` overflows `f64`.
const GAMMA_OVERFLOW: f64 = 171.624_376_956_302_7;

/// Horner evaluation of `Σ c[k] z^k`.
#[inline]
pub(crate) fn horner(z: f64, c: &[f64]) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ck| madd(acc, z, ck))
}

/// `ln Γ(2+z)` for `|z| <= 1/2`, accurate in absolute terms (it vanishes at
/// `z = 0`).
#[inline]
fn ln_gamma_2_plus(z: f64) -> f64 {
    z * estrin_19(z, &LN_GAMMA_2_POLY)
}

/// `Σ c[k] z^k` for 19 coefficients: Horner's rule on the first four,
/// whose roundings decide the accuracy near the zeros of `ln Γ`, and
/// Estrin's scheme (pairs, then pairs of pairs with `z^2`, `z^4`, `z^8`) on
/// the remaining fifteen, whose contribution is scaled by `z^4 <= 1/16`.
/// The dependency chain is 8 multiply-adds deep instead of 18, so
/// independent evaluations overlap in the pipeline.
#[inline]
fn estrin_19(z: f64, c: &[f64; 19]) -> f64 {
    let z2 = z * z;
    let z4 = z2 * z2;
    let z8 = z4 * z4;
    let p = |k: usize| madd(c[k + 1], z, c[k]);
    let q0 = madd(p(6), z2, p(4));
    let q1 = madd(p(10), z2, p(8));
    let q2 = madd(p(14), z2, p(12));
    let q3 = madd(c[18], z2, p(16));
    let o0 = madd(q1, z4, q0);
    let o1 = madd(q3, z4, q2);
    let tail = madd(o1, z8, o0);
    let h = madd(tail, z, c[3]);
    let h = madd(h, z, c[2]);
    let h = madd(h, z, c[1]);
    madd(h, z, c[0])
}

/// Stirling's correction `ln Γ(x) - [(x-1/2) ln x - x + ln(2π)/2]` for
/// `x >= 10`.
#[inline]
pub(crate) fn stirling_correction(x: f64) -> f64 {
    let r = x.recip();
    let w = r * r;
    let w2 = w * w;
    let w4 = w2 * w2;
    // Estrin's scheme on the nine coefficients: depth 4 instead of 8.
    let c = &STIRLING;
    let p01 = madd(c[1], w, c[0]);
    let p23 = madd(c[3], w, c[2]);
    let p45 = madd(c[5], w, c[4]);
    let p67 = madd(c[7], w, c[6]);
    let lo = madd(p23, w2, p01);
    let hi = madd(p67, w2, p45);
    let head = madd(hi, w4, lo);
    r * madd(c[8], w4 * w4, head)
}

/// `sin(πx)`, with the reduction modulo 2 done exactly so that the result
/// keeps full relative accuracy near the integers.
pub(crate) fn sin_pi(x: f64) -> f64 {
    if !x.is_finite() {
        return f64::NAN;
    }
    // `%` on f64 is fmod: exact.
    let r = x % 2.0;
    let (mut r, mut sign) = if r < 0.0 { (-r, -1.0) } else { (r, 1.0) };
    if r >= 1.0 {
        // sin(πr) = -sin(π(r-1)); r - 1 is exact on [1, 2).
        r -= 1.0;
        sign = -sign;
    }
    if r > 0.5 {
        // sin(πr) = sin(π(1-r)); exact on (1/2, 1).
        r = 1.0 - r;
    }
    let s = if r <= 0.25 {
        (PI * r).sin()
    } else {
        (PI * (0.5 - r)).cos()
    };
    sign * s
}

/// `cos(πx)`, with the same exact reduction as [`sin_pi`].
pub(crate) fn cos_pi(x: f64) -> f64 {
    if !x.is_finite() {
        return f64::NAN;
    }
    let mut r = x.abs() % 2.0;
    if r > 1.0 {
        // cos(πr) = cos(π(2-r)); exact on (1, 2).
        r = 2.0 - r;
    }
    if r < 0.25 {
        (PI * r).cos()
    } else if r <= 0.75 {
        (PI * (0.5 - r)).sin()
    } else {
        -(PI * (1.0 - r)).cos()
    }
}

/// `ln Γ(1+a)` with `a` used exactly (no rounding of `1 + a`), for
/// `a > -1`.
pub(crate) fn ln_gamma_1p(a: f64) -> f64 {
    if a.abs() <= 0.5 {
        ln_gamma_2_plus(a) - a.ln_1p()
    } else if a > 0.5 && a <= 1.5 {
        ln_gamma_2_plus(a - 1.0)
    } else if a > 1.5 {
        ln_gamma(a) + a.ln()
    } else {
        ln_gamma(1.0 + a)
    }
}

/// `Γ(1+a)` with `a` used exactly, for `a > -1`.
pub(crate) fn gamma_1p(a: f64) -> f64 {
    if a > 1.5 {
        gamma(a) * a
    } else {
        ln_gamma_1p(a).exp()
    }
}

/// `ln |Γ(x)|` for finite `x >= -1/2`, `x != 0`.
fn ln_gamma_from_minus_half(x: f64) -> f64 {
    if x < 0.5 {
        // Γ(x) = Γ(2+x) / (x (1+x)).
        ln_gamma_2_plus(x) - x.abs().ln() - x.ln_1p()
    } else if x < 1.5 {
        // Γ(x) = Γ(2+z) / (1+z), z = x - 1 exact.
        let z = x - 1.0;
        ln_gamma_2_plus(z) - z.ln_1p()
    } else if x < 2.5 {
        ln_gamma_2_plus(x - 2.0)
    } else if x < STIRLING_FROM {
        let (y, product) = reduce_to_two(x);
        ln_gamma_2_plus(y - 2.0) + product.ln()
    } else {
        let lx = x.ln();
        // x (ln x - 1) first: (x - 1/2) ln x alone could overflow before the
        // subtraction of x.
        x * (lx - 1.0) + (HALF_LN_2PI - 0.5 * lx + stirling_correction(x))
    }
}

/// For `5/2 <= x < 10`, returns `y` in `[3/2, 5/2)` and
/// `(x-1)(x-2)...y`, the product with `Γ(x) = product * Γ(y)`. Every
/// factor `x - k` is exact.
#[inline]
fn reduce_to_two(x: f64) -> (f64, f64) {
    let mut t = x - 1.0;
    let mut product = t;
    while t >= 2.5 {
        t -= 1.0;
        product *= t;
    }
    (t, product)
}

/// `ln |Γ(x)|` and the sign of `Γ(x)`.
///
/// Returns `(ln |Γ(x)|, sign)` with `sign` in `{-1, +1}`. At `x = ±0` the
/// result is `(+inf, ±1)`; at the negative integers, the poles of `Γ`, it is
/// `(+inf, NaN)`; `x = +inf` gives `(+inf, 1)` and `x = -inf` or NaN gives
/// `(NaN, NaN)`.
///
/// Algorithm and accuracy: see the [module docs](self); for `x < -1/2` the
/// reflection formula makes the error absolute (not relative) near the
/// zeros of `ln |Γ|` on the negative axis.
pub fn ln_gamma_sign(x: f64) -> (f64, f64) {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return (f64::NAN, f64::NAN);
    }
    if x == f64::INFINITY {
        return (f64::INFINITY, 1.0);
    }
    if x == 0.0 {
        return (f64::INFINITY, 1.0_f64.copysign(x));
    }
    if x >= -0.5 {
        let sign = if x < 0.0 { -1.0 } else { 1.0 };
        return (ln_gamma_from_minus_half(x), sign);
    }
    let fl = x.floor();
    if fl == x {
        return (f64::INFINITY, f64::NAN);
    }
    // Γ(x) = π / (sin(πx) Γ(1-x)) with Γ(1-x) = -x Γ(-x): -x is exact where
    // 1 - x might not be.
    let s = sin_pi(x);
    let ln_abs = LN_PI - (s * x).abs().ln() - ln_gamma_from_minus_half(-x);
    // Γ is negative on (-1,0), (-3,-2), ...: where floor(x) is odd.
    let sign = if (fl * 0.5).floor() * 2.0 == fl {
        1.0
    } else {
        -1.0
    };
    (ln_abs, sign)
}

/// `ln |Γ(x)|`, the logarithm of the absolute value of the gamma function.
///
/// Domain: all real `x`. Returns `+inf` at the poles `x = 0, -1, -2, ...`
/// and at `x = +inf`; NaN for NaN and `-inf`. Never overflows for finite
/// `x` below about `2.5e305`. Use [`ln_gamma_sign`] for the sign of `Γ(x)`.
///
/// Algorithm: see the [module docs](self). Accuracy: relative error near
/// `1e-16` for `x > 0` (absolute near the zeros at 1 and 2, where the value
/// itself vanishes); measured figures in the module docs.
pub fn ln_gamma(x: f64) -> f64 {
    ln_gamma_sign(x).0
}

/// `Γ(x)` for `x` in the normal-overflow-free part of `x >= 10`: returns
/// `(h, rest)` with `Γ(x) = h * rest`, each factor finite for `x <= 200`.
#[inline]
fn gamma_stirling_parts(x: f64) -> (f64, f64) {
    // Γ(x) = x^{x-1/2} e^{-x} sqrt(2π) e^{corr}; (x - 1/2)/2 is exact.
    let h = x.powf(0.5 * (x - 0.5));
    let rest = h * (-x).exp() * (SQRT_2PI * stirling_correction(x).exp());
    (h, rest)
}

/// The gamma function `Γ(x)`.
///
/// Domain: all real `x` except the poles. `Γ(±0) = ±inf`; at negative
/// integers and at `-inf` the result is NaN; `Γ(+inf) = +inf`; the result
/// overflows to `+inf` for `x > 171.62...` and underflows to `±0` for `x`
/// below about `-184`.
///
/// Algorithm: see the [module docs](self). Accuracy: a few ulp over the
/// whole range (measured figures in the module docs).
pub fn gamma(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    if x == 0.0 {
        return 1.0 / x;
    }
    if x >= STIRLING_FROM {
        if x > GAMMA_OVERFLOW {
            return f64::INFINITY;
        }
        let (h, rest) = gamma_stirling_parts(x);
        return h * rest;
    }
    if x >= 1.5 {
        if x < 2.5 {
            return ln_gamma_2_plus(x - 2.0).exp();
        }
        let (y, product) = reduce_to_two(x);
        return ln_gamma_2_plus(y - 2.0).exp() * product;
    }
    if x >= 0.5 {
        return ln_gamma_2_plus(x - 1.0).exp() / x;
    }
    if x >= -0.5 {
        return ln_gamma_2_plus(x).exp() / (x * (1.0 + x));
    }
    if x.floor() == x {
        return f64::NAN;
    }
    // Reflection: Γ(x) = π / (sin(πx) Γ(1-x)) = -π / (x sin(πx) Γ(-x)),
    // with -x > 1/2 exact.
    let y = -x;
    let s = sin_pi(x) * y;
    if y < STIRLING_FROM {
        return PI / (s * gamma(y));
    }
    if y > 200.0 {
        // |Γ(x)| < 1e-370: underflows.
        return 0.0_f64.copysign(s);
    }
    let (h, rest) = gamma_stirling_parts(y);
    PI / s / h / rest
}

/// The multivariate gamma function in log form,
/// `ln Γ_p(a) = p(p-1)/4 ln π + Σ_{j=1}^{p} ln Γ(a + (1-j)/2)`.
///
/// This is the normaliser of the Wishart distribution (DLMF 35.3.1).
/// Domain: `a > (p-1)/2`; NaN otherwise and for NaN. `p = 0` gives 0.
/// Accuracy: that of the `p` [`ln_gamma`] terms, which all have the same
/// sign once `a > (p+1)/2`.
pub fn ln_multigamma(p: usize, a: f64) -> f64 {
    let pf = p as f64;
    if a.is_nan() || a <= 0.5 * (pf - 1.0) {
        return f64::NAN;
    }
    let mut sum = 0.25 * pf * (pf - 1.0) * LN_PI;
    for j in 0..p {
        sum += ln_gamma(a - 0.5 * j as f64);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_factorials() {
        let mut f = 1.0_f64;
        for n in 1..=170 {
            let g = gamma(f64::from(n));
            assert!(
                ((g - f) / f).abs() < 4e-16 * f64::from(n).ln().max(1.0),
                "n={n}"
            );
            let lg = ln_gamma(f64::from(n));
            assert!(
                (lg - f.ln()).abs() <= 2e-15 * f.ln().abs().max(1.0),
                "n={n}"
            );
            f *= f64::from(n);
        }
    }

    #[test]
    fn zeros_of_ln_gamma_exact() {
        assert_eq!(ln_gamma(1.0), 0.0);
        assert_eq!(ln_gamma(2.0), 0.0);
    }

    #[test]
    fn half_integers() {
        let sqrt_pi = PI.sqrt();
        assert!((gamma(0.5) - sqrt_pi).abs() < 2.3e-16 * sqrt_pi);
        assert!((gamma(-0.5) + 2.0 * sqrt_pi).abs() < 4.5e-16 * 2.0 * sqrt_pi);
        assert!((gamma(-1.5) - 4.0 / 3.0 * sqrt_pi).abs() < 1e-15);
    }

    #[test]
    fn edge_cases() {
        assert!(gamma(f64::NAN).is_nan());
        assert!(gamma(-1.0).is_nan());
        assert!(gamma(f64::NEG_INFINITY).is_nan());
        assert_eq!(gamma(0.0), f64::INFINITY);
        assert_eq!(gamma(-0.0), f64::NEG_INFINITY);
        assert_eq!(gamma(172.0), f64::INFINITY);
        assert_eq!(ln_gamma_sign(-0.0), (f64::INFINITY, -1.0));
        assert_eq!(ln_gamma_sign(-2.5).1, -1.0);
        assert_eq!(ln_gamma_sign(-1.5).1, 1.0);
        assert_eq!(ln_gamma(-3.0), f64::INFINITY);
        assert!(ln_gamma(2.5e305).is_finite());
        assert_eq!(ln_gamma(f64::MAX), f64::INFINITY);
    }
}
