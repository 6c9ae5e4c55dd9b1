//! Symmetric eigendecomposition of small fixed-size matrices on the stack.
//!
//! The batched SPD kernels spend most of their time in one symmetric
//! eigenproblem of order `n <= 16` per pair, where a general-purpose solver
//! pays for its generality. This module holds two solvers on plain arrays
//! (`[[f64; N]; N]`, row-major; eigenvectors are returned as the rows of an
//! array), both normwise backward stable, so eigenvalues are accurate to a
//! small multiple of `eps * max |l_i|`:
//!
//! * `n = 3`: eigenvalues of `B = (A - q I) / p` (`q = tr A / 3`, `p^2 =
//!   ||A - q I||_F^2 / 6`) are `2 cos(phi + 2 pi k / 3)` with `3 phi =
//!   acos(det B / 2)` (Smith 1961). Only the eigenvalue that is isolated
//!   from the other two is taken from this formula (the one of largest
//!   modulus; its condition does not degrade when the other two coalesce):
//!   its eigenvector is the largest cross product of two rows of
//!   `B - beta I` (Kopp 2008, Eberly 2014). The other two eigenpairs come
//!   from one Jacobi rotation of the 2x2 matrix `B` induces on the plane
//!   orthogonal to it, which stays accurate for (nearly) repeated
//!   eigenvalues, where the trigonometric formula loses half the digits.
//! * other orders: Householder reduction to tridiagonal form, then the
//!   implicit QL iteration with Wilkinson-type shifts and deflation on
//!   `|e_k| <= eps (|d_k| + |d_k+1|)` (Bowdler, Martin, Reinsch and
//!   Wilkinson 1968; Golub and Van Loan, Matrix Computations, 4th ed.,
//!   sections 8.3.1 and 8.3.5), with the eigenvectors kept as rows so the
//!   plane rotations touch contiguous memory. The eigenvalue-only variant
//!   skips the accumulation of the reflections and runs the
//!   square-root-free QL of Pal, Walker and Kahan on the squared
//!   off-diagonal (`O(n^2)` after the `4/3 n^3` reduction).
//!
//! The QL sweeps are a serial chain of square roots and divisions, which
//! leaves most of the processor idle. The batched kernels therefore solve
//! [`LANES`] matrices together, in SIMD lanes with masks: every matrix
//! keeps its own shifts, deflation points and iteration counts, and a lane
//! that is done (or whose sweep is shorter) keeps its values. With
//! eigenvectors, each lane's rotations are recorded during the sweep and
//! applied to its eigenvector rows afterwards, in the sweep's order, so
//! the lanes do not carry the `O(n)` row updates and no work is masked
//! there. Both give exactly the results of the one-matrix solvers. Each
//! rotation takes one division (`1 / r`, then two products), since the
//! divider, not the multipliers, bounds the sweeps. The reduction's loops
//! run over whole rows of fixed length, so they vectorise, and it builds
//! `Q^T` from the front, in the row layout the rotations use.
//!
//! The input is scaled by its largest entry first, so no intermediate
//! overflows and the squares in the rotations need no `hypot`.
//!
//! Measured accuracy (unit tests below; random matrices, clustered and
//! repeated spectra, and SPD spectra spread over 1e-8..1e8): the largest of
//! the eigenvalue differences to faer's `self_adjoint_eigenvalues`, the
//! residuals `|A v_k - l_k v_k|` and the orthogonality defects, relative to
//! `max |l_i|`, is 1.3e-15 for n = 3, 2.2e-15 for n = 4, 5, 3.3e-15 for
//! n = 7, 3.7e-15 for n = 11 and 4.2e-15 for n = 16.

/// Iteration cap per eigenvalue of the implicit QL; two or three iterations
/// per eigenvalue are typical, the cap only guards pathological input.
const QL_MAX_ITER: usize = 60;

/// Eigenvalues `l` and eigenvectors of the symmetric matrix `a` (only its
/// values are read, both triangles; the caller makes it symmetric):
/// `a v_k = l_k v_k` with `v_k = vecs[k]`, orthonormal. Eigenvalues are not
/// sorted. `None` if `a` holds a non-finite value or the QL iteration does
/// not converge.
#[inline(always)]
pub(crate) fn sym_eigh<const N: usize>(a: &[[f64; N]; N]) -> Option<([f64; N], [[f64; N]; N])> {
    let (mut s, scale) = scaled(a)?;
    let mut vals = [0.0; N];
    let mut vecs = [[0.0; N]; N];
    if scale == 0.0 {
        for (k, v) in vecs.iter_mut().enumerate() {
            v[k] = 1.0;
        }
        return Some((vals, vecs));
    }
    match N {
        1 => {
            vals[0] = s[0][0];
            vecs[0][0] = 1.0;
        }
        3 => {
            let m = [
                [s[0][0], s[0][1], s[0][2]],
                [s[1][0], s[1][1], s[1][2]],
                [s[2][0], s[2][1], s[2][2]],
            ];
            let (l3, v3) = match eigh3(&m) {
                Some(r) => r,
                None => ql_eigh::<3, true>(&mut m.clone())?,
            };
            for k in 0..3 {
                vals[k] = l3[k];
                for i in 0..3 {
                    vecs[k][i] = v3[k][i];
                }
            }
        }
        _ => (vals, vecs) = ql_eigh::<N, true>(&mut s)?,
    }
    for l in &mut vals {
        *l *= scale;
    }
    Some((vals, vecs))
}

/// Eigenvalues of the symmetric matrix `a`, unsorted; `None` as for
/// [`sym_eigh`].
#[inline(always)]
pub(crate) fn sym_eigvals<const N: usize>(a: &[[f64; N]; N]) -> Option<[f64; N]> {
    if N == 3 {
        // The closed form needs one eigenvector anyway.
        return sym_eigh(a).map(|(l, _)| l);
    }
    let (mut s, scale) = scaled(a)?;
    if scale == 0.0 {
        return Some([0.0; N]);
    }
    let (mut vals, _) = ql_eigh::<N, false>(&mut s)?;
    for l in &mut vals {
        *l *= scale;
    }
    Some(vals)
}

/// `a / max |a_ij|` and the scale; `None` if an entry is not finite.
#[inline(always)]
fn scaled<const N: usize>(a: &[[f64; N]; N]) -> Option<([[f64; N]; N], f64)> {
    let mut scale = 0.0_f64;
    for row in a {
        for x in row {
            if !x.is_finite() {
                return None;
            }
            scale = scale.max(x.abs());
        }
    }
    let mut s = *a;
    if scale > 0.0 {
        let inv = 1.0 / scale;
        for row in &mut s {
            for x in row {
                *x *= inv;
            }
        }
    }
    Some((s, scale))
}

/// The Jacobi rotation that diagonalises `[[a, b], [b, c]]`:
/// `(l0, l1, cos, sin)` with eigenvectors `(cos, -sin)` for `l0` and
/// `(sin, cos)` for `l1`.
#[inline(always)]
fn jacobi2(a: f64, b: f64, c: f64) -> (f64, f64, f64, f64) {
    if b == 0.0 {
        return (a, c, 1.0, 0.0);
    }
    // tan of the rotation angle: the root of t^2 + 2 theta t - 1 = 0 of
    // smaller modulus, written without cancellation.
    let theta = (c - a) / (2.0 * b);
    let t = if theta.abs() > 1e150 {
        0.5 / theta
    } else {
        theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt())
    };
    let cs = 1.0 / (t * t + 1.0).sqrt();
    (a - t * b, c + t * b, cs, t * cs)
}

#[inline(always)]
fn cross(x: &[f64; 3], y: &[f64; 3]) -> [f64; 3] {
    [
        x[1] * y[2] - x[2] * y[1],
        x[2] * y[0] - x[0] * y[2],
        x[0] * y[1] - x[1] * y[0],
    ]
}

#[inline(always)]
fn dot3(x: &[f64; 3], y: &[f64; 3]) -> f64 {
    x[0] * y[0] + x[1] * y[1] + x[2] * y[2]
}

#[inline(always)]
fn mat_vec3(m: &[[f64; 3]; 3], x: &[f64; 3]) -> [f64; 3] {
    [dot3(&m[0], x), dot3(&m[1], x), dot3(&m[2], x)]
}

/// Closed-form eigenpairs of a symmetric 3x3 matrix with entries of size at
/// most one; `None` when the isolated eigenvector cannot be formed (all
/// rows of `B - beta I` parallel), for the caller to fall back to QL.
#[inline(always)]
fn eigh3(a: &[[f64; 3]; 3]) -> Option<([f64; 3], [[f64; 3]; 3])> {
    let off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
    if off == 0.0 {
        let vecs = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        return Some(([a[0][0], a[1][1], a[2][2]], vecs));
    }
    let q = (a[0][0] + a[1][1] + a[2][2]) / 3.0;
    let (b00, b11, b22) = (a[0][0] - q, a[1][1] - q, a[2][2] - q);
    let p = ((b00 * b00 + b11 * b11 + b22 * b22 + 2.0 * off) / 6.0).sqrt();
    let ip = 1.0 / p;
    // B = (A - q I) / p: eigenvalues in [-2, 2], trace 0.
    let b = [
        [b00 * ip, a[0][1] * ip, a[0][2] * ip],
        [a[1][0] * ip, b11 * ip, a[1][2] * ip],
        [a[2][0] * ip, a[2][1] * ip, b22 * ip],
    ];
    let half_det = 0.5
        * (b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1])
            - b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0])
            + b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0]));
    let phi = half_det.clamp(-1.0, 1.0).acos() / 3.0;
    // det B >= 0: the largest eigenvalue is the isolated one; else the
    // smallest.
    let beta = if half_det >= 0.0 {
        2.0 * phi.cos()
    } else {
        2.0 * (phi + 2.0 * std::f64::consts::FRAC_PI_3).cos()
    };
    let rows = [
        [b[0][0] - beta, b[0][1], b[0][2]],
        [b[1][0], b[1][1] - beta, b[1][2]],
        [b[2][0], b[2][1], b[2][2] - beta],
    ];
    let candidates = [
        cross(&rows[0], &rows[1]),
        cross(&rows[0], &rows[2]),
        cross(&rows[1], &rows[2]),
    ];
    let mut w = candidates[0];
    let mut best = dot3(&w, &w);
    for c in &candidates[1..] {
        let n2 = dot3(c, c);
        if n2 > best {
            best = n2;
            w = *c;
        }
    }
    // The two other singular values of B - beta I are at least about 1.5,
    // so a much smaller cross product means something degenerate.
    if !(best > 1e-6) {
        return None;
    }
    let inv = 1.0 / best.sqrt();
    let w = [w[0] * inv, w[1] * inv, w[2] * inv];
    // An orthonormal basis (u, v) of the plane orthogonal to w.
    let u = if w[0].abs() > w[1].abs() {
        let r = 1.0 / (w[0] * w[0] + w[2] * w[2]).sqrt();
        [-w[2] * r, 0.0, w[0] * r]
    } else {
        let r = 1.0 / (w[1] * w[1] + w[2] * w[2]).sqrt();
        [0.0, w[2] * r, -w[1] * r]
    };
    let v = cross(&w, &u);
    let (bu, bv, bw) = (mat_vec3(&b, &u), mat_vec3(&b, &v), mat_vec3(&b, &w));
    let (m00, m01, m11) = (
        dot3(&u, &bu),
        0.5 * (dot3(&u, &bv) + dot3(&v, &bu)),
        dot3(&v, &bv),
    );
    let (mu0, mu1, c, s) = jacobi2(m00, m01, m11);
    let beta_w = dot3(&w, &bw);
    let vals = [q + p * beta_w, q + p * mu0, q + p * mu1];
    let vecs = [
        w,
        [
            c * u[0] - s * v[0],
            c * u[1] - s * v[1],
            c * u[2] - s * v[2],
        ],
        [
            s * u[0] + c * v[0],
            s * u[1] + c * v[1],
            s * u[2] + c * v[2],
        ],
    ];
    Some((vals, vecs))
}

/// Householder tridiagonalisation and implicit QL on the (scaled, entries
/// at most one) symmetric matrix `a`, which is overwritten. With `VECTORS`
/// the eigenvectors are the rows of the second array; without, that array
/// is left at zero.
#[inline(always)]
fn ql_eigh<const N: usize, const VECTORS: bool>(
    a: &mut [[f64; N]; N],
) -> Option<([f64; N], [[f64; N]; N])> {
    let mut z = [[0.0; N]; N];
    let (mut d, mut e) = tridiagonalise::<N, VECTORS>(a, &mut z);
    if !VECTORS {
        return root_free_ql(d, e).map(|d| (d, z));
    }
    // Implicit QL with deflation. Rotations of Z's columns i, i+1 are
    // rotations of rows i, i+1 of Z^T.
    for l in 0..N {
        let mut iter = 0;
        loop {
            let m = deflation_index(&d, &e, l);
            if m == l {
                break;
            }
            iter += 1;
            if iter > QL_MAX_ITER {
                return None;
            }
            // Wilkinson-type shift from the leading 2x2 block.
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let r = (g * g + 1.0).sqrt();
            g = d[m] - d[l] + e[l] / (g + if g >= 0.0 { r } else { -r });
            let (mut s, mut c, mut shift) = (1.0, 1.0, 0.0);
            let mut underflow = false;
            for i in (l..m).rev() {
                let f = s * e[i];
                let b = c * e[i];
                let r = (f * f + g * g).sqrt();
                e[i + 1] = r;
                if r == 0.0 {
                    // The bulge vanished: deflate and restart.
                    d[i + 1] -= shift;
                    e[m] = 0.0;
                    underflow = true;
                    break;
                }
                // One division for both (the divider, not the
                // multipliers, bounds the sweep).
                let inv_r = 1.0 / r;
                s = f * inv_r;
                c = g * inv_r;
                g = d[i + 1] - shift;
                let t = (d[i] - g) * s + 2.0 * c * b;
                shift = s * t;
                d[i + 1] = g + shift;
                g = c * t - b;
                let (lo, hi) = z.split_at_mut(i + 1);
                let (zi, zi1) = (&mut lo[i], &mut hi[0]);
                for (x, y) in zi.iter_mut().zip(zi1.iter_mut()) {
                    let (xi, yi) = (*x, *y);
                    *y = s * xi + c * yi;
                    *x = c * xi - s * yi;
                }
            }
            if underflow {
                continue;
            }
            d[l] -= shift;
            e[l] = g;
            e[m] = 0.0;
        }
    }
    if d.iter().any(|x| !x.is_finite()) {
        return None;
    }
    Some((d, z))
}

/// The first `m >= l` at which the tridiagonal matrix `(d, e)` splits
/// (`|e_m| <= eps (|d_m| + |d_m+1|)`, or `m = N - 1`).
#[inline(always)]
fn deflation_index<const N: usize>(d: &[f64; N], e: &[f64; N], l: usize) -> usize {
    let mut m = l;
    while m + 1 < N {
        let dd = d[m].abs() + d[m + 1].abs();
        if e[m].abs() <= f64::EPSILON * dd || e[m].abs() < f64::MIN_POSITIVE {
            break;
        }
        m += 1;
    }
    m
}

/// Householder reduction of the symmetric `a` (overwritten) to the
/// tridiagonal `(d, e)`, `e[k]` coupling `d[k]` and `d[k + 1]`; with
/// `VECTORS` also `Z = Q^T` into `z` (rows are the columns of `Q`,
/// `A = Q T Q^T`), else `z` is left alone.
#[inline(always)]
fn tridiagonalise<const N: usize, const VECTORS: bool>(
    a: &mut [[f64; N]; N],
    z: &mut [[f64; N]; N],
) -> ([f64; N], [f64; N]) {
    let mut d = [0.0; N];
    // e[k] couples d[k] and d[k + 1]; e[N - 1] = 0.
    let mut e = [0.0; N];
    // Householder vectors (v, tau) of the reflections H_k = I - tau v v^T
    // acting on indices k+1..N; v is stored in row k of `a` right of the
    // diagonal once the row is reduced.
    let mut taus = [0.0; N];
    for k in 0..N.saturating_sub(2) {
        let x = &a[k][k + 1..];
        let mut tail = 0.0;
        for t in &x[1..] {
            tail += t * t;
        }
        d[k] = a[k][k];
        if tail == 0.0 {
            e[k] = x[0];
            taus[k] = 0.0;
            continue;
        }
        let norm = (x[0] * x[0] + tail).sqrt();
        let alpha = if x[0] > 0.0 { -norm } else { norm };
        let mut v = [0.0; N];
        v[k + 1..].copy_from_slice(x);
        v[k + 1] -= alpha;
        let vv = v[k + 1] * v[k + 1] + tail;
        let tau = 2.0 / vv;
        e[k] = alpha;
        taus[k] = tau;
        // p = tau A22 v, w = p - (tau / 2) (p . v) v, A22 -= v w^T + w v^T.
        // A22 is symmetric, so A22 v is a sum of its rows; the loops run
        // over whole rows (fixed length, so they vectorise): `v` and `p`
        // vanish at indices <= k, where the rows are left exactly as they
        // are.
        let mut p = [0.0; N];
        for j in k + 1..N {
            let vj = v[j];
            for (pi, aj) in p.iter_mut().zip(&a[j]) {
                *pi += vj * aj;
            }
        }
        let mut pv = 0.0;
        for i in 0..N {
            p[i] = if i > k { tau * p[i] } else { 0.0 };
            pv += p[i] * v[i];
        }
        let h = 0.5 * tau * pv;
        for i in k + 1..N {
            p[i] -= h * v[i];
        }
        for i in k + 1..N {
            let (vi, wi) = (v[i], p[i]);
            for j in 0..N {
                a[i][j] -= vi * p[j] + wi * v[j];
            }
        }
        a[k][k + 1..].copy_from_slice(&v[k + 1..]);
    }
    if N >= 2 {
        d[N - 2] = a[N - 2][N - 2];
        e[N - 2] = a[N - 2][N - 1];
    }
    d[N - 1] = a[N - 1][N - 1];

    // Z = Q^T = H_{N-3} ... H_0 (the reflections are symmetric), built
    // from the front in place, Z <- H_k Z = Z - tau v (v^T Z): a sum of
    // rows and a rank-one row update, on whole rows. Rows of Z are the
    // columns of Q, the layout the QL rotations want.
    if VECTORS {
        for (k, row) in z.iter_mut().enumerate() {
            row.fill(0.0);
            row[k] = 1.0;
        }
        for k in 0..N.saturating_sub(2) {
            let tau = taus[k];
            if tau == 0.0 {
                continue;
            }
            let v = &a[k];
            let mut u = [0.0; N];
            for j in k + 1..N {
                let vj = v[j];
                for (ui, zj) in u.iter_mut().zip(&z[j]) {
                    *ui += vj * zj;
                }
            }
            for i in k + 1..N {
                let f = tau * v[i];
                for (zi, ui) in z[i].iter_mut().zip(&u) {
                    *zi -= f * ui;
                }
            }
        }
    }
    (d, e)
}

/// Eigenvalues of the symmetric tridiagonal matrix with diagonal `d` and
/// off-diagonal `e` (`e[k]` couples `k` and `k + 1`) by the square-root-free
/// QL iteration of Pal, Walker and Kahan (Parlett, The Symmetric
/// Eigenvalue Problem, section 8.15; LAPACK's `dsterf`): it carries the
/// squares `e_k^2` and needs no square root per rotation, which shortens
/// the serial chain of each sweep. 2x2 blocks are finished by a Jacobi
/// rotation; the shift and the deflation test are those of the QL with
/// vectors.
#[inline(always)]
fn root_free_ql<const N: usize>(mut d: [f64; N], e: [f64; N]) -> Option<[f64; N]> {
    let mut e2 = e.map(|x| x * x);
    for l in 0..N {
        let mut iter = 0;
        loop {
            let m = deflation_index_squared(&d, &e2, l);
            if m == l {
                break;
            }
            if m == l + 1 {
                let (a, c, _, _) = jacobi2(d[l], e2[l].sqrt(), d[l + 1]);
                d[l] = a;
                d[l + 1] = c;
                e2[l] = 0.0;
                break;
            }
            iter += 1;
            if iter > QL_MAX_ITER {
                return None;
            }
            let rte = e2[l].sqrt();
            let g = (d[l + 1] - d[l]) / (2.0 * rte);
            let r = (g * g + 1.0).sqrt();
            let sigma = d[l] - rte / (g + if g >= 0.0 { r } else { -r });
            let (mut c, mut s) = (1.0, 0.0);
            let mut gamma = d[m] - sigma;
            let mut p = gamma * gamma;
            for i in (l..m).rev() {
                let bb = e2[i];
                let r = p + bb;
                if i + 1 != m {
                    e2[i + 1] = s * r;
                }
                let old_c = c;
                c = p / r;
                s = bb / r;
                let old_gamma = gamma;
                let alpha = d[i];
                gamma = c * (alpha - sigma) - s * old_gamma;
                d[i + 1] = old_gamma + (alpha - gamma);
                p = if c != 0.0 {
                    gamma * gamma / c
                } else {
                    old_c * bb
                };
            }
            e2[l] = s * p;
            d[l] = sigma + gamma;
        }
    }
    d.iter().all(|x| x.is_finite()).then_some(d)
}

/// [`deflation_index`] on the squared off-diagonal `e2`.
#[inline(always)]
fn deflation_index_squared<const N: usize>(d: &[f64; N], e2: &[f64; N], l: usize) -> usize {
    let mut m = l;
    while m + 1 < N {
        let dd = d[m].abs() + d[m + 1].abs();
        if e2[m] <= (f64::EPSILON * dd) * (f64::EPSILON * dd) || e2[m] < f64::MIN_POSITIVE {
            break;
        }
        m += 1;
    }
    m
}

/// Matrices solved side by side by the lockstep solvers.
pub(crate) const LANES: usize = 4;

/// One value per lane.
type Lanes = [f64; LANES];

/// The eigenvalues and eigenvectors (rows) of [`LANES`] matrices of order
/// `N`.
pub(crate) type EigenLanes<const N: usize> = ([[f64; N]; LANES], [[[f64; N]; N]; LANES]);

/// [`sym_eigh`] on [`LANES`] matrices at once, with the same results bit
/// for bit. The QL sweeps, whose serial chain of square roots and
/// divisions bounds the single-matrix solver, are interleaved (see
/// [`ql_interleaved`]): each matrix follows its own iteration, and the
/// processor overlaps the chains of the different matrices. `None` if any
/// matrix fails as in [`sym_eigh`].
#[inline(always)]
pub(crate) fn sym_eigh_lanes<const N: usize>(a: &[[[f64; N]; N]; LANES]) -> Option<EigenLanes<N>> {
    let mut vals = [[0.0; N]; LANES];
    let mut vecs = [[[0.0; N]; N]; LANES];
    if N < 4 {
        for k in 0..LANES {
            (vals[k], vecs[k]) = sym_eigh(&a[k])?;
        }
        return Some((vals, vecs));
    }
    let mut d = [[0.0; N]; LANES];
    let mut e = [[0.0; N]; LANES];
    let mut scales = [0.0; LANES];
    for k in 0..LANES {
        let (mut s, scale) = scaled(&a[k])?;
        scales[k] = scale;
        (d[k], e[k]) = tridiagonalise::<N, true>(&mut s, &mut vecs[k]);
    }
    let mut dl = [[0.0; LANES]; N];
    let mut el = [[0.0; LANES]; N];
    for k in 0..LANES {
        for i in 0..N {
            dl[i][k] = d[k][i];
            el[i][k] = e[k][i];
        }
    }
    ql_lockstep(&mut dl, &mut el, &mut vecs)?;
    for k in 0..LANES {
        for i in 0..N {
            vals[k][i] = dl[i][k] * scales[k];
        }
    }
    Some((vals, vecs))
}

/// [`sym_eigvals`] on [`LANES`] matrices at once, bit for bit. The
/// square-root-free QL runs in lockstep: every quantity is a vector of one value per
/// matrix, each matrix with its own shift and deflation point, and a
/// matrix that has deflated (or whose sweep is shorter) is masked, so the
/// sweeps' arithmetic is vectorised across the matrices.
#[inline(always)]
pub(crate) fn sym_eigvals_lanes<const N: usize>(
    a: &[[[f64; N]; N]; LANES],
) -> Option<[[f64; N]; LANES]> {
    let mut vals = [[0.0; N]; LANES];
    if N < 4 {
        for k in 0..LANES {
            vals[k] = sym_eigvals(&a[k])?;
        }
        return Some(vals);
    }
    let mut d = [[0.0; LANES]; N];
    let mut e2 = [[0.0; LANES]; N];
    let mut scales = [0.0; LANES];
    for k in 0..LANES {
        let (mut s, scale) = scaled(&a[k])?;
        scales[k] = scale;
        let (dk, ek) = tridiagonalise::<N, false>(&mut s, &mut [[0.0; N]; N]);
        for i in 0..N {
            d[i][k] = dk[i];
            e2[i][k] = ek[i] * ek[i];
        }
    }
    root_free_ql_lanes(&mut d, &mut e2)?;
    for k in 0..LANES {
        for i in 0..N {
            vals[k][i] = d[i][k] * scales[k];
        }
    }
    Some(vals)
}

/// [`deflation_index`] (or, with `SQUARED`, [`deflation_index_squared`])
/// of lane `k` of the lane-major `d`, `e`.
#[inline(always)]
fn deflation_index_lane<const N: usize, const SQUARED: bool>(
    d: &[Lanes; N],
    e: &[Lanes; N],
    l: usize,
    k: usize,
) -> usize {
    let mut m = l;
    while m + 1 < N {
        let tol = f64::EPSILON * (d[m][k].abs() + d[m + 1][k].abs());
        let x = e[m][k];
        let small = if SQUARED {
            x <= tol * tol || x < f64::MIN_POSITIVE
        } else {
            x.abs() <= tol || x.abs() < f64::MIN_POSITIVE
        };
        if small {
            break;
        }
        m += 1;
    }
    m
}

/// The implicit QL of [`ql_eigh`] on [`LANES`] tridiagonal matrices in
/// lockstep: the diagonals `d` and off-diagonals `e` are lane-major, so
/// each step of a sweep (its square root, two divisions and the updates of
/// `d` and `e`) is one operation on a vector of lanes. Every matrix keeps
/// its own shift, deflation point and iteration count; a matrix that has
/// deflated at `l`, whose sweep is shorter, or whose bulge vanished is
/// masked. Each matrix's rotations are recorded during the sweep and then
/// applied to the rows of its `z[k]` ([`rotate_rows`]), so the eigenvectors
/// get exactly the rotations of the one-matrix solver, and no masked work.
/// `None` if a matrix does not converge or ends non-finite.
#[inline(always)]
fn ql_lockstep<const N: usize>(
    d: &mut [Lanes; N],
    e: &mut [Lanes; N],
    z: &mut [[[f64; N]; N]; LANES],
) -> Option<()> {
    // The cosines and sines of the current sweep's rotations, lane-major
    // (entries outside a lane's sweep are not read).
    let mut rot_c = [[1.0; LANES]; N];
    let mut rot_s = [[0.0; LANES]; N];
    for l in 0..N {
        let mut iter = [0usize; LANES];
        loop {
            let mut m = [l; LANES];
            for (k, mk) in m.iter_mut().enumerate() {
                *mk = deflation_index_lane::<N, false>(d, e, l, k);
            }
            let top = m.iter().copied().max().unwrap_or(l);
            if top == l {
                break;
            }
            let mut live = [false; LANES];
            for k in 0..LANES {
                if m[k] > l {
                    live[k] = true;
                    iter[k] += 1;
                    if iter[k] > QL_MAX_ITER {
                        return None;
                    }
                }
            }
            // Wilkinson-type shifts from the leading 2x2 blocks.
            let mut g = [0.0; LANES];
            for k in 0..LANES {
                if live[k] {
                    let g0 = (d[l + 1][k] - d[l][k]) / (2.0 * e[l][k]);
                    let r = (g0 * g0 + 1.0).sqrt();
                    g[k] = d[m[k]][k] - d[l][k] + e[l][k] / (g0 + if g0 >= 0.0 { r } else { -r });
                }
            }
            let (mut s, mut c, mut shift) = ([1.0; LANES], [1.0; LANES], [0.0; LANES]);
            // Where each matrix's rotations stop: `l`, or above the row
            // where its bulge vanished.
            let mut stop = [l; LANES];
            for i in (l..top).rev() {
                // Every lane computes the step, written lane by lane so
                // that it vectorises; inactive lanes keep their values.
                let act: [bool; LANES] = std::array::from_fn(|k| live[k] && i < m[k]);
                let (ei, di, di1, ei1) = (e[i], d[i], d[i + 1], e[i + 1]);
                let f: Lanes = std::array::from_fn(|k| s[k] * ei[k]);
                let b: Lanes = std::array::from_fn(|k| c[k] * ei[k]);
                let r: Lanes = std::array::from_fn(|k| (f[k] * f[k] + g[k] * g[k]).sqrt());
                let inv_r: Lanes = std::array::from_fn(|k| 1.0 / r[k]);
                let sk: Lanes = std::array::from_fn(|k| f[k] * inv_r[k]);
                let ck: Lanes = std::array::from_fn(|k| g[k] * inv_r[k]);
                let gg: Lanes = std::array::from_fn(|k| di1[k] - shift[k]);
                let t: Lanes =
                    std::array::from_fn(|k| (di[k] - gg[k]) * sk[k] + 2.0 * ck[k] * b[k]);
                let new_shift: Lanes = std::array::from_fn(|k| sk[k] * t[k]);
                let new_d: Lanes = std::array::from_fn(|k| gg[k] + new_shift[k]);
                let new_g: Lanes = std::array::from_fn(|k| ck[k] * t[k] - b[k]);
                let step: [bool; LANES] = std::array::from_fn(|k| act[k] && r[k] != 0.0);
                e[i + 1] = std::array::from_fn(|k| if act[k] { r[k] } else { ei1[k] });
                d[i + 1] = std::array::from_fn(|k| if step[k] { new_d[k] } else { di1[k] });
                shift = std::array::from_fn(|k| if step[k] { new_shift[k] } else { shift[k] });
                g = std::array::from_fn(|k| if step[k] { new_g[k] } else { g[k] });
                s = std::array::from_fn(|k| if step[k] { sk[k] } else { s[k] });
                c = std::array::from_fn(|k| if step[k] { ck[k] } else { c[k] });
                rot_c[i] = ck;
                rot_s[i] = sk;
                if step != act {
                    for k in 0..LANES {
                        if act[k] && !step[k] {
                            // The bulge vanished: deflate and restart.
                            d[i + 1][k] -= shift[k];
                            e[m[k]][k] = 0.0;
                            live[k] = false;
                            stop[k] = i + 1;
                        }
                    }
                }
            }
            for k in 0..LANES {
                if m[k] == l {
                    continue;
                }
                if live[k] {
                    d[l][k] -= shift[k];
                    e[l][k] = g[k];
                    e[m[k]][k] = 0.0;
                }
                let mut rot = [(1.0, 0.0); N];
                for i in stop[k]..m[k] {
                    rot[i] = (rot_c[i][k], rot_s[i][k]);
                }
                rotate_rows(&mut z[k], &rot, stop[k], m[k]);
            }
        }
    }
    d.iter().flatten().all(|x| x.is_finite()).then_some(())
}

/// Applies the rotations `rot[i] = (c, s)` of one QL sweep, `i = hi - 1`
/// down to `lo`, each to rows `i`, `i + 1` of `z` (`(x, y) <- (c x - s y,
/// s x + c y)`), in the order and with the arithmetic of the sweep itself.
/// The row shared by consecutive rotations stays in registers.
#[inline(always)]
fn rotate_rows<const N: usize>(z: &mut [[f64; N]; N], rot: &[(f64, f64); N], lo: usize, hi: usize) {
    if lo >= hi {
        return;
    }
    let mut carry = z[hi];
    for i in (lo..hi).rev() {
        let (c, s) = rot[i];
        let x = z[i];
        let mut y = [0.0; N];
        for j in 0..N {
            y[j] = s * x[j] + c * carry[j];
            carry[j] = c * x[j] - s * carry[j];
        }
        z[i + 1] = y;
    }
    z[lo] = carry;
}

/// The square-root-free QL of [`root_free_ql`] on [`LANES`] tridiagonal
/// matrices (diagonal `d[i][k]`, squared off-diagonal `e2[i][k]`) in
/// lockstep; the eigenvalues overwrite `d`.
#[inline(always)]
fn root_free_ql_lanes<const N: usize>(d: &mut [Lanes; N], e2: &mut [Lanes; N]) -> Option<()> {
    for l in 0..N {
        let mut iter = 0;
        loop {
            let mut m = [l; LANES];
            for k in 0..LANES {
                m[k] = deflation_index_lane::<N, true>(d, e2, l, k);
                if m[k] == l + 1 {
                    // A 2x2 block is finished by a Jacobi rotation.
                    let (a, c, _, _) = jacobi2(d[l][k], e2[l][k].sqrt(), d[l + 1][k]);
                    d[l][k] = a;
                    d[l + 1][k] = c;
                    e2[l][k] = 0.0;
                    m[k] = l;
                }
            }
            let top = m.iter().copied().max().unwrap_or(l);
            if top == l {
                break;
            }
            iter += 1;
            if iter > QL_MAX_ITER {
                return None;
            }
            let (mut sigma, mut gamma, mut p) = ([0.0; LANES], [0.0; LANES], [0.0; LANES]);
            for k in 0..LANES {
                let rte = e2[l][k].sqrt();
                let g = (d[l + 1][k] - d[l][k]) / (2.0 * rte);
                let r = (g * g + 1.0).sqrt();
                sigma[k] = d[l][k] - rte / (g + if g >= 0.0 { r } else { -r });
                gamma[k] = d[m[k]][k] - sigma[k];
                p[k] = gamma[k] * gamma[k];
            }
            let (mut c, mut s) = ([1.0; LANES], [0.0; LANES]);
            for i in (l..top).rev() {
                let mut next_e2 = e2[i + 1];
                let mut next_d = d[i + 1];
                for k in 0..LANES {
                    let act = i < m[k];
                    let bb = e2[i][k];
                    let r = p[k] + bb;
                    if act && i + 1 != m[k] {
                        next_e2[k] = s[k] * r;
                    }
                    let ck = p[k] / r;
                    let sk = bb / r;
                    let alpha = d[i][k];
                    let gk = ck * (alpha - sigma[k]) - sk * gamma[k];
                    let dk = gamma[k] + (alpha - gk);
                    let pk = if ck != 0.0 { gk * gk / ck } else { c[k] * bb };
                    if act {
                        next_d[k] = dk;
                        c[k] = ck;
                        s[k] = sk;
                        gamma[k] = gk;
                        p[k] = pk;
                    }
                }
                e2[i + 1] = next_e2;
                d[i + 1] = next_d;
            }
            for k in 0..LANES {
                if m[k] > l {
                    e2[l][k] = s[k] * p[k];
                    d[l][k] = sigma[k] + gamma[k];
                }
            }
        }
    }
    d.iter().flatten().all(|x| x.is_finite()).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use rand_distr::StandardNormal;

    /// `Q diag(l) Q^T` for a random orthogonal `Q` (QR of a Gaussian).
    fn with_spectrum<const N: usize>(rng: &mut ChaCha8Rng, l: &[f64; N]) -> [[f64; N]; N] {
        let g = Mat::<f64>::from_fn(N, N, |_, _| rng.sample(StandardNormal));
        let q = g.qr().compute_Q();
        let mut a = [[0.0; N]; N];
        for i in 0..N {
            for j in 0..N {
                a[i][j] = (0..N).map(|k| q[(i, k)] * l[k] * q[(j, k)]).sum();
            }
        }
        for i in 0..N {
            for j in 0..i {
                a[i][j] = a[j][i];
            }
        }
        a
    }

    fn random_symmetric<const N: usize>(rng: &mut ChaCha8Rng) -> [[f64; N]; N] {
        let mut a = [[0.0; N]; N];
        for i in 0..N {
            for j in 0..=i {
                let x: f64 = rng.sample(StandardNormal);
                a[i][j] = x;
                a[j][i] = x;
            }
        }
        a
    }

    fn faer_eigenvalues<const N: usize>(a: &[[f64; N]; N]) -> Vec<f64> {
        let m = Mat::<f64>::from_fn(N, N, |i, j| a[i][j]);
        let mut l = m.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
        l.sort_by(f64::total_cmp);
        l
    }

    /// Checks eigenvalues against faer and the residual and orthogonality
    /// of the eigenvectors, all relative to the largest eigenvalue; returns
    /// the worst of the three, in units of `tol`.
    fn check<const N: usize>(a: &[[f64; N]; N], tol: f64) -> f64 {
        let (vals, vecs) = sym_eigh(a).unwrap();
        let want = faer_eigenvalues(a);
        let big = want
            .iter()
            .fold(0.0_f64, |m, x| m.max(x.abs()))
            .max(f64::MIN_POSITIVE);
        let mut worst = 0.0_f64;
        let mut got = vals.to_vec();
        got.sort_by(f64::total_cmp);
        let mut only = sym_eigvals(a).unwrap().to_vec();
        only.sort_by(f64::total_cmp);
        for ((g, o), w) in got.iter().zip(&only).zip(&want) {
            worst = worst.max((g - w).abs() / big).max((o - w).abs() / big);
        }
        for k in 0..N {
            let v = &vecs[k];
            for i in 0..N {
                let av: f64 = (0..N).map(|j| a[i][j] * v[j]).sum();
                worst = worst.max((av - vals[k] * v[i]).abs() / big);
            }
            for (j, u) in vecs.iter().enumerate() {
                let d: f64 = (0..N).map(|i| u[i] * v[i]).sum();
                worst = worst.max((d - if j == k { 1.0 } else { 0.0 }).abs());
            }
        }
        assert!(worst <= tol, "error {worst:e} above {tol:e} (N = {N})");
        worst
    }

    /// Random, clustered and graded spectra; the worst error of each kind
    /// relative to the largest eigenvalue.
    fn random_cases<const N: usize>(rng: &mut ChaCha8Rng) -> [f64; 3] {
        let tol = 1e-15 * N as f64;
        let mut worst = [0.0_f64; 3];
        for _ in 0..200 {
            worst[0] = worst[0].max(check(&random_symmetric::<N>(rng), tol));
        }
        // Clustered and repeated spectra.
        for trial in 0..200 {
            let mut l = [0.0; N];
            for (k, x) in l.iter_mut().enumerate() {
                *x = match trial % 4 {
                    0 => 1.0 + 1e-9 * k as f64,
                    1 => 1.0 + if k % 2 == 0 { 0.0 } else { 1e-13 },
                    2 => (k / 2) as f64,
                    _ => 1.0 + 1e-7 * rng.sample::<f64, _>(StandardNormal),
                };
            }
            worst[1] = worst[1].max(check(&with_spectrum(rng, &l), tol));
        }
        // Eigenvalues spread over 1e-8..1e8 (an SPD matrix of condition 1e16).
        for _ in 0..100 {
            let mut l = [0.0; N];
            for x in &mut l {
                *x = 10f64.powf(rng.random_range(-8.0..8.0));
            }
            l[0] = 1e-8;
            l[N - 1] = 1e8;
            worst[2] = worst[2].max(check(&with_spectrum(rng, &l), tol));
        }
        eprintln!(
            "N = {N}: worst error random {:.1e}, clustered {:.1e}, graded {:.1e}",
            worst[0], worst[1], worst[2]
        );
        worst
    }

    #[test]
    fn agrees_with_faer_on_random_clustered_and_graded_spectra() {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        random_cases::<2>(&mut rng);
        random_cases::<3>(&mut rng);
        random_cases::<4>(&mut rng);
        random_cases::<5>(&mut rng);
        random_cases::<7>(&mut rng);
        random_cases::<11>(&mut rng);
        random_cases::<16>(&mut rng);
    }

    #[test]
    fn exactly_structured_matrices() {
        // Diagonal, scalar, zero, rank one and a nearly diagonal 3x3.
        check(&[[3.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 2.0]], 1e-15);
        check(&[[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]], 1e-15);
        check(&[[0.0; 3]; 3], 1e-15);
        check(&[[1.0; 3]; 3], 1e-15);
        check(&[[1.0; 6]; 6], 1e-15);
        check(
            &[[1.0, 1e-17, 0.0], [1e-17, 1.0, 1e-17], [0.0, 1e-17, 1.0]],
            1e-15,
        );
        check(
            &[[1e300, 1e299, 0.0], [1e299, 1e300, 0.0], [0.0, 0.0, 1e-300]],
            1e-15,
        );
        let mut t = [[0.0; 8]; 8];
        for i in 0..8 {
            t[i][i] = 2.0;
            if i + 1 < 8 {
                t[i][i + 1] = -1.0;
                t[i + 1][i] = -1.0;
            }
        }
        check(&t, 1e-15);
        // The 1D Laplacian has eigenvalues 2 - 2 cos(k pi / 9).
        let mut l = sym_eigvals(&t).unwrap();
        l.sort_by(f64::total_cmp);
        for (k, x) in l.iter().enumerate() {
            let want = 2.0 - 2.0 * ((k + 1) as f64 * std::f64::consts::PI / 9.0).cos();
            assert!((x - want).abs() < 1e-15, "{x} vs {want}");
        }
    }

    /// Matrices whose QL iterations run for different lengths: random,
    /// diagonal (nothing to do), clustered and graded.
    fn mixed_lanes<const N: usize>(rng: &mut ChaCha8Rng, trial: usize) -> [[[f64; N]; N]; LANES] {
        std::array::from_fn(|k| match (trial + k) % 4 {
            0 => random_symmetric::<N>(rng),
            1 => {
                let mut a = [[0.0; N]; N];
                for (i, row) in a.iter_mut().enumerate() {
                    row[i] = i as f64 - 2.5;
                }
                a
            }
            2 => with_spectrum(rng, &std::array::from_fn(|i| 1.0 + 1e-9 * i as f64)),
            _ => with_spectrum(
                rng,
                &std::array::from_fn(|i| 10f64.powf(i as f64 - N as f64 / 2.0)),
            ),
        })
    }

    fn lockstep_is_bitwise<const N: usize>(rng: &mut ChaCha8Rng) {
        for trial in 0..40 {
            let a = mixed_lanes::<N>(rng, trial);
            let (vals, vecs) = sym_eigh_lanes(&a).unwrap();
            let only = sym_eigvals_lanes(&a).unwrap();
            for k in 0..LANES {
                let (v1, u1) = sym_eigh(&a[k]).unwrap();
                assert_eq!(vals[k], v1, "N = {N}, lane {k}");
                assert_eq!(vecs[k], u1, "N = {N}, lane {k}");
                assert_eq!(only[k], sym_eigvals(&a[k]).unwrap(), "N = {N}, lane {k}");
            }
        }
    }

    #[test]
    fn lockstep_solvers_match_the_single_matrix_ones_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        lockstep_is_bitwise::<2>(&mut rng);
        lockstep_is_bitwise::<3>(&mut rng);
        lockstep_is_bitwise::<4>(&mut rng);
        lockstep_is_bitwise::<7>(&mut rng);
        lockstep_is_bitwise::<16>(&mut rng);
        let mut bad = mixed_lanes::<5>(&mut rng, 0);
        bad[2][1][1] = f64::NAN;
        assert!(sym_eigh_lanes(&bad).is_none());
        assert!(sym_eigvals_lanes(&bad).is_none());
    }

    #[test]
    fn non_finite_input_is_refused() {
        assert!(sym_eigh(&[[f64::NAN, 0.0], [0.0, 1.0]]).is_none());
        assert!(sym_eigvals(&[[1.0, f64::INFINITY, 0.0], [0.0; 3], [0.0; 3]]).is_none());
    }
}
