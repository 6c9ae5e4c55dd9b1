//! # sobolev-kernels
//!
//! Positive-definite kernels, matrix-free kernel operators with O(N) memory,
//! Gaussian processes (exact, Kronecker, state-space, sparse) and RKHS tools
//! (random features, MMD, kernel thinning, KDE, Stein discrepancies,
//! Bayesian quadrature).
//!
//! Special functions come from `sobolev-special`, structured solves from
//! `sobolev-linalg`.
#![forbid(unsafe_code)]

pub mod bayes_quadrature;
pub mod density;
pub mod error;
mod fast_exp;
pub mod gp;
pub mod gram;
pub mod graph;
pub mod kernel;
pub mod operator;
pub mod points;

pub use bayes_quadrature::{BayesQuadrature, Measure, TensorKernel, TensorProfile};
pub use density::{
    BandwidthRule, CvOptions, CvReport, DensityKernel, KernelDensity, MeanShiftOptions, Mode,
    likelihood_cv_bandwidth, mean_shift,
};
pub use error::{Error, Result};
pub use gp::{ExactGp, FitOptions, GaussianProcess, Jitter, Prediction, StateSpaceGp};
pub use gram::{cross_gram, gram, gram_diagonal};
pub use graph::{
    Graph, GraphKernel, GraphRandomFeatures, GrfOptions, KrylovOptions, Laplacian,
    LaplacianOperator,
};
pub use kernel::{Kernel, evaluate};
pub use operator::{KernelOperator, StationaryOperator};
pub use points::Points;
