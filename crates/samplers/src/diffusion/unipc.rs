//! UniPC, the unified predictor-corrector multistep solver of Zhao et al.
//! (2023), in its data-prediction form on the EDM noise levels.
//!
//! With `lambda = -ln sigma`, a step from `sigma_s` to `sigma_t` has
//! `h = lambda_t - lambda_s` and the exact probability-flow solution
//! `x_t = (sigma_t / sigma_s) x_s + sigma_t int_{lambda_s}^{lambda_t} e^l D dl`.
//! UniPC expands `D` around the last output `m0` using the divided
//! differences `D1_k = (m_k - m0) / r_k` of earlier outputs at relative
//! log-SNR offsets `r_k = (lambda_k - lambda_s) / h`:
//!
//! `x_t = (sigma_t / sigma_s) x_s + (1 - e^{-h}) m0 - B(h) sum_k rho_k D1_k`,
//!
//! where the weights `rho` solve the order conditions `R rho = g`,
//! `R_{ij} = r_j^i`, `g_i = i! phi_{i+1}(-h) (-h)^{i+1} / B(h)` (with
//! `phi_k` the exponential-integrator functions), and `B(h)` is either `-h`
//! (variant B1) or `e^{-h} - 1` (variant B2). The predictor (UniP) uses
//! the outputs already known; the corrector (UniC) reruns the previous step
//! once the output at the new point is available, adding it as the node
//! `r = 1`, and so raises the order by one without an extra evaluation.
//! Orders 1 to 3 are provided; as in diffusers' `UniPCMultistepScheduler`
//! (default `lower_order_final`), the first steps warm up from order 1 and
//! the last steps lower the order so the final step to `sigma = 0` is
//! first order, and the order-2 predictor and the order-1 corrector use
//! the fixed weight `rho = 1/2`.

use faer::Mat;
use faer::prelude::Solve;

/// The `B(h)` of UniPC's order conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniPcVariant {
    /// `B(h) = h` (in the data-prediction sign convention, `-h`).
    Bh1,
    /// `B(h) = e^h - 1` (in the data-prediction sign convention, `e^{-h} - 1`);
    /// diffusers' default and the better choice for guided sampling.
    Bh2,
}

/// `B(h)` and the weights `rho` for a step of log-SNR length `h` with
/// earlier nodes at relative offsets `rks` (one per earlier output used).
/// The predictor uses `rks` only; the corrector appends the node `r = 1`.
fn weights(h: f64, rks: &[f64], variant: UniPcVariant, corrector: bool) -> (f64, Vec<f64>) {
    let hh = -h;
    let b_h = match variant {
        UniPcVariant::Bh1 => hh,
        UniPcVariant::Bh2 => hh.exp_m1(),
    };
    let order = rks.len() + 1;
    let mut nodes = rks.to_vec();
    nodes.push(1.0);
    // g_i = i! phi_{i+1}(hh) hh^{i+1}-type recursion of diffusers' `h_phi_k`.
    let mut g = Vec::with_capacity(order);
    let mut h_phi_k = hh.exp_m1() / hh - 1.0;
    let mut factorial = 1.0;
    for i in 1..=order {
        g.push(h_phi_k * factorial / b_h);
        factorial *= (i + 1) as f64;
        h_phi_k = h_phi_k / hh - 1.0 / factorial;
    }
    let m = if corrector { order } else { order - 1 };
    let rhos = match (corrector, order) {
        (false, 1) => Vec::new(),
        (false, 2) | (true, 1) => vec![0.5],
        _ => {
            let r = Mat::from_fn(m, m, |i, j| nodes[j].powi(i as i32));
            let rhs = Mat::from_fn(m, 1, |i, _| g[i]);
            let sol = r.as_ref().partial_piv_lu().solve(rhs.as_ref());
            (0..m).map(|i| sol[(i, 0)]).collect()
        }
    };
    (b_h, rhos)
}

/// Multistep state of a UniPC run over one chunk of rows.
pub(crate) struct UniPcState {
    /// Earlier denoiser outputs, newest first, with their noise levels.
    outputs: Vec<Vec<f64>>,
    levels: Vec<f64>,
    /// The state at the previous level (the corrector's starting point).
    last_sample: Vec<f64>,
    /// Order of the previous predictor step.
    last_order: usize,
}

impl UniPcState {
    pub(crate) fn new() -> Self {
        Self {
            outputs: Vec::new(),
            levels: Vec::new(),
            last_sample: Vec::new(),
            last_order: 0,
        }
    }

    /// One UniPC step at level `i` of `sigmas`: `x` is the state at
    /// `sigmas[i]` and `den` the denoiser output there; on return `x` is the
    /// state at `sigmas[i + 1]`.
    pub(crate) fn step(
        &mut self,
        x: &mut [f64],
        den: &[f64],
        sigmas: &[f64],
        i: usize,
        max_order: usize,
        variant: UniPcVariant,
        corrector: bool,
    ) {
        let len = x.len();
        let s = sigmas[i];
        if corrector && i > 0 {
            // UniC: redo the step sigma_{i-1} -> sigma_i with the new output.
            let order = self.last_order;
            let s0 = self.levels[0];
            let h = (s0 / s).ln();
            let rks: Vec<f64> = (1..order)
                .map(|k| -(self.levels[k] / s0).ln() / h)
                .collect();
            let (b_h, rhos) = weights(h, &rks, variant, true);
            let (ratio, w) = (s / s0, -(-h).exp_m1());
            let m0 = &self.outputs[0];
            for k in 0..len {
                let mut res = rhos[order - 1] * (den[k] - m0[k]);
                for (j, r) in rks.iter().enumerate() {
                    res += rhos[j] * (self.outputs[j + 1][k] - m0[k]) / r;
                }
                x[k] = ratio * self.last_sample[k] + w * m0[k] - b_h * res;
            }
        }
        // Shift the history and record this output (at the uncorrected point).
        if self.outputs.len() == max_order {
            let mut oldest = self.outputs.pop().unwrap_or_default();
            self.levels.pop();
            oldest.clear();
            oldest.extend_from_slice(den);
            self.outputs.insert(0, oldest);
        } else {
            self.outputs.insert(0, den.to_vec());
        }
        self.levels.insert(0, s);
        let steps = sigmas.len() - 1;
        let order = max_order.min(steps - i).min(i + 1);
        self.last_order = order;
        self.last_sample.clear();
        self.last_sample.extend_from_slice(x);
        let sn = sigmas[i + 1];
        if sn == 0.0 {
            // Only reached at order 1: the exact step to sigma = 0 is D itself.
            x.copy_from_slice(den);
            return;
        }
        // UniP.
        let h = (s / sn).ln();
        let rks: Vec<f64> = (1..order).map(|k| -(self.levels[k] / s).ln() / h).collect();
        let (b_h, rhos) = weights(h, &rks, variant, false);
        let (ratio, w) = (sn / s, -(-h).exp_m1());
        let m0 = &self.outputs[0];
        for k in 0..len {
            let mut res = 0.0;
            for (j, r) in rks.iter().enumerate() {
                res += rhos[j] * (self.outputs[j + 1][k] - m0[k]) / r;
            }
            x[k] = ratio * x[k] + w * m0[k] - b_h * res;
        }
    }
}
