//! Ordinary differential equations `y' = f(t, y)`: the vector field, the
//! explicit Runge-Kutta solver that reads a [`ButcherTableau`], and the
//! integration loop with fixed steps or PI control, cubic Hermite dense
//! output, event location, and batched integration of many rows at once.
//!
//! The separation follows diffrax: the problem is a [`VectorField`], the
//! method is a tableau from [`tableau`], the step-size policy is a
//! [`StepSize`] (fixed or a [`PiController`](crate::controller::PiController)).
//! Integration may run forward or backward in time (`t1 < t0`).
//!
//! References: Hairer, Norsett and Wanner, *Solving Ordinary Differential
//! Equations I* (2nd ed., 1993), II.1-II.6 (Runge-Kutta methods, embedded
//! pairs, dense output, the stiffness test of IV.2 used for
//! [`StepRecord::stiffness`]).

pub mod batch;
pub mod dense;
pub mod integrate;
pub mod tableau;

pub use batch::solve_batch;
pub use dense::{Event, EventHit, hermite_interpolate};
pub use integrate::{OdeOptions, OdeSolution, SolveStats, StepRecord, StepSize, solve};
pub use tableau::ButcherTableau;

/// The right-hand side `f(t, y)` of an ODE on `R^dim`.
pub trait VectorField: Sync {
    /// State dimension.
    fn dim(&self) -> usize;
    /// Writes `f(t, y)` into `dydt` (both of length [`dim`](Self::dim)).
    fn eval(&self, t: f64, y: &[f64], dydt: &mut [f64]);
}

/// A vector field given by a closure.
#[derive(Debug, Clone, Copy)]
pub struct FnField<F> {
    dim: usize,
    f: F,
}

impl<F: Fn(f64, &[f64], &mut [f64]) + Sync> FnField<F> {
    /// Wraps `f(t, y, dydt)` acting on `R^dim`.
    pub fn new(dim: usize, f: F) -> Self {
        Self { dim, f }
    }
}

impl<F: Fn(f64, &[f64], &mut [f64]) + Sync> VectorField for FnField<F> {
    fn dim(&self) -> usize {
        self.dim
    }
    fn eval(&self, t: f64, y: &[f64], dydt: &mut [f64]) {
        (self.f)(t, y, dydt)
    }
}
