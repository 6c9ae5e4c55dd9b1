//! Distributions on manifolds: the von Mises-Fisher distribution on the
//! sphere (Wood's rejection sampler) and the wrapped normal distribution on
//! hyperbolic space (Lorentz model).
//!
//! von Mises-Fisher on `S^{p-1}`: density proportional to `exp(kappa <mu, x>)`.
//! Wood (1994) samples the component `w = <mu, x>` by rejection from a
//! transformed Beta((p-1)/2, (p-1)/2) proposal whose envelope constant is
//! computed in logarithms, so the sampler works for any `p >= 2` and any
//! `kappa > 0`; `b` is evaluated as `(p-1) / (2 kappa + sqrt(4 kappa^2 +
//! (p-1)^2))`, free of cancellation for large `kappa`. The remaining
//! direction is uniform on the sphere orthogonal to `mu`. The
//! maximum-likelihood fit takes the mean direction of the (weighted) sample
//! and solves `A_p(kappa) = Rbar` for its mean resultant length `Rbar`
//! with `sobolev_special::vmf::inverse_mean_resultant_length`, which works
//! in logarithms of Bessel functions and so in any dimension: it returns
//! `kappa` to 1e-10 relative at `p = 32768`, where fits through
//! `I_nu(kappa)` itself overflow.
//!
//! Wrapped normal on `H^n` (Nagano et al. 2019): draw `v ~ N(0, Sigma)` in
//! the tangent space at the origin, transport it to `mu` in parallel and map
//! it with `exp_mu`. Its log density at `z` with `u = log_mu(z)` (transported
//! back to the origin, giving `v`) is
//! `log N(v; 0, Sigma) - (n-1) log(sinh(sqrt(c) r) / (sqrt(c) r))`, `r = |u|`.
//! References: Wood, *Simulation of the von Mises Fisher distribution*
//! (Comm. Stat. Sim. Comp. 1994); Nagano, Yamaguchi, Fujita and Koyama, *A
//! wrapped normal distribution on hyperbolic space for gradient-based
//! learning* (ICML 2019).

use crate::error::{Error, Result};
use crate::hyperbolic::Lorentz;
use crate::manifold::Manifold;
use crate::vector::{dot, norm};
use rand::Rng;
use rand_distr::{Beta, Distribution, StandardNormal};

/// The von Mises-Fisher distribution on `S^{p-1}` with mean direction `mu`
/// and concentration `kappa`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VonMisesFisher {
    mu: Vec<f64>,
    kappa: f64,
}

impl VonMisesFisher {
    /// Needs a unit `mu` (to 1e-10) of length `p >= 2` and `kappa > 0`.
    pub fn new(mu: Vec<f64>, kappa: f64) -> Result<Self> {
        if mu.len() < 2 {
            return Err(Error::InvalidArgument("vMF needs dimension p >= 2".into()));
        }
        if !(kappa > 0.0 && kappa.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "vMF needs a finite kappa > 0, got {kappa}"
            )));
        }
        crate::sphere::Sphere::new(mu.len())?.check_point(&mu, 1e-10)?;
        Ok(Self { mu, kappa })
    }

    /// The mean direction.
    pub fn mean_direction(&self) -> &[f64] {
        &self.mu
    }

    /// The concentration.
    pub fn kappa(&self) -> f64 {
        self.kappa
    }

    /// The maximum-likelihood fit to points on `S^{p-1}` (each a unit
    /// vector to within `1e-8`).
    ///
    /// # Errors
    /// [`Error::Empty`] for no points; [`Error::ShapeMismatch`] for points of
    /// different lengths; [`Error::NonFinite`] / [`Error::NotOnManifold`] for
    /// points that are not finite unit vectors; [`Error::InvalidArgument`]
    /// when the sample's resultant is 0 (no preferred direction) or 1 (all
    /// points equal, `kappa` infinite).
    pub fn fit(points: &[Vec<f64>]) -> Result<Self> {
        Self::fit_weighted(points, &vec![1.0; points.len()])
    }

    /// The weighted maximum-likelihood fit; weights must be non-negative,
    /// finite and not all zero. Errors as for [`VonMisesFisher::fit`].
    pub fn fit_weighted(points: &[Vec<f64>], weights: &[f64]) -> Result<Self> {
        let first = points.first().ok_or(Error::Empty("vMF fit: no points"))?;
        let p = first.len();
        if weights.len() != points.len() {
            return Err(Error::ShapeMismatch {
                context: "VonMisesFisher::fit_weighted",
                expected: format!("{} weights", points.len()),
                got: format!("{} weights", weights.len()),
            });
        }
        if weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(Error::InvalidArgument(
                "vMF fit: weights must be finite and non-negative".into(),
            ));
        }
        let total: f64 = weights.iter().sum();
        if !(total > 0.0) {
            return Err(Error::InvalidArgument("vMF fit: weights sum to 0".into()));
        }
        let sphere = crate::sphere::Sphere::new(p)?;
        let mut resultant = vec![0.0; p];
        for (x, &w) in points.iter().zip(weights) {
            if x.len() != p {
                return Err(Error::ShapeMismatch {
                    context: "VonMisesFisher::fit",
                    expected: format!("points of length {p}"),
                    got: format!("a point of length {}", x.len()),
                });
            }
            sphere.check_point(x, 1e-8)?;
            for (r, xi) in resultant.iter_mut().zip(x) {
                *r += w * xi;
            }
        }
        let length = norm(&resultant);
        let rbar = (length / total).min(1.0);
        if !(rbar > 0.0) || rbar >= 1.0 {
            return Err(Error::InvalidArgument(format!(
                "vMF fit: mean resultant length {rbar} gives no finite positive kappa"
            )));
        }
        let kappa = sobolev_special::vmf::inverse_mean_resultant_length(p as f64, rbar);
        let mu = resultant.iter().map(|r| r / length).collect();
        Self::new(mu, kappa)
    }

    /// `ln f(x) = ln C_p(kappa) + kappa <mu, x>`, the log density with
    /// respect to the surface measure of `S^{p-1}`.
    ///
    /// # Errors
    /// Shape, finiteness and membership errors for `x`.
    pub fn log_density(&self, x: &[f64]) -> Result<f64> {
        let p = self.mu.len();
        crate::sphere::Sphere::new(p)?.check_point(&x.to_vec(), 1e-8)?;
        let log_c = sobolev_special::vmf::log_normaliser(p as f64, self.kappa);
        Ok(log_c + self.kappa * dot(&self.mu, x))
    }

    /// One draw of `w = <mu, x>` by Wood's rejection sampler.
    pub fn sample_cosine<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let m = (self.mu.len() - 1) as f64;
        let k = self.kappa;
        let b = m / (2.0 * k + (4.0 * k * k + m * m).sqrt());
        let x0 = (1.0 - b) / (1.0 + b);
        let c = k * x0 + m * (1.0 - x0 * x0).ln();
        // Valid: shape parameters are positive and finite.
        let beta = Beta::new(0.5 * m, 0.5 * m).unwrap_or_else(|_| unreachable!());
        loop {
            let z: f64 = beta.sample(rng);
            let w = (1.0 - (1.0 + b) * z) / (1.0 - (1.0 - b) * z);
            let u: f64 = rng.random();
            if k * w + m * (1.0 - x0 * w).ln() - c >= u.ln() {
                return w;
            }
        }
    }

    /// One draw on the sphere.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        let w = self.sample_cosine(rng);
        let p = self.mu.len();
        let v = loop {
            let g: Vec<f64> = (0..p).map(|_| rng.sample(StandardNormal)).collect();
            let c = dot(&g, &self.mu);
            let t: Vec<f64> = g.iter().zip(&self.mu).map(|(g, m)| g - c * m).collect();
            let r = norm(&t);
            if r > 0.0 {
                break t.into_iter().map(|x| x / r).collect::<Vec<f64>>();
            }
        };
        let s = (1.0 - w * w).max(0.0).sqrt();
        self.mu.iter().zip(&v).map(|(m, v)| w * m + s * v).collect()
    }
}

/// The wrapped normal distribution on hyperbolic space (Lorentz model)
/// with mean `mu` and isotropic tangent standard deviation `sigma`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WrappedNormal {
    space: Lorentz,
    mu: Vec<f64>,
    sigma: f64,
}

impl WrappedNormal {
    /// Needs `mu` on the hyperboloid (to 1e-9) and `sigma > 0`.
    pub fn new(space: Lorentz, mu: Vec<f64>, sigma: f64) -> Result<Self> {
        space.check_point(&mu, 1e-9)?;
        if !(sigma > 0.0 && sigma.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "wrapped normal needs a finite sigma > 0, got {sigma}"
            )));
        }
        Ok(Self { space, mu, sigma })
    }

    /// One draw.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Vec<f64>> {
        let o = self.space.origin();
        let mut v = vec![0.0; o.len()];
        v[1..]
            .iter_mut()
            .for_each(|x| *x = self.sigma * rng.sample::<f64, _>(StandardNormal));
        let u = self.space.parallel_transport(&o, &self.mu, &v)?;
        self.space.exp(&self.mu, &u)
    }

    /// The log density with respect to the Riemannian volume.
    pub fn log_density(&self, z: &[f64]) -> Result<f64> {
        let o = self.space.origin();
        let u = self.space.log(&self.mu, &z.to_vec())?;
        let v = self.space.parallel_transport(&self.mu, &o, &u)?;
        let n = (o.len() - 1) as f64;
        let r2: f64 = v[1..].iter().map(|x| x * x).sum();
        let log_normal = -0.5 * r2 / (self.sigma * self.sigma)
            - n * (self.sigma.ln() + 0.5 * (2.0 * std::f64::consts::PI).ln());
        let sc = self.space.curvature().sqrt();
        let t = sc * r2.sqrt();
        let log_jac = if t < 1e-8 {
            t * t / 6.0
        } else {
            // log(sinh t / t) = t + log1p(-exp(-2t)) - log(2t).
            t + (-(-2.0 * t).exp()).ln_1p() - (2.0 * t).ln()
        };
        Ok(log_normal - (n - 1.0) * log_jac)
    }
}
