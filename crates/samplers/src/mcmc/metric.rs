//! The Euclidean metric of Hamiltonian Monte Carlo: the inverse mass matrix.
//!
//! Momentum `p ~ N(0, M)`, kinetic energy `K(p) = p^T M^{-1} p / 2`, velocity
//! `dx/dt = M^{-1} p`. Adaptation sets `M^{-1}` to an estimate of the
//! posterior covariance (diagonal or dense), which makes the target look
//! isotropic to the integrator (Neal 2011, Betancourt 2017).

use super::lanes::{diagonal_kick, diagonal_kick_drift, dot};
use crate::{Error, Result};
use faer::Mat;
use faer::linalg::solvers::DenseSolveCore;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Inverse mass matrix `M^{-1}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Metric {
    /// `M = I`.
    Unit,
    /// Diagonal `M^{-1}`, stored as its diagonal.
    Diagonal(Vec<f64>),
    /// Dense `M^{-1}` (row-major, `d x d`) with `chol_m`, a lower Cholesky
    /// factor of `M` (row-major) used to draw momenta.
    Dense {
        /// `M^{-1}`, row-major.
        inv_mass: Vec<f64>,
        /// Lower Cholesky factor of `M`, row-major.
        chol_mass: Vec<f64>,
    },
}

impl Metric {
    /// A diagonal metric; every entry must be positive and finite.
    pub fn diagonal(inv_mass: Vec<f64>) -> Result<Self> {
        if inv_mass.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(Error::InvalidArgument(
                "a diagonal inverse mass matrix needs positive finite entries".into(),
            ));
        }
        Ok(Self::Diagonal(inv_mass))
    }

    /// A dense metric from `M^{-1}` (row-major `d x d`, symmetric positive
    /// definite).
    pub fn dense(inv_mass: Vec<f64>, d: usize) -> Result<Self> {
        if inv_mass.len() != d * d {
            return Err(Error::ShapeMismatch {
                context: "dense metric",
                expected: format!("{d} x {d} = {} entries", d * d),
                got: format!("{} entries", inv_mass.len()),
            });
        }
        if inv_mass.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite("dense metric"));
        }
        let sigma = Mat::from_fn(d, d, |i, j| {
            0.5 * (inv_mass[i * d + j] + inv_mass[j * d + i])
        });
        let not_pd = |_| Error::NotPositiveDefinite("inverse mass matrix".into());
        let mass = sigma.llt(faer::Side::Lower).map_err(not_pd)?.inverse();
        let chol = mass.llt(faer::Side::Lower).map_err(not_pd)?;
        let l = chol.L();
        let mut chol_mass = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..=i {
                chol_mass[i * d + j] = l[(i, j)];
            }
        }
        Ok(Self::Dense {
            inv_mass: (0..d * d).map(|k| sigma[(k / d, k % d)]).collect(),
            chol_mass,
        })
    }

    /// Writes the velocity `M^{-1} p` into `v`.
    pub fn velocity(&self, p: &[f64], v: &mut [f64]) {
        match self {
            Self::Unit => v.copy_from_slice(p),
            Self::Diagonal(m) => {
                for ((vi, pi), mi) in v.iter_mut().zip(p).zip(m) {
                    *vi = pi * mi;
                }
            }
            Self::Dense { inv_mass, .. } => {
                let d = p.len();
                for (i, vi) in v.iter_mut().enumerate() {
                    *vi = inv_mass[i * d..(i + 1) * d]
                        .iter()
                        .zip(p)
                        .map(|(a, b)| a * b)
                        .sum();
                }
            }
        }
    }

    /// The first half of a leapfrog step, fused into one pass for the
    /// diagonal metrics: kick `p += half grad`, velocity `v = M^{-1} p`,
    /// drift `x += eps v`.
    pub(crate) fn kick_drift(
        &self,
        half: f64,
        grad: &[f64],
        p: &mut [f64],
        v: &mut [f64],
        eps: f64,
        x: &mut [f64],
    ) {
        match self {
            Self::Unit => pulp::Arch::new().dispatch(|| {
                for (((pi, vi), xi), gi) in p.iter_mut().zip(v.iter_mut()).zip(x).zip(grad) {
                    *pi += half * gi;
                    *vi = *pi;
                    *xi += eps * *pi;
                }
            }),
            Self::Diagonal(m) => diagonal_kick_drift(half, grad, p, v, eps, x, m),
            Self::Dense { .. } => {
                for (pi, gi) in p.iter_mut().zip(grad) {
                    *pi += half * gi;
                }
                self.velocity(p, v);
                for (xi, vi) in x.iter_mut().zip(v.iter()) {
                    *xi += eps * vi;
                }
            }
        }
    }

    /// The closing half kick of a leapfrog step, `p += half grad` and
    /// `v = M^{-1} p`; returns the kinetic energy `p . v / 2`.
    pub(crate) fn kick(&self, half: f64, grad: &[f64], p: &mut [f64], v: &mut [f64]) -> f64 {
        match self {
            Self::Unit => {
                for (pi, gi) in p.iter_mut().zip(grad) {
                    *pi += half * gi;
                }
                v.copy_from_slice(p);
                0.5 * dot(p, v)
            }
            Self::Diagonal(m) => diagonal_kick(half, grad, p, v, m),
            Self::Dense { .. } => {
                for (pi, gi) in p.iter_mut().zip(grad) {
                    *pi += half * gi;
                }
                self.velocity(p, v);
                0.5 * dot(p, v)
            }
        }
    }

    /// Kinetic energy `p^T M^{-1} p / 2`, using a scratch buffer for `M^{-1} p`.
    pub fn kinetic(&self, p: &[f64], scratch: &mut [f64]) -> f64 {
        self.velocity(p, scratch);
        0.5 * p
            .iter()
            .zip(scratch.iter())
            .map(|(a, b)| a * b)
            .sum::<f64>()
    }

    /// Draws a momentum `p ~ N(0, M)` into `p`.
    pub fn sample_momentum<R: Rng + ?Sized>(&self, rng: &mut R, p: &mut [f64]) {
        match self {
            Self::Unit => p.iter_mut().for_each(|pi| *pi = StandardNormal.sample(rng)),
            Self::Diagonal(m) => {
                for (pi, mi) in p.iter_mut().zip(m) {
                    let z: f64 = StandardNormal.sample(rng);
                    *pi = z / mi.sqrt();
                }
            }
            Self::Dense { chol_mass, .. } => {
                let d = p.len();
                let z: Vec<f64> = (0..d).map(|_| StandardNormal.sample(rng)).collect();
                for (i, pi) in p.iter_mut().enumerate() {
                    *pi = chol_mass[i * d..i * d + i + 1]
                        .iter()
                        .zip(&z)
                        .map(|(a, b)| a * b)
                        .sum();
                }
            }
        }
    }
}
