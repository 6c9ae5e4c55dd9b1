//! Warm-up adaptation: dual-averaging step size and an estimate of the
//! metric from the warm-up draws, on nutpie's or Stan's schedule.
//!
//! Dual averaging (Nesterov 2009; Hoffman & Gelman 2014, section 3.2) drives
//! the mean acceptance statistic to `target_accept` by iterating on
//! `log eps`, and returns the averaged iterate at the end of warm-up. The
//! metric comes from Welford running moments of the draws (and, for
//! [`MetricKind::DiagonalFisher`], of their gradients), the covariance
//! regularised towards `1e-3 I` as `n/(n+5) S + 1e-3 * 5/(n+5) I`.
//!
//! [`WarmupSchedule::Stan`] estimates it in doubling windows (25, 50, 100,
//! ... draws after an initial buffer of 75, before a terminal buffer of 50,
//! the last window stretched to the buffer) and re-tunes the step size
//! after each window (Stan reference manual, "HMC algorithm parameters").
//! [`WarmupSchedule::Nutpie`] starts from `diag(1 / |grad|)` at the initial
//! point and re-estimates after every iteration from a foreground window
//! while a background window fills; the background replaces the foreground
//! every 10 draws early on, then on windows growing by 1.5 from 80 draws,
//! and the last 15% of warm-up tunes the step size alone (Seyboldt, Carlson
//! & Carpenter 2024, and the nuts-rs implementation of nutpie's schedule).

use super::kernel::TransitionInfo;
use super::metric::Metric;
use super::target::Point;
use crate::Result;

/// How the metric is adapted during warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MetricKind {
    /// Keep `M = I`.
    Unit,
    /// Diagonal inverse mass: the marginal variances.
    Diagonal,
    /// Dense inverse mass: the full covariance.
    Dense,
    /// Diagonal inverse mass `sqrt(Var[x_i] / Var[d log p / d x_i])` from
    /// the draws and their gradients in the same windows: the diagonal
    /// rescaling that minimises the Fisher divergence of a Gaussian
    /// approximation (the estimator of nutpie; Seyboldt, Carlson &
    /// Carpenter 2024). Equal to the marginal variances for independent
    /// Gaussian coordinates, and better conditioned than them when the
    /// posterior is correlated, since gradients carry the precision.
    DiagonalFisher,
}

/// Nesterov dual averaging of `log eps`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DualAveraging {
    /// Target mean acceptance statistic.
    pub target_accept: f64,
    /// Shrinkage target `mu` (set to `log(10 eps0)`).
    mu: f64,
    /// Regularisation scale `gamma` (0.05).
    gamma: f64,
    /// Iteration offset `t0` (10).
    t0: f64,
    /// Averaging exponent `kappa` (0.75).
    kappa: f64,
    counter: f64,
    s_bar: f64,
    x_bar: f64,
}

impl DualAveraging {
    /// Starts dual averaging around an initial step size `eps0`.
    pub fn new(target_accept: f64, eps0: f64) -> Self {
        Self {
            target_accept,
            mu: (10.0 * eps0).ln(),
            gamma: 0.05,
            t0: 10.0,
            kappa: 0.75,
            counter: 0.0,
            s_bar: 0.0,
            x_bar: 0.0,
        }
    }

    /// Restarts around a new initial step size.
    pub fn restart(&mut self, eps0: f64) {
        *self = Self::new(self.target_accept, eps0);
    }

    /// Feeds one acceptance statistic; returns the next step size.
    pub fn update(&mut self, accept_stat: f64) -> f64 {
        let a = if accept_stat.is_nan() {
            0.0
        } else {
            accept_stat.min(1.0)
        };
        self.counter += 1.0;
        let eta = 1.0 / (self.counter + self.t0);
        self.s_bar = (1.0 - eta) * self.s_bar + eta * (self.target_accept - a);
        let x = self.mu - self.s_bar * self.counter.sqrt() / self.gamma;
        let w = self.counter.powf(-self.kappa);
        self.x_bar = (1.0 - w) * self.x_bar + w * x;
        x.exp()
    }

    /// The averaged step size, used after warm-up.
    pub fn final_step_size(&self) -> f64 {
        self.x_bar.exp()
    }
}

/// Welford's running mean and (co)variance.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Welford {
    n: f64,
    mean: Vec<f64>,
    /// Sum of squared deviations: the diagonal, or the full row-major matrix.
    m2: Vec<f64>,
    dense: bool,
}

impl Welford {
    fn new(d: usize, dense: bool) -> Self {
        Self {
            n: 0.0,
            mean: vec![0.0; d],
            m2: vec![0.0; if dense { d * d } else { d }],
            dense,
        }
    }

    fn add(&mut self, x: &[f64]) {
        self.n += 1.0;
        let d = x.len();
        let delta: Vec<f64> = x.iter().zip(&self.mean).map(|(a, m)| a - m).collect();
        for (m, dl) in self.mean.iter_mut().zip(&delta) {
            *m += dl / self.n;
        }
        if self.dense {
            for i in 0..d {
                let di_new = x[i] - self.mean[i];
                for j in 0..d {
                    self.m2[i * d + j] += delta[j] * di_new;
                }
            }
        } else {
            for i in 0..d {
                self.m2[i] += delta[i] * (x[i] - self.mean[i]);
            }
        }
    }

    /// Unregularised sample variances of a diagonal estimator.
    fn variances(&self) -> impl Iterator<Item = f64> + '_ {
        self.m2.iter().map(move |m| m / (self.n - 1.0))
    }

    /// The regularised covariance estimate as a metric.
    fn metric(&self) -> Result<Metric> {
        let n = self.n;
        let d = self.mean.len();
        let shrink = n / (n + 5.0);
        let ridge = 1e-3 * 5.0 / (n + 5.0);
        let var = |m2: f64| shrink * m2 / (n - 1.0);
        if self.dense {
            let cov: Vec<f64> = (0..d * d)
                .map(|k| var(self.m2[k]) + if k / d == k % d { ridge } else { 0.0 })
                .collect();
            Metric::dense(cov, d)
        } else {
            Metric::diagonal(self.m2.iter().map(|&m| var(m) + ridge).collect())
        }
    }
}

/// When the metric is re-estimated during warm-up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum WarmupSchedule {
    /// Stan's schedule: an initial buffer of 75 iterations, metric windows
    /// of 25, 50, 100, ... iterations (the last stretched to the terminal
    /// buffer), a terminal buffer of 50 with the step size alone; the
    /// metric starts at `I`, changes only when a window closes, and dual
    /// averaging restarts after each change.
    Stan,
    /// nutpie's schedule (Seyboldt, Carlson & Carpenter 2024): the metric
    /// starts at `diag(1 / |grad log p(x0)|)`, is re-estimated after every
    /// iteration from a foreground window while a background window fills,
    /// and the background replaces the foreground every 10 iterations in the
    /// first 30% of warm-up, then at windows of 80 iterations growing by a
    /// factor 1.5; the last 15% of warm-up adapts the step size alone. Dual
    /// averaging restarts only after the first estimate. Draws where the
    /// chain did not move are left out of the windows, and once no further
    /// switch fits the step size follows the symmetric acceptance statistic
    /// ([`TransitionInfo::accept_stat_symmetric`]).
    #[default]
    Nutpie,
}

/// Running estimates of one window: positions, and gradients for
/// [`MetricKind::DiagonalFisher`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct WindowEstimate {
    draws: Welford,
    grads: Option<Welford>,
}

impl WindowEstimate {
    fn new(d: usize, kind: MetricKind) -> Self {
        Self {
            draws: Welford::new(d, kind == MetricKind::Dense),
            grads: (kind == MetricKind::DiagonalFisher).then(|| Welford::new(d, false)),
        }
    }

    fn add(&mut self, x: &[f64], grad: &[f64]) {
        self.draws.add(x);
        if let Some(grads) = self.grads.as_mut() {
            grads.add(grad);
        }
    }

    /// The metric this window estimates: `sqrt(Var x / Var g)` for
    /// [`MetricKind::DiagonalFisher`], else the regularised covariance.
    fn metric(&self) -> Result<Metric> {
        let Some(grads) = &self.grads else {
            return self.draws.metric();
        };
        let fisher: Vec<f64> = self
            .draws
            .variances()
            .zip(grads.variances())
            .map(|(vx, vg)| (vx / vg).sqrt().clamp(1e-10, 1e10))
            .collect();
        if fisher.iter().all(|v| v.is_finite()) {
            Metric::diagonal(fisher)
        } else {
            // Constant gradients (a flat direction): positions only.
            self.draws.metric()
        }
    }
}

/// The state of the schedule in use.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
enum Windows {
    /// [`WarmupSchedule::Stan`]: disjoint windows.
    Stan {
        /// Iterations at which a metric window closes.
        window_ends: Vec<usize>,
        window_start: usize,
        estimate: WindowEstimate,
    },
    /// [`WarmupSchedule::Nutpie`]: overlapping foreground and background
    /// windows.
    Nutpie {
        /// First iteration of the main phase (after the early phase).
        early_end: usize,
        /// First iteration of the final, step-size-only phase.
        step_size_only_from: usize,
        /// Length of the next main-phase window.
        window: usize,
        foreground: WindowEstimate,
        background: WindowEstimate,
        /// Whether the metric has been re-estimated since the start.
        estimated: bool,
    },
}

/// Iterations per window in nutpie's early phase.
const EARLY_WINDOW: usize = 10;
/// First window of nutpie's main phase.
const MAIN_WINDOW: usize = 80;
/// Growth factor of nutpie's main-phase windows.
const WINDOW_GROWTH: f64 = 1.5;

/// The warm-up schedule and the state of both adaptations.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Adaptation {
    /// Number of warm-up iterations.
    pub n_warmup: usize,
    /// Step-size adaptation.
    pub dual: DualAveraging,
    metric_kind: MetricKind,
    windows: Windows,
}

/// What the chain must do after an adaptation step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AdaptAction {
    /// Use this step size next.
    StepSize(f64),
    /// Install this metric; with `step_size: None`, re-initialise the step
    /// size by the doubling heuristic and restart dual averaging from it.
    NewMetric {
        /// The new metric.
        metric: Metric,
        /// The next step size, or `None` to re-initialise it.
        step_size: Option<f64>,
    },
}

impl Adaptation {
    /// A `schedule` for `n_warmup` iterations in dimension `d`.
    pub fn new(
        n_warmup: usize,
        d: usize,
        metric_kind: MetricKind,
        schedule: WarmupSchedule,
        target_accept: f64,
        eps0: f64,
    ) -> Self {
        let windows = match schedule {
            WarmupSchedule::Stan => Self::stan_windows(n_warmup, d, metric_kind),
            WarmupSchedule::Nutpie => Windows::Nutpie {
                early_end: n_warmup * 3 / 10,
                step_size_only_from: n_warmup - n_warmup * 15 / 100,
                window: MAIN_WINDOW,
                foreground: WindowEstimate::new(d, metric_kind),
                background: WindowEstimate::new(d, metric_kind),
                estimated: false,
            },
        };
        Self {
            n_warmup,
            dual: DualAveraging::new(target_accept, eps0),
            metric_kind,
            windows,
        }
    }

    fn stan_windows(n_warmup: usize, d: usize, metric_kind: MetricKind) -> Windows {
        let (mut init, mut term, mut base) = (75, 50, 25);
        if init + term + base > n_warmup {
            init = n_warmup * 15 / 100;
            term = n_warmup / 10;
            base = n_warmup - init - term;
        }
        let end_slow = n_warmup - term;
        let mut window_ends = Vec::new();
        if metric_kind != MetricKind::Unit && base > 0 {
            let (mut start, mut size) = (init, base);
            while start < end_slow {
                let mut end = start + size;
                if end + 2 * size > end_slow {
                    end = end_slow;
                }
                window_ends.push(end);
                start = end;
                size *= 2;
            }
        }
        Windows::Stan {
            window_ends,
            window_start: init,
            estimate: WindowEstimate::new(d, metric_kind),
        }
    }

    /// The metric to start warm-up with at the initial point: `I` for
    /// Stan's schedule; for nutpie's, `diag(1 / |g|)` (each `|g_i|` clamped
    /// to `[1e-10, 1e10]`), the inverse mass that equalises the initial
    /// gradient's scale, and the point enters both windows.
    pub(crate) fn start(&mut self, point: &Point) -> Result<Metric> {
        let Windows::Nutpie {
            foreground,
            background,
            ..
        } = &mut self.windows
        else {
            return Ok(Metric::Unit);
        };
        if self.metric_kind == MetricKind::Unit {
            return Ok(Metric::Unit);
        }
        foreground.add(&point.x, &point.grad);
        background.add(&point.x, &point.grad);
        Metric::diagonal(
            point
                .grad
                .iter()
                .map(|g| 1.0 / g.abs().clamp(1e-10, 1e10))
                .collect(),
        )
    }

    /// Feeds warm-up iteration `iteration` (0-based) with its draw (position
    /// and gradient), the transition's statistics, and whether the chain
    /// moved.
    ///
    /// On nutpie's schedule a draw enters the metric windows only if the
    /// chain moved (a repeated point says nothing new about the spread),
    /// and the step size follows the symmetric acceptance statistic once no
    /// further metric switch fits before the step-size-only phase, as
    /// nutpie does; Stan's schedule uses every draw and the plain statistic.
    pub(crate) fn step(
        &mut self,
        iteration: usize,
        x: &[f64],
        grad: &[f64],
        info: &TransitionInfo,
        moved: bool,
    ) -> Result<AdaptAction> {
        let late = match &self.windows {
            Windows::Stan { .. } => false,
            Windows::Nutpie {
                early_end,
                step_size_only_from,
                window,
                ..
            } => {
                let next_window = if iteration < *early_end {
                    EARLY_WINDOW
                } else {
                    ((*window as f64 * WINDOW_GROWTH).round() as usize).max(*window + 1)
                };
                iteration + next_window > *step_size_only_from
            }
        };
        let eps = self.dual.update(if late {
            info.accept_stat_symmetric
        } else {
            info.accept_stat
        });
        if iteration + 1 == self.n_warmup {
            return Ok(AdaptAction::StepSize(self.dual.final_step_size()));
        }
        let kind = self.metric_kind;
        match &mut self.windows {
            Windows::Stan {
                window_ends,
                window_start,
                estimate,
            } => {
                let in_window = iteration >= *window_start
                    && window_ends.first().is_some_and(|&end| iteration < end);
                if in_window {
                    estimate.add(x, grad);
                    if window_ends.first() == Some(&(iteration + 1)) {
                        window_ends.remove(0);
                        let metric = estimate.metric()?;
                        *estimate = WindowEstimate::new(x.len(), kind);
                        return Ok(AdaptAction::NewMetric {
                            metric,
                            step_size: None,
                        });
                    }
                }
                Ok(AdaptAction::StepSize(eps))
            }
            Windows::Nutpie {
                early_end,
                step_size_only_from,
                window,
                foreground,
                background,
                estimated,
            } => {
                if iteration >= *step_size_only_from || kind == MetricKind::Unit {
                    return Ok(AdaptAction::StepSize(eps));
                }
                let early = iteration < *early_end;
                if iteration == *early_end {
                    // Never shrink below what the background already holds.
                    *window = (*window).max(background.draws.n as usize);
                }
                if moved {
                    foreground.add(x, grad);
                    background.add(x, grad);
                }
                let (switch_after, next_window) = if early {
                    (EARLY_WINDOW, EARLY_WINDOW)
                } else {
                    let grown = (*window as f64 * WINDOW_GROWTH).round() as usize;
                    (*window, grown.max(*window + 1))
                };
                let room = iteration + next_window <= *step_size_only_from;
                let switched = room && background.draws.n as usize >= switch_after;
                if switched {
                    *foreground = std::mem::replace(background, WindowEstimate::new(x.len(), kind));
                    if !early {
                        *window = next_window;
                    }
                }
                // A dense metric costs a factorisation: re-estimate it only
                // at switches; diagonal ones after every iteration.
                let update = foreground.draws.n >= 3.0 && (switched || kind != MetricKind::Dense);
                if !update {
                    return Ok(AdaptAction::StepSize(eps));
                }
                let metric = foreground.metric()?;
                let step_size = (*estimated).then_some(eps);
                *estimated = true;
                Ok(AdaptAction::NewMetric { metric, step_size })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statistics of a transition with acceptance `a` under both forms.
    fn stats(a: f64) -> TransitionInfo {
        TransitionInfo {
            accept_stat: a,
            accept_stat_symmetric: a,
            n_steps: 1,
            depth: 0,
            diverged: false,
        }
    }

    #[test]
    fn stan_windows_for_1000_warmup() {
        let a = Adaptation::new(
            1000,
            2,
            MetricKind::Diagonal,
            WarmupSchedule::Stan,
            0.8,
            1.0,
        );
        let Windows::Stan { window_ends, .. } = a.windows else {
            panic!("not Stan's windows")
        };
        assert_eq!(window_ends, vec![100, 150, 250, 450, 950]);
    }

    #[test]
    fn welford_matches_two_pass() {
        let xs = [[1.0, 2.0], [3.0, -1.0], [0.5, 0.5], [2.0, 4.0]];
        let mut w = Welford::new(2, true);
        xs.iter().for_each(|x| w.add(x));
        let mean = [6.5 / 4.0, 5.5 / 4.0];
        let cov = |i: usize, j: usize| {
            xs.iter()
                .map(|x| (x[i] - mean[i]) * (x[j] - mean[j]))
                .sum::<f64>()
                / 3.0
        };
        for i in 0..2 {
            for j in 0..2 {
                assert!((w.m2[i * 2 + j] / 3.0 - cov(i, j)).abs() < 1e-14);
            }
        }
    }

    #[test]
    fn fisher_diagonal_recovers_independent_gaussian_variances() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let var: [f64; 3] = [4.0, 0.25, 1e-3];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut a = Adaptation::new(
            1000,
            3,
            MetricKind::DiagonalFisher,
            WarmupSchedule::Stan,
            0.8,
            1.0,
        );
        let mut metric = None;
        for it in 0..150 {
            let x: Vec<f64> = var
                .iter()
                .map(|v| v.sqrt() * Distribution::<f64>::sample(&StandardNormal, &mut rng))
                .collect();
            let g: Vec<f64> = x.iter().zip(&var).map(|(x, v)| -x / v).collect();
            if let AdaptAction::NewMetric { metric: m, .. } =
                a.step(it, &x, &g, &stats(0.8), true).unwrap()
            {
                metric = Some(m);
                break;
            }
        }
        // The first window holds 25 draws: sqrt(Var x / Var g) = var exactly
        // when the gradient is -x / var, whatever the sample.
        let Some(Metric::Diagonal(m)) = metric else {
            panic!("no diagonal metric after the first window")
        };
        for (m, v) in m.iter().zip(&var) {
            assert!((m / v - 1.0).abs() < 1e-12, "{m} vs {v}");
        }
    }

    #[test]
    fn nutpie_schedule_starts_from_gradient_and_recovers_fisher_diagonal() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let var: [f64; 3] = [4.0, 0.25, 1e-3];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        let mut draw = || -> (Vec<f64>, Vec<f64>) {
            let x: Vec<f64> = var
                .iter()
                .map(|v| v.sqrt() * Distribution::<f64>::sample(&StandardNormal, &mut rng))
                .collect();
            let g = x.iter().zip(&var).map(|(x, v)| -x / v).collect();
            (x, g)
        };
        let n_warmup = 1000;
        let mut a = Adaptation::new(
            n_warmup,
            3,
            MetricKind::DiagonalFisher,
            WarmupSchedule::Nutpie,
            0.8,
            1.0,
        );
        let (x0, g0) = draw();
        let Metric::Diagonal(m0) = a
            .start(&Point {
                x: x0,
                logp: 0.0,
                grad: g0.clone(),
            })
            .unwrap()
        else {
            panic!("the initial metric is not diagonal")
        };
        for (m, g) in m0.iter().zip(&g0) {
            assert_eq!(*m, 1.0 / g.abs());
        }
        let mut updates = Vec::new();
        for it in 0..n_warmup {
            let (x, g) = draw();
            if let AdaptAction::NewMetric { metric, step_size } =
                a.step(it, &x, &g, &stats(0.8), true).unwrap()
            {
                // Only the first estimate re-initialises the step size.
                assert_eq!(step_size.is_none(), updates.is_empty(), "iteration {it}");
                let Metric::Diagonal(m) = metric else {
                    panic!("not diagonal")
                };
                // sqrt(Var x / Var g) = var for any window when g = -x / var.
                for (m, v) in m.iter().zip(&var) {
                    assert!((m / v - 1.0).abs() < 1e-10, "{m} vs {v} at {it}");
                }
                updates.push(it);
            }
        }
        // Three points (the start and two draws) give the first estimate;
        // then every iteration until the last 15% of warm-up.
        assert_eq!(updates.first(), Some(&1));
        assert_eq!(updates.last(), Some(&849));
        assert_eq!(updates.len(), 849);
    }

    #[test]
    fn nutpie_windows_switch_early_then_grow() {
        let d = 2;
        let mut a = Adaptation::new(
            1000,
            d,
            MetricKind::Diagonal,
            WarmupSchedule::Nutpie,
            0.8,
            1.0,
        );
        a.start(&Point {
            x: vec![0.0; d],
            logp: 0.0,
            grad: vec![1.0; d],
        })
        .unwrap();
        let mut switches = Vec::new();
        for it in 0..1000 {
            let before = match &a.windows {
                Windows::Nutpie { background, .. } => background.draws.n,
                Windows::Stan { .. } => unreachable!(),
            };
            let x = [it as f64, (it * it) as f64];
            a.step(it, &x, &x, &stats(0.8), true).unwrap();
            if let Windows::Nutpie { background, .. } = &a.windows
                && background.draws.n < before
            {
                switches.push(it);
            }
        }
        // Every 10 iterations in the first 300 (the start point counts in
        // the first window), then windows of 80 and 120; the window of 180
        // that would close at 678 is followed by no room for one of 270
        // before iteration 850, so the foreground keeps growing instead.
        let early: Vec<usize> = (0..30).map(|k| 8 + 10 * k).filter(|&it| it < 300).collect();
        assert_eq!(&switches[..early.len()], &early[..]);
        assert_eq!(&switches[early.len()..], &[378, 498]);
    }

    #[test]
    fn dual_averaging_moves_towards_target() {
        let mut da = DualAveraging::new(0.8, 1.0);
        // Always accepting: the step size must grow.
        let mut eps = 1.0;
        for _ in 0..50 {
            eps = da.update(1.0);
        }
        assert!(eps > 1.0);
        let mut da = DualAveraging::new(0.8, 1.0);
        for _ in 0..50 {
            eps = da.update(0.0);
        }
        assert!(eps < 1.0);
    }
}
