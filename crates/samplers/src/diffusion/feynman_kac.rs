//! Feynman-Kac reweighting of a batch of diffusion trajectories: sequential
//! Monte Carlo over the sampler's noise levels (Skreta et al. 2025,
//! "Feynman-Kac correctors in diffusion"; Wu et al. 2023, twisted SMC).
//!
//! The batch's rows are particles. A user potential assigns each particle a
//! log-weight when it starts at `sigma_0` and a log-weight increment at each
//! step; with `gamma_i(x) = p_{sigma_i}(x) e^{g_i(x)}` as the intermediate
//! targets and the sampler as (an approximation of) the exact reverse
//! kernel, the increments `g_{i+1}(x_{i+1}) - g_i(x_i)` make the weighted
//! particles at `sigma = 0` target `p_0(x) e^{g_0(x)} / Z` (a tilt by a
//! likelihood, a product of experts with a known density, an annealed
//! `p^beta` through `g = (beta - 1) log p`). When the effective sample size
//! `1 / sum W^2` of the normalised weights falls below a fraction of the
//! particle count, the particles are resampled with one of the schemes of
//! [`crate::smc`] and the weights reset. The log-normaliser estimate
//! `log Z = log mean_j e^{g_0(x^j)} + sum_i log sum_j W_i^j e^{dg_i^j}`
//! (Del Moral 2004) is unbiased in `Z` for the discretised kernels.
//!
//! Samplers that carry state between steps (the multistep DPM-Solver++ and
//! UniPC variants) would have to resample that state too and are rejected;
//! the one-step samplers run exactly as in [`super::sampler::sample`], and
//! with a zero potential the result is the same batch bit for bit.

use super::Denoiser;
use super::sampler::{NoiseSource, SampleOptions, Sampler, check_batch, run_rows};
use crate::sde::path_seed;
use crate::smc::{Resampling, ess_from_log_weights, resample};
use crate::{Error, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use sobolev_special::logsumexp;

/// Per-particle log-weights of a Feynman-Kac reweighting.
pub trait FeynmanKacPotential: Sync {
    /// Log-weight of a particle `x` drawn at the first level `sigma` (the
    /// `g_0` of the intermediate target there); zero by default.
    fn initial_log_weight(&self, x: &[f64], sigma: f64) -> f64 {
        let _ = (x, sigma);
        0.0
    }
    /// Log-weight increment for the move of one particle from `x_prev` at
    /// `sigma` to `x` at `sigma_next`. `-inf` discards the particle; NaN and
    /// `+inf` are errors.
    fn log_weight_increment(&self, x_prev: &[f64], sigma: f64, x: &[f64], sigma_next: f64) -> f64;
}

/// The potential of a twist `g(x, sigma)`: initial weight `g(x, sigma_0)`
/// and increments `g(x, sigma_next) - g(x_prev, sigma)`, so the batch
/// targets `p_0 e^{g(., 0)}` at the end whatever the intermediate twists.
#[derive(Debug, Clone, Copy)]
pub struct Twisted<F> {
    /// `g(x, sigma)`.
    pub log_twist: F,
}

impl<F: Fn(&[f64], f64) -> f64 + Sync> FeynmanKacPotential for Twisted<F> {
    fn initial_log_weight(&self, x: &[f64], sigma: f64) -> f64 {
        (self.log_twist)(x, sigma)
    }
    fn log_weight_increment(&self, x_prev: &[f64], sigma: f64, x: &[f64], sigma_next: f64) -> f64 {
        (self.log_twist)(x, sigma_next) - (self.log_twist)(x_prev, sigma)
    }
}

/// Options of [`sample_feynman_kac`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeynmanKacOptions {
    /// Resampling scheme.
    pub resampling: Resampling,
    /// Resample when the ESS falls below this fraction of the particles
    /// (0 never resamples, 1 always does).
    pub ess_fraction: f64,
    /// Seed of the resampling draws (step `i` uses its own stream).
    pub seed: u64,
    /// Chunking of the denoiser calls.
    pub sample: SampleOptions,
}

impl Default for FeynmanKacOptions {
    fn default() -> Self {
        Self {
            resampling: Resampling::Systematic,
            ess_fraction: 0.5,
            seed: 0,
            sample: SampleOptions::default(),
        }
    }
}

/// Outcome of [`sample_feynman_kac`].
#[derive(Debug, Clone, PartialEq)]
pub struct FeynmanKacResult {
    /// Final log-weights of the rows (unnormalised).
    pub log_weights: Vec<f64>,
    /// Estimate of `log Z`, `Z = int p_0 e^{g_0}` for a [`Twisted`] potential.
    pub log_normalizer: f64,
    /// ESS of the weights after each step, before any resampling.
    pub ess: Vec<f64>,
    /// Steps after which the particles were resampled.
    pub resampled_at: Vec<usize>,
    /// Denoiser evaluations per row.
    pub nfe: usize,
}

impl FeynmanKacResult {
    /// Normalised weights `W_j` (summing to one).
    pub fn weights(&self) -> Vec<f64> {
        let lse = logsumexp(&self.log_weights);
        self.log_weights.iter().map(|l| (l - lse).exp()).collect()
    }
}

/// The draws of step `base` onward seen as draws `0, 1, ...`, so a one-step
/// run on two levels uses the same noise as the whole run.
struct Offset<'a> {
    inner: &'a dyn NoiseSource,
    base: usize,
}

impl NoiseSource for Offset<'_> {
    fn fill(&self, step: usize, row: usize, out: &mut [f64]) {
        self.inner.fill(self.base + step, row, out);
    }
}

fn normaliser_increment(log_w: &[f64], inc: &[f64]) -> f64 {
    let before = logsumexp(log_w);
    let after: Vec<f64> = log_w.iter().zip(inc).map(|(a, b)| a + b).collect();
    logsumexp(&after) - before
}

/// Runs a one-step `sampler` on the particles `x` (rows of length
/// `den.dim()`) down `sigmas`, weighting them with `potential` and
/// resampling them when their ESS drops (see the module docs).
///
/// Accuracy: tilting a two-dimensional Gaussian mixture by a Gaussian
/// likelihood (closed-form posterior mixture and `Z`), 8000 particles under
/// Euler ancestral on 200 Karras levels give the posterior mean within its
/// Monte Carlo error and `log Z` to 0.013; annealing a Gaussian to `p^2`
/// (400 levels) gives the covariance within Monte Carlo error and `log Z`
/// to 0.015. The remaining error is the sampler's discretisation: the
/// weights assume its kernel is the exact reverse of the noising.
///
/// Errors: those of [`super::sampler::sample`]; a multistep sampler or an
/// ESS fraction outside `[0, 1]` ([`Error::InvalidArgument`]); NaN or
/// `+inf` log-weights, or every particle at zero weight
/// ([`Error::NonFiniteAt`] with the noise level reached).
pub fn sample_feynman_kac<D: Denoiser + ?Sized, P: FeynmanKacPotential + ?Sized>(
    den: &D,
    sampler: Sampler,
    sigmas: &[f64],
    x: &mut [f64],
    noise: &dyn NoiseSource,
    potential: &P,
    opts: FeynmanKacOptions,
) -> Result<FeynmanKacResult> {
    let d = den.dim();
    check_batch(d, sampler, sigmas, x)?;
    let draws_per_step = match sampler {
        Sampler::DpmSolverPP2M
        | Sampler::DpmSolverPP3M
        | Sampler::DpmSolverPP2MSde { .. }
        | Sampler::DpmSolverPP3MSde { .. }
        | Sampler::UniPc { .. }
        | Sampler::Deis { .. } => {
            return Err(Error::InvalidArgument(format!(
                "Feynman-Kac reweighting needs a one-step sampler, got {sampler:?}"
            )));
        }
        Sampler::PredictorCorrector {
            corrector_steps, ..
        } => corrector_steps + 1,
        _ => 1,
    };
    if !(0.0..=1.0).contains(&opts.ess_fraction) {
        return Err(Error::InvalidArgument(format!(
            "ESS fraction must lie in [0, 1], got {}",
            opts.ess_fraction
        )));
    }
    let n = x.len() / d;
    if n == 0 {
        return Err(Error::Empty("Feynman-Kac sampling needs particles"));
    }
    let rows_per = if opts.sample.chunk_rows == 0 {
        n
    } else {
        opts.sample.chunk_rows
    };
    let check = |v: &[f64], t: f64| -> Result<()> {
        if v.iter().any(|l| l.is_nan() || *l == f64::INFINITY)
            || v.iter().all(|l| *l == f64::NEG_INFINITY)
        {
            return Err(Error::NonFiniteAt {
                what: "Feynman-Kac log-weight",
                t,
            });
        }
        Ok(())
    };
    let mut log_w: Vec<f64> = x
        .par_chunks(d)
        .map(|r| potential.initial_log_weight(r, sigmas[0]))
        .collect();
    check(&log_w, sigmas[0])?;
    let mut log_z = logsumexp(&log_w) - (n as f64).ln();
    let mut ess = Vec::with_capacity(sigmas.len() - 1);
    let mut resampled_at = Vec::new();
    let mut prev = x.to_vec();
    let mut nfe = 0;
    for i in 0..sigmas.len() - 1 {
        let (s, sn) = (sigmas[i], sigmas[i + 1]);
        prev.copy_from_slice(x);
        let step_noise = Offset {
            inner: noise,
            base: i * draws_per_step,
        };
        let results: Vec<Result<usize>> = x
            .par_chunks_mut(rows_per * d)
            .enumerate()
            .map(|(ci, chunk)| {
                run_rows(
                    den,
                    sampler,
                    &sigmas[i..i + 2],
                    chunk,
                    &step_noise,
                    ci * rows_per,
                )
            })
            .collect();
        let mut step_nfe = 0;
        for r in results {
            step_nfe = r?;
        }
        nfe += step_nfe;
        let inc: Vec<f64> = prev
            .par_chunks(d)
            .zip(x.par_chunks(d))
            .map(|(a, b)| potential.log_weight_increment(a, s, b, sn))
            .collect();
        check(&inc, sn)?;
        log_z += normaliser_increment(&log_w, &inc);
        for (l, v) in log_w.iter_mut().zip(&inc) {
            *l += v;
        }
        check(&log_w, sn)?;
        let e = ess_from_log_weights(&log_w);
        ess.push(e);
        if e < opts.ess_fraction * n as f64 && i + 1 < sigmas.len() - 1 {
            let lse = logsumexp(&log_w);
            let w: Vec<f64> = log_w.iter().map(|l| (l - lse).exp()).collect();
            let mut rng = ChaCha8Rng::seed_from_u64(path_seed(opts.seed, i as u64));
            let ancestors = resample(opts.resampling, &w, &mut rng);
            prev.copy_from_slice(x);
            for (j, &a) in ancestors.iter().enumerate() {
                x[j * d..(j + 1) * d].copy_from_slice(&prev[a * d..(a + 1) * d]);
            }
            log_w.fill(0.0);
            resampled_at.push(i);
        }
    }
    Ok(FeynmanKacResult {
        log_weights: log_w,
        log_normalizer: log_z,
        ess,
        resampled_at,
        nfe,
    })
}
