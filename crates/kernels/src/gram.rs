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
    let cols = cross_gram_columns(kernel, x, y)?;
    Ok(faer::MatRef::from_column_major_slice(&cols, x.len(), y.len()).to_owned())
}

/// `K(X, Y)` as a column-major buffer, for callers that only read it (a
/// `MatRef` over the buffer saves the copy into a `Mat`).
pub(crate) fn cross_gram_columns<K: Kernel + ?Sized>(
    kernel: &K,
    x: &Points,
    y: &Points,
) -> Result<Vec<f64>> {
    x.check_same_dim(y, "cross_gram")?;
    kernel.check_dim(x.dim())?;
    let mut cols = vec![0.0; x.len() * y.len()];
    kernel.cross_columns(x, y, &mut cols);
    Ok(cols)
}

/// The diagonal `k(x_i, x_i)`.
pub fn gram_diagonal<K: Kernel + ?Sized>(kernel: &K, x: &Points) -> Result<Vec<f64>> {
    kernel.check_dim(x.dim())?;
    Ok(x.rows().map(|r| kernel.eval(r, r)).collect())
}

#[cfg(test)]
mod tests {
    use super::cross_gram;
    use crate::kernel::{Kernel, Matern52, RationalQuadratic, Stationary};
    use crate::points::Points;

    /// The blocked stationary path against entry-by-entry evaluation,
    /// isotropic and ARD, with a variance other than one.
    #[test]
    fn stationary_cross_gram_matches_eval() {
        let x = Points::new((0..21).map(|i| (f64::from(i) * 0.37).sin()).collect(), 3).unwrap();
        let y = Points::new((0..15).map(|i| (f64::from(i) * 0.91).cos()).collect(), 3).unwrap();
        let iso = Stationary::new(Matern52, 1.7, 0.6).unwrap();
        let ard = Stationary::ard(
            RationalQuadratic::new(0.8).unwrap(),
            0.4,
            vec![0.5, 2.0, 1.1],
        )
        .unwrap();
        for k in [&iso as &dyn Kernel, &ard] {
            let c = cross_gram(k, &x, &y).unwrap();
            for i in 0..x.len() {
                for j in 0..y.len() {
                    let want = k.eval(x.row(i), y.row(j));
                    assert!((c[(i, j)] - want).abs() <= 1e-14 * want.abs().max(1e-300) + 1e-15);
                }
            }
        }
    }
}
