//! A safeguarded Halley iteration shared by the inverse functions.
//!
//! The inverses (`gamma_p_inv`, `beta_inc_inv`) solve `g(x) = 0` for a
//! monotone `g` given with its first two derivatives, usually
//! `g = ln(F(x)/p)`, which is well conditioned even in far tails.
//! Halley's step (cubic convergence) is taken when its correction factor
//! is moderate and the step stays inside the bracket the signs of `g` have
//! established; otherwise the bracket is bisected (geometrically when it
//! spans orders of magnitude, and by large factors towards 0, where roots
//! may lie hundreds of decades down).

/// Solves `g(x) = 0` on `(lo, hi)` from `x`, where `eval(x)` returns
/// `(g, g', g'')` and `g` is increasing (`increasing = true`) or decreasing.
/// `hi` may be `+inf`. `scale(x)` is the resolution scale at `x` (`x`
/// itself, or the distance to an end of the domain); iteration stops when
/// the step or the bracket is below `2e-16 scale(x)`, or after 400
/// evaluations. Returns the iterate with the smallest `|g|` (the latest
/// among equals).
pub(crate) fn halley_bracketed(
    mut x: f64,
    mut lo: f64,
    mut hi: f64,
    increasing: bool,
    scale: impl Fn(f64) -> f64,
    eval: impl Fn(f64) -> (f64, f64, f64),
) -> f64 {
    let mut best = (f64::INFINITY, x);
    for _ in 0..400 {
        let (g, g1, g2) = eval(x);
        if g.is_nan() {
            break;
        }
        // Ties go to the later iterate, which the bracket has moved closer
        // to the root (a step too sharp for doubles gives equal |g| on one
        // side all the way down).
        if g.abs() <= best.0 {
            best = (g.abs(), x);
        }
        if g == 0.0 {
            return x;
        }
        if (g > 0.0) == increasing {
            hi = x;
        } else {
            lo = x;
        }
        let newton = g / g1;
        let factor = 1.0 - 0.5 * newton * g2 / g1;
        let step = if (0.5..=2.0).contains(&factor) {
            newton / factor
        } else {
            newton
        };
        let mut next = x - step;
        if !(next > lo && next < hi && next.is_finite()) {
            next = if hi == f64::INFINITY {
                4.0 * x.max(1.0)
            } else if lo == 0.0 {
                // A root near 0 may be many decades down: shrink fast, but
                // not past the smallest subnormal.
                let shrunk = hi * 1e-9;
                if shrunk > 0.0 { shrunk } else { 0.5 * hi }
            } else if hi > 4.0 * lo {
                // The geometric mean, without the product's underflow.
                lo.sqrt() * hi.sqrt()
            } else {
                0.5 * (lo + hi)
            };
        }
        let resolution = 2e-16 * scale(x);
        let done = (next - x).abs() <= resolution || hi - lo <= resolution;
        x = next;
        if done {
            break;
        }
    }
    let (g, _, _) = eval(x);
    if g.abs() <= best.0 { x } else { best.1 }
}
