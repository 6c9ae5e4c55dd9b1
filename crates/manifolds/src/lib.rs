//! # sobolev-manifolds
//!
//! Riemannian manifolds behind one small [`Manifold`] interface, and
//! generic algorithms written once against it.
//!
//! - The interface: [`manifold`] (the trait) and [`vector`] (the ambient
//!   vector-space operations of points and tangents).
//! - Manifolds: [`euclidean`], [`sphere`], [`hyperbolic`] (Poincare ball
//!   and Lorentz models), [`grassmann`], [`stiefel`] (canonical metric),
//!   [`special_orthogonal`] (rotations, bi-invariant metric),
//!   [`special_euclidean`] (rigid motions: group operations, twists), [`spd`] (with the metric as a type
//!   parameter, and batched small-matrix kernels), and [`product`] manifolds of any of them.
//! - Distributions: [`distributions`] (von Mises-Fisher sampling, wrapped
//!   normal on hyperbolic space), [`spd::normal`] (normal law on SPD
//!   with the Riemannian Gaussian's weights) and [`spd::riemannian_normal`]
//!   (the Riemannian Gaussian on SPD: exact draws by rejection, or HMC
//!   where no envelope is tight, and its normaliser).
//! - Generic algorithms: [`stats`] (Frechet mean and variance, tangent
//!   PCA; Riemannian batch normalisation on SPD in [`spd::batch_norm`]),
//!   [`optim`] (gradient descent, conjugate gradients, SGD with
//!   momentum, Adam), [`trust_region`] (Riemannian trust region).
#![forbid(unsafe_code)]
// `!(x > 0.0)` is the idiom that also rejects NaN; it is used on purpose.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod check;
pub mod distributions;
pub mod error;
pub mod euclidean;
pub mod grassmann;
pub mod hyperbolic;
pub mod manifold;
pub mod optim;
pub mod product;
pub mod spd;
pub mod special_euclidean;
pub mod special_orthogonal;
pub mod sphere;
pub mod stats;
pub mod stiefel;
pub mod trust_region;
pub mod vector;

pub use error::{Error, Result};
pub use euclidean::Euclidean;
/// faer's dense matrix, the point and tangent type of the matrix manifolds.
pub use faer::Mat;
pub use grassmann::Grassmann;
pub use hyperbolic::{Lorentz, PoincareBall};
pub use manifold::Manifold;
pub use product::Product;
pub use spd::{
    AffineInvariant, BuresWasserstein, LogCholesky, LogEuclidean, PowerEuclidean, Spd,
    SpdBatchNorm, SpdMetric, SpdNormal, SpdRiemannianNormal,
};
pub use special_euclidean::SpecialEuclidean3;
pub use special_orthogonal::SpecialOrthogonal;
pub use sphere::Sphere;
pub use stiefel::Stiefel;
pub use vector::Vector;
