//! The 6 x 5 x 4 grid, per-axis Matern 5/2 kernels, their product on
//! three-dimensional points and the random mask (seed 5, about 30 % of
//! the cells missing) shared by the masked-grid GP tests.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sobolev_kernels::kernel::{ActiveDims, Kernel, Matern52, Product, Stationary};

pub(crate) type Axis = Stationary<Matern52>;

pub(crate) fn grid() -> Vec<Vec<f64>> {
    vec![
        (0..6).map(|i| 0.3 * i as f64).collect(),
        (0..5).map(|i| -1.0 + 0.45 * i as f64).collect(),
        (0..4).map(|i| (i as f64).sqrt()).collect(),
    ]
}

pub(crate) fn kernels() -> Vec<Axis> {
    vec![
        Stationary::new(Matern52, 1.7, 0.8).unwrap(),
        Stationary::new(Matern52, 1.0, 1.3).unwrap(),
        Stationary::new(Matern52, 1.0, 0.6).unwrap(),
    ]
}

/// Every cell of a three-axis grid, first axis slowest.
pub(crate) fn cells(axes: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut pts = Vec::new();
    for &a in &axes[0] {
        for &b in &axes[1] {
            for &c in &axes[2] {
                pts.push(vec![a, b, c]);
            }
        }
    }
    pts
}

/// The product of the axis kernels on three-dimensional points.
pub(crate) fn product(k: &[Axis]) -> impl Kernel + Clone + use<> {
    Product::new(
        Product::new(
            ActiveDims::new(k[0].clone(), vec![0], 3).unwrap(),
            ActiveDims::new(k[1].clone(), vec![1], 3).unwrap(),
        )
        .unwrap(),
        ActiveDims::new(k[2].clone(), vec![2], 3).unwrap(),
    )
    .unwrap()
}

/// The observed-cell mask over `n` cells: seed 5, each cell missing with
/// probability 0.3.
pub(crate) fn random_mask(n: usize) -> Vec<bool> {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    (0..n).map(|_| rng.random::<f64>() >= 0.3).collect()
}

/// The cells of `pts` where `mask` is true.
pub(crate) fn observed_cells(pts: &[Vec<f64>], mask: &[bool]) -> Vec<Vec<f64>> {
    pts.iter()
        .zip(mask)
        .filter(|(_, m)| **m)
        .map(|(p, _)| p.clone())
        .collect()
}
