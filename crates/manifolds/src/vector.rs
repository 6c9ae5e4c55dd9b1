//! Tangent vectors and points as elements of an ambient vector space.
//!
//! Every manifold in this crate is embedded in (or modelled on) a real
//! vector space: `R^n` for the sphere and the hyperbolic models, `R^{n x k}`
//! for Stiefel, Grassmann and SPD matrices. Generic algorithms (Frechet
//! means, optimisers) need only the vector-space operations on tangent
//! vectors (`y <- y + a x`, scaling, the Euclidean inner product of the
//! embedding), which the [`Vector`] trait names. Two representations
//! implement it: `Vec<f64>` and faer's column-major `Mat<f64>`.

use crate::error::{Error, Result};
use faer::Mat;

/// The ambient vector-space operations generic algorithms need.
pub trait Vector: Clone + std::fmt::Debug + Send + Sync {
    /// Shape as `(rows, cols)`; a `Vec<f64>` of length `n` is `(n, 1)`.
    fn shape(&self) -> (usize, usize);
    /// A zero element of the same shape.
    fn zeros_like(&self) -> Self;
    /// `self <- self + a * x`; fails when the shapes differ.
    fn axpy(&mut self, a: f64, x: &Self) -> Result<()>;
    /// `self <- a * self`.
    fn scale(&mut self, a: f64);
    /// The Euclidean (Frobenius) inner product of the ambient space; fails
    /// when the shapes differ.
    fn dot(&self, x: &Self) -> Result<f64>;
    /// The entries in column-major order.
    fn to_flat(&self) -> Vec<f64>;
    /// True when every entry is finite.
    fn is_finite(&self) -> bool;
}

/// `ShapeMismatch` unless `a` and `b` have the same shape.
pub(crate) fn same_shape<V: Vector>(context: &'static str, a: &V, b: &V) -> Result<()> {
    if a.shape() == b.shape() {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            context,
            expected: format!("{:?}", a.shape()),
            got: format!("{:?}", b.shape()),
        })
    }
}

impl Vector for Vec<f64> {
    fn shape(&self) -> (usize, usize) {
        (self.len(), 1)
    }
    fn zeros_like(&self) -> Self {
        vec![0.0; self.len()]
    }
    fn axpy(&mut self, a: f64, x: &Self) -> Result<()> {
        same_shape("axpy", self, x)?;
        for (y, x) in self.iter_mut().zip(x) {
            *y += a * x;
        }
        Ok(())
    }
    fn scale(&mut self, a: f64) {
        self.iter_mut().for_each(|y| *y *= a);
    }
    fn dot(&self, x: &Self) -> Result<f64> {
        same_shape("dot", self, x)?;
        Ok(dot(self, x))
    }
    fn to_flat(&self) -> Vec<f64> {
        self.clone()
    }
    fn is_finite(&self) -> bool {
        self.iter().all(|x| x.is_finite())
    }
}

impl Vector for Mat<f64> {
    fn shape(&self) -> (usize, usize) {
        (self.nrows(), self.ncols())
    }
    fn zeros_like(&self) -> Self {
        Mat::zeros(self.nrows(), self.ncols())
    }
    fn axpy(&mut self, a: f64, x: &Self) -> Result<()> {
        same_shape("axpy", self, x)?;
        for j in 0..self.ncols() {
            let xs = x.col_as_slice(j);
            for (y, x) in self.col_as_slice_mut(j).iter_mut().zip(xs) {
                *y += a * x;
            }
        }
        Ok(())
    }
    fn scale(&mut self, a: f64) {
        for j in 0..self.ncols() {
            self.col_as_slice_mut(j).iter_mut().for_each(|y| *y *= a);
        }
    }
    fn dot(&self, x: &Self) -> Result<f64> {
        same_shape("dot", self, x)?;
        Ok((0..self.ncols())
            .map(|j| dot(self.col_as_slice(j), x.col_as_slice(j)))
            .sum())
    }
    fn to_flat(&self) -> Vec<f64> {
        (0..self.ncols())
            .flat_map(|j| self.col_as_slice(j).iter().copied())
            .collect()
    }
    fn is_finite(&self) -> bool {
        (0..self.ncols()).all(|j| self.col_as_slice(j).iter().all(|x| x.is_finite()))
    }
}

/// Euclidean dot product of two equally long slices.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Euclidean norm of a slice.
#[inline]
pub(crate) fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}
