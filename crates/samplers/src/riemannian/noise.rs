//! Isotropic Gaussian tangent vectors: `xi ~ N(0, I)` in `T_x M` with
//! respect to the Riemannian metric, the increment of Brownian motion.
//!
//! Given any orthonormal basis `e_1..e_d` of `T_x M` and independent
//! standard normals `z_i`, `xi = sum_i z_i e_i` has covariance the identity
//! in the metric, whatever the basis (it may even be random, as long as it
//! is independent of the `z_i`). The draw used by the schemes never forms
//! the basis: with `d` draws `W = (w_1..w_d)` of [`Manifold::random_tangent`]
//! (which span `T_x M` almost surely), their Gram matrix `G = L L^T` in the
//! metric and `z ~ N(0, I_d)`, `W L^{-T} z` has covariance `W G^{-1} W^*`,
//! the metric projector onto `T_x M`: isotropic, for `d (d + 1) / 2` inner
//! products. [`orthonormal_frame`] builds an explicit basis
//! for any manifold from `d` draws of [`Manifold::random_tangent`] by
//! modified Gram-Schmidt in the metric `<., .>_x`, orthogonalising twice
//! ("twice is enough", Giraud et al., Numer. Math. 2005) and redrawing a
//! vector that collapses. This costs `d` draws and about `2 d^2` inner
//! products per call, and is exact for every metric.
//!
//! The cheaper alternative is the manifold's own draw
//! ([`Manifold::random_tangent`]). For a submanifold embedded with the
//! induced metric (sphere, Stiefel, Grassmann, rotations) that draw is the
//! ambient `N(0, I)` projected orthogonally onto `T_x M`, and the
//! orthogonal projection of an isotropic Gaussian onto a subspace is the
//! isotropic Gaussian of the subspace: exactly what Brownian motion needs.
//! Other implementations state their covariance: `Spd<AffineInvariant>`
//! with the default `(alpha, beta) = (1, 0)` and the Poincare ball draw
//! the isotropic Gaussian of their metric; the Lorentz hyperboloid draws the
//! Minkowski projection of a Euclidean Gaussian, which is isotropic only at
//! the origin; the weighted affine-invariant metrics are not isotropic. Use
//! [`TangentNoise::OrthonormalFrame`] wherever the native draw is not
//! isotropic.

use crate::{Error, Result};
use faer::linalg::triangular_solve::solve_upper_triangular_in_place;
use faer::{Mat, Par, Side};
use rand::Rng;
use rand_distr::StandardNormal;
use sobolev_manifolds::{Manifold, Vector};

/// How the Gaussian tangent increments are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TangentNoise {
    /// Standard normal coordinates in an orthonormal frame built by
    /// Gram-Schmidt in the metric: isotropic for every manifold.
    OrthonormalFrame,
    /// The manifold's [`Manifold::random_tangent`]: for embedded manifolds
    /// the ambient Gaussian projected onto the tangent space; isotropic
    /// only where the implementation says so (see the module docs).
    Native,
}

/// Attempts at drawing a vector that survives orthogonalisation before
/// giving up (a collapse needs a draw nearly inside the span of the
/// previous ones, which has probability zero for a full-rank draw).
const MAX_REDRAWS: usize = 16;

/// Relative norm below which an orthogonalised vector counts as collapsed.
const COLLAPSE: f64 = 1e-8;

/// An orthonormal basis of `T_x M` (with respect to `<., .>_x`) of
/// `manifold.dim()` vectors, built from random draws.
///
/// # Errors
/// [`Error::NotConverged`] when a vector keeps collapsing (a
/// `random_tangent` that does not span the tangent space), and the
/// manifold's errors.
pub fn orthonormal_frame<M: Manifold, R: Rng + ?Sized>(
    manifold: &M,
    x: &M::Point,
    rng: &mut R,
) -> Result<Vec<M::Tangent>> {
    let d = manifold.dim();
    let mut frame: Vec<M::Tangent> = Vec::with_capacity(d);
    while frame.len() < d {
        let mut attempts = 0;
        let e = loop {
            let mut v = manifold.random_tangent(x, rng)?;
            let n0 = manifold.norm(x, &v)?;
            for _ in 0..2 {
                for e in &frame {
                    let c = manifold.inner(x, e, &v)?;
                    v.axpy(-c, e)?;
                }
            }
            let n1 = manifold.norm(x, &v)?;
            if n1 > COLLAPSE * n0 && n1.is_finite() {
                v.scale(1.0 / n1);
                break v;
            }
            attempts += 1;
            if attempts >= MAX_REDRAWS {
                return Err(Error::NotConverged {
                    method: "orthonormal tangent frame",
                    iterations: attempts,
                    residual: n1 / n0,
                });
            }
        };
        frame.push(e);
    }
    Ok(frame)
}

/// An isotropic standard Gaussian tangent vector at `x` drawn as
/// `noise` says.
///
/// # Errors
/// Those of [`orthonormal_frame`] and of the manifold.
pub fn gaussian_tangent<M: Manifold, R: Rng + ?Sized>(
    manifold: &M,
    x: &M::Point,
    noise: TangentNoise,
    rng: &mut R,
) -> Result<M::Tangent> {
    match noise {
        TangentNoise::Native => Ok(manifold.random_tangent(x, rng)?),
        TangentNoise::OrthonormalFrame => {
            if let Some(v) = gram_gaussian(manifold, x, rng)? {
                return Ok(v);
            }
            let frame = orthonormal_frame(manifold, x, rng)?;
            let mut v = manifold.zero_tangent(x);
            for e in &frame {
                let z: f64 = rng.sample(StandardNormal);
                v.axpy(z, e)?;
            }
            Ok(v)
        }
    }
}

/// `W L^{-T} z` for `d` draws `W = (w_1..w_d)`, their Gram matrix
/// `G = W^* W = L L^T` in the metric and `z ~ N(0, I_d)`: the covariance is
/// `W G^{-1} W^*`, the metric projector onto `span W = T_x M`, so the
/// result is isotropic without forming the frame (`d (d + 1) / 2` inner
/// products instead of about `2 d^2`). `None` when the Gram matrix is not
/// numerically positive definite, and the caller falls back to
/// Gram-Schmidt with redraws.
fn gram_gaussian<M: Manifold, R: Rng + ?Sized>(
    manifold: &M,
    x: &M::Point,
    rng: &mut R,
) -> Result<Option<M::Tangent>> {
    let d = manifold.dim();
    let draws = (0..d)
        .map(|_| manifold.random_tangent(x, rng))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut g = Mat::<f64>::zeros(d, d);
    for i in 0..d {
        for j in 0..=i {
            let gij = manifold.inner(x, &draws[i], &draws[j])?;
            g[(i, j)] = gij;
            g[(j, i)] = gij;
        }
    }
    let Ok(llt) = g.llt(Side::Lower) else {
        return Ok(None);
    };
    let l = llt.L();
    // Reject a nearly singular Gram matrix: its solve would amplify rounding.
    let diag: Vec<f64> = (0..d).map(|i| l[(i, i)]).collect();
    let (lo, hi) = diag.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(*v), hi.max(*v))
    });
    if lo.is_nan() || lo <= COLLAPSE * hi {
        return Ok(None);
    }
    let mut c = Mat::<f64>::from_fn(d, 1, |_, _| rng.sample(StandardNormal));
    solve_upper_triangular_in_place(l.transpose(), c.as_mut(), Par::Seq);
    let mut v = manifold.zero_tangent(x);
    for (j, w) in draws.iter().enumerate() {
        v.axpy(c[(j, 0)], w)?;
    }
    Ok(Some(v))
}
