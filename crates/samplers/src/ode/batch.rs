//! Batched integration: many initial states stored as the rows of one
//! `&mut [f64]`, each integrated independently (its own adaptive steps) in
//! parallel with rayon.
//!
//! Rows never interact, so the result of each row is the same bit for bit
//! whatever the number of threads; counters are integer sums and errors are
//! reported for the lowest failing row.

use super::VectorField;
use super::integrate::{OdeOptions, SolveStats, Workspace, integrate};
use super::tableau::ButcherTableau;
use crate::{Error, Result};
use rayon::prelude::*;

/// Integrates every row of `states` (row length `field.dim()`) from `t0` to
/// `t1` in place; returns the summed counters.
///
/// Errors: `states.len()` not a multiple of the dimension, or the first
/// failing row's error (see [`solve`](super::solve)).
pub fn solve_batch<F: VectorField + ?Sized>(
    field: &F,
    tableau: &ButcherTableau,
    t0: f64,
    t1: f64,
    states: &mut [f64],
    opts: &OdeOptions,
) -> Result<SolveStats> {
    let d = field.dim();
    if d == 0 || !states.len().is_multiple_of(d) {
        return Err(Error::ShapeMismatch {
            context: "ode::solve_batch",
            expected: format!("rows of length {d}"),
            got: format!("{} values", states.len()),
        });
    }
    let results: Vec<Result<SolveStats>> = states
        .par_chunks_mut(d)
        .map_init(
            || Workspace::new(tableau, d),
            |ws, row| {
                integrate(field, tableau, t0, t1, row, opts, ws, &mut |_| false).map(|(s, _)| s)
            },
        )
        .collect();
    let mut total = SolveStats::default();
    for r in results {
        total.add(&r?);
    }
    Ok(total)
}
