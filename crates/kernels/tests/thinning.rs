//! Kernel thinning and Compress++ on a Gaussian target, with the MMD to
//! the target in closed form; the square-root kernel by quadrature.

use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use sobolev_kernels::kernel::{Gaussian, Stationary};
use sobolev_kernels::thinning::{
    compress_pp, gaussian_root_kernel, kernel_thinning, kt_plus_kernel,
};
use sobolev_kernels::{Error, Kernel, Points};

const D: usize = 2;
const L: f64 = 1.0;

fn normal_points(n: usize, seed: u64) -> Points {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let data: Vec<f64> = (0..n * D)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    Points::new(data, D).unwrap()
}

/// MMD between the points `x[idx]` and N(0, I) for the unit Gaussian kernel
/// of lengthscale L: E_P k(y, X) = (L^2/(L^2+1))^(d/2) exp(-|y|^2/(2(L^2+1))),
/// E k(X, X') = (L^2/(L^2+2))^(d/2).
fn mmd_to_target(x: &Points, idx: &[usize]) -> f64 {
    let k = Stationary::new(Gaussian, 1.0, L).unwrap();
    let s = idx.len() as f64;
    let l2 = L * L;
    let d = D as f64;
    let mut kk = 0.0;
    for &a in idx {
        for &b in idx {
            kk += k.eval(x.row(a), x.row(b));
        }
    }
    let mean_embed: f64 = idx
        .iter()
        .map(|&a| {
            let r2: f64 = x.row(a).iter().map(|v| v * v).sum();
            (l2 / (l2 + 1.0)).powf(d / 2.0) * (-r2 / (2.0 * (l2 + 1.0))).exp()
        })
        .sum();
    let mmd2 = kk / (s * s) - 2.0 * mean_embed / s + (l2 / (l2 + 2.0)).powf(d / 2.0);
    mmd2.max(0.0).sqrt()
}

fn slope(ns: &[f64], vals: &[f64]) -> f64 {
    let lx: Vec<f64> = ns.iter().map(|v| v.ln()).collect();
    let ly: Vec<f64> = vals.iter().map(|v| v.ln()).collect();
    let mx = lx.iter().sum::<f64>() / lx.len() as f64;
    let my = ly.iter().sum::<f64>() / ly.len() as f64;
    let num: f64 = lx.iter().zip(&ly).map(|(a, b)| (a - mx) * (b - my)).sum();
    let den: f64 = lx.iter().map(|a| (a - mx) * (a - mx)).sum();
    num / den
}

fn assert_distinct(idx: &[usize], n: usize) {
    let mut v = idx.to_vec();
    v.sort_unstable();
    v.dedup();
    assert_eq!(v.len(), idx.len(), "repeated points");
    assert!(v.iter().all(|&i| i < n));
}

#[test]
fn compress_pp_reaches_the_root_n_rate_and_beats_iid_thinning() {
    let k = Stationary::new(Gaussian, 1.0, L).unwrap();
    let exps = [4u32, 5, 6, 7];
    let mut ns = Vec::new();
    let mut kt = Vec::new();
    let mut iid = Vec::new();
    for &e in &exps {
        let n = 4usize.pow(e);
        let s = 2usize.pow(e);
        let x = normal_points(n, 10 + u64::from(e));
        let out = compress_pp(&k, &k, &x, 3, 0.5, 1).unwrap();
        assert_eq!(out.len(), s);
        assert_distinct(&out, n);
        ns.push(n as f64);
        kt.push(mmd_to_target(&x, &out));
        // i.i.d. thinning to the same size, averaged over seeds.
        let reps = 20;
        let avg = (0..reps)
            .map(|r| {
                let mut rng = ChaCha8Rng::seed_from_u64(1000 + r);
                let idx = sample(&mut rng, n, s).into_vec();
                mmd_to_target(&x, &idx)
            })
            .sum::<f64>()
            / reps as f64;
        iid.push(avg);
    }
    let (s_kt, s_iid) = (slope(&ns, &kt), slope(&ns, &iid));
    eprintln!("Compress++ MMD {kt:?} slope {s_kt:.3}; iid MMD {iid:?} slope {s_iid:.3}");
    assert!(s_kt < -0.38, "Compress++ slope {s_kt} (MMD {kt:?})");
    assert!(
        s_iid > -0.35 && s_iid < -0.15,
        "iid slope {s_iid} (MMD {iid:?})"
    );
    let last = kt.len() - 1;
    assert!(kt[last] < 0.25 * iid[last], "{} vs {}", kt[last], iid[last]);
}

#[test]
fn kernel_thinning_with_root_and_kt_plus_kernels_beats_iid() {
    let k = Stationary::new(Gaussian, 1.0, L).unwrap();
    let root = gaussian_root_kernel(&k, D).unwrap();
    let plus = kt_plus_kernel(&k).unwrap();
    let n = 1024;
    let x = normal_points(n, 3);
    let iid = (0..20)
        .map(|r| {
            let mut rng = ChaCha8Rng::seed_from_u64(2000 + r);
            mmd_to_target(&x, &sample(&mut rng, n, 32).into_vec())
        })
        .sum::<f64>()
        / 20.0;
    let target = kernel_thinning(&k, &k, &x, 5, 0.5, 4).unwrap();
    let rt = kernel_thinning(&root, &k, &x, 5, 0.5, 4).unwrap();
    let kp = kernel_thinning(&plus, &k, &x, 5, 0.5, 4).unwrap();
    for (name, out) in [("target", &target), ("root", &rt), ("kt+", &kp)] {
        assert_eq!(out.len(), 32);
        assert_distinct(out, n);
        let m = mmd_to_target(&x, out);
        eprintln!("{name}: MMD {m:.4e}, iid {iid:.4e}");
        assert!(m < 0.4 * iid, "{name}: {m} vs iid {iid}");
    }
    // Deterministic for a seed.
    assert_eq!(target, kernel_thinning(&k, &k, &x, 5, 0.5, 4).unwrap());
}

#[test]
fn kernel_thinning_without_dense_matrix_matches_rate() {
    // 4096 points: beyond the dense limit, kernels are evaluated on the fly.
    let k = Stationary::new(Gaussian, 1.0, L).unwrap();
    let x = normal_points(4096, 5);
    let out = kernel_thinning(&k, &k, &x, 6, 0.5, 9).unwrap();
    assert_eq!(out.len(), 64);
    assert_distinct(&out, 4096);
    // MMD(in, P) for 4096 draws is about 4096^(-1/2) up to a constant; the
    // coreset stays within a small factor of it.
    let all: Vec<usize> = (0..4096).collect();
    let floor = mmd_to_target(&x, &all);
    let m = mmd_to_target(&x, &out);
    eprintln!("KT 4096 -> 64: MMD {m:.4e}, input MMD {floor:.4e}");
    assert!(m < 4.0 * floor.max(1.0 / 64.0), "{m} vs input {floor}");
}

#[test]
fn root_kernel_convolves_to_the_target_kernel() {
    // In 1-D: int k_rt(x, z) k_rt(z, y) dz by the trapezoid rule.
    let k = Stationary::new(Gaussian, 1.7, 0.6).unwrap();
    let root = gaussian_root_kernel(&k, 1).unwrap();
    for (x, y) in [(0.0, 0.0), (0.3, -0.5), (1.0, 1.4)] {
        let h = 1e-3;
        let conv: f64 = (-10_000..=10_000)
            .map(|i| {
                let z = i as f64 * h;
                root.eval(&[x], &[z]) * root.eval(&[z], &[y]) * h
            })
            .sum();
        let want = k.eval(&[x], &[y]);
        assert!((conv - want).abs() < 1e-12, "{conv} vs {want}");
    }
    // ARD in 2-D factorises into the 1-D rule.
    let ard = Stationary::ard(Gaussian, 1.0, vec![0.5, 2.0]).unwrap();
    let r = gaussian_root_kernel(&ard, 2).unwrap();
    let r1 = gaussian_root_kernel(&Stationary::new(Gaussian, 1.0, 0.5).unwrap(), 1).unwrap();
    let r2 = gaussian_root_kernel(&Stationary::new(Gaussian, 1.0, 2.0).unwrap(), 1).unwrap();
    let want = r1.eval(&[0.2], &[0.5]) * r2.eval(&[-1.0], &[0.3]);
    assert!((r.eval(&[0.2, -1.0], &[0.5, 0.3]) - want).abs() < 1e-15);
}

#[test]
fn bad_inputs_give_typed_errors() {
    let k = Stationary::new(Gaussian, 1.0, L).unwrap();
    let x = normal_points(16, 0);
    assert!(matches!(
        kernel_thinning(&k, &k, &x, 5, 0.5, 0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        kernel_thinning(&k, &k, &x, 1, 1.5, 0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        compress_pp(&k, &k, &x, 1, 0.0, 0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        compress_pp(&k, &k, &x, 16, 0.5, 0),
        Err(Error::InvalidArgument(_))
    ));
    let ard3 = Stationary::ard(Gaussian, 1.0, vec![1.0; 3]).unwrap();
    assert!(matches!(
        compress_pp(&ard3, &k, &x, 1, 0.5, 0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        gaussian_root_kernel(&k, 0),
        Err(Error::InvalidArgument(_))
    ));
    // Small inputs still work: 5 points -> 4 used -> 2 kept.
    let five = normal_points(5, 1);
    assert_eq!(compress_pp(&k, &k, &five, 0, 0.5, 0).unwrap().len(), 2);
}
