//! Random feature maps: unbiasedness against the exact kernels (closed
//! forms), with tolerances from the Monte-Carlo variance over seeds, the
//! MSE ordering of the couplings, and typed errors on bad input.

use faer::Mat;
use sobolev_kernels::features::{PositiveKernel, arc_cosine_kernel};
use sobolev_kernels::kernel::{
    Gaussian, InverseMultiquadric, Matern12, Matern32, Matern52, RationalQuadratic, Stationary,
};
use sobolev_kernels::{
    ArcCosineFeatures, Coupling, Error, FeatureMap, Kernel, Points, PositiveRandomFeatures,
    RandomFourierFeatures, SigmaDeltaFourierFeatures, Spectrum,
};

/// Five points in `R^d` at moderate distances.
fn test_points(d: usize, scale: f64) -> Points {
    let data: Vec<f64> = (0..5 * d)
        .map(|k| scale * (((k * 7 + 3) % 11) as f64 / 11.0 - 0.5))
        .collect();
    Points::new(data, d).unwrap()
}

/// Mean and standard error of each Gram entry over `seeds` independent maps.
fn monte_carlo<F: FeatureMap>(
    x: &Points,
    seeds: u64,
    make: impl Fn(u64) -> F,
) -> (Mat<f64>, Mat<f64>) {
    let n = x.len();
    let mut sum = Mat::<f64>::zeros(n, n);
    let mut sum2 = Mat::<f64>::zeros(n, n);
    for s in 0..seeds {
        let g = make(s).approximate_gram(x, x).unwrap();
        for i in 0..n {
            for j in 0..n {
                sum[(i, j)] += g[(i, j)];
                sum2[(i, j)] += g[(i, j)] * g[(i, j)];
            }
        }
    }
    let m = seeds as f64;
    let mean = Mat::from_fn(n, n, |i, j| sum[(i, j)] / m);
    let se = Mat::from_fn(n, n, |i, j| {
        let var = (sum2[(i, j)] / m - mean[(i, j)] * mean[(i, j)]).max(0.0) * m / (m - 1.0);
        (var / m).sqrt()
    });
    (mean, se)
}

/// Every entry within 5 standard errors (plus a rounding floor) of `exact`.
fn assert_unbiased(
    label: &str,
    x: &Points,
    mean: &Mat<f64>,
    se: &Mat<f64>,
    exact: impl Fn(&[f64], &[f64]) -> f64,
) {
    for i in 0..x.len() {
        for j in 0..x.len() {
            let k = exact(x.row(i), x.row(j));
            let err = (mean[(i, j)] - k).abs();
            assert!(
                err <= 5.0 * se[(i, j)] + 1e-12,
                "{label} ({i},{j}): mean {} vs exact {k}, error {err:e}, 5 se {:e}",
                mean[(i, j)],
                5.0 * se[(i, j)]
            );
        }
    }
}

const COUPLINGS: [Coupling; 3] = [
    Coupling::Independent,
    Coupling::Orthogonal,
    Coupling::Simplex,
];

#[test]
fn fourier_features_are_unbiased_for_gaussian_and_matern() {
    let d = 3;
    let x = test_points(d, 2.0);
    let rbf = Stationary::ard(Gaussian, 1.7, vec![0.8, 1.3, 1.0]).unwrap();
    for c in COUPLINGS {
        let (m, se) = monte_carlo(&x, 300, |s| {
            RandomFourierFeatures::new(&rbf, d, 32, c, s).unwrap()
        });
        assert_unbiased(&format!("rbf {c:?}"), &x, &m, &se, |a, b| rbf.eval(a, b));
    }
    let m12 = Stationary::new(Matern12, 1.0, 0.7).unwrap();
    let m32 = Stationary::new(Matern32, 2.0, 0.9).unwrap();
    let m52 = Stationary::new(Matern52, 0.5, 1.1).unwrap();
    for c in [Coupling::Independent, Coupling::Orthogonal] {
        let (m, se) = monte_carlo(&x, 300, |s| {
            RandomFourierFeatures::new(&m12, d, 32, c, s).unwrap()
        });
        assert_unbiased("matern12", &x, &m, &se, |a, b| m12.eval(a, b));
        let (m, se) = monte_carlo(&x, 300, |s| {
            RandomFourierFeatures::new(&m32, d, 32, c, s).unwrap()
        });
        assert_unbiased("matern32", &x, &m, &se, |a, b| m32.eval(a, b));
        let (m, se) = monte_carlo(&x, 300, |s| {
            RandomFourierFeatures::new(&m52, d, 32, c, s).unwrap()
        });
        assert_unbiased("matern52", &x, &m, &se, |a, b| m52.eval(a, b));
    }
}

/// Matern of smoothness `nu` in closed form through `K_nu`.
fn matern(nu: f64, r: f64) -> f64 {
    if r == 0.0 {
        return 1.0;
    }
    let s = (2.0 * nu).sqrt() * r;
    (2.0f64).powf(1.0 - nu) / sobolev_special::gamma(nu)
        * s.powf(nu)
        * sobolev_special::bessel_k(nu, s)
}

#[test]
fn fourier_features_are_unbiased_for_general_matern_and_mixtures() {
    let d = 2;
    let x = test_points(d, 2.5);
    let dist = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .map(|(p, q)| (p - q) * (p - q))
            .sum::<f64>()
            .sqrt()
    };
    for nu in [0.3, 0.8, 4.0] {
        let (m, se) = monte_carlo(&x, 300, |s| {
            RandomFourierFeatures::from_spectrum(
                Spectrum::Matern { nu },
                1.0,
                &[1.0],
                d,
                32,
                Coupling::Orthogonal,
                s,
            )
            .unwrap()
        });
        assert_unbiased(&format!("matern nu={nu}"), &x, &m, &se, |a, b| {
            matern(nu, dist(a, b))
        });
    }
    // The closed form agrees with the crate's Matern 3/2 (a check of `matern`).
    let m32 = Stationary::new(Matern32, 1.0, 1.0).unwrap();
    assert!((matern(1.5, 0.7) - m32.eval(&[0.0], &[0.7])).abs() < 1e-13);

    let rq = Stationary::new(RationalQuadratic::new(0.7).unwrap(), 1.0, 0.9).unwrap();
    let cauchy = Stationary::new(InverseMultiquadric::new(1.0).unwrap(), 1.3, 1.2).unwrap();
    let (m, se) = monte_carlo(&x, 300, |s| {
        RandomFourierFeatures::new(&rq, d, 32, Coupling::Simplex, s).unwrap()
    });
    assert_unbiased("rational quadratic", &x, &m, &se, |a, b| rq.eval(a, b));
    let (m, se) = monte_carlo(&x, 300, |s| {
        RandomFourierFeatures::new(&cauchy, d, 32, Coupling::Independent, s).unwrap()
    });
    assert_unbiased("cauchy", &x, &m, &se, |a, b| cauchy.eval(a, b));
}

#[test]
fn positive_features_are_unbiased_for_softmax_and_gaussian() {
    let d = 4;
    let x = test_points(d, 0.8);
    let rbf = Stationary::new(Gaussian, 1.4, 1.5).unwrap();
    for c in COUPLINGS {
        let (m, se) = monte_carlo(&x, 300, |s| {
            PositiveRandomFeatures::softmax(d, 16, c, s).unwrap()
        });
        assert_unbiased(&format!("softmax {c:?}"), &x, &m, &se, |a, b| {
            a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>().exp()
        });
        let (m, se) = monte_carlo(&x, 300, |s| {
            PositiveRandomFeatures::gaussian(&rbf, d, 16, c, s).unwrap()
        });
        assert_unbiased(&format!("positive gaussian {c:?}"), &x, &m, &se, |a, b| {
            rbf.eval(a, b)
        });
    }
    let f = PositiveRandomFeatures::softmax(d, 8, Coupling::Simplex, 1).unwrap();
    assert_eq!(f.kernel(), PositiveKernel::Softmax);
    assert!(
        f.transform(&x)
            .unwrap()
            .col_iter()
            .all(|c| c.iter().all(|&v| v > 0.0))
    );
}

#[test]
fn arc_cosine_features_are_unbiased() {
    let d = 3;
    let x = test_points(d, 1.5);
    for order in 0..3 {
        let (m, se) = monte_carlo(&x, 300, |s| {
            ArcCosineFeatures::new(order, d, 32, Coupling::Independent, s).unwrap()
        });
        assert_unbiased(&format!("arc-cosine {order}"), &x, &m, &se, |a, b| {
            arc_cosine_kernel(order, a, b).unwrap()
        });
    }
    // Order 1 at equal points: |x|^2 / 2 ... k_1(x, x) = |x|^2 (J_1(0) = pi).
    let v = arc_cosine_kernel(1, &[3.0, 4.0], &[3.0, 4.0]).unwrap();
    assert!((v - 25.0).abs() < 1e-12);
    // Orthogonal vectors: k_0 = 1/2, k_1 = |x||y| / pi.
    let k0 = arc_cosine_kernel(0, &[1.0, 0.0], &[0.0, 2.0]).unwrap();
    let k1 = arc_cosine_kernel(1, &[1.0, 0.0], &[0.0, 2.0]).unwrap();
    assert!((k0 - 0.5).abs() < 1e-15 && (k1 - 2.0 / std::f64::consts::PI).abs() < 1e-15);
}

#[test]
fn sigma_delta_condensed_features_are_unbiased_and_quantisation_error_shrinks() {
    let d = 3;
    let x = test_points(d, 2.0);
    let rbf = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    let (m, se) = monte_carlo(&x, 300, |s| {
        Unquantised(SigmaDeltaFourierFeatures::new(&rbf, d, 8, 8, 1, s).unwrap())
    });
    assert_unbiased("condensed", &x, &m, &se, |a, b| rbf.eval(a, b));

    // The quantised estimate differs from the unquantised one by at most
    // the documented bound, and the difference falls with the bit count.
    let mut previous = f64::INFINITY;
    for bits in [1, 2, 4, 8] {
        let f = SigmaDeltaFourierFeatures::new(&rbf, d, 64, 16, bits, 7).unwrap();
        let q = f.transform(&x).unwrap();
        let u = f.transform_unquantised(&x).unwrap();
        let amp = (2.0f64 / (64.0 * 16.0)).sqrt();
        let mut worst: f64 = 0.0;
        for i in 0..x.len() {
            let block_err = q.row(i) - u.row(i);
            // Each block sum moves by at most delta / 2.
            for v in block_err.iter() {
                assert!(v.abs() <= amp * f.step() / 2.0 + 1e-12);
            }
            for j in 0..x.len() {
                let kq = q.row(i) * q.row(j).transpose();
                let ku = u.row(i) * u.row(j).transpose();
                worst = worst.max((kq - ku).abs());
            }
        }
        assert!(worst < previous, "bits {bits}: {worst} !< {previous}");
        previous = worst;
    }
    assert!(previous < 1e-2);
}

/// The unquantised condensed map, to test its unbiasedness.
struct Unquantised(SigmaDeltaFourierFeatures);

impl FeatureMap for Unquantised {
    fn input_dim(&self) -> usize {
        self.0.input_dim()
    }
    fn num_features(&self) -> usize {
        self.0.num_features()
    }
    fn transform(&self, x: &Points) -> sobolev_kernels::Result<Mat<f64>> {
        self.0.transform_unquantised(x)
    }
}

/// Mean squared error of the Gaussian-kernel estimate at one pair over seeds.
fn positive_mse(coupling: Coupling, d: usize, seeds: u64, x: &Points) -> f64 {
    let rbf = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    let exact = rbf.eval(x.row(0), x.row(1));
    (0..seeds)
        .map(|s| {
            let f = PositiveRandomFeatures::gaussian(&rbf, d, d, coupling, 1000 + s).unwrap();
            let g = f.approximate_gram(x, x).unwrap();
            (g[(0, 1)] - exact).powi(2)
        })
        .sum::<f64>()
        / seeds as f64
}

#[test]
fn simplex_beats_orthogonal_beats_independent_in_mse() {
    // Reid et al. (2023), fig. 2 setting: positive features of the Gaussian
    // kernel, one block of D = d features, two nearby points of norm about
    // 0.57 (the variance reduction grows with |x + y|, and so do the tails
    // of the estimator; at this norm the MSE is well estimated).
    let d = 8;
    let x = Points::new(
        (0..2 * d)
            .map(|k| 0.2 * (1.0 + 0.3 * ((k * 5 % 7) as f64 / 7.0 - 0.5)))
            .collect(),
        d,
    )
    .unwrap();
    let seeds = 4000;
    let iid = positive_mse(Coupling::Independent, d, seeds, &x);
    let orth = positive_mse(Coupling::Orthogonal, d, seeds, &x);
    let simplex = positive_mse(Coupling::Simplex, d, seeds, &x);
    eprintln!("MSE iid {iid:.4e}  orthogonal {orth:.4e}  simplex {simplex:.4e}");
    assert!(simplex < orth && orth < iid, "{simplex} {orth} {iid}");
}

#[test]
fn bad_input_gives_typed_errors() {
    let rbf = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    assert!(matches!(
        RandomFourierFeatures::new(&rbf, 3, 0, Coupling::Independent, 0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        RandomFourierFeatures::new(&rbf, 0, 4, Coupling::Independent, 0),
        Err(Error::InvalidArgument(_))
    ));
    let ard = Stationary::ard(Gaussian, 1.0, vec![1.0, 2.0]).unwrap();
    assert!(matches!(
        RandomFourierFeatures::new(&ard, 3, 4, Coupling::Independent, 0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        RandomFourierFeatures::from_spectrum(
            Spectrum::Matern { nu: -1.0 },
            1.0,
            &[1.0],
            2,
            4,
            Coupling::Independent,
            0
        ),
        Err(Error::InvalidArgument(_))
    ));
    let f = RandomFourierFeatures::new(&rbf, 3, 4, Coupling::Orthogonal, 0).unwrap();
    assert!(matches!(
        f.transform(&test_points(2, 1.0)),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        ArcCosineFeatures::new(3, 2, 4, Coupling::Independent, 0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        arc_cosine_kernel(1, &[1.0], &[1.0, 2.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        arc_cosine_kernel(1, &[f64::NAN], &[1.0]),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        SigmaDeltaFourierFeatures::new(&rbf, 2, 4, 4, 0, 0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        SigmaDeltaFourierFeatures::new(&rbf, 2, 0, 4, 2, 0),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn feature_maps_are_reproducible_from_the_seed() {
    let rbf = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    let x = test_points(3, 1.0);
    let a = RandomFourierFeatures::new(&rbf, 3, 10, Coupling::Simplex, 42).unwrap();
    let b = RandomFourierFeatures::new(&rbf, 3, 10, Coupling::Simplex, 42).unwrap();
    assert_eq!(a.transform(&x).unwrap(), b.transform(&x).unwrap());
    assert_eq!(a.num_features(), 10);
    assert_eq!(a.input_dim(), 3);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn points(d: usize) -> impl Strategy<Value = Points> {
        proptest::collection::vec(-3.0f64..3.0, 3 * d..=3 * d)
            .prop_map(move |v| Points::new(v, d).unwrap())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Fourier features are bounded: |phi(x)|^2 <= 2 s^2.
        #[test]
        fn fourier_feature_norm_is_bounded(x in points(3), seed in 0u64..1000) {
            let k = Stationary::new(Matern52, 1.7, 0.9).unwrap();
            let f = RandomFourierFeatures::new(&k, 3, 33, Coupling::Simplex, seed).unwrap();
            let g = f.approximate_gram(&x, &x).unwrap();
            for i in 0..3 {
                prop_assert!(g[(i, i)] <= 2.0 * 1.7 + 1e-12);
            }
        }

        /// The Nystrom approximation never exceeds the kernel on the
        /// diagonal (K - K_nystrom is positive semi-definite) and is exact
        /// at the landmarks.
        #[test]
        fn nystrom_diagonal_is_below_the_kernel(x in points(2), seed in 0u64..1000) {
            use sobolev_kernels::{LandmarkSampling, Nystrom};
            let k = Stationary::new(Gaussian, 1.0, 0.7).unwrap();
            let m = Nystrom::fit(k.clone(), &x, 2, LandmarkSampling::Uniform, seed).unwrap();
            let g = m.approximate_gram(&x, &x).unwrap();
            for i in 0..3 {
                prop_assert!(g[(i, i)] <= 1.0 + 1e-9);
            }
            let l = m.landmark_indices()[0];
            prop_assert!((g[(l, l)] - 1.0).abs() < 1e-6);
        }

        /// Arc-cosine kernels are symmetric and `k_n(x, x) = |x|^(2n)`
        /// times `J_n(0) / pi` (1 for n = 0, 1 for n = 1, 3 for n = 2).
        #[test]
        fn arc_cosine_kernel_identities(
            x in proptest::collection::vec(-2.0f64..2.0, 4),
            y in proptest::collection::vec(-2.0f64..2.0, 4),
            order in 0u32..3,
        ) {
            let a = arc_cosine_kernel(order, &x, &y).unwrap();
            let b = arc_cosine_kernel(order, &y, &x).unwrap();
            prop_assert!((a - b).abs() <= 1e-12 * (1.0 + a.abs()));
            let n2: f64 = x.iter().map(|v| v * v).sum();
            let want = [1.0, n2, 3.0 * n2 * n2][order as usize];
            let got = arc_cosine_kernel(order, &x, &x).unwrap();
            prop_assume!(n2 > 1e-6);
            prop_assert!((got - want).abs() <= 1e-9 * (1.0 + want));
        }
    }
}

/// Coordinates so large that `w . x` overflows give `NonFinite`, not NaN
/// features (found by the `rkhs_features` fuzz target).
#[test]
fn overflowing_projections_give_non_finite_errors() {
    let kernel = sobolev_kernels::kernel::stationary::Stationary::new(
        sobolev_kernels::kernel::stationary::Gaussian,
        1.0,
        1e-300,
    )
    .unwrap();
    let x = sobolev_kernels::Points::new(vec![1e300, -1e300], 2).unwrap();
    let rff = sobolev_kernels::RandomFourierFeatures::new(
        &kernel,
        2,
        8,
        sobolev_kernels::Coupling::Independent,
        1,
    )
    .unwrap();
    assert!(matches!(
        rff.transform(&x),
        Err(sobolev_kernels::Error::NonFinite(_))
    ));
    let arc =
        sobolev_kernels::ArcCosineFeatures::new(2, 2, 8, sobolev_kernels::Coupling::Independent, 1)
            .unwrap();
    let big = sobolev_kernels::Points::new(vec![1e308, 1e308], 2).unwrap();
    assert!(matches!(
        arc.transform(&big),
        Err(sobolev_kernels::Error::NonFinite(_))
    ));
    // Ordinary coordinates are unaffected.
    let ok = sobolev_kernels::Points::new(vec![0.5, -0.25], 2).unwrap();
    assert!(arc.transform(&ok).is_ok());
}
