//! Our side of `cargo xtask peers rkhs-density`: exact kernel density
//! estimates (Gaussian and Epanechnikov, d = 3), Bayesian quadrature with a
//! tensor Matern-3/2 kernel on a 3-D box, and graph kernels (dense diffusion,
//! and matrix-free diffusion and regularised-Laplacian actions on a sparse
//! graph).

use crate::{Exchange, OurCase, median_time};
use sobolev_kernels::{
    BayesQuadrature, DensityKernel, Graph, GraphKernel, KernelDensity, KrylovOptions, Laplacian,
    Measure, Points, TensorKernel, TensorProfile,
};

fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Approximately standard normal draws (sum of 12 uniforms minus 6).
fn normal(u: &mut impl FnMut() -> f64) -> f64 {
    (0..12).map(|_| u()).sum::<f64>() - 6.0
}

fn threads() -> usize {
    rayon::current_num_threads()
}

fn io<T, E: std::fmt::Display>(r: Result<T, E>) -> std::io::Result<T> {
    r.map_err(|e| std::io::Error::other(e.to_string()))
}

fn kde_case(
    ex: &mut Exchange,
    kernel: DensityKernel,
    label: &str,
    n: usize,
    h: f64,
    reps: usize,
) -> std::io::Result<()> {
    let d = 3;
    let mut u = lcg(42 + n as u64);
    let x: Vec<f64> = (0..n * d).map(|_| normal(&mut u)).collect();
    let q: Vec<f64> = (0..n * d).map(|_| 1.5 * normal(&mut u)).collect();
    let kde = io(KernelDensity::new(
        io(Points::new(x.clone(), d))?,
        kernel,
        h,
    ))?;
    let queries = io(Points::new(q.clone(), d))?;
    // reps = 0: one timed run that also gives the output (for cases of a
    // minute or more, where a warm-up changes nothing).
    let (t, out) = if reps == 0 {
        let start = std::time::Instant::now();
        let out = io(kde.log_density(&queries))?;
        (start.elapsed().as_secs_f64(), out)
    } else {
        let t = median_time(reps, || kde.log_density(&queries));
        (t, io(kde.log_density(&queries))?)
    };
    let name = format!("kde_{label}_d3_n{n}");
    ex.write_array(&name, "x", &x)?;
    ex.write_array(&name, "q", &q)?;
    ex.write_array(&name, "h", &[h])?;
    ex.write_array(&name, "out", &out)?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "{n} queries x {n} points, d=3, h={h}, exact log densities{}, {} threads",
            if kernel.is_compact() {
                " (cell grid: only cells within one bandwidth visited)"
            } else {
                ""
            },
            threads()
        ),
    });
    Ok(())
}

fn bq_case(ex: &mut Exchange, n: usize) -> std::io::Result<()> {
    let d = 3;
    let mut u = lcg(7 + n as u64);
    let lower = [0.0, -1.0, 0.0];
    let upper = [1.0, 1.0, 2.0];
    let x: Vec<f64> = (0..n * d)
        .map(|i| lower[i % d] + (upper[i % d] - lower[i % d]) * u())
        .collect();
    let fvals: Vec<f64> = x
        .chunks(d)
        .map(|p| (2.0 * p[0]).sin() + p[1] * p[2] + (0.5 * p[2]).cos())
        .collect();
    let ls = vec![0.4, 0.6, 0.8];
    let kernel = io(TensorKernel::new(TensorProfile::Matern32, 1.0, ls.clone()))?;
    let measure = io(Measure::lebesgue(lower.to_vec(), upper.to_vec()))?;
    let nodes = io(Points::new(x.clone(), d))?;
    let run = || -> std::io::Result<[f64; 2]> {
        let bq = io(BayesQuadrature::new(&kernel, &measure, &nodes))?;
        Ok([io(bq.integrate(&fvals))?, bq.variance()])
    };
    let t = median_time(3, run);
    let out = run()?;
    let name = format!("bq_matern32_box3_n{n}");
    ex.write_array(&name, "x", &x)?;
    ex.write_array(&name, "f", &fvals)?;
    ex.write_array(&name, "ls", &ls)?;
    ex.write_array(&name, "out", &out)?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "tensor Matern-3/2 on [0,1]x[-1,1]x[0,2], random nodes: kernel means, Gram, Cholesky, \
             weights, variance; out = [estimate, variance]; {} threads",
            threads()
        ),
    });
    Ok(())
}

/// A ring of `n` nodes plus `2n` seeded random chords, weights in [0.5, 1.5).
fn sparse_graph(n: usize) -> (Graph, Vec<f64>) {
    let mut u = lcg(99 + n as u64);
    let mut edges = Vec::with_capacity(3 * n);
    let mut flat = Vec::with_capacity(9 * n);
    for i in 0..n {
        edges.push((i, (i + 1) % n, 0.5 + u()));
    }
    for _ in 0..2 * n {
        let i = ((u() * n as f64) as usize).min(n - 1);
        let j = ((u() * n as f64) as usize).min(n - 1);
        if i != j {
            edges.push((i, j, 0.5 + u()));
        }
    }
    for &(i, j, w) in &edges {
        flat.extend([i as f64, j as f64, w]);
    }
    (Graph::from_edges(n, &edges).expect("valid edges"), flat)
}

fn graph_action_case(
    ex: &mut Exchange,
    n: usize,
    kernel: GraphKernel,
    label: &str,
) -> std::io::Result<()> {
    let (g, edges) = sparse_graph(n);
    let mut u = lcg(5);
    let v: Vec<f64> = (0..n).map(|_| u() - 0.5).collect();
    let opts = KrylovOptions::default();
    let t = median_time(3, || kernel.apply(&g, Laplacian::Normalized, &v, &opts));
    let out = io(kernel.apply(&g, Laplacian::Normalized, &v, &opts))?;
    let name = format!("graph_{label}_action_n{n}");
    ex.write_array(&name, "edges", &edges)?;
    ex.write_array(&name, "v", &v)?;
    ex.write_array(&name, "out", &out)?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "{kernel:?} of the normalised Laplacian times a vector, {} edges, {}; {} threads",
            g.num_edges(),
            match kernel {
                GraphKernel::Diffusion { .. } => "Chebyshev expansion, one fused CSR pass per term",
                _ => "Jacobi-preconditioned CG on the fused I + sigma2 L",
            },
            threads()
        ),
    });
    Ok(())
}

fn graph_dense_case(ex: &mut Exchange, n: usize) -> std::io::Result<()> {
    let (g, edges) = sparse_graph(n);
    let kernel = GraphKernel::Diffusion { beta: 1.0 };
    let t = median_time(3, || kernel.dense(&g, Laplacian::Combinatorial));
    let k = io(kernel.dense(&g, Laplacian::Combinatorial))?;
    let out: Vec<f64> = (0..n * n).map(|i| k[(i / n, i % n)]).collect();
    let name = format!("graph_diffusion_dense_n{n}");
    ex.write_array(&name, "edges", &edges)?;
    ex.write_array(&name, "out", &out)?;
    ex.record(OurCase {
        name,
        n,
        ours_s: t,
        notes: format!(
            "exp(-L) of the combinatorial Laplacian, dense, by symmetric eigendecomposition; {} threads",
            threads()
        ),
    });
    Ok(())
}

/// Runs every case of the area.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    for (n, gaussian_reps) in [(20_000, 3), (100_000, 0)] {
        kde_case(
            ex,
            DensityKernel::Gaussian,
            "gaussian",
            n,
            0.3,
            gaussian_reps,
        )?;
        kde_case(ex, DensityKernel::Epanechnikov, "epanechnikov", n, 0.3, 3)?;
    }
    bq_case(ex, 1000)?;
    graph_dense_case(ex, 1000)?;
    graph_action_case(
        ex,
        100_000,
        GraphKernel::Diffusion { beta: 1.0 },
        "diffusion",
    )?;
    graph_action_case(
        ex,
        100_000,
        GraphKernel::RegularizedLaplacian { sigma2: 1.0 },
        "reglap",
    )?;
    Ok(())
}
