//! Stochastic differential equations `dX = f(t, X) dt + g(t, X) dW` and their
//! fixed-step solvers: Euler-Maruyama, derivative-free Milstein and
//! stochastic Heun.
//!
//! Noise is diagonal (`g` is a vector, component `i` driven by `W_i`) or
//! general (`g` is a `dim x m` matrix driving an `m`-dimensional `W`). The
//! Brownian increments come from a [`BrownianTree`], so a path is fixed by
//! its seed whatever the step size.
//!
//! * Euler-Maruyama (Ito): `X+ = X + f h + g dW`; strong order 1/2, weak 1.
//! * Milstein (Ito, diagonal noise), in Platen's derivative-free form:
//!   with the support value `Xs = X + f h + g sqrt(h)`,
//!   `X+ = X + f h + g dW + (g(Xs) - g(X)) (dW^2 - h) / (2 sqrt(h))`;
//!   strong order 1 (Kloeden and Platen, *Numerical Solution of SDEs*, 11.1).
//! * Stochastic Heun (Stratonovich): predictor `Xp = X + f h + g dW`, then
//!   `X+ = X + (f + f(Xp)) h / 2 + (g + g(Xp)) dW / 2`; strong order 1 for
//!   commutative noise, 1/2 in general (Rumelin, 1982).

use crate::brownian::BrownianTree;
use crate::{Error, Result};
use rayon::prelude::*;

/// Shape of the diffusion coefficient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noise {
    /// `g(t, x)` is a vector of length `dim`; component `i` is driven by `W_i`.
    Diagonal,
    /// `g(t, x)` is a row-major `dim x m` matrix driving an `m`-dimensional `W`.
    General {
        /// Number of Brownian components.
        m: usize,
    },
}

/// An SDE `dX = f dt + g dW` on `R^dim`.
pub trait Sde: Sync {
    /// State dimension.
    fn dim(&self) -> usize;
    /// Noise shape.
    fn noise(&self) -> Noise;
    /// Writes the drift `f(t, x)` into `out` (length `dim`).
    fn drift(&self, t: f64, x: &[f64], out: &mut [f64]);
    /// Writes the diffusion `g(t, x)` into `out` (length `dim` for diagonal
    /// noise, `dim * m` for general noise).
    fn diffusion(&self, t: f64, x: &[f64], out: &mut [f64]);
}

/// The fixed-step SDE methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdeMethod {
    /// Euler-Maruyama (Ito).
    EulerMaruyama,
    /// Derivative-free Milstein (Ito, diagonal noise only).
    Milstein,
    /// Stochastic Heun (Stratonovich).
    StochasticHeun,
}

fn brownian_dim<S: Sde + ?Sized>(sde: &S) -> usize {
    match sde.noise() {
        Noise::Diagonal => sde.dim(),
        Noise::General { m } => m,
    }
}

/// Buffers of one SDE step.
struct Buffers {
    f: Vec<f64>,
    g: Vec<f64>,
    fp: Vec<f64>,
    gp: Vec<f64>,
    xp: Vec<f64>,
    dw: Vec<f64>,
    w_prev: Vec<f64>,
    w_next: Vec<f64>,
}

/// `out += g dW` for either noise shape.
fn add_noise(noise: Noise, g: &[f64], dw: &[f64], scale: f64, out: &mut [f64]) {
    match noise {
        Noise::Diagonal => {
            for i in 0..out.len() {
                out[i] += scale * g[i] * dw[i];
            }
        }
        Noise::General { m } => {
            for i in 0..out.len() {
                let row = &g[i * m..(i + 1) * m];
                out[i] += scale * row.iter().zip(dw).map(|(a, b)| a * b).sum::<f64>();
            }
        }
    }
}

fn step<S: Sde + ?Sized>(
    sde: &S,
    method: SdeMethod,
    t: f64,
    h: f64,
    x: &mut [f64],
    b: &mut Buffers,
) {
    let noise = sde.noise();
    let d = x.len();
    sde.drift(t, x, &mut b.f);
    sde.diffusion(t, x, &mut b.g);
    match method {
        SdeMethod::EulerMaruyama => {
            for i in 0..d {
                x[i] += b.f[i] * h;
            }
            add_noise(noise, &b.g, &b.dw, 1.0, x);
        }
        SdeMethod::Milstein => {
            let sh = h.sqrt();
            for i in 0..d {
                b.xp[i] = x[i] + b.f[i] * h + b.g[i] * sh;
            }
            sde.diffusion(t, &b.xp, &mut b.gp);
            for i in 0..d {
                x[i] += b.f[i] * h
                    + b.g[i] * b.dw[i]
                    + (b.gp[i] - b.g[i]) * (b.dw[i] * b.dw[i] - h) / (2.0 * sh);
            }
        }
        SdeMethod::StochasticHeun => {
            for i in 0..d {
                b.xp[i] = x[i] + b.f[i] * h;
            }
            add_noise(noise, &b.g, &b.dw, 1.0, &mut b.xp);
            sde.drift(t + h, &b.xp, &mut b.fp);
            sde.diffusion(t + h, &b.xp, &mut b.gp);
            for i in 0..d {
                x[i] += 0.5 * (b.f[i] + b.fp[i]) * h;
            }
            add_noise(noise, &b.g, &b.dw, 0.5, x);
            add_noise(noise, &b.gp, &b.dw, 0.5, x);
        }
    }
}

fn check<S: Sde + ?Sized>(
    sde: &S,
    method: SdeMethod,
    t0: f64,
    t1: f64,
    x: &[f64],
    steps: usize,
) -> Result<()> {
    if x.len() != sde.dim() {
        return Err(Error::ShapeMismatch {
            context: "sde::solve",
            expected: format!("state of length {}", sde.dim()),
            got: format!("{}", x.len()),
        });
    }
    if !(t0.is_finite() && t1.is_finite()) || t1 <= t0 {
        return Err(Error::NonMonotoneTimes { index: 1, t: t1 });
    }
    if steps == 0 {
        return Err(Error::InvalidArgument(
            "SDE solve needs at least one step".into(),
        ));
    }
    if method == SdeMethod::Milstein && sde.noise() != Noise::Diagonal {
        return Err(Error::InvalidArgument(
            "Milstein needs diagonal noise (general noise needs Levy areas)".into(),
        ));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFiniteAt {
            what: "initial state",
            t: t0,
        });
    }
    Ok(())
}

/// Integrates `x` in place from `t0` to `t1 > t0` in `steps` equal steps
/// driven by `path` (whose span must contain `[t0, t1]`).
///
/// When `steps` is a power of two and `[t0, t1]` is the path's span, the
/// increments are generated in one sweep of the tree; otherwise each grid
/// time is a tree query. Either way the increments are those of the same
/// path.
///
/// Accuracy (this crate's tests, geometric Brownian motion against its exact
/// solution on the same path): Euler-Maruyama strong order 0.5 and weak
/// order 1, Milstein strong order 1, stochastic Heun strong order 1 on the
/// Stratonovich form.
///
/// Errors: shape mismatch, `t1 <= t0`, zero steps, Milstein with general
/// noise, a path of the wrong dimension or span, and [`Error::NonFiniteAt`]
/// with the time reached when the state blows up.
pub fn solve_sde<S: Sde + ?Sized>(
    sde: &S,
    method: SdeMethod,
    t0: f64,
    t1: f64,
    x: &mut [f64],
    steps: usize,
    path: &BrownianTree,
) -> Result<()> {
    check(sde, method, t0, t1, x, steps)?;
    let m = brownian_dim(sde);
    if path.dim() != m {
        return Err(Error::ShapeMismatch {
            context: "sde::solve path",
            expected: format!("Brownian dimension {m}"),
            got: format!("{}", path.dim()),
        });
    }
    let (p0, p1) = path.span();
    if t0 < p0 || t1 > p1 {
        return Err(Error::InvalidArgument(format!(
            "Brownian span [{p0}, {p1}] does not cover [{t0}, {t1}]"
        )));
    }
    let d = sde.dim();
    let gl = match sde.noise() {
        Noise::Diagonal => d,
        Noise::General { m } => d * m,
    };
    let mut b = Buffers {
        f: vec![0.0; d],
        g: vec![0.0; gl],
        fp: vec![0.0; d],
        gp: vec![0.0; gl],
        xp: vec![0.0; d],
        dw: vec![0.0; m],
        w_prev: vec![0.0; m],
        w_next: vec![0.0; m],
    };
    let h = (t1 - t0) / steps as f64;
    let dyadic = if steps.is_power_of_two() && t0 == p0 && t1 == p1 {
        let levels = steps.trailing_zeros();
        path.dyadic_values(levels).ok()
    } else {
        None
    };
    if dyadic.is_none() {
        path.value(t0, &mut b.w_prev)?;
    }
    for n in 0..steps {
        let t = t0 + n as f64 * h;
        match &dyadic {
            Some(w) => {
                for i in 0..m {
                    b.dw[i] = w[(n + 1) * m + i] - w[n * m + i];
                }
            }
            None => {
                let tn = if n + 1 == steps {
                    t1
                } else {
                    t0 + (n + 1) as f64 * h
                };
                path.value(tn, &mut b.w_next)?;
                for i in 0..m {
                    b.dw[i] = b.w_next[i] - b.w_prev[i];
                }
                std::mem::swap(&mut b.w_prev, &mut b.w_next);
            }
        }
        step(sde, method, t, h, x, &mut b);
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFiniteAt { what: "state", t });
        }
    }
    Ok(())
}

/// A per-path seed: path `i` of a batch seeded with `seed` (SplitMix64 of
/// the pair), so batches are reproducible and independent of scheduling.
pub fn path_seed(seed: u64, i: u64) -> u64 {
    let mut z = seed ^ i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Integrates every row of `states` (row length `sde.dim()`) in parallel,
/// row `i` driven by the Brownian tree seeded with [`path_seed`]`(seed, i)`
/// over `[t0, t1]`; results do not depend on the number of threads.
pub fn solve_sde_batch<S: Sde + ?Sized>(
    sde: &S,
    method: SdeMethod,
    t0: f64,
    t1: f64,
    states: &mut [f64],
    steps: usize,
    seed: u64,
) -> Result<()> {
    let d = sde.dim();
    if d == 0 || !states.len().is_multiple_of(d) {
        return Err(Error::ShapeMismatch {
            context: "sde::solve_batch",
            expected: format!("rows of length {d}"),
            got: format!("{} values", states.len()),
        });
    }
    if !(t0.is_finite() && t1.is_finite()) || t1 <= t0 {
        return Err(Error::NonMonotoneTimes { index: 1, t: t1 });
    }
    let m = brownian_dim(sde);
    let tol = (t1 - t0) / steps.max(1).next_power_of_two() as f64;
    let results: Vec<Result<()>> = states
        .par_chunks_mut(d)
        .enumerate()
        .map(|(i, row)| {
            let path = BrownianTree::new(t0, t1, m, path_seed(seed, i as u64), tol)?;
            solve_sde(sde, method, t0, t1, row, steps, &path)
        })
        .collect();
    results.into_iter().collect()
}
