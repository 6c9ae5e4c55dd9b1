//! Positive random features for the softmax and Gaussian kernels (FAVOR+).
//!
//! For `w ~ N(0, I)`, `E[exp(w . (x + y))] = exp(|x + y|^2 / 2)`, hence
//! `exp(x . y) = E_w[exp(w.x - |x|^2/2) exp(w.y - |y|^2/2)]`: the softmax
//! kernel is the expectation of a product of positive features, and the
//! Gaussian kernel `exp(-|x - y|^2 / 2) = exp(-|x|^2/2) exp(x . y)
//! exp(-|y|^2/2)` too, with `phi(x) = exp(w . x - |x|^2) / sqrt(D)`
//! (Choromanski et al., *Rethinking Attention with Performers*, ICLR 2021,
//! Lemma 1). Positive features never produce negative kernel estimates,
//! which is what makes them stable in attention normalisers; their variance
//! grows like `exp(|x + y|^2)`, so inputs are best kept of moderate norm
//! (after dividing by the lengthscale). Orthogonal and simplex couplings of
//! the `w` lower the variance further (Reid et al., ICML 2023).

use super::coupling::{Coupling, sample_frequencies};
use super::fourier::inverse_lengthscales;
use super::spectral::Spectrum;
use super::{FeatureMap, check_input, check_num_features, project_map};
use crate::fast_exp::exp_fast;
use crate::kernel::stationary::{Gaussian, Stationary};
use crate::{Error, Points, Result};
use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The kernel a [`PositiveRandomFeatures`] map estimates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum PositiveKernel {
    /// `exp(x . y)`.
    Softmax,
    /// `s^2 exp(-|x - y|^2 / (2 l^2))` (lengthscales held by the map).
    Gaussian,
}

/// `phi(x) = c exp(w_j . x - a |x|^2) / sqrt(D)` with `a = 1/2` (softmax)
/// or `a = 1` (Gaussian, `c = s`, inputs divided by the lengthscales).
#[derive(Debug, Clone)]
pub struct PositiveRandomFeatures {
    kernel: PositiveKernel,
    frequencies: Mat<f64>,
    inv_lengthscales: Vec<f64>,
    log_amplitude: f64,
}

impl PositiveRandomFeatures {
    /// Features for the softmax kernel `exp(x . y)` on `R^dim`.
    ///
    /// Errors: `InvalidArgument` for zero features or dimension.
    pub fn softmax(dim: usize, num_features: usize, coupling: Coupling, seed: u64) -> Result<Self> {
        Self::build(
            PositiveKernel::Softmax,
            1.0,
            &[1.0],
            dim,
            num_features,
            coupling,
            seed,
        )
    }

    /// Features for a Gaussian (RBF) kernel on `R^dim`.
    ///
    /// Errors: `InvalidArgument` for zero features or dimension,
    /// `ShapeMismatch` when ARD lengthscales do not match `dim`.
    pub fn gaussian(
        kernel: &Stationary<Gaussian>,
        dim: usize,
        num_features: usize,
        coupling: Coupling,
        seed: u64,
    ) -> Result<Self> {
        Self::build(
            PositiveKernel::Gaussian,
            kernel.variance(),
            kernel.lengthscales(),
            dim,
            num_features,
            coupling,
            seed,
        )
    }

    fn build(
        kernel: PositiveKernel,
        variance: f64,
        lengthscales: &[f64],
        dim: usize,
        num_features: usize,
        coupling: Coupling,
        seed: u64,
    ) -> Result<Self> {
        check_num_features(num_features)?;
        if !(variance.is_finite() && variance > 0.0) {
            return Err(Error::InvalidArgument(format!(
                "kernel variance must be finite and positive, got {variance}"
            )));
        }
        let inv_lengthscales = inverse_lengthscales(lengthscales, dim)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let frequencies =
            sample_frequencies(&mut rng, Spectrum::Gaussian, coupling, dim, num_features);
        Ok(Self {
            kernel,
            frequencies,
            inv_lengthscales,
            log_amplitude: 0.5 * (variance / num_features as f64).ln(),
        })
    }

    /// The kernel this map estimates.
    pub fn kernel(&self) -> PositiveKernel {
        self.kernel
    }

    /// The `d x D` frequency matrix (unit lengthscale).
    pub fn frequencies(&self) -> &Mat<f64> {
        &self.frequencies
    }
}

impl FeatureMap for PositiveRandomFeatures {
    fn input_dim(&self) -> usize {
        self.frequencies.nrows()
    }

    fn num_features(&self) -> usize {
        self.frequencies.ncols()
    }

    fn transform(&self, x: &Points) -> Result<Mat<f64>> {
        check_input(x, self.input_dim(), "PositiveRandomFeatures::transform")?;
        let d = x.dim();
        let scaled: Vec<f64> = x
            .as_slice()
            .iter()
            .enumerate()
            .map(|(k, v)| v * self.inv_lengthscales[k % d])
            .collect();
        let xs = Points::new(scaled, d)?;
        let a = match self.kernel {
            PositiveKernel::Softmax => 0.5,
            PositiveKernel::Gaussian => 1.0,
        };
        let shift: Vec<f64> = xs
            .rows()
            .map(|r| self.log_amplitude - a * r.iter().map(|v| v * v).sum::<f64>())
            .collect();
        project_map(
            &xs,
            &self.frequencies,
            "positive random features (coordinates too large)",
            |col, _| {
                for (v, s) in col.iter_mut().zip(&shift) {
                    // exp_fast is accurate to 2 ulp below 700; larger exponents
                    // overflow f64 anyway.
                    *v = if *v + s < 700.0 {
                        exp_fast(*v + s)
                    } else {
                        (*v + s).exp()
                    };
                }
            },
        )
    }
}
