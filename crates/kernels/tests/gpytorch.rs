//! ExactGp and SparseGp against GPyTorch (fixtures from
//! xtask/refdata/gp_gpytorch.py): ExactGP with ScaleKernel over RBF and
//! Matern 1/2, 3/2, 5/2 (one ARD case) and a GaussianLikelihood, and two
//! SGPR (InducingPointKernel) cases (RBF, ARD Matern 5/2), all in float64
//! with Cholesky solves, at fixed hyperparameters.
//!
//! The fixture is already in our terms: the log marginal likelihood times N
//! (GPyTorch's ExactMarginalLogLikelihood divides by N), gradients in our
//! log-hyperparameters (variance, lengthscale(s), noise variance), the
//! hyperparameters as GPyTorch holds them after its softplus round trip.
//! SGPR predictions come from GPyTorch with its FITC-like diagonal correction
//! off, so the mean is Titsias's; GPyTorch then returns the DTC variance, and
//! the fixture's `var_f` adds back `k_** - q_**` (both diagonals evaluated by
//! GPyTorch) to give Titsias's predictive variance, which SparseGp returns.
//!
//! Tolerance. GPyTorch forms squared distances as `|x|^2 + |x'|^2 - 2 x.x'`
//! (after centring the inputs for Matern), which loses about
//! `eps |x|^2 / r^2` relative in each kernel entry against our direct
//! differences; the Cholesky solves amplify that by the condition number of
//! `K + s_n^2 I` (up to ~1e3 here). So agreement is expected near 1e-12,
//! not 1e-15: measured worst is 7e-13, in matern12_1d, whose closest pair of
//! inputs is 2.6e-4 apart; there a 40-digit mpmath evaluation of the log
//! marginal likelihood differs from GPyTorch's by 5.7e-13 and from ours by
//! under 1e-15, so the gap is GPyTorch's rounding. The assertions use 1e-10: relative for the likelihood and
//! variances, relative to the largest component for gradients, and relative
//! to `max(|mean|, 1)` for means. Neither side adds jitter: ours reports 0,
//! and the script turns GPyTorch's jitter warnings into errors.

use sobolev_kernels::kernel::{Gaussian, Matern12, Matern32, Matern52, Stationary};
use sobolev_kernels::{ExactGp, GaussianProcess, Kernel, Points, SparseGp};

const TOL: f64 = 1e-10;

#[path = "common/gp_fixture.rs"]
mod gp_fixture;
use gp_fixture::{Case, rel};

fn load() -> Vec<Case> {
    gp_fixture::load("gp_gpytorch.txt")
}

/// Largest error of `got` against `want`, relative to `want`'s largest entry.
fn rel_vec(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    got.iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs() / scale)
        .fold(0.0, f64::max)
}

fn mean_err(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs() / w.abs().max(1.0))
        .fold(0.0, f64::max)
}

/// The kernel with GPyTorch's hyperparameters and the noise variance.
fn with_params<K: Kernel>(mut kernel: K, params: &[f64]) -> (K, f64) {
    let np = kernel.num_params();
    assert_eq!(np + 1, params.len());
    let logs: Vec<f64> = params[..np].iter().map(|p| p.ln()).collect();
    kernel.set_log_params(&logs).unwrap();
    (kernel, params[np])
}

/// Worst errors (likelihood, gradient, mean, latent variance, noisy variance).
fn check_exact<K: Kernel + Clone>(case: &Case, kernel: K) -> [f64; 5] {
    let f = &case.fields;
    let x = Points::new(f["x"].clone(), case.d).unwrap();
    let xs = Points::new(f["xs"].clone(), case.d).unwrap();
    let (kernel, noise) = with_params(kernel, &f["params"]);
    let gp = ExactGp::new(kernel, noise, x, f["y"].clone()).unwrap();
    assert_eq!(gp.jitter(), 0.0);
    let pred = gp.predict(&xs).unwrap();
    let var_f = pred
        .variance
        .iter()
        .zip(&f["var_f"])
        .map(|(v, w)| rel(*v, *w))
        .fold(0.0, f64::max);
    let var_y = pred
        .variance
        .iter()
        .zip(&f["var_y"])
        .map(|(v, w)| rel(v + noise, *w))
        .fold(0.0, f64::max);
    [
        rel(gp.log_marginal_likelihood(), f["lml"][0]),
        rel_vec(&gp.log_marginal_likelihood_gradient(), &f["grad"]),
        mean_err(&pred.mean, &f["mean"]),
        var_f,
        var_y,
    ]
}

#[test]
fn exact_gp_matches_gpytorch() {
    let cases = load();
    let mut seen = 0;
    for case in cases.iter().filter(|c| !c.name.starts_with("sgpr")) {
        let errs = match case.name.as_str() {
            "rbf_2d" => check_exact(case, Stationary::new(Gaussian, 1.0, 1.0).unwrap()),
            "matern12_1d" => check_exact(case, Stationary::new(Matern12, 1.0, 1.0).unwrap()),
            "matern32_1d" => check_exact(case, Stationary::new(Matern32, 1.0, 1.0).unwrap()),
            "matern52_ard" => {
                check_exact(case, Stationary::ard(Matern52, 1.0, vec![1.0; 3]).unwrap())
            }
            other => panic!("unknown case {other}"),
        };
        eprintln!(
            "{:<13} lml {:.1e} grad {:.1e} mean {:.1e} var_f {:.1e} var_y {:.1e}",
            case.name, errs[0], errs[1], errs[2], errs[3], errs[4]
        );
        for (what, e) in ["lml", "grad", "mean", "var_f", "var_y"].iter().zip(errs) {
            assert!(e < TOL, "{} {what}: {e:e}", case.name);
        }
        seen += 1;
    }
    assert_eq!(seen, 4);
}

/// Worst errors (bound, gradient, inducing-input gradient, mean, variance).
fn check_sparse<K: Kernel + Clone>(case: &Case, kernel: K) -> [f64; 5] {
    let f = &case.fields;
    let x = Points::new(f["x"].clone(), case.d).unwrap();
    let xs = Points::new(f["xs"].clone(), case.d).unwrap();
    let z = Points::new(f["z"].clone(), case.d).unwrap();
    let (kernel, noise) = with_params(kernel, &f["params"]);
    let gp = SparseGp::new(kernel, noise, x, f["y"].clone(), z).unwrap();
    assert_eq!(gp.jitter(), 0.0);
    let pred = gp.predict(&xs).unwrap();
    [
        rel(gp.log_marginal_likelihood(), f["lml"][0]),
        rel_vec(&gp.log_marginal_likelihood_gradient().unwrap(), &f["grad"]),
        rel_vec(&gp.inducing_gradient().unwrap(), &f["grad_z"]),
        mean_err(&pred.mean, &f["mean"]),
        pred.variance
            .iter()
            .zip(&f["var_f"])
            .map(|(v, w)| rel(*v, *w))
            .fold(0.0, f64::max),
    ]
}

#[test]
fn sparse_gp_matches_gpytorch_sgpr() {
    let cases = load();
    let mut seen = 0;
    for case in cases.iter().filter(|c| c.name.starts_with("sgpr")) {
        let errs = match case.name.as_str() {
            "sgpr_rbf_2d" => check_sparse(case, Stationary::new(Gaussian, 1.0, 1.0).unwrap()),
            "sgpr_matern52_ard" => {
                check_sparse(case, Stationary::ard(Matern52, 1.0, vec![1.0; 3]).unwrap())
            }
            other => panic!("unknown case {other}"),
        };
        eprintln!(
            "{:<17} bound {:.1e} grad {:.1e} grad_z {:.1e} mean {:.1e} var_f {:.1e}",
            case.name, errs[0], errs[1], errs[2], errs[3], errs[4]
        );
        let names = ["bound", "grad", "grad_z", "mean", "var_f"];
        for (what, e) in names.iter().zip(errs) {
            assert!(e < TOL, "{} {what}: {e:e}", case.name);
        }
        seen += 1;
    }
    assert_eq!(seen, 2);
}
