//! Double-double ("twofold") arithmetic: an unevaluated sum `hi + lo`
//! with `|lo| <= ulp(hi)/2`, about 32 significant digits, for the few
//! places where a result is the small difference of large terms (the
//! modified Bessel exponent near its turning point, the zeros of
//! high-degree Laguerre polynomials near the origin). The error-free
//! transformations are Knuth's two-sum and Dekker's product ([`crate::fused`]).
//!
//! References: T. J. Dekker, "A floating-point technique for extending the
//! available precision", Numer. Math. 18 (1971); Y. Hida, X. S. Li,
//! D. H. Bailey, "Algorithms for quad-double precision floating point
//! arithmetic", ARITH-15 (2001).

/// An unevaluated sum `hi + lo`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Twofold {
    /// The leading double.
    pub(crate) hi: f64,
    /// The remainder, at most half an ulp of `hi`.
    pub(crate) lo: f64,
}

#[inline]
pub(crate) fn two_sum(a: f64, b: f64) -> Twofold {
    let (hi, lo) = crate::fused::two_sum(a, b);
    Twofold { hi, lo }
}

#[inline]
pub(crate) fn fast_two_sum(a: f64, b: f64) -> Twofold {
    let s = a + b;
    Twofold {
        hi: s,
        lo: b - (s - a),
    }
}

#[inline]
pub(crate) fn two_prod(a: f64, b: f64) -> Twofold {
    let (hi, lo) = crate::fused::two_product(a, b);
    Twofold { hi, lo }
}

impl Twofold {
    pub(crate) fn from(a: f64) -> Self {
        Self { hi: a, lo: 0.0 }
    }

    pub(crate) fn add(self, b: Self) -> Self {
        let s = two_sum(self.hi, b.hi);
        let t = two_sum(self.lo, b.lo);
        let s = fast_two_sum(s.hi, s.lo + t.hi);
        fast_two_sum(s.hi, s.lo + t.lo)
    }

    pub(crate) fn neg(self) -> Self {
        Self {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    pub(crate) fn mul(self, b: Self) -> Self {
        let p = two_prod(self.hi, b.hi);
        fast_two_sum(p.hi, p.lo + (self.hi * b.lo + self.lo * b.hi))
    }

    pub(crate) fn mul_f64(self, b: f64) -> Self {
        let p = two_prod(self.hi, b);
        fast_two_sum(p.hi, self.lo.mul_add(b, p.lo))
    }

    /// Division by a double: the quotient's leading part and the exact
    /// remainder's quotient.
    pub(crate) fn div_f64(self, b: f64) -> Self {
        let q1 = self.hi / b;
        let p = two_prod(q1, b);
        let r = ((self.hi - p.hi) - p.lo) + self.lo;
        fast_two_sum(q1, r / b)
    }

    pub(crate) fn div(self, b: Self) -> Self {
        let q1 = self.hi / b.hi;
        let r = self.add(b.mul_f64(q1).neg());
        let q2 = r.hi / b.hi;
        let r = r.add(b.mul_f64(q2).neg());
        let q3 = r.hi / b.hi;
        let q = fast_two_sum(q1, q2);
        q.add(Self::from(q3))
    }

    pub(crate) fn sqrt(self) -> Self {
        let s = self.hi.sqrt();
        let sq = two_prod(s, s);
        let rem = (self.hi - sq.hi - sq.lo) + self.lo;
        fast_two_sum(s, rem / (2.0 * s))
    }
}
