//! The Matern profile for any smoothness `nu > 0`, through the modified
//! Bessel function of the second kind.
//!
//! `phi(r) = 2^{1-nu} / Gamma(nu) z^nu K_nu(z)`, `z = sqrt(2 nu) r`
//! (Rasmussen & Williams 2006, eq. 4.14; Stein, *Interpolation of Spatial
//! Data*, 1999, sec. 2.7). With `d/dz [z^a K_a(z)] = -z^a K_{a-1}(z)` and
//! `dz / d(r^2) = nu / z`, the derivatives in `r^2` are again Bessel
//! functions:
//! `phi' = -c nu z^{nu-1} K_{nu-1}(z)`, `phi'' = c nu^2 z^{nu-2} K_{nu-2}(z)`,
//! `c = 2^{1-nu} / Gamma(nu)`, `K_{-a} = K_a`. All three are evaluated as
//! `exp` of a sum of logarithms (`sobolev-special`'s `log_bessel_k` and
//! `bessel_k_scaled`), so neither `z^nu -> 0` nor `K_nu(z) -> inf` is
//! formed at small `r` and nothing overflows at large `nu`. At `r = 0` the
//! limits are exact: `phi(0) = 1`, `phi'(0) = -nu / (2 (nu - 1))` for
//! `nu > 1` (infinite otherwise: the kernel is not differentiable at 0),
//! `phi''(0) = nu^2 / (4 (nu - 1)(nu - 2))` for `nu > 2`. As `nu -> inf`
//! the profile tends to the Gaussian `exp(-r^2 / 2)`.
//!
//! Speed: `nu` is fixed for the kernel's life, so [`Matern::new`]
//! tabulates the two smooth factors `e^z phi` and `-e^z phi'` once, as
//! Chebyshev interpolants of degree 23 on each octave `[2^e, 2^{e+1})` of
//! `z` from `2^-10` to `2^7`. Both functions are analytic in `z` off the
//! branch point `z = 0` (the `z^{2 nu}` and `z^{2 nu - 2}` terms of the
//! small-`z` expansion), which lies one octave-width to the left of each
//! octave: the interpolants converge like `(3 + sqrt 8)^{-n}`, below
//! `1e-18` at 24 nodes (Trefethen, *Approximation Theory and Approximation
//! Practice*, 2013, ch. 8). Each octave is checked at build time against
//! the Bessel path at the 23 midpoints between its nodes and both ends,
//! and kept only if they agree to `2e-14` relative; octaves that fail
//! (large `nu`, where `e^z phi` is no longer slowly varying over an
//! octave) and `z` outside the table use the Bessel path. An evaluation is
//! then a Clenshaw sum and one `exp(-z)`, and `phi` and `phi'` share it
//! (the hyperparameter gradient needs both, which cost two Bessel
//! evaluations per pair before the table); the slice forms used by Gram
//! fills and the gradient contraction run four Clenshaw sums in lockstep.
//! Measured on a shared, loaded 2-core machine (`nu = 1.7`, `r^2` spread
//! over `[0, 8]`): `phi` alone 470 ns per evaluation through the Bessel
//! functions, 122 ns from the table one at a time, 48 ns in a slice;
//! `phi` and `phi'` together 930 ns before, 80 ns in a slice (Matern 5/2
//! in closed form: 16 ns). Criterion's `gram_matern_nu1.7_ard_n1000_d5`
//! (`benches/benches/kernels.rs`, 500 500 entry-wise evaluations on two
//! threads): 263 ms before, 68 ms after.
//!
//! The smoothness `nu` is not a hyperparameter: its gradient would need
//! `d/d nu ln K_nu`, which is not available in closed form. For
//! `nu = 1/2, 3/2, 5/2`, [`super::Matern12`], [`super::Matern32`] and
//! [`super::Matern52`] are the same functions in elementary form and
//! vectorise.
//!
//! Accuracy: against 40-digit mpmath (xtask/refdata/matern_nu.py, 504
//! values of `phi`, `phi'`, `phi''` for `nu` from 0.3 to 40 and `r` from
//! 1e-8 to 40): see the table in [`Matern`].

use super::check_positive;
use super::stationary::Profile;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use sobolev_special::{bessel_k_scaled, ln_gamma, log_bessel_k};
use std::sync::Arc;

/// The Matern profile of smoothness `nu`: `Stationary<Matern>` is the
/// Matern kernel `s^2 2^{1-nu}/Gamma(nu) (sqrt(2 nu) r)^nu K_nu(sqrt(2 nu) r)`.
///
/// Accuracy against 40-digit mpmath (tests/kernel_families.rs), maximum
/// error relative to the value, over `nu` in {0.3, 0.5, 0.75, 1, 1.25, 1.5,
/// 2.2, 2.5, 3.7, 7.5, 15.3, 40} and values above `1e-280`:
///
/// | quantity | `r <= 1e-3` | `1e-3 < r <= 40` |
/// |---|---|---|
/// | `phi` | 3.8e-14 | 5.0e-14 |
/// | `phi'` | 8.3e-14 | 2.9e-14 |
/// | `phi''` | 7.3e-14 | 3.2e-14 |
///
/// The error grows with `nu |ln z|`, the size of the logarithms that cancel.
/// At `nu = 1/2, 3/2, 5/2` the values and both derivatives agree with the
/// closed forms to 2.6e-14 relative for `r` from 1e-6 to 30.
///
/// Construction tabulates the profile (see the module docs; about 1700
/// Bessel evaluations, about a millisecond); clones share the table.
/// Serialised as `{"nu": ...}`, the table rebuilt on deserialisation.
///
/// ```
/// use sobolev_kernels::kernel::{Matern, Matern32, Stationary};
/// use sobolev_kernels::Kernel;
/// let general = Stationary::new(Matern::new(1.5).unwrap(), 1.0, 0.7).unwrap();
/// let closed = Stationary::new(Matern32, 1.0, 0.7).unwrap();
/// let (x, y) = ([0.1, 0.4], [0.5, -0.2]);
/// assert!((general.eval(&x, &y) - closed.eval(&x, &y)).abs() < 1e-14);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "MaternSpec", into = "MaternSpec")]
pub struct Matern {
    nu: f64,
    /// `ln c = (1 - nu) ln 2 - ln Gamma(nu)`.
    ln_norm: f64,
    table: Arc<OctaveTable>,
}

/// The serialised form: the smoothness alone.
#[derive(Serialize, Deserialize)]
struct MaternSpec {
    nu: f64,
}

impl TryFrom<MaternSpec> for Matern {
    type Error = Error;
    fn try_from(spec: MaternSpec) -> Result<Self> {
        Matern::new(spec.nu)
    }
}

impl From<Matern> for MaternSpec {
    fn from(m: Matern) -> Self {
        MaternSpec { nu: m.nu }
    }
}

/// Two Matern profiles are equal when their smoothness is: the rest is
/// derived from it.
impl PartialEq for Matern {
    fn eq(&self, other: &Self) -> bool {
        self.nu == other.nu
    }
}

/// Chebyshev nodes (and coefficients) per octave.
const NODES: usize = 24;
/// The table covers `z` in `[2^OCTAVE_MIN, 2^OCTAVE_END)`.
const OCTAVE_MIN: i32 = -10;
const OCTAVE_END: i32 = 7;
/// Largest relative gap to the Bessel path at the check points for an
/// octave's interpolant to be used.
const CHECK_TOLERANCE: f64 = 2e-14;

/// Chebyshev coefficients of `e^z phi` and `-e^z phi'` in the local
/// variable `t = 2 z / 2^e - 3` of each octave `[2^e, 2^{e+1})`; `None`
/// where the build-time check failed.
#[derive(Debug)]
struct OctaveTable {
    value: Vec<Option<[f64; NODES]>>,
    slope: Vec<Option<[f64; NODES]>>,
}

/// `(octave index, t)` for `z` inside the table.
#[inline(always)]
fn locate(z: f64) -> Option<(usize, f64)> {
    let e = ((z.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    if !(OCTAVE_MIN..OCTAVE_END).contains(&e) {
        return None;
    }
    // z / 2^e in [1, 2), exactly.
    let scale = f64::from_bits(((1023 - e) as u64) << 52);
    Some(((e - OCTAVE_MIN) as usize, 2.0 * (z * scale) - 3.0))
}

/// `sum'_j c_j T_j(t)` (first coefficient halved) by Clenshaw's recurrence.
#[inline(always)]
fn clenshaw(c: &[f64; NODES], t: f64) -> f64 {
    let (mut b1, mut b2) = (0.0, 0.0);
    let t2 = 2.0 * t;
    for &cj in c[1..].iter().rev() {
        let b0 = cj + t2 * b1 - b2;
        b2 = b1;
        b1 = b0;
    }
    0.5 * c[0] + t * b1 - b2
}

/// Chebyshev coefficients of `f` on `[-1, 1]` from its values at the
/// first-kind nodes `cos(pi (k + 1/2) / n)`.
fn chebyshev_coefficients(f: impl Fn(f64) -> f64) -> [f64; NODES] {
    let n = NODES as f64;
    let theta = |k: usize| std::f64::consts::PI * (k as f64 + 0.5) / n;
    let values: Vec<f64> = (0..NODES).map(|k| f(theta(k).cos())).collect();
    let mut c = [0.0; NODES];
    for (j, cj) in c.iter_mut().enumerate() {
        let s: f64 = values
            .iter()
            .enumerate()
            .map(|(k, v)| v * (j as f64 * theta(k)).cos())
            .sum();
        *cj = 2.0 * s / n;
    }
    c
}

/// The interpolant of `f` on one octave if it matches `f` at the check
/// points (midpoints between nodes and both ends) and every value is
/// finite and positive.
fn checked_octave(f: impl Fn(f64) -> f64) -> Option<[f64; NODES]> {
    let c = chebyshev_coefficients(&f);
    let n = NODES as f64;
    let checks = (0..=NODES).map(|k| (std::f64::consts::PI * k as f64 / n).cos());
    for t in checks {
        let want = f(t);
        if !(want.is_finite() && want > 0.0) {
            return None;
        }
        if ((clenshaw(&c, t) - want) / want).abs() > CHECK_TOLERANCE {
            return None;
        }
    }
    Some(c)
}

impl Matern {
    /// `InvalidArgument` unless `nu` is finite and positive.
    pub fn new(nu: f64) -> Result<Self> {
        let nu = check_positive(nu, "Matern smoothness nu")?;
        let ln_norm = (1.0 - nu) * std::f64::consts::LN_2 - ln_gamma(nu);
        let mut m = Self {
            nu,
            ln_norm,
            table: Arc::new(OctaveTable {
                value: Vec::new(),
                slope: Vec::new(),
            }),
        };
        let mut table = OctaveTable {
            value: Vec::new(),
            slope: Vec::new(),
        };
        for e in OCTAVE_MIN..OCTAVE_END {
            let lo = 2f64.powi(e);
            let z_at = |t: f64| 0.5 * lo * (t + 3.0);
            table
                .value
                .push(checked_octave(|t| m.scaled_value_bessel(z_at(t))));
            table
                .slope
                .push(checked_octave(|t| m.scaled_slope_bessel(z_at(t))));
        }
        m.table = Arc::new(table);
        Ok(m)
    }

    /// The smoothness `nu`.
    pub fn nu(&self) -> f64 {
        self.nu
    }

    /// `z = sqrt(2 nu r2)`.
    #[inline(always)]
    fn z(&self, r2: f64) -> f64 {
        (2.0 * self.nu * r2).sqrt()
    }

    /// `e^z phi` by the Bessel path.
    fn scaled_value_bessel(&self, z: f64) -> f64 {
        (self.ln_norm + self.nu * z.ln() + bessel_k_scaled(self.nu, z).ln()).exp()
    }

    /// `-e^z phi'` by the Bessel path.
    fn scaled_slope_bessel(&self, z: f64) -> f64 {
        let v = self.nu;
        (self.ln_norm + v.ln() + (v - 1.0) * z.ln() + bessel_k_scaled((v - 1.0).abs(), z).ln())
            .exp()
    }

    /// `phi` by the Bessel path, `z > 0`.
    fn value_bessel(&self, z: f64) -> f64 {
        let v = self.nu;
        let ln_phi = self.ln_norm + v * z.ln() + log_bessel_k(v, z);
        // phi <= 1; rounding in the sum of logarithms must not exceed it.
        ln_phi.min(0.0).exp()
    }

    /// `phi'` by the Bessel path, `z > 0`.
    fn d1_bessel(&self, z: f64) -> f64 {
        let v = self.nu;
        -(self.ln_norm + v.ln() + (v - 1.0) * z.ln() + log_bessel_k((v - 1.0).abs(), z)).exp()
    }
}

impl Profile for Matern {
    fn name(&self) -> &'static str {
        "matern"
    }

    fn value(&self, r2: f64) -> f64 {
        if r2.is_nan() {
            return f64::NAN;
        }
        if r2 <= 0.0 {
            return 1.0;
        }
        let z = self.z(r2);
        if let Some((k, t)) = locate(z)
            && let Some(c) = &self.table.value[k]
        {
            return (clenshaw(c, t) * (-z).exp()).min(1.0);
        }
        self.value_bessel(z)
    }

    fn d1(&self, r2: f64) -> f64 {
        let v = self.nu;
        if r2.is_nan() {
            return f64::NAN;
        }
        if r2 <= 0.0 {
            return if v > 1.0 {
                -v / (2.0 * (v - 1.0))
            } else {
                f64::NEG_INFINITY
            };
        }
        let z = self.z(r2);
        if let Some((k, t)) = locate(z)
            && let Some(c) = &self.table.slope[k]
        {
            return -clenshaw(c, t) * (-z).exp();
        }
        self.d1_bessel(z)
    }

    fn d2(&self, r2: f64) -> f64 {
        let v = self.nu;
        if r2.is_nan() {
            return f64::NAN;
        }
        if r2 <= 0.0 {
            return if v > 2.0 {
                v * v / (4.0 * (v - 1.0) * (v - 2.0))
            } else {
                f64::INFINITY
            };
        }
        let z = self.z(r2);
        (self.ln_norm + 2.0 * v.ln() + (v - 2.0) * z.ln() + log_bessel_k((v - 2.0).abs(), z)).exp()
    }

    /// Four entries at a time, their Clenshaw sums in lockstep (independent
    /// chains the CPU overlaps); the same operations as [`Profile::value`],
    /// so the same values.
    fn values_in_place(&self, buf: &mut [f64]) {
        let none = [0.0; NODES];
        for chunk in buf.chunks_mut(LANES) {
            let mut coeffs = [&none; LANES];
            let (mut z, mut t) = ([0.0; LANES], [0.0; LANES]);
            let mut tabulated = [false; LANES];
            for (l, &r2) in chunk.iter().enumerate() {
                if r2 > 0.0 {
                    z[l] = self.z(r2);
                    if let Some((k, tl)) = locate(z[l])
                        && let Some(c) = &self.table.value[k]
                    {
                        (coeffs[l], t[l], tabulated[l]) = (c, tl, true);
                    }
                }
            }
            let sums = clenshaw_lanes(coeffs, t);
            for (l, v) in chunk.iter_mut().enumerate() {
                *v = if tabulated[l] {
                    (sums[l] * (-z[l]).exp()).min(1.0)
                } else {
                    self.value(*v)
                };
            }
        }
    }

    /// `phi` and `phi'` from one `exp(-z)` where both octaves are
    /// tabulated, four entries at a time as in `values_in_place`.
    fn values_and_d1_in_place(&self, buf: &mut [f64], d1: &mut [f64], _fused: bool) {
        let none = [0.0; NODES];
        for (chunk, slopes) in buf.chunks_mut(LANES).zip(d1.chunks_mut(LANES)) {
            let (mut cv, mut cs) = ([&none; LANES], [&none; LANES]);
            let (mut z, mut t) = ([0.0; LANES], [0.0; LANES]);
            let mut tabulated = [false; LANES];
            for (l, &r2) in chunk.iter().enumerate() {
                if r2 > 0.0 {
                    z[l] = self.z(r2);
                    if let Some((k, tl)) = locate(z[l])
                        && let (Some(a), Some(b)) = (&self.table.value[k], &self.table.slope[k])
                    {
                        (cv[l], cs[l], t[l], tabulated[l]) = (a, b, tl, true);
                    }
                }
            }
            let (values, minus_slopes) = (clenshaw_lanes(cv, t), clenshaw_lanes(cs, t));
            for (l, (v, g)) in chunk.iter_mut().zip(slopes.iter_mut()).enumerate() {
                let r2 = *v;
                if tabulated[l] {
                    let e = (-z[l]).exp();
                    *v = (values[l] * e).min(1.0);
                    *g = -minus_slopes[l] * e;
                } else if r2 > 0.0 {
                    // At most one of the two octaves is tabulated.
                    *v = self.value(r2);
                    *g = self.d1(r2);
                } else {
                    *v = self.value(r2);
                    *g = 0.0;
                }
            }
        }
    }
}

/// Entries per group in the slice evaluations.
const LANES: usize = 4;

/// [`clenshaw`] for `LANES` arguments at once, each with its own
/// coefficients, the recurrences interleaved step by step.
#[inline(always)]
fn clenshaw_lanes(c: [&[f64; NODES]; LANES], t: [f64; LANES]) -> [f64; LANES] {
    let (mut b1, mut b2) = ([0.0; LANES], [0.0; LANES]);
    for j in (1..NODES).rev() {
        for l in 0..LANES {
            let b0 = c[l][j] + 2.0 * t[l] * b1[l] - b2[l];
            b2[l] = b1[l];
            b1[l] = b0;
        }
    }
    std::array::from_fn(|l| 0.5 * c[l][0] + t[l] * b1[l] - b2[l])
}

#[cfg(test)]
mod tests {
    use super::{Matern, OCTAVE_END, OCTAVE_MIN, Profile};

    /// The tabulated `phi` and `phi'` against the Bessel path on a grid
    /// that avoids the nodes and check points, for smoothness from 0.3 to
    /// 40; and the octaves the table covers.
    #[test]
    fn table_matches_bessel_path_between_check_points() {
        for nu in [0.3, 0.75, 1.0, 1.7, 2.2, 3.7, 7.5, 15.3, 40.0] {
            let m = Matern::new(nu).unwrap();
            let covered = m.table.value.iter().filter(|c| c.is_some()).count();
            let covered_slope = m.table.slope.iter().filter(|c| c.is_some()).count();
            let mut worst = [0.0f64; 2];
            let (lo, hi) = (2f64.powi(OCTAVE_MIN), 2f64.powi(OCTAVE_END));
            let steps = 3001;
            for i in 0..steps {
                let z = lo * (hi / lo).powf((i as f64 + 0.37) / steps as f64);
                let r2 = z * z / (2.0 * nu);
                // The z the profile sees (the round trip moves it by an ulp).
                let z = m.z(r2);
                let pairs = [(m.value(r2), m.value_bessel(z)), (m.d1(r2), m.d1_bessel(z))];
                for (w, (got, want)) in worst.iter_mut().zip(pairs) {
                    if want.abs() > 1e-280 {
                        *w = w.max(((got - want) / want).abs());
                    }
                }
            }
            println!(
                "nu = {nu}: octaves tabulated {covered} (phi), {covered_slope} (phi') of {}; worst gap {worst:?}",
                OCTAVE_END - OCTAVE_MIN
            );
            assert!(worst[0] < 4e-14 && worst[1] < 4e-14, "nu = {nu}: {worst:?}");
            assert!(nu > 5.0 || covered == 17, "nu = {nu}: {covered} octaves");
        }
    }

    /// The slice evaluations give exactly the scalar ones, tabulated or
    /// not, at zero, NaN and outside the table.
    #[test]
    fn slice_evaluations_equal_scalar_ones() {
        for nu in [0.3, 1.7, 15.3] {
            let m = Matern::new(nu).unwrap();
            let mut r2: Vec<f64> = (0..203).map(|i| 1e-9 * 1.13f64.powi(i)).collect();
            r2.extend([0.0, f64::NAN, 1e-300, 1e6, f64::INFINITY]);
            let mut values = r2.clone();
            m.values_in_place(&mut values);
            let mut both = r2.clone();
            let mut slopes = vec![f64::NAN; r2.len()];
            m.values_and_d1_in_place(&mut both, &mut slopes, false);
            for (i, &r) in r2.iter().enumerate() {
                let (want, want_d1) = (m.value(r), if r > 0.0 { m.d1(r) } else { 0.0 });
                let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
                assert!(
                    same(values[i], want),
                    "nu = {nu}, r2 = {r}: {} vs {want}",
                    values[i]
                );
                assert!(
                    same(both[i], want),
                    "nu = {nu}, r2 = {r}: {} vs {want}",
                    both[i]
                );
                assert!(
                    same(slopes[i], want_d1),
                    "nu = {nu}, r2 = {r}: {} vs {want_d1}",
                    slopes[i]
                );
            }
        }
    }
}
