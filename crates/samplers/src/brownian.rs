//! Brownian paths that are reproducible from a seed and can be queried at any
//! time: a virtual Brownian tree.
//!
//! The path on `[t0, t1]` is defined by bisection. The endpoint value is
//! `W(t1) = sqrt(t1 - t0) Z_0`; given `W(a)` and `W(b)`, the midpoint is the
//! Brownian bridge `W(m) = (W(a) + W(b))/2 + sqrt((b - a)/4) Z_node`, where
//! `Z_node` is a standard normal vector drawn from a counter-based stream
//! keyed by the seed and the node's heap index (root 1, children `2i`,
//! `2i + 1`). A query descends from the root to depth `depth`, so every
//! query sees the same path without storing it, and the path is exact
//! Brownian motion at all dyadic points of resolution
//! `(t1 - t0) 2^-depth`, linear in between. Adaptive and fixed steps, and
//! steps of any size, therefore integrate against one and the same path.
//! Gaines and Lyons (1997), Li, Wong, Chen and Duvenaud (2020, the virtual
//! Brownian tree of torchsde), Kidger et al. (2021).

use crate::{Error, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// A seeded Brownian motion on `R^dim` over `[t0, t1]`, queryable anywhere.
#[derive(Debug, Clone)]
pub struct BrownianTree {
    t0: f64,
    t1: f64,
    dim: usize,
    depth: u32,
    proto: ChaCha8Rng,
}

impl BrownianTree {
    /// The path on `[t0, t1]` in `dim` dimensions from `seed`, resolved to
    /// dyadic intervals no longer than `tol` (at most 2^-50 of the span).
    pub fn new(t0: f64, t1: f64, dim: usize, seed: u64, tol: f64) -> Result<Self> {
        if !(t0.is_finite() && t1.is_finite() && t1 > t0) {
            return Err(Error::InvalidArgument(format!(
                "Brownian tree needs finite t0 < t1, got [{t0}, {t1}]"
            )));
        }
        if dim == 0 {
            return Err(Error::Empty("Brownian tree dimension"));
        }
        if tol.is_nan() || tol <= 0.0 {
            return Err(Error::InvalidArgument(format!(
                "tolerance must be positive, got {tol}"
            )));
        }
        let levels = ((t1 - t0) / tol).log2().ceil().clamp(0.0, 50.0) as u32;
        Ok(Self {
            t0,
            t1,
            dim,
            depth: levels,
            proto: ChaCha8Rng::seed_from_u64(seed),
        })
    }

    /// Dimension of the path.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Time span `(t0, t1)`.
    pub fn span(&self) -> (f64, f64) {
        (self.t0, self.t1)
    }

    /// Bisection depth (the path is exact at this dyadic resolution).
    pub fn depth(&self) -> u32 {
        self.depth
    }

    fn add_normals(&self, node: u64, scale: f64, out: &mut [f64]) {
        let mut rng = self.proto.clone();
        rng.set_stream(node);
        rng.set_word_pos(0);
        for o in out.iter_mut() {
            let z: f64 = StandardNormal.sample(&mut rng);
            *o += scale * z;
        }
    }

    /// Writes `W(t) - W(t0)` into `out`.
    pub fn value(&self, t: f64, out: &mut [f64]) -> Result<()> {
        if out.len() != self.dim {
            return Err(Error::ShapeMismatch {
                context: "BrownianTree::value",
                expected: format!("{}", self.dim),
                got: format!("{}", out.len()),
            });
        }
        if !(t >= self.t0 && t <= self.t1) {
            return Err(Error::InvalidArgument(format!(
                "time {t} outside the Brownian path's span [{}, {}]",
                self.t0, self.t1
            )));
        }
        let d = self.dim;
        let mut wa = vec![0.0; d];
        let mut wb = vec![0.0; d];
        self.add_normals(0, (self.t1 - self.t0).sqrt(), &mut wb);
        let (mut a, mut b) = (self.t0, self.t1);
        let mut node: u64 = 1;
        let mut wm = vec![0.0; d];
        for _ in 0..self.depth {
            if t == a {
                out.copy_from_slice(&wa);
                return Ok(());
            }
            if t == b {
                out.copy_from_slice(&wb);
                return Ok(());
            }
            let m = 0.5 * (a + b);
            for i in 0..d {
                wm[i] = 0.5 * (wa[i] + wb[i]);
            }
            self.add_normals(node, (0.25 * (b - a)).sqrt(), &mut wm);
            if t <= m {
                b = m;
                std::mem::swap(&mut wb, &mut wm);
                node *= 2;
            } else {
                a = m;
                std::mem::swap(&mut wa, &mut wm);
                node = 2 * node + 1;
            }
        }
        let th = if b > a { (t - a) / (b - a) } else { 0.0 };
        for i in 0..d {
            out[i] = wa[i] + th * (wb[i] - wa[i]);
        }
        Ok(())
    }

    /// Writes the increment `W(t) - W(s)` into `out`.
    pub fn increment(&self, s: f64, t: f64, out: &mut [f64]) -> Result<()> {
        let mut ws = vec![0.0; self.dim];
        self.value(s, &mut ws)?;
        self.value(t, out)?;
        for (o, w) in out.iter_mut().zip(&ws) {
            *o -= w;
        }
        Ok(())
    }

    /// The values `W(t_k)` at the `2^levels + 1` dyadic points
    /// `t_k = t0 + k (t1 - t0) 2^-levels`, row-major, generated in one sweep
    /// (`O(2^levels dim)` work instead of one descent per point); they are the
    /// same values [`value`](Self::value) returns at those points.
    pub fn dyadic_values(&self, levels: u32) -> Result<Vec<f64>> {
        if levels > self.depth || levels > 24 {
            return Err(Error::InvalidArgument(format!(
                "{levels} dyadic levels exceed the tree depth {} (or 24)",
                self.depth
            )));
        }
        let d = self.dim;
        let n = 1usize << levels;
        let mut w = vec![0.0; (n + 1) * d];
        self.add_normals(0, (self.t1 - self.t0).sqrt(), &mut w[n * d..]);
        // Level l fills the midpoints of the 2^l intervals of width n / 2^l.
        for l in 0..levels {
            let width = n >> l;
            let scale = (0.25 * (self.t1 - self.t0) / (1u64 << l) as f64).sqrt();
            for j in 0..(1usize << l) {
                let (a, b) = (j * width, (j + 1) * width);
                let m = a + width / 2;
                for i in 0..d {
                    w[m * d + i] = 0.5 * (w[a * d + i] + w[b * d + i]);
                }
                let node = (1u64 << l) + j as u64;
                self.add_normals(node, scale, &mut w[m * d..(m + 1) * d]);
            }
        }
        Ok(w)
    }
}
