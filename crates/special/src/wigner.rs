//! Wigner 3j symbols and Clebsch-Gordan coefficients for integer and
//! half-integer angular momenta, and Gaunt coefficients.
//!
//! Half-integer momenta are passed doubled, as integers (`two_j = 2j`,
//! `two_m = 2m`, the WIGXJPF convention), to [`wigner_3j_doubled`] and
//! [`clebsch_gordan_doubled`]; the integer-momentum functions are the same
//! computation with doubled arguments. A symbol is non-zero only if each
//! `j ± m` and `j1 + j2 + j3` are integers, so every factorial argument
//! below is an integer for half-integer momenta too.
//!
//! The 3j symbol `(j1 j2 j3; m1 m2 m3)` couples two angular momenta; it
//! vanishes unless `m1 + m2 + m3 = 0`, `|mi| <= ji` and the triangle
//! condition `|j1 - j2| <= j3 <= j1 + j2` hold. Clebsch-Gordan coefficients
//! are `<j1 m1 j2 m2 | J M> = (-1)^{j1-j2+M} sqrt(2J+1) (j1 j2 J; m1 m2 -M)`,
//! and the Gaunt coefficient is the integral of three complex spherical
//! harmonics, `∫ Y_{l1}^{m1} Y_{l2}^{m2} Y_{l3}^{m3} dΩ =
//! sqrt((2l1+1)(2l2+1)(2l3+1)/(4 pi)) (l1 l2 l3; 0 0 0) (l1 l2 l3; m1 m2 m3)`.
//!
//! Two algorithms, for integer and half-integer momenta alike. For small
//! momenta (`j1 + j2 + j3 <= 33`) Racah's
//! closed-form sum evaluated exactly: each of its terms is a multinomial
//! coefficient over `(j1 + j2 + j3)!`, so the alternating sum is an exact
//! `i128` integer, and only the final square root of a ratio of factorials
//! rounds. Beyond, the Schulten-Gordon
//! three-term recurrence in `j1`
//! `j1 A(j1+1) f(j1+1) + B(j1) f(j1) + (j1+1) A(j1) f(j1-1) = 0`,
//! run upwards from the lower end of the `j1` range and downwards from the
//! upper end (each direction is stable where the symbol grows, in its
//! classically forbidden region), matched in the classically allowed middle
//! and normalised by `sum_j1 (2 j1 + 1) f(j1)^2 = 1`, the sign fixed by
//! `sign f(j1_max) = (-1)^{j2 - j3 - m1}`. The whole `j1` range comes out of
//! one `O(j2 + j3)` sweep ([`wigner_3j_j1_range`](crate::wigner::wigner_3j_j1_range)). The symbol
//! `(l1 l2 l3; 0 0 0)` inside Gaunt coefficients has a closed product form
//! without cancellation, used for every size.
//!
//! References: Racah, Phys. Rev. 62 (1942); Schulten and Gordon, *Exact
//! recursive evaluation of 3j- and 6j-coefficients for quantum-mechanical
//! coupling of angular momenta*, J. Math. Phys. 16 (1975) and Comput. Phys.
//! Commun. 11 (1976); Luscombe and Luban, Phys. Rev. E 57 (1998); DLMF 34.
//!
//! Measured accuracy against exact rational evaluation of Racah's formula
//! (`tests/data/wigner3j.csv`, 350 symbols) and, for half-integer
//! momenta, against SymPy's exact `wigner_3j` and `clebsch_gordan`
//! (`tests/data/wigner3j_half.csv`), error scaled by `sqrt(2 j_max + 1)`
//! (the symbols' natural size is `1/sqrt(2j + 1)`):
//!
//! | momenta | j | max scaled error |
//! |---|---|---|
//! | integer | <= 12 | 2.2e-16 |
//! | integer | 20 to 1000 | 5.1e-16 |
//! | half-integer | <= 12.5 | 2.4e-16 |
//! | half-integer | 20.5 to 300.5 | 3.5e-16 |
//!
//! The `(l1 l2 l3; 0 0 0)` product form uses log-factorials from
//! [`crate::gamma::ln_gamma`]; its relative error grows like
//! `eps * l ln l` (about `1e-13` at `l = 1000`).

use crate::gamma::ln_gamma;

/// Largest `j1 + j2 + j3` handled by Racah's sum in exact integers.
const RACAH_MAX: i64 = 33;

/// Largest doubled momentum accepted (`j` up to about `5.4e8`); beyond,
/// the results are NaN (the recurrence would need `O(j)` memory).
const MAX_TWO_J: i64 = 1 << 30;

fn ln_factorial(n: i64) -> f64 {
    // Only for `(l1 l2 l3; 0 0 0)`, a product without cancellation.
    ln_gamma(n as f64 + 1.0)
}

fn parity_sign(k: i64) -> f64 {
    if k.rem_euclid(2) == 0 { 1.0 } else { -1.0 }
}

/// Whether every argument is within [`MAX_TWO_J`] in magnitude.
fn in_range(args: &[i64]) -> bool {
    args.iter().all(|v| v.unsigned_abs() <= MAX_TWO_J as u64)
}

/// Whether the selection rules allow a non-zero symbol, in doubled
/// arguments (each within [`MAX_TWO_J`], so nothing below overflows).
fn allowed(t: [i64; 6]) -> bool {
    let [j1, j2, j3, m1, m2, m3] = t;
    let even = |v: i64| v.rem_euclid(2) == 0;
    j1 >= 0
        && j2 >= 0
        && j3 >= 0
        && m1 + m2 + m3 == 0
        && m1.abs() <= j1
        && m2.abs() <= j2
        && m3.abs() <= j3
        && even(j1 + m1)
        && even(j2 + m2)
        && even(j3 + m3)
        && even(j1 + j2 + j3)
        && j3 >= (j1 - j2).abs()
        && j3 <= j1 + j2
}

/// The arguments doubled, or `None` if beyond [`MAX_TWO_J`].
fn doubled<const N: usize>(args: [i64; N]) -> Option<[i64; N]> {
    let mut out = [0; N];
    for (o, v) in out.iter_mut().zip(args) {
        *o = v.checked_mul(2)?;
    }
    in_range(&out).then_some(out)
}

/// Wigner 3j symbol `(j1 j2 j3; m1 m2 m3)` for integer momenta; `0` where
/// the selection rules fail (including negative `j`), NaN for momenta
/// beyond `2^29`.
///
/// Racah's formula in exact integers for `j1 + j2 + j3 <= 33`, the
/// Schulten-Gordon recurrence beyond (see the module docs). Accuracy:
/// error below `5.1e-16 / sqrt(2 j_max + 1)` against exact values up to
/// `j = 1000`. The same as [`wigner_3j_doubled`] with every argument doubled.
pub fn wigner_3j(j1: i64, j2: i64, j3: i64, m1: i64, m2: i64, m3: i64) -> f64 {
    match doubled([j1, j2, j3, m1, m2, m3]) {
        Some([a, b, c, d, e, f]) => wigner_3j_doubled(a, b, c, d, e, f),
        None => f64::NAN,
    }
}

/// Wigner 3j symbol `(j1 j2 j3; m1 m2 m3)` for integer or half-integer
/// momenta, from doubled arguments `two_j1 = 2 j1`, ..., `two_m3 = 2 m3`
/// (so `wigner_3j_doubled(1, 1, 0, 1, -1, 0)` is `(1/2 1/2 0; 1/2 -1/2 0)
/// = 1/sqrt(2)`). `0` where the selection rules fail: `m1 + m2 + m3 = 0`,
/// `|mi| <= ji`, each `ji + mi` and `j1 + j2 + j3` integers, the triangle
/// condition. NaN for doubled arguments beyond `2^30` in magnitude.
///
/// Racah's formula in exact integers for `j1 + j2 + j3 <= 33`, the
/// Schulten-Gordon recurrence beyond (see the module docs). Accuracy
/// (against SymPy's exact values): scaled error `|error| sqrt(2 j_max + 1)`
/// below `3.5e-16` up to `j = 300.5`.
pub fn wigner_3j_doubled(
    two_j1: i64,
    two_j2: i64,
    two_j3: i64,
    two_m1: i64,
    two_m2: i64,
    two_m3: i64,
) -> f64 {
    let t = [two_j1, two_j2, two_j3, two_m1, two_m2, two_m3];
    if !in_range(&t) {
        return f64::NAN;
    }
    if !allowed(t) {
        return 0.0;
    }
    if (two_j1 + two_j2 + two_j3) / 2 <= RACAH_MAX {
        return racah(t);
    }
    // Recur in the largest j, moved to the first slot by a symmetry:
    // cyclic permutations leave the symbol unchanged.
    let [j1, j2, j3, m1, m2, m3] = t;
    let (a, b, c, mb, mc) = if j1 >= j2 && j1 >= j3 {
        (j1, j2, j3, m2, m3)
    } else if j2 >= j3 {
        (j2, j3, j1, m3, m1)
    } else {
        (j3, j1, j2, m1, m2)
    };
    let (lo, values) = wigner_3j_j1_range_doubled(b, c, mb, mc);
    usize::try_from((a - lo) / 2)
        .ok()
        .and_then(|i| values.get(i).copied())
        .unwrap_or(0.0)
}

/// `n!` as an exact integer, `n <= 33` (33! < 2^127).
const fn factorial_i128(n: i64) -> i128 {
    let mut f: i128 = 1;
    let mut k = 2;
    while k <= n {
        f *= k as i128;
        k += 1;
    }
    f
}

/// Racah's closed form in doubled arguments, exact up to the final square
/// root. With `J = j1 + j2 + j3`, the six factorial arguments in each term
/// of the sum add up to `J`, so every term is `(-1)^k M_k / J!` with `M_k`
/// a multinomial coefficient: the sum is an exact integer (in `i128` for
/// `J <= 33`) and the result is that integer times one square root of a
/// ratio of factorials. The selection rules make every halved combination
/// below an integer.
fn racah(t: [i64; 6]) -> f64 {
    let [t1, t2, t3, tm1, tm2, tm3] = t;
    let f = factorial_i128;
    let big_j = (t1 + t2 + t3) / 2;
    let (j12, j13, j23) = ((t1 + t2 - t3) / 2, (t1 - t2 + t3) / 2, (-t1 + t2 + t3) / 2);
    let (p1, n1) = ((t1 + tm1) / 2, (t1 - tm1) / 2);
    let (p2, n2) = ((t2 + tm2) / 2, (t2 - tm2) / 2);
    let (p3, n3) = ((t3 + tm3) / 2, (t3 - tm3) / 2);
    // The sum over k of Racah's formula, with the factorial arguments
    // k, j3-j2+m1+k, j3-j1-m2+k, j1+j2-j3-k, j1-m1-k, j2+m2-k.
    let (c1, c2) = ((t3 - t2 + tm1) / 2, (t3 - t1 - tm2) / 2);
    let k_min = 0.max(-c1).max(-c2);
    let k_max = j12.min(n1).min(p2);
    let j_fact = f(big_j);
    let mut sum: i128 = 0;
    for k in k_min..=k_max {
        let den = f(k) * f(c1 + k) * f(c2 + k) * f(j12 - k) * f(n1 - k) * f(p2 - k);
        let term = j_fact / den;
        sum += if k % 2 == 0 { term } else { -term };
    }
    if sum == 0 {
        return 0.0;
    }
    // (3j)^2 = sum^2 * Delta * prod (j +- m)! / J!^2, Delta the triangle
    // coefficient; the factorials are exact integers rounded once to f64.
    let ff = |n: i64| f(n) as f64;
    let ratio = ff(j12) / ((big_j + 1) as f64 * ff(big_j)) * ff(j13) / ff(big_j) * ff(j23)
        / ff(big_j)
        * ff(p1)
        * ff(n1)
        * ff(p2)
        * ff(n2)
        * ff(p3)
        * ff(n3);
    parity_sign((t1 - t2 - tm3) / 2) * sum as f64 * ratio.sqrt()
}

/// All symbols `(j1 j2 j3; -m2-m3 m2 m3)` for integer momenta, `j1` from
/// `j1_min = max(|j2 - j3|, |m2 + m3|)` to `j2 + j3`, by the
/// Schulten-Gordon recurrence. Returns `(j1_min, values)`; `values` is
/// empty when no `j1` is allowed (`|m2| > j2`, `|m3| > j3`, negative `j`,
/// or momenta beyond `2^29`).
pub fn wigner_3j_j1_range(j2: i64, j3: i64, m2: i64, m3: i64) -> (i64, Vec<f64>) {
    match doubled([j2, j3, m2, m3]) {
        Some([a, b, c, d]) => {
            let (lo, values) = wigner_3j_j1_range_doubled(a, b, c, d);
            (lo / 2, values)
        }
        None => (0, Vec::new()),
    }
}

/// All symbols `(j1 j2 j3; -m2-m3 m2 m3)` for integer or half-integer
/// momenta from doubled arguments, `j1` in unit steps from
/// `j1_min = max(|j2 - j3|, |m2 + m3|)` to `j2 + j3`, by the
/// Schulten-Gordon recurrence. Returns `(2 j1_min, values)`; `values` is
/// empty when no `j1` is allowed (`|m2| > j2`, `|m3| > j3`, negative `j`,
/// `j ± m` not an integer, or arguments beyond `2^30`).
pub fn wigner_3j_j1_range_doubled(
    two_j2: i64,
    two_j3: i64,
    two_m2: i64,
    two_m3: i64,
) -> (i64, Vec<f64>) {
    let (t2, t3, tm2, tm3) = (two_j2, two_j3, two_m2, two_m3);
    let even = |v: i64| v.rem_euclid(2) == 0;
    if !in_range(&[t2, t3, tm2, tm3])
        || t2 < 0
        || t3 < 0
        || tm2.abs() > t2
        || tm3.abs() > t3
        || !even(t2 + tm2)
        || !even(t3 + tm3)
    {
        return (0, Vec::new());
    }
    let tm1 = -(tm2 + tm3);
    // |t2 - t3| and |tm1| have the same parity, so j1 steps by one from lo.
    let lo = (t2 - t3).abs().max(tm1.abs());
    let hi = t2 + t3;
    if lo > hi {
        return (lo, Vec::new());
    }
    let len = ((hi - lo) / 2 + 1) as usize;
    let sign_hi = parity_sign((t2 - t3 - tm1) / 2);
    let lo_f = 0.5 * lo as f64;
    if len == 1 {
        return (lo, vec![sign_hi / (2.0 * lo_f + 1.0).sqrt()]);
    }
    let (j2f, j3f, m1f) = (0.5 * t2 as f64, 0.5 * t3 as f64, 0.5 * tm1 as f64);
    let m3_minus_m2 = 0.5 * (tm3 - tm2) as f64;
    let a_coef = |j: f64| {
        ((j * j - (j2f - j3f).powi(2)) * ((j2f + j3f + 1.0).powi(2) - j * j) * (j * j - m1f * m1f))
            .max(0.0)
            .sqrt()
    };
    let b_coef = |j: f64| {
        -(2.0 * j + 1.0)
            * (j2f * (j2f + 1.0) * m1f - j3f * (j3f + 1.0) * m1f - j * (j + 1.0) * m3_minus_m2)
    };
    const HUGE: f64 = 1e150;
    // Upward from lo while the values keep growing (classically forbidden
    // region), and one step into the allowed region.
    let mut up = vec![0.0; len];
    up[0] = 1e-150;
    let mut stop = len - 1;
    for i in 0..len - 1 {
        let j = lo_f + i as f64;
        let prev = if i == 0 { 0.0 } else { up[i - 1] };
        let next = if j == 0.0 {
            // j1 = 0 (so j2 = j3, m1 = 0): the recurrence degenerates;
            // (1 j j; 0 m -m) / (0 j j; 0 m -m) = m2 / sqrt(j2 (j2 + 1)).
            0.5 * tm2 as f64 / (j2f * (j2f + 1.0)).sqrt() * up[0]
        } else {
            -(b_coef(j) * up[i] + (j + 1.0) * a_coef(j) * prev) / (j * a_coef(j + 1.0))
        };
        up[i + 1] = next;
        if next.abs() > HUGE {
            for v in &mut up[..=i + 1] {
                *v /= HUGE;
            }
        }
        if i >= 1 && up[i + 1].abs() <= up[i - 1].abs() {
            stop = i + 1;
            break;
        }
    }
    // Downward from hi to the matching region.
    let mut down = vec![0.0; len];
    down[len - 1] = 1e-150;
    let meet = stop.saturating_sub(2);
    for i in (meet + 1..len).rev() {
        let j = lo_f + i as f64;
        let next = if i + 1 < len { down[i + 1] } else { 0.0 };
        down[i - 1] = -(j * a_coef(j + 1.0) * next + b_coef(j) * down[i]) / ((j + 1.0) * a_coef(j));
        if down[i - 1].abs() > HUGE {
            for v in &mut down[i - 1..] {
                *v /= HUGE;
            }
        }
    }
    // Match on the overlap [meet, stop] by least squares.
    let (mut num, mut den) = (0.0, 0.0);
    for i in meet..=stop.min(len - 1) {
        num += up[i] * down[i];
        den += down[i] * down[i];
    }
    let scale = if den > 0.0 { num / den } else { 0.0 };
    let mut f = vec![0.0; len];
    for i in 0..len {
        f[i] = if i <= stop { up[i] } else { down[i] * scale };
    }
    if den == 0.0 || scale == 0.0 {
        // Degenerate overlap (all zeros): fall back to the downward sweep alone.
        f.copy_from_slice(&down);
    }
    let norm: f64 = f
        .iter()
        .enumerate()
        .map(|(i, v)| (2.0 * (lo_f + i as f64) + 1.0) * v * v)
        .sum::<f64>()
        .sqrt();
    let sign = if f[len - 1] == 0.0 {
        1.0
    } else {
        sign_hi * f[len - 1].signum()
    };
    for v in &mut f {
        *v *= sign / norm;
    }
    (lo, f)
}

/// Clebsch-Gordan coefficient `<j1 m1 j2 m2 | J M>` for integer momenta,
/// `(-1)^{j1-j2+M} sqrt(2J+1) (j1 j2 J; m1 m2 -M)`; `0` where the selection
/// rules fail. Accuracy as [`wigner_3j`] times `sqrt(2J+1)`. The same as
/// [`clebsch_gordan_doubled`] with every argument doubled.
pub fn clebsch_gordan(j1: i64, m1: i64, j2: i64, m2: i64, j: i64, m: i64) -> f64 {
    match doubled([j1, m1, j2, m2, j, m]) {
        Some([a, b, c, d, e, f]) => clebsch_gordan_doubled(a, b, c, d, e, f),
        None => f64::NAN,
    }
}

/// Clebsch-Gordan coefficient `<j1 m1 j2 m2 | J M>` for integer or
/// half-integer momenta from doubled arguments (`two_j1 = 2 j1`, ...), so
/// `clebsch_gordan_doubled(1, 1, 1, -1, 0, 0) = <1/2 1/2 1/2 -1/2 | 0 0>
/// = 1/sqrt(2)`: `(-1)^{j1-j2+M} sqrt(2J+1) (j1 j2 J; m1 m2 -M)`; `0` where
/// the selection rules fail, NaN beyond `2^30`. Accuracy as
/// [`wigner_3j_doubled`] times `sqrt(2J+1)`.
pub fn clebsch_gordan_doubled(
    two_j1: i64,
    two_m1: i64,
    two_j2: i64,
    two_m2: i64,
    two_j: i64,
    two_m: i64,
) -> f64 {
    let symbol = wigner_3j_doubled(two_j1, two_j2, two_j, two_m1, two_m2, -two_m);
    if symbol == 0.0 || symbol.is_nan() {
        return symbol;
    }
    // j1 - j2 + M is an integer whenever the symbol is non-zero.
    parity_sign((two_j1 - two_j2 + two_m) / 2) * ((two_j + 1) as f64).sqrt() * symbol
}

/// `(l1 l2 l3; 0 0 0)` by its closed product form (DLMF 34.3.5), accurate
/// for every size: `0` for odd `l1 + l2 + l3`, otherwise
/// `(-1)^g sqrt((2g-2l1)!(2g-2l2)!(2g-2l3)!/(2g+1)!) g!/((g-l1)!(g-l2)!(g-l3)!)`
/// with `2g = l1 + l2 + l3`.
pub fn wigner_3j_zero_m(l1: i64, l2: i64, l3: i64) -> f64 {
    if doubled([l1, l2, l3, 0, 0, 0]).is_none_or(|t| !allowed(t)) {
        return 0.0;
    }
    let big_l = l1 + l2 + l3;
    if big_l % 2 == 1 {
        return 0.0;
    }
    let g = big_l / 2;
    let lf = ln_factorial;
    let ln_v = 0.5 * (lf(big_l - 2 * l1) + lf(big_l - 2 * l2) + lf(big_l - 2 * l3) - lf(big_l + 1))
        + lf(g)
        - lf(g - l1)
        - lf(g - l2)
        - lf(g - l3);
    parity_sign(g) * ln_v.exp()
}

/// Gaunt coefficient `∫ Y_{l1}^{m1} Y_{l2}^{m2} Y_{l3}^{m3} dΩ` of three
/// complex spherical harmonics (the convention of
/// [`crate::sph_harm::sph_harm_y`]); `0` where the selection rules fail.
pub fn gaunt(l1: i64, l2: i64, l3: i64, m1: i64, m2: i64, m3: i64) -> f64 {
    if doubled([l1, l2, l3, m1, m2, m3]).is_none_or(|t| !allowed(t)) {
        return 0.0;
    }
    let zero = wigner_3j_zero_m(l1, l2, l3);
    if zero == 0.0 {
        return 0.0;
    }
    let pref = ((2 * l1 + 1) as f64 * (2 * l2 + 1) as f64 * (2 * l3 + 1) as f64
        / (4.0 * std::f64::consts::PI))
        .sqrt();
    pref * zero * wigner_3j(l1, l2, l3, m1, m2, m3)
}
