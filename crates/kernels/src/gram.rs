//! Dense kernel matrices.
//!
//! `gram` fills the symmetric `N x N` matrix `K_ij = k(x_i, x_j)`: each
//! column's lower part `i >= j` is computed once, in parallel over columns
//! (every entry is computed independently, so the result does not depend
//! on the number of threads), and mirrored. `cross_gram` fills the
//! rectangular `K(X, Y)`. For N beyond a few thousand, prefer the
//! matrix-free [`crate::operator`] when only products are needed.

use crate::Result;
use crate::kernel::Kernel;
use crate::points::Points;
use faer::Mat;
use rayon::prelude::*;

/// The symmetric Gram matrix `K(X, X)`.
///
/// Errors: `ShapeMismatch` when the kernel requires another dimension.
pub fn gram<K: Kernel + ?Sized>(kernel: &K, x: &Points) -> Result<Mat<f64>> {
    kernel.check_dim(x.dim())?;
    let n = x.len();
    let mut lower = vec![0.0; n * n];
    lower.par_chunks_mut(n).enumerate().for_each(|(j, col)| {
        let xj = x.row(j);
        for i in j..n {
            col[i] = kernel.eval(x.row(i), xj);
        }
    });
    Ok(Mat::from_fn(n, n, |i, j| {
        if i >= j {
            lower[j * n + i]
        } else {
            lower[i * n + j]
        }
    }))
}

/// The rectangular matrix `K(X, Y)` (`x.len()` rows, `y.len()` columns).
///
/// Errors: `ShapeMismatch` when the point sets or the kernel disagree on the
/// dimension.
pub fn cross_gram<K: Kernel + ?Sized>(kernel: &K, x: &Points, y: &Points) -> Result<Mat<f64>> {
    x.check_same_dim(y, "cross_gram")?;
    kernel.check_dim(x.dim())?;
    let (n, m) = (x.len(), y.len());
    let mut cols = vec![0.0; n * m];
    cols.par_chunks_mut(n).enumerate().for_each(|(j, col)| {
        let yj = y.row(j);
        for (i, c) in col.iter_mut().enumerate() {
            *c = kernel.eval(x.row(i), yj);
        }
    });
    Ok(Mat::from_fn(n, m, |i, j| cols[j * n + i]))
}

/// The diagonal `k(x_i, x_i)`.
pub fn gram_diagonal<K: Kernel + ?Sized>(kernel: &K, x: &Points) -> Result<Vec<f64>> {
    kernel.check_dim(x.dim())?;
    Ok(x.rows().map(|r| kernel.eval(r, r)).collect())
}
