//! Warm-up adaptation: dual-averaging step size and a windowed estimate of
//! the posterior covariance for the metric, on Stan's schedule.
//!
//! Dual averaging (Nesterov 2009; Hoffman & Gelman 2014, section 3.2) drives
//! the mean acceptance statistic to `target_accept` by iterating on
//! `log eps`, and returns the averaged iterate at the end of warm-up. The
//! metric is estimated in doubling windows (25, 50, 100, ... draws after an
//! initial buffer of 75, before a terminal buffer of 50, the last window
//! stretched to the buffer) with Welford's algorithm, regularised towards
//! `1e-3 I` as `n/(n+5) S + 1e-3 * 5/(n+5) I`; the step size is re-tuned
//! after each window.

use super::metric::Metric;
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

/// Stan's warm-up schedule and the state of both adaptations.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Adaptation {
    /// Number of warm-up iterations.
    pub n_warmup: usize,
    /// Step-size adaptation.
    pub dual: DualAveraging,
    metric_kind: MetricKind,
    /// Iterations at which a metric window closes.
    window_ends: Vec<usize>,
    window_start: usize,
    estimator: Welford,
    /// Gradient variances, for [`MetricKind::DiagonalFisher`].
    gradients: Option<Welford>,
}

/// What the chain must do after an adaptation step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AdaptAction {
    /// Use this step size next.
    StepSize(f64),
    /// A window closed: install this metric and re-initialise the step size.
    NewMetric(Metric),
}

impl Adaptation {
    /// A schedule for `n_warmup` iterations in dimension `d`.
    pub fn new(
        n_warmup: usize,
        d: usize,
        metric_kind: MetricKind,
        target_accept: f64,
        eps0: f64,
    ) -> Self {
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
        Self {
            n_warmup,
            dual: DualAveraging::new(target_accept, eps0),
            metric_kind,
            window_start: init,
            window_ends,
            estimator: Welford::new(d, metric_kind == MetricKind::Dense),
            gradients: (metric_kind == MetricKind::DiagonalFisher).then(|| Welford::new(d, false)),
        }
    }

    /// The metric estimated from the window that just closed.
    fn window_metric(&self) -> Result<Metric> {
        let Some(grads) = &self.gradients else {
            return self.estimator.metric();
        };
        let fisher: Vec<f64> = self
            .estimator
            .variances()
            .zip(grads.variances())
            .map(|(vx, vg)| (vx / vg).sqrt().clamp(1e-10, 1e10))
            .collect();
        if fisher.iter().all(|v| v.is_finite()) {
            Metric::diagonal(fisher)
        } else {
            // Constant gradients (a flat direction): positions only.
            self.estimator.metric()
        }
    }

    /// Feeds warm-up iteration `iteration` (0-based) with its position,
    /// gradient and acceptance statistic.
    pub(crate) fn step(
        &mut self,
        iteration: usize,
        x: &[f64],
        grad: &[f64],
        accept_stat: f64,
    ) -> Result<AdaptAction> {
        let eps = self.dual.update(accept_stat);
        if iteration + 1 == self.n_warmup {
            return Ok(AdaptAction::StepSize(self.dual.final_step_size()));
        }
        let in_window = iteration >= self.window_start
            && self.window_ends.first().is_some_and(|&end| iteration < end);
        if in_window {
            self.estimator.add(x);
            if let Some(grads) = self.gradients.as_mut() {
                grads.add(grad);
            }
            if self.window_ends.first() == Some(&(iteration + 1)) {
                self.window_ends.remove(0);
                let metric = self.window_metric()?;
                self.estimator = Welford::new(x.len(), self.metric_kind == MetricKind::Dense);
                if let Some(grads) = self.gradients.as_mut() {
                    *grads = Welford::new(x.len(), false);
                }
                return Ok(AdaptAction::NewMetric(metric));
            }
        }
        Ok(AdaptAction::StepSize(eps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stan_windows_for_1000_warmup() {
        let a = Adaptation::new(1000, 2, MetricKind::Diagonal, 0.8, 1.0);
        assert_eq!(a.window_ends, vec![100, 150, 250, 450, 950]);
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
        let mut a = Adaptation::new(1000, 3, MetricKind::DiagonalFisher, 0.8, 1.0);
        let mut metric = None;
        for it in 0..150 {
            let x: Vec<f64> = var
                .iter()
                .map(|v| v.sqrt() * Distribution::<f64>::sample(&StandardNormal, &mut rng))
                .collect();
            let g: Vec<f64> = x.iter().zip(&var).map(|(x, v)| -x / v).collect();
            if let AdaptAction::NewMetric(m) = a.step(it, &x, &g, 0.8).unwrap() {
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
