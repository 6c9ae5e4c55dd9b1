//! Kernel algebra: sums, products, scaling and active dimensions.
//!
//! Sums and products of positive-definite kernels are positive definite
//! (Schur product theorem), as is a positive multiple. Hyperparameters
//! concatenate left to right (`Sum<A, B>`: those of `A`, then `B`;
//! `Scaled<K>`: the scale, then `K`'s). Input derivatives follow the sum and
//! product rules; `ActiveDims` applies its kernel to a subset of
//! coordinates and scatters the derivatives back, zero elsewhere.

use super::{Kernel, check_log_params, check_positive};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

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

fn combined_dim(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    a.or(b)
}

/// `k = a + b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sum<A, B> {
    /// Left summand.
    pub a: A,
    /// Right summand.
    pub b: B,
}

impl<A: Kernel, B: Kernel> Sum<A, B> {
    /// `ShapeMismatch` when the two kernels require different dimensions.
    pub fn new(a: A, b: B) -> Result<Self> {
        if let (Some(da), Some(db)) = (a.input_dim(), b.input_dim())
            && da != db
        {
            return Err(Error::ShapeMismatch {
                context: "kernel sum",
                expected: format!("both kernels on dimension {da}"),
                got: format!("dimension {db}"),
            });
        }
        Ok(Self { a, b })
    }
}

impl<A: Kernel, B: Kernel> Kernel for Sum<A, B> {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        self.a.eval(x, y) + self.b.eval(x, y)
    }
    fn num_params(&self) -> usize {
        self.a.num_params() + self.b.num_params()
    }
    fn log_params(&self) -> Vec<f64> {
        let mut p = self.a.log_params();
        p.extend(self.b.log_params());
        p
    }
    fn set_log_params(&mut self, p: &[f64]) -> Result<()> {
        check_log_params(p, self.num_params(), "kernel sum log-hyperparameters")?;
        let na = self.a.num_params();
        self.a.set_log_params(&p[..na])?;
        self.b.set_log_params(&p[na..])
    }
    fn param_names(&self) -> Vec<String> {
        let mut n: Vec<String> = self
            .a
            .param_names()
            .into_iter()
            .map(|s| format!("a.{s}"))
            .collect();
        n.extend(self.b.param_names().into_iter().map(|s| format!("b.{s}")));
        n
    }
    fn eval_with_grad(&self, x: &[f64], y: &[f64], grad: &mut [f64]) -> f64 {
        let (ga, gb) = grad.split_at_mut(self.a.num_params());
        self.a.eval_with_grad(x, y, ga) + self.b.eval_with_grad(x, y, gb)
    }
    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len(), "kernel gradient")?;
        let mut t = vec![0.0; out.len()];
        self.a.grad_x(x, y, out)?;
        self.b.grad_x(x, y, &mut t)?;
        out.iter_mut().zip(&t).for_each(|(o, v)| *o += v);
        Ok(())
    }
    fn hess_xy(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len() * x.len(), "kernel Hessian")?;
        let mut t = vec![0.0; out.len()];
        self.a.hess_xy(x, y, out)?;
        self.b.hess_xy(x, y, &mut t)?;
        out.iter_mut().zip(&t).for_each(|(o, v)| *o += v);
        Ok(())
    }
    fn hess_xx(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len() * x.len(), "kernel Hessian")?;
        let mut t = vec![0.0; out.len()];
        self.a.hess_xx(x, y, out)?;
        self.b.hess_xx(x, y, &mut t)?;
        out.iter_mut().zip(&t).for_each(|(o, v)| *o += v);
        Ok(())
    }
    fn input_dim(&self) -> Option<usize> {
        combined_dim(self.a.input_dim(), self.b.input_dim())
    }
}

/// `k = a * b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product<A, B> {
    /// Left factor.
    pub a: A,
    /// Right factor.
    pub b: B,
}

impl<A: Kernel, B: Kernel> Product<A, B> {
    /// `ShapeMismatch` when the two kernels require different dimensions.
    pub fn new(a: A, b: B) -> Result<Self> {
        if let (Some(da), Some(db)) = (a.input_dim(), b.input_dim())
            && da != db
        {
            return Err(Error::ShapeMismatch {
                context: "kernel product",
                expected: format!("both kernels on dimension {da}"),
                got: format!("dimension {db}"),
            });
        }
        Ok(Self { a, b })
    }

    fn hess(&self, x: &[f64], y: &[f64], out: &mut [f64], mixed: bool) -> Result<()> {
        let d = x.len();
        check_len(out, d * d, "kernel Hessian")?;
        let (ka, kb) = (self.a.eval(x, y), self.b.eval(x, y));
        let mut hb = vec![0.0; d * d];
        let (mut gax, mut gbx, mut ga2, mut gb2) =
            (vec![0.0; d], vec![0.0; d], vec![0.0; d], vec![0.0; d]);
        self.a.grad_x(x, y, &mut gax)?;
        self.b.grad_x(x, y, &mut gbx)?;
        if mixed {
            // Gradients in y by symmetry: d_y k(x, y) = d_1 k(y, x).
            self.a.grad_x(y, x, &mut ga2)?;
            self.b.grad_x(y, x, &mut gb2)?;
            self.a.hess_xy(x, y, out)?;
            self.b.hess_xy(x, y, &mut hb)?;
        } else {
            ga2.copy_from_slice(&gax);
            gb2.copy_from_slice(&gbx);
            self.a.hess_xx(x, y, out)?;
            self.b.hess_xx(x, y, &mut hb)?;
        }
        for i in 0..d {
            for j in 0..d {
                let v = &mut out[i * d + j];
                *v = kb * *v + ka * hb[i * d + j] + gax[i] * gb2[j] + gbx[i] * ga2[j];
            }
        }
        Ok(())
    }
}

impl<A: Kernel, B: Kernel> Kernel for Product<A, B> {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        self.a.eval(x, y) * self.b.eval(x, y)
    }
    fn num_params(&self) -> usize {
        self.a.num_params() + self.b.num_params()
    }
    fn log_params(&self) -> Vec<f64> {
        let mut p = self.a.log_params();
        p.extend(self.b.log_params());
        p
    }
    fn set_log_params(&mut self, p: &[f64]) -> Result<()> {
        check_log_params(p, self.num_params(), "kernel product log-hyperparameters")?;
        let na = self.a.num_params();
        self.a.set_log_params(&p[..na])?;
        self.b.set_log_params(&p[na..])
    }
    fn param_names(&self) -> Vec<String> {
        let mut n: Vec<String> = self
            .a
            .param_names()
            .into_iter()
            .map(|s| format!("a.{s}"))
            .collect();
        n.extend(self.b.param_names().into_iter().map(|s| format!("b.{s}")));
        n
    }
    fn eval_with_grad(&self, x: &[f64], y: &[f64], grad: &mut [f64]) -> f64 {
        let (ga, gb) = grad.split_at_mut(self.a.num_params());
        let ka = self.a.eval_with_grad(x, y, ga);
        let kb = self.b.eval_with_grad(x, y, gb);
        ga.iter_mut().for_each(|g| *g *= kb);
        gb.iter_mut().for_each(|g| *g *= ka);
        ka * kb
    }
    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, x.len(), "kernel gradient")?;
        let mut t = vec![0.0; out.len()];
        self.a.grad_x(x, y, out)?;
        self.b.grad_x(x, y, &mut t)?;
        let (ka, kb) = (self.a.eval(x, y), self.b.eval(x, y));
        out.iter_mut()
            .zip(&t)
            .for_each(|(o, v)| *o = kb * *o + ka * v);
        Ok(())
    }
    fn hess_xy(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.hess(x, y, out, true)
    }
    fn hess_xx(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.hess(x, y, out, false)
    }
    fn input_dim(&self) -> Option<usize> {
        combined_dim(self.a.input_dim(), self.b.input_dim())
    }
}

/// `k = scale * inner`, with the scale as a hyperparameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaled<K> {
    scale: f64,
    /// The scaled kernel.
    pub inner: K,
}

impl<K: Kernel> Scaled<K> {
    /// `InvalidArgument` unless `scale` is finite and positive.
    pub fn new(scale: f64, inner: K) -> Result<Self> {
        Ok(Self {
            scale: check_positive(scale, "kernel scale")?,
            inner,
        })
    }
    /// The scale.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

impl<K: Kernel> Kernel for Scaled<K> {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        self.scale * self.inner.eval(x, y)
    }
    fn num_params(&self) -> usize {
        1 + self.inner.num_params()
    }
    fn log_params(&self) -> Vec<f64> {
        let mut p = vec![self.scale.ln()];
        p.extend(self.inner.log_params());
        p
    }
    fn set_log_params(&mut self, p: &[f64]) -> Result<()> {
        check_log_params(p, self.num_params(), "scaled kernel log-hyperparameters")?;
        self.scale = p[0].exp();
        self.inner.set_log_params(&p[1..])
    }
    fn param_names(&self) -> Vec<String> {
        let mut n = vec!["scale".to_string()];
        n.extend(self.inner.param_names());
        n
    }
    fn eval_with_grad(&self, x: &[f64], y: &[f64], grad: &mut [f64]) -> f64 {
        let k = self.inner.eval_with_grad(x, y, &mut grad[1..]);
        grad[1..].iter_mut().for_each(|g| *g *= self.scale);
        grad[0] = self.scale * k;
        self.scale * k
    }
    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.inner.grad_x(x, y, out)?;
        out.iter_mut().for_each(|v| *v *= self.scale);
        Ok(())
    }
    fn hess_xy(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.inner.hess_xy(x, y, out)?;
        out.iter_mut().for_each(|v| *v *= self.scale);
        Ok(())
    }
    fn hess_xx(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.inner.hess_xx(x, y, out)?;
        out.iter_mut().for_each(|v| *v *= self.scale);
        Ok(())
    }
    fn input_dim(&self) -> Option<usize> {
        self.inner.input_dim()
    }
}

/// Applies `inner` to the coordinates `dims` of points of dimension `dim`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveDims<K> {
    dims: Vec<usize>,
    dim: usize,
    /// The kernel on the selected coordinates.
    pub inner: K,
}

impl<K: Kernel> ActiveDims<K> {
    /// Errors: `Empty` for no dimensions, `InvalidArgument` when an index is
    /// `>= dim`, `ShapeMismatch` when `inner` requires another dimension.
    pub fn new(inner: K, dims: Vec<usize>, dim: usize) -> Result<Self> {
        if dims.is_empty() {
            return Err(Error::Empty("active dimensions"));
        }
        if let Some(&bad) = dims.iter().find(|&&i| i >= dim) {
            return Err(Error::InvalidArgument(format!(
                "active dimension {bad} out of range for points of dimension {dim}"
            )));
        }
        inner.check_dim(dims.len())?;
        Ok(Self { dims, dim, inner })
    }

    fn gather(&self, x: &[f64]) -> Vec<f64> {
        self.dims.iter().map(|&i| x[i]).collect()
    }

    fn scatter_hess(&self, small: &[f64], out: &mut [f64]) {
        let m = self.dims.len();
        out.fill(0.0);
        for (a, &i) in self.dims.iter().enumerate() {
            for (b, &j) in self.dims.iter().enumerate() {
                out[i * self.dim + j] += small[a * m + b];
            }
        }
    }
}

impl<K: Kernel> Kernel for ActiveDims<K> {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        self.inner.eval(&self.gather(x), &self.gather(y))
    }
    fn num_params(&self) -> usize {
        self.inner.num_params()
    }
    fn log_params(&self) -> Vec<f64> {
        self.inner.log_params()
    }
    fn set_log_params(&mut self, p: &[f64]) -> Result<()> {
        self.inner.set_log_params(p)
    }
    fn param_names(&self) -> Vec<String> {
        self.inner.param_names()
    }
    fn eval_with_grad(&self, x: &[f64], y: &[f64], grad: &mut [f64]) -> f64 {
        self.inner
            .eval_with_grad(&self.gather(x), &self.gather(y), grad)
    }
    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, self.dim, "kernel gradient")?;
        let mut small = vec![0.0; self.dims.len()];
        self.inner
            .grad_x(&self.gather(x), &self.gather(y), &mut small)?;
        out.fill(0.0);
        for (a, &i) in self.dims.iter().enumerate() {
            out[i] += small[a];
        }
        Ok(())
    }
    fn hess_xy(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, self.dim * self.dim, "kernel Hessian")?;
        let m = self.dims.len();
        let mut small = vec![0.0; m * m];
        self.inner
            .hess_xy(&self.gather(x), &self.gather(y), &mut small)?;
        self.scatter_hess(&small, out);
        Ok(())
    }
    fn hess_xx(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_len(out, self.dim * self.dim, "kernel Hessian")?;
        let m = self.dims.len();
        let mut small = vec![0.0; m * m];
        self.inner
            .hess_xx(&self.gather(x), &self.gather(y), &mut small)?;
        self.scatter_hess(&small, out);
        Ok(())
    }
    fn input_dim(&self) -> Option<usize> {
        Some(self.dim)
    }
}
