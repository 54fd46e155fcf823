"""Measured kernels on the machine at hand (fp32), the ground truth the roofline is judged on.

Kernels, each timed on its real shape: dense GEMM (numpy's BLAS), CSR sparse × dense
(scipy.sparse), structured-compacted GEMM (all-zero rows and columns removed, then dense),
the low-rank pair of GEMMs (basis filters, then the 1×1 layer) and, when PyTorch is
installed, direct convolution (torch CPU) for dense and low-rank conv layers.

Timing: one warm-up call, then repeats until the relative spread (interquartile range /
median) is at most ``spread`` or ``max_repeats`` is reached (and at least ``min_repeats`` and
``min_time_s`` of timing); the median is reported. BLAS threads are pinned with threadpoolctl
for the whole suite, and the machine's core count and BLAS are recorded with the results.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

KERNELS = ("dense", "csr", "structured", "lowrank", "conv_dense", "conv_lowrank")


@dataclass(frozen=True)
class KernelCase:
    """One kernel on one shape: ``groups`` GEMMs of an ``m × k`` weight matrix times
    ``k × n``. ``density`` is for CSR, ``row_sparsity``/``col_sparsity`` for structured,
    ``rank`` (layer total) for low rank; ``conv`` holds a conv layer's shape for torch."""

    name: str
    group: str
    kernel: str
    m: int
    k: int
    n: int
    groups: int = 1
    density: float = 1.0
    row_sparsity: float = 0.0
    col_sparsity: float = 0.0
    rank: int | None = None
    conv: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def dense_flops(self) -> int:
        return 2 * self.groups * self.m * self.k * self.n


@dataclass(frozen=True)
class Timing:
    median_s: float
    spread: float  # interquartile range / median
    repeats: int


def time_call(fn: Callable[[], object], *, min_repeats: int = 5, max_repeats: int = 200,
              spread: float = 0.05, min_time_s: float = 0.05) -> Timing:
    """Median wall time of ``fn()`` after a warm-up, repeating until the spread is small."""
    fn()
    times: list[float] = []
    started = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        enough = len(times) >= min_repeats and time.perf_counter() - started >= min_time_s
        if enough and (_spread(times) <= spread or len(times) >= max_repeats):
            break
    return Timing(statistics.median(times), _spread(times), len(times))


def _spread(times: list[float]) -> float:
    if len(times) < 4:
        return float("inf")
    q1, _, q3 = statistics.quantiles(times, n=4)
    return (q3 - q1) / statistics.median(times)


# ---- operands and the calls that are timed ----------------------------------------------
def kernel_call(case: KernelCase, rng: np.random.Generator) -> Callable[[], object]:
    """Build the operands of ``case`` once and return the call to time."""
    f32 = np.float32
    if case.kernel in ("conv_dense", "conv_lowrank"):
        return _torch_conv_call(case, rng)
    x = rng.standard_normal((case.groups, case.k, case.n), dtype=f32)
    if case.kernel == "dense":
        w = rng.standard_normal((case.groups, case.m, case.k), dtype=f32)
        return lambda: [w[g] @ x[g] for g in range(case.groups)]
    if case.kernel == "csr":
        from scipy import sparse

        mats = [sparse.random(case.m, case.k, density=case.density, format="csr",
                              dtype=f32, random_state=rng) for _ in range(case.groups)]
        return lambda: [mats[g] @ x[g] for g in range(case.groups)]
    if case.kernel == "structured":
        m = max(1, round(case.m * (1 - case.row_sparsity)))
        k = max(1, round(case.k * (1 - case.col_sparsity)))
        w = rng.standard_normal((case.groups, m, k), dtype=f32)
        xs = np.ascontiguousarray(x[:, :k, :])
        return lambda: [w[g] @ xs[g] for g in range(case.groups)]
    if case.kernel == "lowrank":
        r = max(1, case.rank // case.groups)
        basis = rng.standard_normal((case.groups, r, case.k), dtype=f32)
        back = rng.standard_normal((case.groups, case.m, r), dtype=f32)
        return lambda: [back[g] @ (basis[g] @ x[g]) for g in range(case.groups)]
    raise ValueError(f"unknown kernel {case.kernel!r}")


def _torch_conv_call(case: KernelCase, rng: np.random.Generator) -> Callable[[], object]:
    import torch

    c = case.conv
    gen = torch.Generator().manual_seed(int(rng.integers(1 << 31)))
    x = torch.randn(1, c["in_channels"], *c["in_hw"], generator=gen)
    conv = dict(stride=c["stride"], padding=c["padding"], groups=c["groups"])
    cin_g = c["in_channels"] // c["groups"]
    if case.kernel == "conv_dense":
        w = torch.randn(c["out_channels"], cin_g, *c["kernel"], generator=gen)

        def call():
            with torch.no_grad():
                return torch.nn.functional.conv2d(x, w, **conv)
        return call
    basis = torch.randn(case.rank, cin_g, *c["kernel"], generator=gen)
    back = torch.randn(c["out_channels"], case.rank // c["groups"], 1, 1, generator=gen)

    def call():
        with torch.no_grad():
            y = torch.nn.functional.conv2d(x, basis, **conv)
            return torch.nn.functional.conv2d(y, back, groups=c["groups"])
    return call


# ---- the machine and the suite ----------------------------------------------------------
def machine_info(threads: int) -> dict:
    """Cores, CPU, BLAS library and the pinned thread count, recorded with every run."""
    from threadpoolctl import threadpool_info

    blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')})"
            for i in threadpool_info() if i.get("user_api") == "blas"]
    return {"cores": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
            "blas": "; ".join(blas) or "unknown", "blas_threads": threads,
            "numpy": np.__version__, "python": platform.python_version()}


def measure(cases: list[KernelCase], *, threads: int = 1, seed: int = 0,
            timing: dict | None = None, progress: Callable[[int, int], None] | None = None):
    """Time every case with BLAS pinned to ``threads``; returns (DataFrame, machine info).
    Cases whose optional dependency (torch) is missing are left out."""
    import pandas as pd
    from threadpoolctl import threadpool_limits

    rows = []
    rng = np.random.default_rng(seed)
    torch_ok = _has_torch()
    with threadpool_limits(limits=threads, user_api="blas"):
        if torch_ok:
            import torch

            torch.set_num_threads(threads)
        for i, case in enumerate(cases):
            if case.kernel.startswith("conv") and not torch_ok:
                continue
            t = time_call(kernel_call(case, rng), **(timing or {}))
            rows.append({**{k: getattr(case, k) for k in (
                "name", "group", "kernel", "m", "k", "n", "groups", "density",
                "row_sparsity", "col_sparsity", "rank")},
                "dense_flops": case.dense_flops, "time_s": t.median_s,
                "spread": t.spread, "repeats": t.repeats})
            if progress:
                progress(i + 1, len(cases))
    return pd.DataFrame(rows), machine_info(threads)


def _has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True
