//! The eigendecomposition plan of a Kronecker-structured covariance
//! `K = K_1 (x) ... (x) K_d + s^2 I` (or of a Kronecker sum
//! `K_1 (+) ... (+) K_d + s^2 I`) with symmetric factors.
//!
//! If `K_i = Q_i L_i Q_i^T`, then `K_1 (x) ... (x) K_d = Q L Q^T` with the
//! orthogonal `Q = Q_1 (x) ... (x) Q_d` and the diagonal
//! `L = L_1 (x) ... (x) L_d` (for the Kronecker sum, `L = L_1 (+) ... (+) L_d`,
//! with the same `Q`). Every spectral function is therefore
//! `f(K) x = Q f(L + s^2) Q^T x`: two Kronecker matvecs (`O(N sum n_i)`) and
//! a diagonal scaling. The plan is built once (one `n_i x n_i` symmetric
//! eigendecomposition per factor, by faer) and applied cheaply many times,
//! in the way an FFT planner is: exact solves, the log-determinant
//! `sum_j log(L_j + s^2)`, the inverse square root and samples from
//! `N(0, K)`. A non-constant diagonal `D` in place of `s^2 I` breaks the
//! shared eigenbasis; [`KroneckerEigen::solve_with_diagonal`] then runs
//! preconditioned CG on `K + D` with the plan at `s^2 = mean(D)` as the
//! preconditioner.
//!
//! Measured accuracy: against a dense Cholesky of the assembled matrix,
//! solves agree to 1e-11 relative and log-determinants to 1e-12 relative
//! for random SPD factors; at `N = 1e6` (three 100 x 100 RBF factors) the
//! solve and log-determinant agree with GPyTorch's `linear_operator` to
//! 8e-13 (`cargo xtask peers linalg`).
//!
//! References: Y. Saatci, "Scalable inference for structured Gaussian
//! process models", PhD thesis (2012), ch. 5; A. G. Wilson, E. Gilboa,
//! A. Nehorai, J. P. Cunningham, "Fast kernel learning for multidimensional
//! pattern extrapolation", NeurIPS (2014).

use crate::cg::{self, CgOptions, CgReport};
use crate::check;
use crate::kronecker::{Kronecker, KroneckerSum};
use crate::ops::{Diagonal, Sum, apply_unchecked};
use crate::{Error, Result};
use faer::dyn_stack::{MemStack, StackReq};
use faer::matrix_free::{LinOp, Precond};
use faer::{Mat, MatMut, MatRef, Par, Side};
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;

/// Whether the plan decomposes a Kronecker product or a Kronecker sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Structure {
    /// `K_1 (x) ... (x) K_d`.
    Product,
    /// `K_1 (+) ... (+) K_d`.
    Sum,
}

/// Eigendecomposition plan of `K_1 (x) ... (x) K_d + s^2 I` (or of the
/// Kronecker sum plus `s^2 I`).
#[derive(Debug, Clone)]
pub struct KroneckerEigen {
    structure: Structure,
    factors: Vec<Mat<f64>>,
    q: Kronecker<Mat<f64>>,
    qt: Kronecker<Mat<f64>>,
    factor_eigenvalues: Vec<Vec<f64>>,
    eigenvalues: Vec<f64>,
    noise_variance: f64,
}

/// Chunk length of the deterministic parallel sums (results do not depend
/// on the number of threads).
const CHUNK: usize = 1 << 14;

impl KroneckerEigen {
    /// Plan for `K_1 (x) ... (x) K_d + s^2 I`, `s^2 = noise_variance`.
    ///
    /// # Errors
    /// [`Error::Empty`] without factors; [`Error::NonFinite`];
    /// [`Error::InvalidArgument`] for non-symmetric factors or a negative
    /// noise variance; [`Error::NotPositiveDefinite`] if some eigenvalue of
    /// the sum is not positive (an indefinite factor, or a singular product
    /// without noise).
    pub fn product(factors: Vec<Mat<f64>>, noise_variance: f64) -> Result<Self> {
        Self::new(Structure::Product, factors, noise_variance)
    }

    /// Plan for the Kronecker sum `K_1 (+) ... (+) K_d + s^2 I`.
    ///
    /// # Errors
    /// As [`KroneckerEigen::product`].
    pub fn sum(factors: Vec<Mat<f64>>, noise_variance: f64) -> Result<Self> {
        Self::new(Structure::Sum, factors, noise_variance)
    }

    fn new(structure: Structure, factors: Vec<Mat<f64>>, noise_variance: f64) -> Result<Self> {
        if factors.is_empty() {
            return Err(Error::Empty("KroneckerEigen: no factors"));
        }
        if !noise_variance.is_finite() {
            return Err(Error::NonFinite("KroneckerEigen noise variance"));
        }
        if noise_variance < 0.0 {
            return Err(Error::InvalidArgument(format!(
                "KroneckerEigen: noise variance {noise_variance} is negative"
            )));
        }
        let mut qs = Vec::with_capacity(factors.len());
        let mut factor_eigenvalues = Vec::with_capacity(factors.len());
        for f in &factors {
            if f.nrows() == 0 {
                return Err(Error::Empty("KroneckerEigen: empty factor"));
            }
            check::finite_mat(f.as_ref(), "KroneckerEigen factor")?;
            check::symmetric("KroneckerEigen factor", f.as_ref())?;
            let evd = f.self_adjoint_eigen(Side::Lower).map_err(|e| {
                Error::InvalidArgument(format!("KroneckerEigen: eigendecomposition failed: {e:?}"))
            })?;
            qs.push(evd.U().to_owned());
            factor_eigenvalues.push(
                evd.S()
                    .column_vector()
                    .iter()
                    .copied()
                    .collect::<Vec<f64>>(),
            );
        }
        let mut eigenvalues = vec![match structure {
            Structure::Product => 1.0,
            Structure::Sum => 0.0,
        }];
        for lam in &factor_eigenvalues {
            eigenvalues = eigenvalues
                .iter()
                .flat_map(|&a| {
                    lam.iter().map(move |&b| match structure {
                        Structure::Product => a * b,
                        Structure::Sum => a + b,
                    })
                })
                .collect();
        }
        let min = eigenvalues
            .iter()
            .fold(f64::INFINITY, |m, &v| m.min(v + noise_variance));
        if min <= 0.0 {
            return Err(Error::NotPositiveDefinite(format!(
                "KroneckerEigen: smallest eigenvalue of the operator is {min:e}"
            )));
        }
        let qt = Kronecker::new(qs.iter().map(|q| q.transpose().to_owned()).collect())?;
        let q = Kronecker::new(qs)?;
        Ok(Self {
            structure,
            factors,
            q,
            qt,
            factor_eigenvalues,
            eigenvalues,
            noise_variance,
        })
    }

    /// The dimension `N = prod n_i`.
    pub fn dim(&self) -> usize {
        self.eigenvalues.len()
    }

    /// Product or sum.
    pub fn structure(&self) -> Structure {
        self.structure
    }

    /// The noise variance `s^2`.
    pub fn noise_variance(&self) -> f64 {
        self.noise_variance
    }

    /// The factors `K_i`.
    pub fn factors(&self) -> &[Mat<f64>] {
        &self.factors
    }

    /// Eigenvalues of each factor, ascending.
    pub fn factor_eigenvalues(&self) -> &[Vec<f64>] {
        &self.factor_eigenvalues
    }

    /// The `N` eigenvalues of the structured part (without `s^2`), in the
    /// order of the columns of `Q_1 (x) ... (x) Q_d`.
    pub fn eigenvalues(&self) -> &[f64] {
        &self.eigenvalues
    }

    /// The orthogonal eigenvector operator `Q = Q_1 (x) ... (x) Q_d`.
    pub fn eigenvectors(&self) -> &Kronecker<Mat<f64>> {
        &self.q
    }

    /// `log det(K + s^2 I) = sum_j log(L_j + s^2)`.
    pub fn log_det(&self) -> f64 {
        let s2 = self.noise_variance;
        let partial: Vec<f64> = self
            .eigenvalues
            .par_chunks(CHUNK)
            .map(|c| c.iter().map(|&l| (l + s2).ln()).sum::<f64>())
            .collect();
        partial.iter().sum()
    }

    /// `f(K + s^2 I) X` for a scalar function `f` of the eigenvalues.
    pub fn apply_function(
        &self,
        rhs: MatRef<'_, f64>,
        f: impl Fn(f64) -> f64 + Sync,
    ) -> Result<Mat<f64>> {
        check::dim("KroneckerEigen (rows of rhs)", self.dim(), rhs.nrows())?;
        check::finite_mat(rhs, "KroneckerEigen rhs")?;
        Ok(self.spectral(rhs, self.noise_variance, &f, Par::rayon(0)))
    }

    fn spectral(
        &self,
        rhs: MatRef<'_, f64>,
        shift: f64,
        f: &(impl Fn(f64) -> f64 + Sync),
        par: Par,
    ) -> Mat<f64> {
        let mut t = apply_unchecked(&self.qt, rhs, par);
        self.scale_rows(t.as_mut(), |l| f(l + shift));
        apply_unchecked(&self.q, t.as_ref(), par)
    }

    fn scale_rows(&self, mut t: MatMut<'_, f64>, g: impl Fn(f64) -> f64 + Sync) {
        for j in 0..t.ncols() {
            let col = t.as_mut().col_mut(j);
            for (v, &l) in col.iter_mut().zip(self.eigenvalues.iter()) {
                *v *= g(l);
            }
        }
    }

    /// `(K + s^2 I)^{-1} B`, exact up to rounding.
    pub fn solve(&self, rhs: MatRef<'_, f64>) -> Result<Mat<f64>> {
        self.apply_function(rhs, |v| 1.0 / v)
    }

    /// `(K + s^2 I)^{-1/2} B` (the symmetric inverse square root; whitens
    /// samples of `N(0, K + s^2 I)`).
    pub fn inv_sqrt(&self, rhs: MatRef<'_, f64>) -> Result<Mat<f64>> {
        self.apply_function(rhs, |v| 1.0 / v.sqrt())
    }

    /// `(K + s^2 I)^{1/2} B` (the symmetric square root).
    pub fn sqrt(&self, rhs: MatRef<'_, f64>) -> Result<Mat<f64>> {
        self.apply_function(rhs, f64::sqrt)
    }

    /// `count` independent samples of `N(0, K + s^2 I)` as the columns of an
    /// `N x count` matrix: `Q (L + s^2)^{1/2} z` with standard normal `z`.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, count: usize) -> Mat<f64> {
        let mut z = Mat::<f64>::from_fn(self.dim(), count, |_, _| rng.sample(StandardNormal));
        let s2 = self.noise_variance;
        self.scale_rows(z.as_mut(), |l| (l + s2).sqrt());
        apply_unchecked(&self.q, z.as_ref(), Par::rayon(0))
    }

    /// The operator `(K + shift I)^{-1}` as a preconditioner (exact inverse
    /// for `shift = s^2`).
    pub fn inverse(&self, shift: f64) -> Result<KroneckerInverse<'_>> {
        if !shift.is_finite() {
            return Err(Error::NonFinite("KroneckerEigen::inverse shift"));
        }
        let min = self
            .eigenvalues
            .iter()
            .fold(f64::INFINITY, |m, &v| m.min(v + shift));
        if min <= 0.0 {
            return Err(Error::NotPositiveDefinite(format!(
                "KroneckerEigen::inverse: smallest shifted eigenvalue is {min:e}"
            )));
        }
        Ok(KroneckerInverse { plan: self, shift })
    }

    /// Solves `(K + diag(d)) X = B` (ignoring the plan's `s^2`) by
    /// preconditioned CG, preconditioned by this plan at `s^2 = mean(d)`.
    /// Converges in few iterations when `d` varies little; exact in one for
    /// constant `d`.
    ///
    /// # Errors
    /// Shape and finiteness errors; [`Error::NotPositiveDefinite`] for a
    /// non-positive entry of `d`; [`Error::NotConverged`] from CG.
    pub fn solve_with_diagonal(
        &self,
        d: &[f64],
        rhs: MatRef<'_, f64>,
        options: &CgOptions,
    ) -> Result<(Mat<f64>, CgReport)> {
        check::dim(
            "KroneckerEigen::solve_with_diagonal (diagonal)",
            self.dim(),
            d.len(),
        )?;
        check::finite_slice(d, "KroneckerEigen::solve_with_diagonal diagonal")?;
        if d.iter().any(|&v| v <= 0.0) {
            return Err(Error::NotPositiveDefinite(
                "KroneckerEigen::solve_with_diagonal: diagonal must be positive".into(),
            ));
        }
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        let precond = self.inverse(mean)?;
        let diag = Diagonal::new(d.to_vec())?;
        match self.structure {
            Structure::Product => {
                let k = Kronecker::new(self.factors.clone())?;
                cg::solve(&Sum::new(k, diag)?, &precond, rhs, None, options)
            }
            Structure::Sum => {
                let k = KroneckerSum::new(self.factors.clone())?;
                cg::solve(&Sum::new(k, diag)?, &precond, rhs, None, options)
            }
        }
    }
}

/// `K + s^2 I` as an operator (for faer's solvers and the estimators).
impl LinOp<f64> for KroneckerEigen {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn nrows(&self) -> usize {
        self.dim()
    }
    fn ncols(&self) -> usize {
        self.dim()
    }
    fn apply(&self, out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, par: Par, _stack: &mut MemStack) {
        let y = self.spectral(rhs, self.noise_variance, &|v| v, par);
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

crate::ops::self_adjoint_bilinop!(KroneckerEigen);

/// `(K + shift I)^{-1}` from a [`KroneckerEigen`] plan: an exact solver and
/// a preconditioner.
#[derive(Debug, Clone, Copy)]
pub struct KroneckerInverse<'a> {
    plan: &'a KroneckerEigen,
    shift: f64,
}

impl LinOp<f64> for KroneckerInverse<'_> {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn nrows(&self) -> usize {
        self.plan.dim()
    }
    fn ncols(&self) -> usize {
        self.plan.dim()
    }
    fn apply(&self, out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, par: Par, _stack: &mut MemStack) {
        let y = self.plan.spectral(rhs, self.shift, &|v| 1.0 / v, par);
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

crate::ops::self_adjoint_bilinop!(KroneckerInverse<'_>);

impl Precond<f64> for KroneckerInverse<'_> {}
