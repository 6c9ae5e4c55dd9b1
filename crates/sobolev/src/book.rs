//! The Sobolev book: one chapter per module, written in `docs/` as
//! markdown and included here, so that every code block in it is compiled
//! and run as a doctest.

#[doc = include_str!("../../../docs/getting-started.md")]
pub mod getting_started {}

#[doc = include_str!("../../../docs/kernels.md")]
pub mod kernels {}

#[doc = include_str!("../../../docs/gaussian-processes.md")]
pub mod gaussian_processes {}
