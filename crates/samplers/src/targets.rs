//! Analytic targets with closed-form noisy densities, scores and denoisers
//! at every noise level: Gaussian, Gaussian mixture, and mixture of
//! low-rank-plus-isotropic Gaussians.
//!
//! Component `k` is `N(mu_k, U_k U_k^T + s_k^2 I)` with `U_k` of shape
//! `dim x r_k` (`r_k = 0` gives an isotropic component). Adding noise of
//! level `sigma` keeps the form: `C_k(sigma) = U_k U_k^T + c I` with
//! `c = s_k^2 + sigma^2`. With `U_k^T U_k = V diag(l) V^T` (faer's symmetric
//! eigensolver, done once) and `W = U_k V` (orthogonal columns of squared
//! norms `l_i`), the Woodbury identity gives
//! `C^-1 y = (y - sum_i w_i (w_i^T y) / (c + l_i)) / c` and
//! `ln det C = (dim - r) ln c + sum_i ln(c + l_i)`, so each evaluation costs
//! `O(dim r)` per component. The mixture score is the responsibility-weighted
//! sum of component scores `-C_k^-1 (x - mu_k)`, and Tweedie's formula gives
//! the denoiser `D(x; sigma) = x + sigma^2 score`. Responsibilities are
//! computed by log-sum-exp. Used by the tests of every sampler, and shipped
//! so users can check their own.

use crate::diffusion::Denoiser;
use crate::{Error, Result};
use faer::{Mat, Side};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal, Uniform};
use sobolev_special::exp_branchless;

#[derive(Debug, Clone)]
struct Component {
    log_weight: f64,
    mean: Vec<f64>,
    /// Original factor `U`, row-major `dim x r` (for sampling).
    factor: Vec<f64>,
    /// `W = U V`, stored column by column (`r` columns of length `dim`).
    w: Vec<f64>,
    /// Eigenvalues `l_i` of `U^T U`.
    l: Vec<f64>,
    iso_var: f64,
    rank: usize,
}

/// A mixture of Gaussians `sum_k pi_k N(mu_k, U_k U_k^T + s_k^2 I)`.
#[derive(Debug, Clone)]
pub struct GaussianMixture {
    dim: usize,
    comps: Vec<Component>,
}

impl GaussianMixture {
    /// A mixture of low-rank-plus-isotropic Gaussians: `weights` (positive,
    /// normalised here), `means` (row-major `k x dim`), `factors[k]`
    /// (row-major `dim x r_k`, possibly empty) and `iso_vars[k] = s_k^2 >= 0`.
    pub fn new(
        dim: usize,
        weights: &[f64],
        means: &[f64],
        factors: &[Vec<f64>],
        iso_vars: &[f64],
    ) -> Result<Self> {
        let k = weights.len();
        if k == 0 || dim == 0 {
            return Err(Error::Empty(
                "Gaussian mixture needs a component and a dimension",
            ));
        }
        if means.len() != k * dim || factors.len() != k || iso_vars.len() != k {
            return Err(Error::ShapeMismatch {
                context: "GaussianMixture::new",
                expected: format!("{k} means of length {dim}, {k} factors, {k} variances"),
                got: format!(
                    "{} mean values, {} factors, {} variances",
                    means.len(),
                    factors.len(),
                    iso_vars.len()
                ),
            });
        }
        let total: f64 = weights.iter().sum();
        if weights.iter().any(|w| !(*w > 0.0 && w.is_finite())) || !total.is_finite() {
            return Err(Error::InvalidArgument(
                "mixture weights must be positive and finite".into(),
            ));
        }
        if means
            .iter()
            .chain(iso_vars)
            .chain(factors.iter().flatten())
            .any(|v| !v.is_finite())
        {
            return Err(Error::NonFinite("GaussianMixture::new"));
        }
        let mut comps = Vec::with_capacity(k);
        for c in 0..k {
            let f = &factors[c];
            if !f.len().is_multiple_of(dim) {
                return Err(Error::ShapeMismatch {
                    context: "GaussianMixture::new factor",
                    expected: format!("dim x r = {dim} x r values"),
                    got: format!("{}", f.len()),
                });
            }
            let r = f.len() / dim;
            if iso_vars[c] < 0.0 || (iso_vars[c] == 0.0 && r < dim) {
                return Err(Error::NotPositiveDefinite(format!(
                    "component {c}: isotropic variance {} with rank {r} < dim {dim}",
                    iso_vars[c]
                )));
            }
            let (w, l) = if r == 0 {
                (Vec::new(), Vec::new())
            } else {
                let u = Mat::from_fn(dim, r, |i, j| f[i * r + j]);
                let gram = u.transpose() * &u;
                let evd = gram.self_adjoint_eigen(Side::Lower).map_err(|e| {
                    Error::InvalidArgument(format!(
                        "eigendecomposition of factor {c} failed: {e:?}"
                    ))
                })?;
                let v = evd.U();
                let wm = &u * v;
                let s = evd.S().column_vector();
                let l: Vec<f64> = (0..r).map(|i| s[i].max(0.0)).collect();
                let mut w = Vec::with_capacity(dim * r);
                for j in 0..r {
                    for i in 0..dim {
                        w.push(wm[(i, j)]);
                    }
                }
                (w, l)
            };
            comps.push(Component {
                log_weight: (weights[c] / total).ln(),
                mean: means[c * dim..(c + 1) * dim].to_vec(),
                factor: f.clone(),
                w,
                l,
                iso_var: iso_vars[c],
                rank: r,
            });
        }
        Ok(Self { dim, comps })
    }

    /// A mixture of isotropic Gaussians `N(mu_k, s_k^2 I)`.
    pub fn isotropic(
        dim: usize,
        weights: &[f64],
        means: &[f64],
        variances: &[f64],
    ) -> Result<Self> {
        let factors = vec![Vec::new(); weights.len()];
        Self::new(dim, weights, means, &factors, variances)
    }

    /// A single Gaussian `N(mu, U U^T + s^2 I)`.
    pub fn gaussian(mean: &[f64], factor: &[f64], iso_var: f64) -> Result<Self> {
        Self::new(mean.len(), &[1.0], mean, &[factor.to_vec()], &[iso_var])
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of components.
    pub fn components(&self) -> usize {
        self.comps.len()
    }

    /// Per component: `ln pi_k + ln N(x; mu_k, C_k(sigma))` into `logp`, and
    /// `C_k^-1 (x - mu_k)` into `grads` (row-major `k x dim`).
    fn component_terms(&self, x: &[f64], sigma: f64, logp: &mut [f64], grads: &mut [f64]) {
        let d = self.dim;
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        for (k, c) in self.comps.iter().enumerate() {
            let g = &mut grads[k * d..(k + 1) * d];
            let cc = c.iso_var + sigma * sigma;
            let mut yy = 0.0;
            for i in 0..d {
                g[i] = x[i] - c.mean[i];
                yy += g[i] * g[i];
            }
            let mut quad = yy;
            let mut logdet = (d - c.rank) as f64 * cc.ln();
            for j in 0..c.rank {
                let wj = &c.w[j * d..(j + 1) * d];
                let p: f64 = wj.iter().zip(g.iter()).map(|(a, b)| a * b).sum();
                let den = cc + c.l[j];
                quad -= p * p / den;
                logdet += den.ln();
                let coef = p / den;
                for i in 0..d {
                    g[i] -= coef * wj[i];
                }
            }
            quad /= cc;
            for v in g.iter_mut() {
                *v /= cc;
            }
            logp[k] = c.log_weight - 0.5 * (d as f64 * ln2pi + logdet + quad);
        }
    }

    /// Log density of the noisy marginal `x0 + sigma eps` at `x`.
    pub fn log_density(&self, x: &[f64], sigma: f64) -> Result<f64> {
        self.check_row(x)?;
        let k = self.comps.len();
        let mut logp = vec![0.0; k];
        let mut g = vec![0.0; k * self.dim];
        self.component_terms(x, sigma, &mut logp, &mut g);
        Ok(log_sum_exp(&logp))
    }

    /// Score `grad_x ln p_sigma(x)` of the noisy marginal into `out`.
    pub fn score(&self, x: &[f64], sigma: f64, out: &mut [f64]) -> Result<()> {
        self.check_row(x)?;
        if out.len() != self.dim {
            return Err(Error::ShapeMismatch {
                context: "GaussianMixture::score",
                expected: format!("{}", self.dim),
                got: format!("{}", out.len()),
            });
        }
        let k = self.comps.len();
        let mut logp = vec![0.0; k];
        let mut g = vec![0.0; k * self.dim];
        self.score_into(x, sigma, out, &mut logp, &mut g);
        Ok(())
    }

    fn score_into(&self, x: &[f64], sigma: f64, out: &mut [f64], logp: &mut [f64], g: &mut [f64]) {
        let d = self.dim;
        self.component_terms(x, sigma, logp, g);
        let lse = log_sum_exp(logp);
        out.fill(0.0);
        for k in 0..self.comps.len() {
            let r = (logp[k] - lse).exp();
            for i in 0..d {
                out[i] -= r * g[k * d + i];
            }
        }
    }

    /// The denoiser when every component is isotropic with `c_k > 0`;
    /// returns `false` (writing nothing) otherwise.
    ///
    /// With responsibilities `r_k` and `c_k = s_k^2 + sigma^2`, Tweedie's
    /// formula becomes `D(x) = a x + sigma^2 sum_k (r_k / c_k) mu_k` with
    /// `a = sum_k r_k s_k^2 / c_k` (from `sum_k r_k = 1`, free of the
    /// cancellation in `1 - sigma^2 sum_k r_k / c_k` at large `sigma`): one
    /// pass over each mean for the distance and one for the sum, with the
    /// logarithms and reciprocals taken once per call.
    fn denoise_isotropic(&self, x: &[f64], sigma: f64, out: &mut [f64]) -> bool {
        let s2 = sigma * sigma;
        if self.comps.iter().any(|c| {
            c.rank > 0 || (c.iso_var + s2).partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        }) {
            return false;
        }
        let d = self.dim;
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        let inv_c: Vec<f64> = self.comps.iter().map(|c| 1.0 / (c.iso_var + s2)).collect();
        let base: Vec<f64> = self
            .comps
            .iter()
            .zip(&inv_c)
            .map(|(c, ic)| c.log_weight - 0.5 * d as f64 * (ln2pi - ic.ln()))
            .collect();
        // Log responsibilities of every row first, so that the exponentials
        // run as one vectorisable loop over the block.
        let k = self.comps.len();
        let mut resp = vec![0.0; (x.len() / d) * k];
        for (xr, lp) in x.chunks_exact(d).zip(resp.chunks_exact_mut(k)) {
            for ((c, l), (b, ic)) in self
                .comps
                .iter()
                .zip(lp.iter_mut())
                .zip(base.iter().zip(&inv_c))
            {
                *l = b - 0.5 * squared_distance(xr, &c.mean) * ic;
            }
            let top = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for l in lp.iter_mut() {
                *l -= top;
            }
        }
        for r in resp.iter_mut() {
            *r = exp_branchless(*r);
        }
        for ((xr, or), rs) in x
            .chunks_exact(d)
            .zip(out.chunks_exact_mut(d))
            .zip(resp.chunks_exact(k))
        {
            let total: f64 = rs.iter().sum();
            let mut a = 0.0;
            or.fill(0.0);
            for ((c, r), ic) in self.comps.iter().zip(rs).zip(&inv_c) {
                let r = r / total * ic;
                a += r * c.iso_var;
                let w = r * s2;
                for (o, m) in or.iter_mut().zip(&c.mean) {
                    *o += w * m;
                }
            }
            for (o, xi) in or.iter_mut().zip(xr) {
                *o += a * xi;
            }
        }
        true
    }

    fn check_row(&self, x: &[f64]) -> Result<()> {
        if x.len() != self.dim {
            return Err(Error::ShapeMismatch {
                context: "GaussianMixture",
                expected: format!("{}", self.dim),
                got: format!("{}", x.len()),
            });
        }
        Ok(())
    }

    /// `n` exact samples (row-major `n x dim`) from the clean distribution,
    /// reproducible from `seed`.
    pub fn sample(&self, n: usize, seed: u64) -> Vec<f64> {
        let d = self.dim;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let cum: Vec<f64> = self
            .comps
            .iter()
            .scan(0.0, |s, c| {
                *s += c.log_weight.exp();
                Some(*s)
            })
            .collect();
        let unif = Uniform::new(0.0, 1.0).expect("valid range");
        let mut out = vec![0.0; n * d];
        for row in out.chunks_mut(d) {
            let u: f64 = unif.sample(&mut rng) * cum[cum.len() - 1];
            let k = cum.iter().position(|&c| u < c).unwrap_or(cum.len() - 1);
            let c = &self.comps[k];
            let s = c.iso_var.sqrt();
            for i in 0..d {
                let z: f64 = StandardNormal.sample(&mut rng);
                row[i] = c.mean[i] + s * z;
            }
            if c.rank > 0 {
                let zs: Vec<f64> = (0..c.rank)
                    .map(|_| StandardNormal.sample(&mut rng))
                    .collect();
                for i in 0..d {
                    row[i] += (0..c.rank)
                        .map(|j| c.factor[i * c.rank + j] * zs[j])
                        .sum::<f64>();
                }
            }
        }
        out
    }
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// `|a - b|^2` with eight independent partial sums (vectorisable).
fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0_f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    for (xa, xb) in ca.zip(cb) {
        for l in 0..8 {
            let t = xa[l] - xb[l];
            acc[l] += t * t;
        }
    }
    tail + acc.iter().sum::<f64>()
}

impl Denoiser for GaussianMixture {
    fn dim(&self) -> usize {
        self.dim
    }
    /// Tweedie: `D(x; sigma) = x + sigma^2 grad ln p_sigma(x)`.
    fn denoise(&self, x: &[f64], sigma: f64, out: &mut [f64]) {
        if self.denoise_isotropic(x, sigma, out) {
            return;
        }
        let d = self.dim;
        let k = self.comps.len();
        let mut logp = vec![0.0; k];
        let mut g = vec![0.0; k * d];
        let s2 = sigma * sigma;
        for (xr, or) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
            self.score_into(xr, sigma, or, &mut logp, &mut g);
            for i in 0..d {
                or[i] = xr[i] + s2 * or[i];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The isotropic shortcut equals Tweedie's formula through the general
    /// score, from small to large noise levels, and a zero-rank factor list
    /// and a rank-one component with a zero factor give the same denoiser.
    #[test]
    fn isotropic_denoiser_matches_the_general_score() {
        let d = 5;
        let weights = [0.5, 0.3, 0.2];
        let means: Vec<f64> = (0..3 * d).map(|i| (0.7 * i as f64).sin() * 2.0).collect();
        let iso = [0.05, 0.2, 1.5];
        let gmm =
            GaussianMixture::new(d, &weights, &means, &[vec![], vec![], vec![]], &iso).unwrap();
        // Same mixture through the Woodbury path (a zero rank-one factor).
        let general =
            GaussianMixture::new(d, &weights, &means, &[vec![0.0; d], vec![], vec![]], &iso)
                .unwrap();
        let x: Vec<f64> = (0..4 * d).map(|i| (1.3 * i as f64).cos() * 3.0).collect();
        for sigma in [1e-3, 0.1, 1.0, 10.0, 80.0] {
            let mut fast = vec![0.0; x.len()];
            let mut slow = vec![0.0; x.len()];
            gmm.denoise(&x, sigma, &mut fast);
            general.denoise(&x, sigma, &mut slow);
            for (row, (f, s)) in fast.chunks(d).zip(slow.chunks(d)).enumerate() {
                let mut score = vec![0.0; d];
                gmm.score(&x[row * d..(row + 1) * d], sigma, &mut score)
                    .unwrap();
                for i in 0..d {
                    let tweedie = x[row * d + i] + sigma * sigma * score[i];
                    let scale = 1.0 + tweedie.abs();
                    assert!(
                        (f[i] - s[i]).abs() < 1e-13 * scale,
                        "sigma {sigma}: {f:?} vs {s:?}"
                    );
                    assert!((f[i] - tweedie).abs() < 1e-13 * scale * (1.0 + sigma * sigma));
                }
            }
        }
    }
}
