//! The Riemannian Gaussian on SPD(n) where no rejection envelope is tight
//! (n >= 10, sigma near 1), sampled by HMC, against facts independent of
//! the chain: self-normalised importance sampling from a Gaussian-ensemble
//! envelope (n = 10 and 20),
//! the integration-by-parts (Stein) identities of the eigenvalue density
//! for n up to 50 and sigma in [0.05, 5], and the Frechet mean of many
//! draws. Fixed seeds; tolerances are five Monte Carlo standard errors
//! (batch means for chains, the delta method for importance sampling).

use faer::Mat;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use sobolev_manifolds::spd::riemannian_normal::{HmcSettings, Method};
use sobolev_manifolds::stats::{MeanOptions, frechet_mean};
use sobolev_manifolds::*;

/// `|r|^2 = d(X, M)^2`.
fn square(r: &[f64]) -> f64 {
    r.iter().map(|x| x * x).sum()
}

fn largest(r: &[f64]) -> f64 {
    r.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// Mean of a chain and its batch-means standard error (`batches` equal
/// batches).
fn batch_means(v: &[f64], batches: usize) -> (f64, f64) {
    let len = v.len() / batches;
    let means: Vec<f64> = v
        .chunks_exact(len)
        .map(|c| c.iter().sum::<f64>() / len as f64)
        .collect();
    let b = means.len() as f64;
    let mean = means.iter().sum::<f64>() / b;
    let var = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (b - 1.0);
    (mean, (var / b).sqrt())
}

/// Self-normalised importance estimate of `E f` from log-weights, its
/// delta-method standard error, and the weights' effective sample size.
fn importance(logw: &[f64], f: &[f64]) -> (f64, f64, f64) {
    let top = logw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = logw.iter().map(|l| (l - top).exp()).collect();
    let sw: f64 = w.iter().sum();
    let mean = w.iter().zip(f).map(|(w, f)| w * f).sum::<f64>() / sw;
    let se = w
        .iter()
        .zip(f)
        .map(|(w, f)| (w / sw).powi(2) * (f - mean).powi(2))
        .sum::<f64>()
        .sqrt();
    let ess = sw * sw / w.iter().map(|w| w * w).sum::<f64>();
    (mean, se, ess)
}

fn assert_close(what: &str, got: (f64, f64), want: (f64, f64)) {
    let tol = 5.0 * (got.1 * got.1 + want.1 * want.1).sqrt();
    assert!(
        (got.0 - want.0).abs() <= tol,
        "{what}: chain {} (se {}) vs reference {} (se {}), tolerance {tol}",
        got.0,
        got.1,
        want.0,
        want.1
    );
}

/// Reference moments `(E|r|^2, E max r)` with their standard errors, and
/// the importance effective sample size: `m` GOE proposals with the trace
/// replaced by `N(0, n sigma^2)`, the Gaussian-ensemble envelope with
/// tangent point `y0`, weighted by the ratio of `p` to it,
/// `exp(sum_{i<j} log(sinh y / y) - beta y^2)` with `y = |r_i - r_j| / 2`.
/// Its tangent line is loose by a nearly constant factor, so the weights
/// vary little even where the rejection rate is tiny.
fn ensemble_importance(
    n: usize,
    sigma: f64,
    y0: f64,
    m: usize,
    seed: u64,
) -> ((f64, f64), (f64, f64), f64) {
    let beta = (1.0 / y0.tanh() - 1.0 / y0) / (2.0 * y0);
    let a = 0.5 / (sigma * sigma) - 0.25 * n as f64 * beta;
    assert!(a > 0.0);
    let diag_sd = (0.5 / a).sqrt();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut logw, mut sq, mut top) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..m {
        let mut h = Mat::<f64>::zeros(n, n);
        for j in 0..n {
            for i in j..n {
                let z: f64 = rng.sample(StandardNormal);
                h[(i, j)] = if i == j {
                    diag_sd * z
                } else {
                    diag_sd * z / 2f64.sqrt()
                };
                h[(j, i)] = h[(i, j)];
            }
        }
        let t: f64 = (n as f64).sqrt() * sigma * rng.sample::<f64, _>(StandardNormal);
        let shift = (t - (0..n).map(|i| h[(i, i)]).sum::<f64>()) / n as f64;
        for i in 0..n {
            h[(i, i)] += shift;
        }
        let r = h.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
        let mut lw = 0.0;
        for i in 0..n {
            for j in 0..i {
                let y = 0.5 * (r[i] - r[j]).abs();
                lw += (y.sinh() / y).ln() - beta * y * y;
            }
        }
        logw.push(lw);
        sq.push(square(&r));
        top.push(largest(&r));
    }
    let (is_sq, is_sq_se, ess) = importance(&logw, &sq);
    let (is_top, is_top_se, _) = importance(&logw, &top);
    ((is_sq, is_sq_se), (is_top, is_top_se), ess)
}

/// The HMC chain's `E|r|^2` and `E max r` against the importance
/// reference.
fn chain_matches_ensemble_importance(n: usize, sigma: f64, y0: f64, min_ess: f64) {
    let (want_sq, want_top, ess) = ensemble_importance(n, sigma, y0, 40_000, 100 + n as u64);
    assert!(ess > min_ess, "n {n}: importance ESS {ess}");
    let law = SpdRiemannianNormal::new(Mat::identity(n, n), sigma).unwrap();
    assert!(
        !law.is_exact(),
        "n = {n}, sigma = {sigma} should fall back to HMC"
    );
    let draws = law
        .sample_log_spectra(20_000, &mut ChaCha8Rng::seed_from_u64(200 + n as u64))
        .unwrap();
    assert!(!draws.exact);
    assert!(
        draws.acceptance_rate > 0.6 && draws.effective_sample_size > 2000.0,
        "n {n}: acceptance {} ESS {}",
        draws.acceptance_rate,
        draws.effective_sample_size
    );
    let chain_sq: Vec<f64> = draws.log_spectra.iter().map(|r| square(r)).collect();
    let chain_top: Vec<f64> = draws.log_spectra.iter().map(|r| largest(r)).collect();
    assert_close("E|r|^2", batch_means(&chain_sq, 40), want_sq);
    assert_close("E max r", batch_means(&chain_top, 40), want_top);
}

#[test]
fn n10_sigma1_moments_match_gaussian_ensemble_importance_sampling() {
    chain_matches_ensemble_importance(10, 1.0, 3.0, 10_000.0);
}

#[test]
fn n20_sigma1_moments_match_gaussian_ensemble_importance_sampling() {
    chain_matches_ensemble_importance(20, 1.0, 6.0, 2_000.0);
}

/// The Stein identities `E[div phi + phi . grad log p] = 0` of the
/// eigenvalue density (p vanishes on the walls `r_i = r_j`) for
/// `phi = r` and `phi_k = r_k^3`, per draw, scaled by `sigma^2`:
/// `n sigma^2 - |r|^2 + sigma^2 sum_{i<j} coth(d/2) d / 2` and
/// `3 sigma^2 |r|^2 - sum r^4 + sigma^2 sum_{i<j} coth(d/2) (r_i^3 - r_j^3) / 2`.
fn stein_terms(r: &[f64], sigma: f64) -> (f64, f64) {
    let s2 = sigma * sigma;
    let n = r.len() as f64;
    let sq = square(r);
    let quartic: f64 = r.iter().map(|x| x.powi(4)).sum();
    let (mut first, mut third) = (n * s2 - sq, 3.0 * s2 * sq - quartic);
    for i in 0..r.len() {
        for j in 0..i {
            let half_coth = 0.5 / (0.5 * (r[i] - r[j])).tanh();
            first += s2 * half_coth * (r[i] - r[j]);
            third += s2 * half_coth * (r[i].powi(3) - r[j].powi(3));
        }
    }
    (first, third)
}

fn check_stein(law: &SpdRiemannianNormal, count: usize, seed: u64) {
    let sigma = law.sigma();
    let draws = law
        .sample_log_spectra(count, &mut ChaCha8Rng::seed_from_u64(seed))
        .unwrap();
    let (first, third): (Vec<f64>, Vec<f64>) = draws
        .log_spectra
        .iter()
        .map(|r| stein_terms(r, sigma))
        .unzip();
    let n = law.mean().nrows();
    for (name, terms) in [("phi = r", first), ("phi = r^3", third)] {
        let (mean, se) = batch_means(&terms, 20);
        assert!(
            mean.abs() <= 5.0 * se,
            "n {n} sigma {sigma} {:?} {name}: {mean} (se {se})",
            law.method()
        );
    }
}

#[test]
fn stein_identities_hold_for_n_up_to_50_and_sigma_from_005_to_5() {
    for &n in &[1, 2, 10, 20, 50] {
        for (k, &sigma) in [0.05, 0.3, 1.0, 5.0].iter().enumerate() {
            let hmc = SpdRiemannianNormal::with_method(
                Mat::identity(n, n),
                sigma,
                Method::Hmc(HmcSettings::default()),
            )
            .unwrap();
            check_stein(&hmc, 2000, 300 + 10 * n as u64 + k as u64);
        }
    }
}

#[test]
fn automatic_choice_samples_every_n_and_sigma() {
    // The constructor's choice (rejection or HMC) gives finite SPD draws
    // and satisfies the Stein identities across the brief's range.
    let space = Spd::<AffineInvariant>::new(20).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(400);
    for &sigma in &[0.05, 0.5, 1.0, 2.0, 5.0] {
        let law = SpdRiemannianNormal::new(Mat::identity(20, 20), sigma).unwrap();
        check_stein(&law, 1000, 401);
        // Beyond sigma = 1 the spread e^{2 max|r|} defeats a Cholesky test.
        if sigma <= 1.0 {
            let x = law.sample(&mut rng).unwrap();
            space.check_point(&x, 1e-8).unwrap();
        }
    }
}

#[test]
fn frechet_mean_of_hmc_draws_is_near_the_centre() {
    let n = 10;
    let sigma = 0.6;
    let space = Spd::<AffineInvariant>::new(n).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(500);
    let centre = space.random_point(&mut rng);
    let law = SpdRiemannianNormal::with_method(
        centre.clone(),
        sigma,
        Method::Hmc(HmcSettings::default()),
    )
    .unwrap();
    let m = 400;
    let draws = law.sample_log_spectra(m, &mut rng).unwrap();
    let points: Vec<Mat<f64>> = draws
        .log_spectra
        .iter()
        .map(|r| law.spd_from_log_spectrum(r, &mut rng).unwrap())
        .collect();
    let mean = frechet_mean(&space, &points, None, &MeanOptions::default()).unwrap();
    let d = space.dist(&mean.mean, &centre).unwrap();
    // The tangent mean of m draws has E|mean|^2 <= E d^2 / m (negative
    // curvature only concentrates the Frechet mean); allow four times
    // its root mean square.
    let e_sq = draws.log_spectra.iter().map(|r| square(r)).sum::<f64>() / m as f64;
    let bound = 4.0 * (e_sq / m as f64).sqrt();
    assert!(d <= bound, "d(mean, M) = {d} vs bound {bound}");
}

#[test]
fn chains_are_reproducible_from_the_seed() {
    let law = SpdRiemannianNormal::new(Mat::identity(12, 12), 1.0).unwrap();
    let a = law
        .sample_log_spectra(50, &mut ChaCha8Rng::seed_from_u64(7))
        .unwrap();
    let b = law
        .sample_log_spectra(50, &mut ChaCha8Rng::seed_from_u64(7))
        .unwrap();
    let c = law
        .sample_log_spectra(50, &mut ChaCha8Rng::seed_from_u64(8))
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(a.log_spectra, c.log_spectra);
    let x = law.sample(&mut ChaCha8Rng::seed_from_u64(9)).unwrap();
    let y = law.sample(&mut ChaCha8Rng::seed_from_u64(9)).unwrap();
    assert_eq!(x, y);
}

#[test]
fn mode_solves_the_stationarity_equations() {
    // grad log p = 0: r_k / sigma^2 = sum_{j != k} coth((r_k - r_j) / 2) / 2.
    for (n, sigma) in [(3, 0.2), (20, 1.0), (50, 5.0)] {
        let law = SpdRiemannianNormal::with_method(
            Mat::identity(n, n),
            sigma,
            Method::Hmc(HmcSettings::default()),
        )
        .unwrap();
        let r = law.log_spectrum_mode().unwrap();
        assert!(r.windows(2).all(|w| w[0] > w[1]));
        for k in 0..n {
            let pull: f64 = (0..n)
                .filter(|&j| j != k)
                .map(|j| 0.5 / (0.5 * (r[k] - r[j])).tanh())
                .sum();
            let scale = pull.abs().max(r[k].abs() / (sigma * sigma)).max(1.0);
            assert!(
                (r[k] / (sigma * sigma) - pull).abs() <= 1e-10 * scale,
                "n {n} sigma {sigma} k {k}"
            );
        }
    }
}

#[test]
fn bad_settings_and_inputs_are_typed_errors() {
    let i4 = Mat::<f64>::identity(4, 4);
    let bad = [
        HmcSettings {
            thin: 0,
            ..HmcSettings::default()
        },
        HmcSettings {
            target_acceptance: 1.0,
            ..HmcSettings::default()
        },
        HmcSettings {
            target_acceptance: f64::NAN,
            ..HmcSettings::default()
        },
        HmcSettings {
            trajectory_length: 0.0,
            ..HmcSettings::default()
        },
        HmcSettings {
            trajectory_length: f64::INFINITY,
            ..HmcSettings::default()
        },
    ];
    for s in bad {
        assert!(matches!(
            SpdRiemannianNormal::with_method(i4.clone(), 0.5, Method::Hmc(s)),
            Err(Error::InvalidArgument(_))
        ));
    }
    let law =
        SpdRiemannianNormal::with_method(i4, 0.5, Method::Hmc(HmcSettings::default())).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    assert!(matches!(
        law.sample_log_spectra(0, &mut rng),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        law.spd_from_log_spectrum(&[0.0; 3], &mut rng),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        law.spd_from_log_spectrum(&[0.0, 1.0, f64::NAN, 2.0], &mut rng),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        law.spd_from_log_spectrum(&[0.0, 1.0, 800.0, 2.0], &mut rng),
        Err(Error::NonFinite(_))
    ));
    // burn_in = 0 runs without adaptation.
    let raw = SpdRiemannianNormal::with_method(
        Mat::identity(4, 4),
        0.5,
        Method::Hmc(HmcSettings {
            burn_in: 0,
            ..HmcSettings::default()
        }),
    )
    .unwrap();
    let d = raw.sample_log_spectra(10, &mut rng).unwrap();
    assert_eq!(d.log_spectra.len(), 10);
}

#[test]
fn log_normaliser_derivative_matches_the_chain_mean_square_distance() {
    // d log Z / d sigma = E d(X, M)^2 / sigma^3: the importance estimate of
    // log Z, differentiated by Richardson-extrapolated central differences,
    // against the HMC chain's E|r|^2 at n = 10, sigma = 1.
    let (n, sigma, h) = (10, 1.0, 0.02);
    let mut rng = ChaCha8Rng::seed_from_u64(600);
    let mut log_z = |s: f64| {
        SpdRiemannianNormal::new(Mat::identity(n, n), s)
            .unwrap()
            .log_normaliser(20_000, &mut rng)
            .unwrap()
    };
    let (p1, m1, p2, m2) = (
        log_z(sigma + h),
        log_z(sigma - h),
        log_z(sigma + 2.0 * h),
        log_z(sigma - 2.0 * h),
    );
    let fd = (4.0 * (p1.value - m1.value) / (2.0 * h) - (p2.value - m2.value) / (4.0 * h)) / 3.0;
    let fd_se = ((4.0 / (6.0 * h)).powi(2)
        * (p1.standard_error.powi(2) + m1.standard_error.powi(2))
        + (1.0 / (12.0 * h)).powi(2) * (p2.standard_error.powi(2) + m2.standard_error.powi(2)))
    .sqrt();
    let law = SpdRiemannianNormal::new(Mat::identity(n, n), sigma).unwrap();
    let draws = law
        .sample_log_spectra(20_000, &mut ChaCha8Rng::seed_from_u64(601))
        .unwrap();
    let sq: Vec<f64> = draws.log_spectra.iter().map(|r| square(r)).collect();
    let (e_sq, e_sq_se) = batch_means(&sq, 40);
    let s3 = sigma.powi(3);
    assert_close("d log Z / d sigma", (fd, fd_se), (e_sq / s3, e_sq_se / s3));
}

#[test]
fn log_normaliser_refuses_degenerate_weights() {
    let law = SpdRiemannianNormal::new(Mat::identity(3, 3), 0.5).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    assert!(matches!(
        law.log_normaliser(1, &mut rng),
        Err(Error::InvalidArgument(_))
    ));
    // With 20 proposals the weights' effective size is below 200.
    assert!(matches!(
        law.log_normaliser(20, &mut rng),
        Err(Error::NotConverged { .. })
    ));
}

#[test]
fn gaussian_ensemble_and_chamber_normalisers_agree() {
    // n = 5, sigma = 2: two unrelated envelopes, one answer.
    use sobolev_manifolds::spd::riemannian_normal::Envelope;
    let mut rng = ChaCha8Rng::seed_from_u64(700);
    let law = SpdRiemannianNormal::new(Mat::identity(5, 5), 2.0).unwrap();
    let chamber = law
        .log_normaliser_with(Envelope::Chamber { gap: 4.0 }, 20_000, &mut rng)
        .unwrap();
    let ensemble = law
        .log_normaliser_with(
            Envelope::GaussianEnsemble { tangent_at: 6.0 },
            20_000,
            &mut rng,
        )
        .unwrap();
    assert_close(
        "log Z, n = 5, sigma = 2",
        (chamber.value, chamber.standard_error),
        (ensemble.value, ensemble.standard_error),
    );
    assert!(matches!(
        law.log_normaliser_with(
            Envelope::GaussianEnsemble { tangent_at: 0.0 },
            100,
            &mut rng
        ),
        Err(Error::InvalidArgument(_))
    ));
}
