//! The negative-distance (Riesz) kernel and its origin-centred,
//! positive definite form, the fractional Brownian motion covariance.
//!
//! `k(x, y) = -s^2 |x - y|^a`, `0 < a <= 2`, is conditionally positive
//! definite: `sum_ij c_i c_j k(x_i, x_j) >= 0` whenever `sum_i c_i = 0`
//! (Schoenberg 1938; Wendland, *Scattered Data Approximation*, 2005,
//! thm. 8.16), not for all `c`. That is exactly what MMD and energy
//! statistics need (the energy distance is the MMD^2 of `-|x - y|`,
//! Szekely & Rizzo 2013; Sejdinovic et al., *Equivalence of distance-based
//! and RKHS-based statistics*, Ann. Statist. 2013), but a GP prior needs a
//! positive definite kernel. Centring at the origin,
//! `k_0(x, y) = s^2 (|x|^a + |y|^a - |x - y|^a) / 2`, gives one (Sejdinovic
//! et al., Lemma 12): the covariance of fractional Brownian motion with
//! Hurst index `H = a / 2` pinned to 0 at the origin (Brownian motion for
//! `a = 1` in one dimension, the linear kernel `s^2 x.y` for `a = 2`).
//!
//! With `h(v) = |v|^a`: `grad h = a |v|^{a-2} v`,
//! `hess h = a |v|^{a-2} (I + (a - 2) v v^T / |v|^2)`. These are singular
//! at `v = 0` for `a < 2` (`a <= 1` for the gradient, where it is 0 for
//! `a > 1`); the input-derivative methods return `InvalidArgument` there.
//! The exponent `a` is fixed; the only hyperparameter is `s^2`.

use super::{Kernel, check_positive, variance_only_hyperparameters};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

fn check_exponent(alpha: f64) -> Result<f64> {
    if alpha.is_finite() && alpha > 0.0 && alpha <= 2.0 {
        Ok(alpha)
    } else {
        Err(Error::InvalidArgument(format!(
            "Riesz exponent must lie in (0, 2], got {alpha}"
        )))
    }
}

fn norm(v: impl Iterator<Item = f64>) -> f64 {
    v.map(|t| t * t).sum::<f64>().sqrt()
}

fn check_len(out: &[f64], want: usize, context: &'static str) -> Result<()> {
    if out.len() != want {
        return Err(Error::ShapeMismatch {
            context,
            expected: format!("{want} entries"),
            got: format!("{}", out.len()),
        });
    }
    Ok(())
}

fn singular(what: &str) -> Error {
    Error::InvalidArgument(format!(
        "|v|^a with a < 2 has no {what} at v = 0 (x = y, or x = 0 for the centred kernel)"
    ))
}

/// Adds `scale * grad h(v)` to `out`.
fn add_grad(alpha: f64, v: &[f64], scale: f64, out: &mut [f64]) -> Result<()> {
    let r = norm(v.iter().copied());
    if r == 0.0 {
        return if alpha > 1.0 {
            Ok(())
        } else {
            Err(singular("gradient"))
        };
    }
    let c = scale * alpha * r.powf(alpha - 2.0);
    for (o, vi) in out.iter_mut().zip(v) {
        *o += c * vi;
    }
    Ok(())
}

/// Adds `scale * hess h(v)` to the row-major `out`.
fn add_hess(alpha: f64, v: &[f64], scale: f64, out: &mut [f64]) -> Result<()> {
    let d = v.len();
    let r = norm(v.iter().copied());
    if r == 0.0 {
        if alpha < 2.0 {
            return Err(singular("Hessian"));
        }
        for i in 0..d {
            out[i * d + i] += scale * 2.0;
        }
        return Ok(());
    }
    let c = scale * alpha * r.powf(alpha - 2.0);
    let b = (alpha - 2.0) / (r * r);
    for i in 0..d {
        for j in 0..d {
            let delta = if i == j { 1.0 } else { 0.0 };
            out[i * d + j] += c * (delta + b * v[i] * v[j]);
        }
    }
    Ok(())
}

fn diff(x: &[f64], y: &[f64]) -> Vec<f64> {
    x.iter().zip(y).map(|(a, b)| a - b).collect()
}

/// `k(x, y) = -variance * |x - y|^alpha`, `0 < alpha <= 2`: conditionally
/// positive definite only (see the module docs); for two-sample statistics,
/// not for GP priors.
///
/// Accuracy: a closed form (a few ulps); the Gram matrix projected on
/// sum-zero vectors is positive semi-definite to 1e-12 of its scale, and the
/// input derivatives match central differences to 1e-7 relative
/// (tests/kernel_families.rs).
///
/// ```
/// use sobolev_kernels::kernel::NegativeDistance;
/// use sobolev_kernels::Kernel;
/// let k = NegativeDistance::new(1.0, 1.0).unwrap();
/// assert_eq!(k.eval(&[0.0, 3.0], &[4.0, 0.0]), -5.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NegativeDistance {
    alpha: f64,
    variance: f64,
}

impl NegativeDistance {
    /// Errors: `InvalidArgument` unless `0 < alpha <= 2` and the variance
    /// is finite and positive.
    pub fn new(alpha: f64, variance: f64) -> Result<Self> {
        Ok(Self {
            alpha: check_exponent(alpha)?,
            variance: check_positive(variance, "negative-distance kernel variance")?,
        })
    }
    /// The exponent `alpha`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
}

impl Kernel for NegativeDistance {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        let r = norm(x.iter().zip(y).map(|(a, b)| a - b));
        -self.variance * r.powf(self.alpha)
    }
    variance_only_hyperparameters!("negative-distance kernel log-hyperparameters");
    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len(), "kernel gradient")?;
        out.fill(0.0);
        add_grad(self.alpha, &diff(x, y), -self.variance, out)
    }
    fn hess_xy(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len() * x.len(), "kernel Hessian")?;
        out.fill(0.0);
        add_hess(self.alpha, &diff(x, y), self.variance, out)
    }
    fn hess_xx(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len() * x.len(), "kernel Hessian")?;
        out.fill(0.0);
        add_hess(self.alpha, &diff(x, y), -self.variance, out)
    }
}

/// `k(x, y) = variance * (|x|^alpha + |y|^alpha - |x - y|^alpha) / 2`,
/// `0 < alpha <= 2`: the negative-distance kernel centred at the origin,
/// positive definite (fractional Brownian motion with Hurst index
/// `alpha / 2`), so usable as a GP prior.
///
/// Accuracy: a closed form (a few ulps), equal to `min(s, t)` for `alpha = 1`
/// in one dimension to 1e-15; Gram matrices are positive semi-definite to
/// 1e-12 of their scale and input derivatives match central differences to
/// 1e-7 relative (tests/kernel_families.rs).
///
/// ```
/// use sobolev_kernels::kernel::FractionalBrownian;
/// use sobolev_kernels::Kernel;
/// // Brownian motion: k(s, t) = min(s, t) for s, t >= 0.
/// let k = FractionalBrownian::new(1.0, 1.0).unwrap();
/// assert!((k.eval(&[0.3], &[0.8]) - 0.3).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FractionalBrownian {
    alpha: f64,
    variance: f64,
}

impl FractionalBrownian {
    /// Errors: `InvalidArgument` unless `0 < alpha <= 2` and the variance
    /// is finite and positive.
    pub fn new(alpha: f64, variance: f64) -> Result<Self> {
        Ok(Self {
            alpha: check_exponent(alpha)?,
            variance: check_positive(variance, "fractional Brownian kernel variance")?,
        })
    }
    /// The exponent `alpha` (twice the Hurst index).
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
}

impl Kernel for FractionalBrownian {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        let a = self.alpha;
        let nx = norm(x.iter().copied()).powf(a);
        let ny = norm(y.iter().copied()).powf(a);
        let nd = norm(x.iter().zip(y).map(|(u, v)| u - v)).powf(a);
        0.5 * self.variance * (nx + ny - nd)
    }
    variance_only_hyperparameters!("fractional Brownian kernel log-hyperparameters");
    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len(), "kernel gradient")?;
        out.fill(0.0);
        let half = 0.5 * self.variance;
        add_grad(self.alpha, x, half, out)?;
        add_grad(self.alpha, &diff(x, y), -half, out)
    }
    fn hess_xy(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len() * x.len(), "kernel Hessian")?;
        out.fill(0.0);
        add_hess(self.alpha, &diff(x, y), 0.5 * self.variance, out)
    }
    fn hess_xx(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len() * x.len(), "kernel Hessian")?;
        out.fill(0.0);
        let half = 0.5 * self.variance;
        add_hess(self.alpha, x, half, out)?;
        add_hess(self.alpha, &diff(x, y), -half, out)
    }
}
