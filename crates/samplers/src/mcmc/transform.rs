//! Bijections from unconstrained space to constrained supports, with
//! log-Jacobians and their gradients, so gradient-based kernels can sample
//! constrained parameters.
//!
//! A target on a constrained `x` becomes a target on unconstrained `y` with
//! density `p(x(y)) |det dx/dy|`; its gradient is the pull-back
//! `J^T grad_x log p + grad_y log|det J|`, computed here by a hand-written
//! reverse pass for each bijection. The transforms follow the Stan
//! reference manual ("Constraint transforms"): `exp` for lower bounds, the
//! scaled logistic for intervals, stick-breaking with a centring offset
//! for the simplex, and canonical partial correlations for Cholesky factors
//! of correlation matrices.

use super::target::Target;
use crate::{Error, Result};
use sobolev_special::log_sigmoid;

/// A smooth bijection from `R^n` onto a constrained set of dimension `m`.
pub trait Bijection: Sync {
    /// Unconstrained dimension `n`.
    fn unconstrained_dim(&self) -> usize;
    /// Dimension `m` of the constrained representation.
    fn constrained_dim(&self) -> usize;
    /// Writes `x(y)` and returns `log|det dx/dy|` (for the simplex, the
    /// density of the first `m - 1` coordinates).
    fn forward(&self, y: &[f64], x: &mut [f64]) -> f64;
    /// Writes `J^T grad_x + grad_y log|det J|` into `grad_y`.
    fn pullback(&self, y: &[f64], grad_x: &[f64], grad_y: &mut [f64]);
}

fn sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}

/// `log(sigmoid(t))` and `log(1 - sigmoid(t))` without cancellation.
fn log_sigmoids(t: f64) -> (f64, f64) {
    (log_sigmoid(t), log_sigmoid(-t))
}

/// `x = lower + exp(y)`, element-wise, for parameters bounded below.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LowerBounded {
    /// The lower bound of each coordinate.
    pub lower: Vec<f64>,
}

impl Bijection for LowerBounded {
    fn unconstrained_dim(&self) -> usize {
        self.lower.len()
    }
    fn constrained_dim(&self) -> usize {
        self.lower.len()
    }
    fn forward(&self, y: &[f64], x: &mut [f64]) -> f64 {
        for ((xi, yi), a) in x.iter_mut().zip(y).zip(&self.lower) {
            *xi = a + yi.exp();
        }
        y.iter().sum()
    }
    fn pullback(&self, y: &[f64], grad_x: &[f64], grad_y: &mut [f64]) {
        for ((gy, yi), gx) in grad_y.iter_mut().zip(y).zip(grad_x) {
            *gy = gx * yi.exp() + 1.0;
        }
    }
}

/// `x = a + (b - a) sigmoid(y)`, element-wise, for interval constraints.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// Lower bounds.
    pub lower: Vec<f64>,
    /// Upper bounds (each above its lower bound).
    pub upper: Vec<f64>,
}

impl Interval {
    /// Checks the bounds: equal lengths, finite, `lower < upper`.
    pub fn new(lower: Vec<f64>, upper: Vec<f64>) -> Result<Self> {
        if lower.len() != upper.len() {
            return Err(Error::ShapeMismatch {
                context: "interval bounds",
                expected: format!("{} upper bounds", lower.len()),
                got: format!("{}", upper.len()),
            });
        }
        if lower
            .iter()
            .zip(&upper)
            .any(|(a, b)| !(a.is_finite() && b.is_finite() && a < b))
        {
            return Err(Error::InvalidArgument(
                "interval bounds must be finite with lower < upper".into(),
            ));
        }
        Ok(Self { lower, upper })
    }
}

impl Bijection for Interval {
    fn unconstrained_dim(&self) -> usize {
        self.lower.len()
    }
    fn constrained_dim(&self) -> usize {
        self.lower.len()
    }
    fn forward(&self, y: &[f64], x: &mut [f64]) -> f64 {
        let mut log_j = 0.0;
        for (i, xi) in x.iter_mut().enumerate() {
            let w = self.upper[i] - self.lower[i];
            *xi = self.lower[i] + w * sigmoid(y[i]);
            let (ls, l1s) = log_sigmoids(y[i]);
            log_j += w.ln() + ls + l1s;
        }
        log_j
    }
    fn pullback(&self, y: &[f64], grad_x: &[f64], grad_y: &mut [f64]) {
        for (i, gy) in grad_y.iter_mut().enumerate() {
            let s = sigmoid(y[i]);
            let w = self.upper[i] - self.lower[i];
            *gy = grad_x[i] * w * s * (1.0 - s) + (1.0 - 2.0 * s);
        }
    }
}

/// Stick-breaking map from `R^(K-1)` onto the probability simplex in `R^K`:
/// `z_k = sigmoid(y_k - log(K - 1 - k))`, `x_k = z_k (1 - sum_{j<k} x_j)`,
/// `x_{K-1}` the remainder. `y = 0` maps to the uniform vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Simplex {
    /// Number of categories `K >= 2`.
    pub k: usize,
}

impl Bijection for Simplex {
    fn unconstrained_dim(&self) -> usize {
        self.k.saturating_sub(1)
    }
    fn constrained_dim(&self) -> usize {
        self.k
    }
    fn forward(&self, y: &[f64], x: &mut [f64]) -> f64 {
        let k = self.k;
        let mut stick = 1.0;
        let mut log_j = 0.0;
        for i in 0..k - 1 {
            let t = y[i] - ((k - 1 - i) as f64).ln();
            let z = sigmoid(t);
            let (lz, l1z) = log_sigmoids(t);
            x[i] = stick * z;
            log_j += lz + l1z + stick.ln();
            stick *= 1.0 - z;
        }
        x[k - 1] = stick;
        log_j
    }
    fn pullback(&self, y: &[f64], grad_x: &[f64], grad_y: &mut [f64]) {
        let k = self.k;
        let mut z = vec![0.0; k - 1];
        let mut sticks = vec![1.0; k];
        for i in 0..k - 1 {
            z[i] = sigmoid(y[i] - ((k - 1 - i) as f64).ln());
            sticks[i + 1] = sticks[i] * (1.0 - z[i]);
        }
        // Reverse pass: adjoint of the remaining stick length.
        let mut a_stick = grad_x[k - 1];
        for i in (0..k - 1).rev() {
            let a_z = (grad_x[i] - a_stick) * sticks[i];
            grad_y[i] = a_z * z[i] * (1.0 - z[i]) + (1.0 - 2.0 * z[i]);
            a_stick = grad_x[i] * z[i] + a_stick * (1.0 - z[i]) + 1.0 / sticks[i];
        }
    }
}

/// Map from `R^(K(K-1)/2)` onto Cholesky factors of `K x K` correlation
/// matrices (lower triangular, positive diagonal, unit-norm rows), through
/// canonical partial correlations `z = tanh(y)`: row `i` is
/// `L_ij = z_ij sqrt(1 - sum_{l<j} L_il^2)`, `L_ii = sqrt(1 - sum_{l<i} L_il^2)`
/// (Lewandowski, Kurowicka & Joe 2009). The constrained representation is
/// `L` row-major, `K * K` entries with zeros above the diagonal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CholeskyCorrelation {
    /// Matrix size `K >= 1`.
    pub k: usize,
}

impl Bijection for CholeskyCorrelation {
    fn unconstrained_dim(&self) -> usize {
        self.k * self.k.saturating_sub(1) / 2
    }
    fn constrained_dim(&self) -> usize {
        self.k * self.k
    }
    fn forward(&self, y: &[f64], x: &mut [f64]) -> f64 {
        let k = self.k;
        x.fill(0.0);
        let mut log_j = 0.0;
        let mut idx = 0;
        for i in 0..k {
            let mut s = 0.0f64;
            for j in 0..i {
                let z = y[idx].tanh();
                idx += 1;
                let w = (1.0 - s).max(0.0).sqrt();
                let l = z * w;
                x[i * k + j] = l;
                // d tanh / dy = 1 - z^2, and dL/dz = w.
                log_j += (-z * z).ln_1p() + w.ln();
                s += l * l;
            }
            x[i * k + i] = (1.0 - s).max(0.0).sqrt();
        }
        log_j
    }
    fn pullback(&self, y: &[f64], grad_x: &[f64], grad_y: &mut [f64]) {
        let k = self.k;
        let mut start = 0;
        for i in 0..k {
            // Forward pass of row i, keeping z, w and L.
            let mut z = Vec::with_capacity(i);
            let mut w = Vec::with_capacity(i);
            let mut l = Vec::with_capacity(i);
            let mut s = 0.0f64;
            for j in 0..i {
                let zj = y[start + j].tanh();
                let wj = (1.0 - s).max(0.0).sqrt();
                z.push(zj);
                w.push(wj);
                l.push(zj * wj);
                s += zj * zj * wj * wj;
            }
            let l_ii = (1.0 - s).max(0.0).sqrt();
            // Reverse pass: `a_s` is the adjoint of the running sum of squares.
            let mut a_s = -grad_x[i * k + i] / (2.0 * l_ii);
            for j in (0..i).rev() {
                let a_l = grad_x[i * k + j] + a_s * 2.0 * l[j];
                let a_w = a_l * z[j] + 1.0 / w[j];
                grad_y[start + j] = a_l * w[j] * (1.0 - z[j] * z[j]) - 2.0 * z[j];
                a_s += -a_w / (2.0 * w[j]);
            }
            start += i;
        }
    }
}

/// A constrained log density seen through a bijection: a [`Target`] on
/// unconstrained space.
pub struct Transformed<F, B> {
    /// Log density and gradient on the constrained space.
    logp: F,
    bijection: B,
}

impl<F, B> Transformed<F, B>
where
    F: Fn(&[f64], &mut [f64]) -> f64 + Sync,
    B: Bijection,
{
    /// `logp(x, grad_x)` returns `log p(x)` and writes its gradient.
    pub fn new(logp: F, bijection: B) -> Self {
        Self { logp, bijection }
    }

    /// Maps an unconstrained draw to the constrained space.
    pub fn constrain(&self, y: &[f64]) -> Vec<f64> {
        let mut x = vec![0.0; self.bijection.constrained_dim()];
        self.bijection.forward(y, &mut x);
        x
    }
}

impl<F, B> Target for Transformed<F, B>
where
    F: Fn(&[f64], &mut [f64]) -> f64 + Sync,
    B: Bijection,
{
    fn dim(&self) -> usize {
        self.bijection.unconstrained_dim()
    }

    fn logp_grad(&self, y: &[f64], grad: &mut [f64]) -> Result<f64> {
        let m = self.bijection.constrained_dim();
        let mut x = vec![0.0; m];
        let log_j = self.bijection.forward(y, &mut x);
        let mut gx = vec![0.0; m];
        let lp = (self.logp)(&x, &mut gx);
        self.bijection.pullback(y, &gx, grad);
        Ok(lp + log_j)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks the pull-back against central differences of
    /// `f(y) = a . x(y) + log|J(y)|`.
    fn check<B: Bijection>(b: &B, y: &[f64]) {
        let m = b.constrained_dim();
        let a: Vec<f64> = (0..m).map(|i| 0.3 * i as f64 - 0.7).collect();
        let f = |y: &[f64]| {
            let mut x = vec![0.0; m];
            let lj = b.forward(y, &mut x);
            x.iter().zip(&a).map(|(u, v)| u * v).sum::<f64>() + lj
        };
        let mut g = vec![0.0; y.len()];
        b.pullback(y, &a, &mut g);
        for i in 0..y.len() {
            let h = 1e-6;
            let (mut yp, mut ym) = (y.to_vec(), y.to_vec());
            yp[i] += h;
            ym[i] -= h;
            let fd = (f(&yp) - f(&ym)) / (2.0 * h);
            assert!(
                (fd - g[i]).abs() < 1e-6 * (1.0 + fd.abs()),
                "{i}: {fd} vs {}",
                g[i]
            );
        }
    }

    #[test]
    fn pullbacks_match_finite_differences() {
        check(
            &LowerBounded {
                lower: vec![0.0, -1.0],
            },
            &[0.3, -1.2],
        );
        check(
            &Interval::new(vec![0.0, -2.0], vec![1.0, 5.0]).unwrap(),
            &[0.3, -1.2],
        );
        check(&Simplex { k: 4 }, &[0.3, -1.2, 0.8]);
        check(
            &CholeskyCorrelation { k: 4 },
            &[0.3, -1.2, 0.8, 0.1, -0.4, 0.6],
        );
    }

    #[test]
    fn cholesky_correlation_gives_unit_diagonal_correlations() {
        let c = CholeskyCorrelation { k: 4 };
        let y = [2.0, -1.5, 0.7, 3.0, -0.2, 0.9];
        let mut l = vec![0.0; 16];
        c.forward(&y, &mut l);
        for i in 0..4 {
            let row_norm: f64 = (0..4).map(|j| l[i * 4 + j] * l[i * 4 + j]).sum();
            assert!((row_norm - 1.0).abs() < 1e-14);
            assert!(l[i * 4 + i] > 0.0);
            for j in i + 1..4 {
                assert_eq!(l[i * 4 + j], 0.0);
            }
        }
    }

    #[test]
    fn cholesky_correlation_log_jacobian_matches_determinant() {
        // K = 3: the free entries L10, L20, L21 against y (3 x 3 Jacobian,
        // lower triangular in this ordering).
        let c = CholeskyCorrelation { k: 3 };
        let y = [0.4, -0.9, 0.3];
        let mut l = vec![0.0; 9];
        let lj = c.forward(&y, &mut l);
        let free = [3, 6, 7];
        let h = 1e-6;
        let mut jac = [[0.0; 3]; 3];
        for j in 0..3 {
            let (mut yp, mut ym) = (y, y);
            yp[j] += h;
            ym[j] -= h;
            let (mut lp, mut lm) = (vec![0.0; 9], vec![0.0; 9]);
            c.forward(&yp, &mut lp);
            c.forward(&ym, &mut lm);
            for (r, &f) in free.iter().enumerate() {
                jac[r][j] = (lp[f] - lm[f]) / (2.0 * h);
            }
        }
        let det = jac[0][0] * (jac[1][1] * jac[2][2] - jac[1][2] * jac[2][1])
            - jac[0][1] * (jac[1][0] * jac[2][2] - jac[1][2] * jac[2][0])
            + jac[0][2] * (jac[1][0] * jac[2][1] - jac[1][1] * jac[2][0]);
        assert!(
            (det.abs().ln() - lj).abs() < 1e-7,
            "{} vs {lj}",
            det.abs().ln()
        );
    }

    #[test]
    fn simplex_sums_to_one_and_centres() {
        let s = Simplex { k: 5 };
        let mut x = vec![0.0; 5];
        s.forward(&[0.0; 4], &mut x);
        for xi in &x {
            assert!((xi - 0.2).abs() < 1e-15);
        }
        s.forward(&[3.0, -7.0, 0.5, 20.0], &mut x);
        assert!((x.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!(x.iter().all(|v| *v >= 0.0));
    }

    #[test]
    fn simplex_log_jacobian_matches_determinant() {
        // For K = 3 the Jacobian of (x0, x1) w.r.t. (y0, y1) is 2 x 2.
        let s = Simplex { k: 3 };
        let y = [0.4, -0.9];
        let mut x = vec![0.0; 3];
        let lj = s.forward(&y, &mut x);
        let h = 1e-6;
        let mut jac = [[0.0; 2]; 2];
        for j in 0..2 {
            let (mut yp, mut ym) = (y, y);
            yp[j] += h;
            ym[j] -= h;
            let (mut xp, mut xm) = (vec![0.0; 3], vec![0.0; 3]);
            s.forward(&yp, &mut xp);
            s.forward(&ym, &mut xm);
            for i in 0..2 {
                jac[i][j] = (xp[i] - xm[i]) / (2.0 * h);
            }
        }
        let det = jac[0][0] * jac[1][1] - jac[0][1] * jac[1][0];
        assert!((det.abs().ln() - lj).abs() < 1e-8);
    }
}
