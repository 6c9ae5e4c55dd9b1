//! Random Fourier features for stationary kernels.
//!
//! Bochner: `k(x, y) = s^2 E_w[cos(w . (x - y))]` with `w` drawn from the
//! kernel's normalised spectral density (frequencies divided by the
//! lengthscales). With `b ~ U[0, 2 pi)`, `2 cos(a) cos(c) = cos(a - c) +
//! cos(a + c)` and `E_b[cos(w.x + w.y + 2b)] = 0` give
//! `E[2 s^2 cos(w.x + b) cos(w.y + b)] = k(x, y)`, so
//! `phi(x) = s sqrt(2 / D) cos(W x + b)` is unbiased (Rahimi & Recht,
//! *Random Features for Large-Scale Kernel Machines*, NeurIPS 2007); this is
//! the form scikit-learn's `RBFSampler` uses.

use super::coupling::{Coupling, sample_frequencies};
use super::fast_cos::cos_in_place;
use super::spectral::{SpectralProfile, Spectrum};
use super::{FeatureMap, check_input, check_num_features, project_map};
use crate::kernel::stationary::{Profile, Stationary};
use crate::{Error, Points, Result};
use faer::Mat;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `phi(x) = s sqrt(2/D) cos(W x + b)` for a stationary kernel.
#[derive(Debug, Clone)]
pub struct RandomFourierFeatures {
    frequencies: Mat<f64>,
    offsets: Vec<f64>,
    amplitude: f64,
}

/// `1 / l_i` for each of `dim` coordinates from one or `dim` lengthscales.
pub(crate) fn inverse_lengthscales(lengthscales: &[f64], dim: usize) -> Result<Vec<f64>> {
    if dim == 0 {
        return Err(Error::InvalidArgument(
            "input dimension must be positive".into(),
        ));
    }
    let inv: Vec<f64> = match lengthscales.len() {
        1 => vec![1.0 / lengthscales[0]; dim],
        n if n == dim => lengthscales.iter().map(|l| 1.0 / l).collect(),
        n => {
            return Err(Error::ShapeMismatch {
                context: "random features",
                expected: format!("1 or {dim} lengthscales"),
                got: format!("{n}"),
            });
        }
    };
    if lengthscales.iter().any(|&l| !(l.is_finite() && l > 0.0)) {
        return Err(Error::InvalidArgument(
            "lengthscales must be finite and positive".into(),
        ));
    }
    Ok(inv)
}

impl RandomFourierFeatures {
    /// Draws `num_features` features for `kernel` on `R^dim` from `seed`.
    ///
    /// Errors: `InvalidArgument` for zero features or dimension,
    /// `ShapeMismatch` when ARD lengthscales do not match `dim`.
    pub fn new<P: Profile + SpectralProfile>(
        kernel: &Stationary<P>,
        dim: usize,
        num_features: usize,
        coupling: Coupling,
        seed: u64,
    ) -> Result<Self> {
        Self::from_spectrum(
            kernel.profile().spectrum(),
            kernel.variance(),
            kernel.lengthscales(),
            dim,
            num_features,
            coupling,
            seed,
        )
    }

    /// Draws features for the kernel `variance * phi(|(x - y) / l|)` whose
    /// normalised spectral density is `spectrum` (for example a Matern
    /// kernel of any smoothness).
    pub fn from_spectrum(
        spectrum: Spectrum,
        variance: f64,
        lengthscales: &[f64],
        dim: usize,
        num_features: usize,
        coupling: Coupling,
        seed: u64,
    ) -> Result<Self> {
        spectrum.validate()?;
        check_num_features(num_features)?;
        if !(variance.is_finite() && variance > 0.0) {
            return Err(Error::InvalidArgument(format!(
                "kernel variance must be finite and positive, got {variance}"
            )));
        }
        let inv_l = inverse_lengthscales(lengthscales, dim)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut frequencies = sample_frequencies(&mut rng, spectrum, coupling, dim, num_features);
        for j in 0..num_features {
            for (i, s) in inv_l.iter().enumerate() {
                frequencies[(i, j)] *= s;
            }
        }
        let offsets = (0..num_features)
            .map(|_| rng.random::<f64>() * std::f64::consts::TAU)
            .collect();
        Ok(Self {
            frequencies,
            offsets,
            amplitude: (2.0 * variance / num_features as f64).sqrt(),
        })
    }

    /// The `d x D` frequency matrix `W^T` (lengthscales applied).
    pub fn frequencies(&self) -> &Mat<f64> {
        &self.frequencies
    }

    /// The phase offsets `b`.
    pub fn offsets(&self) -> &[f64] {
        &self.offsets
    }

    /// The factor `s sqrt(2 / D)`.
    pub fn amplitude(&self) -> f64 {
        self.amplitude
    }

    /// `scale cos(W x + b)`, one row per point.
    pub(crate) fn scaled_cosines(&self, x: &Points, scale: f64) -> Result<Mat<f64>> {
        check_input(x, self.input_dim(), "RandomFourierFeatures::transform")?;
        let b = &self.offsets;
        project_map(
            x,
            &self.frequencies,
            "random Fourier features (coordinates too large)",
            |col, j| cos_in_place(col, b[j], scale),
        )
    }
}

impl FeatureMap for RandomFourierFeatures {
    fn input_dim(&self) -> usize {
        self.frequencies.nrows()
    }

    fn num_features(&self) -> usize {
        self.frequencies.ncols()
    }

    fn transform(&self, x: &Points) -> Result<Mat<f64>> {
        self.scaled_cosines(x, self.amplitude)
    }
}
