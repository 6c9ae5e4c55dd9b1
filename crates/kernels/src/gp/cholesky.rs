//! Cholesky factorisation of kernel matrices through faer, with jitter
//! escalation that is asked for and reported, never silent.

use crate::{Error, Result};
use faer::MatMut;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{LltError, cholesky_in_place, cholesky_in_place_scratch};
use serde::{Deserialize, Serialize};

/// What to do when `K + s_n^2 I` is not numerically positive definite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub enum Jitter {
    /// Fail with `NotPositiveDefinite`.
    #[default]
    Never,
    /// Add `relative * mean(diag K)` to the diagonal, then `x 10` up to
    /// `max_relative`; the jitter used is reported by the model.
    Escalate {
        /// First relative jitter tried (after the plain factorisation fails).
        relative: f64,
        /// Largest relative jitter tried.
        max_relative: f64,
    },
}

impl Jitter {
    /// Escalation from `1e-10` to `1e-4` of the mean diagonal.
    pub fn escalate() -> Self {
        Jitter::Escalate {
            relative: 1e-10,
            max_relative: 1e-4,
        }
    }
}

fn factor_in_place(a: &mut [f64], n: usize) -> std::result::Result<(), LltError> {
    let par = faer::get_global_parallelism();
    let mut mem = MemBuffer::new(cholesky_in_place_scratch::<f64>(n, par, Default::default()));
    let stack = MemStack::new(&mut mem);
    let m = MatMut::from_column_major_slice_mut(a, n, n);
    cholesky_in_place(m, Default::default(), par, stack, Default::default())?;
    Ok(())
}

/// Factors the column-major `n x n` symmetric `a` (lower triangle read) in
/// place into its lower Cholesky factor (upper part zeroed); returns the
/// jitter added to the diagonal.
pub(crate) fn cholesky_with_jitter(
    a: &mut [f64],
    n: usize,
    policy: Jitter,
    context: &str,
) -> Result<f64> {
    let backup = match policy {
        Jitter::Never => None,
        Jitter::Escalate {
            relative,
            max_relative,
        } => {
            if !(relative > 0.0 && max_relative >= relative && max_relative.is_finite()) {
                return Err(Error::InvalidArgument(format!(
                    "jitter escalation needs 0 < relative <= max_relative, got {relative} and {max_relative}"
                )));
            }
            Some(a.to_vec())
        }
    };
    let mut result = factor_in_place(a, n);
    let mut jitter = 0.0;
    if let (
        Err(_),
        Some(orig),
        Jitter::Escalate {
            relative,
            max_relative,
        },
    ) = (&result, &backup, policy)
    {
        let mean_diag = (0..n).map(|i| orig[i * n + i]).sum::<f64>() / n as f64;
        let mut rel = relative;
        while rel <= max_relative * (1.0 + 1e-12) {
            a.copy_from_slice(orig);
            jitter = rel * mean_diag;
            for i in 0..n {
                a[i * n + i] += jitter;
            }
            result = factor_in_place(a, n);
            if result.is_ok() {
                break;
            }
            rel *= 10.0;
        }
    }
    match result {
        Ok(()) => {
            for j in 1..n {
                a[j * n..j * n + j].fill(0.0);
            }
            Ok(jitter)
        }
        Err(LltError::NonPositivePivot { index }) => Err(Error::NotPositiveDefinite(format!(
            "{context}: Cholesky pivot {index} of {n} is not positive{} (duplicate inputs with \
             tiny noise, or an indefinite kernel)",
            if jitter > 0.0 {
                format!(" even with jitter {jitter:e}")
            } else {
                String::new()
            }
        ))),
    }
}
