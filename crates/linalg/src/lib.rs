//! # sobolev-linalg
//!
//! Structured linear algebra that never forms the big matrix: Kronecker,
//! Toeplitz, circulant and low-rank operators implementing faer's
//! matrix-free traits, Krylov methods and stochastic estimators (Lanczos,
//! stochastic Lanczos quadrature, Hutchinson and Hutch++), and dense matrix
//! functions with their Frechet derivatives.
//!
//! Dense factorisations and the Krylov solvers themselves (CG, BiCGSTAB,
//! LSMR, Krylov-Schur) are faer's: every operator here implements
//! [`faer::matrix_free::LinOp`] (and [`faer::matrix_free::BiLinOp`] or
//! [`faer::matrix_free::Precond`] where they apply), so those solvers run on
//! it unchanged. This crate owns the structure on top.
//!
//! ## Contents
//!
//! Operators
//! - [`ops`]: diagonal operators, sums, scalings and transposes of operators;
//!   applying any operator to a matrix.
//! - [`kronecker`]: `A_1 (x) ... (x) A_d` by the vec trick, and Kronecker sums.
//! - [`kronecker_eigen`]: the eigendecomposition plan for
//!   `K_1 (x) ... (x) K_d + s^2 I`: solve, log-determinant, inverse square
//!   root, sampling.
//! - [`khatri_rao`]: column-wise Kronecker products.
//! - [`nearest_kronecker`]: Van Loan-Pitsianis nearest Kronecker product.
//! - [`toeplitz`]: Toeplitz and circulant operators by FFT, Levinson, PCG.
//! - [`bttb`]: block-Toeplitz with Toeplitz blocks, for 2-D grids.
//! - [`low_rank`]: `D + U C U^T` with Woodbury solve and determinant lemma.
//!
//! Iterative methods and estimators
//! - [`cg`]: (block) preconditioned conjugate gradients with warm starts, on
//!   top of faer's solver, with typed errors.
//! - [`recycling`]: deflated CG recycling a Ritz subspace across a sequence
//!   of SPD systems.
//! - [`precond`]: pivoted-Cholesky preconditioner for kernel matrices.
//! - [`lanczos`]: Lanczos tridiagonalisation with reorthogonalisation.
//! - [`slq`]: stochastic Lanczos quadrature for `log det A` and `tr f(A)`.
//! - [`trace`]: Hutchinson and Hutch++ trace and diagonal estimators.
//!
//! Dense matrix functions
//! - [`matfun`]: exp, log, square root, inverse square root and powers of
//!   symmetric matrices, with Daleckii-Krein Frechet derivatives.
//! - [`expm`]: the exponential of a general matrix and its Frechet derivative.
//! - [`van_loan`]: exact discretisation of linear time-invariant SDEs.
//! - [`sylvester`]: Sylvester and Lyapunov equations.
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

pub mod ops;

pub mod khatri_rao;
pub mod kronecker;
pub mod kronecker_eigen;
pub mod nearest_kronecker;

pub mod bttb;
pub mod toeplitz;

pub mod low_rank;

pub mod cg;
pub mod precond;
pub mod recycling;

pub mod lanczos;
pub mod slq;
pub mod trace;

mod check;

pub use error::{Error, Result};
