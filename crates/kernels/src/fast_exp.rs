//! A branch-free, vectorisable `exp` for the inner loops of kernel sums.
//!
//! Cody-Waite range reduction `x = n ln 2 + r` with `|r| <= ln 2 / 2`, a
//! degree-13 Taylor polynomial for `e^r` (truncation below 2e-17 relative) and
//! the scale `2^n` assembled in the exponent bits. The rounding to `n` uses
//! the 1.5 * 2^52 shift, so the whole body is adds, multiplies and integer
//! shifts, which the compiler turns into SIMD lanes (Muller, *Elementary
//! Functions*, 3rd ed., 2016, ch. 11). Inputs below -708 return 0; the
//! routine is meant for kernel profiles whose arguments are `<= 0`.
//!
//! Accuracy (checked against `f64::exp` over [-700, 0] in the tests): at most
//! 2 ulp.

const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
const LOG2E: f64 = std::f64::consts::LOG2_E;
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;

/// `e^x` for `x <= 0` (and modest positive `x`, below 700), vectorisable.
#[inline(always)]
pub(crate) fn exp_fast(x: f64) -> f64 {
    let xc = if x < -708.0 { -708.0 } else { x };
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
    // The low bits of `shifted` hold n in two's complement.
    let bits = shifted
        .to_bits()
        .wrapping_sub(SHIFT.to_bits())
        .wrapping_add(1023)
        << 52;
    let scaled = p * f64::from_bits(bits);
    if x < -708.0 { 0.0 } else { scaled }
}

#[cfg(test)]
mod tests {
    use super::exp_fast;

    #[test]
    fn matches_std_exp_within_two_ulp() {
        let mut worst = 0.0f64;
        let n = 200_000;
        for i in 0..=n {
            let x = -700.0 * (i as f64) / (n as f64);
            let want = x.exp();
            let got = exp_fast(x);
            let ulp = (want.to_bits() as i64 - got.to_bits() as i64).abs() as f64;
            worst = worst.max(ulp);
        }
        assert!(worst <= 2.0, "worst error {worst} ulp");
        assert_eq!(exp_fast(-800.0), 0.0);
        assert_eq!(exp_fast(0.0), 1.0);
        assert!((exp_fast(3.0) - 3.0f64.exp()).abs() <= 4.0 * f64::EPSILON * 3.0f64.exp());
    }
}
