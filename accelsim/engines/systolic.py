"""Systolic-array engine: an R × C array of MACs with weight-, output- or input-stationary dataflow.

Model (SCALE-Sim: Samajdar et al., "A Systematic Methodology for Characterizing Scalability of
DNN Accelerators using SCALE-Sim", ISPASS 2020, §III; closed forms read from its source,
``scalesim`` 3.0.0 on PyPI, ``compute/systolic_compute_{ws,os,is}.py`` and ``memory/``)
------------------------------------------------------------------------------------------
Each (group of a) layer is its GEMM (DESIGN.md): an ``M × K`` weight matrix (M filters, window
K) times ``K × N`` (N output pixels × batch). A dataflow maps two GEMM dimensions onto the array
(spatial ``S_r`` rows, ``S_c`` columns) and streams the third (temporal ``T``):

    ws: S_r = K, S_c = M, T = N      os: S_r = N, S_c = M, T = K      is: S_r = K, S_c = N, T = M

The array works in folds of ``R × C``: ``F_r = ⌈S_r/R⌉``, ``F_c = ⌈S_c/C⌉``; each fold loads
(ws, is: the stationary operand, R cycles), streams T vectors and fills/drains the skewed
array, so

    compute cycles = F_r · F_c · (2R + C + T − 2)   (ws, is)
                     F_r · F_c · ( R + C + T − 2)   (os: nothing to preload)

SRAM accesses (words; every operand word the array consumes is one SRAM read, every output or
partial sum one write): ws — ifmap ``F_c·N·K``, filter ``K·M``, ofmap ``F_r·N·M``; os — ifmap
``F_c·K·N``, filter ``F_r·K·M``, ofmap ``N·M``; is — ifmap ``K·N``, filter ``F_c·M·K``, ofmap
``F_r·N·M``. Mapping efficiency is the mean over folds of the PEs mapped
(``S_r·S_c / (F_r·R·F_c·C)``), compute utilization that times ``T / cycles per fold``.

**DRAM and stalls** (SCALE-Sim's double-buffered scratchpads, in closed form). Each SRAM has
its own DRAM port with a third of the DRAM bandwidth: ``b`` words per cycle (the arch gives
the bandwidth per second or per cycle; a clock change keeps the form given). A read SRAM of
``2A`` words serves from an active half of A words while the other half prefetches; the
array starts once the first A words (or the whole stream, if shorter) have arrived on both
read ports: ``fill_cycles``, the larger of the two fills at b. An operand streams its operand matrix (ifmap: the im2col matrix,
``N·K`` words, as SCALE-Sim fetches it) in order: ws ifmap F_c passes, os ifmap F_c passes, is
filter F_c passes, others one; the os filter instead reads each column fold's ``K·C`` words F_r
times in a row. The stream is cut in sets of 1 % of the SRAM; the active window holds the
``w = ⌈A/set⌉`` sets that cover A words, so a stream of at most w sets is fetched once, however
often it is read. Otherwise a refill (A words in ``A/b``
cycles, refills back to back) advances it by the other half, forward only, round the stream.
So a pass is a forward sweep, and a re-read of a column fold that the window does not hold
where it stands goes once round the whole stream (the first 4 column folds are followed
one by one, the rest extrapolated at their mean rate; folds larger than the window always go
round). With n refills and F words read, the port
alone needs ``n·A/b + compute·(words read from the first that needs the last refill)/F``
cycles: refills run back to back from the start, and the array waits for the last only
when it reaches that word (in an os fold re-read, the sets the window already holds are read
first; past the followed folds, as far into the last fold as in the last followed one; folds
larger than the window: the last fold's reads).

The ofmap SRAM (``A_o`` bytes per half) takes the array's writes: the outputs (``N·M``) at
``word_bytes`` and the partial sums of all but the last row fold (ws, is: ``(F_r − 1)·N·M``)
at ``accumulator_bits`` (SCALE-Sim has one word size: its comparison runs with 8-bit
accumulators); its port and the equations below count bytes, W in all. It takes them at
``r = W/compute`` bytes per cycle and drains a half (``A_o/b`` cycles) whenever it holds more
than that and no drain is under way; a drain frees its half at once, so the array stalls only
when the SRAM fills mid-drain. That first happens after ``t_s = A_o/r + A_o/(r − b)`` cycles
(never if r ≤ b); from then on writes go at b, so the port needs ``t_s + (W − r·t_s)/b``
cycles when ``W > r·t_s``. The array runs for the largest of compute and the three ports'
needs (stall cycles = that − compute cycles: SCALE-Sim's "Total Cycles"); the last, partial
ofmap half (``W − A_o·⌊(W−1)/A_o⌋`` bytes) drains after it stops, and the port cannot finish
before all W writes have crossed it (``W/b``): ``drain_cycles``, the cycles past the array's.
So cycles = fill + compute + stalls + drain, and a layer is never faster than its DRAM
traffic (every fetched word crosses its port at b after the fill starts) nor than its PEs.
SCALE-Sim counts the fill and the last write-back only in its "Total Cycles (incl.
prefetch)"; the fill and drain here are lower bounds of its: on the 45 reference layers where
neither stalls, cycles miss that column by median 3.8 % (never above it, worst −24 %), against
40 % for compute + stalls alone. Counting them matters for design sweeps: without them a layer
that fetches its operands once could beat the DRAM (large SRAMs got the fill for free).
``bound_port`` is ``compute`` when every port's traffic takes at most the compute cycles,
else the port whose fill, stalls and drain end last. A grouped layer runs its groups in turn,
each with its own fill and drain.

**Sparsity.** Structured (SSL) rows and columns are compacted before mapping (``M'``, ``K'``).
N:M weights (``nm``) are compacted along K (``K'' = ⌈K'·N/M⌉``: the array skips each group's
zeros, a multiplexer picks the matching ifmap row), with ``⌈log2 M⌉`` index bits per kept
weight streamed with the filter. Other (unstructured) zeros, zero activations, a low
``rank`` and a per-layer ``dtype`` are not exploited by a dense array: each is named in the
Result's notes. Any GEMM runs (conv, fc, lstm, matmul, bmm: an activation ×
activation product streams its second operand through the filter SRAM); vector layers
(element-wise, norms, pooling, ...) have no unit and are listed in the notes with their share.
``dataflow: auto`` picks the fastest dataflow per layer (ties: ws,
os, is) and reports it.

**Compiled** with numba, without fast-math: fold and set counts are ceilings of quotients,
which a reciprocal rewrite (``x·(1/y)``) can push past a whole number (⌈1116/186⌉ = 7). Every
count is a float64 (exact below 2^53; a layer at the workload schema's bounds has 2^64 SRAM
reads, which int64 wraps round), on both the single-point and the batch path.

**Energy** (:mod:`accelsim.engines.energy`): effective MACs × a ``word`` multiply plus an
``accumulator_bits`` add; each SRAM access of one word (a partial sum: one accumulator) at
that SRAM's size; DRAM bytes (partial sums at accumulator width).
Static power is not modelled.

**Where it differs from SCALE-Sim 3.0.0** (checked in ``tests/engines/test_systolic.py``
against its committed outputs, ``tests/data/scalesim``): its "Total Cycles" counts cycles from
zero (compute cycles here = its total − stalls + 1); its os ofmap write count adds each fold's
padded ``R + C`` (an artefact of its counter, not a write); its ws/is compute utilization
divides by ``2R + 2C + T − 3`` cycles per fold instead of the cycles it counts; it sizes a conv
ofmap ``⌈(in − k + s)/s⌉`` (its topology rows are cropped to match). Its stalls come from a
cycle-by-cycle replay of the address trace, and 3.0.0 counts a late prefetch's wait twice
(fixed upstream in commit 22f88b1, after that release): totals are compared with the fixed
run. Its DRAM counts include padding words of partial folds, not counted here. It also
reads some streams partly backwards — each fold of the stationary operand (ws filter, is
ifmap) row-reversed, and skewed streams a few rows back at fold boundaries — so when a refill
boundary falls inside such a fold its forward-only window goes round the whole stream once
more; not modelled, so there the engine is faster than SCALE-Sim (the tests xfail those layers,
each showing at least one more half-buffer refill in SCALE-Sim's own DRAM count).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from accelsim.engines.energy import EnergyTable
from accelsim.engines.ignored import below, ignored_notes
from accelsim.engines.jit import njit
from accelsim.engines.declared import DATAFLOWS
from accelsim.engines.declared import SYSTOLIC as OPTIONS
from accelsim.engines.options import resolve
from accelsim.engines.result import LayerResult, Result
from accelsim.errors import EngineError
from accelsim.model import Gemm, Layer, Workload
from accelsim.model.layer import GEMM_KINDS

# one layer's figures, in the order the compiled kernel returns them
FIGURES = ("cycles", "compute_cycles", "stall_cycles", "fill_cycles", "drain_cycles", "folds",
           "mapping_efficiency", "compute_utilization", "ifmap_sram_reads", "filter_sram_reads",
           "ofmap_sram_writes", "ifmap_dram_reads", "filter_dram_reads", "ofmap_dram_writes",
           "bound_port")
BOUNDS = ("compute", "ifmap", "filter", "ofmap")  # bound_port indexes this
_EXACT_BLOCKS = 4  # os filter column folds followed one by one; more are extrapolated
_CHUNK_POINTS = 1 << 15  # design points per batch-kernel call (its arrays stay in cache)


@dataclass(frozen=True)
class SystolicConfig:
    clock_hz: float
    rows: int
    cols: int
    ifmap_sram_bytes: int
    filter_sram_bytes: int
    ofmap_sram_bytes: int
    energy: EnergyTable
    dataflow: str = "ws"
    word_bytes: int = 1
    accumulator_bits: int = 32
    # the three ports' DRAM bandwidth together, as the arch gives it (exactly one): a clock
    # change keeps the one given, as rebuilding the arch from its changed file does
    dram_bandwidth_bytes_per_s: float | None = None
    dram_bytes_per_cycle: float | None = None

    def __post_init__(self):
        if (self.dram_bandwidth_bytes_per_s is None) == (self.dram_bytes_per_cycle is None):
            raise EngineError("give exactly one of dram_bandwidth_bytes_per_s and "
                              "dram_bytes_per_cycle")
        for name, words in zip(("ifmap_sram_bytes", "filter_sram_bytes", "ofmap_sram_bytes"),
                               _sram_words(self)):
            if np.any(words < 2):
                raise EngineError(f"{name} holds fewer than 2 words (word_bytes; the ofmap "
                                  "SRAM: accumulator_bits): a double buffer needs one in "
                                  "each half", field=f"systolic.{name}")

    @property
    def pes(self) -> int:
        return self.rows * self.cols

    @property
    def dram_rate_bytes_per_cycle(self) -> float:
        """All three ports' DRAM bytes per cycle at this clock (arrays broadcast)."""
        if self.dram_bytes_per_cycle is not None:
            return self.dram_bytes_per_cycle
        return self.dram_bandwidth_bytes_per_s / np.asarray(self.clock_hz, dtype=np.float64)

    @property
    def accumulator_bytes(self) -> float:
        return self.accumulator_bits / 8

    @property
    def port_words_per_cycle(self) -> float:
        """Operand words per cycle on a read (ifmap or filter) port."""
        return self.dram_rate_bytes_per_cycle / 3 / self.word_bytes



def _sram_words(cfg: SystolicConfig) -> tuple:
    """Sizes of the three SRAMs in words: operand words, and accumulator words for the ofmap
    SRAM, which must hold partial sums (arrays broadcast)."""
    return (np.floor(np.asarray(cfg.ifmap_sram_bytes) / cfg.word_bytes),
            np.floor(np.asarray(cfg.filter_sram_bytes) / cfg.word_bytes),
            np.floor(np.asarray(cfg.ofmap_sram_bytes) / cfg.accumulator_bytes))


def dram_bytes(cfg: SystolicConfig, read_words, ofmap_words, final_words):
    """DRAM bytes: ifmap and filter words read and final outputs written at ``word_bytes``,
    the other ofmap writes (partial sums) at accumulator width (arrays broadcast)."""
    return ((read_words + final_words) * cfg.word_bytes
            + (ofmap_words - final_words) * cfg.accumulator_bytes)


def energy_j(cfg: SystolicConfig, macs, if_reads, f_reads, of_writes, final_writes,
             n_dram_bytes):
    """Dynamic energy: MACs, SRAM accesses by SRAM size (partial sums at accumulator width)
    and DRAM bytes (arrays broadcast)."""
    e, bits = cfg.energy, 8 * np.asarray(cfg.word_bytes)
    acc = np.asarray(cfg.accumulator_bits)
    return (macs * e.mac_j(bits, acc) + if_reads * e.sram_j(bits, cfg.ifmap_sram_bytes)
            + f_reads * e.sram_j(bits, cfg.filter_sram_bytes)
            + final_writes * e.sram_j(bits, cfg.ofmap_sram_bytes)
            + (of_writes - final_writes) * e.sram_j(acc, cfg.ofmap_sram_bytes)
            + e.dram_j(n_dram_bytes))


# ---- the layer as the array sees it -------------------------------------------------------
@dataclass(frozen=True)
class Mapping:
    """A layer as the array runs it: its compacted GEMM (``gemm.groups`` of them in turn; N:M
    compacts ``gemm.k`` too) and the filter words per weight (1 + N:M index bits / word bits)."""

    gemm: Gemm
    filter_words_per_weight: float
    index_bits: int


def mapping(layer: Layer, batch: int, word_bytes: int) -> Mapping:
    g = layer.compacted_gemm(batch)
    if layer.nm is None:
        return Mapping(g, 1.0, 0)
    keep, group = layer.nm
    index_bits = max(1, math.ceil(math.log2(group)))
    return Mapping(replace(g, k=math.ceil(g.k * keep / group)),
                   1.0 + index_bits / (8 * word_bytes), index_bits)


# ---- closed forms (compiled; one design point per call) -----------------------------------
@njit(cache=True, inline="always", error_model="numpy")
def _advance(end, w, d):
    """Refills until offset ``end`` (sets ahead of the window's start, unrolled) is in a
    window of ``w`` sets that advances ``d`` sets per refill."""
    return 0.0 if end < w else np.floor((end - w) / d) + 1  # counts: exact quotients


@njit(cache=True, inline="always", error_model="numpy")
def _offset(a, start, sets):
    """``(a − start) mod sets`` for two sets of the circle (both in ``[0, sets)``)."""
    x = a - start
    return x + sets if x < 0 else x


@njit(cache=True, inline="always", error_model="numpy")
def _wrap(x, sets):
    """``x mod sets`` for ``x ≥ 0`` a few times round at most (no division)."""
    while x >= sets:
        x -= sets
    return x


@njit(cache=True, inline="always", error_model="numpy")
def _repeated_read(a, b, times, start, w, d, sets):
    """Refills to read sets ``[a, b)`` ``times`` times in a row through the window (``w`` sets
    from set ``start``, advancing ``d``, on a circle of ``sets``), its new start, and where
    the last of them was first needed: the read (from 0) and the set, or read −1 if none. The
    window only moves forward: a re-read of a block that does not fit it goes once around the
    circle, so the reads are one forward sweep to the last read's end. A refill is needed when
    the read reaches the first set past the window (``w + (i − 1)·d`` sets after its start
    for the i-th), or at the read's first set when the window has to come round to it."""
    span = b - a
    need_read, need_set = -1, a
    k = _advance(_offset(a, start, sets), w, d)  # bring the block's first set in
    if k > 0:
        need_read = 0
    start = _wrap(start + k * d, sets)
    off = _offset(a, start, sets)
    first = _advance(off + (span - 1), w, d)  # and the rest of it
    if first > 0:
        need_read, need_set = 0, a + max(0, w + (first - 1) * d - off)
    start = _wrap(start + first * d, sets)
    k += first
    left, tried = times - 1, 0
    while left > 0:
        off = _offset(a, start, sets)
        end = off + (span - 1)
        if end < w:  # the window holds the whole block: the other re-reads are free
            break
        tried += 1
        read = times - left
        if tried > 3:  # still round after three re-reads: assume every one goes round
            more = _advance(end + (left - 1) * sets, w, d)
            at = max(0, w + (more - 1) * d - off)  # unrolled: re-read i spans sets i·sets...
            i = min(np.floor(at / sets), left - 1)
            need_read, need_set = read + i, a + min(at - i * sets, span - 1)
            left = 0
            start = (start + more * d) % sets
        else:  # one re-read: round the stream to the block, and through it
            more = _advance(end, w, d)
            need_read, need_set = read, a + min(max(0, w + (more - 1) * d - off), span - 1)
            left -= 1
            start = _wrap(start + more * d, sets)
        k += more
    return k, start, need_read, need_set


@njit(cache=True, inline="always", error_model="numpy")
def _window(sram_words, words_per_cycle):
    """A read SRAM's double buffer, fixed per design point: active and prefetch halves
    (words), the words per set (1 % of the SRAM), the window and its advance in sets (before
    capping at the stream's sets) and the initial fill's cycles."""
    active = np.ceil(sram_words / 2)
    per_set = np.ceil(sram_words / 100)
    prefetch = sram_words - active
    return (active, per_set, prefetch, np.ceil(active / per_set),
            np.ceil(prefetch / per_set), active / words_per_cycle)


@njit(cache=True, inline="always", error_model="numpy")
def _read_port(stream, block, reads, passes, window, words_per_cycle, compute):
    """A read port streaming ``passes`` times over ``stream`` words cut in blocks of ``block``
    words, each read ``reads`` times in a row, through a ``_window``: words fetched, the cycles
    the port alone needs and the initial fill's cycles (model in the module docstring)."""
    active, per_set, prefetch, w_sets, d_sets, fill = window
    sets = np.ceil(stream / per_set)
    if sets <= w_sets:  # the window holds the whole stream: fetched once
        return float(stream), float(compute), stream / words_per_cycle
    w, d = w_sets, min(d_sets, sets - w_sets)  # d ≥ 1
    fetched = passes * reads * stream
    if block >= stream:  # whole passes: one forward sweep over passes × sets
        refills = _advance(passes * reads * sets - 1, w, d)
        after_last = max(0.0, fetched - refills * prefetch)  # words read after the last refill
    else:
        refills, start, blocks = 0.0, 0.0, np.ceil(stream / block)
        exact = min(blocks, _EXACT_BLOCKS)
        if block >= w * per_set:  # no fold fits the window: each re-read goes round
            exact = 0
            refills = _advance(sets + blocks * (reads - 1) * sets - 1, w, d)
        last_block = stream - (blocks - 1) * block
        after_last = reads * last_block  # the last block's reads, unless placed below
        into_block = -1.0  # reads of its block before the last refill was needed
        for j in range(int(exact)):
            length = min((j + 1) * block, stream) - j * block
            a = np.floor(j * block / per_set)
            b = np.floor((j * block + length - 1) / per_set) + 1
            k, start, need_read, need_set = _repeated_read(a, b, reads, start, w, d, sets)
            refills += k
            if need_read >= 0:
                into_block = need_read * length + min(max(0.0, need_set * per_set
                                                               - j * block), length)
                after_last = fetched - (j * reads * block + into_block)
        if 0 < exact < blocks:  # the rest at the mean rate of the exact ones, the last
            refills = np.ceil(refills * blocks / exact)  # refill as far into the last block
            if into_block >= 0:
                after_last = reads * last_block - min(into_block, reads * last_block)
    need = refills * prefetch / words_per_cycle + compute * after_last / fetched
    return float(active + refills * prefetch), max(need, float(compute)), fill


@njit(cache=True, inline="always", error_model="numpy")
def _write_port(writes, half, words_per_cycle, compute):
    """Cycles the ofmap port alone needs while the array runs (docstring: no stall until the
    buffer overflows), and the words of the last (partial) half, which drain after it."""
    last = writes - half * np.floor((writes - 1) / half)  # 1…half words
    rate = writes / compute
    if rate > words_per_cycle:
        first_stall = half / rate + half / (rate - words_per_cycle)
        if writes > rate * first_stall:
            return first_stall + (writes - rate * first_stall) / words_per_cycle, last
    return compute, last


@njit(cache=True, inline="always", error_model="numpy")
def layer_figures(df, r, c, m, k, n, filter_wpw, if_window, f_window, of_sram_bytes, wpc,
                  word_bytes, acc_bytes):
    """FIGURES of one group's GEMM (m × k by k × n) with dataflow index ``df`` (DATAFLOWS)
    and the read SRAMs' ``_window``s, as a tuple (no allocation: the batch kernel calls it
    per point and layer)."""
    if m == 0 or k == 0 or n == 0:
        return (0.0,) * 14 + (0.0,)
    if df == 0:
        sr, sc, t = k, m, n
    elif df == 1:
        sr, sc, t = n, m, k
    else:
        sr, sc, t = k, n, m
    fr = np.ceil(sr / r)
    fc = np.ceil(sc / c)
    per_fold = (r if df == 1 else 2 * r) + c + t - 2
    compute = float(fr * fc * per_fold)
    mapping_eff = sr * sc / (fr * r * fc * c)
    filter_stream = k * m * filter_wpw
    f_block, f_reads_per_block = filter_stream, 1  # os re-reads each column fold F_r times
    if df == 0:
        if_reads, f_reads, of_writes = fc * n * k, k * m, fr * n * m
        if_passes, f_passes = fc, 1
    elif df == 1:
        if_reads, f_reads, of_writes = fc * k * n, fr * k * m, n * m
        if_passes, f_passes = fc, 1
        f_block, f_reads_per_block = k * c * filter_wpw, fr
    else:
        if_reads, f_reads, of_writes = k * n, fc * m * k, fr * n * m
        if_passes, f_passes = 1, fc
    if_dram, if_need, if_fill = _read_port(k * n, k * n, 1, if_passes, if_window, wpc, compute)
    f_dram, f_need, f_fill = _read_port(filter_stream, f_block, f_reads_per_block, f_passes, f_window,
                                wpc, compute)
    # the ofmap port in bytes: final outputs at word_bytes, partial sums at accumulator width
    port_bytes = wpc * word_bytes
    of_bytes = n * m * word_bytes + (of_writes - n * m) * acc_bytes
    of_need, of_last = _write_port(of_bytes, of_sram_bytes / 2, port_bytes, compute)
    array = np.ceil(max(compute, if_need, f_need, of_need))  # compute + stalls
    fill = np.ceil(max(if_fill, f_fill))  # both read ports fill at once, before the array
    # the last half drains once the array stops; every write crosses the port
    of_end = max(array + of_last / port_bytes, of_bytes / port_bytes)
    drain = np.ceil(of_end) - array
    # memory bound when a port's own traffic takes longer than the compute; then the port
    # whose fill, stalls and drain take longest
    bound = 0
    if max(max(if_dram, f_dram) / wpc, of_bytes / port_bytes) > compute:
        bound, port = 1, if_fill + if_need
        if f_fill + f_need > port:
            bound, port = 2, f_fill + f_need
        if of_end > port:
            bound = 3
    return (fill + array + drain, compute, array - compute, fill, drain, fr * fc, mapping_eff,
            mapping_eff * t / per_fold, float(if_reads), f_reads * filter_wpw,
            float(of_writes), if_dram, f_dram, float(of_writes), float(bound))


def run_mapping(cfg: SystolicConfig, m: Mapping, dataflow: str) -> tuple[str, dict]:
    """The dataflow used (``auto``: the fastest) and one layer's figures, groups included."""
    if_words, f_words, _ = _sram_words(cfg)
    wpc = cfg.port_words_per_cycle
    if_window, f_window = _window(if_words, wpc), _window(f_words, wpc)
    choices = DATAFLOWS if dataflow == "auto" else (dataflow,)
    g, best = m.gemm, None
    for name in choices:
        f = layer_figures(DATAFLOWS.index(name), *(float(x) for x in (
            cfg.rows, cfg.cols, g.m, g.k, g.n)), m.filter_words_per_weight, if_window,
            f_window, float(cfg.ofmap_sram_bytes), wpc, float(cfg.word_bytes),
            cfg.accumulator_bytes)
        if best is None or f[0] < best[1][0]:
            best = (name, f)
    name, f = best
    figures = dict(zip(FIGURES, f))
    for key in FIGURES:
        if key not in ("mapping_efficiency", "compute_utilization", "bound_port"):
            figures[key] *= g.groups
    return name, figures


# ---- engine entry points ------------------------------------------------------------------
IGNORED = {
    "weight_density": "multiplies the zeros that SSL rows and columns and N:M groups leave (a "
                      "dense array has no sparse indexing)",
    "activation_density": "multiplies zero activations (no zero skipping)",
    "rank": "runs the full-rank weights (no low-rank mapping)",
}


def exploited(layer: Layer) -> tuple[str, ...]:
    """SSL's zero rows and columns (compacted before mapping) and, on an N:M layer, the
    weight density N:M leaves (its zeros are skipped)."""
    fields = ("row_sparsity", "col_sparsity")
    if layer.nm is not None and layer.weight_density is not None and not below(
            layer.weight_density, layer.structured_density * layer.nm[0] / layer.nm[1]):
        fields += ("weight_density",)
    return fields


def simulate(arch, workload: Workload, options: dict) -> Result:
    cfg: SystolicConfig = arch.config
    dataflow = resolve(OPTIONS, options, "systolic", file=arch.path)["dataflow"] or cfg.dataflow
    workload, skipped = workload.runnable(GEMM_KINDS, "systolic")
    rows, notes = [], list(skipped)
    for layer in workload.layers:
        m = mapping(layer, workload.batch, cfg.word_bytes)
        g = m.gemm
        used, f = run_mapping(cfg, m, dataflow)
        cycles = int(f["cycles"])
        finals = g.groups * g.m * g.n  # outputs; the other ofmap writes are partial sums
        n_bytes = dram_bytes(cfg, f["ifmap_dram_reads"] + f["filter_dram_reads"],
                             f["ofmap_dram_writes"], finals)
        bound = BOUNDS[int(f.pop("bound_port"))]
        rows.append(LayerResult(
            name=layer.name, kind=layer.kind, dense_macs=layer.dense_macs(workload.batch),
            effective_macs=g.macs, cycles=cycles, seconds=cycles / cfg.clock_hz,
            utilization=g.macs / (cycles * cfg.pes) if cycles else 0.0,
            bound="compute" if bound == "compute" else "memory",
            dram_bytes=int(round(n_bytes)),
            energy_j=float(energy_j(cfg, g.macs, f["ifmap_sram_reads"], f["filter_sram_reads"],
                                    f["ofmap_sram_writes"], finals, n_bytes)),
            extra={"dataflow": used, "bound_port": bound, "gemm_m": g.m, "gemm_k": g.k,
                   "gemm_n": g.n, "groups": g.groups,
                   "index_bytes": g.weights * m.index_bits / 8,
                   **{k: (int(v) if k not in ("mapping_efficiency", "compute_utilization")
                          else v) for k, v in f.items()}}))
    notes += ignored_notes("systolic", workload.layers, exploited, IGNORED)
    notes += workload.field_notes("systolic", "compacted along K (the array skips each "
                                  "group's zeros; index bits stream with the weights)")
    used = sorted({r.extra["dataflow"] for r in rows})
    notes.insert(0, f"{cfg.rows}x{cfg.cols} array, dataflow {dataflow}"
                 + (f" (chose {', '.join(used)})" if dataflow == "auto" else "")
                 + f"; SRAM ifmap/filter/ofmap {cfg.ifmap_sram_bytes}/{cfg.filter_sram_bytes}/"
                 f"{cfg.ofmap_sram_bytes} B; DRAM {cfg.dram_rate_bytes_per_cycle:.3g} B/cycle")
    return Result(engine="systolic", arch=arch.name, workload=workload.name, layers=tuple(rows),
                  peak_macs_per_cycle=cfg.pes, clock_hz=cfg.clock_hz, notes=tuple(notes),
                  summary={"pes": cfg.pes, "rows": cfg.rows, "cols": cfg.cols,
                           "dataflow": dataflow,
                           "sram_bytes": cfg.ifmap_sram_bytes + cfg.filter_sram_bytes
                           + cfg.ofmap_sram_bytes})


# ---- many design points at once (sweeps) --------------------------------------------------
@njit(cache=True, inline="always", error_model="numpy")
def _by_dataflow(df):
    """Point indices grouped by dataflow (a stable counting sort): the kernel then runs one
    dataflow's branches for many points in a row, which the processor predicts (random
    dataflows made it miss one branch in several)."""
    starts = np.zeros(len(DATAFLOWS) + 2, dtype=np.int64)  # auto is index 3
    for p in range(df.size):
        starts[df[p] + 1] += 1
    for d in range(1, starts.size):
        starts[d] += starts[d - 1]  # starts[d]: the points before dataflow d's
    order = np.empty(df.size, dtype=np.int64)
    for p in range(df.size):
        order[starts[df[p]]] = p
        starts[df[p]] += 1
    return order


@njit(cache=True, error_model="numpy")
def _batch_kernel(shapes, counts, df, rows, cols, if_words, f_words, of_bytes, wpc, wb, ab):
    """Per design point: sums over the layers (``shapes`` rows m, k, n, filter words per
    weight, groups; each ``counts`` times) of cycles, stall cycles, SRAM accesses per
    operand, DRAM words read, final outputs and Σ utilization; ``df`` 3 means auto (fastest
    per layer)."""
    out = np.zeros((8, df.size))
    for p in _by_dataflow(df):
        r, c, of_b, port, w_b, a_b = rows[p], cols[p], of_bytes[p], wpc[p], wb[p], ab[p]
        if_window, f_window = _window(if_words[p], port), _window(f_words[p], port)
        first, last = (0, 3) if df[p] == 3 else (df[p], df[p] + 1)
        cycles = stalls = if_reads = f_reads = of_writes = read_dram = finals = util = 0.0
        for j in range(shapes.shape[0]):
            m, k, n, fwpw, groups = shapes[j, 0], shapes[j, 1], shapes[j, 2], shapes[j, 3], \
                shapes[j, 4]
            best = layer_figures(first, r, c, m, k, n, fwpw, if_window, f_window, of_b, port,
                                 w_b, a_b)
            for d in range(first + 1, last):
                f = layer_figures(d, r, c, m, k, n, fwpw, if_window, f_window, of_b, port,
                                  w_b, a_b)
                if f[0] < best[0]:
                    best = f
            weight = counts[j] * groups
            cycles += weight * best[0]
            stalls += weight * best[2]
            if_reads += weight * best[8]
            f_reads += weight * best[9]
            of_writes += weight * best[10]
            read_dram += weight * (best[11] + best[12])
            finals += weight * m * n
            if best[0] > 0:
                util += counts[j] * m * k * n / (best[0] * (r * c))
        out[0, p], out[1, p], out[2, p], out[3, p] = cycles, stalls, if_reads, f_reads
        out[4, p], out[5, p], out[6, p], out[7, p] = of_writes, read_dram, finals, util
    return out


def _shape_table(workload: Workload, word_bytes) -> tuple[np.ndarray, np.ndarray, list]:
    """The distinct per-group GEMMs of ``workload`` (rows m, k, n, filter words per weight,
    groups), how often each occurs, and every layer's Mapping."""
    maps = [mapping(layer, workload.batch, word_bytes) for layer in workload.layers]
    keys = [(m.gemm.m, m.gemm.k, m.gemm.n, m.filter_words_per_weight, m.gemm.groups)
            for m in maps]
    distinct = list(dict.fromkeys(keys))
    counts = np.array([keys.count(key) for key in distinct], dtype=np.float64)
    return np.array(distinct, dtype=np.float64).reshape(-1, 5), counts, maps


def _dataflow_index(dataflows: np.ndarray, file) -> np.ndarray:
    """Each point's index in DATAFLOWS + ("auto",), by hashing (a million strings)."""
    import pandas as pd

    codes, distinct = pd.factorize(dataflows)
    names = DATAFLOWS + ("auto",)
    unknown = [d for d in distinct if d not in names]
    if unknown:
        raise EngineError(f"dataflow {unknown[0]!r} is not one of {', '.join(names)}",
                          file=file)
    return np.array([names.index(d) for d in distinct], dtype=np.int64)[codes]


def simulate_batch(arch, workload: Workload, params: dict[str, np.ndarray]) -> dict:
    """``simulate``'s totals for many design points at once: ``params`` maps systolic fields
    (``clock_hz`` and ``dataflow`` included) to equal-length arrays, the rest comes from
    ``arch``. Returns arrays (one per column); ``error`` is empty (every point runs)."""
    n = len(next(iter(params.values())))
    workload = workload.runnable(GEMM_KINDS, "systolic")[0]
    values = {k: np.asarray(v) for k, v in params.items()}
    dataflow = values.pop("dataflow", arch.config.dataflow)
    cfg = replace(arch.config, **values)
    def full(v, dtype=np.float64):
        return np.ascontiguousarray(np.broadcast_to(v, (n,)), dtype)

    names = DATAFLOWS + ("auto",)
    df = full(_dataflow_index(np.atleast_1d(dataflow), arch.path), np.int64)
    rows, cols = full(cfg.rows), full(cfg.cols)
    wpc, of_bytes = full(cfg.port_words_per_cycle), full(cfg.ofmap_sram_bytes)
    wb, ab = full(cfg.word_bytes), full(cfg.accumulator_bytes)
    if_words, f_words = (full(h) for h in _sram_words(cfg)[:2])
    word_bytes = np.unique(cfg.word_bytes)
    if word_bytes.size > 1:
        raise EngineError("word_bytes cannot vary within one batch (N:M index words depend "
                          "on it); sweep it as separate runs", file=arch.path)
    shapes, counts, maps = _shape_table(workload, int(word_bytes[0]))
    out = np.empty((8, n))
    for s in range(0, n, _CHUNK_POINTS):
        part = slice(s, s + _CHUNK_POINTS)
        out[:, part] = _batch_kernel(shapes, counts, *(a[part] for a in (
            df, rows, cols, if_words, f_words, of_bytes, wpc, wb, ab)))
    cycles, stalls, if_reads, f_reads, of_writes, read_dram, finals, util_sum = out
    macs = float(sum(m.gemm.macs for m in maps))
    # scalars stay scalars (numpy broadcasts them): only the swept fields cost n operations
    n_bytes = dram_bytes(cfg, read_dram, of_writes, finals)
    energy = energy_j(cfg, macs, if_reads, f_reads, of_writes, finals, n_bytes)
    pes = rows * cols
    layers = len(workload.layers)
    return {"layers": np.full(n, layers), "dense_macs": np.full(n, float(sum(
        layer.dense_macs(workload.batch) for layer in workload.layers))),
        "effective_macs": np.full(n, macs), "cycles": cycles,
        "seconds": cycles / np.asarray(cfg.clock_hz, dtype=np.float64),
        "utilization": macs / (cycles * pes), "mean_utilization": util_sum / layers,
        "dram_bytes": n_bytes, "energy_j": energy,
        "stall_cycles": stalls, "pes": pes, "rows": rows, "cols": cols,
        "dataflow": np.array(names, dtype=object)[df],
        "sram_bytes": full(np.asarray(cfg.ifmap_sram_bytes, dtype=np.float64)
                           + cfg.filter_sram_bytes + cfg.ofmap_sram_bytes),
        "error": np.full(n, "", dtype=object)}
