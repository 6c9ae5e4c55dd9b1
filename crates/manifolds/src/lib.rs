//! # sobolev-manifolds
//!
//! Riemannian manifolds behind one small `Manifold` interface: Euclidean
//! space, spheres, SPD matrices under several metrics, Grassmann and
//! Stiefel manifolds, hyperbolic space and Lie groups; generic statistics
//! (Frechet means, tangent PCA), distributions (von Mises-Fisher, wrapped
//! normal) and Riemannian optimisers written once against the interface.
#![forbid(unsafe_code)]

pub mod error;

pub use error::{Error, Result};
