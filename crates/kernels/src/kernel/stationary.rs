//! Stationary kernels by a profile of the scaled squared distance.
//!
//! `k(x, y) = s^2 phi(r^2)` with `r^2 = sum_i (x_i - y_i)^2 / l_i^2`: one
//! lengthscale (isotropic) or one per dimension (ARD). Writing every
//! stationary kernel this way means one loop computes `r^2` and the family
//! only supplies `phi`, `phi'` and `phi''` in `r^2`; the chain rule gives
//! all derivatives:
//! `dk/dx_i = 2 s^2 phi' d_i / l_i^2`,
//! `d^2k/dx_i dx_j = s^2 (4 phi'' d_i d_j / (l_i^2 l_j^2) + 2 phi' delta_ij / l_i^2)`
//! with `d = x - y`, and `d^2k/dx dy = -d^2k/dx dx`;
//! `dk/d log l_i = -2 s^2 phi' d_i^2 / l_i^2`. Profiles (Rasmussen &
//! Williams 2006, sec. 4.2; Wendland, *Scattered Data Approximation*, 2005,
//! ch. 9): Gaussian, Matern 1/2, 3/2 and 5/2 in closed form, rational
//! quadratic, inverse multiquadric and Wendland's compactly supported
//! functions. Each profile is written in `r^2` so that its derivatives stay
//! finite at `r = 0` wherever the kernel is smooth enough (Matern 5/2 has
//! finite `phi''` at 0; Matern 3/2 a finite `phi'`, and its `phi''` term is
//! multiplied by `d d^T = 0` there, which the Hessians skip).

use super::{Kernel, check_log_params, check_positive};
use crate::fast_exp::{exp_fast, exp_fused, fused_multiply_add_available};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// A radial profile `phi(r^2)` with `phi(0) = 1`, its derivatives in `r^2`
/// and its own log-hyperparameters (shape parameters such as the rational
/// quadratic's `alpha`).
pub trait Profile: Send + Sync + std::fmt::Debug + Clone {
    /// Short name of the family.
    fn name(&self) -> &'static str;
    /// `phi(r2)`.
    fn value(&self, r2: f64) -> f64;
    /// `d phi / d r2`.
    fn d1(&self, r2: f64) -> f64;
    /// `d^2 phi / d r2^2`.
    fn d2(&self, r2: f64) -> f64;
    /// Overwrites each `r2` in `buf` by `phi(r2)`; the profile's fast path
    /// for kernel sums (vectorisable where the family allows).
    #[inline(always)]
    fn values_in_place(&self, buf: &mut [f64]) {
        for v in buf.iter_mut() {
            *v = self.value(*v);
        }
    }
    /// [`Profile::values_in_place`] for loops compiled under CPU-feature
    /// dispatch on a CPU with hardware fused multiply-add (the kernel sums
    /// and the blocked `K(X, Y)` fill call it only then): families whose
    /// fast path is an exponential use a multiply-add form of it. The
    /// values agree with [`Profile::values_in_place`] to 2 ulp of the
    /// exponential. Elsewhere `f64::mul_add` is a slow software routine.
    #[inline(always)]
    fn values_in_place_fused(&self, buf: &mut [f64]) {
        self.values_in_place(buf);
    }
    /// Overwrites each `r2` in `buf` by `phi(r2)` and writes `phi'(r2)` to
    /// the same place in `d1`, with `phi'` taken as 0 where `r2 = 0` (the
    /// lengthscale derivatives multiply it by the zero distance there, and
    /// it is infinite for kernels not differentiable at the origin). The
    /// profile's fast path for hyperparameter gradients; `fused` as in
    /// [`Profile::values_in_place_fused`].
    #[inline(always)]
    fn values_and_d1_in_place(&self, buf: &mut [f64], d1: &mut [f64], fused: bool) {
        let _ = fused;
        for (v, g) in buf.iter_mut().zip(d1.iter_mut()) {
            let r2 = *v;
            *g = if r2 > 0.0 { self.d1(r2) } else { 0.0 };
            *v = self.value(r2);
        }
    }
    /// Number of shape hyperparameters.
    fn num_params(&self) -> usize {
        0
    }
    /// Shape hyperparameters as logarithms.
    fn log_params(&self) -> Vec<f64> {
        Vec::new()
    }
    /// Sets the shape hyperparameters from logarithms (already checked for
    /// count and finiteness).
    fn set_log_params(&mut self, _log_params: &[f64]) {}
    /// Names of the shape hyperparameters.
    fn param_names(&self) -> Vec<String> {
        Vec::new()
    }
    /// Writes `d phi / d log theta` for the shape hyperparameters.
    fn grad_log_params(&self, _r2: f64, _out: &mut [f64]) {}
}

/// `phi = exp(-r^2 / 2)`: the squared-exponential (Gaussian, RBF) kernel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Gaussian;

impl Profile for Gaussian {
    fn name(&self) -> &'static str {
        "gaussian"
    }
    #[inline(always)]
    fn value(&self, r2: f64) -> f64 {
        (-0.5 * r2).exp()
    }
    fn d1(&self, r2: f64) -> f64 {
        -0.5 * (-0.5 * r2).exp()
    }
    fn d2(&self, r2: f64) -> f64 {
        0.25 * (-0.5 * r2).exp()
    }
    #[inline(always)]
    fn values_in_place(&self, buf: &mut [f64]) {
        for v in buf.iter_mut() {
            *v = exp_fast(-0.5 * *v);
        }
    }
    #[inline(always)]
    fn values_in_place_fused(&self, buf: &mut [f64]) {
        for v in buf.iter_mut() {
            *v = exp_fused(-0.5 * *v);
        }
    }
    #[inline(always)]
    fn values_and_d1_in_place(&self, buf: &mut [f64], d1: &mut [f64], fused: bool) {
        // phi' = -phi / 2 everywhere (finite at 0, where it is not used).
        if fused {
            self.values_in_place_fused(buf);
        } else {
            self.values_in_place(buf);
        }
        for (g, v) in d1.iter_mut().zip(buf.iter()) {
            *g = -0.5 * v;
        }
    }
}

/// Matern 1/2 (exponential, Ornstein-Uhlenbeck): `phi = exp(-r)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Matern12;

impl Profile for Matern12 {
    fn name(&self) -> &'static str {
        "matern12"
    }
    #[inline(always)]
    fn value(&self, r2: f64) -> f64 {
        (-r2.sqrt()).exp()
    }
    /// Infinite at `r = 0`: the Matern 1/2 kernel is not differentiable there.
    fn d1(&self, r2: f64) -> f64 {
        let r = r2.sqrt();
        -(-r).exp() / (2.0 * r)
    }
    fn d2(&self, r2: f64) -> f64 {
        let r = r2.sqrt();
        (-r).exp() * (r + 1.0) / (4.0 * r * r2)
    }
    #[inline(always)]
    fn values_in_place(&self, buf: &mut [f64]) {
        for v in buf.iter_mut() {
            *v = exp_fast(-v.sqrt());
        }
    }
    #[inline(always)]
    fn values_in_place_fused(&self, buf: &mut [f64]) {
        for v in buf.iter_mut() {
            *v = exp_fused(-v.sqrt());
        }
    }
    #[inline(always)]
    fn values_and_d1_in_place(&self, buf: &mut [f64], d1: &mut [f64], fused: bool) {
        for (v, g) in buf.iter_mut().zip(d1.iter_mut()) {
            let r = v.sqrt();
            let e = if fused { exp_fused(-r) } else { exp_fast(-r) };
            *g = if r > 0.0 { -e / (2.0 * r) } else { 0.0 };
            *v = e;
        }
    }
}

/// Matern 3/2: `phi = (1 + sqrt(3) r) exp(-sqrt(3) r)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Matern32;

const SQRT3: f64 = 1.732_050_807_568_877_2;
const SQRT5: f64 = 2.236_067_977_499_79;

impl Profile for Matern32 {
    fn name(&self) -> &'static str {
        "matern32"
    }
    #[inline(always)]
    fn value(&self, r2: f64) -> f64 {
        let s = SQRT3 * r2.sqrt();
        (1.0 + s) * (-s).exp()
    }
    fn d1(&self, r2: f64) -> f64 {
        -1.5 * (-SQRT3 * r2.sqrt()).exp()
    }
    /// Infinite at `r = 0`; the Hessians multiply it by `d d^T = 0` there.
    fn d2(&self, r2: f64) -> f64 {
        let r = r2.sqrt();
        0.75 * SQRT3 * (-SQRT3 * r).exp() / r
    }
    #[inline(always)]
    fn values_in_place(&self, buf: &mut [f64]) {
        for v in buf.iter_mut() {
            let s = SQRT3 * v.sqrt();
            *v = (1.0 + s) * exp_fast(-s);
        }
    }
    #[inline(always)]
    fn values_in_place_fused(&self, buf: &mut [f64]) {
        for v in buf.iter_mut() {
            let s = SQRT3 * v.sqrt();
            *v = (1.0 + s) * exp_fused(-s);
        }
    }
    #[inline(always)]
    fn values_and_d1_in_place(&self, buf: &mut [f64], d1: &mut [f64], fused: bool) {
        for (v, g) in buf.iter_mut().zip(d1.iter_mut()) {
            let s = SQRT3 * v.sqrt();
            let e = if fused { exp_fused(-s) } else { exp_fast(-s) };
            *g = -1.5 * e;
            *v = (1.0 + s) * e;
        }
    }
}

/// Matern 5/2: `phi = (1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Matern52;

impl Profile for Matern52 {
    fn name(&self) -> &'static str {
        "matern52"
    }
    #[inline(always)]
    fn value(&self, r2: f64) -> f64 {
        let s = SQRT5 * r2.sqrt();
        (1.0 + s + s * s / 3.0) * (-s).exp()
    }
    fn d1(&self, r2: f64) -> f64 {
        let s = SQRT5 * r2.sqrt();
        -(5.0 / 6.0) * (1.0 + s) * (-s).exp()
    }
    fn d2(&self, r2: f64) -> f64 {
        (25.0 / 12.0) * (-SQRT5 * r2.sqrt()).exp()
    }
    #[inline(always)]
    fn values_in_place(&self, buf: &mut [f64]) {
        for v in buf.iter_mut() {
            let s = SQRT5 * v.sqrt();
            *v = (1.0 + s + s * s * (1.0 / 3.0)) * exp_fast(-s);
        }
    }
    #[inline(always)]
    fn values_in_place_fused(&self, buf: &mut [f64]) {
        for v in buf.iter_mut() {
            let s = SQRT5 * v.sqrt();
            *v = (1.0 + s + s * s * (1.0 / 3.0)) * exp_fused(-s);
        }
    }
    #[inline(always)]
    fn values_and_d1_in_place(&self, buf: &mut [f64], d1: &mut [f64], fused: bool) {
        for (v, g) in buf.iter_mut().zip(d1.iter_mut()) {
            let s = SQRT5 * v.sqrt();
            let e = if fused { exp_fused(-s) } else { exp_fast(-s) };
            *g = -(5.0 / 6.0) * (1.0 + s) * e;
            *v = (1.0 + s + s * s * (1.0 / 3.0)) * e;
        }
    }
}

/// Rational quadratic: `phi = (1 + r^2 / (2 alpha))^(-alpha)`, a scale
/// mixture of Gaussians; tends to the Gaussian as `alpha -> inf`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RationalQuadratic {
    alpha: f64,
}

impl RationalQuadratic {
    /// `InvalidArgument` unless `alpha > 0`.
    pub fn new(alpha: f64) -> Result<Self> {
        Ok(Self {
            alpha: check_positive(alpha, "rational quadratic alpha")?,
        })
    }
    /// The shape `alpha`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
}

impl Profile for RationalQuadratic {
    fn name(&self) -> &'static str {
        "rational_quadratic"
    }
    fn value(&self, r2: f64) -> f64 {
        (-self.alpha * (r2 / (2.0 * self.alpha)).ln_1p()).exp()
    }
    fn d1(&self, r2: f64) -> f64 {
        let a = self.alpha;
        -0.5 * (-(a + 1.0) * (r2 / (2.0 * a)).ln_1p()).exp()
    }
    fn d2(&self, r2: f64) -> f64 {
        let a = self.alpha;
        (a + 1.0) / (4.0 * a) * (-(a + 2.0) * (r2 / (2.0 * a)).ln_1p()).exp()
    }
    fn num_params(&self) -> usize {
        1
    }
    fn log_params(&self) -> Vec<f64> {
        vec![self.alpha.ln()]
    }
    fn set_log_params(&mut self, p: &[f64]) {
        self.alpha = p[0].exp();
    }
    fn param_names(&self) -> Vec<String> {
        vec!["alpha".into()]
    }
    fn grad_log_params(&self, r2: f64, out: &mut [f64]) {
        let a = self.alpha;
        let u = r2 / (2.0 * a);
        out[0] = self.value(r2) * a * (u / (1.0 + u) - u.ln_1p());
    }
}

/// Inverse multiquadric: `phi = (1 + r^2)^(-beta)`, positive definite in
/// every dimension for `beta > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InverseMultiquadric {
    beta: f64,
}

impl InverseMultiquadric {
    /// `InvalidArgument` unless `beta > 0`.
    pub fn new(beta: f64) -> Result<Self> {
        Ok(Self {
            beta: check_positive(beta, "inverse multiquadric beta")?,
        })
    }
    /// The exponent `beta`.
    pub fn beta(&self) -> f64 {
        self.beta
    }
}

impl Profile for InverseMultiquadric {
    fn name(&self) -> &'static str {
        "inverse_multiquadric"
    }
    fn value(&self, r2: f64) -> f64 {
        (-self.beta * r2.ln_1p()).exp()
    }
    fn d1(&self, r2: f64) -> f64 {
        -self.beta * (-(self.beta + 1.0) * r2.ln_1p()).exp()
    }
    fn d2(&self, r2: f64) -> f64 {
        self.beta * (self.beta + 1.0) * (-(self.beta + 2.0) * r2.ln_1p()).exp()
    }
    fn num_params(&self) -> usize {
        1
    }
    fn log_params(&self) -> Vec<f64> {
        vec![self.beta.ln()]
    }
    fn set_log_params(&mut self, p: &[f64]) {
        self.beta = p[0].exp();
    }
    fn param_names(&self) -> Vec<String> {
        vec!["beta".into()]
    }
    fn grad_log_params(&self, r2: f64, out: &mut [f64]) {
        out[0] = -self.beta * r2.ln_1p() * self.value(r2);
    }
}

/// Wendland's compactly supported functions `phi_{3,k}` (zero for `r >= 1`,
/// the lengthscale is the support radius), positive definite in dimension
/// at most 3 and `C^{2k}`:
/// `k = 0: (1-r)^2`, `k = 1: (1-r)^4 (4r + 1)`,
/// `k = 2: (1-r)^6 (35 r^2 + 18 r + 3) / 3`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Wendland {
    smoothness: u8,
}

impl Wendland {
    /// `InvalidArgument` unless `smoothness` is 0, 1 or 2.
    pub fn new(smoothness: u8) -> Result<Self> {
        if smoothness > 2 {
            return Err(Error::InvalidArgument(format!(
                "Wendland smoothness must be 0, 1 or 2, got {smoothness}"
            )));
        }
        Ok(Self { smoothness })
    }
}

impl Profile for Wendland {
    fn name(&self) -> &'static str {
        "wendland"
    }
    fn value(&self, r2: f64) -> f64 {
        let r = r2.sqrt();
        if r >= 1.0 {
            return 0.0;
        }
        let t = 1.0 - r;
        match self.smoothness {
            0 => t * t,
            1 => t.powi(4) * (4.0 * r + 1.0),
            _ => t.powi(6) * (35.0 * r2 + 18.0 * r + 3.0) / 3.0,
        }
    }
    fn d1(&self, r2: f64) -> f64 {
        let r = r2.sqrt();
        if r >= 1.0 {
            return 0.0;
        }
        let t = 1.0 - r;
        match self.smoothness {
            0 => -t / r,
            1 => -10.0 * t.powi(3),
            _ => -28.0 / 3.0 * t.powi(5) * (5.0 * r + 1.0),
        }
    }
    fn d2(&self, r2: f64) -> f64 {
        let r = r2.sqrt();
        if r >= 1.0 {
            return 0.0;
        }
        let t = 1.0 - r;
        match self.smoothness {
            0 => 1.0 / (2.0 * r * r2),
            1 => 15.0 * t * t / r,
            _ => 140.0 * t.powi(4),
        }
    }
}

/// `k(x, y) = variance * phi(r^2)` with isotropic or ARD lengthscales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stationary<P> {
    profile: P,
    variance: f64,
    lengthscales: Vec<f64>,
}

impl<P: Profile> Stationary<P> {
    /// Isotropic kernel: one lengthscale for every dimension.
    ///
    /// Errors: `InvalidArgument` unless `variance` and `lengthscale` are
    /// finite and positive.
    pub fn new(profile: P, variance: f64, lengthscale: f64) -> Result<Self> {
        Self::ard(profile, variance, vec![lengthscale])
    }

    /// ARD kernel: one lengthscale per dimension (a single entry means
    /// isotropic).
    pub fn ard(profile: P, variance: f64, lengthscales: Vec<f64>) -> Result<Self> {
        check_positive(variance, "kernel variance")?;
        if lengthscales.is_empty() {
            return Err(Error::Empty("lengthscales"));
        }
        for &l in &lengthscales {
            check_positive(l, "lengthscale")?;
        }
        Ok(Self {
            profile,
            variance,
            lengthscales,
        })
    }

    /// The profile.
    pub fn profile(&self) -> &P {
        &self.profile
    }
    /// The variance `k(x, x)`.
    pub fn variance(&self) -> f64 {
        self.variance
    }
    /// The lengthscales (one entry when isotropic).
    pub fn lengthscales(&self) -> &[f64] {
        &self.lengthscales
    }

    #[inline(always)]
    fn inv_l2(&self, i: usize) -> f64 {
        let l = if self.lengthscales.len() == 1 {
            self.lengthscales[0]
        } else {
            self.lengthscales[i]
        };
        1.0 / (l * l)
    }

    /// The scaled squared distance `r^2`.
    #[inline(always)]
    pub fn scaled_sq_dist(&self, x: &[f64], y: &[f64]) -> f64 {
        if self.lengthscales.len() == 1 {
            let s: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
            s / (self.lengthscales[0] * self.lengthscales[0])
        } else {
            x.iter()
                .zip(y)
                .zip(&self.lengthscales)
                .map(|((a, b), l)| {
                    let d = (a - b) / l;
                    d * d
                })
                .sum()
        }
    }

    fn write_hess_xx(&self, x: &[f64], y: &[f64], out: &mut [f64], sign: f64) -> Result<()> {
        let d = x.len();
        if out.len() != d * d {
            return Err(Error::ShapeMismatch {
                context: "kernel Hessian",
                expected: format!("{} entries", d * d),
                got: format!("{}", out.len()),
            });
        }
        let r2 = self.scaled_sq_dist(x, y);
        let p1 = self.profile.d1(r2);
        let p2 = if r2 > 0.0 { self.profile.d2(r2) } else { 0.0 };
        for i in 0..d {
            let gi = (x[i] - y[i]) * self.inv_l2(i);
            for j in 0..d {
                let gj = (x[j] - y[j]) * self.inv_l2(j);
                let mut h = 4.0 * p2 * gi * gj;
                if i == j {
                    h += 2.0 * p1 * self.inv_l2(i);
                }
                out[i * d + j] = sign * self.variance * h;
            }
        }
        Ok(())
    }
}

impl<P: Profile> Kernel for Stationary<P> {
    #[inline]
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        self.variance * self.profile.value(self.scaled_sq_dist(x, y))
    }

    /// Scaled squared distances for a tile of rows first, then the profile
    /// over the tile in one vectorisable pass, under CPU-feature dispatch.
    fn cross_columns(&self, x: &crate::Points, y: &crate::Points, out: &mut [f64]) {
        self.fill_cross_columns(x, y, out, fused_multiply_add_available(), false);
    }

    /// The blocked fill of `cross_columns` with `Y = X`, skipping the row
    /// tiles that lie wholly above the diagonal.
    fn gram_lower_columns(&self, x: &crate::Points, out: &mut [f64]) {
        self.fill_cross_columns(x, x, out, fused_multiply_add_available(), true);
    }

    fn num_params(&self) -> usize {
        1 + self.lengthscales.len() + self.profile.num_params()
    }

    fn log_params(&self) -> Vec<f64> {
        let mut p = vec![self.variance.ln()];
        p.extend(self.lengthscales.iter().map(|l| l.ln()));
        p.extend(self.profile.log_params());
        p
    }

    fn set_log_params(&mut self, p: &[f64]) -> Result<()> {
        check_log_params(
            p,
            self.num_params(),
            "stationary kernel log-hyperparameters",
        )?;
        let nl = self.lengthscales.len();
        self.variance = p[0].exp();
        for (l, q) in self.lengthscales.iter_mut().zip(&p[1..1 + nl]) {
            *l = q.exp();
        }
        self.profile.set_log_params(&p[1 + nl..]);
        Ok(())
    }

    fn param_names(&self) -> Vec<String> {
        let mut names = vec!["variance".to_string()];
        if self.lengthscales.len() == 1 {
            names.push("lengthscale".into());
        } else {
            names.extend((0..self.lengthscales.len()).map(|i| format!("lengthscale[{i}]")));
        }
        names.extend(self.profile.param_names());
        names
    }

    fn eval_with_grad(&self, x: &[f64], y: &[f64], grad: &mut [f64]) -> f64 {
        let r2 = self.scaled_sq_dist(x, y);
        let k = self.variance * self.profile.value(r2);
        grad[0] = k;
        let nl = self.lengthscales.len();
        let c = -2.0 * self.variance * if r2 > 0.0 { self.profile.d1(r2) } else { 0.0 };
        if nl == 1 {
            grad[1] = c * r2;
        } else {
            for i in 0..nl {
                let di = (x[i] - y[i]) / self.lengthscales[i];
                grad[1 + i] = c * di * di;
            }
        }
        let g = &mut grad[1 + nl..];
        self.profile.grad_log_params(r2, g);
        for v in g.iter_mut() {
            *v *= self.variance;
        }
        k
    }

    fn grad_x(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        if out.len() != x.len() {
            return Err(Error::ShapeMismatch {
                context: "kernel gradient",
                expected: format!("{} entries", x.len()),
                got: format!("{}", out.len()),
            });
        }
        let r2 = self.scaled_sq_dist(x, y);
        let p1 = if r2 > 0.0 {
            self.profile.d1(r2)
        } else {
            self.profile.d1(0.0)
        };
        for i in 0..x.len() {
            let di = x[i] - y[i];
            out[i] = if di == 0.0 {
                0.0
            } else {
                2.0 * self.variance * p1 * di * self.inv_l2(i)
            };
        }
        Ok(())
    }

    fn hess_xy(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.write_hess_xx(x, y, out, -1.0)
    }

    fn hess_xx(&self, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        self.write_hess_xx(x, y, out, 1.0)
    }

    fn input_dim(&self) -> Option<usize> {
        (self.lengthscales.len() > 1).then_some(self.lengthscales.len())
    }

    /// One pass over the lower triangle for all hyperparameters: per
    /// column, tiles of scaled squared distances, the profile's `phi` and
    /// `phi'` over the tile in one vectorisable call, then
    /// `sum w phi` (variance), `sum w phi' d_k^2` (lengthscale `k`) from the
    /// same tile, under CPU-feature dispatch; columns in parallel, summed in
    /// column order.
    fn contract_gram_gradient(&self, x: &crate::Points, w_lower: &[f64], out: &mut [f64]) {
        self.contract_gram_gradient_with(x, w_lower, out, fused_multiply_add_available());
    }
}

impl<P: Profile> Stationary<P> {
    /// [`Kernel::cross_columns`], with the profile's multiply-add form when
    /// `fused`; when `lower` (and `y` is `x`), only the row tiles that meet
    /// the lower triangle are filled.
    fn fill_cross_columns(
        &self,
        x: &crate::Points,
        y: &crate::Points,
        out: &mut [f64],
        fused: bool,
        lower: bool,
    ) {
        use rayon::prelude::*;
        let (n, d) = (x.len(), x.dim());
        let inv: Vec<f64> = (0..d)
            .map(|k| 1.0 / self.lengthscales[if self.lengthscales.len() == 1 { 0 } else { k }])
            .collect();
        let xs = self.scaled_dimension_major(x);
        out.par_chunks_mut(n.max(1) * FILL_COLS)
            .enumerate()
            .for_each(|(c, cols)| {
                let j0 = c * FILL_COLS;
                let z: Vec<f64> = (j0..j0 + cols.len() / n.max(1))
                    .flat_map(|j| y.row(j).iter().zip(&inv).map(|(v, s)| v * s))
                    .collect();
                pulp::Arch::new().dispatch(FillColumns {
                    kernel: self,
                    fused,
                    first_lower: lower.then_some(j0),
                    xs: &xs,
                    z: &z,
                    n,
                    d,
                    out: cols,
                });
            });
    }
}

impl<P: Profile> Stationary<P> {
    /// [`Kernel::contract_gram_gradient`], with the profile's multiply-add
    /// form when `fused`.
    fn contract_gram_gradient_with(
        &self,
        x: &crate::Points,
        w_lower: &[f64],
        out: &mut [f64],
        fused: bool,
    ) {
        use rayon::prelude::*;
        let (n, d) = (x.len(), x.dim());
        let np = self.profile.num_params();
        let xs = self.scaled_dimension_major(x);
        // Per column: sum w phi, then sum w phi' d_k^2 for each dimension,
        // then sum w dphi/dlog(shape) for the profile's own parameters.
        let width = 1 + d + np;
        let columns: Vec<Vec<f64>> = (0..n)
            .into_par_iter()
            .map(|j| {
                let mut acc = vec![0.0; width];
                pulp::Arch::new().dispatch(ContractColumn {
                    kernel: self,
                    fused,
                    xs: &xs,
                    n,
                    d,
                    j,
                    w: &w_lower[j * n..(j + 1) * n],
                    acc: &mut acc,
                });
                acc
            })
            .collect();
        let mut sums = vec![0.0; width];
        for c in &columns {
            for (s, v) in sums.iter_mut().zip(c) {
                *s += v;
            }
        }
        let s2 = self.variance;
        out[0] = s2 * sums[0];
        let nl = self.lengthscales.len();
        if nl == 1 {
            out[1] = -2.0 * s2 * sums[1..1 + d].iter().sum::<f64>();
        } else {
            for k in 0..nl {
                out[1 + k] = -2.0 * s2 * sums[1 + k];
            }
        }
        for q in 0..np {
            out[1 + nl + q] = s2 * sums[1 + d + q];
        }
    }

    /// The points divided by their lengthscales, stored dimension-major, so
    /// that distance loops run down the rows of a column in SIMD lanes.
    fn scaled_dimension_major(&self, x: &crate::Points) -> Vec<f64> {
        let (n, d) = (x.len(), x.dim());
        let inv: Vec<f64> = (0..d)
            .map(|k| 1.0 / self.lengthscales[if self.lengthscales.len() == 1 { 0 } else { k }])
            .collect();
        let mut xs = vec![0.0; n * d];
        for (i, r) in x.rows().enumerate() {
            for (k, (v, s)) in r.iter().zip(&inv).enumerate() {
                xs[k * n + i] = v * s;
            }
        }
        xs
    }
}

/// `sum_t a_t b_t` with four interleaved partial sums, so that the loop
/// vectorises; the order is fixed, so the result is reproducible.
#[inline(always)]
fn dot4(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let (ac, bc) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for ((l, xv), yv) in lanes.iter_mut().zip(x).zip(y) {
            *l += xv * yv;
        }
    }
    let tail: f64 = ar.iter().zip(br).map(|(x, y)| x * y).sum();
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

/// Rows per tile of the gradient contraction.
const CONTRACT_ROWS: usize = 256;

/// Column `j` of the gradient contraction: the diagonal entry and the
/// strict lower triangle (weights doubled for the upper one), tile by tile.
struct ContractColumn<'a, P> {
    kernel: &'a Stationary<P>,
    fused: bool,
    xs: &'a [f64],
    n: usize,
    d: usize,
    j: usize,
    /// Column `j` of the weights.
    w: &'a [f64],
    acc: &'a mut [f64],
}

impl<P: Profile> pulp::WithSimd for ContractColumn<'_, P> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let ContractColumn {
            kernel,
            fused,
            xs,
            n,
            d,
            j,
            w,
            acc,
        } = self;
        let profile = &kernel.profile;
        let np = profile.num_params();
        let mut g = vec![0.0; np];
        // Diagonal: r2 = 0, phi = 1, no lengthscale term.
        acc[0] += w[j] * profile.value(0.0);
        if np > 0 {
            profile.grad_log_params(0.0, &mut g);
            for (a, gv) in acc[1 + d..].iter_mut().zip(&g) {
                *a += w[j] * gv;
            }
        }
        let z: Vec<f64> = (0..d).map(|k| xs[k * n + j]).collect();
        let mut r2 = [0.0; CONTRACT_ROWS];
        let mut d1 = [0.0; CONTRACT_ROWS];
        let mut sq = [0.0; CONTRACT_ROWS];
        for i0 in (j + 1..n).step_by(CONTRACT_ROWS) {
            let i1 = (i0 + CONTRACT_ROWS).min(n);
            let m = i1 - i0;
            let (r2, d1, sq) = (&mut r2[..m], &mut d1[..m], &mut sq[..m]);
            let wt = &w[i0..i1];
            r2.fill(0.0);
            for (k, &zk) in z.iter().enumerate() {
                for (t, xv) in r2.iter_mut().zip(&xs[k * n + i0..k * n + i1]) {
                    let diff = xv - zk;
                    *t += diff * diff;
                }
            }
            if np > 0 {
                for (&r, &wv) in r2.iter().zip(wt) {
                    profile.grad_log_params(r, &mut g);
                    for (a, gv) in acc[1 + d..].iter_mut().zip(&g) {
                        *a += 2.0 * wv * gv;
                    }
                }
            }
            profile.values_and_d1_in_place(r2, d1, fused);
            acc[0] += 2.0 * dot4(wt, r2);
            for (c, wv) in d1.iter_mut().zip(wt) {
                *c *= 2.0 * wv;
            }
            for (k, &zk) in z.iter().enumerate() {
                for (s, xv) in sq.iter_mut().zip(&xs[k * n + i0..k * n + i1]) {
                    let diff = xv - zk;
                    *s = diff * diff;
                }
                acc[1 + k] += dot4(d1, sq);
            }
        }
    }
}

/// Columns per parallel task of [`Stationary`]'s `cross_columns`.
const FILL_COLS: usize = 8;
/// Rows per tile: the tile of scaled `X` (`FILL_ROWS x d`) and of the
/// output column stay in L1 while the columns of a task sweep it.
const FILL_ROWS: usize = 256;

/// A group of columns of `K(X, Y)` (`z` holds their scaled `y` points,
/// row-major), filled under CPU-feature dispatch so that the distance loop
/// and the profile's vectorised `exp` use the widest SIMD available (and
/// its multiply-add form where the CPU has FMA).
struct FillColumns<'a, P> {
    kernel: &'a Stationary<P>,
    /// Whether the CPU has hardware FMA (see `crate::fast_exp`).
    fused: bool,
    /// For a lower-triangle fill, the index of the first column: row tiles
    /// that end above a column's diagonal are skipped.
    first_lower: Option<usize>,
    xs: &'a [f64],
    z: &'a [f64],
    n: usize,
    d: usize,
    out: &'a mut [f64],
}

impl<P: Profile> pulp::WithSimd for FillColumns<'_, P> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let FillColumns {
            kernel,
            fused,
            first_lower,
            xs,
            z,
            n,
            d,
            out,
        } = self;
        let variance = kernel.variance;
        for i0 in (0..n).step_by(FILL_ROWS) {
            let i1 = (i0 + FILL_ROWS).min(n);
            for (c, (col, zj)) in out
                .chunks_exact_mut(n)
                .zip(z.chunks_exact(d.max(1)))
                .enumerate()
            {
                if first_lower.is_some_and(|j0| i1 <= j0 + c) {
                    continue;
                }
                let tile = &mut col[i0..i1];
                tile.fill(0.0);
                for (k, &zk) in zj.iter().enumerate() {
                    for (t, xv) in tile.iter_mut().zip(&xs[k * n + i0..k * n + i1]) {
                        let diff = xv - zk;
                        *t += diff * diff;
                    }
                }
                if fused {
                    kernel.profile.values_in_place_fused(tile);
                } else {
                    kernel.profile.values_in_place(tile);
                }
                if variance != 1.0 {
                    tile.iter_mut().for_each(|t| *t *= variance);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Gaussian, Matern32, Profile, Stationary};
    use crate::kernel::Kernel;
    use crate::points::Points;

    /// Both arithmetic forms of the blocked fill against entry-wise
    /// evaluation, across several row tiles and column groups.
    fn both_fills_match_eval<P: Profile>(k: Stationary<P>) {
        let (n, m, d) = (600, 19, 2);
        let x = Points::new((0..n * d).map(|i| (i as f64 * 0.37).sin()).collect(), d).unwrap();
        let y = Points::new((0..m * d).map(|i| (i as f64 * 0.91).cos()).collect(), d).unwrap();
        for fused in [false, true] {
            let mut out = vec![0.0; n * m];
            k.fill_cross_columns(&x, &y, &mut out, fused, false);
            for j in 0..m {
                for i in 0..n {
                    let want = k.eval(x.row(i), y.row(j));
                    let got = out[j * n + i];
                    assert!(
                        (got - want).abs() <= 1e-14 * want.abs() + 1e-300,
                        "fused = {fused}, ({i}, {j}): {got} vs {want}"
                    );
                }
            }
            // The lower-triangle fill of K(X, X).
            let mut lower = vec![f64::NAN; n * n];
            k.fill_cross_columns(&x, &x, &mut lower, fused, true);
            for j in 0..n {
                for i in j..n {
                    let want = k.eval(x.row(i), x.row(j));
                    let got = lower[j * n + i];
                    assert!(
                        (got - want).abs() <= 1e-14 * want.abs() + 1e-300,
                        "lower, fused = {fused}, ({i}, {j}): {got} vs {want}"
                    );
                }
            }
        }
    }

    /// The blocked gradient contraction (both arithmetic forms) against
    /// `eval_with_grad` summed over every ordered pair, with a duplicate
    /// point so that some off-diagonal distances are zero.
    fn contraction_matches_pairwise<P: Profile>(k: Stationary<P>) {
        let (n, d) = (300, 3);
        let mut coords: Vec<f64> = (0..n * d).map(|i| (i as f64 * 0.53).sin()).collect();
        coords.copy_within(0..d, 7 * d);
        let x = Points::new(coords, d).unwrap();
        let w: Vec<f64> = (0..n * n)
            .map(|idx| {
                let (i, j) = (idx % n, idx / n);
                let (a, b) = (i.max(j), i.min(j));
                ((a * 31 + b * 17) as f64 * 0.11).cos()
            })
            .collect();
        let p = k.num_params();
        let mut want = vec![0.0; p];
        let mut g = vec![0.0; p];
        for j in 0..n {
            for i in 0..n {
                k.eval_with_grad(x.row(i), x.row(j), &mut g);
                for (a, gv) in want.iter_mut().zip(&g) {
                    *a += w[j * n + i] * gv;
                }
            }
        }
        let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for fused in [false, true] {
            let mut got = vec![f64::NAN; p];
            k.contract_gram_gradient_with(&x, &w, &mut got, fused);
            for (a, b) in got.iter().zip(&want) {
                assert!(
                    (a - b).abs() <= 1e-12 * scale,
                    "fused = {fused}: {got:?} vs {want:?}"
                );
            }
        }
    }

    #[test]
    fn gradient_contraction_matches_pairwise_sums() {
        use super::{Matern12, Matern52, RationalQuadratic};
        contraction_matches_pairwise(Stationary::new(Gaussian, 1.7, 0.6).unwrap());
        contraction_matches_pairwise(Stationary::ard(Matern12, 0.8, vec![0.5, 1.2, 0.9]).unwrap());
        contraction_matches_pairwise(Stationary::ard(Matern32, 1.1, vec![0.7, 0.4, 2.0]).unwrap());
        contraction_matches_pairwise(Stationary::new(Matern52, 2.0, 0.8).unwrap());
        contraction_matches_pairwise(
            Stationary::ard(
                RationalQuadratic::new(1.5).unwrap(),
                1.3,
                vec![0.6, 0.9, 1.1],
            )
            .unwrap(),
        );
    }

    #[test]
    fn plain_and_fused_fills_match_entrywise_evaluation() {
        both_fills_match_eval(Stationary::new(Gaussian, 2.5, 0.7).unwrap());
        both_fills_match_eval(Stationary::ard(Matern32, 1.0, vec![0.4, 1.3]).unwrap());
    }
}
