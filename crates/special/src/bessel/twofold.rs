//! The double-double logarithm and the one place where the modified Bessel
//! functions need it: the exponent `v eta = sqrt(v^2 + x^2) - v asinh(v/x)`
//! of the uniform expansion near its zero (`x/v` about 0.66), where both
//! terms are about `1.2 v` and the difference is small. Carried in
//! double-double ([`crate::twofold`], about 32 digits), the difference is
//! exact to double precision for any `v` up to about `1e15`.
//!
//! The logarithm reduces its argument by a power of two and a tabulated
//! `1 + j/16`, then sums the `atanh` series of the remainder.

use super::coefficients::LN_SIXTEENTHS;
use crate::twofold::{Twofold, two_prod};

const LN2: Twofold = Twofold {
    hi: std::f64::consts::LN_2,
    lo: 2.3190468138462996e-17,
};

impl Twofold {
    /// Natural logarithm of a positive, finite, normal double-double.
    fn ln(self) -> Self {
        // self = 2^k m, m in [1, 2): scaling by powers of two is exact.
        let k = self.hi.log2().floor();
        let scale = (-k).exp2();
        let m = Self {
            hi: self.hi * scale,
            lo: self.lo * scale,
        };
        let (k, m) = if m.hi < 1.0 {
            (
                k - 1.0,
                Self {
                    hi: m.hi * 2.0,
                    lo: m.lo * 2.0,
                },
            )
        } else if m.hi >= 2.0 {
            (
                k + 1.0,
                Self {
                    hi: m.hi * 0.5,
                    lo: m.lo * 0.5,
                },
            )
        } else {
            (k, m)
        };
        // m = c (1 + small), c = 1 + j/16 exactly representable.
        let j = ((m.hi - 1.0) * 16.0).round().clamp(0.0, 16.0);
        let c = 1.0 + j / 16.0;
        // ln(m/c) = 2 atanh(u), u = (m - c)/(m + c), |u| < 1/33.
        let num = m.add(Self::from(-c));
        let den = m.add(Self::from(c));
        let u = num.div(den);
        let w = u.mul(u);
        let tail = w.hi * w.hi * (0.2 + w.hi * (1.0 / 7.0 + w.hi / 9.0));
        let third = w.div(Self::from(3.0));
        let series = Self::from(1.0).add(third).add(Self::from(tail));
        let ln_m = u.mul(series).mul_f64(2.0);
        let (chi, clo) = LN_SIXTEENTHS[j as usize];
        LN2.mul_f64(k).add(Self { hi: chi, lo: clo }).add(ln_m)
    }
}

/// `v eta(x/v) = sqrt(v^2 + x^2) - v ln((v + r)/x)` evaluated in
/// double-double and rounded once, for positive `v`, `x` (in the band where
/// it is used, `x/v` is near 0.66, so both are of one size).
pub(crate) fn v_eta_compensated(v: f64, x: f64) -> f64 {
    // v eta is homogeneous of degree one in (v, x): scale huge arguments by
    // an exact power of two so that the squares stay finite.
    if v > 1e150 || x > 1e150 {
        let s = 2f64.powi(-300);
        return v_eta_compensated(v * s, x * s) / s;
    }
    let r2 = two_prod(v, v).add(two_prod(x, x));
    let r = r2.sqrt();
    let q = Twofold::from(v).add(r).div(Twofold::from(x));
    let l = q.ln();
    r.add(l.mul_f64(v).neg()).hi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logarithm_matches_known_constants() {
        // Split values of ln 10 and ln 3 from 40-digit arithmetic.
        let l = Twofold::from(10.0).ln();
        assert_eq!(l.hi, std::f64::consts::LN_10);
        assert!((l.lo - (-2.1707562233822494e-16)).abs() < 1e-30);
        let l = Twofold::from(3.0).ln();
        assert_eq!(l.hi, 1.0986122886681098);
        assert!((l.lo - (-9.07129723500153e-17)).abs() < 1e-30);
    }
}
