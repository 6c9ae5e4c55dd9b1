//! KroneckerGp against ExactGp on the assembled grid with the same product
//! kernel: log marginal likelihood, posterior means and variances.

use sobolev_kernels::kernel::{ActiveDims, Gaussian, Matern32, Matern52, Product, Stationary};
use sobolev_kernels::{Error, ExactGp, FitOptions, GaussianProcess, KroneckerGp, Points};

fn grid() -> Vec<Vec<f64>> {
    vec![
        (0..6).map(|i| 0.3 * i as f64).collect(),
        (0..5).map(|i| -1.0 + 0.45 * i as f64).collect(),
        (0..4).map(|i| (i as f64).sqrt()).collect(),
    ]
}

#[test]
fn matches_the_exact_gp_on_the_assembled_grid() {
    let axes = grid();
    let k1 = Stationary::new(Matern52, 1.7, 0.8).unwrap();
    let k2 = Stationary::new(Matern52, 1.0, 1.3).unwrap();
    let k3 = Stationary::new(Matern52, 1.0, 0.6).unwrap();
    let mut pts = Vec::new();
    for &a in &axes[0] {
        for &b in &axes[1] {
            for &c in &axes[2] {
                pts.push(vec![a, b, c]);
            }
        }
    }
    let y: Vec<f64> = pts
        .iter()
        .map(|p| (p[0] * 2.0).sin() + p[1] * p[2] - 0.3 * p[1].powi(2))
        .collect();
    let noise = 0.05;
    let kron = KroneckerGp::new(
        vec![k1.clone(), k2.clone(), k3.clone()],
        axes.clone(),
        noise,
        y.clone(),
    )
    .unwrap();
    let product = Product::new(
        Product::new(
            ActiveDims::new(k1, vec![0], 3).unwrap(),
            ActiveDims::new(k2, vec![1], 3).unwrap(),
        )
        .unwrap(),
        ActiveDims::new(k3, vec![2], 3).unwrap(),
    )
    .unwrap();
    let exact = ExactGp::new(product, noise, Points::from_rows(&pts).unwrap(), y).unwrap();
    let (a, b) = (
        kron.log_marginal_likelihood(),
        exact.log_marginal_likelihood(),
    );
    assert!((a - b).abs() < 1e-12 * b.abs(), "lml {a} vs {b}");
    let queries = Points::from_rows(&[
        [0.1, 0.2, 0.9],
        [1.4, -0.9, 1.7],
        [3.0, 2.0, 0.0],
        [0.6, 0.35, 1.0],
    ])
    .unwrap();
    let (pk, pe) = (
        kron.predict(&queries).unwrap(),
        exact.predict(&queries).unwrap(),
    );
    for i in 0..queries.len() {
        assert!(
            (pk.mean[i] - pe.mean[i]).abs() < 1e-11,
            "mean {i}: {} vs {}",
            pk.mean[i],
            pe.mean[i]
        );
        assert!(
            (pk.variance[i] - pe.variance[i]).abs() < 1e-11,
            "var {i}: {} vs {}",
            pk.variance[i],
            pe.variance[i]
        );
    }
}

#[test]
fn a_million_point_grid_fits_in_linear_memory() {
    // 100^3 points: one 100 x 100 eigendecomposition per axis.
    let axis: Vec<f64> = (0..100).map(|i| i as f64 / 99.0).collect();
    let f = |a: f64, b: f64, c: f64| (3.0 * a).sin() * (2.0 * b).cos() + c;
    let mut y = Vec::with_capacity(1_000_000);
    for &a in &axis {
        for &b in &axis {
            for &c in &axis {
                y.push(f(a, b, c));
            }
        }
    }
    let k = |v: f64| Stationary::new(Gaussian, v, 0.3).unwrap();
    let gp = KroneckerGp::new(
        vec![k(1.0), k(1.0), k(1.0)],
        vec![axis.clone(), axis.clone(), axis],
        1e-4,
        y,
    )
    .unwrap();
    assert!(gp.log_marginal_likelihood().is_finite());
    let q = Points::from_rows(&[[0.505, 0.255, 0.755]]).unwrap();
    let p = gp.predict(&q).unwrap();
    assert!(
        (p.mean[0] - f(0.505, 0.255, 0.755)).abs() < 1e-3,
        "{}",
        p.mean[0]
    );
    assert!(p.variance[0] < 1e-4);
}

#[test]
fn bad_input_gives_typed_errors() {
    let k = Stationary::new(Matern32, 1.0, 1.0).unwrap();
    let axes = vec![vec![0.0, 1.0], vec![0.0, 1.0, 2.0]];
    let y = vec![0.0; 6];
    assert!(matches!(
        KroneckerGp::new(vec![k.clone()], axes.clone(), 0.1, y.clone()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        KroneckerGp::new(vec![k.clone(), k.clone()], axes.clone(), 0.1, vec![0.0; 5]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        KroneckerGp::new(vec![k.clone(), k.clone()], axes.clone(), 0.0, y.clone()),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        KroneckerGp::new(
            vec![k.clone(), k.clone()],
            vec![vec![], vec![0.0]],
            0.1,
            vec![]
        ),
        Err(Error::Empty(_))
    ));
    let mut bad = y.clone();
    bad[2] = f64::NAN;
    assert!(matches!(
        KroneckerGp::new(vec![k.clone(), k.clone()], axes.clone(), 0.1, bad),
        Err(Error::NonFinite(_))
    ));
    let gp = KroneckerGp::new(vec![k.clone(), k], axes, 0.1, y).unwrap();
    assert!(matches!(
        gp.predict(&Points::from_1d(&[0.5]).unwrap()),
        Err(Error::ShapeMismatch { .. })
    ));
}

/// The grid's points (first axis slowest) and a smooth target on them.
fn grid_data(axes: &[Vec<f64>]) -> (Vec<Vec<f64>>, Vec<f64>) {
    grid_data_with(
        axes,
        |p| (p[0] * 2.0).sin() + p[1] * p[2] - 0.3 * p[1].powi(2),
        0.1,
    )
}

/// `f` on the grid plus uniform noise of width `noise`.
fn grid_data_with(
    axes: &[Vec<f64>],
    f: impl Fn(&[f64]) -> f64,
    noise: f64,
) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut pts = Vec::new();
    for &a in &axes[0] {
        for &b in &axes[1] {
            for &c in &axes[2] {
                pts.push(vec![a, b, c]);
            }
        }
    }
    let mut s: u64 = 7;
    let y = pts
        .iter()
        .map(|p| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let e = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            f(p) + noise * e
        })
        .collect();
    (pts, y)
}

/// The ExactGp with the same product kernel on the assembled grid.
fn exact_twin(
    kron: &KroneckerGp<Stationary<Matern52>>,
    pts: &[Vec<f64>],
    y: Vec<f64>,
) -> ExactGp<impl sobolev_kernels::kernel::Kernel + Clone> {
    let k = kron.kernels();
    let product = Product::new(
        Product::new(
            ActiveDims::new(k[0].clone(), vec![0], 3).unwrap(),
            ActiveDims::new(k[1].clone(), vec![1], 3).unwrap(),
        )
        .unwrap(),
        ActiveDims::new(k[2].clone(), vec![2], 3).unwrap(),
    )
    .unwrap();
    ExactGp::new(
        product,
        kron.noise_variance(),
        Points::from_rows(pts).unwrap(),
        y,
    )
    .unwrap()
}

#[test]
fn gradient_matches_the_exact_gp() {
    let axes = grid();
    let (pts, y) = grid_data(&axes);
    let k = |v: f64, l: f64| Stationary::new(Matern52, v, l).unwrap();
    let kron = KroneckerGp::new(
        vec![k(1.7, 0.8), k(0.9, 1.3), k(1.2, 0.6)],
        axes,
        0.05,
        y.clone(),
    )
    .unwrap();
    let exact = exact_twin(&kron, &pts, y);
    assert_eq!(kron.log_params(), exact.log_params());
    let gk = kron.log_marginal_likelihood_gradient().unwrap();
    let ge = exact.log_marginal_likelihood_gradient();
    assert_eq!(gk.len(), 7);
    for (a, b) in gk.iter().zip(&ge) {
        assert!(
            (a - b).abs() < 1e-10 * b.abs().max(1.0),
            "gradient {gk:?} vs exact {ge:?}"
        );
    }
}

#[test]
fn fitted_likelihood_matches_the_exact_gp_at_the_optimum() {
    let axes = grid();
    let (pts, y) = grid_data_with(
        &axes,
        |p| (3.0 * p[0]).sin() * (2.5 * p[1]).cos() + (2.0 * p[2]).sin(),
        0.3,
    );
    let k = |l: f64| Stationary::new(Matern52, 1.0, l).unwrap();
    let start =
        KroneckerGp::new(vec![k(1.0), k(1.0), k(1.0)], axes.clone(), 0.1, y.clone()).unwrap();
    let (gp, report) = KroneckerGp::fit(
        vec![k(1.0), k(1.0), k(1.0)],
        axes,
        0.1,
        y.clone(),
        &FitOptions::default(),
    )
    .unwrap();
    assert!(gp.log_marginal_likelihood() > start.log_marginal_likelihood() + 1.0);
    let lml = gp.log_marginal_likelihood();
    assert!((report.log_marginal_likelihood - lml).abs() < 1e-9 * lml.abs());
    let exact = exact_twin(&gp, &pts, y);
    let e = exact.log_marginal_likelihood();
    assert!((lml - e).abs() < 1e-11 * e.abs(), "lml {lml} vs exact {e}");
    // A stationary point of the exact likelihood too.
    let g = exact.log_marginal_likelihood_gradient();
    assert!(g.iter().all(|v| v.abs() < 1e-3), "{g:?} after {report:?}");
}

#[test]
fn grid_predictions_match_pointwise_predictions() {
    let axes = grid();
    let (_, y) = grid_data(&axes);
    let k = |v: f64, l: f64| Stationary::new(Matern52, v, l).unwrap();
    let gp = KroneckerGp::new(vec![k(1.7, 0.8), k(0.9, 1.3), k(1.2, 0.6)], axes, 0.05, y).unwrap();
    let test = vec![
        vec![-0.2, 0.7, 1.9],
        vec![0.0, 0.33],
        vec![0.1, 1.0, 1.5, 2.5],
    ];
    let (pts, _) = grid_data(&test);
    let grid = gp.predict_grid(&test).unwrap();
    let point = gp.predict(&Points::from_rows(&pts).unwrap()).unwrap();
    assert_eq!(grid.mean.len(), 24);
    for i in 0..24 {
        assert!((grid.mean[i] - point.mean[i]).abs() < 1e-12, "mean {i}");
        assert!(
            (grid.variance[i] - point.variance[i]).abs() < 1e-12,
            "var {i}"
        );
    }
    assert!(matches!(
        gp.predict_grid(&test[..2]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        gp.predict_grid(&[vec![0.0], vec![], vec![1.0]]),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        gp.predict_grid(&[vec![0.0], vec![f64::NAN], vec![1.0]]),
        Err(Error::NonFinite(_))
    ));
}
