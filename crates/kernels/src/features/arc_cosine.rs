//! Random features for the arc-cosine kernels of order 0, 1 and 2.
//!
//! Cho & Saul (*Kernel Methods for Deep Learning*, NeurIPS 2009) define
//! `k_n(x, y) = 2 E_w[H(w.x) H(w.y) (w.x)^n (w.y)^n]`, `w ~ N(0, I)`, `H`
//! the step function, and show `k_n(x, y) = |x|^n |y|^n J_n(t) / pi` with
//! `t` the angle between `x` and `y` and
//! `J_0 = pi - t`, `J_1 = sin t + (pi - t) cos t`,
//! `J_2 = 3 sin t cos t + (pi - t)(1 + 2 cos^2 t)`.
//! The features `phi(x) = sqrt(2 / D) max(0, W x)^n` (a step for `n = 0`)
//! are the hidden layer of a random network with threshold, ReLU or
//! squared-ReLU units, and their inner product is unbiased for `k_n`.

use super::coupling::{Coupling, sample_frequencies};
use super::spectral::Spectrum;
use super::{FeatureMap, check_input, check_num_features, project_map};
use crate::{Error, Points, Result};
use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::f64::consts::PI;

/// The arc-cosine kernel `k_n(x, y)` of order `n` in 0, 1, 2 (closed form).
///
/// Errors: `InvalidArgument` for another order, `ShapeMismatch` for points
/// of different dimension, `NonFinite` for NaN or infinite coordinates.
/// A zero vector gives `k_0 = 1/2` (its angle is taken as `pi/2`) and
/// `k_n = 0` for `n >= 1`.
pub fn arc_cosine_kernel(order: u32, x: &[f64], y: &[f64]) -> Result<f64> {
    check_order(order)?;
    if x.len() != y.len() {
        return Err(Error::ShapeMismatch {
            context: "arc_cosine_kernel",
            expected: format!("y of dimension {}", x.len()),
            got: format!("y of dimension {}", y.len()),
        });
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(Error::NonFinite("arc_cosine_kernel input"));
    }
    Ok(arc_cosine_value(order, x, y))
}

/// `k_n(x, y)` for `n` in 0, 1, 2 (any other order is taken as 2) without
/// checks: the inner loop of [`crate::kernel::ArcCosine`].
pub(crate) fn arc_cosine_value(order: u32, x: &[f64], y: &[f64]) -> f64 {
    let nx = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let ny = y.iter().map(|v| v * v).sum::<f64>().sqrt();
    // The angle by Kahan's 2 atan2(|u - v|, |u + v|) on the unit vectors,
    // accurate also near 0 and pi where acos of the cosine is not.
    let t = if nx > 0.0 && ny > 0.0 {
        let (mut diff, mut sum) = (0.0, 0.0);
        for (a, b) in x.iter().zip(y) {
            let (u, v) = (a / nx, b / ny);
            diff += (u - v) * (u - v);
            sum += (u + v) * (u + v);
        }
        2.0 * diff.sqrt().atan2(sum.sqrt())
    } else {
        PI / 2.0
    };
    let (sin_t, cos_t) = t.sin_cos();
    let j = match order {
        0 => PI - t,
        1 => sin_t + (PI - t) * cos_t,
        _ => 3.0 * sin_t * cos_t + (PI - t) * (1.0 + 2.0 * cos_t * cos_t),
    };
    (nx * ny).powi(order as i32) * j / PI
}

pub(crate) fn check_order(order: u32) -> Result<()> {
    if order > 2 {
        return Err(Error::InvalidArgument(format!(
            "arc-cosine kernel order must be 0, 1 or 2, got {order}"
        )));
    }
    Ok(())
}

/// `phi(x) = sqrt(2/D) max(0, W x)^n` for the arc-cosine kernel of order `n`.
#[derive(Debug, Clone)]
pub struct ArcCosineFeatures {
    order: u32,
    frequencies: Mat<f64>,
}

impl ArcCosineFeatures {
    /// Draws `num_features` features of order `order` on `R^dim`.
    ///
    /// Errors: `InvalidArgument` for an order above 2, zero features or
    /// zero dimension.
    pub fn new(
        order: u32,
        dim: usize,
        num_features: usize,
        coupling: Coupling,
        seed: u64,
    ) -> Result<Self> {
        check_order(order)?;
        check_num_features(num_features)?;
        if dim == 0 {
            return Err(Error::InvalidArgument(
                "input dimension must be positive".into(),
            ));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let frequencies =
            sample_frequencies(&mut rng, Spectrum::Gaussian, coupling, dim, num_features);
        Ok(Self { order, frequencies })
    }

    /// The order `n`.
    pub fn order(&self) -> u32 {
        self.order
    }
}

impl FeatureMap for ArcCosineFeatures {
    fn input_dim(&self) -> usize {
        self.frequencies.nrows()
    }

    fn num_features(&self) -> usize {
        self.frequencies.ncols()
    }

    fn transform(&self, x: &Points) -> Result<Mat<f64>> {
        check_input(x, self.input_dim(), "ArcCosineFeatures::transform")?;
        let a = (2.0 / self.num_features() as f64).sqrt();
        let order = self.order;
        project_map(
            x,
            &self.frequencies,
            "arc-cosine features (coordinates too large)",
            |col, _| {
                for v in col.iter_mut() {
                    let p = v.max(0.0);
                    *v = match order {
                        0 => {
                            if p > 0.0 {
                                a
                            } else {
                                0.0
                            }
                        }
                        1 => a * p,
                        _ => a * p * p,
                    };
                }
            },
        )
    }
}
