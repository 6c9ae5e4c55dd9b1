//! Identities of the modified Bessel functions, checked in log form over
//! random orders and arguments: the three-term recurrence, the Wronskian,
//! monotonicity in `x`, the ratio against the logs, and the derivative
//! formulas; plus closed forms at half-integer order and the special values.

use proptest::prelude::*;
use sobolev_special::bessel::{log_bessel_i_slice, log_bessel_k_slice};
use sobolev_special::{
    Error, bessel_i, bessel_i_ratio, bessel_i_scaled, bessel_k, bessel_k_scaled, log_bessel_i,
    log_bessel_i_derivative, log_bessel_k, log_bessel_k_derivative,
};

/// `ln(e^a + e^b)`.
fn lse(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

fn order() -> impl Strategy<Value = f64> {
    prop_oneof![0.0..40.0, (-1.0..6.0f64).prop_map(|e| 10f64.powf(e))]
}

fn argument() -> impl Strategy<Value = f64> {
    (-8.0..8.0f64).prop_map(|e| 10f64.powf(e))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Wronskian `I_v K_{v+1} + I_{v+1} K_v = 1/x`.
    #[test]
    fn wronskian(v in order(), x in argument()) {
        let a = log_bessel_i(v, x) + log_bessel_k(v + 1.0, x);
        let b = log_bessel_i(v + 1.0, x) + log_bessel_k(v, x);
        let w = lse(a, b) + x.ln();
        // Relative to the size of the terms, which carry |ln I| rounding.
        let scale = 1.0 + log_bessel_i(v, x).abs().max(log_bessel_k(v, x).abs());
        prop_assert!(w.abs() < 2e-15 * scale, "v={v} x={x} ln(x W)={w:e}");
    }

    /// `I_{v-1} - I_{v+1} = (2v/x) I_v` and `K_{v+1} - K_{v-1} = (2v/x) K_v`.
    #[test]
    fn recurrences(v in 1.0..1e5f64, x in argument()) {
        let lhs = log_bessel_i(v - 1.0, x);
        let rhs = lse(log_bessel_i(v + 1.0, x), (2.0 * v / x).ln() + log_bessel_i(v, x));
        let scale = 1.0 + lhs.abs();
        prop_assert!((lhs - rhs).abs() < 4e-15 * scale, "I: v={v} x={x} {lhs} {rhs}");
        let lhs = log_bessel_k(v + 1.0, x);
        let rhs = lse(log_bessel_k(v - 1.0, x), (2.0 * v / x).ln() + log_bessel_k(v, x));
        let scale = 1.0 + lhs.abs();
        prop_assert!((lhs - rhs).abs() < 4e-15 * scale, "K: v={v} x={x} {lhs} {rhs}");
    }

    /// `ln I_v` increases and `ln K_v` decreases in `x`; `ln I_v` decreases
    /// and `ln K_v` increases in `v`.
    #[test]
    fn monotone(v in order(), x in argument(), f in 1.0001..2.0f64) {
        // Up to the functions' rounding (documented max 2.2e-15 relative):
        // a step of 1e-4 can change the value by less than that.
        let le = |a: f64, b: f64| a <= b + 5e-15 * a.abs().max(b.abs()).max(1.0);
        prop_assert!(le(log_bessel_i(v, x), log_bessel_i(v, x * f)));
        prop_assert!(le(log_bessel_k(v, x * f), log_bessel_k(v, x)));
        prop_assert!(le(log_bessel_i(v * f + 1e-3, x), log_bessel_i(v, x)));
        prop_assert!(le(log_bessel_k(v, x), log_bessel_k(v * f + 1e-3, x)));
    }

    /// The ratio agrees with the difference of logs where that is accurate.
    #[test]
    fn ratio_matches_logs(v in order(), x in argument()) {
        let (l1, l0) = (log_bessel_i(v + 1.0, x), log_bessel_i(v, x));
        let d = l1 - l0;
        let r = bessel_i_ratio(v, x);
        prop_assert!(r > 0.0 && r < 1.0);
        // The difference of logs carries the rounding of both terms.
        let tol = 2e-15 * (1.0 + l0.abs() + l1.abs());
        prop_assert!((r.ln() - d).abs() < tol, "v={v} x={x} {} {d}", r.ln());
    }

    /// `(ln I)' = R + v/x` from the ratio, `(ln K)' = -(K_{v+1}/K_v) + v/x`
    /// from the logs, against a central difference.
    #[test]
    fn derivatives(v in order(), x in argument()) {
        let di = log_bessel_i_derivative(v, x);
        prop_assert!((di - (bessel_i_ratio(v, x) + v / x)).abs() <= 1e-14 * di.abs());
        let dk = log_bessel_k_derivative(v, x);
        let k_ratio = (log_bessel_k(v + 1.0, x) - log_bessel_k(v, x)).exp();
        let tol = 1e-14 * dk.abs() * (1.0 + log_bessel_k(v, x).abs());
        prop_assert!((dk - (v / x - k_ratio)).abs() <= tol, "v={v} x={x} {dk} {}", v / x - k_ratio);
    }
}

#[test]
fn half_integer_closed_forms() {
    // I_{1/2}(x) = sqrt(2/(pi x)) sinh x, K_{1/2}(x) = sqrt(pi/(2x)) e^{-x}.
    let pi = std::f64::consts::PI;
    for &x in &[1e-3, 0.1, 0.7, 1.9, 2.1, 5.0, 29.0, 31.0, 100.0, 700.0] {
        let i = (2.0 / (pi * x)).sqrt() * x.sinh();
        assert!((bessel_i(0.5, x) / i - 1.0).abs() < 1e-13, "x={x}");
        let k = 0.5 * (pi / (2.0 * x)).ln() - x;
        assert!(
            (log_bessel_k(0.5, x) - k).abs() < 1e-15 * k.abs().max(1.0),
            "x={x}"
        );
        // K_{3/2} = K_{1/2} (1 + 1/x)
        let k32 = k + (1.0 / x).ln_1p();
        assert!(
            (log_bessel_k(1.5, x) - k32).abs() < 1e-15 * k32.abs().max(1.0),
            "x={x}"
        );
    }
    assert!((bessel_k_scaled(2.5, 1e10) / (pi / 2e10).sqrt() - 1.0).abs() < 1e-9);
    assert!((bessel_i_scaled(0.0, 1e-8) - (1.0 - 1e-8)).abs() < 1e-15);
    assert!((bessel_k(0.0, 1.0) - 0.42102443824070833).abs() < 1e-16);
}

#[test]
fn special_values() {
    assert_eq!(log_bessel_i(0.0, 0.0), 0.0);
    assert_eq!(log_bessel_i(2.5, 0.0), f64::NEG_INFINITY);
    assert_eq!(log_bessel_k(2.5, 0.0), f64::INFINITY);
    assert_eq!(log_bessel_i(1.0, f64::INFINITY), f64::INFINITY);
    assert_eq!(log_bessel_k(1.0, f64::INFINITY), f64::NEG_INFINITY);
    assert_eq!(log_bessel_i(f64::INFINITY, 1.0), f64::NEG_INFINITY);
    for f in [
        log_bessel_i,
        log_bessel_k,
        bessel_i_ratio,
        bessel_i,
        bessel_k,
    ] {
        assert!(f(-1.0, 1.0).is_nan());
        assert!(f(1.0, -1.0).is_nan());
        assert!(f(f64::NAN, 1.0).is_nan());
        assert!(f(1.0, f64::NAN).is_nan());
    }
    // Extremes stay finite.
    for &(v, x) in &[
        (1e300, 1e-300),
        (0.0, 1e300),
        (1e6, 1e-300),
        (1e-300, 1e-300),
        (6.45e-307, 5e-324),
        (0.3, 5e-324),
        (3.9e-312, 3.65e307),
        (1e250, 1.7e308),
        (1.3997709520787723e166, 8.469446924576528e165),
        (1e15, 1e15),
    ] {
        assert!(log_bessel_i(v, x).is_finite(), "I({v}, {x})");
        assert!(log_bessel_k(v, x).is_finite(), "K({v}, {x})");
        let r = bessel_i_ratio(v, x);
        assert!((0.0..=1.0).contains(&r), "ratio({v}, {x}) = {r}");
    }
}

#[test]
fn slices_match_scalars_and_check_lengths() {
    // Every region: small and large orders and arguments, the band near
    // x/v = 0.66 where the exponent cancels, and out-of-domain input.
    let n = 5000;
    let mut v: Vec<f64> = (0..n).map(|i| (i % 97) as f64 * 3.7).collect();
    let mut x: Vec<f64> = (0..n)
        .map(|i| 10f64.powf((i % 113) as f64 / 10.0 - 5.0))
        .collect();
    v.extend([1e4, 1e4, 1e200, 0.0, 5.0, f64::NAN, -1.0, 2.0, 1e6]);
    x.extend([
        6627.0,
        6600.0,
        1e-200,
        1e300,
        0.0,
        1.0,
        1.0,
        f64::INFINITY,
        1e-300,
    ]);
    // Densely below r = 30, where the series and Temme lanes work, and
    // across their edges (x = 1e-8, x = 1, r = 30).
    for i in 0..81 {
        for j in 0..60 {
            v.push(i as f64 * 0.37);
            x.push(10f64.powf(-9.5 + j as f64 * 11.0 / 59.0));
        }
    }
    let n = v.len();
    let mut out = vec![0.0; n];
    for (slice, scalar) in [
        (
            log_bessel_i_slice as fn(&[f64], &[f64], &mut [f64]) -> _,
            log_bessel_i as fn(f64, f64) -> f64,
        ),
        (log_bessel_k_slice, log_bessel_k),
    ] {
        slice(&v, &x, &mut out).unwrap();
        for i in 0..n {
            let s = scalar(v[i], x[i]);
            if s.is_finite() {
                // The lanes use their own logarithm: a few ulps apart.
                let tol = 8.0 * f64::EPSILON * s.abs().max(1.0);
                assert!(
                    (out[i] - s).abs() <= tol,
                    "({}, {}): slice {} scalar {s}",
                    v[i],
                    x[i],
                    out[i]
                );
            } else {
                assert_eq!(out[i].to_bits(), s.to_bits(), "({}, {})", v[i], x[i]);
            }
        }
        // An element's value does not depend on where the blocks start or
        // how many threads share them.
        let mut shifted = vec![0.0; n - 37];
        slice(&v[37..], &x[37..], &mut shifted).unwrap();
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let mut single = vec![0.0; n];
        one_thread.install(|| slice(&v, &x, &mut single).unwrap());
        for i in 0..n {
            assert_eq!(out[i].to_bits(), single[i].to_bits());
            if i >= 37 {
                assert_eq!(out[i].to_bits(), shifted[i - 37].to_bits());
            }
        }
    }
    let err = log_bessel_i_slice(&v[..3], &x, &mut out).unwrap_err();
    match err {
        Error::ShapeMismatch { got, .. } => assert!(got.contains("v: 3"), "{got}"),
        other => panic!("expected a shape mismatch, got {other:?}"),
    }
}

/// For tiny `x`, `ln I_v(x) = v ln(x/2) - ln Gamma(v + 1) + O(x^2/v)`. Near
/// `v = 30` the factor `(x/2)^v / Gamma(v + 1)` falls below the normal
/// range while `(x/2)^v` alone does not; the value must keep full accuracy
/// there (it once lost about twelve digits).
#[test]
fn tiny_argument_leading_term() {
    for i in 0..40 {
        let v = 20.0 + i as f64 * 0.25;
        for x in [1e-11_f64, 3e-11, 1e-10, 4.857811715970678e-10, 2e-9, 1e-8] {
            let exact = v * (0.5 * x).ln() - sobolev_special::ln_gamma(v + 1.0)
                + (0.25 * x * x / (v + 1.0)).ln_1p();
            let got = log_bessel_i(v, x);
            assert!(
                (got - exact).abs() <= 4.0 * f64::EPSILON * exact.abs(),
                "ln I_{v}({x}) = {got}, leading terms {exact}"
            );
            let mut out = [0.0];
            log_bessel_i_slice(&[v], &[x], &mut out).unwrap();
            assert!((out[0] - exact).abs() <= 4.0 * f64::EPSILON * exact.abs());
        }
    }
}
