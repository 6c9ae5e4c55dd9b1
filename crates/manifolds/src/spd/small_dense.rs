//! Dense kernels on small fixed-order matrices held in stack arrays:
//! Cholesky factorisation, the whitening congruence `L^{-1} B L^{-T}` and its
//! inverse `L M L^T`, products, and the exponential of a symmetric matrix.
//!
//! The batched SPD kernels call these once per pair on matrices of order
//! `n <= 16`, where a general-purpose routine (faer, nalgebra's generic
//! fixed-size code) pays more in dispatch and bookkeeping than the `O(n^3)`
//! arithmetic costs. Matrices are row-major `[[f64; N]; N]` and every inner
//! loop runs along a row (`row_i += f * row_k`), so it vectorises; the
//! callers run them under CPU-feature dispatch (`pulp`), which widens those
//! loops to the SIMD registers of the machine. Nothing here uses fused
//! multiply-adds, so the results do not depend on the instruction set.
//!
//! * Cholesky `A = L L^T`: right-looking (outer-product) form, the trailing
//!   update one row axpy per row (Golub and Van Loan, Matrix Computations,
//!   4th ed., section 4.2.5).
//! * `W = L^{-1} B L^{-T}` for symmetric `B` by two row-oriented forward
//!   substitutions, `X = L^{-1} B` and `W = L^{-1} X^T` (as `W` is symmetric,
//!   `X L^{-T} = (L^{-1} X^T)^T = L^{-1} X^T`), and `L M L^T` by two
//!   triangular products the same way.
//! * `exp(W)` for symmetric `W`: scaling and squaring with the `[13/13]`
//!   Pade approximant (Higham 2005, SIAM J. Matrix Anal. Appl. 26(4)). For
//!   symmetric `W`, `||W||_2 <= eta = min(||W||_1, ||W^4||_1^{1/4})`, and the
//!   Pade backward-error bound holds in the 2-norm with `eta` in place of
//!   the norm (Al-Mohy and Higham 2009, SIAM J. Matrix Anal. Appl. 31(3),
//!   section 4), so `2^{-s} W` with `2^{-s} eta <= theta_13 = 4.25` gives a
//!   backward error below the unit roundoff. The denominator `q_13(W)` is
//!   positive definite there (the only real zero of `q_13` is `17.9`), so
//!   the Pade solve is a Cholesky solve. The powers `W^2, W^4, W^6` are
//!   scaled exactly by powers of two instead of being formed again.
//!
//! Accuracy: see the batched kernels of `super::batch`, which are tested
//! against the faer-based single-pair routines and geomstats fixtures.

/// A square matrix of order `N`, row-major.
pub(crate) type Sq<const N: usize> = [[f64; N]; N];

/// The row-major `N x N` block `s` as a stack array.
#[inline(always)]
pub(crate) fn load<const N: usize>(s: &[f64]) -> Sq<N> {
    let mut a = [[0.0; N]; N];
    for (row, src) in a.iter_mut().zip(s.chunks_exact(N)) {
        row.copy_from_slice(src);
    }
    a
}

/// `(m + m^T) / 2`, written row-major into `out`.
#[inline(always)]
pub(crate) fn store_symmetrised<const N: usize>(m: &Sq<N>, out: &mut [f64]) {
    for (i, row) in out.chunks_exact_mut(N).enumerate().take(N) {
        for (j, x) in row.iter_mut().enumerate() {
            *x = 0.5 * (m[i][j] + m[j][i]);
        }
    }
}

/// `m^T`.
#[inline(always)]
pub(crate) fn transpose<const N: usize>(m: &Sq<N>) -> Sq<N> {
    let mut t = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..N {
            t[j][i] = m[i][j];
        }
    }
    t
}

/// `row += f * x`, elementwise.
#[inline(always)]
fn axpy<const N: usize>(row: &mut [f64; N], f: f64, x: &[f64; N]) {
    for (r, x) in row.iter_mut().zip(x) {
        *r += f * x;
    }
}

/// The Cholesky factor of a symmetric positive definite `A`, with the
/// reciprocals of its diagonal: `(L, 1 / diag L)`, `L` lower triangular
/// (zero above the diagonal). Only the lower triangle of `a` is read.
/// `None` if a pivot is not positive (or not finite).
#[inline(always)]
pub(crate) fn cholesky<const N: usize>(a: &Sq<N>) -> Option<(Sq<N>, [f64; N])> {
    // The trailing block is updated in full (both triangles, from the lower
    // one), so that every update is a whole-row axpy.
    let mut s = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..N {
            s[i][j] = if j <= i { a[i][j] } else { a[j][i] };
        }
    }
    let mut l = [[0.0; N]; N];
    let mut inv_diag = [0.0; N];
    for k in 0..N {
        let pivot = s[k][k];
        if !(pivot > 0.0 && pivot.is_finite()) {
            return None;
        }
        let d = pivot.sqrt();
        let inv = 1.0 / d;
        inv_diag[k] = inv;
        // Column k of L, below the diagonal (zero above and at k, set apart).
        let mut col = [0.0; N];
        for j in k + 1..N {
            col[j] = s[k][j] * inv;
        }
        l[k][k] = d;
        for i in k + 1..N {
            l[i][k] = col[i];
            let f = -col[i];
            axpy(&mut s[i], f, &col);
        }
    }
    Some((l, inv_diag))
}

/// `L^{-1} B` by forward substitution along rows (`L` lower triangular with
/// reciprocal diagonal `inv_diag`).
#[inline(always)]
fn forward_solve<const N: usize>(l: &Sq<N>, inv_diag: &[f64; N], b: &Sq<N>) -> Sq<N> {
    let mut x = [[0.0; N]; N];
    for i in 0..N {
        let mut r = b[i];
        for k in 0..i {
            axpy(&mut r, -l[i][k], &x[k]);
        }
        for v in &mut r {
            *v *= inv_diag[i];
        }
        x[i] = r;
    }
    x
}

/// `L^{-T} B` by back substitution along rows.
#[inline(always)]
fn back_solve_transposed<const N: usize>(l: &Sq<N>, inv_diag: &[f64; N], b: &Sq<N>) -> Sq<N> {
    let mut x = [[0.0; N]; N];
    for i in (0..N).rev() {
        let mut r = b[i];
        for k in i + 1..N {
            axpy(&mut r, -l[k][i], &x[k]);
        }
        for v in &mut r {
            *v *= inv_diag[i];
        }
        x[i] = r;
    }
    x
}

/// `L B` for lower triangular `L`.
#[inline(always)]
fn lower_mul<const N: usize>(l: &Sq<N>, b: &Sq<N>) -> Sq<N> {
    let mut c = [[0.0; N]; N];
    for i in 0..N {
        let mut r = [0.0; N];
        for k in 0..=i {
            axpy(&mut r, l[i][k], &b[k]);
        }
        c[i] = r;
    }
    c
}

/// `W = L^{-1} B L^{-T}` for symmetric `B`, symmetrised.
#[inline(always)]
pub(crate) fn whiten<const N: usize>(l: &Sq<N>, inv_diag: &[f64; N], b: &Sq<N>) -> Sq<N> {
    let x = forward_solve(l, inv_diag, b);
    let w = forward_solve(l, inv_diag, &transpose(&x));
    symmetrised(&w)
}

/// `L M L^T` for symmetric `M` (not symmetrised; the caller stores the
/// symmetric part). As `L M L^T` is symmetric, it equals `L (L M)^T`.
#[inline(always)]
pub(crate) fn colour<const N: usize>(l: &Sq<N>, m: &Sq<N>) -> Sq<N> {
    lower_mul(l, &transpose(&lower_mul(l, m)))
}

/// `(m + m^T) / 2`.
#[inline(always)]
fn symmetrised<const N: usize>(m: &Sq<N>) -> Sq<N> {
    let mut s = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..N {
            s[i][j] = 0.5 * (m[i][j] + m[j][i]);
        }
    }
    s
}

/// `A B`.
#[inline(always)]
pub(crate) fn mul<const N: usize>(a: &Sq<N>, b: &Sq<N>) -> Sq<N> {
    let mut c = [[0.0; N]; N];
    for i in 0..N {
        let mut r = [0.0; N];
        for k in 0..N {
            axpy(&mut r, a[i][k], &b[k]);
        }
        c[i] = r;
    }
    c
}

/// `L U diag(f) U^T L^T` for lower triangular `L` and the orthonormal rows
/// of `vecs` (the columns of `U`): with `G = L U`, `G diag(f) G^T`, one
/// triangular and one full product (`1.5 N^3` multiply-adds instead of
/// `2 N^3` for forming `U diag(f) U^T` first and then [`colour`]). Not
/// symmetrised.
#[inline(always)]
pub(crate) fn colour_spectral<const N: usize>(l: &Sq<N>, vecs: &Sq<N>, f: &[f64; N]) -> Sq<N> {
    let g = lower_mul(l, &transpose(vecs));
    let gt = transpose(&g);
    let mut m = [[0.0; N]; N];
    for i in 0..N {
        let mut r = [0.0; N];
        for k in 0..N {
            axpy(&mut r, g[i][k] * f[k], &gt[k]);
        }
        m[i] = r;
    }
    m
}

/// Largest `eta` for which the `[13/13]` approximant has backward error
/// below the unit roundoff (Al-Mohy and Higham 2009, Table 3.1).
const THETA13: f64 = 4.25;

/// `||m||_1`, the largest absolute column sum (row sum: `m` is symmetric).
#[inline(always)]
fn one_norm<const N: usize>(m: &Sq<N>) -> f64 {
    m.iter()
        .map(|row| row.iter().map(|x| x.abs()).sum::<f64>())
        .fold(0.0, f64::max)
}

/// `sum_k c_k M_k + c_0 I` over the pairs `(c_k, M_k)`.
#[inline(always)]
fn combination<const N: usize>(terms: [(f64, &Sq<N>); 3], c0: f64) -> Sq<N> {
    let mut s = [[0.0; N]; N];
    for (c, m) in terms {
        for (row, src) in s.iter_mut().zip(m) {
            axpy(row, c, src);
        }
    }
    for (i, row) in s.iter_mut().enumerate() {
        row[i] += c0;
    }
    s
}

/// `m * f`, elementwise.
#[inline(always)]
fn scaled<const N: usize>(m: &Sq<N>, f: f64) -> Sq<N> {
    let mut s = *m;
    for row in &mut s {
        for x in row {
            *x *= f;
        }
    }
    s
}

/// `exp(W)` for symmetric `W` by scaling and squaring with the `[13/13]`
/// Pade approximant (see the module docs), symmetrised. `None` if `W` is
/// not finite, its norm asks for more than 64 squarings (the result would
/// overflow), or the Pade denominator is not numerically positive
/// definite; the caller then takes the spectral route, which reports those
/// cases precisely.
#[inline(always)]
pub(crate) fn sym_expm<const N: usize>(w: &Sq<N>) -> Option<Sq<N>> {
    let w2 = mul(w, w);
    let w4 = mul(&w2, &w2);
    let eta = one_norm(w).min(one_norm(&w4).sqrt().sqrt());
    if !eta.is_finite() {
        return None;
    }
    let s = if eta > THETA13 {
        (eta / THETA13).log2().ceil() as i32
    } else {
        0
    };
    if s > 64 {
        return None;
    }
    // Scaling by 2^{-s} is exact, on W and on each power formed from it.
    let f = 0.5f64.powi(s);
    let (w, w2, w4) = (scaled(w, f), scaled(&w2, f * f), scaled(&w4, f.powi(4)));
    let w6 = mul(&w4, &w2);
    let b = &sobolev_linalg::expm::PADE13;
    // U = W (W6 (b13 W6 + b11 W4 + b9 W2) + b7 W6 + b5 W4 + b3 W2 + b1 I),
    // V = W6 (b12 W6 + b10 W4 + b8 W2) + b6 W6 + b4 W4 + b2 W2 + b0 I.
    let mut u_inner = mul(
        &w6,
        &combination([(b[13], &w6), (b[11], &w4), (b[9], &w2)], 0.0),
    );
    let low_u = combination([(b[7], &w6), (b[5], &w4), (b[3], &w2)], b[1]);
    let mut v = mul(
        &w6,
        &combination([(b[12], &w6), (b[10], &w4), (b[8], &w2)], 0.0),
    );
    let low_v = combination([(b[6], &w6), (b[4], &w4), (b[2], &w2)], b[0]);
    for i in 0..N {
        for j in 0..N {
            u_inner[i][j] += low_u[i][j];
            v[i][j] += low_v[i][j];
        }
    }
    let u = mul(&w, &u_inner);
    // Solve (V - U) R = V + U; U and V are polynomials in W, so symmetric
    // up to rounding: the Cholesky factorisation reads the lower triangle.
    let mut numerator = v;
    let mut denominator = v;
    for i in 0..N {
        for j in 0..N {
            numerator[i][j] += u[i][j];
            denominator[i][j] -= u[i][j];
        }
    }
    let (lq, inv_diag) = cholesky(&denominator)?;
    let mut r = back_solve_transposed(&lq, &inv_diag, &forward_solve(&lq, &inv_diag, &numerator));
    r = symmetrised(&r);
    for _ in 0..s {
        r = symmetrised(&mul(&r, &r));
    }
    r.iter().flatten().all(|x| x.is_finite()).then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use rand_distr::StandardNormal;

    fn to_mat<const N: usize>(a: &Sq<N>) -> Mat<f64> {
        Mat::from_fn(N, N, |i, j| a[i][j])
    }

    fn max_diff<const N: usize>(a: &Sq<N>, b: &Mat<f64>) -> f64 {
        let mut m = 0.0_f64;
        for i in 0..N {
            for j in 0..N {
                m = m.max((a[i][j] - b[(i, j)]).abs());
            }
        }
        m
    }

    fn random_spd<const N: usize>(rng: &mut ChaCha8Rng) -> Sq<N> {
        let g: Sq<N> = std::array::from_fn(|_| std::array::from_fn(|_| rng.sample(StandardNormal)));
        let mut a = mul(&g, &transpose(&g));
        for (i, row) in a.iter_mut().enumerate() {
            row[i] += 0.1;
        }
        symmetrised(&a)
    }

    fn random_symmetric<const N: usize>(rng: &mut ChaCha8Rng, scale: f64) -> Sq<N> {
        let g: Sq<N> = std::array::from_fn(|_| {
            std::array::from_fn(|_| scale * rng.sample::<f64, _>(StandardNormal))
        });
        symmetrised(&g)
    }

    /// Cholesky, whitening and colouring against faer's Cholesky and
    /// triangular solves: `L L^T = A`, `L W L^T = B`.
    fn check_congruences<const N: usize>(rng: &mut ChaCha8Rng) {
        for _ in 0..50 {
            let (a, b) = (random_spd::<N>(rng), random_symmetric::<N>(rng, 1.0));
            let (l, inv_diag) = cholesky(&a).unwrap();
            let want = to_mat(&a).llt(faer::Side::Lower).unwrap().L().to_owned();
            let big = want.norm_max();
            assert!(max_diff(&l, &want) <= 1e-14 * big, "cholesky N = {N}");
            let w = whiten(&l, &inv_diag, &b);
            // W = L^{-1} B L^{-T} from faer's triangular solves.
            let want_w = crate::spd::whiten(to_mat(&l).as_ref(), to_mat(&b).as_ref());
            let scale = want_w.norm_max();
            assert!(max_diff(&w, &want_w) <= 1e-12 * scale, "whiten N = {N}");
            let back = colour(&l, &w);
            assert!(
                max_diff(&back, &to_mat(&b)) <= 1e-12 * scale * big,
                "colour N = {N}"
            );
        }
    }

    #[test]
    fn congruences_agree_with_faer() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        check_congruences::<1>(&mut rng);
        check_congruences::<2>(&mut rng);
        check_congruences::<5>(&mut rng);
        check_congruences::<16>(&mut rng);
    }

    #[test]
    fn cholesky_refuses_indefinite_and_non_finite() {
        assert!(cholesky(&[[1.0, 2.0], [2.0, 1.0]]).is_none());
        assert!(cholesky(&[[1.0, 0.0], [0.0, f64::NAN]]).is_none());
        assert!(cholesky(&[[0.0; 3]; 3]).is_none());
    }

    /// `exp(W)` against the spectral form `U diag(e^l) U^T` from faer's
    /// symmetric eigendecomposition, relative to `||exp(W)||_max`, over
    /// norms that need no squaring up to several squarings.
    fn check_expm<const N: usize>(rng: &mut ChaCha8Rng) -> f64 {
        let mut worst = 0.0_f64;
        for scale in [1e-12, 1e-3, 0.1, 0.5, 1.0, 3.0, 8.0] {
            for _ in 0..20 {
                let w = random_symmetric::<N>(rng, scale);
                let e = sym_expm(&w).unwrap();
                let eig = to_mat(&w).self_adjoint_eigen(faer::Side::Lower).unwrap();
                let (u, s) = (eig.U(), eig.S());
                let want = Mat::from_fn(N, N, |i, j| {
                    (0..N)
                        .map(|k| u[(i, k)] * s[k].exp() * u[(j, k)])
                        .sum::<f64>()
                });
                let err = max_diff(&e, &want) / want.norm_max();
                assert!(err <= 1e-13, "expm N = {N}, scale {scale}: {err:e}");
                worst = worst.max(err);
            }
        }
        worst
    }

    #[test]
    fn symmetric_expm_agrees_with_the_spectral_form() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        check_expm::<1>(&mut rng);
        check_expm::<2>(&mut rng);
        check_expm::<3>(&mut rng);
        check_expm::<7>(&mut rng);
        let worst = check_expm::<16>(&mut rng);
        eprintln!("expm N = 16: worst relative error {worst:.1e}");
    }

    #[test]
    fn symmetric_expm_closed_forms() {
        // exp(0) = I, exp(diag) = diag(e^d), exp of a 2x2 rotation generator
        // in the symmetric form [[0, t], [t, 0]] = [[cosh t, sinh t], ...].
        let e = sym_expm(&[[0.0; 4]; 4]).unwrap();
        for i in 0..4 {
            for j in 0..4 {
                assert_eq!(e[i][j], if i == j { 1.0 } else { 0.0 });
            }
        }
        let e = sym_expm(&[[-20.0, 0.0], [0.0, 30.0]]).unwrap();
        assert!((e[0][0] / (-20f64).exp() - 1.0).abs() < 1e-13);
        assert!((e[1][1] / 30f64.exp() - 1.0).abs() < 1e-13);
        assert_eq!(e[0][1], 0.0);
        let t = 2.5f64;
        let e = sym_expm(&[[0.0, t], [t, 0.0]]).unwrap();
        assert!((e[0][0] - t.cosh()).abs() < 1e-14 * t.cosh());
        assert!((e[0][1] - t.sinh()).abs() < 1e-14 * t.cosh());
        assert!(sym_expm(&[[f64::NAN, 0.0], [0.0, 1.0]]).is_none());
        assert!(sym_expm(&[[1e300, 0.0], [0.0, 1.0]]).is_none());
    }
}
