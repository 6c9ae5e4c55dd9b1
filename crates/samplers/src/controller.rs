//! Step-size control: the proportional-integral (PI) controller.
//!
//! Given a local error estimate `e` of an embedded pair whose error is of
//! order `k` (the lower order plus one), the scaled error norm is the RMS of
//! `e_i / (atol + rtol max(|y_i|, |y_new_i|))`; a step is accepted when the
//! norm is at most one. The next step is
//! `h_new = h * safety * err_n^(-beta1/k) * err_{n-1}^(beta2/k)`, clamped to
//! `[factor_min, factor_max]`: the integral term `err_n^(-beta1/k)` is the
//! classical asymptotic rule, and the proportional term damps oscillation of
//! the step size. Gustafsson (1991), and Hairer and Wanner, *Solving ODEs
//! II*, IV.2; the norm and the initial-step heuristic are those of Hairer,
//! Norsett and Wanner, *Solving ODEs I*, II.4, as in SciPy's `solve_ivp`.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// A PI step-size controller with relative and absolute tolerances.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PiController {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Integral gain (multiplies `1/k`); 0.7 by default.
    pub beta1: f64,
    /// Proportional gain (multiplies `1/k`); 0.4 by default, 0 gives the
    /// classical integral controller.
    pub beta2: f64,
    /// Safety factor on every proposal.
    pub safety: f64,
    /// Smallest factor by which a step may shrink.
    pub factor_min: f64,
    /// Largest factor by which a step may grow.
    pub factor_max: f64,
    /// Initial step; `None` selects it from the problem (one extra evaluation).
    pub h0: Option<f64>,
    /// Largest allowed step magnitude.
    pub h_max: f64,
}

impl PiController {
    /// A controller with the given tolerances and the default gains.
    pub fn new(rtol: f64, atol: f64) -> Self {
        Self {
            rtol,
            atol,
            beta1: 0.7,
            beta2: 0.4,
            safety: 0.9,
            factor_min: 0.2,
            factor_max: 10.0,
            h0: None,
            h_max: f64::INFINITY,
        }
    }

    /// Checks that the tolerances and gains are usable.
    pub fn validate(&self) -> Result<()> {
        let ok = self.rtol >= 0.0
            && self.atol >= 0.0
            && (self.rtol > 0.0 || self.atol > 0.0)
            && self.rtol.is_finite()
            && self.atol.is_finite()
            && self.safety > 0.0
            && self.factor_min > 0.0
            && self.factor_min <= 1.0
            && self.factor_max >= 1.0
            && self.beta1.is_finite()
            && self.beta2.is_finite()
            && self.h_max > 0.0
            && self.h0.is_none_or(|h| h.is_finite() && h > 0.0);
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "PI controller settings out of range: {self:?}"
            )))
        }
    }

    /// The scaled RMS norm of `err` relative to the states `y0` and `y1`.
    pub fn error_norm(&self, y0: &[f64], y1: &[f64], err: &[f64]) -> f64 {
        let n = err.len().max(1) as f64;
        let s: f64 = y0
            .iter()
            .zip(y1)
            .zip(err)
            .map(|((a, b), e)| {
                let sc = self.atol + self.rtol * a.abs().max(b.abs());
                (e / sc) * (e / sc)
            })
            .sum();
        (s / n).sqrt()
    }

    /// The scaled RMS norm of a single vector `v` relative to `y`.
    pub fn scaled_norm(&self, y: &[f64], v: &[f64]) -> f64 {
        self.error_norm(y, y, v)
    }

    /// Decides on a step with scaled error `err_norm` for an error estimate
    /// of order `k`, given the last accepted error `prev_norm`: returns
    /// whether to accept and the factor for the next (or retried) step.
    pub fn decide(&self, err_norm: f64, prev_norm: f64, k: u32) -> (bool, f64) {
        self.decide_with_order(err_norm, prev_norm, f64::from(k.max(1)))
    }

    /// As [`decide`](Self::decide) for an error estimate of fractional
    /// order `k >= 1` (stochastic methods: a local error of `O(h^{3/2})` has
    /// `k = 1.5`).
    pub fn decide_with_order(&self, err_norm: f64, prev_norm: f64, k: f64) -> (bool, f64) {
        let k = if k.is_finite() { k.max(1.0) } else { 1.0 };
        if !err_norm.is_finite() {
            return (false, self.factor_min);
        }
        if err_norm <= 1.0 {
            let e = err_norm.max(1e-10);
            let p = prev_norm.max(1e-10);
            let f = self.safety * e.powf(-self.beta1 / k) * p.powf(self.beta2 / k);
            (true, f.clamp(self.factor_min, self.factor_max))
        } else {
            let f = self.safety * err_norm.powf(-1.0 / k);
            (false, f.clamp(self.factor_min, 1.0))
        }
    }
}
