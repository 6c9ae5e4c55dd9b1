//! `J_v`, `Y_v`, their derivatives and the spherical `j_n`, `y_n` against
//! the 30-digit mpmath tables `tests/data/bessel_jy.csv` and
//! `tests/data/sph_bessel.csv` (made by `xtask/refdata/bessel_jy.py`).
//!
//! Error measure: relative, `|computed - exact| / |exact|`, on the monotone
//! side `0 <= x < v` (and for integer `v < 0` there, since
//! `J_{-n} = (-1)^n J_n`); elsewhere the absolute error scaled by the local
//! envelope, `|computed - exact| / sqrt(J^2 + Y^2)` (`sqrt(J'^2 + Y'^2)`
//! for the derivatives), which is what stays meaningful at the zeros.
//! Values past the double range must match exactly (`0`, `+-inf`).
//!
//! Run with `--nocapture` to print the per-region tables quoted in the docs.

use sobolev_special::{
    bessel_j, bessel_j_derivative, bessel_jy, bessel_y, bessel_y_derivative, spherical_bessel_j,
    spherical_bessel_j_derivative, spherical_bessel_y, spherical_bessel_y_derivative,
};

fn rows(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(|s| s.parse().unwrap()).collect())
        .collect()
}

/// The error of `c` against `e`, relative when `relative`, else scaled by
/// the envelope `m`; subnormal references are measured against the
/// smallest normal number.
fn err(c: f64, e: f64, m: f64, relative: bool) -> f64 {
    if !e.is_finite() {
        return if c == e { 0.0 } else { f64::INFINITY };
    }
    let scale = if relative { e.abs() } else { m };
    (c - e).abs() / scale.max(f64::MIN_POSITIVE)
}

const REGIONS: [&str; 4] = [
    "`max(abs(v), x) <= 50`",
    "`x > 50`, `x >= 1.1 abs(v)` (oscillatory)",
    "`abs(v) > 50`, `x <= 0.9 abs(v)` (monotone)",
    "`abs(v) > 50`, `0.9 < x/abs(v) < 1.1` (turning point)",
];

fn region(v: f64, x: f64) -> usize {
    let a = v.abs();
    if a.max(x) <= 50.0 {
        0
    } else if x >= 1.1 * a {
        1
    } else if x <= 0.9 * a {
        2
    } else {
        3
    }
}

#[derive(Default, Clone)]
struct Stats {
    n: usize,
    max: f64,
    sum: f64,
    worst: (f64, f64),
}

impl Stats {
    fn add(&mut self, e: f64, v: f64, x: f64) {
        self.n += 1;
        self.sum += e;
        if e > self.max || e.is_nan() {
            self.max = e;
            self.worst = (v, x);
        }
    }
}

fn print_table(name: &str, stats: &[Stats]) {
    println!("{name}:\n| region | points | max | mean |\n|---|---|---|---|");
    let mut all = Stats::default();
    for (r, s) in REGIONS.iter().zip(stats) {
        if s.n == 0 {
            continue;
        }
        println!(
            "| {r} | {} | {:.1e} | {:.1e} |   worst at {:?}",
            s.n,
            s.max,
            s.sum / s.n as f64,
            s.worst
        );
        all.n += s.n;
        all.sum += s.sum;
        all.max = all.max.max(s.max);
    }
    println!(
        "| all | {} | {:.1e} | {:.1e} |\n",
        all.n,
        all.max,
        all.sum / all.n as f64
    );
}

/// The error allowed at `(v, x)`: a few ulps plus the conditioning of the
/// phase and of the exponent, which grows like `eps * max(|v|, x)` (capped
/// where the phase is formed exactly in `x`).
fn bound(v: f64, x: f64) -> f64 {
    5e-14 + 8.0 * f64::EPSILON * v.abs().max(x).min(1e5)
}

#[test]
fn cylinder_functions_match_mpmath() {
    let table = rows(include_str!("data/bessel_jy.csv"));
    assert!(table.len() > 1000);
    let names = ["J", "Y", "J'", "Y'"];
    let mut stats = vec![vec![Stats::default(); 4]; 4];
    let mut failures = Vec::new();
    for r in &table {
        let (v, x) = (r[0], r[1]);
        let exact = [r[2], r[3], r[4], r[5]];
        let (m, n) = (r[6], r[7]);
        let all = bessel_jy(v, x);
        let got = [all.j, all.y, all.dj, all.dy];
        // The single-value entry points agree with the combined one (`J`
        // alone may take its power series instead, checked below).
        assert_eq!(bessel_y(v, x).to_bits(), all.y.to_bits(), "Y at {v}, {x}");
        assert_eq!(bessel_j_derivative(v, x).to_bits(), all.dj.to_bits());
        assert_eq!(bessel_y_derivative(v, x).to_bits(), all.dy.to_bits());
        let relative = x < v.abs() && (v >= 0.0 || v == v.round());
        let reg = region(v, x);
        let e = err(bessel_j(v, x), exact[0], m, relative);
        if e.is_nan() || e > bound(v, x) {
            failures.push(format!("bessel_j alone at v = {v}, x = {x}: error {e:.2e}"));
        }
        for k in 0..4 {
            let env = if k < 2 { m } else { n };
            let e = err(got[k], exact[k], env, relative);
            stats[k][reg].add(e, v, x);
            if e.is_nan() || e > bound(v, x) {
                failures.push(format!(
                    "{} at v = {v}, x = {x}: got {:e}, exact {:e}, error {e:.2e}",
                    names[k], got[k], exact[k]
                ));
            }
        }
    }
    for k in 0..4 {
        print_table(names[k], &stats[k]);
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn spherical_functions_match_mpmath() {
    let table = rows(include_str!("data/sph_bessel.csv"));
    assert!(table.len() > 200);
    let mut stats = vec![vec![Stats::default(); 4]; 4];
    let mut failures = Vec::new();
    for r in &table {
        let (n, x) = (r[0] as u32, r[1]);
        let got = [
            spherical_bessel_j(n, x),
            spherical_bessel_y(n, x),
            spherical_bessel_j_derivative(n, x),
            spherical_bessel_y_derivative(n, x),
        ];
        let relative = x < f64::from(n);
        let reg = region(f64::from(n) + 0.5, x);
        for k in 0..4 {
            let env = if k < 2 { r[6] } else { r[7] };
            let e = err(got[k], r[2 + k], env, relative);
            stats[k][reg].add(e, f64::from(n), x);
            if e.is_nan() || e > bound(f64::from(n), x) {
                failures.push(format!(
                    "spherical {k} at n = {n}, x = {x}: got {:e}, exact {:e}, error {e:.2e}",
                    got[k],
                    r[2 + k]
                ));
            }
        }
    }
    for (k, name) in ["j_n", "y_n", "j_n'", "y_n'"].iter().enumerate() {
        print_table(name, &stats[k]);
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The integer-order fast path (`v` in `{0, 1}`, `2 < x < 26`, Taylor
/// tables) on its own: envelope-relative error.
#[test]
fn integer_order_tables_match_mpmath() {
    let table = rows(include_str!("data/bessel_jy.csv"));
    let mut stats = Stats::default();
    for r in &table {
        let (v, x) = (r[0], r[1]);
        if !(v.abs() == 0.0 || v.abs() == 1.0) || x <= 2.0 || x >= 26.0 {
            continue;
        }
        let all = bessel_jy(v, x);
        for (k, got) in [all.j, all.y, all.dj, all.dy].into_iter().enumerate() {
            let env = if k < 2 { r[6] } else { r[7] };
            stats.add(err(got, r[2 + k], env, false), v, x);
        }
    }
    println!(
        "integer orders on (2, 26): {} values, max {:.1e}, mean {:.1e}",
        stats.n,
        stats.max,
        stats.sum / stats.n as f64
    );
    assert!(stats.n >= 300);
    assert!(
        stats.max < 2e-15,
        "max {:.2e} at {:?}",
        stats.max,
        stats.worst
    );
}
