//! Continuous Sylvester and Lyapunov equations.
//!
//! The Sylvester equation `A X + X B = C` (`A` is `n x n`, `B` is `m x m`)
//! has a unique solution exactly when no eigenvalue of `A` is the negative
//! of an eigenvalue of `B`. The Lyapunov equation `A P + P A^T + Q = 0` is
//! the case `B = A^T`, `C = -Q`; for a stable `A` (every eigenvalue in the
//! open left half plane) its solution is the stationary covariance
//! `P = int_0^inf e^{As} Q e^{A^T s} ds` of the SDE `dx = A x dt + dbeta`
//! with diffusion `Q`, which is what state-space Gaussian processes need.
//!
//! Three solvers, picked by structure:
//! - symmetric coefficients: with `A = U diag(a) U^T` and `B = V diag(b) V^T`,
//!   `X = U [(U^T C V)_ij / (a_i + b_j)] V^T` (orthogonal transformations
//!   only, the symmetric special case of Bartels and Stewart, Comm. ACM 15(9),
//!   1972);
//! - small general coefficients (`n m <= 1024`): the vectorised system
//!   `(I_m (x) A + B^T (x) I_n) vec(X) = vec(C)` by LU with partial pivoting,
//!   `O((n m)^3)`;
//! - larger Lyapunov equations with stable `A`: the squared Smith iteration
//!   (Smith, SIAM J. Appl. Math. 16(1), 1968; Penzl, SIAM J. Sci. Comput.
//!   21(4), 2000) on the Cayley transform `A_d = (pI - A)^{-1} (pI + A)`, which
//!   turns the equation into the Stein equation `P = A_d P A_d^T + Q_d`, summed
//!   as `P = sum_k A_d^k Q_d (A_d^k)^T` with the number of terms doubling per
//!   step.
//!
//! faer exposes no real Schur form, so the general Bartels-Stewart algorithm
//! for large non-symmetric Sylvester equations is not offered; the residual of
//! every solve is checked.
use faer::prelude::Solve;
use faer::{Mat, MatRef};

use crate::matfun::{SymEigen, check_square};
use crate::{Error, Result};

/// Largest `n m` for which the general Sylvester solver forms the
/// vectorised `n m x n m` system.
pub const KRONECKER_SOLVE_MAX: usize = 1024;

fn frobenius(a: MatRef<'_, f64>) -> f64 {
    let mut s = 0.0;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            s += a[(i, j)] * a[(i, j)];
        }
    }
    s.sqrt()
}

fn is_symmetric(a: MatRef<'_, f64>) -> bool {
    let n = a.nrows();
    (0..n).all(|j| (0..j).all(|i| a[(i, j)] == a[(j, i)]))
}

fn check_rhs(c: MatRef<'_, f64>, n: usize, m: usize, context: &'static str) -> Result<()> {
    if c.nrows() != n || c.ncols() != m {
        return Err(Error::ShapeMismatch {
            context,
            expected: format!("{n}x{m}"),
            got: format!("{}x{}", c.nrows(), c.ncols()),
        });
    }
    if (0..m).any(|j| (0..n).any(|i| !c[(i, j)].is_finite())) {
        return Err(Error::NonFinite(context));
    }
    Ok(())
}

/// Relative residual `||A X + X B - C||_F / ((||A||_F + ||B||_F) ||X||_F + ||C||_F)`,
/// the backward error of a computed solution `X`.
pub fn sylvester_residual(
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    c: MatRef<'_, f64>,
    x: MatRef<'_, f64>,
) -> f64 {
    let r = a * x + x * b - c;
    let scale = (frobenius(a) + frobenius(b)) * frobenius(x) + frobenius(c);
    if scale == 0.0 {
        0.0
    } else {
        frobenius(r.as_ref()) / scale
    }
}

/// Rejects a solution that is not finite or whose backward error shows
/// that the equation is singular or nearly so.
fn accept(
    x: Mat<f64>,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    c: MatRef<'_, f64>,
    method: &'static str,
    iterations: usize,
) -> Result<Mat<f64>> {
    let residual = sylvester_residual(a, b, c, x.as_ref());
    // 1e-8 admits the roundoff of every method here on equations with a
    // unique solution, and flags (nearly) singular ones.
    if residual.is_finite() && residual <= 1e-8 {
        Ok(x)
    } else {
        Err(Error::NotConverged {
            method,
            iterations,
            residual,
        })
    }
}

/// Solves `A X + X B = C` for symmetric `A` and `B` through their
/// eigendecompositions.
///
/// Backward stable (orthogonal transformations only); the relative residual
/// is a small multiple of the unit roundoff times `||C|| / min |a_i + b_j|`.
///
/// # Errors
/// Those of [`SymEigen::new`] for `A` and `B`, [`Error::ShapeMismatch`] /
/// [`Error::NonFinite`] for `C`, and [`Error::NotConverged`] (with the
/// residual) if `a_i + b_j` vanishes, i.e. the equation is singular.
pub fn sylvester_symmetric(
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    c: MatRef<'_, f64>,
) -> Result<Mat<f64>> {
    let ea = SymEigen::new(a)?;
    let eb = SymEigen::new(b)?;
    let (n, m) = (ea.dim(), eb.dim());
    check_rhs(c, n, m, "symmetric Sylvester right-hand side")?;
    let (u, v) = (ea.eigenvectors(), eb.eigenvectors());
    let (la, lb) = (ea.eigenvalues(), eb.eigenvalues());
    let ct = u.transpose() * c * v;
    let y = Mat::from_fn(n, m, |i, j| ct[(i, j)] / (la[i] + lb[j]));
    let x = u * y * v.transpose();
    accept(x, a, b, c, "symmetric Sylvester solve", 1)
}

/// Solves `A X + X B = C` for general real `A` (`n x n`), `B` (`m x m`).
///
/// Symmetric `A` and `B` go to [`sylvester_symmetric`]; otherwise the
/// vectorised system is solved by LU when `n m <=` [`KRONECKER_SOLVE_MAX`].
/// The relative residual ([`sylvester_residual`]) of the result is at most
/// `1e-8`; on random well-separated problems it is below `1e-14`
/// (property test).
///
/// # Errors
/// [`Error::ShapeMismatch`], [`Error::Empty`], [`Error::NonFinite`] for bad
/// inputs; [`Error::InvalidArgument`] for non-symmetric problems with
/// `n m >` [`KRONECKER_SOLVE_MAX`]; [`Error::NotConverged`] with the
/// residual when the equation is singular or too ill-conditioned.
pub fn sylvester(a: MatRef<'_, f64>, b: MatRef<'_, f64>, c: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let n = check_square(a, "Sylvester coefficient A")?;
    let m = check_square(b, "Sylvester coefficient B")?;
    check_rhs(c, n, m, "Sylvester right-hand side")?;
    if is_symmetric(a) && is_symmetric(b) {
        return sylvester_symmetric(a, b, c);
    }
    if n * m > KRONECKER_SOLVE_MAX {
        return Err(Error::InvalidArgument(format!(
            "general Sylvester equation with n m = {} > {KRONECKER_SOLVE_MAX}: \
             only symmetric coefficients or stable Lyapunov equations are solved at this size",
            n * m
        )));
    }
    let x = kronecker_solve(a, b, c);
    accept(x, a, b, c, "vectorised Sylvester solve", 1)
}

/// Solves `(I_m (x) A + B^T (x) I_n) vec(X) = vec(C)`, column-major `vec`.
fn kronecker_solve(a: MatRef<'_, f64>, b: MatRef<'_, f64>, c: MatRef<'_, f64>) -> Mat<f64> {
    let (n, m) = (a.nrows(), b.nrows());
    let nm = n * m;
    // Row (i, j) of the system, column (k, l): A_ik d_jl + B_lj d_ik.
    let k = Mat::from_fn(nm, nm, |r, s| {
        let (i, j) = (r % n, r / n);
        let (kk, l) = (s % n, s / n);
        let mut v = 0.0;
        if j == l {
            v += a[(i, kk)];
        }
        if i == kk {
            v += b[(l, j)];
        }
        v
    });
    let rhs = Mat::from_fn(nm, 1, |r, _| c[(r % n, r / n)]);
    let sol = k.as_ref().partial_piv_lu().solve(rhs.as_ref());
    Mat::from_fn(n, m, |i, j| sol[(i + j * n, 0)])
}

/// Solves the continuous Lyapunov equation `A P + P A^T + Q = 0`.
///
/// Symmetric `A`: eigendecomposition ([`sylvester_symmetric`]); `n <= 32`:
/// the vectorised system; larger non-symmetric `A`: the squared Smith
/// iteration, which needs `A` stable. A symmetric `Q` gives a symmetric `P`
/// (symmetrised on return). Relative residual at most `1e-8`, typically
/// `1e-15`; the eigen and Smith solutions agree to `1e-11` on random
/// symmetric problems and the Smith and vectorised ones to `1e-12`
/// (tests), and the Matern-3/2 stationary covariance is reproduced to
/// `1e-14`.
///
/// # Errors
/// As [`sylvester`], and [`Error::NotConverged`] with the iteration count
/// and residual if the Smith iteration does not converge (unstable `A`).
pub fn lyapunov(a: MatRef<'_, f64>, q: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let n = check_square(a, "Lyapunov coefficient A")?;
    check_rhs(q, n, n, "Lyapunov right-hand side Q")?;
    let minus_q = -q.to_owned();
    let at = a.transpose();
    let p = if is_symmetric(a) {
        sylvester_symmetric(a, a, minus_q.as_ref())?
    } else if n * n <= KRONECKER_SOLVE_MAX {
        let x = kronecker_solve(a, at, minus_q.as_ref());
        accept(x, a, at, minus_q.as_ref(), "vectorised Lyapunov solve", 1)?
    } else {
        squared_smith(a, q)?
    };
    if is_symmetric(q) {
        Ok(Mat::from_fn(n, n, |i, j| 0.5 * (p[(i, j)] + p[(j, i)])))
    } else {
        Ok(p)
    }
}

/// Solves `A P + P A^T + Q = 0` for a stable `A` by the squared Smith
/// iteration on the Cayley transform (see the module docs).
///
/// The shift `p = ||A||_F / sqrt(n)` is the root mean square of the
/// eigenvalue moduli of a normal `A`, which keeps `|(p + l) / (p - l)|` away
/// from one for eigenvalues of typical size. Convergence is quadratic in the
/// number of steps once `rho(A_d)^{2^k}` is small; at most 64 steps.
///
/// # Errors
/// As [`lyapunov`]; [`Error::NotConverged`] if `A` is not stable or is too
/// close to unstable for the iteration to converge.
pub fn lyapunov_smith(a: MatRef<'_, f64>, q: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let n = check_square(a, "Lyapunov coefficient A")?;
    check_rhs(q, n, n, "Lyapunov right-hand side Q")?;
    squared_smith(a, q)
}

fn squared_smith(a: MatRef<'_, f64>, q: MatRef<'_, f64>) -> Result<Mat<f64>> {
    const METHOD: &str = "squared Smith iteration (Lyapunov)";
    const MAX_STEPS: usize = 64;
    let n = a.nrows();
    let p = frobenius(a) / (n as f64).sqrt();
    let p = if p > 0.0 { p } else { 1.0 };
    let shifted = Mat::from_fn(n, n, |i, j| if i == j { p } else { 0.0 } - a[(i, j)]);
    let lu = shifted.as_ref().partial_piv_lu();
    let plus = Mat::from_fn(n, n, |i, j| if i == j { p } else { 0.0 } + a[(i, j)]);
    let mut ad = lu.solve(plus.as_ref());
    // Q_d = 2p (pI - A)^{-1} Q (pI - A)^{-T}.
    let w = lu.solve(q);
    let mut x = lu.solve(w.transpose()).transpose() * faer::Scale(2.0 * p);
    let mut last = f64::INFINITY;
    for step in 1..=MAX_STEPS {
        let term = &ad * &x * ad.transpose();
        x += &term;
        ad = &ad * &ad;
        let size = frobenius(x.as_ref());
        let change = frobenius(term.as_ref());
        if !size.is_finite() || !change.is_finite() {
            return Err(Error::NotConverged {
                method: METHOD,
                iterations: step,
                residual: f64::INFINITY,
            });
        }
        last = if size > 0.0 { change / size } else { 0.0 };
        if last <= f64::EPSILON {
            let minus_q = -q.to_owned();
            return accept(x, a, a.transpose(), minus_q.as_ref(), METHOD, step);
        }
    }
    Err(Error::NotConverged {
        method: METHOD,
        iterations: MAX_STEPS,
        residual: last,
    })
}
