//! The Matern profile of general smoothness against closed forms and an
//! mpmath table; spectral mixtures against their direct formulas and by
//! Bochner's theorem; arc-cosine and Riesz kernels against closed forms.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, StandardNormal};
use sobolev_kernels::kernel::{
    Activation, ArcCosine, FractionalBrownian, Gaussian, Matern, Matern12, Matern32, Matern52,
    NegativeDistance, NeuralKernel, NeuralKernelKind, Profile, SpectralDensity, SpectralMixture,
    Stationary,
};
use sobolev_kernels::{Error, Kernel, Points, gram};
use std::f64::consts::PI;

/// A profile's value and first two derivatives at `r^2`.
type ProfileTriple<'a> = &'a dyn Fn(f64) -> [f64; 3];

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn matern_profile_equals_closed_forms_at_half_integers() {
    let mut worst = [0.0f64; 3];
    for i in 0..400 {
        let r = 1e-6 * 1.05f64.powi(i);
        if r > 30.0 {
            break;
        }
        let r2 = r * r;
        let pairs: [(f64, ProfileTriple<'_>); 3] = [
            (0.5, &|r2| {
                [Matern12.value(r2), Matern12.d1(r2), Matern12.d2(r2)]
            }),
            (1.5, &|r2| {
                [Matern32.value(r2), Matern32.d1(r2), Matern32.d2(r2)]
            }),
            (2.5, &|r2| {
                [Matern52.value(r2), Matern52.d1(r2), Matern52.d2(r2)]
            }),
        ];
        for (k, (nu, closed)) in pairs.iter().enumerate() {
            let m = Matern::new(*nu).unwrap();
            let want = closed(r2);
            let got = [m.value(r2), m.d1(r2), m.d2(r2)];
            for q in 0..3 {
                worst[k] = worst[k].max(rel(got[q], want[q]));
            }
        }
    }
    println!("Matern 1/2, 3/2, 5/2 worst relative error: {worst:?}");
    assert!(worst.iter().all(|&w| w < 1e-13), "{worst:?}");
    // Exact limits at r = 0.
    let m = Matern::new(2.5).unwrap();
    assert_eq!(m.value(0.0), 1.0);
    assert!(rel(m.d1(0.0), Matern52.d1(0.0)) < 1e-15);
    assert!(rel(m.d2(0.0), Matern52.d2(0.0)) < 1e-15);
    let m = Matern::new(0.7).unwrap();
    assert_eq!(m.value(0.0), 1.0);
    assert_eq!(m.d1(0.0), f64::NEG_INFINITY);
    assert!(m.value(1e-300) <= 1.0 && m.value(1e-300) > 0.999_999);
    assert!(m.value(f64::NAN).is_nan());
}

#[test]
fn matern_profile_matches_mpmath() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/matern_nu.txt"
    ))
    .unwrap();
    // [small r, large r] x [phi, phi', phi''].
    let mut worst = [[0.0f64; 3]; 2];
    let mut count = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let v: Vec<f64> = line
            .split_whitespace()
            .map(|t| t.parse().unwrap())
            .collect();
        let (nu, r2) = (v[0], v[1]);
        let m = Matern::new(nu).unwrap();
        let got = [m.value(r2), m.d1(r2), m.d2(r2)];
        let region = usize::from(r2 > 1e-6);
        for q in 0..3 {
            if v[2 + q].abs() > 1e-280 {
                let e = rel(got[q], v[2 + q]);
                worst[region][q] = worst[region][q].max(e);
                count += 1;
            }
        }
    }
    println!("Matern vs mpmath ({count} values), r <= 1e-3 then r > 1e-3: {worst:?}");
    assert!(count > 450);
    assert!(worst.iter().flatten().all(|&w| w < 1e-12), "{worst:?}");
}

#[test]
fn matern_tends_to_gaussian() {
    let mut last = f64::INFINITY;
    for nu in [5.0, 50.0, 500.0, 5000.0] {
        let m = Matern::new(nu).unwrap();
        let err = (0..60)
            .map(|i| {
                let r2 = 0.1 * i as f64;
                (m.value(r2) - Gaussian.value(r2)).abs()
            })
            .fold(0.0f64, f64::max);
        // The gap closes like 1/nu.
        assert!(err < 0.5 / nu && err < last, "nu = {nu}: {err}");
        last = err;
    }
}

/// The multivariate t characteristic function at `2 pi tau`, symmetrised,
/// written directly from the t density's Bessel form.
fn student_t_component(dof: f64, w: f64, mu: &[f64], sigma: &[f64], tau: &[f64]) -> f64 {
    let rho = 2.0
        * PI
        * sigma
            .iter()
            .zip(tau)
            .map(|(s, t)| (s * t).powi(2))
            .sum::<f64>()
            .sqrt();
    let phase = 2.0 * PI * mu.iter().zip(tau).map(|(m, t)| m * t).sum::<f64>();
    let env = if rho == 0.0 {
        1.0
    } else {
        let a = dof.sqrt() * rho;
        let h = dof / 2.0;
        sobolev_special::bessel_k(h, a) * a.powf(h)
            / (sobolev_special::gamma(h) * 2f64.powf(h - 1.0))
    };
    w * env * phase.cos()
}

fn mixture(density: SpectralDensity) -> SpectralMixture {
    SpectralMixture::new(
        density,
        vec![0.7, 1.3],
        vec![0.4, 0.9, 1.6, 0.2],
        vec![0.3, 0.5, 0.25, 0.8],
    )
    .unwrap()
}

#[test]
fn spectral_mixtures_match_direct_formulas() {
    let (mu, sg, w) = (
        [[0.4, 0.9], [1.6, 0.2]],
        [[0.3, 0.5], [0.25, 0.8]],
        [0.7, 1.3],
    );
    let gauss = mixture(SpectralDensity::Gaussian);
    let dof = 5.0;
    let t = mixture(SpectralDensity::StudentT { dof });
    let mut worst = [0.0f64; 2];
    for i in 0..50 {
        let x = [0.3 * (i as f64).sin(), 0.11 * i as f64 - 2.0];
        let y = [0.5 * (1.3 * i as f64).cos(), 0.2];
        let tau = [x[0] - y[0], x[1] - y[1]];
        let mut want_g = 0.0;
        let mut want_t = 0.0;
        for q in 0..2 {
            let e: f64 = (0..2).map(|p| sg[q][p] * sg[q][p] * tau[p] * tau[p]).sum();
            let ph: f64 = (0..2).map(|p| mu[q][p] * tau[p]).sum();
            want_g += w[q] * (-2.0 * PI * PI * e).exp() * (2.0 * PI * ph).cos();
            want_t += student_t_component(dof, w[q], &mu[q], &sg[q], &tau);
        }
        let scale = w[0] + w[1];
        worst[0] = worst[0].max((gauss.eval(&x, &y) - want_g).abs() / scale);
        worst[1] = worst[1].max((t.eval(&x, &y) - want_t).abs() / scale);
    }
    println!("spectral mixture vs direct (Gaussian, Student-t): {worst:?}");
    assert!(worst[0] < 1e-14 && worst[1] < 1e-13, "{worst:?}");
    assert_eq!(gauss.eval(&[0.2, 0.1], &[0.2, 0.1]), 2.0);
    assert!((t.eval(&[0.2, 0.1], &[0.2, 0.1]) - 2.0).abs() < 1e-15);
}

/// Bochner: `k(tau) = E_s[cos(2 pi s.tau)] sum_q w_q` for `s` drawn from the
/// normalised spectral density.
#[test]
fn spectral_mixtures_are_fourier_transforms_of_their_spectra() {
    let n = 400_000;
    for density in [
        SpectralDensity::Gaussian,
        SpectralDensity::StudentT { dof: 3.0 },
    ] {
        let k = mixture(density);
        let (w, mu, sg) = (k.weights(), k.means(), k.scales());
        let total: f64 = w.iter().sum();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let taus = [[0.0, 0.0], [0.3, -0.2], [1.1, 0.4], [-0.7, 1.5]];
        let mut sums = [0.0; 4];
        let mut sq = [0.0; 4];
        for _ in 0..n {
            let q = if rand::Rng::random::<f64>(&mut rng) * total < w[0] {
                0
            } else {
                1
            };
            let mix = match density {
                SpectralDensity::Gaussian => 1.0,
                SpectralDensity::StudentT { dof } => {
                    let g: f64 = Gamma::new(dof / 2.0, 2.0 / dof).unwrap().sample(&mut rng);
                    1.0 / g.sqrt()
                }
            };
            let sign = if rand::Rng::random::<bool>(&mut rng) {
                1.0
            } else {
                -1.0
            };
            let s: Vec<f64> = (0..2)
                .map(|p| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    sign * mu[2 * q + p] + sg[2 * q + p] * z * mix
                })
                .collect();
            for (j, tau) in taus.iter().enumerate() {
                let c = (2.0 * PI * (s[0] * tau[0] + s[1] * tau[1])).cos();
                sums[j] += c;
                sq[j] += c * c;
            }
        }
        for (j, tau) in taus.iter().enumerate() {
            let mean = sums[j] / n as f64;
            let sd = (sq[j] / n as f64 - mean * mean).max(0.0).sqrt();
            let mc = total * mean;
            let exact = k.eval(tau, &[0.0, 0.0]);
            let tol = 5.0 * total * sd / (n as f64).sqrt() + 1e-12;
            assert!(
                (mc - exact).abs() <= tol,
                "{density:?} tau {tau:?}: MC {mc} vs {exact} (tol {tol})"
            );
        }
    }
}

#[test]
fn student_t_spectral_mixture_tends_to_gaussian() {
    let g = mixture(SpectralDensity::Gaussian);
    let t = mixture(SpectralDensity::StudentT { dof: 1e5 });
    for i in 0..20 {
        let x = [0.1 * i as f64, -0.05 * i as f64];
        assert!((g.eval(&x, &[0.0, 0.0]) - t.eval(&x, &[0.0, 0.0])).abs() < 1e-4);
    }
}

#[test]
fn spectral_mixture_errors_and_serde() {
    let d = SpectralDensity::Gaussian;
    assert!(matches!(
        SpectralMixture::new(d, vec![], vec![], vec![]),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        SpectralMixture::new(d, vec![1.0], vec![0.1, 0.2], vec![0.3]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        SpectralMixture::new(d, vec![1.0], vec![0.0], vec![0.3]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        SpectralMixture::new(
            SpectralDensity::StudentT { dof: -1.0 },
            vec![1.0],
            vec![0.1],
            vec![0.3]
        ),
        Err(Error::InvalidArgument(_))
    ));
    let k = mixture(SpectralDensity::StudentT { dof: 3.0 });
    let back: SpectralMixture = serde_json::from_str(&serde_json::to_string(&k).unwrap()).unwrap();
    assert_eq!(k, back);
    let bad = r#"{"density":"Gaussian","weights":[-1.0],"means":[0.1],"scales":[0.2]}"#;
    assert!(serde_json::from_str::<SpectralMixture>(bad).is_err());
    assert_eq!(k.param_names().len(), k.num_params());
    let m = Stationary::new(Matern::new(0.8).unwrap(), 1.0, 0.5).unwrap();
    let back: Stationary<Matern> =
        serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(m, back);
    assert!(Matern::new(0.0).is_err() && Matern::new(f64::NAN).is_err());
}

#[test]
fn arc_cosine_kernels_match_closed_forms() {
    // Unit vectors at angle t in the plane.
    for i in 0..=20 {
        let t = PI * i as f64 / 20.0;
        let (x, y) = ([2.0, 0.0], [3.0 * t.cos(), 3.0 * t.sin()]);
        let j = [
            PI - t,
            t.sin() + (PI - t) * t.cos(),
            3.0 * t.sin() * t.cos() + (PI - t) * (1.0 + 2.0 * t.cos() * t.cos()),
        ];
        for n in 0..3u32 {
            let k = ArcCosine::new(n, 1.7).unwrap();
            let want = 1.7 * 6f64.powi(n as i32) * j[n as usize] / PI;
            assert!(
                rel(k.eval(&x, &y), want) < 1e-14 || (want.abs() < 1e-15),
                "n {n} t {t}"
            );
        }
    }
    // Order 1 is the depth-one ReLU NNGP: s_w^4 / (2 d) k_1 with s_b -> 0.
    let nngp = NeuralKernel::new(Activation::Relu, NeuralKernelKind::Nngp, 1, 1.6, 1e-300).unwrap();
    let k1 = ArcCosine::new(1, 1.6 * 1.6 / 6.0).unwrap();
    for i in 0..10 {
        let x = [0.3 + i as f64 * 0.1, -0.4, 0.9];
        let y = [-0.2, 0.5 * i as f64, 0.1];
        assert!(rel(k1.eval(&x, &y), nngp.eval(&x, &y)) < 1e-14);
    }
    assert!(ArcCosine::new(3, 1.0).is_err() && ArcCosine::new(1, 0.0).is_err());
    let mut g = [0.0; 3];
    assert!(matches!(
        k1.grad_x(&[1.0; 3], &[0.5; 3], &mut g),
        Err(Error::InvalidArgument(_))
    ));
}

fn cloud(n: usize, d: usize) -> Points {
    let data: Vec<f64> = (0..n * d)
        .map(|i| ((i * 7919 % 211) as f64 / 105.0) - 1.0)
        .collect();
    Points::new(data, d).unwrap()
}

fn min_eigenvalue<K: Kernel>(k: &K, x: &Points) -> (f64, f64) {
    let g = gram(k, x).unwrap();
    let eig = g.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
    let scale = eig.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    (eig[0], scale)
}

#[test]
fn arc_cosine_and_fractional_brownian_grams_are_psd() {
    let x = cloud(50, 3);
    for n in 0..3 {
        let (lo, s) = min_eigenvalue(&ArcCosine::new(n, 1.0).unwrap(), &x);
        assert!(lo >= -1e-12 * s, "order {n}: {lo:e}");
    }
    for a in [0.3, 1.0, 1.7, 2.0] {
        let (lo, s) = min_eigenvalue(&FractionalBrownian::new(a, 1.2).unwrap(), &x);
        assert!(lo >= -1e-12 * s, "alpha {a}: {lo:e}");
    }
}

#[test]
fn negative_distance_is_conditionally_positive_definite() {
    let x = cloud(40, 2);
    for a in [0.5, 1.0, 1.9] {
        let k = NegativeDistance::new(a, 1.0).unwrap();
        let g = gram(&k, &x).unwrap();
        // Indefinite on all of R^n (zero diagonal, negative entries) ...
        let (lo, _) = min_eigenvalue(&k, &x);
        assert!(lo < 0.0);
        // ... but P K P >= 0 on the sum-zero subspace, P = I - 11^T / n.
        let n = x.len();
        let p = faer::Mat::<f64>::from_fn(n, n, |i, j| f64::from(i == j) - 1.0 / n as f64);
        let c = &p * &g * &p;
        let eig = c.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
        let scale = eig.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(eig[0] >= -1e-12 * scale, "alpha {a}: {:e}", eig[0]);
    }
    // Brownian motion on the half line: k(s, t) = min(s, t).
    let b = FractionalBrownian::new(1.0, 1.0).unwrap();
    assert!((b.eval(&[0.8], &[0.3]) - 0.3).abs() < 1e-15);
    assert!(NegativeDistance::new(2.5, 1.0).is_err() && FractionalBrownian::new(0.0, 1.0).is_err());
}

#[test]
fn riesz_input_derivatives_match_finite_differences() {
    let kernels: Vec<Box<dyn Kernel>> = vec![
        Box::new(NegativeDistance::new(1.3, 0.8).unwrap()),
        Box::new(NegativeDistance::new(0.6, 1.1).unwrap()),
        Box::new(FractionalBrownian::new(1.5, 1.2).unwrap()),
        Box::new(FractionalBrownian::new(0.7, 0.9).unwrap()),
    ];
    let (x, y) = ([0.3, -0.7, 0.4], [-0.5, 0.2, 0.9]);
    let h = 1e-6;
    for k in &kernels {
        let mut g = [0.0; 3];
        let (mut hxx, mut hxy) = ([0.0; 9], [0.0; 9]);
        k.grad_x(&x, &y, &mut g).unwrap();
        k.hess_xx(&x, &y, &mut hxx).unwrap();
        k.hess_xy(&x, &y, &mut hxy).unwrap();
        for i in 0..3 {
            let (mut xp, mut xm, mut yp, mut ym) = (x, x, y, y);
            xp[i] += h;
            xm[i] -= h;
            yp[i] += h;
            ym[i] -= h;
            let fd = (k.eval(&xp, &y) - k.eval(&xm, &y)) / (2.0 * h);
            assert!(
                (g[i] - fd).abs() < 1e-7 * (1.0 + fd.abs()),
                "{k:?} grad {i}"
            );
            let (mut gp, mut gm, mut gyp, mut gym) = ([0.0; 3], [0.0; 3], [0.0; 3], [0.0; 3]);
            k.grad_x(&xp, &y, &mut gp).unwrap();
            k.grad_x(&xm, &y, &mut gm).unwrap();
            k.grad_x(&x, &yp, &mut gyp).unwrap();
            k.grad_x(&x, &ym, &mut gym).unwrap();
            for j in 0..3 {
                let fxx = (gp[j] - gm[j]) / (2.0 * h);
                let fxy = (gyp[j] - gym[j]) / (2.0 * h);
                assert!(
                    (hxx[j * 3 + i] - fxx).abs() < 1e-6 * (1.0 + fxx.abs()),
                    "{k:?}"
                );
                assert!(
                    (hxy[j * 3 + i] - fxy).abs() < 1e-6 * (1.0 + fxy.abs()),
                    "{k:?}"
                );
            }
        }
        // Singular at x = y for exponents below 2.
        assert!(matches!(
            k.hess_xx(&x, &x, &mut hxx),
            Err(Error::InvalidArgument(_))
        ));
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The Matern profile is a decreasing function from 1 into (0, 1],
        /// with a negative derivative.
        #[test]
        fn matern_profile_is_a_decreasing_correlation(
            log_nu in -1.5f64..4.0, r2 in 0.0f64..50.0, dr in 1e-3f64..1.0,
        ) {
            let m = Matern::new(log_nu.exp()).unwrap();
            let (a, b) = (m.value(r2), m.value(r2 + dr));
            prop_assert!(a <= 1.0 && b >= 0.0 && b <= a, "{a} {b}");
            prop_assert!(r2 == 0.0 || m.d1(r2) < 0.0 || a < 1e-300);
        }

        /// Spectral mixtures are symmetric and bounded by k(x, x) = sum w.
        #[test]
        fn spectral_mixtures_are_symmetric_and_bounded(
            x in prop::array::uniform2(-3.0f64..3.0), y in prop::array::uniform2(-3.0f64..3.0),
            dof in 2.5f64..30.0, student in any::<bool>(),
        ) {
            let density = if student {
                SpectralDensity::StudentT { dof }
            } else {
                SpectralDensity::Gaussian
            };
            let k = mixture(density);
            let (a, b) = (k.eval(&x, &y), k.eval(&y, &x));
            prop_assert!((a - b).abs() <= 1e-15 * (1.0 + a.abs()));
            prop_assert!(a.abs() <= 2.0 + 1e-14);
        }
    }
}
