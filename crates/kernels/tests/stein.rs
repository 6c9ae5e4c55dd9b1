//! Kernel Stein discrepancy: the Stein kernel against finite differences
//! of its base kernel, closed forms, zero mean under the target, and
//! detection of a biased sample.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use sobolev_kernels::stein::{ImqStein, ksd2};
use sobolev_kernels::two_sample::Estimator;
use sobolev_kernels::{Error, Points};

fn normal(n: usize, d: usize, shift: f64, scale: f64, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n * d)
        .map(|_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            scale * z + shift
        })
        .collect()
}

/// Standard normal target: score s(x) = -x.
fn with_scores(x: Vec<f64>, d: usize) -> (Points, Points) {
    let s: Vec<f64> = x.iter().map(|v| -v).collect();
    (Points::new(x, d).unwrap(), Points::new(s, d).unwrap())
}

/// The Stein kernel assembled from central differences of the base kernel.
fn stein_by_differences(k: &ImqStein, x: &[f64], sx: &[f64], y: &[f64], sy: &[f64]) -> f64 {
    let d = x.len();
    let h = 1e-4;
    let shifted = |v: &[f64], i: usize, t: f64| {
        let mut w = v.to_vec();
        w[i] += t;
        w
    };
    let mut value = k.base(x, y) * sx.iter().zip(sy).map(|(a, b)| a * b).sum::<f64>();
    for i in 0..d {
        let gx = (k.base(&shifted(x, i, h), y) - k.base(&shifted(x, i, -h), y)) / (2.0 * h);
        let gy = (k.base(x, &shifted(y, i, h)) - k.base(x, &shifted(y, i, -h))) / (2.0 * h);
        let mixed = (k.base(&shifted(x, i, h), &shifted(y, i, h))
            - k.base(&shifted(x, i, h), &shifted(y, i, -h))
            - k.base(&shifted(x, i, -h), &shifted(y, i, h))
            + k.base(&shifted(x, i, -h), &shifted(y, i, -h)))
            / (4.0 * h * h);
        value += sy[i] * gx + sx[i] * gy + mixed;
    }
    value
}

#[test]
fn stein_kernel_matches_finite_differences() {
    let x = normal(6, 3, 0.0, 1.0, 1);
    let s = normal(6, 3, 0.0, 1.0, 2);
    for (c, beta) in [(1.0, -0.5), (0.7, -0.2), (2.0, -0.9), (1.3, -1.5)] {
        let k = ImqStein::new(c, beta).unwrap();
        for i in 0..3 {
            let (xi, si) = (&x[3 * i..3 * i + 3], &s[3 * i..3 * i + 3]);
            let (yj, sj) = (&x[3 * (i + 3)..3 * (i + 4)], &s[3 * (i + 3)..3 * (i + 4)]);
            let exact = k.eval(xi, si, yj, sj);
            let fd = stein_by_differences(&k, xi, si, yj, sj);
            assert!(
                (exact - fd).abs() < 1e-7 * (1.0 + exact.abs()),
                "c={c} beta={beta}: {exact} vs {fd}"
            );
        }
    }
}

#[test]
fn one_point_discrepancy_has_its_closed_form() {
    // KSD^2_V of one point: c^(2 beta) |s|^2 - 2 beta d c^(2 beta - 2).
    let (c, beta) = (1.5, -0.5);
    let k = ImqStein::new(c, beta).unwrap();
    let x = Points::new(vec![0.3, -1.2], 2).unwrap();
    let s = Points::new(vec![2.0, 0.5], 2).unwrap();
    let v = ksd2(&k, &x, &s, Estimator::Biased).unwrap();
    let closed = c.powf(2.0 * beta) * 4.25 - 2.0 * beta * 2.0 * c.powf(2.0 * beta - 2.0);
    assert!((v - closed).abs() < 1e-15, "{v} vs {closed}");
}

#[test]
fn ksd_equals_a_direct_double_loop() {
    let k = ImqStein::default();
    let (x, s) = with_scores(normal(123, 2, 0.2, 1.1, 3), 2);
    let mut total = 0.0;
    let mut diag = 0.0;
    for i in 0..123 {
        for j in 0..123 {
            let v = k.eval(x.row(i), s.row(i), x.row(j), s.row(j));
            total += v;
            if i == j {
                diag += v;
            }
        }
    }
    let n = 123.0;
    let v = ksd2(&k, &x, &s, Estimator::Biased).unwrap();
    let u = ksd2(&k, &x, &s, Estimator::Unbiased).unwrap();
    assert!((v - total / (n * n)).abs() < 1e-14);
    assert!((u - (total - diag) / (n * (n - 1.0))).abs() < 1e-14);
}

#[test]
fn unbiased_ksd_has_mean_zero_on_exact_draws_and_flags_a_biased_sampler() {
    let k = ImqStein::default();
    let stats: Vec<f64> = (0..40)
        .map(|r| {
            let (x, s) = with_scores(normal(200, 2, 0.0, 1.0, 100 + r), 2);
            ksd2(&k, &x, &s, Estimator::Unbiased).unwrap()
        })
        .collect();
    let m = stats.iter().sum::<f64>() / 40.0;
    let sd = (stats.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 39.0).sqrt();
    assert!(m.abs() < 4.0 * sd / 40f64.sqrt(), "mean {m}, sd {sd}");
    // A sampler with the wrong scale (0.6) and one with a bias (0.4): both
    // far outside the null spread.
    for (shift, scale) in [(0.0, 0.6), (0.4, 1.0)] {
        let (x, s) = with_scores(normal(200, 2, shift, scale, 7), 2);
        let u = ksd2(&k, &x, &s, Estimator::Unbiased).unwrap();
        assert!(
            u > m + 5.0 * sd,
            "shift {shift} scale {scale}: {u} vs null sd {sd}"
        );
    }
    // And the V-statistic of exact draws decays like 1/n.
    let v = |n: usize| {
        let (x, s) = with_scores(normal(n, 2, 0.0, 1.0, 9), 2);
        ksd2(&k, &x, &s, Estimator::Biased).unwrap()
    };
    let (small, large) = (v(100), v(1600));
    assert!(large < small / 6.0, "{small} -> {large}");
}

#[test]
fn bad_parameters_and_shapes_give_typed_errors() {
    assert!(matches!(
        ImqStein::new(0.0, -0.5),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ImqStein::new(1.0, 0.5),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ImqStein::new(f64::NAN, -0.5),
        Err(Error::InvalidArgument(_))
    ));
    let k = ImqStein::default();
    let x = Points::new(vec![0.0, 1.0, 2.0, 3.0], 2).unwrap();
    let s = Points::new(vec![0.0, 1.0, 2.0], 1).unwrap();
    assert!(matches!(
        ksd2(&k, &x, &s, Estimator::Biased),
        Err(Error::ShapeMismatch { .. })
    ));
    let one = Points::new(vec![0.0, 1.0], 2).unwrap();
    assert!(matches!(
        ksd2(&k, &one, &one, Estimator::Unbiased),
        Err(Error::InvalidArgument(_))
    ));
}
