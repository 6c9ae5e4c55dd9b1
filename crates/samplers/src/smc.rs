//! Sequential Monte Carlo and annealed importance sampling over tempered
//! targets `pi_beta(x) ∝ prior(x) L(x)^beta`, `beta` from 0 to 1.
//!
//! Particles start from the prior. At each stage the temperature rises
//! (adaptively, by bisection so the effective sample size of the incremental
//! weights is a set fraction of the particle count (Jasra et al. 2011), or
//! along a fixed schedule), particles are reweighted by
//! `L(x)^(beta' - beta)`, resampled when their ESS falls below a threshold
//! (systematic, stratified, residual or multinomial resampling; Douc & Cappe
//! 2005), and moved by random-walk Metropolis steps that leave `pi_beta'`
//! invariant, scaled by the particles' marginal spread. The log evidence
//! `log Z = log ∫ prior L` accumulates the log mean incremental weights (Del
//! Moral, Doucet & Jasra 2006). Annealed importance sampling (Neal 2001) is
//! the same recursion on a fixed schedule without resampling.
//!
//! Each particle's moves use their own ChaCha8 stream, so results do not
//! depend on the number of threads.

use crate::{Error, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use sobolev_special::logsumexp;

/// A Bayesian model split into a prior one can sample and a likelihood.
pub trait TemperedModel: Sync {
    /// Parameter dimension.
    fn dim(&self) -> usize;
    /// Draws from the prior into `out`.
    fn sample_prior(&self, rng: &mut ChaCha8Rng, out: &mut [f64]);
    /// Log prior density (up to a constant); `-inf` outside the support.
    fn log_prior(&self, x: &[f64]) -> f64;
    /// Log likelihood.
    fn log_likelihood(&self, x: &[f64]) -> f64;
}

/// Resampling schemes, from lowest to highest variance: residual and
/// systematic/stratified are preferred; multinomial is the textbook scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Resampling {
    /// One uniform, `N` evenly spaced pointers.
    Systematic,
    /// One uniform per stratum `[i/N, (i+1)/N)`.
    Stratified,
    /// Deterministic copies `floor(N w_i)`, the rest multinomially.
    Residual,
    /// `N` independent categorical draws.
    Multinomial,
}

/// Effective sample size `1 / sum w_i^2` of normalised weights given in logs.
pub fn ess_from_log_weights(log_w: &[f64]) -> f64 {
    let lse = logsumexp(log_w);
    let s2: f64 = log_w.iter().map(|l| (2.0 * (l - lse)).exp()).sum();
    1.0 / s2
}

/// Ancestor indices drawn from normalised `weights` (summing to 1).
pub fn resample(scheme: Resampling, weights: &[f64], rng: &mut ChaCha8Rng) -> Vec<usize> {
    let n = weights.len();
    let mut cdf = Vec::with_capacity(n);
    let mut acc = 0.0;
    for w in weights {
        acc += w;
        cdf.push(acc);
    }
    // Guard the last bin against rounding.
    if let Some(last) = cdf.last_mut() {
        *last = f64::INFINITY;
    }
    let invert_sorted = |us: &[f64]| {
        let mut out = Vec::with_capacity(us.len());
        let mut j = 0;
        for &u in us {
            while cdf[j] < u {
                j += 1;
            }
            out.push(j);
        }
        out
    };
    let nf = n as f64;
    match scheme {
        Resampling::Systematic => {
            let u0: f64 = rng.random();
            invert_sorted(&(0..n).map(|i| (i as f64 + u0) / nf).collect::<Vec<_>>())
        }
        Resampling::Stratified => invert_sorted(
            &(0..n)
                .map(|i| (i as f64 + rng.random::<f64>()) / nf)
                .collect::<Vec<_>>(),
        ),
        Resampling::Multinomial => {
            let mut us: Vec<f64> = (0..n).map(|_| rng.random()).collect();
            us.sort_by(f64::total_cmp);
            invert_sorted(&us)
        }
        Resampling::Residual => {
            let mut out = Vec::with_capacity(n);
            let mut residual = Vec::with_capacity(n);
            for (i, w) in weights.iter().enumerate() {
                let copies = (nf * w).floor();
                out.extend(std::iter::repeat_n(i, copies as usize));
                residual.push(nf * w - copies);
            }
            let rest = n - out.len();
            if rest > 0 {
                let total: f64 = residual.iter().sum();
                let mut acc = 0.0;
                let mut rcdf: Vec<f64> = residual
                    .iter()
                    .map(|r| {
                        acc += r / total;
                        acc
                    })
                    .collect();
                if let Some(last) = rcdf.last_mut() {
                    *last = f64::INFINITY;
                }
                let mut us: Vec<f64> = (0..rest).map(|_| rng.random()).collect();
                us.sort_by(f64::total_cmp);
                let mut j = 0;
                for u in us {
                    while rcdf[j] < u {
                        j += 1;
                    }
                    out.push(j);
                }
            }
            out
        }
    }
}

/// How the temperature rises.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Schedule {
    /// Choose each next temperature so the incremental weights keep this
    /// fraction of the particles as effective sample size.
    Adaptive {
        /// Target ESS fraction in (0, 1), typically 0.5.
        ess_fraction: f64,
    },
    /// A fixed increasing schedule ending at 1 (leading 0 optional).
    Fixed(Vec<f64>),
}

/// Settings of an SMC or AIS run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SmcSettings {
    /// Number of particles.
    pub n_particles: usize,
    /// Temperature schedule.
    pub schedule: Schedule,
    /// Resampling scheme and ESS-fraction threshold below which to resample;
    /// `None` never resamples (annealed importance sampling).
    pub resampling: Option<(Resampling, f64)>,
    /// Random-walk Metropolis steps per particle and stage.
    pub n_moves: usize,
    /// Seed.
    pub seed: u64,
}

impl SmcSettings {
    /// Adaptive tempered SMC: ESS fraction 0.5, systematic resampling when
    /// the ESS drops below half the particles, 10 moves per stage.
    pub fn tempered(n_particles: usize, seed: u64) -> Self {
        Self {
            n_particles,
            schedule: Schedule::Adaptive { ess_fraction: 0.5 },
            resampling: Some((Resampling::Systematic, 0.5)),
            n_moves: 10,
            seed,
        }
    }

    /// Annealed importance sampling along `n_stages` geometric-spaced
    /// temperatures, no resampling.
    pub fn annealed(n_particles: usize, n_stages: usize, seed: u64) -> Self {
        let k = n_stages.max(1);
        let schedule = (1..=k)
            .map(|i| {
                let t = i as f64 / k as f64;
                // Geometric from 1e-4 to exactly 1.
                (1e-4f64).powf(1.0 - t)
            })
            .collect();
        Self {
            n_particles,
            schedule: Schedule::Fixed(schedule),
            resampling: None,
            n_moves: 5,
            seed,
        }
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SmcResult {
    /// Final particles, row-major `n_particles x dim`.
    pub particles: Vec<f64>,
    /// Their normalised log weights.
    pub log_weights: Vec<f64>,
    /// Estimate of the log evidence `log ∫ prior(x) L(x) dx`.
    pub log_evidence: f64,
    /// Temperatures visited, starting at 0.
    pub temperatures: Vec<f64>,
    /// Number of resampling events.
    pub n_resampled: usize,
    /// Mean Metropolis acceptance rate of the moves, per stage.
    pub acceptance: Vec<f64>,
}

/// Runs tempered SMC (or AIS) on `model`.
pub fn run<M: TemperedModel>(model: &M, settings: &SmcSettings) -> Result<SmcResult> {
    let n = settings.n_particles;
    let d = model.dim();
    if n < 2 || d == 0 {
        return Err(Error::Empty("particles (need at least 2) or dimension"));
    }
    if let Schedule::Adaptive { ess_fraction } = settings.schedule
        && !(ess_fraction > 0.0 && ess_fraction < 1.0)
    {
        return Err(Error::InvalidArgument(format!(
            "ESS fraction must lie in (0, 1), got {ess_fraction}"
        )));
    }
    if let Schedule::Fixed(s) = &settings.schedule
        && (s.is_empty()
            || s.iter().any(|b| b.is_nan())
            || s.windows(2).any(|w| w[0] >= w[1])
            || s.first().is_some_and(|b| *b < 0.0)
            || s.last() != Some(&1.0))
    {
        return Err(Error::InvalidArgument(
            "a fixed schedule must increase strictly from >= 0 and end at 1".into(),
        ));
    }
    let stream_rng = |stage: u64, i: u64| {
        let mut r = ChaCha8Rng::seed_from_u64(settings.seed);
        r.set_stream(stage.wrapping_mul(1 << 32).wrapping_add(i));
        r
    };
    let mut x = vec![0.0; n * d];
    x.par_chunks_mut(d)
        .enumerate()
        .for_each(|(i, row)| model.sample_prior(&mut stream_rng(0, i as u64), row));
    let mut loglik: Vec<f64> = x.par_chunks(d).map(|r| model.log_likelihood(r)).collect();
    if loglik.iter().any(|l| l.is_nan() || *l == f64::INFINITY) {
        return Err(Error::NonFinite("log likelihood at a prior draw"));
    }
    let mut log_w = vec![-(n as f64).ln(); n];
    let mut beta = 0.0;
    let mut temps = vec![0.0];
    let mut log_z = 0.0;
    let mut n_resampled = 0;
    let mut acceptance = Vec::new();
    let mut fixed = match &settings.schedule {
        Schedule::Fixed(s) => s.iter().copied().filter(|b| *b > 0.0).collect::<Vec<_>>(),
        Schedule::Adaptive { .. } => Vec::new(),
    }
    .into_iter();
    let mut stage = 0u64;
    let mut resample_rng = stream_rng(u64::MAX >> 33, 0);
    while beta < 1.0 {
        stage += 1;
        let next = match &settings.schedule {
            Schedule::Fixed(_) => fixed.next().unwrap_or(1.0),
            Schedule::Adaptive { ess_fraction } => {
                next_temperature(&log_w, &loglik, beta, ess_fraction * n as f64)
            }
        };
        let dbeta = next - beta;
        let before = logsumexp(&log_w);
        for (w, l) in log_w.iter_mut().zip(&loglik) {
            *w += dbeta * l;
        }
        let after = logsumexp(&log_w);
        log_z += after - before;
        for w in log_w.iter_mut() {
            *w -= after;
        }
        beta = next;
        temps.push(beta);
        if let Some((scheme, threshold)) = settings.resampling
            && ess_from_log_weights(&log_w) < threshold * n as f64
        {
            let weights: Vec<f64> = log_w.iter().map(|l| l.exp()).collect();
            let idx = resample(scheme, &weights, &mut resample_rng);
            x = idx
                .iter()
                .flat_map(|&i| x[i * d..(i + 1) * d].to_vec())
                .collect();
            loglik = idx.iter().map(|&i| loglik[i]).collect();
            log_w.fill(-(n as f64).ln());
            n_resampled += 1;
        }
        // Proposal scale from the weighted marginal spread.
        let scale: Vec<f64> = (0..d)
            .map(|j| {
                let m: f64 = (0..n).map(|i| log_w[i].exp() * x[i * d + j]).sum();
                let v: f64 = (0..n)
                    .map(|i| log_w[i].exp() * (x[i * d + j] - m).powi(2))
                    .sum();
                2.38 / (d as f64).sqrt() * v.sqrt().max(1e-12)
            })
            .collect();
        let accepted: usize = x
            .par_chunks_mut(d)
            .zip(loglik.par_iter_mut())
            .enumerate()
            .map(|(i, (row, ll))| {
                let mut rng = stream_rng(stage, i as u64);
                let mut acc = 0;
                let mut lp = model.log_prior(row) + beta * *ll;
                let mut prop = row.to_vec();
                for _ in 0..settings.n_moves {
                    for ((p, r), s) in prop.iter_mut().zip(row.iter()).zip(&scale) {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        *p = r + s * z;
                    }
                    let lprior = model.log_prior(&prop);
                    if lprior == f64::NEG_INFINITY {
                        continue;
                    }
                    let lik = model.log_likelihood(&prop);
                    let lp_new = lprior + beta * lik;
                    if lp_new.is_finite() && rng.random::<f64>().ln() < lp_new - lp {
                        row.copy_from_slice(&prop);
                        *ll = lik;
                        lp = lp_new;
                        acc += 1;
                    }
                }
                acc
            })
            .sum();
        acceptance.push(accepted as f64 / (n * settings.n_moves.max(1)) as f64);
        if stage > 100_000 {
            return Err(Error::NotConverged {
                method: "tempering",
                iterations: stage as usize,
                residual: 1.0 - beta,
            });
        }
    }
    Ok(SmcResult {
        particles: x,
        log_weights: log_w,
        log_evidence: log_z,
        temperatures: temps,
        n_resampled,
        acceptance,
    })
}

/// The largest `beta' <= 1` whose incremental weights keep `target_ess`.
fn next_temperature(log_w: &[f64], loglik: &[f64], beta: f64, target_ess: f64) -> f64 {
    let ess_at = |b: f64| {
        let lw: Vec<f64> = log_w
            .iter()
            .zip(loglik)
            .map(|(w, l)| w + (b - beta) * l)
            .collect();
        ess_from_log_weights(&lw)
    };
    if ess_at(1.0) >= target_ess {
        return 1.0;
    }
    let (mut lo, mut hi) = (beta, 1.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if ess_at(mid) >= target_ess {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    // Always make progress, even if the ESS collapses immediately.
    lo.max(beta + 1e-12 * (1.0 - beta)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_schemes_are_unbiased() {
        let w = [0.1, 0.4, 0.05, 0.3, 0.15];
        for scheme in [
            Resampling::Systematic,
            Resampling::Stratified,
            Resampling::Residual,
            Resampling::Multinomial,
        ] {
            let mut rng = ChaCha8Rng::seed_from_u64(3);
            let mut counts = [0usize; 5];
            let reps = 20_000;
            for _ in 0..reps {
                for i in resample(scheme, &w, &mut rng) {
                    counts[i] += 1;
                }
            }
            for (c, wi) in counts.iter().zip(w) {
                let freq = *c as f64 / (reps * 5) as f64;
                // Multinomial standard error at 1e5 draws is below 2e-3.
                assert!((freq - wi).abs() < 6e-3, "{scheme:?}: {freq} vs {wi}");
            }
        }
    }

    #[test]
    fn ess_of_uniform_and_degenerate_weights() {
        assert!((ess_from_log_weights(&[0.0; 8]) - 8.0).abs() < 1e-12);
        assert!((ess_from_log_weights(&[0.0, -1e3, -1e3]) - 1.0).abs() < 1e-12);
    }
}
