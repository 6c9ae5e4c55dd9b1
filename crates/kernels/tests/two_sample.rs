//! Two-sample statistics against dense O(N^2) computations, closed forms
//! and finite differences; permutation tests for calibration and power.

use faer::Mat;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use sobolev_kernels::kernel::{Gaussian, Matern32, Stationary, Sum};
use sobolev_kernels::two_sample::{
    Estimator, energy_distance, energy_distance_1d, hsic, hsic_permutation_test, linear_time_mmd2,
    mmd_permutation_test, mmd_permutation_test_stationary, mmd2, mmd2_stationary,
    random_directions, riesz_slice_constant, sliced_energy_distance,
    sliced_energy_distance_with_grad,
};
use sobolev_kernels::{Error, Kernel, Points, cross_gram, gram};

fn normal_points(n: usize, d: usize, shift: f64, seed: u64) -> Points {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let data: Vec<f64> = (0..n * d)
        .map(|_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            z + shift
        })
        .collect();
    Points::new(data, d).unwrap()
}

fn mean(m: &Mat<f64>) -> f64 {
    let mut s = 0.0;
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            s += m[(i, j)];
        }
    }
    s / (m.nrows() * m.ncols()) as f64
}

fn trace(m: &Mat<f64>) -> f64 {
    (0..m.nrows()).map(|i| m[(i, i)]).sum()
}

/// MMD^2 from dense Gram matrices.
fn dense_mmd2<K: Kernel>(k: &K, x: &Points, y: &Points, est: Estimator) -> f64 {
    let (kxx, kyy, kxy) = (
        gram(k, x).unwrap(),
        gram(k, y).unwrap(),
        cross_gram(k, x, y).unwrap(),
    );
    let (n, m) = (x.len() as f64, y.len() as f64);
    match est {
        Estimator::Biased => mean(&kxx) + mean(&kyy) - 2.0 * mean(&kxy),
        Estimator::Unbiased => {
            (mean(&kxx) * n * n - trace(&kxx)) / (n * (n - 1.0))
                + (mean(&kyy) * m * m - trace(&kyy)) / (m * (m - 1.0))
                - 2.0 * mean(&kxy)
        }
    }
}

#[test]
fn mmd2_equals_dense_computation_for_any_kernel() {
    let x = normal_points(157, 3, 0.0, 1);
    let y = normal_points(211, 3, 0.3, 2);
    let k = Sum::new(
        Stationary::new(Matern32, 1.2, 0.7).unwrap(),
        Stationary::new(Gaussian, 0.5, 2.0).unwrap(),
    )
    .unwrap();
    for est in [Estimator::Biased, Estimator::Unbiased] {
        let ours = mmd2(&k, &x, &y, est).unwrap();
        let dense = dense_mmd2(&k, &x, &y, est);
        assert!(
            (ours - dense).abs() < 1e-14 * 1.7,
            "{est:?}: {ours} vs {dense}"
        );
    }
}

#[test]
fn stationary_fast_path_equals_dense_computation() {
    let x = normal_points(300, 10, 0.0, 3);
    let y = normal_points(250, 10, 0.2, 4);
    let k = Stationary::new(Gaussian, 1.0, 3.0).unwrap();
    for est in [Estimator::Biased, Estimator::Unbiased] {
        let fast = mmd2_stationary(&k, &x, &y, est).unwrap();
        let generic = mmd2(&k, &x, &y, est).unwrap();
        let dense = dense_mmd2(&k, &x, &y, est);
        assert!((fast - dense).abs() < 1e-13, "{est:?}: {fast} vs {dense}");
        assert!(
            (generic - dense).abs() < 1e-14,
            "{est:?}: {generic} vs {dense}"
        );
    }
}

/// Population MMD^2 between N(0, I) and N(mu, I) for the unit Gaussian
/// kernel with lengthscale l: 2 (l^2/(l^2+2))^(d/2) (1 - exp(-|mu|^2 / (2 (l^2+2)))).
fn population_mmd2(l: f64, d: usize, mu2: f64) -> f64 {
    let a = (l * l / (l * l + 2.0)).powf(d as f64 / 2.0);
    2.0 * a * (1.0 - (-mu2 / (2.0 * (l * l + 2.0))).exp())
}

#[test]
fn linear_time_and_unbiased_mmd_match_population_value() {
    let (d, shift, l) = (2, 0.5, 1.5);
    let truth = population_mmd2(l, d, d as f64 * shift * shift);
    let k = Stationary::new(Gaussian, 1.0, l).unwrap();
    let x = normal_points(40_000, d, 0.0, 5);
    let y = normal_points(40_000, d, shift, 6);
    let lin = linear_time_mmd2(&k, &x, &y).unwrap();
    assert_eq!(lin.pairs, 20_000);
    assert!(
        (lin.mmd2 - truth).abs() < 4.0 * lin.std_error,
        "{} vs {truth} (se {})",
        lin.mmd2,
        lin.std_error
    );
    // The U-statistic over 20 independent small samples.
    let reps: Vec<f64> = (0..20)
        .map(|r| {
            let x = normal_points(200, d, 0.0, 100 + r);
            let y = normal_points(200, d, shift, 200 + r);
            mmd2_stationary(&k, &x, &y, Estimator::Unbiased).unwrap()
        })
        .collect();
    let m = reps.iter().sum::<f64>() / 20.0;
    let sd = (reps.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 19.0).sqrt();
    assert!(
        (m - truth).abs() < 4.0 * sd / 20f64.sqrt(),
        "{m} vs {truth}"
    );
}

fn naive_energy_1d(x: &[f64], y: &[f64], est: Estimator) -> f64 {
    let (n, m) = (x.len() as f64, y.len() as f64);
    let s = |a: &[f64], b: &[f64]| -> f64 {
        a.iter()
            .map(|u| b.iter().map(|v| (u - v).abs()).sum::<f64>())
            .sum()
    };
    let (dx, dy) = match est {
        Estimator::Biased => (n * n, m * m),
        Estimator::Unbiased => (n * (n - 1.0), m * (m - 1.0)),
    };
    2.0 * s(x, y) / (n * m) - s(x, x) / dx - s(y, y) / dy
}

#[test]
fn energy_distance_1d_by_sorting_equals_direct_sum() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let x: Vec<f64> = (0..1001).map(|_| rng.random::<f64>() * 3.0).collect();
    // Ties within and across samples.
    let mut y: Vec<f64> = (0..777)
        .map(|_| (rng.random::<f64>() * 20.0).round() / 5.0)
        .collect();
    y.extend_from_slice(&x[..50]);
    for est in [Estimator::Biased, Estimator::Unbiased] {
        let fast = energy_distance_1d(&x, &y, est).unwrap();
        let naive = naive_energy_1d(&x, &y, est);
        let direct = energy_distance(
            &Points::from_1d(&x).unwrap(),
            &Points::from_1d(&y).unwrap(),
            est,
        )
        .unwrap();
        assert!((fast - naive).abs() < 1e-13, "{fast} vs {naive}");
        assert!((fast - direct).abs() < 1e-13, "{fast} vs {direct}");
    }
}

#[test]
fn sliced_energy_in_one_dimension_is_the_exact_energy_distance() {
    let x = normal_points(500, 1, 0.0, 8);
    let y = normal_points(400, 1, 0.4, 9);
    let exact = energy_distance_1d(x.as_slice(), y.as_slice(), Estimator::Biased).unwrap();
    let dirs = Points::from_rows(&[[1.0], [-1.0], [2.5]]).unwrap();
    let sliced = sliced_energy_distance(&x, &y, &dirs, Estimator::Biased).unwrap();
    assert!((sliced - exact).abs() < 1e-14, "{sliced} vs {exact}");
    let random = random_directions(1, 5, 3).unwrap();
    let sliced = sliced_energy_distance(&x, &y, &random, Estimator::Biased).unwrap();
    assert!((sliced - exact).abs() < 1e-14);
}

#[test]
fn slice_constant_closed_forms() {
    let c = |d| riesz_slice_constant(d).unwrap();
    assert!((c(1) - 1.0).abs() < 1e-15);
    assert!((c(2) - std::f64::consts::FRAC_PI_2).abs() < 1e-15);
    assert!((c(3) - 2.0).abs() < 1e-14);
    assert!((c(4) - 3.0 * std::f64::consts::PI / 4.0).abs() < 1e-14);
    assert!(matches!(
        riesz_slice_constant(0),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn sliced_energy_is_unbiased_for_the_energy_distance_in_rd() {
    let x = normal_points(300, 4, 0.0, 10);
    let y = normal_points(300, 4, 0.5, 11);
    let exact = energy_distance(&x, &y, Estimator::Unbiased).unwrap();
    // Spread of single-slice estimates gives the Monte-Carlo error.
    let one: Vec<f64> = (0..200)
        .map(|s| {
            let dir = random_directions(4, 1, 1000 + s).unwrap();
            sliced_energy_distance(&x, &y, &dir, Estimator::Unbiased).unwrap()
        })
        .collect();
    let m = one.iter().sum::<f64>() / 200.0;
    let sd = (one.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 199.0).sqrt();
    let dirs = random_directions(4, 4000, 12).unwrap();
    let sliced = sliced_energy_distance(&x, &y, &dirs, Estimator::Unbiased).unwrap();
    let se = sd / 4000f64.sqrt();
    eprintln!("sliced {sliced:.6e} vs exact {exact:.6e}, MC se {se:.2e}");
    assert!(
        (sliced - exact).abs() < 4.0 * se,
        "{sliced} vs {exact} (se {se})"
    );
    assert!((m - exact).abs() < 4.0 * sd / 200f64.sqrt());
}

#[test]
fn sliced_energy_gradient_matches_finite_differences() {
    let x = normal_points(40, 3, 0.0, 13);
    let y = normal_points(30, 3, 0.7, 14);
    let dirs = random_directions(3, 16, 15).unwrap();
    for est in [Estimator::Biased, Estimator::Unbiased] {
        let res = sliced_energy_distance_with_grad(&x, &y, &dirs, est).unwrap();
        let plain = sliced_energy_distance(&x, &y, &dirs, est).unwrap();
        assert!((res.value - plain).abs() < 1e-15);
        let h = 1e-7;
        // The function is piecewise linear: central differences are exact
        // unless a step crosses a tie, which these steps do not.
        let fd = |which: usize, idx: usize| -> f64 {
            let (mut xp, mut yp) = (x.as_slice().to_vec(), y.as_slice().to_vec());
            let (mut xm, mut ym) = (xp.clone(), yp.clone());
            if which == 0 {
                xp[idx] += h;
                xm[idx] -= h;
            } else {
                yp[idx] += h;
                ym[idx] -= h;
            }
            let f = |a: Vec<f64>, b: Vec<f64>| {
                sliced_energy_distance(
                    &Points::new(a, 3).unwrap(),
                    &Points::new(b, 3).unwrap(),
                    &dirs,
                    est,
                )
                .unwrap()
            };
            (f(xp, yp) - f(xm, ym)) / (2.0 * h)
        };
        for idx in [0, 7, 59, 119] {
            let g = fd(0, idx);
            assert!(
                (g - res.grad_x[idx]).abs() < 1e-7,
                "x[{idx}]: {g} vs {}",
                res.grad_x[idx]
            );
        }
        for idx in [0, 11, 89] {
            let g = fd(1, idx);
            assert!(
                (g - res.grad_y[idx]).abs() < 1e-7,
                "y[{idx}]: {g} vs {}",
                res.grad_y[idx]
            );
        }
    }
}

#[test]
fn permutation_test_is_calibrated_under_the_null_and_has_power() {
    let k = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    let reps = 200;
    let rejections = (0..reps)
        .filter(|&r| {
            let x = normal_points(25, 2, 0.0, 300 + r);
            let y = normal_points(25, 2, 0.0, 600 + r);
            mmd_permutation_test_stationary(&k, &x, &y, 99, r)
                .unwrap()
                .p_value
                <= 0.05
        })
        .count();
    // Binomial(200, 0.05): mean 10, sd 3.1.
    assert!(
        (2..=20).contains(&rejections),
        "{rejections} rejections of 200"
    );
    let detected = (0..20)
        .filter(|&r| {
            let x = normal_points(50, 2, 0.0, 900 + r);
            let y = normal_points(50, 2, 0.8, 950 + r);
            mmd_permutation_test_stationary(&k, &x, &y, 99, r)
                .unwrap()
                .p_value
                <= 0.05
        })
        .count();
    assert!(detected >= 18, "{detected} of 20 shifts detected");
}

#[test]
fn permutation_test_statistic_and_null_agree_across_paths() {
    let k = Stationary::new(Gaussian, 1.3, 0.9).unwrap();
    let x = normal_points(40, 3, 0.0, 20);
    let y = normal_points(35, 3, 0.2, 21);
    let fast = mmd_permutation_test_stationary(&k, &x, &y, 50, 7).unwrap();
    let generic = mmd_permutation_test(&k, &x, &y, 50, 7).unwrap();
    let direct = mmd2(&k, &x, &y, Estimator::Unbiased).unwrap();
    assert!((fast.statistic - direct).abs() < 1e-13);
    assert!((generic.statistic - direct).abs() < 1e-13);
    assert_eq!(fast.null_statistics.len(), 50);
    for (a, b) in fast.null_statistics.iter().zip(&generic.null_statistics) {
        assert!((a - b).abs() < 1e-13);
    }
    assert_eq!(fast.p_value, generic.p_value);
    let exceed = fast
        .null_statistics
        .iter()
        .filter(|t| **t >= fast.statistic)
        .count();
    assert_eq!(fast.p_value, (1 + exceed) as f64 / 51.0);
}

/// Biased HSIC tr(K H L H) / n^2 and Song et al.'s unbiased estimator from
/// dense matrices.
fn dense_hsic<K: Kernel, L: Kernel>(kx: &K, ky: &L, x: &Points, y: &Points, est: Estimator) -> f64 {
    let n = x.len();
    let nf = n as f64;
    let (k, l) = (gram(kx, x).unwrap(), gram(ky, y).unwrap());
    match est {
        Estimator::Biased => {
            let h = Mat::from_fn(n, n, |i, j| f64::from(u8::from(i == j)) - 1.0 / nf);
            let khlh = &h * &k * &h * &l;
            trace(&khlh) / (nf * nf)
        }
        Estimator::Unbiased => {
            let kt = Mat::from_fn(n, n, |i, j| if i == j { 0.0 } else { k[(i, j)] });
            let lt = Mat::from_fn(n, n, |i, j| if i == j { 0.0 } else { l[(i, j)] });
            let ones = Mat::from_fn(n, 1, |_, _| 1.0);
            let kl = &kt * &lt;
            let a = trace(&kl);
            let sk = (ones.transpose() * &kt * &ones)[(0, 0)];
            let sl = (ones.transpose() * &lt * &ones)[(0, 0)];
            let cross = (ones.transpose() * &kl * &ones)[(0, 0)];
            (a + sk * sl / ((nf - 1.0) * (nf - 2.0)) - 2.0 * cross / (nf - 2.0)) / (nf * (nf - 3.0))
        }
    }
}

#[test]
fn hsic_equals_dense_trace_formulas() {
    let x = normal_points(120, 2, 0.0, 30);
    let noise = normal_points(120, 1, 0.0, 31);
    let y: Vec<f64> = (0..120)
        .map(|i| x.row(i)[0] * x.row(i)[1] + 0.3 * noise.row(i)[0])
        .collect();
    let y = Points::from_1d(&y).unwrap();
    let kx = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    let ky = Stationary::new(Matern32, 0.8, 0.5).unwrap();
    for est in [Estimator::Biased, Estimator::Unbiased] {
        let ours = hsic(&kx, &ky, &x, &y, est).unwrap();
        let dense = dense_hsic(&kx, &ky, &x, &y, est);
        assert!((ours - dense).abs() < 1e-15, "{est:?}: {ours} vs {dense}");
    }
}

#[test]
fn hsic_test_detects_dependence_and_not_independence() {
    let kx = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    let ky = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    let x = normal_points(80, 1, 0.0, 40);
    let noise = normal_points(80, 1, 0.0, 41);
    // Uncorrelated but dependent: y = x^2 + noise.
    let dep: Vec<f64> = (0..80)
        .map(|i| x.row(i)[0].powi(2) + 0.3 * noise.row(i)[0])
        .collect();
    let dep = Points::from_1d(&dep).unwrap();
    let t = hsic_permutation_test(&kx, &ky, &x, &dep, Estimator::Unbiased, 199, 1).unwrap();
    assert!(t.p_value < 0.01, "p = {}", t.p_value);
    let rejections = (0..40)
        .filter(|&r| {
            let a = normal_points(40, 1, 0.0, 500 + r);
            let b = normal_points(40, 1, 0.0, 700 + r);
            hsic_permutation_test(&kx, &ky, &a, &b, Estimator::Biased, 49, r)
                .unwrap()
                .p_value
                <= 0.1
        })
        .count();
    // Binomial(40, 0.1): mean 4, sd 1.9.
    assert!(rejections <= 11, "{rejections} of 40 rejected at 0.1");
}

#[test]
fn bad_inputs_give_typed_errors() {
    let k = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    let x2 = normal_points(10, 2, 0.0, 1);
    let x3 = normal_points(10, 3, 0.0, 2);
    let one = normal_points(1, 2, 0.0, 3);
    assert!(matches!(
        mmd2(&k, &x2, &x3, Estimator::Biased),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        mmd2_stationary(&k, &x2, &x3, Estimator::Biased),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        mmd2(&k, &one, &x2, Estimator::Unbiased),
        Err(Error::InvalidArgument(_))
    ));
    assert!(mmd2(&k, &one, &x2, Estimator::Biased).is_ok());
    assert!(matches!(
        linear_time_mmd2(&k, &one, &x2),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        energy_distance_1d(&[], &[1.0], Estimator::Biased),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        energy_distance_1d(&[f64::NAN], &[1.0], Estimator::Biased),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        energy_distance_1d(&[1.0], &[1.0, 2.0], Estimator::Unbiased),
        Err(Error::InvalidArgument(_))
    ));
    let zero_dir = Points::new(vec![0.0, 0.0], 2).unwrap();
    assert!(matches!(
        sliced_energy_distance(&x2, &x2, &zero_dir, Estimator::Biased),
        Err(Error::InvalidArgument(_))
    ));
    let dirs3 = random_directions(3, 2, 0).unwrap();
    assert!(matches!(
        sliced_energy_distance(&x2, &x2, &dirs3, Estimator::Biased),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(random_directions(2, 0, 0), Err(Error::Empty(_))));
    assert!(matches!(
        mmd_permutation_test(&k, &x2, &x2, 0, 0),
        Err(Error::InvalidArgument(_))
    ));
    let short = normal_points(9, 1, 0.0, 4);
    assert!(matches!(
        hsic(&k, &k, &x2, &short, Estimator::Biased),
        Err(Error::ShapeMismatch { .. })
    ));
    let three = normal_points(3, 2, 0.0, 5);
    assert!(matches!(
        hsic(&k, &k, &three, &three, Estimator::Unbiased),
        Err(Error::InvalidArgument(_))
    ));
    let ard = Stationary::ard(Gaussian, 1.0, vec![1.0, 2.0, 3.0]).unwrap();
    assert!(matches!(
        mmd2(&ard, &x2, &x2, Estimator::Biased),
        Err(Error::ShapeMismatch { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn biased_mmd_is_symmetric_and_nonnegative(seed in 0u64..1000, n in 2usize..30, m in 2usize..30) {
        let k = Stationary::new(Gaussian, 1.0, 0.7).unwrap();
        let x = normal_points(n, 2, 0.0, seed);
        let y = normal_points(m, 2, 0.3, seed + 5000);
        let a = mmd2(&k, &x, &y, Estimator::Biased).unwrap();
        let b = mmd2(&k, &y, &x, Estimator::Biased).unwrap();
        prop_assert!(a >= -1e-15);
        prop_assert!((a - b).abs() < 1e-14);
        let u = mmd2(&k, &x, &y, Estimator::Unbiased).unwrap();
        let v = mmd2(&k, &y, &x, Estimator::Unbiased).unwrap();
        prop_assert!((u - v).abs() < 1e-14);
    }

    #[test]
    fn energy_1d_is_translation_invariant_and_matches_naive(
        x in proptest::collection::vec(-50.0f64..50.0, 2..60),
        y in proptest::collection::vec(-50.0f64..50.0, 2..60),
        shift in -100.0f64..100.0,
    ) {
        let e = energy_distance_1d(&x, &y, Estimator::Unbiased).unwrap();
        let naive = naive_energy_1d(&x, &y, Estimator::Unbiased);
        prop_assert!((e - naive).abs() < 1e-11 * (1.0 + naive.abs()));
        let xs: Vec<f64> = x.iter().map(|v| v + shift).collect();
        let ys: Vec<f64> = y.iter().map(|v| v + shift).collect();
        let es = energy_distance_1d(&xs, &ys, Estimator::Unbiased).unwrap();
        prop_assert!((e - es).abs() < 1e-10 * (1.0 + e.abs()));
        let b = energy_distance_1d(&x, &y, Estimator::Biased).unwrap();
        prop_assert!(b >= -1e-12);
    }
}

/// Records `<case> <field> <values...>` of tests/data/two_sample_scipy.txt.
fn scipy_fixture() -> std::collections::HashMap<(String, String), Vec<f64>> {
    let text = include_str!("data/two_sample_scipy.txt");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut it = l.split_whitespace();
            let case = it.next().unwrap().to_string();
            let field = it.next().unwrap().to_string();
            let values = it.map(|v| v.parse::<f64>().unwrap()).collect();
            ((case, field), values)
        })
        .collect()
}

#[test]
fn energy_distance_and_mmd_match_scipy_and_scikit_learn() {
    let f = scipy_fixture();
    let get = |c: &str, k: &str| f[&(c.to_string(), k.to_string())].clone();
    for case in ["energy_normal", "energy_uniform_exp", "energy_ties"] {
        let (x, y) = (get(case, "x"), get(case, "y"));
        let want = get(case, "value")[0];
        let ours = energy_distance_1d(&x, &y, Estimator::Biased).unwrap();
        assert!(
            (ours - want).abs() < 1e-13 * want.max(1.0),
            "{case}: {ours} vs {want}"
        );
    }
    for case in ["mmd_rbf_a", "mmd_rbf_b"] {
        let l = get(case, "lengthscale")[0];
        let (x, y) = (
            Points::new(get(case, "x"), 3).unwrap(),
            Points::new(get(case, "y"), 3).unwrap(),
        );
        let want = get(case, "value");
        let k = Stationary::new(Gaussian, 1.0, l).unwrap();
        for (est, w) in [(Estimator::Biased, want[0]), (Estimator::Unbiased, want[1])] {
            let fast = mmd2_stationary(&k, &x, &y, est).unwrap();
            let generic = mmd2(&k, &x, &y, est).unwrap();
            assert!((fast - w).abs() < 1e-14, "{case} {est:?}: {fast} vs {w}");
            assert!(
                (generic - w).abs() < 1e-14,
                "{case} {est:?}: {generic} vs {w}"
            );
        }
    }
}

#[test]
fn overflowing_sums_give_non_finite_errors_not_nan() {
    let big = [1e308, -1e308];
    assert!(matches!(
        energy_distance_1d(&big, &[0.0, 1.0], Estimator::Biased),
        Err(Error::NonFinite(_))
    ));
    let x = Points::new(vec![1e308, -1e308, 1e308, 0.0], 2).unwrap();
    let y = Points::new(vec![0.0, 0.0, 1.0, 1.0], 2).unwrap();
    assert!(matches!(
        energy_distance(&x, &y, Estimator::Biased),
        Err(Error::NonFinite(_))
    ));
    let dirs = random_directions(2, 3, 1).unwrap();
    assert!(matches!(
        sliced_energy_distance(&x, &y, &dirs, Estimator::Biased),
        Err(Error::NonFinite(_))
    ));
}
