//! A posterior test suite: targets with known answers (analytic, or
//! computed independently by quadrature in the tests) on which samplers are
//! checked and benchmarked. Shipped so users can test their own kernels on
//! the same geometry: isotropic and ill-conditioned Gaussians, Neal's
//! funnel (centred and non-centred), eight schools, logistic regression,
//! a banana and a hierarchical normal model.

use crate::mcmc::Target;
use crate::{Error, Result};
use faer::linalg::matmul::matmul;
use faer::{Accum, ColMut, ColRef, Mat, MatRef, Par};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

fn check_len(x: &[f64], grad: &[f64], d: usize) -> Result<()> {
    if x.len() != d || grad.len() != d {
        return Err(Error::ShapeMismatch {
            context: "posterior evaluation",
            expected: format!("length {d}"),
            got: format!("x: {}, grad: {}", x.len(), grad.len()),
        });
    }
    Ok(())
}

/// Posterior means and standard deviations known in closed form.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    /// Means of each coordinate.
    pub mean: Vec<f64>,
    /// Standard deviations of each coordinate.
    pub sd: Vec<f64>,
}

/// The standard normal in `d` dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StdNormal {
    /// Dimension.
    pub d: usize,
}

impl StdNormal {
    /// Means 0, standard deviations 1.
    pub fn moments(&self) -> Moments {
        Moments {
            mean: vec![0.0; self.d],
            sd: vec![1.0; self.d],
        }
    }
}

impl Target for StdNormal {
    fn dim(&self) -> usize {
        self.d
    }
    fn logp_grad(&self, x: &[f64], grad: &mut [f64]) -> Result<f64> {
        check_len(x, grad, self.d)?;
        let mut lp = 0.0;
        for (g, v) in grad.iter_mut().zip(x) {
            *g = -v;
            lp -= 0.5 * v * v;
        }
        Ok(lp)
    }
}

/// A zero-mean Gaussian with covariance `Q diag(lambda) Q^T`: eigenvalues
/// log-spaced over `[1/sqrt(c), sqrt(c)]` for condition number `c`, and a
/// random rotation `Q` drawn from `seed`.
#[derive(Debug, Clone)]
pub struct CorrelatedGaussian {
    cov: Mat<f64>,
    precision: Mat<f64>,
}

impl CorrelatedGaussian {
    /// Builds the target in dimension `d >= 1` with condition number
    /// `condition >= 1`.
    pub fn new(d: usize, condition: f64, seed: u64) -> Result<Self> {
        if d == 0 {
            return Err(Error::Empty("dimension"));
        }
        if !(condition >= 1.0 && condition.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "condition number must be finite and >= 1, got {condition}"
            )));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let g = Mat::<f64>::from_fn(d, d, |_, _| StandardNormal.sample(&mut rng));
        let q = g.qr().compute_Q();
        let lambda: Vec<f64> = (0..d)
            .map(|i| {
                let t = if d == 1 {
                    0.5
                } else {
                    i as f64 / (d - 1) as f64
                };
                condition.powf(t - 0.5)
            })
            .collect();
        let build = |f: &dyn Fn(f64) -> f64| {
            Mat::from_fn(d, d, |i, j| {
                (0..d).map(|k| q[(i, k)] * f(lambda[k]) * q[(j, k)]).sum()
            })
        };
        Ok(Self {
            cov: build(&|l| l),
            precision: build(&|l| 1.0 / l),
        })
    }

    /// The covariance matrix.
    pub fn covariance(&self) -> &Mat<f64> {
        &self.cov
    }

    /// The precision matrix (inverse covariance).
    pub fn precision(&self) -> &Mat<f64> {
        &self.precision
    }

    /// Means 0 and the square roots of the covariance diagonal.
    pub fn moments(&self) -> Moments {
        let d = self.cov.nrows();
        Moments {
            mean: vec![0.0; d],
            sd: (0..d).map(|i| self.cov[(i, i)].sqrt()).collect(),
        }
    }
}

impl Target for CorrelatedGaussian {
    fn dim(&self) -> usize {
        self.cov.nrows()
    }
    fn logp_grad(&self, x: &[f64], grad: &mut [f64]) -> Result<f64> {
        check_len(x, grad, self.dim())?;
        // grad = -P x by faer's matrix-vector product; log p = x . grad / 2.
        matmul(
            ColMut::from_slice_mut(grad).as_mat_mut(),
            Accum::Replace,
            self.precision.as_ref(),
            ColRef::from_slice(x).as_mat(),
            -1.0,
            Par::Seq,
        );
        Ok(0.5 * x.iter().zip(grad.iter()).map(|(a, g)| a * g).sum::<f64>())
    }
}

/// Neal's funnel: `v ~ N(0, 3^2)`, `x_i | v ~ N(0, e^v)` for `i < d - 1`.
/// Coordinates are `(v, x)` when centred and `(v, z)` with `x = z e^(v/2)`
/// when not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Funnel {
    /// Total dimension (`v` plus `d - 1` others), at least 2.
    pub d: usize,
    /// Centred (hard) or non-centred (easy) parameterisation.
    pub centred: bool,
}

impl Funnel {
    /// The moments of `v` (mean 0, sd 3) and, for the non-centred form, of
    /// `z` (standard normal); the centred `x` have mean 0 and sd
    /// `sqrt(E e^v) = e^(9/4)`.
    pub fn moments(&self) -> Moments {
        let sd_x = if self.centred {
            (9.0f64 / 4.0).exp()
        } else {
            1.0
        };
        let mut sd = vec![sd_x; self.d];
        sd[0] = 3.0;
        Moments {
            mean: vec![0.0; self.d],
            sd,
        }
    }
}

impl Target for Funnel {
    fn dim(&self) -> usize {
        self.d
    }
    fn logp_grad(&self, x: &[f64], grad: &mut [f64]) -> Result<f64> {
        check_len(x, grad, self.d)?;
        let v = x[0];
        let mut lp = -v * v / 18.0;
        grad[0] = -v / 9.0;
        if self.centred {
            let e = (-v).exp();
            let k = (self.d - 1) as f64;
            let ss: f64 = x[1..].iter().map(|u| u * u).sum();
            lp += -0.5 * ss * e - 0.5 * k * v;
            grad[0] += 0.5 * ss * e - 0.5 * k;
            for (g, u) in grad[1..].iter_mut().zip(&x[1..]) {
                *g = -u * e;
            }
        } else {
            for (g, u) in grad[1..].iter_mut().zip(&x[1..]) {
                *g = -u;
                lp -= 0.5 * u * u;
            }
        }
        Ok(lp)
    }
}

/// Eight schools, non-centred: `mu ~ N(0, 5^2)`, `tau ~ half-Cauchy(0, 5)`,
/// `theta_j = mu + tau eta_j`, `eta_j ~ N(0, 1)`, `y_j ~ N(theta_j,
/// sigma_j^2)`. Coordinates `(mu, log tau, eta_1..eta_8)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EightSchools;

impl EightSchools {
    /// Observed effects.
    pub const Y: [f64; 8] = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
    /// Their standard errors.
    pub const SIGMA: [f64; 8] = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];
}

impl Target for EightSchools {
    fn dim(&self) -> usize {
        10
    }
    fn logp_grad(&self, x: &[f64], grad: &mut [f64]) -> Result<f64> {
        check_len(x, grad, 10)?;
        let (mu, log_tau) = (x[0], x[1]);
        let tau = log_tau.exp();
        // Prior on mu, half-Cauchy on tau with its log-Jacobian.
        let mut lp = -mu * mu / 50.0 - (1.0 + tau * tau / 25.0).ln() + log_tau;
        grad[0] = -mu / 25.0;
        grad[1] = -2.0 * tau * tau / 25.0 / (1.0 + tau * tau / 25.0) + 1.0;
        for j in 0..8 {
            let eta = x[2 + j];
            let s2 = Self::SIGMA[j] * Self::SIGMA[j];
            let r = Self::Y[j] - mu - tau * eta;
            lp += -0.5 * eta * eta - 0.5 * r * r / s2;
            grad[0] += r / s2;
            grad[1] += r / s2 * eta * tau;
            grad[2 + j] = -eta + r / s2 * tau;
        }
        Ok(lp)
    }
}

/// Observations per logarithm in [`LogisticRegression`]'s softplus sums.
const SOFTPLUS_BLOCK: usize = 512;

/// Bayesian logistic regression `y_i ~ Bernoulli(sigmoid(x_i . beta))` with
/// prior `beta ~ N(0, prior_sd^2 I)`, on a synthetic data set.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticRegression {
    /// Design matrix `n x d`, column-major: column `j` (covariate `j` of
    /// every observation; column 0 all ones) is `x[j * n..(j + 1) * n]`.
    /// Both products of the gradient, `X beta` and `X^T r`, then run over
    /// contiguous columns of length `n`.
    pub x: Vec<f64>,
    /// Responses in {0, 1}.
    pub y: Vec<f64>,
    /// Number of observations.
    pub n: usize,
    /// Number of coefficients.
    pub d: usize,
    /// Prior standard deviation.
    pub prior_sd: f64,
}

impl LogisticRegression {
    /// `n` observations with an intercept and `d - 1` standard normal
    /// covariates; true coefficients drawn from `N(0, 1)`; all from `seed`.
    pub fn synthetic(n: usize, d: usize, seed: u64) -> Result<Self> {
        if n == 0 || d == 0 {
            return Err(Error::Empty("observations or coefficients"));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let beta: Vec<f64> = (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
        let mut x = vec![0.0; n * d];
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let row: Vec<f64> = std::iter::once(1.0)
                .chain((1..d).map(|_| StandardNormal.sample(&mut rng)))
                .collect();
            let eta: f64 = row.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-eta).exp());
            y.push(f64::from(u8::from(rng.random::<f64>() < p)));
            for (j, v) in row.into_iter().enumerate() {
                x[j * n + i] = v;
            }
        }
        Ok(Self {
            x,
            y,
            n,
            d,
            prior_sd: 2.0,
        })
    }
}

impl LogisticRegression {
    /// The design matrix row-major (observation after observation), the
    /// layout of most other software.
    pub fn design_rows(&self) -> Vec<f64> {
        (0..self.n * self.d)
            .map(|k| self.x[(k % self.d) * self.n + k / self.d])
            .collect()
    }
}

impl Target for LogisticRegression {
    fn dim(&self) -> usize {
        self.d
    }
    fn logp_grad(&self, beta: &[f64], grad: &mut [f64]) -> Result<f64> {
        check_len(beta, grad, self.d)?;
        let prec = 1.0 / (self.prior_sd * self.prior_sd);
        let mut lp = 0.0;
        for (g, b) in grad.iter_mut().zip(beta) {
            *g = -prec * b;
            lp -= 0.5 * prec * b * b;
        }
        // eta = X beta and grad += X^T (y - sigmoid(eta)) by faer's
        // matrix-vector products; softplus and sigmoid share one exp.
        let design = MatRef::from_column_major_slice(&self.x, self.n, self.d);
        let mut work = vec![0.0; self.n];
        matmul(
            ColMut::from_slice_mut(&mut work).as_mat_mut(),
            Accum::Replace,
            design,
            ColRef::from_slice(beta).as_mat(),
            1.0,
            Par::Seq,
        );
        // softplus(eta) = max(eta, 0) + ln(1 + e) with e = exp(-|eta|) in
        // (0, 1]: the logarithms of a block of observations are summed as
        // the logarithm of the product of the factors 1 + e <= 2, one `ln`
        // per block instead of one `ln_1p` per observation (a block of 512
        // stays below 2^512). Each factor rounds with relative error below
        // 2^-53, so the sum is off by less than 512 * 2^-53 per block.
        for (block, yb) in work
            .chunks_mut(SOFTPLUS_BLOCK)
            .zip(self.y.chunks(SOFTPLUS_BLOCK))
        {
            let mut factors = 1.0;
            for (w, &yi) in block.iter_mut().zip(yb) {
                let eta = *w;
                let e = (-eta.abs()).exp();
                let one_plus = 1.0 + e;
                let sigmoid = if eta >= 0.0 { 1.0 } else { e } / one_plus;
                factors *= one_plus;
                lp += yi * eta - eta.max(0.0);
                *w = yi - sigmoid;
            }
            lp -= factors.ln();
        }
        matmul(
            ColMut::from_slice_mut(grad).as_mat_mut(),
            Accum::Add,
            design.transpose(),
            ColRef::from_slice(&work).as_mat(),
            1.0,
            Par::Seq,
        );
        Ok(lp)
    }
}

/// A banana: `x_1 ~ N(0, 10^2)`, `x_2 | x_1 ~ N(-b (x_1^2 - 100), 1)`
/// (Haario, Saksman & Tamminen 1999), with curvature `b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Banana {
    /// Curvature `b` (0.03 is the classic value).
    pub b: f64,
}

impl Banana {
    /// Means 0; sds 10 and `sqrt(1 + 2 b^2 10^4)`.
    pub fn moments(&self) -> Moments {
        Moments {
            mean: vec![0.0, 0.0],
            sd: vec![10.0, (1.0 + 2.0 * self.b * self.b * 1e4).sqrt()],
        }
    }
}

impl Target for Banana {
    fn dim(&self) -> usize {
        2
    }
    fn logp_grad(&self, x: &[f64], grad: &mut [f64]) -> Result<f64> {
        check_len(x, grad, 2)?;
        let r = x[1] + self.b * (x[0] * x[0] - 100.0);
        grad[0] = -x[0] / 100.0 - r * 2.0 * self.b * x[0];
        grad[1] = -r;
        Ok(-x[0] * x[0] / 200.0 - 0.5 * r * r)
    }
}

/// A hierarchical normal model with known scales: `mu ~ N(0, 10^2)`,
/// `theta_j ~ N(mu, tau^2)`, `y_j ~ N(theta_j, sigma_j^2)`. Coordinates
/// `(mu, theta_1..theta_J)`; the posterior is Gaussian and known exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct HierarchicalNormal {
    /// Observations, one per group.
    pub y: Vec<f64>,
    /// Observation standard deviations.
    pub sigma: Vec<f64>,
    /// Group-level standard deviation.
    pub tau: f64,
}

impl HierarchicalNormal {
    /// The posterior precision matrix (row-major) and its linear term `b`,
    /// so that `log p = -x^T P x / 2 + b^T x + const`.
    fn quadratic(&self) -> (Mat<f64>, Vec<f64>) {
        let j = self.y.len();
        let t2 = 1.0 / (self.tau * self.tau);
        let mut p = Mat::<f64>::zeros(j + 1, j + 1);
        let mut b = vec![0.0; j + 1];
        p[(0, 0)] = 1.0 / 100.0 + j as f64 * t2;
        for k in 0..j {
            let s2 = 1.0 / (self.sigma[k] * self.sigma[k]);
            p[(k + 1, k + 1)] = t2 + s2;
            p[(0, k + 1)] = -t2;
            p[(k + 1, 0)] = -t2;
            b[k + 1] = self.y[k] * s2;
        }
        (p, b)
    }

    /// The exact posterior moments, from the Gaussian's precision matrix.
    pub fn moments(&self) -> Result<Moments> {
        use faer::linalg::solvers::DenseSolveCore;
        let (p, b) = self.quadratic();
        let cov = p
            .llt(faer::Side::Lower)
            .map_err(|_| Error::NotPositiveDefinite("posterior precision".into()))?
            .inverse();
        let n = b.len();
        Ok(Moments {
            mean: (0..n)
                .map(|i| (0..n).map(|k| cov[(i, k)] * b[k]).sum())
                .collect(),
            sd: (0..n).map(|i| cov[(i, i)].sqrt()).collect(),
        })
    }
}

impl Target for HierarchicalNormal {
    fn dim(&self) -> usize {
        self.y.len() + 1
    }
    fn logp_grad(&self, x: &[f64], grad: &mut [f64]) -> Result<f64> {
        let d = self.dim();
        check_len(x, grad, d)?;
        let (mu, t2) = (x[0], 1.0 / (self.tau * self.tau));
        let mut lp = -mu * mu / 200.0;
        grad[0] = -mu / 100.0;
        for k in 0..self.y.len() {
            let th = x[k + 1];
            let s2 = 1.0 / (self.sigma[k] * self.sigma[k]);
            lp += -0.5 * t2 * (th - mu).powi(2) - 0.5 * s2 * (self.y[k] - th).powi(2);
            grad[0] += t2 * (th - mu);
            grad[k + 1] = -t2 * (th - mu) + s2 * (self.y[k] - th);
        }
        Ok(lp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central differences of `logp` against the analytic gradient, and the
    /// log density against `direct`.
    fn check_target<T: Target>(t: &T, x: &[f64], direct: f64) {
        let d = t.dim();
        let mut grad = vec![0.0; d];
        let lp = t.logp_grad(x, &mut grad).unwrap();
        assert!(
            (lp - direct).abs() <= 1e-12 * direct.abs().max(1.0),
            "{lp} vs {direct}"
        );
        let mut scratch = vec![0.0; d];
        for i in 0..d {
            let h = 1e-5 * x[i].abs().max(1.0);
            let mut xp = x.to_vec();
            xp[i] += h;
            let up = t.logp_grad(&xp, &mut scratch).unwrap();
            xp[i] -= 2.0 * h;
            let down = t.logp_grad(&xp, &mut scratch).unwrap();
            let fd = (up - down) / (2.0 * h);
            assert!(
                (fd - grad[i]).abs() <= 1e-6 * grad[i].abs().max(1.0),
                "coordinate {i}: {fd} vs {}",
                grad[i]
            );
        }
    }

    #[test]
    fn correlated_gaussian_density_and_gradient() {
        let t = CorrelatedGaussian::new(7, 100.0, 3).unwrap();
        let x: Vec<f64> = (0..7).map(|i| 0.3 * i as f64 - 0.8).collect();
        let p = t.precision();
        let quad: f64 = (0..7)
            .flat_map(|i| (0..7).map(move |j| (i, j)))
            .map(|(i, j)| x[i] * p[(i, j)] * x[j])
            .sum();
        check_target(&t, &x, -0.5 * quad);
    }

    #[test]
    fn logistic_regression_density_and_gradient() {
        // One block of softplus factors, and three (the last partial).
        for n in [200, 1300] {
            let t = LogisticRegression::synthetic(n, 5, 4).unwrap();
            // Coefficients large enough that some linear predictors sit
            // deep in both tails of the sigmoid.
            let beta = [0.5, -3.0, 4.0, 10.0, -7.5];
            let mut direct =
                -0.5 * beta.iter().map(|b| b * b).sum::<f64>() / (t.prior_sd * t.prior_sd);
            for (row, &yi) in t.design_rows().chunks_exact(5).zip(&t.y) {
                let eta: f64 = row.iter().zip(&beta).map(|(a, b)| a * b).sum();
                direct += yi * eta - sobolev_special::log1pexp(eta);
            }
            check_target(&t, &beta, direct);
        }
    }
}
