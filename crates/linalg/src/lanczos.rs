//! Lanczos tridiagonalisation of a symmetric operator.
//!
//! From a unit start vector `q_1`, the three-term recurrence
//! `beta_j q_{j+1} = A q_j - alpha_j q_j - beta_{j-1} q_{j-1}` builds an
//! orthonormal basis `Q_m` of the Krylov space `K_m(A, q_1)` with
//! `Q_m^T A Q_m = T_m`, tridiagonal with diagonal `alpha` and off-diagonal
//! `beta`. In floating point the basis loses orthogonality as Ritz values
//! converge, which duplicates Ritz values but leaves Gauss quadrature
//! estimates `q_1^T f(A) q_1 ~ e_1^T f(T_m) e_1` usable; full
//! reorthogonalisation (classical Gram-Schmidt, applied twice) keeps the
//! basis orthogonal to working precision at `O(n m^2)` extra cost. The
//! recurrence stops early at an invariant subspace (`beta_j` below
//! `breakdown_tolerance * ||T||`), where `T` is exact.
//!
//! References: C. Lanczos, J. Res. Natl. Bur. Stand. 45 (1950);
//! G. H. Golub and C. F. Van Loan, "Matrix computations", 4th ed. (2013),
//! section 10.1; B. N. Parlett, "The symmetric eigenvalue problem", SIAM
//! (1998), ch. 13; G. H. Golub and G. Meurant, "Matrices, moments and
//! quadrature with applications", Princeton (2010).

use crate::check;
use crate::ops::apply_unchecked;
use crate::{Error, Result};
use faer::matrix_free::LinOp;
use faer::{Mat, MatRef, Par, Side};

/// How the Lanczos basis is kept orthogonal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reorthogonalization {
    /// The plain three-term recurrence: `O(n)` memory beyond the output.
    #[default]
    None,
    /// Orthogonalise each new vector against the whole basis, twice.
    Full,
}

/// Options of [`lanczos`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LanczosOptions {
    /// Maximum number of steps `m` (the order of `T`).
    pub steps: usize,
    /// Reorthogonalisation scheme.
    pub reorthogonalization: Reorthogonalization,
    /// Stop when `beta_j <= breakdown_tolerance * max(|alpha|, |beta|)`.
    pub breakdown_tolerance: f64,
    /// Keep the basis `Q_m` (always kept with full reorthogonalisation).
    pub store_basis: bool,
}

impl Default for LanczosOptions {
    fn default() -> Self {
        Self {
            steps: 30,
            reorthogonalization: Reorthogonalization::None,
            breakdown_tolerance: 1e-12,
            store_basis: false,
        }
    }
}

/// The tridiagonal `T_m = Q_m^T A Q_m` and optionally the basis `Q_m`.
#[derive(Debug, Clone)]
pub struct Tridiagonal {
    /// Diagonal `alpha_1 .. alpha_m`.
    pub alpha: Vec<f64>,
    /// Off-diagonal `beta_1 .. beta_{m-1}`.
    pub beta: Vec<f64>,
    /// The `n x m` orthonormal basis, when requested.
    pub basis: Option<Mat<f64>>,
}

impl Tridiagonal {
    /// The order `m`.
    pub fn len(&self) -> usize {
        self.alpha.len()
    }

    /// Whether `T` is empty (never, for a result of [`lanczos`]).
    pub fn is_empty(&self) -> bool {
        self.alpha.is_empty()
    }

    /// `T` as a dense matrix.
    pub fn to_dense(&self) -> Mat<f64> {
        let m = self.len();
        Mat::from_fn(m, m, |i, j| {
            if i == j {
                self.alpha[i]
            } else if i == j + 1 {
                self.beta[j]
            } else if j == i + 1 {
                self.beta[i]
            } else {
                0.0
            }
        })
    }

    /// Ritz values `theta_k` (ascending) and the Gauss quadrature weights
    /// `tau_k^2 = (e_1^T v_k)^2`, so that `e_1^T f(T) e_1 = sum tau_k^2 f(theta_k)`.
    pub fn gauss_quadrature(&self) -> Result<(Vec<f64>, Vec<f64>)> {
        let t = self.to_dense();
        let evd = t
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| Error::InvalidArgument(format!("Lanczos: eigensolver failed ({e:?})")))?;
        let nodes: Vec<f64> = evd.S().column_vector().iter().copied().collect();
        let u = evd.U();
        let weights = (0..nodes.len()).map(|k| u[(0, k)] * u[(0, k)]).collect();
        Ok((nodes, weights))
    }
}

/// Runs `options.steps` steps of Lanczos on the symmetric operator `a` from
/// the direction of `start` (normalised here).
///
/// # Errors
/// [`Error::ShapeMismatch`] for a non-square operator or a start vector of
/// the wrong length; [`Error::NonFinite`]; [`Error::InvalidArgument`] for a
/// zero start vector or zero steps.
pub fn lanczos<A: LinOp<f64> + ?Sized>(
    a: &A,
    start: &[f64],
    options: &LanczosOptions,
) -> Result<Tridiagonal> {
    let n = a.nrows();
    check::dim("lanczos (operator columns)", n, a.ncols())?;
    check::dim("lanczos (start vector)", n, start.len())?;
    check::finite_slice(start, "lanczos start vector")?;
    if options.steps == 0 {
        return Err(Error::InvalidArgument(
            "lanczos: steps must be positive".into(),
        ));
    }
    let norm = start.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm == 0.0 {
        return Err(Error::InvalidArgument("lanczos: zero start vector".into()));
    }
    let steps = options.steps.min(n);
    let full = options.reorthogonalization == Reorthogonalization::Full;
    let keep = full || options.store_basis;
    let mut basis: Vec<Vec<f64>> = Vec::new();
    let mut q: Vec<f64> = start.iter().map(|v| v / norm).collect();
    let mut q_prev = vec![0.0; n];
    let mut alpha = Vec::with_capacity(steps);
    let mut beta: Vec<f64> = Vec::with_capacity(steps);
    let mut scale = 0.0f64;
    for j in 0..steps {
        let w = apply_unchecked(a, MatRef::from_column_major_slice(&q, n, 1), Par::rayon(0));
        let mut w: Vec<f64> = w.col(0).iter().copied().collect();
        check::finite_slice(&w, "lanczos: operator output")?;
        let aj: f64 = w.iter().zip(&q).map(|(x, y)| x * y).sum();
        let bprev = if j > 0 { beta[j - 1] } else { 0.0 };
        for i in 0..n {
            w[i] -= aj * q[i] + bprev * q_prev[i];
        }
        alpha.push(aj);
        scale = scale.max(aj.abs()).max(bprev);
        if keep {
            basis.push(q.clone());
        }
        if full {
            for _ in 0..2 {
                for v in &basis {
                    let c: f64 = w.iter().zip(v).map(|(x, y)| x * y).sum();
                    w.iter_mut().zip(v).for_each(|(x, y)| *x -= c * y);
                }
            }
        }
        if j + 1 == steps {
            break;
        }
        let b = w.iter().map(|v| v * v).sum::<f64>().sqrt();
        if b <= options.breakdown_tolerance * scale.max(f64::MIN_POSITIVE) {
            break;
        }
        beta.push(b);
        q_prev = std::mem::replace(&mut q, w.iter().map(|v| v / b).collect());
    }
    let basis = keep.then(|| {
        let m = basis.len();
        Mat::from_fn(n, m, |i, j| basis[j][i])
    });
    Ok(Tridiagonal { alpha, beta, basis })
}
