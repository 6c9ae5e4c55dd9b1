//! Two-sample and independence statistics built on kernels.
//!
//! Given samples `X ~ P` and `Y ~ Q`, the maximum mean discrepancy
//! `MMD^2 = E k(X, X') + E k(Y, Y') - 2 E k(X, Y)` is the squared RKHS
//! distance between the kernel mean embeddings of `P` and `Q`; it vanishes
//! iff `P = Q` for characteristic kernels (Gretton et al., *A Kernel
//! Two-Sample Test*, JMLR 2012). With the conditionally positive definite
//! Riesz kernel `-|x - y|` it is the energy distance of Szekely and Rizzo,
//! computable in 1-D by sorting, and on slices of `R^d` in `O(N log N)` per
//! direction (Hertrich, Wald, Altekruger & Hagemann, *Generative Sliced MMD
//! Flows with Riesz Kernels*, ICLR 2024). HSIC is the MMD between a joint
//! distribution and the product of its marginals (Gretton et al. 2005; Song
//! et al. 2012). Permutation tests turn each statistic into a p-value.
//!
//! - [`mmd`]: quadratic-time (biased and unbiased) and linear-time MMD.
//! - [`energy`]: energy distance exactly in 1-D and in `R^d`, sliced energy
//!   distance and its gradient with respect to the sample points.
//! - [`permutation`]: permutation tests for MMD.
//! - [`hsic`](mod@hsic): the Hilbert-Schmidt independence criterion and its test.

pub mod energy;
pub mod hsic;
pub mod mmd;
pub mod permutation;

pub use energy::{
    SlicedEnergy, energy_distance, energy_distance_1d, random_directions, riesz_slice_constant,
    sliced_energy_distance, sliced_energy_distance_with_grad,
};
pub use hsic::{hsic, hsic_permutation_test};
pub use mmd::{
    LinearTimeMmd, MmdSums, linear_time_mmd2, mmd_sums, mmd2, mmd2_stationary, stationary_mmd_sums,
};
pub use permutation::{PermutationTest, mmd_permutation_test, mmd_permutation_test_stationary};

use crate::{Error, Result};

/// Which estimator of a squared discrepancy to compute.
///
/// `Biased` is the V-statistic (the discrepancy between the two empirical
/// measures, always `>= 0` for positive definite kernels); `Unbiased` is the
/// U-statistic, which drops the diagonal pairs `i = j` and has expectation
/// exactly the population value (it can be negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Estimator {
    /// V-statistic: all pairs, including `i = j`.
    Biased,
    /// U-statistic: distinct pairs only.
    Unbiased,
}

/// `InvalidArgument` unless a sample has the `min` points an estimator needs.
pub(crate) fn check_min_len(len: usize, min: usize, what: &str) -> Result<()> {
    if len < min {
        return Err(Error::InvalidArgument(format!(
            "{what} needs at least {min} points, got {len}"
        )));
    }
    Ok(())
}

/// `NonFinite` when a statistic overflowed (finite inputs whose kernel or
/// distance sums exceed the range of `f64`).
pub(crate) fn finite_result(value: f64, what: &'static str) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::NonFinite(what))
    }
}

/// Checks a 1-D sample: non-empty and finite.
pub(crate) fn check_sample_1d(values: &[f64], what: &'static str) -> Result<()> {
    if values.is_empty() {
        return Err(Error::Empty(what));
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite(what));
    }
    Ok(())
}
