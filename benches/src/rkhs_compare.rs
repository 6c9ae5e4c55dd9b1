//! Our side of `cargo xtask peers rkhs-compare`: quadratic-time MMD^2 (RBF,
//! d = 10) at N = 1e4 and 1e5, the 1-D energy distance and the sliced
//! energy distance at N = 1e6, and kernel thinning / Compress++ of 2^14
//! points of a Gaussian target.

use crate::{Exchange, OurCase, median_time};
use sobolev_kernels::Points;
use sobolev_kernels::kernel::{Gaussian, Stationary};
use sobolev_kernels::thinning::{compress_pp, gaussian_root_kernel, kernel_thinning};
use sobolev_kernels::two_sample::{
    Estimator, energy_distance_1d, mmd2_stationary, random_directions, sliced_energy_distance,
};

fn gaussian_sample(n: usize, d: usize, shift: f64, seed: u64) -> Vec<f64> {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n * d)
        .map(|_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            z + shift
        })
        .collect()
}

fn single_time<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = std::time::Instant::now();
    let out = f();
    (t.elapsed().as_secs_f64(), out)
}

fn threads() -> usize {
    rayon::current_num_threads()
}

fn io<E: std::fmt::Display>(e: E) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn mmd_case(ex: &mut Exchange, n: usize, reps: usize) -> std::io::Result<()> {
    let d = 10;
    let lengthscale = 3.0;
    let x = gaussian_sample(n, d, 0.0, 1);
    let y = gaussian_sample(n, d, 0.05, 2);
    let (px, py) = (
        Points::new(x.clone(), d).map_err(io)?,
        Points::new(y.clone(), d).map_err(io)?,
    );
    let kernel = Stationary::new(Gaussian, 1.0, lengthscale).map_err(io)?;
    let run = || mmd2_stationary(&kernel, &px, &py, Estimator::Unbiased);
    let (t, value) = if reps == 0 {
        single_time(run)
    } else {
        (median_time(reps, run), run())
    };
    let value = value.map_err(io)?;
    let name = format!("mmd2_unbiased_rbf_d10_n{n}");
    ex.write_array(&name, "x", &x)?;
    ex.write_array(&name, "y", &y)?;
    ex.write_array(&name, "out", &[value])?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "n = m = {n}, d = 10, RBF lengthscale {lengthscale}, unbiased MMD^2 = {value:.6e}, \
             {} threads, O(N) memory",
            threads()
        ),
    });
    Ok(())
}

fn energy_1d_case(ex: &mut Exchange, n: usize) -> std::io::Result<()> {
    let x = gaussian_sample(n, 1, 0.0, 3);
    let y: Vec<f64> = gaussian_sample(n, 1, 0.0, 4)
        .iter()
        .map(|v| 1.1 * v + 0.02)
        .collect();
    let run = || energy_distance_1d(&x, &y, Estimator::Biased);
    let t = median_time(5, run);
    let value = run().map_err(io)?;
    let name = format!("energy_distance_1d_n{n}");
    ex.write_array(&name, "x", &x)?;
    ex.write_array(&name, "y", &y)?;
    ex.write_array(&name, "out", &[value])?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!("n = m = {n}, V-statistic, sorting, {} threads", threads()),
    });
    Ok(())
}

fn sliced_case(ex: &mut Exchange, n: usize, slices: usize) -> std::io::Result<()> {
    let d = 10;
    let x = gaussian_sample(n, d, 0.0, 5);
    let y = gaussian_sample(n, d, 0.02, 6);
    let (px, py) = (
        Points::new(x.clone(), d).map_err(io)?,
        Points::new(y.clone(), d).map_err(io)?,
    );
    let dirs = random_directions(d, slices, 7).map_err(io)?;
    let run = || sliced_energy_distance(&px, &py, &dirs, Estimator::Biased);
    let t = median_time(3, run);
    let value = run().map_err(io)?;
    let name = format!("sliced_energy_d10_L{slices}_n{n}");
    ex.write_array(&name, "x", &x)?;
    ex.write_array(&name, "y", &y)?;
    ex.write_array(&name, "dirs", dirs.as_slice())?;
    ex.write_array(&name, "out", &[value])?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "n = m = {n}, d = 10, {slices} slices, V-statistic, {} threads",
            threads()
        ),
    });
    Ok(())
}

/// MMD between `x[idx]` and N(0, I_2) for the unit Gaussian kernel with
/// lengthscale 1, in closed form: `E_P k(y, X) = exp(-|y|^2 / 4) / 2` and
/// `E k(X, X') = 1/3`.
fn mmd_to_target(x: &Points, idx: &[usize]) -> f64 {
    let s = idx.len() as f64;
    let mut kk = 0.0;
    let mut embed = 0.0;
    for &a in idx {
        let xa = x.row(a);
        for &b in idx {
            let xb = x.row(b);
            let r2: f64 = xa.iter().zip(xb).map(|(u, v)| (u - v) * (u - v)).sum();
            kk += (-0.5 * r2).exp();
        }
        let r2: f64 = xa.iter().map(|v| v * v).sum();
        embed += 0.5 * (-r2 / 4.0).exp();
    }
    (kk / (s * s) - 2.0 * embed / s + 1.0 / 3.0).max(0.0).sqrt()
}

fn thinning_cases(ex: &mut Exchange) -> std::io::Result<()> {
    let n = 1 << 14;
    let d = 2;
    let x = gaussian_sample(n, d, 0.0, 8);
    let px = Points::new(x.clone(), d).map_err(io)?;
    let k = Stationary::new(Gaussian, 1.0, 1.0).map_err(io)?;
    let g = 4;
    let run = || compress_pp(&k, &k, &px, g, 0.5, 11);
    let t = median_time(3, run);
    let out = run().map_err(io)?;
    let mmd = mmd_to_target(&px, &out);
    let name = format!("compresspp_kt_gauss_d2_g{g}_n{n}");
    ex.write_array(&name, "x", &x)?;
    ex.write_array(
        &name,
        "out",
        &out.iter().map(|&i| i as f64).collect::<Vec<_>>(),
    )?;
    ex.write_array(&name, "mmd", &[mmd])?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "2^14 -> 128 points, target kernel exp(-|r|^2/2) for split and swap, g = {g}; \
             ours MMD to N(0, I) = {mmd:.4e}; {} threads",
            threads()
        ),
    });
    let root = gaussian_root_kernel(&k, d).map_err(io)?;
    let (t, out) = single_time(|| kernel_thinning(&root, &k, &px, 7, 0.5, 12));
    let out = out.map_err(io)?;
    let mmd = mmd_to_target(&px, &out);
    let name = format!("kt_root_gauss_d2_n{n}");
    ex.write_array(&name, "x", &x)?;
    ex.write_array(
        &name,
        "out",
        &out.iter().map(|&i| i as f64).collect::<Vec<_>>(),
    )?;
    ex.write_array(&name, "mmd", &[mmd])?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "full KT (root-kernel split, target swap), 2^14 -> 128 points, O(n) memory; \
             ours MMD to N(0, I) = {mmd:.4e}; {} threads",
            threads()
        ),
    });
    Ok(())
}

/// Runs every case of the area.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    mmd_case(ex, 10_000, 3)?;
    mmd_case(ex, 100_000, 0)?;
    energy_1d_case(ex, 1_000_000)?;
    sliced_case(ex, 1_000_000, 16)?;
    thinning_cases(ex)?;
    Ok(())
}
