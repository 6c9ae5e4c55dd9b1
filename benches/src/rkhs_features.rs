//! Our side of `cargo xtask peers rkhs-features`: random Fourier features
//! (Gaussian kernel, N = 10^4 points in d = 10, D = 4096 features), the
//! Nystrom feature map (fit + transform, 500 landmarks), exact kernel ridge
//! regression and exact kernel PCA; plus the random-feature MSE ordering
//! (independent, orthogonal, simplex couplings of positive features).

use crate::{Exchange, OurCase, median_time};
use sobolev_kernels::kernel::{Gaussian, Stationary};
use sobolev_kernels::{
    Coupling, FeatureMap, Kernel, KernelPca, KernelRidge, LandmarkSampling, Nystrom, Points,
    PositiveRandomFeatures, RandomFourierFeatures,
};

const LENGTHSCALE: f64 = 2.0;
/// Rows of the feature matrices written out for the error check.
const CHECK_ROWS: usize = 200;

fn data(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n * d)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            4.0 * ((s >> 11) as f64 / (1u64 << 53) as f64) - 2.0
        })
        .collect()
}

fn io<T, E: std::fmt::Display>(r: Result<T, E>) -> std::io::Result<T> {
    r.map_err(|e| std::io::Error::other(e.to_string()))
}

fn threads() -> usize {
    rayon::current_num_threads()
}

fn first_rows(m: &faer::Mat<f64>, rows: usize) -> Vec<f64> {
    let rows = rows.min(m.nrows());
    (0..rows)
        .flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)]))
        .collect()
}

fn rff_case(ex: &mut Exchange, n: usize, d: usize, features: usize) -> std::io::Result<()> {
    let x = data(n, d, 11);
    let pts = io(Points::new(x.clone(), d))?;
    let kernel = io(Stationary::new(Gaussian, 1.0, LENGTHSCALE))?;
    let map = io(RandomFourierFeatures::new(
        &kernel,
        d,
        features,
        Coupling::Independent,
        1,
    ))?;
    let t = median_time(5, || map.transform(&pts));
    let out = io(map.transform(&pts))?;
    let name = format!("rff_rbf_n{n}_d{d}_D{features}");
    let w = map.frequencies();
    let w_rows: Vec<f64> = (0..d)
        .flat_map(|i| (0..features).map(move |j| w[(i, j)]))
        .collect();
    ex.write_array(&name, "x", &x)?;
    ex.write_array(&name, "w", &w_rows)?;
    ex.write_array(&name, "b", map.offsets())?;
    ex.write_array(&name, "out", &first_rows(&out, CHECK_ROWS))?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "transform only, Gaussian kernel l = {LENGTHSCALE}, d = {d}, D = {features}, {} threads",
            threads()
        ),
    });
    Ok(())
}

fn nystrom_case(ex: &mut Exchange, n: usize, d: usize, m: usize) -> std::io::Result<()> {
    let x = data(n, d, 12);
    let pts = io(Points::new(x.clone(), d))?;
    let kernel = io(Stationary::new(Gaussian, 1.0, LENGTHSCALE))?;
    let run = || {
        let map = Nystrom::fit(kernel.clone(), &pts, m, LandmarkSampling::Uniform, 3)?;
        let f = map.transform(&pts)?;
        Ok::<_, sobolev_kernels::Error>((map, f))
    };
    let t = median_time(3, run);
    let (map, out) = io(run())?;
    let name = format!("nystroem_fit_transform_n{n}_d{d}_m{m}");
    let idx: Vec<f64> = map.landmark_indices().iter().map(|&i| i as f64).collect();
    ex.write_array(&name, "x", &x)?;
    ex.write_array(&name, "idx", &idx)?;
    ex.write_array(&name, "out", &first_rows(&out, CHECK_ROWS))?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "uniform landmarks, Gaussian kernel l = {LENGTHSCALE}, {} threads",
            threads()
        ),
    });
    Ok(())
}

fn ridge_case(ex: &mut Exchange, n: usize, d: usize) -> std::io::Result<()> {
    let x = data(n, d, 13);
    let pts = io(Points::new(x.clone(), d))?;
    let y: Vec<f64> = pts.rows().map(|r| r.iter().sum::<f64>().sin()).collect();
    let kernel = io(Stationary::new(Gaussian, 1.0, LENGTHSCALE))?;
    let alpha = 0.1;
    let t = median_time(3, || KernelRidge::fit(kernel.clone(), &pts, &y, alpha));
    let model = io(KernelRidge::fit(kernel.clone(), &pts, &y, alpha))?;
    let name = format!("kernel_ridge_fit_n{n}_d{d}");
    ex.write_array(&name, "x", &x)?;
    ex.write_array(&name, "y", &y)?;
    ex.write_array(&name, "out", model.dual_coefficients())?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "Cholesky of K + 0.1 I, Gaussian kernel l = {LENGTHSCALE}, {} threads",
            threads()
        ),
    });
    Ok(())
}

fn kpca_case(ex: &mut Exchange, n: usize, d: usize, k: usize) -> std::io::Result<()> {
    let x = data(n, d, 14);
    let pts = io(Points::new(x.clone(), d))?;
    let kernel = io(Stationary::new(Gaussian, 1.0, LENGTHSCALE))?;
    let t = median_time(3, || KernelPca::fit(kernel.clone(), &pts, k));
    let pca = io(KernelPca::fit(kernel.clone(), &pts, k))?;
    let name = format!("kernel_pca_fit_n{n}_d{d}_k{k}");
    ex.write_array(&name, "x", &x)?;
    ex.write_array(&name, "out", pca.eigenvalues())?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "full symmetric eigendecomposition, Gaussian kernel l = {LENGTHSCALE}, {} threads; out = eigenvalues",
            threads()
        ),
    });
    Ok(())
}

/// Relative MSE of the Gaussian-kernel estimate by positive random features
/// (one block of D = d = 8 features) for each coupling, over 20000 seeds.
fn mse_ordering_case(ex: &mut Exchange) -> std::io::Result<()> {
    let d = 8;
    let seeds = 20_000u64;
    let x = io(Points::new(
        (0..2 * d)
            .map(|k| 0.2 * (1.0 + 0.3 * ((k * 5 % 7) as f64 / 7.0 - 0.5)))
            .collect(),
        d,
    ))?;
    let kernel = io(Stationary::new(Gaussian, 1.0, 1.0))?;
    let exact = kernel.eval(x.row(0), x.row(1));
    let mut mse = Vec::new();
    let t = std::time::Instant::now();
    for c in [
        Coupling::Independent,
        Coupling::Orthogonal,
        Coupling::Simplex,
    ] {
        let mut acc = 0.0;
        for s in 0..seeds {
            let f = io(PositiveRandomFeatures::gaussian(&kernel, d, d, c, s))?;
            let g = io(f.approximate_gram(&x, &x))?;
            acc += (g[(0, 1)] - exact).powi(2);
        }
        mse.push(acc / seeds as f64 / (exact * exact));
    }
    let elapsed = t.elapsed().as_secs_f64() / (3 * seeds) as f64;
    ex.write_array("prf_mse_ordering_d8", "out", &mse)?;
    ex.record(OurCase {
        name: "prf_mse_ordering_d8".into(),
        n: seeds as usize,
        ours_s: elapsed,
        notes: format!(
            "relative MSE of positive-feature Gaussian kernel estimates, D = d = 8, {seeds} seeds: independent {:.3}, orthogonal {:.3}, simplex {:.3}; time per map",
            mse[0], mse[1], mse[2]
        ),
    });
    Ok(())
}

/// Runs every case of the `rkhs-features` area.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    rff_case(ex, 10_000, 10, 4096)?;
    nystrom_case(ex, 10_000, 10, 500)?;
    ridge_case(ex, 4000, 10)?;
    kpca_case(ex, 2000, 10, 10)?;
    mse_ordering_case(ex)?;
    Ok(())
}
