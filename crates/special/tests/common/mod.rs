//! Reading the mpmath reference tables and summarising errors per region.
#![allow(dead_code)] // each test binary uses part of this module

use std::collections::BTreeMap;

/// One reference row: function, region, up to three arguments and the
/// exact value as `hi + lo`.
pub(crate) struct Row {
    pub(crate) func: String,
    pub(crate) region: String,
    pub(crate) args: [f64; 3],
    pub(crate) hi: f64,
    pub(crate) lo: f64,
}

/// Parses `tests/data/<name>`.
pub(crate) fn read_table(name: &str) -> Vec<Row> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 7, "bad row {l}");
            let num = |s: &str| {
                s.parse::<f64>()
                    .unwrap_or_else(|_| panic!("bad number {s}"))
            };
            Row {
                func: f[0].to_string(),
                region: f[1].to_string(),
                args: [num(f[2]), num(f[3]), num(f[4])],
                hi: num(f[5]),
                lo: num(f[6]),
            }
        })
        .collect()
}

/// Relative error of `computed` against `hi + lo`, measured without
/// rounding the reference: `|(computed - hi) - lo| / |hi|`. When the
/// reference is not finite the result must match it exactly (error 0 or
/// infinite).
pub(crate) fn rel_error(computed: f64, hi: f64, lo: f64) -> f64 {
    if !hi.is_finite() {
        return if computed == hi { 0.0 } else { f64::INFINITY };
    }
    if hi == 0.0 {
        return computed.abs();
    }
    if !computed.is_finite() {
        return f64::INFINITY;
    }
    // Subnormal results carry fewer bits: measure them against the
    // smallest normal number.
    ((computed - hi) - lo).abs() / hi.abs().max(f64::MIN_POSITIVE)
}

/// Error in the mixed measure `|computed - exact| / max(1, |exact|)`.
pub(crate) fn mixed_error(computed: f64, hi: f64, lo: f64) -> f64 {
    if !hi.is_finite() {
        return if computed == hi { 0.0 } else { f64::INFINITY };
    }
    if !computed.is_finite() {
        return f64::INFINITY;
    }
    ((computed - hi) - lo).abs() / hi.abs().max(1.0)
}

/// Max and mean error per `(function, region)`, in units of `f64::EPSILON`.
#[derive(Default)]
pub(crate) struct Stats {
    cells: BTreeMap<(String, String), (f64, f64, usize, String)>,
}

impl Stats {
    pub(crate) fn add(&mut self, func: &str, region: &str, err: f64, what: String) {
        let e = err / f64::EPSILON;
        let cell = self
            .cells
            .entry((func.to_string(), region.to_string()))
            .or_insert((0.0, 0.0, 0, String::new()));
        if e > cell.0 || e.is_nan() {
            cell.0 = if e.is_nan() { f64::INFINITY } else { e };
            cell.3 = what;
        }
        cell.1 += e;
        cell.2 += 1;
    }

    /// Prints the table (visible with `--nocapture`) and checks each cell
    /// against `limit(func, region) -> (max_eps, mean_eps)`.
    pub(crate) fn check(&self, limit: impl Fn(&str, &str) -> (f64, f64)) {
        let mut failures = Vec::new();
        println!("| function | region | n | max (eps) | mean (eps) |");
        println!("|---|---|---|---|---|");
        for ((func, region), (max, sum, n, worst)) in &self.cells {
            let mean = sum / *n as f64;
            println!("| `{func}` | {region} | {n} | {max:.2} | {mean:.2} |");
            let (lmax, lmean) = limit(func, region);
            if !(*max <= lmax && mean <= lmean) {
                failures.push(format!(
                    "{func} {region}: max {max:.2} eps (limit {lmax}), mean {mean:.2} (limit {lmean}); worst at {worst}"
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "accuracy limits exceeded:\n{}",
            failures.join("\n")
        );
    }
}
