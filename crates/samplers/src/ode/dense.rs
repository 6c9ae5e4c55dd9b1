//! Dense output and event location.
//!
//! Between accepted steps `(t0, y0, f0)` and `(t1, y1, f1)` the solution is
//! the cubic Hermite interpolant matching values and derivatives at both
//! ends, `y(t0 + th h) = (1-th) y0 + th y1 + th (th-1) [(1-2th)(y1-y0) +
//! (th-1) h f0 + th h f1]` (Hairer, Norsett and Wanner I, II.6), accurate
//! to `O(h^4)` whatever the method. An event is a scalar function `g(t, y)`;
//! a sign change across a step is located on the interpolant by the
//! Illinois variant of regula falsi (Dowell and Jarratt, 1971).

/// Evaluates the cubic Hermite interpolant of one step at time `t`.
pub fn hermite_interpolate(
    t0: f64,
    y0: &[f64],
    f0: &[f64],
    t1: f64,
    y1: &[f64],
    f1: &[f64],
    t: f64,
    out: &mut [f64],
) {
    let h = t1 - t0;
    let th = if h == 0.0 { 0.0 } else { (t - t0) / h };
    for i in 0..out.len() {
        let dy = y1[i] - y0[i];
        out[i] = (1.0 - th) * y0[i]
            + th * y1[i]
            + th * (th - 1.0) * ((1.0 - 2.0 * th) * dy + (th - 1.0) * h * f0[i] + th * h * f1[i]);
    }
}

/// A scalar event function `g(t, y)` whose zero is to be located.
pub struct Event<'a> {
    /// The event function.
    pub g: &'a (dyn Fn(f64, &[f64]) -> f64 + Sync),
    /// Stop the integration at the first zero.
    pub terminal: bool,
}

impl std::fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("terminal", &self.terminal)
            .finish()
    }
}

/// A located zero of an event function.
#[derive(Debug, Clone, PartialEq)]
pub struct EventHit {
    /// Time of the zero.
    pub t: f64,
    /// State at the zero (from the dense interpolant).
    pub y: Vec<f64>,
}

/// Locates the zero of `g` on one step, given `g` at both ends with opposite
/// signs; returns the time.
pub(crate) fn locate_root(
    g: &dyn Fn(f64, &[f64]) -> f64,
    t0: f64,
    y0: &[f64],
    f0: &[f64],
    t1: f64,
    y1: &[f64],
    f1: &[f64],
    g0: f64,
    g1: f64,
    buf: &mut [f64],
) -> f64 {
    let (mut a, mut b, mut ga, mut gb) = (t0, t1, g0, g1);
    let mut side = 0i32;
    let tol = 4.0 * f64::EPSILON * t0.abs().max(t1.abs()).max(1e-300);
    for _ in 0..200 {
        if (b - a).abs() <= tol {
            break;
        }
        let mut c = (a * gb - b * ga) / (gb - ga);
        if !c.is_finite() || (c - a) * (c - b) > 0.0 {
            c = 0.5 * (a + b);
        }
        hermite_interpolate(t0, y0, f0, t1, y1, f1, c, buf);
        let gc = g(c, buf);
        if gc == 0.0 {
            return c;
        }
        if (gc > 0.0) == (gb > 0.0) {
            b = c;
            gb = gc;
            if side == 1 {
                ga *= 0.5;
            }
            side = 1;
        } else {
            a = c;
            ga = gc;
            if side == -1 {
                gb *= 0.5;
            }
            side = -1;
        }
    }
    if ga.abs() < gb.abs() { a } else { b }
}
