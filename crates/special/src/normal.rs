//! The standard normal distribution: cdf `Φ(x)` (`ndtr`), its logarithm
//! (`log_ndtr`) and its inverse (`ndtri`, and `ndtri_log` taking `ln p`).
//!
//! `Φ(x) = erfc(-x/√2)/2`, but forming `x/√2` rounds, and `e^{-x²/2}`
//! magnifies that rounding by `x²`. So below `-1/2` we write
//! `Φ(x) = e^{-x²/2} erfcx(-x/√2) / 2` with `x²` split exactly (fused
//! multiply-add), and in log form
//! `ln Φ(x) = ln(erfcx(-x/√2)/2) - x²/2`, which is finite down to
//! `x = -1.3e154` (and then `-inf` because the true value is below
//! `-f64::MAX`). Above `1/2`, `Φ(x) = 1 - Φ(-x)` and
//! `ln Φ(x) = ln1p(-Φ(-x))`.
//!
//! The quantile solves `ln Φ(x) = ln p` by Halley's method in the lower
//! tail, started from Wichura's rational approximation AS241 (relative
//! error about `1e-16`, so one step suffices) down to `p` about `1e-317`
//! and from Abramowitz & Stegun 26.2.23 (error below `4.5e-4`) beyond;
//! in log space the problem is well conditioned all the way to
//! `p = 1e-308` and beyond (through `ndtri_log`). The derivative is the
//! hazard `φ(x)/Φ(x) = √(2/π) / erfcx(-x/√2)`, which never underflows.
//! The centre uses `Φ⁻¹(p) = √2 erfinv(2p - 1)`, where `2p - 1` is exact.
//!
//! References: DLMF 7.2, 7.12; M. J. Wichura, "Algorithm AS 241: The
//! percentage points of the normal distribution", Applied Statistics 37
//! (1988); Abramowitz & Stegun 26.2.23; the log-space
//! formulation of the tail is the one SciPy's `log_ndtr` and Boost.Math's
//! `erfc_inv` motivate, arranged here around `erfcx`.
//!
//! ## Measured accuracy
//!
//! Against 50-digit mpmath references (`xtask/refdata/gamma_erf.py`, tables
//! in `tests/data/`), in units of `f64::EPSILON` (2.2e-16); relative error `|computed - exact| / |exact|`.
//! The tests in `tests/` hold every row to these figures.
//!
//! | function | region | n | max (eps) | mean (eps) |
//! |---|---|---|---|---|
//! | `ndtr` | (-0.5,0.5) | 40 | 0.78 | 0.23 |
//! | `ndtr` | (-38.4,-0.5) | 100 | 2.25 | 0.63 |
//! | `ndtr` | (0.5,8.2) | 60 | 0.28 | 0.11 |
//! | `log_ndtr` | (-1e154,-40) | 80 | 0.44 | 0.20 |
//! | `log_ndtr` | (-40,0) | 100 | 0.90 | 0.20 |
//! | `log_ndtr` | (0,40) | 80 | 2.83 | 0.63 |
//! | `ndtri` | (0.25,0.75) | 60 | 1.28 | 0.52 |
//! | `ndtri` | (0.75,1) | 60 | 0.82 | 0.26 |
//! | `ndtri` | (1e-300,0.25) | 100 | 0.64 | 0.21 |
//! | `ndtri_log` | (-1e300,-1e-3) | 60 | 0.54 | 0.19 |

use crate::error_fn::{erf, erfcx_nonneg, erfinv, exp_signed_square};
use crate::fused::{madd, two_square};
use crate::logexp::log1mexp;
use std::f64::consts::{FRAC_1_SQRT_2, LN_2, SQRT_2};

/// `√(2/π)`.
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
/// `1/√(2π)`.
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// `Φ(x)` for `x < -1/2`.
#[inline]
fn ndtr_lower(x: f64) -> f64 {
    0.5 * exp_signed_square(x, -0.5) * erfcx_nonneg(-x * FRAC_1_SQRT_2)
}

/// The standard normal cumulative distribution function
/// `Φ(x) = (1/√(2π)) ∫_{-∞}^x e^{-t²/2} dt`.
///
/// Domain: all real `x`; `Φ(-inf) = 0`, `Φ(+inf) = 1`. Relative accuracy in
/// the lower tail down to the subnormal range (`x` near `-38.5`). NaN in
/// gives NaN.
///
/// Algorithm: see the [module docs](self).
pub fn ndtr(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < -0.5 {
        if x < -38.5 {
            return 0.0;
        }
        return ndtr_lower(x);
    }
    if x <= 0.5 {
        return 0.5 + 0.5 * erf(x * FRAC_1_SQRT_2);
    }
    1.0 - ndtr(-x)
}

/// `(ln Φ(x), φ(x)/Φ(x))` for finite `x`.
#[inline]
fn log_ndtr_and_hazard(x: f64) -> (f64, f64) {
    if x < -0.5 {
        let e = erfcx_nonneg(-x * FRAC_1_SQRT_2);
        let (hi, lo) = two_square(x);
        ((0.5 * e).ln() - 0.5 * lo - 0.5 * hi, SQRT_2_OVER_PI / e)
    } else {
        let p = ndtr(x);
        let density = FRAC_1_SQRT_2PI * exp_signed_square(x, -0.5);
        let log_p = if x <= 0.5 {
            p.ln()
        } else {
            (-ndtr(-x)).ln_1p()
        };
        (log_p, density / p)
    }
}

/// `ln Φ(x)`, the log of the standard normal cdf, accurate in both tails.
///
/// Domain: all real `x`; `ln Φ(-inf) = -inf`, `ln Φ(+inf) = 0`. Finite for
/// every `x > -1.34e154` (at `x = -1e10` it is `-5e19 - 23.95...`, to full
/// precision), and for large positive `x` it is `-Φ(-x)` to full
/// relative accuracy until that underflows (`x` about 38). NaN in gives NaN.
///
/// Algorithm: see the [module docs](self).
pub fn log_ndtr(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x == f64::NEG_INFINITY {
        return x;
    }
    if x > 0.5 {
        return (-ndtr(-x)).ln_1p();
    }
    log_ndtr_and_hazard(x).0
}

/// Wichura's AS241 (PPND16) rational approximations to `Φ⁻¹`, relative
/// error about `1e-16` before rounding: in `q = p - 1/2` for `|q| <= 0.425`,
/// otherwise in `r = sqrt(-ln s)`, `s = min(p, 1 - p)`, one fit for
/// `r <= 5` and one beyond (to `s` about `1e-300`, `r` about 26).
///
/// Reference: M. J. Wichura, "Algorithm AS 241: The percentage points of
/// the normal distribution", Applied Statistics 37 (1988) 477-484.
mod wichura {
    /// Numerator and denominator of the central fit in `0.180625 - q²`,
    /// ascending.
    pub(super) const CENTRAL_NUM: [f64; 8] = [
        3.387_132_872_796_366_608,
        133.141_667_891_784_377_45,
        1_971.590_950_306_551_442_7,
        13_731.693_765_509_461_125,
        45_921.953_931_549_871_457,
        67_265.770_927_008_700_853,
        33_430.575_583_588_128_105,
        2_509.080_928_730_122_672_7,
    ];
    pub(super) const CENTRAL_DEN: [f64; 8] = [
        1.0,
        42.313_330_701_600_911_252,
        687.187_007_492_057_908_3,
        5_394.196_021_424_751_107_7,
        21_213.794_301_586_595_867,
        39_307.895_800_092_710_61,
        28_729.085_735_721_942_674,
        5_226.495_278_852_854_561,
    ];
    /// The fit in `r - 1.6` for `r <= 5`.
    pub(super) const NEAR_NUM: [f64; 8] = [
        1.423_437_110_749_683_577_34,
        4.630_337_846_156_545_295_9,
        5.769_497_221_460_691_405_5,
        3.647_848_324_763_204_605_04,
        1.270_458_252_452_368_382_58,
        0.241_780_725_177_450_611_77,
        0.022_723_844_989_269_184_583_3,
        7.745_450_142_783_414_076_4e-4,
    ];
    pub(super) const NEAR_DEN: [f64; 8] = [
        1.0,
        2.053_191_626_637_758_821_87,
        1.676_384_830_183_803_849_4,
        0.689_767_334_985_100_004_55,
        0.148_103_976_427_480_074_59,
        0.015_198_666_563_616_457_196_6,
        5.475_938_084_995_344_946e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    /// The fit in `r - 5` for `r > 5`.
    pub(super) const FAR_NUM: [f64; 8] = [
        6.657_904_643_501_103_777_2,
        5.463_784_911_164_114_369_9,
        1.784_826_539_917_291_335_8,
        0.296_560_571_828_504_891_23,
        0.026_532_189_526_576_123_093,
        1.242_660_947_388_078_438_6e-3,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    pub(super) const FAR_DEN: [f64; 8] = [
        1.0,
        0.599_832_206_555_887_937_69,
        0.136_929_880_922_735_805_31,
        0.014_875_361_290_850_614_852_5,
        7.868_691_311_456_132_591e-4,
        1.846_318_317_510_054_681_8e-5,
        1.421_511_758_316_445_888_7e-7,
        2.044_263_103_389_939_785_64e-15,
    ];
}

/// `num(t)/den(t)` for ascending coefficients, by Horner's rule.
#[inline(always)]
fn rational(num: &[f64; 8], den: &[f64; 8], t: f64) -> f64 {
    let n = num.iter().rev().fold(0.0, |acc, &c| madd(acc, t, c));
    let d = den.iter().rev().fold(0.0, |acc, &c| madd(acc, t, c));
    n / d
}

/// Smallest `ln p` of the tail fits' range (`p` about `1e-317`).
const AS241_MIN_LOG_P: f64 = -729.0;

/// `ln 0.075`: above, the central fit covers `p` (`|p - 1/2| <= 0.425`).
const AS241_TAIL_MAX_LOG_P: f64 = -2.590_267_165_445_826_7;

/// `Φ⁻¹(1/2 + q)` for `|q| <= 0.425` by the central AS241 fit.
#[inline]
pub(crate) fn ndtri_central_fit(q: f64) -> f64 {
    q * rational(
        &wichura::CENTRAL_NUM,
        &wichura::CENTRAL_DEN,
        0.180_625 - q * q,
    )
}

/// `-Φ⁻¹(s)` for `0 < s <= 0.075` from `r = sqrt(-ln s)` by the AS241 tail
/// fits.
#[inline]
pub(crate) fn ndtri_tail_fit(r: f64) -> f64 {
    if r <= 5.0 {
        rational(&wichura::NEAR_NUM, &wichura::NEAR_DEN, r - 1.6)
    } else {
        rational(&wichura::FAR_NUM, &wichura::FAR_DEN, r - 5.0)
    }
}

/// The lower-tail quantile: the `x <= -0.67` with `ln Φ(x) = log_p`, for
/// `log_p <= ln(1/4)`.
pub(crate) fn ndtri_tail_log(log_p: f64) -> f64 {
    if log_p == f64::NEG_INFINITY {
        return log_p;
    }
    // Start from Wichura's fit (r = sqrt(-ln p)) within its range, so that
    // one Halley step reaches full precision; Abramowitz & Stegun 26.2.23
    // (error below 4.5e-4) beyond it.
    let mut x = if log_p > AS241_TAIL_MAX_LOG_P {
        ndtri_central_fit(log_p.exp() - 0.5)
    } else if log_p >= AS241_MIN_LOG_P {
        -ndtri_tail_fit((-log_p).sqrt())
    } else {
        let t = (-2.0 * log_p).sqrt();
        -(t - (2.515_517 + t * (0.802_853 + t * 0.010_328))
            / (1.0 + t * (1.432_788 + t * (0.189_269 + t * 0.001_308))))
    };
    for _ in 0..8 {
        let (lp, hazard) = log_ndtr_and_hazard(x);
        let g = lp - log_p;
        // Halley on g(x) = ln Φ(x) - ln p: g' = h, g'' = -h (x + h).
        let newton = g / hazard;
        let dx = newton / (1.0 + 0.5 * newton * (x + hazard));
        x -= dx;
        // Cubic convergence: once a step is below 1e-14 relative, the
        // next would be far below rounding.
        if dx.abs() <= 1e-14 * x.abs() {
            break;
        }
    }
    x
}

/// The standard normal quantile `Φ⁻¹(p)`.
///
/// Domain: `[0, 1]`; `Φ⁻¹(0) = -inf`, `Φ⁻¹(1) = +inf`, NaN outside and for
/// NaN. Relative accuracy for every `p`, the smallest subnormal included.
///
/// Algorithm: see the [module docs](self).
pub fn ndtri(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p < 0.25 {
        return ndtri_tail_log(p.ln());
    }
    if p > 0.75 {
        // 1 - p is exact on [1/2, 1].
        return -ndtri(1.0 - p);
    }
    SQRT_2 * erfinv(2.0 * p - 1.0)
}

/// The standard normal quantile from `ln p`: `Φ⁻¹(exp(log_p))`, for
/// probabilities far below the `f64` range (`log_p = -1e300` works).
///
/// Domain: `log_p <= 0`; `-inf` gives `-inf`, 0 gives `+inf`, positive or
/// NaN gives NaN. Relative accuracy except near `p = 1/2`, where the
/// rounding of `log_p` itself limits it to absolute `~1e-16`.
pub fn ndtri_log(log_p: f64) -> f64 {
    if log_p.is_nan() || log_p > 0.0 {
        return f64::NAN;
    }
    if log_p < -2.0 * LN_2 {
        return ndtri_tail_log(log_p);
    }
    if log_p > (0.75_f64).ln() {
        // Upper tail: 1 - p = -expm1(ln p), its log by log1mexp.
        return -ndtri_tail_log(log1mexp(log_p));
    }
    // 2p - 1 = expm1(ln p + ln 2).
    SQRT_2 * erfinv((log_p + LN_2).exp_m1())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_tails() {
        // ln Φ(-1e10) = -x²/2 - ln(-x) - ln(2π)/2 - 1/x² + ...
        let x = -1e10_f64;
        let expected = -0.5 * x * x - (-x).ln() - 0.918_938_533_204_672_8;
        assert!((log_ndtr(x) - expected).abs() < 1e-16 * expected.abs());
        // Φ(-37) ≈ 5.725571222524e-300.
        assert!((ndtr(-37.0) / 5.725_571_222_524_e-300 - 1.0).abs() < 1e-11);
        assert!(log_ndtr(40.0) <= 0.0);
        assert_eq!(ndtri(0.5), 0.0);
        assert_eq!(ndtri(0.0), f64::NEG_INFINITY);
        assert!((ndtri(1e-300) - ndtri_log(1e-300f64.ln())).abs() < 1e-13);
        let x = ndtri_log(-1e300);
        assert!(x.is_finite() && x < -1e150);
    }
}
