//! Random Fourier features quantised by first-order Sigma-Delta noise
//! shaping and condensed by block sums.
//!
//! The cosines `z_i = cos(w_i . x + b_i)` lie in `[-1, 1]`. Within each
//! block of `lambda` consecutive features, the first-order Sigma-Delta
//! quantiser with the `2^bits`-level alphabet `A = {-1, -1 + delta, ..., 1}`
//! (`delta = 2 / (2^bits - 1)`) chooses `q_i = round_A(u_{i-1} + z_i)` and
//! carries the state `u_i = u_{i-1} + z_i - q_i`, `u_0 = 0`; the state stays
//! in `[-delta/2, delta/2]`, so the block sums obey `|sum q - sum z| <=
//! delta / 2`: the quantisation error is pushed into a telescoping
//! difference that the condensation (a block sum, the first-order
//! condensation vector of all ones) cancels. The condensed feature
//! `phi_j(x) = s sqrt(2 / D) sum_{i in block j} q_i(x)` has `D / lambda`
//! entries, each an integer number of `delta` steps, and the kernel
//! estimates are `phi(x) . phi(y)` (both quantised) or the asymmetric
//! `phi(x) . psi(y)` against the unquantised condensed features `psi`.
//! Without quantisation the condensed estimate is unbiased (the cross terms
//! `E[z_i(x) z_j(y)]`, `i != j`, vanish because the phases are
//! independent); quantisation adds a deterministic error bounded by
//! `s^2 delta (|psi(x)|_1 + |psi(y)|_1) sqrt(2/D)` that shrinks with the bit
//! count (Zhang & Saab, *Sigma-Delta and Distributed Noise-Shaping
//! Quantization Methods for Random Fourier Features*, 2021).

use super::coupling::Coupling;
use super::fourier::RandomFourierFeatures;
use super::spectral::SpectralProfile;
use super::{FeatureMap, check_input};
use crate::kernel::stationary::{Profile, Stationary};
use crate::{Error, Points, Result};
use faer::Mat;
use rayon::prelude::*;

/// Sigma-Delta quantised, block-condensed random Fourier features.
#[derive(Debug, Clone)]
pub struct SigmaDeltaFourierFeatures {
    fourier: RandomFourierFeatures,
    bits: u32,
    block: usize,
}

impl SigmaDeltaFourierFeatures {
    /// Draws `num_blocks * block` Fourier features for `kernel` on `R^dim`
    /// and quantises them with `bits` bits per cosine (1 to 16).
    ///
    /// Errors: `InvalidArgument` for zero blocks, block length, dimension,
    /// or a bit count outside 1..=16.
    pub fn new<P: Profile + SpectralProfile>(
        kernel: &Stationary<P>,
        dim: usize,
        num_blocks: usize,
        block: usize,
        bits: u32,
        seed: u64,
    ) -> Result<Self> {
        if block == 0 || num_blocks == 0 {
            return Err(Error::InvalidArgument(
                "Sigma-Delta features need at least one block of positive length".into(),
            ));
        }
        if !(1..=16).contains(&bits) {
            return Err(Error::InvalidArgument(format!(
                "Sigma-Delta bits must be in 1..=16, got {bits}"
            )));
        }
        let fourier = RandomFourierFeatures::new(
            kernel,
            dim,
            num_blocks * block,
            Coupling::Independent,
            seed,
        )?;
        Ok(Self {
            fourier,
            bits,
            block,
        })
    }

    /// The quantiser step `delta = 2 / (2^bits - 1)`.
    pub fn step(&self) -> f64 {
        2.0 / ((1u32 << self.bits) - 1) as f64
    }

    /// The block length `lambda`.
    pub fn block_len(&self) -> usize {
        self.block
    }

    /// The unquantised condensed features `psi(x)`, for asymmetric
    /// estimates `phi(x) . psi(y)`.
    pub fn transform_unquantised(&self, x: &Points) -> Result<Mat<f64>> {
        self.condensed(x, false)
    }

    fn condensed(&self, x: &Points, quantise: bool) -> Result<Mat<f64>> {
        check_input(x, self.input_dim(), "SigmaDeltaFourierFeatures::transform")?;
        let z = self.fourier.scaled_cosines(x, 1.0)?;
        let (n, p, lam) = (x.len(), self.num_features(), self.block);
        let delta = self.step();
        let levels = ((1u32 << self.bits) - 1) as f64;
        let amp = self.fourier.amplitude();
        let mut rows = vec![0.0; n * p];
        rows.par_chunks_mut(p).enumerate().for_each(|(i, out)| {
            for (j, o) in out.iter_mut().enumerate() {
                let mut u = 0.0;
                let mut sum = 0.0;
                for k in j * lam..(j + 1) * lam {
                    let zk = z[(i, k)];
                    if quantise {
                        let v = u + zk;
                        let level = ((v + 1.0) / delta).round().clamp(0.0, levels);
                        let q = level * delta - 1.0;
                        u = v - q;
                        sum += q;
                    } else {
                        sum += zk;
                    }
                }
                *o = amp * sum;
            }
        });
        Ok(Mat::from_fn(n, p, |i, j| rows[i * p + j]))
    }
}

impl FeatureMap for SigmaDeltaFourierFeatures {
    fn input_dim(&self) -> usize {
        self.fourier.input_dim()
    }

    /// The number of condensed features `D / lambda`.
    fn num_features(&self) -> usize {
        self.fourier.num_features() / self.block
    }

    /// The quantised condensed features `phi(x)`.
    fn transform(&self, x: &Points) -> Result<Mat<f64>> {
        self.condensed(x, true)
    }
}
