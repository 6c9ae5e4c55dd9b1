//! Slice forms of the hot Bessel functions, run on rayon.
//!
//! `ln I` and `ln K` go block by block through [`super::lanes`], which
//! evaluates the uniform expansion over many elements at once in SIMD lanes
//! and hands every other element to the scalar routine; the ratio is the
//! scalar routine over fixed-size chunks. Each element's value depends on
//! that element alone, so the output does not depend on the number of
//! threads or on how the slice is cut.

use super::lanes::{Which, log_blocks};
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Elements per rayon task: large enough to amortise scheduling, small
/// enough to balance regions of unequal cost.
const CHUNK: usize = 1024;

/// Longest `ln I`, `ln K` slice the calling thread computes alone.
const SEQUENTIAL_MAX: usize = 2048;

/// Elements per piece of the `ln I`, `ln K` queue.
const PIECE: usize = 256;

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

/// `ln I` or `ln K` over the slices, block by block (see [`super::lanes`]).
///
/// Waking a sleeping pool thread takes tens of microseconds, as long as a
/// few thousand elements take, so the calling thread does not hand the
/// slice over and wait: it starts on the pieces itself at once, and the
/// pool threads, spawned beside it, take pieces from the same queue when
/// they wake. A short slice stays on the calling thread.
fn apply_lanes(which: Which, v: &[f64], x: &[f64], out: &mut [f64]) -> Result<()> {
    check(v, x, out)?;
    let helpers = rayon::current_num_threads().saturating_sub(1);
    if out.len() <= SEQUENTIAL_MAX || helpers == 0 {
        log_blocks(which, v, x, out);
        return Ok(());
    }
    let queue = Mutex::new(
        out.chunks_mut(PIECE)
            .zip(v.chunks(PIECE))
            .zip(x.chunks(PIECE)),
    );
    let work = || {
        while let Some(((o, v), x)) = queue.lock().ok().and_then(|mut q| q.next()) {
            log_blocks(which, v, x, o);
        }
    };
    // Helpers inside `work`: once the queue is empty they finish within a
    // piece, so the caller waits for them spinning rather than sleeping on
    // the scope's latch, which would cost it another wake-up.
    let busy = AtomicUsize::new(0);
    rayon::in_place_scope(|scope| {
        for _ in 0..helpers {
            scope.spawn(|_| {
                busy.fetch_add(1, Ordering::AcqRel);
                work();
                busy.fetch_sub(1, Ordering::AcqRel);
            });
        }
        work();
        while busy.load(Ordering::Acquire) > 0 {
            std::hint::spin_loop();
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
/// // The lanes agree with the scalar function to a few ulps.
/// let scalar = sobolev_special::log_bessel_i(10.0, 5.0);
/// assert!((out[1] - scalar).abs() <= 4.0 * f64::EPSILON * scalar.abs());
/// ```
pub fn log_bessel_i_slice(v: &[f64], x: &[f64], out: &mut [f64]) -> Result<()> {
    apply_lanes(Which::LogI, v, x, out)
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
    apply_lanes(Which::LogK, v, x, out)
}

/// `out[i] = I_{v[i]+1}(x[i]) / I_{v[i]}(x[i])` (see
/// [`super::bessel_i_ratio`]), in parallel.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `v`, `x` and `out` differ in length.
pub fn bessel_i_ratio_slice(v: &[f64], x: &[f64], out: &mut [f64]) -> Result<()> {
    apply(v, x, out, super::bessel_i_ratio)
}
