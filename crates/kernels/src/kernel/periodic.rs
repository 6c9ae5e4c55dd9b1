//! Periodic and cosine kernels.
//!
//! `Periodic` (MacKay 1998): `k = s exp(-2 sum_i sin^2(pi (x_i - y_i) / p) / l^2)`,
//! the Gaussian kernel applied to the embedding
//! `x_i -> (cos, sin)(2 pi x_i / p)`: a product of one-dimensional periodic
//! kernels, so positive definite in every dimension. In one dimension it is
//! scikit-learn's `ExpSineSquared`; for `d > 1` that kernel uses the
//! Euclidean distance inside the sine and is not positive semi-definite
//! (the Gram-matrix test in tests/kernels.rs finds negative eigenvalues of
//! order 10), so this per-coordinate form is used instead. With
//! `a = pi / p`, `c = 2 / l^2` and `g_i = -c a sin(2 a d_i)`:
//! `dk/dx_i = k g_i`, `d^2k/dx_i dx_j = k (g_i g_j - 2 c a^2 cos(2 a d_i) delta_ij)`.
//! `Cosine`: `k = s cos(2 pi sum_i (x_i - y_i) / p_i)`, the kernel of a
//! spectral measure at the two frequencies `+-(1/p_i)_i` (rank two, positive
//! semi-definite in every dimension).

use super::{Kernel, check_log_params, check_positive};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

fn check_len(out: &[f64], want: usize, context: &'static str) -> Result<()> {
    if out.len() != want {
        return Err(Error::ShapeMismatch {
            context,
            expected: format!("{want} entries"),
            got: format!("{}", out.len()),
        });
    }
    Ok(())
}

/// `k(x, y) = variance * exp(-2 sum_i sin^2(pi (x_i - y_i) / period) / lengthscale^2)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Periodic {
    variance: f64,
    lengthscale: f64,
    period: f64,
}

impl Periodic {
    /// `InvalidArgument` unless all three are finite and positive.
    pub fn new(variance: f64, lengthscale: f64, period: f64) -> Result<Self> {
        Ok(Self {
            variance: check_positive(variance, "periodic kernel variance")?,
            lengthscale: check_positive(lengthscale, "periodic kernel lengthscale")?,
            period: check_positive(period, "periodic kernel period")?,
        })
    }

    /// `sum_i sin^2(a (x_i - y_i))` with `a = pi / period`.
    fn sum_sin2(&self, x: &[f64], y: &[f64]) -> f64 {
        let a = PI / self.period;
        x.iter()
            .zip(y)
            .map(|(u, v)| {
                let s = (a * (u - v)).sin();
                s * s
            })
            .sum()
    }

    fn hess(&self, x: &[f64], y: &[f64], out: &mut [f64], sign: f64) -> Result<()> {
        let n = x.len();
        check_len(out, n * n, "kernel Hessian")?;
        let a = PI / self.period;
        let c = 2.0 / (self.lengthscale * self.lengthscale);
        let k = self.eval(x, y);
        for i in 0..n {
            let gi = -c * a * (2.0 * a * (x[i] - y[i])).sin();
            for j in 0..n {
                let gj = -c * a * (2.0 * a * (x[j] - y[j])).sin();
                let mut h = k * gi * gj;
                if i == j {
                    h -= k * c * 2.0 * a * a * (2.0 * a * (x[i] - y[i])).cos();
                }
                out[i * n + j] = sign * h;
            }
        }
        Ok(())
    }
}

impl Kernel for Periodic {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        self.variance * (-2.0 * self.sum_sin2(x, y) / (self.lengthscale * self.lengthscale)).exp()
    }
    fn num_params(&self) -> usize {
        3
    }
    fn log_params(&self) -> Vec<f64> {
        vec![self.variance.ln(), self.lengthscale.ln(), self.period.ln()]
    }
    fn set_log_params(&mut self, p: &[f64]) -> Result<()> {
        check_log_params(p, 3, "periodic kernel log-hyperparameters")?;
        self.variance = p[0].exp();
        self.lengthscale = p[1].exp();
        self.period = p[2].exp();
        Ok(())
    }
    fn param_names(&self) -> Vec<String> {
        vec!["variance".into(), "lengthscale".into(), "period".into()]
    }
    fn eval_with_grad(&self, x: &[f64], y: &[f64], grad: &mut [f64]) -> f64 {
        let a = PI / self.period;
        let c = 2.0 / (self.lengthscale * self.lengthscale);
        let k = self.variance * (-c * self.sum_sin2(x, y)).exp();
        grad[0] = k;
        grad[1] = 2.0 * k * c * self.sum_sin2(x, y);
        let t: f64 = x
            .iter()
            .zip(y)
            .map(|(u, v)| a * (u - v) * (2.0 * a * (u - v)).sin())
            .sum();
        grad[2] = k * c * t;
        k
    }
    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len(), "kernel gradient")?;
        let a = PI / self.period;
        let c = 2.0 / (self.lengthscale * self.lengthscale);
        let k = self.eval(x, y);
        for i in 0..x.len() {
            out[i] = -k * c * a * (2.0 * a * (x[i] - y[i])).sin();
        }
        Ok(())
    }
    fn hess_xy(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.hess(x, y, out, -1.0)
    }
    fn hess_xx(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.hess(x, y, out, 1.0)
    }
}

/// `k(x, y) = variance * cos(2 pi sum_i (x_i - y_i) / period_i)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cosine {
    variance: f64,
    periods: Vec<f64>,
}

impl Cosine {
    /// One period per dimension. `InvalidArgument` unless all are positive.
    pub fn new(variance: f64, periods: Vec<f64>) -> Result<Self> {
        if periods.is_empty() {
            return Err(Error::Empty("cosine kernel periods"));
        }
        for &p in &periods {
            check_positive(p, "cosine kernel period")?;
        }
        Ok(Self {
            variance: check_positive(variance, "cosine kernel variance")?,
            periods,
        })
    }

    fn phase(&self, x: &[f64], y: &[f64]) -> f64 {
        2.0 * PI
            * x.iter()
                .zip(y)
                .zip(&self.periods)
                .map(|((a, b), p)| (a - b) / p)
                .sum::<f64>()
    }
}

impl Kernel for Cosine {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        self.variance * self.phase(x, y).cos()
    }
    fn num_params(&self) -> usize {
        1 + self.periods.len()
    }
    fn log_params(&self) -> Vec<f64> {
        let mut p = vec![self.variance.ln()];
        p.extend(self.periods.iter().map(|v| v.ln()));
        p
    }
    fn set_log_params(&mut self, p: &[f64]) -> Result<()> {
        check_log_params(p, self.num_params(), "cosine kernel log-hyperparameters")?;
        self.variance = p[0].exp();
        for (q, v) in self.periods.iter_mut().zip(&p[1..]) {
            *q = v.exp();
        }
        Ok(())
    }
    fn param_names(&self) -> Vec<String> {
        let mut n = vec!["variance".to_string()];
        n.extend((0..self.periods.len()).map(|i| format!("period[{i}]")));
        n
    }
    fn eval_with_grad(&self, x: &[f64], y: &[f64], grad: &mut [f64]) -> f64 {
        let t = self.phase(x, y);
        let k = self.variance * t.cos();
        grad[0] = k;
        let s = self.variance * t.sin();
        for i in 0..self.periods.len() {
            grad[1 + i] = s * 2.0 * PI * (x[i] - y[i]) / self.periods[i];
        }
        k
    }
    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len(), "kernel gradient")?;
        let s = self.variance * self.phase(x, y).sin();
        for i in 0..x.len() {
            out[i] = -s * 2.0 * PI / self.periods[i];
        }
        Ok(())
    }
    fn hess_xy(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.hess_xx(x, y, out)?;
        for v in out.iter_mut() {
            *v = -*v;
        }
        Ok(())
    }
    fn hess_xx(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        let d = x.len();
        check_len(out, d * d, "kernel Hessian")?;
        let c = -self.variance * self.phase(x, y).cos() * 4.0 * PI * PI;
        for i in 0..d {
            for j in 0..d {
                out[i * d + j] = c / (self.periods[i] * self.periods[j]);
            }
        }
        Ok(())
    }
    fn input_dim(&self) -> Option<usize> {
        Some(self.periods.len())
    }
}
