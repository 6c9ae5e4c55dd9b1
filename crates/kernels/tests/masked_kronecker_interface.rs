//! MaskedKroneckerGp's GP interface (gradient, fit, variance, samples,
//! serde) against ExactGp on the observed cells with the same product
//! kernel: a 6 x 5 x 4 grid with about 30 % of the cells missing (fixed
//! seed) and noisy targets.

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use sobolev_kernels::gp::masked_kronecker::{AdamOptions, StochasticOptions};
use sobolev_kernels::kernel::Kernel;
use sobolev_kernels::{
    Error, ExactGp, FitOptions, GaussianProcess, MaskedKroneckerGp, PcgOptions, Points, cross_gram,
    gram,
};

#[path = "common/masked_grid.rs"]
mod masked_grid;
use masked_grid::{Axis, cells, grid, kernels, observed_cells, product, random_mask};

const NOISE: f64 = 0.05;

/// The mask (seed 5, ~30 % missing), the observed points and noisy targets.
struct Data {
    mask: Vec<bool>,
    observed: Points,
    y: Vec<f64>,
}

fn data() -> Data {
    let pts = cells(&grid());
    let mask = random_mask(pts.len());
    let observed = observed_cells(&pts, &mask);
    let mut noise = ChaCha8Rng::seed_from_u64(17);
    let y = observed
        .iter()
        .map(|p| {
            let e: f64 = noise.sample(StandardNormal);
            (p[0] * 2.0).sin() + p[1] * p[2] - 0.3 * p[1].powi(2) + 0.1 * e
        })
        .collect();
    Data {
        mask,
        observed: Points::from_rows(&observed).unwrap(),
        y,
    }
}

fn model(d: &Data, stochastic: &StochasticOptions) -> MaskedKroneckerGp<Axis> {
    MaskedKroneckerGp::with_options(
        kernels(),
        grid(),
        &d.mask,
        d.y.clone(),
        NOISE,
        &PcgOptions::default(),
        stochastic,
    )
    .unwrap()
}

fn exact(d: &Data) -> ExactGp<impl Kernel + Clone + use<>> {
    ExactGp::new(product(&kernels()), NOISE, d.observed.clone(), d.y.clone()).unwrap()
}

#[test]
fn gradient_matches_the_exact_one() {
    let d = data();
    let reference = exact(&d).log_marginal_likelihood_gradient();
    let options = StochasticOptions {
        probes: 64,
        lanczos_steps: 30,
        seed: 3,
    };
    let gp = model(&d, &options);
    assert_eq!(gp.log_params(), exact(&d).log_params());
    let ours = gp.log_marginal_likelihood_gradient().unwrap();
    assert_eq!(ours.len(), reference.len());
    let mut worst = 0.0f64;
    for (j, (g, r)) in ours.iter().zip(&reference).enumerate() {
        assert_eq!(g.probes, 64);
        assert!(g.std_error > 0.0);
        let z = (g.value - r) / g.std_error;
        worst = worst.max(z.abs());
        assert!(
            z.abs() <= 4.0,
            "component {j}: {} +- {} vs {r}",
            g.value,
            g.std_error
        );
    }
    eprintln!("64 probes: largest |z| = {worst:.2}");
    // Many probes: the estimate converges to the exact gradient.
    let many = StochasticOptions {
        probes: 4096,
        lanczos_steps: 1,
        seed: 4,
    };
    let ours = model(&d, &many).log_marginal_likelihood_gradient().unwrap();
    let scale = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut worst = 0.0f64;
    for (g, r) in ours.iter().zip(&reference) {
        worst = worst.max((g.value - r).abs() / scale);
        assert!((g.value - r).abs() <= 4.0 * g.std_error);
    }
    eprintln!("4096 probes: max error {worst:e} of the largest component ({scale})");
    assert!(worst <= 0.005);
}

#[test]
fn fit_lands_at_the_exact_optimum() {
    let d = data();
    // With the probes fixed the fit is deterministic; its distance from
    // the exact optimum is the probes' statistical error (over seeds 1 to
    // 4: at most 0.088 per component, likelihood gaps 1e-3 to 2e-2).
    let options = StochasticOptions {
        probes: 64,
        lanczos_steps: 30,
        seed: 1,
    };
    let start = model(&d, &options);
    let (fitted, report) = start.fit(&AdamOptions::default()).unwrap();
    eprintln!("{} after {} steps", report.termination, report.iterations);
    let (best, best_report) = ExactGp::fit(
        product(&kernels()),
        NOISE,
        d.observed.clone(),
        d.y.clone(),
        &FitOptions::default(),
    )
    .unwrap();
    let ours = fitted.log_params();
    let theirs = best.log_params();
    assert_eq!(ours, report.log_params);
    eprintln!("ours   {ours:.4?}\nExactGp {theirs:.4?}");
    let worst = ours
        .iter()
        .zip(&theirs)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    eprintln!("largest log-hyperparameter difference {worst:.4}");
    // ExactGp's likelihood at our optimum against its own optimum.
    let at_ours = exact(&d).with_log_params(&ours).unwrap();
    let gap = best_report.log_marginal_likelihood - at_ours.log_marginal_likelihood();
    eprintln!(
        "exact lml at ours {} vs optimum {} (gap {gap:e}); SLQ at ours {}",
        at_ours.log_marginal_likelihood(),
        best_report.log_marginal_likelihood,
        report.log_marginal_likelihood
    );
    assert!(worst <= 0.1);
    assert!((-1e-9..=0.03).contains(&gap));
    // The fit started well away from the optimum.
    let moved = start
        .log_params()
        .iter()
        .zip(&theirs)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(moved > 0.3, "start within {moved} of the optimum");
}

fn assert_rel(a: &[f64], b: &[f64], rel: f64, what: &str) {
    assert_eq!(a.len(), b.len());
    let mut worst = 0.0f64;
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let e = (x - y).abs() / y.abs();
        worst = worst.max(e);
        assert!(e <= rel, "{what} {i}: {x} vs {y}");
    }
    eprintln!("{what}: max relative error {worst:e}");
}

fn assert_scaled(a: &[f64], b: &[f64], rel: f64, what: &str) {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let worst = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs() / scale));
    eprintln!("{what}: max error {worst:e} of the largest");
    assert!(worst <= rel, "{what}");
}

#[test]
fn variance_matches_the_exact_one() {
    let d = data();
    let gp = model(&d, &StochasticOptions::default());
    let reference = exact(&d);
    // Every grid cell (missing ones included) and off-grid points.
    let mut rows = cells(&grid());
    rows.extend([
        vec![0.17, -0.3, 0.5],
        vec![1.9, 1.4, 2.1],
        vec![-0.5, 0.0, 1.2],
    ]);
    let x = Points::from_rows(&rows).unwrap();
    let ours = gp.predict(&x).unwrap();
    let theirs = reference.predict(&x).unwrap();
    assert_rel(&ours.variance, &theirs.variance, 1e-9, "pointwise variance");
    assert_scaled(&ours.mean, &theirs.mean, 1e-9, "pointwise mean");
    // A test grid.
    let test = vec![vec![-0.2, 0.55, 1.9], vec![0.1, 1.2], vec![0.3, 0.8, 2.5]];
    let ours = gp.predict_grid(&test).unwrap();
    let theirs = reference
        .predict(&Points::from_rows(&cells(&test)).unwrap())
        .unwrap();
    assert_rel(&ours.variance, &theirs.variance, 1e-9, "grid variance");
    assert_scaled(&ours.mean, &theirs.mean, 1e-9, "grid mean");
    assert_eq!(gp.noise_variance(), NOISE);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let d = data();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let gp = model(&d, &StochasticOptions::default());
                let x = Points::from_rows(&cells(&grid())).unwrap();
                let p = gp.predict(&x).unwrap();
                let g: Vec<f64> = gp
                    .log_marginal_likelihood_gradient()
                    .unwrap()
                    .iter()
                    .map(|e| e.value)
                    .collect();
                let mut rng = ChaCha8Rng::seed_from_u64(9);
                let s = gp.sample_posterior(&grid(), 3, &mut rng).unwrap();
                let s: Vec<f64> = (0..s.ncols())
                    .flat_map(|j| s.col(j).iter().copied().collect::<Vec<_>>())
                    .collect();
                (p, g, gp.log_marginal_likelihood(), s)
            })
    };
    assert_eq!(run(1), run(3));
}

/// Dense posterior (or prior, with no data) mean and covariance on `pts`.
fn dense_moments(d: Option<&Data>, pts: &Points) -> (Vec<f64>, Mat<f64>) {
    let k = product(&kernels());
    let kss = gram(&k, pts).unwrap();
    let Some(d) = d else {
        return (vec![0.0; pts.len()], kss);
    };
    let mut a = gram(&k, &d.observed).unwrap();
    for i in 0..a.nrows() {
        a[(i, i)] += NOISE;
    }
    let llt = a.llt(Side::Lower).unwrap();
    let kos = cross_gram(&k, &d.observed, pts).unwrap();
    let sol = llt.solve(&kos);
    let ys = Mat::from_fn(d.y.len(), 1, |i, _| d.y[i]);
    let alpha = llt.solve(&ys);
    let mean = (0..pts.len())
        .map(|j| (0..d.y.len()).map(|i| kos[(i, j)] * alpha[(i, 0)]).sum())
        .collect();
    (mean, &kss - kos.transpose() * &sol)
}

/// Sample mean and covariance of `draws` (one column per draw) against
/// `(mean, cov)`: z-scores of every mean and covariance entry, and the
/// chi-square statistic of the mean.
fn check_moments(draws: &Mat<f64>, mean: &[f64], cov: &Mat<f64>, what: &str) {
    let (m, n) = (draws.nrows(), draws.ncols() as f64);
    let mhat: Vec<f64> = (0..m)
        .map(|i| draws.row(i).iter().sum::<f64>() / n)
        .collect();
    let mut worst_mean = 0.0f64;
    for i in 0..m {
        let z = (mhat[i] - mean[i]) / (cov[(i, i)] / n).sqrt();
        worst_mean = worst_mean.max(z.abs());
    }
    let mut worst_cov = 0.0f64;
    for i in 0..m {
        for j in 0..=i {
            let c: f64 = (0..draws.ncols())
                .map(|s| (draws[(i, s)] - mean[i]) * (draws[(j, s)] - mean[j]))
                .sum::<f64>()
                / n;
            let se = ((cov[(i, i)] * cov[(j, j)] + cov[(i, j)].powi(2)) / n).sqrt();
            worst_cov = worst_cov.max(((c - cov[(i, j)]) / se).abs());
        }
    }
    // n (mhat - mean)^T cov^{-1} (mhat - mean) ~ chi-square with m dof.
    let diff = Mat::from_fn(m, 1, |i, _| mhat[i] - mean[i]);
    let w = cov.llt(Side::Lower).unwrap().solve(&diff);
    let chi2: f64 = n * (0..m).map(|i| diff[(i, 0)] * w[(i, 0)]).sum::<f64>();
    eprintln!(
        "{what}: max |z| mean {worst_mean:.2}, covariance {worst_cov:.2}, chi2 {chi2:.1} ({m} dof)"
    );
    assert!(worst_mean <= 4.0 && worst_cov <= 4.5, "{what}");
    // The 0.9999 quantile of chi-square with 8 degrees of freedom is 31.8.
    assert!(chi2 <= 31.8, "{what}");
}

#[test]
fn samples_have_the_exact_moments() {
    let d = data();
    let gp = model(&d, &StochasticOptions::default());
    // Shared and new coordinates on each axis: 8 cells.
    let test = vec![vec![0.3, 1.0], vec![-0.1, 0.5], vec![1.0, 2.2]];
    let pts = Points::from_rows(&cells(&test)).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    let draws = gp.sample_posterior(&test, 2000, &mut rng).unwrap();
    assert_eq!((draws.nrows(), draws.ncols()), (8, 2000));
    let (mean, cov) = dense_moments(Some(&d), &pts);
    check_moments(&draws, &mean, &cov, "posterior");
    let prior = MaskedKroneckerGp::sample_prior(&kernels(), &test, 2000, &mut rng).unwrap();
    let (mean, cov) = dense_moments(None, &pts);
    check_moments(&prior, &mean, &cov, "prior");
    // Reproducible from the seed.
    let a = gp
        .sample_posterior(&test, 4, &mut ChaCha8Rng::seed_from_u64(1))
        .unwrap();
    let b = gp
        .sample_posterior(&test, 4, &mut ChaCha8Rng::seed_from_u64(1))
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn serde_round_trip_predicts_identically() {
    let d = data();
    let gp = model(
        &d,
        &StochasticOptions {
            probes: 8,
            lanczos_steps: 20,
            seed: 2,
        },
    );
    let json = serde_json::to_string(&gp).unwrap();
    let back: MaskedKroneckerGp<Axis> = serde_json::from_str(&json).unwrap();
    let x = Points::from_rows(&[vec![0.4, 0.2, 1.1], vec![1.3, -0.7, 0.2]]).unwrap();
    assert_eq!(gp.predict(&x).unwrap(), back.predict(&x).unwrap());
    assert_eq!(gp.alpha(), back.alpha());
    assert_eq!(
        gp.log_marginal_likelihood_estimate().unwrap(),
        back.log_marginal_likelihood_estimate().unwrap()
    );
    assert_eq!(gp.stochastic_options(), back.stochastic_options());
    assert_eq!(gp.observed_cells(), back.observed_cells());
    // Tampered inputs are rejected with the model's own checks.
    let bad = json.replace("\"noise_variance\":0.05", "\"noise_variance\":-1.0");
    assert_ne!(bad, json);
    assert!(serde_json::from_str::<MaskedKroneckerGp<Axis>>(&bad).is_err());
    let cells = format!("{:?}", gp.observed_cells()).replace(' ', "");
    let bad = json.replace(&cells, "[3,2]");
    assert_ne!(bad, json);
    assert!(serde_json::from_str::<MaskedKroneckerGp<Axis>>(&bad).is_err());
}

#[test]
fn rejects_bad_input() {
    let d = data();
    let gp = model(&d, &StochasticOptions::default());
    let few = StochasticOptions {
        probes: 1,
        lanczos_steps: 10,
        seed: 0,
    };
    let err = MaskedKroneckerGp::with_options(
        kernels(),
        grid(),
        &d.mask,
        d.y.clone(),
        NOISE,
        &PcgOptions::default(),
        &few,
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    for adam in [
        AdamOptions {
            iterations: 0,
            ..AdamOptions::default()
        },
        AdamOptions {
            learning_rate: f64::NAN,
            ..AdamOptions::default()
        },
        AdamOptions {
            final_learning_rate: 0.0,
            ..AdamOptions::default()
        },
    ] {
        assert!(matches!(gp.fit(&adam), Err(Error::InvalidArgument(_))));
    }
    let two_d = Points::from_rows(&[vec![0.0, 0.0]]).unwrap();
    assert!(matches!(
        gp.predict(&two_d),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    assert!(matches!(
        gp.sample_posterior(&grid()[..2], 1, &mut rng),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        gp.sample_posterior(&[vec![0.0], vec![], vec![1.0]], 1, &mut rng),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        MaskedKroneckerGp::sample_prior(
            &kernels(),
            &[vec![0.0], vec![f64::NAN], vec![1.0]],
            1,
            &mut rng
        ),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        gp.predict_grid(&[vec![0.0], vec![f64::INFINITY], vec![1.0]]),
        Err(Error::NonFinite(_))
    ));
    // No draws is an empty matrix, not an error.
    let none = gp.sample_posterior(&grid(), 0, &mut rng).unwrap();
    assert_eq!((none.nrows(), none.ncols()), (120, 0));
}
