//! Agreement with geomstats 2.8 on the committed random fixtures
//! (tests/data/geomstats.json, made by xtask/refdata/manifolds_geomstats.py).

use faer::Mat;
use serde_json::Value;
use sobolev_manifolds::*;

fn load() -> Vec<Value> {
    let text = include_str!("data/geomstats.json");
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

fn mat(n: usize, k: usize, a: &[f64]) -> Mat<f64> {
    Mat::from_fn(n, k, |i, j| a[i * k + j])
}

fn row_major(m: &Mat<f64>) -> Vec<f64> {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)]))
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
fn agrees_with_geomstats() {
    let mut worst: std::collections::BTreeMap<String, f64> = Default::default();
    for case in load() {
        let man = case["manifold"].as_str().unwrap();
        let op = case["op"].as_str().unwrap();
        let n = case["params"]["n"].as_u64().unwrap() as usize;
        let args: Vec<Vec<f64>> = case["args"].as_array().unwrap().iter().map(arr).collect();
        let want = arr(&case["out"]);
        let got: Vec<f64> = match man {
            "sphere" | "poincare" | "lorentz" => {
                let (a, b) = (&args[0], &args[1]);
                macro_rules! vec_ops {
                    ($m:expr) => {
                        match op {
                            "dist" => vec![$m.dist(a, b).unwrap()],
                            "log" => $m.log(a, b).unwrap(),
                            "exp" => $m.exp(a, b).unwrap(),
                            "transport" => $m.parallel_transport(a, b, &args[2]).unwrap(),
                            _ => unreachable!(),
                        }
                    };
                }
                match man {
                    "sphere" => vec_ops!(Sphere::new(n).unwrap()),
                    "lorentz" => vec_ops!(Lorentz::new(n, 1.0).unwrap()),
                    _ => {
                        let ball = PoincareBall::new(n, 1.0).unwrap();
                        if op == "mobius_add" {
                            ball.mobius_add(a, b).unwrap()
                        } else {
                            vec_ops!(ball)
                        }
                    }
                }
            }
            "spd_ai" | "spd_le" => {
                let ms: Vec<Mat<f64>> = args.iter().map(|a| mat(n, n, a)).collect();
                macro_rules! spd_ops {
                    ($m:expr) => {
                        match op {
                            "dist" => vec![$m.dist(&ms[0], &ms[1]).unwrap()],
                            "log" => row_major(&$m.log(&ms[0], &ms[1]).unwrap()),
                            "exp" => row_major(&$m.exp(&ms[0], &ms[1]).unwrap()),
                            "transport" => {
                                row_major(&$m.parallel_transport(&ms[0], &ms[1], &ms[2]).unwrap())
                            }
                            _ => unreachable!(),
                        }
                    };
                }
                if man == "spd_ai" {
                    spd_ops!(Spd::<AffineInvariant>::new(n).unwrap())
                } else {
                    spd_ops!(Spd::<LogEuclidean>::new(n).unwrap())
                }
            }
            "grassmann" => {
                let k = case["params"]["k"].as_u64().unwrap() as usize;
                let g = Grassmann::new(n, k).unwrap();
                let d = g.dist(&mat(n, k, &args[0]), &mat(n, k, &args[1])).unwrap();
                // geomstats' projector metric is sqrt(2) times ours.
                vec![std::f64::consts::SQRT_2 * d]
            }
            "stiefel" => {
                let k = case["params"]["k"].as_u64().unwrap() as usize;
                let st = Stiefel::new(n, k).unwrap();
                let ms: Vec<Mat<f64>> = args.iter().map(|a| mat(n, k, a)).collect();
                match op {
                    "exp" => row_major(&st.exp(&ms[0], &ms[1]).unwrap()),
                    "log" | "log_geomstats" => row_major(&st.log(&ms[0], &ms[1]).unwrap()),
                    "inner" => vec![st.inner(&ms[0], &ms[1], &ms[2]).unwrap()],
                    _ => unreachable!(),
                }
            }
            other => panic!("unknown manifold {other}"),
        };
        if man == "spd_ai" && matches!(op, "dist" | "exp" | "log") {
            // The batched kernels on a batch of one pair.
            let spd = Spd::<AffineInvariant>::new(n).unwrap();
            let mut out = vec![0.0; want.len()];
            match op {
                "dist" => spd.dist_batch(&args[0], &args[1], &mut out),
                "exp" => spd.exp_batch(&args[0], &args[1], &mut out),
                _ => spd.log_batch(&args[0], &args[1], &mut out),
            }
            .unwrap();
            let e = err(&out, &want);
            let w = worst.entry(format!("spd_ai/{op}_batch")).or_insert(0.0);
            *w = w.max(e);
            assert!(e < 1e-10, "spd_ai/{op}_batch n={n}: error {e:e}");
        }
        let e = err(&got, &want);
        let key = format!("{man}/{op}");
        let w = worst.entry(key.clone()).or_insert(0.0);
        *w = w.max(e);
        // geomstats' Stiefel logarithm iterates only to about 1e-9.
        let tol = if op == "log_geomstats" { 1e-8 } else { 1e-10 };
        assert!(
            e < tol,
            "{key} n={n}: error {e:e}\n got {got:?}\nwant {want:?}"
        );
    }
    for (k, v) in &worst {
        println!("{k:<24} max rel err {v:.2e}");
    }
}
