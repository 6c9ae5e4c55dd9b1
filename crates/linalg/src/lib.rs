//! # sobolev-linalg
//!
//! Structured linear algebra that never forms the big matrix: Kronecker,
//! Toeplitz, circulant and low-rank operators implementing faer's
//! matrix-free traits, Krylov methods and stochastic estimators (Lanczos,
//! stochastic Lanczos quadrature, Hutchinson and Hutch++), and dense matrix
//! functions with their Frechet derivatives.
//!
//! Dense factorisations are faer's; this crate owns the structure on top.
//!
//! Dense matrix functions:
//! - [`matfun`]: exp, log, square root, inverse square root and powers of
//!   symmetric matrices, with Daleckii-Krein Frechet derivatives;
//! - [`expm`]: the exponential of a general matrix and its Frechet derivative;
//! - [`van_loan`]: exact discretisation of linear time-invariant SDEs;
//! - [`sylvester`]: Sylvester and Lyapunov equations;
//! - [`randomized`]: randomised SVD and symmetric (Nystrom) eigensolvers.
#![forbid(unsafe_code)]

/// The faer version this crate is built on, for callers that build its
/// matrices and operators.
pub use faer;

pub mod error;
pub mod expm;
pub mod matfun;
pub mod randomized;
pub mod sylvester;
pub mod van_loan;

pub use error::{Error, Result};
