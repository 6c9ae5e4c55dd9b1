//! Reproducibility, resumption, other kernels and bad input.

use sobolev_samplers::Error;
use sobolev_samplers::mcmc::{
    Chain, FnTarget, Kernel, MetricKind, Nuts, Settings, Target, UTurnCriterion, sample,
};
use sobolev_samplers::posteriors::{HierarchicalNormal, StdNormal};

fn small(kernel: Kernel) -> Settings {
    Settings {
        kernel,
        n_warmup: 300,
        n_draws: 300,
        n_chains: 3,
        seed: 42,
        ..Settings::default()
    }
}

#[test]
fn draws_do_not_depend_on_thread_count() {
    let t = StdNormal { d: 5 };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| sample(&t, &small(Kernel::Nuts(Default::default())), None).unwrap())
    };
    let (a, b) = (run(1), run(3));
    assert_eq!(a.values, b.values);
    assert_eq!(a.stats, b.stats);
}

#[test]
fn resumed_chain_is_bit_identical() {
    for uturn in [UTurnCriterion::Displacement, UTurnCriterion::MomentumSum] {
        resume_bit_identical(uturn);
    }
}

fn resume_bit_identical(uturn: UTurnCriterion) {
    let t = StdNormal { d: 3 };
    let s = small(Kernel::Nuts(Nuts {
        uturn,
        ..Default::default()
    }));
    let mut straight = Chain::new(&t, &s, vec![0.5, -0.5, 1.0], 0).unwrap();
    let mut first = Chain::new(&t, &s, vec![0.5, -0.5, 1.0], 0).unwrap();
    for _ in 0..200 {
        straight.step(&t).unwrap();
        first.step(&t).unwrap();
    }
    // Checkpoint in the middle of warm-up, resume from JSON.
    let json = serde_json::to_string(&first).unwrap();
    let mut resumed: Chain = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&resumed).unwrap(), json);
    for _ in 0..300 {
        let a = straight.step(&t).unwrap();
        let b = resumed.step(&t).unwrap();
        assert_eq!(a, b);
        assert_eq!(straight.point(), resumed.point());
    }
}

#[test]
fn every_kernel_recovers_a_gaussian_mean() {
    let t = HierarchicalNormal {
        y: vec![1.0, -1.0],
        sigma: vec![1.0, 1.0],
        tau: 1.0,
    };
    let m = t.moments().unwrap();
    for kernel in [
        Kernel::RandomWalk,
        Kernel::Mala,
        Kernel::Hmc { n_steps: 10 },
        Kernel::Nuts(Default::default()),
        Kernel::Nuts(Nuts {
            uturn: UTurnCriterion::MomentumSum,
            ..Default::default()
        }),
    ] {
        let s = Settings {
            n_warmup: 1000,
            n_draws: 4000,
            n_chains: 4,
            metric: MetricKind::Diagonal,
            ..small(kernel)
        };
        let draws = sample(&t, &s, None).unwrap();
        for j in 0..3 {
            let chains = draws.param(j);
            let mean = chains.iter().flatten().sum::<f64>() / (4.0 * 4000.0);
            let se = sobolev_samplers::diagnostics::mcse_mean(&chains);
            assert!(
                (mean - m.mean[j]).abs() < 4.0 * se,
                "{kernel:?}[{j}]: {mean} vs {} (mcse {se})",
                m.mean[j]
            );
        }
    }
}

#[test]
fn ula_is_close_for_small_steps() {
    let t = StdNormal { d: 2 };
    let s = Settings {
        initial_step_size: 0.5,
        n_warmup: 100,
        n_draws: 100_000,
        n_chains: 2,
        ..small(Kernel::Ula)
    };
    let draws = sample(&t, &s, None).unwrap();
    let x: Vec<f64> = draws.param(0).into_iter().flatten().collect();
    let var = x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64;
    // ULA's stationary law for N(0,1) is N(0, 1 / (1 - h^2/4)): biased
    // by 1/15 at h = 0.5, which the run must show (Monte Carlo error ~0.012).
    assert!((var - 1.0 / (1.0 - 0.0625)).abs() < 0.04, "{var}");
}

#[test]
fn bad_input_gives_errors() {
    let t = StdNormal { d: 2 };
    let s = small(Kernel::Nuts(Default::default()));
    assert!(matches!(
        Chain::new(&t, &s, vec![f64::NAN, 0.0], 0),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        Chain::new(&t, &s, vec![0.0], 0),
        Err(Error::ShapeMismatch { .. })
    ));
    let bad_step = Settings {
        initial_step_size: -1.0,
        ..s.clone()
    };
    assert!(matches!(
        sample(&t, &bad_step, None),
        Err(Error::InvalidArgument(_))
    ));
    let wrong_grad = FnTarget::new(2, |x: &[f64]| (-x[0] * x[0], vec![0.0; 3]));
    assert!(matches!(
        sample(&wrong_grad, &s, None),
        Err(Error::ShapeMismatch { .. })
    ));
    let outside = FnTarget::new(1, |_x: &[f64]| (f64::NAN, vec![0.0]));
    assert!(sample(&outside, &s, None).is_err());
}

#[test]
fn target_nan_region_is_a_divergence_not_a_panic() {
    // A half-line target: log density -inf left of zero.
    let t = FnTarget::new(1, |x: &[f64]| {
        if x[0] <= 0.0 {
            (f64::NEG_INFINITY, vec![f64::NAN])
        } else {
            (-x[0], vec![-1.0])
        }
    });
    let s = Settings {
        n_chains: 2,
        ..small(Kernel::Nuts(Default::default()))
    };
    let draws = sample(&t, &s, Some(&[vec![1.0], vec![2.0]])).unwrap();
    assert!(draws.values.iter().all(|v| *v > 0.0));
    let mean = draws.values.iter().sum::<f64>() / draws.values.len() as f64;
    assert!((mean - 1.0).abs() < 0.25, "{mean}");
    let _ = t.dim();
}

/// nutpie's schedule starts from `1 / |grad|`: a start where the gradient
/// vanishes (the mode) must still adapt and sample correctly, for both
/// diagonal estimators.
#[test]
fn warmup_from_a_zero_gradient() {
    let t = StdNormal { d: 4 };
    for metric in [MetricKind::Diagonal, MetricKind::DiagonalFisher] {
        let s = Settings {
            metric,
            n_warmup: 500,
            n_draws: 1000,
            n_chains: 2,
            seed: 3,
            ..Settings::default()
        };
        let inits = vec![vec![0.0; 4]; 2];
        let draws = sample(&t, &s, Some(&inits)).unwrap();
        assert_eq!(draws.divergences(), 0, "{metric:?}");
        for j in 0..4 {
            let x: Vec<f64> = draws.param(j).concat();
            let mean = x.iter().sum::<f64>() / x.len() as f64;
            let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / x.len() as f64;
            assert!(mean.abs() < 0.15, "{metric:?} mean[{j}] = {mean}");
            assert!((var - 1.0).abs() < 0.2, "{metric:?} var[{j}] = {var}");
        }
        // The adapted step size is of the order of the posterior scale.
        let eps = draws.chains[0].step_size();
        assert!(eps > 0.3 && eps < 3.0, "{metric:?} step size {eps}");
    }
}
