//! Arbitrary edge lists into graph construction and the graph kernels.
//! Documented behaviour: `Graph::from_edges` gives `Empty` for no nodes and
//! `InvalidArgument` for out-of-range nodes, self-loops and weights that are
//! not finite and positive (or whose sums overflow); a built graph has
//! finite degrees, and its kernels (dense and matrix-free actions) are
//! finite or a typed error; never a panic.
#![no_main]

#[path = "../common/input.rs"]
mod input;

use input::Input;
use libfuzzer_sys::fuzz_target;
use sobolev_kernels::{Error, Graph, GraphKernel, KrylovOptions, Laplacian};

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let n = inp.count(20);
    let edges: Vec<(usize, usize, f64)> = (0..inp.count(40))
        .map(|_| (inp.count(22), inp.count(22), inp.number()))
        .collect();
    let param = inp.number();
    let which = inp.byte();
    let v = inp.numbers(n);
    let graph = match Graph::from_edges(n, &edges) {
        Ok(g) => g,
        Err(Error::Empty(_)) => {
            assert_eq!(n, 0);
            return;
        }
        Err(Error::InvalidArgument(_)) => {
            assert!(edges.iter().any(|&(i, j, w)| i >= n || j >= n || i == j || !(w.is_finite() && w > 0.0))
                || edges.iter().map(|e| e.2).sum::<f64>() == f64::INFINITY);
            return;
        }
        Err(e) => panic!("unexpected from_edges error {e}"),
    };
    assert!(graph.degrees().iter().all(|d| d.is_finite() && *d >= 0.0));
    let kernel = match which % 3 {
        0 => GraphKernel::Diffusion { beta: param },
        1 => GraphKernel::RegularizedLaplacian { sigma2: param },
        _ => GraphKernel::RandomWalk { a: param, p: u32::from(which / 3 % 5) },
    };
    let kind = if which & 0x80 == 0 { Laplacian::Combinatorial } else { Laplacian::Normalized };
    match kernel.dense(&graph, kind) {
        Ok(k) => {
            for j in 0..n {
                for i in 0..n {
                    assert!(k[(i, j)].is_finite(), "{kernel:?} dense ({i}, {j}) = {}", k[(i, j)]);
                }
            }
        }
        Err(Error::InvalidArgument(_) | Error::NonFinite(_) | Error::NotConverged { .. }) => {}
        Err(e) => panic!("unexpected dense error {e}"),
    }
    match kernel.apply(&graph, kind, &v, &KrylovOptions::default()) {
        Ok(y) => assert!(y.iter().all(|a| a.is_finite()), "{kernel:?} action {y:?}"),
        Err(Error::InvalidArgument(_) | Error::NonFinite(_) | Error::NotConverged { .. }) => {}
        Err(e) => panic!("unexpected apply error {e}"),
    }
});
