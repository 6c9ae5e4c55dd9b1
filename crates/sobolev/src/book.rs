//! The Sobolev book: one chapter per module, written in `docs/` as
//! markdown and included here, so that every code block in it is compiled
//! and run as a doctest.

#[doc = include_str!("../../../docs/getting-started.md")]
pub mod getting_started {}

#[doc = include_str!("../../../docs/special-functions.md")]
pub mod special_functions {}

#[doc = include_str!("../../../docs/special-functions-gamma.md")]
pub mod special_functions_gamma {}

#[doc = include_str!("../../../docs/quadrature-and-harmonics.md")]
pub mod quadrature_and_harmonics {}

#[doc = include_str!("../../../docs/structured-linear-algebra.md")]
pub mod structured_linear_algebra {}

#[doc = include_str!("../../../docs/matrix-functions.md")]
pub mod matrix_functions {}

#[doc = include_str!("../../../docs/kernels.md")]
pub mod kernels {}

#[doc = include_str!("../../../docs/gaussian-processes.md")]
pub mod gaussian_processes {}

#[doc = include_str!("../../../docs/random-features.md")]
pub mod random_features {}

#[doc = include_str!("../../../docs/comparing-distributions.md")]
pub mod comparing_distributions {}

#[doc = include_str!("../../../docs/densities-and-quadrature.md")]
pub mod densities_and_quadrature {}

#[doc = include_str!("../../../docs/geometry.md")]
pub mod geometry {}

#[doc = include_str!("../../../docs/sampling-with-sdes.md")]
pub mod sampling_with_sdes {}

#[doc = include_str!("../../../docs/riemannian-sampling.md")]
pub mod riemannian_sampling {}

#[doc = include_str!("../../../docs/mcmc.md")]
pub mod mcmc {}

#[doc = include_str!("../../../docs/gpu.md")]
pub mod gpu {}

#[doc = include_str!("../../../docs/cookbook.md")]
pub mod cookbook {}

#[doc = include_str!("../../../docs/benchmarks.md")]
pub mod benchmarks {}
