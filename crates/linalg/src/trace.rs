//! Stochastic trace and diagonal estimators: Hutchinson, Hutch++ and the
//! Bekas-Kokiopoulou-Saad diagonal estimator.
//!
//! For a random vector `z` with independent Rademacher entries,
//! `E[z^T A z] = tr A` with variance `2 (||A||_F^2 - sum_i A_ii^2)`, so the
//! mean of `m` samples has error `O(||A||_F / sqrt(m))` (Hutchinson).
//! Hutch++ spends a third of its `m` matvecs on a sketch `Q = orth(A S)` of
//! the top of the spectrum, takes `tr(Q^T A Q)` exactly and applies
//! Hutchinson only to the deflated remainder `(I - QQ^T) A (I - QQ^T)`; for
//! matrices with decaying spectra (PSD in particular) the error falls to
//! `O(1/m)`. The diagonal estimator replaces the inner product by the
//! elementwise product: `diag A ~ sum_k z_k * A z_k / sum_k z_k * z_k`.
//! Reported standard errors are sample standard deviations of the
//! independent terms over `sqrt(m)`, and confidence intervals use the
//! normal approximation.
//!
//! References: M. F. Hutchinson, Commun. Stat. Simul. Comput. 19 (1990);
//! R. A. Meyer, C. Musco, C. Musco, D. P. Woodruff, "Hutch++: optimal
//! stochastic trace estimation", SOSA (2021); C. Bekas, E. Kokiopoulou,
//! Y. Saad, "An estimator for the diagonal of a matrix", Appl. Numer. Math.
//! 57 (2007).

use crate::check;
use crate::ops::apply_unchecked;
use crate::{Error, Result};
use faer::matrix_free::LinOp;
use faer::{Mat, Par};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A Monte Carlo estimate with its uncertainty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate.
    pub value: f64,
    /// Standard error of the estimate (sample standard deviation of the
    /// independent terms over the square root of their number).
    pub std_error: f64,
    /// Lower end of the 95 % confidence interval (normal approximation).
    pub ci_low: f64,
    /// Upper end of the 95 % confidence interval.
    pub ci_high: f64,
    /// Number of independent probe vectors behind the estimate.
    pub probes: usize,
}

/// Two-sided 95 % normal quantile.
const Z95: f64 = 1.959963984540054;

impl Estimate {
    /// `offset + mean(samples)` with the standard error of the mean (the
    /// sample variance over `m - 1`; infinite for a single sample) and its
    /// 95 % normal confidence interval.
    pub fn from_samples(offset: f64, samples: &[f64]) -> Self {
        let m = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / m;
        let var = if samples.len() > 1 {
            samples.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (m - 1.0)
        } else {
            f64::INFINITY
        };
        let se = (var / m).sqrt();
        let value = offset + mean;
        Self {
            value,
            std_error: se,
            ci_low: value - Z95 * se,
            ci_high: value + Z95 * se,
            probes: samples.len(),
        }
    }
}

/// An `n x m` matrix of independent Rademacher (+-1) entries from `seed`.
pub fn rademacher(n: usize, m: usize, seed: u64) -> Mat<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut z = Mat::zeros(n, m);
    for j in 0..m {
        for i in 0..n {
            z[(i, j)] = if rng.random::<bool>() { 1.0 } else { -1.0 };
        }
    }
    z
}

fn check_square<A: LinOp<f64> + ?Sized>(
    a: &A,
    context: &'static str,
    probes: usize,
) -> Result<usize> {
    check::dim(context, a.nrows(), a.ncols())?;
    if a.nrows() == 0 {
        return Err(Error::Empty(context));
    }
    if probes == 0 {
        return Err(Error::InvalidArgument(format!(
            "{context}: need at least one probe"
        )));
    }
    Ok(a.nrows())
}

fn finite(m: &Mat<f64>, what: &'static str) -> Result<()> {
    check::finite_mat(m.as_ref(), what)
}

/// Hutchinson's estimate of `tr A` from `probes` Rademacher vectors.
///
/// # Errors
/// [`Error::ShapeMismatch`] for a non-square operator, [`Error::Empty`],
/// [`Error::InvalidArgument`] for zero probes, [`Error::NonFinite`] if the
/// operator returns NaN or infinity.
pub fn hutchinson<A: LinOp<f64> + ?Sized>(a: &A, probes: usize, seed: u64) -> Result<Estimate> {
    let n = check_square(a, "trace::hutchinson", probes)?;
    let z = rademacher(n, probes, seed);
    let az = apply_unchecked(a, z.as_ref(), Par::rayon(0));
    finite(&az, "trace::hutchinson operator output")?;
    let samples: Vec<f64> = (0..probes)
        .map(|j| (0..n).map(|i| z[(i, j)] * az[(i, j)]).sum())
        .collect();
    Ok(Estimate::from_samples(0.0, &samples))
}

/// Hutch++ estimate of `tr A` from `matvecs` applications of `A` (rounded
/// down to a multiple of three, at least three).
///
/// # Errors
/// As [`hutchinson`]; [`Error::InvalidArgument`] for fewer than 3 matvecs.
pub fn hutchpp<A: LinOp<f64> + ?Sized>(a: &A, matvecs: usize, seed: u64) -> Result<Estimate> {
    let n = check_square(a, "trace::hutchpp", matvecs)?;
    if matvecs < 3 {
        return Err(Error::InvalidArgument(
            "trace::hutchpp: need at least 3 matvecs".into(),
        ));
    }
    let k = (matvecs / 3).min(n);
    let s = rademacher(n, k, seed);
    let g = rademacher(n, matvecs / 3, seed ^ 0x9e37_79b9_7f4a_7c15);
    let par = Par::rayon(0);
    let as_ = apply_unchecked(a, s.as_ref(), par);
    finite(&as_, "trace::hutchpp operator output")?;
    let q = as_.qr().compute_thin_Q();
    let aq = apply_unchecked(a, q.as_ref(), par);
    finite(&aq, "trace::hutchpp operator output")?;
    let t_low: f64 = (0..q.ncols())
        .map(|j| (0..n).map(|i| q[(i, j)] * aq[(i, j)]).sum::<f64>())
        .sum();
    // deflated probes (I - QQ^T) g
    let g_defl = &g - &q * (q.transpose() * &g);
    let ag = apply_unchecked(a, g_defl.as_ref(), par);
    finite(&ag, "trace::hutchpp operator output")?;
    let samples: Vec<f64> = (0..g.ncols())
        .map(|j| (0..n).map(|i| g_defl[(i, j)] * ag[(i, j)]).sum())
        .collect();
    Ok(Estimate::from_samples(t_low, &samples))
}

/// Estimate of the diagonal of `A` from `probes` Rademacher vectors:
/// `sum_k z_k * (A z_k) / probes`.
///
/// # Errors
/// As [`hutchinson`].
pub fn diagonal<A: LinOp<f64> + ?Sized>(a: &A, probes: usize, seed: u64) -> Result<Vec<f64>> {
    let n = check_square(a, "trace::diagonal", probes)?;
    let z = rademacher(n, probes, seed);
    let az = apply_unchecked(a, z.as_ref(), Par::rayon(0));
    finite(&az, "trace::diagonal operator output")?;
    Ok((0..n)
        .map(|i| (0..probes).map(|j| z[(i, j)] * az[(i, j)]).sum::<f64>() / probes as f64)
        .collect())
}
