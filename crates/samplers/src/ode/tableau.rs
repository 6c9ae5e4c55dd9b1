//! Butcher tableaux of the explicit Runge-Kutta methods, in plain sight.
//!
//! An explicit `s`-stage Runge-Kutta method advances `y' = f(t, y)` by
//! `k_i = f(t + c_i h, y + h sum_{j<i} a_ij k_j)` and
//! `y_{n+1} = y_n + h sum_i b_i k_i`. An embedded pair adds weights `b_hat`
//! of a lower order; the difference `h sum_i (b_i - b_hat_i) k_i` estimates
//! the local error and drives step-size control. Tableaux follow Hairer,
//! Norsett and Wanner, *Solving ODEs I* (Euler, Heun, midpoint, RK4),
//! Bogacki and Shampine (1989), Dormand and Prince (1980) and Tsitouras
//! (2011); the Tsitouras coefficients are those of the paper as printed to
//! double precision in DifferentialEquations.jl and diffrax.

/// An explicit Runge-Kutta tableau with an optional embedded error estimator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ButcherTableau {
    /// Method name, as users know it.
    pub name: &'static str,
    /// Strictly lower-triangular coefficients: row `i` holds `a_{i,0..i}`.
    pub a: &'static [&'static [f64]],
    /// Weights of the propagated solution.
    pub b: &'static [f64],
    /// Error weights `b - b_hat` of the embedded method, if any.
    pub b_error: Option<&'static [f64]>,
    /// Nodes `c_i`.
    pub c: &'static [f64],
    /// Order of the propagated solution.
    pub order: u32,
    /// Order of the embedded solution (the error estimate is of this order + 1).
    pub embedded_order: Option<u32>,
    /// First same as last: the last stage is `f(t_{n+1}, y_{n+1})`.
    pub fsal: bool,
}

impl ButcherTableau {
    /// Number of stages.
    pub fn stages(&self) -> usize {
        self.b.len()
    }

    /// Whether the tableau carries an embedded error estimator.
    pub fn is_adaptive(&self) -> bool {
        self.b_error.is_some()
    }
}

/// Forward Euler, order 1.
pub const EULER: ButcherTableau = ButcherTableau {
    name: "Euler",
    a: &[&[]],
    b: &[1.0],
    b_error: None,
    c: &[0.0],
    order: 1,
    embedded_order: None,
    fsal: false,
};

/// Heun's method (explicit trapezoid), order 2, with Euler embedded.
pub const HEUN: ButcherTableau = ButcherTableau {
    name: "Heun",
    a: &[&[], &[1.0]],
    b: &[0.5, 0.5],
    b_error: Some(&[-0.5, 0.5]),
    c: &[0.0, 1.0],
    order: 2,
    embedded_order: Some(1),
    fsal: false,
};

/// Explicit midpoint rule, order 2, with Euler embedded.
pub const MIDPOINT: ButcherTableau = ButcherTableau {
    name: "Midpoint",
    a: &[&[], &[0.5]],
    b: &[0.0, 1.0],
    b_error: Some(&[-1.0, 1.0]),
    c: &[0.0, 0.5],
    order: 2,
    embedded_order: Some(1),
    fsal: false,
};

/// The classical fourth-order Runge-Kutta method.
pub const RK4: ButcherTableau = ButcherTableau {
    name: "RK4",
    a: &[&[], &[0.5], &[0.0, 0.5], &[0.0, 0.0, 1.0]],
    b: &[1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0],
    b_error: None,
    c: &[0.0, 0.5, 0.5, 1.0],
    order: 4,
    embedded_order: None,
    fsal: false,
};

/// Bogacki-Shampine 3(2), FSAL (the method of MATLAB's `ode23`).
pub const BOGACKI_SHAMPINE_3_2: ButcherTableau = ButcherTableau {
    name: "Bogacki-Shampine 3(2)",
    a: &[
        &[],
        &[0.5],
        &[0.0, 0.75],
        &[2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0],
    ],
    b: &[2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0],
    b_error: Some(&[
        2.0 / 9.0 - 7.0 / 24.0,
        1.0 / 3.0 - 0.25,
        4.0 / 9.0 - 1.0 / 3.0,
        -0.125,
    ]),
    c: &[0.0, 0.5, 0.75, 1.0],
    order: 3,
    embedded_order: Some(2),
    fsal: true,
};

/// Dormand-Prince 5(4), FSAL (the method of `ode45` and SciPy's `RK45`).
pub const DORMAND_PRINCE_5_4: ButcherTableau = ButcherTableau {
    name: "Dormand-Prince 5(4)",
    a: &[
        &[],
        &[1.0 / 5.0],
        &[3.0 / 40.0, 9.0 / 40.0],
        &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
        &[
            19372.0 / 6561.0,
            -25360.0 / 2187.0,
            64448.0 / 6561.0,
            -212.0 / 729.0,
        ],
        &[
            9017.0 / 3168.0,
            -355.0 / 33.0,
            46732.0 / 5247.0,
            49.0 / 176.0,
            -5103.0 / 18656.0,
        ],
        &[
            35.0 / 384.0,
            0.0,
            500.0 / 1113.0,
            125.0 / 192.0,
            -2187.0 / 6784.0,
            11.0 / 84.0,
        ],
    ],
    b: &[
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
        0.0,
    ],
    b_error: Some(&[
        35.0 / 384.0 - 5179.0 / 57600.0,
        0.0,
        500.0 / 1113.0 - 7571.0 / 16695.0,
        125.0 / 192.0 - 393.0 / 640.0,
        -2187.0 / 6784.0 + 92097.0 / 339200.0,
        11.0 / 84.0 - 187.0 / 2100.0,
        -1.0 / 40.0,
    ]),
    c: &[0.0, 0.2, 0.3, 0.8, 8.0 / 9.0, 1.0, 1.0],
    order: 5,
    embedded_order: Some(4),
    fsal: true,
};

const TSIT5_B: [f64; 7] = [
    0.09646076681806522951816731316512876,
    0.01,
    0.4798896504144995747752495322905965,
    1.379008574103741893192274821856873,
    -3.290069515436080679901047585711364,
    2.324710524099773982415355918398766,
    0.0,
];

/// Tsitouras 5(4), FSAL: the Dormand-Prince shape with coefficients that
/// satisfy only the first column simplifying assumption, which buys a
/// smaller principal error term.
pub const TSITOURAS_5_4: ButcherTableau = ButcherTableau {
    name: "Tsitouras 5(4)",
    a: &[
        &[],
        &[0.161],
        &[
            -0.008480655492356988544426874250230775,
            0.3354806554923569885444268742502308,
        ],
        &[
            2.897153057105493432130432594192939,
            -6.359448489975074843148159912383826,
            4.362295432869581411017727318190887,
        ],
        &[
            5.325864828439256604428877920840511,
            -11.74888356406282787774717033978577,
            7.495539342889836208304604784564358,
            -0.09249506636175524925650207933207192,
        ],
        &[
            5.861455442946420028659251486982648,
            -12.92096931784710929170611868178336,
            8.159367898576158643180400794539253,
            -0.07158497328140099722453054252582974,
            -0.02826905039406838290900305721271224,
        ],
        &[
            TSIT5_B[0], TSIT5_B[1], TSIT5_B[2], TSIT5_B[3], TSIT5_B[4], TSIT5_B[5],
        ],
    ],
    b: &TSIT5_B,
    b_error: Some(&[
        TSIT5_B[0] - 0.09468075576583945807478876255758923,
        TSIT5_B[1] - 0.009183565540343253096776363936645314,
        TSIT5_B[2] - 0.4877705284247615707855642599631228,
        TSIT5_B[3] - 1.234297566930478985655109673884238,
        TSIT5_B[4] + 2.707712349983525454881109975059322,
        TSIT5_B[5] - 1.866628418170587035753719399566211,
        -1.0 / 66.0,
    ]),
    c: &[
        0.0,
        0.161,
        0.327,
        0.9,
        0.9800255409045096857298102862870246,
        1.0,
        1.0,
    ],
    order: 5,
    embedded_order: Some(4),
    fsal: true,
};

/// Every tableau shipped, for tests and tables.
pub const ALL: [ButcherTableau; 7] = [
    EULER,
    HEUN,
    MIDPOINT,
    RK4,
    BOGACKI_SHAMPINE_3_2,
    DORMAND_PRINCE_5_4,
    TSITOURAS_5_4,
];
