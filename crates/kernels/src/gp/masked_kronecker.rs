//! Gaussian-process regression on a tensor grid with missing cells, by
//! preconditioned conjugate gradients with Kronecker mat-vecs.
//!
//! With a product kernel on the grid `X = A_1 x ... x A_d` (`N = prod n_i`
//! cells, first axis slowest) the full Gram matrix is
//! `K = K_1 (x) ... (x) K_d`. When only the cells of a mask are observed,
//! with `P` the `n x N` selection of the observed cells, the weights are
//! `alpha = (P (K + s^2 I) P^T)^{-1} y`. That matrix has no Kronecker
//! structure, but its product with a vector does: scatter the vector into
//! the grid (zeros at missing cells), apply `K` one axis at a time
//! (`O(N sum n_i)`), add `s^2` times the vector and gather the observed
//! cells back. Conjugate gradients on this operator is preconditioned by
//! the restriction of the full-grid inverse,
//! `M = P (K + s^2 I)^{-1} P^T` with
//! `(K + s^2 I)^{-1} = Q diag(1 / (lambda + s^2)) Q^T` from the per-axis
//! eigendecompositions `K_i = Q_i L_i Q_i^T`; it is exact (one iteration)
//! when no cell is missing and stays a good approximation when few are.
//! The posterior mean at every cell of a test grid is then one more
//! Kronecker mat-vec, `(K_1* (x) ... (x) K_d*) P^T alpha`.
//!
//! Measured accuracy: on a 6 x 5 x 4 grid with 34 of 120 cells missing
//! (a fixed-seed random mask, Matern 5/2 product, noise 0.05) CG takes 41
//! iterations to the default relative residual `1e-11`, and the posterior
//! mean at all 120 grid cells and on a shifted 3 x 2 x 3 test grid agrees
//! with [`super::ExactGp`] on the observed points with the same product
//! kernel to 9e-12 of the largest mean (tests/masked_kronecker_gp.rs);
//! with no cell missing it takes one iteration and equals
//! [`super::KroneckerGp`] to 2e-15.
//! The log marginal likelihood has the exact data-fit term `y^T alpha`
//! and a stochastic log-determinant of the restricted matrix by
//! stochastic Lanczos quadrature (Rademacher probes, seeded): on the grid
//! above, 64 probes of 40 steps (seed 11) give -22.58 with standard error
//! 1.3 against ExactGp's -22.10. Posterior variances and hyperparameter
//! fitting are not provided.
//!
//! References: Wilson, Gilboa, Nehorai and Cunningham, *Fast kernel
//! learning for multidimensional pattern extrapolation* (NeurIPS 2014),
//! section 3; Saatci (2012), ch. 5; Saad, *Iterative methods for sparse
//! linear systems*, 2nd ed., algorithm 9.1 (preconditioned CG); Ubaru,
//! Chen and Saad, SIAM J. Matrix Anal. Appl. 38 (2017) (SLQ).

use super::LN_2PI;
use super::kronecker::{GridEigen, check_grid, cross_factors, kron_apply};
use crate::error::{Error, Result};
use crate::kernel::Kernel;
use faer::dyn_stack::{MemStack, StackReq};
use faer::matrix_free::LinOp;
use faer::{Mat, MatMut, MatRef, Par};
use sobolev_linalg::slq::{self, SlqOptions};
use sobolev_linalg::trace::Estimate;

/// Stopping rule of the conjugate-gradient solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PcgOptions {
    /// Stop when `||y - A alpha|| <= tolerance ||y||` (recursive residual).
    pub tolerance: f64,
    /// The most iterations before `NotConverged`.
    pub max_iterations: usize,
}

impl Default for PcgOptions {
    /// Relative residual `1e-11`, at most 1000 iterations.
    fn default() -> Self {
        Self {
            tolerance: 1e-11,
            max_iterations: 1000,
        }
    }
}

/// A GP on a tensor grid with a product of one-dimensional kernels,
/// conditioned on the observed cells of a mask.
#[derive(Debug, Clone)]
pub struct MaskedKroneckerGp<K> {
    kernels: Vec<K>,
    axes: Vec<Vec<f64>>,
    noise_variance: f64,
    observed: Vec<usize>,
    grid_size: usize,
    y: Vec<f64>,
    alpha: Vec<f64>,
    iterations: usize,
    relative_residual: f64,
}

/// The restricted operator `P (K + s^2 I) P^T` and its preconditioner.
#[derive(Debug)]
struct Restricted<'a> {
    factors: Vec<MatRef<'a, f64>>,
    plan: &'a GridEigen,
    inv_shifted: &'a [f64],
    observed: &'a [usize],
    grid_size: usize,
    noise_variance: f64,
}

impl Restricted<'_> {
    /// `P^T v`: the observed vector on the grid, zeros at missing cells.
    fn scatter(&self, v: &[f64]) -> Vec<f64> {
        let mut full = vec![0.0; self.grid_size];
        for (&c, &x) in self.observed.iter().zip(v) {
            full[c] = x;
        }
        full
    }

    /// `P (K + s^2 I) P^T v`.
    fn apply(&self, v: &[f64]) -> Vec<f64> {
        let kv = kron_apply(&self.factors, &self.scatter(v));
        self.observed
            .iter()
            .zip(v)
            .map(|(&c, &x)| kv[c] + self.noise_variance * x)
            .collect()
    }

    /// `P (K + s^2 I)^{-1} P^T v` by the eigendecomposition.
    fn precondition(&self, v: &[f64]) -> Vec<f64> {
        let mut t = self.plan.qt_apply(&self.scatter(v));
        for (x, c) in t.iter_mut().zip(self.inv_shifted) {
            *x *= c;
        }
        let full = self.plan.q_apply(&t);
        self.observed.iter().map(|&c| full[c]).collect()
    }
}

/// `P (K + s^2 I) P^T` for the Lanczos estimators, column by column.
impl LinOp<f64> for Restricted<'_> {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn nrows(&self) -> usize {
        self.observed.len()
    }
    fn ncols(&self) -> usize {
        self.observed.len()
    }
    fn apply(&self, mut out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, _par: Par, _: &mut MemStack) {
        for j in 0..rhs.ncols() {
            let v: Vec<f64> = rhs.col(j).iter().copied().collect();
            for (o, a) in out.as_mut().col_mut(j).iter_mut().zip(self.apply(&v)) {
                *o = a;
            }
        }
    }
    fn conj_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        LinOp::apply(self, out, rhs, par, stack);
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Preconditioned CG from zero; returns the solution, the iterations and
/// the final relative (recursive) residual.
fn pcg(op: &Restricted<'_>, y: &[f64], options: &PcgOptions) -> Result<(Vec<f64>, usize, f64)> {
    let y_norm = dot(y, y).sqrt();
    let mut x = vec![0.0; y.len()];
    if y_norm == 0.0 {
        return Ok((x, 0, 0.0));
    }
    let mut r = y.to_vec();
    let mut z = op.precondition(&r);
    let mut p = z.clone();
    let mut rz = dot(&r, &z);
    let mut residual = 1.0;
    for it in 1..=options.max_iterations {
        let ap = op.apply(&p);
        let pap = dot(&p, &ap);
        if !(pap > 0.0 && pap.is_finite()) {
            return Err(Error::NotPositiveDefinite(format!(
                "MaskedKroneckerGp: p^T A p = {pap:e} at CG iteration {it}"
            )));
        }
        let step = rz / pap;
        for ((xi, ri), (pi, api)) in x.iter_mut().zip(r.iter_mut()).zip(p.iter().zip(&ap)) {
            *xi += step * pi;
            *ri -= step * api;
        }
        residual = dot(&r, &r).sqrt() / y_norm;
        if residual <= options.tolerance {
            return Ok((x, it, residual));
        }
        z = op.precondition(&r);
        let rz_next = dot(&r, &z);
        let beta = rz_next / rz;
        rz = rz_next;
        for (pi, zi) in p.iter_mut().zip(&z) {
            *pi = zi + beta * *pi;
        }
    }
    Err(Error::NotConverged {
        method: "MaskedKroneckerGp preconditioned CG",
        iterations: options.max_iterations,
        residual,
    })
}

impl<K: Kernel> MaskedKroneckerGp<K> {
    /// Conditions the GP with one kernel per axis on observations `y` at
    /// the cells where `mask` is true (`mask` has one entry per grid cell,
    /// first axis slowest; `y` one per observed cell, in the same order),
    /// with noise variance `noise_variance`, solving for the weights by
    /// preconditioned CG.
    ///
    /// # Errors
    /// `Empty` for no axes, an empty axis or a mask with no observed cell;
    /// `ShapeMismatch` when the numbers of kernels and axes differ, the
    /// mask is not the grid's size, `y` does not have one entry per
    /// observed cell, or a kernel rejects one-dimensional inputs;
    /// `NonFinite` for non-finite coordinates or targets;
    /// `InvalidArgument` for a noise variance or tolerance that is not
    /// positive and finite; `NotPositiveDefinite` when a factor is not
    /// positive semi-definite; `NotConverged` when CG does not reach the
    /// tolerance within the allowed iterations.
    pub fn new(
        kernels: Vec<K>,
        axes: Vec<Vec<f64>>,
        mask: &[bool],
        y: Vec<f64>,
        noise_variance: f64,
        options: &PcgOptions,
    ) -> Result<Self> {
        let grid_size = check_grid(&kernels, &axes, noise_variance)?;
        if !(options.tolerance > 0.0 && options.tolerance.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "MaskedKroneckerGp needs a positive finite CG tolerance, got {}",
                options.tolerance
            )));
        }
        if mask.len() != grid_size {
            return Err(Error::ShapeMismatch {
                context: "MaskedKroneckerGp::new",
                expected: format!("a mask of {grid_size} cells (the grid size)"),
                got: format!("{}", mask.len()),
            });
        }
        let observed: Vec<usize> = (0..grid_size).filter(|&c| mask[c]).collect();
        if observed.is_empty() {
            return Err(Error::Empty("MaskedKroneckerGp: the mask observes no cell"));
        }
        if y.len() != observed.len() {
            return Err(Error::ShapeMismatch {
                context: "MaskedKroneckerGp::new",
                expected: format!("{} observations (the observed cells)", observed.len()),
                got: format!("{}", y.len()),
            });
        }
        if y.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite("MaskedKroneckerGp targets"));
        }
        let factors: Vec<Mat<f64>> = kernels
            .iter()
            .zip(&axes)
            .map(|(k, a)| Mat::from_fn(a.len(), a.len(), |i, j| k.eval(&[a[i]], &[a[j]])))
            .collect();
        let plan = GridEigen::new(&factors, noise_variance)?;
        let inv_shifted = plan.inv_shifted(noise_variance);
        let op = Restricted {
            factors: factors.iter().map(Mat::as_ref).collect(),
            plan: &plan,
            inv_shifted: &inv_shifted,
            observed: &observed,
            grid_size,
            noise_variance,
        };
        let (alpha, iterations, relative_residual) = pcg(&op, &y, options)?;
        Ok(Self {
            kernels,
            axes,
            noise_variance,
            observed,
            grid_size,
            y,
            alpha,
            iterations,
            relative_residual,
        })
    }

    /// The grid axes.
    pub fn axes(&self) -> &[Vec<f64>] {
        &self.axes
    }

    /// The per-axis kernels.
    pub fn kernels(&self) -> &[K] {
        &self.kernels
    }

    /// The observation noise variance `s^2`.
    pub fn noise_variance(&self) -> f64 {
        self.noise_variance
    }

    /// The observed cells' indices in the grid (first axis slowest).
    pub fn observed_cells(&self) -> &[usize] {
        &self.observed
    }

    /// `(P (K + s^2 I) P^T)^{-1} y`, one entry per observed cell.
    pub fn alpha(&self) -> &[f64] {
        &self.alpha
    }

    /// Conjugate-gradient iterations the solve took.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// The solve's final relative residual `||y - A alpha|| / ||y||`
    /// (CG's recursively updated residual).
    pub fn relative_residual(&self) -> f64 {
        self.relative_residual
    }

    /// Stochastic estimate of the log marginal likelihood
    /// `-1/2 y^T alpha - 1/2 log det(P (K + s^2 I) P^T) - n/2 ln(2 pi)`:
    /// the data-fit term is exact (from the CG solve), the log-determinant
    /// is estimated by stochastic Lanczos quadrature
    /// ([`sobolev_linalg::slq::log_det`], Rademacher probes seeded by
    /// `options.seed`), so the result is random with the reported standard
    /// error, deterministic for a given seed and probe count.
    ///
    /// # Errors
    /// `InvalidArgument` for zero probes or steps; `NotPositiveDefinite`
    /// if a Ritz value is not positive; `NonFinite` from the estimator.
    pub fn log_marginal_likelihood_slq(&self, options: &SlqOptions) -> Result<Estimate> {
        let factors: Vec<Mat<f64>> = self
            .kernels
            .iter()
            .zip(&self.axes)
            .map(|(k, a)| Mat::from_fn(a.len(), a.len(), |i, j| k.eval(&[a[i]], &[a[j]])))
            .collect();
        let plan = GridEigen::new(&factors, self.noise_variance)?;
        let inv_shifted = plan.inv_shifted(self.noise_variance);
        let op = Restricted {
            factors: factors.iter().map(Mat::as_ref).collect(),
            plan: &plan,
            inv_shifted: &inv_shifted,
            observed: &self.observed,
            grid_size: self.grid_size,
            noise_variance: self.noise_variance,
        };
        let log_det = slq::log_det(&op, options).map_err(|e| match e {
            sobolev_linalg::Error::NotPositiveDefinite(m) => Error::NotPositiveDefinite(m),
            other => Error::InvalidArgument(format!("MaskedKroneckerGp SLQ: {other}")),
        })?;
        let n = self.observed.len() as f64;
        let constant = -0.5 * dot(&self.y, &self.alpha) - 0.5 * n * LN_2PI;
        let value = constant - 0.5 * log_det.value;
        let half = 0.5 * log_det.std_error;
        Ok(Estimate {
            value,
            std_error: half,
            ci_low: constant - 0.5 * log_det.ci_high,
            ci_high: constant - 0.5 * log_det.ci_low,
            probes: log_det.probes,
        })
    }

    /// Posterior mean at every point of the tensor grid `test_axes` (first
    /// axis slowest), `(K_1* (x) ... (x) K_d*) P^T alpha`: one Kronecker
    /// mat-vec. Pass [`MaskedKroneckerGp::axes`] for the whole training
    /// grid, missing cells included.
    ///
    /// # Errors
    /// `ShapeMismatch` for a number of axes other than the model's;
    /// `Empty` for an empty axis; `NonFinite` coordinates.
    pub fn predict_mean_grid(&self, test_axes: &[Vec<f64>]) -> Result<Vec<f64>> {
        let cross = cross_factors(
            &self.kernels,
            &self.axes,
            test_axes,
            "MaskedKroneckerGp::predict_mean_grid",
        )?;
        let cross: Vec<MatRef<'_, f64>> = cross.iter().map(Mat::as_ref).collect();
        let mut full = vec![0.0; self.grid_size];
        for (&c, &a) in self.observed.iter().zip(&self.alpha) {
            full[c] = a;
        }
        Ok(kron_apply(&cross, &full))
    }
}
