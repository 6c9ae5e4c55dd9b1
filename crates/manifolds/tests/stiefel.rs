//! Stiefel manifold against independent computations: the geodesic as a
//! dense `n x n` matrix exponential, parallel transport by Runge-Kutta
//! integration of the transport equation with Edelman, Arias and Smith's
//! Christoffel function, and the canonical gradient through its defining
//! identity.

use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sobolev_linalg::expm::expm;
use sobolev_manifolds::*;

fn max_diff(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    let mut m = 0.0f64;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            m = m.max((a[(i, j)] - b[(i, j)]).abs());
        }
    }
    m
}

/// The dense skew lift `W = P D Y^T - Y D^T P`, `P = I - Y Y^T / 2`.
fn lift(y: &Mat<f64>, d: &Mat<f64>) -> Mat<f64> {
    let n = y.nrows();
    let p = Mat::<f64>::identity(n, n) - (y.as_ref() * y.transpose()) * faer::Scale(0.5);
    let a = p.as_ref() * d.as_ref() * y.transpose();
    &a - a.transpose()
}

/// Edelman et al.'s canonical Christoffel function `Gamma(D1, D2)`.
fn christoffel(y: &Mat<f64>, d1: &Mat<f64>, d2: &Mat<f64>) -> Mat<f64> {
    let n = y.nrows();
    let s = d1.transpose() * d2.as_ref() + d2.transpose() * d1.as_ref();
    let t = d1.as_ref() * d2.transpose() + d2.as_ref() * d1.transpose();
    let proj = Mat::<f64>::identity(n, n) - y.as_ref() * y.transpose();
    (y.as_ref() * s.as_ref() + proj.as_ref() * t.as_ref() * y.as_ref()) * faer::Scale(0.5)
}

fn setup(n: usize, p: usize, len: f64, seed: u64) -> (Stiefel, Mat<f64>, Mat<f64>, Mat<f64>) {
    let st = Stiefel::new(n, p).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let y = st.random_point(&mut rng);
    let mut x = st.random_tangent(&y, &mut rng).unwrap();
    let norm = st.norm(&y, &x).unwrap();
    x.scale(len / norm);
    let e = st.random_tangent(&y, &mut rng).unwrap();
    (st, y, x, e)
}

#[test]
fn exp_is_the_dense_one_parameter_subgroup() {
    for (n, p, seed) in [(5, 2, 1), (7, 3, 2), (6, 6, 3), (9, 1, 4)] {
        let (st, y, x, _) = setup(n, p, 1.3, seed);
        let want = expm(lift(&y, &x).as_ref()).unwrap() * y.as_ref();
        let got = st.exp(&y, &x).unwrap();
        let e = max_diff(&got, &want);
        assert!(
            e < 1e-13,
            "St({n}, {p}): exp differs from dense expm by {e:e}"
        );
    }
}

#[test]
fn canonical_norm_is_half_the_lift_norm() {
    let (st, y, x, e) = setup(8, 3, 0.7, 5);
    let (wx, we) = (lift(&y, &x), lift(&y, &e));
    let want = 0.5
        * (wx.transpose() * we.as_ref())
            .diagonal()
            .column_vector()
            .sum();
    let got = st.inner(&y, &x, &e).unwrap();
    assert!((got - want).abs() < 1e-14 * (1.0 + want.abs()));
}

#[test]
fn parallel_transport_solves_the_transport_equation() {
    for (n, p, len, seed) in [(5, 2, 0.9, 11), (7, 3, 1.2, 12), (6, 1, 1.0, 13)] {
        let (st, y, x, e0) = setup(n, p, len, seed);
        let w = lift(&y, &x);
        // Y(t) = expm(t W) Y, Y'(t) = W Y(t); E' = -Gamma(Y', E) by RK4.
        let steps = 2000;
        let h = 1.0 / steps as f64;
        let step = expm((&w * faer::Scale(h / 2.0)).as_ref()).unwrap();
        let rhs = |yt: &Mat<f64>, et: &Mat<f64>| -> Mat<f64> {
            let v = w.as_ref() * yt.as_ref();
            christoffel(yt, &v, et) * faer::Scale(-1.0)
        };
        let (mut yt, mut et) = (y.clone(), e0.clone());
        for _ in 0..steps {
            let ymid = step.as_ref() * yt.as_ref();
            let yend = step.as_ref() * ymid.as_ref();
            let k1 = rhs(&yt, &et);
            let k2 = rhs(&ymid, &(&et + &k1 * faer::Scale(h / 2.0)));
            let k3 = rhs(&ymid, &(&et + &k2 * faer::Scale(h / 2.0)));
            let k4 = rhs(&yend, &(&et + &k3 * faer::Scale(h)));
            et = &et
                + (&k1 + &k2 * faer::Scale(2.0) + &k3 * faer::Scale(2.0) + &k4)
                    * faer::Scale(h / 6.0);
            yt = yend;
        }
        let got = st.transport_along(&y, &x, &e0).unwrap();
        let err = max_diff(&got, &et);
        assert!(
            err < 1e-10,
            "St({n}, {p}): transport differs from RK4 by {err:e}"
        );
        // And through the endpoint form.
        let z = st.exp(&y, &x).unwrap();
        let via_log = st.parallel_transport(&y, &z, &e0).unwrap();
        let err = max_diff(&via_log, &et);
        assert!(
            err < 1e-10,
            "St({n}, {p}): transport via log differs by {err:e}"
        );
    }
}

#[test]
fn canonical_gradient_represents_the_differential() {
    // f(Y) = tr(Y^T B Y C): <rgrad, D>_canonical = tr(G^T D) for tangent D.
    let (st, y, _, d) = setup(7, 3, 1.0, 21);
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let b = Mat::from_fn(7, 7, |_, _| rand::Rng::random::<f64>(&mut rng));
    let c = Mat::from_fn(3, 3, |_, _| rand::Rng::random::<f64>(&mut rng));
    let g = (&b + b.transpose()) * y.as_ref() * c.as_ref();
    let rg = st.egrad_to_rgrad(&y, &g).unwrap();
    st.check_tangent(&y, &rg, 1e-12).unwrap();
    let want = (g.transpose() * d.as_ref())
        .diagonal()
        .column_vector()
        .sum();
    let got = st.inner(&y, &rg, &d).unwrap();
    assert!((got - want).abs() < 1e-12 * (1.0 + want.abs()));
}

#[test]
fn log_reaches_far_points() {
    // Close to the injectivity radius the iteration still converges.
    let (st, y, x, _) = setup(6, 2, 2.5, 31);
    let z = st.exp(&y, &x).unwrap();
    let v = st.log(&y, &z).unwrap();
    let back = st.exp(&y, &v).unwrap();
    assert!(max_diff(&back, &z) < 1e-12);
}

#[test]
fn bad_input_gives_typed_errors() {
    assert!(Stiefel::new(2, 3).is_err());
    assert!(Stiefel::new(3, 0).is_err());
    let st = Stiefel::new(4, 2).unwrap();
    assert!(st.with_log_tolerance(0.0, 10).is_err());
    let y = st.random_point(&mut ChaCha8Rng::seed_from_u64(1));
    let wrong = Mat::<f64>::zeros(3, 2);
    assert!(matches!(
        st.exp(&y, &wrong),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut nan = Mat::<f64>::zeros(4, 2);
    nan[(0, 0)] = f64::NAN;
    assert!(matches!(st.log(&y, &nan), Err(Error::NonFinite(_))));
    assert!(st.check_point(&Mat::<f64>::zeros(4, 2), 1e-8).is_err());
    assert!(st.project_point(&Mat::<f64>::zeros(4, 2)).is_err());
    // Exactly antipodal columns sit on the cut locus of the logarithm.
    let minus = &y * faer::Scale(-1.0);
    assert!(st.log(&y, &minus).is_err());
}
