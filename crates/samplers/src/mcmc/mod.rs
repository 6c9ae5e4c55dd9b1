//! Markov chain Monte Carlo in the style of BlackJAX and Stan: a
//! [`Target`] (log density and gradient), kernels with explicit state
//! (random-walk Metropolis, MALA, HMC, NUTS, ULA, SGLD), warm-up adaptation
//! as a separate layer (dual averaging, windowed metric estimation), and
//! chains run in parallel with reproducible streams.
//!
//! ```
//! use sobolev_samplers::mcmc::{sample, FnTarget, Settings};
//! let target = FnTarget::new(2, |x: &[f64]| {
//!     (-0.5 * (x[0] * x[0] + x[1] * x[1]), vec![-x[0], -x[1]])
//! });
//! let settings = Settings { n_warmup: 200, n_draws: 200, n_chains: 2, ..Settings::default() };
//! let draws = sample(&target, &settings, None).unwrap();
//! assert_eq!(draws.values.len(), 2 * 200 * 2);
//! assert_eq!(draws.divergences(), 0);
//! ```

mod adapt;
mod chain;
mod hamiltonian;
mod kernel;
mod lanes;
mod metric;
mod nuts;
mod target;
pub mod transform;

pub use adapt::{Adaptation, DualAveraging, MetricKind, WarmupSchedule};
pub use chain::{Chain, DrawStats, Draws, Settings, sample};
pub use kernel::{Kernel, Transition, TransitionInfo};
pub use metric::Metric;
pub use nuts::{Nuts, UTurnCriterion};
pub use target::{FnTarget, Point, Target};
