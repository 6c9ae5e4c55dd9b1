//! Graph kernels: dense spectral kernels against independent algorithms,
//! matrix-free actions against the dense kernels, and graph random features
//! unbiased within Monte-Carlo error.

use faer::Mat;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sobolev_kernels::{
    Error, Graph, GraphKernel, GraphRandomFeatures, GrfOptions, KrylovOptions, Laplacian,
};

/// A ring of `n` nodes with seeded random chords and weights.
fn test_graph(n: usize, chords: usize, seed: u64) -> Graph {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut edges = Vec::new();
    for i in 0..n {
        edges.push((i, (i + 1) % n, 0.5 + rng.random::<f64>()));
    }
    for _ in 0..chords {
        let i = rng.random_range(0..n);
        let j = rng.random_range(0..n);
        if i != j {
            edges.push((i, j, 0.2 + rng.random::<f64>()));
        }
    }
    Graph::from_edges(n, &edges).unwrap()
}

fn max_abs_diff(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    let mut m = 0.0f64;
    for i in 0..a.nrows() {
        for j in 0..a.ncols() {
            m = m.max((a[(i, j)] - b[(i, j)]).abs());
        }
    }
    m
}

fn max_abs(a: &Mat<f64>) -> f64 {
    let mut m = 0.0f64;
    for i in 0..a.nrows() {
        for j in 0..a.ncols() {
            m = m.max(a[(i, j)].abs());
        }
    }
    m
}

#[test]
fn dense_kernels_match_independent_algorithms() {
    let g = test_graph(40, 30, 1);
    for kind in [Laplacian::Combinatorial, Laplacian::Normalized] {
        let l = g.dense_laplacian(kind).unwrap();
        let n = l.nrows();
        // Diffusion against Pade scaling-and-squaring.
        let beta = 0.8;
        let k = GraphKernel::Diffusion { beta }.dense(&g, kind).unwrap();
        let e = sobolev_linalg::expm::expm((&l * faer::Scale(-beta)).as_ref()).unwrap();
        assert!(
            max_abs_diff(&k, &e) < 1e-13 * max_abs(&e),
            "{kind:?} diffusion"
        );
        // Regularised Laplacian: (I + s L) K = I.
        let s = 0.7;
        let k = GraphKernel::RegularizedLaplacian { sigma2: s }
            .dense(&g, kind)
            .unwrap();
        let a = Mat::<f64>::identity(n, n) + &l * faer::Scale(s);
        let r = &a * &k - Mat::<f64>::identity(n, n);
        assert!(max_abs(&r) < 1e-13, "{kind:?} regularised Laplacian");
        // p-step random walk by repeated products.
        let (aa, p) = (
            if kind == Laplacian::Normalized {
                2.0
            } else {
                12.0
            },
            3,
        );
        let k = GraphKernel::RandomWalk { a: aa, p }
            .dense(&g, kind)
            .unwrap();
        let b = Mat::<f64>::identity(n, n) * faer::Scale(aa) - &l;
        let want = &b * &b * &b;
        assert!(
            max_abs_diff(&k, &want) < 1e-13 * max_abs(&want),
            "{kind:?} random walk"
        );
    }
}

#[test]
fn matrix_free_actions_match_dense() {
    let g = test_graph(300, 400, 2);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let v: Vec<f64> = (0..300).map(|_| rng.random::<f64>() - 0.5).collect();
    for kind in [Laplacian::Combinatorial, Laplacian::Normalized] {
        for kernel in [
            GraphKernel::Diffusion { beta: 0.5 },
            GraphKernel::RegularizedLaplacian { sigma2: 0.3 },
            GraphKernel::RandomWalk { a: 2.0, p: 4 },
        ] {
            let k = kernel.dense(&g, kind).unwrap();
            let want: Vec<f64> = (0..300)
                .map(|i| (0..300).map(|j| k[(i, j)] * v[j]).sum())
                .collect();
            let got = kernel
                .apply(&g, kind, &v, &KrylovOptions::default())
                .unwrap();
            let err = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt();
            let norm = want.iter().map(|a| a * a).sum::<f64>().sqrt();
            assert!(
                err < 1e-10 * norm,
                "{kind:?} {kernel:?}: {err:e} / {norm:e}"
            );
        }
    }
    // Too few steps for a stiff diffusion is reported, not returned.
    let r = GraphKernel::Diffusion { beta: 50.0 }.apply(
        &g,
        Laplacian::Combinatorial,
        &v,
        &KrylovOptions {
            steps: 4,
            tolerance: 1e-12,
        },
    );
    assert!(matches!(r, Err(Error::NotConverged { .. })));
}

#[test]
fn graph_random_features_are_unbiased() {
    let g = test_graph(10, 8, 4);
    for kernel in [
        GraphKernel::Diffusion { beta: 0.8 },
        GraphKernel::RegularizedLaplacian { sigma2: 0.5 },
        GraphKernel::RandomWalk { a: 2.0, p: 2 },
    ] {
        let exact = kernel.dense(&g, Laplacian::Normalized).unwrap();
        let n = exact.nrows();
        let reps = 300;
        let mut sum = Mat::<f64>::zeros(n, n);
        let mut sum2 = Mat::<f64>::zeros(n, n);
        for r in 0..reps {
            let opts = |seed| GrfOptions {
                walks_per_node: 20,
                halting_probability: 0.2,
                max_length: 60,
                seed,
            };
            let a = GraphRandomFeatures::new(&g, &kernel, &opts(2 * r)).unwrap();
            let b = GraphRandomFeatures::new(&g, &kernel, &opts(2 * r + 1)).unwrap();
            let k = a.kernel_estimate(&b).unwrap();
            for i in 0..n {
                for j in 0..n {
                    sum[(i, j)] += k[(i, j)];
                    sum2[(i, j)] += k[(i, j)] * k[(i, j)];
                }
            }
        }
        let mut worst = 0.0f64;
        for i in 0..n {
            for j in 0..n {
                let mean = sum[(i, j)] / reps as f64;
                let var =
                    (sum2[(i, j)] / reps as f64 - mean * mean) * reps as f64 / (reps - 1) as f64;
                let se = (var / reps as f64).sqrt();
                let z = (mean - exact[(i, j)]).abs() / (se + 1e-15);
                worst = worst.max(z);
            }
        }
        assert!(
            worst < 5.0,
            "{kernel:?}: worst entry is {worst:.2} standard errors off"
        );
    }
}

#[test]
fn more_walks_reduce_the_error() {
    let g = test_graph(30, 20, 5);
    let kernel = GraphKernel::Diffusion { beta: 1.0 };
    let exact = kernel.dense(&g, Laplacian::Normalized).unwrap();
    let err = |walks: usize| {
        let opts = |seed| GrfOptions {
            walks_per_node: walks,
            halting_probability: 0.2,
            max_length: 60,
            seed,
        };
        let a = GraphRandomFeatures::new(&g, &kernel, &opts(10)).unwrap();
        let b = GraphRandomFeatures::new(&g, &kernel, &opts(11)).unwrap();
        max_abs_diff(&a.kernel_estimate(&b).unwrap(), &exact)
    };
    let (coarse, fine) = (err(10), err(1000));
    assert!(fine < 0.3 * coarse, "{coarse} -> {fine}");
}

#[test]
fn bad_input_gives_typed_errors() {
    assert!(matches!(Graph::from_edges(0, &[]), Err(Error::Empty(_))));
    assert!(Graph::from_edges(3, &[(0, 3, 1.0)]).is_err());
    assert!(Graph::from_edges(3, &[(1, 1, 1.0)]).is_err());
    assert!(Graph::from_edges(3, &[(0, 1, -1.0)]).is_err());
    assert!(Graph::from_edges(3, &[(0, 1, f64::NAN)]).is_err());
    let g = Graph::from_edges(3, &[(0, 1, 1.0)]).unwrap();
    // Node 2 is isolated: no normalised Laplacian.
    assert!(g.laplacian(Laplacian::Normalized).is_err());
    assert!(g.laplacian(Laplacian::Combinatorial).is_ok());
    let k = GraphKernel::Diffusion { beta: -1.0 };
    assert!(k.dense(&g, Laplacian::Combinatorial).is_err());
    let k = GraphKernel::Diffusion { beta: 1.0 };
    assert!(matches!(
        k.apply(
            &g,
            Laplacian::Combinatorial,
            &[1.0],
            &KrylovOptions::default()
        ),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        k.apply(
            &g,
            Laplacian::Combinatorial,
            &[1.0, f64::NAN, 0.0],
            &KrylovOptions::default()
        ),
        Err(Error::NonFinite(_))
    ));
    let ring = Graph::from_edges(3, &[(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)]).unwrap();
    let bad = GrfOptions {
        halting_probability: 1.0,
        ..GrfOptions::default()
    };
    assert!(GraphRandomFeatures::new(&ring, &k, &bad).is_err());
    let rw = GraphKernel::RandomWalk { a: 1.0, p: 2 };
    assert!(GraphRandomFeatures::new(&ring, &rw, &GrfOptions::default()).is_err());
}

/// Overflow is a typed error, not NaN (found by the `rkhs_graph` fuzz
/// target): a random walk `(a I - L)^p` beyond the `f64` range, and edge
/// weights whose sum at a node overflows.
#[test]
fn overflow_gives_typed_errors() {
    let edges: Vec<(usize, usize, f64)> = (0..4).map(|i| (i, i + 1, 1.0)).collect();
    let g = Graph::from_edges(5, &edges).unwrap();
    let walk = GraphKernel::RandomWalk { a: 1e160, p: 3 };
    assert!(matches!(
        walk.dense(&g, Laplacian::Combinatorial),
        Err(Error::NonFinite(_))
    ));
    let v = [1.0, 0.0, 0.0, 0.0, 0.0];
    assert!(matches!(
        walk.apply(&g, Laplacian::Combinatorial, &v, &KrylovOptions::default()),
        Err(Error::NonFinite(_))
    ));
    let heavy = [(0, 1, f64::MAX), (1, 2, f64::MAX)];
    assert!(matches!(
        Graph::from_edges(3, &heavy),
        Err(Error::InvalidArgument(_))
    ));
}
