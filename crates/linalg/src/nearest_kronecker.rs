//! Nearest Kronecker product approximation (Van Loan-Pitsianis).
//!
//! For `A` of size `(m1 m2) x (n1 n2)`, the Frobenius-nearest sum of `r`
//! Kronecker products `sum_k B_k (x) C_k` (`B_k` of size `m1 x n1`, `C_k` of
//! size `m2 x n2`) comes from the rearrangement `R(A)`, the `(m1 n1) x
//! (m2 n2)` matrix whose row `(i1, j1)` is `vec` of block `A_{i1 j1}`: since
//! `R(B (x) C) = vec(B) vec(C)^T`, the problem becomes the best rank-`r`
//! approximation of `R(A)`, given by its truncated SVD (faer's).
//! The error is `||A - sum_k B_k (x) C_k||_F^2 = sum_{k > r} sigma_k^2`,
//! which selects the rank for a requested relative tolerance.
//!
//! References: C. F. Van Loan and N. Pitsianis, "Approximation with
//! Kronecker products", in Linear Algebra for Large Scale and Real-Time
//! Applications, Kluwer (1993); C. F. Van Loan, "The ubiquitous Kronecker
//! product", J. Comput. Appl. Math. 123 (2000).

use crate::check;
use crate::{Error, Result};
use faer::{Mat, MatRef};

/// A sum of Kronecker products `sum_k B_k (x) C_k` approximating a matrix.
#[derive(Debug, Clone)]
pub struct KroneckerApproximation {
    /// The terms `(B_k, C_k)`, largest singular value first (scaled into
    /// `B_k`; `C_k` has unit Frobenius norm).
    pub terms: Vec<(Mat<f64>, Mat<f64>)>,
    /// All singular values of the rearranged matrix, descending.
    pub singular_values: Vec<f64>,
    /// `||A - sum_k B_k (x) C_k||_F / ||A||_F`.
    pub relative_error: f64,
}

/// How many terms to keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rank {
    /// Exactly this many terms (at most the rank of the rearrangement).
    Fixed(usize),
    /// The fewest terms with relative Frobenius error at most this.
    Tolerance(f64),
}

/// The nearest sum of Kronecker products `B_k (x) C_k` to `a`, with
/// `B_k` of shape `outer = (m1, n1)` and `C_k` of shape `(m2, n2)` derived
/// from the shape of `a`.
///
/// # Errors
/// [`Error::ShapeMismatch`] unless `m1` divides the rows and `n1` the
/// columns of `a`; [`Error::Empty`]; [`Error::NonFinite`];
/// [`Error::InvalidArgument`] for a negative tolerance or a failed SVD.
pub fn nearest_kronecker(
    a: MatRef<'_, f64>,
    outer: (usize, usize),
    rank: Rank,
) -> Result<KroneckerApproximation> {
    let (m1, n1) = outer;
    if m1 == 0 || n1 == 0 || a.nrows() == 0 || a.ncols() == 0 {
        return Err(Error::Empty("nearest_kronecker"));
    }
    if a.nrows() % m1 != 0 || a.ncols() % n1 != 0 {
        return Err(Error::ShapeMismatch {
            context: "nearest_kronecker",
            expected: format!("rows divisible by {m1}, columns divisible by {n1}"),
            got: format!("{} x {}", a.nrows(), a.ncols()),
        });
    }
    check::finite_mat(a, "nearest_kronecker")?;
    let (m2, n2) = (a.nrows() / m1, a.ncols() / n1);
    // row (i1 + m1 j1) holds vec(block (i1, j1)) in column-major order
    let r = Mat::from_fn(m1 * n1, m2 * n2, |row, col| {
        let (i1, j1) = (row % m1, row / m1);
        let (i2, j2) = (col % m2, col / m2);
        a[(i1 * m2 + i2, j1 * n2 + j2)]
    });
    let svd = r
        .thin_svd()
        .map_err(|e| Error::InvalidArgument(format!("nearest_kronecker: SVD failed ({e:?})")))?;
    let s: Vec<f64> = svd.S().column_vector().iter().copied().collect();
    let total: f64 = s.iter().map(|x| x * x).sum();
    let tail = |k: usize| -> f64 {
        if total == 0.0 {
            0.0
        } else {
            (s[k..].iter().map(|x| x * x).sum::<f64>() / total).sqrt()
        }
    };
    let keep = match rank {
        Rank::Fixed(k) => k.min(s.len()),
        Rank::Tolerance(tol) => {
            if tol.is_nan() || tol < 0.0 {
                return Err(Error::InvalidArgument(
                    "nearest_kronecker: negative tolerance".into(),
                ));
            }
            (0..=s.len()).find(|&k| tail(k) <= tol).unwrap_or(s.len())
        }
    };
    let (u, v) = (svd.U(), svd.V());
    let terms = (0..keep)
        .map(|k| {
            let b = Mat::from_fn(m1, n1, |i, j| s[k] * u[(i + m1 * j, k)]);
            let c = Mat::from_fn(m2, n2, |i, j| v[(i + m2 * j, k)]);
            (b, c)
        })
        .collect();
    Ok(KroneckerApproximation {
        terms,
        relative_error: tail(keep),
        singular_values: s,
    })
}
