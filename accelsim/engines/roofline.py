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

**Batched matmul** (``bmm``, activation × activation, e.g. attention's Q·Kᵀ and A·V): one
kernel over b = heads × batch matrices (cuBLAS strided-batched GEMM), the tiles of all b
filling the waves: ``tiles = b·⌈m/t_m⌉·⌈n/t_n⌉``, one launch. A causal bmm computes only its
visible fraction of the products (a masked kernel such as FlashAttention skips the rest).

**Vector layers** (element-wise, normalization, softmax, pooling, embedding) are memory-bound
kernels: time = max(FLOPs / (P_fp32 · η_max), bytes / (BW · η_mem)) + t_launch, with bytes =
v·(read + written elements) (``Layer.vector_bytes``); their FLOPs run on the vector (fp32)
units whatever the precision (assumption). In training their backward reads the output
gradient and the input and writes the input gradient: twice the forward bytes more.

**Precision** (``precision`` option, or a layer's ``dtype``): fp32, tf32, fp16, bf16, fp8,
int8, int4, each with the device's own peak ``peak_<dtype>_flops`` (the arch file cites the
datasheet) and v = 4, 4, 2, 2, 1, 1, ½ bytes per value. A dtype the device has no peak for is
an error naming the device and the dtype.

**N:M structured sparsity** (a layer's ``nm``, kernel ``nm``): on a device with sparse tensor
cores (``sparse_tensor_speedup``, the datasheet's sparse / dense peak ratio, 2 on A100 and
H100, for the pattern ``sparse_nm`` (2:4; tf32 uses 1:2) and the dtypes in ``sparse_dtypes``)
the dense GEMM shape runs at ``speedup × peak`` and the weights are read compressed: the N/M
kept values plus ⌈log₂ M⌉ bits of index metadata each (2 bits for 2:4, NVIDIA Ampere
architecture whitepaper, 2020, "Fine-grained structured sparsity"). Where the device, the
dtype or the pattern does not qualify, the layer runs dense and a note says why.

**Training** = forward + backward: each forward GEMM (g, m, k, n) adds the data-gradient
GEMM (g, k, m, n) and the weight-gradient GEMM (g, m, n, k), so ≈ 3× the forward FLOPs with
the backward GEMMs' own shapes (assumption: the first layer's data gradient is computed
too). CSR is modelled for inference only.

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

from accelsim.engines.options import Option, resolve
from accelsim.engines.result import LayerResult, Result
from accelsim.errors import EngineError
from accelsim.model import DTYPE_BYTES, DTYPES, Gemm, Layer, Workload

KERNELS = ("dense", "structured", "csr", "lowrank", "nm")
KERNEL = Option("kernel", str, "auto", "dense, structured, csr, lowrank, nm or auto (from the "
                "workload's sparsity fields)", choices=("auto",) + KERNELS)
OPTIONS = (KERNEL,
           Option("mode", str, "inference", "inference or training (forward + backward)",
                  choices=("inference", "training")),
           Option("precision", str, "fp32", "default dtype of layers that give none",
                  choices=DTYPES))
VALUE_BYTES = DTYPE_BYTES
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
    peak_tf32_flops: float | None = None
    peak_bf16_flops: float | None = None
    peak_fp8_flops: float | None = None
    peak_int8_flops: float | None = None   # operations per second
    peak_int4_flops: float | None = None
    sparse_tensor_speedup: float | None = None  # sparse / dense tensor peak (datasheet)
    sparse_nm: tuple[int, int] = (2, 4)
    sparse_dtypes: tuple[str, ...] = ()
    clock_hz: float = 1.0
    name: str = "device"

    def peak_flops(self, precision: str) -> float:
        peak = getattr(self, f"peak_{precision}_flops", None)
        if peak is None:
            raise EngineError(f"device {self.name} has no {precision} peak (its arch file gives "
                              f"no peak_{precision}_flops): run another --precision or dtype")
        return peak

    def sparse_pattern(self, precision: str) -> tuple[int, int] | None:
        """The N:M pattern the sparse tensor cores run in ``precision`` (None: none)."""
        if self.sparse_tensor_speedup is None or precision not in self.sparse_dtypes:
            return None
        return (1, 2) if precision == "tf32" else self.sparse_nm


# ---- kernel times (numpy: every shape argument may be an array) --------------------------
@dataclass(frozen=True)
class KernelTime:
    seconds: np.ndarray
    flops: np.ndarray
    bytes: np.ndarray
    compute_bound: np.ndarray


def gemm_efficiency(cfg: RooflineConfig, m, k, n, matrices=1):
    """η(m, k, n): tile fill over waves of compute units, times the k-loop prologue;
    ``matrices`` GEMMs of that shape in one (batched) kernel share the waves."""
    m, k, n, b = (np.asarray(x, dtype=float) for x in (m, k, n, matrices))
    tm = np.minimum(cfg.tile_m, m)
    tn = np.minimum(cfg.tile_n, n)
    tiles = b * np.ceil(m / tm) * np.ceil(n / tn)
    waves = np.ceil(tiles / cfg.compute_units)
    fill = b * m * n / (waves * cfg.compute_units * tm * tn)
    return cfg.max_efficiency * fill * k / (k + cfg.k_half)


def cache_efficiency(cfg: RooflineConfig, working_set_bytes):
    """η_cache: 1 while the working set fits the cache, lower as it outgrows it."""
    if cfg.cache_bytes is None:
        return 1.0
    over = np.maximum(0.0, 1.0 - cfg.cache_bytes / np.asarray(working_set_bytes, dtype=float))
    return 1.0 / (1.0 + cfg.cache_spill_penalty * over)


def _roofline(cfg, g, t_compute, flops, nbytes) -> KernelTime:
    t_memory = nbytes / (cfg.memory_bandwidth_bytes_per_s * cfg.memory_efficiency)
    seconds = np.maximum(t_compute, t_memory) + g * cfg.launch_overhead_s
    return KernelTime(seconds, flops, nbytes, t_compute >= t_memory)


def dense_time(cfg: RooflineConfig, g, m, k, n, precision: str = "fp32") -> KernelTime:
    """Time of ``g`` sequential dense GEMMs (m × k)·(k × n)."""
    g, m, k, n = (np.asarray(x, dtype=float) for x in (g, m, k, n))
    flops = 2 * g * m * k * n
    working_set = VALUE_BYTES[precision] * (m * k + k * n + m * n)
    t_compute = flops / (cfg.peak_flops(precision) * gemm_efficiency(cfg, m, k, n)
                         * cache_efficiency(cfg, working_set))
    return _roofline(cfg, g, t_compute, flops, g * working_set)


def batched_time(cfg: RooflineConfig, b, m, k, n, precision: str = "fp32",
                 fraction=1.0) -> KernelTime:
    """Time of one batched kernel of ``b`` GEMMs (m × k)·(k × n) of activations, computing
    ``fraction`` of the products (causal masking)."""
    b, m, k, n = (np.asarray(x, dtype=float) for x in (b, m, k, n))
    flops = 2 * b * m * k * n * fraction
    working_set = VALUE_BYTES[precision] * (m * k + k * n + m * n)
    t_compute = flops / (cfg.peak_flops(precision) * gemm_efficiency(cfg, m, k, n, b)
                         * cache_efficiency(cfg, working_set))
    return _roofline(cfg, 1, t_compute, flops, b * working_set)


def vector_time(cfg: RooflineConfig, layer: Layer, batch: int, precision: str = "fp32",
                mode: str = "inference") -> KernelTime:
    """Time of a vector layer (memory-bound kernel with its launch)."""
    passes = 3 if mode == "training" else 1
    flops = np.asarray(layer.vector_flops(batch) * passes, dtype=float)
    nbytes = np.asarray(layer.vector_bytes(batch, VALUE_BYTES[precision]) * passes, dtype=float)
    return _roofline(cfg, passes, flops / (cfg.peak_fp32_flops * cfg.max_efficiency), flops,
                     nbytes)


def nm_time(cfg: RooflineConfig, gemm: Gemm, nm: tuple[int, int], precision: str
            ) -> KernelTime:
    """Dense GEMM shape on sparse tensor cores: ``speedup × peak``, compressed weights."""
    g, m, k, n = (float(x) for x in (gemm.groups, gemm.m, gemm.k, gemm.n))
    v = VALUE_BYTES[precision]
    kept = m * k * nm[0] / nm[1]
    meta_bytes = kept * np.ceil(np.log2(nm[1])) / 8
    flops = 2 * g * kept * n
    working_set = v * (m * k + k * n + m * n)
    t_compute = 2 * g * m * k * n / (cfg.peak_flops(precision) * cfg.sparse_tensor_speedup
                                     * gemm_efficiency(cfg, m, k, n)
                                     * cache_efficiency(cfg, working_set))
    nbytes = g * (v * (kept + k * n + m * n) + meta_bytes)
    return _roofline(cfg, np.asarray(g), np.asarray(t_compute), np.asarray(flops),
                     np.asarray(nbytes))


def csr_time(cfg: RooflineConfig, g, m, k, n, nnz, precision: str = "fp32") -> KernelTime:
    """Time of ``g`` sequential CSR (m × k, ``nnz`` non-zeros each) × dense (k × n)."""
    g, m, k, n, nnz = (np.asarray(x, dtype=float) for x in (g, m, k, n, nnz))
    v = VALUE_BYTES[precision]
    flops = 2 * g * nnz * n
    t_compute = (g * (2 * n * (nnz + cfg.csr_row_overhead * m) + cfg.csr_nnz_overhead * nnz)
                 / (cfg.peak_flops(precision) * cfg.csr_efficiency))
    nbytes = g * ((v + INDEX_BYTES) * nnz + INDEX_BYTES * (m + 1) + v * (k * n + m * n))
    return _roofline(cfg, g, t_compute, flops, nbytes)


def training_gemms(gemms: list[Gemm]) -> list[Gemm]:
    """Forward GEMMs plus their data-gradient and weight-gradient GEMMs."""
    out = []
    for x in gemms:
        out += [x, Gemm(x.groups, x.k, x.m, x.n), Gemm(x.groups, x.m, x.n, x.k)]
    return out


def gemms_time(cfg: RooflineConfig, gemms: list[Gemm], precision: str = "fp32") -> KernelTime:
    """Summed time of a list of dense GEMMs (one vectorized call)."""
    arr = np.array([(x.groups, x.m, x.k, x.n) for x in gemms], dtype=float).T
    t = dense_time(cfg, *arr, precision=precision)
    return KernelTime(t.seconds.sum(), t.flops.sum(), t.bytes.sum(),
                      t.compute_bound[np.argmax(t.seconds)])


def _summed(parts: list[KernelTime]) -> KernelTime:
    longest = int(np.argmax([float(p.seconds) for p in parts]))
    return KernelTime(sum(p.seconds for p in parts), sum(p.flops for p in parts),
                      sum(p.bytes for p in parts), parts[longest].compute_bound)


# ---- layers -------------------------------------------------------------------------------
def layer_kernel(layer: Layer, kernel: str) -> str:
    """``auto`` picks the kernel the workload implies: rank → low rank, nm → N:M,
    weight_density → CSR, row/column sparsity → structured, otherwise dense. Vector and bmm
    layers have one kernel each (``vector``, ``batched``)."""
    if layer.is_vector:
        return "vector"
    if layer.kind == "bmm":
        return "batched"
    if kernel != "auto":
        return kernel
    if layer.rank is not None:
        return "lowrank"
    if layer.nm is not None:
        return "nm"
    if layer.weight_density is not None:
        return "csr"
    if layer.row_sparsity > 0 or layer.col_sparsity > 0:
        return "structured"
    return "dense"


def kernel_gemms(layer: Layer, batch: int, kernel: str) -> list[Gemm]:
    """The dense GEMMs a dense, structured or low-rank kernel runs for ``layer``."""
    if kernel == "dense":
        return [layer.gemm(batch)]
    if kernel == "structured":
        return [layer.compacted_gemm(batch)]
    if layer.rank is None:
        raise EngineError(f"layer {layer.name}: the lowrank kernel needs a 'rank'")
    return list(layer.lowrank_gemms(batch))


def layer_time(cfg: RooflineConfig, layer: Layer, batch: int, kernel: str, mode: str,
               precision: str = "fp32") -> KernelTime:
    """Time of one layer with one kernel in ``inference`` or ``training`` mode."""
    if kernel == "vector":
        return vector_time(cfg, layer, batch, precision, mode)
    if kernel == "batched":
        g = layer.gemm(batch)
        shapes = [(g.m, g.k, g.n)] + ([(g.k, g.m, g.n), (g.m, g.n, g.k)]
                                      if mode == "training" else [])
        parts = [batched_time(cfg, g.groups, *shape, precision, layer.causal_fraction)
                 for shape in shapes]
        return _summed(parts)
    if kernel == "nm":
        if mode == "training":
            raise EngineError(f"layer {layer.name}: the nm kernel is modelled for inference "
                              "only")
        return nm_time(cfg, layer.gemm(batch), layer.nm, precision)
    if kernel == "csr":
        if mode == "training":
            raise EngineError(f"layer {layer.name}: the csr kernel is modelled for inference only")
        g = layer.gemm(batch)
        return csr_time(cfg, g.groups, g.m, g.k, g.n, layer.nonzero_weights / g.groups,
                        precision)
    gemms = kernel_gemms(layer, batch, kernel)
    return gemms_time(cfg, training_gemms(gemms) if mode == "training" else gemms, precision)


def forward_backward_s(cfg: RooflineConfig, workload: Workload, kernel: str = "auto",
                       precision: str = "fp32") -> tuple[np.ndarray, np.ndarray]:
    """Per-layer forward and backward seconds of one training iteration (for the cluster)."""
    fwd, bwd = [], []
    for layer in workload.layers:
        chosen = layer_kernel(layer, kernel)
        if chosen in ("vector", "batched"):
            f = float(layer_time(cfg, layer, workload.batch, chosen, "inference", precision)
                      .seconds)
            total = float(layer_time(cfg, layer, workload.batch, chosen, "training",
                                     precision).seconds)
        else:
            gemms = kernel_gemms(layer, workload.batch, chosen)
            f = gemms_time(cfg, gemms, precision).seconds
            total = gemms_time(cfg, training_gemms(gemms), precision).seconds
        fwd.append(f)
        bwd.append(total - f)
    return np.array(fwd, dtype=float), np.array(bwd, dtype=float)


def kernel_macs(layer: Layer, batch: int, kernel: str) -> float:
    """MACs the kernel does. Low rank: rank·(CHW + N)·H'W' with the layer's total rank, so a
    grouped layer with an odd total rank (S000 Table 3.4) splits it evenly, not rounded."""
    g = layer.gemm(batch)
    if kernel == "lowrank":
        return layer.rank * (g.k + g.m) * g.n
    if kernel in ("csr", "nm"):
        return layer.nonzero_weights * g.n
    if kernel == "batched":
        return g.macs * layer.causal_fraction
    return kernel_gemms(layer, batch, kernel)[0].macs


def total_speedup(time_fractions, speedups) -> float:
    """Whole-network speedup from per-layer speedups weighted by baseline time shares:
    1 / Σ f_l / s_l (Amdahl; reproduces S000 Table 3.6)."""
    f = np.asarray(time_fractions, dtype=float)
    return float(1.0 / np.sum(f / f.sum() / np.asarray(speedups, dtype=float)))


# ---- engine entry point ------------------------------------------------------------------
def _nm_fallback(cfg: RooflineConfig, layer: Layer, precision: str) -> str | None:
    """Why an nm layer cannot run on the sparse tensor cores (None: it can)."""
    pattern = cfg.sparse_pattern(precision)
    if cfg.sparse_tensor_speedup is None:
        return "the device has no sparse tensor cores"
    if pattern is None:
        return f"its sparse tensor cores do not run {precision}"
    if tuple(layer.nm) != pattern:
        return f"its {precision} sparse tensor cores need {pattern[0]}:{pattern[1]}"
    return None


def simulate(arch, workload: Workload, options: dict) -> Result:
    cfg: RooflineConfig = arch.config
    opts = resolve(OPTIONS, options, cfg.device, file=arch.path)
    kernel, mode, precision = opts["kernel"], opts["mode"], opts["precision"]
    peak = cfg.peak_flops(precision)
    clock = cfg.clock_hz
    rows, dense_s, notes = [], [], []
    for layer in workload.layers:
        dtype = layer.dtype or precision
        chosen = layer_kernel(layer, kernel)
        if chosen == "nm":
            reason = _nm_fallback(cfg, layer, dtype) if layer.nm is not None else \
                "it has no nm field"
            if reason is not None:
                notes.append(f"{layer.name}: nm {layer.nm} runs dense: {reason}")
                chosen = "dense"
        base_kernel = chosen if chosen in ("vector", "batched") else "dense"
        t = layer_time(cfg, layer, workload.batch, chosen, mode, dtype)
        base = layer_time(cfg, layer, workload.batch, base_kernel, mode, dtype)
        seconds = float(t.seconds)
        dense_s.append(float(base.seconds))
        vector = chosen == "vector"
        dense_macs = layer.dense_macs(workload.batch) * (3 if mode == "training" else 1)
        effective = 0 if vector else int(t.flops) // 2
        rows.append(LayerResult(
            name=layer.name, kind=layer.kind, dense_macs=dense_macs,
            effective_macs=effective, cycles=int(round(seconds * clock)),
            seconds=seconds, utilization=effective / (seconds * peak / 2),
            bound="compute" if bool(t.compute_bound) else "memory",
            dram_bytes=int(t.bytes),
            extra={"kernel": chosen, "dtype": dtype, "dense_s": float(base.seconds),
                   "speedup": float(base.seconds) / seconds,
                   "ideal_speedup": 1.0 if vector or not dense_macs
                   else dense_macs / kernel_macs(layer, workload.batch, chosen)
                   / (3 if mode == "training" else 1)},
        ))
    speedup = total_speedup(dense_s, [r.extra["speedup"] for r in rows])
    summary = {"device": cfg.device, "mode": mode, "kernel": kernel, "precision": precision,
               "peak_flops": peak, "total_speedup_vs_dense": speedup}
    vector_s = sum(r.seconds for r in rows if r.extra["kernel"] == "vector")
    total_s = sum(r.seconds for r in rows)
    notes = [f"{mode}, {precision}, kernel {kernel}: whole-workload speedup over dense "
             f"{speedup:.2f}x (time-weighted, Amdahl)"] + notes
    if vector_s:
        notes.append(f"vector layers (element-wise, norm, softmax, pool, embedding): "
                     f"{100 * vector_s / total_s:.1f}% of the time, memory-bound")
    return Result(engine=cfg.device, arch=arch.name, workload=workload.name,
                  layers=tuple(rows), peak_macs_per_cycle=peak / 2 / clock, clock_hz=clock,
                  notes=tuple(notes), summary=summary)
