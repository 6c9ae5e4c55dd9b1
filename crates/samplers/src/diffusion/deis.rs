//! DEIS, the diffusion exponential integrator sampler of Zhang and Chen
//! (2023), in its multistep "tAB" form with Lagrange interpolation in
//! `ln sigma` (the log-rho DEIS of diffusers' `DEISMultistepScheduler`).
//!
//! In EDM variables the probability-flow ODE is `dx/dsigma = eps(x, sigma)`
//! with the noise prediction `eps = (x - D(x; sigma)) / sigma`, so a step
//! from `sigma_s` to `sigma_t` is exactly `x_t = x_s + int eps dsigma`.
//! DEIS replaces `eps` by the Lagrange polynomial through the last
//! `q <= 3` outputs, in the variable `v = ln(sigma / sigma_s)`, and
//! integrates it exactly: with `l_j(v) = a v^2 + b v + c` the basis
//! polynomial of node `j`, `int l_j(v) e^v dv = e^v (a v^2 + (b - 2a) v +
//! c - b + 2a)`, so `x_t = x_s + sigma_s sum_j [G_j]_0^{ln(sigma_t/sigma_s)} eps_j`.
//! Order 1 is Euler (DDIM). The first steps warm up from order 1, and, as in
//! diffusers, the last two steps lower the order when there are fewer than
//! 15 steps. A final level of zero is the limit `e^v -> 0`.

/// Multistep state of a DEIS run over one chunk of rows.
pub(crate) struct DeisState {
    /// Earlier noise predictions, newest first, with their levels.
    eps: Vec<Vec<f64>>,
    levels: Vec<f64>,
}

/// `int_0^{vt} l(v) e^v dv` for `l(v) = a v^2 + b v + c` (`vt = -inf` allowed).
fn integral(a: f64, b: f64, c: f64, vt: f64) -> f64 {
    let g = |v: f64| a * v * v + (b - 2.0 * a) * v + c - b + 2.0 * a;
    let at_t = if vt == f64::NEG_INFINITY {
        0.0
    } else {
        vt.exp() * g(vt)
    };
    at_t - g(0.0)
}

impl DeisState {
    pub(crate) fn new() -> Self {
        Self {
            eps: Vec::new(),
            levels: Vec::new(),
        }
    }

    /// One DEIS step at level `i` of `sigmas` with denoiser output `den`.
    pub(crate) fn step(
        &mut self,
        x: &mut [f64],
        den: &[f64],
        sigmas: &[f64],
        i: usize,
        max_order: usize,
    ) {
        let (s, sn) = (sigmas[i], sigmas[i + 1]);
        let eps: Vec<f64> = x.iter().zip(den).map(|(x, d)| (x - d) / s).collect();
        if self.eps.len() == max_order {
            self.eps.pop();
            self.levels.pop();
        }
        self.eps.insert(0, eps);
        self.levels.insert(0, s);
        let steps = sigmas.len() - 1;
        let lower_final = steps < 15;
        let mut order = max_order.min(i + 1);
        if lower_final && i + 1 == steps {
            order = 1;
        } else if lower_final && i + 2 == steps {
            order = order.min(2);
        }
        let vt = if sn == 0.0 {
            f64::NEG_INFINITY
        } else {
            (sn / s).ln()
        };
        // Lagrange basis in v = ln(sigma / s) through v_0 = 0, v_1, v_2.
        let coefs: Vec<f64> = match order {
            1 => vec![integral(0.0, 0.0, 1.0, vt)],
            2 => {
                let v1 = (self.levels[1] / s).ln();
                vec![
                    integral(0.0, -1.0 / v1, 1.0, vt),
                    integral(0.0, 1.0 / v1, 0.0, vt),
                ]
            }
            _ => {
                let v1 = (self.levels[1] / s).ln();
                let v2 = (self.levels[2] / s).ln();
                let (d0, d1, d2) = (v1 * v2, v1 * (v1 - v2), v2 * (v2 - v1));
                vec![
                    integral(1.0 / d0, -(v1 + v2) / d0, 1.0, vt),
                    integral(1.0 / d1, -v2 / d1, 0.0, vt),
                    integral(1.0 / d2, -v1 / d2, 0.0, vt),
                ]
            }
        };
        for k in 0..x.len() {
            let mut inc = 0.0;
            for (j, c) in coefs.iter().enumerate() {
                inc += c * self.eps[j][k];
            }
            x[k] += s * inc;
        }
    }
}
