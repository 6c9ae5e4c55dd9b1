//! Block evaluation of `ln I_v(x)` and `ln K_v(x)` for the slice forms: the
//! uniform (Debye) expansion and the small-`x` series over many elements at
//! once, in loops the compiler turns into SIMD lanes.
//!
//! A block of at most [`BLOCK`] elements is first split by region. The
//! elements inside the reach of the uniform expansion (`r = sqrt(v^2 + x^2)`
//! at least 30) with moderate arguments (`v < 1e150`, `1e-150 <= x < 1e150`,
//! so that no intermediate over- or underflows) are gathered into contiguous
//! lanes (a block made only of such elements is used in place); below
//! `r = 30`, `ln I` elements with `x >= 1e-150` go to the power-series lanes
//! ([`SeriesLanes`]) and `ln K` elements with `1e-8 <= x <= 1` to Temme's
//! ([`super::lanes_temme`]); every other element goes to the scalar
//! routine. Over the uniform-expansion lanes,
//! each step of the expansion of [`super::debye`] is a straight loop without
//! branches: the geometry (`r`, `t^2 = (v/r)^2`, `1/r`), the exponent
//! `v eta = r - v ln((v + r)/x)` with the logarithm of
//! [`crate::branchless::ln_positive`], the term polynomials `P_k(t^2)`
//! by Horner's rule over groups of eight lanes held in registers, and the
//! final logarithm. A group's loop over terms runs to the count its
//! smallest `r` needs; a lane adds exactly zero for the terms past its own count (the
//! count of [`super::debye`]), so a lane's result does not depend on its
//! neighbours, on the block size or on the thread count. Lanes whose
//! exponent is small against `r` (near the zero of `eta`, where the scalar
//! routine redoes the difference in double-double, and a margin around it)
//! are recomputed by the scalar routine.
//!
//! The loops run under runtime CPU-feature dispatch (pulp), so they use the
//! widest SIMD the CPU has. They follow the scalar routine operation by
//! operation except for the two logarithms (and `ln((v + r)/x)` where the
//! scalar routine takes `ln_1p` for `v <= x/2`: the rounding of a quotient
//! near 1 costs at most `v/r` of an ulp of `v eta` there), so a lane agrees
//! with the scalar result to a few ulps; against the mpmath table both have
//! the same maximum error (`tests/bessel_reference.rs`).
//!
//! References: F. W. J. Olver, *Asymptotics and Special Functions* (1974),
//! ch. 10; DLMF 10.41.

use super::coefficients::{DEBYE_TERMS, DEBYE_U};
use super::debye::{DEBYE_MIN_R, TERM_THRESHOLD_R};
use super::lanes_temme::{in_temme_lanes, log_k_temme};
use crate::branchless::{ln_positive, ln_positive_fused, mul_add_if};

/// Elements per block: the lane arrays (about a dozen of them) stay in L1.
pub(crate) const BLOCK: usize = 128;

/// Lanes whose exponent `|v eta|` is below this fraction of `r` (and
/// `v > 16`) go back to the scalar routine, which carries the cancelling
/// difference in double-double; the scalar routine itself switches at 1/8.
const REDO_FRACTION: f64 = 0.25;

/// Which function a block computes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    /// `ln I_v(x)`.
    LogI,
    /// `ln K_v(x)`.
    LogK,
}

impl Which {
    fn scalar(self) -> fn(f64, f64) -> f64 {
        match self {
            Which::LogI => super::log_bessel_i,
            Which::LogK => super::log_bessel_k,
        }
    }
}

/// Whether `(v, x)` is evaluated in the lanes: [`super::is_debye`]
/// (`sqrt(v^2 + x^2)` is `hypot_pos` in this range), without branches.
#[inline(always)]
fn in_lanes(v: f64, x: f64) -> bool {
    let moderate = (0.0..1e150).contains(&v) & (1e-150..1e150).contains(&x);
    let debye = (v >= DEBYE_MIN_R) | (x >= DEBYE_MIN_R) | ((v * v + x * x).sqrt() >= DEBYE_MIN_R);
    moderate & debye
}

/// The gathered lanes of a block whose elements are not all lanes.
struct Gathered {
    v: [f64; BLOCK],
    x: [f64; BLOCK],
    home: [usize; BLOCK],
    out: [f64; BLOCK],
}

/// The per-lane intermediates of the expansion.
struct Work {
    redo: [bool; BLOCK],
    r: [f64; BLOCK],
    t2: [f64; BLOCK],
    p: [f64; BLOCK],
    exponent: [f64; BLOCK],
    sum: [f64; BLOCK],
}

/// The intermediates of the power series of `I_v` over lanes.
struct SeriesWork {
    active: [bool; BLOCK],
    q: [f64; BLOCK],
    term: [f64; BLOCK],
    sum: [f64; BLOCK],
    log_pow: [f64; BLOCK],
    order: [f64; BLOCK],
    frac: [f64; BLOCK],
    prod: [f64; BLOCK],
}

/// Scratch arrays of one block, reused from block to block.
struct Scratch {
    gathered: Gathered,
    work: Work,
    series: Gathered,
    series_work: SeriesWork,
}

impl Gathered {
    fn new() -> Self {
        Self {
            v: [0.0; BLOCK],
            x: [0.0; BLOCK],
            home: [0; BLOCK],
            out: [0.0; BLOCK],
        }
    }
}

impl Scratch {
    fn new() -> Self {
        Self {
            gathered: Gathered::new(),
            series: Gathered::new(),
            series_work: SeriesWork {
                active: [false; BLOCK],
                q: [0.0; BLOCK],
                term: [0.0; BLOCK],
                sum: [0.0; BLOCK],
                log_pow: [0.0; BLOCK],
                order: [0.0; BLOCK],
                frac: [0.0; BLOCK],
                prod: [0.0; BLOCK],
            },
            work: Work {
                redo: [false; BLOCK],
                r: [0.0; BLOCK],
                t2: [0.0; BLOCK],
                p: [0.0; BLOCK],
                exponent: [0.0; BLOCK],
                sum: [0.0; BLOCK],
            },
        }
    }
}

/// `out[i] = f(v[i], x[i])` block by block, `f` being `ln I` or `ln K`
/// (all three slices of one length).
pub(crate) fn log_blocks(which: Which, v: &[f64], x: &[f64], out: &mut [f64]) {
    let mut scratch = Scratch::new();
    let fused = fused_multiply_add();
    for ((o, v), x) in out
        .chunks_mut(BLOCK)
        .zip(v.chunks(BLOCK))
        .zip(x.chunks(BLOCK))
    {
        log_block(which, fused, v, x, o, &mut scratch);
    }
}

/// One block of at most [`BLOCK`] elements: straight through the lanes
/// when every element belongs there, otherwise gathered and scattered.
fn log_block(which: Which, fused: bool, v: &[f64], x: &[f64], out: &mut [f64], s: &mut Scratch) {
    let scalar = which.scalar();
    let n = out.len().min(v.len()).min(x.len()).min(BLOCK);
    let (v, x, out) = (&v[..n], &x[..n], &mut out[..n]);
    let all = v
        .iter()
        .zip(x)
        .fold(true, |all, (&a, &b)| all & in_lanes(a, b));
    if all {
        lanes(which, fused, v, x, out, &mut s.work);
        for (j, o) in out.iter_mut().enumerate() {
            if s.work.redo[j] {
                *o = scalar(v[j], x[j]);
            }
        }
        return;
    }
    let g = &mut s.gathered;
    let gs = &mut s.series;
    let (mut m, mut ms) = (0, 0);
    for (i, ((&a, &b), o)) in v.iter().zip(x).zip(out.iter_mut()).enumerate() {
        if in_lanes(a, b) {
            g.v[m] = a;
            g.x[m] = b;
            g.home[m] = i;
            m += 1;
        } else if match which {
            Which::LogI => in_series_lanes(a, b),
            Which::LogK => in_temme_lanes(a, b),
        } {
            gs.v[ms] = a;
            gs.x[ms] = b;
            gs.home[ms] = i;
            ms += 1;
        } else {
            *o = scalar(a, b);
        }
    }
    if ms > 0 {
        let (gv, gx, gout) = (&gs.v[..ms], &gs.x[..ms], &mut gs.out[..ms]);
        let redo = match which {
            Which::LogI => {
                let sw = &mut s.series_work;
                pulp::Arch::new().dispatch(SeriesLanes {
                    fused,
                    v: gv,
                    x: gx,
                    out: gout,
                    work: &mut *sw,
                });
                &sw.active[..ms]
            }
            Which::LogK => {
                log_k_temme(gv, gx, gout, &mut s.work.redo[..ms]);
                &s.work.redo[..ms]
            }
        };
        for j in 0..ms {
            let value = if redo[j] {
                scalar(gs.v[j], gs.x[j])
            } else {
                gs.out[j]
            };
            if let Some(o) = out.get_mut(gs.home[j]) {
                *o = value;
            }
        }
    }
    if m == 0 {
        return;
    }
    lanes(
        which,
        fused,
        &g.v[..m],
        &g.x[..m],
        &mut g.out[..m],
        &mut s.work,
    );
    for j in 0..m {
        let value = if s.work.redo[j] {
            scalar(g.v[j], g.x[j])
        } else {
            g.out[j]
        };
        if let Some(o) = out.get_mut(g.home[j]) {
            *o = value;
        }
    }
}

/// Whether `(v, x)` is an `ln I` element for the series lanes: below the
/// reach of the uniform expansion, `x` not tiny.
#[inline(always)]
fn in_series_lanes(v: f64, x: f64) -> bool {
    (0.0..DEBYE_MIN_R).contains(&v)
        & (1e-150..DEBYE_MIN_R).contains(&x)
        & ((v * v + x * x).sqrt() < DEBYE_MIN_R)
}

/// The power series of `I_v` over lanes (all slices of one length, at most
/// [`BLOCK`]), under CPU-feature dispatch: `ln I_v(x) = v ln(x/2) +
/// ln(S / Gamma(v + 1))`, `S = sum_k (x^2/4)^k / (k! (v + 1)_k)`, each lane
/// summing until its own terms fall below `1e-17` of its sum and adding
/// exactly zero after (as `small::log_i` stops). `1/Gamma(v + 1)` is
/// `small::recip_gamma_1p` with its product over the largest order of the
/// block, a lane multiplying by exactly 1 past its own. The scalar routine
/// keeps `(x/2)^v / Gamma(v + 1) S` in linear space so that a result near
/// zero carries no cancellation; in the lanes the sum of logarithms is used
/// only where `|v ln(x/2)|` is at most twice `max(1, |ln I|)`, and
/// `work.active` hands the other lanes (and any series that did not
/// converge in 500 terms) back to the scalar routine.
struct SeriesLanes<'a> {
    fused: bool,
    v: &'a [f64],
    x: &'a [f64],
    out: &'a mut [f64],
    work: &'a mut SeriesWork,
}

impl pulp::WithSimd for SeriesLanes<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let SeriesLanes {
            fused,
            v,
            x,
            out,
            work,
        } = self;
        if fused {
            series_lanes::<true>(v, x, out, work);
        } else {
            series_lanes::<false>(v, x, out, work);
        }
    }
}

/// The body of [`SeriesLanes`].
#[inline(always)]
fn series_lanes<const FUSED: bool>(v: &[f64], x: &[f64], out: &mut [f64], w: &mut SeriesWork) {
    let ln = if FUSED {
        ln_positive_fused
    } else {
        ln_positive
    };
    let n = v.len().min(x.len()).min(out.len()).min(BLOCK);
    let (v, x, out) = (&v[..n], &x[..n], &mut out[..n]);
    let (active, q, term, sum) = (
        &mut w.active[..n],
        &mut w.q[..n],
        &mut w.term[..n],
        &mut w.sum[..n],
    );
    let (log_pow, order, frac, prod) = (
        &mut w.log_pow[..n],
        &mut w.order[..n],
        &mut w.frac[..n],
        &mut w.prod[..n],
    );
    for j in 0..n {
        let (a, b) = (v[j], x[j]);
        log_pow[j] = a * ln(0.5 * b);
        q[j] = 0.25 * b * b;
        term[j] = 1.0;
        sum[j] = 1.0;
        active[j] = true;
        // 1/Gamma(1 + v) = 1/Gamma(1 + f) / prod_{i=1}^{m} (f + i), m the
        // nearest integer to v.
        let m = (a + 0.5).floor();
        order[j] = m;
        frac[j] = a - m;
        prod[j] = 1.0;
    }
    let mut k = 1.0;
    while k <= 500.0 {
        for j in 0..n {
            let t = term[j] * (q[j] / (k * (v[j] + k)));
            let s = sum[j] + t;
            let a = active[j];
            term[j] = if a { t } else { term[j] };
            sum[j] = if a { s } else { sum[j] };
            active[j] = a & (t > s * super::small::EPS);
        }
        if !active.iter().any(|&a| a) {
            break;
        }
        k += 1.0;
    }
    let most = order.iter().fold(0.0f64, |m, &o| m.max(o));
    let mut i = 1.0;
    while i <= most {
        for j in 0..n {
            prod[j] *= if i <= order[j] { frac[j] + i } else { 1.0 };
        }
        i += 1.0;
    }
    for j in 0..n {
        let recip_gamma = super::small::recip_gamma_1p_small(frac[j]) / prod[j];
        let value = log_pow[j] + ln(recip_gamma * sum[j]);
        out[j] = value;
        // Not converged, or too much cancellation for the sum of logarithms.
        active[j] |= log_pow[j].abs() > 2.0 * value.abs().max(1.0);
    }
}

/// The uniform expansion over lanes (`v`, `x`, `out` of one length, at
/// most [`BLOCK`]) under CPU-feature dispatch; `work.redo` marks the lanes
/// the scalar routine must redo.
fn lanes(which: Which, fused: bool, v: &[f64], x: &[f64], out: &mut [f64], work: &mut Work) {
    pulp::Arch::new().dispatch(DebyeLanes {
        which,
        fused,
        v,
        x,
        out,
        work,
    });
}

/// Whether the CPU has hardware fused multiply-add (the dispatched loops
/// then use it; without it `f64::mul_add` is a software routine).
fn fused_multiply_add() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("fma") && std::env::var_os("NOFMA").is_none()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        cfg!(target_feature = "fma") || cfg!(target_arch = "aarch64")
    }
}

/// The uniform expansion over the first `n` lanes of the scratch, under
/// CPU-feature dispatch.
struct DebyeLanes<'a> {
    which: Which,
    fused: bool,
    v: &'a [f64],
    x: &'a [f64],
    out: &'a mut [f64],
    work: &'a mut Work,
}

impl pulp::WithSimd for DebyeLanes<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let DebyeLanes {
            which,
            fused,
            v,
            x,
            out,
            work,
        } = self;
        if fused {
            debye_lanes::<true>(which, v, x, out, work);
        } else {
            debye_lanes::<false>(which, v, x, out, work);
        }
    }
}

/// The body of [`DebyeLanes`], with fused multiply-adds in the polynomials
/// when `FUSED` (more accurate, and one instruction instead of two).
#[inline(always)]
fn debye_lanes<const FUSED: bool>(
    which: Which,
    v: &[f64],
    x: &[f64],
    out: &mut [f64],
    s: &mut Work,
) {
    let ln = if FUSED {
        ln_positive_fused
    } else {
        ln_positive
    };
    let n = v.len().min(x.len()).min(out.len()).min(BLOCK);
    let (v, x, out) = (&v[..n], &x[..n], &mut out[..n]);
    let redo = &mut s.redo[..n];
    let (r, t2, p) = (&mut s.r[..n], &mut s.t2[..n], &mut s.p[..n]);
    let exponent = &mut s.exponent[..n];
    let sum = &mut s.sum[..n];

    // Geometry as in `debye::geometry`, and the exponent
    // v eta = r - v asinh(v/x) with asinh(v/x) = ln((v + r)/x).
    for j in 0..n {
        let (a, b) = (v[j], x[j]);
        let rj = (a * a + b * b).sqrt();
        let t = a / rj;
        r[j] = rj;
        t2[j] = t * t;
        p[j] = 1.0 / rj;
        let e = rj - a * ln((a + rj) / b);
        exponent[j] = e;
        redo[j] = a > 16.0 && e.abs() < REDO_FRACTION * rj;
    }
    // sum_k (+-1)^k P_k(t^2) p^k, in groups of SUM_WIDTH lanes held in
    // registers (a short last group padded with copies of its first lane).
    for (((sum, t2), p), r) in sum
        .chunks_mut(SUM_WIDTH)
        .zip(t2.chunks(SUM_WIDTH))
        .zip(p.chunks(SUM_WIDTH))
        .zip(r.chunks(SUM_WIDTH))
    {
        let mut gt2 = [t2[0]; SUM_WIDTH];
        let mut gp = [p[0]; SUM_WIDTH];
        let mut gr = [r[0]; SUM_WIDTH];
        gt2[..t2.len()].copy_from_slice(t2);
        gp[..p.len()].copy_from_slice(p);
        gr[..r.len()].copy_from_slice(r);
        let group = debye_sums::<FUSED>(which, &gt2, &gp, &gr);
        let m = sum.len();
        sum.copy_from_slice(&group[..m]);
    }

    // ln I = v eta + ln(sum / sqrt(2 pi r)), ln K = -v eta +
    // ln(sum sqrt(pi / (2 r))).
    let (factor, sign) = match which {
        Which::LogI => (1.0 / (2.0 * std::f64::consts::PI), 1.0),
        Which::LogK => (std::f64::consts::FRAC_PI_2, -1.0),
    };
    for j in 0..n {
        let tail = ln(sum[j] * (factor * p[j]).sqrt());
        out[j] = sign * exponent[j] + tail;
    }
}

/// Lanes per group of [`debye_sums`].
const SUM_WIDTH: usize = 8;

/// `sum_k (+-1)^k P_k(t^2) p^k` for one group of lanes. Term `k` belongs to
/// a lane while `r` stays below the `k`-th threshold of `debye::terms_for`
/// (the thresholds decrease, so that is the lane's own count; at least
/// three terms, as there); the loop runs to the count of the group's
/// smallest `r`, and a lane adds exactly zero past its own.
#[inline(always)]
fn debye_sums<const FUSED: bool>(
    which: Which,
    t2: &[f64; SUM_WIDTH],
    p: &[f64; SUM_WIDTH],
    r: &[f64; SUM_WIDTH],
) -> [f64; SUM_WIDTH] {
    let r_min = r.iter().fold(f64::INFINITY, |m, &rj| m.min(rj));
    let mut most = 3;
    while most < DEBYE_TERMS && r_min <= TERM_THRESHOLD_R[most - 1] {
        most += 1;
    }
    let mut sum = [1.0; SUM_WIDTH];
    let mut power = [1.0; SUM_WIDTH];
    for (k, coefficients) in DEBYE_U.iter().enumerate().take(most).skip(1) {
        let mut poly = [0.0; SUM_WIDTH];
        for &c in coefficients.iter().rev() {
            for l in 0..SUM_WIDTH {
                poly[l] = mul_add_if::<FUSED>(poly[l], t2[l], c);
            }
        }
        let threshold = if k < 3 {
            f64::INFINITY
        } else {
            TERM_THRESHOLD_R[k - 1]
        };
        let subtract = which == Which::LogK && k % 2 == 1;
        for l in 0..SUM_WIDTH {
            power[l] *= p[l];
            let term = poly[l] * power[l];
            let term = if r[l] <= threshold { term } else { 0.0 };
            sum[l] = if subtract {
                sum[l] - term
            } else {
                sum[l] + term
            };
        }
    }
    sum
}
