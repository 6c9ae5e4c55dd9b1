//! Agreement of the Poincare ball with geoopt 0.5.1 on the committed random
//! fixtures (tests/data/geoopt_poincare.json, made by
//! xtask/refdata/manifolds_geoopt.py): dist, Mobius addition and scalar
//! multiplication, exp, log and parallel transport at curvatures c = 0.5, 1
//! and 2 in dimensions 2, 5 and 17; and the batched distance against the
//! same fixtures and against single calls.

use serde_json::Value;
use sobolev_manifolds::{Manifold, PoincareBall};

fn load() -> Vec<Value> {
    let text = include_str!("data/geoopt_poincare.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn arr(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Largest error relative to `1 + max|want|` over a case.
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
fn poincare_agrees_with_geoopt() {
    let mut worst: std::collections::BTreeMap<&str, f64> = Default::default();
    let cases = load();
    assert!(cases.len() > 300);
    for case in &cases {
        let op = case["op"].as_str().unwrap();
        let c = case["c"].as_f64().unwrap();
        let n = case["n"].as_u64().unwrap() as usize;
        let args: Vec<Vec<f64>> = case["args"].as_array().unwrap().iter().map(arr).collect();
        let want = arr(&case["out"]);
        let ball = PoincareBall::new(n, c).unwrap();
        let (a, b) = (&args[0], &args[1]);
        let got = match op {
            "dist" => {
                let d = ball.dist(a, b).unwrap();
                let mut batch = [0.0];
                ball.dist_batch(a, b, &mut batch).unwrap();
                let e = err(&batch, &want);
                assert!(e < 1e-10, "dist_batch c={c} n={n}: error {e:e}");
                vec![d]
            }
            "mobius_add" => ball.mobius_add(a, b).unwrap(),
            "mobius_scalar_mul" => ball.mobius_scalar_mul(a[0], b).unwrap(),
            "exp" => ball.exp(a, b).unwrap(),
            "log" => ball.log(a, b).unwrap(),
            "transport" => ball.parallel_transport(a, b, &args[2]).unwrap(),
            other => panic!("unknown op {other}"),
        };
        let e = err(&got, &want);
        let w = worst.entry(op).or_insert(0.0);
        *w = w.max(e);
        assert!(
            e < 1e-10,
            "{op} c={c} n={n}: error {e:e}\n got {got:?}\nwant {want:?}"
        );
    }
    for (k, v) in &worst {
        println!("{k:<20} max rel err {v:.2e}");
    }
}

/// The batched distance (fixed-size rows for n <= 8, generic beyond) is the
/// single-pair distance, including pairs `2^-40` from the boundary.
#[test]
fn poincare_dist_batch_matches_single_calls() {
    for (n, c) in [(1, 1.0), (3, 0.5), (5, 1.0), (8, 2.0), (11, 1.0)] {
        let ball = PoincareBall::new(n, c).unwrap();
        let m = 5000;
        let mut xs = Vec::with_capacity(m * n);
        let mut ys = Vec::with_capacity(m * n);
        for i in 0..m {
            // Deterministic directions; radii up to 1 - 2^-40 (scaled by 1/sqrt(c)).
            let rx = if i % 7 == 0 {
                1.0 - 2f64.powi(-40)
            } else {
                (i % 97) as f64 / 97.0
            };
            let ry = ((i * 31) % 89) as f64 / 89.0;
            let dir = |s: usize| -> Vec<f64> {
                let v: Vec<f64> = (0..n)
                    .map(|k| ((s * 13 + k * 7) % 23) as f64 - 11.0 + 0.5)
                    .collect();
                let r = v.iter().map(|x| x * x).sum::<f64>().sqrt();
                v.into_iter().map(|x| x / r).collect()
            };
            xs.extend(dir(i).iter().map(|u| rx * u / c.sqrt()));
            ys.extend(dir(i + 5).iter().map(|u| ry * u / c.sqrt()));
        }
        let mut d = vec![0.0; m];
        ball.dist_batch(&xs, &ys, &mut d).unwrap();
        for i in 0..m {
            let (x, y) = (
                xs[i * n..(i + 1) * n].to_vec(),
                ys[i * n..(i + 1) * n].to_vec(),
            );
            let want = ball.dist(&x, &y).unwrap();
            assert!(
                (d[i] - want).abs() <= 1e-15 * want.max(1.0),
                "n={n} c={c} pair {i}: {} vs {want}",
                d[i]
            );
            assert!(d[i].is_finite());
        }
    }
}
