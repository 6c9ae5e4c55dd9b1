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
pub mod features;
pub mod gp;
pub mod gram;
pub mod graph;
pub mod herding;
pub mod kernel;
pub mod kpca;
pub mod nystrom;
pub mod operator;
mod pair_sum;
pub mod points;
pub mod ridge;
pub mod stein;
pub mod thinning;
pub mod two_sample;

pub use bayes_quadrature::{BayesQuadrature, Measure, TensorKernel, TensorProfile};
pub use density::{
    BandwidthRule, CvOptions, CvReport, DensityKernel, KernelDensity, MeanShiftOptions, Mode,
    likelihood_cv_bandwidth, mean_shift,
};
pub use error::{Error, Result};
pub use features::{
    ArcCosineFeatures, Coupling, FeatureMap, PositiveRandomFeatures, RandomFourierFeatures,
    SigmaDeltaFourierFeatures, Spectrum,
};
pub use gp::{
    AdamOptions, ClassPrediction, ExactGp, FitOptions, GaussianProcess, Jitter, KroneckerGp,
    LaplaceGpc, MaskedKroneckerGp, PcgOptions, Prediction, QuasiPeriodicGp, QuasiPeriodicKernel,
    SparseGp, StateSpaceGp, StochasticOptions, StudentTProcess,
};
pub use gram::{cross_gram, gram, gram_diagonal};
pub use graph::{
    Graph, GraphKernel, GraphRandomFeatures, GrfOptions, KrylovOptions, Laplacian,
    LaplacianOperator,
};
pub use herding::{Herding, empirical_mean_embedding, kernel_herding};
pub use kernel::{Kernel, evaluate};
pub use kpca::{FeaturePca, KernelPca};
pub use nystrom::{LandmarkSampling, Nystrom, ridge_leverage_scores};
pub use operator::{KernelOperator, StationaryOperator};
pub use points::Points;
pub use ridge::{FeatureRidge, KernelRidge};
pub use stein::{ImqStein, ksd2};
pub use thinning::{compress_pp, kernel_thinning};
pub use two_sample::{
    Estimator, energy_distance_1d, hsic, mmd2, mmd2_stationary, sliced_energy_distance,
};
