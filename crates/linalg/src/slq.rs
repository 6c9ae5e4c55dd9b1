//! Stochastic Lanczos quadrature (SLQ) for `tr f(A)` and `log det A` of a
//! symmetric (positive definite) operator known only through matvecs.
//!
//! `tr f(A) = E[z^T f(A) z]` for Rademacher `z` (Hutchinson), and each
//! quadratic form is a Riemann-Stieltjes integral against the spectral
//! measure of `A` seen from `z`. `m` Lanczos steps from `z / ||z||` give the
//! `m`-point Gauss rule of that measure: nodes the Ritz values `theta_k` of
//! `T_m`, weights the squared first components `tau_k^2` of its
//! eigenvectors, so `z^T f(A) z ~ ||z||^2 sum_k tau_k^2 f(theta_k)`. For
//! analytic `f` on the spectrum the quadrature error decays geometrically in
//! `m` (with rate set by the condition number for `log`); the Monte Carlo
//! error decays as `1/sqrt(probes)` and dominates in practice. Probes run in
//! parallel, each with its own seeded stream, so the estimate does not
//! depend on the number of threads.
//!
//! Measured accuracy: on a 300 x 300 RBF kernel plus noise, 64 probes of 40
//! steps give the log-determinant within 2 % and within four reported
//! standard errors (tests/estimators.rs).
//!
//! References: S. Ubaru, J. Chen, Y. Saad, "Fast estimation of tr(f(A)) via
//! stochastic Lanczos quadrature", SIAM J. Matrix Anal. Appl. 38 (2017);
//! G. H. Golub and G. Meurant, "Matrices, moments and quadrature with
//! applications", Princeton (2010).

use crate::lanczos::{LanczosOptions, Reorthogonalization, lanczos};
use crate::trace::{Estimate, rademacher};
use crate::{Error, Result};
use faer::matrix_free::LinOp;
use rayon::prelude::*;

/// Tag of the error raised when `f` is not finite at a Ritz value.
const QUADRATURE: &str = "slq quadrature (f not finite at a Ritz value)";

/// Options of the SLQ estimators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlqOptions {
    /// Number of Rademacher probe vectors.
    pub probes: usize,
    /// Lanczos steps per probe (Gauss nodes).
    pub steps: usize,
    /// Reorthogonalisation of the Lanczos basis.
    pub reorthogonalization: Reorthogonalization,
    /// Seed of the probe vectors.
    pub seed: u64,
}

impl Default for SlqOptions {
    fn default() -> Self {
        Self {
            probes: 30,
            steps: 30,
            reorthogonalization: Reorthogonalization::None,
            seed: 0,
        }
    }
}

/// SLQ estimate of `tr f(A)` for symmetric `A`; `f` is evaluated at Ritz
/// values, which lie in the spectral interval of `A`.
///
/// # Errors
/// [`Error::ShapeMismatch`] for a non-square operator, [`Error::Empty`],
/// [`Error::InvalidArgument`] for zero probes or steps, [`Error::NonFinite`]
/// if the operator or `f` returns NaN or infinity.
pub fn trace_function<A: LinOp<f64> + ?Sized>(
    a: &A,
    f: impl Fn(f64) -> f64 + Sync,
    options: &SlqOptions,
) -> Result<Estimate> {
    let n = a.nrows();
    crate::check::dim("slq (operator columns)", n, a.ncols())?;
    if n == 0 {
        return Err(Error::Empty("slq"));
    }
    if options.probes == 0 || options.steps == 0 {
        return Err(Error::InvalidArgument(
            "slq: probes and steps must be positive".into(),
        ));
    }
    let lopts = LanczosOptions {
        steps: options.steps,
        reorthogonalization: options.reorthogonalization,
        ..Default::default()
    };
    let samples: Result<Vec<f64>> = (0..options.probes)
        .into_par_iter()
        .map(|p| {
            let z = rademacher(
                n,
                1,
                options
                    .seed
                    .wrapping_add(p as u64)
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15),
            );
            let z: Vec<f64> = z.col(0).iter().copied().collect();
            let t = lanczos(a, &z, &lopts)?;
            let (nodes, weights) = t.gauss_quadrature()?;
            let mut q = 0.0;
            for (th, w) in nodes.iter().zip(&weights) {
                q += w * f(*th);
            }
            let v = n as f64 * q;
            if v.is_finite() {
                Ok(v)
            } else {
                Err(Error::NonFinite(QUADRATURE))
            }
        })
        .collect();
    Ok(Estimate::from_samples(0.0, &samples?))
}

/// SLQ estimate of `log det A` for symmetric positive definite `A`.
///
/// # Errors
/// As [`trace_function`]; [`Error::NotPositiveDefinite`] if a Ritz value is
/// not positive (then `A` is not positive definite).
pub fn log_det<A: LinOp<f64> + ?Sized>(a: &A, options: &SlqOptions) -> Result<Estimate> {
    let r = trace_function(a, |x| if x > 0.0 { x.ln() } else { f64::NAN }, options);
    match r {
        Err(Error::NonFinite(QUADRATURE)) => Err(Error::NotPositiveDefinite(
            "slq::log_det: a Ritz value is not positive".into(),
        )),
        other => other,
    }
}
