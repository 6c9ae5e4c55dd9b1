//! Gauss-Hermite and Gauss-Legendre nodes and weights in `O(n)` by the
//! Glaser-Liu-Rokhlin method: the zeros are walked outwards one at a time
//! along the ODE of the orthogonal polynomial, so each costs `O(1)` instead
//! of an `O(n)` recurrence.
//!
//! **Hermite.** The Hermite function `u(x) = e^{-x²/2} H_n(x)` (up to a
//! constant) solves `u'' = (x² - λ) u`, `λ = 2n + 1`, and its zeros are the
//! nodes. Starting from `x = 0` (a zero for odd `n`, an extremum for even
//! `n`), each next zero is located in two stages. First a guess: in the
//! Prüfer angle `θ`, `tan θ = √q u/u'` with `q = λ - x²`, consecutive zeros
//! are `π` apart and `dx/dθ = 1/(√q - x sin(2θ)/(2q))`, integrated over
//! that interval by a few classical Runge-Kutta steps. Then Newton's method
//! on the Taylor series of `u` about the current zero, whose coefficients
//! follow from the ODE: with `x = x₀ + t`,
//! `c_{j+2} = ((x₀² - λ) c_j + 2x₀ c_{j-1} + c_{j-2}) / ((j+1)(j+2))`.
//! The series also gives `u'` at the new zero, which seeds the next step.
//! Because `u` is bounded in the oscillatory region `x² < λ` where all
//! the zeros lie, nothing overflows, and the weights come out in log form
//! as `ln w_k = ln C - x_k² - 2 ln |u'(x_k)|` (from
//! `w_k = 2^{n+1} n! √π / H_n'(x_k)²` and `u' = e^{-x²/2} H_n'` at a
//! zero), with the constant fixed by `Σ w_k = √π`.
//!
//! **Legendre.** `P_n` solves `(1-x²) y'' - 2x y' + n(n+1) y = 0`, whose
//! Taylor coefficients about `x₀` obey
//! `(1-x₀²)(j+1)(j+2) c_{j+2} = 2x₀(j+1)² c_{j+1} + (j(j+1) - n(n+1)) c_j`
//! (radius of convergence `1 - |x₀|`, so the outermost steps take more
//! terms). Guesses come from the Prüfer angle of
//! `v(φ) = √(cos φ) P_n(sin φ)`, `v'' + Q v = 0`,
//! `Q = (n+½)² + 1/(4 cos² φ)`, in which zeros are again `π` apart. The
//! weights are `w_k = 2/((1-x_k²) P_n'(x_k)²)`, normalised by `Σ w_k = 2`.
//!
//! In both walks the solution is carried on through each node as stored,
//! keeping its rounding-level residual there instead of resetting it to
//! zero, so node errors do not accumulate; the residual also gives the
//! first-order offset of the exact zero, whose weight is the one wanted.
//!
//! References: A. Glaser, X. Liu and V. Rokhlin, *A fast algorithm for the
//! calculation of the roots of special functions*, SIAM J. Sci. Comput. 29
//! (2007); A. Townsend, T. Trogdon and S. Olver, *Fast computation of Gauss
//! quadrature nodes and weights on the whole real line*, IMA J. Numer. Anal.
//! 36 (2016) (the Hermite-function form of the weights); N. Hale and
//! A. Townsend, *Fast and accurate computation of Gauss-Legendre and
//! Gauss-Jacobi quadrature nodes and weights*, SIAM J. Sci. Comput. 35
//! (2013).

use std::f64::consts::PI;

/// Terms of the local Taylor series. The steps between zeros are below
/// `π/√q`, and the coefficients fall like `(|q| + 2x₀)^{j/2}/j!` and
/// faster, so 48 terms reach rounding level with a wide margin.
const TERMS: usize = 48;

/// Runge-Kutta steps per interval between zeros for the initial guess.
const RK_STEPS: usize = 4;

/// Taylor coefficients `c_j = u^{(j)}(x₀)/j!` of the solution of
/// `u'' = (x² - λ) u` with `u(x₀) = u0`, `u'(x₀) = d0`.
fn taylor(x0: f64, lambda: f64, u0: f64, d0: f64) -> [f64; TERMS] {
    let mut c = [0.0; TERMS];
    c[0] = u0;
    c[1] = d0;
    let a = x0 * x0 - lambda;
    for j in 0..TERMS - 2 {
        let mut s = a * c[j];
        if j >= 1 {
            s += 2.0 * x0 * c[j - 1];
        }
        if j >= 2 {
            s += c[j - 2];
        }
        c[j + 2] = s / ((j + 1) * (j + 2)) as f64;
    }
    c
}

/// `(u, u')` at `x₀ + h` from the Taylor coefficients, by Horner.
fn taylor_eval(c: &[f64; TERMS], h: f64) -> (f64, f64) {
    let mut u = c[TERMS - 1];
    let mut d = (TERMS - 1) as f64 * c[TERMS - 1];
    for j in (1..TERMS - 1).rev() {
        u = u.mul_add(h, c[j]);
        d = d.mul_add(h, j as f64 * c[j]);
    }
    (u.mul_add(h, c[0]), d)
}

/// `dx/dθ` of the Prüfer angle for `u'' + q u = 0`, `q = λ - x²`.
fn prufer_slope(x: f64, theta: f64, lambda: f64) -> f64 {
    let q = lambda - x * x;
    1.0 / (q.sqrt() - x * (2.0 * theta).sin() / (2.0 * q))
}

/// `x` at angle `theta1` from `x` at `theta0`, by classical Runge-Kutta.
fn prufer_advance(x: f64, theta0: f64, theta1: f64, lambda: f64) -> f64 {
    let h = (theta1 - theta0) / RK_STEPS as f64;
    let (mut x, mut t) = (x, theta0);
    for _ in 0..RK_STEPS {
        let k1 = h * prufer_slope(x, t, lambda);
        let k2 = h * prufer_slope(x + 0.5 * k1, t + 0.5 * h, lambda);
        let k3 = h * prufer_slope(x + 0.5 * k2, t + 0.5 * h, lambda);
        let k4 = h * prufer_slope(x + k3, t + h, lambda);
        x += (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0;
        t += h;
    }
    x
}

/// The offset `h` of the zero of `u` nearest `x₀ + h` by Newton's method
/// on the Taylor series `c` about `x₀`.
fn newton_on_series(c: &[f64; TERMS], x0: f64, mut h: f64) -> f64 {
    for _ in 0..12 {
        let (u, d) = taylor_eval(c, h);
        let step = u / d;
        h -= step;
        if !step.is_finite() || step.abs() <= 2.0 * f64::EPSILON * (x0 + h).abs() {
            break;
        }
    }
    h
}

/// The positive-half walk: the zeros `0 < x_1 < ... < x_m` of `H_n`
/// (`m = ⌊n/2⌋`) and `ln |u'| + xδ` at each (`δ` the offset of the exact
/// zero from the stored one), plus `ln |u'(0)|` for odd `n`.
/// `None` if a step misbehaves (a guess outside the oscillatory region, a
/// Newton iterate that moved more than a quarter of a spacing, or a
/// non-finite value), so that the caller can fall back.
#[allow(clippy::type_complexity)]
fn positive_zeros(n: usize) -> Option<(Vec<f64>, Vec<f64>, Option<f64>)> {
    let lambda = 2.0 * n as f64 + 1.0;
    let m = n / 2;
    let mut nodes = Vec::with_capacity(m);
    let mut ln_slopes = Vec::with_capacity(m);
    // Seed at 0: a zero with u'(0) = 1 for odd n, an extremum with
    // u(0) = 1 (θ = π/2) for even n.
    let odd = n % 2 == 1;
    let (mut x, mut u0, mut d0, mut theta0) = if odd {
        (0.0, 0.0, 1.0, 0.0)
    } else {
        (0.0, 1.0, 0.0, 0.5 * PI)
    };
    for _ in 0..m {
        let guess = prufer_advance(x, theta0, PI, lambda);
        if !guess.is_finite() || guess <= x || guess * guess >= lambda {
            return None;
        }
        let c = taylor(x, lambda, u0, d0);
        let h = newton_on_series(&c, x, guess - x);
        let next = x + h;
        // Continue the same solution from the node as stored: its value
        // there is a rounding-level residual that is kept rather than reset
        // to zero, so node errors do not accumulate along the walk.
        // (`next - x` is exact: both are positive and within a factor 2,
        // except from x = 0 where it is `next` itself.)
        let (residual, d) = taylor_eval(&c, next - x);
        if !(next > x && d.is_finite() && d != 0.0) || (next - guess).abs() > 0.25 * (next - x) {
            return None;
        }
        nodes.push(next);
        // ln|u'| and, to first order, the sub-ulp offset of the exact zero
        // `next + δ`, `δ = -residual/u'`, whose weight the rule wants:
        // `-(x+δ)² - 2 ln|u'(x+δ)| = -x² - 2 ln|u'| - 2xδ + O(δ²)` (the
        // `u''` term vanishes with `u`). The offset matters for the outer
        // nodes, where `x²` is in the thousands.
        ln_slopes.push(d.abs().ln() - next * residual / d);
        x = next;
        u0 = residual;
        d0 = d;
        theta0 = 0.0;
    }
    Some((nodes, ln_slopes, odd.then_some(0.0)))
}

/// Nodes (ascending) and log-weights of the `n`-point Gauss-Hermite rule
/// for `e^{-x²}`, in `O(n)`; `None` if the walk failed its checks.
pub(crate) fn gauss_hermite_glr(n: usize) -> Option<(Vec<f64>, Vec<f64>)> {
    if n == 0 {
        return None;
    }
    let (positive, ln_slopes, zero) = positive_zeros(n)?;
    // Unnormalised log-weights -x² - 2 ln|u'|, then ln C from Σ w = √π.
    let raw: Vec<f64> = positive
        .iter()
        .zip(&ln_slopes)
        .map(|(x, ls)| -x * x - 2.0 * ls)
        .collect();
    let raw_zero = zero.map(|ls| -2.0 * ls);
    let max = raw
        .iter()
        .copied()
        .chain(raw_zero)
        .fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = 2.0 * raw.iter().map(|r| (r - max).exp()).sum::<f64>()
        + raw_zero.map_or(0.0, |r| (r - max).exp());
    let ln_c = 0.5 * PI.ln() - max - sum.ln();
    let m = positive.len();
    let mut nodes = Vec::with_capacity(n);
    let mut log_weights = Vec::with_capacity(n);
    for k in (0..m).rev() {
        nodes.push(-positive[k]);
        log_weights.push(ln_c + raw[k]);
    }
    if let Some(r) = raw_zero {
        nodes.push(0.0);
        log_weights.push(ln_c + r);
    }
    for k in 0..m {
        nodes.push(positive[k]);
        log_weights.push(ln_c + raw[k]);
    }
    (nodes.len() == n && log_weights.iter().all(|w| w.is_finite())).then_some((nodes, log_weights))
}

/// Most Taylor terms for a Legendre step (the outermost steps, where the
/// step is a large fraction of the distance to `±1`).
const LEGENDRE_MAX_TERMS: usize = 600;

/// Taylor coefficients of the solution of the Legendre equation about
/// `x₀` with `y(x₀) = y0`, `y'(x₀) = d0`, `terms` of them, in the scaled
/// variable `s = (x - x₀)/r` with `r = 1 - x₀` the radius of convergence:
/// `c̃_j = y^{(j)}(x₀) r^j / j!`, which stay bounded where the plain
/// coefficients (growing like `r^{-j}`) would overflow near `x = 1`.
fn legendre_taylor(x0: f64, n: f64, y0: f64, d0: f64, terms: usize, c: &mut Vec<f64>) {
    let r = 1.0 - x0;
    c.clear();
    c.push(y0);
    c.push(d0 * r);
    // r^2 / (1 - x₀²) = r / (1 + x₀).
    let r_over = r / (1.0 + x0);
    let nn = n * (n + 1.0);
    for j in 0..terms.saturating_sub(2) {
        let jf = j as f64;
        let s = (2.0 * x0 / (1.0 + x0)) * (jf + 1.0) * (jf + 1.0) * c[j + 1]
            + (jf * (jf + 1.0) - nn) * r_over * c[j];
        c.push(s / ((jf + 1.0) * (jf + 2.0)));
    }
}

/// `(y, y')` at `x₀ + h` from Taylor coefficients of any length, by Horner.
fn series_eval(c: &[f64], h: f64) -> (f64, f64) {
    let k = c.len() - 1;
    let mut y = c[k];
    let mut d = k as f64 * c[k];
    for j in (1..k).rev() {
        y = y.mul_add(h, c[j]);
        d = d.mul_add(h, j as f64 * c[j]);
    }
    (y.mul_add(h, c[0]), d)
}

/// `dφ/dψ` of the Prüfer angle `ψ` for `v'' + Q v = 0`,
/// `Q = (n+½)² + 1/(4 cos² φ)`.
fn legendre_prufer_slope(phi: f64, psi: f64, n: f64) -> f64 {
    let cos = phi.cos();
    let q = (n + 0.5) * (n + 0.5) + 0.25 / (cos * cos);
    let dq = 0.5 * phi.sin() / (cos * cos * cos);
    1.0 / (q.sqrt() + dq * (2.0 * psi).sin() / (4.0 * q))
}

/// Nodes (ascending) and log-weights of the `n`-point Gauss-Legendre rule,
/// in `O(n)` (a few hundred Taylor terms for the outermost nodes only);
/// `None` if the walk failed its checks.
pub(crate) fn gauss_legendre_glr(n: usize) -> Option<(Vec<f64>, Vec<f64>)> {
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let m = n / 2;
    let odd = n % 2 == 1;
    let (mut x, mut y0, mut d0, mut psi0): (f64, f64, f64, f64) = if odd {
        (0.0, 0.0, 1.0, 0.0)
    } else {
        (0.0, 1.0, 0.0, 0.5 * PI)
    };
    let mut positive = Vec::with_capacity(m);
    // Unnormalised log-weights: -ln(1-x²) - 2 ln|P'| - 2xδ/(1-x²).
    let mut raw = Vec::with_capacity(m);
    let mut c = Vec::with_capacity(LEGENDRE_MAX_TERMS);
    for _ in 0..m {
        // Guess: advance the Prüfer angle by the rest of π in φ = asin x.
        let h_rk = (PI - psi0) / RK_STEPS as f64;
        let (mut phi, mut psi) = (x.asin(), psi0);
        for _ in 0..RK_STEPS {
            let k1 = h_rk * legendre_prufer_slope(phi, psi, nf);
            let k2 = h_rk * legendre_prufer_slope(phi + 0.5 * k1, psi + 0.5 * h_rk, nf);
            let k3 = h_rk * legendre_prufer_slope(phi + 0.5 * k2, psi + 0.5 * h_rk, nf);
            let k4 = h_rk * legendre_prufer_slope(phi + k3, psi + h_rk, nf);
            phi += (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0;
            psi += h_rk;
        }
        let guess = phi.sin();
        if !(guess.is_finite() && guess > x && guess < 1.0) {
            return None;
        }
        // Terms for the series to reach rounding at the step. In the bulk
        // they fall like `z^j/j!`, `z = n h/√(1-x²) ≈ π`, which takes about
        // 48 terms; near `x = 1` like the step over the radius of
        // convergence `1 - x`, which takes more.
        let ratio = (guess - x) / (1.0 - x);
        if ratio >= 0.9 {
            return None;
        }
        let terms =
            ((f64::EPSILON.ln() / ratio.ln()).ceil() as usize + 20).clamp(48, LEGENDRE_MAX_TERMS);
        legendre_taylor(x, nf, y0, d0, terms, &mut c);
        let r = 1.0 - x;
        let mut h = guess - x;
        for _ in 0..12 {
            let (y, d) = series_eval(&c, h / r);
            let step = r * y / d;
            h -= step;
            if !step.is_finite() || step.abs() <= 2.0 * f64::EPSILON * (x + h).abs() {
                break;
            }
        }
        let next = x + h;
        let (residual, d) = series_eval(&c, (next - x) / r);
        let d = d / r;
        if !(next > x && next < 1.0 && d.is_finite() && d != 0.0)
            || (next - guess).abs() > 0.25 * (next - x)
        {
            return None;
        }
        let one_minus = (1.0 - next) * (1.0 + next);
        let delta = -residual / d;
        positive.push(next);
        raw.push(-one_minus.ln() - 2.0 * d.abs().ln() - 2.0 * next * delta / one_minus);
        x = next;
        y0 = residual;
        d0 = d;
        psi0 = 0.0;
    }
    // At 0 for odd n: 1 - x² = 1 and P'(0) = 1 in the walk's scale.
    let raw_zero = odd.then_some(0.0);
    let max = raw
        .iter()
        .copied()
        .chain(raw_zero)
        .fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = 2.0 * raw.iter().map(|r| (r - max).exp()).sum::<f64>()
        + raw_zero.map_or(0.0, |r| (r - max).exp());
    let ln_c = std::f64::consts::LN_2 - max - sum.ln();
    let mut nodes = Vec::with_capacity(n);
    let mut log_weights = Vec::with_capacity(n);
    for k in (0..m).rev() {
        nodes.push(-positive[k]);
        log_weights.push(ln_c + raw[k]);
    }
    if let Some(r) = raw_zero {
        nodes.push(0.0);
        log_weights.push(ln_c + r);
    }
    for k in 0..m {
        nodes.push(positive[k]);
        log_weights.push(ln_c + raw[k]);
    }
    (nodes.len() == n && log_weights.iter().all(|w| w.is_finite())).then_some((nodes, log_weights))
}
