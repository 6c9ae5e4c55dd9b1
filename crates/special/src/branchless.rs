//! A branch-free `e^x` and `ln x` for inner loops the compiler should
//! vectorise.
//!
//! `f64::exp` and `f64::ln` call into libm one element at a time. These are
//! straight-line adds, multiplies and integer bit operations, with
//! out-of-range inputs handled by selects, so a loop over a slice becomes
//! SIMD lanes: Cody-Waite reduction `x = n ln 2 + r`, `|r| <= ln 2 / 2`, the
//! degree-13 Taylor polynomial of `e^r` (truncation below 2e-17 relative),
//! and `2^n` written into the exponent bits; the rounding to `n` uses the
//! `1.5 * 2^52` shift (Muller, *Elementary Functions*, 3rd ed., 2016,
//! ch. 11). The kernel sums and kernel density sums use it.
//!
//! The logarithm (`ln_positive`, crate-internal) splits `u = 2^k z` with `z` in
//! `[sqrt(1/2), sqrt(2))` by integer operations on the bits, then writes
//! `ln z = 2 atanh(s)`, `s = (z - 1)/(z + 1)`, as `f - f^2/2 + s (f^2/2 + R)`
//! with `f = z - 1` and `R = sum_i 2 s^(2i)/(2i + 1)` (ten terms,
//! `|s| <= 0.172`), and adds `k ln 2` in two parts so that the product is
//! exact: the arrangement of fdlibm's `log` (Sun Microsystems, 1993), with
//! the Taylor coefficients of `atanh` in place of a minimax fit.
//! The Bessel slice forms use it.
//!
//! Measured error (tests, against `f64::exp`): at most 2 ulp on
//! `[-708, 709.78]`, for both [`exp_branchless`] and its fused
//! multiply-add form [`exp_branchless_fma`].

const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
const LOG2E: f64 = std::f64::consts::LOG2_E;
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
/// ln(f64::MAX).
const LN_MAX: f64 = 709.782_712_893_384;

/// `2/(2i + 1)` for `i = 10` down to `1`: the series `R(s^2)` of
/// [`ln_positive`], Horner order.
const ATANH_SERIES: [f64; 10] = [
    2.0 / 21.0,
    2.0 / 19.0,
    2.0 / 17.0,
    2.0 / 15.0,
    2.0 / 13.0,
    2.0 / 11.0,
    2.0 / 9.0,
    2.0 / 7.0,
    2.0 / 5.0,
    2.0 / 3.0,
];

/// Natural logarithm of a positive, normal, finite `u`, without branches,
/// for vectorised loops (within about an ulp of `f64::ln`; test below).
///
/// Callers keep the argument in range: zero, subnormal, negative,
/// infinite or NaN input gives a meaningless finite number, not an IEEE
/// special value.
#[inline(always)]
pub(crate) fn ln_positive(u: f64) -> f64 {
    ln_positive_with::<false>(u)
}

/// [`ln_positive`] with fused multiply-adds in the polynomial, for loops
/// under CPU-feature dispatch on a CPU with FMA (elsewhere `f64::mul_add`
/// is a slow software routine).
#[inline(always)]
pub(crate) fn ln_positive_fused(u: f64) -> f64 {
    ln_positive_with::<true>(u)
}

/// `a b + c`, fused when `FUSED`.
#[inline(always)]
pub(crate) fn mul_add_if<const FUSED: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FUSED { a.mul_add(b, c) } else { a * b + c }
}

#[inline(always)]
fn ln_positive_with<const FUSED: bool>(u: f64) -> f64 {
    const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;
    const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_667f_3bcd;
    /// `2^52`, whose low mantissa bits take a small integer exactly.
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let bits = u.to_bits();
    // The exponent field of u / sqrt(1/2): the biased k with z = u 2^-k in
    // [sqrt(1/2), sqrt(2)).
    let field = bits.wrapping_add(ONE_BITS - SQRT_HALF_BITS) >> 52;
    let z = f64::from_bits(bits.wrapping_sub(field << 52).wrapping_add(ONE_BITS));
    let k = f64::from_bits(field | TWO_52.to_bits()) - (TWO_52 + 1023.0);
    let f = z - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    let r = s2
        * ATANH_SERIES
            .iter()
            .fold(0.0, |acc, &c| mul_add_if::<FUSED>(acc, s2, c));
    let half_f2 = 0.5 * f * f;
    let low = mul_add_if::<FUSED>(s, half_f2 + r, k * LN2_LO);
    k * LN2_HI + (f - (half_f2 - low))
}

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
    scale_and_clamp(x, shifted, p)
}

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

/// [`exp_branchless`] for loops that run under CPU-feature dispatch on a
/// CPU with fused multiply-add: the two Cody-Waite corrections are FMAs and
/// the degree-13 Taylor polynomial is evaluated by Estrin's scheme (pairs
/// of coefficients, then pairs of pairs with `r^2`, `r^4`, `r^8`; Knuth,
/// TAOCP vol. 2, sec. 4.6.4): at most 4 multiply-adds in a dependency chain
/// after the reduction, where Horner's rule chains 13, so the pipeline
/// stays full. Without hardware FMA, `f64::mul_add` is a slow software
/// routine: callers check the CPU first and use [`exp_branchless`]
/// otherwise.
///
/// Same range behaviour as [`exp_branchless`]; at most 2 ulp from
/// `f64::exp` on `[-708, ln(f64::MAX)]` (test below, 2e6 points).
#[inline(always)]
pub fn exp_branchless_fma(x: f64) -> f64 {
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
    scale_and_clamp(x, shifted, p)
}

/// `p 2^n` from `shifted = n + 1.5 2^52`, then 0 below `-708` and `+inf`
/// above ln(f64::MAX); NaN passes through the selects.
#[inline(always)]
fn scale_and_clamp(x: f64, shifted: f64, p: f64) -> f64 {
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

    fn within_two_ulp(exp: fn(f64) -> f64, n: usize) {
        let worst = (0..=n)
            .map(|i| -708.0 + 1417.78 * (i as f64) / (n as f64))
            .map(|x| ulp(exp(x), x.exp()))
            .fold(0.0f64, f64::max);
        assert!(worst <= 2.0, "worst {worst} ulp");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-800.0), 0.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert!(exp(LN_MAX).is_finite());
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert!(exp(f64::NAN).is_nan());
    }

    #[test]
    fn ln_within_one_ulp() {
        within_one_ulp(ln_positive);
        within_one_ulp(ln_positive_fused);
    }

    fn within_one_ulp(ln_positive: fn(f64) -> f64) {
        let mut worst = 0.0f64;
        let mut u = 1e-300_f64;
        while u < 1e300 {
            for w in [u, u * 1.000_000_1, u * 1.39, u * 0.71] {
                worst = worst.max(ulp(ln_positive(w), w.ln()));
            }
            u *= 1.013;
        }
        // Densely around 1, where the result is small.
        for i in 0..200_000 {
            let w = 0.7 + 0.72 * (i as f64) / 200_000.0;
            worst = worst.max(ulp(ln_positive(w), w.ln()));
        }
        assert!(worst <= 1.0, "worst {worst} ulp");
        assert_eq!(ln_positive(1.0), 0.0);
        assert_eq!(ln_positive(2.0), std::f64::consts::LN_2);
    }

    #[test]
    fn exp_within_two_ulp() {
        within_two_ulp(exp_branchless, 400_000);
    }

    #[test]
    fn exp_fma_within_two_ulp() {
        within_two_ulp(exp_branchless_fma, 2_000_000);
    }
}
