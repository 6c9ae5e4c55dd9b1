//! Stochastic and ordinary differential equations on Riemannian manifolds,
//! written once against the [`sobolev_manifolds::Manifold`] trait.
//!
//! An SDE on a manifold `M` is given by a drift, a tangent vector field
//! `b(t, x)` in `T_x M`, and a scalar noise scale `sigma(t)`; its
//! generator is `L f = <b, grad f> + sigma^2 / 2 Delta f`, with `Delta`
//! the Laplace-Beltrami operator. Standard Brownian motion is `b = 0`,
//! `sigma = 1` (generator `Delta / 2`, the probabilists' convention, so
//! that on `R^n` it is the usual Wiener process). Riemannian Langevin
//! dynamics `dX = grad log p(X) / 2 dt + dB` has generator
//! `(Delta f + <grad log p, grad f>) / 2` and leaves the density `p`
//! (with respect to the Riemannian volume) invariant.
//!
//! | module | what it holds |
//! |---|---|
//! | [`noise`] | isotropic Gaussian tangent vectors (orthonormal frames, native draws) |
//! | [`sde`] | the SDE trait, geodesic random walk, projected and exponential-map Euler-Maruyama, batches |
//! | [`processes`] | Brownian motion and Riemannian Langevin dynamics |
//! | [`ode`] | tangent vector fields and their integration through exp or a retraction (Euler, midpoint, Heun) |
//! | [`flow_matching`] | geodesic conditional paths, training pairs, the exact marginal field of a finite target set |
//!
//! No Python peer exists for these routines: geomstats samples
//! distributions on manifolds but has no SDE or ODE solvers, so the tests
//! check closed-form moments of the heat kernel and invariant laws instead.
//! References: Hsu, *Stochastic Analysis on Manifolds* (AMS 2002);
//! Jørgensen, *The central limit problem for geodesic random walks*
//! (Z. Wahrsch. 1975); De Bortoli et al., *Riemannian score-based
//! generative modelling* (NeurIPS 2022); Chen and Lipman, *Flow matching on
//! general geometries* (ICLR 2024).

pub mod flow_matching;
pub mod noise;
pub mod ode;
pub mod processes;
pub mod sde;

pub use flow_matching::{
    ConditionalSample, FiniteTargetField, GeodesicConditionalField, RadialVolume,
};
pub use noise::TangentNoise;
pub use ode::{ManifoldOdeMethod, ManifoldOdeSolution, StepMap, TangentField};
pub use processes::{BrownianMotion, RiemannianLangevin};
pub use sde::{RiemannianScheme, RiemannianSde};
