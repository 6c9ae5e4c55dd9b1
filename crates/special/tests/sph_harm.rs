//! Spherical harmonics against 90-digit associated Legendre references,
//! closed forms in SciPy's convention, and the addition theorem.

use num_complex::Complex64;
use proptest::prelude::*;
use sobolev_special::orthopoly::assoc_legendre_normalized;
use sobolev_special::{Error, SphericalHarmonics, real_sph_harm, sph_harm_index, sph_harm_y};
use std::f64::consts::PI;

fn table(name: &str) -> Vec<Vec<String>> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("reference table present");
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[test]
fn normalized_legendre_matches_references_to_degree_1000() {
    let rows = table("sph_harm.csv");
    assert!(rows.len() > 300);
    let mut worst = 0.0f64;
    let plans: Vec<(usize, SphericalHarmonics)> = vec![(1000, SphericalHarmonics::new(1000))];
    let mut row_buf = vec![0.0; plans[0].1.table_len()];
    for r in &rows {
        let (l, m, x): (usize, usize, f64) = (
            r[0].parse().unwrap(),
            r[1].parse().unwrap(),
            r[2].parse().unwrap(),
        );
        let exact: f64 = r[3].parse().unwrap();
        let got = assoc_legendre_normalized(l, m, x);
        let scale = ((2 * l + 1) as f64).sqrt();
        let err = (got - exact).abs() / scale;
        // Rounding errors injected near the poles grow linearly through the
        // (nearly parabolic) recurrence: a random walk of l^1.5 eps.
        let tol = 4e-16 * (l as f64 + 8.0).powf(1.5);
        worst = worst.max(err);
        assert!(
            err < tol,
            "P̄_{l}^{m}({x}) = {got}, exact {exact} (error {err:e})"
        );
        // The table path agrees (real harmonic at phi = 0 is sqrt(2) (-1)^m P̄).
        let theta = x.acos();
        plans[0].1.real(theta, 0.0, &mut row_buf).unwrap();
        let f = if m == 0 {
            1.0
        } else if m % 2 == 0 {
            2f64.sqrt()
        } else {
            -(2f64.sqrt())
        };
        // cos(theta) after acos differs from x by an ulp; compare loosely.
        let t = row_buf[sph_harm_index(l, m as i64)] / f;
        let direct = assoc_legendre_normalized(l, m, theta.cos());
        assert!((t - direct).abs() <= 1e-14 * scale, "table {t} vs {direct}");
    }
    eprintln!("worst scaled error {worst:e}");
}

#[test]
fn low_degree_closed_forms_in_scipy_convention() {
    let (theta, phi) = (0.7f64, 1.9f64);
    let (st, ct) = theta.sin_cos();
    let e = |m: f64| Complex64::from_polar(1.0, m * phi);
    let cases = [
        (0usize, 0i64, Complex64::new(0.5 / PI.sqrt(), 0.0)),
        (1, 0, Complex64::new((3.0 / (4.0 * PI)).sqrt() * ct, 0.0)),
        (1, 1, -(3.0 / (8.0 * PI)).sqrt() * st * e(1.0)),
        (1, -1, (3.0 / (8.0 * PI)).sqrt() * st * e(-1.0)),
        (2, 2, 0.25 * (15.0 / (2.0 * PI)).sqrt() * st * st * e(2.0)),
        (2, -1, 0.5 * (15.0 / (2.0 * PI)).sqrt() * st * ct * e(-1.0)),
        (3, -3, 0.125 * (35.0 / PI).sqrt() * st.powi(3) * e(-3.0)),
    ];
    for (l, m, want) in cases {
        let got = sph_harm_y(l, m, theta, phi);
        assert!((got - want).norm() < 1e-15, "Y_{l}^{m}: {got} vs {want}");
    }
    // Real harmonics: Y_11 ∝ x, Y_1-1 ∝ y, Y_10 ∝ z.
    let c = (3.0 / (4.0 * PI)).sqrt();
    assert!((real_sph_harm(1, 1, theta, phi) - c * st * phi.cos()).abs() < 1e-15);
    assert!((real_sph_harm(1, -1, theta, phi) - c * st * phi.sin()).abs() < 1e-15);
    assert!((real_sph_harm(1, 0, theta, phi) - c * ct).abs() < 1e-15);
    assert!(sph_harm_y(2, 3, theta, phi).re.is_nan());
    assert!(real_sph_harm(2, 0, f64::NAN, phi).is_nan());
}

#[test]
fn addition_theorem_at_degree_1000() {
    let plan = SphericalHarmonics::new(1000);
    let thetas = [1e-3, 0.4, 1.5, 2.9, PI - 1e-9];
    let phis = [0.0, 1.0, 2.0, 3.0, 4.0];
    let all = plan.complex_batch(&thetas, &phis).unwrap();
    let real = plan.real_batch(&thetas, &phis).unwrap();
    let len = plan.table_len();
    for p in 0..thetas.len() {
        for l in [0usize, 1, 17, 500, 999, 1000] {
            let want = (2 * l + 1) as f64 / (4.0 * PI);
            let s: f64 = (-(l as i64)..=l as i64)
                .map(|m| all[p * len + sph_harm_index(l, m)].norm_sqr())
                .sum();
            let sr: f64 = (-(l as i64)..=l as i64)
                .map(|m| real[p * len + sph_harm_index(l, m)].powi(2))
                .sum();
            let tol = 8e-16 * (l as f64 + 8.0).powf(1.5);
            assert!(
                (s / want - 1.0).abs() < tol,
                "theta={} l={l}: {s} vs {want}",
                thetas[p]
            );
            assert!(
                (sr / want - 1.0).abs() < tol,
                "real theta={} l={l}",
                thetas[p]
            );
            assert!(
                all[p * len..(p + 1) * len]
                    .iter()
                    .all(|z| z.re.is_finite() && z.im.is_finite())
            );
        }
    }
    // Batch rows equal single-point tables and single values.
    let mut one = vec![Complex64::new(0.0, 0.0); len];
    plan.complex(thetas[1], phis[1], &mut one).unwrap();
    assert_eq!(&all[len..2 * len], &one[..]);
    let single = sph_harm_y(731, -402, thetas[1], phis[1]);
    assert!((single - one[sph_harm_index(731, -402)]).norm() < 1e-13);
}

#[test]
fn shape_errors() {
    let plan = SphericalHarmonics::new(4);
    assert!(matches!(
        plan.real(0.1, 0.2, &mut [0.0; 3]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        plan.real_batch(&[0.1], &[]),
        Err(Error::ShapeMismatch { .. })
    ));
}

proptest! {
    /// Orthonormality on a product rule (Gauss-Legendre in cos theta times
    /// the trapezoid rule in phi) for random pairs of degrees and orders.
    #[test]
    fn orthonormal_on_the_sphere(l1 in 0usize..12, l2 in 0usize..12, m1 in -12i64..12, m2 in -12i64..12) {
        prop_assume!(m1.unsigned_abs() as usize <= l1 && m2.unsigned_abs() as usize <= l2);
        let q = sobolev_special::gauss_legendre(16).unwrap();
        let nphi = 32;
        let mut s = Complex64::new(0.0, 0.0);
        for (x, w) in q.nodes.iter().zip(&q.weights) {
            for k in 0..nphi {
                let phi = 2.0 * PI * k as f64 / nphi as f64;
                let a = sph_harm_y(l1, m1, x.acos(), phi);
                let b = sph_harm_y(l2, m2, x.acos(), phi);
                s += a * b.conj() * (w * 2.0 * PI / nphi as f64);
            }
        }
        let want = if l1 == l2 && m1 == m2 { 1.0 } else { 0.0 };
        prop_assert!((s - want).norm() < 1e-13, "{s}");
    }

    /// Y_l^{-m} = (-1)^m conj(Y_l^m).
    #[test]
    fn negative_order_symmetry(l in 0usize..200, m in 0i64..200, theta in 0.0f64..PI, phi in 0.0f64..6.0) {
        prop_assume!(m as usize <= l);
        let a = sph_harm_y(l, -m, theta, phi);
        let b = sph_harm_y(l, m, theta, phi).conj() * if m % 2 == 0 { 1.0 } else { -1.0 };
        prop_assert!((a - b).norm() <= 1e-15 * (a.norm() + 1.0));
    }
}
