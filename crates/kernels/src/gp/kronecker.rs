//! Gaussian-process regression on a full tensor grid with a product kernel,
//! `O(N sum n_i)` instead of `O(N^3)`.
//!
//! With inputs on the grid `X = A_1 x ... x A_d` (axis `i` has `n_i`
//! points, `N = prod n_i`) and a product kernel
//! `k(x, y) = k_1(x_1, y_1) ... k_d(x_d, y_d)`, the Gram matrix is
//! `K = K_1 (x) ... (x) K_d`. One `n_i x n_i` symmetric eigendecomposition
//! per axis, `K_i = Q_i L_i Q_i^T` (faer), makes `Q = Q_1 (x) ... (x) Q_d`
//! the eigenvectors of `K` with eigenvalues `L_1 (x) ... (x) L_d` (the plan
//! `sobolev_linalg::kronecker_eigen` describes), which gives
//! `alpha = (K + s^2 I)^{-1} y`,
//! `log det(K + s^2 I)` and hence the log marginal likelihood exactly. At a
//! new point `x_*` the cross-covariance is itself a Kronecker product of
//! vectors `k_* = k_1* (x) ... (x) k_d*`, so the posterior mean
//! `k_*^T alpha` is a tensor contraction and the posterior variance
//! `k(x_*, x_*) - sum_j (Q^T k_*)_j^2 / (lambda_j + s^2)` uses
//! `Q^T k_* = (Q_1^T k_1*) (x) ... (x) (Q_d^T k_d*)`: `O(N)` per query
//! point, with no `N x N` matrix ever formed (memory `O(N + sum n_i^2)`).
//!
//! Hyperparameters are fitted by L-BFGS on the log marginal likelihood
//! with its exact gradient, computed in the eigenbasis: with
//! `y~ = Q^T y`, `c_j = 1 / (lambda_j + s^2)` and `a~ = c y~`, a
//! hyperparameter of axis `i` with `G_i = Q_i^T (dK_i / d theta) Q_i`
//! contributes
//! `1/2 a~^T (G_i (x)_i L_rest) a~ - 1/2 sum_j (G_i)_{j_i j_i} L_rest,j c_j`,
//! where `L_rest` is the product of the other axes' eigenvalues. The
//! quadratic form is `sum_ab (G_i)_ab W_ab` with the `n_i x n_i` matrix
//! `W = sum_rest a~[.., a, ..] L_rest a~[.., b, ..]` (one matrix product of
//! the mode-`i` unfolding), the trace a weighted marginal sum of `c`; the
//! noise derivative is `s^2 (|a~|^2 - sum_j c_j) / 2`. One evaluation costs
//! one Kronecker matvec and `d` unfolding products, `O(N sum n_i)`; the
//! products run as fixed-size column or row chunks on rayon, each a
//! sequential faer product, so that results do not depend on the number
//! of threads and no thread waits at a barrier on a busy machine.
//! Predictions on a whole tensor grid of test inputs are themselves
//! Kronecker matvecs: the mean is `(K_1* (x) ... (x) K_d*) alpha` and the
//! explained variance `(S_1 (x) ... (x) S_d) c` with `S_i = (K_i* Q_i)^2`
//! entrywise, `O(M sum n_i)` for `M` grid points instead of `O(M N)`.
//!
//! Samples use the same structure. A prior draw on a test grid is
//! `(S_1 (x) ... (x) S_d) z` with `S_i = Q_i L_i^{1/2}` from each test
//! axis's eigendecomposition; a posterior draw follows Matheron's rule
//! `f_T + K_TX (K + s^2 I)^{-1} (y - f_X - e)` from one joint prior draw on
//! the per-axis union of the training and test grids, the solve being the
//! eigen-solve above: both exact in law, one or a few Kronecker matvecs per
//! draw. A fitted model serialises as its kernels, axes, noise variance and
//! targets, and deserialising repeats the (deterministic) conditioning, so
//! predictions and samples after a round trip are bit-identical (given a
//! format that reads floating-point numbers back exactly).
//!
//! Observations are indexed with the first axis slowest, matching the
//! Kronecker order: `y[i_1 n_2 ... n_d + ... + i_d]` is observed at
//! `(A_1[i_1], ..., A_d[i_d])`.
//!
//! Measured accuracy: on a 6 x 5 x 4 grid the log marginal likelihood,
//! posterior means and variances agree with [`super::ExactGp`] on the same
//! product kernel to 1e-12 relative, the gradient of the log marginal
//! likelihood agrees with ExactGp's to 1e-10 relative, and grid predictions
//! agree with pointwise ones to 1e-12; after fitting on that grid the log
//! marginal likelihood equals ExactGp's at the fitted hyperparameters to
//! 3e-14 relative (tests/kronecker_gp.rs). References:
//! Saatci (2012), ch. 5; Wilson et al., *Fast kernel learning for
//! multidimensional pattern extrapolation* (NeurIPS 2014); for samples,
//! Wilson, Borovitskiy, Terenin, Mostowsky & Deisenroth, *Efficiently
//! sampling functions from Gaussian process posteriors* (ICML 2020).

use super::LN_2PI;
use super::fit::{FitOptions, FitReport, Objective, maximise_lml};
use super::{GaussianProcess, Prediction};
use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::points::Points;
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd;
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;

/// A GP on a tensor grid with a product of one-dimensional kernels.
#[derive(Debug, Clone)]
pub struct KroneckerGp<K> {
    kernels: Vec<K>,
    axes: Vec<Vec<f64>>,
    noise_variance: f64,
    plan: GridEigen,
    y: Vec<f64>,
    alpha: Vec<f64>,
    inv_shifted: Vec<f64>,
    lml: f64,
}

/// `sum_i w[i] v[i * rest + r]` for each `r`: contracts the slowest axis.
fn contract(v: &[f64], w: &[f64]) -> Vec<f64> {
    let rest = v.len() / w.len();
    let mut out = vec![0.0; rest];
    for (i, wi) in w.iter().enumerate() {
        for (o, x) in out.iter_mut().zip(&v[i * rest..(i + 1) * rest]) {
            *o += wi * x;
        }
    }
    out
}

/// The Kronecker product of vectors (first factor slowest).
pub(super) fn kron_vectors<'a>(vectors: impl Iterator<Item = &'a [f64]>) -> Vec<f64> {
    let mut out = vec![1.0];
    for v in vectors {
        out = out
            .iter()
            .flat_map(|a| v.iter().map(move |b| a * b))
            .collect();
    }
    out
}

/// Columns per parallel task in [`kron_apply`] and rows per partial sum in
/// [`unfolding_gram`]: fixed, so results do not depend on the number of
/// threads.
const CHUNK: usize = 512;

/// `(A_1 (x) ... (x) A_d) x` (first factor slowest) by the shuffle form of
/// the vec trick: one `m_k x n_k` by `n_k x (N / n_k)` product per factor,
/// split into column chunks run in parallel (coarse tasks, no barriers).
pub(super) fn kron_apply(factors: &[MatRef<'_, f64>], x: &[f64]) -> Vec<f64> {
    let mut cur = x.to_vec();
    let mut next = Vec::new();
    for a in factors.iter().rev() {
        let (m, n) = (a.nrows(), a.ncols());
        let p = cur.len() / n;
        next.clear();
        next.resize(p * m, 0.0);
        let rhs = MatRef::from_column_major_slice(&cur, n, p);
        let dst = MatMut::from_column_major_slice_mut(&mut next, p, m).transpose_mut();
        dst.par_col_chunks_mut(CHUNK)
            .zip(rhs.par_col_chunks(CHUNK))
            .for_each(|(d, r)| matmul(d, Accum::Replace, *a, r, 1.0, Par::Seq));
        std::mem::swap(&mut cur, &mut next);
    }
    cur
}

/// `X^T B` for `rest x n` column-major `X` and `B` (a Gram of unfoldings),
/// as a fixed-order sum of partial products over row chunks.
fn unfolding_gram(x: &[f64], b: &[f64], rest: usize, n: usize) -> Mat<f64> {
    let x = MatRef::from_column_major_slice(x, rest, n);
    let b = MatRef::from_column_major_slice(b, rest, n);
    let rows = 8 * CHUNK;
    let partial: Vec<Mat<f64>> = (0..rest.div_ceil(rows))
        .into_par_iter()
        .map(|c| {
            let r0 = c * rows;
            let len = rows.min(rest - r0);
            let mut w = Mat::zeros(n, n);
            matmul(
                w.as_mut(),
                Accum::Replace,
                x.subrows(r0, len).transpose(),
                b.subrows(r0, len),
                1.0,
                Par::Seq,
            );
            w
        })
        .collect();
    let mut w = Mat::zeros(n, n);
    for p in &partial {
        w += p;
    }
    w
}

/// Per-axis eigendecompositions `K_i = Q_i diag(lam_i) Q_i^T` (faer,
/// sequential within an axis so that results do not depend on the number
/// of threads) and the `N` eigenvalues of their Kronecker product.
#[derive(Debug, Clone)]
pub(super) struct GridEigen {
    pub(super) q: Vec<Mat<f64>>,
    pub(super) lam: Vec<Vec<f64>>,
    eigenvalues: Vec<f64>,
}

/// `(Q, lambda)` with `K = Q diag(lambda) Q^T` for one axis's symmetric
/// kernel matrix (faer's eigendecomposition, sequential so that results do
/// not depend on the number of threads); `NonFinite` for a non-finite
/// entry.
fn axis_eigh(k: &Mat<f64>) -> Result<(Mat<f64>, Vec<f64>)> {
    if k.col_iter().any(|c| c.iter().any(|v| !v.is_finite())) {
        return Err(Error::NonFinite("KroneckerGp axis kernel matrix"));
    }
    let n = k.nrows();
    let mut q = Mat::zeros(n, n);
    let mut s = Diag::zeros(n);
    let mut buf = MemBuffer::new(evd::self_adjoint_evd_scratch::<f64>(
        n,
        evd::ComputeEigenvectors::Yes,
        Par::Seq,
        Default::default(),
    ));
    evd::self_adjoint_evd(
        k.as_ref(),
        s.as_mut(),
        Some(q.as_mut()),
        Par::Seq,
        MemStack::new(&mut buf),
        Default::default(),
    )
    .map_err(|e| {
        Error::InvalidArgument(format!("KroneckerGp: eigendecomposition failed: {e:?}"))
    })?;
    Ok((q, s.column_vector().iter().copied().collect()))
}

impl GridEigen {
    pub(super) fn new(factors: &[Mat<f64>], noise_variance: f64) -> Result<Self> {
        let decomposed: Vec<(Mat<f64>, Vec<f64>)> =
            factors.par_iter().map(axis_eigh).collect::<Result<_>>()?;
        let (q, lam): (Vec<_>, Vec<_>) = decomposed.into_iter().unzip();
        let eigenvalues = kron_vectors(lam.iter().map(Vec::as_slice));
        let min = eigenvalues
            .iter()
            .fold(f64::INFINITY, |m, &v| m.min(v + noise_variance));
        if min.is_nan() || min <= 0.0 {
            return Err(Error::NotPositiveDefinite(format!(
                "KroneckerGp: smallest eigenvalue of K + s^2 I is {min:e}"
            )));
        }
        Ok(Self {
            q,
            lam,
            eigenvalues,
        })
    }

    /// `Q^T x`.
    pub(super) fn qt_apply(&self, x: &[f64]) -> Vec<f64> {
        let qt: Vec<MatRef<'_, f64>> = self.q.iter().map(|q| q.transpose()).collect();
        kron_apply(&qt, x)
    }

    /// `Q x`.
    pub(super) fn q_apply(&self, x: &[f64]) -> Vec<f64> {
        let q: Vec<MatRef<'_, f64>> = self.q.iter().map(Mat::as_ref).collect();
        kron_apply(&q, x)
    }

    /// `1 / (lambda_j + s^2)` for every eigenvalue.
    pub(super) fn inv_shifted(&self, noise_variance: f64) -> Vec<f64> {
        self.eigenvalues
            .iter()
            .map(|l| 1.0 / (l + noise_variance))
            .collect()
    }

    /// `log det(K + s^2 I)`, summed in order; eight factors share one
    /// logarithm when their product is a normal number (the same rounding
    /// as eight logarithms, at an eighth of the cost).
    fn log_det(&self, noise_variance: f64) -> f64 {
        self.eigenvalues
            .chunks(8)
            .map(|c| {
                let prod: f64 = c.iter().map(|l| l + noise_variance).product();
                if prod.is_normal() {
                    prod.ln()
                } else {
                    c.iter().map(|l| (l + noise_variance).ln()).sum()
                }
            })
            .sum()
    }
}

/// The kernel matrix on one axis and its derivatives in each of the
/// kernel's log-hyperparameters.
pub(super) fn axis_matrices<K: Kernel>(kernel: &K, axis: &[f64]) -> (Mat<f64>, Vec<Mat<f64>>) {
    let n = axis.len();
    let np = kernel.num_params();
    let mut k = Mat::zeros(n, n);
    let mut dk = vec![Mat::<f64>::zeros(n, n); np];
    let mut g = vec![0.0; np];
    for j in 0..n {
        for i in j..n {
            let v = kernel.eval_with_grad(&[axis[i]], &[axis[j]], &mut g);
            k[(i, j)] = v;
            k[(j, i)] = v;
            for (d, &gp) in dk.iter_mut().zip(&g) {
                d[(i, j)] = gp;
                d[(j, i)] = gp;
            }
        }
    }
    (k, dk)
}

/// Log marginal likelihood of the grid GP and its gradient in the
/// kernels' log-hyperparameters (axis by axis) followed by the log noise
/// variance, by the eigenbasis formulas of the module documentation.
fn lml_and_grad<K: Kernel>(
    kernels: &[K],
    axes: &[Vec<f64>],
    noise_variance: f64,
    y: &[f64],
) -> Result<(f64, Vec<f64>)> {
    let (factors, derivatives): (Vec<Mat<f64>>, Vec<Vec<Mat<f64>>>) = kernels
        .par_iter()
        .zip(axes)
        .map(|(k, a)| axis_matrices(k, a))
        .unzip();
    let plan = GridEigen::new(&factors, noise_variance)?;
    let y_tilde = plan.qt_apply(y);
    let c = plan.inv_shifted(noise_variance);
    let a_tilde: Vec<f64> = y_tilde.iter().zip(&c).map(|(v, c)| v * c).collect();
    let n = y.len();
    let fit: f64 = y_tilde.iter().zip(&a_tilde).map(|(v, a)| v * a).sum();
    let lml = -0.5 * fit - 0.5 * plan.log_det(noise_variance) - 0.5 * n as f64 * LN_2PI;
    let lams = &plan.lam;
    let mut grad = Vec::new();
    // The tensor with one axis moved to the slowest position, reused.
    let mut x = vec![0.0; n];
    let mut beta = vec![0.0; n];
    for (i, (q, dks)) in plan.q.iter().zip(&derivatives).enumerate() {
        let ni = axes[i].len();
        let w_pre = kron_vectors(lams[..i].iter().map(Vec::as_slice));
        let w_post = kron_vectors(lams[i + 1..].iter().map(Vec::as_slice));
        let post = w_post.len();
        // With axis i moved to the slowest position (rest = (pre, post)):
        // x = a~, beta = a~ times the other axes' eigenvalues, and t the
        // marginal sum of c with the same weights.
        let rest = n / ni;
        let t: Vec<f64> = x
            .par_chunks_mut(rest)
            .zip(beta.par_chunks_mut(rest))
            .enumerate()
            .map(|(a, (xa, ba))| {
                let mut acc = 0.0;
                for (pre, &wp) in w_pre.iter().enumerate() {
                    let src = (pre * ni + a) * post;
                    let dst = pre * post;
                    for (r, &wq) in w_post.iter().enumerate() {
                        let w = wp * wq;
                        xa[dst + r] = a_tilde[src + r];
                        ba[dst + r] = a_tilde[src + r] * w;
                        acc += c[src + r] * w;
                    }
                }
                acc
            })
            .collect();
        // W = sum over the other indices of a~[.., a, ..] beta[.., b, ..]:
        // one product of the mode-i unfoldings.
        let w = unfolding_gram(&x, &beta, rest, ni);
        let mut qdk = Mat::<f64>::zeros(ni, ni);
        let mut g = Mat::<f64>::zeros(ni, ni);
        for dk in dks {
            // G = Q^T dK Q (small: sequential).
            matmul(
                qdk.as_mut(),
                Accum::Replace,
                q.transpose(),
                dk,
                1.0,
                Par::Seq,
            );
            matmul(g.as_mut(), Accum::Replace, qdk.as_ref(), q, 1.0, Par::Seq);
            let mut quad = 0.0;
            let mut trace = 0.0;
            for b in 0..ni {
                for a in 0..ni {
                    quad += g[(a, b)] * w[(a, b)];
                }
                trace += g[(b, b)] * t[b];
            }
            grad.push(0.5 * (quad - trace));
        }
    }
    let a2: f64 = a_tilde.iter().map(|a| a * a).sum();
    let csum: f64 = c.iter().sum();
    grad.push(0.5 * noise_variance * (a2 - csum));
    Ok((lml, grad))
}

/// Checks a Kronecker model's kernels, axes and noise variance (shared
/// with the masked model); returns the grid size.
pub(super) fn check_grid<K: Kernel>(
    kernels: &[K],
    axes: &[Vec<f64>],
    noise_variance: f64,
) -> Result<usize> {
    if axes.is_empty() {
        return Err(Error::Empty("Kronecker GP: no axes"));
    }
    if kernels.len() != axes.len() {
        return Err(Error::ShapeMismatch {
            context: "Kronecker GP",
            expected: format!("{} kernels (one per axis)", axes.len()),
            got: format!("{} kernels", kernels.len()),
        });
    }
    if !(noise_variance > 0.0 && noise_variance.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "a Kronecker GP needs a positive finite noise variance, got {noise_variance}"
        )));
    }
    let mut n = 1usize;
    for (k, a) in kernels.iter().zip(axes) {
        if a.is_empty() {
            return Err(Error::Empty("Kronecker GP: an axis has no points"));
        }
        if a.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite("Kronecker GP axis coordinates"));
        }
        k.check_dim(1)?;
        n = n.saturating_mul(a.len());
    }
    Ok(n)
}

/// The per-axis cross-covariances `K_i(test_i, axis_i)` for a test grid,
/// after checking it: as many axes as the model, none empty, all finite.
pub(super) fn cross_factors<K: Kernel>(
    kernels: &[K],
    axes: &[Vec<f64>],
    test_axes: &[Vec<f64>],
    context: &'static str,
) -> Result<Vec<Mat<f64>>> {
    if test_axes.len() != axes.len() {
        return Err(Error::ShapeMismatch {
            context,
            expected: format!("{} axes", axes.len()),
            got: format!("{} axes", test_axes.len()),
        });
    }
    for a in test_axes {
        if a.is_empty() {
            return Err(Error::Empty(
                "Kronecker GP prediction: a test axis has no points",
            ));
        }
        if a.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite("Kronecker GP test coordinates"));
        }
    }
    Ok(kernels
        .iter()
        .zip(axes)
        .zip(test_axes)
        .map(|((k, a), t)| Mat::from_fn(t.len(), a.len(), |r, c| k.eval(&[t[r]], &[a[c]])))
        .collect())
}

/// Checks the model's inputs; returns the grid size.
fn check_inputs<K: Kernel>(
    kernels: &[K],
    axes: &[Vec<f64>],
    noise_variance: f64,
    y: &[f64],
) -> Result<usize> {
    let n = check_grid(kernels, axes, noise_variance)?;
    if y.len() != n {
        return Err(Error::ShapeMismatch {
            context: "KroneckerGp::new",
            expected: format!("{n} observations (the grid size)"),
            got: format!("{}", y.len()),
        });
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite("KroneckerGp targets"));
    }
    Ok(n)
}

/// Kernels with their log-hyperparameters taken, in order, from `p`.
pub(super) fn kernels_at<K: Kernel + Clone>(kernels: &[K], p: &[f64]) -> Result<Vec<K>> {
    let mut out = Vec::with_capacity(kernels.len());
    let mut at = 0;
    for k in kernels {
        let np = k.num_params();
        let Some(own) = p.get(at..at + np) else {
            return Err(Error::ShapeMismatch {
                context: "KroneckerGp log-hyperparameters",
                expected: "the kernels' parameters and the log noise variance".into(),
                got: format!("{} values", p.len()),
            });
        };
        let mut k = k.clone();
        k.set_log_params(own)?;
        out.push(k);
        at += np;
    }
    Ok(out)
}

struct KroneckerObjective<'a, K> {
    kernels: &'a [K],
    axes: &'a [Vec<f64>],
    y: &'a [f64],
}

impl<K: Kernel + Clone> Objective for KroneckerObjective<'_, K> {
    fn neg_lml_and_grad(&self, p: &[f64]) -> Result<(f64, Vec<f64>)> {
        let total: usize = self.kernels.iter().map(Kernel::num_params).sum::<usize>() + 1;
        crate::kernel::check_log_params(p, total, "KroneckerGp log-hyperparameters")?;
        let kernels = kernels_at(self.kernels, p)?;
        let (lml, grad) = lml_and_grad(&kernels, self.axes, p[total - 1].exp(), self.y)?;
        Ok((-lml, grad.into_iter().map(|g| -g).collect()))
    }
}

impl<K: Kernel> KroneckerGp<K> {
    /// Conditions the GP with one kernel per axis (each on one-dimensional
    /// inputs; the overall variance is the product of the kernels'
    /// variances) on observations `y` over the grid `axes`, with noise
    /// variance `noise_variance`.
    ///
    /// # Errors
    /// `Empty` for no axes or an empty axis; `ShapeMismatch` when the
    /// numbers of kernels and axes differ, `y` does not have `prod n_i`
    /// entries, or a kernel rejects one-dimensional inputs; `NonFinite`
    /// for non-finite coordinates or targets; `InvalidArgument` for a noise
    /// variance that is not positive and finite; `NotPositiveDefinite` when
    /// a factor is not positive semi-definite.
    pub fn new(
        kernels: Vec<K>,
        axes: Vec<Vec<f64>>,
        noise_variance: f64,
        y: Vec<f64>,
    ) -> Result<Self> {
        let n = check_inputs(&kernels, &axes, noise_variance, &y)?;
        let factors: Vec<Mat<f64>> = kernels
            .iter()
            .zip(&axes)
            .map(|(k, a)| Mat::from_fn(a.len(), a.len(), |i, j| k.eval(&[a[i]], &[a[j]])))
            .collect();
        let plan = GridEigen::new(&factors, noise_variance)?;
        let inv_shifted = plan.inv_shifted(noise_variance);
        let scaled: Vec<f64> = plan
            .qt_apply(&y)
            .iter()
            .zip(&inv_shifted)
            .map(|(v, c)| v * c)
            .collect();
        let alpha = plan.q_apply(&scaled);
        let fit: f64 = y.iter().zip(&alpha).map(|(a, b)| a * b).sum();
        let lml = -0.5 * fit - 0.5 * plan.log_det(noise_variance) - 0.5 * n as f64 * LN_2PI;
        Ok(Self {
            kernels,
            axes,
            noise_variance,
            plan,
            y,
            alpha,
            inv_shifted,
            lml,
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

    /// `(K + s^2 I)^{-1} y`, first axis slowest.
    pub fn alpha(&self) -> &[f64] {
        &self.alpha
    }

    /// The noise variance and the kernels' log-hyperparameters, in the
    /// order [`KroneckerGp::log_marginal_likelihood_gradient`] uses: each
    /// kernel's (first axis first), then the log noise variance.
    pub fn log_params(&self) -> Vec<f64> {
        let mut p: Vec<f64> = self.kernels.iter().flat_map(Kernel::log_params).collect();
        p.push(self.noise_variance.ln());
        p
    }

    /// Gradient of the log marginal likelihood in
    /// [`KroneckerGp::log_params`], `O(N sum n_i)`.
    ///
    /// # Errors
    /// `NotPositiveDefinite` as in [`KroneckerGp::new`] (not expected for a
    /// model that was built).
    pub fn log_marginal_likelihood_gradient(&self) -> Result<Vec<f64>> {
        Ok(lml_and_grad(&self.kernels, &self.axes, self.noise_variance, &self.y)?.1)
    }

    /// Posterior mean and variance at every point of the tensor grid
    /// `test_axes` (first axis slowest, as the observations), by two
    /// Kronecker matvecs: `O(M sum n_i + N sum m_i)` for `M = prod m_i`
    /// test points.
    ///
    /// # Errors
    /// `ShapeMismatch` for a number of axes other than the model's;
    /// `Empty` for an empty axis; `NonFinite` coordinates.
    pub fn predict_grid(&self, test_axes: &[Vec<f64>]) -> Result<Prediction> {
        let cross = cross_factors(
            &self.kernels,
            &self.axes,
            test_axes,
            "KroneckerGp::predict_grid",
        )?;
        let squared: Vec<Mat<f64>> = cross
            .iter()
            .zip(&self.plan.q)
            .map(|(kx, q)| {
                let mut s = kx * q;
                for j in 0..s.ncols() {
                    for v in s.col_mut(j).iter_mut() {
                        *v *= *v;
                    }
                }
                s
            })
            .collect();
        let prior_axes: Vec<Vec<f64>> = self
            .kernels
            .iter()
            .zip(test_axes)
            .map(|(k, t)| t.iter().map(|&x| k.eval(&[x], &[x])).collect())
            .collect();
        let prior = kron_vectors(prior_axes.iter().map(Vec::as_slice));
        let cross: Vec<MatRef<'_, f64>> = cross.iter().map(Mat::as_ref).collect();
        let squared: Vec<MatRef<'_, f64>> = squared.iter().map(Mat::as_ref).collect();
        let (mean, explained) = rayon::join(
            || kron_apply(&cross, &self.alpha),
            || kron_apply(&squared, &self.inv_shifted),
        );
        let variance = prior
            .iter()
            .zip(&explained)
            .map(|(p, e)| (p - e).max(0.0))
            .collect();
        Ok(Prediction { mean, variance })
    }

    /// Posterior mean and variance at one point.
    fn predict_one(&self, x: &[f64]) -> (f64, f64) {
        let ks: Vec<Vec<f64>> = self
            .kernels
            .iter()
            .zip(&self.axes)
            .zip(x)
            .map(|((k, a), &xd)| a.iter().map(|&g| k.eval(&[xd], &[g])).collect())
            .collect();
        let mut v = self.alpha.clone();
        for w in &ks {
            v = contract(&v, w);
        }
        let mean = v[0];
        // Q^T k_* one axis at a time, squared, then spread over the grid.
        let mut weights = vec![1.0];
        for (q, w) in self.plan.q.iter().zip(&ks) {
            let qw = q.transpose() * MatRef::from_column_major_slice(w, w.len(), 1);
            let sq: Vec<f64> = qw.col(0).iter().map(|v| v * v).collect();
            weights = weights
                .iter()
                .flat_map(|a| sq.iter().map(move |b| a * b))
                .collect();
        }
        let explained: f64 = weights
            .iter()
            .zip(&self.inv_shifted)
            .map(|(w, s)| w * s)
            .sum();
        let prior: f64 = self
            .kernels
            .iter()
            .zip(x)
            .map(|(k, &xd)| k.eval(&[xd], &[xd]))
            .product();
        (mean, (prior - explained).max(0.0))
    }
}

impl<K: Kernel + Clone> KroneckerGp<K> {
    /// Fits the kernels' hyperparameters and the noise variance by L-BFGS
    /// on the log marginal likelihood with its exact gradient (the
    /// eigenbasis formulas above, `O(N sum n_i)` per evaluation), from the
    /// given kernels and noise variance, and conditions on `y` at the
    /// optimum. With one variance per axis the product's overall variance
    /// is shared among them (a flat direction the search does not mind);
    /// fixing all but one is the caller's choice of kernels.
    ///
    /// # Errors
    /// As [`KroneckerGp::new`], and the search's own.
    pub fn fit(
        kernels: Vec<K>,
        axes: Vec<Vec<f64>>,
        noise_variance: f64,
        y: Vec<f64>,
        options: &FitOptions,
    ) -> Result<(Self, FitReport)> {
        let n = check_inputs(&kernels, &axes, noise_variance, &y)?;
        let mut init: Vec<f64> = kernels.iter().flat_map(Kernel::log_params).collect();
        init.push(noise_variance.ln());
        let objective = KroneckerObjective {
            kernels: &kernels,
            axes: &axes,
            y: &y,
        };
        let report = maximise_lml(&objective, init, n, options)?;
        let p = &report.log_params;
        let fitted = kernels_at(&kernels, p)?;
        let noise = p.last().map_or(noise_variance, |v| v.exp());
        let gp = Self::new(fitted, axes, noise, y)?;
        Ok((gp, report))
    }
}

impl<K: Kernel> GaussianProcess for KroneckerGp<K> {
    fn log_marginal_likelihood(&self) -> f64 {
        self.lml
    }

    /// `O(N)` per query point, in parallel over the queries.
    fn predict(&self, x: &Points) -> Result<Prediction> {
        if x.dim() != self.axes.len() {
            return Err(Error::ShapeMismatch {
                context: "KroneckerGp::predict",
                expected: format!("points of dimension {}", self.axes.len()),
                got: format!("dimension {}", x.dim()),
            });
        }
        let (mean, variance) = (0..x.len())
            .into_par_iter()
            .map(|i| self.predict_one(x.row(i)))
            .unzip();
        Ok(Prediction { mean, variance })
    }

    fn noise_variance(&self) -> f64 {
        self.noise_variance
    }
}

/// Largest eigenvalue below zero, relative to the largest, that a factor
/// of a prior covariance may have from rounding; it is then taken as zero.
const SQRT_NEGATIVE_TOL: f64 = 1e-8;

/// `S = Q diag(sqrt(lambda))` with `S S^T = K` for one axis's symmetric
/// positive semi-definite kernel matrix (faer's eigendecomposition,
/// sequential so that results do not depend on the number of threads;
/// eigenvalues within rounding of zero are taken as zero).
pub(super) fn axis_sqrt(k: &Mat<f64>) -> Result<Mat<f64>> {
    let (mut q, lam) = axis_eigh(k)?;
    let top = lam.iter().fold(0.0f64, |m, &v| m.max(v));
    let low = lam.iter().fold(0.0f64, |m, &v| m.min(v));
    if low < -SQRT_NEGATIVE_TOL * top {
        return Err(Error::NotPositiveDefinite(format!(
            "KroneckerGp: an axis kernel matrix has eigenvalue {low:e} (largest {top:e})"
        )));
    }
    for (j, l) in lam.iter().enumerate() {
        let r = l.max(0.0).sqrt();
        for v in q.col_mut(j).iter_mut() {
            *v *= r;
        }
    }
    Ok(q)
}

/// The product of the axis lengths, or `InvalidArgument` when it
/// overflows.
pub(super) fn grid_size(lengths: impl IntoIterator<Item = usize>) -> Result<usize> {
    lengths
        .into_iter()
        .try_fold(1usize, |n, len| n.checked_mul(len))
        .ok_or_else(|| Error::InvalidArgument("Kronecker GP: the grid is too large".into()))
}

/// A standard normal vector of length `n` from `rng`.
fn normals<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Vec<f64> {
    (0..n).map(|_| rng.sample(StandardNormal)).collect()
}

/// Joint prior draws `(S_1 (x) ... (x) S_d) z` on the grid of `axes`
/// (first axis slowest), one vector per draw, with `S_i` the square root
/// [`axis_sqrt`] of axis `i`'s kernel matrix. The normals of `z` come from
/// `rng` draw by draw; the Kronecker products then run in parallel over
/// draws, so the result does not depend on the number of threads.
pub(super) fn grid_prior_draws<K: Kernel, R: Rng + ?Sized>(
    kernels: &[K],
    axes: &[Vec<f64>],
    n_samples: usize,
    rng: &mut R,
    context: &'static str,
) -> Result<Vec<Vec<f64>>> {
    let factors = cross_factors(kernels, axes, axes, context)?;
    let size = grid_size(axes.iter().map(Vec::len))?;
    let roots: Vec<Mat<f64>> = factors.iter().map(axis_sqrt).collect::<Result<_>>()?;
    let roots: Vec<MatRef<'_, f64>> = roots.iter().map(Mat::as_ref).collect();
    let z: Vec<Vec<f64>> = (0..n_samples).map(|_| normals(size, rng)).collect();
    Ok(z.par_iter().map(|z| kron_apply(&roots, z)).collect())
}

/// Equal-length columns as a `rows x columns.len()` matrix.
pub(super) fn columns_to_matrix(rows: usize, columns: &[Vec<f64>]) -> Mat<f64> {
    Mat::from_fn(rows, columns.len(), |i, j| columns[j][i])
}

/// The points of `a` followed by those of `t` not already present
/// (compared bit for bit, with `-0.0` as `0.0`), and the position of each
/// point of `t` in that union.
pub(super) fn union_axis(a: &[f64], t: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let key = |v: f64| (v + 0.0).to_bits();
    let mut union = a.to_vec();
    let mut index: HashMap<u64, usize> = HashMap::with_capacity(a.len() + t.len());
    for (i, &v) in a.iter().enumerate() {
        index.entry(key(v)).or_insert(i);
    }
    let positions = t
        .iter()
        .map(|&v| {
            *index.entry(key(v)).or_insert_with(|| {
                union.push(v);
                union.len() - 1
            })
        })
        .collect();
    (union, positions)
}

impl<K: Kernel> KroneckerGp<K> {
    /// Joint samples of the prior `GP(0, k_1 ... k_d)` at every point of the
    /// tensor grid `test_axes` (first axis slowest): a `prod m_i x n_samples`
    /// matrix, one draw per column.
    ///
    /// Algorithm: with `K_i = Q_i L_i Q_i^T` on test axis `i` and
    /// `S_i = Q_i L_i^{1/2}`, `(S_1 (x) ... (x) S_d) z` for standard normal
    /// `z` has covariance `K_1 (x) ... (x) K_d`; one Kronecker matvec per
    /// draw, `O(M sum m_i)` for `M = prod m_i` points (after `O(sum m_i^3)`
    /// for the eigendecompositions), exact in law. Eigenvalues within
    /// rounding of zero (above `-1e-8` of the largest) are taken as zero,
    /// so no jitter is needed. Saatci (2012), sec. 5.2.
    ///
    /// Checked (tests/gp_sampling.rs): sample variances and covariances of
    /// 4000 draws on a 4 x 3 grid within 5 Monte Carlo standard errors of
    /// the product kernel (largest |z| 2.3 over 90 statistics). Measured:
    /// 0.05 s per draw on a 100^3 grid (release build, shared 2-core
    /// machine at load average 5).
    ///
    /// # Errors
    /// `Empty` without axes or for an empty axis; `ShapeMismatch` when the
    /// numbers of kernels and axes differ or a kernel rejects
    /// one-dimensional inputs; `NonFinite` coordinates or kernel values;
    /// `NotPositiveDefinite` when an axis kernel matrix has a clearly
    /// negative eigenvalue; `InvalidArgument` when the grid size overflows.
    pub fn sample_prior<R: Rng + ?Sized>(
        kernels: &[K],
        test_axes: &[Vec<f64>],
        n_samples: usize,
        rng: &mut R,
    ) -> Result<Mat<f64>> {
        if kernels.is_empty() {
            return Err(Error::Empty("KroneckerGp::sample_prior: no kernels"));
        }
        if kernels.len() != test_axes.len() {
            return Err(Error::ShapeMismatch {
                context: "KroneckerGp::sample_prior",
                expected: format!("{} axes (one per kernel)", kernels.len()),
                got: format!("{} axes", test_axes.len()),
            });
        }
        for k in kernels {
            k.check_dim(1)?;
        }
        let m = grid_size(test_axes.iter().map(Vec::len))?;
        let draws = grid_prior_draws(
            kernels,
            test_axes,
            n_samples,
            rng,
            "KroneckerGp::sample_prior",
        )?;
        Ok(columns_to_matrix(m, &draws))
    }

    /// Joint posterior samples of `f` at every point of the tensor grid
    /// `test_axes` (first axis slowest; pass [`KroneckerGp::axes`] for the
    /// training grid): a `prod m_i x n_samples` matrix, one draw per column.
    ///
    /// Algorithm: Matheron's rule (pathwise conditioning; Wilson et al.,
    /// *Efficiently sampling functions from Gaussian process posteriors*,
    /// ICML 2020): with a joint prior draw `(f_X, f_T)` at the training
    /// grid `X` and the test grid `T` and noise `e ~ N(0, s^2 I)`,
    /// `f_T + K_TX (K + s^2 I)^{-1} (y - f_X - e)` has exactly the posterior
    /// law. The joint prior draw lives on the union grid
    /// `U = (A_1 u T_1) x ... x (A_d u T_d)` (the per-axis unions; `U = X`
    /// when the test grid is the training grid): with `S_i` the square
    /// root of the union axis's kernel matrix (as in
    /// [`KroneckerGp::sample_prior`]), `f_X` and `f_T` are the Kronecker
    /// products of the rows of `S_i` at the training and test points
    /// applied to one `z`. The solve is the model's eigen-solve
    /// `Q diag(1 / (lambda + s^2)) Q^T`, the update one Kronecker matvec
    /// with `K_i(T_i, A_i)`. Per draw `O(|U| sum |U_i| + N sum n_i)`; no
    /// matrix larger than one axis's is formed and no jitter is needed.
    /// Random numbers per draw: the `|U|` normals of `z`, then the `N` of `e`.
    ///
    /// Checked (tests/gp_sampling.rs), on the 5 x 4 training grid and on an
    /// overlapping 4 x 3 test grid: sample means, variances and covariances
    /// of 4000 draws within 5 Monte Carlo standard errors of
    /// [`KroneckerGp::predict_grid`] and of [`super::ExactGp`]'s dense
    /// posterior on the same data with the product kernel (largest |z| 4.2
    /// over 230 statistics and 2.4 over 90; over twelve other seeds per
    /// grid the largest was 2.2 to 4.1). Measured with Matern 5/2 factors on a
    /// 100^3 grid (release build, shared 2-core machine at load average
    /// 5): 0.23 s per draw on the training grid, 0.77 s on a shifted
    /// 100^3 test grid (a 200^3 union grid).
    ///
    /// # Errors
    /// As [`KroneckerGp::predict_grid`]; `NotPositiveDefinite` when a union
    /// axis's kernel matrix has a clearly negative eigenvalue;
    /// `InvalidArgument` when the union grid's size overflows.
    pub fn sample_posterior<R: Rng + ?Sized>(
        &self,
        test_axes: &[Vec<f64>],
        n_samples: usize,
        rng: &mut R,
    ) -> Result<Mat<f64>> {
        let cross = cross_factors(
            &self.kernels,
            &self.axes,
            test_axes,
            "KroneckerGp::sample_posterior",
        )?;
        let m = grid_size(test_axes.iter().map(Vec::len))?;
        let on_training_grid = test_axes == self.axes.as_slice();
        let mut train_roots = Vec::with_capacity(self.axes.len());
        let mut test_roots = Vec::with_capacity(self.axes.len());
        for ((k, a), t) in self.kernels.iter().zip(&self.axes).zip(test_axes) {
            let (union, positions) = union_axis(a, t);
            let ku = Mat::from_fn(union.len(), union.len(), |i, j| {
                k.eval(&[union[i]], &[union[j]])
            });
            let root = axis_sqrt(&ku)?;
            // The training points come first in the union.
            train_roots.push(root.subrows(0, a.len()).to_owned());
            test_roots.push(Mat::from_fn(positions.len(), union.len(), |r, c| {
                root[(positions[r], c)]
            }));
        }
        let u = grid_size(train_roots.iter().map(Mat::ncols))?;
        let train_roots: Vec<MatRef<'_, f64>> = train_roots.iter().map(Mat::as_ref).collect();
        let test_roots: Vec<MatRef<'_, f64>> = test_roots.iter().map(Mat::as_ref).collect();
        let cross: Vec<MatRef<'_, f64>> = cross.iter().map(Mat::as_ref).collect();
        let sd = self.noise_variance.sqrt();
        let mut out = Mat::zeros(m, n_samples);
        for c in 0..n_samples {
            let z = normals(u, rng);
            let e = normals(self.y.len(), rng);
            let f_train = kron_apply(&train_roots, &z);
            let residual: Vec<f64> = self
                .y
                .iter()
                .zip(&f_train)
                .zip(&e)
                .map(|((y, f), e)| y - f - sd * e)
                .collect();
            let scaled: Vec<f64> = self
                .plan
                .qt_apply(&residual)
                .iter()
                .zip(&self.inv_shifted)
                .map(|(v, c)| v * c)
                .collect();
            let weights = self.plan.q_apply(&scaled);
            let update = kron_apply(&cross, &weights);
            let f_test = if on_training_grid {
                f_train
            } else {
                kron_apply(&test_roots, &z)
            };
            out.col_mut(c)
                .iter_mut()
                .zip(f_test.iter().zip(&update))
                .for_each(|(o, (f, d))| *o = f + d);
        }
        Ok(out)
    }
}

/// What a fitted [`KroneckerGp`] is stored as: its kernels, grid, noise
/// variance and targets; the eigendecompositions are rebuilt on loading
/// (deterministically, so predictions are identical).
#[derive(Serialize)]
struct KroneckerGpRef<'a, K> {
    kernels: &'a [K],
    axes: &'a [Vec<f64>],
    noise_variance: f64,
    y: &'a [f64],
}

/// The owned form of [`KroneckerGpRef`], read back.
#[derive(Deserialize)]
struct KroneckerGpData<K> {
    kernels: Vec<K>,
    axes: Vec<Vec<f64>>,
    noise_variance: f64,
    y: Vec<f64>,
}

impl<K: Kernel + Serialize> Serialize for KroneckerGp<K> {
    /// Writes the kernels, axes, noise variance and targets.
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        KroneckerGpRef {
            kernels: &self.kernels,
            axes: &self.axes,
            noise_variance: self.noise_variance,
            y: &self.y,
        }
        .serialize(serializer)
    }
}

impl<'de, K: Kernel + Deserialize<'de>> Deserialize<'de> for KroneckerGp<K> {
    /// Reads what [`Serialize`] wrote and conditions again through
    /// [`KroneckerGp::new`], whose checks apply to the stored data.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let d = KroneckerGpData::<K>::deserialize(deserializer)?;
        Self::new(d.kernels, d.axes, d.noise_variance, d.y).map_err(serde::de::Error::custom)
    }
}
