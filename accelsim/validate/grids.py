"""Measurement grids on this machine: the CSR × dense grid the CSR model's form is chosen on,
and the cache curve (dense GEMM time against working-set size) the cache model is checked on,
held out (its stream speed-ups and last-level size are fitted on the calibration GEMMs,
``calibrate.fit_cpu``).

Each grid is a list of ``KernelCase``; ``kernels.measure`` times it (BLAS pinned, min of
repeats). The committed measurements live in ``reports/validation/`` so that the fits and
tests use them without re-timing.
"""

from __future__ import annotations

import numpy as np

from accelsim.validate.kernels import KernelCase

# CSR grid (issue 12): density 1-60%, n in {1, 10, 100, 1000}, three weight shapes: a conv
# layer's lowered GEMM (AlexNet conv3-like), a square FC and an LSTM-sized matrix.
CSR_GRID_DENSITIES = (0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.18, 0.25, 0.35, 0.45, 0.6)
CSR_GRID_N = (1, 10, 100, 1000)
CSR_GRID_SHAPES = ((384, 2304), (1024, 1024), (1500, 3000))

# Cache curve: square dense GEMMs at small n whose weight matrix grows from 64 KiB past this
# machine's 2 MiB L2 and toward its last-level cache (m = k, fp32).
CACHE_CURVE_SIDES = tuple(int(round(x)) for x in np.geomspace(128, 8192, 13))
CACHE_CURVE_N = (1, 10)


def csr_grid_cases() -> list[KernelCase]:
    """Dense and CSR kernels of every (shape, n) of the CSR grid, CSR at every density."""
    cases = []
    for m, k in CSR_GRID_SHAPES:
        for n in CSR_GRID_N:
            group = f"csr_grid {m}x{k} n{n}"
            cases.append(KernelCase(f"grid dense {m}x{k}x{n}", group, "dense", m, k, n))
            cases += [KernelCase(f"grid csr {m}x{k}x{n} d{d}", group, "csr", m, k, n, density=d)
                      for d in CSR_GRID_DENSITIES]
    return cases


def cache_curve_cases() -> list[KernelCase]:
    """Square dense GEMMs (m = k) at n = 1 and 10 over working sets of 64 KiB to 256 MiB."""
    return [KernelCase(f"cache dense {s}x{s}x{n}", f"cache n{n}", "dense", s, s, n)
            for n in CACHE_CURVE_N for s in CACHE_CURVE_SIDES]


# ---- the CSR model's form, chosen on the grid by held-out error ---------------------------
# Nested forms of roofline.csr_time: which of its CSR terms are free (the rest are 0).
CSR_FORMS = {
    "nnz·n only": ("csr_efficiency",),
    "nnz·n + rows·n": ("csr_efficiency", "csr_row_overhead"),
    "nnz·n + nnz": ("csr_efficiency", "csr_nnz_overhead"),
    "nnz·n + rows·n + nnz": ("csr_efficiency", "csr_row_overhead", "csr_nnz_overhead"),
    "nnz·n + nnz + nnz·min(n, w)": ("csr_efficiency", "csr_nnz_overhead",
                                    "csr_narrow_overhead"),
    "nnz·n + rows·n + nnz + nnz·min(n, w)": ("csr_efficiency", "csr_row_overhead",
                                             "csr_nnz_overhead", "csr_narrow_overhead"),
}
FORM_GRID = {
    "csr_efficiency": list(np.geomspace(0.005, 1.0, 64)),
    "csr_row_overhead": [0, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    "csr_nnz_overhead": [0, 1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512],
    "csr_narrow_overhead": [0, 0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16],
}


ZERO_TERMS = {"csr_row_overhead": 0.0, "csr_nnz_overhead": 0.0, "csr_narrow_overhead": 0.0}


def fit_csr_form(cfg, frame, free: tuple[str, ...]) -> dict:
    """Grid-fit the ``free`` CSR parameters of ``cfg`` on the CSR rows of ``frame`` (mean
    |log(pred/meas)| of the min-of-repeats times); the other CSR terms are 0."""
    from dataclasses import replace

    from accelsim.engines.roofline import csr_time
    from accelsim.validate.calibrate import _grid_fit

    csr = frame[frame.kernel == "csr"]
    base = replace(cfg, **ZERO_TERMS)
    grid = {p: FORM_GRID[p] for p in free}
    d = len(grid)
    col = {x: csr[x].to_numpy(dtype=float).reshape((-1,) + (1,) * d) for x in "mkn"}
    nnz = np.round(col["m"] * col["k"] * csr.density.to_numpy().reshape(col["m"].shape))
    fit = _grid_fit(base, grid, lambda c: csr_time(c, 1, col["m"], col["k"], col["n"],
                                                     nnz).seconds,
                    csr.min_time_s.to_numpy())
    return {"params": {p: fit[p] for p in free}, "fit_error": fit["mean_abs_log_error"]}


def held_out_by_shape(cfg, frame, free: tuple[str, ...]) -> "object":
    """Leave-one-shape-out: for each weight shape of the grid, fit ``free`` on the other
    shapes and predict this one. Returns ``frame``'s CSR rows with ``predicted_s`` (held out)
    and ``error`` (predicted / measured − 1, min-of-repeats times)."""
    from dataclasses import replace

    from accelsim.engines.roofline import csr_time

    parts = []
    shapes = frame[["m", "k"]].drop_duplicates().itertuples(index=False)
    for m, k in shapes:
        train = frame[(frame.m != m) | (frame.k != k)]
        test = frame[(frame.m == m) & (frame.k == k) & (frame.kernel == "csr")]
        fit = fit_csr_form(cfg, train, free)
        c = replace(cfg, **{**ZERO_TERMS, **fit["params"]})
        pred = csr_time(c, 1, test.m.to_numpy(float), test.k.to_numpy(float),
                        test.n.to_numpy(float), np.round(test.m * test.k * test.density)
                        .to_numpy(float)).seconds
        parts.append(test.assign(predicted_s=pred, error=pred / test.min_time_s - 1,
                                 **{f"fold_{p}": v for p, v in fit["params"].items()}))
    import pandas as pd

    return pd.concat(parts)


def choose_csr_form(cfg, frame) -> dict:
    """Every candidate form's leave-one-shape-out errors on the measured grid; the chosen form
    is the one with the smallest held-out median |error| (ties: fewer parameters)."""
    forms = {}
    for name, free in CSR_FORMS.items():
        held = held_out_by_shape(cfg, frame, free)
        forms[name] = {"free": free, "held_out": held,
                       "median_abs_error": float(held.error.abs().median()),
                       "in_sample": fit_csr_form(cfg, frame, free)}
    chosen = min(forms, key=lambda f: (round(forms[f]["median_abs_error"], 3),
                                       len(forms[f]["free"])))
    return {"forms": forms, "chosen": chosen}


def crossovers(cfg, frame, held) -> list[dict]:
    """Per (shape, n) of the grid: the measured CSR-beats-dense sparsity (interpolated on the
    measured densities) and the predicted one (the held-out fold's CSR parameters against
    ``cfg``'s dense time)."""
    from dataclasses import replace

    from accelsim.engines.roofline import csr_time, dense_time
    from accelsim.validate.compare import crossover_sparsity

    out = []
    dense = frame[frame.kernel == "dense"].set_index(["m", "k", "n"]).min_time_s
    for (m, k, n), part in held.groupby(["m", "k", "n"]):
        measured = crossover_sparsity(1 - part.density, dense[m, k, n] / part.min_time_s)
        fold = {c[5:]: part[c].iloc[0] for c in part if c.startswith("fold_")}
        c = replace(cfg, **{**ZERO_TERMS, **fold})
        s = np.arange(0.0, 0.9995, 0.001)
        pred = (dense_time(c, 1, m, k, n).seconds
                / csr_time(c, 1, m, k, n, np.round((1 - s) * m * k)).seconds)
        out.append({"m": m, "k": k, "n": n, "measured": measured,
                    "predicted": crossover_sparsity(s, pred)})
    return out


def cache_summary(cfg, frame) -> dict:
    """The calibrated cache model on the measured cache curve (held out: ``cfg`` was fitted on
    the calibration GEMMs): its median |error| and mean |log(pred/meas)|, per n, and the same
    without the caches' stream speed-ups."""
    from dataclasses import replace

    from accelsim.engines.roofline import dense_time

    def errors(c):
        pred = dense_time(c, 1, frame.m.to_numpy(float), frame.k.to_numpy(float),
                          frame.n.to_numpy(float)).seconds
        return pred / frame.min_time_s.to_numpy() - 1

    def summary(err):
        return {"median_abs_error": float(np.median(np.abs(err))),
                "mean_abs_log_error": float(np.mean(np.abs(np.log1p(err)))),
                "by_n": {int(n): float(np.median(np.abs(err[(frame.n == n).to_numpy()])))
                         for n in sorted(frame.n.unique())}}

    bare = replace(cfg, l2_spill_penalty=0.0, cache_spill_penalty=0.0)
    return {"l2_cache_bytes": cfg.l2_cache_bytes, "cache_bytes": cfg.cache_bytes,
            "l2_spill_penalty": cfg.l2_spill_penalty,
            "cache_spill_penalty": cfg.cache_spill_penalty,
            "calibrated": summary(errors(cfg)), "no_cache": summary(errors(bare))}
