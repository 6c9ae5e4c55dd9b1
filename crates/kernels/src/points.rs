//! Point sets: `n` points in `R^d` stored row-major, checked once.
//!
//! Every kernel routine takes its inputs as [`Points`], so the checks a user
//! needs (at least one point, a positive dimension, finite coordinates) are
//! done when the set is built and the hot loops can index without them.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// `n` points in `R^dim`, row-major: point `i` is `data[i*dim..(i+1)*dim]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Points {
    data: Vec<f64>,
    dim: usize,
}

impl Points {
    /// Builds a point set from row-major coordinates.
    ///
    /// Errors: `Empty` when `data` is empty, `InvalidArgument` when `dim` is
    /// zero, `ShapeMismatch` when `data.len()` is not a multiple of `dim`,
    /// `NonFinite` when a coordinate is NaN or infinite.
    pub fn new(data: Vec<f64>, dim: usize) -> Result<Self> {
        if dim == 0 {
            return Err(Error::InvalidArgument(
                "point dimension must be positive".into(),
            ));
        }
        if data.is_empty() {
            return Err(Error::Empty("point set"));
        }
        if !data.len().is_multiple_of(dim) {
            return Err(Error::ShapeMismatch {
                context: "Points::new",
                expected: format!("a multiple of dim = {dim} coordinates"),
                got: format!("{} coordinates", data.len()),
            });
        }
        if data.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite("point coordinates"));
        }
        Ok(Self { data, dim })
    }

    /// Builds a point set from one slice per point.
    pub fn from_rows<R: AsRef<[f64]>>(rows: &[R]) -> Result<Self> {
        let dim = rows
            .first()
            .map(|r| r.as_ref().len())
            .ok_or(Error::Empty("point set"))?;
        let mut data = Vec::with_capacity(rows.len() * dim);
        for (i, r) in rows.iter().enumerate() {
            let r = r.as_ref();
            if r.len() != dim {
                return Err(Error::ShapeMismatch {
                    context: "Points::from_rows",
                    expected: format!("{dim} coordinates per point"),
                    got: format!("{} coordinates in point {i}", r.len()),
                });
            }
            data.extend_from_slice(r);
        }
        Self::new(data, dim)
    }

    /// One-dimensional points from their coordinates.
    pub fn from_1d(values: &[f64]) -> Result<Self> {
        Self::new(values.to_vec(), 1)
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }

    /// Always false: a point set holds at least one point.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Dimension of the space.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Point `i`. Panics when `i >= len()`, like slice indexing.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// The row-major coordinates.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// Iterator over the points.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f64]> + '_ {
        self.data.chunks_exact(self.dim)
    }

    /// `ShapeMismatch` unless `other` lives in the same dimension.
    pub(crate) fn check_same_dim(&self, other: &Points, context: &'static str) -> Result<()> {
        if self.dim != other.dim {
            return Err(Error::ShapeMismatch {
                context,
                expected: format!("points of dimension {}", self.dim),
                got: format!("points of dimension {}", other.dim),
            });
        }
        Ok(())
    }
}
