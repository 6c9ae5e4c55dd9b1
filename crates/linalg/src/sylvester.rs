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
//! Solvers, picked by structure:
//! - symmetric coefficients: with `A = U diag(a) U^T` and `B = V diag(b) V^T`,
//!   `X = U [(U^T C V)_ij / (a_i + b_j)] V^T` (orthogonal transformations
//!   only, the symmetric special case of Bartels and Stewart, Comm. ACM 15(9),
//!   1972);
//! - general coefficients: the Bartels-Stewart algorithm, real Schur forms
//!   `A = U S U^T`, `B = V T V^T` and a block back substitution for
//!   `S Y + Y T = U^T C V` over the 1 x 1 and 2 x 2 diagonal blocks,
//!   `O(n^3 + m^3)`; a Lyapunov equation needs the Schur form of `A` only;
//! - for checks: the vectorised system `(I_m (x) A + B^T (x) I_n) vec(X) =
//!   vec(C)` by LU (`n m <= 1024`), and, for stable Lyapunov equations, the
//!   squared Smith iteration (Smith, SIAM J. Appl. Math. 16(1), 1968; Penzl,
//!   SIAM J. Sci. Comput. 21(4), 2000) on the Cayley transform
//!   `A_d = (pI - A)^{-1} (pI + A)`, which turns the equation into the Stein
//!   equation `P = A_d P A_d^T + Q_d`.
//!
//! faer 0.24 keeps its real Schur form private, so the Schur forms come from
//! nalgebra's Francis double-shift QR. The residual of every solve is
//! checked.
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
/// Symmetric `A` and `B` go to [`sylvester_symmetric`]; any other pair to
/// the Bartels-Stewart algorithm ([`sylvester_schur`]), `O(n^3 + m^3)`.
/// The relative residual ([`sylvester_residual`]) of the result is at most
/// `1e-8`; on random problems it is below `1e-14` (property tests).
///
/// # Errors
/// [`Error::ShapeMismatch`], [`Error::Empty`], [`Error::NonFinite`] for bad
/// inputs; [`Error::NotConverged`] with the residual when the equation is
/// singular or nearly so, or if a Schur form does not converge.
pub fn sylvester(a: MatRef<'_, f64>, b: MatRef<'_, f64>, c: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let n = check_square(a, "Sylvester coefficient A")?;
    let m = check_square(b, "Sylvester coefficient B")?;
    check_rhs(c, n, m, "Sylvester right-hand side")?;
    check_finite(a, "Sylvester coefficient A")?;
    check_finite(b, "Sylvester coefficient B")?;
    if is_symmetric(a) && is_symmetric(b) {
        return sylvester_symmetric(a, b, c);
    }
    match sylvester_schur(a, b, c) {
        // A Schur form that did not converge (see `sylvester_schur`) falls
        // back to the vectorised system where that is affordable.
        Err(Error::NotConverged { method, .. })
            if method == SCHUR_METHOD && n * m <= KRONECKER_SOLVE_MAX =>
        {
            let x = kronecker_solve(a, b, c);
            accept(x, a, b, c, "vectorised Sylvester solve", 1)
        }
        other => other,
    }
}

/// Solves `A X + X B = C` by the Bartels-Stewart algorithm, for any real
/// `A` (`n x n`) and `B` (`m x m`).
///
/// With real Schur forms `A = U S U^T` and `B = V T V^T` (`S`, `T` upper
/// quasi-triangular, 2 x 2 diagonal blocks for complex-conjugate eigenvalue
/// pairs), the equation becomes `S Y + Y T = U^T C V` with `X = U Y V^T`.
/// `Y` is found one block at a time, block columns left to right and, in
/// each, block rows bottom to top; each block solves a Sylvester equation of
/// order at most 4 by Gaussian elimination with complete pivoting (Bartels
/// and Stewart, Comm. ACM 15(9), 1972; Golub and Van Loan, Matrix
/// Computations, 4th ed., Sec. 7.6.3). The Schur forms come from nalgebra's
/// Francis double-shift QR; everything else is `O(n m (n + m))`.
///
/// nalgebra's Francis iteration has no exceptional shifts and can stall on
/// highly structured matrices (seen on a stable `150 x 150` matrix with
/// period-101 entries); the Schur form is then reported as
/// [`Error::NotConverged`], and [`sylvester`] falls back to the vectorised
/// system when `n m <=` [`KRONECKER_SOLVE_MAX`], [`lyapunov`] to the Smith
/// iteration when `A` is stable.
///
/// Backward stable in the sense that the relative residual
/// ([`sylvester_residual`]) is a modest multiple of the unit roundoff: below
/// `1e-14` on random problems with `n, m <= 40` (property tests), and the
/// solutions agree with SciPy's `solve_sylvester` (LAPACK `trsyl`) to
/// `2.3e-14` relative on the committed fixtures (`n, m` from 5 to 40). A pivot of a block system
/// below `eps (max|S| + max|T|)` means that an eigenvalue of `A` is (nearly)
/// the negative of one of `B`: it is perturbed to that size, as LAPACK does,
/// and the result is reported as [`Error::NotConverged`] with its residual.
///
/// # Errors
/// [`Error::ShapeMismatch`], [`Error::Empty`], [`Error::NonFinite`] for bad
/// inputs; [`Error::NotConverged`] for (nearly) singular equations and if a
/// Schur form does not converge.
pub fn sylvester_schur(
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    c: MatRef<'_, f64>,
) -> Result<Mat<f64>> {
    let n = check_square(a, "Sylvester coefficient A")?;
    let m = check_square(b, "Sylvester coefficient B")?;
    check_rhs(c, n, m, "Sylvester right-hand side")?;
    check_finite(a, "Sylvester coefficient A")?;
    check_finite(b, "Sylvester coefficient B")?;
    let sa = RealSchur::new(a)?;
    let sb = RealSchur::new(b)?;
    schur_solve(&sa, &sb, a, b, c)
}

/// `U^T C V`, the quasi-triangular solve, and `U Y V^T`, with the residual
/// check.
fn schur_solve(
    sa: &RealSchur,
    sb: &RealSchur,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    c: MatRef<'_, f64>,
) -> Result<Mat<f64>> {
    const METHOD: &str = "Bartels-Stewart Sylvester solve";
    let mut y = sa.q.transpose() * c * &sb.q;
    let perturbed = quasi_triangular_sylvester(sa.t.as_ref(), sb.t.as_ref(), y.as_mut());
    let x = &sa.q * &y * sb.q.transpose();
    if perturbed {
        let residual = sylvester_residual(a, b, c, x.as_ref());
        return Err(Error::NotConverged {
            method: METHOD,
            iterations: 1,
            residual,
        });
    }
    accept(x, a, b, c, METHOD, 1)
}

fn check_finite(a: MatRef<'_, f64>, context: &'static str) -> Result<()> {
    if (0..a.ncols()).any(|j| (0..a.nrows()).any(|i| !a[(i, j)].is_finite())) {
        return Err(Error::NonFinite(context));
    }
    Ok(())
}

/// The method named when a real Schur form does not converge.
const SCHUR_METHOD: &str = "real Schur form (Francis double-shift QR)";

/// A real Schur form `A = Q T Q^T`: `Q` orthogonal, `T` upper
/// quasi-triangular with 1 x 1 and 2 x 2 diagonal blocks.
struct RealSchur {
    q: Mat<f64>,
    t: Mat<f64>,
}

impl RealSchur {
    fn new(a: MatRef<'_, f64>) -> Result<Self> {
        const METHOD: &str = SCHUR_METHOD;
        let n = a.nrows();
        let dense = nalgebra::DMatrix::from_fn(n, n, |i, j| a[(i, j)]);
        // LAPACK allows 30 double-shift sweeps per eigenvalue.
        let max_sweeps = 30 * n.max(1);
        let not_converged = Error::NotConverged {
            method: METHOD,
            iterations: max_sweeps,
            residual: f64::INFINITY,
        };
        let Some(schur) = nalgebra::linalg::Schur::try_new(dense, f64::EPSILON, max_sweeps) else {
            return Err(not_converged);
        };
        let (q, t) = schur.unpack();
        let q = Mat::from_fn(n, n, |i, j| q[(i, j)]);
        let t = Mat::from_fn(n, n, |i, j| if i > j + 1 { 0.0 } else { t[(i, j)] });
        // Two consecutive non-zero subdiagonal entries would be a block of
        // order 3, i.e. an unconverged form.
        let bad =
            (0..n.saturating_sub(2)).any(|i| t[(i + 1, i)] != 0.0 && t[(i + 2, i + 1)] != 0.0);
        if bad || t.as_ref().has_nan() || q.as_ref().has_nan() {
            return Err(not_converged);
        }
        Ok(Self { q, t })
    }

    /// The form of `A^T` from that of `A`: with `J` the reversal
    /// permutation, `A^T = (Q J) (J T^T J) (Q J)^T` and `J T^T J` is again
    /// upper quasi-triangular.
    fn transposed(&self) -> Self {
        let n = self.t.nrows();
        let r = |i: usize| n - 1 - i;
        Self {
            q: Mat::from_fn(n, n, |i, j| self.q[(i, r(j))]),
            t: Mat::from_fn(n, n, |i, j| self.t[(r(j), r(i))]),
        }
    }
}

/// The diagonal blocks `(start, size)` of a quasi-triangular matrix.
fn diagonal_blocks(t: MatRef<'_, f64>) -> Vec<(usize, usize)> {
    let n = t.nrows();
    let mut blocks = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let size = if i + 1 < n && t[(i + 1, i)] != 0.0 {
            2
        } else {
            1
        };
        blocks.push((i, size));
        i += size;
    }
    blocks
}

/// Overwrites `F` by the solution `Y` of `S Y + Y T = F` for upper
/// quasi-triangular `S` and `T`; returns whether a pivot had to be
/// perturbed (a (nearly) singular equation).
fn quasi_triangular_sylvester(
    s: MatRef<'_, f64>,
    t: MatRef<'_, f64>,
    mut f: faer::MatMut<'_, f64>,
) -> bool {
    let (n, m) = (s.nrows(), t.nrows());
    let row_blocks = diagonal_blocks(s);
    let col_blocks = diagonal_blocks(t);
    let small = f64::EPSILON * (s.norm_max() + t.norm_max()).max(f64::MIN_POSITIVE);
    let mut perturbed = false;
    for &(j0, q) in &col_blocks {
        for &(i0, p) in row_blocks.iter().rev() {
            // Entries below row block i0 in this block column are solved;
            // their contribution S[I, K] Y[K, J] was subtracted as each was
            // found (below), so F[I, J] is the block right-hand side.
            let mut rhs = [[0.0f64; 2]; 2];
            for (jj, col) in rhs.iter_mut().enumerate().take(q) {
                for (ii, v) in col.iter_mut().enumerate().take(p) {
                    *v = f[(i0 + ii, j0 + jj)];
                }
            }
            let (block, flag) = solve_small_sylvester(
                s.submatrix(i0, i0, p, p),
                t.submatrix(j0, j0, q, q),
                rhs,
                small,
            );
            perturbed |= flag;
            for jj in 0..q {
                for ii in 0..p {
                    f[(i0 + ii, j0 + jj)] = block[jj][ii];
                }
            }
            // F[0..i0, J] -= S[0..i0, I] Y[I, J].
            for jj in 0..q {
                for ii in 0..p {
                    let y = block[jj][ii];
                    if y != 0.0 {
                        for r in 0..i0 {
                            f[(r, j0 + jj)] -= s[(r, i0 + ii)] * y;
                        }
                    }
                }
            }
        }
        // F[:, J+] -= Y[:, J] T[J, J+], one rank-q update by faer.
        let rest = j0 + q;
        if rest < m {
            let (left, mut right) = f.as_mut().split_at_col_mut(rest);
            faer::linalg::matmul::matmul(
                right.as_mut(),
                faer::Accum::Add,
                left.as_ref().subcols(j0, q),
                t.submatrix(j0, rest, q, m - rest),
                -1.0,
                crate::matfun::par_for(n.max(m)),
            );
        }
    }
    perturbed
}

/// Solves `S11 Y + Y T11 = R` for blocks of order `p, q <= 2`, as the
/// vectorised system of order `p q <= 4` by Gaussian elimination with
/// complete pivoting; pivots below `small` are raised to it. Returns `Y`
/// column-major (`y[col][row]`) and whether a pivot was raised.
fn solve_small_sylvester(
    s11: MatRef<'_, f64>,
    t11: MatRef<'_, f64>,
    r: [[f64; 2]; 2],
    small: f64,
) -> ([[f64; 2]; 2], bool) {
    let (p, q) = (s11.nrows(), t11.nrows());
    let k = p * q;
    let mut sys = [[0.0f64; 4]; 4];
    let mut rhs = [0.0f64; 4];
    // Unknown (i, j) at index i + p j; row (i, j) of the system reads
    // sum_k S_ik Y_kj + sum_l Y_il T_lj.
    for j in 0..q {
        for i in 0..p {
            let row = i + p * j;
            rhs[row] = r[j][i];
            for kk in 0..p {
                sys[row][kk + p * j] += s11[(i, kk)];
            }
            for l in 0..q {
                sys[row][i + p * l] += t11[(l, j)];
            }
        }
    }
    let mut perm = [0usize, 1, 2, 3];
    let mut perturbed = false;
    for col in 0..k {
        let (mut pr, mut pc, mut best) = (col, col, -1.0f64);
        for (ri, row) in sys.iter().enumerate().take(k).skip(col) {
            for (ci, v) in row.iter().enumerate().take(k).skip(col) {
                if v.abs() > best {
                    (pr, pc, best) = (ri, ci, v.abs());
                }
            }
        }
        sys.swap(col, pr);
        rhs.swap(col, pr);
        if pc != col {
            for row in sys.iter_mut() {
                row.swap(col, pc);
            }
            perm.swap(col, pc);
        }
        if sys[col][col].abs() < small {
            sys[col][col] = if sys[col][col] < 0.0 { -small } else { small };
            perturbed = true;
        }
        for row in col + 1..k {
            let factor = sys[row][col] / sys[col][col];
            if factor != 0.0 {
                for cc in col..k {
                    sys[row][cc] -= factor * sys[col][cc];
                }
                rhs[row] -= factor * rhs[col];
            }
        }
    }
    let mut z = [0.0f64; 4];
    for row in (0..k).rev() {
        let mut v = rhs[row];
        for cc in row + 1..k {
            v -= sys[row][cc] * z[cc];
        }
        z[row] = v / sys[row][row];
    }
    let mut y = [[0.0f64; 2]; 2];
    for (idx, &unknown) in perm.iter().enumerate().take(k) {
        y[unknown / p][unknown % p] = z[idx];
    }
    (y, perturbed)
}

/// Solves `A X + X B = C` through the vectorised system
/// `(I_m (x) A + B^T (x) I_n) vec(X) = vec(C)` by LU with partial pivoting,
/// `O((n m)^3)`: an independent check on [`sylvester_schur`] for small
/// problems.
///
/// # Errors
/// As [`sylvester`], and [`Error::InvalidArgument`] if `n m >`
/// [`KRONECKER_SOLVE_MAX`].
pub fn sylvester_vectorised(
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    c: MatRef<'_, f64>,
) -> Result<Mat<f64>> {
    let n = check_square(a, "Sylvester coefficient A")?;
    let m = check_square(b, "Sylvester coefficient B")?;
    check_rhs(c, n, m, "Sylvester right-hand side")?;
    check_finite(a, "Sylvester coefficient A")?;
    check_finite(b, "Sylvester coefficient B")?;
    if n * m > KRONECKER_SOLVE_MAX {
        return Err(Error::InvalidArgument(format!(
            "vectorised Sylvester solve with n m = {} > {KRONECKER_SOLVE_MAX}",
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
/// Symmetric `A`: eigendecomposition ([`sylvester_symmetric`]); any other
/// `A` (stable or not): Bartels-Stewart with one real Schur form, that of
/// `A^T` being read off that of `A`; if that Schur form does not converge
/// (see [`sylvester_schur`]), the squared Smith iteration, for stable `A`. A symmetric `Q` gives a symmetric `P`
/// (symmetrised on return). Relative residual at most `1e-8`, typically
/// `1e-15`; the eigen and Smith solutions agree to `1e-11` on random
/// symmetric problems, the Bartels-Stewart and Smith ones to `1e-12` on
/// stable ones (tests), and the Matern-3/2 stationary covariance is
/// reproduced to `1e-14`.
///
/// # Errors
/// As [`sylvester`]: [`Error::NotConverged`] with the residual when
/// `A` has eigenvalues `l_i + l_j = 0` (nearly), which makes the equation
/// singular.
pub fn lyapunov(a: MatRef<'_, f64>, q: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let n = check_square(a, "Lyapunov coefficient A")?;
    check_rhs(q, n, n, "Lyapunov right-hand side Q")?;
    check_finite(a, "Lyapunov coefficient A")?;
    let minus_q = -q.to_owned();
    let at = a.transpose();
    let p = if is_symmetric(a) {
        sylvester_symmetric(a, a, minus_q.as_ref())?
    } else {
        match RealSchur::new(a) {
            Ok(sa) => {
                let st = sa.transposed();
                schur_solve(&sa, &st, a, at, minus_q.as_ref())?
            }
            // The Schur form did not converge: the Smith iteration still
            // solves stable equations; otherwise the Schur error stands.
            Err(schur_error) => squared_smith(a, q).map_err(|_| schur_error)?,
        }
    };
    if is_symmetric(q) {
        Ok(Mat::from_fn(n, n, |i, j| 0.5 * (p[(i, j)] + p[(j, i)])))
    } else {
        Ok(p)
    }
}

/// Solves `A P + P A^T + Q = 0` for a stable `A` by the squared Smith
/// iteration on the Cayley transform.
///
/// The iteration: with `A_d = (pI - A)^{-1} (pI + A)` the equation becomes
/// the Stein equation `P = A_d P A_d^T + Q_d`, summed as
/// `P = sum_k A_d^k Q_d (A_d^k)^T` with the number of terms doubling per
/// step (Smith, SIAM J. Appl. Math. 16(1), 1968; Penzl, SIAM J. Sci.
/// Comput. 21(4), 2000). The shift `p = ||A||_F / sqrt(n)` is the root mean square of the
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
