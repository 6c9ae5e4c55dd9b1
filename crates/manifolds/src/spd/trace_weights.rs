//! The two-parameter `O(n)`-invariant inner products on `Sym(n)`,
//! `<A, B>_{alpha,beta} = alpha tr(A B) + beta tr(A) tr(B)`.
//!
//! Splitting `A = A_0 + (tr A / n) I` into its trace-free and scalar parts
//! gives `|A|^2 = alpha |A_0|_F^2 + (alpha + n beta) (tr A)^2 / n`, so the
//! form is positive definite exactly when `alpha > 0` and
//! `alpha + n beta > 0`. These are, up to the choice of chart, all the
//! `O(n)`-invariant inner products on `Sym(n)`; the affine-invariant and
//! log-Euclidean metrics of this module use them in the whitened tangent
//! space and in the logarithmic chart respectively. Because the form only
//! rescales the two orthogonal parts by constants, geodesics, logarithms
//! and parallel transport are those of `(alpha, beta) = (1, 0)`; only the
//! inner product, the distance and the gradient conversion change.
//! Reference: Thanwerdas and Pennec, *O(n)-invariant Riemannian metrics on
//! SPD matrices* (Linear Algebra Appl. 2023), section 3.

use super::frob;
use crate::error::{Error, Result};
use faer::{Mat, MatRef};

/// The weights `(alpha, beta)` of `alpha tr(A B) + beta tr(A) tr(B)`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct TraceWeights {
    pub(crate) alpha: f64,
    pub(crate) beta: f64,
}

impl Default for TraceWeights {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            beta: 0.0,
        }
    }
}

fn trace(a: MatRef<'_, f64>) -> f64 {
    (0..a.nrows()).map(|i| a[(i, i)]).sum()
}

impl TraceWeights {
    /// Needs a finite `alpha > 0` and a finite `beta`; the condition
    /// `alpha + n beta > 0` is checked by [`TraceWeights::validate`].
    pub(crate) fn new(alpha: f64, beta: f64) -> Result<Self> {
        if !(alpha > 0.0 && alpha.is_finite() && beta.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "O(n)-invariant weights need finite alpha > 0 and finite beta, got ({alpha}, {beta})"
            )));
        }
        Ok(Self { alpha, beta })
    }

    /// `InvalidArgument` unless `alpha + n beta > 0`.
    pub(crate) fn validate(&self, n: usize) -> Result<()> {
        let s = self.alpha + n as f64 * self.beta;
        if s > 0.0 {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "O(n)-invariant weights need alpha + n beta > 0, got {s} for n = {n}"
            )))
        }
    }

    /// `alpha tr(A B) + beta tr(A) tr(B)` for symmetric `A`, `B`.
    pub(crate) fn inner(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
        let mut s = self.alpha * frob(a, b);
        if self.beta != 0.0 {
            s += self.beta * trace(a) * trace(b);
        }
        s
    }

    /// `|diag(x)|^2 = alpha sum x_i^2 + beta (sum x_i)^2`, the squared
    /// norm of a matrix from its eigenvalues.
    pub(crate) fn sq_norm_spectrum(&self, x: &[f64]) -> f64 {
        let sq: f64 = x.iter().map(|v| v * v).sum();
        let t: f64 = x.iter().sum();
        self.alpha * sq + self.beta * t * t
    }

    /// The `A` with `<A, B>_{alpha,beta} = <Z, B>_F` for every `B`:
    /// `(Z - beta tr(Z) / (alpha + n beta) I) / alpha`.
    pub(crate) fn riesz(&self, z: MatRef<'_, f64>) -> Mat<f64> {
        let n = z.nrows();
        let shift = self.beta * trace(z) / (self.alpha + n as f64 * self.beta);
        Mat::from_fn(n, n, |i, j| {
            (z[(i, j)] - if i == j { shift } else { 0.0 }) / self.alpha
        })
    }
}
