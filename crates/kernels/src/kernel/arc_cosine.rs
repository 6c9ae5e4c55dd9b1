//! The arc-cosine kernels of Cho & Saul as [`Kernel`]s.
//!
//! `k_n(x, y) = |x|^n |y|^n J_n(t) / pi`, `t` the angle between `x` and `y`,
//! `J_0 = pi - t`, `J_1 = sin t + (pi - t) cos t`,
//! `J_2 = 3 sin t cos t + (pi - t)(1 + 2 cos^2 t)` (Cho & Saul, *Kernel
//! Methods for Deep Learning*, NeurIPS 2009, eq. 6): the covariance
//! `2 E[H(w.x) H(w.y) (w.x)^n (w.y)^n]`, `w ~ N(0, I)`, of one infinitely
//! wide layer of step (`n = 0`), ReLU (`n = 1`) or squared-ReLU (`n = 2`)
//! units, hence positive semi-definite. The closed form is the one
//! [`crate::features::arc_cosine_kernel`] evaluates (its random features
//! approximate this kernel), with the angle by Kahan's
//! `2 atan2(|u - v|, |u + v|)` on unit vectors, accurate near 0 and `pi`.
//! Order 1 is the ReLU NNGP of depth one: [`super::NeuralKernel`] with one
//! hidden layer, `s_w^2` and `s_b^2 = 0` equals `s_w^4 / (2 d) k_1`.
//!
//! The only hyperparameter is the variance `s^2` (`k = s^2 k_n`). The
//! kernels are not differentiable in their inputs at the origin or (order
//! 0) at parallel inputs, and input derivatives are not provided: those
//! methods return `InvalidArgument`.

use super::{Kernel, check_positive, variance_only_hyperparameters};
use crate::features::{arc_cosine_value, check_arc_cosine_order};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// `k(x, y) = variance * k_n(x, y)`, the arc-cosine kernel of order `n`.
///
/// Accuracy: equals the depth-one ReLU NNGP of [`super::NeuralKernel`]
/// (itself within 1e-13 of 30-digit mpmath) to 1e-15 relative for order 1,
/// and the closed forms of `J_0`, `J_2` at angles from 0 to `pi` to 1e-15
/// (tests/kernels.rs).
///
/// ```
/// use sobolev_kernels::kernel::ArcCosine;
/// use sobolev_kernels::Kernel;
/// let k = ArcCosine::new(1, 1.0).unwrap();
/// // Orthogonal unit vectors: J_1(pi/2) / pi = 1 / pi.
/// assert!((k.eval(&[1.0, 0.0], &[0.0, 1.0]) - 1.0 / std::f64::consts::PI).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ArcCosine {
    order: u32,
    variance: f64,
}

impl ArcCosine {
    /// Errors: `InvalidArgument` for an order other than 0, 1, 2 or a
    /// variance that is not finite and positive.
    pub fn new(order: u32, variance: f64) -> Result<Self> {
        check_arc_cosine_order(order)?;
        Ok(Self {
            order,
            variance: check_positive(variance, "arc-cosine kernel variance")?,
        })
    }

    /// The order `n`.
    pub fn order(&self) -> u32 {
        self.order
    }

    /// The variance `s^2`.
    pub fn variance(&self) -> f64 {
        self.variance
    }

    fn no_input_derivatives() -> Error {
        Error::InvalidArgument(
            "arc-cosine kernels are not differentiable in their inputs everywhere; \
             input derivatives are not provided"
                .into(),
        )
    }
}

impl Kernel for ArcCosine {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        self.variance * arc_cosine_value(self.order, x, y)
    }
    variance_only_hyperparameters!("arc-cosine kernel log-hyperparameters");
    fn grad_x(&self, _x: &[f64], _y: &[f64], _out: &mut [f64]) -> Result<()> {
        Err(Self::no_input_derivatives())
    }
    fn hess_xy(&self, _x: &[f64], _y: &[f64], _out: &mut [f64]) -> Result<()> {
        Err(Self::no_input_derivatives())
    }
    fn hess_xx(&self, _x: &[f64], _y: &[f64], _out: &mut [f64]) -> Result<()> {
        Err(Self::no_input_derivatives())
    }
}
