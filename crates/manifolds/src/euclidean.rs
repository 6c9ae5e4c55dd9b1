//! Euclidean space `R^n` as a (flat) Riemannian manifold.
//!
//! `exp_p(v) = p + v`, `log_p(q) = q - p`, parallel transport is the
//! identity and the metric is the dot product. It is the baseline every
//! generic algorithm must reproduce exactly (a Frechet mean in `R^n` is the
//! arithmetic mean, Riemannian Adam is Adam).

use crate::check;
use crate::error::Result;
use crate::manifold::Manifold;
use crate::vector::{Vector, dot};
use rand::Rng;
use rand_distr::StandardNormal;

/// Euclidean space `R^n`, points and tangents stored as `Vec<f64>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Euclidean {
    n: usize,
}

impl Euclidean {
    /// `R^n`.
    pub fn new(n: usize) -> Self {
        Self { n }
    }

    fn shape(&self, context: &'static str, v: &[f64]) -> Result<()> {
        check::len(context, v, self.n)
    }
}

impl Manifold for Euclidean {
    type Point = Vec<f64>;
    type Tangent = Vec<f64>;

    fn dim(&self) -> usize {
        self.n
    }

    /// Only shape and finiteness are checked.
    fn check_point(&self, p: &Vec<f64>, tol: f64) -> Result<()> {
        check::tolerance(tol)?;
        self.shape("Euclidean::check_point", p)?;
        check::finite("Euclidean::check_point", p)
    }

    fn check_tangent(&self, p: &Vec<f64>, v: &Vec<f64>, tol: f64) -> Result<()> {
        self.check_point(p, tol)?;
        self.shape("Euclidean::check_tangent", v)?;
        check::finite("Euclidean::check_tangent", v)
    }

    fn exp(&self, p: &Vec<f64>, v: &Vec<f64>) -> Result<Vec<f64>> {
        self.shape("Euclidean::exp", p)?;
        let mut q = p.clone();
        q.axpy(1.0, v)?;
        Ok(q)
    }

    fn log(&self, p: &Vec<f64>, q: &Vec<f64>) -> Result<Vec<f64>> {
        self.shape("Euclidean::log", p)?;
        let mut v = q.clone();
        v.axpy(-1.0, p)?;
        Ok(v)
    }

    fn parallel_transport(&self, p: &Vec<f64>, q: &Vec<f64>, v: &Vec<f64>) -> Result<Vec<f64>> {
        self.shape("Euclidean::parallel_transport", p)?;
        self.shape("Euclidean::parallel_transport", q)?;
        self.shape("Euclidean::parallel_transport", v)?;
        Ok(v.clone())
    }

    fn inner(&self, p: &Vec<f64>, u: &Vec<f64>, v: &Vec<f64>) -> Result<f64> {
        self.shape("Euclidean::inner", p)?;
        self.shape("Euclidean::inner", u)?;
        u.dot(v)
    }

    fn dist(&self, p: &Vec<f64>, q: &Vec<f64>) -> Result<f64> {
        self.shape("Euclidean::dist", p)?;
        self.shape("Euclidean::dist", q)?;
        Ok(p.iter()
            .zip(q)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt())
    }

    fn project_point(&self, x: &Vec<f64>) -> Result<Vec<f64>> {
        self.shape("Euclidean::project_point", x)?;
        Ok(x.clone())
    }

    fn project_tangent(&self, p: &Vec<f64>, x: &Vec<f64>) -> Result<Vec<f64>> {
        self.shape("Euclidean::project_tangent", p)?;
        self.shape("Euclidean::project_tangent", x)?;
        Ok(x.clone())
    }

    fn zero_tangent(&self, _p: &Vec<f64>) -> Vec<f64> {
        vec![0.0; self.n]
    }

    /// Standard normal coordinates.
    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        (0..self.n).map(|_| rng.sample(StandardNormal)).collect()
    }

    fn random_tangent<R: Rng + ?Sized>(&self, p: &Vec<f64>, rng: &mut R) -> Result<Vec<f64>> {
        self.shape("Euclidean::random_tangent", p)?;
        Ok(self.random_point(rng))
    }
}

/// Squared Euclidean norm, used by the models built on `R^n`.
#[inline]
pub(crate) fn sq_norm(x: &[f64]) -> f64 {
    dot(x, x)
}
