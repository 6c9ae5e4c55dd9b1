//! Diagnostics against ArviZ on committed fixtures
//! (`xtask/refdata/mcmc_arviz.py`).

use sobolev_samplers::diagnostics::{
    bfmi, ess_bulk, ess_mean, ess_tail, mcse_mean, mcse_quantile, rhat,
};

#[derive(serde::Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    draws: Vec<Vec<f64>>,
    rhat: f64,
    ess_bulk: f64,
    ess_tail: f64,
    ess_mean: f64,
    mcse_mean: f64,
    mcse_q25: f64,
    energy: Vec<f64>,
    bfmi: f64,
}

fn close(name: &str, what: &str, ours: f64, theirs: f64, tol: f64) {
    let rel = (ours - theirs).abs() / theirs.abs().max(1e-300);
    assert!(
        rel < tol,
        "{name} {what}: ours {ours:.17e}, ArviZ {theirs:.17e} (rel {rel:.1e})"
    );
}

#[test]
fn diagnostics_match_arviz() {
    let text = include_str!("data/arviz_diagnostics.json");
    let fixture: Fixture = serde_json::from_str(text).expect("fixture parses");
    assert!(fixture.cases.len() >= 6);
    for c in &fixture.cases {
        close(&c.name, "rhat", rhat(&c.draws), c.rhat, 1e-8);
        close(&c.name, "ess_bulk", ess_bulk(&c.draws), c.ess_bulk, 1e-8);
        close(&c.name, "ess_tail", ess_tail(&c.draws), c.ess_tail, 1e-8);
        close(&c.name, "ess_mean", ess_mean(&c.draws), c.ess_mean, 1e-8);
        close(&c.name, "mcse_mean", mcse_mean(&c.draws), c.mcse_mean, 1e-8);
        close(
            &c.name,
            "mcse_q25",
            mcse_quantile(&c.draws, 0.25),
            c.mcse_q25,
            1e-8,
        );
        close(&c.name, "bfmi", bfmi(&c.energy), c.bfmi, 1e-8);
    }
}

#[test]
fn undefined_cases_are_nan() {
    assert!(rhat(&[vec![1.0, 2.0, 3.0, 4.0, 5.0]]).is_nan());
    assert!(ess_bulk(&[vec![1.0, 2.0]]).is_nan());
    assert!(ess_bulk(&[vec![1.0, f64::NAN, 3.0, 4.0, 5.0]]).is_nan());
    assert!(rhat(&[]).is_nan());
    assert!(bfmi(&[1.0]).is_nan());
}
