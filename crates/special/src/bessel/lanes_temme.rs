//! `ln K_v(x)` for small arguments (`1e-8 <= x <= 1`, `sqrt(v^2 + x^2) <
//! 30`) over SIMD lanes, for the slice form: Temme's series for `K_mu`,
//! `K_{mu+1}` at the fractional order `|mu| <= 1/2`, then the upward
//! recurrence to `v = n + mu`, as `small::log_k_and_dlog` does one element
//! at a time.
//!
//! Lanes go in groups of [`WIDTH`], each step a short loop over the group
//! without branches. The series runs until every lane of the group has
//! met its own stopping rule (a lane adds exactly zero after its own last
//! term), and the recurrence to the largest `n` of the group (a lane keeps
//! its values after its own `n`), so a lane's result does not depend on its
//! neighbours. The elementary functions are the branch-free ones:
//! [`crate::branchless::ln_positive`], [`crate::branchless::exp_branchless`]
//! for `e^{mu ln(2/x)}` (within 2 ulp of `f64::exp`), and
//! `sin(pi mu)/(pi mu)` by its Taylor series (twelve terms for
//! `|pi mu| <= pi/2`, truncation below `1e-18`). The series step takes one
//! division per lane where the scalar routine takes four (see below);
//! everything else follows the scalar routine operation by operation. Lanes
//! whose series has not met its rule in 200 terms are handed back to the
//! scalar routine.
//!
//! References: N. M. Temme, "On the numerical evaluation of the modified
//! Bessel function of the third kind", J. Comput. Phys. 19 (1975);
//! W. H. Press et al., *Numerical Recipes*, 3rd ed., 6.6.

use super::small::{EPS, sinh_over_x, temme_gammas};
use crate::branchless::{exp_branchless, ln_positive};
use std::f64::consts::{LN_2, LN_10, PI};

/// Lanes per group.
const WIDTH: usize = 8;

/// Smallest `x` of the lanes: below, a factor `2 (mu + m)/x` of the
/// recurrence could overflow and the scalar routine recurs on ratios.
pub(crate) const TEMME_LANES_MIN_X: f64 = 1e-8;

/// `(-1)^k / (2k + 1)!` for `k = 11` down to `0`: `sin(y)/y` in `y^2`,
/// Horner order.
const SINC_SERIES: [f64; 12] = [
    -3.868_170_170_630_684e-23,
    1.957_294_106_339_126_2e-20,
    -8.220_635_246_624_329e-18,
    2.811_457_254_345_520_6e-15,
    -7.647_163_731_819_816e-13,
    1.605_904_383_682_161_3e-10,
    -2.505_210_838_544_171_8e-8,
    2.755_731_922_398_589e-6,
    -1.984_126_984_126_984e-4,
    8.333_333_333_333_333e-3,
    -1.666_666_666_666_666_6e-1,
    1.0,
];

/// `sin(y)/y` for `|y| <= pi/2`.
#[inline(always)]
fn sinc(y: f64) -> f64 {
    let y2 = y * y;
    SINC_SERIES.iter().fold(0.0, |acc, &c| acc * y2 + c)
}

/// Whether `(v, x)` goes to these lanes (`ln K` only).
#[inline(always)]
pub(crate) fn in_temme_lanes(v: f64, x: f64) -> bool {
    (0.0..super::debye::DEBYE_MIN_R).contains(&v)
        & (TEMME_LANES_MIN_X..=super::small::TEMME_MAX_X).contains(&x)
        & ((v * v + x * x).sqrt() < super::debye::DEBYE_MIN_R)
}

/// `out[j] = ln K_{v[j]}(x[j])` over lanes (all four slices of one length);
/// `redo[j]` marks the lanes the scalar routine must compute instead.
pub(crate) fn log_k_temme(v: &[f64], x: &[f64], out: &mut [f64], redo: &mut [bool]) {
    pulp::Arch::new().dispatch(TemmeLanes { v, x, out, redo });
}

struct TemmeLanes<'a> {
    v: &'a [f64],
    x: &'a [f64],
    out: &'a mut [f64],
    redo: &'a mut [bool],
}

impl pulp::WithSimd for TemmeLanes<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let TemmeLanes { v, x, out, redo } = self;
        for (((v, x), out), redo) in v
            .chunks(WIDTH)
            .zip(x.chunks(WIDTH))
            .zip(out.chunks_mut(WIDTH))
            .zip(redo.chunks_mut(WIDTH))
        {
            // A short group is padded with copies of its first lane.
            let mut gv = [v[0]; WIDTH];
            let mut gx = [x[0]; WIDTH];
            gv[..v.len()].copy_from_slice(v);
            gx[..x.len()].copy_from_slice(x);
            let (value, failed) = group(&gv, &gx);
            let m = out.len();
            out.copy_from_slice(&value[..m]);
            redo.copy_from_slice(&failed[..m]);
        }
    }
}

/// One group of lanes: the values and the lanes to redo.
#[inline(always)]
fn group(v: &[f64; WIDTH], x: &[f64; WIDTH]) -> ([f64; WIDTH], [bool; WIDTH]) {
    let mut n = [0.0; WIDTH];
    let mut mu = [0.0; WIDTH];
    let mut mu2 = [0.0; WIDTH];
    let mut ff = [0.0; WIDTH];
    let mut p = [0.0; WIDTH];
    let mut q = [0.0; WIDTH];
    let mut dd = [0.0; WIDTH];
    for l in 0..WIDTH {
        n[l] = (v[l] + 0.5).floor();
        mu[l] = v[l] - n[l];
        mu2[l] = mu[l] * mu[l];
        let (gam1, gam2, gampl, gammi) = temme_gammas(mu[l]);
        let half = 0.5 * x[l];
        let d = LN_2 - ln_positive(x[l]);
        let e = mu[l] * d;
        let fact = 1.0 / sinc(PI * mu[l]);
        let ee = exp_branchless(e);
        let inv_ee = 1.0 / ee;
        let fact2 = if e.abs() < 0.5 {
            sinh_over_x(e)
        } else {
            0.5 * (ee - inv_ee) / e
        };
        let cosh_e = 0.5 * (ee + inv_ee);
        ff[l] = fact * (gam1 * cosh_e + gam2 * fact2 * d);
        p[l] = 0.5 * ee / gampl;
        q[l] = 0.5 * inv_ee / gammi;
        dd[l] = half * half;
    }
    let mut sum = ff;
    let mut sum1 = p;
    let mut cc = [1.0; WIDTH];
    let mut active = [true; WIDTH];
    let mut i = 1.0;
    loop {
        // One division per lane and step where the scalar routine has four:
        // 1/(i^2 - mu^2) serves p/(i - mu) and q/(i + mu) as well (two more
        // roundings each, on terms that decrease), and 1/i is the group's.
        let inv_i = 1.0 / i;
        for l in 0..WIDTH {
            let inv = 1.0 / (i * i - mu2[l]);
            let ff_next = (i * ff[l] + p[l] + q[l]) * inv;
            let cc_next = cc[l] * (dd[l] * inv_i);
            let p_next = p[l] * ((i + mu[l]) * inv);
            let q_next = q[l] * ((i - mu[l]) * inv);
            let del = cc_next * ff_next;
            let a = active[l];
            // A finished lane goes on stepping (harmlessly) but adds zero.
            ff[l] = ff_next;
            cc[l] = cc_next;
            p[l] = p_next;
            q[l] = q_next;
            let sum_next = sum[l] + if a { del } else { 0.0 };
            let add1 = cc_next * (p_next - i * ff_next);
            sum1[l] += if a { add1 } else { 0.0 };
            sum[l] = sum_next;
            active[l] = a & (del.abs() >= sum_next.abs() * EPS);
        }
        if !active.iter().any(|&a| a) || i > 200.0 {
            break;
        }
        i += 1.0;
    }

    // K_mu = sum, x K_{mu+1}/K_mu = 2 sum1/sum; then K_{m+1} = (2 (mu + m)
    // / x) K_m + K_{m-1} normalised to K_mu = 1, rescaled before overflow.
    const BIG: f64 = 1e250;
    let mut k_prev = [1.0; WIDTH];
    let mut k_cur = [0.0; WIDTH];
    let mut acc = [0.0; WIDTH];
    let mut ln_kmu = [0.0; WIDTH];
    for l in 0..WIDTH {
        ln_kmu[l] = ln_positive(sum[l]);
        k_cur[l] = (2.0 * sum1[l] / sum[l]) / x[l];
    }
    let most = n.iter().fold(0.0f64, |a, &b| a.max(b));
    let mut m = 1.0;
    while m < most {
        for l in 0..WIDTH {
            let step = m < n[l];
            let k_next = (2.0 * (mu[l] + m) / x[l]) * k_cur[l] + k_prev[l];
            let big = step & (k_next > BIG);
            let (prev, cur) = if step {
                (k_cur[l], k_next)
            } else {
                (k_prev[l], k_cur[l])
            };
            k_prev[l] = if big { prev / BIG } else { prev };
            k_cur[l] = if big { cur / BIG } else { cur };
            acc[l] += if big { 250.0 * LN_10 } else { 0.0 };
        }
        m += 1.0;
    }
    let mut value = [0.0; WIDTH];
    let mut failed = [false; WIDTH];
    for l in 0..WIDTH {
        let recurred = ln_kmu[l] + acc[l] + ln_positive(k_cur[l]);
        value[l] = if n[l] == 0.0 { ln_kmu[l] } else { recurred };
        failed[l] = active[l];
    }
    (value, failed)
}
