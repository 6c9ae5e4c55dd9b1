//! von Mises-Fisher maximum-likelihood fits: exact recovery from a sample
//! with a prescribed resultant (any dimension), statistical recovery from
//! Wood's sampler, and the log density against the closed form on S^2.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sobolev_manifolds::distributions::VonMisesFisher;
use sobolev_manifolds::{Error, Manifold, Sphere};
use sobolev_special::vmf::mean_resultant_length;

/// Two points `rbar mu +- sqrt(1 - rbar^2) e` whose mean is `rbar mu`.
fn pair_with_resultant(p: usize, rbar: f64) -> (Vec<f64>, Vec<Vec<f64>>) {
    let s = 1.0 / (p as f64).sqrt();
    let mu: Vec<f64> = (0..p).map(|i| if i % 3 == 0 { -s } else { s }).collect();
    // e orthogonal to mu (mu_1 = mu_2).
    let mut e = vec![0.0; p];
    e[1] = std::f64::consts::FRAC_1_SQRT_2;
    e[2] = -std::f64::consts::FRAC_1_SQRT_2;
    let c = (1.0 - rbar * rbar).sqrt();
    let plus = mu.iter().zip(&e).map(|(m, e)| rbar * m + c * e).collect();
    let minus = mu.iter().zip(&e).map(|(m, e)| rbar * m - c * e).collect();
    (mu, vec![plus, minus])
}

#[test]
fn fit_recovers_kappa_in_high_dimension() {
    for (p, kappa) in [
        (2048usize, 300.0),
        (8192, 5000.0),
        (32768, 12345.678),
        (32768, 1e6),
    ] {
        let rbar = mean_resultant_length(p as f64, kappa);
        let (mu, pts) = pair_with_resultant(p, rbar);
        let fit = VonMisesFisher::fit(&pts).unwrap();
        let rel = (fit.kappa() / kappa - 1.0).abs();
        // The problem's condition number is about 1 / (1 - rbar).
        let bound = 1e-10f64.max(1e-14 / (1.0 - rbar));
        assert!(
            rel < bound,
            "p = {p}, kappa = {kappa}: relative error {rel:e}"
        );
        let cos: f64 = mu
            .iter()
            .zip(fit.mean_direction())
            .map(|(a, b)| a * b)
            .sum();
        assert!((cos - 1.0).abs() < 1e-13);
    }
}

#[test]
fn fit_recovers_sampled_parameters() {
    let (p, kappa, n) = (5usize, 8.0, 20_000usize);
    let s = Sphere::new(p).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mu = s.random_point(&mut rng);
    let vmf = VonMisesFisher::new(mu.clone(), kappa).unwrap();
    let pts: Vec<Vec<f64>> = (0..n).map(|_| vmf.sample(&mut rng)).collect();
    let fit = VonMisesFisher::fit(&pts).unwrap();
    // Asymptotic sd of the MLE: 1 / sqrt(n A'(kappa)).
    let a = mean_resultant_length(p as f64, kappa);
    let slope = 1.0 - a * a - (p as f64 - 1.0) * a / kappa;
    let sd = 1.0 / (n as f64 * slope).sqrt();
    assert!(
        (fit.kappa() - kappa).abs() < 4.0 * sd,
        "{} vs {kappa}",
        fit.kappa()
    );
    assert!(s.dist(&mu, &fit.mean_direction().to_vec()).unwrap() < 0.02);
    // Weights: doubling every weight changes nothing.
    let w = vec![2.0; n];
    let fw = VonMisesFisher::fit_weighted(&pts, &w).unwrap();
    assert!((fw.kappa() / fit.kappa() - 1.0).abs() < 1e-12);
}

#[test]
fn log_density_on_s2_matches_the_closed_form() {
    let mu = vec![0.0, 0.6, 0.8];
    let x = vec![0.48, 0.6, -0.64];
    for kappa in [0.3, 2.0, 40.0, 700.0] {
        let vmf = VonMisesFisher::new(mu.clone(), kappa).unwrap();
        let dot: f64 = mu.iter().zip(&x).map(|(a, b)| a * b).sum();
        // ln(kappa / (4 pi sinh kappa)) + kappa <mu, x>, sinh in logs.
        let log_sinh = kappa + (-(-2.0 * kappa).exp_m1()).ln() - std::f64::consts::LN_2;
        let want = kappa.ln() - (4.0 * std::f64::consts::PI).ln() - log_sinh + kappa * dot;
        let got = vmf.log_density(&x).unwrap();
        assert!(
            (got - want).abs() < 1e-13 * (1.0 + want.abs()),
            "{got} vs {want}"
        );
    }
}

#[test]
fn bad_samples_give_typed_errors() {
    assert!(matches!(VonMisesFisher::fit(&[]), Err(Error::Empty(_))));
    let a = vec![1.0, 0.0, 0.0];
    let b = vec![0.0, 1.0];
    assert!(matches!(
        VonMisesFisher::fit(&[a.clone(), b]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(VonMisesFisher::fit(&[a.clone(), vec![2.0, 0.0, 0.0]]).is_err());
    assert!(VonMisesFisher::fit(&[a.clone(), vec![f64::NAN, 0.0, 0.0]]).is_err());
    // Antipodal pair: zero resultant. Identical points: infinite kappa.
    assert!(VonMisesFisher::fit(&[a.clone(), vec![-1.0, 0.0, 0.0]]).is_err());
    assert!(VonMisesFisher::fit(&[a.clone(), a.clone()]).is_err());
    assert!(VonMisesFisher::fit_weighted(std::slice::from_ref(&a), &[-1.0]).is_err());
    assert!(VonMisesFisher::fit_weighted(std::slice::from_ref(&a), &[1.0, 2.0]).is_err());
}
