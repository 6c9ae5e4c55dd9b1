//! # sobolev-samplers
//!
//! ODE and SDE solvers, diffusion-model samplers, and MCMC/SMC with
//! diagnostics. Problems, solvers and step-size controllers are orthogonal;
//! MCMC kernels are explicit state plus a step function, with adaptation as
//! a separate layer.
//!
//! | module | what it holds |
//! |---|---|
//! | [`ode`] | vector fields, Runge-Kutta tableaux, fixed/adaptive integration, dense output, events, batches |
//! | [`controller`] | the PI step-size controller and error norms |
//! | [`brownian`] | seeded Brownian paths queryable at any time (virtual Brownian tree), with space-time Levy area |
//! | [`sde`] | SDEs and Euler-Maruyama, Milstein, stochastic Heun, SRA1; fixed and adaptive steps; batches of paths |
//! | [`diffusion`] | noise schedules, model parameterisations, diffusion samplers (k-diffusion's, UniPC, DEIS), mean-reverting diffusion and the MR Sampler, Feynman-Kac reweighting |
//! | [`targets`] | Gaussian mixtures with closed-form noisy scores and denoisers |
//! | [`likelihood`] | probability-flow ODE log-likelihoods (exact trace or Hutchinson) |
//! | [`mcmc`] | targets, bijections, RWM/MALA/HMC/NUTS/ULA/SGLD kernels, adaptation, parallel chains |
//! | [`diagnostics`] | rank-normalised R-hat, bulk/tail ESS, MCSE, BFMI |
//! | [`smc`] | tempered SMC and annealed importance sampling with log-evidence |
//! | [`posteriors`] | a posterior test suite with known answers |
//! | [`riemannian`] | SDEs and ODEs on manifolds: Brownian motion, Langevin, geodesic flow matching |
#![forbid(unsafe_code)]

pub mod brownian;
pub mod controller;
pub mod diagnostics;
pub mod diffusion;
pub mod error;
pub mod likelihood;
pub mod mcmc;
pub mod ode;
pub mod posteriors;
pub mod riemannian;
pub mod sde;
pub mod smc;
pub mod targets;

pub use error::{Error, Result};
