//! Branch-free `e^x`, `ln(1 + u)` and the logistic pair for inner loops the
//! compiler should vectorise.
//!
//! `f64::exp` and `f64::ln_1p` call into libm one element at a time. These
//! versions are straight-line adds, multiplies, one division at most and
//! integer bit operations, with out-of-range inputs handled by selects, so a
//! loop over a slice becomes SIMD lanes.
//!
//! - [`exp_branchless`]: Cody-Waite reduction `x = n ln 2 + r`,
//!   `|r| <= ln 2 / 2`, the degree-13 Taylor polynomial of `e^r`
//!   (truncation below 2e-17 relative), and `2^n` written into the exponent
//!   bits; the rounding to `n` uses the `1.5 * 2^52` shift (Muller,
//!   *Elementary Functions*, 3rd ed., 2016, ch. 11).
//! - [`ln_1p_branchless`] for `u` in `[0, 1]`: `ln(1 + u) = 2 atanh(t)` with
//!   `t = u / (2 + u)` in `[0, 1/3]`, summed as the odd series to `t^35`
//!   (truncation below 2e-17 relative).
//! - [`softplus_sigmoid`]: `ln(1 + e^x)` and `1 / (1 + e^{-x})` from one
//!   exponential of `-|x|`, the pair a logistic log-likelihood and its
//!   gradient need.
//!
//! Measured error (tests, against `f64::exp` and `f64::ln_1p`): `exp` at most
//! 2 ulp on `[-708, 709.78]`; `ln_1p` at most 2 ulp on `[0, 1]`; the pair within
//! 4 ulp of [`crate::log1pexp`] and of the two-branch logistic on
//! `[-700, 700]`.

const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
const LOG2E: f64 = std::f64::consts::LOG2_E;
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
/// ln(f64::MAX).
const LN_MAX: f64 = 709.782_712_893_384;

/// `e^x` without branches, for vectorised loops.
///
/// At most 2 ulp from `f64::exp` on `[-708, ln(f64::MAX)]`. Below `-708` it
/// returns 0 (the subnormal range is flushed), above `ln(f64::MAX)` `+inf`;
/// NaN in gives NaN out.
#[inline(always)]
pub fn exp_branchless(x: f64) -> f64 {
    let xc = x.clamp(-708.0, LN_MAX);
    let shifted = xc * LOG2E + SHIFT;
    let n = shifted - SHIFT;
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    // e^r by Horner, coefficients 1/k!.
    let mut p = 1.0 / 6_227_020_800.0;
    p = p * r + 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // The low bits of `shifted` hold n in two's complement; 2^(n-1) times
    // 2p keeps n = 1024 (x near ln(f64::MAX)) inside the exponent range.
    let bits = shifted
        .to_bits()
        .wrapping_sub(SHIFT.to_bits())
        .wrapping_add(1022)
        << 52;
    let scaled = (2.0 * p) * f64::from_bits(bits);
    let low = if x < -708.0 { 0.0 } else { scaled };
    if x > LN_MAX { f64::INFINITY } else { low }
}

/// `ln(1 + u)` for `u` in `[0, 1]` without branches, for vectorised loops.
///
/// At most 2 ulp from `f64::ln_1p` on `[0, 1]`. Outside `[0, 1]` the result
/// is not meaningful (the series is only summed far enough for `t <= 1/3`);
/// NaN in gives NaN out.
#[inline(always)]
pub fn ln_1p_branchless(u: f64) -> f64 {
    let t = u / (2.0 + u);
    let t2 = t * t;
    // sum_{k=0}^{17} t^{2k} / (2k + 1) by Horner in t^2.
    let mut s = 1.0 / 35.0;
    s = s * t2 + 1.0 / 33.0;
    s = s * t2 + 1.0 / 31.0;
    s = s * t2 + 1.0 / 29.0;
    s = s * t2 + 1.0 / 27.0;
    s = s * t2 + 1.0 / 25.0;
    s = s * t2 + 1.0 / 23.0;
    s = s * t2 + 1.0 / 21.0;
    s = s * t2 + 1.0 / 19.0;
    s = s * t2 + 1.0 / 17.0;
    s = s * t2 + 1.0 / 15.0;
    s = s * t2 + 1.0 / 13.0;
    s = s * t2 + 1.0 / 11.0;
    s = s * t2 + 1.0 / 9.0;
    s = s * t2 + 1.0 / 7.0;
    s = s * t2 + 1.0 / 5.0;
    s = s * t2 + 1.0 / 3.0;
    // The last step in two parts keeps the leading term exact: 2t + 2t^3 s.
    2.0 * t + 2.0 * t * (t2 * s)
}

/// `(ln(1 + e^x), 1 / (1 + e^{-x}))` without branches, from one
/// exponential.
///
/// With `e = e^{-|x|}`: softplus is `max(x, 0) + ln(1 + e)` and the sigmoid
/// is `1 / (1 + e)` for `x >= 0` and `e / (1 + e)` below. Within 4 ulp of
/// [`crate::log1pexp`] and the two-branch sigmoid for `|x| <= 700`; beyond,
/// softplus is `max(x, 0)` and the sigmoid saturates to 0 or 1 as the exact
/// values do in `f64` (the sigmoid's smallest values `e^{-|x|}` below
/// `e^{-708}` are flushed to 0). NaN in gives NaN out.
#[inline(always)]
pub fn softplus_sigmoid(x: f64) -> (f64, f64) {
    let e = exp_branchless(-x.abs());
    let inv = 1.0 / (1.0 + e);
    let sigmoid = if x >= 0.0 { inv } else { e * inv };
    (
        x.max(0.0) + ln_1p_branchless(e),
        if x.is_nan() { x } else { sigmoid },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulp(a: f64, b: f64) -> f64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as f64
    }

    #[test]
    fn exp_within_two_ulp() {
        let n = 400_000;
        let worst = (0..=n)
            .map(|i| -708.0 + 1417.78 * (i as f64) / (n as f64))
            .map(|x| ulp(exp_branchless(x), x.exp()))
            .fold(0.0f64, f64::max);
        assert!(worst <= 2.0, "worst {worst} ulp");
        assert_eq!(exp_branchless(0.0), 1.0);
        assert_eq!(exp_branchless(-800.0), 0.0);
        assert_eq!(exp_branchless(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp_branchless(710.0), f64::INFINITY);
        assert!(exp_branchless(LN_MAX).is_finite());
        assert_eq!(exp_branchless(f64::INFINITY), f64::INFINITY);
        assert!(exp_branchless(f64::NAN).is_nan());
    }

    #[test]
    fn ln_1p_within_two_ulp_on_unit_interval() {
        let n = 200_000;
        let mut worst = 0.0f64;
        for i in 0..=n {
            // Dense near 0 (where relative accuracy is hardest) and uniform.
            for u in [
                (i as f64) / (n as f64),
                (-40.0 * (i as f64) / (n as f64)).exp(),
            ] {
                worst = worst.max(ulp(ln_1p_branchless(u), u.ln_1p()));
            }
        }
        assert!(worst <= 2.0, "worst {worst} ulp");
        assert_eq!(ln_1p_branchless(0.0), 0.0);
        assert!(ln_1p_branchless(f64::NAN).is_nan());
    }

    #[test]
    fn logistic_pair_matches_two_branch_forms() {
        let n = 200_000;
        let (mut worst_sp, mut worst_sig) = (0.0f64, 0.0f64);
        for i in 0..=n {
            let x = -700.0 + 1400.0 * (i as f64) / (n as f64);
            let (sp, sig) = softplus_sigmoid(x);
            let want_sig = if x >= 0.0 {
                1.0 / (1.0 + (-x).exp())
            } else {
                x.exp() / (1.0 + x.exp())
            };
            worst_sp = worst_sp.max(ulp(sp, crate::log1pexp(x)));
            worst_sig = worst_sig.max(ulp(sig, want_sig));
        }
        assert!(worst_sp <= 4.0, "softplus worst {worst_sp} ulp");
        assert!(worst_sig <= 4.0, "sigmoid worst {worst_sig} ulp");
        assert_eq!(softplus_sigmoid(800.0), (800.0, 1.0));
        assert_eq!(softplus_sigmoid(-800.0), (0.0, 0.0));
        let (a, b) = softplus_sigmoid(f64::NAN);
        assert!(a.is_nan() && b.is_nan());
    }
}
