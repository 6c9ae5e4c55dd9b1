//! Block-Toeplitz matrices with Toeplitz blocks (BTTB): stationary
//! covariances and convolutions on regular 2-D grids, applied by 2-D FFT in
//! `O(N log N)` for `N = n1 n2` grid points.
//!
//! On an `n1 x n2` grid with row-major numbering (`i = i1 n2 + i2`, the same
//! order as [`crate::kronecker::Kronecker`]), a shift-invariant operator
//! has entries `A[(i1, i2), (j1, j2)] = t(i1 - j1, i2 - j2)`, defined by the
//! `(2 n1 - 1) x (2 n2 - 1)` array of offsets. It is the leading block of a
//! 2-D circulant of size `L1 x L2` with `L_k >= 2 n_k - 1` (entries placed at
//! offsets modulo `L_k`), which the 2-D DFT diagonalises, so a matvec is a
//! zero-padded 2-D FFT, a pointwise product with the cached spectrum and an
//! inverse FFT. Separable `t(k1, k2) = t1(k1) t2(k2)` gives the Kronecker
//! product of two Toeplitz matrices; BTTB covers non-separable kernels too
//! (isotropic Matern on a grid, say).
//!
//! References: R. H. Chan and M. K. Ng, "Conjugate gradient methods for
//! Toeplitz systems", SIAM Rev. 38 (1996), section 5; C. R. Dietrich and
//! G. N. Newsam, "Fast and exact simulation of stationary Gaussian
//! processes through circulant embedding of the covariance matrix", SIAM J.
//! Sci. Comput. 18 (1997).

use crate::check;
use crate::toeplitz::next_fast_len;
use crate::{Error, Result};
use faer::dyn_stack::{MemStack, StackReq};
use faer::matrix_free::{BiLinOp, LinOp};
use faer::{Mat, MatMut, MatRef, Par};
use num_complex::Complex64;
use rayon::prelude::*;
use rustfft::{Fft, FftPlanner};
use std::sync::Arc;

/// A BTTB operator on an `n1 x n2` grid.
#[derive(Clone)]
pub struct Bttb {
    n1: usize,
    n2: usize,
    offsets: Vec<f64>,
    l1: usize,
    l2: usize,
    fwd1: Arc<dyn Fft<f64>>,
    fwd2: Arc<dyn Fft<f64>>,
    inv1: Arc<dyn Fft<f64>>,
    inv2: Arc<dyn Fft<f64>>,
    /// Spectrum of the embedding over `L1 L2`, in column-major layout.
    spectrum: Vec<Complex64>,
}

impl std::fmt::Debug for Bttb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bttb")
            .field("n1", &self.n1)
            .field("n2", &self.n2)
            .field("embedding", &(self.l1, self.l2))
            .finish()
    }
}

fn transpose(src: &[Complex64], rows: usize, cols: usize, dst: &mut [Complex64]) {
    for i in 0..rows {
        for j in 0..cols {
            dst[j * rows + i] = src[i * cols + j];
        }
    }
}

impl Bttb {
    /// The BTTB operator with entries `t(i1 - j1, i2 - j2)` on an `n1 x n2`
    /// grid; `t` is called for offsets `|k1| < n1`, `|k2| < n2`.
    ///
    /// # Errors
    /// [`Error::Empty`] for an empty grid, [`Error::NonFinite`] if `t` returns
    /// NaN or infinity, [`Error::InvalidArgument`] if the grid is too large.
    pub fn from_fn(n1: usize, n2: usize, t: impl Fn(isize, isize) -> f64) -> Result<Self> {
        if n1 == 0 || n2 == 0 {
            return Err(Error::Empty("Bttb::from_fn"));
        }
        if n1.checked_mul(n2).is_none()
            || n1 > isize::MAX as usize / 4
            || n2 > isize::MAX as usize / 4
        {
            return Err(Error::InvalidArgument(
                "Bttb::from_fn: grid too large".into(),
            ));
        }
        let (w1, w2) = (2 * n1 - 1, 2 * n2 - 1);
        let mut offsets = vec![0.0; w1 * w2];
        for a in 0..w1 {
            for b in 0..w2 {
                offsets[a * w2 + b] = t(
                    a as isize - (n1 as isize - 1),
                    b as isize - (n2 as isize - 1),
                );
            }
        }
        check::finite_slice(&offsets, "Bttb::from_fn")?;
        let (l1, l2) = (next_fast_len(w1), next_fast_len(w2));
        let mut planner = FftPlanner::new();
        let (fwd1, fwd2) = (planner.plan_fft_forward(l1), planner.plan_fft_forward(l2));
        let (inv1, inv2) = (planner.plan_fft_inverse(l1), planner.plan_fft_inverse(l2));
        let mut c = vec![Complex64::new(0.0, 0.0); l1 * l2];
        for a in 0..w1 {
            let p1 = (a as isize - (n1 as isize - 1)).rem_euclid(l1 as isize) as usize;
            for b in 0..w2 {
                let p2 = (b as isize - (n2 as isize - 1)).rem_euclid(l2 as isize) as usize;
                c[p1 * l2 + p2] = Complex64::new(offsets[a * w2 + b], 0.0);
            }
        }
        let mut op = Self {
            n1,
            n2,
            offsets,
            l1,
            l2,
            fwd1,
            fwd2,
            inv1,
            inv2,
            spectrum: Vec::new(),
        };
        let mut spectrum = op.forward(c);
        let scale = 1.0 / (l1 * l2) as f64;
        spectrum.iter_mut().for_each(|z| *z *= scale);
        op.spectrum = spectrum;
        Ok(op)
    }

    /// Grid shape `(n1, n2)`.
    pub fn grid(&self) -> (usize, usize) {
        (self.n1, self.n2)
    }

    /// `t(k1, k2)` for `|k1| < n1`, `|k2| < n2`.
    pub fn offset(&self, k1: isize, k2: isize) -> Option<f64> {
        let a = usize::try_from(k1 + self.n1 as isize - 1).ok()?;
        let b = usize::try_from(k2 + self.n2 as isize - 1).ok()?;
        (a < 2 * self.n1 - 1 && b < 2 * self.n2 - 1)
            .then(|| self.offsets[a * (2 * self.n2 - 1) + b])
    }

    /// The dense `N x N` matrix (for tests and small grids).
    pub fn to_dense(&self) -> Mat<f64> {
        let (n1, n2) = (self.n1, self.n2);
        Mat::from_fn(n1 * n2, n1 * n2, |i, j| {
            let k1 = (i / n2) as isize - (j / n2) as isize;
            let k2 = (i % n2) as isize - (j % n2) as isize;
            self.offset(k1, k2).unwrap_or(0.0)
        })
    }

    /// 2-D DFT of a row-major `L1 x L2` array, returned column-major.
    fn forward(&self, mut buf: Vec<Complex64>) -> Vec<Complex64> {
        self.fwd2.process(&mut buf);
        let mut t = vec![Complex64::new(0.0, 0.0); buf.len()];
        transpose(&buf, self.l1, self.l2, &mut t);
        self.fwd1.process(&mut t);
        t
    }

    /// Inverse of [`Bttb::forward`] (unnormalised).
    fn inverse(&self, mut t: Vec<Complex64>) -> Vec<Complex64> {
        self.inv1.process(&mut t);
        let mut buf = vec![Complex64::new(0.0, 0.0); t.len()];
        transpose(&t, self.l2, self.l1, &mut buf);
        self.inv2.process(&mut buf);
        buf
    }

    fn apply_block(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        transpose_op: bool,
        par: Par,
    ) {
        let (n1, n2, l2) = (self.n1, self.n2, self.l2);
        let k = rhs.ncols();
        let run = |p: usize| -> (usize, Vec<Complex64>) {
            let j0 = 2 * p;
            let mut buf = vec![Complex64::new(0.0, 0.0); self.l1 * l2];
            for i1 in 0..n1 {
                for i2 in 0..n2 {
                    let i = i1 * n2 + i2;
                    let im = if j0 + 1 < k { rhs[(i, j0 + 1)] } else { 0.0 };
                    buf[i1 * l2 + i2] = Complex64::new(rhs[(i, j0)], im);
                }
            }
            let mut f = self.forward(buf);
            for (z, s) in f.iter_mut().zip(&self.spectrum) {
                *z *= if transpose_op { s.conj() } else { *s };
            }
            (j0, self.inverse(f))
        };
        let pairs = k.div_ceil(2);
        let results: Vec<(usize, Vec<Complex64>)> = match par {
            Par::Rayon(_) if pairs > 1 => (0..pairs).into_par_iter().map(run).collect(),
            _ => (0..pairs).map(run).collect(),
        };
        let mut out = out;
        for (j0, buf) in results {
            for i1 in 0..n1 {
                for i2 in 0..n2 {
                    let z = buf[i1 * l2 + i2];
                    out[(i1 * n2 + i2, j0)] = z.re;
                    if j0 + 1 < k {
                        out[(i1 * n2 + i2, j0 + 1)] = z.im;
                    }
                }
            }
        }
    }
}

impl LinOp<f64> for Bttb {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn nrows(&self) -> usize {
        self.n1 * self.n2
    }
    fn ncols(&self) -> usize {
        self.n1 * self.n2
    }
    fn apply(&self, out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, par: Par, _stack: &mut MemStack) {
        self.apply_block(out, rhs, false, par);
    }
    fn conj_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        _stack: &mut MemStack,
    ) {
        self.apply_block(out, rhs, false, par);
    }
}

impl BiLinOp<f64> for Bttb {
    fn transpose_apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn transpose_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        _stack: &mut MemStack,
    ) {
        self.apply_block(out, rhs, true, par);
    }
    fn adjoint_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        _stack: &mut MemStack,
    ) {
        self.apply_block(out, rhs, true, par);
    }
}
