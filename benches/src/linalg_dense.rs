//! Side-by-side cases of the dense matrix functions against SciPy:
//! `expm` of a general matrix, and exp, square root and logarithm of
//! symmetric positive definite matrices at n = 64 and 512; the general
//! Sylvester equation (Bartels-Stewart) against `solve_sylvester` at
//! n = 64 and 256.
//!
//! Inputs are written row-major as `<case>.in.f64` (Sylvester: `<case>.a`,
//! `.b`, `.c`), our outputs as `<case>.out.f64`; `benches/peers/linalg-dense.py` times SciPy on the same
//! inputs.

use crate::{Exchange, OurCase, median_time};
use faer::{Mat, MatRef};
use sobolev_linalg::expm::{expm, expm_frechet, expm_pade};
use sobolev_linalg::matfun::{sym_exp, sym_log, sym_sqrt};
use sobolev_linalg::sylvester::sylvester;

/// SplitMix64 in `[-1, 1)`: a seeded, dependency-free stream of inputs.
fn uniform_stream(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// `X X^T / n + I/2` for uniform `X`: SPD with eigenvalues in about [0.5, 2].
pub fn spd_matrix(n: usize, seed: u64) -> Mat<f64> {
    let mut next = uniform_stream(seed);
    let x = Mat::from_fn(n, n, |_, _| next());
    let mut a = &x * x.transpose() * faer::Scale(1.0 / n as f64);
    for i in 0..n {
        a[(i, i)] += 0.5;
    }
    // Exactly symmetric, so that every library sees the same matrix.
    Mat::from_fn(n, n, |i, j| if i >= j { a[(i, j)] } else { a[(j, i)] })
}

/// A general (non-symmetric) matrix with 1-norm about 2.
pub fn general_matrix(n: usize, seed: u64) -> Mat<f64> {
    let mut next = uniform_stream(seed);
    Mat::from_fn(n, n, |_, _| next() * 4.0 / n as f64)
}

fn row_major(a: MatRef<'_, f64>) -> Vec<f64> {
    (0..a.nrows())
        .flat_map(|i| (0..a.ncols()).map(move |j| a[(i, j)]))
        .collect()
}

fn case(
    ex: &mut Exchange,
    name: &str,
    a: &Mat<f64>,
    reps: usize,
    notes: &str,
    f: impl Fn(MatRef<'_, f64>) -> sobolev_linalg::Result<Mat<f64>>,
) -> std::io::Result<()> {
    let out = f(a.as_ref()).map_err(std::io::Error::other)?;
    ex.write_array(name, "in", &row_major(a.as_ref()))?;
    ex.write_array(name, "out", &row_major(out.as_ref()))?;
    let ours_s = median_time(reps, || f(a.as_ref()));
    ex.record(OurCase {
        name: name.to_string(),
        n: a.nrows(),
        ours_s,
        notes: notes.to_string(),
    });
    Ok(())
}

/// `A X + X B = C` with general `A`, `B` (eigenvalues near 1.5 and 1, so
/// well conditioned) of order `n`.
fn sylvester_case(ex: &mut Exchange, n: usize, reps: usize) -> std::io::Result<()> {
    let name = format!("sylvester_general_{n}");
    let mut next = uniform_stream(31 + n as u64);
    let scale = 1.0 / (n as f64).sqrt();
    let a = Mat::from_fn(n, n, |i, j| next() * scale + if i == j { 1.5 } else { 0.0 });
    let b = Mat::from_fn(n, n, |i, j| next() * scale + if i == j { 1.0 } else { 0.0 });
    let c = Mat::from_fn(n, n, |_, _| next());
    let solve = || sylvester(a.as_ref(), b.as_ref(), c.as_ref());
    let x = solve().map_err(std::io::Error::other)?;
    ex.write_array(&name, "a", &row_major(a.as_ref()))?;
    ex.write_array(&name, "b", &row_major(b.as_ref()))?;
    ex.write_array(&name, "c", &row_major(c.as_ref()))?;
    ex.write_array(&name, "out", &row_major(x.as_ref()))?;
    let ours_s = median_time(reps, solve);
    ex.record(OurCase {
        name,
        n,
        ours_s,
        notes: "Bartels-Stewart both sides (ours: nalgebra Schur forms + block back \
                substitution; SciPy: LAPACK gees + trsyl)"
            .to_string(),
    });
    Ok(())
}

/// `exp(A)` and its Frechet derivative `L(A, E)` for a general `A` (1-norm
/// about 2) and direction `E`; the peer compares `L`.
fn frechet_case(ex: &mut Exchange, n: usize, reps: usize) -> std::io::Result<()> {
    let name = format!("expm_frechet_general_{n}");
    let a = general_matrix(n, 41 + n as u64);
    let mut next = uniform_stream(43 + n as u64);
    let e = Mat::from_fn(n, n, |_, _| next());
    let run = || expm_frechet(a.as_ref(), e.as_ref());
    let (_, l) = run().map_err(std::io::Error::other)?;
    ex.write_array(&name, "a", &row_major(a.as_ref()))?;
    ex.write_array(&name, "e", &row_major(e.as_ref()))?;
    ex.write_array(&name, "out", &row_major(l.as_ref()))?;
    let ours_s = median_time(reps, run);
    ex.record(OurCase {
        name,
        n,
        ours_s,
        notes: "expm and its Frechet derivative together (Al-Mohy and Higham 2009 \
                Alg. 6.4), both sides; max_err on L"
            .to_string(),
    });
    Ok(())
}

/// Runs our side of the `linalg-dense` area.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    sylvester_case(ex, 64, 21)?;
    sylvester_case(ex, 256, 5)?;
    frechet_case(ex, 64, 41)?;
    frechet_case(ex, 512, 5)?;
    for (n, reps) in [(64usize, 41usize), (512, 7)] {
        let g = general_matrix(n, 11 + n as u64);
        let s = spd_matrix(n, 7 + n as u64);
        case(
            ex,
            &format!("expm_general_{n}"),
            &g,
            reps,
            "expm: Pade 13 scaling and squaring, both sides",
            expm,
        )?;
        case(
            ex,
            &format!("expm_spd_{n}"),
            &s,
            reps,
            "ours expm (exactly symmetric input: symmetric Pade below n = 128, eigh from 128) vs scipy expm (Pade)",
            expm,
        )?;
        case(
            ex,
            &format!("expm_pade_spd_{n}"),
            &s,
            reps,
            "ours expm_pade (Pade 13 scaling and squaring) on the SPD input, both sides Pade",
            expm_pade,
        )?;
        case(
            ex,
            &format!("sym_exp_spd_{n}"),
            &s,
            reps,
            "ours sym_exp (symmetric Pade + Cholesky below n = 128, eigh from 128) vs scipy expm (Pade)",
            sym_exp,
        )?;
        case(
            ex,
            &format!("sqrtm_spd_{n}"),
            &s,
            reps,
            "ours sym_sqrt (eigh) vs scipy sqrtm (Schur)",
            sym_sqrt,
        )?;
        case(
            ex,
            &format!("logm_spd_{n}"),
            &s,
            reps,
            "ours sym_log (eigh) vs scipy logm (Schur, inverse scaling and squaring)",
            sym_log,
        )?;
        case(
            ex,
            &format!("sqrtm_spd_eigh_{n}"),
            &s,
            reps,
            "ours sym_sqrt vs numpy eigh + V diag(sqrt w) V^T",
            sym_sqrt,
        )?;
    }
    Ok(())
}
