//! SMC and AIS log-evidence against the closed form for a conjugate
//! Gaussian model: prior `N(0, I)`, likelihood `N(y | x, s^2 I)`, so
//! `Z = N(y | 0, (1 + s^2) I)`.

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use sobolev_samplers::smc::{Resampling, SmcSettings, TemperedModel, run};

struct Conjugate {
    y: Vec<f64>,
    s: f64,
}

impl TemperedModel for Conjugate {
    fn dim(&self) -> usize {
        self.y.len()
    }
    fn sample_prior(&self, rng: &mut ChaCha8Rng, out: &mut [f64]) {
        out.iter_mut().for_each(|v| *v = StandardNormal.sample(rng));
    }
    fn log_prior(&self, x: &[f64]) -> f64 {
        -0.5 * x.iter().map(|v| v * v).sum::<f64>()
            - 0.5 * x.len() as f64 * (2.0 * std::f64::consts::PI).ln()
    }
    fn log_likelihood(&self, x: &[f64]) -> f64 {
        let s2 = self.s * self.s;
        x.iter()
            .zip(&self.y)
            .map(|(a, b)| {
                -0.5 * (a - b).powi(2) / s2 - 0.5 * (2.0 * std::f64::consts::PI * s2).ln()
            })
            .sum()
    }
}

impl Conjugate {
    fn log_evidence(&self) -> f64 {
        let v = 1.0 + self.s * self.s;
        self.y
            .iter()
            .map(|b| -0.5 * b * b / v - 0.5 * (2.0 * std::f64::consts::PI * v).ln())
            .sum()
    }
}

fn model() -> Conjugate {
    Conjugate {
        y: vec![1.5, -0.7, 2.2, 0.3, -1.1],
        s: 0.3,
    }
}

/// Mean and standard error of the log-evidence estimate over `reps` seeds.
fn spread(reps: u64, f: impl Fn(u64) -> f64) -> (f64, f64) {
    let v: Vec<f64> = (0..reps).map(f).collect();
    let m = v.iter().sum::<f64>() / reps as f64;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (reps as f64 - 1.0);
    (m, (var / reps as f64).sqrt())
}

#[test]
fn tempered_smc_evidence_every_resampler() {
    let m = model();
    let exact = m.log_evidence();
    for scheme in [
        Resampling::Systematic,
        Resampling::Stratified,
        Resampling::Residual,
        Resampling::Multinomial,
    ] {
        let (mean, se) = spread(8, |seed| {
            let mut s = SmcSettings::tempered(1000, seed);
            s.resampling = Some((scheme, 0.5));
            let r = run(&m, &s).unwrap();
            assert!(r.temperatures.len() > 2);
            assert_eq!(*r.temperatures.last().unwrap(), 1.0);
            r.log_evidence
        });
        // Within 4 standard errors, with a small floor for the (known,
        // O(1/N)) bias of log Z-hat.
        assert!(
            (mean - exact).abs() < 4.0 * se + 0.02,
            "{scheme:?}: {mean} +- {se} vs {exact}"
        );
    }
}

#[test]
fn posterior_mean_after_tempering() {
    let m = model();
    let r = run(&m, &SmcSettings::tempered(2000, 1)).unwrap();
    let d = m.dim();
    let post_var = 1.0 / (1.0 + 1.0 / (m.s * m.s));
    for j in 0..d {
        let mean: f64 = (0..2000)
            .map(|i| r.log_weights[i].exp() * r.particles[i * d + j])
            .sum();
        let exact = post_var * m.y[j] / (m.s * m.s);
        assert!((mean - exact).abs() < 0.05, "{j}: {mean} vs {exact}");
    }
}

#[test]
fn annealed_importance_sampling_evidence() {
    let m = model();
    let exact = m.log_evidence();
    let (mean, se) = spread(8, |seed| {
        run(&m, &SmcSettings::annealed(500, 200, seed))
            .unwrap()
            .log_evidence
    });
    assert!(
        (mean - exact).abs() < 4.0 * se + 0.05,
        "{mean} +- {se} vs {exact}"
    );
}

#[test]
fn bad_settings_are_errors() {
    let m = model();
    assert!(run(&m, &SmcSettings::tempered(1, 0)).is_err());
    let mut s = SmcSettings::tempered(100, 0);
    s.schedule = sobolev_samplers::smc::Schedule::Fixed(vec![0.5, 0.2, 1.0]);
    assert!(run(&m, &s).is_err());
}
