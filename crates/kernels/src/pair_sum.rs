//! Blocked, deterministic sums over pairs of points with O(N) memory.
//!
//! The statistics of two-sample testing, HSIC and Stein discrepancies are
//! all sums `sum_{i,j} f(i, j)` over pairs. Rows are cut into blocks of
//! [`ROW_BLOCK`] indices that run in parallel; each block sums its rows in
//! index order and the block totals are added in block order, so the result
//! does not depend on the number of threads and no `N x N` matrix is formed.

use rayon::prelude::*;

/// Rows per parallel task.
pub(crate) const ROW_BLOCK: usize = 64;

/// Adds the per-block totals in block order.
fn ordered_total(parts: Vec<f64>) -> f64 {
    parts.into_iter().sum()
}

/// `sum_{0 <= i < j < n} f(i, j)`.
pub(crate) fn upper_pair_sum(n: usize, f: impl Fn(usize, usize) -> f64 + Sync) -> f64 {
    let blocks = n.div_ceil(ROW_BLOCK);
    let parts: Vec<f64> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            let mut acc = 0.0;
            for i in b * ROW_BLOCK..((b + 1) * ROW_BLOCK).min(n) {
                let mut row = 0.0;
                for j in i + 1..n {
                    row += f(i, j);
                }
                acc += row;
            }
            acc
        })
        .collect();
    ordered_total(parts)
}

/// `sum_{i < n} sum_{j < m} f(i, j)`.
pub(crate) fn cross_pair_sum(n: usize, m: usize, f: impl Fn(usize, usize) -> f64 + Sync) -> f64 {
    let blocks = n.div_ceil(ROW_BLOCK);
    let parts: Vec<f64> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            let mut acc = 0.0;
            for i in b * ROW_BLOCK..((b + 1) * ROW_BLOCK).min(n) {
                let mut row = 0.0;
                for j in 0..m {
                    row += f(i, j);
                }
                acc += row;
            }
            acc
        })
        .collect();
    ordered_total(parts)
}

/// `sum_{i < n} f(i)` in index order (blocks in parallel).
pub(crate) fn diagonal_sum(n: usize, f: impl Fn(usize) -> f64 + Sync) -> f64 {
    let blocks = n.div_ceil(ROW_BLOCK);
    let parts: Vec<f64> = (0..blocks)
        .into_par_iter()
        .map(|b| (b * ROW_BLOCK..((b + 1) * ROW_BLOCK).min(n)).map(&f).sum())
        .collect();
    ordered_total(parts)
}
