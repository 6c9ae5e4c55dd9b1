//! Identities of `J_v`, `Y_v` and the spherical `j_n`, `y_n` over random
//! orders and arguments: the Wronskians, the three-term recurrences, the
//! reflection formulas, closed forms at half-integer order (out to
//! `x = 1e300`), the spherical-cylinder relation across the method
//! boundaries, and the special values.

use proptest::prelude::*;
use sobolev_special::{
    Error, bessel_j, bessel_j_derivative, bessel_j_slice, bessel_jy, bessel_y, bessel_y_slice,
    spherical_bessel_j, spherical_bessel_j_derivative, spherical_bessel_y,
    spherical_bessel_y_derivative,
};
use std::f64::consts::PI;

fn order() -> impl Strategy<Value = f64> {
    prop_oneof![0.0..60.0, (-1.0..4.0f64).prop_map(|e| 10f64.powf(e))]
}

fn argument() -> impl Strategy<Value = f64> {
    (-3.0..5.0f64).prop_map(|e| 10f64.powf(e))
}

/// Tolerance: a few ulps plus the conditioning `eps * max(v, x)`.
fn tol(v: f64, x: f64) -> f64 {
    2e-14 + 16.0 * f64::EPSILON * v.abs().max(x)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1500,
        max_global_rejects: 1 << 20,
        ..ProptestConfig::default()
    })]

    /// `J_{v+1} Y_v - J_v Y_{v+1} = 2/(pi x)`, relative to the size of the terms.
    #[test]
    fn wronskian(v in order(), x in argument()) {
        let (j, y) = (bessel_j(v, x), bessel_y(v, x));
        let (j1, y1) = (bessel_j(v + 1.0, x), bessel_y(v + 1.0, x));
        let (a, b) = (j1 * y, j * y1);
        prop_assume!([a, b, j, j1].iter().all(|t| t.is_normal()));
        let w = 2.0 / (PI * x);
        prop_assert!((a - b - w).abs() <= tol(v, x) * (a.abs() + b.abs()),
            "v={v} x={x} W={:e} expected {w:e}", a - b);
    }

    /// `J Y' - J' Y = 2/(pi x)` with the derivatives.
    #[test]
    fn derivative_wronskian(v in order(), x in argument()) {
        let r = bessel_jy(v, x);
        let (a, b) = (r.j * r.dy, r.dj * r.y);
        prop_assume!([a, b, r.j, r.dj].iter().all(|t| t.is_normal()));
        let w = 2.0 / (PI * x);
        prop_assert!((a - b - w).abs() <= tol(v, x) * (a.abs() + b.abs()),
            "v={v} x={x} W={:e} expected {w:e}", a - b);
    }

    /// `C_{v-1} + C_{v+1} = (2v/x) C_v` for `C = J, Y`.
    #[test]
    fn recurrence(v in 1.0..300.0f64, x in argument()) {
        for f in [bessel_j, bessel_y] {
            let (a, b, c) = (f(v - 1.0, x), f(v, x), f(v + 1.0, x));
            let mid = 2.0 * v / x * b;
            // Subnormal values carry fewer digits; keep to normal ones.
            prop_assume!([a, b, c, mid].iter().all(|t| t.is_normal()));
            let scale = a.abs() + c.abs() + mid.abs();
            prop_assert!((a + c - mid).abs() <= tol(v, x) * scale, "v={v} x={x}");
        }
    }

    /// `J_{-v} = cos(v pi) J_v - sin(v pi) Y_v` (and the same for `Y`), and
    /// `J_{-n} = (-1)^n J_n` to the bit.
    #[test]
    fn reflection(v in 0.0..40.0f64, x in argument()) {
        let (c, s) = ((v * PI).cos(), (v * PI).sin());
        let (j, y) = (bessel_j(v, x), bessel_y(v, x));
        prop_assume!(j.is_finite() && y.is_finite());
        let scale = j.abs() + y.abs();
        prop_assert!((bessel_j(-v, x) - (c * j - s * y)).abs() <= 1e-13 * scale);
        prop_assert!((bessel_y(-v, x) - (s * j + c * y)).abs() <= 1e-13 * scale);
        let n = v.floor();
        let sign = if n % 2.0 == 0.0 { 1.0 } else { -1.0 };
        prop_assert_eq!(bessel_j(-n, x), sign * bessel_j(n, x));
        prop_assert_eq!(bessel_j(n, -x), sign * bessel_j(n, x));
    }

    /// `J_{1/2} = sqrt(2/(pi x)) sin x`, `Y_{1/2} = -sqrt(2/(pi x)) cos x`
    /// over the whole range, the phase included.
    #[test]
    fn half_order_closed_form(e in -300.0..300.0f64) {
        let x = 10f64.powf(e);
        let amp = (2.0 / (PI * x)).sqrt();
        let (s, c) = x.sin_cos();
        prop_assert!((bessel_j(0.5, x) - amp * s).abs() <= 2e-14 * amp, "x={x}");
        prop_assert!((bessel_y(0.5, x) + amp * c).abs() <= 2e-14 * amp, "x={x}");
        prop_assert!((bessel_j(-0.5, x) - amp * c).abs() <= 2e-14 * amp, "x={x}");
    }

    /// `j_n = sqrt(pi/(2x)) J_{n+1/2}` across the series/cylinder boundary,
    /// and the recurrence `f_{n-1} + f_{n+1} = ((2n+1)/x) f_n`.
    #[test]
    fn spherical_relations(n in 1u32..60, x in (-2.0..3.0f64).prop_map(|e| 10f64.powf(e))) {
        let f = (PI / (2.0 * x)).sqrt();
        let v = f64::from(n) + 0.5;
        let (j, y) = (spherical_bessel_j(n, x), spherical_bessel_y(n, x));
        let (cj, cy) = (f * bessel_j(v, x), f * bessel_y(v, x));
        prop_assume!(cy.is_finite() && cj != 0.0);
        let env = cj.abs() + cy.abs();
        let scale = if x < v { 1.0 } else { 0.0 };
        prop_assert!((j - cj).abs() <= tol(v, x) * (scale * cj.abs() + (1.0 - scale) * env), "n={n} x={x}");
        prop_assert!((y - cy).abs() <= tol(v, x) * cy.abs().max((1.0 - scale) * env), "n={n} x={x}");
        let m = 2.0 * f64::from(n) + 1.0;
        for g in [spherical_bessel_j, spherical_bessel_y] {
            let (a, b, c) = (g(n - 1, x), g(n, x), g(n + 1, x));
            let mid = m / x * b;
            prop_assume!(a.is_finite() && c.is_finite() && mid.is_finite());
            prop_assert!((a + c - mid).abs() <= tol(v, x) * (a.abs() + c.abs() + mid.abs()));
        }
        // Derivatives: f_n' = f_{n-1} - ((n+1)/x) f_n.
        let dj = spherical_bessel_j(n - 1, x) - (f64::from(n) + 1.0) / x * j;
        let dy = spherical_bessel_y(n - 1, x) - (f64::from(n) + 1.0) / x * y;
        prop_assume!(dy.is_finite());
        let sj = spherical_bessel_j(n - 1, x).abs() + ((f64::from(n) + 1.0) / x * j).abs();
        let sy = spherical_bessel_y(n - 1, x).abs() + ((f64::from(n) + 1.0) / x * y).abs();
        prop_assert!((spherical_bessel_j_derivative(n, x) - dj).abs() <= tol(v, x) * sj);
        prop_assert!((spherical_bessel_y_derivative(n, x) - dy).abs() <= tol(v, x) * sy);
    }
}

#[test]
fn special_values() {
    assert!(bessel_j(f64::NAN, 1.0).is_nan() && bessel_y(1.0, f64::NAN).is_nan());
    assert!(bessel_j(f64::INFINITY, 1.0).is_nan());
    assert!(bessel_j(0.5, -1.0).is_nan() && bessel_y(1.0, -1.0).is_nan());
    assert_eq!(bessel_j(0.0, 0.0), 1.0);
    assert_eq!(bessel_j(2.5, 0.0), 0.0);
    assert_eq!(bessel_y(2.5, 0.0), f64::NEG_INFINITY);
    assert_eq!(bessel_y(-0.5, 0.0), 0.0);
    assert_eq!(bessel_j_derivative(1.0, 0.0), 0.5);
    assert_eq!(bessel_j(3.0, f64::INFINITY), 0.0);
    assert_eq!(bessel_j(3.0, -2.0), -bessel_j(3.0, 2.0));
    // Past the double range: honest underflow and overflow.
    assert_eq!(bessel_j(1e4, 1.0), 0.0);
    assert_eq!(bessel_y(1e4, 1.0), f64::NEG_INFINITY);
    assert_eq!(spherical_bessel_j(0, 0.0), 1.0);
    assert_eq!(spherical_bessel_j(3, 0.0), 0.0);
    assert_eq!(spherical_bessel_y(3, 0.0), f64::NEG_INFINITY);
    assert_eq!(spherical_bessel_j(3, -1.5), -spherical_bessel_j(3, 1.5));
    assert_eq!(spherical_bessel_y(2, -1.5), -spherical_bessel_y(2, 1.5));
    assert!(spherical_bessel_j(2, f64::NAN).is_nan());
    assert_eq!(spherical_bessel_y(2, f64::INFINITY), 0.0);
}

#[test]
fn slices_match_scalars() {
    let v: Vec<f64> = (0..3000).map(|i| f64::from(i % 97) * 0.75 - 20.0).collect();
    let x: Vec<f64> = (0..3000).map(|i| 0.01 + f64::from(i) * 0.37).collect();
    let mut out = vec![0.0; v.len()];
    bessel_j_slice(&v, &x, &mut out).unwrap();
    for i in 0..v.len() {
        assert_eq!(out[i].to_bits(), bessel_j(v[i], x[i]).to_bits());
    }
    bessel_y_slice(&v, &x, &mut out).unwrap();
    for i in 0..v.len() {
        assert_eq!(out[i].to_bits(), bessel_y(v[i], x[i]).to_bits());
    }
    assert!(matches!(
        bessel_j_slice(&v[..2], &x, &mut out),
        Err(Error::ShapeMismatch { .. })
    ));
}
