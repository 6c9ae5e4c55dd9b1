//! Periodic and cosine kernels.
//!
//! `Periodic` (MacKay 1998; scikit-learn's `ExpSineSquared`):
//! `k = s exp(-2 sin^2(pi |x - y| / p) / l^2)`, the Gaussian kernel applied
//! to the embedding `x -> (cos, sin)(2 pi x / p)`. As a function of
//! `u = |x - y|^2`, `k = s exp(psi(u))` with
//! `psi'(u) = -(a / l^2) sin(2 a d) / d` and
//! `psi''(u) = -(a / l^2) (2 a d cos(2 a d) - sin(2 a d)) / (2 d^3)`,
//! `a = pi / p`, `d = sqrt(u)`; both are evaluated by their Taylor series
//! near `d = 0`, where the closed forms cancel.
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

/// `k(x, y) = variance * exp(-2 sin^2(pi |x - y| / period) / lengthscale^2)`.
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

    fn dist(x: &[f64], y: &[f64]) -> f64 {
        x.iter()
            .zip(y)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt()
    }

    /// `(k, dk/du, d^2k/du^2)` at `u = d^2`.
    fn k_and_u_derivatives(&self, d: f64) -> (f64, f64, f64) {
        let a = PI / self.period;
        let il2 = 1.0 / (self.lengthscale * self.lengthscale);
        let s = (a * d).sin();
        let k = self.variance * (-2.0 * s * s * il2).exp();
        let z = 2.0 * a * d;
        // sin(z)/d and (z cos z - sin z)/d^3, by series when z is small.
        let (sinc, third) = if z.abs() < 1e-3 {
            let z2 = z * z;
            (
                2.0 * a * (1.0 - z2 / 6.0 + z2 * z2 / 120.0),
                -(8.0 * a * a * a) / 3.0 * (1.0 - z2 / 10.0),
            )
        } else {
            (z.sin() / d, (z * z.cos() - z.sin()) / (d * d * d))
        };
        let p1 = -a * il2 * sinc;
        let p2 = -a * il2 * third / 2.0;
        (k, k * p1, k * (p2 + p1 * p1))
    }

    fn hess(&self, x: &[f64], y: &[f64], out: &mut [f64], sign: f64) -> Result<()> {
        let n = x.len();
        check_len(out, n * n, "kernel Hessian")?;
        let (_, ku, kuu) = self.k_and_u_derivatives(Self::dist(x, y));
        for i in 0..n {
            for j in 0..n {
                let mut h = 4.0 * kuu * (x[i] - y[i]) * (x[j] - y[j]);
                if i == j {
                    h += 2.0 * ku;
                }
                out[i * n + j] = sign * h;
            }
        }
        Ok(())
    }
}

impl Kernel for Periodic {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        let s = (PI * Self::dist(x, y) / self.period).sin();
        self.variance * (-2.0 * s * s / (self.lengthscale * self.lengthscale)).exp()
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
        let il2 = 1.0 / (self.lengthscale * self.lengthscale);
        let arg = PI * Self::dist(x, y) / self.period;
        let s = arg.sin();
        let k = self.variance * (-2.0 * s * s * il2).exp();
        grad[0] = k;
        grad[1] = k * 4.0 * s * s * il2;
        grad[2] = k * 4.0 * il2 * s * arg.cos() * arg;
        k
    }
    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len(), "kernel gradient")?;
        let (_, ku, _) = self.k_and_u_derivatives(Self::dist(x, y));
        for i in 0..x.len() {
            out[i] = 2.0 * ku * (x[i] - y[i]);
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
