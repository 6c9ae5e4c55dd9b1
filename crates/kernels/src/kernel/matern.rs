//! The Matern profile for any smoothness `nu > 0`, through the modified
//! Bessel function of the second kind.
//!
//! `phi(r) = 2^{1-nu} / Gamma(nu) z^nu K_nu(z)`, `z = sqrt(2 nu) r`
//! (Rasmussen & Williams 2006, eq. 4.14; Stein, *Interpolation of Spatial
//! Data*, 1999, sec. 2.7). With `d/dz [z^a K_a(z)] = -z^a K_{a-1}(z)` and
//! `dz / d(r^2) = nu / z`, the derivatives in `r^2` are again Bessel
//! functions:
//! `phi' = -c nu z^{nu-1} K_{nu-1}(z)`, `phi'' = c nu^2 z^{nu-2} K_{nu-2}(z)`,
//! `c = 2^{1-nu} / Gamma(nu)`, `K_{-a} = K_a`. All three are evaluated as
//! `exp` of a sum of logarithms (`sobolev-special`'s `log_bessel_k` and
//! `ln_gamma`), so neither `z^nu -> 0` nor `K_nu(z) -> inf` is formed at
//! small `r` and nothing overflows at large `nu`. At `r = 0` the limits are
//! exact: `phi(0) = 1`, `phi'(0) = -nu / (2 (nu - 1))` for `nu > 1`
//! (infinite otherwise: the kernel is not differentiable at 0),
//! `phi''(0) = nu^2 / (4 (nu - 1)(nu - 2))` for `nu > 2`. As `nu -> inf`
//! the profile tends to the Gaussian `exp(-r^2 / 2)`.
//!
//! The smoothness `nu` is fixed, not a hyperparameter: its gradient would
//! need `d/d nu ln K_nu`, which is not available in closed form. For
//! `nu = 1/2, 3/2, 5/2` prefer [`super::Matern12`], [`super::Matern32`],
//! [`super::Matern52`], the same functions in elementary form: each Bessel
//! evaluation costs about 2 microseconds, and a 1000-point ARD Gram matrix
//! in five dimensions took 1.0 s against 21 ms for Matern 5/2 (criterion,
//! `benches/benches/kernels.rs`, shared 2-core machine).
//!
//! Accuracy: against 40-digit mpmath (xtask/refdata/matern_nu.py, 504
//! values of `phi`, `phi'`, `phi''` for `nu` from 0.3 to 40 and `r` from
//! 1e-8 to 40): see the table in [`Matern`].

use super::check_positive;
use super::stationary::Profile;
use crate::Result;
use serde::{Deserialize, Serialize};
use sobolev_special::{ln_gamma, log_bessel_k};

/// The Matern profile of smoothness `nu`: `Stationary<Matern>` is the
/// Matern kernel `s^2 2^{1-nu}/Gamma(nu) (sqrt(2 nu) r)^nu K_nu(sqrt(2 nu) r)`.
///
/// Accuracy against 40-digit mpmath (tests/kernel_families.rs), maximum
/// error relative to the value, over `nu` in {0.3, 0.5, 0.75, 1, 1.25, 1.5,
/// 2.2, 2.5, 3.7, 7.5, 15.3, 40} and values above `1e-280`:
///
/// | quantity | `r <= 1e-3` | `1e-3 < r <= 40` |
/// |---|---|---|
/// | `phi` | 3.8e-14 | 5.0e-14 |
/// | `phi'` | 8.3e-14 | 2.9e-14 |
/// | `phi''` | 7.3e-14 | 3.2e-14 |
///
/// The error grows with `nu |ln z|`, the size of the logarithms that cancel.
/// At `nu = 1/2, 3/2, 5/2` the values and both derivatives agree with the
/// closed forms to 2.6e-14 relative for `r` from 1e-6 to 30.
///
/// ```
/// use sobolev_kernels::kernel::{Matern, Matern32, Stationary};
/// use sobolev_kernels::Kernel;
/// let general = Stationary::new(Matern::new(1.5).unwrap(), 1.0, 0.7).unwrap();
/// let closed = Stationary::new(Matern32, 1.0, 0.7).unwrap();
/// let (x, y) = ([0.1, 0.4], [0.5, -0.2]);
/// assert!((general.eval(&x, &y) - closed.eval(&x, &y)).abs() < 1e-14);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Matern {
    nu: f64,
}

impl Matern {
    /// `InvalidArgument` unless `nu` is finite and positive.
    pub fn new(nu: f64) -> Result<Self> {
        Ok(Self {
            nu: check_positive(nu, "Matern smoothness nu")?,
        })
    }

    /// The smoothness `nu`.
    pub fn nu(&self) -> f64 {
        self.nu
    }

    /// `ln c = (1 - nu) ln 2 - ln Gamma(nu)`.
    #[inline]
    fn ln_norm(&self) -> f64 {
        (1.0 - self.nu) * std::f64::consts::LN_2 - ln_gamma(self.nu)
    }

    /// `z = sqrt(2 nu r2)` and `ln z`.
    #[inline]
    fn z(&self, r2: f64) -> (f64, f64) {
        let z = (2.0 * self.nu * r2).sqrt();
        (z, z.ln())
    }
}

impl Profile for Matern {
    fn name(&self) -> &'static str {
        "matern"
    }

    fn value(&self, r2: f64) -> f64 {
        if r2.is_nan() {
            return f64::NAN;
        }
        if r2 <= 0.0 {
            return 1.0;
        }
        let (z, ln_z) = self.z(r2);
        let v = self.nu;
        let ln_phi = self.ln_norm() + v * ln_z + log_bessel_k(v, z);
        // phi <= 1; rounding in the sum of logarithms must not exceed it.
        ln_phi.min(0.0).exp()
    }

    fn d1(&self, r2: f64) -> f64 {
        let v = self.nu;
        if r2.is_nan() {
            return f64::NAN;
        }
        if r2 <= 0.0 {
            return if v > 1.0 {
                -v / (2.0 * (v - 1.0))
            } else {
                f64::NEG_INFINITY
            };
        }
        let (z, ln_z) = self.z(r2);
        -(self.ln_norm() + v.ln() + (v - 1.0) * ln_z + log_bessel_k((v - 1.0).abs(), z)).exp()
    }

    fn d2(&self, r2: f64) -> f64 {
        let v = self.nu;
        if r2.is_nan() {
            return f64::NAN;
        }
        if r2 <= 0.0 {
            return if v > 2.0 {
                v * v / (4.0 * (v - 1.0) * (v - 2.0))
            } else {
                f64::INFINITY
            };
        }
        let (z, ln_z) = self.z(r2);
        (self.ln_norm() + 2.0 * v.ln() + (v - 2.0) * ln_z + log_bessel_k((v - 2.0).abs(), z)).exp()
    }
}
