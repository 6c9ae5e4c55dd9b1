//! Spectral densities of isotropic stationary kernels, as samplers.
//!
//! By Bochner's theorem a continuous stationary kernel with `phi(0) = 1` is
//! the characteristic function of a probability law on frequencies:
//! `phi(|r|) = E_w[cos(w . r)]`. For the families here that law is a
//! Gaussian scale mixture `w = z / sqrt(u)` (or `z sqrt(t)`), `z ~ N(0, I)`:
//! - Gaussian `exp(-r^2/2)`: `w ~ N(0, I)`;
//! - Matern with smoothness `nu`: the multivariate Student-t with `2 nu`
//!   degrees of freedom, `w = z / sqrt(u)`, `u ~ Gamma(nu, 1/nu)`
//!   (Rasmussen & Williams 2006, eq. 4.15);
//! - rational quadratic `(1 + r^2/(2 a))^(-a)`: `w = z sqrt(t)`,
//!   `t ~ Gamma(a, 1/a)`, because the kernel is `E_t[exp(-t r^2 / 2)]`;
//! - inverse multiquadric `(1 + r^2)^(-b)` (the Cauchy kernel at `b = 1`):
//!   the same mixture with `t ~ Gamma(b, 2)`.
//!
//! Frequencies are drawn for unit lengthscale; the feature maps divide
//! coordinate `i` by the lengthscale `l_i`.

use crate::kernel::stationary::{
    Gaussian, InverseMultiquadric, Matern12, Matern32, Matern52, RationalQuadratic,
};
use crate::{Error, Result};
use rand::Rng;
use rand_distr::{Distribution, Gamma, StandardNormal};
use serde::{Deserialize, Serialize};

/// The normalised spectral density of an isotropic stationary kernel
/// (unit lengthscale, unit variance).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Spectrum {
    /// `exp(-r^2 / 2)`: standard normal frequencies.
    Gaussian,
    /// Matern with smoothness `nu > 0` (`nu = 1/2` is the exponential
    /// kernel): Student-t frequencies with `2 nu` degrees of freedom.
    Matern {
        /// The smoothness `nu`.
        nu: f64,
    },
    /// Rational quadratic `(1 + r^2 / (2 alpha))^(-alpha)`.
    RationalQuadratic {
        /// The shape `alpha`.
        alpha: f64,
    },
    /// Inverse multiquadric `(1 + r^2)^(-beta)`; `beta = 1` is the Cauchy
    /// kernel.
    InverseMultiquadric {
        /// The exponent `beta`.
        beta: f64,
    },
}

impl Spectrum {
    /// `InvalidArgument` unless the shape parameter is finite and positive.
    pub fn validate(&self) -> Result<()> {
        let (name, v) = match *self {
            Spectrum::Gaussian => return Ok(()),
            Spectrum::Matern { nu } => ("Matern nu", nu),
            Spectrum::RationalQuadratic { alpha } => ("rational quadratic alpha", alpha),
            Spectrum::InverseMultiquadric { beta } => ("inverse multiquadric beta", beta),
        };
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "{name} must be finite and positive, got {v}"
            )))
        }
    }

    /// The factor `c` with `w = c z`, `z ~ N(0, I)` (one draw of the
    /// mixing variable). Requires a validated spectrum.
    pub(crate) fn sample_scale<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // Gamma::new cannot fail for a validated (finite, positive) shape.
        let mut gamma = |shape: f64, scale: f64| {
            Gamma::new(shape, scale)
                .map(|g| g.sample(rng))
                .unwrap_or(f64::NAN)
        };
        match *self {
            Spectrum::Gaussian => 1.0,
            Spectrum::Matern { nu } => 1.0 / gamma(nu, 1.0 / nu).sqrt(),
            Spectrum::RationalQuadratic { alpha } => gamma(alpha, 1.0 / alpha).sqrt(),
            Spectrum::InverseMultiquadric { beta } => gamma(beta, 2.0).sqrt(),
        }
    }

    /// Writes one frequency vector `w` (unit lengthscale) into `out`.
    pub fn sample_frequency<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        let c = self.sample_scale(rng);
        for v in out.iter_mut() {
            let z: f64 = StandardNormal.sample(rng);
            *v = c * z;
        }
    }

    /// Draws `|w|` for a frequency in dimension `dim`.
    pub(crate) fn sample_radius<R: Rng + ?Sized>(&self, rng: &mut R, dim: usize) -> f64 {
        let c = self.sample_scale(rng);
        let chi2: f64 = (0..dim)
            .map(|_| {
                let z: f64 = StandardNormal.sample(rng);
                z * z
            })
            .sum();
        c * chi2.sqrt()
    }
}

/// A stationary profile whose spectral density this module can sample.
pub trait SpectralProfile {
    /// The profile's normalised spectral density.
    fn spectrum(&self) -> Spectrum;
}

impl SpectralProfile for Gaussian {
    fn spectrum(&self) -> Spectrum {
        Spectrum::Gaussian
    }
}

impl SpectralProfile for Matern12 {
    fn spectrum(&self) -> Spectrum {
        Spectrum::Matern { nu: 0.5 }
    }
}

impl SpectralProfile for Matern32 {
    fn spectrum(&self) -> Spectrum {
        Spectrum::Matern { nu: 1.5 }
    }
}

impl SpectralProfile for Matern52 {
    fn spectrum(&self) -> Spectrum {
        Spectrum::Matern { nu: 2.5 }
    }
}

impl SpectralProfile for RationalQuadratic {
    fn spectrum(&self) -> Spectrum {
        Spectrum::RationalQuadratic {
            alpha: self.alpha(),
        }
    }
}

impl SpectralProfile for InverseMultiquadric {
    fn spectrum(&self) -> Spectrum {
        Spectrum::InverseMultiquadric { beta: self.beta() }
    }
}
