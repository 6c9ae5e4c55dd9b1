//! # Sobolev
//!
//! Numerics for kernel methods, Gaussian processes, geometric machine
//! learning and stochastic sampling, written once and measured against the
//! best implementations in the field.
//!
//! This crate is a thin facade: it re-exports each sub-crate under a short
//! path, behind a default-on cargo feature of the same name, and carries the
//! book (the [`book`] module). Depend on a sub-crate directly when you need
//! only one part.
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
