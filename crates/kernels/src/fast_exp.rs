//! The vectorisable `exp` of the kernel-sum inner loops.
//!
//! [`exp_fast`] is sobolev-special's branch-free exponential (at most 2 ulp
//! from `f64::exp`, flushed to 0 below -708). [`exp_fused`] computes the
//! same function for loops that run under CPU-feature dispatch on a CPU
//! with fused multiply-add: the Cody-Waite reduction `x = n ln 2 + r`,
//! `|r| <= ln 2 / 2`, takes its two corrections as FMAs, and the
//! degree-13 Taylor polynomial of `e^r` is evaluated by Estrin's scheme
//! (pairs of coefficients, then pairs of pairs with `r^2`, `r^4`, `r^8`;
//! Knuth, TAOCP vol. 2, sec. 4.6.4): 16 multiply-adds and multiplies with
//! at most 4 in a dependency chain after the reduction, where Horner's
//! rule chains 13, so the pipeline stays full.
//! Without hardware FMA, `f64::mul_add` is a slow software routine; callers
//! check [`fused_multiply_add_available`] and use [`exp_fast`] otherwise.
//!
//! Measured error of [`exp_fused`] (test below, 2e6 points against
//! `f64::exp`): at most 2 ulp on `[-708, ln(f64::MAX)]`.

pub(crate) use sobolev_special::exp_branchless as exp_fast;

const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
const LOG2E: f64 = std::f64::consts::LOG2_E;
// ln 2 split so that `n * LN2_HI` is exact for |n| <= 2^11.
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
/// ln(f64::MAX).
const LN_MAX: f64 = 709.782_712_893_384;
/// `1 / k!` for `k = 0..=13`.
const INV_FACTORIAL: [f64; 14] = [
    1.0,
    1.0,
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// Whether this CPU has hardware fused multiply-add, so that loops using
/// [`exp_fused`] and `f64::mul_add` under CPU-feature dispatch are fast.
pub(crate) fn fused_multiply_add_available() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(target_arch = "aarch64")]
    {
        true
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// `e^x` with fused multiply-adds and Estrin's scheme; same range
/// behaviour as [`exp_fast`] (0 below -708, `+inf` above ln(f64::MAX),
/// NaN in gives NaN out), at most 2 ulp from `f64::exp`.
#[inline(always)]
pub(crate) fn exp_fused(x: f64) -> f64 {
    let c = &INV_FACTORIAL;
    let xc = x.clamp(-708.0, LN_MAX);
    let shifted = xc.mul_add(LOG2E, SHIFT);
    let n = shifted - SHIFT;
    let r = (-n).mul_add(LN2_LO, (-n).mul_add(LN2_HI, xc));
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let pair = |k: usize| c[k + 1].mul_add(r, c[k]);
    let s0 = pair(2).mul_add(r2, pair(0));
    let s1 = pair(6).mul_add(r2, pair(4));
    let s2 = pair(10).mul_add(r2, pair(8));
    let t0 = s1.mul_add(r4, s0);
    let t1 = pair(12).mul_add(r4, s2);
    let p = t1.mul_add(r8, t0);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ulp(a: f64, b: f64) -> f64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as f64
    }

    #[test]
    fn exp_fused_within_two_ulp() {
        let n = 2_000_000;
        let worst = (0..=n)
            .map(|i| -708.0 + 1417.78 * (i as f64) / (n as f64))
            .map(|x| ulp(exp_fused(x), x.exp()))
            .fold(0.0f64, f64::max);
        assert!(worst <= 2.0, "worst {worst} ulp");
        assert_eq!(exp_fused(0.0), 1.0);
        assert_eq!(exp_fused(-800.0), 0.0);
        assert_eq!(exp_fused(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp_fused(710.0), f64::INFINITY);
        assert!(exp_fused(LN_MAX).is_finite());
        assert_eq!(exp_fused(f64::INFINITY), f64::INFINITY);
        assert!(exp_fused(f64::NAN).is_nan());
    }
}
