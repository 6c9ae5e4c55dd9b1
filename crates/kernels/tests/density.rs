//! Kernel density estimates against scikit-learn and SciPy fixtures, closed
//! forms in high dimension, brute-force leave-one-out sums, and mean shift on
//! a mixture with known modes.

use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use sobolev_kernels::{
    BandwidthRule, CvOptions, DensityKernel, Error, KernelDensity, MeanShiftOptions, Points,
    likelihood_cv_bandwidth, mean_shift,
};

struct Case {
    name: String,
    kernel: DensityKernel,
    dim: usize,
    bandwidth: f64,
    x: Vec<f64>,
    xs: Vec<f64>,
    logp: Vec<f64>,
}

fn parse_kernel(s: &str) -> DensityKernel {
    match s {
        "gaussian" => DensityKernel::Gaussian,
        "epanechnikov" => DensityKernel::Epanechnikov,
        "exponential" => DensityKernel::Exponential,
        "tophat" => DensityKernel::Tophat,
        "linear" => DensityKernel::Linear,
        other => panic!("unknown kernel {other}"),
    }
}

fn fixture() -> Vec<Case> {
    let text = include_str!("data/kde_sklearn.txt");
    let mut cases = Vec::new();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    while let Some(head) = lines.next() {
        let name = head.strip_prefix("case ").unwrap().to_string();
        let mut field = |key: &str| -> Vec<String> {
            let line = lines.next().unwrap();
            let mut parts = line.split_whitespace();
            assert_eq!(parts.next(), Some(key));
            parts.map(str::to_string).collect()
        };
        let kernel = parse_kernel(&field("kernel")[0]);
        let dims: Vec<usize> = field("dims").iter().map(|v| v.parse().unwrap()).collect();
        let num = |v: Vec<String>| -> Vec<f64> { v.iter().map(|s| s.parse().unwrap()).collect() };
        let bandwidth = num(field("bandwidth"))[0];
        let x = num(field("x"));
        let xs = num(field("xs"));
        let logp = num(field("logp"));
        assert_eq!(x.len(), dims[0] * dims[1]);
        assert_eq!(logp.len(), dims[2]);
        cases.push(Case {
            name,
            kernel,
            dim: dims[0],
            bandwidth,
            x,
            xs,
            logp,
        });
    }
    cases
}

#[test]
fn log_density_matches_scikit_learn_and_scipy() {
    let cases = fixture();
    assert_eq!(cases.len(), 17);
    for c in &cases {
        let pts = Points::new(c.x.clone(), c.dim).unwrap();
        let queries = Points::new(c.xs.clone(), c.dim).unwrap();
        let kde = if let Some(rule) = c.name.strip_prefix("scipy_") {
            let rule = match rule {
                "scott" => BandwidthRule::Scott,
                _ => BandwidthRule::Silverman,
            };
            let kde = KernelDensity::with_rule(pts, c.kernel, rule).unwrap();
            let rel = (kde.bandwidth() - c.bandwidth).abs() / c.bandwidth;
            assert!(rel < 1e-14, "{}: bandwidth off by {rel:e}", c.name);
            kde
        } else {
            KernelDensity::new(pts, c.kernel, c.bandwidth).unwrap()
        };
        let got = kde.log_density(&queries).unwrap();
        let mut worst = 0.0f64;
        for (g, w) in got.iter().zip(&c.logp) {
            if w.is_infinite() {
                assert_eq!(g, w, "{}", c.name);
            } else if g.is_infinite() {
                // A compact profile covering no point: the density is 0. The
                // tree code of scikit-learn reports a finite floor near -39
                // there instead of -inf (brute-force NumPy agrees with 0).
                assert!(
                    c.kernel.is_compact() && *w < -30.0,
                    "{}: {g} vs {w}",
                    c.name
                );
            } else {
                worst = worst.max((g - w).abs() / w.abs().max(1.0));
            }
        }
        eprintln!("{}: worst relative error {worst:e}", c.name);
        assert!(worst < 1e-13, "{}: worst error {worst:e}", c.name);
    }
}

#[test]
fn no_underflow_in_500_dimensions() {
    // Ten points 100 bandwidths apart per axis; each query sits near one point,
    // so the log density is that point's term alone (the others are below
    // e^{-1e6} relative) and has a closed form.
    let (d, n, h) = (500, 10, 0.5);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut x = Vec::new();
    for i in 0..n {
        for _ in 0..d {
            let z: f64 = StandardNormal.sample(&mut rng);
            x.push(100.0 * h * i as f64 + z);
        }
    }
    let pts = Points::new(x.clone(), d).unwrap();
    let mut xs = Vec::new();
    let mut want = Vec::new();
    for i in 0..n {
        let mut r2 = 0.0;
        for k in 0..d {
            let off = h * ((k % 7) as f64 - 3.0);
            xs.push(x[i * d + k] + off);
            r2 += off * off;
        }
        let logp = -0.5 * r2 / (h * h)
            - (n as f64).ln()
            - d as f64 * h.ln()
            - 0.5 * d as f64 * (2.0 * std::f64::consts::PI).ln();
        want.push(logp);
    }
    let kde = KernelDensity::new(pts, DensityKernel::Gaussian, h).unwrap();
    let got = kde.log_density(&Points::new(xs, d).unwrap()).unwrap();
    for (g, w) in got.iter().zip(&want) {
        assert!(g.is_finite());
        assert!((g - w).abs() < 1e-12 * w.abs(), "{g} vs {w}");
    }
    // Each query's nearest kernel term is e^{-r^2/2} with r^2 ~ 2000: a
    // linear-domain sum underflows to zero here.
    let r2 = (0..d).map(|k| ((k % 7) as f64 - 3.0).powi(2)).sum::<f64>();
    assert_eq!((-0.5 * r2).exp(), 0.0);
}

fn sample_mixture(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let means = [[-4.0, 0.0], [0.0, 4.0], [4.0, -1.0]];
    let mut x = Vec::with_capacity(2 * n);
    for i in 0..n {
        let m = means[i % 3];
        for mk in m {
            let z: f64 = StandardNormal.sample(&mut rng);
            x.push(mk + 0.6 * z);
        }
    }
    x
}

/// `(1/N) sum_i ln((1/(N-1)) sum_{j != i} K_h(y_i - y_j))`, directly.
fn brute_loo(x: &[f64], d: usize, kernel: DensityKernel, h: f64) -> f64 {
    let n = x.len() / d;
    let mut total = 0.0;
    for i in 0..n {
        let mut s = 0.0;
        for j in 0..n {
            if j == i {
                continue;
            }
            let r2: f64 = (0..d)
                .map(|k| (x[i * d + k] - x[j * d + k]).powi(2))
                .sum::<f64>()
                / (h * h);
            s += match kernel {
                DensityKernel::Gaussian => (-0.5 * r2).exp(),
                DensityKernel::Epanechnikov => (1.0 - r2).max(0.0),
                _ => unreachable!(),
            };
        }
        total += (s / (n - 1) as f64).ln() - kernel.log_normaliser(d) - d as f64 * h.ln();
    }
    total / n as f64
}

#[test]
fn leave_one_out_matches_brute_force_and_cv_finds_the_maximum() {
    let x = sample_mixture(300, 3);
    let pts = Points::new(x.clone(), 2).unwrap();
    for kernel in [DensityKernel::Gaussian, DensityKernel::Epanechnikov] {
        for h in [0.3, 0.7, 1.5] {
            let got = KernelDensity::new(pts.clone(), kernel, h)
                .unwrap()
                .leave_one_out_log_likelihood()
                .unwrap();
            let want = brute_loo(&x, 2, kernel, h);
            if want.is_infinite() {
                assert_eq!(got, want);
                continue;
            }
            assert!(
                (got - want).abs() < 1e-12 * want.abs().max(1.0),
                "{got} vs {want}"
            );
        }
        let cv = likelihood_cv_bandwidth(&pts, kernel, &CvOptions::default()).unwrap();
        let h = cv.bandwidth;
        for f in [0.97, 1.03] {
            let v = brute_loo(&x, 2, kernel, h * f);
            assert!(
                v <= cv.log_likelihood + 1e-12,
                "{kernel:?}: {v} > {}",
                cv.log_likelihood
            );
        }
        // The optimum lies strictly inside the search range.
        let hs = BandwidthRule::Silverman.bandwidth(&pts).unwrap();
        assert!(h > 0.06 * hs && h < 4.0 * hs);
    }
}

#[test]
fn mean_shift_finds_the_mixture_modes() {
    let x = sample_mixture(900, 11);
    let pts = Points::new(x.clone(), 2).unwrap();
    let h = 0.5;
    let modes = mean_shift(&pts, h, &pts, &MeanShiftOptions::default()).unwrap();
    // Three basins hold almost all points; small spurious modes in the tails
    // may exist, but the three largest are the components' centres.
    assert!(modes.len() >= 3);
    let big: usize = modes[..3].iter().map(|m| m.basin_size).sum();
    assert!(big >= 880, "{modes:?}");
    let means = [[-4.0, 0.0], [0.0, 4.0], [4.0, -1.0]];
    for m in &modes[..3] {
        let dist = means
            .iter()
            .map(|c| ((c[0] - m.location[0]).powi(2) + (c[1] - m.location[1]).powi(2)).sqrt())
            .fold(f64::INFINITY, f64::min);
        assert!(
            dist < 0.2,
            "mode {:?} is {dist} from every centre",
            m.location
        );
        // Stationary point of the KDE: sum_j w_j (y_j - x) = 0.
        let mut g = [0.0f64; 2];
        let mut wsum = 0.0;
        for y in pts.rows() {
            let r2 = ((y[0] - m.location[0]).powi(2) + (y[1] - m.location[1]).powi(2)) / (h * h);
            let w = (-0.5 * r2).exp();
            wsum += w;
            g[0] += w * (y[0] - m.location[0]);
            g[1] += w * (y[1] - m.location[1]);
        }
        assert!((g[0].abs() + g[1].abs()) / wsum < 1e-6 * h);
    }
}

#[test]
fn bad_input_gives_typed_errors() {
    let pts = Points::new(vec![0.0, 1.0, 2.0], 1).unwrap();
    for h in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            KernelDensity::new(pts.clone(), DensityKernel::Gaussian, h),
            Err(Error::InvalidArgument(_))
        ));
    }
    let kde = KernelDensity::new(pts.clone(), DensityKernel::Gaussian, 1.0).unwrap();
    let q2 = Points::new(vec![0.0, 1.0], 2).unwrap();
    assert!(matches!(
        kde.log_density(&q2),
        Err(Error::ShapeMismatch { .. })
    ));
    let one = Points::new(vec![1.0], 1).unwrap();
    assert!(BandwidthRule::Scott.bandwidth(&one).is_err());
    let flat = Points::new(vec![2.0; 4], 1).unwrap();
    assert!(BandwidthRule::Silverman.bandwidth(&flat).is_err());
    assert!(
        KernelDensity::new(one, DensityKernel::Gaussian, 1.0)
            .unwrap()
            .leave_one_out_log_likelihood()
            .is_err()
    );
    let bad = CvOptions {
        grid: 2,
        ..CvOptions::default()
    };
    assert!(likelihood_cv_bandwidth(&pts, DensityKernel::Gaussian, &bad).is_err());
    assert!(mean_shift(&pts, -1.0, &pts, &MeanShiftOptions::default()).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// Log densities are invariant under a common translation and integrate the
    /// normalisation: shifting by `t` leaves every value unchanged.
    #[test]
    fn translation_invariance(seed in 0u64..1000, shift in -50.0f64..50.0, h in 0.1f64..3.0) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x: Vec<f64> = (0..60).map(|_| StandardNormal.sample(&mut rng)).collect();
        let q: Vec<f64> = (0..12).map(|_| { let z: f64 = StandardNormal.sample(&mut rng); 2.0 * z }).collect();
        for kernel in [DensityKernel::Gaussian, DensityKernel::Exponential, DensityKernel::Epanechnikov] {
            let a = KernelDensity::new(Points::new(x.clone(), 3).unwrap(), kernel, h).unwrap()
                .log_density(&Points::new(q.clone(), 3).unwrap()).unwrap();
            let xs: Vec<f64> = x.iter().map(|v| v + shift).collect();
            let qs: Vec<f64> = q.iter().map(|v| v + shift).collect();
            let b = KernelDensity::new(Points::new(xs, 3).unwrap(), kernel, h).unwrap()
                .log_density(&Points::new(qs, 3).unwrap()).unwrap();
            for (u, v) in a.iter().zip(&b) {
                if u.is_finite() {
                    prop_assert!((u - v).abs() < 1e-9 * u.abs().max(1.0));
                } else {
                    prop_assert!(v.is_infinite() || *v < -30.0);
                }
            }
        }
    }
}

/// `ln sum_j k(|x - y_j| / h)` over every point, for the compact profiles,
/// with distances between the scaled coordinates `x / h`, `y / h` (as the
/// estimator forms them, so that the comparison isolates the pruning from
/// the cancellation in `1 - u^2` at the edge of the support).
fn brute_compact_log_sum(x: &[f64], y: &[f64], d: usize, kernel: DensityKernel, h: f64) -> f64 {
    let s: f64 = y
        .chunks(d)
        .map(|yj| {
            let u2 = x
                .iter()
                .zip(yj)
                .map(|(a, b)| (a / h - b / h).powi(2))
                .sum::<f64>();
            match kernel {
                DensityKernel::Epanechnikov => (1.0 - u2).max(0.0),
                DensityKernel::Tophat => f64::from(u8::from(u2 < 1.0)),
                DensityKernel::Linear => (1.0 - u2.sqrt()).max(0.0),
                _ => unreachable!(),
            }
        })
        .sum();
    s.ln()
}

/// The cell grid drops only zero terms: compact profiles agree with the sum
/// over every point, from bandwidths that isolate single points to ones
/// that cover the sample, including queries on the sample (distance 0) and
/// at exactly one bandwidth from a point (on the edge of the support).
#[test]
fn compact_profiles_equal_the_sum_over_every_point() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    for d in [1usize, 2, 3, 5] {
        let n = 400;
        let y: Vec<f64> = (0..n * d)
            .map(|_| {
                let z: f64 = StandardNormal.sample(&mut rng);
                z
            })
            .collect();
        for h in [1e-3, 0.05, 0.4, 2.0, 50.0] {
            let mut q: Vec<f64> = (0..150 * d)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    1.5 * z
                })
                .collect();
            q.extend_from_slice(&y[..10 * d]);
            // One bandwidth from a point along the first axis.
            let mut edge = y[d..2 * d].to_vec();
            edge[0] += h;
            q.extend_from_slice(&edge);
            let queries = Points::new(q.clone(), d).unwrap();
            for kernel in [
                DensityKernel::Epanechnikov,
                DensityKernel::Tophat,
                DensityKernel::Linear,
            ] {
                let kde =
                    KernelDensity::new(Points::new(y.clone(), d).unwrap(), kernel, h).unwrap();
                let got = kde.log_density(&queries).unwrap();
                let shift = (n as f64).ln() + kernel.log_normaliser(d) + d as f64 * h.ln();
                for (i, g) in got.iter().enumerate() {
                    let want =
                        brute_compact_log_sum(&q[i * d..(i + 1) * d], &y, d, kernel, h) - shift;
                    if want.is_finite() {
                        assert!(
                            (g - want).abs() <= 1e-12 * want.abs().max(1.0),
                            "d={d} h={h} {kernel:?} query {i}: {g} vs {want}"
                        );
                    } else {
                        assert_eq!(*g, want, "d={d} h={h} {kernel:?} query {i}");
                    }
                }
            }
        }
    }
}

#[test]
fn bandwidth_below_the_points_scale_is_rejected() {
    let pts = Points::new(vec![1e10, -1e10, 3.0], 1).unwrap();
    assert!(KernelDensity::new(pts, DensityKernel::Epanechnikov, 1e-300).is_err());
}
