//! Preconditioned conjugate gradients for symmetric positive definite
//! operators, with several right-hand sides at once and warm starts.
//!
//! The solver is faer's [`conjugate_gradient`]: for a block of `k`
//! right-hand sides it runs block CG (O'Leary 1980), whose search space
//! grows by `k` directions per iteration and whose `k x k` recurrences are
//! solved with a pivoted Cholesky factorisation, so several systems with the
//! same operator converge in fewer iterations than one at a time. This
//! module adds what a library caller needs around it: shape and finiteness
//! checks, a warm start from a previous solution, and typed errors carrying
//! the iteration count and residual. For a sequence of related systems
//! solved one after another, [`crate::recycling::RecyclingCg`] also carries
//! a deflation space from each solve to the next.
//!
//! References: D. P. O'Leary, "The block conjugate gradient algorithm and
//! related methods", Linear Algebra Appl. 29 (1980); Y. Saad, "Iterative
//! methods for sparse linear systems", 2nd ed., SIAM (2003), ch. 9.

use crate::check;
use crate::{Error, Result};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::matrix_free::conjugate_gradient::{
    CgError, CgParams, conjugate_gradient, conjugate_gradient_scratch,
};
use faer::matrix_free::{InitialGuessStatus, LinOp, Precond};
use faer::{Mat, MatRef, Par};

/// Stopping rule of [`solve`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CgOptions {
    /// Stop when `||b - A x|| <= rel_tolerance * ||b||` (Frobenius norms
    /// over all right-hand sides).
    pub rel_tolerance: f64,
    /// Or when `||b - A x|| <= abs_tolerance`.
    pub abs_tolerance: f64,
    /// Iteration limit; reaching it is an [`Error::NotConverged`].
    pub max_iters: usize,
}

impl Default for CgOptions {
    fn default() -> Self {
        Self {
            rel_tolerance: 1e-10,
            abs_tolerance: 0.0,
            max_iters: 1000,
        }
    }
}

/// What a converged solve reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CgReport {
    /// Iterations performed.
    pub iterations: usize,
    /// Final `||b - A x|| / ||b||`.
    pub rel_residual: f64,
    /// Final `||b - A x||`.
    pub abs_residual: f64,
}

/// Solves `A X = B` for symmetric positive definite `A` by (block)
/// preconditioned CG, starting from `initial` when given (a warm start, for
/// instance the solution of a nearby system).
///
/// `precond` applies an approximation of `A^{-1}`; pass
/// [`faer::matrix_free::IdentityPrecond`] for none.
///
/// # Errors
/// [`Error::ShapeMismatch`] if `A` is not square or the shapes of `precond`,
/// `rhs` or `initial` disagree with it; [`Error::NonFinite`] on NaN or
/// infinite inputs or iterates; [`Error::NotPositiveDefinite`] when CG meets
/// a direction of non-positive curvature; [`Error::NotConverged`] with the
/// iteration count and relative residual when `max_iters` is reached.
pub fn solve<A: LinOp<f64>, M: Precond<f64>>(
    a: &A,
    precond: &M,
    rhs: MatRef<'_, f64>,
    initial: Option<MatRef<'_, f64>>,
    options: &CgOptions,
) -> Result<(Mat<f64>, CgReport)> {
    let n = a.nrows();
    check::dim("cg::solve (operator columns)", n, a.ncols())?;
    check::dim("cg::solve (preconditioner rows)", n, precond.nrows())?;
    check::dim("cg::solve (preconditioner columns)", n, precond.ncols())?;
    check::dim("cg::solve (rows of rhs)", n, rhs.nrows())?;
    check::finite_mat(rhs, "cg::solve rhs")?;
    if options.rel_tolerance.is_nan()
        || options.abs_tolerance.is_nan()
        || options.rel_tolerance < 0.0
        || options.abs_tolerance < 0.0
    {
        return Err(Error::InvalidArgument(
            "cg::solve: tolerances must be non-negative".into(),
        ));
    }
    let mut x = Mat::<f64>::zeros(n, rhs.ncols());
    // faer 0.24's CG leaves the residual uninitialised when told the guess
    // is zero, so the guess is always declared possibly non-zero (one extra
    // matvec, `r = b - A 0 = b`).
    let initial_guess = InitialGuessStatus::MaybeNonZero;
    if let Some(x0) = initial {
        check::dim("cg::solve (rows of initial guess)", n, x0.nrows())?;
        check::dim(
            "cg::solve (columns of initial guess)",
            rhs.ncols(),
            x0.ncols(),
        )?;
        check::finite_mat(x0, "cg::solve initial guess")?;
        x.copy_from(x0);
    }
    let params = CgParams {
        initial_guess,
        abs_tolerance: options.abs_tolerance,
        rel_tolerance: options.rel_tolerance,
        max_iters: options.max_iters,
        ..Default::default()
    };
    let par = Par::rayon(0);
    let mut buf = MemBuffer::new(conjugate_gradient_scratch(precond, a, rhs.ncols(), par));
    let result = conjugate_gradient(
        x.as_mut(),
        precond,
        a,
        rhs,
        params,
        |_| {},
        par,
        MemStack::new(&mut buf),
    );
    match result {
        Ok(info) => {
            if !info.abs_residual.is_finite() {
                return Err(Error::NonFinite("cg::solve residual"));
            }
            Ok((
                x,
                CgReport {
                    iterations: info.iter_count,
                    rel_residual: info.rel_residual,
                    abs_residual: info.abs_residual,
                },
            ))
        }
        Err(CgError::NonPositiveDefiniteOperator) => Err(Error::NotPositiveDefinite(
            "cg::solve: the operator has a direction of non-positive curvature".into(),
        )),
        Err(CgError::NonPositiveDefinitePreconditioner) => Err(Error::NotPositiveDefinite(
            "cg::solve: the preconditioner is not positive definite".into(),
        )),
        Err(CgError::NoConvergence { rel_residual, .. }) => {
            if rel_residual.is_finite() {
                Err(Error::NotConverged {
                    method: "conjugate gradient",
                    iterations: options.max_iters,
                    residual: rel_residual,
                })
            } else {
                Err(Error::NonFinite("cg::solve residual"))
            }
        }
    }
}
