//! # sobolev-linalg
//!
//! Structured linear algebra that never forms the big matrix: Kronecker,
//! Toeplitz, circulant and low-rank operators implementing faer's
//! matrix-free traits, Krylov methods and stochastic estimators (Lanczos,
//! stochastic Lanczos quadrature, Hutchinson and Hutch++), and dense matrix
//! functions with their Frechet derivatives.
//!
//! Dense factorisations are faer's; this crate owns the structure on top.
#![forbid(unsafe_code)]

pub mod error;
pub mod expm;
pub mod matfun;
pub mod randomized;
pub mod sylvester;
pub mod van_loan;

pub use error::{Error, Result};
