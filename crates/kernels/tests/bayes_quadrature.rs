//! Bayesian quadrature: kernel means and initial variances against mpmath
//! quadrature, weights and variances against their definitions, and the
//! convergence order of Matern BQ.

use sobolev_kernels::{BayesQuadrature, Error, Measure, Points, TensorKernel, TensorProfile};

fn profile(s: &str) -> TensorProfile {
    match s {
        "gaussian" => TensorProfile::Gaussian,
        "matern12" => TensorProfile::Matern12,
        "matern32" => TensorProfile::Matern32,
        "matern52" => TensorProfile::Matern52,
        other => panic!("unknown profile {other}"),
    }
}

#[test]
fn kernel_means_match_mpmath() {
    let text = include_str!("data/bayes_quadrature.csv");
    let mut worst = 0.0f64;
    let mut count = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let p = profile(f[1]);
        let num = |i: usize| -> f64 { f[i].parse().unwrap() };
        let (l, a, b, x, want) = (num(2), num(3), num(4), num(5), num(6));
        let got = match f[0] {
            "mean" | "double" => {
                let k = TensorKernel::new(p, 1.0, vec![l]).unwrap();
                let m = Measure::lebesgue(vec![a], vec![b]).unwrap();
                if f[0] == "mean" {
                    k.kernel_means(&m, &Points::from_1d(&[x]).unwrap()).unwrap()[0]
                } else {
                    k.initial_variance(&m).unwrap()
                }
            }
            "gauss_mean" | "gauss_double" => {
                let k = TensorKernel::new(p, 1.0, vec![l]).unwrap();
                let m = Measure::gaussian(vec![a], vec![b]).unwrap();
                if f[0] == "gauss_mean" {
                    k.kernel_means(&m, &Points::from_1d(&[x]).unwrap()).unwrap()[0]
                } else {
                    k.initial_variance(&m).unwrap()
                }
            }
            "box3" => {
                // Box [0,1] x [-1,1] x [0,2], lengthscales (0.4, 0.8, 1.5),
                // node (0.2, 0.5, 1.9), variance 1.
                let k = TensorKernel::new(p, 1.0, vec![0.4, 0.8, 1.5]).unwrap();
                let m = Measure::lebesgue(vec![0.0, -1.0, 0.0], vec![1.0, 1.0, 2.0]).unwrap();
                let node = Points::new(vec![0.2, 0.5, 1.9], 3).unwrap();
                k.kernel_means(&m, &node).unwrap()[0]
            }
            other => panic!("unknown kind {other}"),
        };
        if want < f64::MIN_POSITIVE {
            // Below the f64 range (e.g. 4.6e-351): the answer is 0 in f64.
            assert!(got < f64::MIN_POSITIVE, "{line}: got {got:e}");
            continue;
        }
        let rel = (got - want).abs() / want.abs();
        // Nodes outside the interval give exponentially small means, where
        // mpmath's quadrature (20 digits) is itself good to about 1e-11
        // relative (e.g. 0.05 (e^{-40} - e^{-140}) evaluated directly agrees
        // with ours to 1e-16, with the quadrature to 6e-12).
        let outside = f[0] == "mean" && (x < a || x > b);
        let tol = if outside { 1e-10 } else { 1e-13 };
        if rel > 1e-13 {
            eprintln!("{line}: relative error {rel:e}");
        }
        assert!(rel < tol, "{line}: got {got:e}, relative error {rel:e}");
        worst = worst.max(rel);
        count += 1;
    }
    assert!(count > 90);
    eprintln!("kernel means: worst relative error {worst:e} over {count} values");
}

#[test]
fn variance_scales_and_tensor_products_factor() {
    let m1 = Measure::lebesgue(vec![0.0], vec![2.0]).unwrap();
    let m2 = Measure::lebesgue(vec![-1.0], vec![0.5]).unwrap();
    let m12 = Measure::lebesgue(vec![0.0, -1.0], vec![2.0, 0.5]).unwrap();
    for p in [
        TensorProfile::Gaussian,
        TensorProfile::Matern12,
        TensorProfile::Matern32,
        TensorProfile::Matern52,
    ] {
        let k1 = TensorKernel::new(p, 1.0, vec![0.7]).unwrap();
        let k2 = TensorKernel::new(p, 1.0, vec![1.3]).unwrap();
        let k12 = TensorKernel::new(p, 2.5, vec![0.7, 1.3]).unwrap();
        let c = k12.initial_variance(&m12).unwrap();
        let want = 2.5 * k1.initial_variance(&m1).unwrap() * k2.initial_variance(&m2).unwrap();
        assert!((c - want).abs() < 1e-14 * want);
        let z = k12
            .kernel_means(&m12, &Points::new(vec![0.3, 0.1], 2).unwrap())
            .unwrap()[0];
        let want = 2.5
            * k1.kernel_means(&m1, &Points::from_1d(&[0.3]).unwrap())
                .unwrap()[0]
            * k2.kernel_means(&m2, &Points::from_1d(&[0.1]).unwrap())
                .unwrap()[0];
        assert!((z - want).abs() < 1e-14 * want);
    }
}

#[test]
fn matern32_bq_converges_at_order_two() {
    // Uniform grids of n midpoints on [0, 1]; the posterior standard deviation
    // (worst-case error in the Matern-3/2 RKHS, a Sobolev space of order 2)
    // decays like n^{-2}, and so does the error on a smooth integrand.
    let k = TensorKernel::new(TensorProfile::Matern32, 1.0, vec![0.3]).unwrap();
    let m = Measure::lebesgue(vec![0.0], vec![1.0]).unwrap();
    let f = |x: f64| (3.0 * x).sin() + x * x;
    let exact = (1.0 - 3f64.cos()) / 3.0 + 1.0 / 3.0;
    let mut logs = Vec::new();
    for n in [8usize, 16, 32, 64, 128] {
        let x: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
        let bq = BayesQuadrature::new(&k, &m, &Points::from_1d(&x).unwrap()).unwrap();
        let est = bq
            .integrate(&x.iter().map(|&t| f(t)).collect::<Vec<_>>())
            .unwrap();
        let err = (est - exact).abs();
        let sd = bq.variance().sqrt();
        assert!(err <= 3.0 * sd, "n = {n}: error {err:e} vs sd {sd:e}");
        logs.push(((n as f64).ln(), sd.ln(), err.ln()));
    }
    let slope = |pick: fn(&(f64, f64, f64)) -> f64| {
        let k = logs.len() as f64;
        let mx = logs.iter().map(|t| t.0).sum::<f64>() / k;
        let my = logs.iter().map(pick).sum::<f64>() / k;
        logs.iter()
            .map(|t| (t.0 - mx) * (pick(t) - my))
            .sum::<f64>()
            / logs.iter().map(|t| (t.0 - mx).powi(2)).sum::<f64>()
    };
    let sd_slope = slope(|t| t.1);
    assert!((sd_slope + 2.0).abs() < 0.15, "sd slope {sd_slope}");
    let err_slope = slope(|t| t.2);
    assert!(err_slope < -1.8, "error slope {err_slope}");
}

#[test]
fn weights_reproduce_the_kernel_means_and_gaussian_measure_works() {
    // K w = z, and the BQ estimate of int k(., x_0) dmu is exactly z(x_0)
    // when x_0 is a node (the integrand lies in the span of the kernel).
    let k = TensorKernel::new(TensorProfile::Gaussian, 1.3, vec![0.8, 1.1]).unwrap();
    let m = Measure::gaussian(vec![0.2, -0.3], vec![1.0, 0.6]).unwrap();
    let mut x = Vec::new();
    for i in 0..6 {
        for j in 0..5 {
            x.push(-2.0 + 0.8 * i as f64);
            x.push(-1.5 + 0.7 * j as f64);
        }
    }
    let nodes = Points::new(x, 2).unwrap();
    let bq = BayesQuadrature::new(&k, &m, &nodes).unwrap();
    let z = k.kernel_means(&m, &nodes).unwrap();
    let g = k.gram(&nodes).unwrap();
    for (i, zi) in z.iter().enumerate() {
        let kw: f64 = (0..nodes.len()).map(|j| g[(i, j)] * bq.weights()[j]).sum();
        assert!((kw - zi).abs() < 1e-9 * zi.abs().max(1e-3));
    }
    let col: Vec<f64> = (0..nodes.len()).map(|j| g[(j, 7)]).collect();
    let est = bq.integrate(&col).unwrap();
    assert!((est - z[7]).abs() < 1e-9 * z[7]);
    assert!(bq.variance() >= 0.0 && bq.variance() < bq.initial_variance());
}

#[test]
fn bad_input_gives_typed_errors() {
    assert!(TensorKernel::new(TensorProfile::Matern32, 1.0, vec![]).is_err());
    assert!(TensorKernel::new(TensorProfile::Matern32, -1.0, vec![1.0]).is_err());
    assert!(TensorKernel::new(TensorProfile::Matern32, 1.0, vec![f64::NAN]).is_err());
    assert!(Measure::lebesgue(vec![1.0], vec![0.0]).is_err());
    assert!(Measure::lebesgue(vec![0.0, 1.0], vec![1.0]).is_err());
    assert!(Measure::gaussian(vec![0.0], vec![0.0]).is_err());
    assert!(Measure::gaussian(vec![f64::INFINITY], vec![1.0]).is_err());
    let k = TensorKernel::new(TensorProfile::Matern52, 1.0, vec![1.0]).unwrap();
    let g = Measure::gaussian(vec![0.0], vec![1.0]).unwrap();
    assert!(matches!(
        k.initial_variance(&g),
        Err(Error::InvalidArgument(_))
    ));
    let box2 = Measure::lebesgue(vec![0.0, 0.0], vec![1.0, 1.0]).unwrap();
    let k2 = TensorKernel::new(TensorProfile::Matern52, 1.0, vec![1.0, 2.0, 3.0]).unwrap();
    assert!(matches!(
        k2.initial_variance(&box2),
        Err(Error::ShapeMismatch { .. })
    ));
    let m = Measure::lebesgue(vec![0.0], vec![1.0]).unwrap();
    let dup = Points::from_1d(&[0.5, 0.5]).unwrap();
    // Duplicate nodes make K singular: the jitter that rescued it is reported.
    let bq = BayesQuadrature::new(&k, &m, &dup).unwrap();
    assert!(bq.jitter() > 0.0);
    let bq = BayesQuadrature::new(&k, &m, &Points::from_1d(&[0.2, 0.7]).unwrap()).unwrap();
    assert!(bq.integrate(&[1.0]).is_err());
    assert!(bq.integrate(&[1.0, f64::NAN]).is_err());
}
