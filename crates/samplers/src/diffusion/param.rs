//! Parameterisations of a denoising model and the adapter that turns a
//! model trained on any [`Schedule`] into an EDM-form [`Denoiser`].
//!
//! For `z = alpha x0 + s eps` a network predicts one of: `eps`; `x0`;
//! `v = alpha eps - s x0` (Salimans and Ho, 2022); or the score
//! `grad log p_t(z) = -eps / s`. Since `alpha z - s v = (alpha^2 + s^2) x0`,
//! every prediction maps to `x0` (and back) in closed form:
//! `x0 = (z - s eps) / alpha`, `x0 = (alpha z - s v) / (alpha^2 + s^2)`,
//! `x0 = (z + s^2 score) / alpha`. In EDM variables `x = z / alpha`,
//! `sigma = s / alpha`, the denoiser is `D(x; sigma) = x0`.

use super::Denoiser;
use super::schedule::Schedule;
use serde::{Deserialize, Serialize};

/// What a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Prediction {
    /// The noise `eps`.
    Epsilon,
    /// The clean sample `x0`.
    X0,
    /// The velocity `v = alpha eps - s x0`.
    V,
    /// The score `grad_z log p_t(z) = -eps / s`.
    Score,
}

/// Converts a prediction `p` of kind `kind` at `z` (noise scales `alpha`,
/// `s`) into the clean-sample estimate `x0`, elementwise.
pub fn to_x0(kind: Prediction, z: f64, p: f64, alpha: f64, s: f64) -> f64 {
    match kind {
        Prediction::Epsilon => (z - s * p) / alpha,
        Prediction::X0 => p,
        Prediction::V => (alpha * z - s * p) / (alpha * alpha + s * s),
        Prediction::Score => (z + s * s * p) / alpha,
    }
}

/// Converts the clean-sample estimate `x0` at `z` into a prediction of kind
/// `kind`, elementwise (the inverse of [`to_x0`]).
pub fn from_x0(kind: Prediction, z: f64, x0: f64, alpha: f64, s: f64) -> f64 {
    let eps = (z - alpha * x0) / s;
    match kind {
        Prediction::Epsilon => eps,
        Prediction::X0 => x0,
        Prediction::V => alpha * eps - s * x0,
        Prediction::Score => -eps / s,
    }
}

/// A network on the schedule's own variables: for rows `z` at time `t`,
/// writes its prediction into `out`.
pub trait ScheduleModel: Sync {
    /// Row length.
    fn dim(&self) -> usize;
    /// Writes the model's prediction at `(z, t)` into `out`.
    fn predict(&self, z: &[f64], t: f64, out: &mut [f64]);
}

/// Wraps a [`ScheduleModel`] trained on `schedule` with prediction `kind` as
/// an EDM-form [`Denoiser`]: `D(x; sigma) = x0(alpha x, t(sigma))`.
#[derive(Debug, Clone)]
pub struct ScheduledModel<M> {
    /// The wrapped model.
    pub model: M,
    /// The schedule it was trained on.
    pub schedule: Schedule,
    /// What it predicts.
    pub kind: Prediction,
}

impl<M: ScheduleModel> Denoiser for ScheduledModel<M> {
    fn dim(&self) -> usize {
        self.model.dim()
    }
    fn denoise(&self, x: &[f64], sigma: f64, out: &mut [f64]) {
        let Ok(t) = self.schedule.t_of_sigma(sigma) else {
            out.fill(f64::NAN);
            return;
        };
        let (alpha, s) = (self.schedule.alpha(t), self.schedule.noise_scale(t));
        let z: Vec<f64> = x.iter().map(|v| alpha * v).collect();
        self.model.predict(&z, t, out);
        for (o, zi) in out.iter_mut().zip(&z) {
            *o = to_x0(self.kind, *zi, *o, alpha, s);
        }
    }
}
