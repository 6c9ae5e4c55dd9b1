//! Orthogonal polynomials against exact rational references
//! (`xtask/refdata/orthopoly.py`), plus recurrence identities.

use proptest::prelude::*;
use sobolev_special::orthopoly::*;

fn table(name: &str) -> Vec<Vec<String>> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("reference table present");
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn eval(fam: &str, n: usize, a: f64, b: f64, x: f64) -> (f64, f64) {
    match fam {
        "legendre" => (legendre_p(n, x), legendre_p_derivative(n, x)),
        "chebyshev_t" => (chebyshev_t(n, x), chebyshev_t_derivative(n, x)),
        "chebyshev_u" => (chebyshev_u(n, x), chebyshev_u_derivative(n, x)),
        "hermite_h" => (hermite_h(n, x), hermite_h_derivative(n, x)),
        "hermite_he" => (hermite_he(n, x), hermite_he_derivative(n, x)),
        "hermite_function" => (hermite_function(n, x), hermite_function_derivative(n, x)),
        "gegenbauer" => (gegenbauer_c(n, a, x), gegenbauer_c_derivative(n, a, x)),
        "laguerre" => (laguerre_l(n, a, x), laguerre_l_derivative(n, a, x)),
        "jacobi" => (jacobi_p(n, a, b, x), jacobi_p_derivative(n, a, b, x)),
        other => panic!("unknown family {other}"),
    }
}

/// Error relative to the larger of the exact value and the polynomial's
/// size at the neighbouring reference points (a zero of `p_n` has no
/// relative accuracy to offer).
#[test]
fn values_and_derivatives_match_exact_references() {
    let rows = table("orthopoly_values.csv");
    assert!(rows.len() > 500);
    // Group rows by (family, n, a, b) to get each case's scale.
    let mut worst: std::collections::BTreeMap<String, f64> = Default::default();
    let key = |r: &Vec<String>| format!("{}:{}:{}:{}", r[0], r[1], r[2], r[3]);
    let mut scale: std::collections::HashMap<String, (f64, f64)> = Default::default();
    for r in &rows {
        let v: f64 = r[5].parse().unwrap();
        let d: f64 = r[6].parse().unwrap();
        let e = scale.entry(key(r)).or_insert((0.0, 0.0));
        e.0 = e.0.max(v.abs() * 1e-3);
        e.1 = e.1.max(d.abs() * 1e-3);
    }
    for r in &rows {
        let (n, a, b, x): (usize, f64, f64, f64) = (
            r[1].parse().unwrap(),
            r[2].parse().unwrap(),
            r[3].parse().unwrap(),
            r[4].parse().unwrap(),
        );
        let exact_v: f64 = r[5].parse().unwrap();
        let exact_d: f64 = r[6].parse().unwrap();
        let (v, d) = eval(&r[0], n, a, b, x);
        let (sv, sd) = scale[&key(r)];
        let ev = (v - exact_v).abs() / exact_v.abs().max(sv).max(f64::MIN_POSITIVE);
        let ed = (d - exact_d).abs() / exact_d.abs().max(sd).max(f64::MIN_POSITIVE);
        assert!(v.is_finite() == exact_v.is_finite(), "{r:?}: {v}");
        let w = worst.entry(r[0].clone()).or_insert(0.0);
        *w = w.max(ev).max(ed);
        assert!(
            ev < 1e-12 && ed < 1e-12,
            "{r:?}: got {v}, {d} (errors {ev:e}, {ed:e})"
        );
    }
    eprintln!("worst relative errors by family: {worst:?}");
}

#[test]
fn large_degree_values_do_not_overflow_spuriously() {
    // H_220(10) = 6.04306053814629e264 (mpmath); the iterates pass 2^600 on the way.
    let h = hermite_h(220, 10.0);
    assert!((h / 6.04306053814629e264 - 1.0).abs() < 1e-12, "{h}");
    // L_300(1500) = 6.96536197813591e303, next to the top of the double range.
    let l = laguerre_l(300, 0.0, 1500.0);
    assert!((l / 6.96536197813591e303 - 1.0).abs() < 1e-12, "{l}");
    // He_n(x) = 2^{-n/2} H_n(x / sqrt 2).
    let he = hermite_he(220, 10.0 * 2f64.sqrt());
    let rel = (he - h * 2f64.powf(-110.0)).abs() / he.abs();
    assert!(rel < 1e-12, "{rel}");
    // Truly unrepresentable values overflow to inf, not NaN.
    assert_eq!(hermite_h(400, 10.0), f64::INFINITY);
    // Hermite functions stay finite and bounded at huge n and x.
    for &(n, x) in &[(5000usize, 3.0), (5000, 99.0), (20000, 150.0)] {
        let v = hermite_function(n, x);
        assert!(
            v.is_finite() && v.abs() < 0.82 && v != 0.0,
            "psi_{n}({x}) = {v}"
        );
    }
    // Legendre at n = 1e5 is bounded by 1 on [-1, 1].
    let p = legendre_p(100_000, 0.3);
    assert!(p.abs() < 0.01, "{p}");
}

#[test]
fn domains_and_nan() {
    assert!(legendre_p(3, f64::NAN).is_nan());
    assert!(laguerre_l(3, -1.0, 0.5).is_nan());
    assert!(jacobi_p(3, 0.0, -1.5, 0.5).is_nan());
    assert!(gegenbauer_c(3, -0.5, 0.5).is_nan());
    assert!(assoc_legendre_normalized(2, 3, 0.5).is_nan());
    assert!(assoc_legendre_normalized(2, 1, 1.5).is_nan());
    assert_eq!(chebyshev_series(&[], 0.3), 0.0);
}

#[test]
fn chebyshev_series_matches_direct_sum() {
    let c: Vec<f64> = (0..40).map(|k| 1.0 / (1.0 + k as f64).powi(2)).collect();
    for &x in &[-1.0, -0.4, 0.0, 0.77, 1.0] {
        let direct: f64 = c
            .iter()
            .enumerate()
            .map(|(k, ck)| ck * chebyshev_t(k, x))
            .sum();
        assert!((chebyshev_series(&c, x) - direct).abs() < 1e-14);
        let direct_u: f64 = c
            .iter()
            .enumerate()
            .map(|(k, ck)| ck * chebyshev_u(k, x))
            .sum();
        assert!((chebyshev_u_series(&c, x) - direct_u).abs() < 1e-13);
    }
}

proptest! {
    /// Christoffel-Darboux style identities: Legendre's derivative relation
    /// (1 - x^2) P_n' = n (P_{n-1} - x P_n).
    #[test]
    fn legendre_derivative_identity(n in 1usize..400, x in -1.0f64..1.0) {
        let lhs = (1.0 - x * x) * legendre_p_derivative(n, x);
        let rhs = n as f64 * (legendre_p(n - 1, x) - x * legendre_p(n, x));
        prop_assert!((lhs - rhs).abs() < 1e-11 * n as f64);
    }

    /// Jacobi reduces to Gegenbauer and Legendre at special parameters.
    #[test]
    fn jacobi_special_cases(n in 0usize..60, x in -1.0f64..1.0) {
        let p = jacobi_p(n, 0.0, 0.0, x);
        prop_assert!((p - legendre_p(n, x)).abs() < 1e-12);
        // C_n^(1) = U_n.
        prop_assert!((gegenbauer_c(n, 1.0, x) - chebyshev_u(n, x)).abs() < 1e-11 * (n as f64 + 1.0));
        // T_n(cos t) = cos(n t).
        let t = x.acos();
        prop_assert!((chebyshev_t(n, x) - (n as f64 * t).cos()).abs() < 1e-13 * (n as f64 + 1.0));
    }

    /// Derivative relations between families.
    #[test]
    fn derivative_relations(n in 1usize..80, x in -3.0f64..3.0, a in -0.9f64..4.0) {
        // Scale of H_k near x: the Hermite-function envelope
        // sqrt(2^k k! sqrt(pi)) e^{x^2/2} (relative error means nothing at a zero).
        let scale_h = |k: usize, x: f64| {
            (0.5 * (k as f64 * std::f64::consts::LN_2
                + sobolev_special::ln_gamma(k as f64 + 1.0)
                + 0.5 * std::f64::consts::PI.ln())
                + 0.5 * x * x)
                .exp()
        };
        let nf = n as f64;
        let err_h = (hermite_h_derivative(n, x) - 2.0 * nf * hermite_h(n - 1, x)).abs();
        prop_assert!(err_h < 1e-12 * 2.0 * nf * scale_h(n - 1, x));
        let err_he = (hermite_he_derivative(n, x) - nf * hermite_he(n - 1, x)).abs();
        let scale_he = 2f64.powf(-(nf - 1.0) / 2.0) * scale_h(n - 1, x / 2f64.sqrt());
        prop_assert!(err_he < 1e-12 * nf * scale_he);
        let y = x.abs() * 4.0;
        let dl = laguerre_l_derivative(n, a, y);
        let want = -laguerre_l(n - 1, a + 1.0, y);
        prop_assert!((dl - want).abs() < 1e-10 * want.abs().max(1.0));
    }

    /// The Hermite function derivative matches a central difference.
    #[test]
    fn hermite_function_derivative_consistent(n in 0usize..300, x in -20.0f64..20.0) {
        let h = 1e-5;
        let fd = (hermite_function(n, x + h) - hermite_function(n, x - h)) / (2.0 * h);
        prop_assert!((hermite_function_derivative(n, x) - fd).abs() < 1e-6 * (n as f64 + 1.0));
    }
}
