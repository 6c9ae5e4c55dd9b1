//! Pivoted-Cholesky preconditioning for kernel matrices `K + s^2 I`.
//!
//! The partial pivoted Cholesky factorisation greedily picks the pivot with
//! the largest remaining diagonal of the Schur complement and builds
//! `K ~ L L^T` of rank `k` from `k` columns of `K` and its diagonal: `O(n k^2)`
//! work, and the trace of the residual `K - L L^T` (the sum of the remaining
//! diagonal) is known at every step. For kernels whose spectrum decays fast
//! a small `k` captures most of `K`, and `P = L L^T + s^2 I` (applied by the
//! Woodbury identity, see [`crate::low_rank`]) clusters the spectrum of
//! `P^{-1} (K + s^2 I)` near one, which cuts CG iterations sharply. The
//! matrix is only touched through a diagonal and a column oracle, so lazy
//! kernel operators can use it.
//!
//! References: H. Harbrecht, M. Peters, R. Schneider, "On the low-rank
//! approximation by the pivoted Cholesky decomposition", Appl. Numer. Math.
//! 62 (2012); J. R. Gardner, G. Pleiss, D. Bindel, K. Q. Weinberger,
//! A. G. Wilson, "GPyTorch: blackbox matrix-matrix Gaussian process
//! inference with GPU acceleration", NeurIPS (2018).

use crate::check;
use crate::low_rank::LowRankUpdate;
use crate::{Error, Result};
use faer::dyn_stack::{MemStack, StackReq};
use faer::matrix_free::{LinOp, Precond};
use faer::{Mat, MatMut, MatRef, Par};

/// A partial pivoted Cholesky factor `K ~ L L^T`.
#[derive(Debug, Clone)]
pub struct PivotedCholesky {
    l: Mat<f64>,
    pivots: Vec<usize>,
    residual_trace: f64,
}

impl PivotedCholesky {
    /// Factorises the symmetric positive semi-definite `K` given by its
    /// `diagonal` and `column(j)` (which must return column `j` of `K`),
    /// stopping at rank `max_rank` or when the trace of the residual falls
    /// below `rel_tolerance * trace(K)`.
    ///
    /// # Errors
    /// [`Error::Empty`]; [`Error::NonFinite`] in the diagonal or a column;
    /// [`Error::ShapeMismatch`] if a column has the wrong length;
    /// [`Error::NotPositiveDefinite`] on a negative diagonal entry.
    pub fn new(
        diagonal: &[f64],
        mut column: impl FnMut(usize) -> Vec<f64>,
        max_rank: usize,
        rel_tolerance: f64,
    ) -> Result<Self> {
        let n = diagonal.len();
        if n == 0 {
            return Err(Error::Empty("PivotedCholesky::new"));
        }
        check::finite_slice(diagonal, "PivotedCholesky::new diagonal")?;
        if diagonal.iter().any(|&v| v < 0.0) {
            return Err(Error::NotPositiveDefinite(
                "PivotedCholesky::new: negative diagonal entry".into(),
            ));
        }
        let mut d = diagonal.to_vec();
        let trace0: f64 = d.iter().sum();
        let max_rank = max_rank.min(n);
        let mut cols: Vec<Vec<f64>> = Vec::with_capacity(max_rank);
        let mut pivots = Vec::with_capacity(max_rank);
        let mut residual_trace = trace0;
        while cols.len() < max_rank && residual_trace > rel_tolerance * trace0 {
            let (piv, &dmax) = d
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .ok_or(Error::Empty("PivotedCholesky::new"))?;
            if dmax <= 0.0 {
                break;
            }
            let col = column(piv);
            check::dim("PivotedCholesky::new (column length)", n, col.len())?;
            check::finite_slice(&col, "PivotedCholesky::new column")?;
            let s = dmax.sqrt();
            let mut l: Vec<f64> = col;
            for prev in &cols {
                let f = prev[piv];
                for (li, pi) in l.iter_mut().zip(prev) {
                    *li -= f * pi;
                }
            }
            for li in &mut l {
                *li /= s;
            }
            for &p in &pivots {
                l[p] = 0.0;
            }
            l[piv] = s;
            for (di, li) in d.iter_mut().zip(&l) {
                *di = (*di - li * li).max(0.0);
            }
            d[piv] = 0.0;
            for &p in &pivots {
                d[p] = 0.0;
            }
            pivots.push(piv);
            cols.push(l);
            residual_trace = d.iter().sum();
        }
        let l = Mat::from_fn(n, cols.len(), |i, j| cols[j][i]);
        Ok(Self {
            l,
            pivots,
            residual_trace,
        })
    }

    /// The `n x k` factor `L`.
    pub fn factor(&self) -> MatRef<'_, f64> {
        self.l.as_ref()
    }

    /// The pivots, in the order chosen.
    pub fn pivots(&self) -> &[usize] {
        &self.pivots
    }

    /// `trace(K - L L^T)`, the error of the approximation in trace norm.
    pub fn residual_trace(&self) -> f64 {
        self.residual_trace
    }

    /// The preconditioner `(L L^T + s^2 I)^{-1}` for `K + s^2 I`.
    ///
    /// # Errors
    /// [`Error::NotPositiveDefinite`] unless `noise_variance > 0`.
    pub fn preconditioner(&self, noise_variance: f64) -> Result<PivotedCholeskyPrecond> {
        let n = self.l.nrows();
        let k = self.l.ncols();
        let inner =
            LowRankUpdate::new(vec![noise_variance; n], self.l.clone(), Mat::identity(k, k))?;
        Ok(PivotedCholeskyPrecond { inner })
    }
}

/// `(L L^T + s^2 I)^{-1}` applied by the Woodbury identity.
#[derive(Debug, Clone)]
pub struct PivotedCholeskyPrecond {
    inner: LowRankUpdate,
}

impl PivotedCholeskyPrecond {
    /// `log det(L L^T + s^2 I)` (the preconditioner's own log-determinant,
    /// needed to correct preconditioned log-determinant estimates).
    pub fn log_det(&self) -> f64 {
        self.inner.log_det()
    }

    /// The approximation `L L^T + s^2 I` itself.
    pub fn approximation(&self) -> &LowRankUpdate {
        &self.inner
    }
}

impl LinOp<f64> for PivotedCholeskyPrecond {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn nrows(&self) -> usize {
        self.inner.dim()
    }
    fn ncols(&self) -> usize {
        self.inner.dim()
    }
    fn apply(&self, out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, _par: Par, _stack: &mut MemStack) {
        let y = self.inner.solve_unchecked(rhs);
        { out }.copy_from(&y);
    }
    fn conj_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.apply(out, rhs, par, stack);
    }
}

crate::ops::self_adjoint_bilinop!(PivotedCholeskyPrecond);

impl Precond<f64> for PivotedCholeskyPrecond {}
