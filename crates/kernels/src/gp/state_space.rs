//! State-space Gaussian processes in one dimension: Matern 1/2, 3/2 and 5/2
//! as linear SDEs, solved by Kalman filtering and RTS smoothing in `O(N)`.
//!
//! A Matern kernel with half-integer `nu = p + 1/2` is the covariance of the
//! first coordinate of the `m = p + 1` dimensional SDE `dx = F x dt + L dw`
//! with `F` the companion matrix of `(s + lambda)^m`, `lambda = sqrt(2 nu) / l`
//! (Hartikainen & Sarkka, *Kalman filtering and smoothing solutions to
//! temporal Gaussian process regression models*, 2010; Sarkka & Solin,
//! *Applied Stochastic Differential Equations*, 2019, sec. 12.3). Between
//! inputs `dt` apart the transition is `A = exp(F dt)`; because
//! `N = F + lambda I` is nilpotent (`N^m = 0`) it is exactly
//! `exp(-lambda dt) sum_{k<m} N^k dt^k / k!`, and the process noise is
//! `Q = P_inf - A P_inf A^T` with the stationary covariance
//! `P_inf` (`s^2`; `diag(s^2, lambda^2 s^2)`;
//! `[[s^2, 0, -kappa], [0, kappa, 0], [-kappa, 0, lambda^4 s^2]]`,
//! `kappa = lambda^2 s^2 / 3`). The Kalman filter gives the log marginal
//! likelihood by the prediction-error decomposition; its gradient in the
//! log-hyperparameters is exact, carried through the same recursion by
//! forward-mode dual numbers. Predictions insert the test inputs into the
//! time-ordered sequence (no update there) and read the RTS-smoothed
//! marginals.
//!
//! Accuracy: log marginal likelihood, gradient and predictions agree with
//! [`crate::ExactGp`] on the same data to at most 1e-14 relative
//! (tests/state_space.rs, 60 points with a repeated input).

use super::LN_2PI;
use super::fit::{FitOptions, FitReport, Objective, maximise_lml};
use super::{GaussianProcess, Prediction};
use crate::kernel::check_positive;
use crate::points::Points;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::ops::{Add, Div, Mul, Neg, Sub};

/// The smoothness of a state-space Matern kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MaternOrder {
    /// `nu = 1/2` (state dimension 1).
    Half,
    /// `nu = 3/2` (state dimension 2).
    ThreeHalves,
    /// `nu = 5/2` (state dimension 3).
    FiveHalves,
}

impl MaternOrder {
    fn dim(self) -> usize {
        match self {
            MaternOrder::Half => 1,
            MaternOrder::ThreeHalves => 2,
            MaternOrder::FiveHalves => 3,
        }
    }
    fn sqrt_2nu(self) -> f64 {
        match self {
            MaternOrder::Half => 1.0,
            MaternOrder::ThreeHalves => 3f64.sqrt(),
            MaternOrder::FiveHalves => 5f64.sqrt(),
        }
    }
}

/// Scalars the filter runs on: `f64`, and dual numbers for the gradient.
trait Scalar:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    fn cst(c: f64) -> Self;
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn val(self) -> f64;
}

impl Scalar for f64 {
    fn cst(c: f64) -> Self {
        c
    }
    fn exp(self) -> Self {
        f64::exp(self)
    }
    fn ln(self) -> Self {
        f64::ln(self)
    }
    fn val(self) -> f64 {
        self
    }
}

/// A value with its derivatives in the three log-hyperparameters.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Dual {
    v: f64,
    d: [f64; 3],
}

impl Add for Dual {
    type Output = Dual;
    fn add(self, o: Dual) -> Dual {
        Dual {
            v: self.v + o.v,
            d: [self.d[0] + o.d[0], self.d[1] + o.d[1], self.d[2] + o.d[2]],
        }
    }
}
impl Sub for Dual {
    type Output = Dual;
    fn sub(self, o: Dual) -> Dual {
        Dual {
            v: self.v - o.v,
            d: [self.d[0] - o.d[0], self.d[1] - o.d[1], self.d[2] - o.d[2]],
        }
    }
}
impl Mul for Dual {
    type Output = Dual;
    fn mul(self, o: Dual) -> Dual {
        let (a, b) = (self.v, o.v);
        Dual {
            v: a * b,
            d: [
                self.d[0] * b + a * o.d[0],
                self.d[1] * b + a * o.d[1],
                self.d[2] * b + a * o.d[2],
            ],
        }
    }
}
impl Div for Dual {
    type Output = Dual;
    fn div(self, o: Dual) -> Dual {
        let q = self.v / o.v;
        let inv = 1.0 / o.v;
        Dual {
            v: q,
            d: [
                (self.d[0] - q * o.d[0]) * inv,
                (self.d[1] - q * o.d[1]) * inv,
                (self.d[2] - q * o.d[2]) * inv,
            ],
        }
    }
}
impl Neg for Dual {
    type Output = Dual;
    fn neg(self) -> Dual {
        Dual {
            v: -self.v,
            d: [-self.d[0], -self.d[1], -self.d[2]],
        }
    }
}
impl Scalar for Dual {
    fn cst(c: f64) -> Self {
        Dual { v: c, d: [0.0; 3] }
    }
    fn exp(self) -> Self {
        let e = self.v.exp();
        Dual {
            v: e,
            d: [e * self.d[0], e * self.d[1], e * self.d[2]],
        }
    }
    fn ln(self) -> Self {
        let i = 1.0 / self.v;
        Dual {
            v: self.v.ln(),
            d: [i * self.d[0], i * self.d[1], i * self.d[2]],
        }
    }
    fn val(self) -> f64 {
        self.v
    }
}

type M3<T> = [[T; 3]; 3];

/// The SDE of one Matern order at given hyperparameters.
struct Model<T> {
    m: usize,
    lambda: T,
    p_inf: M3<T>,
    noise: T,
}

impl<T: Scalar> Model<T> {
    fn new(order: MaternOrder, variance: T, lengthscale: T, noise: T) -> Self {
        let m = order.dim();
        let lambda = T::cst(order.sqrt_2nu()) / lengthscale;
        let z = T::cst(0.0);
        let mut p = [[z; 3]; 3];
        p[0][0] = variance;
        if m >= 2 {
            let kappa = lambda * lambda * variance * T::cst(if m == 2 { 1.0 } else { 1.0 / 3.0 });
            p[1][1] = kappa;
            if m == 3 {
                p[0][2] = -kappa;
                p[2][0] = -kappa;
                p[2][2] = lambda * lambda * lambda * lambda * variance;
            }
        }
        Model {
            m,
            lambda,
            p_inf: p,
            noise,
        }
    }

    /// `A = exp(F dt)` and `Q = P_inf - A P_inf A^T`.
    fn transition(&self, dt: f64) -> (M3<T>, M3<T>) {
        let (m, l) = (self.m, self.lambda);
        let z = T::cst(0.0);
        let dtc = T::cst(dt);
        let e = (-(l * dtc)).exp();
        // N = F + lambda I for the companion matrix of (s + lambda)^m.
        let mut n = [[z; 3]; 3];
        match m {
            1 => {}
            2 => {
                n = [[l, T::cst(1.0), z], [-(l * l), -l, z], [z; 3]];
            }
            _ => {
                n = [
                    [l, T::cst(1.0), z],
                    [z, l, T::cst(1.0)],
                    [-(l * l * l), -(T::cst(3.0) * l * l), -(T::cst(2.0) * l)],
                ];
            }
        }
        let n2 = mul(&n, &n, m);
        let mut a = [[z; 3]; 3];
        for i in 0..m {
            for j in 0..m {
                let mut v = n[i][j] * dtc + n2[i][j] * T::cst(0.5 * dt * dt);
                if i == j {
                    v = v + T::cst(1.0);
                }
                a[i][j] = e * v;
            }
        }
        let apa = mul_abt(&mul(&a, &self.p_inf, m), &a, m);
        let mut q = [[z; 3]; 3];
        for i in 0..m {
            for j in 0..m {
                q[i][j] = self.p_inf[i][j] - apa[i][j];
            }
        }
        (a, q)
    }
}

fn mul<T: Scalar>(a: &M3<T>, b: &M3<T>, m: usize) -> M3<T> {
    let mut c = [[T::cst(0.0); 3]; 3];
    for i in 0..m {
        for j in 0..m {
            let mut s = T::cst(0.0);
            for k in 0..m {
                s = s + a[i][k] * b[k][j];
            }
            c[i][j] = s;
        }
    }
    c
}

/// `a b^T`.
fn mul_abt<T: Scalar>(a: &M3<T>, b: &M3<T>, m: usize) -> M3<T> {
    let mut c = [[T::cst(0.0); 3]; 3];
    for i in 0..m {
        for j in 0..m {
            let mut s = T::cst(0.0);
            for k in 0..m {
                s = s + a[i][k] * b[j][k];
            }
            c[i][j] = s;
        }
    }
    c
}

/// One step of the filter: predict over `dt`, then (optionally) update
/// with `y`; returns the log-likelihood contribution.
fn step<T: Scalar>(
    model: &Model<T>,
    dt: f64,
    y: Option<f64>,
    mean: &mut [T; 3],
    cov: &mut M3<T>,
) -> Result<T> {
    let m = model.m;
    if dt > 0.0 {
        let (a, q) = model.transition(dt);
        let mut mn = [T::cst(0.0); 3];
        for i in 0..m {
            let mut s = T::cst(0.0);
            for k in 0..m {
                s = s + a[i][k] * mean[k];
            }
            mn[i] = s;
        }
        *mean = mn;
        let apa = mul_abt(&mul(&a, cov, m), &a, m);
        for i in 0..m {
            for j in 0..m {
                cov[i][j] = apa[i][j] + q[i][j];
            }
        }
    }
    let Some(y) = y else { return Ok(T::cst(0.0)) };
    let s = cov[0][0] + model.noise;
    if s.val().is_nan() || s.val() <= 0.0 {
        return Err(Error::NotPositiveDefinite(format!(
            "Kalman innovation variance {} is not positive",
            s.val()
        )));
    }
    let v = T::cst(y) - mean[0];
    let mut k = [T::cst(0.0); 3];
    for i in 0..m {
        k[i] = cov[i][0] / s;
    }
    for i in 0..m {
        mean[i] = mean[i] + k[i] * v;
    }
    let row0 = cov[0];
    for i in 0..m {
        for j in 0..m {
            cov[i][j] = cov[i][j] - k[i] * row0[j];
        }
    }
    Ok(-(T::cst(0.5) * (T::cst(LN_2PI) + s.ln() + v * v / s)))
}

/// Log marginal likelihood by the Kalman filter over sorted times.
fn filter_lml<T: Scalar>(model: &Model<T>, t: &[f64], y: &[f64]) -> Result<T> {
    let mut mean = [T::cst(0.0); 3];
    let mut cov = model.p_inf;
    let mut lml = T::cst(0.0);
    for i in 0..t.len() {
        let dt = if i == 0 { 0.0 } else { t[i] - t[i - 1] };
        lml = lml + step(model, dt, Some(y[i]), &mut mean, &mut cov)?;
    }
    Ok(lml)
}

/// `x` solving `p x = b` for a small SPD `p` (Cholesky of at most 3 x 3).
fn spd_solve(p: &M3<f64>, b: &M3<f64>, m: usize) -> Result<M3<f64>> {
    let mut l = [[0.0; 3]; 3];
    for j in 0..m {
        let mut d = p[j][j];
        for k in 0..j {
            d -= l[j][k] * l[j][k];
        }
        if d.is_nan() || d <= 0.0 {
            return Err(Error::NotPositiveDefinite(
                "RTS smoother predicted covariance".into(),
            ));
        }
        l[j][j] = d.sqrt();
        for i in j + 1..m {
            let mut s = p[i][j];
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            l[i][j] = s / l[j][j];
        }
    }
    let mut x = [[0.0; 3]; 3];
    for c in 0..m {
        let mut z = [0.0; 3];
        for i in 0..m {
            let mut s = b[i][c];
            for k in 0..i {
                s -= l[i][k] * z[k];
            }
            z[i] = s / l[i][i];
        }
        for i in (0..m).rev() {
            let mut s = z[i];
            for k in i + 1..m {
                s -= l[k][i] * x[k][c];
            }
            x[i][c] = s / l[i][i];
        }
    }
    Ok(x)
}

/// A 1-D Matern GP solved as a linear SDE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateSpaceGp {
    order: MaternOrder,
    variance: f64,
    lengthscale: f64,
    noise_variance: f64,
    /// Inputs sorted increasingly, and the targets in the same order.
    t: Vec<f64>,
    y: Vec<f64>,
    lml: f64,
}

struct SsObjective<'a> {
    order: MaternOrder,
    t: &'a [f64],
    y: &'a [f64],
}

impl Objective for SsObjective<'_> {
    fn neg_lml_and_grad(&self, p: &[f64]) -> Result<(f64, Vec<f64>)> {
        crate::kernel::check_log_params(p, 3, "state-space GP log-hyperparameters")?;
        let seed = |i: usize| {
            let mut d = [0.0; 3];
            d[i] = 1.0;
            Dual { v: p[i], d }.exp()
        };
        let model = Model::new(self.order, seed(0), seed(1), seed(2));
        let lml = filter_lml(&model, self.t, self.y)?;
        Ok((-lml.v, lml.d.iter().map(|g| -g).collect()))
    }
}

impl StateSpaceGp {
    /// Conditions the Matern GP with the given variance, lengthscale and
    /// noise variance on 1-D inputs `t` (any order) and targets `y`.
    ///
    /// Errors: `InvalidArgument` for non-positive hyperparameters,
    /// `ShapeMismatch` unless `t` is one-dimensional with one target per
    /// input, `NonFinite` targets.
    pub fn new(
        order: MaternOrder,
        variance: f64,
        lengthscale: f64,
        noise_variance: f64,
        t: &Points,
        y: &[f64],
    ) -> Result<Self> {
        check_positive(variance, "kernel variance")?;
        check_positive(lengthscale, "lengthscale")?;
        check_positive(noise_variance, "noise variance")?;
        if t.dim() != 1 {
            return Err(Error::ShapeMismatch {
                context: "StateSpaceGp inputs",
                expected: "one-dimensional inputs".into(),
                got: format!("dimension {}", t.dim()),
            });
        }
        if y.len() != t.len() {
            return Err(Error::ShapeMismatch {
                context: "GP targets",
                expected: format!("{} targets, one per input", t.len()),
                got: format!("{}", y.len()),
            });
        }
        if y.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite("GP targets"));
        }
        let ts = t.as_slice();
        let mut idx: Vec<usize> = (0..ts.len()).collect();
        idx.sort_by(|&a, &b| ts[a].total_cmp(&ts[b]));
        let t: Vec<f64> = idx.iter().map(|&i| ts[i]).collect();
        let y: Vec<f64> = idx.iter().map(|&i| y[i]).collect();
        let model = Model::new(order, variance, lengthscale, noise_variance);
        let lml = filter_lml(&model, &t, &y)?;
        Ok(Self {
            order,
            variance,
            lengthscale,
            noise_variance,
            t,
            y,
            lml,
        })
    }

    /// Fits variance, lengthscale and noise variance by L-BFGS on the log
    /// marginal likelihood (exact gradients), from the given starting values.
    pub fn fit(
        order: MaternOrder,
        variance: f64,
        lengthscale: f64,
        noise_variance: f64,
        t: &Points,
        y: &[f64],
        options: &FitOptions,
    ) -> Result<(Self, FitReport)> {
        let start = Self::new(order, variance, lengthscale, noise_variance, t, y)?;
        let objective = SsObjective {
            order,
            t: &start.t,
            y: &start.y,
        };
        let report = maximise_lml(&objective, start.log_params(), start.t.len(), options)?;
        let p = &report.log_params;
        let gp = Self {
            variance: p[0].exp(),
            lengthscale: p[1].exp(),
            noise_variance: p[2].exp(),
            ..start
        };
        let model = Model::new(order, gp.variance, gp.lengthscale, gp.noise_variance);
        let lml = filter_lml(&model, &gp.t, &gp.y)?;
        Ok((Self { lml, ..gp }, report))
    }

    /// `[log variance, log lengthscale, log noise variance]`.
    pub fn log_params(&self) -> Vec<f64> {
        vec![
            self.variance.ln(),
            self.lengthscale.ln(),
            self.noise_variance.ln(),
        ]
    }

    /// Gradient of the log marginal likelihood in [`StateSpaceGp::log_params`].
    pub fn log_marginal_likelihood_gradient(&self) -> Result<Vec<f64>> {
        let objective = SsObjective {
            order: self.order,
            t: &self.t,
            y: &self.y,
        };
        let (_, g) = objective.neg_lml_and_grad(&self.log_params())?;
        Ok(g.into_iter().map(|v| -v).collect())
    }

    /// The Matern order.
    pub fn order(&self) -> MaternOrder {
        self.order
    }

    /// `(variance, lengthscale)` of the Matern kernel.
    pub fn kernel_params(&self) -> (f64, f64) {
        (self.variance, self.lengthscale)
    }
}

impl GaussianProcess for StateSpaceGp {
    fn log_marginal_likelihood(&self) -> f64 {
        self.lml
    }

    fn predict(&self, xs: &Points) -> Result<Prediction> {
        if xs.dim() != 1 {
            return Err(Error::ShapeMismatch {
                context: "StateSpaceGp::predict",
                expected: "one-dimensional inputs".into(),
                got: format!("dimension {}", xs.dim()),
            });
        }
        let ts = xs.as_slice();
        // Events in time order: observations (index < n) and test points.
        let n = self.t.len();
        let mut test_order: Vec<usize> = (0..ts.len()).collect();
        test_order.sort_by(|&a, &b| ts[a].total_cmp(&ts[b]));
        let mut events: Vec<(f64, usize)> = Vec::with_capacity(n + ts.len());
        let (mut i, mut j) = (0, 0);
        while i < n || j < test_order.len() {
            if j >= test_order.len() || (i < n && self.t[i] <= ts[test_order[j]]) {
                events.push((self.t[i], i));
                i += 1;
            } else {
                events.push((ts[test_order[j]], n + test_order[j]));
                j += 1;
            }
        }
        let model = Model::new(
            self.order,
            self.variance,
            self.lengthscale,
            self.noise_variance,
        );
        let m = model.m;
        let mut means = Vec::with_capacity(events.len());
        let mut covs = Vec::with_capacity(events.len());
        let mut mean = [0.0; 3];
        let mut cov = model.p_inf;
        for (k, &(time, id)) in events.iter().enumerate() {
            let dt = if k == 0 { 0.0 } else { time - events[k - 1].0 };
            let obs = (id < n).then(|| self.y[id]);
            step(&model, dt, obs, &mut mean, &mut cov)?;
            means.push(mean);
            covs.push(cov);
        }
        // RTS smoother, backwards.
        for k in (0..events.len().saturating_sub(1)).rev() {
            let dt = events[k + 1].0 - events[k].0;
            let (a, q) = model.transition(dt);
            let (mf, pf) = (means[k], covs[k]);
            let ap = mul(&a, &pf, m);
            let mut p_pred = mul_abt(&ap, &a, m);
            let mut m_pred = [0.0; 3];
            for r in 0..m {
                for c in 0..m {
                    p_pred[r][c] += q[r][c];
                    m_pred[r] += a[r][c] * mf[c];
                }
            }
            // G^T = P_pred^{-1} A P_f.
            let gt = spd_solve(&p_pred, &ap, m)?;
            let (ms, ps) = (means[k + 1], covs[k + 1]);
            let mut new_m = mf;
            let mut diff = [[0.0; 3]; 3];
            for r in 0..m {
                for c in 0..m {
                    new_m[r] += gt[c][r] * (ms[c] - m_pred[c]);
                    diff[r][c] = ps[r][c] - p_pred[r][c];
                }
            }
            // P_s = P_f + G (P_s' - P_pred) G^T.
            let mut gd = [[0.0; 3]; 3];
            for r in 0..m {
                for c in 0..m {
                    for s in 0..m {
                        gd[r][c] += gt[s][r] * diff[s][c];
                    }
                }
            }
            let mut new_p = pf;
            for r in 0..m {
                for c in 0..m {
                    for s in 0..m {
                        new_p[r][c] += gd[r][s] * gt[s][c];
                    }
                }
            }
            means[k] = new_m;
            covs[k] = new_p;
        }
        let mut mean_out = vec![0.0; ts.len()];
        let mut var_out = vec![0.0; ts.len()];
        for (k, &(_, id)) in events.iter().enumerate() {
            if id >= n {
                mean_out[id - n] = means[k][0];
                var_out[id - n] = covs[k][0][0].max(0.0);
            }
        }
        Ok(Prediction {
            mean: mean_out,
            variance: var_out,
        })
    }

    fn noise_variance(&self) -> f64 {
        self.noise_variance
    }
}
