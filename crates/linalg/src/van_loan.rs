//! Exact discretisation of linear time-invariant SDEs by Van Loan's block
//! matrix exponential.
//!
//! The SDE `dx = F x dt + L dbeta`, with `beta` a Brownian motion of
//! spectral density `Qc`, has over a step `dt` the exact transition
//! `x(t + dt) = A x(t) + q`, `q ~ N(0, Q)`, where `A = exp(F dt)` and
//! `Q = int_0^dt exp(F s) L Qc L^T exp(F s)^T ds`. Van Loan (IEEE Trans.
//! Automat. Control 23(3), 1978) reads both from one exponential:
//! `exp([[-F, L Qc L^T], [0, F^T]] dt) = [[*, G], [0, A^T]]` and `Q = A G`.
//! This is how state-space Gaussian processes (Sarkka and Solin, *Applied
//! Stochastic Differential Equations*, 2019, Sec. 6.3) turn a Matern or
//! periodic prior into a Kalman filter.
use faer::{Mat, MatRef};

use crate::expm::expm;
use crate::{Error, Result};

/// The exact discrete-time model `x_{k+1} = A x_k + q_k`, `q_k ~ N(0, Q)`,
/// of a linear time-invariant SDE over one step.
#[derive(Clone, Debug)]
pub struct DiscreteLinearSde {
    /// The transition matrix `A = exp(F dt)`.
    pub transition: Mat<f64>,
    /// The process noise covariance `Q`, exactly symmetric.
    pub noise_covariance: Mat<f64>,
}

fn shape_error(context: &'static str, expected: String, a: MatRef<'_, f64>) -> Error {
    Error::ShapeMismatch {
        context,
        expected,
        got: format!("{}x{}", a.nrows(), a.ncols()),
    }
}

/// Discretises `dx = F x dt + L dbeta` (Brownian spectral density `Qc`)
/// over a step `dt` by Van Loan's construction.
///
/// `F` is `n x n`, `L` is `n x q`, `Qc` is `q x q` (symmetric positive
/// semidefinite; it is not checked beyond shape and finiteness), `dt >= 0`.
/// Accuracy is that of [`expm`] on the `2n x 2n` block matrix; the tests
/// check the Ornstein-Uhlenbeck and integrated Wiener closed forms to
/// `1e-14` relative.
///
/// # Errors
/// [`Error::ShapeMismatch`] for inconsistent shapes, [`Error::NonFinite`] for
/// non-finite entries or `dt`, [`Error::InvalidArgument`] for `dt < 0`, and
/// the errors of [`expm`].
pub fn van_loan_discretise(
    f: MatRef<'_, f64>,
    l: MatRef<'_, f64>,
    qc: MatRef<'_, f64>,
    dt: f64,
) -> Result<DiscreteLinearSde> {
    const CONTEXT: &str = "Van Loan discretisation";
    let n = f.nrows();
    if n == 0 {
        return Err(Error::Empty(CONTEXT));
    }
    if f.ncols() != n {
        return Err(shape_error(CONTEXT, "a square drift matrix F".into(), f));
    }
    if l.nrows() != n {
        return Err(shape_error(CONTEXT, format!("L with {n} rows"), l));
    }
    let q = l.ncols();
    if qc.nrows() != q || qc.ncols() != q {
        return Err(shape_error(CONTEXT, format!("Qc of shape {q}x{q}"), qc));
    }
    if !dt.is_finite() {
        return Err(Error::NonFinite("Van Loan discretisation step"));
    }
    if dt < 0.0 {
        return Err(Error::InvalidArgument(format!(
            "{CONTEXT}: step dt = {dt} is negative"
        )));
    }
    let all_finite =
        |m: MatRef<'_, f64>| (0..m.ncols()).all(|j| (0..m.nrows()).all(|i| m[(i, j)].is_finite()));
    if !all_finite(f) || !all_finite(l) || !all_finite(qc) {
        return Err(Error::NonFinite(CONTEXT));
    }
    let diffusion = l * qc * l.transpose();
    let block = Mat::from_fn(2 * n, 2 * n, |i, j| match (i < n, j < n) {
        (true, true) => -f[(i, j)] * dt,
        (true, false) => diffusion[(i, j - n)] * dt,
        (false, true) => 0.0,
        (false, false) => f[(j - n, i - n)] * dt,
    });
    let e = expm(block.as_ref())?;
    let transition = e.as_ref().submatrix(n, n, n, n).transpose().to_owned();
    let g = e.as_ref().submatrix(0, n, n, n);
    let q_raw = &transition * g;
    let noise_covariance = Mat::from_fn(n, n, |i, j| 0.5 * (q_raw[(i, j)] + q_raw[(j, i)]));
    Ok(DiscreteLinearSde {
        transition,
        noise_covariance,
    })
}
