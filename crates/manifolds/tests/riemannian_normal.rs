//! Draws of the Riemannian Gaussian on SPD(n) against independent facts:
//! the normal law for n = 1, the closed-form gap law and the exact
//! normaliser for n = 2, Gauss-Legendre quadrature over the Weyl chamber
//! for n = 3 (exact draws and an HMC chain), importance-weighted wrapped
//! draws for n = 4, and invariance under the choice of centre. Fixed
//! seeds; tolerances are Kolmogorov-Smirnov critical values at level 1e-3
//! or five (batch-means, for chains) standard errors.

use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sobolev_manifolds::spd::riemannian_normal::{Envelope, HmcSettings, Method};
use sobolev_manifolds::*;
use sobolev_special::erf;
use sobolev_special::quadrature::gauss_legendre;

/// `sup_x |F_emp(x) - F(x)|` for sorted `xs`.
fn ks_statistic(xs: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    let m = xs.len() as f64;
    let mut d = 0.0f64;
    for (k, &x) in xs.iter().enumerate() {
        let f = cdf(x);
        d = d
            .max((f - k as f64 / m).abs())
            .max(((k + 1) as f64 / m - f).abs());
    }
    d
}

/// Kolmogorov-Smirnov critical value at level 1e-3.
fn ks_critical(m: usize) -> f64 {
    1.95 / (m as f64).sqrt()
}

fn spectra(law: &SpdRiemannianNormal, m: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..m)
        .map(|_| law.sample_log_spectrum(&mut rng).unwrap().0)
        .collect()
}

/// Sample mean of `f` and its standard error.
fn mean_and_se(v: &[f64]) -> (f64, f64) {
    let m = v.len() as f64;
    let mean = v.iter().sum::<f64>() / m;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m - 1.0);
    (mean, (var / m).sqrt())
}

fn both_envelopes(n: usize, sigma: f64, y0: f64) -> Vec<SpdRiemannianNormal> {
    let m = Mat::identity(n, n);
    vec![
        SpdRiemannianNormal::with_envelope(
            m.clone(),
            sigma,
            Envelope::Chamber { gap: f64::INFINITY },
        )
        .unwrap(),
        SpdRiemannianNormal::with_envelope(
            m.clone(),
            sigma,
            Envelope::Chamber {
                gap: 1.0 + 2.0 * sigma * sigma,
            },
        )
        .unwrap(),
        SpdRiemannianNormal::with_envelope(m, sigma, Envelope::GaussianEnsemble { tangent_at: y0 })
            .unwrap(),
    ]
}

#[test]
fn one_dimensional_law_is_log_normal() {
    let sigma = 0.7;
    for law in both_envelopes(1, sigma, 0.5) {
        let mut r: Vec<f64> = spectra(&law, 4000, 1).into_iter().map(|v| v[0]).collect();
        let d = ks_statistic(&mut r, |x| 0.5 * (1.0 + erf(x / (sigma * 2f64.sqrt()))));
        assert!(d <= ks_critical(4000), "{:?}: KS {d}", law.envelope());
    }
}

#[test]
fn two_dimensional_gap_follows_its_closed_form() {
    // |r_1 - r_2| has density ∝ exp(-d^2 / (4 sigma^2)) sinh(d / 2) on
    // d > 0; completing the squares gives the CDF below.
    for (sigma, y0) in [(0.3, 0.0), (1.0, 0.5), (2.0, 2.0)] {
        let cdf = |x: f64| {
            let s = 2.0 * sigma;
            1.0 + (erf((x - sigma * sigma) / s) - erf((x + sigma * sigma) / s))
                / (2.0 * erf(0.5 * sigma))
        };
        // E d(M, X)^2 = sigma^3 d log Z / d sigma from the exact normaliser.
        let log_z = |s: f64| {
            SpdNormal::new(Mat::identity(2, 2), s)
                .unwrap()
                .riemannian_log_normaliser()
                .unwrap()
        };
        let h = 1e-4 * sigma;
        let want_sq = sigma.powi(3) * (log_z(sigma + h) - log_z(sigma - h)) / (2.0 * h);
        for law in both_envelopes(2, sigma, y0) {
            let draws = spectra(&law, 4000, 2);
            let mut gaps: Vec<f64> = draws.iter().map(|r| (r[0] - r[1]).abs()).collect();
            let d = ks_statistic(&mut gaps, cdf);
            assert!(
                d <= ks_critical(4000),
                "sigma {sigma} {:?}: KS {d}",
                law.envelope()
            );
            let sq: Vec<f64> = draws.iter().map(|r| r[0] * r[0] + r[1] * r[1]).collect();
            let (got, se) = mean_and_se(&sq);
            assert!(
                (got - want_sq).abs() <= 5.0 * se,
                "sigma {sigma} {:?}: E d^2 {got} vs {want_sq} (se {se})",
                law.envelope()
            );
        }
    }
}

/// `n! * integral over the chamber r_1 > r_2 > r_3 (r_1 <= top, all >=
/// -bound) of f(r) p(r)`, by nested Gauss-Legendre: the integrand is
/// analytic on the chamber, so the rule converges fast.
fn chamber_integral(sigma: f64, bound: f64, top: f64, f: impl Fn(&[f64; 3]) -> f64) -> f64 {
    let rule = gauss_legendre(48).unwrap();
    let map = |lo: f64, hi: f64| -> Vec<(f64, f64)> {
        rule.nodes
            .iter()
            .zip(&rule.weights)
            .map(|(x, w)| (0.5 * (hi + lo) + 0.5 * (hi - lo) * x, 0.5 * (hi - lo) * w))
            .collect()
    };
    let density = |r: &[f64; 3]| {
        let sq = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
        let mut v = (-0.5 * sq / (sigma * sigma)).exp();
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            v *= (0.5 * (r[i] - r[j])).sinh();
        }
        v
    };
    let mut total = 0.0;
    for (a, wa) in map(-bound, top) {
        for (b, wb) in map(-bound, a) {
            for (c, wc) in map(-bound, b) {
                let r = [a, b, c];
                total += wa * wb * wc * density(&r) * f(&r);
            }
        }
    }
    6.0 * total
}

/// For `n = 3`: `E|r|^2`, a grid, and the CDF of `max r` on it, by
/// quadrature.
fn three_dimensional_reference(sigma: f64) -> (f64, Vec<f64>, Vec<f64>) {
    let bound = sigma * sigma + 9.0 * sigma;
    let z = chamber_integral(sigma, bound, bound, |_| 1.0);
    let want_sq = chamber_integral(sigma, bound, bound, |r| {
        r.iter().map(|x| x * x).sum::<f64>()
    }) / z;
    let grid: Vec<f64> = (1..20)
        .map(|k| -bound + 2.0 * bound * k as f64 / 20.0)
        .collect();
    let want_cdf: Vec<f64> = grid
        .iter()
        .map(|&x| chamber_integral(sigma, bound, x, |_| 1.0) / z)
        .collect();
    (want_sq, grid, want_cdf)
}

/// Mean of a chain and its batch-means standard error (40 batches).
fn batch_means(v: &[f64]) -> (f64, f64) {
    let len = v.len() / 40;
    let means: Vec<f64> = v
        .chunks_exact(len)
        .map(|c| c.iter().sum::<f64>() / len as f64)
        .collect();
    mean_and_se(&means)
}

#[test]
fn three_dimensional_hmc_chain_matches_quadrature() {
    // The chain's E|r|^2 and the CDF of max r at each grid point, within
    // five batch-means standard errors (plus one draw's worth, for grid
    // points where the CDF is 0 or 1).
    for sigma in [0.4, 1.2] {
        let (want_sq, grid, want_cdf) = three_dimensional_reference(sigma);
        let law = SpdRiemannianNormal::with_method(
            Mat::identity(3, 3),
            sigma,
            Method::Hmc(HmcSettings::default()),
        )
        .unwrap();
        let m = 8000;
        let draws = law
            .sample_log_spectra(m, &mut ChaCha8Rng::seed_from_u64(31))
            .unwrap();
        assert!(!draws.exact);
        let sq: Vec<f64> = draws
            .log_spectra
            .iter()
            .map(|r| r.iter().map(|x| x * x).sum())
            .collect();
        let (got, se) = batch_means(&sq);
        assert!(
            (got - want_sq).abs() <= 5.0 * se,
            "sigma {sigma}: E d^2 {got} vs {want_sq} (se {se})"
        );
        for (&x, &f) in grid.iter().zip(&want_cdf) {
            let below: Vec<f64> = draws
                .log_spectra
                .iter()
                .map(|r| f64::from(u8::from(r.iter().all(|&v| v <= x))))
                .collect();
            let (emp, se) = batch_means(&below);
            assert!(
                (emp - f).abs() <= 5.0 * se + 1.0 / m as f64,
                "sigma {sigma}: P(max r <= {x}) {emp} vs {f} (se {se})"
            );
        }
    }
}

#[test]
fn three_dimensional_moments_and_largest_eigenvalue_match_quadrature() {
    for (sigma, y0) in [(0.4, 0.25), (1.2, 1.0)] {
        let (want_sq, grid, want_cdf) = three_dimensional_reference(sigma);
        for law in both_envelopes(3, sigma, y0) {
            let m = 6000;
            let draws = spectra(&law, m, 3);
            let sq: Vec<f64> = draws
                .iter()
                .map(|r| r.iter().map(|x| x * x).sum())
                .collect();
            let (got, se) = mean_and_se(&sq);
            assert!(
                (got - want_sq).abs() <= 5.0 * se,
                "sigma {sigma} {:?}: E d^2 {got} vs {want_sq} (se {se})",
                law.envelope()
            );
            let tops: Vec<f64> = draws
                .iter()
                .map(|r| r.iter().copied().fold(f64::NEG_INFINITY, f64::max))
                .collect();
            let worst = grid
                .iter()
                .zip(&want_cdf)
                .map(|(&x, &f)| {
                    let emp = tops.iter().filter(|&&t| t <= x).count() as f64 / m as f64;
                    (emp - f).abs()
                })
                .fold(0.0f64, f64::max);
            assert!(
                worst <= ks_critical(m),
                "sigma {sigma} {:?}: largest-eigenvalue CDF off by {worst}",
                law.envelope()
            );
        }
    }
}

#[test]
fn four_dimensional_mean_square_distance_matches_importance_weights() {
    // Wrapped draws reweighted by J(V) are draws of the Riemannian
    // Gaussian in the limit; compare E d^2 from both.
    let (n, sigma) = (4, 0.6);
    let wrapped = SpdNormal::new(Mat::identity(n, n), sigma).unwrap();
    let space = Spd::<AffineInvariant>::new(n).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let m = 20000;
    let mut logw = Vec::with_capacity(m);
    let mut sq = Vec::with_capacity(m);
    for _ in 0..m {
        let x = wrapped.sample(&mut rng).unwrap();
        logw.push(wrapped.riemannian_log_weight(&x).unwrap());
        sq.push(space.dist(&Mat::identity(n, n), &x).unwrap().powi(2));
    }
    let top = logw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = logw.iter().map(|l| (l - top).exp()).collect();
    let sw: f64 = w.iter().sum();
    let is_mean = w.iter().zip(&sq).map(|(w, s)| w * s).sum::<f64>() / sw;
    // Delta-method standard error of the self-normalised estimate.
    let is_se = (w
        .iter()
        .zip(&sq)
        .map(|(w, s)| (w / sw).powi(2) * (s - is_mean).powi(2))
        .sum::<f64>())
    .sqrt();
    let law = SpdRiemannianNormal::new(Mat::identity(n, n), sigma).unwrap();
    let draws = spectra(&law, m, 5);
    let exact: Vec<f64> = draws
        .iter()
        .map(|r| r.iter().map(|x| x * x).sum())
        .collect();
    let (got, se) = mean_and_se(&exact);
    let tol = 5.0 * (se * se + is_se * is_se).sqrt();
    assert!(
        (got - is_mean).abs() <= tol,
        "E d^2 exact {got} vs importance {is_mean} (tol {tol})"
    );
}

#[test]
fn whitened_draws_do_not_depend_on_the_centre() {
    let n = 3;
    let space = Spd::<AffineInvariant>::new(n).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let centre = space.random_point(&mut rng);
    let sigma = 0.5;
    let at_identity = SpdRiemannianNormal::new(Mat::identity(n, n), sigma).unwrap();
    let at_centre = SpdRiemannianNormal::new(centre.clone(), sigma).unwrap();
    assert_eq!(at_identity.envelope(), at_centre.envelope());
    let (mut ra, mut rb) = (ChaCha8Rng::seed_from_u64(7), ChaCha8Rng::seed_from_u64(7));
    let l = centre.llt(faer::Side::Lower).unwrap();
    let mut diag = vec![Vec::new(); n];
    let mut off = Vec::new();
    for _ in 0..3000 {
        let x = at_identity.sample(&mut ra).unwrap();
        let y = at_centre.sample(&mut rb).unwrap();
        // Same random stream: the whitened draw has the same spectrum.
        let li = l.L();
        let wy = {
            let mut t = y.clone();
            faer::linalg::triangular_solve::solve_lower_triangular_in_place(
                li,
                t.as_mut(),
                faer::Par::Seq,
            );
            let mut u = t.transpose().to_owned();
            faer::linalg::triangular_solve::solve_lower_triangular_in_place(
                li,
                u.as_mut(),
                faer::Par::Seq,
            );
            u
        };
        let mut ex = x.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
        let mut ey = wy.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
        ex.sort_by(f64::total_cmp);
        ey.sort_by(f64::total_cmp);
        for (a, b) in ex.iter().zip(&ey) {
            assert!((a.ln() - b.ln()).abs() <= 1e-10, "{a} vs {b}");
        }
        // O(n) invariance at the identity: E[X] is a multiple of I.
        for i in 0..n {
            diag[i].push(x[(i, i)]);
        }
        off.push(x[(0, 1)]);
    }
    let (d0, se0) = mean_and_se(&diag[0]);
    for d in &diag[1..] {
        let (di, sei) = mean_and_se(d);
        assert!((di - d0).abs() <= 5.0 * (se0 * se0 + sei * sei).sqrt());
    }
    let (o, seo) = mean_and_se(&off);
    assert!(o.abs() <= 5.0 * seo, "off-diagonal mean {o} (se {seo})");
}

#[test]
fn bad_input_and_exhausted_proposals_are_typed_errors() {
    let i3 = Mat::<f64>::identity(3, 3);
    for s in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            SpdRiemannianNormal::new(i3.clone(), s),
            Err(Error::InvalidArgument(_))
        ));
    }
    let not_pd = Mat::from_fn(2, 2, |i, j| if i == j { -1.0 } else { 0.0 });
    assert!(SpdRiemannianNormal::new(not_pd, 0.5).is_err());
    // The e^{y^2/6} envelope is not normalisable once n sigma^2 >= 12.
    assert!(matches!(
        SpdRiemannianNormal::with_envelope(
            i3.clone(),
            2.0,
            Envelope::GaussianEnsemble { tangent_at: 0.0 }
        ),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        SpdRiemannianNormal::with_envelope(
            i3.clone(),
            0.5,
            Envelope::GaussianEnsemble { tangent_at: -1.0 }
        ),
        Err(Error::InvalidArgument(_))
    ));
    // The chamber envelope almost never accepts for small sigma and n = 8.
    let law = SpdRiemannianNormal::with_envelope(
        Mat::identity(8, 8),
        0.05,
        Envelope::Chamber { gap: f64::INFINITY },
    )
    .unwrap()
    .with_max_proposals(10)
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    assert!(matches!(
        law.sample(&mut rng),
        Err(Error::NotConverged { .. })
    ));
    assert!(law.clone().with_max_proposals(0).is_err());
    // No envelope is efficient at n = 20, sigma = 1: the constructor
    // falls back to HMC and says so.
    let hmc = SpdRiemannianNormal::new(Mat::identity(20, 20), 1.0).unwrap();
    assert!(!hmc.is_exact());
    assert_eq!(hmc.envelope(), None);
}

#[test]
fn acceptance_rate_estimates_are_honest() {
    // The pilot estimate of the chosen envelope agrees with the observed
    // fraction of accepted proposals.
    for (n, sigma) in [(3, 0.3), (5, 1.0)] {
        let law = SpdRiemannianNormal::new(Mat::identity(n, n), sigma).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let draws = 2000;
        let tries: usize = (0..draws)
            .map(|_| law.sample_log_spectrum(&mut rng).unwrap().1)
            .sum();
        let observed = draws as f64 / tries as f64;
        let pilot = law.acceptance_rate();
        assert!(
            (observed - pilot).abs() <= 0.25 * pilot,
            "n {n} sigma {sigma}: observed {observed} vs pilot {pilot}"
        );
    }
}

#[test]
fn log_normaliser_matches_closed_forms_and_quadrature() {
    let mut rng = ChaCha8Rng::seed_from_u64(41);
    // n = 1 and n = 2: the closed forms.
    for (n, sigma) in [(1, 0.7), (2, 0.3), (2, 1.0), (2, 3.0)] {
        let want = SpdNormal::new(Mat::identity(n, n), sigma)
            .unwrap()
            .riemannian_log_normaliser()
            .unwrap();
        let law = SpdRiemannianNormal::new(Mat::identity(n, n), sigma).unwrap();
        let got = law.log_normaliser(4000, &mut rng).unwrap();
        assert!(
            (got.value - want).abs() <= 5.0 * got.standard_error + 1e-12,
            "n {n} sigma {sigma}: {got:?} vs {want}"
        );
    }
    // n = 3: Z = (2 pi sigma^2)^{dim/2} 2^N Z_r / M_3(sigma), with Z_r the
    // integral of p over R^3 by quadrature and M_3 Mehta's integral
    // sigma^6 (2 pi)^{3/2} Gamma(2) Gamma(5/2) / Gamma(3/2)^2, and
    // Gamma(5/2) / Gamma(3/2)^2 = 3 / sqrt(pi).
    for sigma in [0.4, 1.2, 2.5] {
        let bound = sigma * sigma + 9.0 * sigma;
        let z_r = chamber_integral(sigma, bound, bound, |_| 1.0);
        let tau = std::f64::consts::TAU;
        let mehta = sigma.powi(6) * tau.powf(1.5) * 3.0 / std::f64::consts::PI.sqrt();
        let want = 3.0 * (tau * sigma * sigma).ln() + 3.0 * 2f64.ln() + z_r.ln() - mehta.ln();
        let law = SpdRiemannianNormal::new(Mat::identity(3, 3), sigma).unwrap();
        let got = law.log_normaliser(4000, &mut rng).unwrap();
        assert!(
            (got.value - want).abs() <= 5.0 * got.standard_error,
            "n 3 sigma {sigma}: {got:?} vs {want}"
        );
    }
}
