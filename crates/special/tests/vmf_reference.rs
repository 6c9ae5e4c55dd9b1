//! von Mises-Fisher helpers against the 50-digit table `tests/data/vmf.csv`
//! (made by `xtask/refdata/vmf.py`): the log normaliser, the mean resultant
//! length, and the inverse of the latter (round trip to the exact `kappa`).

use sobolev_special::vmf::{inverse_mean_resultant_length, log_normaliser, mean_resultant_length};

fn rows() -> Vec<[f64; 6]> {
    include_str!("data/vmf.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<f64> = l.split(',').map(|s| s.parse().unwrap()).collect();
            [c[0], c[1], c[2], c[3], c[4], c[5]]
        })
        .collect()
}

#[test]
fn log_normaliser_matches_mpmath() {
    let mut worst: f64 = 0.0;
    for [p, k, hi, lo, _, _] in rows() {
        let got = log_normaliser(p, k);
        assert!(got.is_finite(), "p={p} kappa={k}");
        let e = ((got - hi) - lo).abs() / hi.abs().max(1.0);
        assert!(e < 4e-15, "p={p} kappa={k}: {got} vs {hi}, error {e:e}");
        worst = worst.max(e);
    }
    println!("ln C_p: max error {worst:.2e}");
}

#[test]
fn mean_resultant_length_matches_mpmath() {
    let mut worst: f64 = 0.0;
    for [p, k, _, _, hi, lo] in rows() {
        let got = mean_resultant_length(p, k);
        let e = if hi == 0.0 {
            got.abs()
        } else {
            ((got - hi) - lo).abs() / hi
        };
        assert!(e < 2e-15, "p={p} kappa={k}: {got} vs {hi}, error {e:e}");
        worst = worst.max(e);
    }
    println!("A_p: max relative error {worst:.2e}");
}

/// The inverse is checked against the exact `kappa` of each table row: the
/// input is the correctly rounded `A_p(kappa)`, so the attainable accuracy
/// is the condition number `A / (kappa A')` times half an ulp.
#[test]
fn inverse_recovers_kappa() {
    let mut worst: f64 = 0.0;
    for [p, k, _, _, a, _] in rows() {
        if k == 0.0 || a >= 1.0 || k > 1e8 {
            continue;
        }
        let back = inverse_mean_resultant_length(p, a);
        let e = (back / k - 1.0).abs();
        // A'(kappa) = 1 - A^2 - (p - 1) A / kappa; condition number of kappa(A).
        let slope = (1.0 - a) * (1.0 + a) - (p - 1.0) * a / k;
        let cond = a / (k * slope.abs());
        let tol = 1e-13_f64.max(4e-16 * cond);
        assert!(
            e < tol,
            "p={p} kappa={k}: got {back}, error {e:e}, condition {cond:e}"
        );
        if p == 32768.0 {
            assert!(e < 1e-10, "p=32768 kappa={k}: error {e:e}");
        }
        worst = worst.max(e);
    }
    println!("inverse A_p: max relative error {worst:.2e}");
}

#[test]
fn domain() {
    assert!(log_normaliser(1.0, 1.0).is_nan());
    assert!(log_normaliser(3.0, -1.0).is_nan());
    assert_eq!(inverse_mean_resultant_length(3.0, 0.0), 0.0);
    assert_eq!(inverse_mean_resultant_length(3.0, 1.0), f64::INFINITY);
    assert!(inverse_mean_resultant_length(3.0, 1.5).is_nan());
    assert!(mean_resultant_length(f64::NAN, 1.0).is_nan());
}
