//! # Sobolev
//!
//! Numerics for kernel methods, Gaussian processes, geometric machine
//! learning and stochastic sampling, written once and measured against the
//! best implementations in the field.
//!
//! This crate is a thin facade: it re-exports each sub-crate under a short
//! path, behind a default-on cargo feature of the same name, and carries the
//! book (the [`book`] module); [`prelude`] gathers the traits most programs
//! use. Depend on a sub-crate directly when you need only one part.
//!
//! | path | crate | what it owns |
//! |---|---|---|
//! | `sobolev::special` | `sobolev-special` | special functions in log space |
//! | `sobolev::linalg` | `sobolev-linalg` | structured operators, Krylov estimators, matrix functions |
//! | `sobolev::kernels` | `sobolev-kernels` | kernels, Gaussian processes, RKHS tools |
//! | `sobolev::manifolds` | `sobolev-manifolds` | Riemannian manifolds, statistics, optimisers |
//! | `sobolev::samplers` | `sobolev-samplers` | ODE/SDE solvers, diffusion samplers, MCMC/SMC |
//! | `sobolev::gpu` | `sobolev-gpu` | CUDA kernels through `cust` |
#![forbid(unsafe_code)]

#[cfg(feature = "special")]
pub use sobolev_special as special;

#[cfg(feature = "linalg")]
pub use sobolev_linalg as linalg;

#[cfg(feature = "kernels")]
pub use sobolev_kernels as kernels;

#[cfg(feature = "manifolds")]
pub use sobolev_manifolds as manifolds;

#[cfg(feature = "samplers")]
pub use sobolev_samplers as samplers;

#[cfg(feature = "gpu")]
pub use sobolev_gpu as gpu;

pub mod book;

/// The traits and types most programs use, one glob import away.
///
/// ```
/// use sobolev::prelude::*;
///
/// // A trait method (Manifold::dist) and a log-space special function.
/// let s2 = Sphere::new(3).unwrap();
/// let d = s2.dist(&vec![1.0, 0.0, 0.0], &vec![0.0, 1.0, 0.0]).unwrap();
/// assert!((d - std::f64::consts::FRAC_PI_2).abs() < 1e-15);
/// assert!(log_bessel_k(1e4, 1e3).is_finite());
/// ```
pub mod prelude {
    #[cfg(feature = "kernels")]
    pub use sobolev_kernels::{GaussianProcess, Kernel, Points};
    #[cfg(feature = "linalg")]
    pub use sobolev_linalg::faer::matrix_free::{BiLinOp, LinOp};
    #[cfg(feature = "manifolds")]
    pub use sobolev_manifolds::{Manifold, Mat, Sphere, Vector};
    #[cfg(feature = "samplers")]
    pub use sobolev_samplers::{diffusion::Denoiser, mcmc::Target, ode::VectorField, sde::Sde};
    #[cfg(feature = "special")]
    pub use sobolev_special::{ln_gamma, log_bessel_i, log_bessel_k, log_ndtr, logsumexp};
}
