//! The [`Kernel`] trait and the kernel families built on it.
//!
//! A kernel is a symmetric function `k(x, y)` on `R^d x R^d`; positive
//! definite kernels make every Gram matrix `[k(x_i, x_j)]` positive
//! semi-definite (Rasmussen & Williams, *Gaussian Processes for Machine
//! Learning*, 2006, ch. 4). Hyperparameters `theta > 0` are exposed through
//! their logarithms, so an optimiser works unconstrained and every gradient is
//! `dk / d log theta = theta dk / d theta`. Derivatives with respect to the
//! inputs (gradient in `x`, the mixed Hessian in `x, y` and the Hessian in
//! `x`) are what collocation methods for PDEs assemble.
//!
//! Families: stationary kernels by a profile of the scaled squared distance
//! ([`stationary`], with the Matern profile of any smoothness in
//! [`matern`]), dot-product kernels ([`dot_product`]), periodic and cosine
//! kernels ([`periodic`]), spectral mixtures with Gaussian or Student-t
//! spectra ([`spectral_mixture`]), arc-cosine kernels ([`arc_cosine`]),
//! the negative-distance (Riesz) kernel and its centred form
//! ([`riesz`]), infinite-width network kernels (NNGP and NTK,
//! [`neural`]), and the combinators sum, product, scale and active
//! dimensions ([`combinators`]).

pub mod arc_cosine;
pub mod combinators;
pub mod dot_product;
pub mod matern;
pub mod neural;
pub mod periodic;
pub mod riesz;
pub mod spectral_mixture;
pub mod stationary;

use crate::{Error, Result};

/// A symmetric kernel `k(x, y)` with log-space hyperparameters.
///
/// `eval` and the derivative methods take two points of the same dimension
/// and do not check it (they are the inner loop of every Gram matrix); the
/// checked entry points are [`evaluate`], [`crate::gram()`] and the GP models.
/// Kernels whose hyperparameters fix the dimension (ARD lengthscales, active
/// dimensions) report it through [`Kernel::input_dim`].
pub trait Kernel: Send + Sync + std::fmt::Debug {
    /// `k(x, y)`.
    fn eval(&self, x: &[f64], y: &[f64]) -> f64;

    /// Number of hyperparameters.
    fn num_params(&self) -> usize;

    /// Hyperparameters as logarithms, in the order of [`Kernel::param_names`].
    fn log_params(&self) -> Vec<f64>;

    /// Sets the hyperparameters from their logarithms.
    ///
    /// Errors: `ShapeMismatch` for a wrong count, `NonFinite` for NaN or
    /// infinite logarithms.
    fn set_log_params(&mut self, log_params: &[f64]) -> Result<()>;

    /// Names of the hyperparameters (`"variance"`, `"lengthscale[2]"`, ...).
    fn param_names(&self) -> Vec<String>;

    /// Returns `k(x, y)` and writes `dk / d log theta_j` into `grad`
    /// (length [`Kernel::num_params`]).
    fn eval_with_grad(&self, x: &[f64], y: &[f64], grad: &mut [f64]) -> f64;

    /// Writes the gradient `dk/dx_i` (length `d`) into `out`.
    ///
    /// Errors: `InvalidArgument` for kernels that are not differentiable in
    /// their inputs.
    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()>;

    /// Writes the mixed Hessian `d^2 k / dx_i dy_j` (row-major `d x d`).
    fn hess_xy(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()>;

    /// Writes the Hessian `d^2 k / dx_i dx_j` (row-major `d x d`).
    fn hess_xx(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()>;

    /// The input dimension this kernel requires, if its hyperparameters fix one.
    fn input_dim(&self) -> Option<usize> {
        None
    }

    /// `K(X, Y)` into `out`, column-major (`x.len()` rows, one column per
    /// point of `y`), the columns in parallel. The caller has checked the
    /// dimensions and `out.len()`. Kernels with a vectorisable block form
    /// override it; every entry equals [`Kernel::eval`] to rounding.
    fn cross_columns(&self, x: &crate::Points, y: &crate::Points, out: &mut [f64]) {
        use rayon::prelude::*;
        let n = x.len();
        out.par_chunks_mut(n.max(1))
            .enumerate()
            .for_each(|(j, col)| {
                let yj = y.row(j);
                for (i, c) in col.iter_mut().enumerate() {
                    *c = self.eval(x.row(i), yj);
                }
            });
    }

    /// The lower triangle of `K(X, X)`, diagonal included, into the
    /// column-major `n x n` buffer `out` (`n = x.len()`); entries above the
    /// diagonal are unspecified. The caller has checked the dimension and
    /// `out.len()`. The default evaluates entry by entry, columns in
    /// parallel; kernels with a vectorisable block form override it.
    fn gram_lower_columns(&self, x: &crate::Points, out: &mut [f64]) {
        use rayon::prelude::*;
        let n = x.len();
        out.par_chunks_mut(n.max(1))
            .enumerate()
            .for_each(|(j, col)| {
                let xj = x.row(j);
                for (i, c) in col.iter_mut().enumerate().skip(j) {
                    *c = self.eval(x.row(i), xj);
                }
            });
    }

    /// The contraction `g_p = sum_{i,j} W_ij dk(x_i, x_j) / d log theta_p`
    /// of the Gram matrix's hyperparameter derivatives with a symmetric
    /// weight matrix `W`, written to `out` (one entry per hyperparameter).
    /// `w_lower` is `W` column-major (`n x n`, `n = x.len()`); only its lower
    /// triangle is read. The caller has checked the dimensions, `out.len()`
    /// and `w_lower.len()`.
    ///
    /// With `W = (alpha alpha^T - K_y^{-1}) / 2` this is the exact GP's
    /// log-marginal-likelihood gradient (Rasmussen & Williams 2006, eq.
    /// 5.9) without the `N x N x P` tensor of derivatives. The default
    /// calls [`Kernel::eval_with_grad`] on the lower triangle, columns in
    /// parallel, summed in column order (the result does not depend on the
    /// number of threads); stationary kernels override it with a blocked
    /// pass that reads each distance once for all hyperparameters.
    fn contract_gram_gradient(&self, x: &crate::Points, w_lower: &[f64], out: &mut [f64]) {
        use rayon::prelude::*;
        let (n, p) = (x.len(), self.num_params());
        let columns: Vec<Vec<f64>> = (0..n)
            .into_par_iter()
            .map(|j| {
                let mut acc = vec![0.0; p];
                let mut g = vec![0.0; p];
                let xj = x.row(j);
                for i in j..n {
                    let w = w_lower[j * n + i];
                    let w = if i == j { w } else { 2.0 * w };
                    self.eval_with_grad(x.row(i), xj, &mut g);
                    for (a, gv) in acc.iter_mut().zip(&g) {
                        *a += w * gv;
                    }
                }
                acc
            })
            .collect();
        out.fill(0.0);
        for c in &columns {
            for (o, v) in out.iter_mut().zip(c) {
                *o += v;
            }
        }
    }

    /// `ShapeMismatch` unless points of dimension `dim` suit this kernel.
    fn check_dim(&self, dim: usize) -> Result<()> {
        match self.input_dim() {
            Some(d) if d != dim => Err(Error::ShapeMismatch {
                context: "kernel input",
                expected: format!("points of dimension {d}"),
                got: format!("points of dimension {dim}"),
            }),
            _ => Ok(()),
        }
    }
}

/// The hyperparameter methods of a [`Kernel`] whose only hyperparameter is
/// an overall `variance` scale (so `d k / d log variance = k`), expanded
/// inside its `impl Kernel` block; the argument names the kernel in errors.
macro_rules! variance_only_hyperparameters {
    ($context:literal) => {
        fn num_params(&self) -> usize {
            1
        }
        fn log_params(&self) -> Vec<f64> {
            vec![self.variance.ln()]
        }
        fn set_log_params(&mut self, p: &[f64]) -> Result<()> {
            super::check_log_params(p, 1, $context)?;
            self.variance = p[0].exp();
            Ok(())
        }
        fn param_names(&self) -> Vec<String> {
            vec!["variance".into()]
        }
        fn eval_with_grad(&self, x: &[f64], y: &[f64], grad: &mut [f64]) -> f64 {
            let k = self.eval(x, y);
            grad[0] = k;
            k
        }
    };
}
pub(crate) use variance_only_hyperparameters;

/// `k(x, y)` after checking that `x` and `y` are finite points of one
/// dimension that suits the kernel.
pub fn evaluate<K: Kernel + ?Sized>(kernel: &K, x: &[f64], y: &[f64]) -> Result<f64> {
    if x.len() != y.len() {
        return Err(Error::ShapeMismatch {
            context: "evaluate",
            expected: format!("y of dimension {}", x.len()),
            got: format!("y of dimension {}", y.len()),
        });
    }
    if x.is_empty() {
        return Err(Error::Empty("point"));
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(Error::NonFinite("kernel input"));
    }
    kernel.check_dim(x.len())?;
    Ok(kernel.eval(x, y))
}

/// Checks a slice of log-hyperparameters: right count and finite values.
pub(crate) fn check_log_params(
    log_params: &[f64],
    expected: usize,
    context: &'static str,
) -> Result<()> {
    if log_params.len() != expected {
        return Err(Error::ShapeMismatch {
            context,
            expected: format!("{expected} log-hyperparameters"),
            got: format!("{}", log_params.len()),
        });
    }
    if log_params.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite(context));
    }
    Ok(())
}

/// `InvalidArgument` unless `value` is finite and positive.
pub(crate) fn check_positive(value: f64, name: &str) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Error::InvalidArgument(format!(
            "{name} must be finite and positive, got {value}"
        )))
    }
}

pub use arc_cosine::ArcCosine;
pub use combinators::{ActiveDims, Product, Scaled, Sum};
pub use dot_product::{Linear, Polynomial};
pub use matern::Matern;
pub use neural::{Activation, NeuralKernel, NeuralKernelKind};
pub use periodic::{Cosine, Periodic};
pub use riesz::{FractionalBrownian, NegativeDistance};
pub use spectral_mixture::{SpectralDensity, SpectralMixture};
pub use stationary::{
    Gaussian, InverseMultiquadric, Matern12, Matern32, Matern52, Profile, RationalQuadratic,
    Stationary, Wendland,
};

/// The squared-exponential (Gaussian, RBF) kernel `s^2 exp(-r^2 / 2)`.
pub type Rbf = Stationary<Gaussian>;
