//! Conjugate gradients and the trust-region method against closed-form
//! minima: the Rayleigh quotient on the sphere (smallest eigenvector), the
//! Brockett cost on the Stiefel manifold (eigenvectors in order), and the
//! Karcher mean on SPD matrices (compared with the Frechet-mean iteration).

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sobolev_manifolds::optim::{DescentOptions, conjugate_gradient, gradient_descent};
use sobolev_manifolds::stats::{MeanOptions, frechet_mean};
use sobolev_manifolds::trust_region::{TrustRegionOptions, trust_region};
use sobolev_manifolds::*;

/// An ill-conditioned symmetric matrix with eigenvalues 1, 2, ..., n
/// (times `scale` for the last) in a random basis.
fn spectrum_matrix(n: usize, scale: f64, seed: u64) -> Mat<f64> {
    let so = SpecialOrthogonal::new(n).unwrap();
    let q = so.random_point(&mut ChaCha8Rng::seed_from_u64(seed));
    let d = Mat::from_fn(n, n, |i, j| {
        if i != j {
            0.0
        } else if i + 1 == n {
            scale * n as f64
        } else {
            (i + 1) as f64
        }
    });
    let a = q.as_ref() * d.as_ref() * q.transpose();
    Mat::from_fn(n, n, |i, j| 0.5 * (a[(i, j)] + a[(j, i)]))
}

fn rayleigh(a: &Mat<f64>, x: &[f64]) -> (f64, Vec<f64>) {
    let n = x.len();
    let ax: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| a[(i, j)] * x[j]).sum())
        .collect();
    let f = x.iter().zip(&ax).map(|(a, b)| a * b).sum();
    (f, ax.iter().map(|v| 2.0 * v).collect())
}

#[test]
fn cg_and_trust_region_find_the_smallest_eigenvalue_faster_than_descent() {
    let n = 30;
    let a = spectrum_matrix(n, 3.0, 1);
    let s = Sphere::new(n).unwrap();
    let x0 = s
        .project_point(&(0..n).map(|i| 1.0 + i as f64).collect())
        .unwrap();
    let opts = DescentOptions {
        gradient_tolerance: 1e-6,
        max_iterations: 20_000,
        ..DescentOptions::default()
    };
    let gd = gradient_descent(&s, &x0, |x| Ok(rayleigh(&a, x)), &opts).unwrap();
    let cg = conjugate_gradient(&s, &x0, |x| Ok(rayleigh(&a, x)), &opts).unwrap();
    assert!((cg.cost - 1.0).abs() < 1e-11, "{}", cg.cost);
    assert!((gd.cost - 1.0).abs() < 1e-11, "{}", gd.cost);
    assert!(
        2 * cg.iterations < gd.iterations,
        "CG {} vs GD {} iterations",
        cg.iterations,
        gd.iterations
    );
    let tr_opts = TrustRegionOptions {
        gradient_tolerance: 1e-9,
        ..TrustRegionOptions::default()
    };
    let tr = trust_region(&s, &x0, |x| Ok(rayleigh(&a, x)), &tr_opts).unwrap();
    assert!((tr.cost - 1.0).abs() < 1e-13, "{}", tr.cost);
    assert!(
        tr.iterations < 40,
        "{} trust-region iterations",
        tr.iterations
    );
}

#[test]
fn brockett_cost_on_stiefel_orders_the_eigenvectors() {
    // f(X) = tr(X^T A X N), N = diag(p, ..., 1): the minimum is
    // sum_i N_ii lambda_i with the smallest eigenvalues in order.
    let (n, p) = (12, 3);
    let a = spectrum_matrix(n, 1.0, 2);
    let nd: Vec<f64> = (0..p).map(|i| (p - i) as f64).collect();
    let cost = |x: &Mat<f64>| -> Result<(f64, Mat<f64>)> {
        let ax = a.as_ref() * x.as_ref();
        let mut f = 0.0;
        let g = Mat::from_fn(n, p, |i, j| 2.0 * ax[(i, j)] * nd[j]);
        for j in 0..p {
            for i in 0..n {
                f += x[(i, j)] * ax[(i, j)] * nd[j];
            }
        }
        Ok((f, g))
    };
    let ev = a.self_adjoint_eigenvalues(Side::Lower).unwrap();
    let want: f64 = (0..p).map(|j| nd[j] * ev[j]).sum();
    let st = Stiefel::new(n, p).unwrap();
    let x0 = st.random_point(&mut ChaCha8Rng::seed_from_u64(5));
    let tr = trust_region(&st, &x0, cost, &TrustRegionOptions::default()).unwrap();
    assert!((tr.cost - want).abs() < 1e-11, "{} vs {want}", tr.cost);
    // Armijo compares costs, so the gradient tolerance stays above
    // sqrt(eps |f|).
    let opts = DescentOptions {
        gradient_tolerance: 1e-6,
        max_iterations: 5000,
        ..DescentOptions::default()
    };
    let cg = conjugate_gradient(&st, &x0, cost, &opts).unwrap();
    assert!((cg.cost - want).abs() < 1e-11, "{} vs {want}", cg.cost);
}

#[test]
fn trust_region_karcher_mean_matches_the_frechet_iteration() {
    let spd = Spd::<AffineInvariant>::new(4).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let pts: Vec<Mat<f64>> = (0..6).map(|_| spd.random_point(&mut rng)).collect();
    let mean = frechet_mean(&spd, &pts, None, &MeanOptions::default()).unwrap();
    // f(X) = sum_i d(X, P_i)^2 / 2, Riemannian gradient -sum_i log_X(P_i);
    // its Euclidean gradient is X^{-1} (that) X^{-1}.
    let cost = |x: &Mat<f64>| -> Result<(f64, Mat<f64>)> {
        let mut f = 0.0;
        let mut rg = Mat::<f64>::zeros(4, 4);
        for p in &pts {
            f += 0.5 * spd.dist(x, p)?.powi(2);
            rg -= spd.log(x, p)?;
        }
        let xi = x.as_ref().llt(Side::Lower).unwrap().inverse();
        Ok((f, xi.as_ref() * rg.as_ref() * xi.as_ref()))
    };
    let tr = trust_region(&spd, &pts[0], cost, &TrustRegionOptions::default()).unwrap();
    assert!(spd.dist(&tr.point, &mean.mean).unwrap() < 1e-9);
}

#[test]
fn invalid_options_are_rejected() {
    let s = Sphere::new(3).unwrap();
    let x0 = vec![1.0, 0.0, 0.0];
    let f = |x: &Vec<f64>| Ok((x[0], vec![1.0, 0.0, 0.0]));
    let bad = TrustRegionOptions {
        initial_radius: -1.0,
        ..TrustRegionOptions::default()
    };
    assert!(matches!(
        trust_region(&s, &x0, f, &bad),
        Err(Error::InvalidArgument(_))
    ));
    let bad = DescentOptions {
        armijo: 2.0,
        ..DescentOptions::default()
    };
    assert!(matches!(
        conjugate_gradient(&s, &x0, f, &bad),
        Err(Error::InvalidArgument(_))
    ));
    let nan = |_: &Vec<f64>| Ok((f64::NAN, vec![0.0; 3]));
    assert!(matches!(
        conjugate_gradient(&s, &x0, nan, &DescentOptions::default()),
        Err(Error::NonFinite(_))
    ));
}
