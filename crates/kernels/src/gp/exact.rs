//! Exact Gaussian-process regression by dense Cholesky.
//!
//! With `K_y = K(X, X) + s_n^2 I = L L^T` and `alpha = K_y^{-1} y`
//! (Rasmussen & Williams 2006, alg. 2.1):
//! `log p(y) = -y^T alpha / 2 - sum_i log L_ii - (N / 2) log 2 pi`,
//! mean `K(x_*, X) alpha`, variance `k(x_*, x_*) - |L^{-1} K(X, x_*)|^2`,
//! and the gradient (eq. 5.9)
//! `d log p / d theta_j = tr((alpha alpha^T - K_y^{-1}) dK/d theta_j) / 2`,
//! accumulated over the lower triangle in one parallel pass
//! (`Kernel::contract_gram_gradient`: for stationary kernels every
//! hyperparameter's sum from one tile of distances and one vectorised
//! evaluation of the profile and its derivative), so the `N x N x P`
//! tensor of kernel derivatives is never stored. `K_y^{-1}` comes from
//! faer's Cholesky inverse, overwritten in place by the weights.
//!
//! Accuracy: log marginal likelihood, gradient, predictive mean and
//! variance agree with scikit-learn 1.9.1's `GaussianProcessRegressor` to at
//! most 5e-14 relative over six kernels (tests/exact_gp.rs, fixtures from
//! xtask/refdata/gp_sklearn.py), and to 3e-13 at N = 5000 in the peers run.
//! Against GPyTorch 1.15.2 (float64, Cholesky solves, no jitter) the same
//! quantities agree to at most 7e-13 relative for scaled RBF and Matern
//! 1/2, 3/2, 5/2 kernels (tests/gpytorch.rs, fixtures from
//! xtask/refdata/gp_gpytorch.py); the largest gap, Matern-1/2, is GPyTorch's
//! rounding: a 40-digit evaluation differs from ours by 7e-16.
//! `cargo xtask peers kernels` (ARD Matern 5/2, d = 5, N = 2000 and 5000)
//! compares the log marginal likelihood and its gradient with GPyTorch's
//! ExactGP: with every solve a Cholesky (`max_cholesky_size(1e9)`) they
//! agree to 1.8e-14 relative; GPyTorch's defaults (CG solves and
//! stochastic Lanczos log-determinants above 800 points) are off by 4.5e-2
//! and 1.3e-1.
//!
//! Samples: joint draws `mean + L z` from the Cholesky factor of the
//! prior or posterior covariance at the sample inputs, `O(M^3)` for `M`
//! inputs, with reported jitter escalation when the factorisation fails.
//!
//! Speed: Cholesky and inverse dominate. At N = 5000 on two threads of a
//! shared machine the vectorised lower-triangle Gram fill took 0.09 s
//! (0.4 to 0.9 s through the entry-wise `gram`), the Cholesky 1.35 s,
//! faer's inverse 1.9 s and the blocked gradient contraction 0.07 s
//! (0.25 s pair by pair through `eval_with_grad`); the whole log marginal
//! likelihood with gradient took 3.5 s at N = 5000 and 0.33 s at N = 2000
//! in the quietest peers run. Against scikit-learn and GPyTorch in the
//! same runs see `docs/benchmarks.md`.

use super::LN_2PI;
use super::cholesky::{Jitter, cholesky_with_jitter};
use super::fit::{
    FitOptions, FitReport, Objective, join_log_params, maximise_lml, split_log_params,
};
use super::{GaussianProcess, Prediction};
use crate::gram::{cross_gram, gram, gram_diagonal};
use crate::kernel::{Kernel, check_positive};
use crate::points::Points;
use crate::{Error, Result};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::inverse::{inverse, inverse_scratch};
use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Mat, MatMut, MatRef};
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A GP conditioned on data by dense Cholesky.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExactGp<K> {
    kernel: K,
    noise_variance: f64,
    x: Points,
    y: Vec<f64>,
    policy: Jitter,
    jitter: f64,
    /// Lower Cholesky factor of `K + (s_n^2 + jitter) I`, column-major.
    chol: Vec<f64>,
    alpha: Vec<f64>,
    lml: f64,
}

pub(super) fn check_targets(x: &Points, y: &[f64]) -> Result<()> {
    if y.len() != x.len() {
        return Err(Error::ShapeMismatch {
            context: "GP targets",
            expected: format!("{} targets, one per input", x.len()),
            got: format!("{}", y.len()),
        });
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite("GP targets"));
    }
    Ok(())
}

/// Cholesky factor of `K + s_n^2 I`, `alpha = (K + s_n^2 I)^{-1} y`, the
/// Gaussian log marginal likelihood and the jitter used.
pub(super) struct Factor {
    pub(super) chol: Vec<f64>,
    pub(super) alpha: Vec<f64>,
    pub(super) lml: f64,
    pub(super) jitter: f64,
}

pub(super) fn factor<K: Kernel>(
    kernel: &K,
    noise: f64,
    x: &Points,
    y: &[f64],
    policy: Jitter,
) -> Result<Factor> {
    let n = x.len();
    kernel.check_dim(x.dim())?;
    let mut a = vec![0.0; n * n];
    kernel.gram_lower_columns(x, &mut a);
    let mut finite = true;
    for j in 0..n {
        a[j * n + j] += noise;
        finite &= a[j * n + j..(j + 1) * n].iter().all(|v| v.is_finite());
    }
    if !finite {
        return Err(Error::NonFinite("kernel matrix"));
    }
    let jitter = cholesky_with_jitter(&mut a, n, policy, "K + noise I")?;
    let l = MatRef::from_column_major_slice(&a, n, n);
    let mut alpha = y.to_vec();
    {
        let rhs = MatMut::from_column_major_slice_mut(&mut alpha, n, 1);
        solve_lower_triangular_in_place(l, rhs, faer::get_global_parallelism());
    }
    let quad: f64 = alpha.iter().map(|v| v * v).sum();
    {
        let rhs = MatMut::from_column_major_slice_mut(&mut alpha, n, 1);
        faer::linalg::triangular_solve::solve_upper_triangular_in_place(
            l.transpose(),
            rhs,
            faer::get_global_parallelism(),
        );
    }
    let logdet: f64 = (0..n).map(|i| a[i * n + i].ln()).sum();
    let lml = -0.5 * quad - logdet - 0.5 * n as f64 * LN_2PI;
    Ok(Factor {
        chol: a,
        alpha,
        lml,
        jitter,
    })
}

/// `tr((w alpha alpha^T - K_y^{-1}) dK_y / d log theta) / 2` for the
/// kernel's parameters, then for the noise: the log marginal likelihood's
/// gradient for `w = 1`; the Student-t process weights `alpha alpha^T` by
/// `w = (nu + N) / (nu + beta - 2)`.
pub(super) fn lml_gradient<K: Kernel>(
    kernel: &K,
    noise: f64,
    x: &Points,
    f: &Factor,
    alpha_weight: f64,
) -> Vec<f64> {
    let n = x.len();
    let par = faer::get_global_parallelism();
    // K_y^{-1} into a column-major buffer (lower triangle used below).
    let mut w = vec![0.0; n * n];
    {
        let mut mem = MemBuffer::new(inverse_scratch::<f64>(n, par));
        let stack = MemStack::new(&mut mem);
        inverse(
            MatMut::from_column_major_slice_mut(&mut w, n, n),
            MatRef::from_column_major_slice(&f.chol, n, n),
            par,
            stack,
        );
    }
    let alpha = &f.alpha;
    let trace_w: f64 = (0..n)
        .map(|i| alpha_weight * alpha[i] * alpha[i] - w[i * n + i])
        .sum();
    // W = (w alpha alpha^T - K_y^{-1}) / 2 over the lower triangle, in place.
    w.par_chunks_mut(n.max(1)).enumerate().for_each(|(j, col)| {
        let aj = 0.5 * alpha_weight * alpha[j];
        for (c, ai) in col[j..].iter_mut().zip(&alpha[j..]) {
            *c = aj * ai - 0.5 * *c;
        }
    });
    let p = kernel.num_params();
    let mut grad = vec![0.0; p + 1];
    kernel.contract_gram_gradient(x, &w, &mut grad[..p]);
    grad[p] = 0.5 * noise * trace_w;
    grad
}

struct ExactObjective<'a, K> {
    kernel: &'a K,
    x: &'a Points,
    y: &'a [f64],
    policy: Jitter,
}

impl<K: Kernel + Clone> Objective for ExactObjective<'_, K> {
    fn neg_lml_and_grad(&self, p: &[f64]) -> Result<(f64, Vec<f64>)> {
        let (kernel, own) = split_log_params(self.kernel, p, 1, "GP log-hyperparameters")?;
        let noise = own[0].exp();
        let f = factor(&kernel, noise, self.x, self.y, self.policy)?;
        let g = lml_gradient(&kernel, noise, self.x, &f, 1.0);
        Ok((-f.lml, g.into_iter().map(|v| -v).collect()))
    }
}

impl<K: Kernel + Clone> ExactGp<K> {
    /// Conditions the GP on `(x, y)` at the given hyperparameters; fails with
    /// `NotPositiveDefinite` rather than adding jitter.
    ///
    /// Errors: `ShapeMismatch` (targets or kernel dimension), `NonFinite`
    /// targets, `InvalidArgument` for a non-positive noise variance,
    /// `NotPositiveDefinite` when `K + s_n^2 I` cannot be factored.
    pub fn new(kernel: K, noise_variance: f64, x: Points, y: Vec<f64>) -> Result<Self> {
        Self::with_jitter(kernel, noise_variance, x, y, Jitter::Never)
    }

    /// As [`ExactGp::new`], with a jitter policy; the jitter used is
    /// reported by [`ExactGp::jitter`].
    pub fn with_jitter(
        kernel: K,
        noise_variance: f64,
        x: Points,
        y: Vec<f64>,
        policy: Jitter,
    ) -> Result<Self> {
        check_positive(noise_variance, "noise variance")?;
        kernel.check_dim(x.dim())?;
        check_targets(&x, &y)?;
        let f = factor(&kernel, noise_variance, &x, &y, policy)?;
        Ok(Self {
            kernel,
            noise_variance,
            x,
            y,
            policy,
            jitter: f.jitter,
            chol: f.chol,
            alpha: f.alpha,
            lml: f.lml,
        })
    }

    /// Fits the kernel's hyperparameters and the noise variance by L-BFGS on
    /// the log marginal likelihood, starting from the given values, and
    /// conditions on the data at the optimum.
    pub fn fit(
        kernel: K,
        noise_variance: f64,
        x: Points,
        y: Vec<f64>,
        options: &FitOptions,
    ) -> Result<(Self, FitReport)> {
        let start = Self::new(kernel, noise_variance, x, y)?;
        let objective = ExactObjective {
            kernel: &start.kernel,
            x: &start.x,
            y: &start.y,
            policy: start.policy,
        };
        let report = maximise_lml(&objective, start.log_params(), start.x.len(), options)?;
        let gp = start.with_log_params(&report.log_params)?;
        Ok((gp, report))
    }

    /// The same data conditioned at other log-hyperparameters (the kernel's,
    /// then the log noise variance).
    pub fn with_log_params(&self, log_params: &[f64]) -> Result<Self> {
        let (kernel, own) =
            split_log_params(&self.kernel, log_params, 1, "GP log-hyperparameters")?;
        Self::with_jitter(
            kernel,
            own[0].exp(),
            self.x.clone(),
            self.y.clone(),
            self.policy,
        )
    }

    /// Log-hyperparameters: the kernel's, then the log noise variance.
    pub fn log_params(&self) -> Vec<f64> {
        join_log_params(&self.kernel, &[self.noise_variance.ln()])
    }

    /// Gradient of the log marginal likelihood in [`ExactGp::log_params`].
    pub fn log_marginal_likelihood_gradient(&self) -> Vec<f64> {
        let f = Factor {
            chol: self.chol.clone(),
            alpha: self.alpha.clone(),
            lml: self.lml,
            jitter: self.jitter,
        };
        lml_gradient(&self.kernel, self.noise_variance, &self.x, &f, 1.0)
    }

    /// The kernel.
    pub fn kernel(&self) -> &K {
        &self.kernel
    }

    /// Jitter added to the diagonal beyond the noise (0 unless escalation
    /// was asked for and needed).
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// The training inputs.
    pub fn inputs(&self) -> &Points {
        &self.x
    }

    fn chol_ref(&self) -> MatRef<'_, f64> {
        let n = self.x.len();
        MatRef::from_column_major_slice(&self.chol, n, n)
    }

    /// Posterior mean, and `L^{-1} K(X, x_*)` for the covariance.
    fn posterior_parts(&self, xs: &Points) -> Result<(Vec<f64>, Mat<f64>)> {
        mean_and_whitened_cross(&self.kernel, &self.x, &self.alpha, self.chol_ref(), xs)
    }

    /// Joint posterior samples of `f` at `xs`: a `len(xs) x n_samples`
    /// matrix, one draw per column, and the jitter used.
    ///
    /// Algorithm: the posterior covariance
    /// `K(xs, xs) - V^T V`, `V = L^{-1} K(X, xs)`, is factored by Cholesky
    /// with jitter escalation (from `1e-12` to `1e-3` of its mean diagonal,
    /// only when the plain factorisation fails: posterior covariances at
    /// nearby inputs are often numerically singular) and each column is
    /// `mean + L_post z` for standard normal `z` drawn from `rng` (Rasmussen
    /// & Williams 2006, sec. A.2). `O(N M^2 + M^3)` for `M = len(xs)`.
    ///
    /// Checked (tests/gp_sampling.rs): sample means, variances and
    /// covariances of 4000 draws lie within 5 Monte Carlo standard errors
    /// of [`GaussianProcess::predict`] and of the dense posterior
    /// covariance (largest |z| 1.9 over 35 statistics; 2.3 for the prior).
    ///
    /// Errors: `ShapeMismatch` for inputs of another dimension; `NonFinite`
    /// kernel values; `NotPositiveDefinite` if even the largest jitter does
    /// not help.
    pub fn sample_posterior<R: Rng + ?Sized>(
        &self,
        xs: &Points,
        n_samples: usize,
        rng: &mut R,
    ) -> Result<(Mat<f64>, f64)> {
        let (mean, v) = self.posterior_parts(xs)?;
        let cov = posterior_covariance(&self.kernel, xs, &v, None)?;
        sample_gaussian(&mean, cov, n_samples, rng, "posterior covariance")
    }

    /// Joint samples of the prior `GP(0, k)` at `xs` (`len(xs) x n_samples`)
    /// and the jitter used to factor `K(xs, xs)` (escalated as in
    /// [`ExactGp::sample_posterior`]).
    ///
    /// Errors: `ShapeMismatch` when the kernel rejects the inputs'
    /// dimension; `NonFinite` kernel values; `NotPositiveDefinite` if even
    /// the largest jitter does not help.
    pub fn sample_prior<R: Rng + ?Sized>(
        kernel: &K,
        xs: &Points,
        n_samples: usize,
        rng: &mut R,
    ) -> Result<(Mat<f64>, f64)> {
        let k = gram(kernel, xs)?;
        let m = xs.len();
        let cov: Vec<f64> = (0..m * m).map(|idx| k[(idx % m, idx / m)]).collect();
        sample_gaussian(&vec![0.0; m], cov, n_samples, rng, "prior covariance")
    }
}

/// Jitter escalation for the covariances that samples are drawn from.
const SAMPLE_JITTER: Jitter = Jitter::Escalate {
    relative: 1e-12,
    max_relative: 1e-3,
};

/// The posterior mean `K(xs, X) alpha` at `xs` and `V = L^{-1} K(X, xs)`
/// for the Cholesky factor `L` of the training covariance.
pub(super) fn mean_and_whitened_cross<K: Kernel>(
    kernel: &K,
    x: &Points,
    alpha: &[f64],
    chol: MatRef<'_, f64>,
    xs: &Points,
) -> Result<(Vec<f64>, Mat<f64>)> {
    let mut kxs = cross_gram(kernel, x, xs)?;
    let mean = (0..xs.len())
        .map(|j| (0..x.len()).map(|i| kxs[(i, j)] * alpha[i]).sum())
        .collect();
    solve_lower_triangular_in_place(chol, kxs.as_mut(), faer::get_global_parallelism());
    Ok((mean, kxs))
}

/// The column-major posterior covariance `K(xs, xs) - V^T V + U^T U`
/// (`U` only for the sparse model's correction).
pub(super) fn posterior_covariance<K: Kernel>(
    kernel: &K,
    xs: &Points,
    v: &Mat<f64>,
    u: Option<&Mat<f64>>,
) -> Result<Vec<f64>> {
    let m = xs.len();
    let mut cov = gram(kernel, xs)?;
    cov -= v.transpose() * v;
    if let Some(u) = u {
        cov += u.transpose() * u;
    }
    Ok((0..m * m).map(|idx| cov[(idx % m, idx / m)]).collect())
}

/// Factors the column-major covariance `cov` in place (jitter escalated
/// and returned) and draws `n_samples` columns `mean + L z`.
pub(super) fn sample_gaussian<R: Rng + ?Sized>(
    mean: &[f64],
    mut cov: Vec<f64>,
    n_samples: usize,
    rng: &mut R,
    context: &str,
) -> Result<(Mat<f64>, f64)> {
    let m = mean.len();
    if cov.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite("covariance to sample from"));
    }
    let jitter = cholesky_with_jitter(&mut cov, m, SAMPLE_JITTER, context)?;
    Ok((draw(&cov, mean, n_samples, rng), jitter))
}

/// `mean + L z` for standard normal `z`, one column per sample.
fn draw<R: Rng + ?Sized>(chol: &[f64], mean: &[f64], n_samples: usize, rng: &mut R) -> Mat<f64> {
    let m = mean.len();
    let l = MatRef::from_column_major_slice(chol, m, m);
    let z = Mat::<f64>::from_fn(m, n_samples, |_, _| rng.sample(StandardNormal));
    let mut s = l * &z;
    for c in 0..n_samples {
        for i in 0..m {
            s[(i, c)] += mean[i];
        }
    }
    s
}

impl<K: Kernel + Clone> GaussianProcess for ExactGp<K> {
    fn log_marginal_likelihood(&self) -> f64 {
        self.lml
    }

    fn predict(&self, xs: &Points) -> Result<Prediction> {
        let (mean, v) = self.posterior_parts(xs)?;
        let prior = gram_diagonal(&self.kernel, xs)?;
        let variance = (0..xs.len())
            .map(|j| {
                let q: f64 = (0..self.x.len()).map(|i| v[(i, j)] * v[(i, j)]).sum();
                (prior[j] - q).max(0.0)
            })
            .collect();
        Ok(Prediction { mean, variance })
    }

    fn noise_variance(&self) -> f64 {
        self.noise_variance
    }
}
