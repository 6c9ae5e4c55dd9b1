//! A uniform cell grid over the points of a compactly supported kernel
//! density estimate, so that each query visits only the points that can lie
//! inside its support.
//!
//! With coordinates divided by the bandwidth the support is the open unit
//! ball, and a point `y` contributes to the query `x` only if
//! `|x_k - y_k| < 1` on every axis. The grid uses the first `g = min(d, 3)`
//! axes and unit cells: cell `c_k = floor(y_k - o_k)` with `o` the points'
//! componentwise minimum. Points are sorted lexicographically by their cell
//! key `(c_0, ..., c_{g-1})`, so the cells that share their first `g - 1`
//! coordinates and whose last coordinate lies in a range form one
//! contiguous run, found by two binary searches; a query visits the
//! `3^{g-1}` runs around it (four cells on an axis when it sits within
//! rounding of a cell boundary, so no point of the support is ever missed;
//! where coordinates exceed about `1e12` bandwidths the cells fall below
//! rounding and the query visits every point).
//! Memory is `O(N)` whatever the bandwidth: the cells are never
//! materialised, only the sorted keys. This is the cell-list method of
//! molecular dynamics (Allen & Tildesley, *Computer Simulation of Liquids*,
//! 1987, sec. 5.3) with sorting in place of linked lists; scikit-learn's
//! `KernelDensity` prunes with a k-d or ball tree to the same end.

/// Axes the grid is built on (at most).
const GRID_AXES: usize = 3;

/// Points sorted by unit cell on their first `min(d, 3)` scaled coordinates.
#[derive(Debug, Clone)]
pub(super) struct SupportGrid {
    /// Axes in use, `1..=3`.
    axes: usize,
    /// The grid origin `o` (per used axis).
    origin: [f64; GRID_AXES],
    /// Cell keys in sorted order (unused axes are 0).
    keys: Vec<[i64; GRID_AXES]>,
    /// `order[s]` is the original index of the point at sorted position `s`.
    order: Vec<usize>,
}

/// `floor(t)` as an integer, saturating far outside the `i64` range.
#[inline]
fn cell(t: f64) -> i64 {
    // `as` saturates for out-of-range floats.
    t.floor() as i64
}

impl SupportGrid {
    /// The grid over `m` scaled points stored dimension-major (`d x m`).
    pub(super) fn new(scaled: &[f64], m: usize, d: usize) -> Self {
        let axes = d.clamp(1, GRID_AXES);
        let mut origin = [0.0; GRID_AXES];
        for (k, o) in origin.iter_mut().enumerate().take(axes) {
            *o = scaled[k * m..(k + 1) * m]
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min);
        }
        let key_of = |j: usize| {
            let mut key = [0i64; GRID_AXES];
            for k in 0..axes {
                key[k] = cell(scaled[k * m + j] - origin[k]);
            }
            key
        };
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by_key(|&j| (key_of(j), j));
        let keys = order.iter().map(|&j| key_of(j)).collect();
        Self {
            axes,
            origin,
            keys,
            order,
        }
    }

    /// Sorted position -> original index.
    pub(super) fn order(&self) -> &[usize] {
        &self.order
    }

    /// Calls `visit(start, end)` for each run of sorted positions whose
    /// cells can hold a point within distance 1 of the scaled query `x`,
    /// in a fixed order.
    pub(super) fn for_each_run(&self, x: &[f64], mut visit: impl FnMut(usize, usize)) {
        // Per axis the cell range [lo, hi] covering (x_k - 1, x_k + 1),
        // widened by a rounding margin relative to the coordinates' size.
        let mut lo = [0i64; GRID_AXES];
        let mut hi = [0i64; GRID_AXES];
        for k in 0..self.axes {
            let t = x[k] - self.origin[k];
            let margin = 1e-12 * (1.0 + t.abs());
            lo[k] = cell(t - 1.0 - margin);
            hi[k] = cell(t + 1.0 + margin);
            if hi[k].saturating_sub(lo[k]) > 3 {
                // Coordinates so large against the bandwidth that a unit
                // cell is below their rounding: visit every point.
                visit(0, self.keys.len());
                return;
            }
        }
        let last = self.axes - 1;
        // Odometer over the leading axes; the last axis is one run.
        let mut at = lo;
        loop {
            let mut first = at;
            first[last] = lo[last];
            let mut past = at;
            past[last] = hi[last];
            let start = self.keys.partition_point(|key| *key < first);
            let end = start + self.keys[start..].partition_point(|key| *key <= past);
            if end > start {
                visit(start, end);
            }
            // Advance the leading axes.
            let mut k = last;
            loop {
                if k == 0 {
                    return;
                }
                k -= 1;
                if at[k] < hi[k] {
                    at[k] += 1;
                    break;
                }
                at[k] = lo[k];
            }
        }
    }
}
