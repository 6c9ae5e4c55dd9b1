//! Slice forms of the hot Bessel functions, run on rayon.
//!
//! `ln I` and `ln K` go block by block through [`super::lanes`], which
//! evaluates the uniform expansion (and, for `ln I`, the small-`x` power
//! series; for `ln K`, Temme's series for `1e-8 <= x <= 1`, in
//! [`super::lanes_temme`]) over many elements at once in SIMD lanes and
//! hands every other element to the scalar routine; the ratio is the scalar
//! routine over fixed-size chunks on rayon. Each element's value depends on
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
/// The uniform expansion and the small-`x` power series run over SIMD lanes
/// (see the module docs); the values agree with the scalar function to a
/// few ulps. Accuracy against the 50-digit mpmath table (1673 points,
/// `tests/bessel_reference.rs`), `|computed - exact| / max(1, |exact|)`:
///
/// | region | max | mean |
/// |---|---|---|
/// | `sqrt(v^2+x^2) < 30` | 7.1e-16 | 9.2e-17 |
/// | `30 <= sqrt(v^2+x^2) < 1e3` | 2.1e-15 | 1.4e-16 |
/// | `sqrt(v^2+x^2) >= 1e3`, `abs(x/v - 0.66) > 0.2` | 5.0e-16 | 6.4e-17 |
/// | `sqrt(v^2+x^2) >= 1e3`, `abs(x/v - 0.66) <= 0.2` | 1.4e-15 | 2.4e-16 |
/// | all | 2.1e-15 | median 6.6e-17 |
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
/// The uniform expansion, and Temme's series with the upward recurrence for
/// `1e-8 <= x <= 1`, run over SIMD lanes (see the module docs); the values
/// agree with the scalar function to a few ulps. Accuracy against the
/// 50-digit mpmath table, as for [`log_bessel_i_slice`]:
///
/// | region | max | mean |
/// |---|---|---|
/// | `sqrt(v^2+x^2) < 30` | 2.2e-15 | 9.5e-17 |
/// | `30 <= sqrt(v^2+x^2) < 1e3` | 2.2e-15 | 1.4e-16 |
/// | `sqrt(v^2+x^2) >= 1e3`, `abs(x/v - 0.66) > 0.2` | 3.8e-16 | 6.3e-17 |
/// | `sqrt(v^2+x^2) >= 1e3`, `abs(x/v - 0.66) <= 0.2` | 1.3e-15 | 2.3e-16 |
/// | all | 2.2e-15 | median 6.5e-17 |
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
