//! Khatri-Rao (column-wise Kronecker) products
//! `A_1 (.) ... (.) A_d`, whose column `j` is `a_{1j} (x) ... (x) a_{dj}`.
//!
//! The product of factors with `n_i` rows and a common number `r` of columns
//! has `N = prod n_i` rows; it appears in CP tensor decompositions, in
//! multi-output and product-kernel feature maps, and in the Kronecker-
//! structured sparse Bayesian learning dictionaries. It is applied without
//! forming it: `(A_1 (.) ... (.) A_d) x = sum_j x_j a_{1j} (x) ... (x) a_{dj}`
//! builds each Kronecker column once (`O(N r)` flops, `O(N)` memory), and
//! the transpose computes the `r` inner products `(a_{1j} (x) ... (x) a_{dj})^T y`
//! by contracting `y` mode by mode (`O(N r)` as well).
//!
//! References: C. G. Khatri and C. R. Rao, Sankhya A 30 (1968); T. G. Kolda
//! and B. W. Bader, "Tensor decompositions and applications", SIAM Rev. 51
//! (2009).

use crate::check;
use crate::{Error, Result};
use faer::dyn_stack::{MemStack, StackReq};
use faer::matrix_free::{BiLinOp, LinOp};
use faer::{Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

/// The Khatri-Rao product of dense factors with a common column count.
#[derive(Debug, Clone)]
pub struct KhatriRao {
    factors: Vec<Mat<f64>>,
    nrows: usize,
    rank: usize,
}

impl KhatriRao {
    /// `A_1 (.) ... (.) A_d` (at least one factor, equal column counts,
    /// finite entries).
    pub fn new(factors: Vec<Mat<f64>>) -> Result<Self> {
        let first = factors
            .first()
            .ok_or(Error::Empty("KhatriRao::new: no factors"))?;
        let rank = first.ncols();
        let mut nrows = 1usize;
        for f in &factors {
            check::dim("KhatriRao::new (columns of each factor)", rank, f.ncols())?;
            check::finite_mat(f.as_ref(), "KhatriRao::new")?;
            if f.nrows() == 0 {
                return Err(Error::Empty("KhatriRao::new: factor without rows"));
            }
            nrows = nrows.checked_mul(f.nrows()).ok_or_else(|| {
                Error::InvalidArgument("KhatriRao::new: dimension overflows".into())
            })?;
        }
        Ok(Self {
            factors,
            nrows,
            rank,
        })
    }

    /// The factors.
    pub fn factors(&self) -> &[Mat<f64>] {
        &self.factors
    }

    /// Column `j`: `a_{1j} (x) ... (x) a_{dj}`.
    fn column(&self, j: usize) -> Vec<f64> {
        let mut v = vec![1.0];
        for f in &self.factors {
            v = v
                .iter()
                .flat_map(|&a| (0..f.nrows()).map(move |i| a * f[(i, j)]))
                .collect();
        }
        v
    }

    /// The dense `N x r` matrix (for tests and small problems).
    pub fn to_dense(&self) -> Mat<f64> {
        let cols: Vec<Vec<f64>> = (0..self.rank).map(|j| self.column(j)).collect();
        Mat::from_fn(self.nrows, self.rank, |i, j| cols[j][i])
    }

    fn apply_into(&self, mut out: MatMut<'_, f64>, rhs: MatRef<'_, f64>) {
        out.fill(0.0);
        for j in 0..self.rank {
            let col = self.column(j);
            for c in 0..rhs.ncols() {
                let x = rhs[(j, c)];
                for (i, v) in col.iter().enumerate() {
                    out[(i, c)] += x * v;
                }
            }
        }
    }

    fn transpose_into(&self, mut out: MatMut<'_, f64>, rhs: MatRef<'_, f64>) {
        let dots: Vec<Vec<f64>> = (0..self.rank)
            .into_par_iter()
            .map(|j| {
                let col = self.column(j);
                (0..rhs.ncols())
                    .map(|c| col.iter().enumerate().map(|(i, v)| v * rhs[(i, c)]).sum())
                    .collect()
            })
            .collect();
        for (j, row) in dots.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                out[(j, c)] = *v;
            }
        }
    }
}

impl LinOp<f64> for KhatriRao {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn nrows(&self) -> usize {
        self.nrows
    }
    fn ncols(&self) -> usize {
        self.rank
    }
    fn apply(&self, out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, _par: Par, _stack: &mut MemStack) {
        self.apply_into(out, rhs);
    }
    fn conj_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        _par: Par,
        _stack: &mut MemStack,
    ) {
        self.apply_into(out, rhs);
    }
}

impl BiLinOp<f64> for KhatriRao {
    fn transpose_apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn transpose_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        _par: Par,
        _stack: &mut MemStack,
    ) {
        self.transpose_into(out, rhs);
    }
    fn adjoint_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        _par: Par,
        _stack: &mut MemStack,
    ) {
        self.transpose_into(out, rhs);
    }
}
