//! The shared invariant suite (tests/common) run on every manifold, over
//! random seeds with proptest.

mod common;

use common::{Spec, check_all};
use proptest::prelude::*;
use sobolev_manifolds::*;

macro_rules! invariant_suite {
    ($name:ident, $manifold:expr, $spec:expr) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn $name(seed in any::<u64>()) {
                check_all(&$manifold, seed, $spec);
            }
        }
    };
}

const FLAT: Spec = Spec {
    radius: 3.0,
    tol: 1e-12,
    second_order_retraction: true,
};
const CURVED: Spec = Spec {
    radius: 1.0,
    tol: 1e-11,
    second_order_retraction: true,
};

invariant_suite!(euclidean_5, Euclidean::new(5), FLAT);
invariant_suite!(
    sphere_2,
    Sphere::new(3).unwrap(),
    Spec {
        radius: 2.5,
        ..CURVED
    }
);
invariant_suite!(
    sphere_50,
    Sphere::new(51).unwrap(),
    Spec {
        radius: 2.5,
        ..CURVED
    }
);
invariant_suite!(
    poincare_3_c1,
    PoincareBall::new(3, 1.0).unwrap(),
    Spec {
        radius: 4.0,
        ..CURVED
    }
);
invariant_suite!(
    poincare_10_c07,
    PoincareBall::new(10, 0.7).unwrap(),
    Spec {
        radius: 3.0,
        ..CURVED
    }
);
invariant_suite!(
    lorentz_3_c1,
    Lorentz::new(3, 1.0).unwrap(),
    Spec {
        radius: 4.0,
        ..CURVED
    }
);
invariant_suite!(
    lorentz_8_c2,
    Lorentz::new(8, 2.0).unwrap(),
    Spec {
        radius: 3.0,
        ..CURVED
    }
);
invariant_suite!(
    grassmann_5_2,
    Grassmann::new(5, 2).unwrap(),
    Spec {
        radius: 1.2,
        ..CURVED
    }
);
invariant_suite!(
    grassmann_20_4,
    Grassmann::new(20, 4).unwrap(),
    Spec {
        radius: 1.2,
        ..CURVED
    }
);
invariant_suite!(
    spd_ai_3,
    Spd::<AffineInvariant>::new(3).unwrap(),
    Spec {
        radius: 1.5,
        ..CURVED
    }
);
invariant_suite!(
    spd_ai_7,
    Spd::<AffineInvariant>::new(7).unwrap(),
    Spec {
        radius: 1.5,
        ..CURVED
    }
);
invariant_suite!(
    spd_le_4,
    Spd::<LogEuclidean>::new(4).unwrap(),
    Spec {
        radius: 1.5,
        ..CURVED
    }
);
invariant_suite!(
    spd_lc_4,
    Spd::<LogCholesky>::new(4).unwrap(),
    Spec {
        radius: 1.5,
        ..CURVED
    }
);
invariant_suite!(
    spd_pe_half_3,
    Spd::with_metric(3, PowerEuclidean::new(0.5).unwrap()).unwrap(),
    Spec {
        radius: 0.5,
        ..CURVED
    }
);
invariant_suite!(
    stiefel_5_2,
    Stiefel::new(5, 2).unwrap(),
    Spec {
        radius: 1.0,
        ..CURVED
    }
);
invariant_suite!(
    stiefel_5_3,
    Stiefel::new(5, 3).unwrap(),
    Spec {
        radius: 1.0,
        ..CURVED
    }
);
invariant_suite!(
    stiefel_20_4,
    Stiefel::new(20, 4).unwrap(),
    Spec {
        radius: 1.0,
        ..CURVED
    }
);
invariant_suite!(
    stiefel_4_4,
    Stiefel::new(4, 4).unwrap(),
    Spec {
        radius: 1.0,
        ..CURVED
    }
);
invariant_suite!(
    so_3,
    SpecialOrthogonal::new(3).unwrap(),
    Spec {
        radius: 2.0,
        ..CURVED
    }
);
invariant_suite!(
    so_7,
    SpecialOrthogonal::new(7).unwrap(),
    Spec {
        radius: 2.0,
        ..CURVED
    }
);
invariant_suite!(
    product_sphere_spd,
    Product::new(
        Sphere::new(4).unwrap(),
        Spd::<AffineInvariant>::new(3).unwrap()
    ),
    Spec {
        radius: 1.0,
        ..CURVED
    }
);
invariant_suite!(
    product_so3_euclidean_poincare,
    Product::new(
        Product::new(SpecialOrthogonal::new(3).unwrap(), Euclidean::new(3)),
        PoincareBall::new(2, 1.0).unwrap()
    ),
    Spec {
        radius: 1.5,
        ..CURVED
    }
);
invariant_suite!(
    se3,
    SpecialEuclidean3,
    Spec {
        radius: 2.0,
        ..CURVED
    }
);
invariant_suite!(
    spd_bw_3,
    Spd::<BuresWasserstein>::new(3).unwrap(),
    Spec {
        radius: 0.15,
        ..CURVED
    }
);
invariant_suite!(
    spd_bw_6,
    Spd::<BuresWasserstein>::new(6).unwrap(),
    Spec {
        radius: 0.15,
        ..CURVED
    }
);
invariant_suite!(
    spd_ai_weighted_4,
    Spd::with_metric(4, AffineInvariant::new(2.0, -0.3).unwrap()).unwrap(),
    Spec {
        radius: 1.5,
        ..CURVED
    }
);
invariant_suite!(
    spd_le_weighted_3,
    Spd::with_metric(3, LogEuclidean::new(0.5, 0.4).unwrap()).unwrap(),
    Spec {
        radius: 1.5,
        ..CURVED
    }
);
