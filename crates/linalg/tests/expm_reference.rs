//! `expm` and `expm_frechet` against the committed SciPy and mpmath
//! references (xtask/refdata/expm.py), and against identities.
use faer::{Mat, MatRef};
use proptest::prelude::*;
use sobolev_linalg::Error;
use sobolev_linalg::expm::{expm, expm_frechet, expm_pade};
use sobolev_linalg::matfun::{sym_exp, sym_exp_frechet};

struct Case {
    name: String,
    n: usize,
    a: Mat<f64>,
    scipy: Mat<f64>,
    mp: Option<Mat<f64>>,
    frechet: Option<(Mat<f64>, Mat<f64>, Mat<f64>)>,
}

fn parse_matrix(line: &str, tag: &str, n: usize) -> Mat<f64> {
    let mut it = line.split_whitespace();
    assert_eq!(it.next(), Some(tag));
    let v: Vec<f64> = it.map(|t| t.parse().unwrap()).collect();
    assert_eq!(v.len(), n * n);
    Mat::from_fn(n, n, |i, j| v[i * n + j])
}

fn load() -> Vec<Case> {
    let text = include_str!("data/expm.txt");
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let mut cases = Vec::new();
    while let Some(header) = lines.next() {
        let h: Vec<&str> = header.split_whitespace().collect();
        assert_eq!(h[0], "case");
        let n: usize = h[2].parse().unwrap();
        let (has_mp, has_frechet) = (h[3] == "1", h[4] == "1");
        let a = parse_matrix(lines.next().unwrap(), "A", n);
        let scipy = parse_matrix(lines.next().unwrap(), "scipy", n);
        let mp = has_mp.then(|| parse_matrix(lines.next().unwrap(), "mp", n));
        let frechet = has_frechet.then(|| {
            let e = parse_matrix(lines.next().unwrap(), "E", n);
            let fs = parse_matrix(lines.next().unwrap(), "frechet_scipy", n);
            let fm = parse_matrix(lines.next().unwrap(), "frechet_mp", n);
            (e, fs, fm)
        });
        cases.push(Case {
            name: h[1].to_string(),
            n,
            a,
            scipy,
            mp,
            frechet,
        });
    }
    cases
}

fn one_norm(a: MatRef<'_, f64>) -> f64 {
    (0..a.ncols())
        .map(|j| (0..a.nrows()).map(|i| a[(i, j)].abs()).sum::<f64>())
        .fold(0.0, f64::max)
}

fn rel_err(got: MatRef<'_, f64>, want: MatRef<'_, f64>) -> f64 {
    one_norm((got - want).as_ref()) / one_norm(want)
}

#[test]
fn expm_matches_scipy_and_is_as_accurate_as_scipy_against_mpmath() {
    let cases = load();
    assert!(cases.len() >= 30);
    let mut worst_vs_scipy = 0.0f64;
    for c in &cases {
        let ours = expm_pade(c.a.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        // `expm` takes the eigen route on symmetric input and agrees otherwise.
        let routed = expm(c.a.as_ref()).unwrap();
        let routed_err = rel_err(routed.as_ref(), ours.as_ref());
        assert!(
            routed_err < 1e-13,
            "{}: expm vs expm_pade {routed_err:e}",
            c.name
        );
        if let Some(mp) = &c.mp {
            let e = rel_err(routed.as_ref(), mp.as_ref());
            assert!(
                e <= 4.0 * rel_err(c.scipy.as_ref(), mp.as_ref()) + 64.0 * f64::EPSILON,
                "{}",
                c.name
            );
        }
        let vs_scipy = rel_err(ours.as_ref(), c.scipy.as_ref());
        match &c.mp {
            Some(mp) => {
                let ours_err = rel_err(ours.as_ref(), mp.as_ref());
                let scipy_err = rel_err(c.scipy.as_ref(), mp.as_ref());
                println!(
                    "{:28} n={:2} ours-mp {ours_err:9.2e} scipy-mp {scipy_err:9.2e} ours-scipy {vs_scipy:9.2e}",
                    c.name, c.n
                );
                // No worse than SciPy, up to a small factor and the roundoff floor.
                assert!(
                    ours_err <= 4.0 * scipy_err + 64.0 * f64::EPSILON,
                    "{}: ours {ours_err:e} vs scipy {scipy_err:e}",
                    c.name
                );
            }
            None => {
                println!("{:28} n={:2} ours-scipy {vs_scipy:9.2e}", c.name, c.n);
                assert!(vs_scipy < 1e-13, "{}: {vs_scipy:e}", c.name);
            }
        }
        if !c.name.starts_with("ill_") && !c.name.starts_with("large_norm") {
            worst_vs_scipy = worst_vs_scipy.max(vs_scipy);
        }
    }
    assert!(
        worst_vs_scipy < 1e-12,
        "worst relative difference to scipy {worst_vs_scipy:e}"
    );
}

#[test]
fn expm_frechet_matches_scipy_and_the_block_formula() {
    for c in load() {
        let Some((e, fs, fm)) = &c.frechet else {
            continue;
        };
        let (x, l) = expm_frechet(c.a.as_ref(), e.as_ref()).unwrap();
        let ex = rel_err(x.as_ref(), c.scipy.as_ref());
        let el_mp = rel_err(l.as_ref(), fm.as_ref());
        let el_scipy = rel_err(l.as_ref(), fs.as_ref());
        let scipy_mp = rel_err(fs.as_ref(), fm.as_ref());
        println!(
            "{:28} expm {ex:9.2e} L-mp {el_mp:9.2e} L-scipy {el_scipy:9.2e} scipy-mp {scipy_mp:9.2e}",
            c.name
        );
        assert!(ex < 1e-12, "{}", c.name);
        assert!(el_mp <= 4.0 * scipy_mp + 1e-13, "{}", c.name);
        assert!(el_scipy < 1e-12, "{}", c.name);
    }
}

#[test]
fn closed_forms() {
    // [[1, b], [0, -1]]: exp = [[e, b sinh(1)], [0, 1/e]].
    for b in [1.0, 1e4, 1e10] {
        let a = faer::mat![[1.0, b], [0.0, -1.0]];
        let x = expm(a.as_ref()).unwrap();
        let want = faer::mat![[1f64.exp(), b * 1f64.sinh()], [0.0, (-1f64).exp()]];
        assert!(
            rel_err(x.as_ref(), want.as_ref()) < 4.0 * f64::EPSILON,
            "b = {b}"
        );
    }
    // Rotation generator: exp = [[cos t, sin t], [-sin t, cos t]].
    for t in [1e-9, 0.3, 2.0, 40.0] {
        let a = faer::mat![[0.0, t], [-t, 0.0]];
        let x = expm(a.as_ref()).unwrap();
        let want = faer::mat![[t.cos(), t.sin()], [-t.sin(), t.cos()]];
        assert!(
            rel_err(x.as_ref(), want.as_ref()) < 1e-14 * t.max(1.0),
            "t = {t}"
        );
    }
    let z = Mat::<f64>::zeros(4, 4);
    let x = expm(z.as_ref()).unwrap();
    assert_eq!(x, Mat::<f64>::identity(4, 4));
    let one = faer::mat![[0.5]];
    assert_eq!(expm(one.as_ref()).unwrap()[(0, 0)], 0.5f64.exp());
}

#[test]
fn bad_input_is_a_typed_error() {
    let rect = Mat::<f64>::zeros(2, 3);
    assert!(matches!(
        expm(rect.as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        expm(Mat::<f64>::zeros(0, 0).as_ref()),
        Err(Error::Empty(_))
    ));
    let nan = faer::mat![[1.0, f64::NAN], [0.0, 1.0]];
    assert!(matches!(expm(nan.as_ref()), Err(Error::NonFinite(_))));
    let overflow = faer::mat![[800.0, 0.0], [0.0, 1.0]];
    assert!(matches!(expm(overflow.as_ref()), Err(Error::NonFinite(_))));
    let huge = faer::mat![[1e308, 1e308], [1e308, 1e308]];
    assert!(expm(huge.as_ref()).is_err());
    let e = Mat::<f64>::zeros(3, 3);
    let a = Mat::<f64>::zeros(2, 2);
    assert!(matches!(
        expm_frechet(a.as_ref(), e.as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
}

fn sym_from(entries: &[f64], n: usize, scale: f64) -> Mat<f64> {
    Mat::from_fn(n, n, |i, j| scale * entries[i.min(j) * n + i.max(j)])
}

proptest! {
    #[test]
    fn general_and_symmetric_exponentials_agree(
        n in 1usize..9,
        entries in proptest::collection::vec(-1.0f64..1.0, 64),
        dir in proptest::collection::vec(-1.0f64..1.0, 64),
        scale in 0.001f64..6.0,
    ) {
        let a = sym_from(&entries, n, scale);
        let e = Mat::from_fn(n, n, |i, j| dir[i * n + j]);
        let x = expm_pade(a.as_ref()).unwrap();
        let y = sym_exp(a.as_ref()).unwrap();
        prop_assert!(rel_err(x.as_ref(), y.as_ref()) < 1e-13 * (1.0 + scale));
        let (_, l) = expm_frechet(a.as_ref(), e.as_ref()).unwrap();
        let m = sym_exp_frechet(a.as_ref(), e.as_ref()).unwrap();
        prop_assert!(rel_err(l.as_ref(), m.as_ref()) < 1e-12 * (1.0 + scale));
    }

    #[test]
    fn frechet_is_the_block_exponential_corner(
        n in 1usize..7,
        entries in proptest::collection::vec(-1.0f64..1.0, 36),
        dir in proptest::collection::vec(-1.0f64..1.0, 36),
        scale in 0.01f64..8.0,
    ) {
        let a = Mat::from_fn(n, n, |i, j| scale * entries[i * n + j]);
        let e = Mat::from_fn(n, n, |i, j| dir[i * n + j]);
        let block = Mat::from_fn(2 * n, 2 * n, |i, j| match (i < n, j < n) {
            (true, true) => a[(i, j)],
            (true, false) => e[(i, j - n)],
            (false, true) => 0.0,
            (false, false) => a[(i - n, j - n)],
        });
        let big = expm(block.as_ref()).unwrap();
        let corner = big.as_ref().submatrix(0, n, n, n).to_owned();
        let (x, l) = expm_frechet(a.as_ref(), e.as_ref()).unwrap();
        let xa = expm(a.as_ref()).unwrap();
        prop_assert!(rel_err(x.as_ref(), xa.as_ref()) < 1e-13 * (1.0 + scale));
        prop_assert!(rel_err(l.as_ref(), corner.as_ref()) < 1e-12 * (1.0 + scale * scale));
    }
}
