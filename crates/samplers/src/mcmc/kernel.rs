//! Transition kernels: random-walk Metropolis, MALA, static HMC, NUTS and
//! the unadjusted Langevin family (ULA, SGLD).
//!
//! Each kernel maps the current point, a step size and a metric to the next
//! point; the chain (see [`super::chain`]) owns the state and the adaptation.
//! MALA is implemented as HMC with a single leapfrog step, which is the same
//! Markov kernel (Neal 2011, section 5.2): proposal
//! `x' = x + (eps^2/2) M^{-1} grad log p(x) + eps M^{-1/2} z`, accepted with
//! the Metropolis-Hastings energy ratio. ULA makes the same move without the
//! accept step; SGLD uses a decreasing step `eps_t = a (b + t)^(-gamma)`
//! (Welling & Teh 2011) and is meant for targets whose gradient is a
//! mini-batch estimate.

use super::hamiltonian::{Phase, axpy};
use super::metric::Metric;
use super::nuts::{Nuts, NutsWorkspace};
use super::target::{Point, Target};
use crate::Result;
use rand::Rng;

/// The Markov kernel a chain runs.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Kernel {
    /// Gaussian random-walk Metropolis with proposal covariance
    /// `eps^2 M^{-1}`.
    RandomWalk,
    /// Metropolis-adjusted Langevin algorithm (preconditioned by the metric).
    Mala,
    /// Hamiltonian Monte Carlo with a fixed number of leapfrog steps.
    Hmc {
        /// Leapfrog steps per transition.
        n_steps: usize,
    },
    /// The No-U-Turn Sampler.
    Nuts(Nuts),
    /// Unadjusted Langevin algorithm: the MALA move, always accepted
    /// (biased at any fixed step size).
    Ula,
    /// Stochastic-gradient Langevin dynamics with step
    /// `eps_t = a (b + t)^(-gamma)`.
    Sgld {
        /// Scale `a` of the step schedule.
        a: f64,
        /// Offset `b` of the step schedule.
        b: f64,
        /// Decay exponent `gamma` in (0.5, 1].
        gamma: f64,
    },
}

impl Kernel {
    /// The acceptance rate dual averaging aims for by default.
    pub fn default_target_accept(&self) -> f64 {
        match self {
            Self::RandomWalk => 0.234,
            Self::Mala => 0.574,
            Self::Hmc { .. } => 0.65,
            Self::Nuts(_) => 0.8,
            Self::Ula | Self::Sgld { .. } => 1.0,
        }
    }

    /// Whether dual averaging tunes this kernel's step size.
    pub fn adapts_step_size(&self) -> bool {
        !matches!(self, Self::Ula | Self::Sgld { .. })
    }

    /// Whether the kernel uses the gradient (and so the leapfrog heuristic
    /// for the initial step size).
    pub(crate) fn uses_leapfrog(&self) -> bool {
        matches!(self, Self::Mala | Self::Hmc { .. } | Self::Nuts(_))
    }
}

/// What one transition did.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TransitionInfo {
    /// Mean Metropolis acceptance probability over the proposals made (the
    /// statistic dual averaging tunes).
    pub accept_stat: f64,
    /// Mean symmetric acceptance statistic `2 e^{-|d|} / (1 + e^{-|d|})`
    /// over the same proposals, with `d` the log acceptance ratio; it
    /// penalises energy errors of either sign, and nutpie's schedule tunes
    /// the step size to it late in warm-up.
    pub accept_stat_symmetric: f64,
    /// Gradient evaluations (leapfrog steps) used; 1 for RWM's density call.
    pub n_steps: usize,
    /// NUTS tree depth (0 for other kernels).
    pub depth: usize,
    /// Whether a divergence (energy error above the threshold, or a
    /// non-finite density) occurred.
    pub diverged: bool,
}

/// The result of one transition.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The next point of the chain.
    pub point: Point,
    /// Hamiltonian at the new point (for BFMI); `-log p` for kernels without
    /// momentum.
    pub energy: f64,
    /// Diagnostics of the transition.
    pub info: TransitionInfo,
}

/// Buffers kept between transitions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Workspace {
    nuts: Option<NutsWorkspace>,
}

impl Workspace {
    /// Hands back the chain's previous point, whose buffers NUTS reuses for
    /// its next draw (the other kernels let it drop).
    pub(crate) fn recycle(&mut self, point: Point) {
        if let Some(nuts) = self.nuts.as_mut() {
            nuts.recycle(point);
        }
    }
}

impl Kernel {
    /// One transition from `current`. `iteration` counts transitions so far
    /// (used by SGLD's schedule).
    pub(crate) fn transition<T: Target + ?Sized, R: Rng + ?Sized>(
        &self,
        target: &T,
        metric: &Metric,
        eps: f64,
        current: &Point,
        iteration: u64,
        work: &mut Workspace,
        rng: &mut R,
    ) -> Result<Transition> {
        match *self {
            Self::Nuts(nuts) => {
                let ws = work
                    .nuts
                    .get_or_insert_with(|| NutsWorkspace::new(current, metric, nuts.max_depth));
                nuts.transition(target, metric, eps, current, ws, rng)
            }
            Self::Hmc { n_steps } => hmc(target, metric, eps, n_steps.max(1), current, rng),
            Self::Mala => hmc(target, metric, eps, 1, current, rng),
            Self::RandomWalk => random_walk(target, metric, eps, current, rng),
            Self::Ula => langevin(target, metric, eps, current, rng),
            Self::Sgld { a, b, gamma } => {
                let eps_t = a * (b + iteration as f64).powf(-gamma);
                langevin(target, metric, eps_t, current, rng)
            }
        }
    }
}

/// Static HMC: `n_steps` leapfrog steps and a Metropolis correction.
fn hmc<T: Target + ?Sized, R: Rng + ?Sized>(
    target: &T,
    metric: &Metric,
    eps: f64,
    n_steps: usize,
    current: &Point,
    rng: &mut R,
) -> Result<Transition> {
    let d = current.x.len();
    let mut p = vec![0.0; d];
    metric.sample_momentum(rng, &mut p);
    let start = Phase::new(current, &p, metric);
    let h0 = start.energy();
    let mut z = start.clone();
    let mut finite = true;
    for _ in 0..n_steps {
        if !z.leapfrog(target, metric, eps)? {
            finite = false;
            break;
        }
    }
    let h = if finite { z.energy() } else { f64::INFINITY };
    let h = if h.is_nan() { f64::INFINITY } else { h };
    let (accept_stat, accept_stat_symmetric) = acceptance(h0 - h);
    let diverged = h - h0 > 1000.0;
    let accepted = rng.random::<f64>() < accept_stat;
    let next = if accepted { z } else { start };
    Ok(Transition {
        energy: next.energy(),
        point: next.to_point(),
        info: TransitionInfo {
            accept_stat,
            accept_stat_symmetric,
            n_steps,
            depth: 0,
            diverged,
        },
    })
}

/// Random-walk Metropolis with proposal `x + eps M^{-1/2} z`.
fn random_walk<T: Target + ?Sized, R: Rng + ?Sized>(
    target: &T,
    metric: &Metric,
    eps: f64,
    current: &Point,
    rng: &mut R,
) -> Result<Transition> {
    let step = metric_noise(metric, current.x.len(), rng);
    let mut proposal = current.clone();
    axpy(eps, &step, &mut proposal.x);
    let finite = proposal.update(target)?;
    let log_ratio = if finite {
        proposal.logp - current.logp
    } else {
        f64::NEG_INFINITY
    };
    let (accept_stat, accept_stat_symmetric) = acceptance(log_ratio);
    let next = if rng.random::<f64>() < accept_stat {
        proposal
    } else {
        current.clone()
    };
    Ok(Transition {
        energy: -next.logp,
        point: next,
        info: TransitionInfo {
            accept_stat,
            accept_stat_symmetric,
            n_steps: 1,
            depth: 0,
            diverged: !finite,
        },
    })
}

/// The unadjusted Langevin move `x + (eps^2/2) M^{-1} g + eps M^{-1/2} z`.
fn langevin<T: Target + ?Sized, R: Rng + ?Sized>(
    target: &T,
    metric: &Metric,
    eps: f64,
    current: &Point,
    rng: &mut R,
) -> Result<Transition> {
    let d = current.x.len();
    let noise = metric_noise(metric, d, rng);
    let mut drift = vec![0.0; d];
    metric.velocity(&current.grad, &mut drift);
    let mut next = current.clone();
    axpy(0.5 * eps * eps, &drift, &mut next.x);
    axpy(eps, &noise, &mut next.x);
    let finite = next.update(target)?;
    if !finite {
        // Stay put: an unadjusted step that leaves the support is reported
        // as a divergence rather than propagated.
        return Ok(Transition {
            energy: -current.logp,
            point: current.clone(),
            info: TransitionInfo {
                accept_stat: 0.0,
                accept_stat_symmetric: 0.0,
                n_steps: 1,
                depth: 0,
                diverged: true,
            },
        });
    }
    Ok(Transition {
        energy: -next.logp,
        point: next,
        info: TransitionInfo {
            accept_stat: 1.0,
            accept_stat_symmetric: 1.0,
            n_steps: 1,
            depth: 0,
            diverged: false,
        },
    })
}

/// The acceptance statistic `min(1, e^d)` and its symmetric form
/// `2 e^{-|d|} / (1 + e^{-|d|})` of a proposal with log acceptance ratio
/// `d` (both 0 for `d = -inf` or NaN).
pub(crate) fn acceptance(log_ratio: f64) -> (f64, f64) {
    if log_ratio.is_nan() {
        return (0.0, 0.0);
    }
    let e = (-log_ratio.abs()).exp();
    let plain = if log_ratio >= 0.0 { 1.0 } else { e };
    (plain, 2.0 * e / (1.0 + e))
}

/// [`acceptance`] from the acceptance ratio `r = e^d` itself (in
/// `[0, inf]`; NaN gives 0), for callers that need `e^d` anyway: the
/// symmetric form uses `min(r, 1/r) = e^{-|d|}`.
pub(crate) fn acceptance_of_ratio(ratio: f64) -> (f64, f64) {
    if ratio.is_nan() {
        return (0.0, 0.0);
    }
    let e = if ratio > 1.0 { 1.0 / ratio } else { ratio };
    (ratio.min(1.0), 2.0 * e / (1.0 + e))
}

/// A draw of `N(0, M^{-1})`: the velocity of a momentum `p ~ N(0, M)`.
fn metric_noise<R: Rng + ?Sized>(metric: &Metric, d: usize, rng: &mut R) -> Vec<f64> {
    let mut p = vec![0.0; d];
    let mut v = vec![0.0; d];
    metric.sample_momentum(rng, &mut p);
    metric.velocity(&p, &mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::{acceptance, acceptance_of_ratio};

    #[test]
    fn acceptance_statistics_match_their_closed_forms() {
        let ln2 = std::f64::consts::LN_2;
        // A halving of the density: min(1, 1/2) and 2 (1/2) / (3/2).
        let (a, s) = acceptance(-ln2);
        assert!((a - 0.5).abs() < 1e-15 && (s - 2.0 / 3.0).abs() < 1e-15);
        // A doubling is accepted outright but penalised symmetrically.
        let (a, s) = acceptance(ln2);
        assert!(a == 1.0 && (s - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(acceptance(0.0), (1.0, 1.0));
        assert_eq!(acceptance(f64::NEG_INFINITY), (0.0, 0.0));
        assert_eq!(acceptance(f64::NAN), (0.0, 0.0));
        assert_eq!(acceptance(f64::INFINITY), (1.0, 0.0));
    }

    #[test]
    fn acceptance_of_the_ratio_agrees_with_the_log_form() {
        for d in [-800.0, -3.0, -0.25, 0.0, 1e-3, 0.7, 12.0, 800.0] {
            let (a, s) = acceptance(d);
            let (ar, sr) = acceptance_of_ratio(f64::exp(d));
            assert!(
                (a - ar).abs() <= 1e-15 && (s - sr).abs() <= 1e-15,
                "d = {d}"
            );
        }
        assert_eq!(acceptance_of_ratio(0.0), (0.0, 0.0));
        assert_eq!(acceptance_of_ratio(f64::INFINITY), (1.0, 0.0));
        assert_eq!(acceptance_of_ratio(f64::NAN), (0.0, 0.0));
    }
}
