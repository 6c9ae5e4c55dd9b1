//! Wigner 3j, Clebsch-Gordan and Gaunt coefficients against exact rational
//! evaluation of Racah's formula, orthogonality and symmetries.

use proptest::prelude::*;
use sobolev_special::wigner::{wigner_3j_j1_range, wigner_3j_j1_range_doubled, wigner_3j_zero_m};
use sobolev_special::{
    clebsch_gordan, clebsch_gordan_doubled, gaunt, gauss_legendre, sph_harm_y, wigner_3j,
    wigner_3j_doubled,
};

fn table(name: &str) -> Vec<Vec<String>> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("reference table present");
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[test]
fn matches_exact_racah_values() {
    let rows = table("wigner3j.csv");
    assert!(rows.len() > 300);
    let (mut worst_small, mut worst_large) = (0.0f64, 0.0f64);
    for r in &rows {
        let v: Vec<i64> = r[..6].iter().map(|s| s.parse().unwrap()).collect();
        let exact: f64 = r[6].parse().unwrap();
        let got = wigner_3j(v[0], v[1], v[2], v[3], v[4], v[5]);
        let jmax = v[0].max(v[1]).max(v[2]);
        // Natural size of the symbols: 1/sqrt(2 j + 1).
        let err = (got - exact).abs() * ((2 * jmax + 1) as f64).sqrt();
        if jmax <= 12 {
            worst_small = worst_small.max(err);
            assert!(err < 1e-15, "{r:?}: {got} (error {err:e})");
        } else {
            worst_large = worst_large.max(err);
            assert!(err < 5e-15, "{r:?}: {got} (error {err:e})");
        }
    }
    eprintln!("worst scaled error: j<=12 {worst_small:e}, larger {worst_large:e}");
}

/// Half-integer momenta against SymPy's exact values
/// (`xtask/refdata/wigner_half.py`), doubled arguments.
#[test]
fn half_integer_symbols_match_sympy() {
    let rows = table("wigner3j_half.csv");
    assert!(rows.len() > 300);
    let (mut worst_small, mut worst_large) = (0.0f64, 0.0f64);
    for r in &rows {
        let t: Vec<i64> = r[1..7].iter().map(|s| s.parse().unwrap()).collect();
        let exact: f64 = r[7].parse().unwrap();
        let (got, two_j_max) = match r[0].as_str() {
            "3j" => (
                wigner_3j_doubled(t[0], t[1], t[2], t[3], t[4], t[5]),
                t[0].max(t[1]).max(t[2]),
            ),
            // <j1 m1 j2 m2 | J M>: natural size 1/sqrt(2 j1 + 1) or so;
            // measure it like the 3j symbol it is made of.
            "cg" => (
                clebsch_gordan_doubled(t[0], t[1], t[2], t[3], t[4], t[5])
                    / ((t[4] + 1) as f64).sqrt(),
                t[0].max(t[2]).max(t[4]),
            ),
            other => panic!("unknown kind {other}"),
        };
        let exact = if r[0] == "cg" {
            exact / ((t[4] + 1) as f64).sqrt()
        } else {
            exact
        };
        let err = (got - exact).abs() * ((two_j_max + 1) as f64).sqrt();
        if two_j_max <= 25 {
            worst_small = worst_small.max(err);
            assert!(err < 1e-15, "{r:?}: {got} (error {err:e})");
        } else {
            worst_large = worst_large.max(err);
            assert!(err < 5e-15, "{r:?}: {got} (error {err:e})");
        }
    }
    eprintln!("worst scaled error: j<=12.5 {worst_small:e}, larger {worst_large:e}");
}

#[test]
fn half_integer_known_values_and_selection_rules() {
    let r2 = 0.5f64.sqrt();
    // Two spin-1/2: singlet and triplet.
    assert!((clebsch_gordan_doubled(1, 1, 1, -1, 0, 0) - r2).abs() < 1e-15);
    assert!((clebsch_gordan_doubled(1, -1, 1, 1, 0, 0) + r2).abs() < 1e-15);
    assert!((clebsch_gordan_doubled(1, 1, 1, -1, 2, 0) - r2).abs() < 1e-15);
    assert!((clebsch_gordan_doubled(1, 1, 1, 1, 2, 2) - 1.0).abs() < 1e-15);
    // Spin-orbit: <1 1 1/2 -1/2 | 3/2 1/2> = sqrt(1/3).
    assert!((clebsch_gordan_doubled(2, 2, 1, -1, 3, 1) - (1.0f64 / 3.0).sqrt()).abs() < 1e-15);
    // j + m not an integer, non-integer j1 + j2 + j3, m sum, triangle.
    assert_eq!(wigner_3j_doubled(1, 1, 0, 0, 0, 0), 0.0);
    assert_eq!(wigner_3j_doubled(1, 1, 1, 1, -1, 0), 0.0);
    assert_eq!(wigner_3j_doubled(1, 1, 2, 1, 1, 0), 0.0);
    assert_eq!(wigner_3j_doubled(1, 1, 4, 1, -1, 0), 0.0);
    assert_eq!(wigner_3j_doubled(-1, 1, 0, 1, -1, 0), 0.0);
    // Beyond the supported range: NaN, no overflow.
    assert!(wigner_3j_doubled(i64::MAX, 1, 1, 1, -1, 0).is_nan());
    assert!(wigner_3j(i64::MAX, 1, 1, 0, 0, 0).is_nan());
    // Integer momenta through the doubled entry point.
    for &(j1, j2, j3, m1, m2) in &[(3i64, 4i64, 5i64, 1i64, -2i64), (40, 25, 30, 7, -3)] {
        let m3 = -m1 - m2;
        assert_eq!(
            wigner_3j(j1, j2, j3, m1, m2, m3),
            wigner_3j_doubled(2 * j1, 2 * j2, 2 * j3, 2 * m1, 2 * m2, 2 * m3)
        );
    }
}

/// Orthogonality over `j1` for half-integer `j1`, through the recurrence.
#[test]
fn half_integer_orthogonality_over_j1() {
    for &(t2, t3) in &[(5i64, 8i64), (81, 50), (601, 620)] {
        let (lo, a) = wigner_3j_j1_range_doubled(t2, t3, 3, -2);
        let (lo2, b) = wigner_3j_j1_range_doubled(t2, t3, 1, 0);
        assert_eq!(lo, lo2);
        assert!(lo % 2 == 1, "j1 half-integer");
        let weight = |i: usize| (lo + 2 * i as i64 + 1) as f64;
        let norm: f64 = a.iter().enumerate().map(|(i, v)| weight(i) * v * v).sum();
        let cross: f64 = a
            .iter()
            .zip(&b)
            .enumerate()
            .map(|(i, (u, v))| weight(i) * u * v)
            .sum();
        assert!(
            (norm - 1.0).abs() < 1e-13 && cross.abs() < 1e-13,
            "{norm} {cross}"
        );
    }
}

#[test]
fn known_values_and_selection_rules() {
    assert!((wigner_3j(1, 1, 0, 0, 0, 0) + 1.0 / 3f64.sqrt()).abs() < 1e-15);
    assert!((wigner_3j(1, 1, 2, 0, 0, 0) - (2.0f64 / 15.0).sqrt()).abs() < 1e-15);
    assert_eq!(wigner_3j(1, 1, 1, 0, 0, 0), 0.0);
    assert_eq!(wigner_3j(1, 1, 3, 0, 0, 0), 0.0);
    assert_eq!(wigner_3j(2, 2, 2, 1, 1, 1), 0.0);
    assert_eq!(wigner_3j(-1, 1, 1, 0, 0, 0), 0.0);
    // <1 1 1 -1 | 0 0> = 1/sqrt(3); <1 1 1 0 | 2 1> = 1/sqrt(2).
    assert!((clebsch_gordan(1, 1, 1, -1, 0, 0) - 1.0 / 3f64.sqrt()).abs() < 1e-15);
    assert!((clebsch_gordan(1, 1, 1, 0, 2, 1) - 0.5f64.sqrt()).abs() < 1e-15);
    // The recurrence and the closed form agree for (l l l; 0 0 0) at large l.
    for l in [30i64, 200, 1000, 5000] {
        let a = wigner_3j(l, l, l, 0, 0, 0);
        let b = wigner_3j_zero_m(l, l, l);
        assert!(
            (a - b).abs() < 1e-13 / ((2 * l + 1) as f64).sqrt(),
            "l={l}: {a} vs {b}"
        );
    }
}

/// sum_{j1} (2 j1 + 1) (j1 j2 j3; m1 m2 m3)(j1 j2 j3; m1 m2' m3') = delta.
#[test]
fn orthogonality_over_j1() {
    for &(j2, j3) in &[(3i64, 5i64), (40, 25), (300, 310)] {
        let (lo, a) = wigner_3j_j1_range(j2, j3, 2, -1);
        let (lo2, b) = wigner_3j_j1_range(j2, j3, 1, 0);
        assert_eq!(lo, lo2);
        let norm: f64 = a
            .iter()
            .enumerate()
            .map(|(i, v)| (2 * (lo + i as i64) + 1) as f64 * v * v)
            .sum();
        let cross: f64 = a
            .iter()
            .zip(&b)
            .enumerate()
            .map(|(i, (u, v))| (2 * (lo + i as i64) + 1) as f64 * u * v)
            .sum();
        assert!(
            (norm - 1.0).abs() < 1e-13 && cross.abs() < 1e-13,
            "{norm} {cross}"
        );
    }
}

#[test]
fn gaunt_matches_quadrature_of_three_harmonics() {
    let q = gauss_legendre(20).unwrap();
    let nphi = 40;
    for &(l1, l2, l3, m1, m2, m3) in &[
        (1i64, 1, 2, 1, -1, 0),
        (2, 3, 3, -2, 1, 1),
        (4, 2, 2, 0, 2, -2),
        (5, 4, 3, 3, -1, -2),
    ] {
        let mut s = num_complex::Complex64::new(0.0, 0.0);
        for (x, w) in q.nodes.iter().zip(&q.weights) {
            for k in 0..nphi {
                let phi = 2.0 * std::f64::consts::PI * k as f64 / nphi as f64;
                let t = x.acos();
                s += sph_harm_y(l1 as usize, m1, t, phi)
                    * sph_harm_y(l2 as usize, m2, t, phi)
                    * sph_harm_y(l3 as usize, m3, t, phi)
                    * (w * 2.0 * std::f64::consts::PI / nphi as f64);
            }
        }
        let g = gaunt(l1, l2, l3, m1, m2, m3);
        assert!((s.re - g).abs() < 1e-14 && s.im.abs() < 1e-14, "{s} vs {g}");
    }
    assert_eq!(gaunt(1, 1, 1, 0, 0, 0), 0.0);
}

proptest! {
    /// Odd permutations multiply by (-1)^{j1+j2+j3}; flipping every m likewise.
    #[test]
    fn symmetries(j1 in 0i64..60, j2 in 0i64..60, dj in 0i64..120, r1 in 0i64..1000, r2 in 0i64..1000) {
        let j3 = (j1 - j2).abs() + dj % (j1 + j2 - (j1 - j2).abs() + 1);
        let m1 = r1 % (2 * j1 + 1) - j1;
        let m2 = r2 % (2 * j2 + 1) - j2;
        let m3 = -m1 - m2;
        prop_assume!(m1.abs() <= j1 && m2.abs() <= j2 && m3.abs() <= j3);
        let v = wigner_3j(j1, j2, j3, m1, m2, m3);
        let s = if (j1 + j2 + j3) % 2 == 0 { 1.0 } else { -1.0 };
        let tol = 1e-13;
        prop_assert!((wigner_3j(j2, j3, j1, m2, m3, m1) - v).abs() < tol);
        prop_assert!((wigner_3j(j2, j1, j3, m2, m1, m3) - s * v).abs() < tol);
        prop_assert!((wigner_3j(j1, j2, j3, -m1, -m2, -m3) - s * v).abs() < tol);
    }
}

proptest! {
    /// Half-integer momenta: the symmetries of the 3j symbol, with the
    /// Racah sum (small j) and the recurrence (large j) on either side.
    #[test]
    fn half_integer_symmetries(t1h in 0i64..80, t2 in 0i64..160, dj in 0i64..400, r1 in 0i64..1000, r2 in 0i64..1000) {
        let t1 = 2 * t1h + 1;
        let t3_lo = (t1 - t2).abs();
        let t3 = t3_lo + 2 * (dj % ((t1 + t2 - t3_lo) / 2 + 1));
        let m1 = -t1 + 2 * (r1 % (t1 + 1));
        let m2 = -t2 + 2 * (r2 % (t2 + 1));
        let m3 = -m1 - m2;
        prop_assume!(m3.abs() <= t3);
        let v = wigner_3j_doubled(t1, t2, t3, m1, m2, m3);
        let s = if ((t1 + t2 + t3) / 2) % 2 == 0 { 1.0 } else { -1.0 };
        let tol = 1e-13;
        prop_assert!((wigner_3j_doubled(t2, t3, t1, m2, m3, m1) - v).abs() < tol);
        prop_assert!((wigner_3j_doubled(t2, t1, t3, m2, m1, m3) - s * v).abs() < tol);
        prop_assert!((wigner_3j_doubled(t1, t2, t3, -m1, -m2, -m3) - s * v).abs() < tol);
    }
}
