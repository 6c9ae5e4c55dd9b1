//! Prior and posterior samples of every GP model against their laws.
//!
//! Each check draws a few thousand joint samples with a fixed seed and
//! compares the sample mean, variances and covariances with the model's own
//! `predict` and with a dense reference computed here by LU solves (the
//! exact GP posterior, Titsias's `q(f_*)`, the Laplace Gaussian), in units
//! of the Monte Carlo standard error: the mean's from the reference
//! variance, each second moment's from the spread of the products
//! themselves. Five standard errors over at most a few hundred statistics
//! leaves a false alarm probability below 1e-4 per test, while a wrong
//! covariance (a missing term, a wrong scale) misses by far more.

use faer::Mat;
use faer::linalg::solvers::Solve;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sobolev_kernels::gp::MaternOrder;
use sobolev_kernels::kernel::{
    ActiveDims, Gaussian, Matern12, Matern32, Matern52, Product, Stationary,
};
use sobolev_kernels::{
    Error, ExactGp, GaussianProcess, Kernel, KroneckerGp, LaplaceGpc, Points, SparseGp,
    StateSpaceGp, StudentTProcess, cross_gram, gram,
};

/// Standard errors a statistic may be off by.
const Z_MAX: f64 = 5.0;

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Sample mean, variances and covariances of the draws (one per column)
/// against the law `N(mean, cov)` (or any law with these two moments):
/// every statistic within `Z_MAX` Monte Carlo standard errors. Returns the
/// largest z-score.
fn check_moments(draws: &Mat<f64>, mean: &[f64], cov: &Mat<f64>, label: &str) -> f64 {
    let (m, n) = (draws.nrows(), draws.ncols());
    assert_eq!(m, mean.len(), "{label}: rows");
    let nf = n as f64;
    let mut worst = 0.0f64;
    let mut check = |z: f64, what: String| {
        assert!(z.abs() <= Z_MAX, "{label}: {what}: z = {z:.2}");
        worst = worst.max(z.abs());
    };
    for i in 0..m {
        let avg = (0..n).map(|c| draws[(i, c)]).sum::<f64>() / nf;
        let se = (cov[(i, i)] / nf).sqrt();
        let diff = avg - mean[i];
        if se > 0.0 {
            check(diff / se, format!("mean {i}: {avg} vs {}", mean[i]));
        } else {
            assert!(
                diff.abs() < 1e-12,
                "{label}: mean {i}: {avg} vs {}",
                mean[i]
            );
        }
    }
    for i in 0..m {
        for j in 0..=i {
            let prods: Vec<f64> = (0..n)
                .map(|c| (draws[(i, c)] - mean[i]) * (draws[(j, c)] - mean[j]))
                .collect();
            let avg = prods.iter().sum::<f64>() / nf;
            let spread = (prods.iter().map(|p| (p - avg).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt();
            let se = spread / nf.sqrt();
            let diff = avg - cov[(i, j)];
            let scale = (cov[(i, i)] * cov[(j, j)]).sqrt();
            if se > 1e-9 * scale {
                check(
                    diff / se,
                    format!("cov ({i}, {j}): {avg} vs {}", cov[(i, j)]),
                );
            } else {
                assert!(
                    diff.abs() <= 1e-9 * scale.max(1e-300),
                    "{label}: cov ({i}, {j}): {avg} vs {}",
                    cov[(i, j)]
                );
            }
        }
    }
    eprintln!("{label}: largest |z| {worst:.2}");
    worst
}

/// The dense GP posterior mean and covariance at `xs` by an LU solve with
/// `K(X, X) + s^2 I`.
fn dense_posterior<K: Kernel>(
    kernel: &K,
    noise: f64,
    x: &Points,
    y: &[f64],
    xs: &Points,
) -> (Vec<f64>, Mat<f64>) {
    let mut kxx = gram(kernel, x).unwrap();
    for i in 0..x.len() {
        kxx[(i, i)] += noise;
    }
    let kxs = cross_gram(kernel, x, xs).unwrap();
    let lu = kxx.partial_piv_lu();
    let w = lu.solve(&kxs);
    let alpha = lu.solve(Mat::from_fn(y.len(), 1, |i, _| y[i]));
    let mean = (0..xs.len())
        .map(|j| (0..x.len()).map(|i| kxs[(i, j)] * alpha[(i, 0)]).sum())
        .collect();
    let cov = gram(kernel, xs).unwrap() - kxs.transpose() * &w;
    (mean, cov)
}

fn assert_close(a: &[f64], b: &[f64], tol: f64, label: &str) {
    for (i, (u, v)) in a.iter().zip(b).enumerate() {
        assert!(
            (u - v).abs() <= tol * (1.0 + v.abs()),
            "{label} {i}: {u} vs {v}"
        );
    }
}

fn diagonal(m: &Mat<f64>) -> Vec<f64> {
    (0..m.nrows()).map(|i| m[(i, i)]).collect()
}

fn points_1d(v: &[f64]) -> Points {
    Points::new(v.to_vec(), 1).unwrap()
}

#[test]
fn exact_gp_samples_follow_the_dense_posterior_and_prior() {
    let kernel = Stationary::new(Gaussian, 1.3, 0.7).unwrap();
    let xv: Vec<f64> = (0..14).map(|i| -2.0 + 0.31 * i as f64).collect();
    let y: Vec<f64> = xv.iter().map(|t| (1.7 * t).sin() + 0.2 * t).collect();
    let x = points_1d(&xv);
    let xs = points_1d(&[-2.3, -1.0, -0.2, 0.45, 1.1, 1.9, 2.6]);
    let gp = ExactGp::new(kernel.clone(), 0.04, x.clone(), y.clone()).unwrap();
    let (mean, cov) = dense_posterior(&kernel, 0.04, &x, &y, &xs);
    let p = gp.predict(&xs).unwrap();
    assert_close(&p.mean, &mean, 1e-10, "exact mean");
    assert_close(&p.variance, &diagonal(&cov), 1e-10, "exact variance");
    let (draws, jitter) = gp.sample_posterior(&xs, 4000, &mut rng(1)).unwrap();
    assert_eq!(jitter, 0.0);
    check_moments(&draws, &mean, &cov, "ExactGp posterior");
    let (prior, _) = ExactGp::sample_prior(&kernel, &xs, 4000, &mut rng(2)).unwrap();
    check_moments(
        &prior,
        &[0.0; 7],
        &gram(&kernel, &xs).unwrap(),
        "ExactGp prior",
    );
}

/// The kernel on one grid axis.
type Axis = Stationary<Matern52>;
/// The same kernel on the assembled two-dimensional grid.
type GridProduct = Product<ActiveDims<Axis>, ActiveDims<Axis>>;

/// A 5 x 4 grid, its kernels, targets, and the same model as an ExactGp
/// with the product kernel.
fn kronecker_case() -> (KroneckerGp<Axis>, GridProduct, Points, Vec<f64>) {
    let axes = vec![
        (0..5).map(|i| 0.4 * i as f64).collect::<Vec<_>>(),
        (0..4).map(|i| -1.0 + 0.55 * i as f64).collect(),
    ];
    let k1 = Stationary::new(Matern52, 1.4, 0.9).unwrap();
    let k2 = Stationary::new(Matern52, 1.0, 0.7).unwrap();
    let mut rows = Vec::new();
    for &a in &axes[0] {
        for &b in &axes[1] {
            rows.push([a, b]);
        }
    }
    let y: Vec<f64> = rows
        .iter()
        .map(|p| (2.0 * p[0]).sin() + p[0] * p[1] - 0.5 * p[1])
        .collect();
    let noise = 0.03;
    let kron = KroneckerGp::new(vec![k1.clone(), k2.clone()], axes, noise, y.clone()).unwrap();
    let product = Product::new(
        ActiveDims::new(k1, vec![0], 2).unwrap(),
        ActiveDims::new(k2, vec![1], 2).unwrap(),
    )
    .unwrap();
    (kron, product, Points::from_rows(&rows).unwrap(), y)
}

fn grid_points(axes: &[Vec<f64>]) -> Points {
    let mut rows = Vec::new();
    for &a in &axes[0] {
        for &b in &axes[1] {
            rows.push([a, b]);
        }
    }
    Points::from_rows(&rows).unwrap()
}

#[test]
fn kronecker_posterior_samples_equal_the_exact_gp_in_law() {
    let (kron, product, x, y) = kronecker_case();
    let noise = kron.noise_variance();
    // On the training grid (one joint prior draw) and on a grid sharing
    // some coordinates with it and adding others outside and between.
    let train = kron.axes().to_vec();
    let other = vec![vec![-0.3, 0.4, 0.95, 2.1], vec![-1.0, 0.0, 0.65]];
    for (test_axes, seed) in [(train, 3), (other, 4)] {
        let xs = grid_points(&test_axes);
        let (mean, cov) = dense_posterior(&product, noise, &x, &y, &xs);
        let p = kron.predict_grid(&test_axes).unwrap();
        assert_close(&p.mean, &mean, 1e-10, "Kronecker mean");
        assert_close(&p.variance, &diagonal(&cov), 1e-10, "Kronecker variance");
        let draws = kron
            .sample_posterior(&test_axes, 4000, &mut rng(seed))
            .unwrap();
        check_moments(&draws, &mean, &cov, "KroneckerGp posterior");
        // The exact GP's own sampler on the same points agrees too.
        let exact = ExactGp::new(product.clone(), noise, x.clone(), y.clone()).unwrap();
        let (exact_draws, _) = exact.sample_posterior(&xs, 4000, &mut rng(seed)).unwrap();
        check_moments(&exact_draws, &mean, &cov, "ExactGp on the grid");
    }
}

#[test]
fn kronecker_prior_samples_have_the_product_covariance() {
    let (kron, product, _, _) = kronecker_case();
    let test_axes = vec![vec![0.0, 0.3, 1.0, 1.05], vec![-0.5, 0.5, 2.0]];
    let draws = KroneckerGp::sample_prior(kron.kernels(), &test_axes, 4000, &mut rng(5)).unwrap();
    let xs = grid_points(&test_axes);
    check_moments(
        &draws,
        &vec![0.0; xs.len()],
        &gram(&product, &xs).unwrap(),
        "KroneckerGp prior",
    );
}

#[test]
fn kronecker_serde_round_trip_gives_identical_predictions_and_samples() {
    let (kron, _, _, _) = kronecker_case();
    let json = serde_json::to_string(&kron).unwrap();
    let back: KroneckerGp<Stationary<Matern52>> = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back.log_marginal_likelihood(),
        kron.log_marginal_likelihood()
    );
    assert_eq!(back.alpha(), kron.alpha());
    let q = Points::from_rows(&[[0.1, 0.2], [1.7, -0.9], [3.0, 2.0]]).unwrap();
    assert_eq!(back.predict(&q).unwrap(), kron.predict(&q).unwrap());
    let test_axes = vec![vec![0.5, 1.5], vec![0.0]];
    assert_eq!(
        back.predict_grid(&test_axes).unwrap(),
        kron.predict_grid(&test_axes).unwrap()
    );
    assert_eq!(
        back.sample_posterior(&test_axes, 3, &mut rng(6)).unwrap(),
        kron.sample_posterior(&test_axes, 3, &mut rng(6)).unwrap()
    );
    // Stored data that a model would reject is rejected on loading.
    let bad = json.replacen("\"noise_variance\":0.03", "\"noise_variance\":-1.0", 1);
    assert_ne!(bad, json);
    assert!(serde_json::from_str::<KroneckerGp<Stationary<Matern52>>>(&bad).is_err());
}

#[test]
fn kronecker_sampling_rejects_bad_test_grids() {
    let (kron, _, _, _) = kronecker_case();
    let mut r = rng(7);
    assert!(matches!(
        kron.sample_posterior(&[vec![0.0]], 2, &mut r),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        kron.sample_posterior(&[vec![0.0], vec![f64::NAN]], 2, &mut r),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        kron.sample_posterior(&[vec![0.0], vec![]], 2, &mut r),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        KroneckerGp::sample_prior(kron.kernels(), &[vec![0.0]], 2, &mut r),
        Err(Error::ShapeMismatch { .. })
    ));
    let none: &[Stationary<Matern52>] = &[];
    assert!(matches!(
        KroneckerGp::sample_prior(none, &[], 2, &mut r),
        Err(Error::Empty(_))
    ));
}

/// Irregular times with a repeated input, targets, and test inputs: some
/// training times (one of them repeated), new times between, before and
/// after the data, unsorted.
fn state_space_case() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut t: Vec<f64> = (0..24)
        .map(|i| 0.37 * i as f64 + 0.11 * ((i * 7 % 5) as f64))
        .collect();
    t.push(t[9]);
    let y: Vec<f64> = t
        .iter()
        .enumerate()
        .map(|(i, s)| (0.9 * s).sin() + 0.1 * ((i * 3 % 7) as f64 - 3.0))
        .collect();
    let ts = vec![t[9], 4.05, -0.8, t[0], 9.7, t[17], 2.2, t[9], 12.0];
    (t, y, ts)
}

fn check_state_space<P: sobolev_kernels::kernel::Profile + Clone>(
    order: MaternOrder,
    profile: P,
    seed: u64,
) {
    let (t, y, ts) = state_space_case();
    let (variance, lengthscale, noise) = (1.2, 1.1, 0.05);
    let x = points_1d(&t);
    let xs = points_1d(&ts);
    let gp = StateSpaceGp::new(order, variance, lengthscale, noise, &x, &y).unwrap();
    let kernel = Stationary::new(profile, variance, lengthscale).unwrap();
    let (mean, cov) = dense_posterior(&kernel, noise, &x, &y, &xs);
    let p = gp.predict(&xs).unwrap();
    assert_close(&p.mean, &mean, 1e-9, "state-space mean");
    assert_close(&p.variance, &diagonal(&cov), 1e-9, "state-space variance");
    let draws = gp.sample_posterior(&xs, 4000, &mut rng(seed)).unwrap();
    check_moments(&draws, &mean, &cov, &format!("{order:?} posterior"));
    // A repeated test input is one value per draw.
    for c in 0..draws.ncols() {
        assert_eq!(draws[(0, c)], draws[(7, c)]);
    }
    let prior =
        StateSpaceGp::sample_prior(order, variance, lengthscale, &xs, 4000, &mut rng(seed + 1))
            .unwrap();
    check_moments(
        &prior,
        &[0.0; 9],
        &gram(&kernel, &xs).unwrap(),
        &format!("{order:?} prior"),
    );
}

#[test]
fn state_space_samples_equal_the_exact_gp_in_law() {
    check_state_space(MaternOrder::Half, Matern12, 10);
    check_state_space(MaternOrder::ThreeHalves, Matern32, 20);
    check_state_space(MaternOrder::FiveHalves, Matern52, 30);
}

#[test]
fn state_space_samples_at_the_training_times_and_bad_input() {
    let (t, y, _) = state_space_case();
    let x = points_1d(&t);
    let gp = StateSpaceGp::new(MaternOrder::ThreeHalves, 0.8, 0.6, 0.02, &x, &y).unwrap();
    let kernel = Stationary::new(Matern32, 0.8, 0.6).unwrap();
    let (mean, cov) = dense_posterior(&kernel, 0.02, &x, &y, &x);
    let draws = gp.sample_posterior(&x, 4000, &mut rng(40)).unwrap();
    check_moments(&draws, &mean, &cov, "state-space at the training times");
    let mut r = rng(41);
    let two_d = Points::from_rows(&[[0.0, 1.0]]).unwrap();
    assert!(matches!(
        gp.sample_posterior(&two_d, 1, &mut r),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        StateSpaceGp::sample_prior(MaternOrder::Half, -1.0, 1.0, &x, 1, &mut r),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn sparse_gp_samples_follow_titsias_q_f() {
    let kernel = Stationary::new(Gaussian, 1.1, 0.8).unwrap();
    let xv: Vec<f64> = (0..40).map(|i| -3.0 + 0.15 * i as f64).collect();
    let y: Vec<f64> = xv.iter().map(|t| t.sin() + 0.3 * (3.0 * t).cos()).collect();
    let zv = [-2.6, -1.5, -0.4, 0.5, 1.4, 2.5];
    let (x, z) = (points_1d(&xv), points_1d(&zv));
    let xs = points_1d(&[-3.4, -1.0, 0.0, 0.2, 1.9, 3.5]);
    let noise = 0.05;
    let gp = SparseGp::new(kernel.clone(), noise, x.clone(), y.clone(), z.clone()).unwrap();
    // q(f_*) (Titsias 2009, eq. 6) with S = K_mm + K_mn K_nm / s:
    // mean K_*m S^{-1} K_mn y / s, cov K_** - K_*m K_mm^{-1} K_m* + K_*m S^{-1} K_m*.
    let kmm = gram(&kernel, &z).unwrap();
    let kmn = cross_gram(&kernel, &z, &x).unwrap();
    let kms = cross_gram(&kernel, &z, &xs).unwrap();
    let s = &kmm + (&kmn * kmn.transpose()) * faer::Scale(1.0 / noise);
    let s_lu = s.partial_piv_lu();
    let ky = &kmn * Mat::from_fn(y.len(), 1, |i, _| y[i] / noise);
    let w = s_lu.solve(&ky);
    let mean: Vec<f64> = (0..xs.len())
        .map(|j| (0..zv.len()).map(|a| kms[(a, j)] * w[(a, 0)]).sum())
        .collect();
    let cov = gram(&kernel, &xs).unwrap() - kms.transpose() * kmm.partial_piv_lu().solve(&kms)
        + kms.transpose() * s_lu.solve(&kms);
    let p = gp.predict(&xs).unwrap();
    assert_close(&p.mean, &mean, 1e-9, "sparse mean");
    assert_close(&p.variance, &diagonal(&cov), 1e-9, "sparse variance");
    let (draws, _) = gp.sample_posterior(&xs, 4000, &mut rng(50)).unwrap();
    check_moments(&draws, &mean, &cov, "SparseGp q(f_*)");
    // With Z = X the variational posterior is the exact one (every fourth
    // input, so that K(X, X) is well conditioned).
    let x4 = points_1d(&xv.iter().step_by(4).copied().collect::<Vec<_>>());
    let y4: Vec<f64> = y.iter().step_by(4).copied().collect();
    let full = SparseGp::new(kernel.clone(), noise, x4.clone(), y4.clone(), x4.clone()).unwrap();
    let (mean, cov) = dense_posterior(&kernel, noise, &x4, &y4, &xs);
    let (draws, _) = full.sample_posterior(&xs, 4000, &mut rng(51)).unwrap();
    check_moments(&draws, &mean, &cov, "SparseGp with Z = X");
    let (prior, _) = SparseGp::sample_prior(&kernel, &xs, 4000, &mut rng(52)).unwrap();
    check_moments(&prior, &[0.0; 6], &gram(&kernel, &xs).unwrap(), "prior");
}

/// `E[(d^2)^2]` over the draws, `d^2` the squared Mahalanobis distance
/// under `(mean, cov)`, and its Monte Carlo standard error.
fn mahalanobis_fourth_moment(draws: &Mat<f64>, mean: &[f64], cov: &Mat<f64>) -> (f64, f64) {
    let m = mean.len();
    let centred = Mat::from_fn(m, draws.ncols(), |i, c| draws[(i, c)] - mean[i]);
    let solved = cov.partial_piv_lu().solve(&centred);
    let d4: Vec<f64> = (0..draws.ncols())
        .map(|c| {
            let d2: f64 = (0..m).map(|i| centred[(i, c)] * solved[(i, c)]).sum();
            d2 * d2
        })
        .collect();
    let n = d4.len() as f64;
    let avg = d4.iter().sum::<f64>() / n;
    let sd = (d4.iter().map(|v| (v - avg).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (avg, sd / n.sqrt())
}

#[test]
fn student_t_samples_are_multivariate_t() {
    let kernel = Stationary::new(Gaussian, 1.0, 0.9).unwrap();
    let xv = [-1.5, -0.9, -0.2, 0.3, 0.8, 1.6, 2.2, 2.5];
    // An outlier makes the variance scale differ clearly from 1.
    let y = [0.1, -0.4, 0.2, 0.9, 2.8, 0.3, -0.2, -0.6];
    let x = points_1d(&xv);
    let xs = points_1d(&[-1.2, 0.0, 0.6, 1.9, 3.0]);
    let (noise, dof) = (0.05, 4.0);
    let tp = StudentTProcess::new(kernel.clone(), noise, dof, x.clone(), y.to_vec()).unwrap();
    let (mean, gp_cov) = dense_posterior(&kernel, noise, &x, &y, &xs);
    let r = tp.variance_scale();
    assert!(r > 1.5, "variance scale {r}");
    let cov = gp_cov * faer::Scale(r);
    let p = tp.predict(&xs).unwrap();
    assert_close(&p.mean, &mean, 1e-10, "Student-t mean");
    assert_close(&p.variance, &diagonal(&cov), 1e-10, "Student-t variance");
    let (draws, _) = tp.sample_posterior(&xs, 20000, &mut rng(60)).unwrap();
    check_moments(&draws, &mean, &cov, "Student-t posterior");
    // Heavy tails: E[(d^2)^2] = m (m + 2) (nu' - 2) / (nu' - 4), nu' = nu + N;
    // a Gaussian with this covariance has m (m + 2).
    let m = xs.len() as f64;
    let nu = tp.predictive_dof();
    let (d4, se) = mahalanobis_fourth_moment(&draws, &mean, &cov);
    let t_law = m * (m + 2.0) * (nu - 2.0) / (nu - 4.0);
    assert!(
        ((d4 - t_law) / se).abs() < Z_MAX,
        "d^4 {d4} vs {t_law} (se {se})"
    );
    assert!((d4 - m * (m + 2.0)) / se > 10.0, "d^4 {d4} looks Gaussian");
    // Prior: covariance K, tails of nu dof (nu = 10 keeps the fourth
    // moment of d^4 finite).
    let (prior, _) =
        StudentTProcess::sample_prior(&kernel, 10.0, &xs, 20000, &mut rng(61)).unwrap();
    let k = gram(&kernel, &xs).unwrap();
    check_moments(&prior, &[0.0; 5], &k, "Student-t prior");
    let (d4, se) = mahalanobis_fourth_moment(&prior, &[0.0; 5], &k);
    let t_law = m * (m + 2.0) * 8.0 / 6.0;
    assert!(
        ((d4 - t_law) / se).abs() < Z_MAX,
        "prior d^4 {d4} vs {t_law}"
    );
    assert!(matches!(
        StudentTProcess::sample_prior(&kernel, 2.0, &xs, 1, &mut rng(62)),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn laplace_latent_samples_follow_the_laplace_gaussian() {
    let kernel = Stationary::new(Gaussian, 2.0, 0.8).unwrap();
    let xv: Vec<f64> = (0..20).map(|i| -2.0 + 0.21 * i as f64).collect();
    let labels: Vec<bool> = xv
        .iter()
        .enumerate()
        .map(|(i, t)| (t.sin() > 0.0) ^ (i % 7 == 3))
        .collect();
    let x = points_1d(&xv);
    let xs = points_1d(&[-2.5, -1.0, 0.05, 0.9, 2.4]);
    let gpc = LaplaceGpc::new(kernel.clone(), x.clone(), labels.clone()).unwrap();
    // R&W eqs. 3.21 and 3.24 at the mode: mean K_*X (t - pi), covariance
    // K_** - K_*X (W^{-1} + K)^{-1} K_X*.
    let pi: Vec<f64> = gpc
        .mode()
        .iter()
        .map(|f| 1.0 / (1.0 + (-f).exp()))
        .collect();
    let mut a = gram(&kernel, &x).unwrap();
    for (i, p) in pi.iter().enumerate() {
        a[(i, i)] += 1.0 / (p * (1.0 - p));
    }
    let kxs = cross_gram(&kernel, &x, &xs).unwrap();
    let mean: Vec<f64> = (0..xs.len())
        .map(|j| {
            (0..xv.len())
                .map(|i| kxs[(i, j)] * (f64::from(u8::from(labels[i])) - pi[i]))
                .sum()
        })
        .collect();
    let cov = gram(&kernel, &xs).unwrap() - kxs.transpose() * a.partial_piv_lu().solve(&kxs);
    let p = gpc.predict(&xs).unwrap();
    assert_close(&p.latent.mean, &mean, 1e-9, "Laplace mean");
    assert_close(
        &p.latent.variance,
        &diagonal(&cov),
        1e-9,
        "Laplace variance",
    );
    let (draws, _) = gpc.sample_posterior(&xs, 4000, &mut rng(70)).unwrap();
    check_moments(&draws, &mean, &cov, "Laplace latent posterior");
    let (prior, _) = LaplaceGpc::sample_prior(&kernel, &xs, 4000, &mut rng(71)).unwrap();
    check_moments(&prior, &[0.0; 5], &gram(&kernel, &xs).unwrap(), "prior");
}

#[test]
fn fitted_models_round_trip_through_serde() {
    let (t, y, ts) = state_space_case();
    let xs = points_1d(&ts);
    let ss = StateSpaceGp::new(MaternOrder::FiveHalves, 1.0, 0.8, 0.1, &points_1d(&t), &y).unwrap();
    let back: StateSpaceGp = serde_json::from_str(&serde_json::to_string(&ss).unwrap()).unwrap();
    assert_eq!(back.predict(&xs).unwrap(), ss.predict(&xs).unwrap());
    assert_eq!(
        back.sample_posterior(&xs, 2, &mut rng(80)).unwrap(),
        ss.sample_posterior(&xs, 2, &mut rng(80)).unwrap()
    );
    let kernel = Stationary::new(Gaussian, 1.0, 0.9).unwrap();
    let x = points_1d(&t[..10]);
    let tp = StudentTProcess::new(kernel.clone(), 0.1, 5.0, x.clone(), y[..10].to_vec()).unwrap();
    let back: StudentTProcess<Stationary<Gaussian>> =
        serde_json::from_str(&serde_json::to_string(&tp).unwrap()).unwrap();
    assert_eq!(
        back.sample_posterior(&xs, 2, &mut rng(81)).unwrap(),
        tp.sample_posterior(&xs, 2, &mut rng(81)).unwrap()
    );
    let ex = ExactGp::new(kernel.clone(), 0.1, x.clone(), y[..10].to_vec()).unwrap();
    let back: ExactGp<Stationary<Gaussian>> =
        serde_json::from_str(&serde_json::to_string(&ex).unwrap()).unwrap();
    assert_eq!(
        back.sample_posterior(&xs, 2, &mut rng(83)).unwrap(),
        ex.sample_posterior(&xs, 2, &mut rng(83)).unwrap()
    );
    let labels: Vec<bool> = y[..10].iter().map(|v| *v > 0.0).collect();
    let gpc = LaplaceGpc::new(kernel.clone(), x.clone(), labels).unwrap();
    let back: LaplaceGpc<Stationary<Gaussian>> =
        serde_json::from_str(&serde_json::to_string(&gpc).unwrap()).unwrap();
    assert_eq!(
        back.sample_posterior(&xs, 2, &mut rng(84)).unwrap(),
        gpc.sample_posterior(&xs, 2, &mut rng(84)).unwrap()
    );
    let sp = SparseGp::new(
        kernel,
        0.1,
        x.clone(),
        y[..10].to_vec(),
        points_1d(&[0.5, 2.0]),
    )
    .unwrap();
    let back: SparseGp<Stationary<Gaussian>> =
        serde_json::from_str(&serde_json::to_string(&sp).unwrap()).unwrap();
    assert_eq!(
        back.sample_posterior(&xs, 2, &mut rng(82)).unwrap(),
        sp.sample_posterior(&xs, 2, &mut rng(82)).unwrap()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Permuting the sample inputs permutes the rows of the draws (same
    /// seed): the sampler works in time order whatever the input order,
    /// and repeated inputs get the same value in every draw.
    #[test]
    fn state_space_draws_follow_the_inputs_order(
        times in proptest::collection::vec(-5.0f64..5.0, 2..15),
        at in proptest::collection::vec(-6.0f64..6.0, 1..8),
        shift in 0usize..8,
        seed in 0u64..1000,
    ) {
        let y: Vec<f64> = times.iter().map(|t| (1.3 * t).cos()).collect();
        let gp = StateSpaceGp::new(
            MaternOrder::ThreeHalves, 1.0, 0.7, 0.05, &points_1d(&times), &y,
        ).unwrap();
        // A rotation of the inputs, with the first repeated at the end.
        let m = at.len();
        let mut rotated: Vec<f64> = (0..m).map(|i| at[(i + shift) % m]).collect();
        rotated.push(at[shift % m]);
        let a = gp.sample_posterior(&points_1d(&at), 3, &mut rng(seed)).unwrap();
        let b = gp.sample_posterior(&points_1d(&rotated), 3, &mut rng(seed)).unwrap();
        for c in 0..3 {
            for i in 0..m {
                prop_assert_eq!(b[(i, c)], a[((i + shift) % m, c)]);
            }
            prop_assert_eq!(b[(m, c)], b[(0, c)]);
            prop_assert!(a.col(c).iter().all(|v| v.is_finite()));
        }
    }
}

/// A test grid drawn from the training axes (reordered, a subset) adds no
/// point to the union grid, so with the same seed its draws are the
/// matching rows of the draws on the training grid: a deterministic check
/// of the union-grid bookkeeping.
#[test]
fn kronecker_draws_on_a_sub_grid_are_rows_of_the_training_grid_draws() {
    let (kron, _, _, _) = kronecker_case();
    let axes = kron.axes().to_vec();
    let full = kron.sample_posterior(&axes, 5, &mut rng(90)).unwrap();
    let pick = [vec![4usize, 1, 2], vec![3usize, 0]];
    let sub: Vec<Vec<f64>> = pick
        .iter()
        .zip(&axes)
        .map(|(p, a)| p.iter().map(|&i| a[i]).collect())
        .collect();
    let part = kron.sample_posterior(&sub, 5, &mut rng(90)).unwrap();
    let n2 = axes[1].len();
    for (r, (&i, &j)) in pick[0]
        .iter()
        .flat_map(|i| pick[1].iter().map(move |j| (i, j)))
        .enumerate()
    {
        for c in 0..5 {
            let (a, b) = (part[(r, c)], full[(i * n2 + j, c)]);
            assert!((a - b).abs() < 1e-12, "({i}, {j}) draw {c}: {a} vs {b}");
        }
    }
}
