//! SO(3) against Rodrigues' formula, and generic algorithms on products.

use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sobolev_manifolds::stats::{MeanOptions, frechet_mean};
use sobolev_manifolds::*;

/// Rodrigues: rotation by `theta` about the unit axis `k`.
fn rodrigues(k: [f64; 3], theta: f64) -> Mat<f64> {
    let kx = Mat::from_fn(3, 3, |i, j| match (i, j) {
        (0, 1) => -k[2],
        (0, 2) => k[1],
        (1, 0) => k[2],
        (1, 2) => -k[0],
        (2, 0) => -k[1],
        (2, 1) => k[0],
        _ => 0.0,
    });
    let kx2 = kx.as_ref() * kx.as_ref();
    Mat::<f64>::identity(3, 3)
        + &kx * faer::Scale(theta.sin())
        + kx2 * faer::Scale(1.0 - theta.cos())
}

fn max_diff(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    let mut m = 0.0f64;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            m = m.max((a[(i, j)] - b[(i, j)]).abs());
        }
    }
    m
}

#[test]
fn so3_exp_and_log_match_rodrigues() {
    let so3 = SpecialOrthogonal::new(3).unwrap();
    let id = Mat::<f64>::identity(3, 3);
    let s = 1.0 / 14f64.sqrt();
    let k = [s, -2.0 * s, 3.0 * s];
    for theta in [1e-9, 1e-3, 0.5, 2.0, 3.0, std::f64::consts::PI - 1e-3] {
        let want = rodrigues(k, theta);
        let omega = Mat::from_fn(3, 3, |i, j| {
            theta
                * match (i, j) {
                    (0, 1) => -k[2],
                    (0, 2) => k[1],
                    (1, 0) => k[2],
                    (1, 2) => -k[0],
                    (2, 0) => -k[1],
                    (2, 1) => k[0],
                    _ => 0.0,
                }
        });
        let got = so3.exp(&id, &omega).unwrap();
        assert!(max_diff(&got, &want) < 1e-15, "exp at theta = {theta}");
        let back = so3.log(&id, &want).unwrap();
        let err = max_diff(&back, &omega);
        // The logarithm's condition number grows like 1 / (pi - theta).
        let bound = 1e-15 * (1.0 + (1.0 + theta) / (std::f64::consts::PI - theta));
        assert!(err < bound, "log at theta = {theta}: {err:e}");
        let angle = so3.angle(&id, &want).unwrap();
        assert!(
            (angle - theta).abs() < 1e-14 * (1.0 + theta),
            "angle {angle} vs {theta}"
        );
    }
    // A rotation by exactly pi has no unique logarithm.
    assert!(so3.log(&id, &rodrigues(k, std::f64::consts::PI)).is_err());
}

#[test]
fn so_n_rejects_reflections_and_projects_onto_rotations() {
    let so = SpecialOrthogonal::new(4).unwrap();
    let mut reflection = Mat::<f64>::identity(4, 4);
    reflection[(0, 0)] = -1.0;
    assert!(so.check_point(&reflection, 1e-10).is_err());
    let projected = so.project_point(&reflection).unwrap();
    so.check_point(&projected, 1e-12).unwrap();
    assert!(SpecialOrthogonal::new(1).is_err());
    assert!(matches!(
        so.exp(&Mat::<f64>::identity(4, 4), &Mat::<f64>::zeros(3, 3)),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn frechet_mean_on_a_product_is_the_pair_of_means() {
    // The product metric makes the mean the pair of the factors' means.
    let sphere = Sphere::new(3).unwrap();
    let so3 = SpecialOrthogonal::new(3).unwrap();
    let m = Product::new(sphere, so3);
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let base = m.random_point(&mut rng);
    let pts: Vec<_> = (0..12)
        .map(|_| {
            let mut v = m.random_tangent(&base, &mut rng).unwrap();
            v.scale(0.3);
            m.exp(&base, &v).unwrap()
        })
        .collect();
    let opts = MeanOptions::default();
    let joint = frechet_mean(&m, &pts, None, &opts).unwrap();
    let firsts: Vec<_> = pts.iter().map(|p| p.0.clone()).collect();
    let seconds: Vec<_> = pts.iter().map(|p| p.1.clone()).collect();
    let a = frechet_mean(&sphere, &firsts, None, &opts).unwrap();
    let b = frechet_mean(&so3, &seconds, None, &opts).unwrap();
    assert!(sphere.dist(&joint.mean.0, &a.mean).unwrap() < 1e-10);
    assert!(so3.dist(&joint.mean.1, &b.mean).unwrap() < 1e-10);
}

#[test]
fn se3_twist_exponential_is_the_matrix_exponential() {
    let se3 = SpecialEuclidean3;
    for (omega, v) in [
        ([0.3, -0.2, 0.5], [1.0, 2.0, -0.5]),
        ([1e-9, 2e-9, 0.0], [0.1, 0.0, 0.3]),
        ([0.0, 0.0, 0.0], [1.0, -1.0, 2.0]),
        ([2.0, -1.5, 1.2], [-0.3, 0.8, 0.1]),
    ] {
        let twist = Mat::from_fn(4, 4, |i, j| match (i, j) {
            (0, 1) => -omega[2],
            (0, 2) => omega[1],
            (1, 0) => omega[2],
            (1, 2) => -omega[0],
            (2, 0) => -omega[1],
            (2, 1) => omega[0],
            (i, 3) if i < 3 => v[i],
            _ => 0.0,
        });
        let want = sobolev_linalg::expm::expm(twist.as_ref()).unwrap();
        let got = se3.exp_twist(omega, v).unwrap();
        assert!(max_diff(&got, &want) < 1e-14, "exp_twist {omega:?}");
        se3.check_point(&got, 1e-12).unwrap();
        let (w, u) = se3.log_twist(&got).unwrap();
        for k in 0..3 {
            assert!(
                (w[k] - omega[k]).abs() < 1e-14 && (u[k] - v[k]).abs() < 1e-13,
                "log_twist {omega:?}"
            );
        }
    }
}

#[test]
fn se3_group_operations() {
    let se3 = SpecialEuclidean3;
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let (a, b) = (se3.random_point(&mut rng), se3.random_point(&mut rng));
    let ab = se3.compose(&a, &b).unwrap();
    se3.check_point(&ab, 1e-12).unwrap();
    let x = [0.3, -1.0, 2.0];
    let direct = se3.act(&ab, x).unwrap();
    let nested = se3.act(&a, se3.act(&b, x).unwrap()).unwrap();
    for k in 0..3 {
        assert!((direct[k] - nested[k]).abs() < 1e-14);
    }
    let id = se3.compose(&a, &se3.inverse(&a).unwrap()).unwrap();
    assert!(max_diff(&id, &Mat::identity(4, 4)) < 1e-14);
    let bad = Mat::<f64>::zeros(3, 3);
    assert!(se3.compose(&a, &bad).is_err());
    assert!(se3.exp_twist([f64::NAN, 0.0, 0.0], [0.0; 3]).is_err());
}
