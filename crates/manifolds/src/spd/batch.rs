//! Batched affine-invariant `exp`, `log` and `dist` on `SPD(n)`.
//!
//! A batch is a contiguous slice of `m` matrices of order `n`, each stored
//! in `n * n` consecutive entries (row- or column-major: the matrices are
//! symmetric). The work is spread over rayon in fixed blocks, so results do
//! not depend on the thread count.
//!
//! Every kernel works in the Cholesky frame of the base point `P = L L^T`:
//! `W = L^{-1} B L^{-T}` is congruent to `P^{-1/2} B P^{-1/2}` by an
//! orthogonal matrix, so `exp_P(V) = L expm(L^{-1} V L^{-T}) L^T`,
//! `log_P(Q) = L logm(L^{-1} Q L^{-T}) L^T` and `d(P, Q)^2 = sum_i log^2 l_i`
//! over the eigenvalues `l_i` of `W` (Pennec, Fillard and Ayache 2006). One
//! Cholesky factorisation and two triangular solves per pair, instead of a
//! second eigendecomposition for `P^{1/2}`; then for `log` one symmetric
//! eigendecomposition, for `dist` its eigenvalues only, and for `exp` no
//! eigensolver at all: `expm(W)` by scaling and squaring with the `[13/13]`
//! Pade approximant, which at these orders is a handful of small matrix
//! products (the spectral route remains the fallback for huge `W`).
//!
//! For `n <= 16` the matrices are stack arrays and the kernels (private
//! modules `small_dense` and `small_eigh`) are compiled per order and run
//! under CPU-feature dispatch, so nothing is allocated per pair and the
//! row loops use the full SIMD width; larger orders go through the faer
//! path of [`AffineInvariant`], where the `O(n^3)` work outweighs any
//! per-call overhead. The spectral step is closed form for `n = 3`, and
//! Householder tridiagonalisation with implicit QL otherwise (the
//! square-root-free variant for the distance). The QL sweeps are a serial
//! chain of square roots and divisions, so for `log` and `dist` four pairs
//! are solved together, one SIMD lane per pair, with exactly the
//! arithmetic each pair would get alone: results do not depend on how the
//! batch is grouped.
//!
//! For `log` the eigenvectors come from the lockstep QL of `small_eigh`
//! (one SIMD lane per pair, rotations recorded and applied to each pair's
//! eigenvector rows after the sweep), which took the `log` from 8.7 to
//! 7.2 us of CPU time per pair at `n = 16` (one thread, 256 pairs of the
//! benchmark's kind, 2000 repetitions, old and new runs interleaved under a
//! load average of 3 to 5 on two cores; `dist` / `exp` 4.9 / 5.3 us in the
//! same runs).
//!
//! CPU time per pair at `n = 16` on one thread, inputs of `cargo xtask
//! peers manifolds`: dist / exp / log 12.3 / 18.1 / 17.7 us with nalgebra
//! whitening and products and the one-pair solver (idle machine); 5.7 /
//! 6.0 / 9.9 us with the kernels above before the lockstep QL (measured
//! with a load average of 5 to 7 on two cores, so if anything
//! pessimistic); geomstats 2.8 takes 48 / 44 / 42 us per pair on one
//! thread in the same conditions.
//!
//! Measured accuracy: the batches agree with the single-pair routines of
//! [`super::affine_invariant`] to 1e-12 relative (n = 2, 3, 5, 16, 18),
//! also for nearly equal pairs (`d = 1e-9 .. 1e-3`, n = 3, 4, 16: 1e-9
//! relative to `d` plus 1e-13), and with the geomstats 2.8 fixtures
//! (n = 2, 3, 6) to 9.9e-16 (dist), 8.0e-15 (exp) and 3.7e-15 (log),
//! relative to the largest entry. The Pade `exp` agrees with the spectral
//! one to 1e-13 (1 + |V|_P) relative to the largest entry for tangents of
//! length 1e-12 to 40 (n = 2, 5, 16), and `expm(W)` with
//! `U diag(e^l) U^T` from faer to 8.2e-14 (n = 16, Gaussian entries of
//! standard deviation up to 8, `|W|_2` about 60).

use super::small_eigh::{LANES, sym_eigh, sym_eigh_lanes, sym_eigvals_lanes};
use super::{AffineInvariant, Spd, SpdMetric};
use crate::error::{Error, Result};
use faer::Mat;
use nalgebra::SMatrix;
use rayon::prelude::*;

/// Matrices per rayon task.
const BLOCK: usize = 256;

fn not_pd() -> Error {
    Error::NotPositiveDefinite("a matrix of the batch is not SPD".into())
}

/// The row-major `N x N` block `s` as a stack matrix.
pub(super) fn load<const N: usize>(s: &[f64]) -> SMatrix<f64, N, N> {
    SMatrix::<f64, N, N>::from_fn(|i, j| s[i * N + j])
}

/// The symmetric part of `m`, written row-major into `out`.
pub(super) fn store<const N: usize>(m: &SMatrix<f64, N, N>, out: &mut [f64]) {
    for i in 0..N {
        for j in 0..N {
            out[i * N + j] = 0.5 * (m[(i, j)] + m[(j, i)]);
        }
    }
}

/// Fixed-size kernels for order `N`, on the stack arrays of
/// [`super::small_dense`]. They are `inline(always)` so that the block loop
/// of [`FixedBlock`] compiles them under its CPU-feature dispatch.
mod fixed {
    use super::*;
    use crate::spd::small_dense::{self as dense, Sq};

    /// The Cholesky factor `L` of `p` and `W = L^{-1} b L^{-T}`, symmetrised.
    #[inline(always)]
    fn whiten<const N: usize>(p: &[f64], b: &[f64]) -> Result<(Sq<N>, Sq<N>)> {
        let (l, inv_diag) = dense::cholesky(&dense::load::<N>(p)).ok_or_else(not_pd)?;
        let w = dense::whiten(&l, &inv_diag, &dense::load::<N>(b));
        Ok((l, w))
    }

    fn not_converged() -> Error {
        Error::NotConverged {
            method: "small symmetric eigensolver",
            iterations: 0,
            residual: f64::NAN,
        }
    }

    /// `L U diag(f(l)) U^T L^T` for the eigenpairs `(l, U)` of `w`.
    #[inline(always)]
    fn coloured_fn<const N: usize>(
        l: &Sq<N>,
        w: &Sq<N>,
        f: impl Fn(f64) -> Option<f64>,
    ) -> Result<Sq<N>> {
        let (vals, vecs) = sym_eigh(w).ok_or_else(not_converged)?;
        let mut fv = [0.0; N];
        for (fk, lam) in fv.iter_mut().zip(vals) {
            *fk = f(lam).ok_or_else(not_pd)?;
            if !fk.is_finite() {
                return Err(Error::NonFinite("Spd batch: matrix function overflowed"));
            }
        }
        Ok(dense::colour_spectral(l, &vecs, &fv))
    }

    /// `exp_P(V) = L exp(W) L^T`; `exp(W)` by scaling and squaring, or
    /// spectrally where that declines (huge or non-finite `W`), which then
    /// reports the overflow.
    #[inline(always)]
    pub(super) fn exp<const N: usize>(p: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        let (l, w) = whiten::<N>(p, v)?;
        let e = match dense::sym_expm(&w) {
            Some(e) => dense::colour(&l, &e),
            None => coloured_fn(&l, &w, |x| Some(x.exp()))?,
        };
        dense::store_symmetrised(&e, out);
        Ok(())
    }

    /// `log_P(Q) = L log(W) L^T` for [`LANES`] consecutive pairs (`p`, `q`
    /// and `out` hold `LANES` matrices), their eigenproblems solved in
    /// lockstep.
    #[inline(always)]
    pub(super) fn log_lanes<const N: usize>(p: &[f64], q: &[f64], out: &mut [f64]) -> Result<()> {
        let nn = N * N;
        let mut ls = [[[0.0; N]; N]; LANES];
        let mut ws = [[[0.0; N]; N]; LANES];
        for k in 0..LANES {
            let r = k * nn..(k + 1) * nn;
            (ls[k], ws[k]) = whiten::<N>(&p[r.clone()], &q[r])?;
        }
        let (vals, vecs) = sym_eigh_lanes(&ws).ok_or_else(not_converged)?;
        for (k, o) in out.chunks_exact_mut(nn).enumerate().take(LANES) {
            let mut fv = [0.0; N];
            for (fk, &lam) in fv.iter_mut().zip(&vals[k]) {
                if !(lam > 0.0) {
                    return Err(not_pd());
                }
                *fk = lam.ln();
            }
            let m = dense::colour_spectral(&ls[k], &vecs[k], &fv);
            dense::store_symmetrised(&m, o);
        }
        Ok(())
    }

    /// The distances of [`LANES`] consecutive pairs into `out[..LANES]`,
    /// their eigenvalues found in lockstep.
    #[inline(always)]
    pub(super) fn dist_lanes<const N: usize>(p: &[f64], q: &[f64], out: &mut [f64]) -> Result<()> {
        let nn = N * N;
        let mut ws = [[[0.0; N]; N]; LANES];
        for (k, w) in ws.iter_mut().enumerate() {
            let r = k * nn..(k + 1) * nn;
            *w = whiten::<N>(&p[r.clone()], &q[r])?.1;
        }
        let vals = sym_eigvals_lanes(&ws).ok_or_else(not_converged)?;
        for (o, v) in out.iter_mut().zip(&vals) {
            let mut s = 0.0;
            for &l in v {
                if !(l > 0.0) {
                    return Err(not_pd());
                }
                s += l.ln() * l.ln();
            }
            *o = s.sqrt();
        }
        Ok(())
    }
}

/// Runs the lockstep kernel of `op` (log or dist) on groups of [`LANES`]
/// consecutive pairs of order `N` (`width` outputs per pair); a last,
/// incomplete group is padded with copies of its final pair, whose outputs
/// are dropped. Each lane computes exactly what it would alone, so the
/// grouping does not change any result. (The kernels are called directly,
/// not through a closure, so that they inline into the dispatched loop.)
#[inline(always)]
fn in_lane_groups<const N: usize>(
    op: Op,
    a: &[f64],
    b: &[f64],
    out: &mut [f64],
    width: usize,
) -> Result<()> {
    let nn = N * N;
    let kernel = |x: &[f64], y: &[f64], o: &mut [f64]| match op {
        Op::Dist => fixed::dist_lanes::<N>(x, y, o),
        _ => fixed::log_lanes::<N>(x, y, o),
    };
    let (group_in, group_out) = (LANES * nn, LANES * width);
    let full = a.len() / group_in;
    let groups = a.chunks_exact(group_in).zip(b.chunks_exact(group_in));
    for ((x, y), o) in groups.zip(out.chunks_exact_mut(group_out)) {
        match op {
            Op::Dist => fixed::dist_lanes::<N>(x, y, o)?,
            _ => fixed::log_lanes::<N>(x, y, o)?,
        }
    }
    let rest = a.len() / nn - full * LANES;
    if rest > 0 {
        let (x, y) = (&a[full * group_in..], &b[full * group_in..]);
        let (mut px, mut py) = (Vec::with_capacity(group_in), Vec::with_capacity(group_in));
        for k in 0..LANES {
            let j = k.min(rest - 1) * nn;
            px.extend_from_slice(&x[j..j + nn]);
            py.extend_from_slice(&y[j..j + nn]);
        }
        let mut po = vec![0.0; group_out];
        kernel(&px, &py, &mut po)?;
        out[full * group_out..].copy_from_slice(&po[..rest * width]);
    }
    Ok(())
}

/// A run of consecutive pairs of order `N` for one operation, processed
/// under CPU-feature dispatch: `pulp` compiles the loop, with the
/// fixed-size kernels inlined into it, once per instruction set and picks
/// the widest the CPU offers, so the row loops of the kernels use the full
/// SIMD width. No fused multiply-add is involved, so every instruction set
/// gives the same bits.
struct FixedBlock<'a, const N: usize> {
    op: Op,
    a: &'a [f64],
    b: &'a [f64],
    out: &'a mut [f64],
}

impl<const N: usize> pulp::WithSimd for FixedBlock<'_, N> {
    type Output = Result<()>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Result<()> {
        let FixedBlock { op, a, b, out } = self;
        let nn = N * N;
        let pairs = a.chunks_exact(nn).zip(b.chunks_exact(nn));
        match op {
            Op::Exp => {
                for ((x, y), o) in pairs.zip(out.chunks_exact_mut(nn)) {
                    fixed::exp::<N>(x, y, o)?;
                }
            }
            Op::Log => in_lane_groups::<N>(op, a, b, out, nn)?,
            Op::Dist => in_lane_groups::<N>(op, a, b, out, 1)?,
        }
        Ok(())
    }
}

/// `op` on the consecutive pairs of `a` and `b` (order `N`), into `out`.
fn fixed_block<const N: usize>(op: Op, a: &[f64], b: &[f64], out: &mut [f64]) -> Result<()> {
    pulp::Arch::new().dispatch(FixedBlock::<N> { op, a, b, out })
}

/// A fixed-size block runner, see [`fixed_block`].
type BlockKernel = fn(Op, &[f64], &[f64], &mut [f64]) -> Result<()>;

/// The fixed-size block runner for order `n <= 16`.
fn fixed_kernel(n: usize) -> Option<BlockKernel> {
    macro_rules! orders {
        ($($n:literal)*) => {
            match n {
                $($n => Some(fixed_block::<$n> as BlockKernel),)*
                _ => None,
            }
        };
    }
    orders!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

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

/// Whether every entry of `s` is finite. `x * 0` is zero for finite `x`
/// and NaN for infinities and NaN; eight independent sums of those
/// products vectorise, where a short-circuiting scan does not.
fn all_finite(s: &[f64]) -> bool {
    let mut acc = [0.0f64; 8];
    let chunks = s.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x * 0.0;
        }
    }
    acc.iter().all(|a| *a == 0.0) && rest.iter().all(|x| x.is_finite())
}

/// Which operation a batch runs.
#[derive(Clone, Copy)]
enum Op {
    Exp,
    Log,
    Dist,
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
        if !(all_finite(a) && all_finite(b)) {
            return Err(Error::NonFinite(context));
        }
        Ok(a.len() / nn)
    }

    /// Distances of the pairs `(a[i], b[i])` of a batch into `out` (length
    /// `m`).
    pub fn dist_batch(&self, a: &[f64], b: &[f64], out: &mut [f64]) -> Result<()> {
        self.run_batch("Spd::dist_batch", Op::Dist, a, b, out)
    }

    /// `exp_{p[i]}(v[i])` for a batch, into `out` (same layout).
    pub fn exp_batch(&self, p: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        self.run_batch("Spd::exp_batch", Op::Exp, p, v, out)
    }

    /// `log_{p[i]}(q[i])` for a batch, into `out` (same layout).
    pub fn log_batch(&self, p: &[f64], q: &[f64], out: &mut [f64]) -> Result<()> {
        self.run_batch("Spd::log_batch", Op::Log, p, q, out)
    }

    fn run_batch(
        &self,
        context: &'static str,
        op: Op,
        a: &[f64],
        b: &[f64],
        out: &mut [f64],
    ) -> Result<()> {
        let m = self.batch_len(context, a, b)?;
        let n = self.n;
        let nn = n * n;
        // Entries of `out` per pair.
        let width = match op {
            Op::Dist => 1,
            Op::Exp | Op::Log => nn,
        };
        if out.len() != m * width {
            return Err(Error::ShapeMismatch {
                context,
                expected: format!("output of length {}", m * width),
                got: format!("{}", out.len()),
            });
        }
        // The fixed-size distance is the classical one; other weights of the
        // family go through the metric's general path (their geodesics, so
        // exp and log, are the classical ones).
        let classical = *self.metric() == AffineInvariant::default();
        let kernel = fixed_kernel(n).filter(|_| classical || !matches!(op, Op::Dist));
        out.par_chunks_mut(BLOCK * width)
            .enumerate()
            .try_for_each(|(blk, o)| {
                let first = blk * BLOCK * nn;
                let len = o.len() / width * nn;
                let (a, b) = (&a[first..first + len], &b[first..first + len]);
                if let Some(kernel) = kernel {
                    return kernel(op, a, b, o);
                }
                for (k, o) in o.chunks_mut(width).enumerate() {
                    let (x, y) = (&a[k * nn..(k + 1) * nn], &b[k * nn..(k + 1) * nn]);
                    let (x, y) = (to_mat(n, x), to_mat(n, y));
                    let metric = self.metric();
                    match op {
                        Op::Dist => o[0] = metric.dist(x.as_ref(), y.as_ref())?,
                        Op::Exp => from_mat(n, &metric.exp(x.as_ref(), y.as_ref())?, o),
                        Op::Log => from_mat(n, &metric.log(x.as_ref(), y.as_ref())?, o),
                    }
                }
                Ok(())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_entries_are_found_anywhere() {
        // Lengths with and without a remainder past the blocks of eight.
        for len in [1usize, 7, 8, 9, 16, 27] {
            let ok: Vec<f64> = (0..len).map(|i| i as f64 - 3.5).collect();
            assert!(all_finite(&ok));
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                for pos in 0..len {
                    let mut v = ok.clone();
                    v[pos] = bad;
                    assert!(!all_finite(&v), "len {len}, {bad} at {pos}");
                }
            }
        }
        assert!(all_finite(&[]));
        assert!(all_finite(&[f64::MAX, -f64::MAX, 5e-324, -0.0]));
    }

    #[test]
    fn batches_with_non_finite_entries_are_refused() {
        let spd = Spd::<AffineInvariant>::new(2).unwrap();
        let eye = [1.0, 0.0, 0.0, 1.0];
        let a: Vec<f64> = eye.iter().cycle().take(12).copied().collect();
        for pos in 0..12 {
            let mut b = a.clone();
            b[pos] = f64::INFINITY;
            let mut out = vec![0.0; 3];
            assert!(matches!(
                spd.dist_batch(&a, &b, &mut out),
                Err(Error::NonFinite(_))
            ));
            assert!(matches!(
                spd.dist_batch(&b, &a, &mut out),
                Err(Error::NonFinite(_))
            ));
        }
    }
}
