//! Hyperparameter fitting: maximise the log marginal likelihood over
//! log-hyperparameters with L-BFGS (Nocedal & Wright, *Numerical
//! Optimization*, 2nd ed., 2006, alg. 7.5) and a More-Thuente line search,
//! both from argmin. Every GP model supplies the negative log marginal
//! likelihood and its analytic gradient through a private objective type.

use crate::kernel::Kernel;
use crate::{Error, Result};
use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// Options of the L-BFGS hyperparameter search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// Maximum number of L-BFGS iterations.
    pub max_iters: u64,
    /// Stop when the norm of the gradient of the log marginal likelihood
    /// per observation falls below this.
    pub grad_tol: f64,
    /// L-BFGS memory (number of stored correction pairs).
    pub memory: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            max_iters: 200,
            grad_tol: 1e-6,
            memory: 10,
        }
    }
}

/// Summary of a hyperparameter search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Iterations taken.
    pub iterations: u64,
    /// Log marginal likelihood at the optimum.
    pub log_marginal_likelihood: f64,
    /// The optimal log-hyperparameters.
    pub log_params: Vec<f64>,
    /// Why the optimiser stopped, in argmin's words.
    pub termination: String,
}

/// A negative log marginal likelihood with its gradient in log-hyperparameters.
pub(crate) trait Objective: Sync {
    /// `(-lml, -d lml / d log theta)`.
    fn neg_lml_and_grad(&self, log_params: &[f64]) -> Result<(f64, Vec<f64>)>;
}

/// The last evaluation: parameters, cost and gradient.
type Cached = Option<(Vec<f64>, f64, Vec<f64>)>;

struct Problem<'a, O> {
    objective: &'a O,
    /// The objective is divided by this (the number of observations), so
    /// that gradients are O(1) and L-BFGS's first, unscaled step is sane.
    scale: f64,
    cache: Mutex<Cached>,
}

impl<O: Objective> Problem<'_, O> {
    fn eval(&self, p: &[f64]) -> std::result::Result<(f64, Vec<f64>), argmin::core::Error> {
        if let Ok(guard) = self.cache.lock()
            && let Some((q, c, g)) = guard.as_ref()
            && q.as_slice() == p
        {
            return Ok((*c, g.clone()));
        }
        let (c, g) = self
            .objective
            .neg_lml_and_grad(p)
            .map_err(argmin::core::Error::new)?;
        let c = c / self.scale;
        let g: Vec<f64> = g.into_iter().map(|v| v / self.scale).collect();
        if let Ok(mut guard) = self.cache.lock() {
            *guard = Some((p.to_vec(), c, g.clone()));
        }
        Ok((c, g))
    }
}

impl<O: Objective> CostFunction for Problem<'_, O> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.eval(p)?.0)
    }
}

impl<O: Objective> Gradient for Problem<'_, O> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        Ok(self.eval(p)?.1)
    }
}

/// Minimises the objective from `init`.
///
/// The search runs on `-lml / n_obs`; `grad_tol` applies to that scaled
/// gradient.
pub(crate) fn maximise_lml<O: Objective>(
    objective: &O,
    init: Vec<f64>,
    n_obs: usize,
    options: &FitOptions,
) -> Result<FitReport> {
    if options.grad_tol.is_nan() || options.grad_tol <= 0.0 || options.memory == 0 {
        return Err(Error::InvalidArgument(
            "fit options need grad_tol > 0 and memory >= 1".into(),
        ));
    }
    // Fail early, with our own error, when the starting point is infeasible.
    objective.neg_lml_and_grad(&init)?;
    let scale = n_obs.max(1) as f64;
    let problem = Problem {
        objective,
        scale,
        cache: Mutex::new(None),
    };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), options.memory)
        .with_tolerance_grad(options.grad_tol)
        .and_then(|s| s.with_tolerance_cost(1e-12))
        .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    let result = Executor::new(problem, solver)
        .configure(|s| s.param(init).max_iters(options.max_iters))
        .run()
        .map_err(|e| Error::InvalidArgument(format!("hyperparameter search failed: {e}")))?;
    let state = result.state();
    let best = state
        .get_best_param()
        .cloned()
        .ok_or_else(|| Error::NotConverged {
            method: "L-BFGS",
            iterations: state.get_iter() as usize,
            residual: f64::NAN,
        })?;
    Ok(FitReport {
        iterations: state.get_iter(),
        log_marginal_likelihood: -state.get_best_cost() * scale,
        log_params: best,
        termination: format!("{:?}", state.get_termination_status()),
    })
}

/// The kernel at the leading log-hyperparameters of `log_params` and the
/// trailing ones (the model's own: log noise variance, ...), after checking
/// that there are `extra` of those.
pub(crate) fn split_log_params<'a, K: Kernel + Clone>(
    kernel: &K,
    log_params: &'a [f64],
    extra: usize,
    context: &'static str,
) -> Result<(K, &'a [f64])> {
    let np = kernel.num_params();
    crate::kernel::check_log_params(log_params, np + extra, context)?;
    let mut kernel = kernel.clone();
    kernel.set_log_params(&log_params[..np])?;
    Ok((kernel, &log_params[np..]))
}

/// The kernel's log-hyperparameters followed by the model's own.
pub(crate) fn join_log_params<K: Kernel>(kernel: &K, own: &[f64]) -> Vec<f64> {
    let mut p = kernel.log_params();
    p.extend_from_slice(own);
    p
}
