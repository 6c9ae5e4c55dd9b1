//! Riemannian optimisers written once against [`Manifold`]: gradient
//! descent and nonlinear conjugate gradients (Polak-Ribiere+, transported
//! directions) with Armijo backtracking, stochastic gradient descent with
//! momentum, and Adam with transported moments. The trust-region method
//! is in [`crate::trust_region`].
//!
//! A cost `f` is given with its Euclidean gradient in the ambient
//! coordinates; [`Manifold::egrad_to_rgrad`] turns it into the Riemannian
//! gradient (projection for embedded metrics, the inverse metric otherwise).
//! A step moves along `-step * direction` with the retraction. Momentum and
//! Adam's first moment live in the tangent space of the current iterate and
//! are moved to the next one by vector transport; Adam's second moment is a
//! scalar (the squared Riemannian norm of the gradient), as in Becigneul and
//! Ganea (2019) for a single manifold factor. References: Absil, Mahony and
//! Sepulchre (2008), ch. 4 (Armijo line search) and sec. 8.3 (conjugate
//! gradients); Sato, *Riemannian conjugate gradient methods* (SIAM J.
//! Optim. 2022) for the transported Polak-Ribiere+ rule; Bonnabel, *Stochastic
//! gradient descent on Riemannian manifolds* (IEEE TAC 2013); Becigneul and
//! Ganea, *Riemannian adaptive optimization methods* (ICLR 2019).

use crate::error::{Error, Result};
use crate::manifold::Manifold;
use crate::vector::Vector;

/// Options of [`gradient_descent`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DescentOptions {
    /// Stop when the Riemannian gradient norm is at most this.
    pub gradient_tolerance: f64,
    /// Give up with `NotConverged` after this many iterations.
    pub max_iterations: usize,
    /// First trial step of each line search.
    pub initial_step: f64,
    /// Sufficient-decrease constant of the Armijo rule (in `(0, 1)`).
    pub armijo: f64,
    /// Backtracking factor (in `(0, 1)`).
    pub backtrack: f64,
}

impl Default for DescentOptions {
    fn default() -> Self {
        Self {
            gradient_tolerance: 1e-10,
            max_iterations: 1000,
            initial_step: 1.0,
            armijo: 1e-4,
            backtrack: 0.5,
        }
    }
}

/// The end state of an optimisation.
#[derive(Debug, Clone)]
pub struct Minimum<P> {
    /// The final iterate.
    pub point: P,
    /// Its cost.
    pub cost: f64,
    /// Riemannian gradient norm there.
    pub gradient_norm: f64,
    /// Iterations taken.
    pub iterations: usize,
}

/// Riemannian gradient descent with Armijo backtracking from `x0`.
/// `cost_and_egrad(x)` returns `f(x)` and its Euclidean gradient.
///
/// The Armijo rule compares costs, so it cannot certify decrease once
/// `|grad f|^2` is below the rounding of `f` (about `sqrt(eps |f|)` for the
/// gradient norm); a gradient tolerance below that ends in `NotConverged`
/// from the line search.
pub fn gradient_descent<M, F>(
    m: &M,
    x0: &M::Point,
    mut cost_and_egrad: F,
    options: &DescentOptions,
) -> Result<Minimum<M::Point>>
where
    M: Manifold,
    F: FnMut(&M::Point) -> Result<(f64, M::Tangent)>,
{
    let o = options;
    check_line_search(o)?;
    let mut x = x0.clone();
    let (mut fx, eg) = cost_and_egrad(&x)?;
    let mut g = m.egrad_to_rgrad(&x, &eg)?;
    let mut last_step = o.initial_step;
    for it in 0..=o.max_iterations {
        let gn = m.norm(&x, &g)?;
        let state = Iterate {
            cost: fx,
            gradient_norm: gn,
            iteration: it,
        };
        if let Some(end) = state.stop(
            o.gradient_tolerance,
            it == o.max_iterations,
            "Riemannian gradient descent",
        ) {
            return end.map(|stats| stats.at(x));
        }
        let mut d = g.clone();
        d.scale(-1.0);
        let (y, fy, egy, t) = armijo(
            m,
            &x,
            fx,
            &d,
            -gn * gn,
            gn,
            last_step,
            o,
            &mut cost_and_egrad,
            it,
        )?;
        x = y;
        fx = fy;
        g = m.egrad_to_rgrad(&x, &egy)?;
        last_step = t;
    }
    unreachable!("the loop returns at it == max_iterations")
}

/// Cost, gradient norm and iteration count of an iterate, and the stopping
/// rule the optimisers share.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Iterate {
    pub(crate) cost: f64,
    pub(crate) gradient_norm: f64,
    pub(crate) iteration: usize,
}

impl Iterate {
    /// `Some` when the iteration ends here: `Ok` at the gradient tolerance,
    /// `NonFinite` for a non-finite cost or gradient, `NotConverged` when
    /// `exhausted`.
    pub(crate) fn stop(
        self,
        tolerance: f64,
        exhausted: bool,
        method: &'static str,
    ) -> Option<Result<Self>> {
        if !(self.gradient_norm.is_finite() && self.cost.is_finite()) {
            return Some(Err(Error::NonFinite(method)));
        }
        if self.gradient_norm <= tolerance {
            return Some(Ok(self));
        }
        if exhausted {
            return Some(Err(Error::NotConverged {
                method,
                iterations: self.iteration,
                residual: self.gradient_norm,
            }));
        }
        None
    }

    /// The result at the point `point`.
    pub(crate) fn at<P>(self, point: P) -> Minimum<P> {
        Minimum {
            point,
            cost: self.cost,
            gradient_norm: self.gradient_norm,
            iterations: self.iteration,
        }
    }
}

/// Armijo backtracking from `x` (cost `fx`) along the descent direction
/// `d` with slope `<grad f, d> < 0`, where `|grad f| = gn`. The first trial step is twice the last
/// accepted one, measured in gradient units (`step |d| / |grad f|`) and
/// capped by `initial_step`, so that a problem needing short steps does not
/// backtrack from scratch. Returns the accepted point, its cost and
/// Euclidean gradient, and the step in gradient units.
#[allow(clippy::too_many_arguments)]
fn armijo<M, F>(
    m: &M,
    x: &M::Point,
    fx: f64,
    d: &M::Tangent,
    slope: f64,
    gn: f64,
    last_step: f64,
    o: &DescentOptions,
    cost_and_egrad: &mut F,
    iteration: usize,
) -> Result<(M::Point, f64, M::Tangent, f64)>
where
    M: Manifold,
    F: FnMut(&M::Point) -> Result<(f64, M::Tangent)>,
{
    let dn = m.norm(x, d)?;
    let mut t = (2.0 * last_step * gn / dn).min(o.initial_step);
    loop {
        let mut step = d.clone();
        step.scale(t);
        let y = m.retract(x, &step)?;
        let (fy, egy) = cost_and_egrad(&y)?;
        if fy <= fx + o.armijo * t * slope {
            return Ok((y, fy, egy, t * dn / gn));
        }
        t *= o.backtrack;
        if t * dn < 1e-300 || t < 1e-20 {
            return Err(Error::NotConverged {
                method: "Armijo line search",
                iterations: iteration,
                residual: gn,
            });
        }
    }
}

fn check_line_search(o: &DescentOptions) -> Result<()> {
    let valid = o.armijo > 0.0
        && o.armijo < 1.0
        && o.backtrack > 0.0
        && o.backtrack < 1.0
        && o.initial_step > 0.0;
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidArgument(
            "line search needs armijo, backtrack in (0, 1) and initial_step > 0".into(),
        ))
    }
}

/// Riemannian nonlinear conjugate gradients from `x0`: directions
/// `d <- -grad f + beta T(d)` with the Polak-Ribiere+ coefficient
/// `beta = max(0, <g_new, g_new - T(g)> / |g|^2)`, both old vectors moved
/// by [`Manifold::vector_transport`], a restart along `-grad f` whenever
/// `d` is not a descent direction, and Armijo backtracking along `d`.
/// Same options, stopping rule and errors as [`gradient_descent`]; on
/// ill-conditioned problems it needs far fewer iterations.
pub fn conjugate_gradient<M, F>(
    m: &M,
    x0: &M::Point,
    mut cost_and_egrad: F,
    options: &DescentOptions,
) -> Result<Minimum<M::Point>>
where
    M: Manifold,
    F: FnMut(&M::Point) -> Result<(f64, M::Tangent)>,
{
    let o = options;
    check_line_search(o)?;
    let mut x = x0.clone();
    let (mut fx, eg) = cost_and_egrad(&x)?;
    let mut g = m.egrad_to_rgrad(&x, &eg)?;
    let mut d = g.clone();
    d.scale(-1.0);
    let mut last_step = o.initial_step;
    for it in 0..=o.max_iterations {
        let gn = m.norm(&x, &g)?;
        let state = Iterate {
            cost: fx,
            gradient_norm: gn,
            iteration: it,
        };
        if let Some(end) = state.stop(
            o.gradient_tolerance,
            it == o.max_iterations,
            "Riemannian conjugate gradient",
        ) {
            return end.map(|stats| stats.at(x));
        }
        let mut slope = m.inner(&x, &g, &d)?;
        if !(slope < 0.0) {
            d = g.clone();
            d.scale(-1.0);
            slope = -gn * gn;
        }
        let (y, fy, egy, t) = armijo(
            m,
            &x,
            fx,
            &d,
            slope,
            gn,
            last_step,
            o,
            &mut cost_and_egrad,
            it,
        )?;
        last_step = t;
        let g_new = m.egrad_to_rgrad(&y, &egy)?;
        let g_old = m.vector_transport(&x, &y, &g)?;
        let d_old = m.vector_transport(&x, &y, &d)?;
        let mut diff = g_new.clone();
        diff.axpy(-1.0, &g_old)?;
        let beta = (m.inner(&y, &g_new, &diff)? / (gn * gn)).max(0.0);
        d = d_old;
        d.scale(beta);
        d.axpy(-1.0, &g_new)?;
        x = y;
        fx = fy;
        g = g_new;
    }
    unreachable!("the loop returns at it == max_iterations")
}

/// Riemannian SGD with (heavy-ball) momentum.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sgd {
    /// Learning rate.
    pub learning_rate: f64,
    /// Momentum coefficient in `[0, 1)`; 0 is plain SGD.
    pub momentum: f64,
}

/// The state of [`Sgd`] for one parameter.
#[derive(Debug, Clone)]
pub struct SgdState<T> {
    velocity: Option<T>,
}

impl<T> Default for SgdState<T> {
    fn default() -> Self {
        Self { velocity: None }
    }
}

impl Sgd {
    /// One step from `x` with Euclidean gradient `egrad`, updating `x` and
    /// the momentum state: `b <- momentum * T(b) + g`, `x <- R_x(-lr b)`.
    pub fn step<M: Manifold>(
        &self,
        m: &M,
        x: &mut M::Point,
        egrad: &M::Tangent,
        state: &mut SgdState<M::Tangent>,
    ) -> Result<()> {
        let g = m.egrad_to_rgrad(x, egrad)?;
        let mut b = match state.velocity.take() {
            Some(mut b) => {
                b.scale(self.momentum);
                b.axpy(1.0, &g)?;
                b
            }
            None => g,
        };
        let mut d = b.clone();
        d.scale(-self.learning_rate);
        let y = m.retract(x, &d)?;
        if self.momentum != 0.0 {
            b = m.vector_transport(x, &y, &b)?;
            state.velocity = Some(b);
        }
        *x = y;
        Ok(())
    }
}

/// Riemannian Adam (Becigneul and Ganea 2019, single-factor form).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Adam {
    /// Learning rate.
    pub learning_rate: f64,
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Denominator guard.
    pub epsilon: f64,
}

impl Default for Adam {
    fn default() -> Self {
        Self {
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }
}

/// The state of [`Adam`] for one parameter.
#[derive(Debug, Clone)]
pub struct AdamState<T> {
    first: Option<T>,
    second: f64,
    steps: i32,
}

impl<T> Default for AdamState<T> {
    fn default() -> Self {
        Self {
            first: None,
            second: 0.0,
            steps: 0,
        }
    }
}

impl Adam {
    /// One step from `x` with Euclidean gradient `egrad`; the first moment
    /// is transported to the new point.
    pub fn step<M: Manifold>(
        &self,
        m: &M,
        x: &mut M::Point,
        egrad: &M::Tangent,
        state: &mut AdamState<M::Tangent>,
    ) -> Result<()> {
        let g = m.egrad_to_rgrad(x, egrad)?;
        let g2 = m.inner(x, &g, &g)?;
        let mut first = match state.first.take() {
            Some(mut f) => {
                f.scale(self.beta1);
                f.axpy(1.0 - self.beta1, &g)?;
                f
            }
            None => {
                let mut f = g.clone();
                f.scale(1.0 - self.beta1);
                f
            }
        };
        state.second = self.beta2 * state.second + (1.0 - self.beta2) * g2;
        state.steps = state.steps.saturating_add(1);
        let c1 = 1.0 - self.beta1.powi(state.steps);
        let c2 = 1.0 - self.beta2.powi(state.steps);
        let denom = (state.second / c2).sqrt() + self.epsilon;
        let mut d = first.clone();
        d.scale(-self.learning_rate / (c1 * denom));
        let y = m.retract(x, &d)?;
        first = m.vector_transport(x, &y, &first)?;
        state.first = Some(first);
        *x = y;
        Ok(())
    }
}
