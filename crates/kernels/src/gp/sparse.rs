//! Sparse GP regression with inducing points: Titsias's collapsed
//! variational bound (SGPR, also called VFE).
//!
//! With `M` inducing inputs `Z`, `Q = K_nm K_mm^{-1} K_mn` and noise
//! `s = s_n^2`, Titsias (*Variational Learning of Inducing Variables in
//! Sparse Gaussian Processes*, AISTATS 2009, eq. 9) bounds the log marginal
//! likelihood from below by
//! `F = log N(y | 0, Q + s I) - tr(K_nn - Q) / (2 s)`,
//! with equality when `Q = K_nn` (for instance `Z = X`). Following the
//! stable form used by GPflow's SGPR: `K_mm = L L^T`, `A = L^{-1} K_mn / sqrt(s)`,
//! `B = I + A A^T = L_B L_B^T`, `c = L_B^{-1} A y / sqrt(s)`,
//! `F = -N/2 log 2 pi - sum log diag L_B - N/2 log s - y^T y / (2 s) + c^T c / 2
//! - tr K_nn / (2 s) + tr(A A^T) / 2`. Cost `O(N M^2)`, memory `O(N M)`.
//!
//! Gradient. With `Sigma = K_mm + K_mn K_nm / s = L B L^T`,
//! `alpha = Sigma^{-1} K_mn y`, `f = K_nm alpha`, `r = y - f / s` and
//! `P = K_mm^{-1} - Sigma^{-1} = L^{-T} (I - B^{-1}) L^{-1}`, differentiating
//! `F` in the matrices it is built from gives
//! `dF/dK_mn = P K_mn / s + alpha r^T / s^2`,
//! `dF/dK_mm = P / 2 - L^{-T} (B - I) L^{-1} / 2 - alpha alpha^T / (2 s^2)`,
//! `dF/dK_ii = -1 / (2 s)`, and
//! `dF/d log s = (M - tr B^{-1}) / 2 - (tr B - M) / 2 - N / 2 + (|r|^2 + tr K_nn) / (2 s)`.
//! Each kernel hyperparameter's derivative contracts these with
//! `Kernel::eval_with_grad` in one parallel pass over the `N M + M^2 / 2 + N`
//! kernel entries; no `N x N` or `N x M x P` array is formed.
//!
//! The same sensitivities give the gradient in the inducing inputs through
//! the kernel's input gradient `grad_x k`.
//!
//! Prediction (Titsias 2009, eq. 6): mean `K_*m alpha / s`, variance
//! `k_** - |L^{-1} K_m*|^2 + |L_B^{-1} L^{-1} K_m*|^2`. Hyperparameter
//! fitting optimises the kernel's hyperparameters and the noise with the
//! same L-BFGS as [`super::ExactGp`], with the inducing inputs fixed
//! ([`SparseGp::fit`]) or optimised too ([`SparseGp::fit_with_inducing`]).
//!
//! Joint samples of `q(f_*)` come from the same two triangular solves and
//! a Cholesky factor of its `M x M` covariance ([`SparseGp::sample_posterior`]).
//!
//! Accuracy (tests/sparse_gp.rs): with `Z = X` the bound equals
//! [`super::ExactGp`]'s log marginal likelihood to 1.2e-14 relative, its
//! gradient to 2e-13 and the predictive mean and variance to 3e-15; with 12
//! inducing points for 80 data the analytic gradient agrees with central
//! differences to 4e-10 relative, and the inducing-input gradient (9
//! points, 70 data) to 4e-8, the differences' own rounding level. Against
//! GPyTorch 1.15.2's SGPR (tests/gpytorch.rs; its diagonal prediction
//! correction switched off, Titsias's variance restored) the bound, its
//! hyperparameter and inducing-input gradients and the predictive mean and
//! variance agree to at most 6e-13 relative for RBF and ARD Matern-5/2.

use super::ExactGp;
use super::LN_2PI;
use super::cholesky::{Jitter, cholesky_with_jitter};
use super::exact::{check_targets, posterior_covariance, sample_gaussian};
use super::fit::{
    FitOptions, FitReport, Objective, join_log_params, maximise_lml, split_log_params,
};
use super::{GaussianProcess, Prediction};
use crate::gram::{cross_gram, gram, gram_diagonal};
use crate::kernel::{Kernel, check_positive};
use crate::points::Points;
use crate::{Error, Result};
use faer::linalg::triangular_solve::{
    solve_lower_triangular_in_place, solve_upper_triangular_in_place,
};
use faer::{Mat, MatMut, MatRef};
use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A GP conditioned on data through `M` inducing points (SGPR / VFE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SparseGp<K> {
    kernel: K,
    noise_variance: f64,
    x: Points,
    y: Vec<f64>,
    z: Points,
    policy: Jitter,
    jitter: f64,
    /// Lower Cholesky factor of `K_mm (+ jitter I)`, column-major.
    chol_mm: Vec<f64>,
    /// Lower Cholesky factor of `B = I + A A^T`, column-major.
    chol_b: Vec<f64>,
    /// `alpha / s`: the posterior mean is `K_*m mean_weights`.
    mean_weights: Vec<f64>,
    bound: f64,
}

/// Everything the bound, its gradient and predictions need.
struct Factor {
    chol_mm: Vec<f64>,
    chol_b: Vec<f64>,
    /// `K_mn`, `M x N`.
    kmn: Mat<f64>,
    /// `B = I + A A^T`.
    b: Mat<f64>,
    /// `alpha = Sigma^{-1} K_mn y`.
    alpha: Vec<f64>,
    trace_knn: f64,
    bound: f64,
    jitter: f64,
}

fn lower(v: &[f64], m: usize) -> MatRef<'_, f64> {
    MatRef::from_column_major_slice(v, m, m)
}

fn factor<K: Kernel>(
    kernel: &K,
    noise: f64,
    x: &Points,
    y: &[f64],
    z: &Points,
    policy: Jitter,
) -> Result<Factor> {
    let (n, m) = (x.len(), z.len());
    let par = faer::get_global_parallelism();
    let kmm = gram(kernel, z)?;
    let mut chol_mm: Vec<f64> = (0..m * m).map(|idx| kmm[(idx % m, idx / m)]).collect();
    drop(kmm);
    if chol_mm.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite("inducing kernel matrix"));
    }
    let jitter = cholesky_with_jitter(&mut chol_mm, m, policy, "K(Z, Z)")?;
    let kmn = cross_gram(kernel, z, x)?;
    if kmn.col_iter().any(|c| c.iter().any(|v| !v.is_finite())) {
        return Err(Error::NonFinite("cross kernel matrix"));
    }
    let sd = noise.sqrt();
    let mut a = kmn.clone();
    solve_lower_triangular_in_place(lower(&chol_mm, m), a.as_mut(), par);
    for j in 0..n {
        for v in a.col_as_slice_mut(j) {
            *v /= sd;
        }
    }
    let mut b = &a * a.transpose();
    for i in 0..m {
        b[(i, i)] += 1.0;
    }
    let mut chol_b: Vec<f64> = (0..m * m).map(|idx| b[(idx % m, idx / m)]).collect();
    cholesky_with_jitter(&mut chol_b, m, Jitter::Never, "I + A A^T")?;
    // a y, then c = L_B^{-1} A y / sqrt(s).
    let mut ay = vec![0.0; m];
    for (j, yj) in y.iter().enumerate() {
        for (o, v) in ay.iter_mut().zip(a.col_as_slice(j)) {
            *o += v * yj;
        }
    }
    let mut c = ay.clone();
    solve_lower_triangular_in_place(
        lower(&chol_b, m),
        MatMut::from_column_major_slice_mut(&mut c, m, 1),
        par,
    );
    let c2: f64 = c.iter().map(|v| v * v).sum::<f64>() / noise;
    // alpha = sqrt(s) L^{-T} B^{-1} A y.
    let mut alpha = c;
    solve_upper_triangular_in_place(
        lower(&chol_b, m).transpose(),
        MatMut::from_column_major_slice_mut(&mut alpha, m, 1),
        par,
    );
    solve_upper_triangular_in_place(
        lower(&chol_mm, m).transpose(),
        MatMut::from_column_major_slice_mut(&mut alpha, m, 1),
        par,
    );
    for v in alpha.iter_mut() {
        *v *= sd;
    }
    let trace_knn: f64 = gram_diagonal(kernel, x)?.iter().sum();
    let trace_aat: f64 = (0..m).map(|i| b[(i, i)] - 1.0).sum();
    let logdet_b: f64 = (0..m).map(|i| chol_b[i * m + i].ln()).sum();
    let yy: f64 = y.iter().map(|v| v * v).sum();
    let nf = n as f64;
    let bound = -0.5 * nf * LN_2PI - logdet_b - 0.5 * nf * noise.ln() - 0.5 * yy / noise + 0.5 * c2
        - 0.5 * trace_knn / noise
        + 0.5 * trace_aat;
    if !bound.is_finite() {
        return Err(Error::NonFinite("sparse GP bound"));
    }
    Ok(Factor {
        chol_mm,
        chol_b,
        kmn,
        b,
        alpha,
        trace_knn,
        bound,
        jitter,
    })
}

/// `L^{-T} S L^{-1}` for the lower factor `L` and a symmetric `S`.
fn congruence(l: MatRef<'_, f64>, s: &Mat<f64>) -> Mat<f64> {
    let par = faer::get_global_parallelism();
    // t = L^{-T} S, then L^{-T} t^T = L^{-T} S L^{-1} as S is symmetric.
    let mut t = s.clone();
    solve_upper_triangular_in_place(l.transpose(), t.as_mut(), par);
    let mut u = t.transpose().to_owned();
    solve_upper_triangular_in_place(l.transpose(), u.as_mut(), par);
    u
}

/// The bound's sensitivities to the matrices it is built from.
struct Adjoints {
    /// `dF/dK_mm` (symmetric).
    g_mm: Mat<f64>,
    /// `P K_mn`, for `dF/dK_mn = P K_mn / s + alpha r^T / s^2`.
    pk: Mat<f64>,
    /// `r = y - K_nm alpha / s`.
    r: Vec<f64>,
    trace_b_inv: f64,
}

fn adjoints(noise: f64, y: &[f64], f: &Factor) -> Adjoints {
    let (n, m) = (y.len(), f.alpha.len());
    let par = faer::get_global_parallelism();
    let l = lower(&f.chol_mm, m);
    // B^{-1} from its factor.
    let mut b_inv = Mat::<f64>::identity(m, m);
    solve_lower_triangular_in_place(lower(&f.chol_b, m), b_inv.as_mut(), par);
    solve_upper_triangular_in_place(lower(&f.chol_b, m).transpose(), b_inv.as_mut(), par);
    let i_minus_binv = Mat::<f64>::from_fn(m, m, |i, j| f64::from(i == j) - b_inv[(i, j)]);
    let p = congruence(l, &i_minus_binv);
    let b_minus_i = Mat::<f64>::from_fn(m, m, |i, j| f.b[(i, j)] - f64::from(i == j));
    let q = congruence(l, &b_minus_i);
    let alpha = &f.alpha;
    let r: Vec<f64> = (0..n)
        .map(|j| {
            let fj: f64 = f
                .kmn
                .col_as_slice(j)
                .iter()
                .zip(alpha)
                .map(|(k, a)| k * a)
                .sum();
            y[j] - fj / noise
        })
        .collect();
    let g_mm = Mat::<f64>::from_fn(m, m, |i, j| {
        0.5 * (p[(i, j)] - q[(i, j)]) - 0.5 * alpha[i] * alpha[j] / (noise * noise)
    });
    Adjoints {
        g_mm,
        pk: &p * &f.kmn,
        r,
        trace_b_inv: (0..m).map(|i| b_inv[(i, i)]).sum(),
    }
}

/// `dF / d log theta` for the kernel's parameters, then for the noise.
fn bound_gradient<K: Kernel>(
    kernel: &K,
    noise: f64,
    x: &Points,
    z: &Points,
    f: &Factor,
    adj: &Adjoints,
) -> Vec<f64> {
    let (n, m) = (x.len(), z.len());
    let (alpha, r, pk, g_mm) = (&f.alpha, &adj.r, &adj.pk, &adj.g_mm);
    let np = kernel.num_params();
    // K_mn and the diagonal of K_nn, one column of data at a time.
    let cols: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut acc = vec![0.0; np];
            let mut g = vec![0.0; np];
            let xi = x.row(i);
            let pk_col = pk.col_as_slice(i);
            for a in 0..m {
                let w = pk_col[a] / noise + alpha[a] * r[i] / (noise * noise);
                kernel.eval_with_grad(z.row(a), xi, &mut g);
                for (s, gv) in acc.iter_mut().zip(&g) {
                    *s += w * gv;
                }
            }
            kernel.eval_with_grad(xi, xi, &mut g);
            for (s, gv) in acc.iter_mut().zip(&g) {
                *s -= 0.5 / noise * gv;
            }
            acc
        })
        .collect();
    // K_mm over its lower triangle.
    let cols_mm: Vec<Vec<f64>> = (0..m)
        .into_par_iter()
        .map(|j| {
            let mut acc = vec![0.0; np];
            let mut g = vec![0.0; np];
            for a in j..m {
                let w = if a == j {
                    g_mm[(a, j)]
                } else {
                    g_mm[(a, j)] + g_mm[(j, a)]
                };
                kernel.eval_with_grad(z.row(a), z.row(j), &mut g);
                for (s, gv) in acc.iter_mut().zip(&g) {
                    *s += w * gv;
                }
            }
            acc
        })
        .collect();
    let mut grad = vec![0.0; np + 1];
    for c in cols.iter().chain(&cols_mm) {
        for (s, v) in grad.iter_mut().zip(c) {
            *s += v;
        }
    }
    let (mf, nf) = (m as f64, n as f64);
    let tr_b: f64 = (0..m).map(|i| f.b[(i, i)]).sum();
    let r2: f64 = r.iter().map(|v| v * v).sum();
    grad[np] = 0.5 * (mf - adj.trace_b_inv) - 0.5 * (tr_b - mf) - 0.5 * nf
        + 0.5 * (r2 + f.trace_knn) / noise;
    grad
}

/// `dF / dZ`, row-major `M x d`, through the kernel's input gradient:
/// `dF/dz_a = sum_i (dF/dK_mn)_ai grad_x k(z_a, x_i)
/// + sum_b ((dF/dK_mm)_ab + (dF/dK_mm)_ba) grad_x k(z_a, z_b)`.
fn inducing_gradient<K: Kernel>(
    kernel: &K,
    noise: f64,
    x: &Points,
    z: &Points,
    f: &Factor,
    adj: &Adjoints,
) -> Result<Vec<f64>> {
    let (n, m, d) = (x.len(), z.len(), z.dim());
    let (alpha, r, pk, g_mm) = (&f.alpha, &adj.r, &adj.pk, &adj.g_mm);
    let rows: Vec<Result<Vec<f64>>> = (0..m)
        .into_par_iter()
        .map(|a| {
            let mut acc = vec![0.0; d];
            let mut g = vec![0.0; d];
            let za = z.row(a);
            for i in 0..n {
                let w = pk[(a, i)] / noise + alpha[a] * r[i] / (noise * noise);
                kernel.grad_x(za, x.row(i), &mut g)?;
                for (s, gv) in acc.iter_mut().zip(&g) {
                    *s += w * gv;
                }
            }
            for b in 0..m {
                let w = g_mm[(a, b)] + g_mm[(b, a)];
                kernel.grad_x(za, z.row(b), &mut g)?;
                for (s, gv) in acc.iter_mut().zip(&g) {
                    *s += w * gv;
                }
            }
            Ok(acc)
        })
        .collect();
    let mut out = Vec::with_capacity(m * d);
    for row in rows {
        out.extend(row?);
    }
    Ok(out)
}

struct SparseObjective<'a, K> {
    kernel: &'a K,
    x: &'a Points,
    y: &'a [f64],
    z: &'a Points,
    policy: Jitter,
}

impl<K: Kernel + Clone> Objective for SparseObjective<'_, K> {
    fn neg_lml_and_grad(&self, p: &[f64]) -> Result<(f64, Vec<f64>)> {
        let (kernel, own) = split_log_params(self.kernel, p, 1, "GP log-hyperparameters")?;
        let noise = own[0].exp();
        let f = factor(&kernel, noise, self.x, self.y, self.z, self.policy)?;
        let adj = adjoints(noise, self.y, &f);
        let g = bound_gradient(&kernel, noise, self.x, self.z, &f, &adj);
        Ok((-f.bound, g.into_iter().map(|v| -v).collect()))
    }
}

/// The bound over the log-hyperparameters and the inducing inputs'
/// coordinates together.
struct InducingObjective<'a, K> {
    kernel: &'a K,
    x: &'a Points,
    y: &'a [f64],
    dim: usize,
    policy: Jitter,
}

impl<K: Kernel + Clone> Objective for InducingObjective<'_, K> {
    fn neg_lml_and_grad(&self, p: &[f64]) -> Result<(f64, Vec<f64>)> {
        let extra = p.len().saturating_sub(self.kernel.num_params());
        let (kernel, own) = split_log_params(self.kernel, p, extra, "SGPR parameters")?;
        let noise = own[0].exp();
        let z = Points::new(own[1..].to_vec(), self.dim)?;
        let f = factor(&kernel, noise, self.x, self.y, &z, self.policy)?;
        let adj = adjoints(noise, self.y, &f);
        let mut g = bound_gradient(&kernel, noise, self.x, &z, &f, &adj);
        g.extend(inducing_gradient(&kernel, noise, self.x, &z, &f, &adj)?);
        Ok((-f.bound, g.into_iter().map(|v| -v).collect()))
    }
}

impl<K: Kernel + Clone> SparseGp<K> {
    /// Conditions the GP on `(x, y)` through the inducing inputs `inducing`
    /// at the given hyperparameters; fails with `NotPositiveDefinite`
    /// rather than adding jitter to `K(Z, Z)`.
    ///
    /// Errors: `ShapeMismatch` (targets, or inputs, inducing inputs and
    /// kernel of different dimensions), `NonFinite` targets,
    /// `InvalidArgument` for a non-positive noise variance,
    /// `NotPositiveDefinite` when `K(Z, Z)` cannot be factored (duplicate
    /// or very close inducing inputs: use [`SparseGp::with_jitter`]).
    pub fn new(
        kernel: K,
        noise_variance: f64,
        x: Points,
        y: Vec<f64>,
        inducing: Points,
    ) -> Result<Self> {
        Self::with_jitter(kernel, noise_variance, x, y, inducing, Jitter::Never)
    }

    /// As [`SparseGp::new`], with a jitter policy for `K(Z, Z)`; the jitter
    /// used is reported by [`SparseGp::jitter`].
    pub fn with_jitter(
        kernel: K,
        noise_variance: f64,
        x: Points,
        y: Vec<f64>,
        inducing: Points,
        policy: Jitter,
    ) -> Result<Self> {
        check_positive(noise_variance, "noise variance")?;
        kernel.check_dim(x.dim())?;
        if inducing.dim() != x.dim() {
            return Err(Error::ShapeMismatch {
                context: "inducing inputs",
                expected: format!("points of dimension {}", x.dim()),
                got: format!("points of dimension {}", inducing.dim()),
            });
        }
        check_targets(&x, &y)?;
        let f = factor(&kernel, noise_variance, &x, &y, &inducing, policy)?;
        let mean_weights = f.alpha.iter().map(|a| a / noise_variance).collect();
        Ok(Self {
            kernel,
            noise_variance,
            x,
            y,
            z: inducing,
            policy,
            jitter: f.jitter,
            chol_mm: f.chol_mm,
            chol_b: f.chol_b,
            mean_weights,
            bound: f.bound,
        })
    }

    /// Fits the kernel's hyperparameters and the noise variance by L-BFGS on
    /// the collapsed bound (inducing inputs fixed), starting from the given
    /// values, and conditions on the data at the optimum.
    pub fn fit(
        kernel: K,
        noise_variance: f64,
        x: Points,
        y: Vec<f64>,
        inducing: Points,
        options: &FitOptions,
    ) -> Result<(Self, FitReport)> {
        let start = Self::new(kernel, noise_variance, x, y, inducing)?;
        let objective = SparseObjective {
            kernel: &start.kernel,
            x: &start.x,
            y: &start.y,
            z: &start.z,
            policy: start.policy,
        };
        let report = maximise_lml(&objective, start.log_params(), start.x.len(), options)?;
        let gp = start.with_log_params(&report.log_params)?;
        Ok((gp, report))
    }

    /// The same data and inducing inputs conditioned at other
    /// log-hyperparameters (the kernel's, then the log noise variance).
    pub fn with_log_params(&self, log_params: &[f64]) -> Result<Self> {
        let (kernel, own) =
            split_log_params(&self.kernel, log_params, 1, "GP log-hyperparameters")?;
        Self::with_jitter(
            kernel,
            own[0].exp(),
            self.x.clone(),
            self.y.clone(),
            self.z.clone(),
            self.policy,
        )
    }

    /// Log-hyperparameters: the kernel's, then the log noise variance.
    pub fn log_params(&self) -> Vec<f64> {
        join_log_params(&self.kernel, &[self.noise_variance.ln()])
    }

    /// Gradient of the bound in [`SparseGp::log_params`]. Rebuilds the
    /// `O(N M)` intermediates (`K_mn`, `A`) that the model does not keep.
    pub fn log_marginal_likelihood_gradient(&self) -> Result<Vec<f64>> {
        let f = factor(
            &self.kernel,
            self.noise_variance,
            &self.x,
            &self.y,
            &self.z,
            self.policy,
        )?;
        let adj = adjoints(self.noise_variance, &self.y, &f);
        Ok(bound_gradient(
            &self.kernel,
            self.noise_variance,
            &self.x,
            &self.z,
            &f,
            &adj,
        ))
    }

    /// Gradient of the bound in the inducing inputs' coordinates,
    /// row-major `M x d` like [`SparseGp::inducing_points`].
    ///
    /// Errors: `InvalidArgument` for kernels without input derivatives.
    pub fn inducing_gradient(&self) -> Result<Vec<f64>> {
        let f = factor(
            &self.kernel,
            self.noise_variance,
            &self.x,
            &self.y,
            &self.z,
            self.policy,
        )?;
        let adj = adjoints(self.noise_variance, &self.y, &f);
        inducing_gradient(
            &self.kernel,
            self.noise_variance,
            &self.x,
            &self.z,
            &f,
            &adj,
        )
    }

    /// As [`SparseGp::fit`], optimising the inducing inputs as well. The
    /// report's `log_params` holds the log-hyperparameters followed by the
    /// optimised inducing coordinates (row-major, not logarithms).
    ///
    /// Errors: as [`SparseGp::fit`], and `InvalidArgument` for kernels
    /// without input derivatives.
    pub fn fit_with_inducing(
        kernel: K,
        noise_variance: f64,
        x: Points,
        y: Vec<f64>,
        inducing: Points,
        policy: Jitter,
        options: &FitOptions,
    ) -> Result<(Self, FitReport)> {
        let start = Self::with_jitter(kernel, noise_variance, x, y, inducing, policy)?;
        let objective = InducingObjective {
            kernel: &start.kernel,
            x: &start.x,
            y: &start.y,
            dim: start.z.dim(),
            policy,
        };
        let mut init = start.log_params();
        init.extend_from_slice(start.z.as_slice());
        let report = maximise_lml(&objective, init, start.x.len(), options)?;
        let np = start.kernel.num_params() + 1;
        let z = Points::new(report.log_params[np..].to_vec(), start.z.dim())?;
        let moved = Self { z, ..start.clone() };
        let gp = moved.with_log_params(&report.log_params[..np])?;
        Ok((gp, report))
    }

    /// The kernel.
    pub fn kernel(&self) -> &K {
        &self.kernel
    }

    /// The inducing inputs `Z`.
    pub fn inducing_points(&self) -> &Points {
        &self.z
    }

    /// The training inputs.
    pub fn inputs(&self) -> &Points {
        &self.x
    }

    /// Jitter added to the diagonal of `K(Z, Z)` (0 unless escalation was
    /// asked for and needed).
    pub fn jitter(&self) -> f64 {
        self.jitter
    }
}

impl<K: Kernel + Clone> SparseGp<K> {
    /// Mean of `q(f_*)`, `V = L^{-1} K(Z, xs)` and `U = L_B^{-1} V`: the
    /// covariance of `q(f_*)` is `K(xs, xs) - V^T V + U^T U`.
    fn posterior_parts(&self, xs: &Points) -> Result<(Vec<f64>, Mat<f64>, Mat<f64>)> {
        let m = self.z.len();
        let par = faer::get_global_parallelism();
        let mut v = cross_gram(&self.kernel, &self.z, xs)?;
        let mean: Vec<f64> = (0..xs.len())
            .map(|j| {
                v.col_as_slice(j)
                    .iter()
                    .zip(&self.mean_weights)
                    .map(|(k, w)| k * w)
                    .sum()
            })
            .collect();
        solve_lower_triangular_in_place(lower(&self.chol_mm, m), v.as_mut(), par);
        let mut u = v.clone();
        solve_lower_triangular_in_place(lower(&self.chol_b, m), u.as_mut(), par);
        Ok((mean, v, u))
    }

    /// Joint samples of the variational posterior `q(f_*)` at `xs`
    /// (`len(xs) x n_samples`, one draw per column) and the jitter used.
    ///
    /// Algorithm: `q(f_*)` is Gaussian with the mean of
    /// [`GaussianProcess::predict`] and covariance
    /// `K(xs, xs) - V^T V + U^T U` (`V = L^{-1} K(Z, xs)`,
    /// `U = L_B^{-1} V`; Titsias 2009, eq. 6), factored by Cholesky with the
    /// jitter escalation of [`super::ExactGp::sample_posterior`]; each
    /// column is `mean + L z`. `O(M_z^2 M + M^3)` for `M = len(xs)` test and
    /// `M_z` inducing inputs.
    ///
    /// Checked (tests/gp_sampling.rs): sample means, variances and
    /// covariances of 4000 draws within 5 Monte Carlo standard errors of
    /// `predict` and of the dense `q(f_*)` covariance (largest |z| 2.1
    /// over 27 statistics); with `Z = X` within the same bounds of
    /// [`super::ExactGp`]'s posterior (2.4).
    ///
    /// Errors: `ShapeMismatch` for inputs of another dimension;
    /// `NotPositiveDefinite` if even the largest jitter does not help.
    pub fn sample_posterior<R: Rng + ?Sized>(
        &self,
        xs: &Points,
        n_samples: usize,
        rng: &mut R,
    ) -> Result<(Mat<f64>, f64)> {
        let (mean, v, u) = self.posterior_parts(xs)?;
        let cov = posterior_covariance(&self.kernel, xs, &v, Some(&u))?;
        sample_gaussian(&mean, cov, n_samples, rng, "sparse posterior covariance")
    }

    /// Joint samples of the prior `GP(0, k)` at `xs`: the same routine as
    /// [`super::ExactGp::sample_prior`].
    pub fn sample_prior<R: Rng + ?Sized>(
        kernel: &K,
        xs: &Points,
        n_samples: usize,
        rng: &mut R,
    ) -> Result<(Mat<f64>, f64)> {
        ExactGp::sample_prior(kernel, xs, n_samples, rng)
    }
}

impl<K: Kernel + Clone> GaussianProcess for SparseGp<K> {
    /// The collapsed variational bound, a lower bound on `log p(y | theta)`.
    fn log_marginal_likelihood(&self) -> f64 {
        self.bound
    }

    fn predict(&self, xs: &Points) -> Result<Prediction> {
        let (mean, v, u) = self.posterior_parts(xs)?;
        let prior = gram_diagonal(&self.kernel, xs)?;
        let variance = (0..xs.len())
            .map(|j| {
                let q: f64 = v.col_as_slice(j).iter().map(|t| t * t).sum();
                let s: f64 = u.col_as_slice(j).iter().map(|t| t * t).sum();
                (prior[j] - q + s).max(0.0)
            })
            .collect();
        Ok(Prediction { mean, variance })
    }

    fn noise_variance(&self) -> f64 {
        self.noise_variance
    }
}
