//! Kernel families against closed forms and finite differences; kernel
//! operators against dense Gram matrices.

use faer::Mat;
use proptest::prelude::*;
use sobolev_kernels::kernel::{
    ActiveDims, Cosine, FractionalBrownian, Gaussian, InverseMultiquadric, Linear, Matern,
    Matern12, Matern32, Matern52, Periodic, Polynomial, Product, RationalQuadratic, Scaled,
    SpectralDensity, SpectralMixture, Stationary, Sum, Wendland,
};
use sobolev_kernels::{
    Error, Kernel, KernelOperator, Points, StationaryOperator, cross_gram, evaluate, gram,
};

/// Every family in dimension 3, at hyperparameters away from 1.
fn zoo() -> Vec<(&'static str, Box<dyn Kernel>)> {
    vec![
        (
            "rbf",
            Box::new(Stationary::new(Gaussian, 1.3, 0.8).unwrap()),
        ),
        (
            "rbf_ard",
            Box::new(Stationary::ard(Gaussian, 0.7, vec![0.5, 1.2, 0.9]).unwrap()),
        ),
        (
            "matern12",
            Box::new(Stationary::new(Matern12, 1.1, 0.9).unwrap()),
        ),
        (
            "matern32",
            Box::new(Stationary::ard(Matern32, 0.9, vec![0.6, 1.0, 1.4]).unwrap()),
        ),
        (
            "matern52",
            Box::new(Stationary::ard(Matern52, 1.2, vec![0.7, 1.1, 0.5]).unwrap()),
        ),
        (
            "rq",
            Box::new(Stationary::new(RationalQuadratic::new(1.7).unwrap(), 0.8, 1.1).unwrap()),
        ),
        (
            "imq",
            Box::new(Stationary::new(InverseMultiquadric::new(0.6).unwrap(), 1.0, 0.7).unwrap()),
        ),
        (
            "wendland1",
            Box::new(Stationary::new(Wendland::new(1).unwrap(), 1.0, 3.0).unwrap()),
        ),
        (
            "wendland2",
            Box::new(Stationary::new(Wendland::new(2).unwrap(), 0.5, 3.5).unwrap()),
        ),
        (
            "matern_nu0.8",
            Box::new(Stationary::new(Matern::new(0.8).unwrap(), 1.1, 0.9).unwrap()),
        ),
        (
            "matern_nu3.3",
            Box::new(Stationary::ard(Matern::new(3.3).unwrap(), 0.9, vec![0.6, 1.0, 1.4]).unwrap()),
        ),
        (
            "spectral_mixture_gauss",
            Box::new(
                SpectralMixture::new(
                    SpectralDensity::Gaussian,
                    vec![0.6, 1.1],
                    vec![0.3, 0.2, 0.5, 0.7, 0.1, 0.4],
                    vec![0.2, 0.4, 0.3, 0.5, 0.25, 0.35],
                )
                .unwrap(),
            ),
        ),
        (
            "spectral_mixture_t",
            Box::new(
                SpectralMixture::new(
                    SpectralDensity::StudentT { dof: 7.0 },
                    vec![0.8, 0.5],
                    vec![0.3, 0.2, 0.5, 0.7, 0.1, 0.4],
                    vec![0.2, 0.4, 0.3, 0.5, 0.25, 0.35],
                )
                .unwrap(),
            ),
        ),
        (
            "fractional_brownian",
            Box::new(FractionalBrownian::new(1.4, 0.8).unwrap()),
        ),
        ("linear", Box::new(Linear::new(0.7, 0.3).unwrap())),
        ("poly3", Box::new(Polynomial::new(0.6, 0.8, 3).unwrap())),
        ("periodic", Box::new(Periodic::new(1.1, 0.8, 1.7).unwrap())),
        (
            "cosine",
            Box::new(Cosine::new(0.9, vec![1.5, 2.5, 3.0]).unwrap()),
        ),
        (
            "sum",
            Box::new(
                Sum::new(
                    Stationary::new(Gaussian, 1.0, 0.6).unwrap(),
                    Linear::new(0.2, 0.1).unwrap(),
                )
                .unwrap(),
            ),
        ),
        (
            "product",
            Box::new(
                Product::new(
                    Stationary::new(Matern52, 1.0, 1.3).unwrap(),
                    Periodic::new(0.9, 1.2, 2.0).unwrap(),
                )
                .unwrap(),
            ),
        ),
        (
            "scaled",
            Box::new(Scaled::new(2.5, Stationary::new(Gaussian, 1.0, 0.9).unwrap()).unwrap()),
        ),
        (
            "active",
            Box::new(
                ActiveDims::new(
                    Stationary::ard(Matern52, 1.0, vec![0.8, 1.3]).unwrap(),
                    vec![0, 2],
                    3,
                )
                .unwrap(),
            ),
        ),
    ]
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn closed_form_values() {
    let x = [0.3, -0.2, 0.5];
    let y = [0.1, 0.4, -0.3];
    let r2: f64 = x.iter().zip(&y).map(|(a, b)| (a - b) * (a - b)).sum();
    let l = 0.8;
    let r = r2.sqrt() / l;
    let k = Stationary::new(Matern52, 2.0, l).unwrap();
    let want = 2.0 * (1.0 + 5f64.sqrt() * r + 5.0 * r * r / 3.0) * (-(5f64.sqrt()) * r).exp();
    assert!(close(k.eval(&x, &y), want, 1e-15));
    let k = Stationary::new(Gaussian, 1.5, l).unwrap();
    assert!(close(k.eval(&x, &y), 1.5 * (-0.5 * r * r).exp(), 1e-15));
    let k = Stationary::new(Matern32, 1.0, l).unwrap();
    assert!(close(
        k.eval(&x, &y),
        (1.0 + 3f64.sqrt() * r) * (-(3f64.sqrt()) * r).exp(),
        1e-15
    ));
    let k = Stationary::new(RationalQuadratic::new(2.0).unwrap(), 1.0, l).unwrap();
    assert!(close(k.eval(&x, &y), (1.0 + r * r / 4.0).powf(-2.0), 1e-15));
    // Wendland vanishes outside its support and is 1 at 0.
    let w = Stationary::new(Wendland::new(2).unwrap(), 1.0, 0.5).unwrap();
    assert_eq!(w.eval(&x, &y), 0.0);
    assert_eq!(w.eval(&x, &x), 1.0);
    // Matern 3/2 and 5/2 stay finite, with exact values, at r -> 0.
    let k = Stationary::new(Matern52, 1.0, 1.0).unwrap();
    let z = [0.0, 0.0, 0.0];
    let tiny = [1e-300, 0.0, 0.0];
    assert_eq!(k.eval(&z, &tiny), 1.0);
    let mut h = [0.0; 9];
    k.hess_xx(&z, &z, &mut h).unwrap();
    assert!(close(h[0], -5.0 / 3.0, 1e-15) && h[1] == 0.0);
}

fn points3(seed: u64) -> [[f64; 3]; 2] {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    [[next(), next(), next()], [next(), next(), next()]]
}

#[test]
fn log_parameter_gradients_match_finite_differences() {
    for seed in 0..20 {
        let [x, y] = points3(seed);
        for (name, mut k) in zoo() {
            let p0 = k.log_params();
            let mut g = vec![0.0; k.num_params()];
            let val = k.eval_with_grad(&x, &y, &mut g);
            assert!(close(val, k.eval(&x, &y), 1e-14), "{name}");
            for j in 0..p0.len() {
                let h = 1e-5;
                let mut p = p0.clone();
                p[j] += h;
                k.set_log_params(&p).unwrap();
                let up = k.eval(&x, &y);
                p[j] -= 2.0 * h;
                k.set_log_params(&p).unwrap();
                let down = k.eval(&x, &y);
                k.set_log_params(&p0).unwrap();
                let fd = (up - down) / (2.0 * h);
                assert!(close(g[j], fd, 1e-7), "{name} param {j}: {} vs {fd}", g[j]);
            }
        }
    }
}

#[test]
fn input_derivatives_match_finite_differences() {
    for seed in 0..20 {
        let [x, y] = points3(seed);
        for (name, k) in zoo() {
            let mut g = [0.0; 3];
            k.grad_x(&x, &y, &mut g).unwrap();
            let (mut hxx, mut hxy) = ([0.0; 9], [0.0; 9]);
            k.hess_xx(&x, &y, &mut hxx).unwrap();
            k.hess_xy(&x, &y, &mut hxy).unwrap();
            let h = 1e-5;
            for i in 0..3 {
                let (mut xp, mut xm) = (x, x);
                xp[i] += h;
                xm[i] -= h;
                let fd = (k.eval(&xp, &y) - k.eval(&xm, &y)) / (2.0 * h);
                assert!(close(g[i], fd, 1e-7), "{name} grad {i}: {} vs {fd}", g[i]);
                let (mut gp, mut gm) = ([0.0; 3], [0.0; 3]);
                k.grad_x(&xp, &y, &mut gp).unwrap();
                k.grad_x(&xm, &y, &mut gm).unwrap();
                let (mut yp, mut ym) = (y, y);
                yp[i] += h;
                ym[i] -= h;
                let (mut gyp, mut gym) = ([0.0; 3], [0.0; 3]);
                k.grad_x(&x, &yp, &mut gyp).unwrap();
                k.grad_x(&x, &ym, &mut gym).unwrap();
                for j in 0..3 {
                    let fd_xx = (gp[j] - gm[j]) / (2.0 * h);
                    assert!(close(hxx[j * 3 + i], fd_xx, 1e-6), "{name} hess_xx {j}{i}");
                    let fd_xy = (gyp[j] - gym[j]) / (2.0 * h);
                    assert!(close(hxy[j * 3 + i], fd_xy, 1e-6), "{name} hess_xy {j}{i}");
                }
            }
        }
    }
}

#[test]
fn gram_matrices_are_positive_semidefinite() {
    let data: Vec<f64> = (0..60 * 3)
        .map(|i| ((i * 37 % 101) as f64 / 50.0) - 1.0)
        .collect();
    let x = Points::new(data, 3).unwrap();
    for (name, k) in zoo() {
        let g = gram(k.as_ref(), &x).unwrap();
        let eig = g.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
        let scale = eig.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        assert!(
            eig.iter().all(|&v| v >= -1e-12 * scale),
            "{name}: min eigenvalue {:e}",
            eig[0]
        );
        for i in 0..x.len() {
            for j in 0..x.len() {
                assert_eq!(g[(i, j)], g[(j, i)]);
            }
        }
    }
}

#[test]
fn kernel_operators_match_dense_products() {
    let n = 700;
    let m = 1100;
    let xd: Vec<f64> = (0..n * 3)
        .map(|i| ((i * 7919 % 1013) as f64 / 500.0) - 1.0)
        .collect();
    let yd: Vec<f64> = (0..m * 3)
        .map(|i| ((i * 104729 % 997) as f64 / 450.0) - 1.1)
        .collect();
    let x = Points::new(xd, 3).unwrap();
    let y = Points::new(yd, 3).unwrap();
    let v = Mat::<f64>::from_fn(m, 3, |i, c| ((i * (c + 3)) % 17) as f64 / 17.0 - 0.4);
    let check = |got: &Mat<f64>, dense: &Mat<f64>| {
        let want = dense * &v;
        let scale = want.norm_max();
        (got - &want).norm_max() / scale
    };
    let k = Stationary::ard(Gaussian, 1.3, vec![0.4, 0.7, 1.0]).unwrap();
    let dense = cross_gram(&k, &x, &y).unwrap();
    let op = StationaryOperator::new(k, &x, &y).unwrap();
    assert!(check(&op.apply_checked(v.as_ref()).unwrap(), &dense) < 1e-14);
    let k = Stationary::new(Matern52, 0.8, 0.6).unwrap();
    let dense = cross_gram(&k, &x, &y).unwrap();
    let op = StationaryOperator::new(k, &x, &y).unwrap();
    assert!(check(&op.apply_checked(v.as_ref()).unwrap(), &dense) < 1e-14);
    let k = Sum::new(
        Stationary::new(Matern32, 1.0, 0.5).unwrap(),
        Linear::new(0.3, 0.2).unwrap(),
    )
    .unwrap();
    let dense = cross_gram(&k, &x, &y).unwrap();
    let op = KernelOperator::new(k, x.clone(), y.clone()).unwrap();
    assert!(check(&op.apply_checked(v.as_ref()).unwrap(), &dense) < 1e-14);
    // Shape and value errors.
    let bad = Mat::<f64>::zeros(m + 1, 1);
    assert!(matches!(
        op.apply_checked(bad.as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut nan = Mat::<f64>::zeros(m, 1);
    nan[(3, 0)] = f64::NAN;
    assert!(matches!(
        op.apply_checked(nan.as_ref()),
        Err(Error::NonFinite(_))
    ));
}

#[test]
fn dimension_and_parameter_errors() {
    let k = Stationary::ard(Gaussian, 1.0, vec![1.0, 2.0]).unwrap();
    assert!(matches!(
        evaluate(&k, &[0.0, 1.0, 2.0], &[0.0, 1.0, 2.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        evaluate(&k, &[0.0, 1.0], &[0.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        evaluate(&k, &[0.0, f64::NAN], &[0.0, 1.0]),
        Err(Error::NonFinite(_))
    ));
    let mut k2 = k.clone();
    assert!(matches!(
        k2.set_log_params(&[0.0, 1.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        k2.set_log_params(&[0.0, f64::NAN, 1.0]),
        Err(Error::NonFinite(_))
    ));
    assert!(Stationary::new(Gaussian, 0.0, 1.0).is_err());
    assert!(RationalQuadratic::new(-1.0).is_err());
    assert!(Wendland::new(3).is_err());
    assert!(Polynomial::new(1.0, 1.0, 0).is_err());
    assert!(ActiveDims::new(Stationary::new(Gaussian, 1.0, 1.0).unwrap(), vec![0, 3], 3).is_err());
    assert!(Sum::new(k.clone(), Cosine::new(1.0, vec![1.0; 3]).unwrap()).is_err());
    let x = Points::new(vec![0.0; 9], 3).unwrap();
    assert!(matches!(gram(&k, &x), Err(Error::ShapeMismatch { .. })));
}

#[test]
fn kernels_round_trip_through_serde() {
    let k = Product::new(
        Stationary::ard(Matern52, 1.2, vec![0.7, 1.1]).unwrap(),
        Sum::new(
            Periodic::new(1.0, 0.5, 2.0).unwrap(),
            Linear::new(0.3, 0.1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let json = serde_json::to_string(&k).unwrap();
    let back: Product<Stationary<Matern52>, Sum<Periodic, Linear>> =
        serde_json::from_str(&json).unwrap();
    assert_eq!(k, back);
}

proptest! {
    #[test]
    fn stationary_kernels_are_symmetric_and_bounded(
        a in prop::array::uniform3(-5.0f64..5.0), b in prop::array::uniform3(-5.0f64..5.0),
        lv in -2.0f64..2.0, ll in -2.0f64..2.0,
    ) {
        let k = Stationary::new(Matern52, lv.exp(), ll.exp()).unwrap();
        let kab = k.eval(&a, &b);
        prop_assert_eq!(kab, k.eval(&b, &a));
        prop_assert!(kab <= k.eval(&a, &a) * (1.0 + 1e-15) && kab >= 0.0);
        let r = Stationary::new(Gaussian, lv.exp(), ll.exp()).unwrap();
        prop_assert!(r.eval(&a, &b) <= lv.exp() * (1.0 + 1e-15));
    }
}

#[test]
fn neural_kernels_match_mpmath_recursions() {
    use sobolev_kernels::kernel::{Activation, NeuralKernel, NeuralKernelKind};
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/neural_kernels.txt"
    ))
    .unwrap();
    let mut worst = 0.0f64;
    let mut count = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let act = if f[0] == "relu" {
            Activation::Relu
        } else {
            Activation::Erf
        };
        let depth: usize = f[1].parse().unwrap();
        let (sw, sb): (f64, f64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
        let d: usize = f[4].parse().unwrap();
        let nums: Vec<f64> = f[5..].iter().map(|s| s.parse().unwrap()).collect();
        let (x, y) = (&nums[..d], &nums[d..2 * d]);
        for (kind, want) in [
            (NeuralKernelKind::Nngp, nums[2 * d]),
            (NeuralKernelKind::Ntk, nums[2 * d + 1]),
        ] {
            let k = NeuralKernel::new(act, kind, depth, sw, sb).unwrap();
            worst = worst.max((k.eval(x, y) - want).abs() / want.abs());
            count += 1;
        }
    }
    assert_eq!(count, 80);
    assert!(worst < 1e-13, "worst relative error {worst:e}");
}

#[test]
fn neural_kernel_gradients_and_psd() {
    use sobolev_kernels::kernel::{Activation, NeuralKernel, NeuralKernelKind};
    let data: Vec<f64> = (0..40 * 3)
        .map(|i| ((i * 37 % 101) as f64 / 50.0) - 1.0)
        .collect();
    let x = Points::new(data, 3).unwrap();
    for act in [Activation::Relu, Activation::Erf] {
        for kind in [NeuralKernelKind::Nngp, NeuralKernelKind::Ntk] {
            let mut k = NeuralKernel::new(act, kind, 3, 1.6, 0.2).unwrap();
            let g = gram(&k, &x).unwrap();
            let eig = g.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
            assert!(eig[0] >= -1e-12 * eig[eig.len() - 1], "{act:?} {kind:?}");
            for seed in 0..10 {
                let [a, b] = points3(seed);
                let mut grad = [0.0; 2];
                k.eval_with_grad(&a, &b, &mut grad);
                let p0 = k.log_params();
                for j in 0..2 {
                    let h = 1e-5;
                    let mut p = p0.clone();
                    p[j] += h;
                    k.set_log_params(&p).unwrap();
                    let up = k.eval(&a, &b);
                    p[j] -= 2.0 * h;
                    k.set_log_params(&p).unwrap();
                    let down = k.eval(&a, &b);
                    k.set_log_params(&p0).unwrap();
                    assert!(
                        close(grad[j], (up - down) / (2.0 * h), 1e-7),
                        "{act:?} {kind:?} {j}"
                    );
                }
                // Identical inputs: finite gradient.
                k.eval_with_grad(&a, &a, &mut grad);
                assert!(grad.iter().all(|v| v.is_finite()));
            }
            let mut out = [0.0; 3];
            assert!(matches!(
                k.grad_x(&[0.0; 3], &[1.0; 3], &mut out),
                Err(Error::InvalidArgument(_))
            ));
        }
    }
}
