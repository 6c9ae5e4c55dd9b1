//! Batched Bures-Wasserstein `exp`, `log` and `dist` on `SPD(n)`.
//!
//! Same layout and scheduling as [`super::batch`]: a batch is `m`
//! row-major `n x n` matrices in one slice, processed by rayon in fixed
//! blocks (results do not depend on the thread count). For `n <= 16` each
//! matrix is a stack-allocated nalgebra matrix and the eigenproblems go to
//! the small solver of the `small_eigh` module; larger orders call
//! [`BuresWasserstein`] per matrix. The small kernels evaluate the distance
//! by the trace form `tr P + tr Q - 2 sum_i sqrt(l_i)` over the eigenvalues
//! of `L^T Q L` (`P = L L^T`, similar to `P^{1/2} Q P^{1/2}`), which needs
//! one Cholesky factorisation and eigenvalues only, and switch to the
//! cancellation-free form of [`super::bures_wasserstein`] when the trace
//! form would cancel more than three digits (`d^2 < 1e-3 (tr P + tr Q)`).

use super::small_eigh::{sym_eigh, sym_eigvals};
use super::{BuresWasserstein, Spd, SpdMetric};
use crate::error::{Error, Result};
use faer::Mat;
use nalgebra::SMatrix;
use rayon::prelude::*;

/// Matrices per rayon task.
const BLOCK: usize = 256;

/// Below this fraction of `tr P + tr Q`, `d^2` comes from the
/// cancellation-free form.
pub(crate) const TRACE_FORM_FLOOR: f64 = 1e-3;

/// A map kernel `(a, b, out)` on one pair.
type SmallKernel = fn(&[f64], &[f64], &mut [f64]) -> Result<()>;

/// A distance kernel on one pair.
type DistKernel = fn(&[f64], &[f64]) -> Result<f64>;

fn not_pd() -> Error {
    Error::NotPositiveDefinite("a matrix of the batch is not SPD".into())
}

fn outside() -> Error {
    Error::OutsideDomain(
        "Bures-Wasserstein exp_P(V) of the batch: I + L_P[V] is not positive definite".into(),
    )
}

/// Fixed-size kernels for order `N`.
mod fixed {
    use super::*;

    type Sq<const N: usize> = SMatrix<f64, N, N>;

    use crate::spd::batch::{load, store};

    fn sym_array<const N: usize>(m: &Sq<N>) -> [[f64; N]; N] {
        std::array::from_fn(|i| std::array::from_fn(|j| 0.5 * (m[(i, j)] + m[(j, i)])))
    }

    /// Eigenvalues and eigenvectors (columns) of an SPD matrix.
    fn eig<const N: usize>(p: &Sq<N>) -> Result<([f64; N], Sq<N>)> {
        let (vals, vecs) = sym_eigh(&sym_array(p)).ok_or_else(not_pd)?;
        if vals.iter().any(|l| !(*l > 0.0)) {
            return Err(not_pd());
        }
        Ok((vals, Sq::<N>::from_fn(|i, k| vecs[k][i])))
    }

    fn fun<const N: usize>(u: &Sq<N>, d: &[f64; N], f: impl Fn(f64) -> f64) -> Sq<N> {
        let mut w = *u;
        for (j, dj) in d.iter().enumerate() {
            w.column_mut(j).scale_mut(f(*dj));
        }
        w * u.transpose()
    }

    /// `(P^{1/2}, P^{-1/2}, R = (P^{1/2} Q P^{1/2})^{1/2})`.
    fn roots<const N: usize>(p: &Sq<N>, q: &Sq<N>) -> Result<(Sq<N>, Sq<N>, Sq<N>)> {
        let (d, u) = eig(p)?;
        let s = fun(&u, &d, f64::sqrt);
        let si = fun(&u, &d, |l| 1.0 / l.sqrt());
        let (dc, uc) = eig(&(s * q * s))?;
        Ok((s, si, fun(&uc, &dc, f64::sqrt)))
    }

    pub(super) fn exp<const N: usize>(p: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        let (d, u) = eig(&load::<N>(p))?;
        let vt = u.transpose() * load::<N>(v) * u;
        let mut m = Sq::<N>::identity();
        for i in 0..N {
            for j in 0..N {
                m[(i, j)] += 0.5 * (vt[(i, j)] + vt[(j, i)]) / (d[i] + d[j]);
            }
        }
        if !m.iter().all(|x| x.is_finite()) {
            return Err(Error::NonFinite("Bures-Wasserstein exp batch"));
        }
        if m.cholesky().is_none() {
            return Err(outside());
        }
        let mut md = m;
        for (j, dj) in d.iter().enumerate() {
            md.column_mut(j).scale_mut(*dj);
        }
        store(&(u * (md * m) * u.transpose()), out);
        Ok(())
    }

    /// `X + X^T - 2P`, `X = L (L^T Q L)^{1/2} L^{-1}`.
    pub(super) fn log<const N: usize>(p: &[f64], q: &[f64], out: &mut [f64]) -> Result<()> {
        let pm = load::<N>(p);
        let l = pm.cholesky().ok_or_else(not_pd)?.unpack();
        let (dc, uc) = eig(&(l.transpose() * load::<N>(q) * l))?;
        let r = fun(&uc, &dc, f64::sqrt);
        let xt = l
            .transpose()
            .solve_upper_triangular(&(r * l.transpose()))
            .ok_or_else(not_pd)?;
        store(&(xt + xt.transpose() - 2.0 * pm), out);
        Ok(())
    }

    pub(super) fn dist<const N: usize>(p: &[f64], q: &[f64]) -> Result<f64> {
        let (pm, qm) = (load::<N>(p), load::<N>(q));
        let l = pm.cholesky().ok_or_else(not_pd)?.unpack();
        let ev = sym_eigvals(&sym_array(&(l.transpose() * qm * l))).ok_or_else(not_pd)?;
        if ev.iter().any(|x| !(*x > 0.0)) {
            return Err(not_pd());
        }
        let total = pm.trace() + qm.trace();
        let d2 = total - 2.0 * ev.iter().map(|x| x.sqrt()).sum::<f64>();
        if d2 >= TRACE_FORM_FLOOR * total {
            return Ok(d2.sqrt());
        }
        let (s, si, r) = roots(&pm, &qm)?;
        Ok((si * r - s).norm())
    }
}

/// The fixed-size kernels `(exp, log, dist)` for order `n <= 16`.
fn fixed_kernels(n: usize) -> Option<(SmallKernel, SmallKernel, DistKernel)> {
    macro_rules! orders {
        ($($n:literal)*) => {
            match n {
                $($n => Some((fixed::exp::<$n> as SmallKernel, fixed::log::<$n> as SmallKernel,
                    fixed::dist::<$n> as DistKernel)),)*
                _ => None,
            }
        };
    }
    orders!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

fn to_mat(n: usize, s: &[f64]) -> Mat<f64> {
    Mat::from_fn(n, n, |i, j| s[i * n + j])
}

impl Spd<BuresWasserstein> {
    /// Number of matrices in the pair of batches, after shape and
    /// finiteness checks.
    fn bw_batch_len(&self, context: &'static str, a: &[f64], b: &[f64]) -> Result<usize> {
        let nn = self.n * self.n;
        if a.len() != b.len() || !a.len().is_multiple_of(nn) {
            return Err(Error::ShapeMismatch {
                context,
                expected: format!(
                    "two batches of {}x{} matrices of equal length",
                    self.n, self.n
                ),
                got: format!("lengths {} and {}", a.len(), b.len()),
            });
        }
        if a.iter().chain(b).any(|x| !x.is_finite()) {
            return Err(Error::NonFinite(context));
        }
        Ok(a.len() / nn)
    }

    /// Distances of the pairs `(a[i], b[i])` into `out` (length `m`).
    pub fn dist_batch(&self, a: &[f64], b: &[f64], out: &mut [f64]) -> Result<()> {
        let m = self.bw_batch_len("Spd::dist_batch", a, b)?;
        if out.len() != m {
            return Err(Error::ShapeMismatch {
                context: "Spd::dist_batch",
                expected: format!("{m} outputs"),
                got: format!("{}", out.len()),
            });
        }
        let n = self.n;
        let nn = n * n;
        let kernel = fixed_kernels(n).map(|(_, _, dist)| dist);
        out.par_chunks_mut(BLOCK)
            .enumerate()
            .try_for_each(|(blk, o)| {
                for (k, o) in o.iter_mut().enumerate() {
                    let i = (blk * BLOCK + k) * nn;
                    let (p, q) = (&a[i..i + nn], &b[i..i + nn]);
                    *o = match kernel {
                        Some(dist) => dist(p, q)?,
                        None => self
                            .metric()
                            .dist(to_mat(n, p).as_ref(), to_mat(n, q).as_ref())?,
                    };
                }
                Ok(())
            })
    }

    /// `exp_{p[i]}(v[i])` for a batch, into `out` (same layout);
    /// [`Error::OutsideDomain`] if any of them leaves `SPD(n)`.
    pub fn exp_batch(&self, p: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        let kernel = fixed_kernels(self.n).map(|(exp, _, _)| exp);
        self.bw_map("Spd::exp_batch", p, v, out, kernel, |a, b| {
            self.metric().exp(a, b)
        })
    }

    /// `log_{p[i]}(q[i])` for a batch, into `out` (same layout).
    pub fn log_batch(&self, p: &[f64], q: &[f64], out: &mut [f64]) -> Result<()> {
        let kernel = fixed_kernels(self.n).map(|(_, log, _)| log);
        self.bw_map("Spd::log_batch", p, q, out, kernel, |a, b| {
            self.metric().log(a, b)
        })
    }

    fn bw_map(
        &self,
        context: &'static str,
        a: &[f64],
        b: &[f64],
        out: &mut [f64],
        kernel: Option<SmallKernel>,
        fbig: impl Fn(faer::MatRef<'_, f64>, faer::MatRef<'_, f64>) -> Result<Mat<f64>> + Sync,
    ) -> Result<()> {
        if out.len() != a.len() {
            return Err(Error::ShapeMismatch {
                context,
                expected: format!("output of length {}", a.len()),
                got: format!("{}", out.len()),
            });
        }
        let n = self.n;
        let nn = n * n;
        self.bw_batch_len(context, a, b)?;
        out.par_chunks_mut(BLOCK * nn)
            .enumerate()
            .try_for_each(|(blk, o)| {
                for (k, o) in o.chunks_mut(nn).enumerate() {
                    let i = (blk * BLOCK + k) * nn;
                    let (x, y) = (&a[i..i + nn], &b[i..i + nn]);
                    match kernel {
                        Some(f) => f(x, y, o)?,
                        None => {
                            let r = fbig(to_mat(n, x).as_ref(), to_mat(n, y).as_ref())?;
                            for i in 0..n {
                                for j in 0..n {
                                    o[i * n + j] = r[(i, j)];
                                }
                            }
                        }
                    }
                }
                Ok(())
            })
    }
}
