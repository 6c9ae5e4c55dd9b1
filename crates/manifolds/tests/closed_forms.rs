//! Closed forms and identities specific to each manifold, the batched
//! kernels against the single calls, and typed errors on bad input.

use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sobolev_manifolds::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn poincare_gyration_matches_its_definition() {
    let b = PoincareBall::new(4, 0.8).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for _ in 0..50 {
        let (u, v, w) = (
            b.random_point(&mut rng),
            b.random_point(&mut rng),
            b.random_point(&mut rng),
        );
        let closed = b.gyration(&u, &v, &w).unwrap();
        let uv = b.mobius_add(&u, &v).unwrap();
        let neg: Vec<f64> = uv.iter().map(|x| -x).collect();
        let vw = b.mobius_add(&v, &w).unwrap();
        let def = b.mobius_add(&neg, &b.mobius_add(&u, &vw).unwrap()).unwrap();
        for (a, d) in closed.iter().zip(&def) {
            assert!((a - d).abs() < 1e-12, "{a} vs {d}");
        }
    }
}

#[test]
fn poincare_and_lorentz_are_isometric() {
    for c in [0.3, 1.0, 2.5] {
        let b = PoincareBall::new(3, c).unwrap();
        let l = Lorentz::new(3, c).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for _ in 0..50 {
            let (x, y) = (b.random_point(&mut rng), b.random_point(&mut rng));
            let (lx, ly) = (l.from_poincare(&x).unwrap(), l.from_poincare(&y).unwrap());
            l.check_point(&lx, 1e-10).unwrap();
            assert!(close(
                b.dist(&x, &y).unwrap(),
                l.dist(&lx, &ly).unwrap(),
                1e-12
            ));
            let back = l.to_poincare(&lx).unwrap();
            for (a, b) in back.iter().zip(&x) {
                assert!((a - b).abs() < 1e-14);
            }
        }
    }
}

#[test]
fn poincare_distance_is_finite_and_exact_near_the_boundary() {
    // x = r e1, y = -r e1 with r = 1 - 1e-12: d = 2 * 2 artanh(r) exactly
    // (c = 1); artanh(r) = log((1 + r)/(1 - r))/2 with 1 - r known exactly.
    let b = PoincareBall::new(2, 1.0).unwrap();
    let eps = 2f64.powi(-40);
    let r = 1.0 - eps;
    let (x, y) = (vec![r, 0.0], vec![-r, 0.0]);
    let d = b.dist(&x, &y).unwrap();
    let exact = 2.0 * ((2.0 - eps) / eps).ln();
    assert!(d.is_finite() && close(d, exact, 1e-13), "{d} vs {exact}");
    // Nearby points deep near the boundary: no cancellation to 0 or NaN.
    let y2 = vec![r, 1e-14];
    let d2 = b.dist(&x, &y2).unwrap();
    // t = 2 h^2 / ((1-r^2)(1-r^2-h^2)) and d = acosh(1 + t) ~ sqrt(2t).
    let exact2 = 2.0 * 1e-14 / (eps * (2.0 - eps));
    assert!(
        d2.is_finite() && d2 > 0.0 && close(d2, exact2, 1e-6),
        "{d2} vs {exact2}"
    );
    // exp far out stays inside the ball and logs back.
    let v = vec![0.0, 1e3];
    let z = b.exp(&vec![0.0, 0.0], &v).unwrap();
    b.check_point(&z, 0.0).unwrap();
    assert!(b.log(&x, &z).unwrap().iter().all(|t| t.is_finite()));
}

#[test]
fn sphere_closed_forms() {
    let s = Sphere::new(3).unwrap();
    let (e1, e2) = (vec![1.0, 0.0, 0.0], vec![0.0, 1.0, 0.0]);
    assert!(close(
        s.dist(&e1, &e2).unwrap(),
        std::f64::consts::FRAC_PI_2,
        1e-15
    ));
    let v = s.log(&e1, &e2).unwrap();
    assert!(close(v[1], std::f64::consts::FRAC_PI_2, 1e-15) && v[0].abs() < 1e-16);
    // Tiny separations keep full relative accuracy.
    let t: f64 = 1e-9;
    let q = vec![t.cos(), t.sin(), 0.0];
    assert!(close(s.dist(&e1, &q).unwrap(), t, 1e-15));
}

fn spd_from(n: usize, f: impl Fn(usize, usize) -> f64) -> Mat<f64> {
    Mat::from_fn(n, n, f)
}

#[test]
fn spd_affine_invariant_closed_forms() {
    let m = Spd::<AffineInvariant>::new(3).unwrap();
    let id = Mat::<f64>::identity(3, 3);
    let d = spd_from(3, |i, j| {
        if i == j {
            [0.5f64, 1.0, 3.0][i].exp()
        } else {
            0.0
        }
    });
    let want = (0.25f64 + 1.0 + 9.0).sqrt();
    assert!(close(m.dist(&id, &d).unwrap(), want, 1e-14));
    // Congruence invariance: d(A P A^T, A Q A^T) = d(P, Q).
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (p, q) = (m.random_point(&mut rng), m.random_point(&mut rng));
    let a = spd_from(3, |i, j| {
        1.0 + (i * 3 + j) as f64 * 0.37 - if i == j { 0.0 } else { 1.1 }
    });
    let cp = a.as_ref() * p.as_ref() * a.transpose();
    let cq = a.as_ref() * q.as_ref() * a.transpose();
    assert!(close(
        m.dist(&p, &q).unwrap(),
        m.dist(&cp, &cq).unwrap(),
        1e-12
    ));
}

#[test]
fn spd_metrics_agree_on_commuting_matrices() {
    // For commuting P, Q, the affine-invariant and log-Euclidean distances
    // coincide, and log-Cholesky gives the same for diagonal matrices.
    let p = spd_from(3, |i, j| if i == j { [0.3f64, 2.0, 5.0][i] } else { 0.0 });
    let q = spd_from(3, |i, j| if i == j { [1.7f64, 0.2, 4.0][i] } else { 0.0 });
    let want: f64 = [0.3f64 / 1.7, 2.0 / 0.2, 5.0 / 4.0]
        .iter()
        .map(|r| r.ln().powi(2))
        .sum::<f64>()
        .sqrt();
    let ai = Spd::<AffineInvariant>::new(3)
        .unwrap()
        .dist(&p, &q)
        .unwrap();
    let le = Spd::<LogEuclidean>::new(3).unwrap().dist(&p, &q).unwrap();
    let lc = Spd::<LogCholesky>::new(3).unwrap().dist(&p, &q).unwrap();
    assert!(close(ai, want, 1e-14) && close(le, want, 1e-14));
    // log-Cholesky: d^2 = sum (log sqrt(p_i) - log sqrt(q_i))^2 = want^2 / 4.
    assert!(close(lc, 0.5 * want, 1e-14));
    // Power-Euclidean with power a: |P^a - Q^a|_F / a.
    let a = 0.5;
    let pe = Spd::with_metric(3, PowerEuclidean::new(a).unwrap())
        .unwrap()
        .dist(&p, &q)
        .unwrap();
    let want_pe = (0..3)
        .map(|i| (p[(i, i)].powf(a) - q[(i, i)].powf(a)).powi(2))
        .sum::<f64>()
        .sqrt()
        / a;
    assert!(close(pe, want_pe, 1e-14));
}

fn flat(ms: &[Mat<f64>]) -> Vec<f64> {
    ms.iter().flat_map(|m| m.to_flat()).collect()
}

#[test]
fn spd_batches_match_single_calls() {
    // 2, 3, 5 and 16 take the fixed-size kernels, 18 the faer path.
    for n in [2, 3, 5, 16, 18] {
        let m = Spd::<AffineInvariant>::new(n).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(4 + n as u64);
        let ps: Vec<_> = (0..300).map(|_| m.random_point(&mut rng)).collect();
        let qs: Vec<_> = (0..300).map(|_| m.random_point(&mut rng)).collect();
        let vs: Vec<_> = ps
            .iter()
            .map(|p| m.random_tangent(p, &mut rng).unwrap())
            .collect();
        let (a, b, v) = (flat(&ps), flat(&qs), flat(&vs));
        let mut d = vec![0.0; 300];
        m.dist_batch(&a, &b, &mut d).unwrap();
        let mut e = vec![0.0; a.len()];
        m.exp_batch(&a, &v, &mut e).unwrap();
        let mut l = vec![0.0; a.len()];
        m.log_batch(&a, &b, &mut l).unwrap();
        for i in 0..300 {
            assert!(close(d[i], m.dist(&ps[i], &qs[i]).unwrap(), 1e-12));
            let ex = m.exp(&ps[i], &vs[i]).unwrap().to_flat();
            let lg = m.log(&ps[i], &qs[i]).unwrap().to_flat();
            let nn = n * n;
            for k in 0..nn {
                assert!(close(e[i * nn + k], ex[k], 1e-11), "exp n={n}");
                assert!(close(l[i * nn + k], lg[k], 1e-11), "log n={n}");
            }
        }
    }
}

#[test]
fn spd_batches_on_nearly_equal_pairs() {
    // Q = exp_P(t V) with tiny t: the whitened matrix is I + O(t), with all
    // eigenvalues (nearly) equal, the hard case of the closed-form 3x3
    // eigensolver. Its logarithms carry absolute error ~ eps, so the
    // distance and the log are compared relative to t.
    for n in [3, 4, 16] {
        let m = Spd::<AffineInvariant>::new(n).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(40 + n as u64);
        for t in [1e-3, 1e-6, 1e-9] {
            let ps: Vec<_> = (0..50).map(|_| m.random_point(&mut rng)).collect();
            let qs: Vec<_> = ps
                .iter()
                .map(|p| {
                    let mut v = m.random_tangent(p, &mut rng).unwrap();
                    let len = m.norm(p, &v).unwrap();
                    v.scale(t / len);
                    m.exp(p, &v).unwrap()
                })
                .collect();
            let (a, b) = (flat(&ps), flat(&qs));
            let mut d = vec![0.0; 50];
            m.dist_batch(&a, &b, &mut d).unwrap();
            let mut l = vec![0.0; a.len()];
            m.log_batch(&a, &b, &mut l).unwrap();
            for i in 0..50 {
                let want = m.dist(&ps[i], &qs[i]).unwrap();
                assert!(
                    (d[i] - want).abs() <= 1e-13 + 1e-9 * want,
                    "n={n} t={t}: {} vs {want}",
                    d[i]
                );
                let lg = m.log(&ps[i], &qs[i]).unwrap().to_flat();
                let scale = lg.iter().fold(0.0_f64, |s, x| s.max(x.abs()));
                for k in 0..n * n {
                    assert!(
                        (l[i * n * n + k] - lg[k]).abs() <= 1e-13 + 1e-8 * scale,
                        "log n={n} t={t}"
                    );
                }
            }
        }
    }
}

#[test]
fn spd_batch_results_do_not_depend_on_the_batch_layout() {
    // Pairs are solved in groups of four (the last group padded): each
    // pair of a batch of 7 gets exactly what it gets in a batch of one.
    for n in [3, 4, 16] {
        let m = Spd::<AffineInvariant>::new(n).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(70 + n as u64);
        let ps: Vec<_> = (0..7).map(|_| m.random_point(&mut rng)).collect();
        let qs: Vec<_> = (0..7).map(|_| m.random_point(&mut rng)).collect();
        let (a, b) = (flat(&ps), flat(&qs));
        let nn = n * n;
        let mut d = vec![0.0; 7];
        m.dist_batch(&a, &b, &mut d).unwrap();
        let mut l = vec![0.0; a.len()];
        m.log_batch(&a, &b, &mut l).unwrap();
        let mut e = vec![0.0; a.len()];
        m.exp_batch(&a, &l, &mut e).unwrap();
        for i in 0..7 {
            let (x, y) = (&a[i * nn..(i + 1) * nn], &b[i * nn..(i + 1) * nn]);
            let mut d1 = [0.0];
            m.dist_batch(x, y, &mut d1).unwrap();
            assert_eq!(d1[0], d[i], "dist n={n}");
            let mut l1 = vec![0.0; nn];
            m.log_batch(x, y, &mut l1).unwrap();
            assert_eq!(l1, l[i * nn..(i + 1) * nn], "log n={n}");
            let mut e1 = vec![0.0; nn];
            m.exp_batch(x, &l1, &mut e1).unwrap();
            assert_eq!(e1, e[i * nn..(i + 1) * nn], "exp n={n}");
            // exp after log comes back to Q.
            for k in 0..nn {
                assert!(close(e[i * nn + k], y[k], 1e-12), "exp(log) n={n}");
            }
        }
    }
}

#[test]
fn spd_batched_exp_over_a_range_of_tangent_lengths() {
    // Whitened tangents from 1e-12 to 40 in norm: no scaling, a few and
    // several squarings of the Pade approximant; against the single-pair
    // exp (spectral).
    for n in [2, 5, 16] {
        let m = Spd::<AffineInvariant>::new(n).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(90 + n as u64);
        for len in [1e-12, 1e-4, 0.5, 3.0, 10.0, 40.0] {
            let ps: Vec<_> = (0..8).map(|_| m.random_point(&mut rng)).collect();
            let vs: Vec<_> = ps
                .iter()
                .map(|p| {
                    let mut v = m.random_tangent(p, &mut rng).unwrap();
                    let norm = m.norm(p, &v).unwrap();
                    v.scale(len / norm);
                    v
                })
                .collect();
            let (a, v) = (flat(&ps), flat(&vs));
            let mut e = vec![0.0; a.len()];
            m.exp_batch(&a, &v, &mut e).unwrap();
            let nn = n * n;
            for i in 0..8 {
                let want = m.exp(&ps[i], &vs[i]).unwrap().to_flat();
                let scale = want.iter().fold(0.0_f64, |s, x| s.max(x.abs()));
                for k in 0..nn {
                    let err = (e[i * nn + k] - want[k]).abs() / scale;
                    assert!(err <= 1e-13 * (1.0 + len), "n={n} len={len}: {err:e}");
                }
            }
        }
    }
}

#[test]
fn grassmann_principal_angles_closed_form() {
    // span(e1, e2) against span(cos a e1 + sin a e3, cos b e2 + sin b e4).
    let g = Grassmann::new(4, 2).unwrap();
    let (a, b) = (0.3f64, 1.4f64);
    let y = Mat::from_fn(4, 2, |i, j| if i == j { 1.0 } else { 0.0 });
    let z = Mat::from_fn(4, 2, |i, j| match (i, j) {
        (0, 0) => a.cos(),
        (2, 0) => a.sin(),
        (1, 1) => b.cos(),
        (3, 1) => b.sin(),
        _ => 0.0,
    });
    let th = g.principal_angles(&y, &z).unwrap();
    assert!(close(th[0], a, 1e-15) && close(th[1], b, 1e-15), "{th:?}");
    assert!(close(
        g.dist(&y, &z).unwrap(),
        (a * a + b * b).sqrt(),
        1e-15
    ));
    let p = g.projector(&y).unwrap();
    assert!(close(p[(0, 0)], 1.0, 0.0) && p[(2, 2)] == 0.0);
}

#[test]
fn bad_input_gets_typed_errors() {
    let spd = Spd::<AffineInvariant>::new(2).unwrap();
    let nonsym = Mat::from_fn(2, 2, |i, j| {
        if i == 0 && j == 1 {
            0.5
        } else if i == j {
            2.0
        } else {
            0.0
        }
    });
    assert!(matches!(
        spd.check_point(&nonsym, 1e-10),
        Err(Error::NotOnManifold { .. })
    ));
    let indefinite = Mat::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 3.0 });
    assert!(matches!(
        spd.check_point(&indefinite, 1e-10),
        Err(Error::NotPositiveDefinite(_))
    ));
    assert!(matches!(
        spd.dist(&Mat::identity(2, 2), &indefinite),
        Err(Error::NotPositiveDefinite(_))
    ));
    let wrong = Mat::<f64>::identity(3, 3);
    assert!(matches!(
        spd.exp(&wrong, &wrong),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut batch = vec![0.0; 1];
    assert!(matches!(
        spd.dist_batch(&[1.0, 0.0, 0.0, 1.0], &[1.0, 3.0, 3.0, 1.0], &mut batch),
        Err(Error::NotPositiveDefinite(_))
    ));
    assert!(matches!(
        spd.dist_batch(&[1.0; 3], &[1.0; 3], &mut batch),
        Err(Error::ShapeMismatch { .. })
    ));

    let g = Grassmann::new(4, 2).unwrap();
    let not_orth = Mat::from_fn(4, 2, |i, j| (i + j) as f64);
    assert!(matches!(
        g.check_point(&not_orth, 1e-10),
        Err(Error::NotOnManifold { .. })
    ));
    assert!(Grassmann::new(2, 3).is_err());

    let b = PoincareBall::new(2, 1.0).unwrap();
    assert!(matches!(
        b.check_point(&vec![0.8, 0.8], 1e-10),
        Err(Error::NotOnManifold { .. })
    ));
    assert!(matches!(
        b.dist(&vec![0.0], &vec![0.0, 0.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(PoincareBall::new(2, -1.0).is_err() && PoincareBall::new(2, f64::NAN).is_err());
    let l = Lorentz::new(2, 1.0).unwrap();
    assert!(matches!(
        l.check_point(&vec![-1.0, 0.0, 0.0], 1e-10),
        Err(Error::NotOnManifold { .. })
    ));
    assert!(matches!(
        l.from_poincare(&[1.0, 0.0]),
        Err(Error::NotOnManifold { .. })
    ));

    let s = Sphere::new(3).unwrap();
    assert!(matches!(
        s.check_point(&vec![1.0, 1.0, 0.0], 1e-10),
        Err(Error::NotOnManifold { .. })
    ));
    assert!(matches!(
        s.check_point(&vec![f64::NAN, 0.0, 0.0], 1e-10),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        s.check_point(&vec![1.0, 0.0, 0.0], -1.0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(s.project_point(&vec![0.0; 3]).is_err());
}

#[test]
fn poincare_geodesics_stay_accurate_at_the_boundary() {
    // Points 1e-12 from the boundary: the geodesic's end points are the
    // points themselves and the midpoint halves the distance.
    let ball = PoincareBall::new(2, 1.0).unwrap();
    for r in [1.0 - 1e-12, 1.0 - 1e-6, 0.5] {
        let (a, b) = (5.6f64, 7.8f64);
        let p = vec![r * a.cos(), r * a.sin()];
        let q = vec![r * b.cos(), r * b.sin()];
        let d = ball.dist(&p, &q).unwrap();
        for (t, want) in [(0.0, &p), (1.0, &q)] {
            let g = ball.geodesic(&p, &q, t).unwrap();
            let e = ((g[0] - want[0]).powi(2) + (g[1] - want[1]).powi(2)).sqrt();
            assert!(e < 1e-16, "r = {r}, t = {t}: {e:e}");
        }
        let mid = ball.geodesic(&p, &q, 0.5).unwrap();
        let (d1, d2) = (ball.dist(&p, &mid).unwrap(), ball.dist(&mid, &q).unwrap());
        let tol = 1e-15;
        assert!(
            (d1 / d - 0.5).abs() < tol && (d2 / d - 0.5).abs() < tol,
            "r = {r}: {d1} {d2} {d}"
        );
        // By symmetry the midpoint lies on the bisector at angle (a + b) / 2.
        let ang = mid[1].atan2(mid[0]).rem_euclid(std::f64::consts::TAU);
        assert!((ang - (0.5 * (a + b)).rem_euclid(std::f64::consts::TAU)).abs() < 1e-9);
    }
}
