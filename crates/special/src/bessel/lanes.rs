//! Block evaluation of `ln I_v(x)` and `ln K_v(x)` for the slice forms: the
//! uniform (Debye) expansion over many elements at once, in loops the
//! compiler turns into SIMD lanes.
//!
//! A block of at most [`BLOCK`] elements is first split by region. The
//! elements inside the reach of the uniform expansion (`r = sqrt(v^2 + x^2)`
//! at least 30) with moderate arguments (`v < 1e150`, `1e-150 <= x < 1e150`,
//! so that no intermediate over- or underflows) are gathered into contiguous
//! lanes; every other element goes to the scalar routine. Over the lanes,
//! each step of the expansion of [`super::debye`] is a straight loop without
//! branches: the geometry (`r`, `t^2 = (v/r)^2`, `1/r`), the exponent
//! `v eta = r - v ln((v + r)/x)` with the logarithm of
//! [`crate::branchless::ln_positive`], the term polynomials `P_k(t^2)`
//! coefficient by coefficient across all lanes, and the final logarithm.
//! The loop over terms runs to the count the smallest `r` of the block
//! needs; a lane adds exactly zero for the terms past its own count (the
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
    power: [f64; BLOCK],
    poly: [f64; BLOCK],
}

/// Scratch arrays of one block, reused from block to block.
struct Scratch {
    gathered: Gathered,
    work: Work,
}

impl Scratch {
    fn new() -> Self {
        Self {
            gathered: Gathered {
                v: [0.0; BLOCK],
                x: [0.0; BLOCK],
                home: [0; BLOCK],
                out: [0.0; BLOCK],
            },
            work: Work {
                redo: [false; BLOCK],
                r: [0.0; BLOCK],
                t2: [0.0; BLOCK],
                p: [0.0; BLOCK],
                exponent: [0.0; BLOCK],
                sum: [0.0; BLOCK],
                power: [0.0; BLOCK],
                poly: [0.0; BLOCK],
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
    let mut m = 0;
    for (i, ((&a, &b), o)) in v.iter().zip(x).zip(out.iter_mut()).enumerate() {
        if in_lanes(a, b) {
            g.v[m] = a;
            g.x[m] = b;
            g.home[m] = i;
            m += 1;
        } else {
            *o = scalar(a, b);
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
    let (sum, power, poly) = (&mut s.sum[..n], &mut s.power[..n], &mut s.poly[..n]);

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
    // A separate loop: a minimum reduction would keep the loop above
    // from vectorising.
    let r_min = r.iter().fold(f64::INFINITY, |m, &rj| m.min(rj));

    // sum_k (+-1)^k P_k(t^2) p^k. Term k belongs to a lane while r stays
    // below the k-th threshold of `debye::terms_for` (the thresholds
    // decrease, so that is the lane's own count; at least three terms,
    // as there); the loop runs to the count of the smallest r.
    let mut most = 3;
    while most < DEBYE_TERMS && r_min <= TERM_THRESHOLD_R[most - 1] {
        most += 1;
    }
    sum.fill(1.0);
    power.fill(1.0);
    for (k, coefficients) in DEBYE_U.iter().enumerate().take(most).skip(1) {
        // Horner from the top coefficient, across all lanes at each step.
        poly.fill(0.0);
        for &c in coefficients.iter().rev() {
            for j in 0..n {
                poly[j] = mul_add_if::<FUSED>(poly[j], t2[j], c);
            }
        }
        let threshold = if k < 3 {
            f64::INFINITY
        } else {
            TERM_THRESHOLD_R[k - 1]
        };
        let subtract = which == Which::LogK && k % 2 == 1;
        for j in 0..n {
            power[j] *= p[j];
            let term = poly[j] * power[j];
            let term = if r[j] <= threshold { term } else { 0.0 };
            sum[j] = if subtract {
                sum[j] - term
            } else {
                sum[j] + term
            };
        }
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
