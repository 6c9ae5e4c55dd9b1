//! Diffusion-model sampling: a noise schedule, a user [`Denoiser`] and a
//! sampler.
//!
//! Everything is written in the variance-exploding form of Karras et al.
//! (2022, EDM): a noisy sample is `x = x0 + sigma eps`, and the denoiser
//! returns the posterior-mean estimate `D(x; sigma) ~ E[x0 | x]`. The
//! probability-flow ODE is `dx/dsigma = (x - D(x; sigma)) / sigma`, and the
//! score is `(D - x) / sigma^2`. Models trained on a variance-preserving (or
//! any other) schedule `z = alpha(t) x0 + s(t) eps` enter through
//! [`param::ScheduledModel`], which rescales `x = z / alpha`,
//! `sigma = s / alpha` and converts epsilon-, x0-, v- or score-predictions;
//! this is how k-diffusion wraps DDPM models, so the samplers here follow
//! its update rules and reproduce its trajectories.
//!
//! | module | what it holds |
//! |---|---|
//! | [`schedule`] | VP, VE, sub-VP and EDM schedules; Karras and log-uniform levels |
//! | [`param`] | epsilon, x0, v and score parameterisations; [`param::ScheduledModel`] |
//! | [`sampler`] | the samplers and [`sampler::sample`] |
//! | [`unipc`] | UniPC's order conditions and multistep state |
//! | [`deis`] | DEIS's Lagrange-in-log-sigma multistep state |
//! | [`mean_reverting`] | the mean-reverting (IR-) SDE and the MR Sampler |
//! | [`feynman_kac`] | SMC reweighting and resampling of a batch during sampling |

pub mod deis;
pub mod feynman_kac;
pub mod mean_reverting;
pub mod param;
pub mod sampler;
pub mod schedule;
pub mod unipc;

/// A denoiser in EDM form: for noisy rows `x` (each of length
/// [`dim`](Self::dim)) at noise level `sigma`, writes the estimate of the
/// clean rows into `out`.
///
/// The rows of one call share `sigma`. Samplers call it on chunks of rows in
/// parallel (see [`sampler::SampleOptions::chunk_rows`]); a model that wants
/// the whole batch at once sets the chunk to the batch size.
pub trait Denoiser: Sync {
    /// Row length.
    fn dim(&self) -> usize;
    /// Writes `D(x; sigma)` for every row of `x` into `out`.
    fn denoise(&self, x: &[f64], sigma: f64, out: &mut [f64]);
}

/// A denoiser given by a closure `f(x, sigma, out)` on rows of length
/// `dim`: the way to wrap a network's forward pass (copy the rows into the
/// framework's tensor, run the model, copy its output back).
#[derive(Debug, Clone, Copy)]
pub struct FnDenoiser<F> {
    dim: usize,
    f: F,
}

impl<F: Fn(&[f64], f64, &mut [f64]) + Sync> FnDenoiser<F> {
    /// Wraps `f(x, sigma, out)` acting on rows of length `dim`.
    pub fn new(dim: usize, f: F) -> Self {
        Self { dim, f }
    }
}

impl<F: Fn(&[f64], f64, &mut [f64]) + Sync> Denoiser for FnDenoiser<F> {
    fn dim(&self) -> usize {
        self.dim
    }
    fn denoise(&self, x: &[f64], sigma: f64, out: &mut [f64]) {
        (self.f)(x, sigma, out)
    }
}

/// Classifier-free guidance: `D = D_u + w (D_c - D_u)` from a conditional
/// and an unconditional denoiser (Ho and Salimans, 2022); `w = 1` is the
/// conditional model, `w = 0` the unconditional one.
#[derive(Debug, Clone)]
pub struct Guided<C, U> {
    /// Conditional denoiser.
    pub conditional: C,
    /// Unconditional denoiser.
    pub unconditional: U,
    /// Guidance weight `w`.
    pub weight: f64,
}

impl<C: Denoiser, U: Denoiser> Denoiser for Guided<C, U> {
    fn dim(&self) -> usize {
        self.conditional.dim()
    }
    fn denoise(&self, x: &[f64], sigma: f64, out: &mut [f64]) {
        let mut u = vec![0.0; out.len()];
        self.conditional.denoise(x, sigma, out);
        self.unconditional.denoise(x, sigma, &mut u);
        for (o, u) in out.iter_mut().zip(&u) {
            *o = u + self.weight * (*o - u);
        }
    }
}
