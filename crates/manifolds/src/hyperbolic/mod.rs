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
/// `1 + t`): `log1p(u)` with `u = t + sqrt(t(t + 2))`. For `u >= 1/2` the
/// cheaper `ln(1 + u)` is used; rounding `1 + u` there costs at most
/// `eps / 2` absolute against a result of at least `ln 1.5 = 0.41`, so the
/// relative error stays below `1.3 eps` plus the logarithm's own.
#[inline]
pub(crate) fn acosh1p(t: f64) -> f64 {
    let t = t.max(0.0);
    let u = t + (t * (t + 2.0)).sqrt();
    if u >= 0.5 { (1.0 + u).ln() } else { u.ln_1p() }
}
