"""Fixtures for sobolev-kernels' Nystrom, kernel ridge regression and kernel PCA:
scikit-learn's Nystroem, KernelRidge and KernelPCA with the RBF kernel.

On seeded random data (40 training points in R^3, 10 test points), writes the
Nystroem landmark indices and its features at the test points, KernelRidge's
dual coefficients and predictions, and KernelPCA's eigenvalues, training scores
and test projections. scikit-learn's RBF is exp(-gamma |x - y|^2), our
lengthscale l = 1 / sqrt(2 gamma).

Run from the repository root: `cargo xtask refdata rkhs_sklearn` (needs numpy and
scikit-learn, listed in xtask/refdata/requirements.txt).
Output: crates/kernels/tests/data/rkhs_sklearn.txt, one array per block:
a line `name rows cols`, then the values row-major on one line.
"""

import numpy as np
import sklearn
from sklearn.decomposition import KernelPCA
from sklearn.kernel_approximation import Nystroem
from sklearn.kernel_ridge import KernelRidge

OUT = "crates/kernels/tests/data/rkhs_sklearn.txt"
LENGTHSCALE = 1.3
GAMMA = 1.0 / (2.0 * LENGTHSCALE**2)


def main():
    rng = np.random.default_rng(20261123)
    X = rng.uniform(-2.0, 2.0, size=(40, 3))
    Xs = rng.uniform(-2.5, 2.5, size=(10, 3))
    y = np.sin(1.3 * X.sum(axis=1)) + 0.2 * rng.standard_normal(40)

    ny = Nystroem(kernel="rbf", gamma=GAMMA, n_components=15, random_state=0).fit(X)
    ny_test = ny.transform(Xs)

    kr = KernelRidge(alpha=0.1, kernel="rbf", gamma=GAMMA).fit(X, y)
    kr_pred = kr.predict(Xs)

    kp = KernelPCA(n_components=4, kernel="rbf", gamma=GAMMA).fit(X)
    kp_train = kp.transform(X)
    kp_test = kp.transform(Xs)

    arrays = [
        ("x", X),
        ("x_test", Xs),
        ("y", y.reshape(-1, 1)),
        ("lengthscale", np.array([[LENGTHSCALE]])),
        ("nystroem_indices", ny.component_indices_.astype(float).reshape(-1, 1)),
        ("nystroem_test", ny_test),
        ("ridge_alpha", np.array([[0.1]])),
        ("ridge_dual", kr.dual_coef_.reshape(-1, 1)),
        ("ridge_pred", kr_pred.reshape(-1, 1)),
        ("kpca_eigenvalues", kp.eigenvalues_.reshape(-1, 1)),
        ("kpca_train", kp_train),
        ("kpca_test", kp_test),
    ]
    with open(OUT, "w") as f:
        f.write(f"# scikit-learn {sklearn.__version__}, numpy {np.__version__}\n")
        for name, a in arrays:
            a = np.atleast_2d(a)
            f.write(f"{name} {a.shape[0]} {a.shape[1]}\n")
            f.write(" ".join(repr(float(v)) for v in a.ravel()) + "\n")


if __name__ == "__main__":
    main()
