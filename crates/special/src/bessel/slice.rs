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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
/// Waking a sleeping pool thread takes tens of microseconds (more when the
/// machine is busy), as long as a few thousand elements take, so the
/// calling thread never hands the slice over and waits: it claims pieces
/// from a shared counter and computes them in place, while helpers spawned
/// on the pool claim pieces from the same counter whenever they get to run.
/// At the end the caller takes the helpers' finished pieces and computes
/// any piece still in flight itself; an element's value does not depend on
/// who computes it, so the output is the same either way and the caller
/// never waits for a helper. A short slice stays on the calling thread.
fn apply_lanes(which: Which, v: &[f64], x: &[f64], out: &mut [f64]) -> Result<()> {
    check(v, x, out)?;
    let helpers = rayon::current_num_threads().saturating_sub(1);
    let n = out.len();
    if n <= SEQUENTIAL_MAX || helpers == 0 {
        log_blocks(which, v, x, out);
        return Ok(());
    }
    let pieces = n.div_ceil(PIECE);
    let shared = Arc::new(Shared {
        which,
        v: v.to_vec(),
        x: x.to_vec(),
        next: AtomicUsize::new(0),
        done: (0..pieces).map(|_| Mutex::new(None)).collect(),
    });
    for _ in 0..helpers {
        let shared = Arc::clone(&shared);
        rayon::spawn(move || shared.help());
    }
    let mut mine = vec![false; pieces];
    while let Some(p) = shared.claim() {
        let r = piece(p, n);
        log_blocks(which, &v[r.clone()], &x[r.clone()], &mut out[r]);
        mine[p] = true;
    }
    for (p, _) in mine.iter().enumerate().filter(|(_, mine)| !**mine) {
        let r = piece(p, n);
        let finished = shared.done[p].lock().ok().and_then(|mut d| d.take());
        match finished {
            Some(values) if values.len() == r.len() => out[r].copy_from_slice(&values),
            _ => log_blocks(which, &v[r.clone()], &x[r.clone()], &mut out[r]),
        }
    }
    Ok(())
}

/// The element range of piece `p` of a slice of length `n`.
fn piece(p: usize, n: usize) -> std::ops::Range<usize> {
    (p * PIECE).min(n)..((p + 1) * PIECE).min(n)
}

/// What the caller shares with its helpers: copies of the inputs (a helper
/// may outlive the call), the piece counter and the helpers' results.
struct Shared {
    which: Which,
    v: Vec<f64>,
    x: Vec<f64>,
    next: AtomicUsize,
    done: Vec<Mutex<Option<Vec<f64>>>>,
}

impl Shared {
    /// The next unclaimed piece, if any.
    fn claim(&self) -> Option<usize> {
        let p = self.next.fetch_add(1, Ordering::AcqRel);
        (p < self.done.len()).then_some(p)
    }

    /// A helper's loop: claim, compute, post.
    fn help(&self) {
        let n = self.v.len().min(self.x.len());
        while let Some(p) = self.claim() {
            let r = piece(p, n);
            let mut values = vec![0.0; r.len()];
            log_blocks(self.which, &self.v[r.clone()], &self.x[r], &mut values);
            if let Ok(mut slot) = self.done[p].lock() {
                *slot = Some(values);
            }
        }
    }
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
