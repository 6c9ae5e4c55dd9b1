//! Frechet means, variance and tangent PCA against closed forms, and the
//! optimisers on problems with known minima.

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sobolev_manifolds::optim::{Adam, AdamState, DescentOptions, Sgd, SgdState, gradient_descent};
use sobolev_manifolds::stats::{MeanOptions, frechet_mean, frechet_variance, tangent_pca};
use sobolev_manifolds::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn euclidean_mean_is_the_weighted_average() {
    let e = Euclidean::new(3);
    let pts = vec![
        vec![1.0, 2.0, 3.0],
        vec![-1.0, 0.5, 2.0],
        vec![4.0, -2.0, 0.0],
    ];
    let w = [1.0, 2.0, 3.0];
    let r = frechet_mean(&e, &pts, Some(&w), &MeanOptions::default()).unwrap();
    for k in 0..3 {
        let want = (pts[0][k] + 2.0 * pts[1][k] + 3.0 * pts[2][k]) / 6.0;
        assert!(close(r.mean[k], want, 1e-14));
    }
    let var = frechet_variance(&e, &r.mean, &pts, Some(&w)).unwrap();
    let want: f64 = pts
        .iter()
        .zip(&w)
        .map(|(p, w)| {
            w / 6.0
                * p.iter()
                    .zip(&r.mean)
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f64>()
        })
        .sum();
    assert!(close(var, want, 1e-13));
}

#[test]
fn spd_mean_of_commuting_matrices_is_the_geometric_mean() {
    let m = Spd::<AffineInvariant>::new(3).unwrap();
    let diag = |d: [f64; 3]| Mat::from_fn(3, 3, |i, j| if i == j { d[i] } else { 0.0 });
    let pts = vec![
        diag([1.0, 2.0, 3.0]),
        diag([4.0, 0.5, 1.0]),
        diag([0.25, 8.0, 9.0]),
    ];
    let r = frechet_mean(&m, &pts, None, &MeanOptions::default()).unwrap();
    for i in 0..3 {
        let want = (pts[0][(i, i)] * pts[1][(i, i)] * pts[2][(i, i)]).powf(1.0 / 3.0);
        assert!(
            close(r.mean[(i, i)], want, 1e-12),
            "{} vs {want}",
            r.mean[(i, i)]
        );
    }
}

#[test]
fn two_point_mean_is_the_geodesic_midpoint() {
    let m = Spd::<AffineInvariant>::new(4).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (p, q) = (m.random_point(&mut rng), m.random_point(&mut rng));
    let r = frechet_mean(&m, &[p.clone(), q.clone()], None, &MeanOptions::default()).unwrap();
    let mid = m.geodesic(&p, &q, 0.5).unwrap();
    assert!(m.dist(&r.mean, &mid).unwrap() < 1e-10);
    // Extrapolation: t = 2 lies at distance 2 d(p, q) from p.
    let far = m.geodesic(&p, &q, 2.0).unwrap();
    assert!(close(
        m.dist(&p, &far).unwrap(),
        2.0 * m.dist(&p, &q).unwrap(),
        1e-10
    ));
}

#[test]
fn mean_reports_non_convergence() {
    let m = Sphere::new(3).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let pts: Vec<_> = (0..10).map(|_| m.random_point(&mut rng)).collect();
    let opts = MeanOptions {
        max_iterations: 1,
        tolerance: 1e-15,
        step: 1.0,
    };
    assert!(matches!(
        frechet_mean(&m, &pts, None, &opts),
        Err(Error::NotConverged { .. })
    ));
    assert!(matches!(
        frechet_mean(&m, &[], None, &opts),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        frechet_mean(&m, &pts, Some(&[1.0]), &opts),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn tangent_pca_finds_a_geodesic() {
    // Points on one great circle: a single component carries all variance.
    let s = Sphere::new(4).unwrap();
    let base = vec![1.0, 0.0, 0.0, 0.0];
    let dir = vec![0.0, 0.6, 0.8, 0.0];
    let ts = [-0.5, -0.2, 0.1, 0.3, 0.6];
    let pts: Vec<_> = ts
        .iter()
        .map(|t| s.exp(&base, &dir.iter().map(|d| d * t).collect()).unwrap())
        .collect();
    let pca = tangent_pca(&s, &base, &pts, None, 3).unwrap();
    assert_eq!(pca.variances.len(), 1);
    let mean_t = ts.iter().sum::<f64>() / 5.0;
    let var = ts.iter().map(|t| (t - mean_t).powi(2)).sum::<f64>() / 5.0;
    assert!(close(pca.variances[0], var, 1e-12));
    let c = &pca.components[0];
    let dot: f64 = c.iter().zip(&dir).map(|(a, b)| a * b).sum();
    assert!(close(dot.abs(), 1.0, 1e-12));
}

/// Rayleigh quotient `x^T A x` on the sphere: the minimum is the smallest
/// eigenvalue.
fn rayleigh(n: usize) -> (Mat<f64>, f64) {
    let a = Mat::from_fn(n, n, |i, j| {
        1.0 / (1.0 + i as f64 + j as f64) + if i == j { i as f64 } else { 0.0 }
    });
    let ev = a.self_adjoint_eigenvalues(Side::Lower).unwrap();
    (a, ev[0])
}

fn cost(a: &Mat<f64>, x: &[f64]) -> (f64, Vec<f64>) {
    let n = x.len();
    let ax: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| a[(i, j)] * x[j]).sum())
        .collect();
    let f = x.iter().zip(&ax).map(|(a, b)| a * b).sum();
    (f, ax.iter().map(|v| 2.0 * v).collect())
}

#[test]
fn gradient_descent_finds_the_smallest_eigenvalue() {
    let n = 6;
    let (a, lmin) = rayleigh(n);
    let s = Sphere::new(n).unwrap();
    let x0 = s.project_point(&vec![1.0; n]).unwrap();
    let opts = DescentOptions {
        gradient_tolerance: 1e-7,
        ..DescentOptions::default()
    };
    let r = gradient_descent(&s, &x0, |x| Ok(cost(&a, x)), &opts).unwrap();
    assert!(close(r.cost, lmin, 1e-12), "{} vs {lmin}", r.cost);
}

#[test]
fn sgd_and_adam_descend_to_the_minimum() {
    let n = 6;
    let (a, lmin) = rayleigh(n);
    let s = Sphere::new(n).unwrap();
    let x0 = s.project_point(&vec![1.0; n]).unwrap();
    let sgd = Sgd {
        learning_rate: 0.05,
        momentum: 0.5,
    };
    let mut x = x0.clone();
    let mut st = SgdState::default();
    for _ in 0..3000 {
        let (_, g) = cost(&a, &x);
        sgd.step(&s, &mut x, &g, &mut st).unwrap();
    }
    assert!(close(cost(&a, &x).0, lmin, 1e-10));
    let adam = Adam {
        learning_rate: 0.01,
        ..Adam::default()
    };
    let mut x = x0;
    let mut st = AdamState::default();
    for _ in 0..5000 {
        let (_, g) = cost(&a, &x);
        adam.step(&s, &mut x, &g, &mut st).unwrap();
    }
    assert!(
        close(cost(&a, &x).0, lmin, 1e-6),
        "{} vs {lmin}",
        cost(&a, &x).0
    );
    s.check_point(&x, 1e-12).unwrap();
}

#[test]
fn spd_riemannian_gradient_descent_recovers_the_mean() {
    // Minimising half the summed squared distances with the affine-invariant
    // metric: the Euclidean gradient of d(X, P)^2 / 2 is -X^{-1} log_X(P) X^{-1}.
    let m = Spd::<AffineInvariant>::new(3).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let pts: Vec<_> = (0..5).map(|_| m.random_point(&mut rng)).collect();
    let mean = frechet_mean(&m, &pts, None, &MeanOptions::default())
        .unwrap()
        .mean;
    let x0 = pts[0].clone();
    let r = gradient_descent(
        &m,
        &x0,
        |x| {
            let inv = x.partial_piv_lu().solve(Mat::<f64>::identity(3, 3));
            let mut f = 0.0;
            let mut g = Mat::<f64>::zeros(3, 3);
            for p in &pts {
                let d = m.dist(x, p)?;
                f += 0.5 * d * d;
                let l = m.log(x, p)?;
                g -= inv.as_ref() * l.as_ref() * inv.as_ref();
            }
            Ok((f, g))
        },
        &DescentOptions {
            gradient_tolerance: 1e-7,
            ..DescentOptions::default()
        },
    )
    .unwrap();
    // Strong convexity near the mean: distance ~ gradient norm.
    assert!(m.dist(&r.point, &mean).unwrap() < 1e-6);
}

#[test]
fn vmf_cosine_matches_the_closed_form_in_three_dimensions() {
    // On S^2 the density of w = <mu, x> is kappa e^{kappa w} / (2 sinh kappa)
    // on [-1, 1], with mean coth(kappa) - 1/kappa and CDF
    // (e^{kappa w} - e^{-kappa}) / (e^{kappa} - e^{-kappa}).
    use sobolev_manifolds::distributions::VonMisesFisher;
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    for kappa in [0.5f64, 4.0, 50.0] {
        let vmf = VonMisesFisher::new(vec![0.0, 0.0, 1.0], kappa).unwrap();
        let n = 40_000;
        let mut ws: Vec<f64> = (0..n).map(|_| vmf.sample_cosine(&mut rng)).collect();
        let mean = ws.iter().sum::<f64>() / n as f64;
        let want = 1.0 / kappa.tanh() - 1.0 / kappa;
        let sd = (1.0 - want * want).sqrt() / (n as f64).sqrt();
        assert!(
            (mean - want).abs() < 5.0 * sd,
            "kappa {kappa}: {mean} vs {want}"
        );
        ws.sort_by(f64::total_cmp);
        let ks = ws
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let f = ((kappa * (w - 1.0)).exp() - (-2.0 * kappa).exp())
                    / (1.0 - (-2.0 * kappa).exp());
                (f - (i as f64 + 0.5) / n as f64).abs()
            })
            .fold(0.0, f64::max);
        // Kolmogorov-Smirnov at the 0.1% level: 1.95 / sqrt(n).
        assert!(ks < 1.95 / (n as f64).sqrt(), "kappa {kappa}: KS {ks}");
        let x = vmf.sample(&mut rng);
        Sphere::new(3).unwrap().check_point(&x, 1e-12).unwrap();
    }
    // Large dimension and concentration: finite and on the sphere.
    let p = 32_768;
    let mut mu = vec![0.0; p];
    mu[0] = 1.0;
    let vmf = VonMisesFisher::new(mu, 1e4).unwrap();
    let x = vmf.sample(&mut rng);
    Sphere::new(p).unwrap().check_point(&x, 1e-10).unwrap();
}

#[test]
fn wrapped_normal_density_integrates_to_one_on_the_hyperbolic_plane() {
    // Integrate exp(log_density) in geodesic polar coordinates around mu:
    // dvol = sinh(r) dr dphi for c = 1, n = 2.
    use sobolev_manifolds::distributions::WrappedNormal;
    let space = Lorentz::new(2, 1.0).unwrap();
    let mu = space.from_poincare(&[0.3, -0.2]).unwrap();
    let wn = WrappedNormal::new(space, mu.clone(), 0.7).unwrap();
    let (nr, nphi, rmax) = (4000, 64, 8.0);
    let mut total = 0.0;
    let e1 = space.project_tangent(&mu, &vec![0.0, 1.0, 0.0]).unwrap();
    let e1n = space.norm(&mu, &e1).unwrap();
    let e2 = space.project_tangent(&mu, &vec![0.0, 0.0, 1.0]).unwrap();
    let c12 = space.inner(&mu, &e1, &e2).unwrap() / (e1n * e1n);
    let e2o: Vec<f64> = e2.iter().zip(&e1).map(|(a, b)| a - c12 * b).collect();
    let e2n = space.norm(&mu, &e2o).unwrap();
    for i in 0..nr {
        let r = (i as f64 + 0.5) * rmax / nr as f64;
        for k in 0..nphi {
            let phi = k as f64 * std::f64::consts::TAU / nphi as f64;
            let v: Vec<f64> = e1
                .iter()
                .zip(&e2o)
                .map(|(a, b)| r * (phi.cos() * a / e1n + phi.sin() * b / e2n))
                .collect();
            let z = space.exp(&mu, &v).unwrap();
            total += wn.log_density(&z).unwrap().exp() * r.sinh();
        }
    }
    total *= (rmax / nr as f64) * (std::f64::consts::TAU / nphi as f64);
    assert!((total - 1.0).abs() < 1e-6, "integral {total}");
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let z = wn.sample(&mut rng).unwrap();
    space.check_point(&z, 1e-9).unwrap();
}

/// `A A^T / n + I / 2` for Gaussian `A`: an SPD matrix with spread-out
/// eigenvalues.
fn wishart_like(n: usize, rng: &mut ChaCha8Rng) -> Mat<f64> {
    let a = Mat::from_fn(n, n, |_, _| {
        rand_distr::Distribution::<f64>::sample(&rand_distr::StandardNormal, rng)
    });
    let s = &a * a.transpose() / (n as f64);
    Mat::from_fn(n, n, |i, j| s[(i, j)] + if i == j { 0.5 } else { 0.0 })
}

/// The Karcher iteration written out with the manifold's own `log` and
/// `exp`, started at the first point: the reference for the whitened
/// affine-invariant path and the log-Euclidean start.
fn karcher_by_log_and_exp<M: Manifold<Point = Mat<f64>, Tangent = Mat<f64>>>(
    m: &M,
    pts: &[Mat<f64>],
    w: &[f64],
    tol: f64,
) -> Mat<f64> {
    let total: f64 = w.iter().sum();
    let mut x = pts[0].clone();
    for _ in 0..200 {
        let mut g = Mat::<f64>::zeros(x.nrows(), x.ncols());
        for (p, wi) in pts.iter().zip(w) {
            g += faer::Scale(wi / total) * m.log(&x, p).unwrap();
        }
        if m.norm(&x, &g).unwrap() <= tol {
            return x;
        }
        x = m.exp(&x, &g).unwrap();
    }
    panic!("reference Karcher iteration did not converge");
}

#[test]
fn spd_affine_invariant_mean_matches_the_plain_karcher_iteration() {
    let mut rng = ChaCha8Rng::seed_from_u64(77);
    let n = 7;
    let pts: Vec<Mat<f64>> = (0..12).map(|_| wishart_like(n, &mut rng)).collect();
    let w: Vec<f64> = (0..12).map(|k| 1.0 + (k % 4) as f64).collect();
    let opts = MeanOptions {
        tolerance: 1e-13,
        ..MeanOptions::default()
    };
    for (alpha, beta) in [(1.0, 0.0), (2.0, 0.5), (0.7, -0.05)] {
        let m = Spd::with_metric(n, AffineInvariant::new(alpha, beta).unwrap()).unwrap();
        let got = frechet_mean(&m, &pts, Some(&w), &opts).unwrap();
        let want = karcher_by_log_and_exp(&m, &pts, &w, 1e-14);
        let scale = want.norm_max();
        let err = (&got.mean - &want).norm_max() / scale;
        assert!(err <= 1e-12, "({alpha}, {beta}): {err:e}");
        assert!(got.gradient_norm <= 1e-13);
        // The log-Euclidean start saves iterations over the plain start.
        assert!(got.iterations <= 12, "{} iterations", got.iterations);
    }
}

#[test]
fn spd_log_euclidean_mean_is_the_closed_form() {
    // Under the log-Euclidean metric the Frechet mean is
    // expm(sum_i w_i logm(P_i)); the generic path must find it.
    let mut rng = ChaCha8Rng::seed_from_u64(78);
    let n = 5;
    let pts: Vec<Mat<f64>> = (0..9).map(|_| wishart_like(n, &mut rng)).collect();
    let w: Vec<f64> = (0..9).map(|k| 0.5 + k as f64).collect();
    let total: f64 = w.iter().sum();
    let mut s = Mat::<f64>::zeros(n, n);
    for (p, wi) in pts.iter().zip(&w) {
        s += faer::Scale(wi / total) * sobolev_linalg::matfun::sym_log(p.as_ref()).unwrap();
    }
    let want = sobolev_linalg::matfun::sym_exp(s.as_ref()).unwrap();
    for metric in [
        LogEuclidean::default(),
        LogEuclidean::new(1.5, 0.2).unwrap(),
    ] {
        let m = Spd::with_metric(n, metric).unwrap();
        let got = frechet_mean(&m, &pts, Some(&w), &MeanOptions::default()).unwrap();
        let err = (&got.mean - &want).norm_max() / want.norm_max();
        assert!(err <= 1e-13, "{err:e}");
    }
}

#[test]
fn mean_start_and_weighted_log_sum_check_their_inputs() {
    let m = Spd::<AffineInvariant>::new(2).unwrap();
    let p = Mat::<f64>::identity(2, 2);
    assert!(matches!(
        m.mean_start(std::slice::from_ref(&p), &[1.0, 2.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(m.mean_start(&[], &[]), Err(Error::Empty(_))));
    assert!(matches!(
        m.weighted_log_sum(&p, std::slice::from_ref(&p), &[]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        m.weighted_log_sum(&p, &[Mat::identity(3, 3)], &[1.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    let e = Euclidean::new(2);
    assert!(matches!(
        e.weighted_log_sum(&vec![0.0, 0.0], &[vec![1.0, 1.0]], &[0.5, 0.5]),
        Err(Error::ShapeMismatch { .. })
    ));
}
