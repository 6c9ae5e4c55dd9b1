//! Hyperbolic space `H^n` of constant curvature `-c` (`c > 0`) in two
//! models: the Poincare ball (conformal, bounded, with Ungar's gyrovector
//! operations) and the Lorentz hyperboloid (numerically the better
//! behaved far from the origin), with isometric conversions between them.
//!
//! With `x` in the ball of radius `1/sqrt(c)` and `(x0, xs)` on the
//! hyperboloid `-x0^2 + |xs|^2 = -1/c`, the isometry is
//! `x = xs / (1 + sqrt(c) x0)` and, back,
//! `x0 = (1 + c|x|^2) / (sqrt(c) (1 - c|x|^2))`, `xs = 2x / (1 - c|x|^2)`.
//! References: Ganea, Becigneul and Hofmann, *Hyperbolic Neural Networks*
//! (NeurIPS 2018); Nickel and Kiela, *Poincare Embeddings* (2017) and
//! *Learning Continuous Hierarchies in the Lorentz Model* (2018); Ungar,
//! *A Gyrovector Space Approach to Hyperbolic Geometry* (2008).

pub mod lorentz;
pub mod poincare;

pub use lorentz::Lorentz;
pub use poincare::PoincareBall;

use crate::error::{Error, Result};

/// `InvalidArgument` unless the curvature magnitude is finite and positive.
pub(crate) fn check_curvature(c: f64) -> Result<()> {
    if c.is_finite() && c > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "curvature magnitude c must be finite and > 0, got {c}"
        )))
    }
}

/// `acosh(1 + t)` for `t >= 0`, accurate for small `t` (no cancellation in
/// `1 + t`).
#[inline]
pub(crate) fn acosh1p(t: f64) -> f64 {
    let t = t.max(0.0);
    (t + (t * (t + 2.0)).sqrt()).ln_1p()
}
