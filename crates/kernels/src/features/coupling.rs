//! Couplings of the frequency directions within blocks of `d` features.
//!
//! Every coupling keeps the marginal law of each frequency `w = |w| u`
//! (an isotropic spectral density factors into a radius and a uniform
//! direction), so each feature stays an unbiased estimator; what changes
//! is the dependence between features of one block:
//! - independent: each `w` drawn alone;
//! - orthogonal: the directions of a block are the columns of one Haar
//!   orthogonal matrix (QR of a Gaussian matrix with the signs of `R`'s
//!   diagonal folded in; Mezzadri, Notices AMS 2007), radii independent
//!   (Yu et al., *Orthogonal Random Features*, NeurIPS 2016);
//! - simplex: the directions are the `d` vertices of a regular simplex
//!   centred at the origin (pairwise dot product `-1/(d-1)`), rotated by
//!   one Haar orthogonal matrix, radii independent (Reid et al., *Simplex
//!   Random Features*, ICML 2023).

use super::spectral::Spectrum;
use faer::Mat;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// How the frequency directions within one block of `d` features depend
/// on each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Coupling {
    /// Independent frequencies.
    #[default]
    Independent,
    /// Exactly orthogonal directions within each block of `d`.
    Orthogonal,
    /// Directions at the vertices of a randomly rotated regular simplex.
    Simplex,
}

/// A Haar-distributed `d x d` orthogonal matrix.
fn haar_orthogonal<R: Rng + ?Sized>(rng: &mut R, d: usize) -> Mat<f64> {
    let g: Mat<f64> = Mat::from_fn(d, d, |_, _| StandardNormal.sample(rng));
    let qr = g.qr();
    let q = qr.compute_Q();
    let r = qr.R();
    Mat::from_fn(d, d, |i, j| {
        if r[(j, j)] < 0.0 {
            -q[(i, j)]
        } else {
            q[(i, j)]
        }
    })
}

/// The `d` unit vertices of a regular simplex centred at the origin, as
/// columns: `e_j - 1/d` normalised (they span the plane orthogonal to the
/// all-ones vector). For `d = 1` a single unit vector.
pub(crate) fn simplex_vertices(d: usize) -> Mat<f64> {
    if d == 1 {
        return Mat::from_fn(1, 1, |_, _| 1.0);
    }
    let df = d as f64;
    let norm = ((df - 1.0) / df).sqrt();
    Mat::from_fn(d, d, |i, j| {
        let e = if i == j { 1.0 } else { 0.0 };
        (e - 1.0 / df) / norm
    })
}

/// The `d x num_features` matrix of frequencies (unit lengthscale), drawn
/// block by block.
pub(crate) fn sample_frequencies<R: Rng + ?Sized>(
    rng: &mut R,
    spectrum: Spectrum,
    coupling: Coupling,
    d: usize,
    num_features: usize,
) -> Mat<f64> {
    let mut w = Mat::<f64>::zeros(d, num_features);
    let simplex = simplex_vertices(d);
    let mut buf = vec![0.0; d];
    let mut start = 0;
    while start < num_features {
        let width = d.min(num_features - start);
        match coupling {
            Coupling::Independent => {
                for j in start..start + width {
                    spectrum.sample_frequency(rng, &mut buf);
                    for (i, &b) in buf.iter().enumerate() {
                        w[(i, j)] = b;
                    }
                }
            }
            Coupling::Orthogonal | Coupling::Simplex => {
                let q = haar_orthogonal(rng, d);
                let dirs = if coupling == Coupling::Orthogonal {
                    q
                } else {
                    &q * &simplex
                };
                for k in 0..width {
                    let radius = spectrum.sample_radius(rng, d);
                    for i in 0..d {
                        w[(i, start + k)] = radius * dirs[(i, k)];
                    }
                }
            }
        }
        start += width;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn simplex_vertices_are_unit_with_equal_angles() {
        for d in 2..7 {
            let s = simplex_vertices(d);
            let g = s.transpose() * &s;
            for i in 0..d {
                for j in 0..d {
                    let want = if i == j { 1.0 } else { -1.0 / (d as f64 - 1.0) };
                    assert!((g[(i, j)] - want).abs() < 1e-14, "d={d} ({i},{j})");
                }
            }
        }
    }

    #[test]
    fn haar_matrix_is_orthogonal() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let q = haar_orthogonal(&mut rng, 6);
        let g = q.transpose() * &q;
        for i in 0..6 {
            for j in 0..6 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((g[(i, j)] - want).abs() < 1e-13);
            }
        }
    }
}
