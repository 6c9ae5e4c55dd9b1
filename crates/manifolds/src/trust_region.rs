//! The Riemannian trust-region method (RTR) with the truncated conjugate
//! gradient (Steihaug-Toint) inner solver, for small and medium problems
//! where a few accurate steps beat many cheap ones.
//!
//! At the iterate `x` the model `m(eta) = f(x) + <g, eta> + <H eta, eta>/2`
//! on `T_x M` is minimised over `|eta| <= Delta` by conjugate gradients,
//! stopped at the boundary, at negative curvature, or when the residual
//! falls below `|g| min(kappa, |g|^theta)` (superlinear local convergence,
//! theta = 1). The step is accepted through the retraction when the ratio
//! `rho` of actual to predicted decrease exceeds `rho_accept`; `Delta` is
//! quartered when `rho < 1/4` and doubled (up to `max_radius`) when
//! `rho > 3/4` with the step on the boundary. Hessian-vector products are
//! finite differences of Riemannian gradients,
//! `H v ~ (T_{y -> x} grad f(y) - grad f(x)) |v| / h` with
//! `y = R_x(h v / |v|)` and `h = 2^-14` (the choice of Manopt), so only the
//! cost and its Euclidean gradient are needed. References: Absil, Baker and
//! Gallivan, *Trust-region methods on Riemannian manifolds* (FoCM 2007);
//! Boumal, *An Introduction to Optimization on Smooth Manifolds* (2023),
//! ch. 6 and sec. 10.6 (finite-difference Hessians).
//!
//! Measured (tests/second_order.rs): the smallest eigenvector of a 30 x 30
//! matrix with condition 90 to gradient norm 1e-9 in 8 outer iterations
//! (conjugate gradients: 147 to 1e-6, gradient descent: 577); the Brockett
//! cost on `St(12, 3)` and the Karcher mean of six SPD(4) matrices to 1e-9
//! of the Frechet-mean iteration.

use crate::error::{Error, Result};
use crate::manifold::Manifold;
use crate::optim::{Iterate, Minimum};
use crate::vector::Vector;

/// Options of [`trust_region`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrustRegionOptions {
    /// Stop when the Riemannian gradient norm is at most this.
    pub gradient_tolerance: f64,
    /// Give up with `NotConverged` after this many outer iterations.
    pub max_iterations: usize,
    /// Initial trust radius.
    pub initial_radius: f64,
    /// Largest trust radius.
    pub max_radius: f64,
    /// Accept a step when `rho` exceeds this (in `[0, 1/4)`).
    pub rho_accept: f64,
    /// Largest number of inner conjugate-gradient iterations per step.
    pub max_inner_iterations: usize,
    /// `kappa` of the inner stopping rule (in `(0, 1)`).
    pub kappa: f64,
}

impl Default for TrustRegionOptions {
    fn default() -> Self {
        Self {
            gradient_tolerance: 1e-10,
            max_iterations: 200,
            initial_radius: 1.0,
            max_radius: 10.0,
            rho_accept: 0.1,
            max_inner_iterations: 200,
            kappa: 0.1,
        }
    }
}

/// Finite-difference step of the Hessian approximation.
const FD_STEP: f64 = 1.0 / 16384.0;

/// `H v` by a finite difference of Riemannian gradients along `v`.
fn hessian_times<M, F>(
    m: &M,
    x: &M::Point,
    g: &M::Tangent,
    v: &M::Tangent,
    cost_and_egrad: &mut F,
) -> Result<M::Tangent>
where
    M: Manifold,
    F: FnMut(&M::Point) -> Result<(f64, M::Tangent)>,
{
    let vn = m.norm(x, v)?;
    if vn == 0.0 {
        return Ok(m.zero_tangent(x));
    }
    let mut step = v.clone();
    step.scale(FD_STEP / vn);
    let y = m.retract(x, &step)?;
    let (_, egy) = cost_and_egrad(&y)?;
    let gy = m.egrad_to_rgrad(&y, &egy)?;
    let mut hv = m.vector_transport(&y, x, &gy)?;
    hv.axpy(-1.0, g)?;
    hv.scale(vn / FD_STEP);
    // Keep the product in T_x M despite the rounding of the transport.
    m.project_tangent(x, &hv)
}

/// The Steihaug-Toint truncated CG step and its model decrease
/// `m(0) - m(eta)`.
fn truncated_cg<M, F>(
    m: &M,
    x: &M::Point,
    g: &M::Tangent,
    radius: f64,
    o: &TrustRegionOptions,
    cost_and_egrad: &mut F,
) -> Result<(M::Tangent, f64)>
where
    M: Manifold,
    F: FnMut(&M::Point) -> Result<(f64, M::Tangent)>,
{
    let gn = m.norm(x, g)?;
    let target = gn * o.kappa.min(gn);
    let mut eta = m.zero_tangent(x);
    let mut r = g.clone();
    let mut d = g.clone();
    d.scale(-1.0);
    let mut rr = gn * gn;
    // Model value relative to m(0): <g, eta> + <H eta, eta>/2, updated
    // incrementally as <r, eta>-type sums would lose digits.
    let model = |eta: &M::Tangent, heta: &M::Tangent| -> Result<f64> {
        Ok(m.inner(x, g, eta)? + 0.5 * m.inner(x, heta, eta)?)
    };
    let mut heta = m.zero_tangent(x);
    for _ in 0..o.max_inner_iterations.max(1) {
        let hd = hessian_times(m, x, g, &d, cost_and_egrad)?;
        let curvature = m.inner(x, &d, &hd)?;
        let alpha = rr / curvature;
        // Distance to the boundary along d: |eta + tau d| = radius.
        let (ee, ed, dd) = (
            m.inner(x, &eta, &eta)?,
            m.inner(x, &eta, &d)?,
            m.inner(x, &d, &d)?,
        );
        if !(curvature > 0.0) || ee + 2.0 * alpha * ed + alpha * alpha * dd >= radius * radius {
            let tau = (-ed + (ed * ed + dd * (radius * radius - ee)).max(0.0).sqrt()) / dd;
            eta.axpy(tau, &d)?;
            heta.axpy(tau, &hd)?;
            return Ok((eta.clone(), -model(&eta, &heta)?));
        }
        eta.axpy(alpha, &d)?;
        heta.axpy(alpha, &hd)?;
        r.axpy(alpha, &hd)?;
        let rr_new = m.inner(x, &r, &r)?;
        if rr_new.sqrt() <= target {
            break;
        }
        let beta = rr_new / rr;
        rr = rr_new;
        d.scale(beta);
        d.axpy(-1.0, &r)?;
    }
    let decrease = -model(&eta, &heta)?;
    Ok((eta, decrease))
}

/// Minimises `f` from `x0` by the Riemannian trust-region method.
/// `cost_and_egrad(x)` returns `f(x)` and its Euclidean gradient.
///
/// # Errors
/// [`Error::InvalidArgument`] for invalid options, [`Error::NonFinite`] if
/// the cost or gradient stops being finite, [`Error::NotConverged`] after
/// `max_iterations` or when the radius collapses below `1e-14` (the
/// gradient tolerance is then below what the cost's rounding resolves).
pub fn trust_region<M, F>(
    m: &M,
    x0: &M::Point,
    mut cost_and_egrad: F,
    options: &TrustRegionOptions,
) -> Result<Minimum<M::Point>>
where
    M: Manifold,
    F: FnMut(&M::Point) -> Result<(f64, M::Tangent)>,
{
    let o = options;
    let valid = o.initial_radius > 0.0
        && o.max_radius >= o.initial_radius
        && o.max_radius.is_finite()
        && (0.0..0.25).contains(&o.rho_accept)
        && o.kappa > 0.0
        && o.kappa < 1.0;
    if !valid {
        return Err(Error::InvalidArgument(
            "trust region needs 0 < initial_radius <= max_radius < inf, rho_accept in [0, 1/4) \
             and kappa in (0, 1)"
                .into(),
        ));
    }
    let mut x = x0.clone();
    let (mut fx, eg) = cost_and_egrad(&x)?;
    let mut g = m.egrad_to_rgrad(&x, &eg)?;
    let mut radius = o.initial_radius;
    for it in 0..=o.max_iterations {
        let gn = m.norm(&x, &g)?;
        let state = Iterate {
            cost: fx,
            gradient_norm: gn,
            iteration: it,
        };
        let exhausted = it == o.max_iterations || radius < 1e-14;
        if let Some(end) = state.stop(o.gradient_tolerance, exhausted, "Riemannian trust region") {
            return end.map(|stats| stats.at(x));
        }
        let (eta, predicted) = truncated_cg(m, &x, &g, radius, o, &mut cost_and_egrad)?;
        let y = m.retract(&x, &eta)?;
        let (fy, egy) = cost_and_egrad(&y)?;
        let actual = fx - fy;
        // Both decreases at the rounding level of f: treat as agreement.
        let floor = 1e-15 * fx.abs().max(1.0);
        let rho = if predicted.abs() <= floor && actual.abs() <= floor {
            1.0
        } else {
            actual / predicted
        };
        let on_boundary = m.norm(&x, &eta)? >= 0.99 * radius;
        if rho < 0.25 || !rho.is_finite() {
            radius *= 0.25;
        } else if rho > 0.75 && on_boundary {
            radius = (2.0 * radius).min(o.max_radius);
        }
        if rho > o.rho_accept && fy.is_finite() {
            x = y;
            fx = fy;
            g = m.egrad_to_rgrad(&x, &egy)?;
        }
    }
    unreachable!("the loop returns at it == max_iterations")
}
