//! Noise schedules: the forward process `z_t = alpha(t) x0 + s(t) eps`,
//! `t in [0, 1]` (or `sigma` itself for EDM), its SDE coefficients, and
//! noise-level sequences for samplers.
//!
//! Each schedule gives `alpha(t)`, `s(t)`, the EDM noise level
//! `sigma(t) = s/alpha` (the variance-exploding equivalent after rescaling
//! by `alpha`), its inverse, and the forward SDE `dz = f(t) z dt + g(t) dW`
//! with `f = d ln alpha / dt` and `g^2 = d s^2/dt - 2 f s^2`.
//!
//! * VP linear (Ho et al. 2020; Song et al. 2021): `beta(t) = b0 + t (b1 - b0)`,
//!   `ln alpha = -t^2 (b1 - b0)/4 - t b0/2`, `s^2 = 1 - alpha^2`.
//! * VP cosine (Nichol and Dhariwal 2021): `alpha = cos((t+e)/(1+e) pi/2) / cos(e/(1+e) pi/2)`.
//! * VE (Song and Ermon 2019): `alpha = 1`, `s = s_min (s_max/s_min)^t`.
//! * sub-VP (Song et al. 2021): `alpha` as VP, `s = 1 - alpha^2`.
//! * EDM (Karras et al. 2022): `alpha = 1`, `s = t`.
//!
//! Sequences: Karras' `rho`-spaced sigmas, log-uniform ("exponential")
//! sigmas, and k-diffusion's continuous VP sequence, all ending in zero.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::f64::consts::FRAC_PI_2;

/// A forward noising schedule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    /// Variance preserving, linear `beta(t)` from `beta_min` to `beta_max`.
    VpLinear {
        /// `beta(0)`.
        beta_min: f64,
        /// `beta(1)`.
        beta_max: f64,
    },
    /// Variance preserving, cosine `alpha` with offset `s`.
    VpCosine {
        /// Offset (0.008 in Nichol and Dhariwal).
        s: f64,
    },
    /// Variance exploding, geometric `sigma` from `sigma_min` to `sigma_max`.
    Ve {
        /// `sigma(0)`.
        sigma_min: f64,
        /// `sigma(1)`.
        sigma_max: f64,
    },
    /// Sub-variance-preserving, linear `beta(t)`.
    SubVp {
        /// `beta(0)`.
        beta_min: f64,
        /// `beta(1)`.
        beta_max: f64,
    },
    /// EDM: `alpha = 1`, `sigma = t`.
    Edm,
}

impl Schedule {
    /// The DDPM schedule of Song et al. (2021): VP with `beta` from 0.1 to 20.
    pub fn vp() -> Self {
        Schedule::VpLinear {
            beta_min: 0.1,
            beta_max: 20.0,
        }
    }

    fn ln_alpha(&self, t: f64) -> f64 {
        match *self {
            Schedule::VpLinear { beta_min, beta_max } | Schedule::SubVp { beta_min, beta_max } => {
                -0.25 * t * t * (beta_max - beta_min) - 0.5 * t * beta_min
            }
            Schedule::VpCosine { s } => {
                ((t + s) / (1.0 + s) * FRAC_PI_2).cos().ln()
                    - (s / (1.0 + s) * FRAC_PI_2).cos().ln()
            }
            Schedule::Ve { .. } | Schedule::Edm => 0.0,
        }
    }

    /// Signal scale `alpha(t)`.
    pub fn alpha(&self, t: f64) -> f64 {
        self.ln_alpha(t).exp()
    }

    /// Noise scale `s(t)` of `z_t = alpha x0 + s eps`.
    pub fn noise_scale(&self, t: f64) -> f64 {
        match *self {
            Schedule::VpLinear { .. } | Schedule::VpCosine { .. } => {
                (-(2.0 * self.ln_alpha(t)).exp_m1()).sqrt()
            }
            Schedule::SubVp { .. } => -(2.0 * self.ln_alpha(t)).exp_m1(),
            Schedule::Ve {
                sigma_min,
                sigma_max,
            } => sigma_min * (sigma_max / sigma_min).powf(t),
            Schedule::Edm => t,
        }
    }

    /// EDM noise level `sigma(t) = s(t) / alpha(t)`.
    pub fn sigma(&self, t: f64) -> f64 {
        match *self {
            Schedule::VpLinear { .. } | Schedule::VpCosine { .. } => {
                (-2.0 * self.ln_alpha(t)).exp_m1().sqrt()
            }
            _ => self.noise_scale(t) / self.alpha(t),
        }
    }

    /// Log signal-to-noise half-ratio `lambda = ln(alpha / s) = -ln sigma`.
    pub fn lambda(&self, t: f64) -> f64 {
        -self.sigma(t).ln()
    }

    /// The time with EDM noise level `sigma` (inverse of [`sigma`](Self::sigma)).
    pub fn t_of_sigma(&self, sigma: f64) -> Result<f64> {
        if !(sigma > 0.0 && sigma.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "noise level must be positive, got {sigma}"
            )));
        }
        // Solve ln alpha(t) = target for the VP family (quadratic in t).
        let from_ln_alpha = |la: f64, beta_min: f64, beta_max: f64| {
            let bd = beta_max - beta_min;
            let l = -2.0 * la; // = bd t^2 / 2 + beta_min t
            if bd == 0.0 {
                l / beta_min
            } else {
                2.0 * l / (beta_min + (beta_min * beta_min + 2.0 * bd * l).sqrt())
            }
        };
        let t = match *self {
            Schedule::VpLinear { beta_min, beta_max } => {
                from_ln_alpha(-0.5 * (sigma * sigma).ln_1p(), beta_min, beta_max)
            }
            Schedule::SubVp { beta_min, beta_max } => {
                let a = 2.0 / (sigma + (sigma * sigma + 4.0).sqrt());
                from_ln_alpha(a.ln(), beta_min, beta_max)
            }
            Schedule::VpCosine { s } => {
                let alpha = (-0.5 * (sigma * sigma).ln_1p()).exp();
                let c0 = (s / (1.0 + s) * FRAC_PI_2).cos();
                (alpha * c0).acos() / FRAC_PI_2 * (1.0 + s) - s
            }
            Schedule::Ve {
                sigma_min,
                sigma_max,
            } => (sigma / sigma_min).ln() / (sigma_max / sigma_min).ln(),
            Schedule::Edm => sigma,
        };
        Ok(t)
    }

    /// Forward SDE coefficients `(f(t), g(t)^2)` of `dz = f z dt + g dW`.
    pub fn sde_coefficients(&self, t: f64) -> (f64, f64) {
        match *self {
            Schedule::VpLinear { beta_min, beta_max } => {
                let b = beta_min + t * (beta_max - beta_min);
                (-0.5 * b, b)
            }
            Schedule::SubVp { beta_min, beta_max } => {
                let b = beta_min + t * (beta_max - beta_min);
                let a4 = (4.0 * self.ln_alpha(t)).exp();
                (-0.5 * b, b * (1.0 - a4))
            }
            Schedule::VpCosine { s } => {
                let f = -FRAC_PI_2 / (1.0 + s) * ((t + s) / (1.0 + s) * FRAC_PI_2).tan();
                (f, -2.0 * f)
            }
            Schedule::Ve {
                sigma_min,
                sigma_max,
            } => {
                let sg = self.noise_scale(t);
                (0.0, 2.0 * sg * sg * (sigma_max / sigma_min).ln())
            }
            Schedule::Edm => (0.0, 2.0 * t),
        }
    }

    /// EDM noise levels at the times `ts`, followed by a final zero.
    pub fn sigmas_at(&self, ts: &[f64]) -> Result<Vec<f64>> {
        let mut out: Vec<f64> = ts.iter().map(|&t| self.sigma(t)).collect();
        out.push(0.0);
        check_sigmas(&out)?;
        Ok(out)
    }
}

/// Checks that a noise-level sequence is finite, non-negative and strictly
/// decreasing, with at least one step.
pub fn check_sigmas(sigmas: &[f64]) -> Result<()> {
    if sigmas.len() < 2 {
        return Err(Error::Empty(
            "noise-level sequence needs at least two levels",
        ));
    }
    for (i, w) in sigmas.windows(2).enumerate() {
        if !(w[0].is_finite() && w[1].is_finite() && w[1] >= 0.0 && w[1] < w[0]) {
            return Err(Error::NonMonotoneTimes {
                index: i + 1,
                t: w[1],
            });
        }
    }
    Ok(())
}

/// Karras et al. (2022) levels: `n` values from `sigma_max` to `sigma_min`
/// evenly spaced in `sigma^(1/rho)`, then a zero (k-diffusion's
/// `get_sigmas_karras`).
pub fn karras_sigmas(n: usize, sigma_min: f64, sigma_max: f64, rho: f64) -> Result<Vec<f64>> {
    if n < 2 || !(sigma_min > 0.0 && sigma_max > sigma_min && rho > 0.0 && sigma_max.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "karras_sigmas needs n >= 2, 0 < sigma_min < sigma_max, rho > 0 (got {n}, {sigma_min}, {sigma_max}, {rho})"
        )));
    }
    let (lo, hi) = (sigma_min.powf(1.0 / rho), sigma_max.powf(1.0 / rho));
    let mut s: Vec<f64> = (0..n)
        .map(|i| {
            let r = i as f64 / (n - 1) as f64;
            (hi + r * (lo - hi)).powf(rho)
        })
        .collect();
    s.push(0.0);
    Ok(s)
}

/// Log-uniform levels from `sigma_max` to `sigma_min`, then a zero.
pub fn exponential_sigmas(n: usize, sigma_min: f64, sigma_max: f64) -> Result<Vec<f64>> {
    if n < 2 || !(sigma_min > 0.0 && sigma_max > sigma_min && sigma_max.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "exponential_sigmas needs n >= 2 and 0 < sigma_min < sigma_max (got {n}, {sigma_min}, {sigma_max})"
        )));
    }
    let (a, b) = (sigma_max.ln(), sigma_min.ln());
    let mut s: Vec<f64> = (0..n)
        .map(|i| (a + (b - a) * i as f64 / (n - 1) as f64).exp())
        .collect();
    s.push(0.0);
    Ok(s)
}
