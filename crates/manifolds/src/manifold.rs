//! The [`Manifold`] trait: the small interface every manifold implements
//! and every generic algorithm is written against.
//!
//! A Riemannian manifold `M` carries, at each point `p`, a tangent space
//! `T_p M` with an inner product `<u, v>_p`. The exponential map
//! `exp_p(v)` follows the geodesic from `p` with initial velocity `v` for
//! unit time; the logarithm `log_p(q)` is its local inverse, and
//! `dist(p, q) = |log_p(q)|_p`. Retractions are cheaper first-order (here
//! mostly second-order) approximations of `exp`; parallel transport moves
//! tangent vectors along geodesics isometrically, vector transport is any
//! cheaper map with the same first-order behaviour. The interface follows
//! ManifoldsBase.jl (Axen et al., 2023) and the conventions of Absil,
//! Mahony and Sepulchre, *Optimization Algorithms on Matrix Manifolds*
//! (2008), and Boumal, *An Introduction to Optimization on Smooth
//! Manifolds* (2023).
//!
//! Every operation validates shapes and returns [`Result`]; membership of a
//! point or tangent vector is checked only by [`Manifold::check_point`] and
//! [`Manifold::check_tangent`], which take the tolerance explicitly, so that
//! hot loops do not pay for checks the caller has already made.

use crate::error::{Error, Result};
use crate::vector::Vector;
use rand::Rng;
use rayon::prelude::*;

/// A Riemannian manifold with its points, tangent vectors and metric.
pub trait Manifold: Sync {
    /// How a point is stored.
    type Point: Vector;
    /// How a tangent vector is stored (in ambient coordinates).
    type Tangent: Vector;

    /// Intrinsic dimension of the manifold.
    fn dim(&self) -> usize;

    /// `Ok` when `p` lies on the manifold to within `tol` (in the
    /// manifold's own membership measure, stated by each implementation);
    /// otherwise a typed error saying how it fails.
    fn check_point(&self, p: &Self::Point, tol: f64) -> Result<()>;

    /// `Ok` when `v` lies in the tangent space at `p` to within `tol`.
    fn check_tangent(&self, p: &Self::Point, v: &Self::Tangent, tol: f64) -> Result<()>;

    /// Riemannian exponential map `exp_p(v)`.
    fn exp(&self, p: &Self::Point, v: &Self::Tangent) -> Result<Self::Point>;

    /// Riemannian logarithm `log_p(q)`, the inverse of [`Manifold::exp`]
    /// where it is defined (inside the injectivity radius).
    fn log(&self, p: &Self::Point, q: &Self::Point) -> Result<Self::Tangent>;

    /// A retraction `R_p(v)`; defaults to the exponential map.
    fn retract(&self, p: &Self::Point, v: &Self::Tangent) -> Result<Self::Point> {
        self.exp(p, v)
    }

    /// The inverse of [`Manifold::retract`]; defaults to the logarithm.
    fn inverse_retract(&self, p: &Self::Point, q: &Self::Point) -> Result<Self::Tangent> {
        self.log(p, q)
    }

    /// Parallel transport of `v` from `T_p M` to `T_q M` along the
    /// minimising geodesic from `p` to `q`.
    fn parallel_transport(
        &self,
        p: &Self::Point,
        q: &Self::Point,
        v: &Self::Tangent,
    ) -> Result<Self::Tangent>;

    /// A vector transport from `T_p M` to `T_q M`; defaults to parallel
    /// transport. Implementations may override it with something cheaper
    /// (projection), which is then not an isometry in general.
    fn vector_transport(
        &self,
        p: &Self::Point,
        q: &Self::Point,
        v: &Self::Tangent,
    ) -> Result<Self::Tangent> {
        self.parallel_transport(p, q, v)
    }

    /// The Riemannian inner product `<u, v>_p`.
    fn inner(&self, p: &Self::Point, u: &Self::Tangent, v: &Self::Tangent) -> Result<f64>;

    /// The Riemannian norm `|v|_p`.
    fn norm(&self, p: &Self::Point, v: &Self::Tangent) -> Result<f64> {
        Ok(self.inner(p, v, v)?.max(0.0).sqrt())
    }

    /// Geodesic distance; defaults to `|log_p(q)|_p`.
    fn dist(&self, p: &Self::Point, q: &Self::Point) -> Result<f64> {
        let v = self.log(p, q)?;
        self.norm(p, &v)
    }

    /// The point of the manifold nearest to the ambient point `x` (or a
    /// standard projection where nearest is not unique).
    fn project_point(&self, x: &Self::Point) -> Result<Self::Point>;

    /// The projection of the ambient vector `x` onto `T_p M`.
    fn project_tangent(&self, p: &Self::Point, x: &Self::Tangent) -> Result<Self::Tangent>;

    /// Converts the Euclidean gradient of a function of the ambient
    /// coordinates into its Riemannian gradient at `p`. Defaults to the
    /// tangent projection, which is right for embedded metrics.
    fn egrad_to_rgrad(&self, p: &Self::Point, egrad: &Self::Tangent) -> Result<Self::Tangent> {
        self.project_tangent(p, egrad)
    }

    /// The zero tangent vector at `p`.
    fn zero_tangent(&self, p: &Self::Point) -> Self::Tangent;

    /// A random point drawn from a fixed reference distribution of the
    /// implementation (uniform on compact manifolds, a wrapped Gaussian
    /// around a base point otherwise).
    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Self::Point;

    /// A random tangent vector at `p` with independent standard normal
    /// coordinates in an orthonormal basis of `T_p M` (up to the scale
    /// stated by the implementation).
    fn random_tangent<R: Rng + ?Sized>(
        &self,
        p: &Self::Point,
        rng: &mut R,
    ) -> Result<Self::Tangent>;

    /// Logarithms of many points from one base point, in parallel.
    /// Implementations override it when a factorisation of `p` can be
    /// shared between the calls.
    fn log_many(&self, p: &Self::Point, qs: &[Self::Point]) -> Result<Vec<Self::Tangent>> {
        qs.par_iter().map(|q| self.log(p, q)).collect()
    }

    /// The weighted sum `sum_i w_i log_p(q_i)`, the descent direction of
    /// the Karcher mean iteration. The default sums [`Manifold::log_many`]
    /// in order; implementations override it when the sum can be formed in
    /// cheaper coordinates and mapped to `T_p M` once.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `qs` and `w` differ in length, and the
    /// errors of [`Manifold::log`].
    fn weighted_log_sum(
        &self,
        p: &Self::Point,
        qs: &[Self::Point],
        w: &[f64],
    ) -> Result<Self::Tangent> {
        check_weights(qs.len(), w)?;
        let logs = self.log_many(p, qs)?;
        let mut acc = self.zero_tangent(p);
        for (v, wi) in logs.iter().zip(w) {
            acc.axpy(*wi, v)?;
        }
        Ok(acc)
    }

    /// Where the Karcher mean iteration of `qs` with weights `w` starts.
    /// The default is the point of largest weight (the first on ties);
    /// implementations override it with a cheap closed-form approximation
    /// of the mean when they have one.
    ///
    /// # Errors
    /// [`Error::Empty`] for no points, [`Error::ShapeMismatch`] when `qs`
    /// and `w` differ in length.
    fn mean_start(&self, qs: &[Self::Point], w: &[f64]) -> Result<Self::Point> {
        check_weights(qs.len(), w)?;
        let best = (0..w.len()).fold(0, |b, i| if w[i] > w[b] { i } else { b });
        qs.get(best)
            .cloned()
            .ok_or(Error::Empty("mean start of no points"))
    }

    /// Distances of pairs `(ps[i], qs[i])`, in parallel.
    fn dist_many(&self, ps: &[Self::Point], qs: &[Self::Point]) -> Result<Vec<f64>> {
        if ps.len() != qs.len() {
            return Err(Error::ShapeMismatch {
                context: "dist_many",
                expected: format!("{} points", ps.len()),
                got: format!("{} points", qs.len()),
            });
        }
        ps.par_iter()
            .zip(qs.par_iter())
            .map(|(p, q)| self.dist(p, q))
            .collect()
    }

    /// The point `exp_p(t log_p(q))` on the geodesic from `p` (t = 0) to
    /// `q` (t = 1); `t` outside `[0, 1]` extrapolates.
    fn geodesic(&self, p: &Self::Point, q: &Self::Point, t: f64) -> Result<Self::Point> {
        let mut v = self.log(p, q)?;
        v.scale(t);
        self.exp(p, &v)
    }
}

/// `Ok` when there are as many weights as points.
pub(crate) fn check_weights(n_points: usize, w: &[f64]) -> Result<()> {
    if w.len() == n_points {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            context: "weighted points",
            expected: format!("{n_points} weights"),
            got: format!("{}", w.len()),
        })
    }
}
