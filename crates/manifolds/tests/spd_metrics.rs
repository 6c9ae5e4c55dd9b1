//! The Bures-Wasserstein metric and the two-parameter O(n)-invariant
//! family on SPD(n): agreement with geomstats 2.8 on committed fixtures
//! (tests/data/geomstats_spd.json, made by
//! xtask/refdata/manifolds_geomstats_spd.py), closed forms, and typed errors.

use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use sobolev_manifolds::*;

fn arr(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn mat(n: usize, a: &[f64]) -> Mat<f64> {
    Mat::from_fn(n, n, |i, j| a[i * n + j])
}

fn row_major(m: &Mat<f64>) -> Vec<f64> {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)]))
        .collect()
}

/// Largest error relative to `1 + max|want|`.
fn err(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = 1.0 + want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    got.iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
        / scale
}

#[test]
fn agrees_with_geomstats() {
    let doc: Value = serde_json::from_str(include_str!("data/geomstats_spd.json")).unwrap();
    let mut worst: std::collections::BTreeMap<String, f64> = Default::default();
    for case in doc["cases"].as_array().unwrap() {
        let metric = case["metric"].as_str().unwrap();
        let op = case["op"].as_str().unwrap();
        let n = case["params"]["n"].as_u64().unwrap() as usize;
        let args: Vec<Mat<f64>> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| mat(n, &arr(a)))
            .collect();
        let want = arr(&case["out"]);
        let got: Vec<f64> = match metric {
            "bw" => {
                let m = Spd::<BuresWasserstein>::new(n).unwrap();
                match op {
                    "dist" => vec![m.dist(&args[0], &args[1]).unwrap()],
                    "log" => row_major(&m.log(&args[0], &args[1]).unwrap()),
                    "exp" => row_major(&m.exp(&args[0], &args[1]).unwrap()),
                    "inner" => vec![m.inner(&args[0], &args[1], &args[2]).unwrap()],
                    "transport" => {
                        row_major(&m.parallel_transport(&args[0], &args[1], &args[2]).unwrap())
                    }
                    _ => unreachable!(),
                }
            }
            "ai" | "le" => {
                let a = case["params"]["alpha"].as_f64().unwrap();
                let b = case["params"]["beta"].as_f64().unwrap();
                assert_eq!(op, "dist");
                let d = if metric == "ai" {
                    Spd::with_metric(n, AffineInvariant::new(a, b).unwrap())
                        .unwrap()
                        .dist(&args[0], &args[1])
                } else {
                    Spd::with_metric(n, LogEuclidean::new(a, b).unwrap())
                        .unwrap()
                        .dist(&args[0], &args[1])
                };
                vec![d.unwrap()]
            }
            _ => unreachable!(),
        };
        let e = err(&got, &want);
        let key = format!("{metric} {op}");
        let w = worst.entry(key.clone()).or_insert(0.0);
        *w = w.max(e);
        // geomstats integrates the transport with 2000 fixed RK4 steps.
        let tol = if op == "transport" { 1e-9 } else { 1e-10 };
        assert!(e <= tol, "{key} n = {n}: error {e:e}");
    }
    eprintln!("worst relative errors vs geomstats: {worst:#?}");
}

fn diag(d: &[f64]) -> Mat<f64> {
    Mat::from_fn(d.len(), d.len(), |i, j| if i == j { d[i] } else { 0.0 })
}

#[test]
fn bures_wasserstein_closed_forms() {
    let m = Spd::<BuresWasserstein>::new(3).unwrap();
    // Commuting matrices: d^2 = sum (sqrt a_i - sqrt b_i)^2.
    let (a, b): ([f64; 3], [f64; 3]) = ([0.5, 2.0, 3.0], [1.5, 0.25, 3.0]);
    let want: f64 = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x.sqrt() - y.sqrt()).powi(2))
        .sum::<f64>()
        .sqrt();
    let d = m.dist(&diag(&a), &diag(&b)).unwrap();
    assert!((d - want).abs() <= 1e-15 * (1.0 + want), "{d} vs {want}");
    // At the identity L_I[X] = X / 2, so exp_I(X) = (I + X/2)^2.
    let x = Mat::from_fn(3, 3, |i, j| 0.1 * (i + j) as f64 - 0.2);
    let e = m.exp(&Mat::identity(3, 3), &x).unwrap();
    let h = Mat::from_fn(3, 3, |i, j| {
        x[(i, j)] / 2.0 + if i == j { 1.0 } else { 0.0 }
    });
    let want = &h * &h;
    assert!(err(&row_major(&e), &row_major(&want)) <= 1e-15);
    // The trace form of the distance on well-separated points.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..20 {
        let p = m.random_point(&mut rng);
        let q = m.random_point(&mut rng);
        let ps = sobolev_linalg::matfun::sym_sqrt(p.as_ref()).unwrap();
        let c = &ps * &q * &ps;
        let r = sobolev_linalg::matfun::sym_sqrt(
            Mat::from_fn(3, 3, |i, j| 0.5 * (c[(i, j)] + c[(j, i)])).as_ref(),
        )
        .unwrap();
        let tr = |a: &Mat<f64>| (0..3).map(|i| a[(i, i)]).sum::<f64>();
        let d2 = tr(&p) + tr(&q) - 2.0 * tr(&r);
        let d = m.dist(&p, &q).unwrap();
        assert!(
            (d * d - d2).abs() <= 1e-13 * (1.0 + d2),
            "{} vs {d2}",
            d * d
        );
        // The Riemannian gradient represents the Frobenius pairing.
        let g = Mat::from_fn(3, 3, |i, j| (i as f64 - 2.0 * j as f64) * 0.3);
        let y = m.random_tangent(&p, &mut rng).unwrap();
        let rg = m.egrad_to_rgrad(&p, &g).unwrap();
        let lhs = m.inner(&p, &rg, &y).unwrap();
        let rhs = g.dot(&y).unwrap();
        assert!(
            (lhs - rhs).abs() <= 1e-12 * (1.0 + rhs.abs()),
            "{lhs} vs {rhs}"
        );
    }
    // Close points keep their digits (the trace form would lose them).
    let p = diag(&a);
    let q = diag(&[0.5 + 1e-8, 2.0, 3.0]);
    let want = ((0.5f64 + 1e-8).sqrt() - 0.5f64.sqrt()).abs();
    let d = m.dist(&p, &q).unwrap();
    assert!((d - want).abs() <= 1e-6 * want, "{d} vs {want}");
}

#[test]
fn bures_wasserstein_domain_errors() {
    let m = Spd::<BuresWasserstein>::new(2).unwrap();
    let p = diag(&[1.0, 4.0]);
    // L_P[V]_00 = -2 / 2 = -1, so I + L is singular: the geodesic reaches
    // the boundary at t = 1.
    let v = diag(&[-2.0, 0.0]);
    assert!(matches!(m.exp(&p, &v), Err(Error::OutsideDomain(_))));
    let v = diag(&[-3.0, 0.0]);
    assert!(matches!(m.exp(&p, &v), Err(Error::OutsideDomain(_))));
    // Inside the domain, exp and log invert each other.
    let v = diag(&[-1.9, 1.0]);
    let q = m.exp(&p, &v).unwrap();
    let w = m.log(&p, &q).unwrap();
    assert!(err(&row_major(&w), &row_major(&v)) <= 1e-13);
    // Extrapolating the geodesic past the boundary is an error too.
    assert!(matches!(
        m.geodesic(&p, &q, 2.0),
        Err(Error::OutsideDomain(_))
    ));
    let bad = diag(&[1.0, -1.0]);
    assert!(matches!(
        m.log(&p, &bad),
        Err(Error::NotPositiveDefinite(_))
    ));
    assert!(matches!(
        m.dist(&bad, &p),
        Err(Error::NotPositiveDefinite(_))
    ));
    let nan = diag(&[f64::NAN, 1.0]);
    assert!(m.exp(&p, &nan).is_err());
}

#[test]
fn weighted_family_distance_and_validation() {
    // d^2 = alpha d_AI^2 + beta (log det Q - log det P)^2.
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let classical = Spd::<AffineInvariant>::new(4).unwrap();
    let weighted = Spd::with_metric(4, AffineInvariant::new(1.5, 0.25).unwrap()).unwrap();
    let logdet = |a: &Mat<f64>| {
        sobolev_linalg::matfun::SymEigen::new(a.as_ref())
            .unwrap()
            .eigenvalues()
            .iter()
            .map(|l| l.ln())
            .sum::<f64>()
    };
    for _ in 0..20 {
        let p = classical.random_point(&mut rng);
        let q = classical.random_point(&mut rng);
        let d0 = classical.dist(&p, &q).unwrap();
        let t = logdet(&q) - logdet(&p);
        let want = (1.5 * d0 * d0 + 0.25 * t * t).sqrt();
        let d = weighted.dist(&p, &q).unwrap();
        assert!((d - want).abs() <= 1e-13 * (1.0 + want));
        // Geodesics are shared by the whole family.
        let (l0, l1) = (
            classical.log(&p, &q).unwrap(),
            weighted.log(&p, &q).unwrap(),
        );
        assert!(err(&row_major(&l0), &row_major(&l1)) == 0.0);
        // The batched path honours the weights.
        let (a, b) = (row_major(&p), row_major(&q));
        let mut out = [0.0];
        weighted.dist_batch(&a, &b, &mut out).unwrap();
        assert!((out[0] - want).abs() <= 1e-13 * (1.0 + want));
        // Gradients represent the Frobenius pairing in both families.
        let g = Mat::from_fn(4, 4, |i, j| ((i * 3 + j) % 5) as f64 * 0.2 - 0.4);
        let y = weighted.random_tangent(&p, &mut rng).unwrap();
        let rg = weighted.egrad_to_rgrad(&p, &g).unwrap();
        let lhs = weighted.inner(&p, &rg, &y).unwrap();
        let rhs = g.dot(&y).unwrap();
        assert!(
            (lhs - rhs).abs() <= 1e-12 * (1.0 + rhs.abs()),
            "{lhs} vs {rhs}"
        );
        let le = Spd::with_metric(4, LogEuclidean::new(0.5, -0.1).unwrap()).unwrap();
        let rg = le.egrad_to_rgrad(&p, &g).unwrap();
        let lhs = le.inner(&p, &rg, &y).unwrap();
        assert!(
            (lhs - rhs).abs() <= 1e-11 * (1.0 + rhs.abs()),
            "{lhs} vs {rhs}"
        );
    }
    // alpha > 0 and alpha + n beta > 0.
    assert!(AffineInvariant::new(0.0, 0.0).is_err());
    assert!(LogEuclidean::new(1.0, f64::NAN).is_err());
    let ok = AffineInvariant::new(1.0, -0.2).unwrap();
    assert!(Spd::with_metric(4, ok).is_ok());
    assert!(matches!(
        Spd::with_metric(5, ok),
        Err(Error::InvalidArgument(_))
    ));
    assert!(Spd::with_metric(6, LogEuclidean::new(1.0, -0.2).unwrap()).is_err());
    assert_eq!(AffineInvariant::default().alpha(), 1.0);
    assert_eq!(LogEuclidean::default().beta(), 0.0);
}

#[test]
fn bures_wasserstein_batches_agree_with_single_calls() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    // Fixed-size kernels up to 16, the general path beyond.
    for n in [2usize, 3, 4, 7, 16, 17] {
        let m = Spd::<BuresWasserstein>::new(n).unwrap();
        let count = 300;
        let mut ps = Vec::new();
        let mut qs = Vec::new();
        let mut vs = Vec::new();
        for k in 0..count {
            let p = m.random_point(&mut rng);
            // Every third pair is nearly equal, to exercise the
            // cancellation-free branch of the distance.
            let q = if k % 3 == 0 {
                let mut v = m.random_tangent(&p, &mut rng).unwrap();
                let len = m.norm(&p, &v).unwrap();
                v.scale(1e-7 / len);
                m.exp(&p, &v).unwrap()
            } else {
                m.random_point(&mut rng)
            };
            let mut v = m.random_tangent(&p, &mut rng).unwrap();
            let len = m.norm(&p, &v).unwrap();
            v.scale(0.1 / len);
            ps.push(p);
            qs.push(q);
            vs.push(v);
        }
        let flat = |xs: &[Mat<f64>]| xs.iter().flat_map(row_major).collect::<Vec<f64>>();
        let (a, b, v) = (flat(&ps), flat(&qs), flat(&vs));
        let mut d = vec![0.0; count];
        m.dist_batch(&a, &b, &mut d).unwrap();
        let mut e = vec![0.0; a.len()];
        let mut l = vec![0.0; a.len()];
        m.exp_batch(&a, &v, &mut e).unwrap();
        m.log_batch(&a, &b, &mut l).unwrap();
        let nn = n * n;
        for k in 0..count {
            let want = m.dist(&ps[k], &qs[k]).unwrap();
            assert!(
                (d[k] - want).abs() <= 1e-12 * (1.0 + want) && (d[k] - want).abs() <= 1e-6 * want,
                "n = {n}: dist {} vs {want}",
                d[k]
            );
            let want = row_major(&m.exp(&ps[k], &vs[k]).unwrap());
            assert!(
                err(&e[k * nn..(k + 1) * nn], &want) <= 1e-13,
                "n = {n}: exp"
            );
            let want = row_major(&m.log(&ps[k], &qs[k]).unwrap());
            assert!(
                err(&l[k * nn..(k + 1) * nn], &want) <= 1e-12,
                "n = {n}: log"
            );
        }
        // Errors: shapes, and a tangent outside the exp domain.
        assert!(m.dist_batch(&a, &b[..nn], &mut d).is_err());
        assert!(m.exp_batch(&a, &v, &mut e[..nn]).is_err());
        let mut far = v.clone();
        far.iter_mut().for_each(|x| *x *= 1e3);
        assert!(matches!(
            m.exp_batch(&a, &far, &mut e),
            Err(Error::OutsideDomain(_))
        ));
    }
}
