//! Slice forms of the hot Bessel functions, split into fixed-size chunks and
//! run on rayon. Each element is computed by the scalar routine, so the
//! output does not depend on the number of threads.

use crate::error::{Error, Result};
use rayon::prelude::*;

/// Elements per rayon task: large enough to amortise scheduling, small
/// enough to balance regions of unequal cost.
const CHUNK: usize = 1024;

fn check(v: &[f64], x: &[f64], out: &[f64]) -> Result<()> {
    if v.len() != out.len() || x.len() != out.len() {
        return Err(Error::ShapeMismatch {
            context: "Bessel slice",
            expected: format!("v and x of the output's length {}", out.len()),
            got: format!("v: {}, x: {}", v.len(), x.len()),
        });
    }
    Ok(())
}

pub(crate) fn apply<F: Fn(f64, f64) -> f64 + Sync>(
    v: &[f64],
    x: &[f64],
    out: &mut [f64],
    f: F,
) -> Result<()> {
    check(v, x, out)?;
    out.par_chunks_mut(CHUNK)
        .zip(v.par_chunks(CHUNK).zip(x.par_chunks(CHUNK)))
        .for_each(|(o, (v, x))| {
            for ((o, &v), &x) in o.iter_mut().zip(v).zip(x) {
                *o = f(v, x);
            }
        });
    Ok(())
}

/// `out[i] = ln I_{v[i]}(x[i])` (see [`super::log_bessel_i`]), in parallel.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `v`, `x` and `out` differ in length.
///
/// ```
/// use sobolev_special::bessel::log_bessel_i_slice;
/// let v = [0.0, 10.0, 1e4];
/// let x = [1.0, 5.0, 1e-3];
/// let mut out = [0.0; 3];
/// log_bessel_i_slice(&v, &x, &mut out).unwrap();
/// assert_eq!(out[1], sobolev_special::log_bessel_i(10.0, 5.0));
/// ```
pub fn log_bessel_i_slice(v: &[f64], x: &[f64], out: &mut [f64]) -> Result<()> {
    apply(v, x, out, super::log_bessel_i)
}

/// `out[i] = ln K_{v[i]}(x[i])` (see [`super::log_bessel_k`]), in parallel.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `v`, `x` and `out` differ in length.
///
/// ```
/// use sobolev_special::bessel::log_bessel_k_slice;
/// let mut out = [0.0; 2];
/// assert!(log_bessel_k_slice(&[1.0, 2.0], &[1.0], &mut out).is_err());
/// ```
pub fn log_bessel_k_slice(v: &[f64], x: &[f64], out: &mut [f64]) -> Result<()> {
    apply(v, x, out, super::log_bessel_k)
}

/// `out[i] = I_{v[i]+1}(x[i]) / I_{v[i]}(x[i])` (see
/// [`super::bessel_i_ratio`]), in parallel.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `v`, `x` and `out` differ in length.
pub fn bessel_i_ratio_slice(v: &[f64], x: &[f64], out: &mut [f64]) -> Result<()> {
    apply(v, x, out, super::bessel_i_ratio)
}
