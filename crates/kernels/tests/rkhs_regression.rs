//! Nystrom, kernel ridge regression, kernel PCA and kernel herding:
//! scikit-learn fixtures (`xtask/refdata/rkhs_sklearn.py`), explicit refits
//! for the closed-form leave-one-out residuals, exact identities, and the
//! MMD decay of herding against a closed-form mean embedding.

use faer::Mat;
use sobolev_kernels::features::FeatureMap;
use sobolev_kernels::kernel::{Gaussian, Matern32, Stationary};
use sobolev_kernels::{
    Coupling, Error, FeaturePca, FeatureRidge, KernelPca, KernelRidge, LandmarkSampling, Nystrom,
    Points, RandomFourierFeatures, cross_gram, empirical_mean_embedding, gram, kernel_herding,
    ridge_leverage_scores,
};
use std::collections::HashMap;

struct Fixture(HashMap<String, (usize, usize, Vec<f64>)>);

impl Fixture {
    fn load() -> Self {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/rkhs_sklearn.txt"
        ))
        .unwrap();
        let mut lines = text.lines().filter(|l| !l.starts_with('#'));
        let mut map = HashMap::new();
        while let Some(head) = lines.next() {
            let mut h = head.split_whitespace();
            let name = h.next().unwrap().to_string();
            let rows: usize = h.next().unwrap().parse().unwrap();
            let cols: usize = h.next().unwrap().parse().unwrap();
            let vals: Vec<f64> = lines
                .next()
                .unwrap()
                .split_whitespace()
                .map(|v| v.parse().unwrap())
                .collect();
            assert_eq!(vals.len(), rows * cols);
            map.insert(name, (rows, cols, vals));
        }
        Self(map)
    }
    fn vec(&self, name: &str) -> Vec<f64> {
        self.0[name].2.clone()
    }
    fn points(&self, name: &str) -> Points {
        let (_, c, v) = &self.0[name];
        Points::new(v.clone(), *c).unwrap()
    }
    fn mat(&self, name: &str) -> Mat<f64> {
        let (r, c, v) = &self.0[name];
        Mat::from_fn(*r, *c, |i, j| v[i * c + j])
    }
    fn rbf(&self) -> Stationary<Gaussian> {
        Stationary::new(Gaussian, 1.0, self.vec("lengthscale")[0]).unwrap()
    }
}

fn max_abs_diff(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()));
    let mut m: f64 = 0.0;
    for i in 0..a.nrows() {
        for j in 0..a.ncols() {
            m = m.max((a[(i, j)] - b[(i, j)]).abs());
        }
    }
    m
}

/// Flips each column of `a` to the sign that best matches `b`.
fn align_signs(a: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
    let signs: Vec<f64> = (0..a.ncols())
        .map(|j| {
            let dot: f64 = (0..a.nrows()).map(|i| a[(i, j)] * b[(i, j)]).sum();
            if dot < 0.0 { -1.0 } else { 1.0 }
        })
        .collect();
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| signs[j] * a[(i, j)])
}

#[test]
fn nystrom_matches_scikit_learn_on_the_same_landmarks() {
    let f = Fixture::load();
    let x = f.points("x");
    let idx: Vec<usize> = f
        .vec("nystroem_indices")
        .iter()
        .map(|&v| v as usize)
        .collect();
    let d = x.dim();
    let land: Vec<f64> = idx.iter().flat_map(|&i| x.row(i).to_vec()).collect();
    let map = Nystrom::from_landmarks(f.rbf(), Points::new(land, d).unwrap()).unwrap();
    let got = map.transform(&f.points("x_test")).unwrap();
    let err = max_abs_diff(&got, &f.mat("nystroem_test"));
    eprintln!("Nystroem vs scikit-learn: max abs error {err:.1e}");
    assert!(err < 1e-10, "Nystroem max error {err:e}");
}

#[test]
fn nystrom_with_all_points_reproduces_the_kernel() {
    let f = Fixture::load();
    let x = f.points("x");
    let k = Stationary::new(Matern32, 1.0, 0.6).unwrap();
    let map = Nystrom::fit(k.clone(), &x, x.len(), LandmarkSampling::Uniform, 1).unwrap();
    let approx = map.approximate_gram(&x, &x).unwrap();
    let exact = gram(&k, &x).unwrap();
    let err = max_abs_diff(&approx, &exact);
    assert!(err < 1e-9, "{err:e}");
    let mut idx = map.landmark_indices().to_vec();
    idx.sort_unstable();
    assert_eq!(idx, (0..x.len()).collect::<Vec<_>>());
}

/// `phi(x) . phi(z_j) = k(x, z_j)` for every landmark `z_j` (the features
/// reproduce the landmark columns of the kernel exactly), checked on 700
/// points so that the parallel 256-row blocks of `transform` and a partial
/// last block are all covered; rows at the block edges equal the features
/// of the point transformed alone.
#[test]
fn nystrom_features_reproduce_the_landmark_columns_in_every_row_block() {
    let n = 700;
    let data: Vec<f64> = (0..3 * n)
        .map(|i| 2.0 * (i as f64 * 0.754_877_666_2 + 0.3).fract() * 2.0 - 2.0)
        .map(|v| v + 0.1 * (v * 37.0).sin())
        .collect();
    let x = Points::new(data, 3).unwrap();
    let k = Stationary::new(Gaussian, 1.3, 0.3).unwrap();
    let map = Nystrom::fit(k.clone(), &x, 25, LandmarkSampling::Uniform, 11).unwrap();
    let approx = map.approximate_gram(&x, map.landmarks()).unwrap();
    let exact = cross_gram(&k, &x, map.landmarks()).unwrap();
    let err = max_abs_diff(&approx, &exact);
    assert!(err < 1e-10, "landmark columns off by {err:e}");
    let phi = map.transform(&x).unwrap();
    for i in [0, 255, 256, 511, 512, 699] {
        let alone = map
            .transform(&Points::new(x.row(i).to_vec(), 3).unwrap())
            .unwrap();
        for j in 0..phi.ncols() {
            let diff = (phi[(i, j)] - alone[(0, j)]).abs();
            assert!(diff < 1e-12, "row {i}, feature {j}: {diff:e}");
        }
    }
}

/// A clustered sample: 300 points near the origin, 12 in far small clusters.
fn clustered() -> Points {
    let mut data = Vec::new();
    for i in 0..300 {
        let t = i as f64 * 0.618_033_988_75;
        data.extend_from_slice(&[0.3 * (t * 7.0).sin(), 0.3 * (t * 3.0).cos()]);
    }
    for c in 0..4 {
        for i in 0..3 {
            let a = 6.0 * (c as f64 * 1.7).cos() + 0.05 * i as f64;
            let b = 6.0 * (c as f64 * 1.7).sin() - 0.05 * i as f64;
            data.extend_from_slice(&[a, b]);
        }
    }
    Points::new(data, 2).unwrap()
}

#[test]
fn ridge_leverage_sampling_beats_uniform_on_clustered_data() {
    let x = clustered();
    let k = Stationary::new(Gaussian, 1.0, 0.5).unwrap();
    let lambda = 1e-3;
    let exact = ridge_leverage_scores(&k, &x, lambda).unwrap();
    // The pilot estimate tracks the exact scores within a factor of 2 (its
    // residual term over-counts on purpose, which is safe for sampling).
    let pilot = Nystrom::fit(k.clone(), &x, 40, LandmarkSampling::Uniform, 5).unwrap();
    let approx = pilot.approximate_leverage_scores(&x, lambda).unwrap();
    let total_exact: f64 = exact.iter().sum();
    let total_approx: f64 = approx.iter().sum();
    assert!(
        (0.5..2.0).contains(&(total_approx / total_exact)),
        "{total_approx} {total_exact}"
    );
    // Far cluster points have far larger scores than central ones.
    assert!(exact[305] > 5.0 * exact[10]);

    let kx = gram(&k, &x).unwrap();
    let trace_error = |s: LandmarkSampling, seed: u64| {
        let m = Nystrom::fit(k.clone(), &x, 30, s, seed).unwrap();
        let a = m.approximate_gram(&x, &x).unwrap();
        (0..x.len()).map(|i| kx[(i, i)] - a[(i, i)]).sum::<f64>()
    };
    let (mut uni, mut rls) = (0.0, 0.0);
    for seed in 0..10 {
        uni += trace_error(LandmarkSampling::Uniform, seed);
        rls += trace_error(LandmarkSampling::RidgeLeverage { lambda }, seed);
    }
    // Uniform sampling keeps missing the far clusters (measured: 82 vs 6).
    assert!(rls < 0.25 * uni, "RLS trace error {rls} vs uniform {uni}");
}

#[test]
fn kernel_ridge_matches_scikit_learn() {
    let f = Fixture::load();
    let model = KernelRidge::fit(
        f.rbf(),
        &f.points("x"),
        &f.vec("y"),
        f.vec("ridge_alpha")[0],
    )
    .unwrap();
    let dual_err = model
        .dual_coefficients()
        .iter()
        .zip(f.vec("ridge_dual"))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let pred = model.predict(&f.points("x_test")).unwrap();
    let pred_err = pred
        .iter()
        .zip(f.vec("ridge_pred"))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    eprintln!("KernelRidge vs scikit-learn: dual {dual_err:.1e}, predictions {pred_err:.1e}");
    assert!(
        dual_err < 1e-9 && pred_err < 1e-10,
        "{dual_err:e} {pred_err:e}"
    );
}

/// `x` without point `i`, and `y` without entry `i`.
fn drop_one(x: &Points, y: &[f64], i: usize) -> (Points, Vec<f64>) {
    let d = x.dim();
    let data: Vec<f64> = (0..x.len())
        .filter(|&j| j != i)
        .flat_map(|j| x.row(j).to_vec())
        .collect();
    let yy = (0..y.len()).filter(|&j| j != i).map(|j| y[j]).collect();
    (Points::new(data, d).unwrap(), yy)
}

#[test]
fn closed_form_loo_residuals_equal_explicit_refits() {
    let f = Fixture::load();
    let (x, y, alpha) = (f.points("x"), f.vec("y"), 0.05);
    let k = Stationary::new(Matern32, 1.5, 0.9).unwrap();
    let model = KernelRidge::fit(k.clone(), &x, &y, alpha).unwrap();
    let loo = model.loo_residuals().unwrap();
    let rff = RandomFourierFeatures::new(&k, 3, 64, Coupling::Orthogonal, 3).unwrap();
    let fr = FeatureRidge::fit(rff.clone(), &x, &y, alpha).unwrap();
    let ny = Nystrom::fit(k.clone(), &x, 20, LandmarkSampling::Uniform, 2).unwrap();
    let nr = FeatureRidge::fit(ny.clone(), &x, &y, alpha).unwrap();
    for i in [0, 7, 19, 39] {
        let (xi, yi) = drop_one(&x, &y, i);
        let one = Points::new(x.row(i).to_vec(), 3).unwrap();
        let refit = KernelRidge::fit(k.clone(), &xi, &yi, alpha).unwrap();
        let want = y[i] - refit.predict(&one).unwrap()[0];
        assert!(
            (loo[i] - want).abs() < 1e-9 * (1.0 + want.abs()),
            "exact {i}"
        );
        let refit = FeatureRidge::fit(rff.clone(), &xi, &yi, alpha).unwrap();
        let want = y[i] - refit.predict(&one).unwrap()[0];
        assert!(
            (fr.loo_residuals()[i] - want).abs() < 1e-9 * (1.0 + want.abs()),
            "rff {i}"
        );
        let refit = FeatureRidge::fit(ny.clone(), &xi, &yi, alpha).unwrap();
        let want = y[i] - refit.predict(&one).unwrap()[0];
        assert!(
            (nr.loo_residuals()[i] - want).abs() < 1e-9 * (1.0 + want.abs()),
            "nystrom {i}"
        );
    }
}

#[test]
fn feature_ridge_with_full_nystrom_equals_exact_ridge() {
    let f = Fixture::load();
    let (x, y) = (f.points("x"), f.vec("y"));
    let k = f.rbf();
    let exact = KernelRidge::fit(k.clone(), &x, &y, 0.1).unwrap();
    let ny = Nystrom::fit(k, &x, x.len(), LandmarkSampling::Uniform, 0).unwrap();
    let approx = FeatureRidge::fit(ny, &x, &y, 0.1).unwrap();
    let xt = f.points("x_test");
    let (a, b) = (exact.predict(&xt).unwrap(), approx.predict(&xt).unwrap());
    for (p, q) in a.iter().zip(&b) {
        assert!((p - q).abs() < 1e-8, "{p} {q}");
    }
}

#[test]
fn kernel_pca_matches_scikit_learn_up_to_sign() {
    let f = Fixture::load();
    let (x, xt) = (f.points("x"), f.points("x_test"));
    let pca = KernelPca::fit(f.rbf(), &x, 4).unwrap();
    let ev_err = pca
        .eigenvalues()
        .iter()
        .zip(f.vec("kpca_eigenvalues"))
        .map(|(a, b)| (a - b).abs() / b)
        .fold(0.0, f64::max);
    eprintln!("KernelPCA vs scikit-learn: eigenvalues rel {ev_err:.1e}");
    assert!(ev_err < 1e-12, "{ev_err:e}");
    let want = f.mat("kpca_train");
    let got = align_signs(pca.training_scores(), &want);
    assert!(max_abs_diff(&got, &want) < 1e-10);
    let want_t = f.mat("kpca_test");
    let got_t = pca.transform(&xt).unwrap();
    // The same sign flips as on the training scores.
    let flip: Vec<f64> = (0..4)
        .map(|j| (got[(0, j)] / pca.training_scores()[(0, j)]).signum())
        .collect();
    let got_t = Mat::from_fn(10, 4, |i, j| flip[j] * got_t[(i, j)]);
    let err = max_abs_diff(&got_t, &want_t);
    eprintln!(
        "KernelPCA vs scikit-learn: train scores {:.1e}, test projections {err:.1e}",
        max_abs_diff(&got, &want)
    );
    assert!(err < 1e-10, "{err:e}");
    // Out-of-sample projection of a training point equals its score.
    let own = pca.transform(&x).unwrap();
    assert!(max_abs_diff(&own, pca.training_scores()) < 1e-10);

    // Nystrom kernel PCA with every point as a landmark is exact kernel PCA.
    let ny = Nystrom::fit(f.rbf(), &x, x.len(), LandmarkSampling::Uniform, 4).unwrap();
    let npca = FeaturePca::fit(ny, &x, 4).unwrap();
    for (a, b) in npca.eigenvalues().iter().zip(pca.eigenvalues()) {
        assert!((a - b).abs() < 1e-9 * b);
    }
    let nt = align_signs(&npca.transform(&xt).unwrap(), &got_t);
    assert!(max_abs_diff(&nt, &got_t) < 1e-8);
}

#[test]
fn herding_mmd_decays_faster_than_independent_sampling() {
    // Gaussian kernel, standard normal target in R^2: closed-form mean
    // embedding mu(x) = (l^2/(l^2+1)) exp(-|x|^2 / (2(l^2+1))) and
    // |mu|^2 = l^2 / (l^2 + 2).
    let l = 1.0f64;
    let k = Stationary::new(Gaussian, 1.0, l).unwrap();
    let side = 41;
    let data: Vec<f64> = (0..side * side)
        .flat_map(|i| {
            let (a, b) = (i % side, i / side);
            [
                -4.0 + 8.0 * a as f64 / (side - 1) as f64,
                -4.0 + 8.0 * b as f64 / (side - 1) as f64,
            ]
        })
        .collect();
    let cand = Points::new(data, 2).unwrap();
    let l2 = l * l;
    let mu: Vec<f64> = cand
        .rows()
        .map(|r| l2 / (l2 + 1.0) * (-(r[0] * r[0] + r[1] * r[1]) / (2.0 * (l2 + 1.0))).exp())
        .collect();
    let norm = l2 / (l2 + 2.0);
    let h = kernel_herding(&k, &cand, &mu, norm, 128).unwrap();
    let mmd = |t: usize| h.mmd_squared[t - 1].max(0.0).sqrt();
    // Independent draws: E MMD^2 = (k(x,x) - |mu|^2) / T.
    let iid = |t: usize| ((1.0 - norm) / t as f64).sqrt();
    for t in [16, 64, 128] {
        assert!(mmd(t) < 0.25 * iid(t), "T={t}: {} vs {}", mmd(t), iid(t));
    }
    let slope = (mmd(128).ln() - mmd(16).ln()) / (128f64.ln() - 16f64.ln());
    eprintln!(
        "herding: MMD slope {slope:.3}, MMD at T = 128 {:.2e} vs independent {:.2e}",
        mmd(128),
        iid(128)
    );
    // Independent draws give -1/2.
    assert!(slope < -0.7, "herding MMD slope {slope}");

    // Towards a sample: the embedding helper agrees with direct sums.
    let target = Points::new(
        (0..40)
            .map(|i| ((i * 13 % 17) as f64 / 17.0) - 0.5)
            .collect(),
        2,
    )
    .unwrap();
    let (m, n2) = empirical_mean_embedding(&k, &cand, &target).unwrap();
    let g = gram(&k, &target).unwrap();
    let want: f64 = (0..20)
        .flat_map(|i| (0..20).map(move |j| (i, j)))
        .map(|(i, j)| g[(i, j)])
        .sum::<f64>()
        / 400.0;
    assert!((n2 - want).abs() < 1e-14);
    let hs = kernel_herding(&k, &cand, &m, n2, 20).unwrap();
    assert!(hs.mmd_squared[19] < hs.mmd_squared[0]);
}

#[test]
fn bad_input_gives_typed_errors() {
    let f = Fixture::load();
    let (x, y) = (f.points("x"), f.vec("y"));
    let k = f.rbf();
    assert!(matches!(
        KernelRidge::fit(k.clone(), &x, &y[..5], 0.1),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        KernelRidge::fit(k.clone(), &x, &y, 0.0),
        Err(Error::InvalidArgument(_))
    ));
    let mut bad = y.clone();
    bad[3] = f64::NAN;
    assert!(matches!(
        KernelRidge::fit(k.clone(), &x, &bad, 0.1),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        Nystrom::fit(k.clone(), &x, 0, LandmarkSampling::Uniform, 0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        Nystrom::fit(k.clone(), &x, 41, LandmarkSampling::Uniform, 0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        Nystrom::fit(
            k.clone(),
            &x,
            5,
            LandmarkSampling::RidgeLeverage { lambda: -1.0 },
            0
        ),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        KernelPca::fit(k.clone(), &x, 0),
        Err(Error::InvalidArgument(_))
    ));
    let pca = KernelPca::fit(k.clone(), &x, 2).unwrap();
    assert!(matches!(
        pca.transform(&Points::new(vec![1.0, 2.0], 2).unwrap()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        kernel_herding(&k, &x, &[0.0; 3], 1.0, 4),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        kernel_herding(&k, &x, &vec![0.0; 40], 1.0, 0),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn kernel_pca_partial_eigensolver_matches_dense_eigendecomposition() {
    // n = 512, k = 6 takes the Krylov-Schur path; compare with faer's dense
    // eigendecomposition of the centred Gram matrix formed here.
    let n = 512;
    let x = Points::new(
        (0..n * 3)
            .map(|i| ((i as f64 * 0.754_877_666).fract() - 0.5) * 4.0)
            .collect(),
        3,
    )
    .unwrap();
    let k = Stationary::new(Gaussian, 1.0, 1.1).unwrap();
    let pca = KernelPca::fit(k.clone(), &x, 6).unwrap();
    let g = gram(&k, &x).unwrap();
    let nf = n as f64;
    let col: Vec<f64> = (0..n).map(|j| g.col(j).iter().sum::<f64>() / nf).collect();
    let all = col.iter().sum::<f64>() / nf;
    let c = Mat::from_fn(n, n, |i, j| g[(i, j)] - col[i] - col[j] + all);
    let evd = c.self_adjoint_eigen(faer::Side::Lower).unwrap();
    let s: Vec<f64> = evd.S().column_vector().iter().copied().collect();
    for (j, got) in pca.eigenvalues().iter().enumerate() {
        let want = s[n - 1 - j];
        assert!(
            (got - want).abs() < 1e-10 * want,
            "eigenvalue {j}: {got} vs {want}"
        );
    }
    let u = evd.U();
    let want = Mat::from_fn(n, 6, |i, j| u[(i, n - 1 - j)] * s[n - 1 - j].sqrt());
    let got = align_signs(pca.training_scores(), &want);
    let err = max_abs_diff(&got, &want);
    assert!(err < 1e-8, "scores {err:e}");
}
