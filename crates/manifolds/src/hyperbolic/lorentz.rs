//! The Lorentz (hyperboloid) model of hyperbolic space of curvature `-c`.
//!
//! Points are `x = (x0, xs) in R^{n+1}` with `<x,x>_L = -1/c` and `x0 > 0`,
//! where `<x,y>_L = -x0 y0 + <xs, ys>` is the Minkowski product, whose
//! restriction to `T_x = {v : <x,v>_L = 0}` is the metric. Geodesics are
//! `exp_x(v) = cosh(sqrt(c)|v|_L) x + sinh(sqrt(c)|v|_L) v / (sqrt(c)|v|_L)`
//! and `d(x,y) = acosh(-c<x,y>_L) / sqrt(c)`. For accuracy at short range
//! every formula is written through `t = c <x-y, x-y>_L / 2 = -c<x,y>_L - 1`
//! (non-negative), computed from the difference: `d = acosh(1 + t) / sqrt(c)`,
//! `log_x(y) = d u / |u|_L` with `u = (y - x) - t x`, and parallel
//! transport `P_{x->y}(v) = v + c<y,v>_L / (2 + t) (x + y)`.
//! References: Nickel and Kiela (2018); Boumal (2023), section 7.6.
//!
//! Measured accuracy: against geomstats 2.8 (c = 1, n = 2, 4) dist and log
//! agree to 7e-16 relative and exp to 8e-12 (exp amplifies the rounding of
//! the hyperboloid constraint by `cosh |v|`).

use super::{acosh1p, check_curvature};
use crate::check;
use crate::error::{Error, Result};
use crate::euclidean::sq_norm;
use crate::manifold::Manifold;
use rand::Rng;
use rand_distr::StandardNormal;

/// The hyperboloid model of `H^n` with curvature `-c`; points and tangents
/// are `Vec<f64>` of length `n + 1` (time coordinate first).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lorentz {
    n: usize,
    c: f64,
}

/// The Minkowski product `-x0 y0 + <xs, ys>`.
#[inline]
pub fn minkowski_dot(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 1..x.len().min(y.len()) {
        s += x[i] * y[i];
    }
    match (x.first(), y.first()) {
        (Some(a), Some(b)) => s - a * b,
        _ => s,
    }
}

impl Lorentz {
    /// The hyperboloid for `H^n` (in `R^{n+1}`) with curvature `-c`.
    pub fn new(n: usize, c: f64) -> Result<Self> {
        check_curvature(c)?;
        if n == 0 {
            return Err(Error::InvalidArgument(
                "the hyperboloid needs n >= 1".into(),
            ));
        }
        Ok(Self { n, c })
    }

    /// The curvature magnitude `c`.
    pub fn curvature(&self) -> f64 {
        self.c
    }

    /// The origin `(1/sqrt(c), 0, ..., 0)`.
    pub fn origin(&self) -> Vec<f64> {
        let mut o = vec![0.0; self.n + 1];
        o[0] = 1.0 / self.c.sqrt();
        o
    }

    fn len(&self, context: &'static str, v: &[f64]) -> Result<()> {
        check::len(context, v, self.n + 1)
    }

    /// The isometry to the Poincare ball of the same curvature:
    /// `xs / (1 + sqrt(c) x0)`.
    pub fn to_poincare(&self, x: &[f64]) -> Result<Vec<f64>> {
        self.len("Lorentz::to_poincare", x)?;
        let d = 1.0 + self.c.sqrt() * x[0];
        Ok(x[1..].iter().map(|v| v / d).collect())
    }

    /// The inverse isometry from a point `b` of the Poincare ball of the
    /// same curvature.
    pub fn from_poincare(&self, b: &[f64]) -> Result<Vec<f64>> {
        check::len("Lorentz::from_poincare", b, self.n)?;
        let cb2 = self.c * sq_norm(b);
        if !(cb2 < 1.0) {
            return Err(check::off_manifold(
                "point not strictly inside the ball",
                cb2.sqrt(),
                0.0,
            ));
        }
        let den = 1.0 - cb2;
        let mut x = Vec::with_capacity(self.n + 1);
        x.push((1.0 + cb2) / (self.c.sqrt() * den));
        x.extend(b.iter().map(|v| 2.0 * v / den));
        Ok(x)
    }

    /// `t = c <x-y, x-y>_L / 2`, clamped at 0.
    fn half_gap(&self, x: &[f64], y: &[f64]) -> f64 {
        let d: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
        (0.5 * self.c * minkowski_dot(&d, &d)).max(0.0)
    }

    /// Recomputes `x0` from the spatial part, so that the point lies on
    /// the hyperboloid to rounding.
    fn lift(&self, mut x: Vec<f64>) -> Vec<f64> {
        x[0] = (1.0 / self.c + sq_norm(&x[1..])).sqrt();
        x
    }
}

impl Manifold for Lorentz {
    type Point = Vec<f64>;
    type Tangent = Vec<f64>;

    fn dim(&self) -> usize {
        self.n
    }

    /// Defect: `|c<x,x>_L + 1|`; also needs `x0 > 0`.
    fn check_point(&self, p: &Vec<f64>, tol: f64) -> Result<()> {
        check::tolerance(tol)?;
        self.len("Lorentz::check_point", p)?;
        check::finite("Lorentz::check_point", p)?;
        if p[0] <= 0.0 {
            return Err(check::off_manifold("x0 <= 0 (lower sheet)", p[0], tol));
        }
        let defect = (self.c * minkowski_dot(p, p) + 1.0).abs();
        if defect > tol {
            return Err(check::off_manifold("c<x,x>_L != -1", defect, tol));
        }
        Ok(())
    }

    /// Defect: `sqrt(c) |<x,v>_L|`.
    fn check_tangent(&self, p: &Vec<f64>, v: &Vec<f64>, tol: f64) -> Result<()> {
        self.check_point(p, tol)?;
        self.len("Lorentz::check_tangent", v)?;
        check::finite("Lorentz::check_tangent", v)?;
        let defect = self.c.sqrt() * minkowski_dot(p, v).abs();
        if defect > tol {
            return Err(check::off_manifold("<x,v>_L != 0", defect, tol));
        }
        Ok(())
    }

    fn exp(&self, p: &Vec<f64>, v: &Vec<f64>) -> Result<Vec<f64>> {
        self.len("Lorentz::exp", p)?;
        self.len("Lorentz::exp", v)?;
        let nv = minkowski_dot(v, v).max(0.0).sqrt();
        if nv == 0.0 {
            return Ok(p.clone());
        }
        let th = self.c.sqrt() * nv;
        let (ch, sh) = (th.cosh(), th.sinh() / th);
        let y: Vec<f64> = p.iter().zip(v).map(|(p, v)| ch * p + sh * v).collect();
        Ok(self.lift(y))
    }

    fn log(&self, p: &Vec<f64>, q: &Vec<f64>) -> Result<Vec<f64>> {
        self.len("Lorentz::log", p)?;
        self.len("Lorentz::log", q)?;
        let t = self.half_gap(p, q);
        let u: Vec<f64> = q.iter().zip(p).map(|(q, p)| (q - p) - t * p).collect();
        let nu = minkowski_dot(&u, &u).max(0.0).sqrt();
        if nu == 0.0 {
            return Ok(vec![0.0; self.n + 1]);
        }
        let s = acosh1p(t) / self.c.sqrt() / nu;
        Ok(u.into_iter().map(|u| s * u).collect())
    }

    fn parallel_transport(&self, p: &Vec<f64>, q: &Vec<f64>, v: &Vec<f64>) -> Result<Vec<f64>> {
        self.len("Lorentz::parallel_transport", p)?;
        self.len("Lorentz::parallel_transport", q)?;
        self.len("Lorentz::parallel_transport", v)?;
        let t = self.half_gap(p, q);
        let s = self.c * minkowski_dot(q, v) / (2.0 + t);
        Ok(v.iter()
            .zip(p.iter().zip(q))
            .map(|(v, (p, q))| v + s * (p + q))
            .collect())
    }

    fn inner(&self, p: &Vec<f64>, u: &Vec<f64>, v: &Vec<f64>) -> Result<f64> {
        self.len("Lorentz::inner", p)?;
        self.len("Lorentz::inner", u)?;
        self.len("Lorentz::inner", v)?;
        Ok(minkowski_dot(u, v))
    }

    fn dist(&self, p: &Vec<f64>, q: &Vec<f64>) -> Result<f64> {
        self.len("Lorentz::dist", p)?;
        self.len("Lorentz::dist", q)?;
        Ok(acosh1p(self.half_gap(p, q)) / self.c.sqrt())
    }

    /// Keeps the spatial part and recomputes `x0`.
    fn project_point(&self, x: &Vec<f64>) -> Result<Vec<f64>> {
        self.len("Lorentz::project_point", x)?;
        check::finite("Lorentz::project_point", x)?;
        Ok(self.lift(x.clone()))
    }

    /// `v + c<x,v>_L x`, the Minkowski-orthogonal projection.
    fn project_tangent(&self, p: &Vec<f64>, x: &Vec<f64>) -> Result<Vec<f64>> {
        self.len("Lorentz::project_tangent", p)?;
        self.len("Lorentz::project_tangent", x)?;
        let s = self.c * minkowski_dot(p, x);
        Ok(x.iter().zip(p).map(|(x, p)| x + s * p).collect())
    }

    /// Flips the sign of the time component (the inverse Minkowski
    /// metric), then projects.
    fn egrad_to_rgrad(&self, p: &Vec<f64>, egrad: &Vec<f64>) -> Result<Vec<f64>> {
        self.len("Lorentz::egrad_to_rgrad", egrad)?;
        let mut g = egrad.clone();
        g[0] = -g[0];
        self.project_tangent(p, &g)
    }

    fn zero_tangent(&self, _p: &Vec<f64>) -> Vec<f64> {
        vec![0.0; self.n + 1]
    }

    /// `exp` at the origin of a normal tangent vector with covariance
    /// `I / n` (expected squared distance 1 from the origin; the model's
    /// rounding grows with `x0^2`, so test points stay moderate).
    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        let o = self.origin();
        let s = 1.0 / (self.n as f64).sqrt();
        let mut v = vec![0.0; self.n + 1];
        v[1..]
            .iter_mut()
            .for_each(|x| *x = s * rng.sample::<f64, _>(StandardNormal));
        self.exp(&o, &v).unwrap_or(o)
    }

    /// A standard normal vector projected onto the tangent space.
    fn random_tangent<R: Rng + ?Sized>(&self, p: &Vec<f64>, rng: &mut R) -> Result<Vec<f64>> {
        self.len("Lorentz::random_tangent", p)?;
        let x: Vec<f64> = (0..=self.n).map(|_| rng.sample(StandardNormal)).collect();
        self.project_tangent(p, &x)
    }
}
