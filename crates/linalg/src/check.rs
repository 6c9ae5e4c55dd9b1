//! Input validation shared by the operators: shapes and finiteness, turned
//! into typed errors.

use crate::{Error, Result};
use faer::MatRef;

/// Fails with [`Error::NonFinite`] if any entry is NaN or infinite.
pub(crate) fn finite_slice(x: &[f64], what: &'static str) -> Result<()> {
    if x.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::NonFinite(what))
    }
}

/// Fails with [`Error::NonFinite`] if any entry of `m` is NaN or infinite.
pub(crate) fn finite_mat(m: MatRef<'_, f64>, what: &'static str) -> Result<()> {
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            if !m[(i, j)].is_finite() {
                return Err(Error::NonFinite(what));
            }
        }
    }
    Ok(())
}

/// Fails with [`Error::ShapeMismatch`] unless `got == expected`.
pub(crate) fn dim(context: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            context,
            expected: expected.to_string(),
            got: got.to_string(),
        })
    }
}

/// Fails with [`Error::ShapeMismatch`] unless `m` is square.
pub(crate) fn square(context: &'static str, m: MatRef<'_, f64>) -> Result<()> {
    if m.nrows() == m.ncols() {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            context,
            expected: "a square matrix".into(),
            got: format!("{} x {}", m.nrows(), m.ncols()),
        })
    }
}

/// Fails unless `m` is symmetric to a relative tolerance of `1e-10` of its
/// largest entry.
pub(crate) fn symmetric(context: &'static str, m: MatRef<'_, f64>) -> Result<()> {
    square(context, m)?;
    let n = m.nrows();
    let scale = (0..n)
        .flat_map(|j| (0..n).map(move |i| (i, j)))
        .fold(0.0f64, |a, (i, j)| a.max(m[(i, j)].abs()));
    for j in 0..n {
        for i in 0..j {
            if (m[(i, j)] - m[(j, i)]).abs() > 1e-10 * scale {
                return Err(Error::InvalidArgument(format!(
                    "{context}: matrix is not symmetric (entries ({i},{j}) and ({j},{i}) differ)"
                )));
            }
        }
    }
    Ok(())
}
