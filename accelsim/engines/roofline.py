"""GPU / CPU roofline engine: dense, structured-sparse, CSR-sparse and low-rank GEMM kernels.

Model (S000 §2.2.1, Table 2.4 and Ch. 3; priors in docs/SOURCES.md §5)
-----------------------------------------------------
Every layer is lowered to GEMMs (Caffe im2col, one GEMM per group; DESIGN.md GEMM view,
``n`` = output pixels × batch). A GEMM of ``g`` groups of ``m × k`` weights times ``k × n``
runs as one kernel whose tiles of all groups share the waves (cuDNN / MKL grouped and
depthwise convolutions; one launch), or, on a device file with ``groups_in_one_kernel:
false`` (S000's Caffe, which loops over the groups: the Table 2.4 devices), as g kernels one
after another, g launches:

    time = max(FLOPs / (P · η(m, k, n)),  bytes / (BW · η_mem)) + launches · t_launch

**Dense GEMM.** FLOPs = 2gmkn, bytes = v·g(mk + kn + mn) for v-byte values. The compute
efficiency is a function of the GEMM's shape: the output is cut into tiles of
``tile_m × tile_n`` (clamped to the matrix: libraries switch to narrow kernels, e.g. GEMV
at n = 1), the tiles run in waves over ``compute_units`` (SMs or cores), and each tile pays
a fixed prologue worth ``k_half`` steps of its k loop:

    tiles = b·⌈m/t_m⌉·⌈n/t_n⌉,  waves = ⌈tiles / U⌉   (b = groups in one kernel)
    η(m, k, n) = η_max · b·(m·n) / (waves · U · t_m · t_n) · k / (k + k_half) · n_t / (n_t + n_half)

with n_t = ⌈n/t_n⌉·t_n the columns the tiles cover. Small matrices under-fill a GPU (few
tiles, a partial last wave) and short k loops are dominated by their prologue; a large GEMM
tends to η_max. ``n_half`` (optional, default 0) is a per-call cost that does not grow with
n, worth n_half columns of FMA work (assumption: a GotoBLAS-style GEMM packs the whole weight
panel once per call whatever n), so a narrow right-hand side (n = 2-30) reaches a fraction
of its rate (measured on this machine's OpenBLAS). The tiles pad the FMA work to n_t columns, not that
per-call cost, so the time is 2·m·k·(n_t + n_half)/(P·…): the earlier form, n/(n + n_half)
times the padded fill, also padded the per-call cost, and made an n = 10 GEMM (tile 8: 16
columns) 1.36× slower than the form here. Chosen on this machine's calibration GEMMs by
leave-one-n-out error (n = 2-30, minima to 18:48: 0.285 against 0.340 for the padded form),
then checked held out: the CSR-beats-dense crossover at n = 10 and the LSTM sweep at batch 10
(reports/validation/grids.md, kernels.md). At
n = 1 the libraries run GEMV instead (OpenBLAS forwards such a GEMM to GEMV since 0.3.27;
cuBLAS and MKL do the same), a memory-bound stream: the narrow-n factor is 1 there.

**Caches** (S000 §2.3 attributes part of SSL's CPU speedup to matrices that shrink into
cache). The cache acts on a kernel's traffic, not on its compute: a blocked GEMM re-reads
its tiles from cache whatever the matrices' size, so its compute rate does not fall when
they outgrow the L2, while a stream (GEMV, narrow GEMMs, CSR, vector kernels) runs at the
rate of the level that holds its working set ws (dense: v(mk + kn + mn); CSR: values,
indices, row pointers and its dense operands; the footprint a repeated call keeps resident):

    rate(ws) = BW · η_mem · (1 + s_3)^[ws ≤ C_3] · (1 + s_2)^[ws ≤ C_2]
    time = max(compute, bytes / rate(ws)) + launches · t_launch

BW · η_mem is the DRAM rate, C_2 (``l2_cache_bytes``) and C_3 (``cache_bytes``) the cache
sizes, s_3 (``cache_spill_penalty``) how much faster the last level streams than DRAM and s_2
(``l2_spill_penalty``) the L2 than the last level (each minus 1: the slow-down a stream
suffers when it spills that level). A step at each size: a stream that outgrows a level
under LRU replacement finds nothing of itself there on its next pass. The sizes are device
facts; s_2, s_3 and this machine's effective last-level size are fitted on its calibration
GEMMs (``accelsim validate calibrate``) and checked, held out, on its measured cache curve
(``accelsim validate grids``); they are priors for the other CPU files, 0 on GPUs (no GPU
curve measured). The L2 is compared with the whole working set, also on a multi-core CPU
whose L2 is per core (assumption, not checked: a kernel split over U cores puts about ws/U
in each core's L2, so the model's L2 step falls at U times too small a working set there).

A Result's ``dram_bytes`` is the traffic streamed at the DRAM rate; a kernel whose working
set a faster level holds is counted as served from cache (column ``cache_served_bytes``) with
no DRAM bytes: the repeated call the cache rates describe finds its data resident (the one
cold read is not modelled). So DRAM bytes / time never exceeds BW · η_mem.

**Structured (SSL).** All-zero rows and columns removed, the rest packed (packing cost
ignored, as S000 does): the dense kernel on m' = round(m(1−row)), k' = round(k(1−col)).

**CSR sparse × dense** (cuSPARSE csrmm / MKL scsrmm / scipy), nnz non-zeros per group:

    FLOPs = 2·g·nnz·n
    compute time = g · (2n · (nnz + r_0 · m) + nnz · (c_nz + c_v · min(n, w))) / (P · η_csr)
    bytes = g · ((v + 4)·nnz + 4(m + 1) + v(kn + mn))      (values, column indices, row pointers,
                                                           the dense input and output)

η_csr is the fraction of peak the irregular gather reaches per non-zero and column; r_0 a
per output element overhead (row-pointer walk, output write) in non-zero equivalents; c_nz a
per-non-zero cost that does not grow with n (loading the value and its column index once);
c_v (``csr_narrow_overhead``) an extra cost per non-zero for each of the first w
(``csr_vector_width``, 16) columns: the inner loop over n runs scalar until it is long enough
to vectorize. The form was chosen on a measured grid (density 1-60%, n = 1-1000, three
shapes; ``validate.grids``) by leave-one-shape-out error: the n-only and row terms alone
miss it by 40-50% (median), the nnz and narrow-n terms bring it to the figure in
reports/validation/grids.md. Terms a device has no data for are 0.

**Low rank** (cross-filter, S000 §3.1): the dense kernel on the two GEMMs of
``Layer.lowrank_gemms``: M basis filters (M × CHW), then a 1×1 layer (N × M).
The ideal speedup = dense MACs / kernel MACs = N·CHW / (M·(CHW + N)) (S000 Table 3.4).

**Batched matmul** (``bmm``, activation × activation, e.g. attention's Q·Kᵀ and A·V): one
kernel over b = heads × batch matrices (cuBLAS strided-batched GEMM), the tiles of all b
filling the waves: ``tiles = b·⌈m/t_m⌉·⌈n/t_n⌉``, one launch. A causal bmm computes only its
visible fraction of the products (a masked kernel such as FlashAttention skips the rest).
The batched kernel may come from another library than the weight GEMMs (on a CPU, torch's
bmm runs MKL while numpy's GEMMs run OpenBLAS): where the arch file gives them, its own
η_max (``batched_efficiency``, relative to the same peak) and narrow-n half
(``batched_n_half``) replace ``max_efficiency`` and ``n_half`` in η; the tile and k-loop
terms are shared (assumption). This machine's are fitted on calibration batched matmuls
(torch.bmm, shapes none of the validation kernels have); without them a bmm takes the GEMM
values (GPUs: cuBLAS runs both).

**Vector layers** (element-wise, normalization, softmax, pooling, embedding) are memory-bound
kernels: time = max(FLOPs / P_vec, bytes / (BW · η_mem)) + t_launch, with bytes =
v·(read + written elements) (``Layer.vector_bytes``) and FLOPs = elements × the kind's
operations per element (``Layer.vector_flops``); they run on the vector (fp32) units whatever
the precision (assumption), at P_vec = ``vector_flops`` where the arch file gives it (a CPU's
is calibrated on synthetic layer-norm and softmax kernels: its exp, reductions and divides
reach a small fraction of the FMA peak), else P_fp32 · η_max. In training their backward
reads the output gradient and the input and writes the input gradient: twice the forward
bytes more. On a device with ``write_allocate`` (CPU caches: an ordinary store first reads
its line, "read for ownership", unless the kernel uses non-temporal stores, which torch's
element-wise kernels do not; STREAM counts 2 words per Copy iteration where a write-allocate
cache moves 3, McCalpin, docs/SOURCES.md §1) every written value is also read: bytes =
v·(read + 2 · written) per pass (assumption: each pass writes ``elements`` values); the
working set that picks the cache level stays the footprint v·(read + written). GPUs' caches
merge partial writes without reading DRAM (no ``write_allocate``).

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
too). CSR trains with a sparse data gradient (Wᵀ, k × m with the same non-zeros, times the
output gradient) and a dense weight gradient masked afterwards (as frameworks train pruned
layers). N:M is modelled for inference only. ``dense MACs`` and ``eff. MACs`` stay the
forward pass's; ``training_macs`` and the utilization count the backward too, and
``ideal_speedup`` is training dense MACs / training kernel MACs.

**Kernel choice.** ``auto`` times every kernel the layer can run (dense; structured with
zero rows/columns; CSR with zero weights; low rank with a rank; N:M where the device's
sparse tensor cores take the layer's pattern and dtype, in inference) and keeps the fastest;
the runner-up and its time are reported. A named kernel runs as asked.

**Whole network.** ``total_speedup`` aggregates per-layer speedups by baseline time shares
(Amdahl, the form that reproduces S000 Table 3.6).

Calibration: every calibrated value, the data it was fitted on and the fitted input range
are in the registry ``accelsim.calibration`` (procedures in ``accelsim.validate.calibrate``).
Per device, the TITAN Black's and the single-thread Xeon E5-2630's shape and CSR parameters
(t_m, t_n, k_half, t_launch, η_csr, r_0) are grid-fitted to S000 Table 2.4 (in-sample; their
leave-one-layer-out errors are on the scoreboard), η_mem and t_launch of the Titan X and
i7-5930K to EIE Table IV. Priors (``calibration.PRIORS``, fitted on nothing): η_max 0.62
for the Kepler-to-Pascal devices (Paleo's platform percent of peak); on the tensor-core
V100, A100 and H100, η_max 0.95 and η_mem 0.90 (Calculon's A100 80 GB derating for
operations of ≥ 128 GFLOP and transfers of ≥ 100 MB) and a 64 × 64 tile (cuBLAS picks among
256 × 128 … 64 × 64 tiles, NVIDIA, Matrix Multiplication Background User's Guide, 2023,
§2.3; with no per-tile reuse term here the 64 × 64 fills the SMs best). The model has one
tile and no split-K, so a GEMM with fewer tiles than SMs under-fills the device more than a
library that splits k would (assumption; no data to check it). Peaks,
bandwidths, unit counts and cache sizes are device facts with their sources in the arch
files. A Result notes where every borrowed or prior value of its device comes from, and
every layer outside the fitted range of the parameters its kernel uses (column
``extrapolation``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from accelsim.engines.ignored import ignored_notes
from accelsim.engines.declared import ROOFLINE as OPTIONS
from accelsim.engines.options import label, resolve
from accelsim.engines.result import LayerResult, Result, safe_ratio
from accelsim.errors import EngineError
from accelsim.model import DTYPE_BYTES, Gemm, Layer, Workload

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
    n_half: float = 0.0
    csr_nnz_overhead: float = 0.0
    csr_narrow_overhead: float = 0.0
    csr_vector_width: int = 16
    cache_bytes: float | None = None        # last-level cache
    cache_spill_penalty: float = 0.0
    l2_cache_bytes: float | None = None     # per compute unit (CPU core) or per device (GPU)
    l2_spill_penalty: float = 0.0
    peak_fp16_flops: float | None = None
    peak_tf32_flops: float | None = None
    peak_bf16_flops: float | None = None
    peak_fp8_flops: float | None = None
    peak_int8_flops: float | None = None   # operations per second
    peak_int4_flops: float | None = None
    sparse_tensor_speedup: float | None = None  # sparse / dense tensor peak (datasheet)
    sparse_nm: tuple[int, int] = (2, 4)
    sparse_dtypes: tuple[str, ...] = ()
    vector_flops: float | None = None  # element-wise rate; default peak_fp32 · η_max
    write_allocate: bool = False  # a store reads its cache line first (CPU caches)
    batched_efficiency: float | None = None  # bmm library's η_max; default max_efficiency
    batched_n_half: float | None = None      # bmm library's n_half; default n_half
    groups_in_one_kernel: bool = True  # False: a grouped conv's groups run one after another
    clock_hz: float = 1.0
    name: str = "device"

    def peak_flops(self, precision: str) -> float:
        peak = getattr(self, f"peak_{precision}_flops", None)
        if peak is None:
            raise EngineError(f"device {self.name} has no {precision} peak (its arch file gives "
                              f"no peak_{precision}_flops): run another precision (option "
                              f"{label('precision')}) or dtype")
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
    bytes: np.ndarray          # all the traffic the kernel streams
    compute_bound: np.ndarray
    dram_bytes: np.ndarray     # the part streamed at the DRAM rate (the rest a cache serves)


def kernel_groups(cfg: RooflineConfig, g):
    """GEMMs that share one kernel's waves, and kernel launches, for ``g`` groups."""
    g = np.asarray(g, dtype=float)
    return (g, np.ones_like(g)) if cfg.groups_in_one_kernel else (np.ones_like(g), g)


def gemm_efficiency(cfg: RooflineConfig, m, k, n, matrices=1, batched: bool = False):
    """η(m, k, n): tile fill over waves of compute units, times the k-loop prologue and the
    narrow-n term;
    ``matrices`` GEMMs of that shape in one (batched) kernel share the waves. An empty GEMM
    gets a one-element GEMM's η: its zero FLOPs then take zero compute time. ``batched``:
    the batched-matmul library's η_max and n_half where the arch gives them."""
    m, k, n, b = (np.maximum(np.asarray(x, dtype=float), 1.0) for x in (m, k, n, matrices))
    top, n_half = cfg.max_efficiency, cfg.n_half
    if batched:
        top = top if cfg.batched_efficiency is None else cfg.batched_efficiency
        n_half = n_half if cfg.batched_n_half is None else cfg.batched_n_half
    tm = np.minimum(cfg.tile_m, m)
    tn = np.minimum(cfg.tile_n, n)
    tiles = b * np.ceil(m / tm) * np.ceil(n / tn)
    waves = np.ceil(tiles / cfg.compute_units)
    fill = b * m * n / (waves * cfg.compute_units * tm * tn)
    padded = np.ceil(n / tn) * tn  # n_t: the columns the tiles cover
    narrow = np.where(n > 1, padded / (padded + n_half), 1.0)  # n = 1: GEMV
    return top * fill * k / (k + cfg.k_half) * narrow


def stream_rate(cfg: RooflineConfig, working_set_bytes):
    """Bytes/s a kernel's traffic streams at: the DRAM rate BW·η_mem, ×(1 + s_3) while the
    working set fits the last-level cache and ×(1 + s_2) more while it fits the L2."""
    ws = np.asarray(working_set_bytes, dtype=float)
    rate = cfg.memory_bandwidth_bytes_per_s * cfg.memory_efficiency * np.ones_like(ws)
    for size, faster in ((cfg.cache_bytes, cfg.cache_spill_penalty),
                         (cfg.l2_cache_bytes, cfg.l2_spill_penalty)):
        if size is not None:
            rate = rate * np.where(ws <= size, 1.0 + faster, 1.0)
    return rate


def _roofline(cfg, launches, t_compute, flops, nbytes, working_set) -> KernelTime:
    """The roofline of one kernel. Its traffic comes from DRAM when it streams at the DRAM
    rate; a working set that a cache level holds (streaming faster) costs no DRAM bytes: the
    repeated call the cache rates describe finds it resident."""
    rate = stream_rate(cfg, working_set)
    t_memory = nbytes / rate
    seconds = np.maximum(t_compute, t_memory) + launches * cfg.launch_overhead_s
    dram_rate = cfg.memory_bandwidth_bytes_per_s * cfg.memory_efficiency
    from_dram = np.where(rate > dram_rate, 0.0, nbytes)
    return KernelTime(seconds, flops, nbytes, t_compute >= t_memory, from_dram)


def dense_working_set_bytes(m, k, n, precision: str = "fp32"):
    """Bytes of one dense GEMM's operands and result, v(mk + kn + mn): the footprint a
    repeated call keeps resident (module docstring, Caches)."""
    return VALUE_BYTES[precision] * (m * k + k * n + m * n)


def dense_time(cfg: RooflineConfig, g, m, k, n, precision: str = "fp32") -> KernelTime:
    """Time of ``g`` dense GEMMs (m × k)·(k × n): one kernel, or one per group
    (:func:`kernel_groups`)."""
    g, m, k, n = (np.asarray(x, dtype=float) for x in (g, m, k, n))
    shared, launches = kernel_groups(cfg, g)
    flops = 2 * g * m * k * n
    working_set = dense_working_set_bytes(m, k, n, precision)
    t_compute = flops / (cfg.peak_flops(precision) * gemm_efficiency(cfg, m, k, n, shared))
    return _roofline(cfg, launches, t_compute, flops, g * working_set, working_set)


def batched_time(cfg: RooflineConfig, b, m, k, n, precision: str = "fp32",
                 fraction=1.0) -> KernelTime:
    """Time of one batched kernel of ``b`` GEMMs (m × k)·(k × n) of activations, computing
    ``fraction`` of the products (causal masking)."""
    b, m, k, n = (np.asarray(x, dtype=float) for x in (b, m, k, n))
    flops = 2 * b * m * k * n * fraction
    working_set = dense_working_set_bytes(m, k, n, precision)
    t_compute = flops / (cfg.peak_flops(precision) * gemm_efficiency(cfg, m, k, n, b,
                                                                      batched=True))
    return _roofline(cfg, 1, t_compute, flops, b * working_set, b * working_set)


def vector_time(cfg: RooflineConfig, layer: Layer, batch: int, precision: str = "fp32",
                mode: str = "inference") -> KernelTime:
    """Time of a vector layer (memory-bound kernel with its launch)."""
    passes = 3 if mode == "training" else 1
    flops = np.asarray(layer.vector_flops(batch) * passes, dtype=float)
    v = VALUE_BYTES[precision]
    footprint = np.asarray(layer.vector_bytes(batch, v), dtype=float)
    nbytes = passes * (footprint + (v * layer.elements * batch if cfg.write_allocate else 0.0))
    rate = cfg.peak_fp32_flops * cfg.max_efficiency if cfg.vector_flops is None \
        else cfg.vector_flops
    return _roofline(cfg, passes, flops / rate, flops, nbytes, footprint)


def nm_time(cfg: RooflineConfig, gemm: Gemm, nm: tuple[int, int], precision: str
            ) -> KernelTime:
    """Dense GEMM shape on sparse tensor cores: ``speedup × peak``, compressed weights."""
    g, m, k, n = (float(x) for x in (gemm.groups, gemm.m, gemm.k, gemm.n))
    v = VALUE_BYTES[precision]
    kept = m * k * nm[0] / nm[1]
    meta_bytes = kept * np.ceil(np.log2(nm[1])) / 8
    flops = 2 * g * kept * n
    working_set = v * (kept + k * n + m * n) + meta_bytes  # the compressed weights it streams
    shared, launches = kernel_groups(cfg, g)
    t_compute = 2 * g * m * k * n / (cfg.peak_flops(precision) * cfg.sparse_tensor_speedup
                                     * gemm_efficiency(cfg, m, k, n, shared))
    return _roofline(cfg, launches, np.asarray(t_compute), np.asarray(flops),
                     np.asarray(g * working_set), np.asarray(working_set))


def csr_time(cfg: RooflineConfig, g, m, k, n, nnz, precision: str = "fp32") -> KernelTime:
    """Time of ``g`` CSR (m × k, ``nnz`` non-zeros each) × dense (k × n), one kernel or one
    per group (:func:`kernel_groups`)."""
    g, m, k, n, nnz = (np.asarray(x, dtype=float) for x in (g, m, k, n, nnz))
    v = VALUE_BYTES[precision]
    flops = 2 * g * nnz * n
    per_nnz = (cfg.csr_nnz_overhead
               + cfg.csr_narrow_overhead * np.minimum(n, cfg.csr_vector_width))
    streamed = (v + INDEX_BYTES) * nnz + INDEX_BYTES * (m + 1)  # read once, in order
    dense_operands = v * (k * n + m * n)  # the gathered input and the output
    t_compute = (g * (2 * n * (nnz + cfg.csr_row_overhead * m) + per_nnz * nnz)
                 / (cfg.peak_flops(precision) * cfg.csr_efficiency))
    footprint = streamed + dense_operands
    return _roofline(cfg, kernel_groups(cfg, g)[1], t_compute, flops, g * footprint, footprint)


def backward_gemms(x: Gemm) -> list[Gemm]:
    """The data-gradient (g, k, m, n) and weight-gradient (g, m, n, k) GEMMs of ``x``."""
    return [Gemm(x.groups, x.k, x.m, x.n), Gemm(x.groups, x.m, x.n, x.k)]


def gemms_time(cfg: RooflineConfig, gemms: list[Gemm], precision: str = "fp32") -> KernelTime:
    """Summed time of a list of dense GEMMs (one vectorized call)."""
    arr = np.array([(x.groups, x.m, x.k, x.n) for x in gemms], dtype=float).T
    t = dense_time(cfg, *arr, precision=precision)
    return KernelTime(t.seconds.sum(), t.flops.sum(), t.bytes.sum(),
                      t.compute_bound[np.argmax(t.seconds)], t.dram_bytes.sum())


def _summed(parts: list[KernelTime]) -> KernelTime:
    longest = int(np.argmax([float(p.seconds) for p in parts]))
    return KernelTime(sum(p.seconds for p in parts), sum(p.flops for p in parts),
                      sum(p.bytes for p in parts), parts[longest].compute_bound,
                      sum(p.dram_bytes for p in parts))


# ---- layers -------------------------------------------------------------------------------
def fixed_kernel(layer: Layer) -> str | None:
    """The one kernel of a layer that has no weights: ``vector`` or ``batched`` (bmm)."""
    if layer.is_vector:
        return "vector"
    return "batched" if layer.kind == "bmm" else None


def candidate_kernels(cfg: RooflineConfig, layer: Layer, mode: str, precision: str
                      ) -> tuple[str, ...]:
    """The kernels ``auto`` times for ``layer`` (module docstring, Kernel choice)."""
    if fixed_kernel(layer):
        return (fixed_kernel(layer),)
    out = ["dense"]
    if layer.row_sparsity > 0 or layer.col_sparsity > 0:
        out.append("structured")
    if layer.density < 1.0:
        out.append("csr")
    if layer.rank is not None:
        out.append("lowrank")
    if layer.nm is not None and mode == "inference" and nm_fallback(cfg, layer,
                                                                    precision) is None:
        out.append("nm")
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


def pass_times(cfg: RooflineConfig, layer: Layer, batch: int, kernel: str,
               precision: str = "fp32") -> tuple[KernelTime, KernelTime]:
    """Forward and backward (data gradient + weight gradient) time of one layer."""
    if kernel == "vector":
        forward = vector_time(cfg, layer, batch, precision)
        total = vector_time(cfg, layer, batch, precision, "training")
        return forward, KernelTime(total.seconds - forward.seconds, total.flops - forward.flops,
                                   total.bytes - forward.bytes, total.compute_bound,
                                   total.dram_bytes - forward.dram_bytes)
    if kernel == "batched":
        g = layer.gemm(batch)
        forward, *backward = [batched_time(cfg, g.groups, *shape, precision,
                                           layer.causal_fraction)
                              for shape in ((g.m, g.k, g.n), (g.k, g.m, g.n), (g.m, g.n, g.k))]
        return forward, _summed(backward)
    if kernel == "nm":
        return nm_time(cfg, layer.gemm(batch), layer.nm, precision), None
    if kernel == "csr":
        g = layer.gemm(batch)
        nnz = layer.nonzero_weights / g.groups
        forward = csr_time(cfg, g.groups, g.m, g.k, g.n, nnz, precision)
        backward = _summed([csr_time(cfg, g.groups, g.k, g.m, g.n, nnz, precision),
                            dense_time(cfg, g.groups, g.m, g.n, g.k, precision)])
        return forward, backward
    gemms = kernel_gemms(layer, batch, kernel)
    backward = [b for x in gemms for b in backward_gemms(x)]
    return gemms_time(cfg, gemms, precision), gemms_time(cfg, backward, precision)


def layer_time(cfg: RooflineConfig, layer: Layer, batch: int, kernel: str, mode: str,
               precision: str = "fp32") -> KernelTime:
    """Time of one layer with one kernel in ``inference`` or ``training`` mode."""
    forward, backward = pass_times(cfg, layer, batch, kernel, precision)
    if mode == "inference":
        return forward
    if backward is None:
        raise EngineError(f"layer {layer.name}: the {kernel} kernel is modelled for inference "
                          "only")
    return _summed([forward, backward])


def choose_kernel(cfg: RooflineConfig, layer: Layer, batch: int, kernel: str, mode: str,
                  precision: str = "fp32") -> tuple[str, str | None, dict[str, KernelTime]]:
    """The kernel that runs ``layer``, the runner-up and the times of those tried.
    ``auto``: the fastest of :func:`candidate_kernels` (a tie keeps the earlier, simpler
    kernel); a named kernel runs as asked, with no runner-up (layers without weights keep
    their one kernel)."""
    names = candidate_kernels(cfg, layer, mode, precision) \
        if kernel == "auto" or fixed_kernel(layer) else (kernel,)
    times = {name: layer_time(cfg, layer, batch, name, mode, precision) for name in names}
    ranked = sorted(names, key=lambda name: float(times[name].seconds))
    return ranked[0], (ranked[1] if len(ranked) > 1 else None), times


def forward_backward_s(cfg: RooflineConfig, workload: Workload, kernel: str = "auto",
                       precision: str = "fp32") -> tuple[np.ndarray, np.ndarray]:
    """Per-layer forward and backward seconds of one training iteration (for the cluster),
    each layer on the kernel :func:`choose_kernel` picks for training."""
    fwd, bwd = [], []
    for layer in workload.layers:
        dtype = layer.dtype or precision
        chosen = choose_kernel(cfg, layer, workload.batch, kernel, "training", dtype)[0]
        forward, backward = pass_times(cfg, layer, workload.batch, chosen, dtype)
        fwd.append(float(forward.seconds))
        bwd.append(float(backward.seconds))
    return np.array(fwd, dtype=float), np.array(bwd, dtype=float)


def training_macs(cfg: RooflineConfig, workload: Workload, kernel: str = "auto",
                  precision: str = "fp32") -> float:
    """MACs one training iteration does on the kernels :func:`forward_backward_s` times
    (forward + backward; a sparse kernel's count, not the dense one)."""
    total = 0.0
    for layer in workload.layers:
        dtype = layer.dtype or precision
        chosen = choose_kernel(cfg, layer, workload.batch, kernel, "training", dtype)[0]
        total += kernel_macs(layer, workload.batch, chosen, "training")
    return total


def kernel_macs(layer: Layer, batch: int, kernel: str, mode: str = "inference") -> float:
    """MACs the kernel does (forward; ``training`` adds the backward GEMMs). Low rank:
    rank·(CHW + N)·H'W' with the layer's total rank, so a grouped layer with an odd total
    rank (S000 Table 3.4) splits it evenly, not rounded. Every backward GEMM of a dense
    kernel has its forward GEMM's MACs; CSR's weight gradient is dense (:func:`pass_times`)."""
    if kernel == "vector":
        return 0.0
    g = layer.gemm(batch)
    if kernel == "lowrank":
        forward = layer.lowrank_macs(batch)
    elif kernel in ("csr", "nm"):
        forward = layer.nonzero_weights * g.n
        if kernel == "csr" and mode == "training":
            return 2 * forward + g.macs
    elif kernel == "batched":
        forward = g.macs * layer.causal_fraction
    else:
        forward = kernel_gemms(layer, batch, kernel)[0].macs
    return forward if mode == "inference" else 3 * forward


def total_speedup(time_fractions, speedups) -> float:
    """Whole-network speedup from per-layer speedups weighted by baseline time shares:
    1 / Σ f_l / s_l (Amdahl; reproduces S000 Table 3.6)."""
    f = np.asarray(time_fractions, dtype=float)
    return float(1.0 / np.sum(f / f.sum() / np.asarray(speedups, dtype=float)))


def extrapolation(fits: dict, layer: Layer, batch: int, kernel: str) -> str:
    """Where ``layer`` lies outside the fitted range of a calibrated parameter its kernel
    depends on (``accelsim.calibration``): '' when inside every range."""
    from accelsim.calibration import outside_range

    if kernel == "vector":
        return "; ".join(outside_range(fits, "vector", {"elements": layer.elements * batch}))
    gemm = layer.compacted_gemm(batch) if kernel == "structured" else layer.gemm(batch)
    inputs = {"m": gemm.m, "k": gemm.k, "n": gemm.n}
    if kernel == "csr":
        inputs["density"] = layer.density
    # lowrank, batched and nm run the dense GEMM's shape model (its tiles, k_half, launch);
    # batched also its library's own terms where they were fitted
    kinds = {"lowrank": ("dense",), "nm": ("dense",), "batched": ("dense", "batched")
             }.get(kernel, (kernel,))
    return "; ".join(miss for kind in kinds for miss in outside_range(fits, kind, inputs))


# ---- engine entry point ------------------------------------------------------------------
def nm_fallback(cfg: RooflineConfig, layer: Layer, precision: str) -> str | None:
    """Why an nm layer cannot run on the sparse tensor cores (None: it can)."""
    pattern = cfg.sparse_pattern(precision)
    if cfg.sparse_tensor_speedup is None:
        return "the device has no sparse tensor cores"
    if pattern is None:
        return f"its sparse tensor cores do not run {precision}"
    if tuple(layer.nm) != pattern:
        return f"its {precision} sparse tensor cores need {pattern[0]}:{pattern[1]}"
    return None


KERNEL_FIELDS = {"dense": (), "structured": ("row_sparsity", "col_sparsity"),
                 "csr": ("weight_density", "row_sparsity", "col_sparsity", "nm"),
                 "lowrank": ("rank",), "nm": ("nm",), "vector": (), "batched": ()}
IGNORED = {
    "weight_density": "runs this layer's kernel on all the weights the zero rows/columns leave",
    "row_sparsity": "runs this layer's kernel on the full rows",
    "col_sparsity": "runs this layer's kernel on the full columns",
    "activation_density": "multiplies zero activations (no GPU/CPU kernel here skips them)",
    "rank": "runs the full-rank weights (the low-rank kernel was not chosen)",
    "nm": "runs the N:M-pruned weights without sparse tensor cores (kernel not chosen or not "
          "available)",
}


def simulate(arch, workload: Workload, options: dict) -> Result:
    cfg: RooflineConfig = arch.config
    opts = resolve(OPTIONS, options, cfg.device, file=arch.path)
    kernel, mode, precision = opts["kernel"], opts["mode"], opts["precision"]
    peak = cfg.peak_flops(precision)
    clock = cfg.clock_hz
    from accelsim.calibration import borrowed_notes, registered

    fits = registered(arch.name, cfg)
    rows, dense_s, notes, chosen_kernels, empty = [], [], [], {}, []
    for layer in workload.layers:
        dtype = layer.dtype or precision
        reason = None
        if not fixed_kernel(layer) and (kernel == "nm" or kernel == "auto"
                                        and layer.nm is not None):
            reason = nm_fallback(cfg, layer, dtype) if layer.nm is not None else \
                "it has no nm field"
            if reason is not None:
                notes.append(f"{layer.name}: nm {layer.nm} cannot use sparse tensor cores "
                             f"({reason}): runs {'dense' if kernel == 'nm' else 'another kernel'}")
        asked = "dense" if kernel == "nm" and reason is not None else kernel
        chosen, runner_up, times = choose_kernel(cfg, layer, workload.batch, asked, mode,
                                                 dtype)
        chosen_kernels[layer.name] = chosen
        base_kernel = fixed_kernel(layer) or "dense"
        t = times[chosen]
        base = times.get(base_kernel) or layer_time(cfg, layer, workload.batch, base_kernel,
                                                    mode, dtype)
        seconds = float(t.seconds)
        dense_s.append(float(base.seconds))
        vector = chosen == "vector"
        effective = int(round(kernel_macs(layer, workload.batch, chosen)))
        kernel_train = kernel_macs(layer, workload.batch, chosen, mode)
        extra = {"kernel": chosen, "runner_up": runner_up,
                 "runner_up_s": None if runner_up is None else float(times[runner_up].seconds),
                 "dtype": dtype, "dense_s": float(base.seconds),
                 "speedup": safe_ratio(float(base.seconds), seconds),
                 "ideal_speedup": 1.0 if vector
                 else safe_ratio(kernel_macs(layer, workload.batch, base_kernel, mode),
                                 kernel_train),
                 "extrapolation": extrapolation(fits, layer, workload.batch, chosen),
                 "cache_served_bytes": int(t.bytes - t.dram_bytes)}
        if not vector and not kernel_train:
            empty.append(layer.name)
        if mode == "training":
            extra["training_macs"] = int(round(kernel_train))
        rows.append(LayerResult(
            name=layer.name, kind=layer.kind, dense_macs=layer.dense_macs(workload.batch),
            effective_macs=effective, cycles=math.ceil(seconds * clock),
            seconds=seconds, utilization=safe_ratio(0.0 if vector else float(t.flops) / 2,
                                                    seconds * peak / 2),
            bound="compute" if bool(t.compute_bound) else "memory",
            dram_bytes=int(t.dram_bytes), extra=extra))
    speedup = safe_ratio(sum(dense_s), sum(r.seconds for r in rows))  # total_speedup, summed
    summary = {"device": cfg.device, "mode": mode, "kernel": kernel, "precision": precision,
               "peak_flops": peak, "total_speedup_vs_dense": speedup}
    vector_s = sum(r.seconds for r in rows if r.extra["kernel"] == "vector")
    total_s = sum(r.seconds for r in rows)
    notes = [f"{mode}, {precision}, kernel {kernel}"
             + (" (per layer the fastest kernel; runner_up: the next fastest)"
                if kernel == "auto" else "")
             + f": whole-workload speedup over dense {speedup:.2f}x (time-weighted, Amdahl)"
             ] + notes
    if mode == "training":
        notes.append("training: dense/eff. MACs are the forward pass; utilization and "
                     "training_macs count the backward GEMMs too")
    if empty:
        notes.append(f"layers {', '.join(empty)}: no MAC left after compaction or pruning "
                     "(only launch and memory time; speedups of 0 there mean undefined)")
    if vector_s:
        notes.append(f"vector layers (element-wise, norm, softmax, pool, embedding): "
                     f"{100 * vector_s / total_s:.1f}% of the time, memory-bound")
    notes += ignored_notes(cfg.device, workload.layers,
                           lambda x: KERNEL_FIELDS[chosen_kernels[x.name]], IGNORED)
    notes += borrowed_notes(arch.name, cfg)
    served = [r.extra["cache_served_bytes"] for r in rows if r.extra["cache_served_bytes"]]
    if served:
        notes.append(f"{len(served)} layer(s) fit a cache: their {sum(served) / 1e6:.3g} MB of "
                     "traffic is served from it, not counted as DRAM bytes (column "
                     "'cache_served_bytes')")
    outside = [r.name for r in rows if r.extra["extrapolation"]]
    if outside:
        notes.append(f"extrapolation: {', '.join(outside)} lie outside the fitted range of "
                     "calibrated parameters (column 'extrapolation')")
    return Result(engine=cfg.device, arch=arch.name, workload=workload.name,
                  layers=tuple(rows), peak_macs_per_cycle=peak / 2 / clock, clock_hz=clock,
                  notes=tuple(notes), summary=summary)
