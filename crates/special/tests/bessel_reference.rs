//! `ln I_v`, `ln K_v` and `I_{v+1}/I_v` against the 50-digit mpmath table
//! `tests/data/log_bessel.csv` (made by `xtask/refdata/bessel.py`), with the
//! error measure `|computed - exact| / max(1, |exact|)`.
//!
//! Run with `--nocapture` to see the per-region accuracy tables quoted in
//! the docs.

use sobolev_special::bessel::{log_bessel_i_slice, log_bessel_k_slice};
use sobolev_special::{bessel_i_ratio, log_bessel_i, log_bessel_k};

struct Row {
    v: f64,
    x: f64,
    ln_i: (f64, f64),
    ln_k: (f64, f64),
    ratio: (f64, f64),
}

fn table() -> Vec<Row> {
    let text = include_str!("data/log_bessel.csv");
    text.lines()
        .skip(1)
        .map(|line| {
            let c: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
            Row {
                v: c[0],
                x: c[1],
                ln_i: (c[2], c[3]),
                ln_k: (c[4], c[5]),
                ratio: (c[6], c[7]),
            }
        })
        .collect()
}

/// `|computed - (hi + lo)| / max(1, |hi|)`; `computed - hi` is exact when
/// the two are close (Sterbenz), so sub-ulp errors are resolved.
fn err(computed: f64, exact: (f64, f64)) -> f64 {
    ((computed - exact.0) - exact.1).abs() / exact.0.abs().max(1.0)
}

/// Relative error, for the ratio.
fn rel(computed: f64, exact: (f64, f64)) -> f64 {
    ((computed - exact.0) - exact.1).abs() / exact.0.abs()
}

const REGIONS: [&str; 4] = [
    "sqrt(v^2+x^2) < 30",
    "30 <= sqrt(v^2+x^2) < 1e3",
    "sqrt(v^2+x^2) >= 1e3, |x/v - 0.66| > 0.2",
    "sqrt(v^2+x^2) >= 1e3, |x/v - 0.66| <= 0.2",
];

fn region(v: f64, x: f64) -> usize {
    let r = v.hypot(x);
    if r < 30.0 {
        0
    } else if r < 1e3 {
        1
    } else if (x / v - 0.66).abs() > 0.2 {
        2
    } else {
        3
    }
}

fn median(mut e: Vec<f64>) -> f64 {
    e.sort_by(f64::total_cmp);
    e[e.len() / 2]
}

/// Prints the Boost-style table and returns (median, max) over all rows.
fn report(name: &str, rows: &[Row], errors: &[f64]) -> (f64, f64) {
    println!("\n{name}: {} points", rows.len());
    println!("| region | points | max | mean |\n|---|---|---|---|");
    for (k, label) in REGIONS.iter().enumerate() {
        let e: Vec<f64> = rows
            .iter()
            .zip(errors)
            .filter(|(r, _)| region(r.v, r.x) == k)
            .map(|(_, &e)| e)
            .collect();
        if e.is_empty() {
            continue;
        }
        let max = e.iter().cloned().fold(0.0, f64::max);
        let mean = e.iter().sum::<f64>() / e.len() as f64;
        println!("| {label} | {} | {max:.2e} | {mean:.2e} |", e.len());
    }
    let max = errors.iter().cloned().fold(0.0, f64::max);
    let med = median(errors.to_vec());
    println!("| all | {} | {max:.2e} | median {med:.2e} |", errors.len());
    (med, max)
}

fn check(name: &str, f: fn(f64, f64) -> f64, pick: fn(&Row) -> (f64, f64)) {
    let rows = table();
    let got: Vec<f64> = rows.iter().map(|r| f(r.v, r.x)).collect();
    check_values(name, &rows, &got, pick);
}

/// The slice form over the whole table at once.
fn check_slice(name: &str, slice: Slice, pick: fn(&Row) -> (f64, f64)) {
    let rows = table();
    let v: Vec<f64> = rows.iter().map(|r| r.v).collect();
    let x: Vec<f64> = rows.iter().map(|r| r.x).collect();
    let mut got = vec![0.0; rows.len()];
    slice(&v, &x, &mut got).unwrap();
    let max = check_values(name, &rows, &got, pick);
    // The lanes' own logarithm must not cost accuracy against the scalar
    // functions (both at most 2.24e-15 on this table).
    assert!(max <= 2.5e-15, "{name}: max error {max:e}");
}

type Slice = fn(&[f64], &[f64], &mut [f64]) -> sobolev_special::Result<()>;

/// Checks the values against the table and returns the largest error.
fn check_values(name: &str, rows: &[Row], values: &[f64], pick: fn(&Row) -> (f64, f64)) -> f64 {
    assert!(rows.len() > 1000);
    let mut worst = (0.0, 0.0, 0.0);
    let errors: Vec<f64> = rows
        .iter()
        .zip(values)
        .map(|(r, &got)| {
            assert!(
                got.is_finite(),
                "{name}({}, {}) = {got}, exact {}",
                r.v,
                r.x,
                pick(r).0
            );
            let e = err(got, pick(r));
            if e > worst.0 {
                worst = (e, r.v, r.x);
            }
            e
        })
        .collect();
    let (med, max) = report(name, rows, &errors);
    println!("worst at v = {}, x = {}", worst.1, worst.2);
    assert!(med < 2.2e-16, "{name}: median error {med:e}");
    assert!(
        max < 1e-14,
        "{name}: max error {max:e} at v = {}, x = {}",
        worst.1,
        worst.2
    );
    max
}

#[test]
fn log_bessel_i_matches_mpmath() {
    check("ln I_v(x)", log_bessel_i, |r| r.ln_i);
}

#[test]
fn log_bessel_k_matches_mpmath() {
    check("ln K_v(x)", log_bessel_k, |r| r.ln_k);
}

#[test]
fn log_bessel_i_slice_matches_mpmath() {
    check_slice("ln I_v(x), slice", log_bessel_i_slice, |r| r.ln_i);
}

#[test]
fn log_bessel_k_slice_matches_mpmath() {
    check_slice("ln K_v(x), slice", log_bessel_k_slice, |r| r.ln_k);
}

#[test]
fn bessel_i_ratio_matches_mpmath() {
    let rows = table();
    let errors: Vec<f64> = rows
        .iter()
        .filter(|r| r.ratio.0 > 0.0)
        .map(|r| rel(bessel_i_ratio(r.v, r.x), r.ratio))
        .collect();
    let max = errors.iter().cloned().fold(0.0, f64::max);
    let med = median(errors.clone());
    println!(
        "I_(v+1)/I_v: {} points, relative error max {max:.2e}, median {med:.2e}",
        errors.len()
    );
    assert!(max < 1e-14, "ratio max relative error {max:e}");
    assert!(med < 2.2e-16, "ratio median relative error {med:e}");
}
