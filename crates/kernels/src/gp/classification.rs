//! Binary GP classification by the Laplace approximation with the logistic
//! likelihood.
//!
//! Labels `y_i in {-1, +1}`, latent `f ~ GP(0, k)`, `p(y_i | f_i) = sigma(y_i f_i)`.
//! The posterior `p(f | y)` is replaced by a Gaussian at its mode `f^`, found
//! by Newton's method in the stabilised form of Rasmussen & Williams
//! (*Gaussian Processes for Machine Learning*, 2006, alg. 3.1): with
//! `W = diag(pi (1 - pi))`, `B = I + W^{1/2} K W^{1/2} = L L^T` (well
//! conditioned, eigenvalues in `[1, 1 + max k / 4]`, so `K` is never
//! inverted), `b = W f + grad log p`, `a = b - W^{1/2} L^{-T} L^{-1} W^{1/2} K b`,
//! `f <- K a`. Each step is accepted only if it increases
//! `psi = -a^T f / 2 + log p(y | f)`; otherwise it is halved (the
//! objective is concave, so this converges from `f = 0`).
//!
//! At the mode: the approximate log marginal likelihood (eq. 3.32, alg.
//! 3.1) `log q(y) = -a^T f^ / 2 + log p(y | f^) - sum log L_ii`; the latent
//! predictive mean `k_*^T grad log p(y | f^)` and variance
//! `k_** - |L^{-1} W^{1/2} k_*|^2` (alg. 3.2); the class probability
//! `int sigma(z) N(z | mean, var) dz` by 64-point Gauss-Hermite quadrature.
//! The gradient in the kernel's log-hyperparameters (alg. 5.1) includes the
//! mode's implicit dependence on them through the third derivative
//! `d^3 log p / df^3 = -pi (1 - pi)(1 - 2 pi)`:
//! `d log q / d theta_j = (a^T C_j a - tr(R C_j)) / 2 + s_2^T (b_j - K R b_j)`,
//! `C_j = dK/d theta_j`, `R = W^{1/2} B^{-1} W^{1/2}`, `b_j = C_j grad log p`,
//! `s_2 = d log q / d f^ = diag(K - K R K) o d^3 log p / 2` (positive sign:
//! `d log|B| / d W_ii = [(K^{-1} + W)^{-1}]_ii` and `dW_ii / df_i = -d^3 log p`;
//! the finite-difference and mpmath checks confirm it), accumulated in one
//! parallel pass of `Kernel::eval_with_grad` over all pairs (no
//! `N x N x P` array).
//! Fitting runs the same L-BFGS as [`super::ExactGp`]. Latent posterior
//! samples are joint draws from the Laplace Gaussian at the test inputs
//! ([`LaplaceGpc::sample_posterior`]).
//!
//! Accuracy (tests/gp_classification.rs, against a 40-digit mpmath fixture
//! from the plain Newton iteration and eq. 3.32, xtask/refdata/gpc_laplace.py,
//! N = 30): see [`LaplaceGpc`].

use super::cholesky::{Jitter, cholesky_with_jitter};
use super::exact::{posterior_covariance, sample_gaussian};
use super::fit::{FitOptions, FitReport, Objective, maximise_lml};
use super::{ExactGp, Prediction};
use crate::gram::{cross_gram, gram, gram_diagonal};
use crate::kernel::Kernel;
use crate::points::Points;
use crate::{Error, Result};
use faer::linalg::triangular_solve::{
    solve_lower_triangular_in_place, solve_upper_triangular_in_place,
};
use faer::{Mat, MatMut, MatRef};
use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sobolev_special::{gauss_hermite_prob, log_sigmoid};

/// Newton iterations allowed before `NotConverged`.
const MAX_NEWTON: usize = 100;
/// Stop when no latent value moved by more than this (relative to
/// `1 + |f|_inf`), or when `psi` stalls at rounding level.
const NEWTON_TOL: f64 = 1e-11;
/// Gauss-Hermite nodes for the averaged class probability.
const GH_NODES: usize = 64;

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// A binary GP classifier conditioned on labelled data by the Laplace
/// approximation.
///
/// Accuracy against 40-digit mpmath (N = 30, squared-exponential kernel,
/// 5 Newton steps): posterior mode within 8e-16 absolute, log marginal
/// likelihood within 2e-16 relative, its gradient within 1.3e-15 relative
/// (the reference is a central difference at 40 digits), latent predictive
/// mean within 9e-16 absolute and variance within 7e-16 relative; the
/// averaged class probability within 2.6e-13 (the 64-point Gauss-Hermite
/// rule; the logistic function's poles at `+-i pi` limit it as the latent
/// variance grows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaplaceGpc<K> {
    kernel: K,
    x: Points,
    labels: Vec<bool>,
    /// The posterior mode `f^`.
    mode: Vec<f64>,
    /// `grad log p(y | f^) = t - pi`.
    grad_log_lik: Vec<f64>,
    sqrt_w: Vec<f64>,
    /// Lower Cholesky factor of `B`, column-major.
    chol_b: Vec<f64>,
    lml: f64,
    newton_iterations: usize,
}

/// Latent and class predictions of a [`LaplaceGpc`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassPrediction {
    /// Mean and variance of the latent `f(x_*)` under the Laplace posterior.
    pub latent: Prediction,
    /// `P(y_* = +1)`, the logistic function averaged over the latent.
    pub probability: Vec<f64>,
}

struct Mode {
    k: Mat<f64>,
    f: Vec<f64>,
    a: Vec<f64>,
    grad: Vec<f64>,
    sqrt_w: Vec<f64>,
    pi: Vec<f64>,
    chol_b: Vec<f64>,
    lml: f64,
    iterations: usize,
}

fn mat_vec(k: &Mat<f64>, v: &[f64]) -> Vec<f64> {
    let n = v.len();
    let m = k * MatRef::from_column_major_slice(v, n, 1);
    (0..n).map(|i| m[(i, 0)]).collect()
}

/// `B = I + W^{1/2} K W^{1/2}` factored (column-major lower).
fn factor_b(k: &Mat<f64>, sw: &[f64]) -> Result<Vec<f64>> {
    let n = sw.len();
    let mut b: Vec<f64> = (0..n * n)
        .map(|idx| {
            let (i, j) = (idx % n, idx / n);
            sw[i] * k[(i, j)] * sw[j] + f64::from(i == j)
        })
        .collect();
    cholesky_with_jitter(&mut b, n, Jitter::Never, "I + W^1/2 K W^1/2")?;
    Ok(b)
}

/// `psi(a) = -a^T f / 2 + sum log sigma(y f)` with `f = K a`.
fn psi(a: &[f64], f: &[f64], y: &[f64]) -> f64 {
    let quad: f64 = a.iter().zip(f).map(|(u, v)| u * v).sum();
    -0.5 * quad
        + f.iter()
            .zip(y)
            .map(|(fi, yi)| log_sigmoid(yi * fi))
            .sum::<f64>()
}

fn find_mode<K: Kernel>(kernel: &K, x: &Points, labels: &[bool]) -> Result<Mode> {
    let n = x.len();
    let par = faer::get_global_parallelism();
    let k = gram(kernel, x)?;
    if k.col_iter().any(|c| c.iter().any(|v| !v.is_finite())) {
        return Err(Error::NonFinite("kernel matrix"));
    }
    let y: Vec<f64> = labels.iter().map(|&l| if l { 1.0 } else { -1.0 }).collect();
    let t: Vec<f64> = labels.iter().map(|&l| f64::from(u8::from(l))).collect();
    let mut a = vec![0.0; n];
    let mut f = vec![0.0; n];
    let mut obj = psi(&a, &f, &y);
    let mut iterations = 0;
    loop {
        if iterations == MAX_NEWTON {
            return Err(Error::NotConverged {
                method: "Laplace Newton iteration",
                iterations,
                residual: f64::NAN,
            });
        }
        iterations += 1;
        let pi: Vec<f64> = f.iter().map(|&v| sigmoid(v)).collect();
        let sw: Vec<f64> = pi.iter().map(|p| (p * (1.0 - p)).sqrt()).collect();
        let chol = factor_b(&k, &sw)?;
        let l = MatRef::from_column_major_slice(&chol, n, n);
        let b: Vec<f64> = (0..n)
            .map(|i| sw[i] * sw[i] * f[i] + t[i] - pi[i])
            .collect();
        let kb = mat_vec(&k, &b);
        let mut c: Vec<f64> = (0..n).map(|i| sw[i] * kb[i]).collect();
        solve_lower_triangular_in_place(l, MatMut::from_column_major_slice_mut(&mut c, n, 1), par);
        solve_upper_triangular_in_place(
            l.transpose(),
            MatMut::from_column_major_slice_mut(&mut c, n, 1),
            par,
        );
        let mut a_new: Vec<f64> = (0..n).map(|i| b[i] - sw[i] * c[i]).collect();
        let mut f_new = mat_vec(&k, &a_new);
        let mut obj_new = psi(&a_new, &f_new, &y);
        // Halve the step until psi does not decrease (beyond rounding).
        let mut halvings = 0;
        let floor = obj - 1e-13 * (1.0 + obj.abs());
        while (obj_new < floor || obj_new.is_nan()) && halvings < 40 {
            for (an, ao) in a_new.iter_mut().zip(&a) {
                *an = 0.5 * (*an + ao);
            }
            f_new = mat_vec(&k, &a_new);
            obj_new = psi(&a_new, &f_new, &y);
            halvings += 1;
        }
        let step = f_new
            .iter()
            .zip(&f)
            .fold(0.0f64, |m, (u, v)| m.max((u - v).abs()));
        let size = f_new.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if !step.is_finite() || !obj_new.is_finite() {
            return Err(Error::NonFinite("Laplace Newton iterate"));
        }
        // Converged when the latent values stop moving, or when psi no
        // longer changes measurably (ill-conditioned K: rounding in K a
        // then keeps f moving at the level of eps |K| |a|).
        let stalled = (obj_new - obj).abs() <= 4.0 * f64::EPSILON * (1.0 + obj.abs());
        a = a_new;
        f = f_new;
        obj = obj_new;
        if step <= NEWTON_TOL * (1.0 + size) || stalled {
            break;
        }
    }
    let pi: Vec<f64> = f.iter().map(|&v| sigmoid(v)).collect();
    let sqrt_w: Vec<f64> = pi.iter().map(|p| (p * (1.0 - p)).sqrt()).collect();
    let chol_b = factor_b(&k, &sqrt_w)?;
    let grad: Vec<f64> = (0..n).map(|i| t[i] - pi[i]).collect();
    let logdet: f64 = (0..n).map(|i| chol_b[i * n + i].ln()).sum();
    let lml = obj - logdet;
    Ok(Mode {
        k,
        f,
        a,
        grad,
        sqrt_w,
        pi,
        chol_b,
        lml,
        iterations,
    })
}

/// `d log q / d log theta` for the kernel's parameters (R&W alg. 5.1).
fn lml_gradient<K: Kernel>(kernel: &K, x: &Points, m: &Mode) -> Vec<f64> {
    let n = x.len();
    let par = faer::get_global_parallelism();
    let l = MatRef::from_column_major_slice(&m.chol_b, n, n);
    let sw = &m.sqrt_w;
    // R = W^{1/2} B^{-1} W^{1/2}.
    let mut binv = Mat::<f64>::identity(n, n);
    solve_lower_triangular_in_place(l, binv.as_mut(), par);
    solve_upper_triangular_in_place(l.transpose(), binv.as_mut(), par);
    let r = Mat::<f64>::from_fn(n, n, |i, j| sw[i] * binv[(i, j)] * sw[j]);
    drop(binv);
    // diag(K R K) through C = L^{-1} W^{1/2} K: diag(C^T C).
    let mut c = Mat::<f64>::from_fn(n, n, |i, j| sw[i] * m.k[(i, j)]);
    solve_lower_triangular_in_place(l, c.as_mut(), par);
    let s2: Vec<f64> = (0..n)
        .map(|i| {
            let ctc: f64 = c.col(i).iter().map(|v| v * v).sum();
            let p = m.pi[i];
            let d3 = -p * (1.0 - p) * (1.0 - 2.0 * p);
            0.5 * (m.k[(i, i)] - ctc) * d3
        })
        .collect();
    drop(c);
    let np = kernel.num_params();
    let (a, g) = (&m.a, &m.grad);
    let r_ref = &r;
    // Row i: its share of (a^T C_j a - tr(R C_j)) and (C_j g)_i.
    let rows: Vec<(Vec<f64>, Vec<f64>)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut s1 = vec![0.0; np];
            let mut bj = vec![0.0; np];
            let mut gk = vec![0.0; np];
            let xi = x.row(i);
            for k in 0..n {
                kernel.eval_with_grad(xi, x.row(k), &mut gk);
                let w = a[i] * a[k] - r_ref[(i, k)];
                for j in 0..np {
                    s1[j] += w * gk[j];
                    bj[j] += gk[j] * g[k];
                }
            }
            (s1, bj)
        })
        .collect();
    let b = Mat::<f64>::from_fn(n, np, |i, j| rows[i].1[j]);
    let krb = &m.k * (&r * &b);
    (0..np)
        .map(|j| {
            let s1: f64 = 0.5 * rows.iter().map(|(s, _)| s[j]).sum::<f64>();
            let s3: f64 = (0..n).map(|i| s2[i] * (b[(i, j)] - krb[(i, j)])).sum();
            s1 + s3
        })
        .collect()
}

struct LaplaceObjective<'a, K> {
    kernel: &'a K,
    x: &'a Points,
    labels: &'a [bool],
}

impl<K: Kernel + Clone> Objective for LaplaceObjective<'_, K> {
    fn neg_lml_and_grad(&self, p: &[f64]) -> Result<(f64, Vec<f64>)> {
        let mut kernel = self.kernel.clone();
        kernel.set_log_params(p)?;
        let m = find_mode(&kernel, self.x, self.labels)?;
        let g = lml_gradient(&kernel, self.x, &m);
        Ok((-m.lml, g.into_iter().map(|v| -v).collect()))
    }
}

impl<K: Kernel + Clone> LaplaceGpc<K> {
    /// Finds the posterior mode for labels `labels` (`true` for class +1)
    /// at the kernel's hyperparameters.
    ///
    /// Errors: `ShapeMismatch` (one label per input, kernel dimension),
    /// `NonFinite` kernel values, `NotConverged` if Newton's method has not
    /// converged in 100 iterations.
    pub fn new(kernel: K, x: Points, labels: Vec<bool>) -> Result<Self> {
        kernel.check_dim(x.dim())?;
        if labels.len() != x.len() {
            return Err(Error::ShapeMismatch {
                context: "GP classification labels",
                expected: format!("{} labels, one per input", x.len()),
                got: format!("{}", labels.len()),
            });
        }
        let m = find_mode(&kernel, &x, &labels)?;
        Ok(Self {
            kernel,
            x,
            labels,
            mode: m.f,
            grad_log_lik: m.grad,
            sqrt_w: m.sqrt_w,
            chol_b: m.chol_b,
            lml: m.lml,
            newton_iterations: m.iterations,
        })
    }

    /// Fits the kernel's hyperparameters by L-BFGS on the Laplace
    /// approximation to the log marginal likelihood, starting from the
    /// kernel's current values.
    pub fn fit(
        kernel: K,
        x: Points,
        labels: Vec<bool>,
        options: &FitOptions,
    ) -> Result<(Self, FitReport)> {
        let start = Self::new(kernel, x, labels)?;
        let objective = LaplaceObjective {
            kernel: &start.kernel,
            x: &start.x,
            labels: &start.labels,
        };
        let report = maximise_lml(
            &objective,
            start.kernel.log_params(),
            start.x.len(),
            options,
        )?;
        let gpc = start.with_log_params(&report.log_params)?;
        Ok((gpc, report))
    }

    /// The same data at other kernel log-hyperparameters.
    pub fn with_log_params(&self, log_params: &[f64]) -> Result<Self> {
        let mut kernel = self.kernel.clone();
        kernel.set_log_params(log_params)?;
        Self::new(kernel, self.x.clone(), self.labels.clone())
    }

    /// The Laplace approximation `log q(y | theta)` to the log marginal
    /// likelihood.
    pub fn log_marginal_likelihood(&self) -> f64 {
        self.lml
    }

    /// Gradient of [`LaplaceGpc::log_marginal_likelihood`] in the kernel's
    /// log-hyperparameters, the mode's dependence included. Recomputes the
    /// Gram matrix (`O(N^2)` memory, `O(N^3)` time).
    pub fn log_marginal_likelihood_gradient(&self) -> Result<Vec<f64>> {
        let m = find_mode(&self.kernel, &self.x, &self.labels)?;
        Ok(lml_gradient(&self.kernel, &self.x, &m))
    }

    /// The posterior mode `f^` of the latent function at the inputs.
    pub fn mode(&self) -> &[f64] {
        &self.mode
    }

    /// Newton iterations the mode took.
    pub fn newton_iterations(&self) -> usize {
        self.newton_iterations
    }

    /// The kernel.
    pub fn kernel(&self) -> &K {
        &self.kernel
    }

    /// Latent mean at `xs` and `V = L^{-1} W^{1/2} K(X, xs)`: the latent
    /// covariance is `K(xs, xs) - V^T V` (R&W alg. 3.2).
    fn latent_parts(&self, xs: &Points) -> Result<(Vec<f64>, Mat<f64>)> {
        let n = self.x.len();
        let par = faer::get_global_parallelism();
        let kxs = cross_gram(&self.kernel, &self.x, xs)?;
        let mean: Vec<f64> = (0..xs.len())
            .map(|j| (0..n).map(|i| kxs[(i, j)] * self.grad_log_lik[i]).sum())
            .collect();
        let mut v = Mat::<f64>::from_fn(n, xs.len(), |i, j| self.sqrt_w[i] * kxs[(i, j)]);
        drop(kxs);
        solve_lower_triangular_in_place(
            MatRef::from_column_major_slice(&self.chol_b, n, n),
            v.as_mut(),
            par,
        );
        Ok((mean, v))
    }

    /// Joint samples of the latent `f` at `xs` under the Laplace posterior
    /// (`len(xs) x n_samples`, one draw per column) and the jitter used.
    ///
    /// Algorithm: the Laplace posterior of `f_*` is Gaussian with the
    /// latent mean and variance of [`LaplaceGpc::predict`] and covariance
    /// `K(xs, xs) - V^T V`, `V = L^{-1} W^{1/2} K(X, xs)` (R&W 2006, eqs.
    /// 3.21 and 3.24), factored by Cholesky with the jitter escalation of
    /// [`super::ExactGp::sample_posterior`]; each column is `mean + L z`.
    /// Pass the draws through the logistic function for samples of the
    /// class probability.
    ///
    /// Checked (tests/gp_sampling.rs): sample means, variances and
    /// covariances of 4000 draws within 5 Monte Carlo standard errors of
    /// `predict` and of the dense covariance `K** - K*X (W^{-1} + K)^{-1} KX*`
    /// (largest |z| 2.2 over 20 statistics).
    ///
    /// Errors: `ShapeMismatch` for inputs of another dimension;
    /// `NotPositiveDefinite` if even the largest jitter does not help.
    pub fn sample_posterior<R: Rng + ?Sized>(
        &self,
        xs: &Points,
        n_samples: usize,
        rng: &mut R,
    ) -> Result<(Mat<f64>, f64)> {
        let (mean, v) = self.latent_parts(xs)?;
        let cov = posterior_covariance(&self.kernel, xs, &v, None)?;
        sample_gaussian(&mean, cov, n_samples, rng, "Laplace posterior covariance")
    }

    /// Joint samples of the latent prior `GP(0, k)` at `xs`: the same
    /// routine as [`super::ExactGp::sample_prior`].
    pub fn sample_prior<R: Rng + ?Sized>(
        kernel: &K,
        xs: &Points,
        n_samples: usize,
        rng: &mut R,
    ) -> Result<(Mat<f64>, f64)> {
        ExactGp::sample_prior(kernel, xs, n_samples, rng)
    }

    /// Latent mean and variance and the class probability `P(y = +1)` at `xs`.
    pub fn predict(&self, xs: &Points) -> Result<ClassPrediction> {
        let (mean, v) = self.latent_parts(xs)?;
        let prior = gram_diagonal(&self.kernel, xs)?;
        let variance: Vec<f64> = (0..xs.len())
            .map(|j| {
                let q: f64 = v.col(j).iter().map(|t| t * t).sum();
                (prior[j] - q).max(0.0)
            })
            .collect();
        let rule = gauss_hermite_prob(GH_NODES)
            .map_err(|e| Error::InvalidArgument(format!("Gauss-Hermite rule: {e}")))?;
        let norm = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
        let probability = mean
            .iter()
            .zip(&variance)
            .map(|(mu, var)| {
                let sd = var.sqrt();
                norm * rule
                    .nodes
                    .iter()
                    .zip(&rule.weights)
                    .map(|(z, w)| w * sigmoid(mu + sd * z))
                    .sum::<f64>()
            })
            .collect();
        Ok(ClassPrediction {
            latent: Prediction { mean, variance },
            probability,
        })
    }
}
