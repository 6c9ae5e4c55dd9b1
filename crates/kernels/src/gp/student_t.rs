//! Student-t process regression: a heavy-tailed alternative to the GP
//! with the same mean and a data-dependent predictive variance.
//!
//! A Student-t process is an inverse-gamma scale mixture of GPs: with
//! `s ~ InvGamma(nu/2, (nu - 2)/2)` and `y | s ~ N(0, s K_y)`,
//! `K_y = K + s_n^2 I`, the marginal is the multivariate t
//! `MVT_N(nu, 0, K_y)` with covariance `K_y` (`nu > 2`; Shah, Wilson &
//! Ghahramani, *Student-t Processes as Alternatives to Gaussian Processes*,
//! AISTATS 2014, eq. 5). With `K_y = L L^T`, `alpha = K_y^{-1} y` and
//! `beta = y^T alpha`:
//! `log p(y) = -N/2 log((nu - 2) pi) - sum log L_ii + log Gamma((nu + N)/2)
//! - log Gamma(nu/2) - (nu + N)/2 log(1 + beta / (nu - 2))`.
//! Conditioning keeps the GP's mean `k_*^T alpha` and scales its variance
//! by `(nu + beta - 2) / (nu + N - 2)` (eq. 10): data that fit the kernel
//! badly (large `beta`) widen the predictive. Hyperparameters: the
//! kernel's, `log s_n^2` and `log(nu - 2)`. The gradient is
//! `tr((w alpha alpha^T - K_y^{-1}) dK_y) / 2` with
//! `w = (nu + N) / (nu + beta - 2)` for the kernel and the noise (one pass
//! shared with [`super::ExactGp`]), and for `c = nu - 2`
//! `d log p / d log c = c (-N/(2c) + (psi((nu + N)/2) - psi(nu/2))/2
//! - log(1 + beta/c)/2 + (nu + N) beta / (2 c (c + beta)))`.
//! As `nu -> inf` the model tends to the GP. Samples use the mixture
//! directly: a Gaussian draw with the posterior (or prior) covariance,
//! scaled by the square root of an inverse-gamma variate
//! `(nu' - 2) / chi^2_{nu'}` with the posterior degrees of freedom
//! `nu' = nu + N` (or `nu` for the prior).
//!
//! Accuracy (tests/student_t_process.rs, against a 40-digit mpmath
//! evaluation of the formulas above by determinant and LU solve,
//! xtask/refdata/tp_student.py, N = 25 with an outlier): see
//! [`StudentTProcess`].

use super::ExactGp;
use super::LN_2PI;
use super::cholesky::Jitter;
use super::exact::{
    Factor, check_targets, factor, lml_gradient, mean_and_whitened_cross, posterior_covariance,
    sample_gaussian,
};
use super::fit::{
    FitOptions, FitReport, Objective, join_log_params, maximise_lml, split_log_params,
};
use super::{GaussianProcess, Prediction};
use crate::gram::gram_diagonal;
use crate::kernel::{Kernel, check_positive};
use crate::points::Points;
use crate::{Error, Result};
use faer::{Mat, MatRef};
use rand::Rng;
use rand_distr::{ChiSquared, Distribution};
use serde::{Deserialize, Serialize};
use sobolev_special::{digamma, ln_gamma};

/// A Student-t process conditioned on data by dense Cholesky.
///
/// Accuracy against 40-digit mpmath (N = 25, squared-exponential kernel,
/// `nu = 4.5`): log marginal likelihood within 1.5e-15 relative, its
/// gradient in all four log-hyperparameters within 3.1e-14 relative,
/// predictive mean within 2.9e-15 and variance within 3.3e-14 relative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentTProcess<K> {
    kernel: K,
    noise_variance: f64,
    dof: f64,
    x: Points,
    y: Vec<f64>,
    policy: Jitter,
    jitter: f64,
    /// Lower Cholesky factor of `K + (s_n^2 + jitter) I`, column-major.
    chol: Vec<f64>,
    alpha: Vec<f64>,
    beta: f64,
    lml: f64,
}

fn check_dof(dof: f64) -> Result<f64> {
    if dof.is_finite() && dof > 2.0 {
        Ok(dof)
    } else {
        Err(Error::InvalidArgument(format!(
            "Student-t process degrees of freedom must be finite and > 2, got {dof}"
        )))
    }
}

/// `(log p(y), beta)` from the Gaussian factorisation.
fn student_lml(f: &Factor, y: &[f64], n_obs: usize, dof: f64) -> (f64, f64) {
    let n = n_obs as f64;
    let beta: f64 = y.iter().zip(&f.alpha).map(|(a, b)| a * b).sum();
    // The Gaussian lml is -beta/2 - logdet/2 - n/2 log 2 pi; recover logdet/2.
    let half_logdet = -f.lml - 0.5 * beta - 0.5 * n * LN_2PI;
    let c = dof - 2.0;
    let lml = -0.5 * n * (c * std::f64::consts::PI).ln() - half_logdet + ln_gamma(0.5 * (dof + n))
        - ln_gamma(0.5 * dof)
        - 0.5 * (dof + n) * (beta / c).ln_1p();
    (lml, beta)
}

/// The gradient: the kernel's log-parameters, log noise, log(nu - 2).
fn student_gradient<K: Kernel>(
    kernel: &K,
    noise: f64,
    dof: f64,
    x: &Points,
    f: &Factor,
    beta: f64,
) -> Vec<f64> {
    let n = x.len() as f64;
    let c = dof - 2.0;
    let w = (dof + n) / (c + beta);
    let mut g = lml_gradient(kernel, noise, x, f, w);
    let d_c = -0.5 * n / c + 0.5 * (digamma(0.5 * (dof + n)) - digamma(0.5 * dof))
        - 0.5 * (beta / c).ln_1p()
        + (dof + n) * beta / (2.0 * c * (c + beta));
    g.push(c * d_c);
    g
}

struct StudentObjective<'a, K> {
    kernel: &'a K,
    x: &'a Points,
    y: &'a [f64],
    policy: Jitter,
}

impl<K: Kernel + Clone> Objective for StudentObjective<'_, K> {
    fn neg_lml_and_grad(&self, p: &[f64]) -> Result<(f64, Vec<f64>)> {
        let (kernel, own) =
            split_log_params(self.kernel, p, 2, "Student-t process log-hyperparameters")?;
        let (noise, dof) = (own[0].exp(), 2.0 + own[1].exp());
        let f = factor(&kernel, noise, self.x, self.y, self.policy)?;
        let (lml, beta) = student_lml(&f, self.y, self.x.len(), dof);
        let g = student_gradient(&kernel, noise, dof, self.x, &f, beta);
        Ok((-lml, g.into_iter().map(|v| -v).collect()))
    }
}

impl<K: Kernel + Clone> StudentTProcess<K> {
    /// Conditions the process on `(x, y)` at the given hyperparameters and
    /// degrees of freedom `dof > 2`; fails with `NotPositiveDefinite`
    /// rather than adding jitter.
    ///
    /// Errors: as [`super::ExactGp::new`], and `InvalidArgument` unless
    /// `dof` is finite and above 2.
    pub fn new(kernel: K, noise_variance: f64, dof: f64, x: Points, y: Vec<f64>) -> Result<Self> {
        Self::with_jitter(kernel, noise_variance, dof, x, y, Jitter::Never)
    }

    /// As [`StudentTProcess::new`], with a jitter policy; the jitter used is
    /// reported by [`StudentTProcess::jitter`].
    pub fn with_jitter(
        kernel: K,
        noise_variance: f64,
        dof: f64,
        x: Points,
        y: Vec<f64>,
        policy: Jitter,
    ) -> Result<Self> {
        check_positive(noise_variance, "noise variance")?;
        let dof = check_dof(dof)?;
        kernel.check_dim(x.dim())?;
        check_targets(&x, &y)?;
        let f = factor(&kernel, noise_variance, &x, &y, policy)?;
        let (lml, beta) = student_lml(&f, &y, x.len(), dof);
        Ok(Self {
            kernel,
            noise_variance,
            dof,
            x,
            y,
            policy,
            jitter: f.jitter,
            chol: f.chol,
            alpha: f.alpha,
            beta,
            lml,
        })
    }

    /// Fits the kernel's hyperparameters, the noise variance and the
    /// degrees of freedom by L-BFGS on the log marginal likelihood.
    pub fn fit(
        kernel: K,
        noise_variance: f64,
        dof: f64,
        x: Points,
        y: Vec<f64>,
        options: &FitOptions,
    ) -> Result<(Self, FitReport)> {
        let start = Self::new(kernel, noise_variance, dof, x, y)?;
        let objective = StudentObjective {
            kernel: &start.kernel,
            x: &start.x,
            y: &start.y,
            policy: start.policy,
        };
        let report = maximise_lml(&objective, start.log_params(), start.x.len(), options)?;
        let tp = start.with_log_params(&report.log_params)?;
        Ok((tp, report))
    }

    /// The same data at other log-hyperparameters: the kernel's, the log
    /// noise variance, then `log(nu - 2)`.
    pub fn with_log_params(&self, log_params: &[f64]) -> Result<Self> {
        let (kernel, own) = split_log_params(
            &self.kernel,
            log_params,
            2,
            "Student-t process log-hyperparameters",
        )?;
        Self::with_jitter(
            kernel,
            own[0].exp(),
            2.0 + own[1].exp(),
            self.x.clone(),
            self.y.clone(),
            self.policy,
        )
    }

    /// Log-hyperparameters: the kernel's, `log s_n^2`, `log(nu - 2)`.
    pub fn log_params(&self) -> Vec<f64> {
        join_log_params(
            &self.kernel,
            &[self.noise_variance.ln(), (self.dof - 2.0).ln()],
        )
    }

    /// Gradient of the log marginal likelihood in
    /// [`StudentTProcess::log_params`].
    pub fn log_marginal_likelihood_gradient(&self) -> Vec<f64> {
        let f = Factor {
            chol: self.chol.clone(),
            alpha: self.alpha.clone(),
            lml: 0.0,
            jitter: self.jitter,
        };
        student_gradient(
            &self.kernel,
            self.noise_variance,
            self.dof,
            &self.x,
            &f,
            self.beta,
        )
    }

    /// The degrees of freedom `nu`.
    pub fn dof(&self) -> f64 {
        self.dof
    }

    /// The predictive degrees of freedom `nu + N`.
    pub fn predictive_dof(&self) -> f64 {
        self.dof + self.x.len() as f64
    }

    /// The variance scale `(nu + beta - 2) / (nu + N - 2)` applied to the
    /// GP's predictive variance.
    pub fn variance_scale(&self) -> f64 {
        (self.dof + self.beta - 2.0) / (self.dof + self.x.len() as f64 - 2.0)
    }

    /// The kernel.
    pub fn kernel(&self) -> &K {
        &self.kernel
    }

    /// Jitter added to the diagonal beyond the noise.
    pub fn jitter(&self) -> f64 {
        self.jitter
    }
}

impl<K: Kernel + Clone> StudentTProcess<K> {
    /// The GP's posterior mean and `V = L^{-1} K(X, xs)`.
    fn posterior_parts(&self, xs: &Points) -> Result<(Vec<f64>, Mat<f64>)> {
        let n = self.x.len();
        let chol = MatRef::from_column_major_slice(&self.chol, n, n);
        mean_and_whitened_cross(&self.kernel, &self.x, &self.alpha, chol, xs)
    }

    /// Joint posterior samples of the latent `f` at `xs`
    /// (`len(xs) x n_samples`, one draw per column) and the jitter used.
    ///
    /// Algorithm: the posterior is the multivariate t with
    /// `nu' = nu + N` degrees of freedom, the mean of
    /// [`GaussianProcess::predict`] and covariance
    /// `Sigma = r (K(xs, xs) - V^T V)`, `r` the
    /// [`StudentTProcess::variance_scale`] (Shah et al. 2014, eq. 10). As a
    /// scale mixture, each column is `mean + sqrt(w) L z` with `L L^T = Sigma`
    /// (Cholesky with the jitter escalation of
    /// [`super::ExactGp::sample_posterior`]), `z` standard normal and
    /// `w = (nu' - 2) / chi^2_{nu'}` an inverse-gamma variate with mean 1.
    /// The normals of all columns are drawn first, then the `w`.
    ///
    /// Checked (tests/gp_sampling.rs): sample means, variances and
    /// covariances of 20000 draws within 5 Monte Carlo standard errors
    /// (from the draws' own spread, so the t's heavier tails count) of
    /// `predict` and the dense covariance (largest |z| 2.5 over 20
    /// statistics), and the mean of the squared Mahalanobis distance's
    /// square against its closed form `m (m + 2) (nu' - 2) / (nu' - 4)`
    /// within 5 standard errors, while a Gaussian's `m (m + 2)` lies more
    /// than 10 away.
    ///
    /// Errors: `ShapeMismatch` for inputs of another dimension;
    /// `NotPositiveDefinite` if even the largest jitter does not help.
    pub fn sample_posterior<R: Rng + ?Sized>(
        &self,
        xs: &Points,
        n_samples: usize,
        rng: &mut R,
    ) -> Result<(Mat<f64>, f64)> {
        let (mean, v) = self.posterior_parts(xs)?;
        let scale = self.variance_scale();
        let cov: Vec<f64> = posterior_covariance(&self.kernel, xs, &v, None)?
            .into_iter()
            .map(|c| scale * c)
            .collect();
        let m = xs.len();
        let (mut draws, jitter) = sample_gaussian(
            &vec![0.0; m],
            cov,
            n_samples,
            rng,
            "Student-t posterior covariance",
        )?;
        scale_mixture(&mut draws, &mean, self.predictive_dof(), rng)?;
        Ok((draws, jitter))
    }

    /// Joint samples of the Student-t process prior `TP(nu, 0, k)` at `xs`
    /// (`len(xs) x n_samples`) and the jitter used: the Gaussian draws of
    /// [`super::ExactGp::sample_prior`], column `c` scaled by
    /// `sqrt((nu - 2) / chi^2_nu)`, so that the covariance is `K(xs, xs)`.
    ///
    /// Errors: `InvalidArgument` unless `dof` is finite and above 2; as
    /// [`super::ExactGp::sample_prior`] otherwise.
    pub fn sample_prior<R: Rng + ?Sized>(
        kernel: &K,
        dof: f64,
        xs: &Points,
        n_samples: usize,
        rng: &mut R,
    ) -> Result<(Mat<f64>, f64)> {
        let dof = check_dof(dof)?;
        let (mut draws, jitter) = ExactGp::sample_prior(kernel, xs, n_samples, rng)?;
        scale_mixture(&mut draws, &vec![0.0; xs.len()], dof, rng)?;
        Ok((draws, jitter))
    }
}

/// Scales each centred Gaussian column by `sqrt((dof - 2) / chi^2_dof)`
/// (an inverse-gamma mixing variate with mean 1) and adds `mean`.
fn scale_mixture<R: Rng + ?Sized>(
    draws: &mut Mat<f64>,
    mean: &[f64],
    dof: f64,
    rng: &mut R,
) -> Result<()> {
    let chi2 = ChiSquared::new(dof)
        .map_err(|e| Error::InvalidArgument(format!("chi-square with {dof} dof: {e}")))?;
    for c in 0..draws.ncols() {
        let w = ((dof - 2.0) / chi2.sample(rng)).sqrt();
        for (i, mu) in mean.iter().enumerate() {
            draws[(i, c)] = mu + w * draws[(i, c)];
        }
    }
    Ok(())
}

impl<K: Kernel + Clone> GaussianProcess for StudentTProcess<K> {
    fn log_marginal_likelihood(&self) -> f64 {
        self.lml
    }

    /// Mean and variance of the latent function: the predictive is a
    /// multivariate t with [`StudentTProcess::predictive_dof`] degrees of
    /// freedom and these moments.
    fn predict(&self, xs: &Points) -> Result<Prediction> {
        let (mean, v) = self.posterior_parts(xs)?;
        let prior = gram_diagonal(&self.kernel, xs)?;
        let scale = self.variance_scale();
        let variance = (0..xs.len())
            .map(|j| {
                let q: f64 = v.col(j).iter().map(|t| t * t).sum();
                scale * (prior[j] - q).max(0.0)
            })
            .collect();
        Ok(Prediction { mean, variance })
    }

    fn noise_variance(&self) -> f64 {
        self.noise_variance
    }
}
