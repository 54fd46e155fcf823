"""GPU / CPU roofline engine: dense, structured-sparse, CSR-sparse and low-rank GEMM kernels.

Model (``shared/reference/gpu-cpu.md`` §2, §3, §5, §8)
-----------------------------------------------------
Every layer is lowered to GEMMs (Caffe im2col, one GEMM per group; DESIGN.md GEMM view,
``n`` = output pixels × batch). A GEMM of ``g`` groups of ``m × k`` weights times ``k × n``
runs the groups one after another (as Caffe does); per kernel call

    time = max(FLOPs / (P · η(m, k, n)),  bytes / (BW · η_mem)) + g · t_launch

**Dense GEMM.** FLOPs = 2gmkn, bytes = v·g(mk + kn + mn) for v-byte values. The compute
efficiency is a function of the GEMM's shape: the output is cut into tiles of
``tile_m × tile_n`` (clamped to the matrix: libraries switch to narrow kernels, e.g. GEMV
at n = 1), the tiles run in waves over ``compute_units`` (SMs or cores), and each tile pays
a fixed prologue worth ``k_half`` steps of its k loop:

    tiles = ⌈m/t_m⌉·⌈n/t_n⌉,  waves = ⌈tiles / U⌉
    η(m, k, n) = η_max · (m·n) / (waves · U · t_m · t_n) · k / (k + k_half)

Small matrices under-fill a GPU (few tiles, a partial last wave) and short k loops are
dominated by their prologue; a large GEMM tends to η_max. Optionally (``cache_bytes``,
``cache_spill_penalty``; S000 §2.3 attributes part of SSL's CPU speedup to matrices that
shrink into cache) a working set ws = v(mk + kn + mn) larger than the cache C lowers it:

    η_cache = 1 / (1 + spill · max(0, 1 − C / ws))

**Structured (SSL).** All-zero rows and columns removed, the rest packed (packing cost
ignored, as S000 does): the dense kernel on m' = round(m(1−row)), k' = round(k(1−col)).

**CSR sparse × dense** (cuSPARSE csrmm / MKL scsrmm), nnz non-zeros per group:

    FLOPs = 2·g·nnz·n
    compute time = g · (2n · (nnz + r_0 · m) + c_nz · nnz) / (P · η_csr)
    bytes = g · ((v + 4)·nnz + 4(m + 1) + v(kn + mn))      (values, column indices, row pointers)

η_csr is the fraction of peak the irregular gather reaches per non-zero, and r_0 is a per
output element overhead (row-pointer walk, output write), in non-zero equivalents; it makes
CSR slower than dense when the matrix is not sparse enough (S000 Fig 2.1, Table 2.4).
c_nz (``csr_nnz_overhead``, optional, default 0) is a per-non-zero cost in FLOP equivalents
that does not grow with n (loading the value and its column index once per non-zero): it
matters at small n, e.g. scipy's CSR × dense on this machine's calibration.

**Low rank** (cross-filter, S000 §3.1): the dense kernel on the two GEMMs of
``Layer.lowrank_gemms``: M basis filters (M × CHW), then a 1×1 layer (N × M).
The ideal speedup = dense MACs / kernel MACs = N·CHW / (M·(CHW + N)) (S000 Table 3.4).

**Training** = forward + backward: each forward GEMM (g, m, k, n) adds the data-gradient
GEMM (g, k, m, n) and the weight-gradient GEMM (g, m, n, k), so ≈ 3× the forward FLOPs with
the backward GEMMs' own shapes (assumption: the first layer's data gradient is computed
too). CSR is modelled for inference only. Pooling, normalisation and element-wise layers
are not GEMMs and are not timed.

**Whole network.** ``total_speedup`` aggregates per-layer speedups by baseline time shares
(Amdahl, the form that reproduces S000 Table 3.6).

Calibration (values and fits in the ``archs/*.yaml`` comments, procedure in
``accelsim.validate.calibrate``): per device, the few efficiency parameters (t_m, t_n,
k_half, t_launch, η_csr, r_0) of the TITAN Black and Xeon E5-2630 are grid-fitted to S000
Table 2.4 (the same 20 speedups they are validated on: an in-sample fit), η_mem and
t_launch of the Titan X and i7-5930K to EIE Table IV; η_max is a prior (Paleo's fitted
platform percent of peak, 0.62; LLMCompass's A100 GEMMs, 0.93). Peaks, bandwidths and unit
counts are device facts with their sources in the arch files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.engines.ignored import ignored_notes
from accelsim.engines.result import LayerResult, Result
from accelsim.errors import EngineError
from accelsim.model import Gemm, Layer, Workload

KERNELS = ("dense", "structured", "csr", "lowrank")
OPTIONS = {"kernel": ("auto",) + KERNELS, "mode": ("inference", "training"),
           "precision": ("fp32", "fp16")}
VALUE_BYTES = {"fp32": 4, "fp16": 2}
INDEX_BYTES = 4


@dataclass(frozen=True)
class RooflineConfig:
    device: str                  # "gpu" or "cpu"
    peak_fp32_flops: float
    memory_bandwidth_bytes_per_s: float
    compute_units: int
    tile_m: int
    tile_n: int
    max_efficiency: float
    k_half: float
    memory_efficiency: float
    launch_overhead_s: float
    csr_efficiency: float
    csr_row_overhead: float
    csr_nnz_overhead: float = 0.0
    cache_bytes: float | None = None
    cache_spill_penalty: float = 0.0
    peak_fp16_flops: float | None = None
    groups_in_one_kernel: bool = True
    clock_hz: float = 1.0

    def peak_flops(self, precision: str) -> float:
        peak = self.peak_fp32_flops if precision == "fp32" else self.peak_fp16_flops
        if peak is None:
            raise EngineError(f"precision {precision!r}: the device gives no peak_{precision}_flops")
        return peak


def config_from_dict(block: dict, doc: dict, *, file: str, base_dir=None) -> RooflineConfig:
    return RooflineConfig(device=doc["engine"], clock_hz=float(doc["clock_hz"]), **block)


# ---- kernel times (numpy: every shape argument may be an array) --------------------------
@dataclass(frozen=True)
class KernelTime:
    seconds: np.ndarray
    flops: np.ndarray
    bytes: np.ndarray
    compute_bound: np.ndarray


def kernel_groups(cfg: RooflineConfig, g):
    """Groups that share one kernel's waves, and kernel launches, for ``g`` groups."""
    g = np.asarray(g, dtype=float)
    return (g, np.ones_like(g)) if cfg.groups_in_one_kernel else (np.ones_like(g), g)


def gemm_efficiency(cfg: RooflineConfig, m, k, n, g=1):
    """η(m, k, n): tile fill over waves of compute units, times the k-loop prologue; the
    tiles of the groups one kernel runs (:func:`kernel_groups`) share the waves."""
    g = kernel_groups(cfg, g)[0]
    m, k, n = (np.asarray(x, dtype=float) for x in (m, k, n))
    tm = np.minimum(cfg.tile_m, m)
    tn = np.minimum(cfg.tile_n, n)
    tiles = g * np.ceil(m / tm) * np.ceil(n / tn)
    waves = np.ceil(tiles / cfg.compute_units)
    fill = g * m * n / (waves * cfg.compute_units * tm * tn)
    return cfg.max_efficiency * fill * k / (k + cfg.k_half)


def cache_efficiency(cfg: RooflineConfig, working_set_bytes):
    """η_cache: 1 while the working set fits the cache, lower as it outgrows it."""
    if cfg.cache_bytes is None:
        return 1.0
    over = np.maximum(0.0, 1.0 - cfg.cache_bytes / np.asarray(working_set_bytes, dtype=float))
    return 1.0 / (1.0 + cfg.cache_spill_penalty * over)


def _roofline(cfg, g, t_compute, flops, nbytes) -> KernelTime:
    t_memory = nbytes / (cfg.memory_bandwidth_bytes_per_s * cfg.memory_efficiency)
    seconds = np.maximum(t_compute, t_memory) + kernel_groups(cfg, g)[1] * cfg.launch_overhead_s
    return KernelTime(seconds, flops, nbytes, t_compute >= t_memory)


def dense_time(cfg: RooflineConfig, g, m, k, n, precision: str = "fp32") -> KernelTime:
    """Time of ``g`` dense GEMMs (m × k)·(k × n), one kernel or one per group."""
    g, m, k, n = (np.asarray(x, dtype=float) for x in (g, m, k, n))
    flops = 2 * g * m * k * n
    working_set = VALUE_BYTES[precision] * (m * k + k * n + m * n)
    t_compute = flops / (cfg.peak_flops(precision) * gemm_efficiency(cfg, m, k, n, g)
                         * cache_efficiency(cfg, working_set))
    return _roofline(cfg, g, t_compute, flops, g * working_set)


def csr_time(cfg: RooflineConfig, g, m, k, n, nnz, precision: str = "fp32") -> KernelTime:
    """Time of ``g`` CSR (m × k, ``nnz`` non-zeros each) × dense (k × n)."""
    g, m, k, n, nnz = (np.asarray(x, dtype=float) for x in (g, m, k, n, nnz))
    v = VALUE_BYTES[precision]
    flops = 2 * g * nnz * n
    t_compute = (g * (2 * n * (nnz + cfg.csr_row_overhead * m) + cfg.csr_nnz_overhead * nnz)
                 / (cfg.peak_flops(precision) * cfg.csr_efficiency))
    nbytes = g * ((v + INDEX_BYTES) * nnz + INDEX_BYTES * (m + 1) + v * (k * n + m * n))
    return _roofline(cfg, g, t_compute, flops, nbytes)


def backward_gemms(x: Gemm) -> list[Gemm]:
    """The data-gradient (g, k, m, n) and weight-gradient (g, m, n, k) GEMMs of ``x``."""
    return [Gemm(x.groups, x.k, x.m, x.n), Gemm(x.groups, x.m, x.n, x.k)]


def gemms_time(cfg: RooflineConfig, gemms: list[Gemm], precision: str = "fp32") -> KernelTime:
    """Summed time of a list of dense GEMMs (one vectorized call)."""
    arr = np.array([(x.groups, x.m, x.k, x.n) for x in gemms], dtype=float).T
    t = dense_time(cfg, *arr, precision=precision)
    return KernelTime(t.seconds.sum(), t.flops.sum(), t.bytes.sum(),
                      t.compute_bound[np.argmax(t.seconds)])


# ---- layers -------------------------------------------------------------------------------
def candidate_kernels(layer: Layer) -> tuple[str, ...]:
    """The kernels ``auto`` times for ``layer``: dense always; structured when it has zero
    rows or columns; CSR when some weights are zero; low rank when it has a rank."""
    out = ["dense"]
    if layer.row_sparsity > 0 or layer.col_sparsity > 0:
        out.append("structured")
    if layer.density < 1.0:
        out.append("csr")
    if layer.rank is not None:
        out.append("lowrank")
    return tuple(out)


def kernel_gemms(layer: Layer, batch: int, kernel: str) -> list[Gemm]:
    """The dense GEMMs a dense, structured or low-rank kernel runs for ``layer``."""
    if kernel == "dense":
        return [layer.gemm(batch)]
    if kernel == "structured":
        return [layer.compacted_gemm(batch)]
    if kernel == "lowrank":
        if layer.rank is None:
            raise EngineError(f"layer {layer.name}: the lowrank kernel needs a 'rank'")
        return list(layer.lowrank_gemms(batch))
    raise EngineError(f"layer {layer.name}: the {kernel} kernel is not a dense GEMM")


def _sum_times(*times: KernelTime) -> KernelTime:
    """Kernels run one after another: times, FLOPs and bytes add; the bound is the longest's."""
    longest = max(times, key=lambda t: float(t.seconds))
    return KernelTime(sum(t.seconds for t in times), sum(t.flops for t in times),
                      sum(t.bytes for t in times), longest.compute_bound)


def pass_times(cfg: RooflineConfig, layer: Layer, batch: int, kernel: str,
               precision: str = "fp32") -> tuple[KernelTime, KernelTime]:
    """Forward and backward (data gradient + weight gradient) time of one layer.

    CSR backward (assumption, as frameworks train pruned layers): the data gradient is the
    transposed sparse matrix times the output gradient, Wᵀ (k × m, same non-zeros) × (m × n),
    and the weight gradient is computed dense, (m × n)·(n × k), then masked."""
    if kernel == "csr":
        g = layer.gemm(batch)
        nnz = layer.nonzero_weights / g.groups
        forward = csr_time(cfg, g.groups, g.m, g.k, g.n, nnz, precision)
        backward = _sum_times(csr_time(cfg, g.groups, g.k, g.m, g.n, nnz, precision),
                              dense_time(cfg, g.groups, g.m, g.n, g.k, precision))
        return forward, backward
    gemms = kernel_gemms(layer, batch, kernel)
    backward = [b for x in gemms for b in backward_gemms(x)]
    return gemms_time(cfg, gemms, precision), gemms_time(cfg, backward, precision)


def layer_time(cfg: RooflineConfig, layer: Layer, batch: int, kernel: str, mode: str,
               precision: str = "fp32") -> KernelTime:
    """Time of one layer with one kernel in ``inference`` or ``training`` mode."""
    forward, backward = pass_times(cfg, layer, batch, kernel, precision)
    return forward if mode == "inference" else _sum_times(forward, backward)


def choose_kernel(cfg: RooflineConfig, layer: Layer, batch: int, kernel: str, mode: str,
                  precision: str = "fp32") -> tuple[str, str | None, dict[str, KernelTime]]:
    """The kernel that runs ``layer``, the runner-up and the times of those tried.
    ``auto``: the fastest of :func:`candidate_kernels` (ties keep the simpler kernel, in
    ``KERNELS`` order); otherwise the kernel asked for, with no runner-up."""
    names = candidate_kernels(layer) if kernel == "auto" else (kernel,)
    times = {name: layer_time(cfg, layer, batch, name, mode, precision) for name in names}
    ranked = sorted(names, key=lambda name: float(times[name].seconds))
    return ranked[0], (ranked[1] if len(ranked) > 1 else None), times


def forward_backward_s(cfg: RooflineConfig, workload: Workload, kernel: str = "auto",
                       precision: str = "fp32") -> tuple[np.ndarray, np.ndarray]:
    """Per-layer forward and backward seconds of one training iteration (for the cluster),
    each layer on the kernel :func:`choose_kernel` picks for training."""
    fwd, bwd = [], []
    for layer in workload.layers:
        chosen = choose_kernel(cfg, layer, workload.batch, kernel, "training", precision)[0]
        forward, backward = pass_times(cfg, layer, workload.batch, chosen, precision)
        fwd.append(float(forward.seconds))
        bwd.append(float(backward.seconds))
    return np.array(fwd, dtype=float), np.array(bwd, dtype=float)


def kernel_macs(layer: Layer, batch: int, kernel: str, mode: str = "inference") -> float:
    """MACs the kernel does (forward; ``training`` adds the backward GEMMs). Low rank:
    rank·(CHW + N)·H'W' with the layer's total rank, so a grouped layer with an odd total
    rank (S000 Table 3.4) splits it evenly, not rounded. Every backward GEMM of a dense
    kernel has its forward GEMM's MACs; CSR's weight gradient is dense (:func:`pass_times`)."""
    g = layer.gemm(batch)
    if kernel == "lowrank":
        forward = layer.rank * (g.k + g.m) * g.n
    elif kernel == "csr":
        forward = layer.nonzero_weights * g.n
        return forward if mode == "inference" else 2 * forward + g.macs
    else:
        forward = kernel_gemms(layer, batch, kernel)[0].macs
    return forward if mode == "inference" else 3 * forward


def total_speedup(time_fractions, speedups) -> float:
    """Whole-network speedup from per-layer speedups weighted by baseline time shares:
    1 / Σ f_l / s_l (Amdahl; reproduces S000 Table 3.6)."""
    f = np.asarray(time_fractions, dtype=float)
    return float(1.0 / np.sum(f / f.sum() / np.asarray(speedups, dtype=float)))


# ---- engine entry point ------------------------------------------------------------------
KERNEL_FIELDS = {"dense": (), "structured": ("row_sparsity", "col_sparsity"),
                 "csr": ("weight_density", "row_sparsity", "col_sparsity"), "lowrank": ("rank",)}
IGNORED = {
    "weight_density": "runs this layer's kernel on all the weights the zero rows/columns leave",
    "row_sparsity": "runs this layer's kernel on the full rows",
    "col_sparsity": "runs this layer's kernel on the full columns",
    "activation_density": "multiplies zero activations (no GPU/CPU kernel here skips them)",
    "rank": "runs the full-rank weights (the low-rank kernel was not chosen)",
}


def simulate(arch, workload: Workload, options: dict) -> Result:
    cfg: RooflineConfig = arch.config
    kernel = options.get("kernel", "auto")
    mode = options.get("mode", "inference")
    precision = options.get("precision", "fp32")
    peak = cfg.peak_flops(precision)
    clock = cfg.clock_hz
    rows, dense_s, chosen_kernels = [], [], {}
    for layer in workload.layers:
        chosen, runner_up, times = choose_kernel(cfg, layer, workload.batch, kernel, mode,
                                                 precision)
        chosen_kernels[layer.name] = chosen
        t = times[chosen]
        base = times.get("dense") or layer_time(cfg, layer, workload.batch, "dense", mode,
                                                precision)
        seconds = float(t.seconds)
        dense_s.append(float(base.seconds))
        extra = {"kernel": chosen, "runner_up": runner_up,
                 "runner_up_s": None if runner_up is None else float(times[runner_up].seconds),
                 "dense_s": float(base.seconds), "speedup": float(base.seconds) / seconds,
                 "ideal_speedup": kernel_macs(layer, workload.batch, "dense", mode)
                 / kernel_macs(layer, workload.batch, chosen, mode)}
        if mode == "training":
            extra["training_macs"] = int(t.flops) // 2
        rows.append(LayerResult(
            name=layer.name, kind=layer.kind, dense_macs=layer.dense_macs(workload.batch),
            effective_macs=int(round(kernel_macs(layer, workload.batch, chosen))),
            cycles=int(round(seconds * clock)), seconds=seconds,
            utilization=float(t.flops) / (seconds * peak),
            bound="compute" if bool(t.compute_bound) else "memory",
            dram_bytes=int(t.bytes), extra=extra))
    speedup = total_speedup(dense_s, [r.extra["speedup"] for r in rows])
    summary = {"device": cfg.device, "mode": mode, "kernel": kernel, "precision": precision,
               "peak_flops": peak, "total_speedup_vs_dense": speedup}
    notes = [f"{mode}, {precision}, kernel {kernel}"
             + (" (per layer the fastest kernel; runner_up: the next fastest)"
                if kernel == "auto" else "")
             + f": whole-workload speedup over dense {speedup:.2f}x (time-weighted, Amdahl)"]
    if mode == "training":
        notes.append("training: dense/eff. MACs are the forward pass; utilization and "
                     "training_macs count the backward GEMMs too")
    notes += ignored_notes(cfg.device, workload.layers,
                           lambda x: KERNEL_FIELDS[chosen_kernels[x.name]], IGNORED)
    return Result(engine=cfg.device, arch=arch.name, workload=workload.name,
                  layers=tuple(rows), peak_macs_per_cycle=peak / 2 / clock, clock_hz=clock,
                  notes=tuple(notes), summary=summary)
