//! Brownian paths that are reproducible from a seed and can be queried at any
//! time: a virtual Brownian tree.
//!
//! The path on `[t0, t1]` is defined by bisection. The endpoint value is
//! `W(t1) = sqrt(t1 - t0) Z_0`; given `W(a)` and `W(b)`, the midpoint is the
//! Brownian bridge `W(m) = (W(a) + W(b))/2 + sqrt((b - a)/4) Z_node`, where
//! `Z_node` is a standard normal vector drawn from a stream keyed by the
//! seed and the node's heap index (root 1, children `2i`, `2i + 1`): a
//! xoshiro256++ generator whose state SplitMix64 expands from
//! `seed + index * 0x9E3779B97F4A7C15` (a bijection of the index for each
//! seed), which costs a few nanoseconds per node where a ChaCha stream's
//! block set-up cost far more than the two normals a node needs. A query descends from the root to depth `depth`, so every
//! query sees the same path without storing it, and the path is exact
//! Brownian motion at all dyadic points of resolution
//! `(t1 - t0) 2^-depth`, linear in between. Adaptive and fixed steps, and
//! steps of any size, therefore integrate against one and the same path.
//! Gaines and Lyons (1997), Li, Wong, Chen and Duvenaud (2020, the virtual
//! Brownian tree of torchsde), Kidger et al. (2021).
//!
//! **Space-time Levy area.** A tree built with
//! [`BrownianTree::with_space_time_levy_area`] also carries, for every dyadic
//! interval `[s, u]` of length `h`, the space-time Levy area
//! `H_{s,u} = (1/h) int_s^u (W_r - W_s - (r - s)/h W_{s,u}) dr`, the mean of
//! the Brownian bridge over the interval, so `int_s^u (W_r - W_s) dr =
//! h (W_{s,u}/2 + H_{s,u})`; `H` is independent of `W_{s,u}` with variance
//! `h/12`. The root draws `(W, H)` over the span; each bisection at
//! `t = (s + u)/2` draws two standard normals `Z, N` per component and sets
//! (Foster, Lyons and Oberhauser 2020; the `SpaceTimeLevyArea` of diffrax)
//!
//! ```text
//! W_{s,t} = W_{s,u}/2 + 3/2 H_{s,u} + sqrt(h)/4 Z,        W_{t,u} = W_{s,u} - W_{s,t},
//! H_{s,t} = H_{s,u}/4 - sqrt(h)/8 Z + sqrt(h/48) N,      H_{t,u} = H_{s,u}/4 - sqrt(h)/8 Z - sqrt(h/48) N,
//! ```
//!
//! which is the exact joint law of the halves given the whole (the
//! covariances of Brownian-bridge integrals check it, and the halves'
//! integrals add up to the whole's). Inside a leaf the path is the parabola
//! `W_a + x W_{a,b} + 6 H_{a,b} x (1 - x)`, `x = (r - a)/(b - a)`, the
//! lowest-degree path with the leaf's `W` and `H`; so values, increments and
//! Levy areas over any interval are those of one continuous path, and are
//! exact in law at the dyadic resolution. The plain tree (no area) keeps its
//! Brownian-bridge bisection and linear interpolation, so its values are
//! unchanged by this option.

use crate::{Error, Result};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A seeded Brownian motion on `R^dim` over `[t0, t1]`, queryable anywhere.
#[derive(Debug, Clone)]
pub struct BrownianTree {
    t0: f64,
    t1: f64,
    dim: usize,
    depth: u32,
    space_time: bool,
    seed: u64,
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
            space_time: false,
            seed,
        })
    }

    /// As [`new`](Self::new), but the tree also carries the space-time Levy
    /// area (see the module docs), so [`space_time_increment`](Self::space_time_increment)
    /// can answer; needed by SRA1. Its dyadic values are a different (equally
    /// exact) sample than the plain tree's for the same seed.
    pub fn with_space_time_levy_area(
        t0: f64,
        t1: f64,
        dim: usize,
        seed: u64,
        tol: f64,
    ) -> Result<Self> {
        let mut tree = Self::new(t0, t1, dim, seed, tol)?;
        tree.space_time = true;
        Ok(tree)
    }

    /// Whether the tree carries the space-time Levy area.
    pub fn has_space_time_levy_area(&self) -> bool {
        self.space_time
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

    /// The random stream of tree node `node` (heap index).
    fn node_rng(&self, node: u64) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(
            self.seed
                .wrapping_add(node.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        )
    }

    fn add_normals(&self, node: u64, scale: f64, out: &mut [f64]) {
        let mut rng = self.node_rng(node);
        for o in out.iter_mut() {
            let z: f64 = StandardNormal.sample(&mut rng);
            *o += scale * z;
        }
    }

    /// Draws the node's `Z` and (space-time trees) `N`, in that order from
    /// the node's stream, so `Z` equals the plain tree's draw.
    fn normal_pair(&self, node: u64, z: &mut [f64], n: &mut [f64]) {
        let mut rng = self.node_rng(node);
        for o in z.iter_mut() {
            *o = StandardNormal.sample(&mut rng);
        }
        for o in n.iter_mut() {
            *o = StandardNormal.sample(&mut rng);
        }
    }

    fn check_query(&self, t: f64, len: usize, context: &'static str) -> Result<()> {
        if len != self.dim {
            return Err(Error::ShapeMismatch {
                context,
                expected: format!("{}", self.dim),
                got: format!("{len}"),
            });
        }
        if !(t >= self.t0 && t <= self.t1) {
            return Err(Error::InvalidArgument(format!(
                "time {t} outside the Brownian path's span [{}, {}]",
                self.t0, self.t1
            )));
        }
        Ok(())
    }

    /// Writes `W(t) - W(t0)` into `w` and `int_{t0}^t (W_r - W(t0)) dr` into
    /// `integral` for a space-time tree (one descent). The integral's
    /// rounding error is about `eps (t - t0) max |W|`, so Levy areas formed
    /// from two such integrals over an interval of length `h` carry an
    /// absolute error of about `eps (t1 - t0) max |W| / h`.
    pub fn value_with_integral(&self, t: f64, w: &mut [f64], integral: &mut [f64]) -> Result<()> {
        self.check_query(t, w.len(), "BrownianTree::value_with_integral")?;
        self.check_query(t, integral.len(), "BrownianTree::value_with_integral")?;
        if !self.space_time {
            return Err(Error::InvalidArgument(
                "the Brownian tree was built without space-time Levy area".into(),
            ));
        }
        let d = self.dim;
        let span = self.t1 - self.t0;
        let (mut z, mut n) = (vec![0.0; d], vec![0.0; d]);
        self.normal_pair(0, &mut z, &mut n);
        let mut wab: Vec<f64> = z.iter().map(|v| span.sqrt() * v).collect();
        let mut hab: Vec<f64> = n.iter().map(|v| (span / 12.0).sqrt() * v).collect();
        w.fill(0.0);
        integral.fill(0.0);
        let (mut a, mut b) = (self.t0, self.t1);
        let mut node: u64 = 1;
        for _ in 0..self.depth {
            if t == a {
                return Ok(());
            }
            let h = b - a;
            if t == b {
                for i in 0..d {
                    integral[i] += h * (w[i] + 0.5 * wab[i] + hab[i]);
                    w[i] += wab[i];
                }
                return Ok(());
            }
            self.normal_pair(node, &mut z, &mut n);
            let m = 0.5 * (a + b);
            let (sh, sq) = (h.sqrt(), (h / 48.0).sqrt());
            let right = t > m;
            for i in 0..d {
                let wl = 0.5 * wab[i] + 1.5 * hab[i] + 0.25 * sh * z[i];
                let common = 0.25 * hab[i] - 0.125 * sh * z[i];
                if right {
                    let hl = common + sq * n[i];
                    integral[i] += 0.5 * h * (w[i] + 0.5 * wl + hl);
                    w[i] += wl;
                    wab[i] -= wl;
                    hab[i] = common - sq * n[i];
                } else {
                    wab[i] = wl;
                    hab[i] = common + sq * n[i];
                }
            }
            if right {
                a = m;
                node = 2 * node + 1;
            } else {
                b = m;
                node *= 2;
            }
        }
        let h = b - a;
        let x = if h > 0.0 { (t - a) / h } else { 0.0 };
        for i in 0..d {
            let wa = w[i];
            w[i] = wa + x * wab[i] + 6.0 * hab[i] * x * (1.0 - x);
            integral[i] += h
                * (wa * x + 0.5 * wab[i] * x * x + 6.0 * hab[i] * (0.5 * x * x - x * x * x / 3.0));
        }
        Ok(())
    }

    /// Writes the increment `W(t) - W(s)` into `dw` and the space-time Levy
    /// area `H_{s,t}` (variance `(t - s)/12`, see the module docs) into `dh`,
    /// for `s < t` in the span; needs a tree built with
    /// [`with_space_time_levy_area`](Self::with_space_time_levy_area).
    pub fn space_time_increment(
        &self,
        s: f64,
        t: f64,
        dw: &mut [f64],
        dh: &mut [f64],
    ) -> Result<()> {
        if s.partial_cmp(&t) != Some(std::cmp::Ordering::Less) {
            return Err(Error::NonMonotoneTimes { index: 1, t });
        }
        let d = self.dim;
        let (mut ws, mut is) = (vec![0.0; d], vec![0.0; d]);
        self.value_with_integral(s, &mut ws, &mut is)?;
        self.value_with_integral(t, dw, dh)?;
        levy_from_points(t - s, &ws, &is, dw, dh);
        Ok(())
    }

    /// The increments `W_{t_k, t_{k+1}}` and space-time Levy areas
    /// `H_{t_k, t_{k+1}}` over the `2^levels` dyadic intervals of the span,
    /// row-major `(2^levels) x dim` each, in one sweep; they equal what
    /// [`space_time_increment`](Self::space_time_increment) returns on those
    /// intervals (to rounding). Needs a space-time tree.
    pub fn space_time_dyadic(&self, levels: u32) -> Result<(Vec<f64>, Vec<f64>)> {
        if !self.space_time {
            return Err(Error::InvalidArgument(
                "the Brownian tree was built without space-time Levy area".into(),
            ));
        }
        if levels > self.depth || levels > 24 {
            return Err(Error::InvalidArgument(format!(
                "{levels} dyadic levels exceed the tree depth {} (or 24)",
                self.depth
            )));
        }
        let d = self.dim;
        let n = 1usize << levels;
        let span = self.t1 - self.t0;
        let (mut dw, mut dh) = (vec![0.0; n * d], vec![0.0; n * d]);
        let (mut z, mut nn) = (vec![0.0; d], vec![0.0; d]);
        self.normal_pair(0, &mut z, &mut nn);
        for i in 0..d {
            dw[i] = span.sqrt() * z[i];
            dh[i] = (span / 12.0).sqrt() * nn[i];
        }
        for l in 0..levels {
            let width = n >> l;
            let h = span / (1u64 << l) as f64;
            let (sh, sq) = (h.sqrt(), (h / 48.0).sqrt());
            for j in 0..(1usize << l) {
                let (a, m) = (j * width, j * width + width / 2);
                self.normal_pair((1u64 << l) + j as u64, &mut z, &mut nn);
                for i in 0..d {
                    let (wab, hab) = (dw[a * d + i], dh[a * d + i]);
                    let wl = 0.5 * wab + 1.5 * hab + 0.25 * sh * z[i];
                    let common = 0.25 * hab - 0.125 * sh * z[i];
                    dw[a * d + i] = wl;
                    dh[a * d + i] = common + sq * nn[i];
                    dw[m * d + i] = wab - wl;
                    dh[m * d + i] = common - sq * nn[i];
                }
            }
        }
        Ok((dw, dh))
    }

    /// Writes `W(t) - W(t0)` into `out`.
    pub fn value(&self, t: f64, out: &mut [f64]) -> Result<()> {
        self.check_query(t, out.len(), "BrownianTree::value")?;
        if self.space_time {
            let mut integral = vec![0.0; self.dim];
            return self.value_with_integral(t, out, &mut integral);
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
        if self.space_time {
            let (dw, _) = self.space_time_dyadic(levels)?;
            for k in 0..n {
                for i in 0..d {
                    w[(k + 1) * d + i] = w[k * d + i] + dw[k * d + i];
                }
            }
            return Ok(w);
        }
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

/// Turns the left point `(W_s, I_s)` (value and running integral) and the
/// right point, given in `(dw, dh)` as `(W_t, I_t)`, into the increment and
/// the space-time Levy area over `[s, t]` of length `h`, in place:
/// `H = (I_t - I_s)/h - W_s - (W_t - W_s)/2`.
pub(crate) fn levy_from_points(h: f64, ws: &[f64], is: &[f64], dw: &mut [f64], dh: &mut [f64]) {
    for i in 0..dw.len() {
        let inc = dw[i] - ws[i];
        dh[i] = (dh[i] - is[i]) / h - ws[i] - 0.5 * inc;
        dw[i] = inc;
    }
}
