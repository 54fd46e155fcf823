"""Measured kernels on the machine at hand (fp32), the ground truth the roofline is judged on.

Kernels, each timed on its real shape: dense GEMM (numpy's BLAS), CSR sparse × dense
(scipy.sparse), structured-compacted GEMM (all-zero rows and columns removed, then dense),
the low-rank pair of GEMMs (basis filters, then the 1×1 layer) and, when PyTorch is
installed, direct convolution (torch CPU) for dense and low-rank conv layers. The transformer
kernels (:func:`transformer_cases`): the weight GEMMs of a BERT-base layer (numpy's BLAS on
the CPU, as calibrated), its batched attention matmuls ``bmm`` (torch), ``layernorm`` and
``softmax`` (torch), each judged on its absolute time.

Timing: one warm-up call, then repeats until the relative spread (interquartile range /
median) is at most ``spread`` or ``max_repeats`` is reached (and at least ``min_repeats`` and
``min_time_s`` of timing). Both are recorded, the median (``time_s``) and the minimum
(``min_time_s``); every fit and comparison uses the minimum, the measure least disturbed by
other processes on a shared machine. BLAS threads are pinned with threadpoolctl for the
whole suite, and the machine's core count and BLAS are recorded with the results.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from accelsim.model import Gemm

KERNELS = ("dense", "csr", "structured", "lowrank", "conv_dense", "conv_lowrank", "bmm",
           "layernorm", "softmax")
VECTOR_KERNELS = {"layernorm": "norm", "softmax": "softmax"}  # kernel → vector layer kind


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


def gemm_of(case: KernelCase) -> Gemm:
    """The dense GEMM of a case's shape (the model's ``Gemm``, whose ``compacted`` and
    ``lowrank`` give the structured and low-rank kernels' shapes)."""
    return Gemm(case.groups, case.m, case.k, case.n)


@dataclass(frozen=True)
class Timing:
    median_s: float
    spread: float  # interquartile range / median
    repeats: int
    min_s: float = float("nan")


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
    return Timing(statistics.median(times), _spread(times), len(times), min(times))


def _spread(times: list[float]) -> float:
    if len(times) < 4:
        return float("inf")
    q1, _, q3 = statistics.quantiles(times, n=4)
    return (q3 - q1) / statistics.median(times)


# ---- operands and the calls that are timed ----------------------------------------------
def kernel_call(case: KernelCase, rng: np.random.Generator, device: str = "cpu"
                ) -> Callable[[], object]:
    """Build the operands of ``case`` once and return the call to time: numpy's BLAS and
    scipy.sparse on the CPU, torch (cuBLAS, cuSPARSE, cuDNN) on ``cuda``."""
    f32 = np.float32
    if case.kernel in ("conv_dense", "conv_lowrank"):
        return _torch_conv_call(case, rng, device)
    if case.kernel in ("bmm",) + tuple(VECTOR_KERNELS):
        return _torch_transformer_call(case, rng, device)
    if device != "cpu":
        return _torch_gemm_call(case, rng, device)
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
        c = gemm_of(case).compacted(case.row_sparsity, case.col_sparsity)
        m, k = c.m, c.k
        w = rng.standard_normal((case.groups, m, k), dtype=f32)
        xs = np.ascontiguousarray(x[:, :k, :])
        return lambda: [w[g] @ xs[g] for g in range(case.groups)]
    if case.kernel == "lowrank":
        r = gemm_of(case).lowrank(case.rank)[0].m
        basis = rng.standard_normal((case.groups, r, case.k), dtype=f32)
        back = rng.standard_normal((case.groups, case.m, r), dtype=f32)
        return lambda: [back[g] @ (basis[g] @ x[g]) for g in range(case.groups)]
    raise ValueError(f"unknown kernel {case.kernel!r}")


def _torch_random(rng: np.random.Generator, device: str):
    """``randn(*shape)``: seeded normal fp32 tensors on ``device``."""
    import torch

    gen = torch.Generator().manual_seed(int(rng.integers(1 << 31)))
    return lambda *shape: torch.randn(*shape, generator=gen).to(device)


def _synchronized(fn: Callable[[], object], device: str) -> Callable[[], object]:
    """``fn`` run without autograd and, on a GPU, waited for (so wall time is kernel time)."""
    import torch

    def call():
        with torch.no_grad():
            out = fn()
        if device != "cpu":
            torch.cuda.synchronize()
        return out
    return call


def _torch_gemm_call(case: KernelCase, rng: np.random.Generator, device: str):
    """The GEMM kernels with torch on ``device``: dense, CSR (torch sparse CSR), structured
    (the compacted dense GEMM) and low rank (two dense GEMMs)."""
    randn = _torch_random(rng, device)
    g = case.groups
    x = randn(g, case.k, case.n)
    if case.kernel == "dense":
        w = randn(g, case.m, case.k)
        return _synchronized(lambda: [w[i] @ x[i] for i in range(g)], device)
    if case.kernel == "csr":
        keep = [randn(case.m, case.k).abs() < _normal_quantile(case.density) for _ in range(g)]
        mats = [(randn(case.m, case.k) * k).to_sparse_csr() for k in keep]
        return _synchronized(lambda: [mats[i] @ x[i] for i in range(g)], device)
    if case.kernel == "structured":
        c = gemm_of(case).compacted(case.row_sparsity, case.col_sparsity)
        w, xs = randn(g, c.m, c.k), x[:, :c.k, :].contiguous()
        return _synchronized(lambda: [w[i] @ xs[i] for i in range(g)], device)
    r = gemm_of(case).lowrank(case.rank)[0].m
    basis, back = randn(g, r, case.k), randn(g, case.m, r)
    return _synchronized(lambda: [back[i] @ (basis[i] @ x[i]) for i in range(g)], device)


def _torch_transformer_call(case: KernelCase, rng: np.random.Generator, device: str):
    """``bmm``: ``groups`` products (m × k)·(k × n) in one torch.bmm; ``layernorm`` and
    ``softmax`` over the last axis of an ``m × n`` tensor."""
    import torch

    randn = _torch_random(rng, device)
    if case.kernel == "bmm":
        a, b = randn(case.groups, case.m, case.k), randn(case.groups, case.k, case.n)
        return _synchronized(lambda: torch.bmm(a, b), device)
    x = randn(case.m, case.n)
    if case.kernel == "layernorm":
        return _synchronized(lambda: torch.nn.functional.layer_norm(x, (case.n,)), device)
    return _synchronized(lambda: torch.softmax(x, dim=-1), device)


def transformer_cases(seqs=(128, 512), d: int = 768, heads: int = 12, ffn: int = 3072
                      ) -> list[KernelCase]:
    """One BERT-base encoder layer (Devlin et al. 2019) at each sequence length, batch 1:
    the QKV, output and FFN GEMMs (weights m × k times k × seq), Q·Kᵀ and A·V per head, the
    layer norm (seq × d) and the softmax (heads·seq × seq)."""
    cases = []
    for s in seqs:
        group = f"bert_s{s}"
        for name, m, k in (("qkv", 3 * d, d), ("attn_out", d, d), ("ffn_up", ffn, d),
                           ("ffn_down", d, ffn)):
            cases.append(KernelCase(f"s{s} {name}", group, "dense", m, k, s))
        dh = d // heads
        cases.append(KernelCase(f"s{s} q·kT", group, "bmm", s, dh, s, groups=heads))
        cases.append(KernelCase(f"s{s} a·v", group, "bmm", s, s, dh, groups=heads))
        cases.append(KernelCase(f"s{s} layernorm", group, "layernorm", s, 1, d))
        cases.append(KernelCase(f"s{s} softmax", group, "softmax", heads * s, 1, s))
    return cases


def _normal_quantile(density: float) -> float:
    """t with P(|N(0,1)| < t) = density, so that ``|randn| < t`` keeps that fraction."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + density / 2)


def _torch_conv_call(case: KernelCase, rng: np.random.Generator, device: str = "cpu"):
    import torch

    c = case.conv
    randn = _torch_random(rng, device)
    x = randn(1, c["in_channels"], *c["in_hw"])
    conv = dict(stride=c["stride"], padding=c["padding"], groups=c["groups"])
    cin_g = c["in_channels"] // c["groups"]
    f = torch.nn.functional.conv2d
    if case.kernel == "conv_dense":
        w = randn(c["out_channels"], cin_g, *c["kernel"])
        return _synchronized(lambda: f(x, w, **conv), device)
    r = gemm_of(case).lowrank(case.rank)[0].m
    basis = randn(r * c["groups"], cin_g, *c["kernel"])
    back = randn(c["out_channels"], r, 1, 1)
    return _synchronized(lambda: f(f(x, basis, **conv), back, groups=c["groups"]), device)


# ---- the machine and the suite ----------------------------------------------------------
def machine_info(threads: int, device: str = "cpu") -> dict:
    """Cores, CPU, BLAS library, the pinned thread count and the GPU (if used), recorded
    with every run."""
    from threadpoolctl import threadpool_info

    blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')})"
            for i in threadpool_info() if i.get("user_api") == "blas"]
    info = {"cores": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
            "blas": "; ".join(blas) or "unknown", "blas_threads": threads,
            "numpy": np.__version__, "python": platform.python_version(), "device": device}
    if device != "cpu":
        import torch

        info["gpu"] = f"{torch.cuda.get_device_name()} (torch {torch.__version__})"
    return info


def cuda_available() -> bool:
    """True when torch is installed with a usable CUDA device."""
    if not _has_torch():
        return False
    import torch

    return torch.cuda.is_available()


def measure(cases: list[KernelCase], *, threads: int = 1, seed: int = 0,
            timing: dict | None = None, progress: Callable[[int, int], None] | None = None,
            device: str = "cpu"):
    """Time every case with BLAS pinned to ``threads`` on ``device`` (cpu, or cuda via
    torch); returns (DataFrame, machine info). Cases whose optional dependency (torch) is
    missing are left out."""
    frames, info = measure_sets({"cases": (cases, timing)}, threads=threads, seed=seed,
                                progress=progress, device=device)
    return frames["cases"], info


def measure_sets(sets: dict[str, tuple[list[KernelCase], dict | None]], *, threads: int = 1,
                 seed: int = 0, progress: Callable[[int, int], None] | None = None,
                 device: str = "cpu", order: Callable | None = None):
    """Time several named sets of cases, each with its own ``timing``, in one pinned
    session; ``order`` (e.g. ``timings.interleaved``) maps {name: cases} to the (name, case)
    sequence to time (default: set after set). Returns ({name: DataFrame}, machine info)."""
    import pandas as pd
    from threadpoolctl import threadpool_limits

    cases = {name: [c for c in cs if _runnable(c)] for name, (cs, _) in sets.items()}
    sequence = (order or _one_after_another)(cases)
    rows: dict[str, list] = {name: [] for name in sets}
    rng = np.random.default_rng(seed)
    with threadpool_limits(limits=threads, user_api="blas"):
        if _has_torch():
            import torch

            torch.set_num_threads(threads)
        for i, (name, case) in enumerate(sequence):
            t = time_call(kernel_call(case, rng, device), **(sets[name][1] or {}))
            rows[name].append({**{k: getattr(case, k) for k in (
                "name", "group", "kernel", "m", "k", "n", "groups", "density",
                "row_sparsity", "col_sparsity", "rank")},
                "dense_flops": case.dense_flops, "time_s": t.median_s,
                "min_time_s": t.min_s, "spread": t.spread, "repeats": t.repeats})
            if progress:
                progress(i + 1, len(sequence))
    order_of = {name: {c.name: i for i, c in enumerate(cs)} for name, cs in cases.items()}
    frames = {name: pd.DataFrame(sorted(r, key=lambda row: order_of[name][row["name"]]))
              for name, r in rows.items()}
    return frames, machine_info(threads, device)


def _one_after_another(cases: dict[str, list]) -> list[tuple[str, KernelCase]]:
    return [(name, c) for name, cs in cases.items() for c in cs]


def _runnable(case: KernelCase) -> bool:
    """False for a torch kernel where torch is not installed."""
    needs_torch = case.kernel.startswith("conv") or case.kernel in ("bmm",) + tuple(
        VECTOR_KERNELS)
    return not needs_torch or _has_torch()


def _has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


# ---- the validation suite ---------------------------------------------------------------
LSTM_SPARSITIES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99)
LSTM_QUICK_SPARSITIES = (0.0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99)


def validation_cases(root, *, quick: bool = False, torch_conv: bool = True) -> list[KernelCase]:
    """The held-out kernels: AlexNet's conv layers lowered to GEMM (dense, the CSR densities
    of ``alexnet_l1.json``, the SSL rows/columns of ``alexnet_ssl.json``, the Table 3.4 LRA
    ranks) and an LSTM-sized 1500 × 3000 GEMM at batch 10 and 100 swept over unstructured
    (CSR) and structured sparsity. Structured sparsity s removes equal fractions of rows and
    columns: (1 − r)(1 − c) = 1 − s."""
    from accelsim.spec import load_workload
    from accelsim.validate.published import published

    cases: list[KernelCase] = []
    l1 = load_workload(root / "workloads" / "alexnet_l1.json")
    ssl = load_workload(root / "workloads" / "alexnet_ssl.json")
    ranks = published()["s000_table34"]["rank"]
    for dense_layer in (layer for layer in l1.layers if layer.kind == "conv"):
        g = dense_layer.gemm(1)
        shape = dict(m=g.m, k=g.k, n=g.n, groups=g.groups)
        name = dense_layer.name
        cases.append(KernelCase(f"{name} dense", "alexnet", "dense", **shape))
        cases.append(KernelCase(f"{name} csr", "alexnet_l1", "csr", density=dense_layer.density,
                                **shape))
        s = ssl.layer(name)
        cases.append(KernelCase(f"{name} ssl", "alexnet_ssl", "structured",
                                row_sparsity=s.row_sparsity, col_sparsity=s.col_sparsity,
                                **shape))
        conv = dict(in_channels=dense_layer.in_channels, out_channels=dense_layer.out_channels,
                    kernel=dense_layer.kernel, stride=dense_layer.stride,
                    padding=dense_layer.padding, groups=dense_layer.groups,
                    in_hw=dense_layer.in_hw)
        if torch_conv and not quick:
            cases.append(KernelCase(f"{name} conv dense", "alexnet_conv", "conv_dense",
                                    conv=conv, **shape))
        for force, by_layer in ranks.items():
            if name in by_layer:
                cases.append(KernelCase(f"{name} lra {force}", "alexnet_lra", "lowrank",
                                        rank=by_layer[name], **shape))
                if torch_conv and not quick:
                    cases.append(KernelCase(f"{name} conv lra {force}", "alexnet_conv",
                                            "conv_lowrank", rank=by_layer[name], conv=conv,
                                            **shape))
    for batch in (10, 100):
        shape = dict(m=1500, k=3000, n=batch)
        for s in (LSTM_QUICK_SPARSITIES if quick else LSTM_SPARSITIES):
            if s == 0.0:
                cases.append(KernelCase(f"lstm b{batch} dense", f"lstm_b{batch}", "dense",
                                        **shape))
                continue
            side = 1 - (1 - s) ** 0.5
            cases.append(KernelCase(f"lstm b{batch} csr {s:.2f}", f"lstm_b{batch}", "csr",
                                    density=1 - s, **shape))
            cases.append(KernelCase(f"lstm b{batch} structured {s:.2f}", f"lstm_b{batch}",
                                    "structured", row_sparsity=side, col_sparsity=side,
                                    **shape))
    return cases
