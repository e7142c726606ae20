"""Benchmark of the Hessian spectrum: exact vs Lanczos vs SciPy's eigsh, measured in one run.

    python -m bench.hessian

Three tanh MLPs on the spirals (256 training points, cross-entropy), trained 300 Adam steps so
the Hessian is that of a network in training, not at initialisation:

    widths (16, 16): 337 weights    (29, 29): 987 weights (the "up to 1,000" target)
           (32, 32): 1,185 weights  (64, 64): 4,417 weights

For each: the exact spectrum (N Hessian-vector products, then `eigvalsh`), Lanczos with full
reorthogonalisation (`landscapes.spectrum.lanczos`, one jitted `lax.scan`), a bare
`scipy.sparse.linalg.eigsh` (implicitly restarted Lanczos, ARPACK) on a `LinearOperator` that
calls the same jitted Hessian-vector product (the peer), and the lab's extreme eigenvalues
(`spectrum.extreme_eigenpairs`, with eigenvectors). Prints best-of-N wall times
after compilation, the largest and smallest eigenvalue by each method and their differences
from `eigvalsh`, and the cost of a Hessian-vector product relative to a gradient. Targets:
exact ≤ 0.5 s up to 1,000 weights; Lanczos top eigenvalues within 1e-8 of eigh and ≥ 20× faster
than exact at 4,400 weights; a Hessian-vector product ≤ 3× a gradient; the lab's k largest
as fast as the bare eigsh (`extremes/eigsh` ≈ 1).
"""

from __future__ import annotations

import time

import jax
import numpy as np
import scipy.sparse.linalg

from landscapes import networks, spectrum

NETS = ((16, 16), (29, 29), (32, 32), (64, 64))
LANCZOS_STEPS = 100
TOP = 3  # extreme eigenvalues compared at each end


def best_of(fn, repeat=3):
    """The shortest of `repeat` wall times of fn() after one warm-up call (compilation)."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def trained_loss(widths):
    data = networks.make_data("spirals", n_train=256, n_test=64, noise=0.1, seed=0)
    arch = networks.Architecture(widths, "tanh")
    loss, _ = networks.network_losses(data, arch, "cross_entropy")
    w0 = networks.init_weights(arch, "xavier", seed=0)
    run = networks.train(data, arch, "cross_entropy", w0, "adam", 300, learning_rate=0.01)
    return loss, run.params[-1]


def scipy_eigsh(loss, w, which):
    n = w.shape[0]
    operator = scipy.sparse.linalg.LinearOperator(
        (n, n), matvec=lambda v: spectrum.hessian_vector_product(loss, w, v.ravel()), dtype=float
    )
    v0 = np.random.default_rng(0).standard_normal(n)
    return np.sort(scipy.sparse.linalg.eigsh(operator, k=TOP, which=which, v0=v0, tol=1e-12)[0])


def main():
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}; float64")
    print(f"Lanczos: {LANCZOS_STEPS} steps, full reorthogonalisation; eigsh: k={TOP}, tol=1e-12\n")
    header = (
        f"{'N':>6} {'exact s':>9} {'Lanczos s':>10} {'eigsh s':>9} {'exact/Lz':>9} "
        f"{'Lz |Δλmax|':>11} {'Lz |Δλmin|':>11} {'eigsh |Δλmax|':>14} {'HVP/grad':>9}"
    )
    print(header)
    print("-" * len(header))
    for widths in NETS:
        loss, w = trained_loss(widths)
        n = w.shape[0]
        t_exact, exact = best_of(lambda loss=loss, w=w: spectrum.exact_spectrum(loss, w))
        t_lanczos, ritz = best_of(
            lambda loss=loss, w=w: spectrum.lanczos(loss, w, LANCZOS_STEPS).ritz()[0]
        )
        t_eigsh, top_eigsh = best_of(lambda loss=loss, w=w: scipy_eigsh(loss, w, "LA"), repeat=1)
        t_top, (top_lab, _) = best_of(
            lambda loss=loss, w=w: spectrum.extreme_eigenpairs(loss, w, TOP), repeat=1
        )
        v = np.random.default_rng(1).standard_normal(n)
        t_grad, _ = best_of(lambda loss=loss, w=w: spectrum.gradient(loss, w), repeat=20)
        t_hvp, _ = best_of(
            lambda loss=loss, w=w, v=v: spectrum.hessian_vector_product(loss, w, v), repeat=20
        )
        top_error = np.max(np.abs(ritz[-TOP:] - exact[-TOP:]))
        bottom_error = np.max(np.abs(ritz[:TOP] - exact[:TOP]))
        eigsh_error = np.max(np.abs(top_eigsh - exact[-TOP:]))
        lab_error = np.max(np.abs(np.sort(top_lab) - exact[-TOP:]))
        print(
            f"{n:>6} {t_exact:>9.3f} {t_lanczos:>10.4f} {t_eigsh:>9.3f} "
            f"{t_exact / t_lanczos:>8.0f}× {top_error:>11.1e} {bottom_error:>11.1e} "
            f"{eigsh_error:>14.1e} {t_hvp / t_grad:>8.2f}×"
        )
        print(
            f"{'':>6} λmax = {exact[-1]:.10g} (eigvalsh), {ritz[-1]:.10g} (Lanczos); "
            f"λmin = {exact[0]:.4g}, {ritz[0]:.4g}"
        )
        print(
            f"{'':>6} extreme_eigenpairs: k largest {t_top:.3f} s, extremes/eigsh "
            f"{t_top / t_eigsh:.2f}×, |Δλmax| {lab_error:.1e}"
        )
    print(
        "\nΔλ: largest difference from eigvalsh over the "
        f"{TOP} largest (max) or smallest (min) eigenvalues. "
        "HVP/grad: time of one jitted Hessian-vector product over one jitted gradient."
    )


if __name__ == "__main__":
    main()
