//! Infinite-width neural-network kernels: the NNGP and NTK of deep fully
//! connected networks with ReLU or erf activations and biases.
//!
//! A network `Dense, phi, Dense, phi, ..., Dense` with `L` hidden layers,
//! weights `N(0, s_w^2 / fan_in)` and biases `N(0, s_b^2)`, tends as the
//! widths grow to a GP whose covariance follows the layer recursion
//! (Lee et al., *Deep Neural Networks as Gaussian Processes*, ICLR 2018;
//! Jacot et al., *Neural Tangent Kernel*, NeurIPS 2018; Novak et al.,
//! *Neural Tangents*, ICLR 2020, whose parametrisation this follows):
//! `K^0 = s_w^2 x.y / d + s_b^2`, and for each hidden layer
//! `K^{l+1} = s_w^2 E[phi(u) phi(v)] + s_b^2`, `(u, v) ~ N(0, [[K_xx, K_xy], [K_xy, K_yy]])`,
//! `Theta^{l+1} = K^{l+1} + s_w^2 E[phi'(u) phi'(v)] Theta^l`, `Theta^0 = K^0`.
//! The expectations are closed forms: for ReLU (Cho & Saul 2009, the
//! arc-cosine kernels) with `cos t = K_xy / sqrt(K_xx K_yy)`,
//! `E = sqrt(K_xx K_yy) (sin t + (pi - t) cos t) / (2 pi)`, `E' = (pi - t) / (2 pi)`;
//! for erf (Williams 1997),
//! `E = (2 / pi) asin(2 K_xy / sqrt((1 + 2 K_xx)(1 + 2 K_yy)))`,
//! `E' = 4 / (pi sqrt((1 + 2 K_xx)(1 + 2 K_yy) - 4 K_xy^2))`.
//! Gradients in `log s_w^2, log s_b^2` are exact, carried through the
//! recursion by forward-mode dual numbers. These kernels are not
//! differentiable in their inputs everywhere (ReLU at the origin), and the
//! input derivatives are not provided: those methods return
//! `InvalidArgument`.
//!
//! Accuracy: against an mpmath evaluation of the same recursion at 30
//! digits (xtask/refdata/neural_kernels.py): within 1e-13 relative on 80
//! cases (ReLU and erf, depths 0 to 5, NNGP and NTK).

use super::{Kernel, check_log_params, check_positive};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// The activation function of the hidden layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// `max(0, u)`.
    Relu,
    /// `erf(u)`.
    Erf,
}

/// Which infinite-width kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NeuralKernelKind {
    /// The NNGP kernel: the output covariance at initialisation.
    Nngp,
    /// The neural tangent kernel.
    Ntk,
}

/// The NNGP or NTK of a deep fully connected network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeuralKernel {
    activation: Activation,
    kind: NeuralKernelKind,
    hidden_layers: usize,
    weight_variance: f64,
    bias_variance: f64,
}

/// A value and its derivatives in `(log s_w^2, log s_b^2)`.
#[derive(Debug, Clone, Copy)]
struct D2 {
    v: f64,
    d: [f64; 2],
}

impl D2 {
    fn c(v: f64) -> Self {
        D2 { v, d: [0.0; 2] }
    }
    fn add(self, o: D2) -> D2 {
        D2 {
            v: self.v + o.v,
            d: [self.d[0] + o.d[0], self.d[1] + o.d[1]],
        }
    }
    fn mul(self, o: D2) -> D2 {
        D2 {
            v: self.v * o.v,
            d: [
                self.d[0] * o.v + self.v * o.d[0],
                self.d[1] * o.v + self.v * o.d[1],
            ],
        }
    }
    fn scale(self, s: f64) -> D2 {
        D2 {
            v: self.v * s,
            d: [self.d[0] * s, self.d[1] * s],
        }
    }
    /// `f(self)` with `f' = df`.
    fn map(self, f: f64, df: f64) -> D2 {
        D2 {
            v: f,
            d: [self.d[0] * df, self.d[1] * df],
        }
    }
    fn sqrt(self) -> D2 {
        let s = self.v.sqrt();
        self.map(s, if s > 0.0 { 0.5 / s } else { 0.0 })
    }
    fn recip(self) -> D2 {
        let r = 1.0 / self.v;
        self.map(r, -r * r)
    }
}

/// `(E[phi phi], E[phi' phi'], E[phi(u)^2] at x, at y)`.
fn expectations(act: Activation, kxx: D2, kyy: D2, kxy: D2) -> (D2, D2, D2, D2) {
    match act {
        Activation::Relu => {
            let norm = kxx.mul(kyy).sqrt();
            if norm.v <= 0.0 {
                return (D2::c(0.0), D2::c(0.25), kxx.scale(0.5), kyy.scale(0.5));
            }
            let cos_raw = kxy.mul(norm.recip());
            // At perfectly correlated inputs the angle stays 0 in every
            // layer and its derivative, 0 * inf, is 0.
            let (t, cos_t) = if cos_raw.v >= 1.0 {
                (D2::c(0.0), D2::c(1.0))
            } else if cos_raw.v <= -1.0 {
                (D2::c(PI), D2::c(-1.0))
            } else {
                let c = cos_raw.v;
                (cos_raw.map(c.acos(), -1.0 / (1.0 - c * c).sqrt()), cos_raw)
            };
            let sin_t = t.map(t.v.sin(), t.v.cos());
            let pi_minus_t = t.scale(-1.0).add(D2::c(PI));
            let e = norm
                .mul(sin_t.add(pi_minus_t.mul(cos_t)))
                .scale(1.0 / (2.0 * PI));
            let ed = pi_minus_t.scale(1.0 / (2.0 * PI));
            (e, ed, kxx.scale(0.5), kyy.scale(0.5))
        }
        Activation::Erf => {
            let ax = kxx.scale(2.0).add(D2::c(1.0));
            let ay = kyy.scale(2.0).add(D2::c(1.0));
            let arg = kxy.scale(2.0).mul(ax.mul(ay).sqrt().recip());
            let a = arg.v.clamp(-1.0, 1.0);
            let e = arg
                .map(a.asin(), 1.0 / (1.0 - a * a).max(f64::MIN_POSITIVE).sqrt())
                .scale(2.0 / PI);
            let det = ax.mul(ay).add(kxy.mul(kxy).scale(-4.0));
            let ed = det.sqrt().recip().scale(4.0 / PI);
            let diag = |k: D2, a: D2| {
                let r = k.scale(2.0).mul(a.recip());
                r.map(r.v.asin(), 1.0 / (1.0 - r.v * r.v).sqrt())
                    .scale(2.0 / PI)
            };
            (e, ed, diag(kxx, ax), diag(kyy, ay))
        }
    }
}

impl NeuralKernel {
    /// The kernel of a network with `hidden_layers` hidden layers.
    ///
    /// Errors: `InvalidArgument` unless both variances are finite and
    /// positive.
    pub fn new(
        activation: Activation,
        kind: NeuralKernelKind,
        hidden_layers: usize,
        weight_variance: f64,
        bias_variance: f64,
    ) -> Result<Self> {
        Ok(Self {
            activation,
            kind,
            hidden_layers,
            weight_variance: check_positive(weight_variance, "weight variance")?,
            bias_variance: check_positive(bias_variance, "bias variance")?,
        })
    }

    fn recursion(&self, x: &[f64], y: &[f64]) -> D2 {
        let sw = D2 {
            v: self.weight_variance,
            d: [self.weight_variance, 0.0],
        };
        let sb = D2 {
            v: self.bias_variance,
            d: [0.0, self.bias_variance],
        };
        let d = x.len().max(1) as f64;
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>() / d;
        let dense = |k: D2| sw.mul(k).add(sb);
        let (mut kxx, mut kyy, mut kxy) = (
            dense(D2::c(dot(x, x))),
            dense(D2::c(dot(y, y))),
            dense(D2::c(dot(x, y))),
        );
        let mut ntk = kxy;
        for _ in 0..self.hidden_layers {
            let (e, ed, exx, eyy) = expectations(self.activation, kxx, kyy, kxy);
            kxy = dense(e);
            kxx = dense(exx);
            kyy = dense(eyy);
            ntk = kxy.add(sw.mul(ed).mul(ntk));
        }
        match self.kind {
            NeuralKernelKind::Nngp => kxy,
            NeuralKernelKind::Ntk => ntk,
        }
    }

    fn no_input_derivatives() -> Error {
        Error::InvalidArgument("neural-network kernels provide no input derivatives".into())
    }
}

impl Kernel for NeuralKernel {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        self.recursion(x, y).v
    }
    fn num_params(&self) -> usize {
        2
    }
    fn log_params(&self) -> Vec<f64> {
        vec![self.weight_variance.ln(), self.bias_variance.ln()]
    }
    fn set_log_params(&mut self, p: &[f64]) -> Result<()> {
        check_log_params(p, 2, "neural kernel log-hyperparameters")?;
        self.weight_variance = p[0].exp();
        self.bias_variance = p[1].exp();
        Ok(())
    }
    fn param_names(&self) -> Vec<String> {
        vec!["weight_variance".into(), "bias_variance".into()]
    }
    fn eval_with_grad(&self, x: &[f64], y: &[f64], grad: &mut [f64]) -> f64 {
        let r = self.recursion(x, y);
        grad[..2].copy_from_slice(&r.d);
        r.v
    }
    fn grad_x(&self, _x: &[f64], _y: &[f64], _out: &mut [f64]) -> Result<()> {
        Err(Self::no_input_derivatives())
    }
    fn hess_xy(&self, _x: &[f64], _y: &[f64], _out: &mut [f64]) -> Result<()> {
        Err(Self::no_input_derivatives())
    }
    fn hess_xx(&self, _x: &[f64], _y: &[f64], _out: &mut [f64]) -> Result<()> {
        Err(Self::no_input_derivatives())
    }
}
