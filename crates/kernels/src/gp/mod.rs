//! Gaussian-process regression models sharing one interface.
//!
//! Every model conditions a zero-mean GP prior `f ~ GP(0, k)` on
//! observations `y_i = f(x_i) + e_i`, `e_i ~ N(0, s_n^2)`, and offers the log
//! marginal likelihood `log p(y | theta)`, the posterior mean and variance of
//! `f` at new inputs ([`GaussianProcess`]), and hyperparameter fitting by
//! L-BFGS on the log marginal likelihood with analytic gradients
//! ([`FitOptions`]). Models:
//! - [`ExactGp`]: dense Cholesky, `O(N^3)`, any kernel;
//! - [`StateSpaceGp`]: Matern 1/2, 3/2, 5/2 in one dimension as linear SDEs,
//!   Kalman filtering and RTS smoothing, `O(N)`;
//! - [`QuasiPeriodicGp`]: periodic times Matern in one dimension, the
//!   periodic series truncated to a stated tolerance, `O(N D^2)` filtering;
//! - [`KroneckerGp`]: product kernels on full tensor grids through the
//!   Kronecker eigendecomposition, `O(N sum n_i)`;
//! - [`MaskedKroneckerGp`]: the same on a grid with missing cells, solved
//!   by preconditioned CG with Kronecker mat-vecs; its log-determinant
//!   and trace terms are stochastic (seeded probes), so it is fitted by
//!   Adam with the probes held fixed;
//! - [`SparseGp`]: `M` inducing points, Titsias's collapsed variational
//!   bound, `O(N M^2)` time and `O(N M)` memory, any kernel.
//!
//! Heavy-tailed regression by the Student-t process (an inverse-gamma
//! scale mixture of GPs) is [`StudentTProcess`]; binary classification
//! with a logistic likelihood by the Laplace approximation is
//! [`LaplaceGpc`].
//!
//! Samples. Every model draws joint samples of `f` from its prior and its
//! posterior with a caller-seeded [`rand::Rng`], by inherent methods with
//! one name and argument order: `sample_prior(<prior>, inputs, n_samples,
//! rng)`, an associated function whose first arguments define the prior
//! (the kernel; for the Student-t process also its degrees of freedom; for
//! the state-space model order, variance and lengthscale), and
//! `sample_posterior(&self, inputs, n_samples, rng)`; both return one draw
//! per column of a `len(inputs) x n_samples` matrix. They are not part of
//! [`GaussianProcess`] because no one signature fits: [`KroneckerGp`]
//! samples on a tensor grid rather than at scattered points, and the
//! models that factor a dense joint covariance ([`ExactGp`],
//! [`SparseGp`], [`StudentTProcess`], [`LaplaceGpc`]: `O(M^3)` for `M`
//! inputs, jitter escalated only when the plain Cholesky fails) return the
//! jitter they used alongside the draws, while the structured samplers
//! are exact in law and need none: [`KroneckerGp`] applies per-axis
//! eigen-square-roots and Matheron's rule (`O(M sum m_i)` per draw), and
//! [`StateSpaceGp`] runs forward filtering, backward sampling (`O(N + M)`
//! per draw). tests/gp_sampling.rs checks every sampler's sample moments
//! against the model's `predict` and an independent dense posterior.

mod cholesky;
pub mod classification;
pub mod exact;
pub mod fit;
pub mod kronecker;
pub mod masked_kronecker;
pub mod quasi_periodic;
pub mod sparse;
pub mod state_space;
pub mod student_t;

use crate::Result;
use crate::points::Points;
use serde::{Deserialize, Serialize};

/// `ln(2 pi)`, the constant of every Gaussian log density.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

pub use cholesky::Jitter;
pub use classification::{ClassPrediction, LaplaceGpc};
pub use exact::ExactGp;
pub use fit::{FitOptions, FitReport};
pub use kronecker::KroneckerGp;
pub use masked_kronecker::{AdamOptions, MaskedKroneckerGp, PcgOptions, StochasticOptions};
pub use quasi_periodic::{QuasiPeriodicGp, QuasiPeriodicKernel};
pub use sparse::SparseGp;
pub use state_space::{MaternOrder, StateSpaceGp};
pub use student_t::StudentTProcess;

/// Posterior marginals of the latent function at new inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Posterior mean of `f(x_*)`.
    pub mean: Vec<f64>,
    /// Posterior variance of `f(x_*)` (add the noise variance for `y_*`).
    pub variance: Vec<f64>,
}

/// The interface every GP regression model shares.
pub trait GaussianProcess {
    /// `log p(y | theta)` at the current hyperparameters.
    fn log_marginal_likelihood(&self) -> f64;
    /// Posterior mean and variance of the latent function at `x`.
    fn predict(&self, x: &Points) -> Result<Prediction>;
    /// The observation noise variance `s_n^2`.
    fn noise_variance(&self) -> f64;
}
