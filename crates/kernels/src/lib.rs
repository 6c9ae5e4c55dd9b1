//! # sobolev-kernels
//!
//! Positive-definite kernels, matrix-free kernel operators with O(N) memory,
//! Gaussian processes (exact, Kronecker, state-space, sparse) and RKHS tools
//! (random features, MMD, kernel thinning, KDE, Stein discrepancies,
//! Bayesian quadrature).
//!
//! Special functions come from `sobolev-special`, structured solves from
//! `sobolev-linalg`.
#![forbid(unsafe_code)]

pub mod error;

pub use error::{Error, Result};
