//! Shared input validation: shapes, finiteness and tolerances, each failing
//! with the crate's typed [`Error`].

use crate::error::{Error, Result};
use crate::vector::Vector;

/// `ShapeMismatch` unless `v` has shape `(rows, cols)`.
pub(crate) fn shape<V: Vector>(
    context: &'static str,
    v: &V,
    rows: usize,
    cols: usize,
) -> Result<()> {
    if v.shape() == (rows, cols) {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            context,
            expected: format!("({rows}, {cols})"),
            got: format!("{:?}", v.shape()),
        })
    }
}

/// `NonFinite` unless every entry of `v` is finite.
pub(crate) fn finite<V: Vector>(context: &'static str, v: &V) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(Error::NonFinite(context))
    }
}

/// `InvalidArgument` unless `tol` is finite and non-negative.
pub(crate) fn tolerance(tol: f64) -> Result<()> {
    if tol.is_finite() && tol >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "membership tolerance must be finite and >= 0, got {tol}"
        )))
    }
}

/// `NotOnManifold` naming the membership defect `what`.
pub(crate) fn off_manifold(what: &str, defect: f64, tol: f64) -> Error {
    Error::NotOnManifold {
        what: what.to_string(),
        defect,
        tol,
    }
}

/// `ShapeMismatch` unless the slice has length `n`.
pub(crate) fn len(context: &'static str, v: &[f64], n: usize) -> Result<()> {
    if v.len() == n {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            context,
            expected: format!("length {n}"),
            got: format!("length {}", v.len()),
        })
    }
}
