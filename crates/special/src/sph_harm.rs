//! Spherical harmonics `Y_l^m(theta, phi)`, complex and real, single values
//! and whole tables `0 <= l <= l_max` for batches of points.
//!
//! With `theta` the polar angle (colatitude, `[0, pi]`) and `phi` the
//! azimuth, the complex harmonics are
//! `Y_l^m(theta, phi) = P̄_l^m(cos theta) e^{i m phi}` for `m >= 0` and
//! `Y_l^{-m} = (-1)^m conj(Y_l^m)`, where `P̄_l^m` is the fully normalised
//! associated Legendre function *with* the Condon-Shortley phase `(-1)^m`
//! (see [`crate::orthopoly::assoc_legendre_normalized`]). They are
//! orthonormal on the unit sphere and satisfy the addition theorem
//! `sum_m |Y_l^m|^2 = (2l+1)/(4 pi)`. This is exactly SciPy's
//! `scipy.special.sph_harm_y(l, m, theta, phi)` (SciPy >= 1.15; the older
//! `sph_harm(m, l, phi, theta)` takes the angles in the other order).
//!
//! The real harmonics are the orthonormal real basis without the
//! Condon-Shortley phase: `Y_{l0} = P̄_l^0`,
//! `Y_{lm} = sqrt(2) (-1)^m P̄_l^m cos(m phi)` and
//! `Y_{l,-m} = sqrt(2) (-1)^m P̄_l^m sin(m phi)` for `m > 0` (so that
//! `Y_{11} ∝ x`, `Y_{1,-1} ∝ y`, `Y_{10} ∝ z`).
//!
//! Tables are computed by [`SphericalHarmonics`], a plan that precomputes
//! the recurrence coefficients of the Holmes-Featherstone column recursion
//! once for `l_max`; each point then costs `O(l_max^2)` multiply-adds. The
//! diagonal `P̄_m^m ∝ sin^m(theta)` carries a binary exponent, so near the
//! poles, where it leaves the double range for large `m`, the column
//! recursion in `l` still recovers every value that is representable:
//! nothing overflows or spuriously underflows at `l = 1000` or beyond.
//! Batches run in parallel over points with rayon; each point's table is
//! computed independently, so results do not depend on the thread count.
//!
//! Tables are laid out by `l` then `m`: entry `l^2 + l + m` for
//! `-l <= m <= l` ([`sph_harm_index`]), `(l_max + 1)^2` entries per point.
//!
//! References: Holmes and Featherstone, J. Geodesy 76 (2002); DLMF 14.30;
//! Limpanuparb and Milthorpe, *Associated Legendre polynomials and spherical
//! harmonics computation for chemistry applications*, arXiv:1410.1748.
//!
//! Measured accuracy: `P̄_l^m` within `4e-16 (l+8)^{3/2} sqrt(2l+1)`
//! absolute of 90-digit references for `l <= 1000`
//! (`tests/data/sph_harm.csv`; worst `2.2e-12 sqrt(2l+1)` at `l = 1000` on
//! the pole, a few ulps away from the poles); the addition theorem holds to
//! `8e-16 (l+8)^{3/2}` relative (tested at `l = 1000`); every value for
//! `l <= 100` at 200 points agrees with SciPy 1.17's `sph_harm_y_all` to
//! `2.5e-13` (`cargo xtask peers special-poly`).

use crate::error::{Error, Result};
use crate::orthopoly::{PolarPoint, column_step, ldexp, normalized_column, normalized_diagonal};
use num_complex::Complex64;
use rayon::prelude::*;
use std::f64::consts::SQRT_2;

/// Index of `(l, m)` in a table of harmonics: `l^2 + l + m`.
pub fn sph_harm_index(l: usize, m: i64) -> usize {
    (l * l + l).wrapping_add_signed(m as isize)
}

/// Complex spherical harmonic `Y_l^m(theta, phi)` (Condon-Shortley phase,
/// SciPy's `sph_harm_y` convention); NaN for `|m| > l` or NaN angles.
pub fn sph_harm_y(l: usize, m: i64, theta: f64, phi: f64) -> Complex64 {
    let mu = m.unsigned_abs() as usize;
    if mu > l || theta.is_nan() || phi.is_nan() {
        return Complex64::new(f64::NAN, f64::NAN);
    }
    let p = pbar(l, mu, theta);
    let (s, c) = (mu as f64 * phi).sin_cos();
    if m >= 0 {
        Complex64::new(p * c, p * s)
    } else {
        let sign = if mu.is_multiple_of(2) { 1.0 } else { -1.0 };
        Complex64::new(sign * p * c, -sign * p * s)
    }
}

/// Real spherical harmonic `Y_{lm}(theta, phi)` (no Condon-Shortley phase;
/// cosines for `m > 0`, sines for `m < 0`); NaN for `|m| > l` or NaN angles.
pub fn real_sph_harm(l: usize, m: i64, theta: f64, phi: f64) -> f64 {
    let mu = m.unsigned_abs() as usize;
    if mu > l || theta.is_nan() || phi.is_nan() {
        return f64::NAN;
    }
    let p = pbar(l, mu, theta);
    if m == 0 {
        return p;
    }
    let sign = if mu.is_multiple_of(2) {
        SQRT_2
    } else {
        -SQRT_2
    };
    let (s, c) = (mu as f64 * phi).sin_cos();
    sign * p * if m > 0 { c } else { s }
}

fn pbar(l: usize, m: usize, theta: f64) -> f64 {
    let point = PolarPoint::from_theta(theta);
    point.sign(l, m) * normalized_column(l, m, &point)
}

/// A plan for tables of spherical harmonics up to degree `l_max`: the
/// recurrence coefficients are computed once and shared by every point.
#[derive(Debug, Clone)]
pub struct SphericalHarmonics {
    l_max: usize,
    /// For each order `m`, the coefficients `(a_lm, b_lm)` for
    /// `l = m + 2 ..= l_max`, stored contiguously by `m`.
    coeffs: Vec<(f64, f64)>,
    /// Start of order `m`'s coefficients in `coeffs`.
    offsets: Vec<usize>,
}

impl SphericalHarmonics {
    /// Plans tables for degrees `0..=l_max`.
    pub fn new(l_max: usize) -> Self {
        let mut coeffs = Vec::new();
        let mut offsets = Vec::with_capacity(l_max + 1);
        for m in 0..=l_max {
            offsets.push(coeffs.len());
            let mf = m as f64;
            for l in (m + 2)..=l_max {
                let lf = l as f64;
                let a = ((4.0 * lf * lf - 1.0) / ((lf - mf) * (lf + mf))).sqrt();
                let b = ((2.0 * lf + 1.0) * (lf - 1.0 - mf) * (lf - 1.0 + mf)
                    / ((2.0 * lf - 3.0) * (lf - mf) * (lf + mf)))
                    .sqrt();
                coeffs.push((a, b));
            }
        }
        Self {
            l_max,
            coeffs,
            offsets,
        }
    }

    /// The largest degree of the plan.
    pub fn l_max(&self) -> usize {
        self.l_max
    }

    /// Entries per point, `(l_max + 1)^2`.
    pub fn table_len(&self) -> usize {
        (self.l_max + 1) * (self.l_max + 1)
    }

    /// Calls `emit(l, m, P̄_l^m(cos theta))` for `0 <= m <= l <= l_max`,
    /// column by column.
    fn for_each_legendre(&self, theta: f64, mut emit: impl FnMut(usize, usize, f64)) {
        let point = PolarPoint::from_theta(theta);
        let (sin_t, x, t) = (point.sin, point.x, point.t);
        let sign = |l: usize, m: usize| point.sign(l, m);
        let big = 2f64.powi(600);
        let shrink = 2f64.powi(-600);
        // Diagonal P̄_m^m as mantissa and binary exponent, advanced in m.
        let (mut diag, mut diag_exp) = normalized_diagonal(0, sin_t);
        for m in 0..=self.l_max {
            if m > 0 {
                let mf = m as f64;
                diag *= -((2.0 * mf + 1.0) / (2.0 * mf)).sqrt() * sin_t;
                if diag != 0.0 && diag.abs() < shrink {
                    diag *= big;
                    diag_exp -= 600;
                }
            }
            let mut exp = diag_exp;
            let mut prev = diag;
            emit(m, m, sign(m, m) * ldexp(prev, exp));
            if m == self.l_max {
                break;
            }
            let mut cur = (2.0 * m as f64 + 3.0).sqrt() * x * prev;
            emit(m + 1, m, sign(m + 1, m) * ldexp(cur, exp));
            let cs = &self.coeffs[self.offsets[m]..];
            for (l, &(a, b)) in ((m + 2)..=self.l_max).zip(cs) {
                let next = column_step(a, b, x, t, cur, prev);
                prev = cur;
                cur = next;
                if exp < 0 && cur.abs() > big {
                    cur *= shrink;
                    prev *= shrink;
                    exp += 600;
                }
                let v = if exp == 0 { cur } else { ldexp(cur, exp) };
                emit(l, m, sign(l, m) * v);
            }
        }
    }

    /// Fills `out` (length `(l_max+1)^2`, layout [`sph_harm_index`]) with
    /// the real harmonics at `(theta, phi)`.
    /// Errors: [`Error::ShapeMismatch`] for a wrong `out` length.
    pub fn real(&self, theta: f64, phi: f64, out: &mut [f64]) -> Result<()> {
        self.check_len(out.len())?;
        self.real_unchecked(theta, phi, out);
        Ok(())
    }

    fn real_unchecked(&self, theta: f64, phi: f64, out: &mut [f64]) {
        if theta.is_nan() || phi.is_nan() {
            out.fill(f64::NAN);
            return;
        }
        let trig: Vec<(f64, f64)> = (0..=self.l_max)
            .map(|m| (m as f64 * phi).sin_cos())
            .collect();
        self.for_each_legendre(theta, |l, m, p| {
            let base = l * l + l;
            if m == 0 {
                out[base] = p;
            } else {
                let (s, c) = trig[m];
                let f = if m.is_multiple_of(2) {
                    SQRT_2 * p
                } else {
                    -SQRT_2 * p
                };
                out[base + m] = f * c;
                out[base - m] = f * s;
            }
        });
    }

    /// Fills `out` (length `(l_max+1)^2`, layout [`sph_harm_index`]) with
    /// the complex harmonics `Y_l^m` at `(theta, phi)`.
    /// Errors: [`Error::ShapeMismatch`] for a wrong `out` length.
    pub fn complex(&self, theta: f64, phi: f64, out: &mut [Complex64]) -> Result<()> {
        self.check_len(out.len())?;
        self.complex_unchecked(theta, phi, out);
        Ok(())
    }

    fn complex_unchecked(&self, theta: f64, phi: f64, out: &mut [Complex64]) {
        if theta.is_nan() || phi.is_nan() {
            out.fill(Complex64::new(f64::NAN, f64::NAN));
            return;
        }
        let trig: Vec<(f64, f64)> = (0..=self.l_max)
            .map(|m| (m as f64 * phi).sin_cos())
            .collect();
        self.for_each_legendre(theta, |l, m, p| {
            let base = l * l + l;
            let (s, c) = trig[m];
            out[base + m] = Complex64::new(p * c, p * s);
            if m > 0 {
                let sign = if m.is_multiple_of(2) { 1.0 } else { -1.0 };
                out[base - m] = Complex64::new(sign * p * c, -sign * p * s);
            }
        });
    }

    /// Real harmonics at many points: a row of `(l_max+1)^2` entries per
    /// point (`thetas[i], phis[i]`), computed in parallel over points.
    /// Errors: [`Error::ShapeMismatch`] when the angle slices differ in length.
    pub fn real_batch(&self, thetas: &[f64], phis: &[f64]) -> Result<Vec<f64>> {
        check_points(thetas, phis)?;
        let len = self.table_len();
        let mut out = vec![0.0; len * thetas.len()];
        out.par_chunks_mut(len)
            .zip(thetas.par_iter().zip(phis))
            .for_each(|(row, (&t, &p))| self.real_unchecked(t, p, row));
        Ok(out)
    }

    /// Complex harmonics at many points, laid out as [`Self::real_batch`].
    /// Errors: [`Error::ShapeMismatch`] when the angle slices differ in length.
    pub fn complex_batch(&self, thetas: &[f64], phis: &[f64]) -> Result<Vec<Complex64>> {
        check_points(thetas, phis)?;
        let len = self.table_len();
        let mut out = vec![Complex64::new(0.0, 0.0); len * thetas.len()];
        out.par_chunks_mut(len)
            .zip(thetas.par_iter().zip(phis))
            .for_each(|(row, (&t, &p))| self.complex_unchecked(t, p, row));
        Ok(out)
    }

    fn check_len(&self, got: usize) -> Result<()> {
        if got != self.table_len() {
            return Err(Error::ShapeMismatch {
                context: "spherical harmonics table",
                expected: format!("{} entries ((l_max + 1)^2)", self.table_len()),
                got: format!("{got} entries"),
            });
        }
        Ok(())
    }
}

fn check_points(thetas: &[f64], phis: &[f64]) -> Result<()> {
    if thetas.len() != phis.len() {
        return Err(Error::ShapeMismatch {
            context: "spherical harmonics batch",
            expected: format!("{} azimuths (one per polar angle)", thetas.len()),
            got: format!("{} azimuths", phis.len()),
        });
    }
    Ok(())
}
