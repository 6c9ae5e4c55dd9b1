//! Slice forms of `J_v(x)` and `Y_v(x)` on rayon, in fixed-size chunks;
//! each element is the scalar routine's, so the output does not depend on
//! the number of threads.

use crate::bessel::slice::apply;
use crate::error::Result;

/// `out[i] = J_{v[i]}(x[i])` (see [`super::bessel_j`]), in parallel.
///
/// # Errors
/// [`crate::Error::ShapeMismatch`] when `v`, `x` and `out` differ in length.
///
/// ```
/// use sobolev_special::{bessel_j, bessel_j_slice};
/// let v = [0.0, 2.5, 100.0];
/// let x = [1.0, 7.0, 150.0];
/// let mut out = [0.0; 3];
/// bessel_j_slice(&v, &x, &mut out).unwrap();
/// assert_eq!(out[2], bessel_j(100.0, 150.0));
/// ```
pub fn bessel_j_slice(v: &[f64], x: &[f64], out: &mut [f64]) -> Result<()> {
    apply(v, x, out, super::bessel_j)
}

/// `out[i] = Y_{v[i]}(x[i])` (see [`super::bessel_y`]), in parallel.
///
/// # Errors
/// [`crate::Error::ShapeMismatch`] when `v`, `x` and `out` differ in length.
///
/// ```
/// use sobolev_special::bessel_y_slice;
/// let mut out = [0.0; 2];
/// assert!(bessel_y_slice(&[1.0, 2.0], &[1.0], &mut out).is_err());
/// ```
pub fn bessel_y_slice(v: &[f64], x: &[f64], out: &mut [f64]) -> Result<()> {
    apply(v, x, out, super::bessel_y)
}
