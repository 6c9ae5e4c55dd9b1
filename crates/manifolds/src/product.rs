//! Product manifolds `M x N` with the product metric.
//!
//! A point is a pair `(p, q)`, a tangent vector a pair `(u, v)`, and
//! everything acts componentwise: `exp_{(p,q)}(u, v) = (exp_p u, exp_q v)`,
//! `<(u, v), (u', v')> = <u, u'>_p + <v, v'>_q`, so geodesics, logarithms,
//! parallel transport and retractions are those of the factors and the
//! distance is `sqrt(d_M^2 + d_N^2)`. Products nest:
//! `Product<Product<A, B>, C>` is `A x B x C`. Pairs implement [`Vector`]
//! (concatenated coordinates), so every generic algorithm in the crate
//! (Frechet means, optimisers) runs on products unchanged.

use crate::error::Result;
use crate::manifold::Manifold;
use crate::vector::Vector;
use rand::Rng;

/// The product `A x B` of two manifolds with the product metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Product<A, B> {
    /// The first factor.
    pub first: A,
    /// The second factor.
    pub second: B,
}

impl<A: Manifold, B: Manifold> Product<A, B> {
    /// `first x second`.
    pub fn new(first: A, second: B) -> Self {
        Self { first, second }
    }
}

impl<A: Vector, B: Vector> Vector for (A, B) {
    /// `(size of A + size of B, 1)`: the concatenated coordinates.
    fn shape(&self) -> (usize, usize) {
        let (a, b) = (self.0.shape(), self.1.shape());
        (a.0 * a.1 + b.0 * b.1, 1)
    }
    fn zeros_like(&self) -> Self {
        (self.0.zeros_like(), self.1.zeros_like())
    }
    fn axpy(&mut self, a: f64, x: &Self) -> Result<()> {
        self.0.axpy(a, &x.0)?;
        self.1.axpy(a, &x.1)
    }
    fn scale(&mut self, a: f64) {
        self.0.scale(a);
        self.1.scale(a);
    }
    fn dot(&self, x: &Self) -> Result<f64> {
        Ok(self.0.dot(&x.0)? + self.1.dot(&x.1)?)
    }
    fn to_flat(&self) -> Vec<f64> {
        let mut out = self.0.to_flat();
        out.extend(self.1.to_flat());
        out
    }
    fn is_finite(&self) -> bool {
        self.0.is_finite() && self.1.is_finite()
    }
}

impl<A: Manifold, B: Manifold> Manifold for Product<A, B> {
    type Point = (A::Point, B::Point);
    type Tangent = (A::Tangent, B::Tangent);

    fn dim(&self) -> usize {
        self.first.dim() + self.second.dim()
    }

    /// Each factor's own check with the same tolerance.
    fn check_point(&self, p: &Self::Point, tol: f64) -> Result<()> {
        self.first.check_point(&p.0, tol)?;
        self.second.check_point(&p.1, tol)
    }

    fn check_tangent(&self, p: &Self::Point, v: &Self::Tangent, tol: f64) -> Result<()> {
        self.first.check_tangent(&p.0, &v.0, tol)?;
        self.second.check_tangent(&p.1, &v.1, tol)
    }

    fn exp(&self, p: &Self::Point, v: &Self::Tangent) -> Result<Self::Point> {
        Ok((self.first.exp(&p.0, &v.0)?, self.second.exp(&p.1, &v.1)?))
    }

    fn log(&self, p: &Self::Point, q: &Self::Point) -> Result<Self::Tangent> {
        Ok((self.first.log(&p.0, &q.0)?, self.second.log(&p.1, &q.1)?))
    }

    fn retract(&self, p: &Self::Point, v: &Self::Tangent) -> Result<Self::Point> {
        Ok((
            self.first.retract(&p.0, &v.0)?,
            self.second.retract(&p.1, &v.1)?,
        ))
    }

    fn inverse_retract(&self, p: &Self::Point, q: &Self::Point) -> Result<Self::Tangent> {
        Ok((
            self.first.inverse_retract(&p.0, &q.0)?,
            self.second.inverse_retract(&p.1, &q.1)?,
        ))
    }

    fn parallel_transport(
        &self,
        p: &Self::Point,
        q: &Self::Point,
        v: &Self::Tangent,
    ) -> Result<Self::Tangent> {
        Ok((
            self.first.parallel_transport(&p.0, &q.0, &v.0)?,
            self.second.parallel_transport(&p.1, &q.1, &v.1)?,
        ))
    }

    fn vector_transport(
        &self,
        p: &Self::Point,
        q: &Self::Point,
        v: &Self::Tangent,
    ) -> Result<Self::Tangent> {
        Ok((
            self.first.vector_transport(&p.0, &q.0, &v.0)?,
            self.second.vector_transport(&p.1, &q.1, &v.1)?,
        ))
    }

    fn inner(&self, p: &Self::Point, u: &Self::Tangent, v: &Self::Tangent) -> Result<f64> {
        Ok(self.first.inner(&p.0, &u.0, &v.0)? + self.second.inner(&p.1, &u.1, &v.1)?)
    }

    /// `sqrt(d_A^2 + d_B^2)` from the factors' own distances.
    fn dist(&self, p: &Self::Point, q: &Self::Point) -> Result<f64> {
        Ok(self
            .first
            .dist(&p.0, &q.0)?
            .hypot(self.second.dist(&p.1, &q.1)?))
    }

    fn project_point(&self, x: &Self::Point) -> Result<Self::Point> {
        Ok((
            self.first.project_point(&x.0)?,
            self.second.project_point(&x.1)?,
        ))
    }

    fn project_tangent(&self, p: &Self::Point, x: &Self::Tangent) -> Result<Self::Tangent> {
        Ok((
            self.first.project_tangent(&p.0, &x.0)?,
            self.second.project_tangent(&p.1, &x.1)?,
        ))
    }

    fn egrad_to_rgrad(&self, p: &Self::Point, egrad: &Self::Tangent) -> Result<Self::Tangent> {
        Ok((
            self.first.egrad_to_rgrad(&p.0, &egrad.0)?,
            self.second.egrad_to_rgrad(&p.1, &egrad.1)?,
        ))
    }

    fn zero_tangent(&self, p: &Self::Point) -> Self::Tangent {
        (
            self.first.zero_tangent(&p.0),
            self.second.zero_tangent(&p.1),
        )
    }

    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Self::Point {
        (self.first.random_point(rng), self.second.random_point(rng))
    }

    fn random_tangent<R: Rng + ?Sized>(
        &self,
        p: &Self::Point,
        rng: &mut R,
    ) -> Result<Self::Tangent> {
        Ok((
            self.first.random_tangent(&p.0, rng)?,
            self.second.random_tangent(&p.1, rng)?,
        ))
    }
}
