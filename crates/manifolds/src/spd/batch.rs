//! Batched affine-invariant `exp`, `log` and `dist` on `SPD(n)`.
//!
//! A batch is a contiguous slice of `m` matrices of order `n`, each stored
//! in `n * n` consecutive entries (row- or column-major: the matrices are
//! symmetric). The work is spread over rayon in fixed blocks, so results do
//! not depend on the thread count. For `n = 2` and `n = 3` each matrix is a
//! stack-allocated nalgebra matrix and the spectral decompositions are
//! nalgebra's fixed-size symmetric eigensolver, which avoids all per-call
//! allocation; larger orders go through the faer path of
//! [`AffineInvariant`]. Formulas as in [`super::affine_invariant`].

use super::{AffineInvariant, Spd, SpdMetric};
use crate::error::{Error, Result};
use faer::Mat;
use nalgebra::{Matrix2, Matrix3};
use rayon::prelude::*;

/// A fixed-size kernel `(a, b, out)` on one pair of the batch.
type SmallKernel = fn(&[f64], &[f64], &mut [f64]) -> Result<()>;

/// Matrices per rayon task.
const BLOCK: usize = 256;

macro_rules! small_spd {
    ($modname:ident, $mat:ident, $n:expr) => {
        mod $modname {
            use super::*;

            pub(super) fn load(s: &[f64]) -> $mat<f64> {
                $mat::from_row_slice(s)
            }

            fn store(m: &$mat<f64>, out: &mut [f64]) {
                for i in 0..$n {
                    for j in 0..$n {
                        out[i * $n + j] = 0.5 * (m[(i, j)] + m[(j, i)]);
                    }
                }
            }

            fn not_pd() -> Error {
                Error::NotPositiveDefinite("a matrix of the batch is not SPD".into())
            }

            /// `U diag(f(l)) U^T` of a symmetric matrix; `None` if the
            /// eigensolver fails or `f` of an eigenvalue is not finite.
            fn fun(m: $mat<f64>, f: impl Fn(f64) -> f64) -> Option<$mat<f64>> {
                let e = m.try_symmetric_eigen(f64::EPSILON, 200)?;
                let d = e.eigenvalues.map(f);
                if d.iter().any(|x| !x.is_finite()) {
                    return None;
                }
                let u = e.eigenvectors;
                Some(u * $mat::from_diagonal(&d) * u.transpose())
            }

            /// `(P^{1/2}, P^{-1/2})`.
            fn roots(p: $mat<f64>) -> Option<($mat<f64>, $mat<f64>)> {
                let e = p.try_symmetric_eigen(f64::EPSILON, 200)?;
                if e.eigenvalues.iter().any(|l| !(*l > 0.0)) {
                    return None;
                }
                let u = e.eigenvectors;
                let s = u * $mat::from_diagonal(&e.eigenvalues.map(f64::sqrt)) * u.transpose();
                let si =
                    u * $mat::from_diagonal(&e.eigenvalues.map(|l| 1.0 / l.sqrt())) * u.transpose();
                Some((s, si))
            }

            pub(super) fn exp(p: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
                let (s, si) = roots(load(p)).ok_or_else(not_pd)?;
                let e =
                    fun(si * load(v) * si, f64::exp).ok_or(Error::NonFinite("Spd exp batch"))?;
                store(&(s * e * s), out);
                Ok(())
            }

            pub(super) fn log(p: &[f64], q: &[f64], out: &mut [f64]) -> Result<()> {
                let (s, si) = roots(load(p)).ok_or_else(not_pd)?;
                let l = fun(si * load(q) * si, f64::ln).ok_or_else(not_pd)?;
                store(&(s * l * s), out);
                Ok(())
            }

            pub(super) fn dist(p: &[f64], q: &[f64]) -> Result<f64> {
                let l = load(p).cholesky().ok_or_else(not_pd)?.unpack();
                let x = l.solve_lower_triangular(&load(q)).ok_or_else(not_pd)?;
                let w = l
                    .solve_lower_triangular(&x.transpose())
                    .ok_or_else(not_pd)?;
                let w = 0.5 * (w + w.transpose());
                let e = w
                    .try_symmetric_eigen(f64::EPSILON, 200)
                    .ok_or_else(not_pd)?;
                let mut s = 0.0;
                for l in e.eigenvalues.iter() {
                    if !(*l > 0.0) {
                        return Err(not_pd());
                    }
                    s += l.ln() * l.ln();
                }
                Ok(s.sqrt())
            }
        }
    };
}

small_spd!(spd2, Matrix2, 2);
small_spd!(spd3, Matrix3, 3);

fn to_mat(n: usize, s: &[f64]) -> Mat<f64> {
    Mat::from_fn(n, n, |i, j| s[i * n + j])
}

fn from_mat(n: usize, m: &Mat<f64>, out: &mut [f64]) {
    for i in 0..n {
        for j in 0..n {
            out[i * n + j] = m[(i, j)];
        }
    }
}

impl Spd<AffineInvariant> {
    fn batch_len(&self, context: &'static str, a: &[f64], b: &[f64]) -> Result<usize> {
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

    /// Distances of the pairs `(a[i], b[i])` of a batch into `out` (length
    /// `m`).
    pub fn dist_batch(&self, a: &[f64], b: &[f64], out: &mut [f64]) -> Result<()> {
        let m = self.batch_len("Spd::dist_batch", a, b)?;
        if out.len() != m {
            return Err(Error::ShapeMismatch {
                context: "Spd::dist_batch",
                expected: format!("{m} outputs"),
                got: format!("{}", out.len()),
            });
        }
        let n = self.n;
        let nn = n * n;
        // The fixed-size kernels compute the classical distance; other
        // weights of the family go through the metric's general path.
        let classical = *self.metric() == AffineInvariant::default();
        out.par_chunks_mut(BLOCK)
            .enumerate()
            .try_for_each(|(blk, o)| {
                for (k, o) in o.iter_mut().enumerate() {
                    let i = (blk * BLOCK + k) * nn;
                    let (p, q) = (&a[i..i + nn], &b[i..i + nn]);
                    *o = match n {
                        2 if classical => spd2::dist(p, q)?,
                        3 if classical => spd3::dist(p, q)?,
                        _ => self
                            .metric()
                            .dist(to_mat(n, p).as_ref(), to_mat(n, q).as_ref())?,
                    };
                }
                Ok(())
            })
    }

    /// `exp_{p[i]}(v[i])` for a batch, into `out` (same layout).
    pub fn exp_batch(&self, p: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        self.map_batch("Spd::exp_batch", p, v, out, spd2::exp, spd3::exp, |a, b| {
            self.metric().exp(a, b)
        })
    }

    /// `log_{p[i]}(q[i])` for a batch, into `out` (same layout).
    pub fn log_batch(&self, p: &[f64], q: &[f64], out: &mut [f64]) -> Result<()> {
        self.map_batch("Spd::log_batch", p, q, out, spd2::log, spd3::log, |a, b| {
            self.metric().log(a, b)
        })
    }

    fn map_batch(
        &self,
        context: &'static str,
        a: &[f64],
        b: &[f64],
        out: &mut [f64],
        f2: SmallKernel,
        f3: SmallKernel,
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
        self.batch_len(context, a, b)?;
        out.par_chunks_mut(BLOCK * nn)
            .enumerate()
            .try_for_each(|(blk, o)| {
                for (k, o) in o.chunks_mut(nn).enumerate() {
                    let i = (blk * BLOCK + k) * nn;
                    let (x, y) = (&a[i..i + nn], &b[i..i + nn]);
                    match n {
                        2 => f2(x, y, o)?,
                        3 => f3(x, y, o)?,
                        _ => {
                            let r = fbig(to_mat(n, x).as_ref(), to_mat(n, y).as_ref())?;
                            from_mat(n, &r, o);
                        }
                    }
                }
                Ok(())
            })
    }
}
