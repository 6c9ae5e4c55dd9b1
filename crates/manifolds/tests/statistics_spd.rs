//! The normal law on SPD(n) and Riemannian batch normalisation: defining
//! properties with fixed seeds and tolerances derived from the variances.

use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sobolev_linalg::matfun::{SymEigen, sym_exp};
use sobolev_manifolds::stats::{MeanOptions, frechet_mean};
use sobolev_manifolds::*;

#[test]
fn spd_normal_is_log_normal_in_one_dimension() {
    let m = Mat::from_fn(1, 1, |_, _| 2.5);
    let law = SpdNormal::new(m, 0.3).unwrap();
    for x in [0.1, 1.0, 2.5, 7.0] {
        let z = (x / 2.5f64).ln();
        let want = -0.5 * z * z / 0.09 - (0.3f64 * (2.0 * std::f64::consts::PI).sqrt()).ln();
        let got = law.log_density(&Mat::from_fn(1, 1, |_, _| x)).unwrap();
        assert!(
            (got - want).abs() <= 1e-15 * (1.0 + want.abs()),
            "{got} vs {want}"
        );
    }
}

/// Orthonormal (Frobenius) coordinates of Sym(3).
fn from_coords(u: &[f64]) -> Mat<f64> {
    let s = std::f64::consts::FRAC_1_SQRT_2;
    let mut a = Mat::zeros(3, 3);
    let mut k = 0;
    for i in 0..3 {
        a[(i, i)] = u[k];
        k += 1;
    }
    for i in 0..3 {
        for j in 0..i {
            a[(i, j)] = s * u[k];
            a[(j, i)] = s * u[k];
            k += 1;
        }
    }
    a
}

fn to_coords(a: &Mat<f64>) -> Vec<f64> {
    let s = std::f64::consts::SQRT_2;
    let mut u: Vec<f64> = (0..3).map(|i| a[(i, i)]).collect();
    for i in 0..3 {
        for j in 0..i {
            u.push(s * a[(i, j)]);
        }
    }
    u
}

#[test]
fn volume_factor_matches_the_jacobian_of_exp() {
    // At M = I, exp_I(V) = expm(V); the Riemannian volume is
    // det(X)^{-(n+1)/2} dX, so J(V) = |det D expm(V)| det(expm V)^{-2}.
    let law = SpdNormal::new(Mat::identity(3, 3), 1.0).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..5 {
        let u: Vec<f64> = (0..6)
            .map(|_| rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut rng))
            .collect();
        let x = sym_exp(from_coords(&u).as_ref()).unwrap();
        let h = 1e-5;
        let jac = Mat::from_fn(6, 6, |r, c| {
            let (mut up, mut dn) = (u.clone(), u.clone());
            up[c] += h;
            dn[c] -= h;
            let fu = to_coords(&sym_exp(from_coords(&up).as_ref()).unwrap());
            let fd = to_coords(&sym_exp(from_coords(&dn).as_ref()).unwrap());
            (fu[r] - fd[r]) / (2.0 * h)
        });
        let det: f64 = jac
            .partial_piv_lu()
            .U()
            .diagonal()
            .column_vector()
            .iter()
            .product::<f64>()
            .abs();
        let det_x: f64 = SymEigen::new(x.as_ref())
            .unwrap()
            .eigenvalues()
            .iter()
            .product();
        let want = det * det_x.powi(-2);
        let got = law.riemannian_log_weight(&x).unwrap().exp();
        assert!((got - want).abs() <= 1e-7 * want, "{got} vs {want}");
    }
}

#[test]
fn spd_normal_draws_recover_mean_and_dispersion() {
    let space = Spd::<AffineInvariant>::new(3).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let centre = space.random_point(&mut rng);
    let sigma = 0.1;
    let law = SpdNormal::new(centre.clone(), sigma).unwrap();
    let n_draws = 2000;
    let draws: Vec<Mat<f64>> = (0..n_draws)
        .map(|_| law.sample(&mut rng).unwrap())
        .collect();
    // d(M, X)^2 / sigma^2 is chi-square with dim = 6 degrees of freedom.
    let dim = 6.0;
    let mean_sq: f64 = draws
        .iter()
        .map(|x| space.dist(&centre, x).unwrap().powi(2))
        .sum::<f64>()
        / n_draws as f64;
    let sd = sigma * sigma * (2.0 * dim / n_draws as f64).sqrt();
    assert!(
        (mean_sq - dim * sigma * sigma).abs() <= 5.0 * sd,
        "E d^2 = {mean_sq}, want {}",
        dim * sigma * sigma
    );
    // The sample Frechet mean is within a few standard errors of M.
    let m = frechet_mean(&space, &draws, None, &MeanOptions::default()).unwrap();
    let err = space.dist(&m.mean, &centre).unwrap();
    assert!(err <= 5.0 * sigma * (dim / n_draws as f64).sqrt(), "{err}");
    // The importance weights towards the Riemannian Gaussian are those of
    // the volume factor, >= 0 in log and O(sigma^2) here.
    for x in draws.iter().take(50) {
        let w = law.riemannian_log_weight(x).unwrap();
        assert!((0.0..0.1).contains(&w), "{w}");
        let k = law.riemannian_log_kernel(x).unwrap();
        let d = space.dist(&centre, x).unwrap();
        assert!((k + 0.5 * d * d / (sigma * sigma)).abs() <= 1e-12 * (1.0 + k.abs()));
    }
    assert!(SpdNormal::new(centre.clone(), 0.0).is_err());
    assert!(SpdNormal::new(Mat::from_fn(2, 2, |i, _| i as f64 - 1.0), 1.0).is_err());
}

#[test]
fn batch_norm_centres_and_rescales() {
    let space = Spd::<AffineInvariant>::new(4).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let batch: Vec<Mat<f64>> = (0..32).map(|_| space.random_point(&mut rng)).collect();
    let bias = space.random_point(&mut rng);
    let mut bn = SpdBatchNorm::new(4, 1.0, 0.3, 0.0)
        .unwrap()
        .with_bias(bias.clone())
        .unwrap();
    let stats = bn.batch_statistics(&batch).unwrap();
    let out = bn.forward_train(&batch).unwrap();
    let after = bn.batch_statistics(&out).unwrap();
    let d = space.dist(&after.mean, &bias).unwrap();
    assert!(d <= 1e-12, "mean off the bias by {d:e}");
    assert!(
        (after.variance - 0.3).abs() <= 1e-12 * 0.3,
        "{}",
        after.variance
    );
    // Momentum 1: the running statistics are the batch's, so inference
    // reproduces the training output.
    assert!(space.dist(bn.running_mean(), &stats.mean).unwrap() <= 1e-12);
    assert!((bn.running_variance() - stats.variance).abs() <= 1e-12 * stats.variance);
    let eval = bn.forward_eval(&batch).unwrap();
    for (a, b) in eval.iter().zip(&out) {
        assert!(space.dist(a, b).unwrap() <= 1e-12);
    }
    // Momentum 1/4: the running mean moves a quarter of the way along the
    // geodesic to the batch mean.
    let mut bn = SpdBatchNorm::new(4, 0.25, 1.0, 0.0).unwrap();
    let start = bn.running_mean().clone();
    bn.update_running(&stats).unwrap();
    let (a, b) = (
        space.dist(&start, bn.running_mean()).unwrap(),
        space.dist(bn.running_mean(), &stats.mean).unwrap(),
    );
    let total = space.dist(&start, &stats.mean).unwrap();
    assert!((a - 0.25 * total).abs() <= 1e-12 * total && (b - 0.75 * total).abs() <= 1e-12 * total);
    assert!((bn.running_variance() - (0.75 + 0.25 * stats.variance)).abs() <= 1e-15);
    // Bad parameters are typed errors.
    assert!(SpdBatchNorm::new(4, 0.0, 1.0, 0.0).is_err());
    assert!(SpdBatchNorm::new(4, 0.5, -1.0, 0.0).is_err());
    assert!(SpdBatchNorm::new(4, 0.5, 1.0, f64::NAN).is_err());
    assert!(
        SpdBatchNorm::new(4, 0.5, 1.0, 0.0)
            .unwrap()
            .with_bias(Mat::zeros(4, 4))
            .is_err()
    );
    assert!(bn.normalise(&stats.mean, 0.0, &batch).is_err());
}

#[test]
fn riemannian_gaussian_normaliser_in_two_dimensions() {
    // log Z - (dim/2) log(2 pi sigma^2) = log E[J] under the tangent
    // Gaussian; compare with the mean of the importance weights of draws.
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    for sigma in [0.3, 1.0, 2.0] {
        let law = SpdNormal::new(Mat::identity(2, 2), sigma).unwrap();
        let gauss = 1.5 * (2.0 * std::f64::consts::PI * sigma * sigma).ln();
        let want = (law.riemannian_log_normaliser().unwrap() - gauss).exp();
        let n_draws = 20_000;
        let w: Vec<f64> = (0..n_draws)
            .map(|_| {
                let x = law.sample(&mut rng).unwrap();
                law.riemannian_log_weight(&x).unwrap().exp()
            })
            .collect();
        let mean = w.iter().sum::<f64>() / n_draws as f64;
        let var = w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n_draws - 1) as f64;
        let se = (var / n_draws as f64).sqrt();
        assert!(
            (mean - want).abs() <= 5.0 * se + 1e-12,
            "sigma {sigma}: E[J] {mean} +- {se} vs {want}"
        );
    }
    // One dimension: the log-normal normaliser; n >= 3: typed error.
    let law = SpdNormal::new(Mat::identity(1, 1), 0.5).unwrap();
    let want = 0.5 * (2.0 * std::f64::consts::PI * 0.25f64).ln();
    assert!((law.riemannian_log_normaliser().unwrap() - want).abs() <= 1e-15);
    let law = SpdNormal::new(Mat::identity(3, 3), 0.5).unwrap();
    assert!(matches!(
        law.riemannian_log_normaliser(),
        Err(Error::InvalidArgument(_))
    ));
}
