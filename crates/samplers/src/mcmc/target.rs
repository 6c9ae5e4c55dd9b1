//! Targets: log densities with gradients on unconstrained `f64` vectors.
//!
//! Every gradient-based kernel needs `log p(x)` and `grad log p(x)`; a
//! [`Target`] gives both in one call, so a model evaluates shared
//! sub-expressions once. Closures become targets through [`FnTarget`],
//! which checks the gradient's length.

use crate::{Error, Result};

/// A log density `log p(x)` (up to a constant) with its gradient.
///
/// `x` has length [`Target::dim`]; the implementation writes the gradient
/// into `grad` (same length) and returns the log density. A non-finite
/// return value (NaN or `-inf`) marks `x` as outside the support: kernels
/// reject such proposals and NUTS records them as divergences. An `Err`
/// aborts the run.
pub trait Target: Sync {
    /// Dimension of the (unconstrained) parameter vector.
    fn dim(&self) -> usize;

    /// Writes `grad log p(x)` into `grad` and returns `log p(x)`.
    fn logp_grad(&self, x: &[f64], grad: &mut [f64]) -> Result<f64>;
}

/// A target from a closure returning `(log p(x), grad log p(x))`.
///
/// ```
/// use sobolev_samplers::mcmc::{FnTarget, Target};
/// let normal = FnTarget::new(2, |x: &[f64]| {
///     let lp = -0.5 * x.iter().map(|v| v * v).sum::<f64>();
///     (lp, x.iter().map(|v| -v).collect())
/// });
/// let mut g = [0.0; 2];
/// assert_eq!(normal.logp_grad(&[1.0, 2.0], &mut g).unwrap(), -2.5);
/// assert_eq!(g, [-1.0, -2.0]);
/// ```
#[derive(Debug, Clone)]
pub struct FnTarget<F> {
    dim: usize,
    f: F,
}

impl<F> FnTarget<F>
where
    F: Fn(&[f64]) -> (f64, Vec<f64>) + Sync,
{
    /// Wraps `f`, a function of vectors of length `dim`.
    pub fn new(dim: usize, f: F) -> Self {
        Self { dim, f }
    }
}

impl<F> Target for FnTarget<F>
where
    F: Fn(&[f64]) -> (f64, Vec<f64>) + Sync,
{
    fn dim(&self) -> usize {
        self.dim
    }

    fn logp_grad(&self, x: &[f64], grad: &mut [f64]) -> Result<f64> {
        let (lp, g) = (self.f)(x);
        if g.len() != grad.len() {
            return Err(Error::ShapeMismatch {
                context: "target gradient",
                expected: format!("length {}", grad.len()),
                got: format!("length {}", g.len()),
            });
        }
        grad.copy_from_slice(&g);
        Ok(lp)
    }
}

/// A point of a chain with its cached log density and gradient.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    /// Position in unconstrained space.
    pub x: Vec<f64>,
    /// `log p(x)`.
    pub logp: f64,
    /// `grad log p(x)`.
    pub grad: Vec<f64>,
}

impl Clone for Point {
    fn clone(&self) -> Self {
        Self {
            x: self.x.clone(),
            logp: self.logp,
            grad: self.grad.clone(),
        }
    }

    /// Copies into the existing buffers: the samplers' inner loops copy
    /// points without allocating.
    fn clone_from(&mut self, source: &Self) {
        self.x.clone_from(&source.x);
        self.logp = source.logp;
        self.grad.clone_from(&source.grad);
    }
}

impl Point {
    /// Evaluates `target` at `x`. Fails if `x` has the wrong length, holds
    /// non-finite values, or has a non-finite log density or gradient:
    /// chains must start inside the support.
    pub fn new<T: Target + ?Sized>(target: &T, x: Vec<f64>) -> Result<Self> {
        if x.len() != target.dim() {
            return Err(Error::ShapeMismatch {
                context: "initial point",
                expected: format!("length {}", target.dim()),
                got: format!("length {}", x.len()),
            });
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite("initial point"));
        }
        let mut grad = vec![0.0; x.len()];
        let logp = target.logp_grad(&x, &mut grad)?;
        if !logp.is_finite() || grad.iter().any(|g| !g.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "the initial point is outside the support (log density {logp})"
            )));
        }
        Ok(Self { x, logp, grad })
    }

    /// Re-evaluates `target` at `self.x` in place; returns whether the log
    /// density and gradient are finite.
    pub(crate) fn update<T: Target + ?Sized>(&mut self, target: &T) -> Result<bool> {
        self.logp = target.logp_grad(&self.x, &mut self.grad)?;
        Ok(self.logp.is_finite() && self.grad.iter().all(|g| g.is_finite()))
    }
}
