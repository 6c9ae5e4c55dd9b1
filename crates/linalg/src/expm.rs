//! The exponential of a general real matrix and its Frechet derivative.
//!
//! `exp(A) = sum_k A^k / k!` is computed by scaling and squaring: with
//! `r_m = q_m(A)^{-1} p_m(A)` the `[m/m]` Pade approximant of `e^x`,
//! `exp(A) = r_m(2^{-s} A)^{2^s}`. The degree `m` in {3, 5, 7, 9, 13} and the
//! number of squarings `s` are chosen by Al-Mohy and Higham's 2009 algorithm
//! (SIAM J. Matrix Anal. Appl. 31(3), Alg. 5.1), a refinement of Higham's
//! 2005 method (SIAM J. Matrix Anal. Appl. 26(4)): the backward-error bounds
//! use `d_k = ||A^k||_1^{1/k}` instead of `||A||_1`, which is much smaller for
//! non-normal matrices, and the correction `ell` adds squarings only when the
//! truncation error of the Pade approximant at `|A|` demands it, which avoids
//! the overscaling that ruins the 2005 method on matrices such as
//! `[[1, b], [0, -1]]` with large `b`. Upper triangular inputs get the
//! diagonal and first superdiagonal recomputed exactly after each squaring
//! (ibid., Sec. 2), as SciPy does.
//!
//! The Frechet derivative `L(A, E) = int_0^1 e^{sA} E e^{(1-s)A} ds` is
//! computed together with `exp(A)` by differentiating the Pade approximant
//! and the squarings (Al-Mohy and Higham 2009, SIAM J. Matrix Anal. Appl.
//! 30(4), Alg. 6.4), at about three times the cost of `exp(A)` alone. Its
//! degree and scaling keep that algorithm's thresholds on `||A||_1`, which
//! bound the backward error of `L` as well as of `exp(A)`; the evaluation
//! shares the Pade sums, the accumulating products and the per-thread pool
//! of `exp(A)` (at `n = 64`: 0.35 ms against 0.46 ms with fresh temporaries
//! for every sum and product; at `n = 512`: 0.10 s against 0.27 s).
//!
//! Norms `||A^k||_1` of powers not otherwise formed are estimated by the
//! Hager-Higham 1-norm estimator (Higham, ACM TOMS 14(4), 1988) on matrix-
//! vector products, so the choice of `m` and `s` costs `O(n^2)`; the
//! estimate for degrees 3 and 5 is skipped when `||A^4||^{1/4}` already
//! rules them out, and the `ell` corrections of all degrees share one
//! sequence of products with `|A|^T`.
//!
//! Cost: the products `A^2, A^4, A^6` (and `A^8` for degree 9), one more
//! for `U`, one LU solve and `s` squarings, as in SciPy. Symmetric input
//! has its own evaluation: every product there is between commuting
//! symmetric factors, so only its lower triangle is formed (faer's
//! triangular matmul); `q_m(A)` is positive definite (the only real zero of
//! `q_13` is at `17.9`, far beyond `theta_13`), so Cholesky replaces LU; and
//! as `||A^k||_2 = ||A||_2^k <= ||A^k||_1`, the exact `d_4`, `d_6` bound the
//! 2-norm in which the Pade backward-error bound then holds, with no norm
//! estimates and no `ell` correction. At `n = 64` this takes 0.11 ms
//! against 0.15 ms for the general route. At small orders the
//! time went to faulting in fresh pages for each temporary, so the
//! temporaries of orders up to 128 are kept in a per-thread pool between
//! calls, the scaling `2^{-s}` is applied in place and inside the product
//! that forms `U`, and the Pade sums are formed column by column in one or
//! two passes.
use faer::linalg::matmul::matmul;
use faer::{Accum, Col, Mat, MatRef};

use crate::matfun::{LuFactor, check_direction, check_square, divided_difference_exp, par_for};
use crate::{Error, Result};

/// Coefficients `b_0 .. b_m` of the Pade numerator `p_m(x) = sum b_k x^k`;
/// the denominator is `q_m(x) = p_m(-x)`.
const PADE3: [f64; 4] = [120.0, 60.0, 12.0, 1.0];
const PADE5: [f64; 6] = [30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0];
const PADE7: [f64; 8] = [
    17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0,
];
const PADE9: [f64; 10] = [
    17643225600.0,
    8821612800.0,
    2075673600.0,
    302702400.0,
    30270240.0,
    2162160.0,
    110880.0,
    3960.0,
    90.0,
    1.0,
];
/// Numerator coefficients `b_0 .. b_13` of the `[13/13]` Padé approximant
/// of `e^x` (the denominator is the numerator at `-x`), Higham (2005)
/// Table 2.3; shared with the fixed-size SPD kernels of `sobolev-manifolds`.
pub const PADE13: [f64; 14] = [
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
];

/// Largest `d_k`-based norm for which `r_m` has backward error below the
/// unit roundoff (Al-Mohy and Higham 2009, Table 3.1).
const THETA3: f64 = 1.495585217958292e-2;
const THETA5: f64 = 2.539398330063230e-1;
const THETA7: f64 = 9.504178996162932e-1;
const THETA9: f64 = 2.097847961257068;
const THETA13: f64 = 4.25;

/// `1 / |c_{2m+1}|`, the reciprocal of the leading coefficient of the
/// Pade truncation error `e^x - r_m(x) = c_{2m+1} x^{2m+1} + ...`.
fn pade_error_coefficient_recip(m: usize) -> f64 {
    match m {
        3 => 100800.0,
        5 => 10059033600.0,
        7 => 4487938430976000.0,
        9 => 5914384781877411840000.0,
        _ => 113250775606021113483283660800000000.0,
    }
}

/// Backward-error thresholds on `||A||_1` for the Frechet derivative
/// algorithm (Al-Mohy and Higham 2009, SIMAX 30(4), Table 6.1).
const FRECHET_THETA: [(usize, f64); 4] = [(3, 1.08e-2), (5, 2.00e-1), (7, 7.83e-1), (9, 1.78)];
const FRECHET_THETA13: f64 = 4.74;

/// Work matrices kept between calls on the same thread, so that repeated
/// small exponentials reuse their storage instead of faulting fresh pages
/// in for each of their temporaries (at `n = 64` that was about 40% of the
/// time). Only orders up to [`POOL_MAX_DIM`] are kept, at most
/// [`POOL_MAX_LEN`] of them; above that the `O(n^3)` products dominate.
const POOL_MAX_DIM: usize = 128;
const POOL_MAX_LEN: usize = 12;

thread_local! {
    static POOL: std::cell::RefCell<Vec<Mat<f64>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// An `n x n` work matrix from the pool, returned to it on drop. Its
/// entries are unspecified until written.
struct Work(Mat<f64>);

impl Work {
    fn new(n: usize) -> Self {
        let reused = if n <= POOL_MAX_DIM {
            POOL.with(|pool| {
                let mut pool = pool.borrow_mut();
                let at = pool.iter().position(|m| m.nrows() == n && m.ncols() == n);
                at.map(|k| pool.swap_remove(k))
            })
        } else {
            None
        };
        Self(reused.unwrap_or_else(|| Mat::zeros(n, n)))
    }

    /// Takes the matrix out of the pool's reach, for returning it.
    fn into_inner(mut self) -> Mat<f64> {
        std::mem::replace(&mut self.0, Mat::zeros(0, 0))
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        let n = self.0.nrows();
        if n == 0 || n > POOL_MAX_DIM {
            return;
        }
        let m = std::mem::replace(&mut self.0, Mat::zeros(0, 0));
        POOL.with(|pool| {
            if let Ok(mut pool) = pool.try_borrow_mut()
                && pool.len() < POOL_MAX_LEN
            {
                pool.push(m);
            }
        });
    }
}

impl std::ops::Deref for Work {
    type Target = Mat<f64>;
    fn deref(&self) -> &Mat<f64> {
        &self.0
    }
}

impl std::ops::DerefMut for Work {
    fn deref_mut(&mut self) -> &mut Mat<f64> {
        &mut self.0
    }
}

/// `(c, list[k - 1])`, a term of a Pade sum.
fn term(list: &[Work], k: usize, c: f64) -> (f64, &Mat<f64>) {
    (c, &list[k - 1])
}

/// `a b` into a work matrix.
fn mul_work(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Work {
    let mut out = Work::new(a.nrows());
    mul_into(&mut out, Accum::Replace, a, b, 1.0);
    out
}

fn one_norm(a: MatRef<'_, f64>) -> f64 {
    (0..a.ncols())
        .map(|j| a.col(j).iter().map(|v| v.abs()).sum::<f64>())
        .fold(0.0, f64::max)
}

/// `log2 || |A|^p ||_1` for the powers `p` that the `ell` corrections ask
/// for, exactly, as the largest entry of `1^T |A|^p`: products of a vector
/// with `|A|^T`, renormalised after each so that no power overflows; never a
/// matrix power. Each power extends the same sequence, so all degrees
/// together cost at most 27 matrix-vector products.
struct AbsPowerNorms {
    abs_t: Work,
    v: Col<f64>,
    next: Col<f64>,
    /// `log2 || |A|^k ||_1` for `k = 1, 2, ...` so far; `-inf` once a
    /// power vanishes.
    log2_norms: Vec<f64>,
}

impl AbsPowerNorms {
    fn new(a: MatRef<'_, f64>) -> Self {
        let n = a.nrows();
        let mut abs_t = Work::new(n);
        for j in 0..n {
            for (i, t) in abs_t.col_as_slice_mut(j).iter_mut().enumerate() {
                *t = a[(j, i)].abs();
            }
        }
        Self {
            abs_t,
            v: Col::from_fn(n, |_| 1.0),
            next: Col::zeros(n),
            log2_norms: Vec::with_capacity(27),
        }
    }

    fn log2_norm(&mut self, p: usize) -> f64 {
        while self.log2_norms.len() < p {
            let last = self.log2_norms.last().copied().unwrap_or(0.0);
            if last == f64::NEG_INFINITY {
                self.log2_norms.push(last);
                continue;
            }
            faer::linalg::matmul::matmul(
                self.next.as_mut(),
                faer::Accum::Replace,
                self.abs_t.as_ref(),
                self.v.as_ref(),
                1.0,
                faer::Par::Seq,
            );
            let m = self.next.iter().copied().fold(0.0, f64::max);
            if m == 0.0 {
                self.log2_norms.push(f64::NEG_INFINITY);
                continue;
            }
            let inv = 1.0 / m;
            for (v, x) in self.v.iter_mut().zip(self.next.iter()) {
                *v = x * inv;
            }
            self.log2_norms.push(last + m.log2());
        }
        self.log2_norms[p - 1]
    }
}

/// Applies the product `factors[0] * factors[1] * ... ` (or its transpose)
/// to a vector.
fn apply_product(factors: &[MatRef<'_, f64>], x: Col<f64>, transpose: bool) -> Col<f64> {
    let mut y = x;
    if transpose {
        for f in factors {
            y = f.transpose() * &y;
        }
    } else {
        for f in factors.iter().rev() {
            y = *f * &y;
        }
    }
    y
}

/// Hager-Higham estimate (a lower bound, usually exact) of the 1-norm of
/// the product of `factors`, from at most five pairs of products with a
/// vector and its transpose, plus Higham's alternating test vector.
fn one_norm_estimate(factors: &[MatRef<'_, f64>]) -> f64 {
    let n = factors[0].nrows();
    let norm1 = |c: &Col<f64>| c.iter().map(|v| v.abs()).sum::<f64>();
    let mut x = Col::from_fn(n, |_| 1.0 / n as f64);
    let mut est = 0.0f64;
    let mut last_j = usize::MAX;
    for k in 0..5 {
        let y = apply_product(factors, x.clone(), false);
        let e = norm1(&y);
        if k > 0 && e <= est {
            break;
        }
        est = e;
        let xi = Col::from_fn(n, |i| if y[i] >= 0.0 { 1.0 } else { -1.0 });
        let z = apply_product(factors, xi, true);
        let (mut j, mut zmax) = (0, 0.0f64);
        for i in 0..n {
            if z[i].abs() > zmax {
                zmax = z[i].abs();
                j = i;
            }
        }
        let ztx: f64 = (0..n).map(|i| z[i] * x[i]).sum();
        if (k > 0 && zmax <= ztx) || j == last_j {
            break;
        }
        last_j = j;
        x = Col::from_fn(n, |i| if i == j { 1.0 } else { 0.0 });
    }
    if n > 1 {
        let alt = Col::from_fn(n, |i| {
            let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
            sign * (1.0 + i as f64 / (n - 1) as f64)
        });
        let y = apply_product(factors, alt, false);
        est = est.max(2.0 * norm1(&y) / (3.0 * n as f64));
    }
    est
}

/// The correction `ell(A, m)`: extra squarings needed so that the relative
/// truncation error of `r_m` at `A`, bounded through `|A|`, is below the unit
/// roundoff (Al-Mohy and Higham 2009, eq. 5.1).
fn ell(norms: &mut AbsPowerNorms, norm_a: f64, s: i32, m: usize) -> i32 {
    if norm_a == 0.0 {
        return 0;
    }
    let p = 2 * m + 1;
    let log2_abs_power = norms.log2_norm(p);
    if log2_abs_power == f64::NEG_INFINITY {
        return 0;
    }
    // alpha = || |2^-s A|^p ||_1 / (||2^-s A||_1 / |c_{2m+1}|), in log2 form
    // so that neither the power nor the scaling over- or underflows.
    let log2_alpha = log2_abs_power
        - (p as f64 - 1.0) * s as f64
        - norm_a.log2()
        - pade_error_coefficient_recip(m).log2();
    let log2_unit_roundoff = -53.0;
    let value = ((log2_alpha - log2_unit_roundoff) / (2 * m) as f64).ceil();
    value.max(0.0) as i32
}

/// `sum_k c_k M_k + c_id I`, the linear combinations of powers that make
/// the Pade numerators.
fn combine(terms: &[(f64, &Mat<f64>)], c_id: f64, n: usize) -> Work {
    let mut out = Work::new(n);
    for j in 0..n {
        let col = out.col_as_slice_mut(j);
        // One pass per pair of terms: `col` is read and written at most
        // twice for the (at most four) terms.
        let mut first = true;
        for pair in terms.chunks(2) {
            let (c0, x0) = (pair[0].0, pair[0].1.col_as_slice(j));
            match (pair.get(1), first) {
                (Some(&(c1, m1)), true) => {
                    for ((o, a), b) in col.iter_mut().zip(x0).zip(m1.col_as_slice(j)) {
                        *o = c0 * a + c1 * b;
                    }
                }
                (Some(&(c1, m1)), false) => {
                    for ((o, a), b) in col.iter_mut().zip(x0).zip(m1.col_as_slice(j)) {
                        *o += c0 * a + c1 * b;
                    }
                }
                (None, true) => {
                    for (o, a) in col.iter_mut().zip(x0) {
                        *o = c0 * a;
                    }
                }
                (None, false) => {
                    for (o, a) in col.iter_mut().zip(x0) {
                        *o += c0 * a;
                    }
                }
            }
            first = false;
        }
        if first {
            col.fill(0.0);
        }
        col[j] += c_id;
    }
    out
}

/// The even and odd parts `(U, V)` of the Pade numerator, `p_m(A) = V + U`
/// and `q_m(A) = V - U`.
struct PadeParts {
    u: Work,
    v: Work,
}

/// `dst = alpha a b` (`Replace`) or `dst += alpha a b` (`Add`), with the
/// parallelism chosen by size.
fn mul_into(dst: &mut Mat<f64>, accum: Accum, a: MatRef<'_, f64>, b: MatRef<'_, f64>, alpha: f64) {
    let par = par_for(a.nrows().max(b.ncols()));
    matmul(dst.as_mut(), accum, a, b, alpha, par);
}

fn pade_coefficients(m: usize) -> &'static [f64] {
    match m {
        3 => &PADE3,
        5 => &PADE5,
        7 => &PADE7,
        9 => &PADE9,
        _ => &PADE13,
    }
}

/// The parts `(U, V)` of `r_m(2^{-s} A)`, from `A` and the even powers
/// `powers[k] = (2^{-s} A)^{2(k+1)}`, already scaled; `scale = 2^{-s}` is
/// applied to the one odd factor `A` inside the product that forms `U`.
fn pade_parts(a: MatRef<'_, f64>, scale: f64, powers: &[&Mat<f64>], m: usize) -> PadeParts {
    pade_parts_with(a, scale, powers, m, mul_into)
}

/// A product `dst (=|+=) alpha a b`: [`mul_into`], or [`sym_mul_into`] for
/// commuting symmetric factors.
type MulInto = fn(&mut Mat<f64>, Accum, MatRef<'_, f64>, MatRef<'_, f64>, f64);

/// [`pade_parts`] with the products formed by `mul`.
fn pade_parts_with(
    a: MatRef<'_, f64>,
    scale: f64,
    powers: &[&Mat<f64>],
    m: usize,
    mul: MulInto,
) -> PadeParts {
    let n = a.nrows();
    let b = pade_coefficients(m);
    if m == 13 {
        let (a2, a4, a6) = (powers[0], powers[1], powers[2]);
        let w1 = combine(&[(b[13], a6), (b[11], a4), (b[9], a2)], 0.0, n);
        let mut w = combine(&[(b[7], a6), (b[5], a4), (b[3], a2)], b[1], n);
        mul(&mut w, Accum::Add, a6.as_ref(), w1.as_ref(), 1.0);
        let z1 = combine(&[(b[12], a6), (b[10], a4), (b[8], a2)], 0.0, n);
        let mut v = combine(&[(b[6], a6), (b[4], a4), (b[2], a2)], b[0], n);
        mul(&mut v, Accum::Add, a6.as_ref(), z1.as_ref(), 1.0);
        // w1's storage takes U = (2^{-s} A) W.
        let mut u = w1;
        mul(&mut u, Accum::Replace, a, w.as_ref(), scale);
        return PadeParts { u, v };
    }
    let half = m.div_ceil(2);
    let odd: Vec<(f64, &Mat<f64>)> = (1..half).map(|k| (b[2 * k + 1], powers[k - 1])).collect();
    let even: Vec<(f64, &Mat<f64>)> = (1..half).map(|k| (b[2 * k], powers[k - 1])).collect();
    let w = combine(&odd, b[1], n);
    let mut u = Work::new(n);
    mul(&mut u, Accum::Replace, a, w.as_ref(), scale);
    let v = combine(&even, b[0], n);
    PadeParts { u, v }
}

/// Solves `(V - U) R = V + U` for the Pade approximant, forming both
/// sides in the storage of `V` and `U` and the factors in that of `V`.
fn pade_solve(parts: PadeParts) -> Mat<f64> {
    let PadeParts { u: mut p, v: mut q } = parts;
    let n = p.nrows();
    for j in 0..n {
        for (pv, qv) in p
            .col_as_slice_mut(j)
            .iter_mut()
            .zip(q.col_as_slice_mut(j).iter_mut())
        {
            let (u, v) = (*pv, *qv);
            *pv = v + u;
            *qv = v - u;
        }
    }
    let factor = LuFactor::new(q.into_inner());
    let r = factor.solve(p.into_inner());
    drop(Work(factor.into_storage()));
    r
}

/// `dst = alpha a b` (`Replace`) or `dst += alpha a b` (`Add`) for a
/// product known to be symmetric (two commuting symmetric factors, such as
/// two polynomials in the same symmetric matrix): only the lower triangle is
/// multiplied out, about half the flops, and then mirrored.
fn sym_mul_into(
    dst: &mut Mat<f64>,
    accum: Accum,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    alpha: f64,
) {
    use faer::linalg::matmul::triangular::{self, BlockStructure};
    triangular::matmul(
        dst.as_mut(),
        BlockStructure::TriangularLower,
        accum,
        a,
        BlockStructure::Rectangular,
        b,
        BlockStructure::Rectangular,
        alpha,
        par_for(a.nrows()),
    );
    mirror_lower(dst);
}

/// Copies the strict lower triangle of `x` onto its upper triangle.
fn mirror_lower(x: &mut Mat<f64>) {
    let n = x.nrows();
    for j in 0..n {
        for i in j + 1..n {
            x[(j, i)] = x[(i, j)];
        }
    }
}

/// `a b` into a work matrix, for a product known to be symmetric.
fn sym_mul_work(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Work {
    let mut out = Work::new(a.nrows());
    sym_mul_into(&mut out, Accum::Replace, a, b, 1.0);
    out
}

/// The parts `(U, V)` of `r_m(2^{-s} A)` for symmetric `A`, as
/// [`pade_parts`] but with every product formed as a symmetric one.
fn sym_pade_parts(a: MatRef<'_, f64>, scale: f64, powers: &[&Mat<f64>], m: usize) -> PadeParts {
    pade_parts_with(a, scale, powers, m, sym_mul_into)
}

/// Solves `(V - U) R = V + U` for symmetric `U`, `V` by a Cholesky
/// factorisation: `q_13(x) = p_13(-x)` has its only real zero at
/// `x = 17.9`, and the eigenvalues of the scaled matrix are at most
/// `theta_13 = 4.25` in modulus, so `V - U` is positive definite (the
/// lower degrees have no real zero at all). Should rounding ever make the
/// factorisation fail, the LU route takes over. The result is symmetrised.
fn sym_pade_solve(parts: PadeParts) -> Mat<f64> {
    use faer::linalg::cholesky::llt::{factor, solve};
    let PadeParts { u: mut p, v: mut q } = parts;
    let n = p.nrows();
    for j in 0..n {
        for (pv, qv) in p
            .col_as_slice_mut(j)
            .iter_mut()
            .zip(q.col_as_slice_mut(j).iter_mut())
        {
            let (u, v) = (*pv, *qv);
            *pv = v + u;
            *qv = v - u;
        }
    }
    let par = par_for(n);
    let mut factors = Work::new(n);
    factors.copy_from(q.as_ref());
    let mut scratch = faer::dyn_stack::MemBuffer::new(factor::cholesky_in_place_scratch::<f64>(
        n,
        par,
        Default::default(),
    ));
    let ok = factor::cholesky_in_place(
        factors.as_mut(),
        Default::default(),
        par,
        faer::dyn_stack::MemStack::new(&mut scratch),
        Default::default(),
    )
    .is_ok();
    let mut r = if ok {
        let mut rhs = p.into_inner();
        let mut scratch =
            faer::dyn_stack::MemBuffer::new(solve::solve_in_place_scratch::<f64>(n, n, par));
        solve::solve_in_place_with_conj(
            factors.as_ref(),
            faer::Conj::No,
            rhs.as_mut(),
            par,
            faer::dyn_stack::MemStack::new(&mut scratch),
        );
        rhs
    } else {
        let factor = LuFactor::new(q.into_inner());
        let r = factor.solve(p.into_inner());
        drop(Work(factor.into_storage()));
        r
    };
    symmetrise_in_place(&mut r);
    r
}

/// Replaces `x` by `(x + x^T) / 2`.
fn symmetrise_in_place(x: &mut Mat<f64>) {
    let n = x.nrows();
    for j in 0..n {
        for i in j + 1..n {
            let mean = 0.5 * (x[(i, j)] + x[(j, i)]);
            x[(i, j)] = mean;
            x[(j, i)] = mean;
        }
    }
}

/// The exponential of an exactly symmetric matrix by scaling and squaring,
/// with the symmetry used throughout: every product (powers, Pade parts,
/// squarings) is formed as a symmetric one, `V - U` is factorised by
/// Cholesky, and the output is exactly symmetric.
///
/// Degree and scaling follow Higham's 2005 rule on `eta = min(d_4, d_6)`
/// with `d_k = ||A^k||_1^{1/k}` computed exactly from the powers formed
/// anyway: for symmetric `A`, `||A^k||_2 = ||A||_2^k <= eta^k` for every `k`,
/// so the backward-error bound of the Pade approximant holds in the 2-norm
/// with `eta` in place of the norm, and neither the 1-norm estimates nor the
/// `ell` correction of Al-Mohy and Higham (which guard against
/// non-normality) are needed.
pub(crate) fn expm_pade_symmetric(a: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let n = check_square(a, "expm")?;
    if n == 1 {
        return finite_result(Mat::from_fn(1, 1, |_, _| a[(0, 0)].exp()), "expm");
    }
    let a2 = sym_mul_work(a, a);
    let a4 = sym_mul_work(a2.as_ref(), a2.as_ref());
    let d4 = one_norm(a4.as_ref()).powf(0.25);
    if d4 <= THETA3 {
        return sym_finish(sym_pade_solve(sym_pade_parts(a, 1.0, &[&a2], 3)), 0);
    }
    if d4 <= THETA5 {
        let r = sym_pade_solve(sym_pade_parts(a, 1.0, &[&a2, &a4], 5));
        return sym_finish(r, 0);
    }
    let a6 = sym_mul_work(a2.as_ref(), a4.as_ref());
    let eta = d4.min(one_norm(a6.as_ref()).powf(1.0 / 6.0));
    if eta <= THETA7 {
        let r = sym_pade_solve(sym_pade_parts(a, 1.0, &[&a2, &a4, &a6], 7));
        return sym_finish(r, 0);
    }
    if eta <= THETA9 {
        let a8 = sym_mul_work(a4.as_ref(), a4.as_ref());
        let r = sym_pade_solve(sym_pade_parts(a, 1.0, &[&a2, &a4, &a6, &a8], 9));
        return sym_finish(r, 0);
    }
    if !eta.is_finite() {
        return Err(Error::NonFinite("expm (the norm of A overflows)"));
    }
    let s = ((eta / THETA13).log2().ceil() as i32).clamp(0, 1000);
    let scale = 2f64.powi(-s);
    let mut powers = [a2, a4, a6];
    if s > 0 {
        for (k, p) in powers.iter_mut().enumerate() {
            **p *= faer::Scale(scale.powi(2 * (k as i32 + 1)));
        }
    }
    let [a2, a4, a6] = &powers;
    let r = sym_pade_solve(sym_pade_parts(a, scale, &[a2, a4, a6], 13));
    sym_finish(r, s)
}

/// Squares the symmetric `r ~ exp(2^{-s} A)` `s` times.
fn sym_finish(mut r: Mat<f64>, s: i32) -> Result<Mat<f64>> {
    if s > 0 {
        let mut square = Work::new(r.nrows());
        for _ in 0..s {
            sym_mul_into(&mut square, Accum::Replace, r.as_ref(), r.as_ref(), 1.0);
            std::mem::swap(&mut r, &mut square);
        }
    }
    finite_result(r, "expm")
}

fn is_upper_triangular(a: MatRef<'_, f64>) -> bool {
    (0..a.ncols()).all(|j| (j + 1..a.nrows()).all(|i| a[(i, j)] == 0.0))
}

/// For upper triangular `T = 2^{-k} A`, overwrites the diagonal and first
/// superdiagonal of `X ~ exp(T)` by their exact values (Al-Mohy and Higham
/// 2009, Sec. 2; the superdiagonal is `t_{i,i+1}` times the divided
/// difference of `exp` at the two diagonal entries).
fn fix_triangular(x: &mut Mat<f64>, a: MatRef<'_, f64>, scale: f64) {
    let n = a.nrows();
    for i in 0..n {
        x[(i, i)] = (scale * a[(i, i)]).exp();
    }
    for i in 0..n.saturating_sub(1) {
        let (l1, l2) = (scale * a[(i, i)], scale * a[(i + 1, i + 1)]);
        let (hi, lo) = if l1 >= l2 { (l1, l2) } else { (l2, l1) };
        x[(i, i + 1)] = scale * a[(i, i + 1)] * divided_difference_exp(hi, lo);
    }
}

/// The exponential `exp(A)` of a square real matrix.
///
/// An exactly symmetric `A` takes the symmetric routes of
/// [`crate::matfun::sym_exp`]: below order 128 scaling and squaring with
/// symmetric products and a Cholesky solve (0.11 ms against 0.15 ms for
/// [`expm_pade`] at `n = 64`), from 128 on the eigendecomposition (41 ms
/// against 93 ms at `n = 512`); both backward stable with exactly symmetric
/// output. Any other matrix goes to [`expm_pade`].
///
/// # Errors
/// As [`expm_pade`], and [`Error::NotConverged`] if the symmetric
/// eigensolver fails.
pub fn expm(a: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let n = check_square(a, "expm")?;
    if (0..n).all(|j| (0..j).all(|i| a[(i, j)] == a[(j, i)])) {
        if n < crate::matfun::SYM_EXP_EIGEN_MIN_DIM {
            return expm_pade_symmetric(a);
        }
        let x = crate::matfun::SymEigen::new(a)?.exp();
        return finite_result(x, "expm");
    }
    expm_pade(a)
}

/// The exponential `exp(A)` of a square real matrix by scaling and
/// squaring, for any structure (the algorithm of `scipy.linalg.expm`).
///
/// Scaling and squaring with Pade approximants of degree 3 to 13 chosen by
/// Al-Mohy and Higham's 2009 algorithm (see the module docs).
///
/// Accuracy: on the 32 committed fixtures (`xtask/refdata/expm.py`: random
/// matrices with 1-norms from `1e-3` to 60, large norms, nilpotent,
/// triangular, defective and ill-conditioned-eigenvector cases) the relative
/// 1-norm error against 60-digit mpmath is at most `3.8e-15` on the random
/// cases (SciPy 1.17: `4.4e-14`; `3.8e-15` before the evaluation was
/// reordered for speed, now `1.8e-15`) and `3.4e-14` overall (SciPy: `2.7e-13`);
/// where no mpmath value is stored (`n = 20, 40`) it agrees with SciPy to
/// `4e-16`.
///
/// # Errors
/// [`Error::ShapeMismatch`] if `A` is not square, [`Error::Empty`] if it is
/// `0 x 0`, [`Error::NonFinite`] on NaN or infinite entries or if the result
/// overflows.
pub fn expm_pade(a: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let n = check_square(a, "expm")?;
    if n == 1 {
        return finite_result(Mat::from_fn(1, 1, |_, _| a[(0, 0)].exp()), "expm");
    }
    let triangular = is_upper_triangular(a);
    let norm_a = one_norm(a);
    let mut abs_norms = AbsPowerNorms::new(a);
    let a2 = mul_work(a, a);
    let a4 = mul_work(a2.as_ref(), a2.as_ref());
    let d4 = one_norm(a4.as_ref()).powf(0.25);
    // Degrees 3 and 5 need only A^2 (and A^4); the estimate of ||A^6|| is
    // needed only when d4 admits them.
    if d4 <= THETA5 {
        let d6_loose = one_norm_estimate(&[a2.as_ref(), a2.as_ref(), a2.as_ref()]).powf(1.0 / 6.0);
        let eta1 = d4.max(d6_loose);
        if eta1 <= THETA3 && ell(&mut abs_norms, norm_a, 0, 3) == 0 {
            let r = pade_solve(pade_parts(a, 1.0, &[&a2], 3));
            return finish(r, a, 0, triangular);
        }
        if eta1 <= THETA5 && ell(&mut abs_norms, norm_a, 0, 5) == 0 {
            let r = pade_solve(pade_parts(a, 1.0, &[&a2, &a4], 5));
            return finish(r, a, 0, triangular);
        }
    }
    let a6 = mul_work(a2.as_ref(), a4.as_ref());
    let d6 = one_norm(a6.as_ref()).powf(1.0 / 6.0);
    let d8_loose = one_norm_estimate(&[a4.as_ref(), a4.as_ref()]).powf(1.0 / 8.0);
    let eta3 = d6.max(d8_loose);
    if eta3 <= THETA7 && ell(&mut abs_norms, norm_a, 0, 7) == 0 {
        let r = pade_solve(pade_parts(a, 1.0, &[&a2, &a4, &a6], 7));
        return finish(r, a, 0, triangular);
    }
    if eta3 <= THETA9 && ell(&mut abs_norms, norm_a, 0, 9) == 0 {
        let a8 = mul_work(a4.as_ref(), a4.as_ref());
        let r = pade_solve(pade_parts(a, 1.0, &[&a2, &a4, &a6, &a8], 9));
        return finish(r, a, 0, triangular);
    }
    let d10_loose = one_norm_estimate(&[a4.as_ref(), a6.as_ref()]).powf(0.1);
    let eta5 = eta3.min(d8_loose.max(d10_loose));
    if !eta5.is_finite() {
        return Err(Error::NonFinite("expm (the norm of A overflows)"));
    }
    let mut s = if eta5 == 0.0 {
        0
    } else {
        ((eta5 / THETA13).log2().ceil() as i32).max(0)
    };
    s += ell(&mut abs_norms, norm_a, s, 13);
    // Keep 2^{-s} representable; any larger s overflows the result anyway.
    let s = s.min(1000);
    let scale = 2f64.powi(-s);
    let mut powers = [a2, a4, a6];
    if s > 0 {
        for (k, p) in powers.iter_mut().enumerate() {
            **p *= faer::Scale(scale.powi(2 * (k as i32 + 1)));
        }
    }
    let [a2, a4, a6] = &powers;
    let r = pade_solve(pade_parts(a, scale, &[a2, a4, a6], 13));
    finish(r, a, s, triangular)
}

/// Squares `r ~ exp(2^{-s} A)` `s` times, repairing triangular structure.
fn finish(mut r: Mat<f64>, a: MatRef<'_, f64>, s: i32, triangular: bool) -> Result<Mat<f64>> {
    if triangular {
        fix_triangular(&mut r, a, 2f64.powi(-s));
    }
    if s > 0 {
        let mut square = Work::new(r.nrows());
        for k in (0..s).rev() {
            mul_into(&mut square, Accum::Replace, r.as_ref(), r.as_ref(), 1.0);
            std::mem::swap(&mut r, &mut square);
            if triangular {
                fix_triangular(&mut r, a, 2f64.powi(-k));
            }
        }
    }
    finite_result(r, "expm")
}

fn finite_result(r: Mat<f64>, context: &'static str) -> Result<Mat<f64>> {
    if (0..r.ncols()).all(|j| r.col_as_slice(j).iter().all(|v| v.is_finite())) {
        Ok(r)
    } else {
        Err(Error::NonFinite(context))
    }
}

/// The exponential `exp(A)` and its Frechet derivative `L(A, E)` in the
/// direction `E`, returned as `(exp(A), L(A, E))`.
///
/// `L(A, E)` is the linear term of `exp(A + E) - exp(A)`, equal to
/// `int_0^1 e^{sA} E e^{(1-s)A} ds` and to the top right block of
/// `exp([[A, E], [0, A]])`. Computed by Al-Mohy and Higham's 2009 scaling
/// and squaring algorithm for the Frechet derivative (SIMAX 30(4),
/// Alg. 6.4), the method of `scipy.linalg.expm_frechet`.
///
/// # Errors
/// As [`expm`], plus [`Error::ShapeMismatch`] / [`Error::NonFinite`] for `E`.
pub fn expm_frechet(a: MatRef<'_, f64>, e: MatRef<'_, f64>) -> Result<(Mat<f64>, Mat<f64>)> {
    let n = check_square(a, "expm_frechet")?;
    check_direction(e, n, "expm_frechet direction")?;
    let norm = one_norm(a);
    if !norm.is_finite() {
        return Err(Error::NonFinite("expm_frechet (the norm of A overflows)"));
    }
    let (m, s) = match FRECHET_THETA.iter().find(|(_, theta)| norm <= *theta) {
        Some(&(m, _)) => (m, 0),
        None => {
            let s = ((norm / FRECHET_THETA13).log2().ceil() as i32).clamp(0, 1000);
            (13, s)
        }
    };
    let scale = 2f64.powi(-s);
    let scaled = |x: MatRef<'_, f64>| {
        let mut w = Work::new(n);
        for j in 0..n {
            for (o, v) in w.col_as_slice_mut(j).iter_mut().zip(x.col(j).iter()) {
                *o = scale * v;
            }
        }
        w
    };
    let (a, e) = (scaled(a), scaled(e));
    let (a, e) = (a.as_ref(), e.as_ref());
    let b = pade_coefficients(m);
    // Even powers A^{2k} and their derivatives M_{2k} = d/dt (A + tE)^{2k}.
    let a2 = mul_work(a, a);
    let mut m2 = mul_work(a, e);
    mul_into(&mut m2, Accum::Add, e, a, 1.0);
    let mut powers = vec![a2];
    let mut derivs = vec![m2];
    let needed = if m == 13 { 3 } else { m.div_ceil(2) - 1 };
    while powers.len() < needed {
        let k = powers.len();
        // A^{2(k+1)} = A^{2k} A^2, with the product rule for its derivative.
        let (pk, dk) = (powers[k - 1].as_ref(), derivs[k - 1].as_ref());
        let next = mul_work(pk, powers[0].as_ref());
        let mut dnext = mul_work(pk, derivs[0].as_ref());
        mul_into(&mut dnext, Accum::Add, dk, powers[0].as_ref(), 1.0);
        powers.push(next);
        derivs.push(dnext);
    }
    let (u, v, lu, lv) = if m == 13 {
        let (a2, a4, a6) = (&*powers[0], &*powers[1], &*powers[2]);
        let (m2, m4, m6) = (&*derivs[0], &*derivs[1], &*derivs[2]);
        let w1 = combine(&[(b[13], a6), (b[11], a4), (b[9], a2)], 0.0, n);
        let mut w = combine(&[(b[7], a6), (b[5], a4), (b[3], a2)], b[1], n);
        let z1 = combine(&[(b[12], a6), (b[10], a4), (b[8], a2)], 0.0, n);
        let mut v = combine(&[(b[6], a6), (b[4], a4), (b[2], a2)], b[0], n);
        let (a6_ref, m6_ref) = (a6.as_ref(), m6.as_ref());
        mul_into(&mut w, Accum::Add, a6_ref, w1.as_ref(), 1.0);
        let u = mul_work(a, w.as_ref());
        mul_into(&mut v, Accum::Add, a6_ref, z1.as_ref(), 1.0);
        let lw1 = combine(&[(b[13], m6), (b[11], m4), (b[9], m2)], 0.0, n);
        let mut lw = combine(&[(b[7], m6), (b[5], m4), (b[3], m2)], 0.0, n);
        let lz1 = combine(&[(b[12], m6), (b[10], m4), (b[8], m2)], 0.0, n);
        let mut lv = combine(&[(b[6], m6), (b[4], m4), (b[2], m2)], 0.0, n);
        mul_into(&mut lw, Accum::Add, a6_ref, lw1.as_ref(), 1.0);
        mul_into(&mut lw, Accum::Add, m6_ref, w1.as_ref(), 1.0);
        let mut lu = mul_work(a, lw.as_ref());
        mul_into(&mut lu, Accum::Add, e, w.as_ref(), 1.0);
        mul_into(&mut lv, Accum::Add, a6_ref, lz1.as_ref(), 1.0);
        mul_into(&mut lv, Accum::Add, m6_ref, z1.as_ref(), 1.0);
        (u, v, lu, lv)
    } else {
        let half = m.div_ceil(2);
        let odd: Vec<(f64, &Mat<f64>)> =
            (1..half).map(|k| term(&powers, k, b[2 * k + 1])).collect();
        let even: Vec<(f64, &Mat<f64>)> = (1..half).map(|k| term(&powers, k, b[2 * k])).collect();
        let dodd: Vec<(f64, &Mat<f64>)> =
            (1..half).map(|k| term(&derivs, k, b[2 * k + 1])).collect();
        let deven: Vec<(f64, &Mat<f64>)> = (1..half).map(|k| term(&derivs, k, b[2 * k])).collect();
        let w = combine(&odd, b[1], n);
        let u = mul_work(a, w.as_ref());
        let v = combine(&even, b[0], n);
        let mut lu = mul_work(a, combine(&dodd, 0.0, n).as_ref());
        mul_into(&mut lu, Accum::Add, e, w.as_ref(), 1.0);
        let lv = combine(&deven, 0.0, n);
        (u, v, lu, lv)
    };
    // r = q^{-1} p with q = V - U, p = V + U; differentiating q r = p gives
    // q L = (Lu + Lv) + (Lu - Lv) r. Sums and differences are formed in
    // place: p in U's storage, q in V's, Lu + Lv in Lu's, Lu - Lv in Lv's.
    let (mut p, mut q, mut lsum, mut ldiff) = (u, v, lu, lv);
    for j in 0..n {
        for (pv, qv) in p.col_as_slice_mut(j).iter_mut().zip(q.col_as_slice_mut(j)) {
            let (u, v) = (*pv, *qv);
            *pv = v + u;
            *qv = v - u;
        }
        for (sv, dv) in lsum
            .col_as_slice_mut(j)
            .iter_mut()
            .zip(ldiff.col_as_slice_mut(j))
        {
            let (lu, lv) = (*sv, *dv);
            *sv = lu + lv;
            *dv = lu - lv;
        }
    }
    let factor = LuFactor::new(q.into_inner());
    let mut r = factor.solve(p.into_inner());
    mul_into(&mut lsum, Accum::Add, ldiff.as_ref(), r.as_ref(), 1.0);
    let mut l = factor.solve(lsum.into_inner());
    drop(Work(factor.into_storage()));
    // (R, L) -> (R^2, R L + L R), s times.
    let mut next_r = ldiff;
    let mut next_l = Work::new(n);
    for _ in 0..s {
        mul_into(&mut next_l, Accum::Replace, r.as_ref(), l.as_ref(), 1.0);
        mul_into(&mut next_l, Accum::Add, l.as_ref(), r.as_ref(), 1.0);
        mul_into(&mut next_r, Accum::Replace, r.as_ref(), r.as_ref(), 1.0);
        std::mem::swap(&mut l, &mut next_l);
        std::mem::swap(&mut r, &mut next_r);
    }
    Ok((
        finite_result(r, "expm_frechet")?,
        finite_result(l, "expm_frechet")?,
    ))
}
