//! Reader for the GP fixture tables written by xtask/refdata/gp_sklearn.py
//! and gp_gpytorch.py: a `case <name>` line opens a case, every other
//! line is `<field> <numbers...>`, `dims <d>` gives the input dimension,
//! and `#` lines are comments.

use std::collections::HashMap;

/// One fixture case: its name, input dimension and numeric fields.
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) d: usize,
    pub(crate) fields: HashMap<String, Vec<f64>>,
}

/// The cases of `tests/data/<file>`.
pub(crate) fn load(file: &str) -> Vec<Case> {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut cases: Vec<Case> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut it = line.split_whitespace();
        let key = it.next().unwrap();
        if key == "case" {
            cases.push(Case {
                name: it.next().unwrap().into(),
                d: 0,
                fields: HashMap::new(),
            });
            continue;
        }
        let v: Vec<f64> = it.map(|s| s.parse().unwrap()).collect();
        let c = cases.last_mut().unwrap();
        if key == "dims" {
            c.d = v[0] as usize;
        }
        c.fields.insert(key.into(), v);
    }
    cases
}

/// `|a - b| / |b|`.
pub(crate) fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}
