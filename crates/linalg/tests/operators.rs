//! Every structured operator against its dense counterpart (to 1e-12
//! relative), and faer's own solvers running on them unchanged.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::solvers::Solve;
use faer::matrix_free::conjugate_gradient::{
    CgParams, conjugate_gradient, conjugate_gradient_scratch,
};
use faer::matrix_free::{BiLinOp, IdentityPrecond, LinOp};
use faer::{Mat, MatRef, Par, Side};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sobolev_linalg::Error;
use sobolev_linalg::cg::CgOptions;
use sobolev_linalg::khatri_rao::KhatriRao;
use sobolev_linalg::kronecker::{Kronecker, KroneckerSum};
use sobolev_linalg::kronecker_eigen::KroneckerEigen;
use sobolev_linalg::low_rank::LowRankUpdate;
use sobolev_linalg::nearest_kronecker::{Rank, nearest_kronecker};
use sobolev_linalg::ops::{self, Diagonal, Scaled, Sum, Transposed};
use sobolev_linalg::toeplitz::{Circulant, Toeplitz, levinson};

fn random_mat(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| rng.random_range(-1.0..1.0))
}

fn random_spd(rng: &mut ChaCha8Rng, n: usize) -> Mat<f64> {
    let a = random_mat(rng, n, n);
    let mut k = &a * a.transpose();
    for i in 0..n {
        k[(i, i)] += 0.5;
    }
    k
}

fn rel_err(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()));
    let diff = (a - b).norm_l2();
    diff / b.norm_l2().max(f64::MIN_POSITIVE)
}

fn dense_log_det(a: &Mat<f64>) -> f64 {
    let l = a.llt(Side::Lower).unwrap();
    let l = l.L();
    2.0 * (0..a.nrows()).map(|i| l[(i, i)].ln()).sum::<f64>()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn kronecker_matches_dense(seed in 0u64..10_000, d in 1usize..4, k in 1usize..3) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let factors: Vec<Mat<f64>> = (0..d)
            .map(|_| { let m = rng.random_range(1..5); let n = rng.random_range(1..5); random_mat(&mut rng, m, n) })
            .collect();
        let kron = Kronecker::from_dense(factors).unwrap();
        let dense = kron.to_dense();
        let x = random_mat(&mut rng, kron.ncols(), k);
        let y = ops::apply(&kron, x.as_ref()).unwrap();
        prop_assert!(rel_err(y.as_ref(), (&dense * &x).as_ref()) < 1e-12);
        // transpose, both through BiLinOp and the explicit transpose
        let z = random_mat(&mut rng, kron.nrows(), k);
        let want = dense.transpose() * &z;
        prop_assert!(rel_err(ops::apply_transpose(&kron, z.as_ref()).unwrap().as_ref(), want.as_ref()) < 1e-12);
        prop_assert!(rel_err(ops::apply(&kron.transpose(), z.as_ref()).unwrap().as_ref(), want.as_ref()) < 1e-12);
    }

    #[test]
    fn kronecker_sum_matches_dense(seed in 0u64..10_000, d in 1usize..4) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let factors: Vec<Mat<f64>> = (0..d).map(|_| { let n = rng.random_range(1..5); random_mat(&mut rng, n, n) }).collect();
        let sum = KroneckerSum::new(factors.clone()).unwrap();
        let n_total: usize = factors.iter().map(|f| f.nrows()).product();
        let mut dense = Mat::<f64>::zeros(n_total, n_total);
        for k in 0..d {
            let parts: Vec<Mat<f64>> = (0..d).map(|i| if i == k { factors[i].clone() } else { Mat::identity(factors[i].nrows(), factors[i].nrows()) }).collect();
            dense += Kronecker::from_dense(parts).unwrap().to_dense();
        }
        let x = random_mat(&mut rng, n_total, 2);
        prop_assert!(rel_err(ops::apply(&sum, x.as_ref()).unwrap().as_ref(), (&dense * &x).as_ref()) < 1e-12);
        prop_assert!(rel_err(ops::apply_transpose(&sum, x.as_ref()).unwrap().as_ref(), (dense.transpose() * &x).as_ref()) < 1e-12);
    }

    #[test]
    fn kronecker_eigen_matches_dense(seed in 0u64..10_000, d in 1usize..4, s2 in 0.01f64..2.0) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let factors: Vec<Mat<f64>> = (0..d).map(|_| { let n = rng.random_range(1..5); random_spd(&mut rng, n) }).collect();
        let plan = KroneckerEigen::product(factors.clone(), s2).unwrap();
        let mut dense = Kronecker::from_dense(factors).unwrap().to_dense();
        for i in 0..dense.nrows() { dense[(i, i)] += s2; }
        let x = random_mat(&mut rng, dense.nrows(), 2);
        let chol = dense.llt(Side::Lower).unwrap();
        let want = chol.solve(&x);
        prop_assert!(rel_err(plan.solve(x.as_ref()).unwrap().as_ref(), want.as_ref()) < 1e-11);
        let ld = dense_log_det(&dense);
        prop_assert!((plan.log_det() - ld).abs() <= 1e-12 * ld.abs().max(1.0));
        // inverse square root twice is the inverse; square root twice is the matrix
        let h = plan.inv_sqrt(plan.inv_sqrt(x.as_ref()).unwrap().as_ref()).unwrap();
        prop_assert!(rel_err(h.as_ref(), want.as_ref()) < 1e-11);
        let s = plan.sqrt(plan.sqrt(x.as_ref()).unwrap().as_ref()).unwrap();
        prop_assert!(rel_err(s.as_ref(), (&dense * &x).as_ref()) < 1e-12);
        prop_assert!(rel_err(ops::apply(&plan, x.as_ref()).unwrap().as_ref(), (&dense * &x).as_ref()) < 1e-12);
    }

    #[test]
    fn toeplitz_matches_dense(seed in 0u64..10_000, m in 1usize..40, n in 1usize..40, k in 1usize..4) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let col: Vec<f64> = (0..m).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mut row: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        row[0] = col[0];
        let t = Toeplitz::new(&col, &row).unwrap();
        let dense = t.to_dense();
        let x = random_mat(&mut rng, n, k);
        prop_assert!(rel_err(ops::apply(&t, x.as_ref()).unwrap().as_ref(), (&dense * &x).as_ref()) < 1e-12);
        let z = random_mat(&mut rng, m, k);
        prop_assert!(rel_err(ops::apply_transpose(&t, z.as_ref()).unwrap().as_ref(), (dense.transpose() * &z).as_ref()) < 1e-12);
    }

    #[test]
    fn circulant_and_inverse_match_dense(seed in 0u64..10_000, n in 1usize..50) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut c: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        c[0] += 2.0 * n as f64; // diagonally dominant: invertible
        let circ = Circulant::new(&c).unwrap();
        let dense = Mat::from_fn(n, n, |i, j| c[(i + n - j) % n]);
        let x = random_mat(&mut rng, n, 3);
        prop_assert!(rel_err(ops::apply(&circ, x.as_ref()).unwrap().as_ref(), (&dense * &x).as_ref()) < 1e-12);
        let inv = circ.inverse().unwrap();
        let back = &dense * ops::apply(&inv, x.as_ref()).unwrap();
        prop_assert!(rel_err(back.as_ref(), x.as_ref()) < 1e-12);
    }

    #[test]
    fn low_rank_matches_dense(seed in 0u64..10_000, n in 1usize..30, k in 0usize..6) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let d: Vec<f64> = (0..n).map(|_| rng.random_range(0.1..2.0)).collect();
        let u = random_mat(&mut rng, n, k);
        let c = random_spd(&mut rng, k);
        let op = LowRankUpdate::new(d, u, c).unwrap();
        let dense = op.to_dense();
        let x = random_mat(&mut rng, n, 2);
        prop_assert!(rel_err(ops::apply(&op, x.as_ref()).unwrap().as_ref(), (&dense * &x).as_ref()) < 1e-12);
        let want = dense.llt(Side::Lower).unwrap().solve(&x);
        prop_assert!(rel_err(op.solve(x.as_ref()).unwrap().as_ref(), want.as_ref()) < 1e-10);
        let ld = dense_log_det(&dense);
        prop_assert!((op.log_det() - ld).abs() <= 1e-11 * ld.abs().max(1.0));
    }

    #[test]
    fn khatri_rao_matches_dense(seed in 0u64..10_000, d in 1usize..4, r in 1usize..5) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let factors: Vec<Mat<f64>> = (0..d).map(|_| { let m = rng.random_range(1..5); random_mat(&mut rng, m, r) }).collect();
        let kr = KhatriRao::new(factors.clone()).unwrap();
        let dense = kr.to_dense();
        // column j is the Kronecker product of the factors' columns j
        for j in 0..r {
            let cols: Vec<Mat<f64>> = factors.iter().map(|f| f.subcols(j, 1).to_owned()).collect();
            let kc = Kronecker::from_dense(cols).unwrap().to_dense();
            prop_assert!(rel_err(dense.subcols(j, 1), kc.as_ref()) < 1e-14);
        }
        let x = random_mat(&mut rng, r, 2);
        prop_assert!(rel_err(ops::apply(&kr, x.as_ref()).unwrap().as_ref(), (&dense * &x).as_ref()) < 1e-12);
        let z = random_mat(&mut rng, kr.nrows(), 2);
        prop_assert!(rel_err(ops::apply_transpose(&kr, z.as_ref()).unwrap().as_ref(), (dense.transpose() * &z).as_ref()) < 1e-12);
    }

    #[test]
    fn combinators_match_dense(seed in 0u64..10_000, n in 1usize..12, alpha in -3.0f64..3.0) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let a = random_mat(&mut rng, n, n);
        let d: Vec<f64> = (0..n).map(|_| rng.random_range(0.5..2.0)).collect();
        let diag = Diagonal::new(d.clone()).unwrap();
        let op = Scaled::new(alpha, Sum::new(a.clone(), diag).unwrap()).unwrap();
        let mut dense = a.clone();
        for i in 0..n { dense[(i, i)] += d[i]; }
        let dense = &dense * faer::Scale(alpha);
        let x = random_mat(&mut rng, n, 2);
        prop_assert!(rel_err(ops::apply(&op, x.as_ref()).unwrap().as_ref(), (&dense * &x).as_ref()) < 1e-12);
        let t = Transposed::new(op);
        prop_assert!(rel_err(ops::apply(&t, x.as_ref()).unwrap().as_ref(), (dense.transpose() * &x).as_ref()) < 1e-12);
    }
}

#[test]
fn kronecker_of_structured_factors_matches_dense() {
    // factors that are themselves matrix-free operators
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let t1 = Toeplitz::symmetric(&[2.0, 0.5, 0.25, 0.1]).unwrap();
    let t2 = Toeplitz::new(&[1.0, -0.3, 0.2], &[1.0, 0.7]).unwrap();
    let dense = Kronecker::from_dense(vec![t1.to_dense(), t2.to_dense()])
        .unwrap()
        .to_dense();
    let kron = Kronecker::new(vec![t1, t2]).unwrap();
    let x = random_mat(&mut rng, kron.ncols(), 3);
    let y = ops::apply(&kron, x.as_ref()).unwrap();
    assert!(rel_err(y.as_ref(), (&dense * &x).as_ref()) < 1e-12);
    let z = random_mat(&mut rng, kron.nrows(), 2);
    let w = ops::apply_transpose(&kron, z.as_ref()).unwrap();
    assert!(rel_err(w.as_ref(), (dense.transpose() * &z).as_ref()) < 1e-12);
}

#[test]
fn faer_conjugate_gradient_runs_on_kronecker_operators() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let factors: Vec<Mat<f64>> = (0..3).map(|_| random_spd(&mut rng, 4)).collect();
    let s2 = 0.3;
    let plan = KroneckerEigen::product(factors.clone(), s2).unwrap();
    let op = Sum::new(
        Kronecker::from_dense(factors).unwrap(),
        Diagonal::scaled_identity(64, s2).unwrap(),
    )
    .unwrap();
    let b = random_mat(&mut rng, 64, 2);
    let mut x = Mat::<f64>::zeros(64, 2);
    let precond = IdentityPrecond { dim: 64 };
    let params = CgParams {
        max_iters: 500,
        ..Default::default()
    };
    let mut buf = MemBuffer::new(conjugate_gradient_scratch(precond, &op, 2, Par::Seq));
    let info = conjugate_gradient(
        x.as_mut(),
        precond,
        &op,
        b.as_ref(),
        params,
        |_| {},
        Par::Seq,
        MemStack::new(&mut buf),
    )
    .unwrap();
    assert!(info.iter_count > 1);
    let exact = plan.solve(b.as_ref()).unwrap();
    assert!(rel_err(x.as_ref(), exact.as_ref()) < 1e-9);
    // and with the plan's exact inverse as preconditioner, CG needs one step
    let inv = plan.inverse(s2).unwrap();
    let mut x2 = Mat::<f64>::zeros(64, 2);
    let mut buf = MemBuffer::new(conjugate_gradient_scratch(inv, &op, 2, Par::Seq));
    let info = conjugate_gradient(
        x2.as_mut(),
        inv,
        &op,
        b.as_ref(),
        params,
        |_| {},
        Par::Seq,
        MemStack::new(&mut buf),
    )
    .unwrap();
    assert!(info.iter_count <= 2, "{}", info.iter_count);
    assert!(rel_err(x2.as_ref(), exact.as_ref()) < 1e-9);
}

#[test]
fn kronecker_sum_plan_matches_dense() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let factors: Vec<Mat<f64>> = vec![random_spd(&mut rng, 3), random_spd(&mut rng, 4)];
    let plan = KroneckerEigen::sum(factors.clone(), 0.1).unwrap();
    let mut dense = KroneckerSum::new(factors).unwrap().to_dense();
    for i in 0..12 {
        dense[(i, i)] += 0.1;
    }
    let x = random_mat(&mut rng, 12, 2);
    let want = dense.llt(Side::Lower).unwrap().solve(&x);
    assert!(rel_err(plan.solve(x.as_ref()).unwrap().as_ref(), want.as_ref()) < 1e-12);
    assert!((plan.log_det() - dense_log_det(&dense)).abs() < 1e-12 * dense_log_det(&dense).abs());
}

#[test]
fn kronecker_solve_with_diagonal_matches_dense() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let factors: Vec<Mat<f64>> = vec![random_spd(&mut rng, 5), random_spd(&mut rng, 6)];
    let plan = KroneckerEigen::product(factors.clone(), 0.0).unwrap();
    let d: Vec<f64> = (0..30).map(|_| rng.random_range(0.2..0.6)).collect();
    let mut dense = Kronecker::from_dense(factors).unwrap().to_dense();
    for i in 0..30 {
        dense[(i, i)] += d[i];
    }
    let b = random_mat(&mut rng, 30, 3);
    let opts = CgOptions {
        rel_tolerance: 1e-13,
        ..Default::default()
    };
    let (x, report) = plan.solve_with_diagonal(&d, b.as_ref(), &opts).unwrap();
    let want = dense.llt(Side::Lower).unwrap().solve(&b);
    assert!(rel_err(x.as_ref(), want.as_ref()) < 1e-10, "{report:?}");
}

#[test]
fn kronecker_samples_have_the_right_covariance() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let factors: Vec<Mat<f64>> = vec![random_spd(&mut rng, 2), random_spd(&mut rng, 2)];
    let plan = KroneckerEigen::product(factors.clone(), 0.2).unwrap();
    let mut dense = Kronecker::from_dense(factors).unwrap().to_dense();
    for i in 0..4 {
        dense[(i, i)] += 0.2;
    }
    let count = 40_000;
    let samples = plan.sample(&mut rng, count);
    let cov = &samples * samples.transpose() * faer::Scale(1.0 / count as f64);
    // Monte Carlo error ~ ||K|| * sqrt(2 / count) ~ 0.7 % of the scale
    assert!(rel_err(cov.as_ref(), dense.as_ref()) < 0.03);
}

#[test]
fn kronecker_eigen_rejects_bad_factors() {
    let indefinite = Mat::from_fn(2, 2, |i, j| if i == j { 0.0 } else { 1.0 });
    let spd = Mat::<f64>::identity(2, 2);
    assert!(matches!(
        KroneckerEigen::product(vec![spd.clone(), indefinite.clone()], 0.1),
        Err(Error::NotPositiveDefinite(_))
    ));
    let nonsym = Mat::from_fn(2, 2, |i, j| (i + 2 * j) as f64);
    assert!(matches!(
        KroneckerEigen::product(vec![nonsym], 0.1),
        Err(Error::InvalidArgument(_))
    ));
    let nan = Mat::from_fn(2, 2, |_, _| f64::NAN);
    assert!(matches!(
        KroneckerEigen::product(vec![nan], 0.1),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        KroneckerEigen::product(vec![], 0.1),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        KroneckerEigen::product(vec![spd.clone()], -1.0),
        Err(Error::InvalidArgument(_))
    ));
    let plan = KroneckerEigen::product(vec![spd], 0.1).unwrap();
    assert!(matches!(
        plan.solve(Mat::<f64>::zeros(3, 1).as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn operators_reject_bad_input() {
    assert!(matches!(
        Toeplitz::new(&[1.0, 2.0], &[3.0]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(Toeplitz::new(&[], &[]), Err(Error::Empty(_))));
    assert!(matches!(
        Toeplitz::symmetric(&[1.0, f64::INFINITY]),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        Circulant::new(&[0.0, 0.0]).unwrap().inverse(),
        Err(Error::InvalidArgument(_))
    ));
    let t = Toeplitz::symmetric(&[1.0, 0.5]).unwrap();
    assert!(matches!(
        ops::apply(&t, Mat::<f64>::zeros(3, 1).as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        LowRankUpdate::new(vec![1.0, -1.0], Mat::zeros(2, 1), Mat::identity(1, 1)),
        Err(Error::NotPositiveDefinite(_))
    ));
    assert!(matches!(
        LowRankUpdate::new(
            vec![1.0, 1.0],
            Mat::zeros(2, 1),
            Mat::from_fn(1, 1, |_, _| -1.0)
        ),
        Err(Error::NotPositiveDefinite(_))
    ));
    assert!(matches!(
        Kronecker::<Mat<f64>>::new(vec![]),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        Sum::new(Mat::<f64>::zeros(2, 2), Mat::<f64>::zeros(3, 3)),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        levinson(&[1.0, 2.0], &[1.0, 1.0]),
        Err(Error::NotPositiveDefinite(_))
    ));
    assert!(matches!(
        KhatriRao::new(vec![Mat::zeros(2, 2), Mat::zeros(2, 3)]),
        Err(Error::ShapeMismatch { .. })
    ));
}

fn exp_kernel(n: usize, ell: f64) -> Vec<f64> {
    (0..n).map(|k| (-(k as f64) / ell).exp()).collect()
}

#[test]
fn levinson_matches_dense_solve() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for n in [1, 2, 5, 40, 200] {
        let t = exp_kernel(n, 10.0);
        let b: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let x = levinson(&t, &b).unwrap();
        let dense = Toeplitz::symmetric(&t).unwrap().to_dense();
        let bm = MatRef::from_column_major_slice(&b, n, 1);
        let want = dense.llt(Side::Lower).unwrap().solve(bm);
        let got = MatRef::from_column_major_slice(&x, n, 1);
        assert!(rel_err(got, want.as_ref()) < 1e-11, "n = {n}");
    }
}

#[test]
fn toeplitz_pcg_matches_levinson_in_few_iterations() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let n = 2000;
    // squared-exponential covariance plus a nugget: smooth, ill-conditioned
    let mut t: Vec<f64> = (0..n)
        .map(|k| (-0.5 * (k as f64 / 20.0).powi(2)).exp())
        .collect();
    t[0] += 1e-2;
    let b: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
    let exact = levinson(&t, &b).unwrap();
    let op = Toeplitz::symmetric(&t).unwrap();
    let opts = CgOptions {
        rel_tolerance: 1e-12,
        max_iters: 500,
        ..Default::default()
    };
    let (x, report) = op
        .solve_pcg(MatRef::from_column_major_slice(&b, n, 1), None, &opts)
        .unwrap();
    let got = x.col(0).iter().copied().collect::<Vec<_>>();
    let err = got
        .iter()
        .zip(&exact)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt()
        / exact.iter().map(|v| v * v).sum::<f64>().sqrt();
    assert!(err < 1e-8, "err {err}");
    assert!(report.iterations < 100, "{report:?}");
    // warm start from the answer converges at once
    let (_, warm) = op
        .solve_pcg(
            MatRef::from_column_major_slice(&b, n, 1),
            Some(x.as_ref()),
            &opts,
        )
        .unwrap();
    assert!(warm.iterations <= 1, "{warm:?}");
}

#[test]
fn nearest_kronecker_recovers_structure() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let b1 = random_mat(&mut rng, 3, 2);
    let c1 = random_mat(&mut rng, 4, 5);
    let b2 = random_mat(&mut rng, 3, 2);
    let c2 = random_mat(&mut rng, 4, 5);
    let k1 = Kronecker::from_dense(vec![b1.clone(), c1.clone()])
        .unwrap()
        .to_dense();
    let k2 = Kronecker::from_dense(vec![b2, c2]).unwrap().to_dense();
    // exact single product
    let one = nearest_kronecker(k1.as_ref(), (3, 2), Rank::Fixed(1)).unwrap();
    assert!(one.relative_error < 1e-14);
    let (b, c) = &one.terms[0];
    let rebuilt = Kronecker::from_dense(vec![b.clone(), c.clone()])
        .unwrap()
        .to_dense();
    assert!(rel_err(rebuilt.as_ref(), k1.as_ref()) < 1e-13);
    // a sum of two products: rank selection by tolerance finds two terms
    let a = &k1 + &k2;
    let two = nearest_kronecker(a.as_ref(), (3, 2), Rank::Tolerance(1e-12)).unwrap();
    assert_eq!(two.terms.len(), 2);
    let mut rebuilt = Mat::<f64>::zeros(12, 10);
    for (b, c) in &two.terms {
        rebuilt += Kronecker::from_dense(vec![b.clone(), c.clone()])
            .unwrap()
            .to_dense();
    }
    assert!(rel_err(rebuilt.as_ref(), a.as_ref()) < 1e-13);
    // the reported error of a rank-1 truncation is the actual error
    let trunc = nearest_kronecker(a.as_ref(), (3, 2), Rank::Fixed(1)).unwrap();
    let (b, c) = &trunc.terms[0];
    let approx = Kronecker::from_dense(vec![b.clone(), c.clone()])
        .unwrap()
        .to_dense();
    let actual = rel_err(approx.as_ref(), a.as_ref());
    assert!((actual - trunc.relative_error).abs() < 1e-12);
    assert!(matches!(
        nearest_kronecker(a.as_ref(), (5, 2), Rank::Fixed(1)),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn bilinop_transpose_of_kronecker_eigen_is_symmetric() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let plan = KroneckerEigen::product(vec![random_spd(&mut rng, 3), random_spd(&mut rng, 3)], 0.5)
        .unwrap();
    let x = random_mat(&mut rng, 9, 1);
    let a = ops::apply(&plan, x.as_ref()).unwrap();
    let b = ops::apply_transpose(&plan, x.as_ref()).unwrap();
    assert!(rel_err(a.as_ref(), b.as_ref()) < 1e-14);
    let _: &dyn BiLinOp<f64> = &plan;
    let _: &dyn LinOp<f64> = &plan;
}

mod bttb {
    use super::*;
    use sobolev_linalg::bttb::Bttb;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn bttb_matches_dense(seed in 0u64..10_000, n1 in 1usize..7, n2 in 1usize..7, k in 1usize..4) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let w2 = 2 * n2 - 1;
            let table: Vec<f64> = (0..(2 * n1 - 1) * w2).map(|_| rng.random_range(-1.0..1.0)).collect();
            let t = |k1: isize, k2: isize| table[(k1 + n1 as isize - 1) as usize * w2 + (k2 + n2 as isize - 1) as usize];
            let op = Bttb::from_fn(n1, n2, t).unwrap();
            // dense from the definition, independently of Bttb::to_dense
            let dense = Mat::from_fn(n1 * n2, n1 * n2, |i, j| {
                t((i / n2) as isize - (j / n2) as isize, (i % n2) as isize - (j % n2) as isize)
            });
            prop_assert!(rel_err(op.to_dense().as_ref(), dense.as_ref()) == 0.0);
            let x = random_mat(&mut rng, n1 * n2, k);
            prop_assert!(rel_err(ops::apply(&op, x.as_ref()).unwrap().as_ref(), (&dense * &x).as_ref()) < 1e-12);
            prop_assert!(rel_err(ops::apply_transpose(&op, x.as_ref()).unwrap().as_ref(), (dense.transpose() * &x).as_ref()) < 1e-12);
        }
    }

    #[test]
    fn separable_bttb_is_a_kronecker_product_of_toeplitz_matrices() {
        let t1 = [1.0, 0.5, 0.2, 0.1];
        let t2 = [2.0, -0.4, 0.3];
        let op = Bttb::from_fn(4, 3, |a, b| t1[a.unsigned_abs()] * t2[b.unsigned_abs()]).unwrap();
        let kron = Kronecker::new(vec![
            Toeplitz::symmetric(&t1).unwrap(),
            Toeplitz::symmetric(&t2).unwrap(),
        ])
        .unwrap();
        assert!(rel_err(op.to_dense().as_ref(), ops::to_dense(&kron).as_ref()) < 1e-12);
        assert!(matches!(
            Bttb::from_fn(0, 3, |_, _| 1.0),
            Err(Error::Empty(_))
        ));
        assert!(matches!(
            Bttb::from_fn(2, 2, |_, _| f64::NAN),
            Err(Error::NonFinite(_))
        ));
    }
}
