//! Riemannian flow matching with geodesic conditional paths (Chen and
//! Lipman, *Flow matching on general geometries*, ICLR 2024).
//!
//! For a pair `(x0, x1)` the conditional path is the geodesic
//! `x_t = exp_{x0}(t log_{x0} x1)`, `t in [0, 1)`, and its velocity, the
//! regression target of a model `v_theta(t, x)`, is
//! `u_t(x_t | x1) = log_{x_t}(x1) / (1 - t)` (the unit-speed-in-`t`
//! tangent of the remaining geodesic, the premetric `d_g` case of the
//! paper with scheduler `kappa(t) = 1 - t`). [`geodesic_conditional`]
//! forms one training pair, [`conditional_batch`] many with `t ~ U[0, 1)`
//! drawn per pair from [`crate::sde::path_seed`]. A trained field is then
//! integrated from base samples with [`super::ode`].
//!
//! For a finite target set `{x1_j}` with weights `w_j` and a base density
//! `p0`, the marginal field `u_t(x) = sum_j w_j p_t(x|x1_j) u_t(x|x1_j) /
//! sum_j w_j p_t(x|x1_j)` is available in closed form on spaces whose
//! volume density in normal coordinates is radial ([`RadialVolume`]:
//! constant curvature). The conditional flow is the contraction
//! `x0 -> exp_{x1}((1 - t) log_{x1} x0)` towards `x1`, so with
//! `r = d(x, x1)`, `J(r)` the volume density of `exp_{x1}` at radius `r`
//! and `x0 = exp_{x1}(log_{x1}(x) / (1 - t))`,
//! `p_t(x | x1) = p0(x0) J(r / (1 - t)) / ((1 - t)^d J(r))`, and zero when
//! `r / (1 - t)` reaches the injectivity radius (the part of `M` the
//! contraction does not cover). [`FiniteTargetField`] evaluates this
//! marginal field; the tests transport base samples to the targets with it.
//!
//! Measured accuracy: the conditional path lies on the geodesic with
//! `d(x0, x_t) = t d(x0, x1)` to 1e-12 and its velocity matches a central
//! difference of the path to 1e-5 (the difference's own error); integrated
//! with exp-based Euler or midpoint steps from `x0`, the conditional field
//! lands on `x1` to 1e-12 on `S^2` and 1e-9 on `H^3` (each exp step lands on
//! the geodesic). With 3000 uniform samples on `S^2` and three targets of
//! weights (0.5, 0.3, 0.2), 200 midpoint steps of the exact marginal field
//! end every sample within 0.01 of a target, with target fractions within
//! five multinomial standard errors of the weights.

use super::ode::TangentField;
use crate::sde::path_seed;
use crate::{Error, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use sobolev_manifolds::{Euclidean, Lorentz, Manifold, PoincareBall, Sphere, Vector};

/// One flow-matching training pair: time, point on the conditional path,
/// and the target velocity there.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionalSample<P, V> {
    /// The time `t in [0, 1)`.
    pub t: f64,
    /// `x_t = exp_{x0}(t log_{x0} x1)`.
    pub x_t: P,
    /// `u_t = log_{x_t}(x1) / (1 - t)`, in `T_{x_t} M`.
    pub velocity: V,
}

fn check_time(t: f64) -> Result<()> {
    if (0.0..1.0).contains(&t) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "conditional flow-matching time must lie in [0, 1), got {t}"
        )))
    }
}

/// The point `x_t` of the geodesic from `x0` to `x1` and the conditional
/// target velocity `log_{x_t}(x1) / (1 - t)` there.
///
/// # Errors
/// [`Error::InvalidArgument`] for `t` outside `[0, 1)`, and the manifold's
/// errors (shapes, `log` outside its domain).
pub fn geodesic_conditional<M: Manifold>(
    manifold: &M,
    x0: &M::Point,
    x1: &M::Point,
    t: f64,
) -> Result<ConditionalSample<M::Point, M::Tangent>> {
    check_time(t)?;
    let x_t = manifold.geodesic(x0, x1, t)?;
    let mut velocity = manifold.log(&x_t, x1)?;
    velocity.scale(1.0 / (1.0 - t));
    if !(x_t.is_finite() && velocity.is_finite()) {
        return Err(Error::NonFiniteAt {
            what: "conditional path",
            t,
        });
    }
    Ok(ConditionalSample { t, x_t, velocity })
}

/// Training pairs for the couples `(x0s[i], x1s[i])`, each at its own time
/// `t_i ~ U[0, 1)` drawn from [`path_seed`]`(seed, i)`; computed in
/// parallel, independent of the thread count.
///
/// # Errors
/// [`Error::ShapeMismatch`] when the two lists differ in length, and those
/// of [`geodesic_conditional`].
pub fn conditional_batch<M: Manifold>(
    manifold: &M,
    x0s: &[M::Point],
    x1s: &[M::Point],
    seed: u64,
) -> Result<Vec<ConditionalSample<M::Point, M::Tangent>>> {
    if x0s.len() != x1s.len() {
        return Err(Error::ShapeMismatch {
            context: "conditional_batch",
            expected: format!("{} end points", x0s.len()),
            got: format!("{}", x1s.len()),
        });
    }
    let out: Vec<Result<_>> = x0s
        .par_iter()
        .zip(x1s.par_iter())
        .enumerate()
        .map(|(i, (x0, x1))| {
            let mut rng = ChaCha8Rng::seed_from_u64(path_seed(seed, i as u64));
            let t: f64 = rng.random::<f64>();
            geodesic_conditional(manifold, x0, x1, t)
        })
        .collect();
    out.into_iter().collect()
}

/// The conditional field `u_t(x | x1) = log_x(x1) / (1 - t)` of one
/// target, defined for `t in [0, 1)`.
#[derive(Debug, Clone, PartialEq)]
pub struct GeodesicConditionalField<P> {
    target: P,
}

impl<P> GeodesicConditionalField<P> {
    /// The conditional field towards `target`.
    pub fn new(target: P) -> Self {
        Self { target }
    }
}

impl<M: Manifold> TangentField<M> for GeodesicConditionalField<M::Point> {
    /// # Errors
    /// [`Error::InvalidArgument`] for `t` outside `[0, 1)`.
    fn eval(&self, manifold: &M, t: f64, x: &M::Point) -> Result<M::Tangent> {
        check_time(t)?;
        let mut v = manifold.log(x, &self.target)?;
        v.scale(1.0 / (1.0 - t));
        Ok(v)
    }
}

/// Manifolds whose Riemannian volume in normal coordinates depends only
/// on the radius: `dvol = J(|v|) dv` under `exp_p`, for every `p`.
pub trait RadialVolume: Manifold {
    /// `ln J(r)` for `0 <= r` below the injectivity radius (`ln J(0) = 0`).
    fn log_radial_volume(&self, r: f64) -> f64;
    /// The injectivity radius (`f64::INFINITY` for Hadamard manifolds).
    fn injectivity_radius(&self) -> f64;
}

/// `ln(sinh(x) / x)` for `x >= 0`, without overflow for large `x`.
fn ln_sinhc(x: f64) -> f64 {
    if x < 1e-4 {
        x * x / 6.0
    } else if x < 20.0 {
        (x.sinh() / x).ln()
    } else {
        x - std::f64::consts::LN_2 - x.ln() + (-(-2.0 * x).exp()).ln_1p()
    }
}

/// `ln(sin(x) / x)` for `0 <= x < pi`.
fn ln_sinc(x: f64) -> f64 {
    if x < 1e-4 {
        -x * x / 6.0
    } else {
        (x.sin() / x).ln()
    }
}

impl RadialVolume for Sphere {
    /// `(d - 1) ln(sin r / r)`.
    fn log_radial_volume(&self, r: f64) -> f64 {
        (self.dim() as f64 - 1.0) * ln_sinc(r)
    }
    fn injectivity_radius(&self) -> f64 {
        std::f64::consts::PI
    }
}

impl RadialVolume for Euclidean {
    /// `0`: `exp` is a translation.
    fn log_radial_volume(&self, _r: f64) -> f64 {
        0.0
    }
    fn injectivity_radius(&self) -> f64 {
        f64::INFINITY
    }
}

impl RadialVolume for Lorentz {
    /// `(d - 1) ln(sinh(sqrt(c) r) / (sqrt(c) r))`.
    fn log_radial_volume(&self, r: f64) -> f64 {
        (self.dim() as f64 - 1.0) * ln_sinhc(self.curvature().sqrt() * r)
    }
    fn injectivity_radius(&self) -> f64 {
        f64::INFINITY
    }
}

impl RadialVolume for PoincareBall {
    /// `(d - 1) ln(sinh(sqrt(c) r) / (sqrt(c) r))`.
    fn log_radial_volume(&self, r: f64) -> f64 {
        (self.dim() as f64 - 1.0) * ln_sinhc(self.curvature().sqrt() * r)
    }
    fn injectivity_radius(&self) -> f64 {
        f64::INFINITY
    }
}

/// The exact marginal flow-matching field of a finite weighted target set
/// under geodesic conditional paths from a base density `p0` (given by
/// its log, up to a constant); see the module docs.
#[derive(Debug, Clone)]
pub struct FiniteTargetField<P, B> {
    targets: Vec<P>,
    log_weights: Vec<f64>,
    base_log_density: B,
}

impl<P: Vector, B> FiniteTargetField<P, B> {
    /// The marginal field for `targets` with positive `weights`
    /// (normalised here) and base log-density `base_log_density`.
    ///
    /// # Errors
    /// [`Error::Empty`] for no targets, [`Error::ShapeMismatch`] when the
    /// weights do not match the targets, [`Error::InvalidArgument`] for a
    /// weight that is not finite and positive, [`Error::NonFinite`] for a
    /// non-finite target.
    pub fn new(targets: Vec<P>, weights: &[f64], base_log_density: B) -> Result<Self> {
        if targets.is_empty() {
            return Err(Error::Empty("finite target set"));
        }
        if weights.len() != targets.len() {
            return Err(Error::ShapeMismatch {
                context: "FiniteTargetField::new",
                expected: format!("{} weights", targets.len()),
                got: format!("{}", weights.len()),
            });
        }
        if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w > 0.0)) {
            return Err(Error::InvalidArgument(format!(
                "target weights must be finite and > 0, got {w}"
            )));
        }
        if targets.iter().any(|x| !x.is_finite()) {
            return Err(Error::NonFinite("target point"));
        }
        let total: f64 = weights.iter().sum();
        Ok(Self {
            targets,
            log_weights: weights.iter().map(|w| (w / total).ln()).collect(),
            base_log_density,
        })
    }

    /// The targets.
    pub fn targets(&self) -> &[P] {
        &self.targets
    }
}

impl<P: Vector, B: Fn(&P) -> f64 + Sync> FiniteTargetField<P, B> {
    /// The posterior weights `P(x1 = x1_j | x_t = x)` of the targets, which
    /// sum to one.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for `t` outside `[0, 1)` or a point that
    /// no conditional path reaches at time `t`, and the manifold's errors.
    pub fn posterior<M: RadialVolume<Point = P>>(
        &self,
        manifold: &M,
        t: f64,
        x: &P,
    ) -> Result<Vec<f64>> {
        check_time(t)?;
        let s = 1.0 - t;
        let inj = manifold.injectivity_radius();
        let mut logw = Vec::with_capacity(self.targets.len());
        for (x1, lw) in self.targets.iter().zip(&self.log_weights) {
            let r = manifold.dist(x, x1)?;
            let r0 = r / s;
            if r0.is_nan() || r0 >= inj {
                logw.push(f64::NEG_INFINITY);
                continue;
            }
            let mut v = manifold.log(x1, x)?;
            v.scale(1.0 / s);
            let x0 = manifold.exp(x1, &v)?;
            // The common factor (1 - t)^-d cancels in the normalisation.
            logw.push(
                lw + (self.base_log_density)(&x0) + manifold.log_radial_volume(r0)
                    - manifold.log_radial_volume(r),
            );
        }
        let top = logw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !top.is_finite() {
            return Err(Error::InvalidArgument(format!(
                "no conditional path reaches this point at t = {t}"
            )));
        }
        let mut w: Vec<f64> = logw.iter().map(|l| (l - top).exp()).collect();
        let z: f64 = w.iter().sum();
        w.iter_mut().for_each(|w| *w /= z);
        Ok(w)
    }
}

impl<M, B> TangentField<M> for FiniteTargetField<M::Point, B>
where
    M: RadialVolume,
    B: Fn(&M::Point) -> f64 + Sync,
{
    /// # Errors
    /// Those of [`FiniteTargetField::posterior`].
    fn eval(&self, manifold: &M, t: f64, x: &M::Point) -> Result<M::Tangent> {
        let w = self.posterior(manifold, t, x)?;
        let mut u = manifold.zero_tangent(x);
        for (x1, wj) in self.targets.iter().zip(&w) {
            if *wj > 0.0 {
                let v = manifold.log(x, x1)?;
                u.axpy(wj / (1.0 - t), &v)?;
            }
        }
        Ok(u)
    }
}
