//! Dot-product kernels: functions of `x . y`, not of `x - y`.
//!
//! `Linear`: `k = s x . y + c`, the covariance of Bayesian linear regression
//! with a bias. `Polynomial`: `k = (s x . y + c)^p`, the feature space of all
//! monomials up to degree `p` (Rasmussen & Williams 2006, sec. 4.2.2).
//! Hyperparameters `s, c > 0` in log space; the degree is fixed.

use super::{Kernel, check_log_params, check_positive};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

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

/// `k(x, y) = variance * x . y + bias`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Linear {
    variance: f64,
    bias: f64,
}

impl Linear {
    /// `InvalidArgument` unless both are finite and positive.
    pub fn new(variance: f64, bias: f64) -> Result<Self> {
        Ok(Self {
            variance: check_positive(variance, "linear kernel variance")?,
            bias: check_positive(bias, "linear kernel bias")?,
        })
    }
}

impl Kernel for Linear {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        self.variance * dot(x, y) + self.bias
    }
    fn num_params(&self) -> usize {
        2
    }
    fn log_params(&self) -> Vec<f64> {
        vec![self.variance.ln(), self.bias.ln()]
    }
    fn set_log_params(&mut self, p: &[f64]) -> Result<()> {
        check_log_params(p, 2, "linear kernel log-hyperparameters")?;
        self.variance = p[0].exp();
        self.bias = p[1].exp();
        Ok(())
    }
    fn param_names(&self) -> Vec<String> {
        vec!["variance".into(), "bias".into()]
    }
    fn eval_with_grad(&self, x: &[f64], y: &[f64], grad: &mut [f64]) -> f64 {
        let s = self.variance * dot(x, y);
        grad[0] = s;
        grad[1] = self.bias;
        s + self.bias
    }
    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len(), "kernel gradient")?;
        for (o, b) in out.iter_mut().zip(y) {
            *o = self.variance * b;
        }
        Ok(())
    }
    fn hess_xy(&self, x: &[f64], _y: &[f64], out: &mut [f64]) -> Result<()> {
        let d = x.len();
        check_len(out, d * d, "kernel Hessian")?;
        out.fill(0.0);
        for i in 0..d {
            out[i * d + i] = self.variance;
        }
        Ok(())
    }
    fn hess_xx(&self, x: &[f64], _y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len() * x.len(), "kernel Hessian")?;
        out.fill(0.0);
        Ok(())
    }
}

/// `k(x, y) = (variance * x . y + bias)^degree`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polynomial {
    variance: f64,
    bias: f64,
    degree: u32,
}

impl Polynomial {
    /// `InvalidArgument` unless `variance, bias > 0` and `degree >= 1`.
    pub fn new(variance: f64, bias: f64, degree: u32) -> Result<Self> {
        if degree == 0 {
            return Err(Error::InvalidArgument(
                "polynomial degree must be at least 1".into(),
            ));
        }
        Ok(Self {
            variance: check_positive(variance, "polynomial kernel variance")?,
            bias: check_positive(bias, "polynomial kernel bias")?,
            degree,
        })
    }

    /// `u^m` for integer `m >= 0` (zero for negative `m`, whose terms vanish).
    fn pow(u: f64, m: i64) -> f64 {
        if m < 0 { 0.0 } else { u.powi(m as i32) }
    }
}

impl Kernel for Polynomial {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        (self.variance * dot(x, y) + self.bias).powi(self.degree as i32)
    }
    fn num_params(&self) -> usize {
        2
    }
    fn log_params(&self) -> Vec<f64> {
        vec![self.variance.ln(), self.bias.ln()]
    }
    fn set_log_params(&mut self, p: &[f64]) -> Result<()> {
        check_log_params(p, 2, "polynomial kernel log-hyperparameters")?;
        self.variance = p[0].exp();
        self.bias = p[1].exp();
        Ok(())
    }
    fn param_names(&self) -> Vec<String> {
        vec!["variance".into(), "bias".into()]
    }
    fn eval_with_grad(&self, x: &[f64], y: &[f64], grad: &mut [f64]) -> f64 {
        let p = self.degree as i64;
        let s = self.variance * dot(x, y);
        let u = s + self.bias;
        let dk = p as f64 * Self::pow(u, p - 1);
        grad[0] = dk * s;
        grad[1] = dk * self.bias;
        u.powi(p as i32)
    }
    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len(), "kernel gradient")?;
        let p = self.degree as i64;
        let u = self.variance * dot(x, y) + self.bias;
        let c = p as f64 * Self::pow(u, p - 1) * self.variance;
        for (o, b) in out.iter_mut().zip(y) {
            *o = c * b;
        }
        Ok(())
    }
    fn hess_xy(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        let d = x.len();
        check_len(out, d * d, "kernel Hessian")?;
        let p = self.degree as i64;
        let u = self.variance * dot(x, y) + self.bias;
        let c2 = (p * (p - 1)) as f64 * Self::pow(u, p - 2) * self.variance * self.variance;
        let c1 = p as f64 * Self::pow(u, p - 1) * self.variance;
        for i in 0..d {
            for j in 0..d {
                out[i * d + j] = c2 * y[i] * x[j] + if i == j { c1 } else { 0.0 };
            }
        }
        Ok(())
    }
    fn hess_xx(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        let d = x.len();
        check_len(out, d * d, "kernel Hessian")?;
        let p = self.degree as i64;
        let u = self.variance * dot(x, y) + self.bias;
        let c2 = (p * (p - 1)) as f64 * Self::pow(u, p - 2) * self.variance * self.variance;
        for i in 0..d {
            for j in 0..d {
                out[i * d + j] = c2 * y[i] * y[j];
            }
        }
        Ok(())
    }
}
