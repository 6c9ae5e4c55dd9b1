//! # sobolev-samplers
//!
//! ODE and SDE solvers, diffusion-model samplers, and MCMC/SMC with
//! diagnostics. Problems, solvers and step-size controllers are orthogonal;
//! MCMC kernels are explicit state plus a step function, with adaptation as
//! a separate layer.
#![forbid(unsafe_code)]

pub mod error;

pub use error::{Error, Result};
pub mod diagnostics;
pub mod mcmc;
pub mod posteriors;
pub mod smc;
