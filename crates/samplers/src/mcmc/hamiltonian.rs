//! Hamiltonian dynamics: phase-space points and the leapfrog integrator
//! shared by HMC and NUTS.
//!
//! `H(x, p) = -log p(x) + p^T M^{-1} p / 2`; one leapfrog step of size `eps`
//! is a half kick of the momentum, a full drift of the position along the
//! velocity `M^{-1} p`, and another half kick. It is symplectic and
//! reversible, so the energy error stays bounded for stable step sizes
//! (Leimkuhler & Reich 2004; Neal 2011).

use super::metric::Metric;
use super::target::{Point, Target};
use crate::Result;

/// A point in phase space: position (with cached density and gradient),
/// momentum and velocity `M^{-1} p`.
#[derive(Debug, PartialEq)]
pub(crate) struct Phase {
    pub(crate) point: Point,
    pub(crate) p: Vec<f64>,
    pub(crate) v: Vec<f64>,
}

impl Clone for Phase {
    fn clone(&self) -> Self {
        Self {
            point: self.point.clone(),
            p: self.p.clone(),
            v: self.v.clone(),
        }
    }

    /// Copies into the existing buffers (NUTS copies a phase point at every
    /// leaf of its tree).
    fn clone_from(&mut self, source: &Self) {
        self.point.clone_from(&source.point);
        self.p.clone_from(&source.p);
        self.v.clone_from(&source.v);
    }
}

impl Phase {
    /// The phase point at `point` with momentum `p`.
    pub(crate) fn new(point: Point, p: Vec<f64>, metric: &Metric) -> Self {
        let mut v = vec![0.0; p.len()];
        metric.velocity(&p, &mut v);
        Self { point, p, v }
    }

    /// The Hamiltonian `-log p(x) + p . v / 2`.
    pub(crate) fn energy(&self) -> f64 {
        -self.point.logp + 0.5 * dot(&self.p, &self.v)
    }

    /// One leapfrog step of signed size `eps`. Returns `false` when the new
    /// position has a non-finite density or gradient (the step diverged).
    pub(crate) fn leapfrog<T: Target + ?Sized>(
        &mut self,
        target: &T,
        metric: &Metric,
        eps: f64,
    ) -> Result<bool> {
        let half = 0.5 * eps;
        axpy(half, &self.point.grad, &mut self.p);
        metric.velocity(&self.p, &mut self.v);
        axpy(eps, &self.v, &mut self.point.x);
        if !self.point.update(target)? {
            return Ok(false);
        }
        axpy(half, &self.point.grad, &mut self.p);
        metric.velocity(&self.p, &mut self.v);
        Ok(true)
    }
}

/// `a . b`.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `y += a x`.
pub(crate) fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}
