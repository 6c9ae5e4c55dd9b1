//! Wigner 3j, Clebsch-Gordan and Gaunt coefficients against exact rational
//! evaluation of Racah's formula, orthogonality and symmetries.

use proptest::prelude::*;
use sobolev_special::wigner::{wigner_3j_j1_range, wigner_3j_zero_m};
use sobolev_special::{clebsch_gordan, gaunt, gauss_legendre, sph_harm_y, wigner_3j};

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
