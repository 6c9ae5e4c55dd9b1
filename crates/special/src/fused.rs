//! Multiply-add without a library call.
//!
//! `f64::mul_add` is one instruction only when the crate is compiled for a
//! CPU with fused multiply-add (`-C target-feature=+fma`); for the default
//! x86-64 target it becomes a call into a software routine costing several
//! nanoseconds, more than the rest of a short polynomial. The helpers here
//! pick at compile time: the fused instruction when it is there, otherwise
//! plain arithmetic that needs no call.
//!
//! * [`madd`] is `a b + c`, fused or with two roundings. Polynomial
//!   evaluation with decaying terms (Horner, Estrin) loses at most about an
//!   ulp to the extra rounding.
//! * [`two_product`] (and [`two_square`]) is the exact split
//!   `a b = hi + lo`: by one FMA, or by Dekker's product with Veltkamp's
//!   splitting, which is exact without FMA (T. J. Dekker, "A floating-point
//!   technique for extending the available precision", Numer. Math. 18,
//!   1971); [`two_sum`] is Knuth's exact sum `a + b = s + e`.

/// `a * b + c`: fused when the target has FMA, two roundings otherwise.
#[inline(always)]
pub(crate) fn madd(a: f64, b: f64, c: f64) -> f64 {
    if cfg!(target_feature = "fma") {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// `(hi, lo)` with `hi = fl(a b)` and `hi + lo = a b` exactly (for
/// `|a|, |b|` below about `1e300` and a product that neither overflows nor
/// underflows).
#[inline(always)]
pub(crate) fn two_product(a: f64, b: f64) -> (f64, f64) {
    let hi = a * b;
    if cfg!(target_feature = "fma") {
        (hi, a.mul_add(b, -hi))
    } else {
        // Veltkamp: each factor = high + low with 26-bit halves, so every
        // partial product below is exact.
        const SPLIT: f64 = 134_217_729.0; // 2^27 + 1
        let halves = |v: f64| {
            let t = SPLIT * v;
            let high = t - (t - v);
            (high, v - high)
        };
        let (ah, al) = halves(a);
        let (bh, bl) = halves(b);
        (hi, ((ah * bh - hi) + ah * bl + al * bh) + al * bl)
    }
}

/// `(hi, lo)` with `hi = fl(x²)` and `hi + lo = x²` exactly (for `|x|`
/// below about `1e153`, beyond which `x²` overflows anyway).
#[inline(always)]
pub(crate) fn two_square(x: f64) -> (f64, f64) {
    two_product(x, x)
}

/// `(s, e)` with `s = fl(a + b)` and `s + e = a + b` exactly (Knuth's
/// two-sum, no ordering of `|a|`, `|b|` needed).
#[inline(always)]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_square_matches_the_fused_residual() {
        let mut x = 1.0e-100_f64;
        while x < 1.0e100 {
            for y in [x, -x, x * 1.234_567_890_123, x * 0.987_654_321_987] {
                let (hi, lo) = two_square(y);
                assert_eq!(hi, y * y);
                assert_eq!(lo, y.mul_add(y, -hi), "x = {y:e}");
            }
            x *= 1.7;
        }
    }

    #[test]
    fn two_product_and_two_sum_are_exact() {
        let mut a = 3.0e-90_f64;
        while a < 1.0e90 {
            for b in [a * 0.731_234_567_891, -a * 1.618_033_988_7, 1.0 / a] {
                let (hi, lo) = two_product(a, b);
                assert_eq!(hi, a * b);
                assert_eq!(lo, a.mul_add(b, -hi), "a = {a:e}, b = {b:e}");
                let (s, e) = two_sum(a, b);
                assert_eq!(s, a + b);
                // Dekker's fast two-sum with the larger term first is exact.
                let (big, small) = if a.abs() >= b.abs() { (a, b) } else { (b, a) };
                assert_eq!(e, small - (s - big), "a = {a:e}, b = {b:e}");
            }
            a *= 3.3;
        }
    }

    #[test]
    fn madd_is_close_to_the_fused_result() {
        for (a, b, c) in [(1.5, 2.25, -3.0), (0.1, 0.2, 0.3), (1e10, 1e-10, -1.0)] {
            let exact = f64::mul_add(a, b, c);
            assert!((madd(a, b, c) - exact).abs() <= 2.0 * f64::EPSILON * exact.abs().max(1.0));
        }
    }
}
