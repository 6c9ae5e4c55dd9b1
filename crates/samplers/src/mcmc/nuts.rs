//! The No-U-Turn Sampler with multinomial sampling and a choice of U-turn
//! criterion.
//!
//! Each transition draws a momentum and doubles a leapfrog trajectory
//! forwards or backwards at random until the trajectory turns back on
//! itself, a leapfrog step diverges (energy error above
//! `max_energy_error`), or the tree reaches `max_depth`. The U-turn check
//! runs over every balanced sub-tree and, as in Stan since 2.26, across the
//! two halves of each merge (each half extended by one point into the
//! other). It is either the displacement criterion `(x+ - x-) . p± >= 0`
//! (Hoffman & Gelman 2014, eq. 9; with the momenta `p` it equals the
//! criterion in the coordinates that whiten the metric, as nutpie and
//! nuts-rs apply it) or Betancourt's generalised criterion on the summed
//! momenta, `rho . M^{-1} p± > 0` (Betancourt 2017, appendix A.4.2). The
//! next state is drawn from the whole trajectory with weights `exp(-H)`:
//! progressively within sub-trees and biased towards the newest half at the
//! top level (Hoffman & Gelman 2014; Betancourt 2017, appendix A).

use super::hamiltonian::{AlignedVec, Phase};
use super::kernel::{Transition, TransitionInfo, acceptance_of_ratio};
use super::lanes::{displacement_projections, merge_displacement_projections, projections};
use super::metric::Metric;
use super::target::{Point, Target};
use crate::{Error, Result};
use rand::Rng;

/// When a NUTS trajectory counts as turning back on itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum UTurnCriterion {
    /// Stop when the displacement between the ends of a (sub-)trajectory
    /// has a negative projection on the momentum at either end,
    /// `(x+ - x-) . p < 0` (Hoffman & Gelman 2014, eq. 9): the criterion of
    /// nutpie and nuts-rs. On the posterior suite's correlated Gaussian,
    /// non-centred funnel and logistic regression (6 seeds, 4 chains x 1000
    /// draws) it spends 2.7%, 0.3% and 5.4% fewer gradients after warm-up
    /// than [`UTurnCriterion::MomentumSum`], and its bulk ESS per gradient
    /// is the same within the seed-to-seed spread on the Gaussian
    /// (0.00271 vs 0.00274, se 0.00006) and higher on the funnel (0.270 vs
    /// 0.261) and the logistic regression (0.0711 vs 0.0646, se 0.003).
    #[default]
    Displacement,
    /// Stop when the summed momentum `rho` has a non-positive projection on
    /// the velocity `M^{-1} p` at either end (Betancourt 2017, appendix
    /// A.4.2; Stan's criterion). Its sums weigh the end points fully where
    /// the displacement weighs them by half, so trajectories run slightly
    /// longer.
    MomentumSum,
}

impl UTurnCriterion {
    /// The criterion of checkpoints written before the choice existed.
    fn before_choice() -> Self {
        Self::MomentumSum
    }
}

/// NUTS settings.
///
/// Cost per gradient besides the density: two fused passes of the leapfrog
/// (see `lanes`), one pass over eight vectors for the U-turn checks of each
/// merge, and about three vector copies. On the posterior suite's correlated
/// Gaussian (d = 50, dense precision) a gradient took 575 ns of thread CPU
/// time, density included, against 661 ns for nuts-rs 0.19 calling the same
/// density (12 seeds, 4 chains x 2000 iterations each, one thread;
/// `cargo bench -p sobolev-benches --bench mcmc_nuts_rs`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Nuts {
    /// Maximum tree depth: at most `2^max_depth - 1` leapfrog steps.
    pub max_depth: usize,
    /// Energy error above which a step counts as divergent.
    pub max_energy_error: f64,
    /// The U-turn criterion. Serialised settings without this field resume
    /// with [`UTurnCriterion::MomentumSum`], the criterion they ran with.
    #[serde(default = "UTurnCriterion::before_choice")]
    pub uturn: UTurnCriterion,
}

impl Default for Nuts {
    fn default() -> Self {
        Self {
            max_depth: 10,
            max_energy_error: 1000.0,
            uturn: UTurnCriterion::default(),
        }
    }
}

/// Per-depth buffers, so building a tree allocates nothing per step. The
/// summed momenta and velocities serve [`UTurnCriterion::MomentumSum`], the
/// positions [`UTurnCriterion::Displacement`]; all are cache-line aligned
/// (see [`AlignedVec`]) for the U-turn checks' vectorised passes.
#[derive(Debug, Clone)]
struct Level {
    rho_init: AlignedVec,
    rho_final: AlignedVec,
    p_sharp_init_end: AlignedVec,
    p_sharp_final_beg: AlignedVec,
    p_init_end: AlignedVec,
    p_final_beg: AlignedVec,
    x_init_end: AlignedVec,
    x_final_beg: AlignedVec,
    propose_final: Proposal,
}

/// A candidate draw: the position with its density and gradient, and its
/// Hamiltonian (the momentum is not needed once a point is proposed).
#[derive(Debug, Clone)]
struct Proposal {
    point: Point,
    energy: f64,
}

impl Proposal {
    fn new(z: &Phase) -> Self {
        Self {
            point: z.to_point(),
            energy: z.energy(),
        }
    }

    /// Takes the position of `z`, copying into the existing buffers.
    fn set(&mut self, z: &Phase) {
        z.write_point(&mut self.point);
        self.energy = z.energy();
    }
}

/// The running totals of one transition.
struct Builder<'a, T: ?Sized> {
    target: &'a T,
    metric: &'a Metric,
    eps: f64,
    h0: f64,
    max_energy_error: f64,
    n_leapfrog: usize,
    sum_accept: f64,
    sum_accept_symmetric: f64,
    diverged: bool,
    /// Whether the criterion is [`UTurnCriterion::Displacement`].
    displacement: bool,
}

/// Whether a trajectory segment with end velocities `a` (start) and `b`
/// (end) and summed momentum `rho + extra` has not yet turned back.
fn no_uturn(a: &[f64], b: &[f64], rho: &[f64], extra: Option<&[f64]>) -> bool {
    let (da, db) = projections(a, b, rho, extra);
    da > 0.0 && db > 0.0
}

/// Whether a segment from `x_beg` to `x_end` (in build order; `sign` is
/// `-1` when it was built backwards in time) with end momenta `p_beg`,
/// `p_end` has not yet turned back: its displacement in time order projects
/// non-negatively on both end momenta.
fn no_uturn_displacement(
    x_beg: &[f64],
    x_end: &[f64],
    p_beg: &[f64],
    p_end: &[f64],
    sign: f64,
) -> bool {
    let (da, db) = displacement_projections(x_beg, x_end, p_beg, p_end);
    sign * da >= 0.0 && sign * db >= 0.0
}

/// The three displacement checks of a merge in one pass: for two adjacent
/// segments `a` (positions `x[0]` to `x[1]`, end momenta `p[0]`, `p[1]`)
/// and `b` (`x[2]` to `x[3]`, `p[2]`, `p[3]`) in build order, whether
/// neither `a` extended by the first point of `b`, nor `b` extended back by
/// the last point of `a`, nor the merged segment has turned back (each as
/// in [`no_uturn_displacement`]).
fn merge_no_uturn_displacement(x: [&[f64]; 4], p: [&[f64]; 4], sign: f64) -> bool {
    merge_displacement_projections(x, p)
        .iter()
        .all(|d| sign * d >= 0.0)
}

/// The summed weight `sum_i exp(H0 - H_i)` of a (sub-)trajectory, kept as
/// `exp(max) * sum` with `max` the largest log weight, so `sum` lies in
/// `[1, 2^depth]` and never overflows. The leaf's `exp(max)`, computed once
/// for its acceptance statistic, is kept too: merging two weights and
/// drawing between them then costs a division, where the log-sum-exp form
/// costs an `exp` and a `log1p` for the merge and another `exp` for the
/// draw.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TreeWeight {
    max: f64,
    sum: f64,
    /// `exp(max)`: 0 or `inf` where it under- or overflows.
    exp_max: f64,
}

impl TreeWeight {
    /// The weight of one point with finite log weight `log_weight` and
    /// `weight = exp(log_weight)`.
    fn leaf(log_weight: f64, weight: f64) -> Self {
        Self {
            max: log_weight,
            sum: 1.0,
            exp_max: weight,
        }
    }

    /// `exp(small.max - big.max)`, as a ratio of the stored exponentials
    /// when both are normal numbers (full precision), else by `exp`.
    fn relative_scale(small: Self, big: Self) -> f64 {
        if small.exp_max.is_normal() && big.exp_max.is_normal() {
            small.exp_max / big.exp_max
        } else {
            (small.max - big.max).exp()
        }
    }

    /// The weight of `self` and `later` together, and the ratio
    /// `W_later / W_self` (possibly `+inf` when `W_self` underflows
    /// against it).
    fn merge(self, later: Self) -> (Self, f64) {
        if self.max >= later.max {
            let scaled = later.sum * Self::relative_scale(later, self);
            let merged = Self {
                sum: self.sum + scaled,
                ..self
            };
            (merged, scaled / self.sum)
        } else {
            let scaled = self.sum * Self::relative_scale(self, later);
            let merged = Self {
                sum: scaled + later.sum,
                ..later
            };
            (merged, later.sum / scaled)
        }
    }
}

/// The probability `W_b / (W_a + W_b)` of drawing from the later of two
/// halves whose weights have ratio `W_b / W_a = ratio`.
fn share_of_later(ratio: f64) -> f64 {
    if ratio.is_infinite() {
        1.0
    } else {
        ratio / (1.0 + ratio)
    }
}

impl<T: Target + ?Sized> Builder<'_, T> {
    /// One leapfrog step from `z` with its bookkeeping: adds its
    /// acceptance probability to the running sum. Returns the step's
    /// Hamiltonian `H` and weight `exp(H0 - H)`, or `None` when it
    /// diverged.
    fn step(&mut self, z: &mut Phase) -> Result<Option<(f64, TreeWeight)>> {
        let finite = z.leapfrog(self.target, self.metric, self.eps)?;
        self.n_leapfrog += 1;
        let h = if finite { z.energy() } else { f64::INFINITY };
        let h = if h.is_nan() { f64::INFINITY } else { h };
        if h - self.h0 > self.max_energy_error {
            self.diverged = true;
        }
        let log_weight = self.h0 - h;
        let weight = log_weight.exp();
        let (accept, accept_symmetric) = acceptance_of_ratio(weight);
        self.sum_accept += accept;
        self.sum_accept_symmetric += accept_symmetric;
        Ok(if self.diverged {
            None
        } else {
            Some((h, TreeWeight::leaf(log_weight, weight)))
        })
    }

    /// Builds a sub-tree of `2^depth` leapfrog steps from `z` in the
    /// direction of `self.eps`, leaving `z` at its far end, and writes its
    /// end momenta and velocities, its summed momentum `rho`, its proposal
    /// and its weight. Returns `false` when the sub-tree diverged or turned back
    /// (it must then be discarded).
    #[allow(clippy::too_many_arguments)]
    fn build<R: Rng + ?Sized>(
        &mut self,
        levels: &mut [Level],
        depth: usize,
        z: &mut Phase,
        propose: &mut Proposal,
        p_sharp_beg: &mut [f64],
        p_sharp_end: &mut [f64],
        rho: &mut [f64],
        p_beg: &mut [f64],
        p_end: &mut [f64],
        x_beg: &mut [f64],
        weight: &mut TreeWeight,
        rng: &mut R,
    ) -> Result<bool> {
        let sign = self.eps.signum();
        if depth == 0 {
            let Some((h, leaf)) = self.step(z)? else {
                return Ok(false);
            };
            *weight = leaf;
            z.write_point(&mut propose.point);
            propose.energy = h;
            p_beg.copy_from_slice(&z.p);
            p_end.copy_from_slice(&z.p);
            if self.displacement {
                x_beg.copy_from_slice(&z.x);
            } else {
                p_sharp_beg.copy_from_slice(&z.v);
                p_sharp_end.copy_from_slice(&z.v);
                rho.copy_from_slice(&z.p);
            }
            return Ok(true);
        }
        if depth == 1 {
            // Two leaves: both cross-half checks coincide with the merged
            // one (with `p1, p2` and `v1, v2` the momenta and velocities
            // after each step, the momentum-sum checks all project `v1, v2`
            // on `p1 + p2`), so one check decides all three, and each leaf
            // writes straight into the outputs.
            let Some((h, weight_init)) = self.step(z)? else {
                return Ok(false);
            };
            z.write_point(&mut propose.point);
            propose.energy = h;
            p_beg.copy_from_slice(&z.p);
            if self.displacement {
                x_beg.copy_from_slice(&z.x);
            } else {
                p_sharp_beg.copy_from_slice(&z.v);
            }
            let Some((h, weight_final)) = self.step(z)? else {
                return Ok(false);
            };
            let (merged, ratio) = weight_init.merge(weight_final);
            *weight = merged;
            if rng.random::<f64>() < share_of_later(ratio) {
                z.write_point(&mut propose.point);
                propose.energy = h;
            }
            if self.displacement {
                p_end.copy_from_slice(&z.p);
                return Ok(no_uturn_displacement(x_beg, &z.x, p_beg, p_end, sign));
            }
            p_sharp_end.copy_from_slice(&z.v);
            let ends = p_end.iter_mut().zip(p_beg.iter()).zip(&z.p);
            for (r, ((e, a), b)) in rho.iter_mut().zip(ends) {
                *e = *b;
                *r = a + b;
            }
            return Ok(no_uturn(p_sharp_beg, p_sharp_end, rho, None));
        }
        let (lower, upper) = levels.split_at_mut(depth - 1);
        let level = &mut upper[0];

        let mut weight_init = TreeWeight::leaf(0.0, 1.0);
        if !self.build(
            lower,
            depth - 1,
            z,
            propose,
            p_sharp_beg,
            &mut level.p_sharp_init_end,
            &mut level.rho_init,
            p_beg,
            &mut level.p_init_end,
            x_beg,
            &mut weight_init,
            rng,
        )? {
            return Ok(false);
        }
        if self.displacement {
            level.x_init_end.copy_from_slice(&z.x);
        }

        let mut weight_final = TreeWeight::leaf(0.0, 1.0);
        if !self.build(
            lower,
            depth - 1,
            z,
            &mut level.propose_final,
            &mut level.p_sharp_final_beg,
            p_sharp_end,
            &mut level.rho_final,
            &mut level.p_final_beg,
            p_end,
            &mut level.x_final_beg,
            &mut weight_final,
            rng,
        )? {
            return Ok(false);
        }

        let (merged, ratio) = weight_init.merge(weight_final);
        *weight = merged;
        if rng.random::<f64>() < share_of_later(ratio) {
            std::mem::swap(propose, &mut level.propose_final);
        }

        if self.displacement {
            return Ok(merge_no_uturn_displacement(
                [x_beg, &level.x_init_end, &level.x_final_beg, &z.x],
                [p_beg, &level.p_init_end, &level.p_final_beg, p_end],
                sign,
            ));
        }
        // The two halves, each extended by one step into the other, then
        // the merged sub-tree.
        let halves_persist = no_uturn(
            p_sharp_beg,
            &level.p_sharp_final_beg,
            &level.rho_init,
            Some(&level.p_final_beg),
        ) && no_uturn(
            &level.p_sharp_init_end,
            p_sharp_end,
            &level.rho_final,
            Some(&level.p_init_end),
        );
        for ((r, a), b) in rho.iter_mut().zip(&level.rho_init).zip(&level.rho_final) {
            *r = a + b;
        }
        Ok(halves_persist && no_uturn(p_sharp_beg, p_sharp_end, rho, None))
    }
}

/// The two ends of the trajectory and the running totals of a transition:
/// end states, end momenta `p` and velocities `p#` at both ends of each
/// side, summed momenta, the current sample and proposal.
#[derive(Debug, Clone)]
struct Ends {
    z0: Phase,
    z_fwd: Phase,
    z_bck: Phase,
    sample: Proposal,
    propose: Proposal,
    p_fwd_fwd: AlignedVec,
    p_fwd_bck: AlignedVec,
    p_bck_fwd: AlignedVec,
    p_bck_bck: AlignedVec,
    ps_fwd_fwd: AlignedVec,
    ps_fwd_bck: AlignedVec,
    ps_bck_fwd: AlignedVec,
    ps_bck_bck: AlignedVec,
    rho: AlignedVec,
    rho_fwd: AlignedVec,
    rho_bck: AlignedVec,
    x_fwd_bck: AlignedVec,
    x_bck_fwd: AlignedVec,
    x_old_end: AlignedVec,
}

/// The state NUTS keeps between transitions: its buffers, so a transition
/// allocates nothing once the chain hands back its previous point (see
/// [`NutsWorkspace::recycle`]).
#[derive(Debug, Clone)]
pub(crate) struct NutsWorkspace {
    levels: Vec<Level>,
    ends: Ends,
    /// A point whose buffers the next transition returns its draw in.
    spare: Option<Point>,
}

impl NutsWorkspace {
    pub(crate) fn new(point: &Point, metric: &Metric, max_depth: usize) -> Self {
        let d = point.x.len();
        let phase = Phase::new(point, &vec![0.0; d], metric);
        let zeros = AlignedVec::zeros(d);
        let level = Level {
            rho_init: zeros.clone(),
            rho_final: zeros.clone(),
            p_sharp_init_end: zeros.clone(),
            p_sharp_final_beg: zeros.clone(),
            p_init_end: zeros.clone(),
            p_final_beg: zeros.clone(),
            x_init_end: zeros.clone(),
            x_final_beg: zeros.clone(),
            propose_final: Proposal::new(&phase),
        };
        let ends = Ends {
            z0: phase.clone(),
            z_fwd: phase.clone(),
            z_bck: phase.clone(),
            sample: Proposal::new(&phase),
            propose: Proposal::new(&phase),
            p_fwd_fwd: zeros.clone(),
            p_fwd_bck: zeros.clone(),
            p_bck_fwd: zeros.clone(),
            p_bck_bck: zeros.clone(),
            ps_fwd_fwd: zeros.clone(),
            ps_fwd_bck: zeros.clone(),
            ps_bck_fwd: zeros.clone(),
            ps_bck_bck: zeros.clone(),
            rho: zeros.clone(),
            rho_fwd: zeros.clone(),
            rho_bck: zeros.clone(),
            x_fwd_bck: zeros.clone(),
            x_bck_fwd: zeros.clone(),
            x_old_end: zeros,
        };
        Self {
            levels: vec![level; max_depth.max(1)],
            ends,
            spare: None,
        }
    }

    /// Keeps `point`'s buffers for the draw of the next transition.
    pub(crate) fn recycle(&mut self, point: Point) {
        self.spare = Some(point);
    }
}

impl Nuts {
    /// One NUTS transition from `current` with step size `eps`.
    pub(crate) fn transition<T: Target + ?Sized, R: Rng + ?Sized>(
        &self,
        target: &T,
        metric: &Metric,
        eps: f64,
        current: &Point,
        work: &mut NutsWorkspace,
        rng: &mut R,
    ) -> Result<Transition> {
        if !(eps.is_finite() && eps > 0.0) {
            return Err(Error::InvalidArgument(format!(
                "step size must be positive and finite, got {eps}"
            )));
        }
        let d = current.x.len();
        if work.levels.len() < self.max_depth.max(1) || work.levels[0].rho_init.len() != d {
            *work = NutsWorkspace::new(current, metric, self.max_depth);
        }
        let NutsWorkspace {
            levels,
            ends,
            spare,
        } = work;
        let Ends {
            z0,
            z_fwd,
            z_bck,
            sample,
            propose,
            p_fwd_fwd,
            p_fwd_bck,
            p_bck_fwd,
            p_bck_bck,
            ps_fwd_fwd,
            ps_fwd_bck,
            ps_bck_fwd,
            ps_bck_bck,
            rho,
            rho_fwd,
            rho_bck,
            x_fwd_bck,
            x_bck_fwd,
            x_old_end,
        } = ends;
        z0.set_point(current);
        metric.sample_momentum(rng, &mut z0.p);
        z0.refresh_velocity(metric);
        let h0 = z0.energy();
        z_fwd.clone_from(z0);
        z_bck.clone_from(z0);
        sample.set(z0);
        propose.set(z0);
        for end in [
            &mut *p_fwd_fwd,
            &mut *p_fwd_bck,
            &mut *p_bck_fwd,
            &mut *p_bck_bck,
            &mut *rho,
        ] {
            end.copy_from_slice(&z0.p);
        }
        for end in [
            &mut *ps_fwd_fwd,
            &mut *ps_fwd_bck,
            &mut *ps_bck_fwd,
            &mut *ps_bck_bck,
        ] {
            end.copy_from_slice(&z0.v);
        }
        // The initial point has weight `exp(H0 - H0) = 1`.
        let mut weight = TreeWeight::leaf(0.0, 1.0);

        let mut builder = Builder {
            target,
            metric,
            eps,
            h0,
            max_energy_error: self.max_energy_error,
            n_leapfrog: 0,
            sum_accept: 0.0,
            sum_accept_symmetric: 0.0,
            diverged: false,
            displacement: self.uturn == UTurnCriterion::Displacement,
        };
        let mut depth = 0;
        while depth < self.max_depth {
            let mut weight_subtree = TreeWeight::leaf(0.0, 1.0);
            let forward = rng.random::<bool>();
            if builder.displacement {
                x_old_end.copy_from_slice(if forward { &z_fwd.x } else { &z_bck.x });
            }
            let valid = if forward {
                p_bck_fwd.copy_from_slice(p_fwd_fwd);
                if !builder.displacement {
                    rho_bck.copy_from_slice(rho);
                    ps_bck_fwd.copy_from_slice(ps_fwd_fwd);
                }
                builder.eps = eps;
                builder.build(
                    levels,
                    depth,
                    z_fwd,
                    propose,
                    ps_fwd_bck,
                    ps_fwd_fwd,
                    rho_fwd,
                    p_fwd_bck,
                    p_fwd_fwd,
                    x_fwd_bck,
                    &mut weight_subtree,
                    rng,
                )?
            } else {
                p_fwd_bck.copy_from_slice(p_bck_bck);
                if !builder.displacement {
                    rho_fwd.copy_from_slice(rho);
                    ps_fwd_bck.copy_from_slice(ps_bck_bck);
                }
                builder.eps = -eps;
                builder.build(
                    levels,
                    depth,
                    z_bck,
                    propose,
                    ps_bck_fwd,
                    ps_bck_bck,
                    rho_bck,
                    p_bck_fwd,
                    p_bck_bck,
                    x_bck_fwd,
                    &mut weight_subtree,
                    rng,
                )?
            };
            if !valid {
                break;
            }
            depth += 1;
            // Biased progressive sampling: move to the new sub-tree with
            // probability `min(1, W_new / W_old)`.
            let (merged, ratio) = weight.merge(weight_subtree);
            weight = merged;
            if ratio >= 1.0 || rng.random::<f64>() < ratio {
                // `propose` is rewritten in full by the next sub-tree.
                std::mem::swap(sample, propose);
            }
            let persist = if builder.displacement {
                // In trajectory order: the earlier half `a` and the later
                // half `b` (old and new sub-tree, in the order of time).
                let (x_a_end, x_b_beg) = if forward {
                    (&**x_old_end, &**x_fwd_bck)
                } else {
                    (&**x_bck_fwd, &**x_old_end)
                };
                merge_no_uturn_displacement(
                    [&z_bck.x, x_a_end, x_b_beg, &z_fwd.x],
                    [p_bck_bck, p_bck_fwd, p_fwd_bck, p_fwd_fwd],
                    1.0,
                )
            } else {
                for ((r, b), f) in rho.iter_mut().zip(rho_bck.iter()).zip(rho_fwd.iter()) {
                    *r = b + f;
                }
                no_uturn(ps_bck_bck, ps_fwd_fwd, rho, None)
                    && no_uturn(ps_bck_bck, ps_fwd_bck, rho_bck, Some(p_fwd_bck))
                    && no_uturn(ps_bck_fwd, ps_fwd_fwd, rho_fwd, Some(p_bck_fwd))
            };
            if !persist {
                break;
            }
        }
        let n = builder.n_leapfrog.max(1);
        Ok(Transition {
            energy: sample.energy,
            // The draw leaves in `sample`'s buffers, which the spare replaces
            // (every transition rewrites `sample` in full).
            point: match spare.take() {
                Some(spare) => std::mem::replace(&mut sample.point, spare),
                None => sample.point.clone(),
            },
            info: TransitionInfo {
                accept_stat: builder.sum_accept / n as f64,
                accept_stat_symmetric: builder.sum_accept_symmetric / n as f64,
                n_steps: builder.n_leapfrog,
                depth,
                diverged: builder.diverged,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A point of the unit-frequency oscillator `x = (cos t, sin t)`, with
    /// momentum `p = dx/dt` (identity metric).
    fn orbit(t: f64) -> ([f64; 2], [f64; 2]) {
        ([t.cos(), t.sin()], [-t.sin(), t.cos()])
    }

    #[test]
    fn displacement_criterion_turns_after_half_a_period() {
        // `(x(T) - x(0)) . p(0) = (x(T) - x(0)) . p(T) = sin T`: the segment
        // turns back exactly when it spans more than half a period.
        for (span, expected) in [(0.5, true), (3.0, true), (3.2, false), (5.0, false)] {
            let (x0, p0) = orbit(0.3);
            let (x1, p1) = orbit(0.3 + span);
            assert_eq!(
                no_uturn_displacement(&x0, &x1, &p0, &p1, 1.0),
                expected,
                "forward, span {span}"
            );
            // The same segment built backwards in time from its far end.
            assert_eq!(
                no_uturn_displacement(&x1, &x0, &p1, &p0, -1.0),
                expected,
                "backward, span {span}"
            );
        }
    }

    #[test]
    fn criteria_agree_on_a_short_and_a_long_orbit_segment() {
        // Summed momenta of points spaced 0.01 apart along the orbit: the
        // momentum-sum criterion and the displacement one agree away from
        // the half period.
        for (span, expected) in [(1.0, true), (4.0, false)] {
            let n = (span / 0.01) as usize;
            let mut rho = [0.0; 2];
            for k in 0..=n {
                let (_, p) = orbit(k as f64 * 0.01);
                rho[0] += p[0];
                rho[1] += p[1];
            }
            let (x0, p0) = orbit(0.0);
            let (x1, p1) = orbit(n as f64 * 0.01);
            assert_eq!(no_uturn(&p0, &p1, &rho, None), expected);
            assert_eq!(no_uturn_displacement(&x0, &x1, &p0, &p1, 1.0), expected);
        }
    }

    #[test]
    fn tree_weights_merge_like_sums_of_exponentials() {
        // Log weights spread wide, including ones whose exponentials
        // under- and overflow.
        let logs = [0.3, -2.0, 5.5, -800.0, 710.5, -0.7, 1.25, -760.0];
        let leaf = |l: f64| TreeWeight::leaf(l, l.exp());
        let log_total = |w: TreeWeight| w.max + w.sum.ln();
        let mut total = leaf(logs[0]);
        for (k, &l) in logs.iter().enumerate().skip(1) {
            let (merged, ratio) = total.merge(leaf(l));
            // The exact log-sum-exp, with the largest term factored out.
            let m = logs[..=k].iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = logs[..=k].iter().map(|x| (x - m).exp()).sum();
            assert!(
                (log_total(merged) - (m + s.ln())).abs() < 1e-12,
                "after {k}"
            );
            let expected_ratio = (l - log_total(total)).exp();
            if expected_ratio == 0.0 || expected_ratio.is_infinite() {
                assert_eq!(ratio, expected_ratio, "ratio {k}");
            } else {
                assert!((ratio / expected_ratio - 1.0).abs() < 1e-12, "ratio {k}");
            }
            total = merged;
        }
        // Two balanced sub-trees: the later one's share of the total.
        let (a, _) = leaf(0.5).merge(leaf(-1.0));
        let (b, _) = leaf(2.0).merge(leaf(0.0));
        let (_, ratio) = a.merge(b);
        let (wa, wb) = (0.5f64.exp() + (-1.0f64).exp(), 2.0f64.exp() + 1.0);
        assert!((share_of_later(ratio) - wb / (wa + wb)).abs() < 1e-15);
        assert_eq!(share_of_later(f64::INFINITY), 1.0);
    }

    #[test]
    fn settings_without_a_criterion_keep_the_momentum_sum() {
        let old = r#"{"max_depth":10,"max_energy_error":1000.0}"#;
        let nuts: Nuts = serde_json::from_str(old).unwrap();
        assert_eq!(nuts.uturn, UTurnCriterion::MomentumSum);
        assert_eq!(Nuts::default().uturn, UTurnCriterion::Displacement);
        let json = serde_json::to_string(&Nuts::default()).unwrap();
        assert_eq!(
            serde_json::from_str::<Nuts>(&json).unwrap(),
            Nuts::default()
        );
    }
}
