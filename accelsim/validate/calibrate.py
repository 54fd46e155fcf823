"""Calibration fits: a few model parameters against stated data, never the held-out data."""

from __future__ import annotations

from dataclasses import replace

import numpy as np


def fit_fpga_table1(arch, workload, *, efficiencies=np.arange(0.50, 1.0001, 0.01),
                    overheads=range(0, 101)) -> dict:
    """Grid-fit the FPGA engine's ``dram_efficiency`` and ``tile_overhead_cycles`` to S001
    Table I's five VC707 conv efficiencies: minimise the largest per-layer miss, then the
    miss of the conv total. Returns the best values and their errors (percentage points)."""
    from accelsim.engines import fpga
    from accelsim.validate.published import table1_errors

    best = None
    for eff in efficiencies:
        for overhead in overheads:
            cfg = replace(arch.config, dram_efficiency=round(float(eff), 4),
                          tile_overhead_cycles=overhead)
            result = fpga.simulate(replace(arch, config=cfg), workload, {})
            pct = {r.name: 100 * r.utilization for r in result.layers}
            errors = table1_errors(pct)
            worst = max(abs(v) for k, v in errors.items() if k != "conv_total")
            key = (round(worst, 6), abs(errors["conv_total"]))
            if best is None or key < best[0]:
                best = (key, {"dram_efficiency": cfg.dram_efficiency,
                              "tile_overhead_cycles": overhead, "errors_pp": errors})
    return best[1]


# The grid fit_roofline_table24 searches for the shipped Table 2.4 devices (and their CV).
TABLE24_GRID = {
    "tile_m": [4, 8, 16, 32, 64],
    "tile_n": [1, 8, 32, 64, 96, 128, 256],
    "k_half": [0, 16, 64, 128, 192, 256, 512],
    "launch_overhead_s": [0.0, 5e-6, 10e-6, 20e-6, 40e-6, 80e-6],
    "csr_efficiency": [round(float(x), 4) for x in np.geomspace(0.02, 1.0, 24)],
    "csr_row_overhead": [0, 1, 4, 16, 64, 128, 256, 512, 1024, 2048, 4096, 8192],
}


def _table24_grid(cfg, csr_workload, ssl_workload, names, grid: dict) -> dict:
    """Predicted Table 2.4 speedups of ``names`` at every grid point: {method: array of shape
    (layers, *grid axes)} (one numpy broadcast)."""
    from accelsim.engines.roofline import csr_time, dense_time

    axes = list(grid)
    shape = (len(names),) + tuple(len(grid[a]) for a in axes)

    def along(i, values):
        s = [1] * len(shape)
        s[i] = len(values)
        return np.asarray(values, dtype=float).reshape(s)

    trial = replace(cfg, **{a: along(i + 1, grid[a]) for i, a in enumerate(axes)})
    layers = {"csr": [csr_workload.layer(n) for n in names],
              "structured": [ssl_workload.layer(n) for n in names]}

    def shapes(gemms):
        return [along(0, [getattr(x, f) for x in gemms]) for f in ("groups", "m", "k", "n")]

    dense = dense_time(trial, *shapes([x.gemm(1) for x in layers["csr"]])).seconds
    pred = {"structured": dense / dense_time(
        trial, *shapes([x.compacted_gemm(1) for x in layers["structured"]])).seconds}
    g = [x.gemm(1) for x in layers["csr"]]
    nnz = along(0, [x.nonzero_weights / gx.groups for x, gx in zip(layers["csr"], g)])
    pred["csr"] = dense / csr_time(trial, *shapes(g), nnz).seconds
    return {m: np.broadcast_to(v, shape) for m, v in pred.items()}


def _table24_objective(pred: dict, published: dict, rows) -> np.ndarray:
    """Every direction (above, at or below 1) right on layers ``rows``, then the smallest
    mean |log(pred/pub)| over those entries; one value per grid point."""
    from accelsim.validate.published import table24_direction

    error, ok = 0.0, True
    for method, pub in published.items():
        target = np.asarray(list(pub.values()), dtype=float)[rows]
        target = target.reshape((-1,) + (1,) * (pred[method].ndim - 1))
        p = pred[method][rows]
        error = error + np.abs(np.log(p / target)).mean(axis=0)
        ok = ok & (table24_direction(p) == table24_direction(target)).all(axis=0)
    return np.where(ok, 0.0, np.inf) + error / len(published)


def fit_roofline_table24(cfg, csr_workload, ssl_workload, published: dict, grid: dict) -> dict:
    """Grid-fit a roofline device's shape and CSR parameters to its S000 Table 2.4 speedups
    (``published`` = {"csr": {layer: x}, "structured": {layer: x}}). ``grid`` maps each
    parameter fitted (e.g. tile_m, tile_n, k_half, launch_overhead_s, csr_efficiency,
    csr_row_overhead) to the values tried; the others stay as in ``cfg``. Objective: every
    direction right, then the smallest mean |log(pred/pub)| over the entries."""
    names = list(published["csr"])
    pred = _table24_grid(cfg, csr_workload, ssl_workload, names, grid)
    objective = _table24_objective(pred, published, slice(None))
    best = np.unravel_index(np.argmin(objective), objective.shape)
    return {"params": {a: grid[a][best[i]] for i, a in enumerate(grid)},
            "mean_abs_log_error": float(objective[best]),
            "speedup": {m: dict(zip(names, pred[m][(slice(None),) + best].tolist()))
                        for m in pred}}


def cv_roofline_table24(cfg, csr_workload, ssl_workload, published: dict, grid: dict) -> dict:
    """Leave-one-layer-out cross-validation of ``fit_roofline_table24``: for each conv layer,
    fit on the other four layers' entries (both rows) and predict the held-out layer's CSR and
    SSL speedups. Returns {"speedup": {method: {layer: held-out prediction}}, "params":
    {layer: the fold's parameters}}."""
    names = list(published["csr"])
    pred = _table24_grid(cfg, csr_workload, ssl_workload, names, grid)
    out = {"speedup": {m: {} for m in pred}, "params": {}}
    for i, name in enumerate(names):
        train = [j for j in range(len(names)) if j != i]
        objective = _table24_objective(pred, published, train)
        best = np.unravel_index(np.argmin(objective), objective.shape)
        out["params"][name] = {a: grid[a][best[j]] for j, a in enumerate(grid)}
        for m in pred:
            out["speedup"][m][name] = float(pred[m][(i,) + best])
    return out


def geomean_abs_log_error(predicted: dict, published: dict) -> float:
    """exp(mean |log(pred/pub)|) − 1 over the layers of ``published``."""
    return float(np.exp(np.mean([abs(np.log(predicted[k] / v)) for k, v in published.items()]))
                 - 1)


def fit_memory_eie(cfg, workload, published_us: dict, *,
                   efficiencies=np.arange(0.05, 1.0001, 0.0025),
                   launches_s=np.arange(0.0, 100.01e-6, 0.5e-6)) -> dict:
    """Grid-fit ``memory_efficiency`` and ``launch_overhead_s`` to EIE Table IV's dense batch-1
    FC times: minimise the largest |pred/pub − 1| over the layers (the ±30% goal's measure)."""
    from accelsim.engines.roofline import dense_time

    gemms = [workload.layer(n).gemm(workload.batch) for n in published_us]
    s = np.array([(x.groups, x.m, x.k, x.n) for x in gemms], dtype=float).T[:, :, None, None]
    trial = replace(cfg, memory_efficiency=efficiencies[None, :, None],
                    launch_overhead_s=launches_s[None, None, :])
    pred = dense_time(trial, *s).seconds
    pub = np.array(list(published_us.values()))[:, None, None] * 1e-6
    worst = np.abs(pred / pub - 1.0).max(axis=0)
    i, j = np.unravel_index(np.argmin(worst), worst.shape)
    return {"memory_efficiency": round(float(efficiencies[i]), 4),
            "launch_overhead_s": round(float(launches_s[j]), 9),
            "max_abs_relative_error": float(worst[i, j]),
            "predicted_us": dict(zip(published_us, (pred[:, i, j] * 1e6).tolist()))}


CLUSTER_EFFICIENCIES = [round(float(x), 4) for x in np.geomspace(0.05, 1.0, 61)]  # 5% steps


def terngrad_gain(arch, workload, gpus: int, efficiency: float, options: dict | None = None
                  ) -> float:
    """TernGrad's throughput gain over fp32 on ``gpus`` GPUs with ``compute_efficiency``."""
    from accelsim.engines.cluster import sweep

    opts = {**(options or {}), "gpus": (gpus,), "encoding": ("terngrad",)}
    runs = sweep(replace(arch.config, compute_efficiency=efficiency), workload, opts)
    return float(runs["terngrad"].images_per_s[0] / runs["fp32"].images_per_s[0])


def fit_cluster_compute_efficiency(cases: list[tuple], *,
                                   efficiencies=CLUSTER_EFFICIENCIES) -> dict:
    """One ``compute_efficiency`` shared by every cluster, grid-fitted to TernGrad's published
    gains ``cases`` = [(arch, workload, gpus, gain)]: the smallest largest |log(pred/pub)|
    (with two points a mean would sit on either one). Also the leave-one-out value of each
    case (fitted on the others) and its gain, so that the clusters' disagreement shows
    instead of a per-cluster choice."""
    pred = np.array([[terngrad_gain(a, w, n, e) for e in efficiencies] for a, w, n, _ in cases])
    pub = np.array([c[3] for c in cases])[:, None]
    err = np.abs(np.log(pred / pub))
    best = int(np.argmin(err.max(axis=0)))
    loo = []
    for i in range(len(cases)):
        rest = [j for j in range(len(cases)) if j != i]
        j = int(np.argmin(err[rest].max(axis=0)))
        alone = int(np.argmin(err[i]))
        loo.append({"efficiency": efficiencies[j], "gain": float(pred[i, j]),
                    "own_best_efficiency": efficiencies[alone]})
    return {"compute_efficiency": efficiencies[best], "gain": pred[:, best].tolist(),
            "max_abs_log_error": float(err[:, best].max()), "leave_one_out": loo}


# ---- this machine's CPU: microbenchmarks → a roofline arch file -------------------------
# The fit set: synthetic shapes that appear in no validation kernel (kernels.validation_cases).
# sizes off powers of two, so that tile quantization is visible (identifiable) in the fit
CALIBRATION_GEMMS = [(m, k, n) for m in (20, 100, 500, 2000) for k in (30, 250, 2000, 4000)
                     for n in (1, 6, 30, 130, 1000)]
CALIBRATION_CSR = [(m, m, n, d) for m in (1024, 2048) for n in (8, 32, 256, 1024)
                   for d in (0.01, 0.05, 0.2, 0.5)]
PEAK_OVER_FASTEST = [round(1 + 0.02 * i, 2) for i in range(11)]  # true peak / fastest GEMM
# Narrow GEMMs, n = 2-24 on three shapes (in the L2, past it): the n = 1-1000 set above has
# only n = 6 between 1 and 30, too few to tell a tile quantization in n (n = 10 paying for 16
# columns) from a smooth narrow-n fall (n_half); OpenBLAS runs a GEMM's n through 16-, 8-,
# 4-, 2- and 1-wide kernels (its column-major M: numpy passes the row-major product
# transposed), so which it is is a question for the data.
CALIBRATION_NARROW_GEMMS = [(m, k, n) for m, k in ((300, 600), (700, 1800), (1800, 700))
                            for n in (2, 3, 4, 8, 12, 16, 20, 24)]
# GEMVs and narrow GEMMs whose working sets (84-240 MB) outgrow the last-level cache share
CALIBRATION_LLC_GEMMS = [(m, k, n) for m, k in ((3000, 7000), (6000, 6000), (4000, 15000))
                         for n in (1, 10)]
# DRAM streaming rate / copy bandwidth (the copy runs on two 128 MiB arrays, past the caches)
BANDWIDTH_OVER_COPY = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5]
ROOFLINE_GRID = {
    "tile_m": [1, 2, 4, 8, 16, 32, 64],
    "tile_n": [1, 2, 4, 8, 16, 32, 64, 128],
    "k_half": [0, 4, 8, 16, 32, 64, 128, 256],
    "n_half": [0, 2, 4, 8, 16, 24, 32, 48, 64],
    "launch_overhead_s": list(np.geomspace(1e-7, 1e-4, 10)),
}
# The caches speed up the stream (roofline.stream_rate): s_3 = last-level rate / DRAM rate − 1,
# s_2 = L2 rate / last-level rate − 1. The L2 size is this machine's (cpu_cache_bytes); the
# last level's is fitted (on a virtual machine sysfs reports the host's shared L3).
CACHE_GRID = {
    "l2_spill_penalty": [0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0],
    "cache_spill_penalty": [0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0],
    "cache_bytes": [2.0 ** p for p in range(22, 29)],  # 4 MiB .. 256 MiB
}
CSR_GRID = {  # the form chosen on the measured CSR grid by held-out error (validate.grids)
    "csr_efficiency": list(np.geomspace(0.005, 1.0, 48)),
    "csr_nnz_overhead": [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    "csr_narrow_overhead": [0, 0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16],
}


# element-wise calibration kernels (rows × columns), none of the held-out transformer shapes;
# the last of each kind (64 MB read + written) streams past the last-level cache share
CALIBRATION_VECTOR = [(kernel, m, n) for kernel, shapes in (
    ("layernorm", ((64, 1024), (1024, 256), (4096, 64), (300, 3000), (10000, 800))),
    ("softmax", ((64, 1024), (1024, 256), (4096, 64), (300, 3000), (2000, 4000))))
    for m, n in shapes]


VECTOR_GRID = {"vector_flops": list(np.geomspace(1e8, 1e13, 401))}  # 2.9% steps

# batched matmuls (torch.bmm: MKL, another library than numpy's OpenBLAS) as
# (matrices, m, k, n), attention-like (scores: k small; A·V: n small) but none of the held-out
# transformer shapes (12 heads × 128/512 tokens × 64): other head counts, token counts, head
# sizes, and narrow n = 16-40 to pin the narrow-n half
CALIBRATION_BMM = [(16, 100, 40, 100), (16, 100, 100, 40), (4, 300, 80, 300), (4, 300, 300, 80),
                   (8, 200, 32, 200), (8, 200, 200, 32), (2, 1000, 96, 1000),
                   (2, 1000, 1000, 96), (4, 256, 16, 256), (4, 256, 256, 16)]
BATCHED_GRID = {  # the bmm library's η_max (relative to the GEMM peak) and narrow-n half
    "batched_efficiency": [round(0.5 + 0.02 * i, 2) for i in range(41)],  # 0.50-1.30
    "batched_n_half": [0, 1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64],
}


def calibration_cases():
    """The microbenchmark kernels the CPU fit is made on."""
    from accelsim.validate.kernels import KernelCase, _has_torch

    vector = [KernelCase(f"cal {kernel} {m}x{n}", "calibration", kernel, m, 1, n)
              for kernel, m, n in CALIBRATION_VECTOR] if _has_torch() else []
    cases = [KernelCase(f"cal gemm {m}x{k}x{n}", "calibration", "dense", m, k, n)
             for m, k, n in CALIBRATION_GEMMS + CALIBRATION_NARROW_GEMMS
             + CALIBRATION_LLC_GEMMS]
    cases += [KernelCase(f"cal csr {m}x{k}x{n} d{d}", "calibration", "csr", m, k, n, density=d)
              for m, k, n, d in CALIBRATION_CSR]
    bmm = [KernelCase(f"cal bmm {g}x{m}x{k}x{n}", "calibration", "bmm", m, k, n, groups=g)
           for g, m, k, n in CALIBRATION_BMM] if _has_torch() else []
    return cases + vector + bmm


COPY_BYTES = 1 << 27  # per array: two 128 MiB arrays, past every cache level


def stream_bandwidth_bytes_per_s(*, size_bytes: int = COPY_BYTES, threads: int = 1) -> float:
    """STREAM-like copy (read + write) of a ``size_bytes`` float32 array, median of repeats."""
    from threadpoolctl import threadpool_limits

    from accelsim.validate.kernels import time_call

    src = np.ones(size_bytes // 4, dtype=np.float32)
    dst = np.empty_like(src)
    with threadpool_limits(limits=threads):
        t = time_call(lambda: np.copyto(dst, src), min_repeats=5, min_time_s=0.2)
    return 2 * size_bytes / t.median_s


def copy_row(bandwidth_bytes_per_s: float) -> dict:
    """The copy measurement as a row of the calibration CSV (``m``: bytes read + written)."""
    moved = 2 * COPY_BYTES
    return {"name": "copy 2 x 128 MiB", "group": "calibration", "kernel": "copy", "m": moved,
            "k": 1, "n": 1, "groups": 1, "dense_flops": 0,
            "time_s": moved / bandwidth_bytes_per_s, "min_time_s": moved / bandwidth_bytes_per_s}


def copy_bandwidth(frame) -> float:
    """The copy bandwidth recorded in a calibration frame (its fastest copy row)."""
    copy = frame[frame.kernel == "copy"]
    return float((copy.m / copy.min_time_s).max())


def _grid_fit(cfg, grid: dict, seconds_fn, measured_s, *, cv: bool = False) -> dict:
    """The grid point minimising the mean |log(predicted / measured)| over all kernels (a
    median would let half of them go unfitted, which hurts extrapolation); the grid axes
    broadcast against the kernels on the first axis (one numpy evaluation). ``cv``: also
    each kernel's leave-one-out error (``held_out_errors``: predicted / measured − 1 at the
    grid point fitted on the other kernels)."""
    axes = list(grid)
    shape = (len(measured_s),) + tuple(len(grid[a]) for a in axes)

    def along(i, values):
        s = [1] * len(shape)
        s[i + 1] = len(values)
        return np.asarray(values, dtype=float).reshape(s)

    trial = replace(cfg, **{a: along(i, grid[a]) for i, a in enumerate(axes)})
    predicted = np.broadcast_to(seconds_fn(trial), shape)
    measured = np.asarray(measured_s, dtype=float).reshape((-1,) + (1,) * len(axes))
    log_error = np.abs(np.log(predicted / measured))
    score = np.mean(log_error, axis=0)
    best = np.unravel_index(np.argmin(score), score.shape)
    fit = {a: float(grid[a][i]) for a, i in zip(axes, best)}
    out = {**fit, "mean_abs_log_error": float(score[best])}
    if cv:
        held = []
        for i in range(len(measured_s)):
            rest = (log_error.sum(axis=0) - log_error[i]).argmin()
            point = (i,) + np.unravel_index(rest, score.shape)
            held.append(float(predicted[point] / measured.flat[i] - 1))
        out["held_out_errors"] = held
    return out


def cpu_cache_bytes(cpu: int = 0) -> dict[int, float]:
    """{level: bytes} of the unified L2 and L3 caches of ``cpu`` from Linux sysfs (what
    lscpu reports); {} where it is not readable."""
    from pathlib import Path

    units = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
    out = {}
    for d in sorted(Path(f"/sys/devices/system/cpu/cpu{cpu}/cache").glob("index*")):
        try:
            level, kind = int((d / "level").read_text()), (d / "type").read_text().strip()
            size = (d / "size").read_text().strip()
        except (OSError, ValueError):
            continue
        if kind == "Unified" and level >= 2:
            out[level] = float(size[:-1]) * units[size[-1]] if size[-1] in units else float(size)
    return out


def fit_cpu(frame, *, bandwidth_bytes_per_s: float, threads: int,
            cache_bytes: dict[int, float] | None = None) -> dict:
    """Fit the roofline CPU parameters on the calibration measurements ``frame``
    (``kernels.measure`` of ``calibration_cases()``). The achievable peak is the fastest
    calibration GEMM's rate times a fitted factor of 1.00-1.20 (no GEMM reaches the peak
    exactly; ``max_efficiency`` is 1); the DRAM rate is the copy's ``bandwidth_bytes_per_s``
    times a fitted 0.5-1.5; the L2 size is ``cache_bytes[2]`` (this machine's fact), the
    caches' stream speed-ups and the last level's effective size are fitted (``CACHE_GRID``).
    Shape, peak, then bandwidth and caches are fitted on the dense GEMMs (coordinate descent,
    twice), then the CSR parameters on the CSR kernels, the element-wise rate
    ``vector_flops`` on the layer-norm and softmax ones and the batched-matmul library's
    ``batched_efficiency`` and ``batched_n_half`` on the torch.bmm ones (when torch is
    installed and the frame has them), each with the GEMM parameters held and with its
    leave-one-out errors (``*_held_out``)."""
    from accelsim.engines.roofline import (RooflineConfig, batched_time, csr_time, dense_time,
                                           vector_time)
    from accelsim.validate.kernels import VECTOR_KERNELS

    dense = frame[frame.kernel == "dense"]
    csr = frame[frame.kernel == "csr"]
    fastest = float((dense.dense_flops / dense.min_time_s).max())
    cfg = RooflineConfig(device="cpu", peak_fp32_flops=fastest,
                         memory_bandwidth_bytes_per_s=bandwidth_bytes_per_s,
                         compute_units=threads, tile_m=8, tile_n=8, max_efficiency=1.0,
                         k_half=0.0, memory_efficiency=1.0, launch_overhead_s=0.0,
                         csr_efficiency=1.0, csr_row_overhead=0.0,
                         l2_cache_bytes=(cache_bytes or {}).get(2),
                         cache_bytes=(cache_bytes or {}).get(3))
    peaks = {"peak_fp32_flops": [fastest * f for f in PEAK_OVER_FASTEST]}
    bandwidths = {"memory_bandwidth_bytes_per_s": [bandwidth_bytes_per_s * f
                                                   for f in BANDWIDTH_OVER_COPY]}
    shapes = dense[["m", "k", "n"]].to_numpy()
    for grid in (ROOFLINE_GRID, peaks, {**bandwidths, **CACHE_GRID}) * 2:
        # coordinate descent: shape, peak, then bandwidth and caches, twice
        fit_dense = _grid_fit(cfg, grid, lambda c, d=len(grid): dense_time(
            c, 1, *(shapes[:, i].reshape((-1,) + (1,) * d) for i in range(3))).seconds,
            dense.min_time_s.to_numpy())
        cfg = replace(cfg, **{k: v for k, v in fit_dense.items() if k in grid})
    nnz = (csr.density * csr.m * csr.k).to_numpy().reshape(-1, 1, 1, 1)
    csr_fit = _grid_fit(cfg, CSR_GRID, lambda c: csr_time(
        c, 1, *(csr[x].to_numpy().reshape(-1, 1, 1, 1) for x in "mkn"), nnz).seconds,
        csr.min_time_s.to_numpy())
    params = {f: getattr(cfg, f) for f in (
        "peak_fp32_flops", "memory_bandwidth_bytes_per_s", "compute_units", "tile_m", "tile_n",
        "max_efficiency", "k_half", "n_half", "memory_efficiency", "launch_overhead_s",
        "l2_cache_bytes",
        "l2_spill_penalty", "cache_bytes", "cache_spill_penalty")}
    params.update({"csr_row_overhead": 0.0, **{k: csr_fit[k] for k in CSR_GRID},
                   "write_allocate": True})  # x86 caches (a fact, not fitted)
    extra: dict = {}
    vector = frame[frame.kernel.isin(list(VECTOR_KERNELS))]
    if len(vector):  # the element-wise rate, with the fitted bandwidth and launch held
        from accelsim.model import Layer

        layers = [Layer(name="v", kind=VECTOR_KERNELS[r.kernel], elements=r.m * r.n)
                  for r in vector.itertuples()]
        vector_fit = _grid_fit(cfg, VECTOR_GRID, lambda c: np.stack(
            [vector_time(c, layer, 1).seconds for layer in layers])[:, 0],
            vector.min_time_s.to_numpy(), cv=True)
        params["vector_flops"] = vector_fit["vector_flops"]
        extra["vector_held_out"] = dict(zip(vector.name, vector_fit["held_out_errors"]))
        extra["vector_kernels"] = len(vector)
    bmm = frame[frame.kernel == "bmm"]
    if len(bmm):  # the batched library's η_max and narrow-n half, the GEMM terms held
        bmm_fit = _grid_fit(cfg, BATCHED_GRID, lambda c: batched_time(
            c, *(bmm[x].to_numpy().reshape(-1, 1, 1) for x in ("groups", "m", "k", "n"))
        ).seconds, bmm.min_time_s.to_numpy(), cv=True)
        params.update({k: bmm_fit[k] for k in BATCHED_GRID})
        extra["bmm_fit_error"] = bmm_fit["mean_abs_log_error"]
        extra["bmm_held_out"] = dict(zip(bmm.name, bmm_fit["held_out_errors"]))
        extra["bmm_kernels"] = len(bmm)
    for key in ("tile_m", "tile_n", "compute_units"):
        params[key] = int(params[key])
    return {"params": params, "gemm_fit_error": fit_dense["mean_abs_log_error"],
            "csr_fit_error": csr_fit["mean_abs_log_error"], **extra}


def cpu_arch_text(fit: dict, info: dict, *, name: str, clock_hz: float) -> str:
    """The calibrated CPU arch file (YAML), every value commented with how it was found."""
    p = fit["params"]
    gemms = len(CALIBRATION_GEMMS + CALIBRATION_NARROW_GEMMS + CALIBRATION_LLC_GEMMS)
    how = {
        "peak_fp32_flops": "CALIBRATED: fastest calibration GEMM x a fitted 1.00-1.20",
        "memory_bandwidth_bytes_per_s": "CALIBRATED: STREAM-like copy (read + write) x a "
                                        "fitted 0.5-1.5 (the DRAM streaming rate)",
        "compute_units": "BLAS threads pinned during calibration",
        "tile_m": f"CALIBRATED on the {gemms} calibration GEMMs",
        "tile_n": "CALIBRATED (same fit)",
        "max_efficiency": "1: the peak above is already the achievable rate",
        "k_half": "CALIBRATED (same fit)",
        "n_half": "CALIBRATED (same fit)",
        "memory_efficiency": "1: the bandwidth above is already the achievable rate",
        "launch_overhead_s": "CALIBRATED (same fit)",
        "csr_efficiency": f"CALIBRATED on the {len(CALIBRATION_CSR)} calibration CSR kernels",
        "csr_row_overhead": "0: the measured CSR grid needs no per-row term (validate.grids)",
        "csr_nnz_overhead": "CALIBRATED (same fit)",
        "l2_cache_bytes": "MEASURED: Linux sysfs (lscpu), L2 per core",
        "l2_spill_penalty": "CALIBRATED on the calibration GEMMs (working sets 2 KB - 240 MB): "
                            "in-L2 stream rate / last-level rate - 1",
        "cache_bytes": "CALIBRATED (same fit): the last-level share this process sees (sysfs "
                       "reports the host's shared L3)",
        "cache_spill_penalty": "CALIBRATED (same fit): last-level stream rate / DRAM rate - 1",
        "csr_narrow_overhead": "CALIBRATED (same fit)",
        "vector_flops": f"CALIBRATED on the {fit.get('vector_kernels')} calibration layer-norm "
                        "and softmax kernels (torch)",
        "batched_efficiency": f"CALIBRATED on the {fit.get('bmm_kernels')} calibration batched "
                              "matmuls (torch.bmm, MKL): its peak fraction",
        "batched_n_half": "CALIBRATED (same fit): its narrow-n half",
        "write_allocate": "x86 write-allocate caches: a store reads its line first (vector "
                          "kernels' written bytes count twice)",
    }
    lines = [
        f"# This machine's CPU, calibrated by `accelsim validate calibrate`.",
        f"# Machine: {info['cores']} cores, {info['cpu']}; BLAS {info['blas']}; "
        f"{info['blas_threads']} BLAS thread(s); numpy {info['numpy']}.",
        f"# Fit: mean |log(pred/meas)| {fit['gemm_fit_error']:.3f} on the calibration GEMMs, "
        f"{fit['csr_fit_error']:.3f} on the calibration CSR kernels (accelsim.validate."
        "calibrate: CALIBRATION_GEMMS, CALIBRATION_CSR)"
        + (f", {fit['bmm_fit_error']:.3f} on the calibration batched matmuls (CALIBRATION_BMM)"
           if "bmm_fit_error" in fit else "") + ". The validation kernels are held out.",
        "schema_version: 1",
        f"name: {name}",
        "engine: cpu",
        "description: Roofline of the machine that ran the calibration (measured, not a data sheet).",
        f"clock_hz: {clock_hz:.6g}   # from /proc/cpuinfo where available; cycles only",
        "cpu:",
    ]
    for key, value in p.items():
        if value is None:  # a cache size this machine does not report
            continue
        text = (str(value).lower() if isinstance(value, bool) else f"{value:.6g}"
                if isinstance(value, float) else str(value))
        lines.append(f"  {key}: {text}   # {how[key]}")
    return "\n".join(lines) + "\n"


def cpu_clock_hz() -> float:
    """The CPU clock from /proc/cpuinfo (first core), or 1 GHz where it is not readable."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.lower().startswith("cpu mhz"):
                return float(line.split(":")[1]) * 1e6
    except OSError:
        pass
    return 1e9
