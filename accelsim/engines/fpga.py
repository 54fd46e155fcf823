"""FPGA PE-array engine: a weight-streaming array of S_p PEs × S_c MACs, tile by tile.

Model (Li et al., ASP-DAC 2018 = S001, §III-B and Fig. 2; docs/SOURCES.md §1)
--------------------------------------------------------------------
**Sizing.** The PE count is the tightest of three resource bounds, rounded down:

    S_p = ⌊min( R/(r_mac·S_c),  α·M/(m_sub·DW),  N_comp·B/(S_c·N_IO) )⌋   (optionally ≤ max_pes)

but at least one PE when only the (soft) bandwidth bound is below one.

R = DSP slices, r_mac = DSP per MAC, M = BRAM data bits (blocks × data bits per block),
α = fraction of BRAM for the Weight Buffer and Feature Map Bank, m_sub = words each PE
buffers, DW = data width, B = effective DRAM words per cycle, N_comp/N_IO = the MACs per
word streamed over the layers the design is sized for (``sizing_layer_kinds``). The binding
bound is reported.

**Dataflow (assumption; S001 states the blocks, not the loop order).** Structured sparsity is
removed first (SSL deployment): each group's GEMM shrinks to m' = round(m(1−row)) rows and
k' = round(k(1−col)) columns and is dense (S001: the PE array needs no sparse indexing).
Each PE computes one output channel (a GEMM row) of a *row tile* of S_p rows; its S_c MACs
work on S_c GEMM columns at once, all fed the same weight (the Data Fetcher supplies vectors
of the input feature map). A *pass* is the set of columns that share one fetch of the
weights: every row tile streams its k' weights per row from DRAM through the Weight Buffer,
once per pass (S001: weights stream from off-chip memory during computation), while the
Feature Map Bank holds the pass's inputs.

* conv: a pass is one output row of one image, P = OW pixels.
* fc, matmul, lstm: a pass is a *batch tile* of P = min(n_lane, S_c) input columns, one per
  MAC lane, where n_lane is the columns that may share a weight (the batch for fc and lstm,
  columns × batch for matmul); a step has ⌈n_lane / S_c⌉ batch tiles, and an LSTM runs its
  time steps one after another (h_t feeds step t + 1). So fc efficiency grows with the batch
  up to S_c columns: at batch 1 one lane of S_c works (≤ 1/S_c); at batch ≥ S_c all do, and
  the weight stream (S_p rows per row tile, each k' words) against B words per cycle bounds it.

Per (row tile with ``rows`` rows, pass of P columns):

    compute_cycles  = ⌈P / S_c⌉ · k'
    transfer_cycles = rows · k' / B
    tile_cycles     = max(compute_cycles, transfer_cycles) + tile_overhead_cycles

(double buffering overlaps a tile's transfer with the previous tile's compute; the overhead
is pipeline fill/drain). A pass also moves its inputs (conv: the new input band; fc: P·k'
words) and writes its outputs (conv: m'·OW; fc: P·m'); the pass costs
max(Σ tile_cycles, all the pass's words / B). A layer is groups × passes × pass cycles.
A PE holds a conv row for the pass (its ⌈P/S_c⌉ pixel groups reuse it), so k' ≤ m_sub is
required; an fc-like row streams (each weight is used once, in one cycle, by all the pass's
lanes), so its k' may exceed m_sub and the cycles are those above (fc6's 9,216-weight rows
run on ``vc707_fp32.yaml``'s m_sub = 4,096).
Worked fc case (the hand count in the tests): m' = 4, k' = 8, batch 6 on S_p = 2, S_c = 4,
no overhead, B = 1 word/cycle: 2 batch tiles (4 + 2 columns); a pass moves 32 weight words
and on average 36 input/output words (72 over the layer), so it costs max(2 tiles ·
max(8, 16), 68) = 68 cycles, the layer 136 cycles.
Full row tiles and the remainder tile are costed separately, so a remainder of 6 rows moves
6 rows of weights and uses 6 of the S_p PEs. The mapper picks, per layer, the row-tile height
(≤ S_p) with the fewest cycles (an exact search over the few heights that can win, see
``_best_tiling``), so a design with more PEs or more bandwidth is never slower.
``simulate_batch`` evaluates many design points (arrays of parameters) at once, for sweeps,
with the search compiled by numba; ``simulate`` is the same per-layer computation
(``_evaluate``) on one point, the search run as plain Python (numba's set-up would cost more).

Reported per layer: cycles, seconds, computation efficiency (S001's "achieved / peak":
compacted MACs / (cycles · S_p · S_c)), bound (compute or memory: the larger of the summed
compute and transfer cycles), DRAM bytes, DSP and BRAM used.

Calibration (``archs/vc707.yaml``): ``dram_efficiency`` and ``tile_overhead_cycles`` are
fitted to the five conv efficiencies of S001 Table I (VC707, 32 PEs); α and m_sub are not
given by S001 and were chosen as round values that make the BRAM bound give its stated 32
PEs. Everything else is a device fact. Energy is not modelled for this engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from accelsim.engines.ignored import ignored_notes
from accelsim.engines.jit import interpreted, njit
from accelsim.engines.result import LAYER_FIGURES, LayerResult, Result, safe_ratio, sum_layers
from accelsim.errors import EngineError
from accelsim.model import WEIGHT_KINDS, Layer, Workload


@dataclass(frozen=True)
class FpgaConfig:
    clock_hz: float
    dsp_slices: int
    bram18_blocks: int
    bram18_data_bits: int
    dram_bandwidth_bytes_per_s: float
    dram_efficiency: float
    data_width_bits: int
    dsp_per_mac: float
    macs_per_pe: int
    bram_fraction_for_buffers: float
    pe_buffer_words: int
    tile_overhead_cycles: float
    sizing_layer_kinds: tuple[str, ...]
    max_pes: int | None = None

    @property
    def words_per_cycle(self) -> float:
        """Effective DRAM bandwidth B in data words per clock cycle."""
        bytes_per_cycle = self.dram_bandwidth_bytes_per_s * self.dram_efficiency / self.clock_hz
        return bytes_per_cycle * 8 / self.data_width_bits


# ---- the layer as the PE array sees it ---------------------------------------------------
@dataclass(frozen=True)
class Mapping:
    """A layer's compacted per-group GEMM cut into passes (see the module docstring).

    Conv: ``passes`` output rows of ``pixels_per_pass`` pixels, fixed by the shape. FC,
    matmul, LSTM (``lane_columns`` > 0): each of ``steps`` sequential steps has
    ``lane_columns`` independent input columns, run as batch tiles of up to S_c columns, so
    the passes depend on the design's S_c (:meth:`pass_shape`)."""

    groups: int
    rows: int             # m' per group
    cols: int             # k' per group
    passes: int           # per group (conv)
    pixels_per_pass: int  # P (conv)
    extra_words_per_pass: int  # conv: input band read + outputs written, per pass and group
    lane_columns: int = 0  # fc/matmul/lstm: columns that may share a weight fetch
    steps: int = 1         # fc/matmul/lstm: sequential steps (LSTM time steps)

    @property
    def columns(self) -> int:
        """GEMM columns per group (output pixels × batch, or the GEMM's n)."""
        if self.lane_columns:
            return self.lane_columns * self.steps
        return self.passes * self.pixels_per_pass

    @property
    def macs(self) -> int:
        return self.groups * self.rows * self.cols * self.columns

    @property
    def held_words(self) -> int:
        """Weights a PE holds for a pass, which must fit its m_sub words. A conv row is held:
        each of the pass's ⌈P/S_c⌉ pixel groups reads it again (conservatively also when
        P ≤ S_c). An fc-like row streams: a pass is at most S_c columns, so each weight
        is used by all lanes in one cycle and the double-buffered Weight Buffer passes it
        on (no row has to fit)."""
        return 0 if self.lane_columns else self.cols

    def pass_shape(self, macs_per_pe):
        """Passes per group, columns per pass and extra (non-weight) words per pass for S_c
        = ``macs_per_pe`` (may be an array). FC-like layers: ⌈lane_columns / S_c⌉ batch
        tiles per step of min(lane_columns, S_c) columns, each reading its inputs and writing
        its outputs (the partial last tile's words averaged over the tiles)."""
        sc = np.asarray(macs_per_pe, dtype=float)
        if not self.lane_columns:
            ones = np.ones_like(sc)
            return self.passes * ones, self.pixels_per_pass * ones, \
                self.extra_words_per_pass * ones
        tiles = self.steps * np.ceil(self.lane_columns / sc)
        io_words = self.columns * (self.cols + self.rows)
        return tiles, np.minimum(self.lane_columns, sc), io_words / np.maximum(tiles, 1)

    def words(self, macs_per_pe):
        """Words moved over DRAM by the whole layer (weights once per pass)."""
        passes, _, extra = self.pass_shape(macs_per_pe)
        return self.groups * passes * (self.rows * self.cols + extra)


def mapping(layer: Layer, batch: int) -> Mapping:
    """The layer as the PE array runs it; a layer pruned to nothing has no passes."""
    g = layer.compacted_gemm(batch)
    if g.m == 0 or g.k == 0:
        return Mapping(g.groups, g.m, g.k, 0, 1, 0)
    if layer.kind == "conv":
        oh, ow = layer.out_hw
        in_w = layer.in_hw[1] + 2 * layer.padding[1]
        cin = layer.in_channels // layer.groups
        # new input rows per output row (the first row's extra kh − stride rows are ignored)
        band = cin * in_w * min(layer.stride[0], layer.kernel_extent[0])
        return Mapping(g.groups, g.m, g.k, oh * batch, ow, band + g.m * ow)
    steps = layer.timesteps if layer.kind == "lstm" else 1
    return Mapping(g.groups, g.m, g.k, 0, 1, 0, lane_columns=g.n // steps, steps=steps)


# ---- cycle arithmetic (numpy-friendly: every argument may be an array) ------------------
def tile_cycles(rows, cols, pixels, macs_per_pe, words_per_cycle, overhead):
    compute = np.ceil(pixels / macs_per_pe) * cols
    transfer = rows * cols / words_per_cycle
    return np.maximum(compute, transfer) + overhead, compute, transfer


@njit(cache=True)
def ceil_cycles(x):
    """Whole cycles of ``x``, ignoring a float residue below 1e-9 of a cycle (the same sum
    taken in another order must not gain a cycle)."""
    return np.ceil(x - 1e-9)


def tiled_cycles(m: Mapping, tile_rows, macs_per_pe, words_per_cycle, overhead):
    """Cycles, compute cycles and transfer cycles of a layer cut into row tiles of
    ``tile_rows`` rows (full tiles, then one remainder tile). Arrays broadcast."""
    passes, pixels, extra = m.pass_shape(macs_per_pe)
    full_tiles = m.rows // tile_rows
    rem_rows = m.rows - full_tiles * tile_rows
    t_full, c_full, _ = tile_cycles(tile_rows, m.cols, pixels, macs_per_pe,
                                    words_per_cycle, overhead)
    t_rem, c_rem, _ = tile_cycles(rem_rows, m.cols, pixels, macs_per_pe,
                                  words_per_cycle, overhead)
    has_rem = rem_rows > 0
    pass_tiles = full_tiles * t_full + np.where(has_rem, t_rem, 0.0)
    pass_words = m.rows * m.cols + extra
    pass_cycles = np.maximum(pass_tiles, pass_words / words_per_cycle)
    n = m.groups * passes
    compute = n * (full_tiles * c_full + np.where(has_rem, c_rem, 0.0))
    transfer = n * pass_words / words_per_cycle
    return ceil_cycles(n * pass_cycles), compute, transfer


@njit(cache=True)
def _best_tiling(rows, cols, pixels, n, pass_words, pes, macs_per_pe, words_per_cycle,
                 overhead):  # pragma: no cover - compiled; checked against tiled_cycles
    """Per design point, the row-tile height ≤ pes with the fewest cycles.

    With c = compute and x = transfer cycles per row of a tile, tiles of at most
    T* = ⌊c/x⌋ rows are compute-bound: there the tallest (fewest tiles) wins. Taller tiles
    cost m·x + tiles·overhead + max(0, c − remainder·x); for a given tile count the
    smallest height (balanced tiles) has the largest remainder, so it wins. So the best
    height is T* or a balanced ⌈m/t⌉ for t from ⌈m/pes⌉ tiles up to the compute-bound count
    (and no further than the extra overhead can pay for): only those are tried. ``pixels``,
    ``n`` (passes) and ``pass_words`` are per design point (they depend on S_c for FC)."""
    size = pes.size
    out = np.zeros((4, size))
    for i in range(size):
        sc, wpc, ov = macs_per_pe[i], words_per_cycle[i], overhead[i]
        c = np.ceil(pixels[i] / sc) * cols
        x = cols / wpc
        floor_pass = pass_words[i] / wpc
        tallest = min(max(np.floor(c * wpc / cols), 1.0), float(pes[i]))
        fewest = np.ceil(rows / pes[i])
        last = np.ceil(rows / tallest)
        if ov > 0:
            last = min(last, fewest + np.ceil(c / ov))
        count = int(last - fewest) + 2
        best = np.inf
        for j in range(count):
            if j < count - 1:
                height = min(max(np.ceil(rows / min(fewest + j, rows)), 1.0), float(pes[i]))
            else:
                height = tallest
            full = rows // height
            rem = rows - full * height
            tiles = full * (max(c, height * x) + ov)
            if rem > 0:
                tiles += max(c, rem * x) + ov
            cycles = ceil_cycles(n[i] * max(tiles, floor_pass))
            if cycles < best:
                best = cycles
                out[0, i] = cycles
                out[1, i] = n[i] * (full + (1.0 if rem > 0 else 0.0)) * c
                out[2, i] = n[i] * floor_pass
                out[3, i] = height
    return out


def layer_cycles(m: Mapping, pes, macs_per_pe, words_per_cycle, overhead):
    """The mapper's choice: the row-tile height ≤ ``pes`` with the fewest cycles (so a design
    with more PEs is never slower). Returns cycles, compute and transfer cycles and the
    chosen height; every argument may be an array (one design point per element)."""
    shape = np.broadcast(pes, macs_per_pe, words_per_cycle, overhead).shape
    if m.rows == 0 or m.columns == 0:
        zero = np.zeros(shape)
        return zero, zero, zero, zero.astype(np.int64)
    flat = [np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype=np.float64), shape)
                                 ).ravel() for a in (pes, macs_per_pe, words_per_cycle, overhead)]
    passes, pixels, extra = (np.ascontiguousarray(v, dtype=np.float64)
                             for v in m.pass_shape(flat[1]))
    with interpreted(flat[0].size == 1):  # one design point: not worth numba's set-up
        out = _best_tiling(float(m.rows), float(m.cols), pixels, m.groups * passes,
                           m.rows * m.cols + extra, *flat)
    cycles, compute, transfer, height = (v.reshape(shape) for v in out)
    return cycles, compute, transfer, height.astype(np.int64)


# ---- sizing ------------------------------------------------------------------------------
def pe_bounds(cfg: FpgaConfig, workload: Workload) -> dict[str, float]:
    """The three S001 upper bounds on S_p (unrounded), plus ``max_pes`` if set. Design
    fields of ``cfg`` may be arrays over design points; the bounds then are arrays."""
    bram_bits = cfg.bram18_blocks * cfg.bram18_data_bits
    sized = [mapping(layer, workload.batch) for layer in workload.layers
             if layer.kind in cfg.sizing_layer_kinds]
    words = sum(m.words(cfg.macs_per_pe) for m in sized)
    macs = sum(m.macs for m in sized)
    reuse = np.divide(macs, words, out=np.full(np.shape(words), math.inf),
                      where=np.asarray(words) > 0) if sized else math.inf
    bounds = {
        "dsp": cfg.dsp_slices / (cfg.dsp_per_mac * cfg.macs_per_pe),
        "bram": cfg.bram_fraction_for_buffers * bram_bits
        / (cfg.pe_buffer_words * cfg.data_width_bits),
        "bandwidth": reuse * cfg.words_per_cycle / cfg.macs_per_pe,
    }
    if cfg.max_pes is not None:
        bounds["max_pes"] = np.asarray(cfg.max_pes, dtype=float)
    return bounds


def pe_count(bounds: dict):
    """S_p and the index (in ``bounds`` order) of the binding (smallest) bound; arrays
    broadcast. The bandwidth bound is soft (more PEs only lower efficiency), so it never
    takes the array below one PE; the others are hard."""
    stacked = np.stack(np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                             for v in bounds.values())), axis=-1)
    soft = list(bounds).index("bandwidth")
    hard = np.delete(stacked, soft, axis=-1).min(axis=-1)
    pes = np.floor(np.minimum(hard, np.maximum(1.0, stacked[..., soft])))
    return pes.astype(np.int64), np.argmin(stacked, axis=-1)


def resources_used(cfg: FpgaConfig, pes):
    """DSP slices and BRAM18 blocks an array of ``pes`` PEs uses (arrays broadcast)."""
    dsp = np.ceil(pes * cfg.macs_per_pe * cfg.dsp_per_mac)
    bram = np.ceil(pes * cfg.pe_buffer_words * cfg.data_width_bits / cfg.bram18_data_bits)
    return dsp, bram


def layer_figures(cfg: FpgaConfig, m: Mapping, pes) -> dict:
    """One layer's cycles, seconds, utilization, memory-bound flag, DRAM bytes and row-tile
    height on ``pes`` PEs; ``pes`` and the design fields of ``cfg`` may be arrays."""
    cycles, compute, transfer, tile_rows = layer_cycles(
        m, pes, cfg.macs_per_pe, cfg.words_per_cycle, cfg.tile_overhead_cycles)
    peak = pes * cfg.macs_per_pe
    return {"cycles": cycles, "seconds": cycles / cfg.clock_hz,
            "utilization": safe_ratio(m.macs, cycles * peak), "memory_bound": transfer > compute,
            "dram_bytes": np.round(m.words(cfg.macs_per_pe) * (cfg.data_width_bits / 8)),
            "tile_rows": tile_rows}


def _summary(cfg: FpgaConfig, pes, binding, bounds: dict) -> dict:
    dsp_used, bram_used = resources_used(cfg, pes)
    return {"pes": pes, "macs_per_pe": cfg.macs_per_pe, "binding_bound": binding,
            **{f"pe_bound_{k}": v for k, v in bounds.items()},
            "dsp_used": dsp_used, "bram18_used": bram_used,
            "dram_words_per_cycle": cfg.words_per_cycle}


# ---- engine entry points -----------------------------------------------------------------
IGNORED = {
    "weight_density": "runs the compacted GEMM dense: the zeros left inside it are multiplied "
                      "(the PE array has no sparse indexing, S001)",
    "activation_density": "multiplies zero activations (no zero skipping)",
    "rank": "runs the full-rank weights (no low-rank mapping)",
}


def exploited(layer: Layer) -> tuple[str, ...]:
    """The sparsity fields the PE array uses: SSL's zero rows and columns (removed)."""
    return ("row_sparsity", "col_sparsity")


def no_pe_message(binding: str, bound: float) -> str:
    return f"the {binding} bound allows {bound:.2f} PEs: no PE fits"


def buffer_message(layer: Layer, cols: int, buffer_words) -> str:
    return (f"layer {layer.name}: {cols} weights per PE per pass exceed "
            f"pe_buffer_words={int(buffer_words)}")


def simulate(arch, workload: Workload, options: dict) -> Result:
    cfg: FpgaConfig = arch.config
    workload, skipped = workload.runnable(WEIGHT_KINDS, "fpga")
    ev = _evaluate(cfg, workload, 1)
    if ev.error[0]:
        raise EngineError(ev.error[0], file=arch.path)
    pes, binding = int(ev.pes[0]), list(ev.bounds)[int(ev.binding[0])]
    bounds = {k: float(v) for k, v in ev.bounds.items()}
    summary = {k: v.item() if isinstance(v, np.ndarray | np.generic) else v
               for k, v in _summary(cfg, pes, binding, bounds).items()}
    summary["dsp_used"], summary["bram18_used"] = (int(summary["dsp_used"]),
                                                   int(summary["bram18_used"]))
    rows = []
    for layer, m, figures in ev.layers:
        f = {k: v[0].item() for k, v in figures.items()}
        rows.append(LayerResult(
            name=layer.name, kind=layer.kind, dense_macs=layer.dense_macs(workload.batch),
            effective_macs=m.macs, cycles=int(f["cycles"]), seconds=f["seconds"],
            utilization=f["utilization"], bound="memory" if f["memory_bound"] else "compute",
            dram_bytes=int(f["dram_bytes"]),
            extra={"pes": pes, "dsp_used": summary["dsp_used"],
                   "bram18_used": summary["bram18_used"], "gemm_rows": m.rows,
                   "gemm_cols": m.cols, "tile_rows": f["tile_rows"],
                   "passes": int(m.groups * m.pass_shape(cfg.macs_per_pe)[0])},
        ))
    notes = (f"S_p = {pes} PEs × S_c = {cfg.macs_per_pe} MACs; binding bound: {binding} "
             f"(" + ", ".join(f"{k} {v:.1f}" for k, v in bounds.items()) + ")",) + skipped \
        + tuple(ignored_notes("fpga", workload.layers, exploited, IGNORED)) \
        + workload.field_notes("fpga", "run dense (the PE array has no N:M unit; it skips "
                               "only all-zero rows and columns)")
    return Result(engine="fpga", arch=arch.name, workload=workload.name, layers=tuple(rows),
                  peak_macs_per_cycle=pes * cfg.macs_per_pe, clock_hz=cfg.clock_hz,
                  notes=notes, summary=summary)


# what a layer's figures depend on, besides the PE count (see layer_figures)
_LAYER_FIELDS = ("macs_per_pe", "dram_bandwidth_bytes_per_s", "dram_efficiency", "clock_hz",
                 "data_width_bits", "tile_overhead_cycles")


def _distinct_designs(cfg: FpgaConfig, pes: np.ndarray):
    """The distinct (PE count, layer fields) combinations among the design points: a config
    and PE counts holding one of each, and the index of each point's combination. Sweeps
    repeat combinations a lot (e.g. every ``max_pes`` above the hard bounds)."""
    columns = np.broadcast_arrays(pes, *(getattr(cfg, f) for f in _LAYER_FIELDS))
    inverse = np.zeros(len(pes), dtype=np.int64)
    if len(pes) > 1:
        import pandas as pd

        for values in columns:  # combine per-column codes, kept dense (< n): exact, no sort
            codes, levels = pd.factorize(values)
            inverse = pd.factorize(inverse * len(levels) + codes)[0]
    first = np.zeros(inverse.max() + 1, dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse))[::-1]
    distinct = replace(cfg, **{f: columns[j + 1][first] for j, f in enumerate(_LAYER_FIELDS)})
    return distinct, pes[first], inverse


@dataclass(frozen=True)
class Evaluation:
    """A workload on ``n`` design points: the S_p bounds (scalars or arrays), per point S_p,
    the binding bound's index and the error (``""`` where the point runs), and per layer
    the layer, its mapping and :func:`layer_figures` as arrays of ``n``."""

    bounds: dict
    pes: np.ndarray
    binding: np.ndarray
    error: np.ndarray
    layers: list[tuple[Layer, Mapping, dict]]


def _evaluate(cfg: FpgaConfig, workload: Workload, n: int) -> Evaluation:
    """The per-layer computation of both entry points: ``simulate`` is one design point
    (and raises its error), ``simulate_batch`` many (and marks them). A point's error is the
    first that applies: no PE fits, then the first layer whose weights overflow a PE's buffer.
    Layers are evaluated once per distinct design (:func:`_distinct_designs`)."""
    bounds = pe_bounds(cfg, workload)
    pes, binding = pe_count(bounds)
    pes, binding = np.broadcast_to(pes, (n,)), np.broadcast_to(binding, (n,))
    names = list(bounds)
    bound_values = np.broadcast_to(np.stack(np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in bounds.values())), axis=-1), (n, len(names)))
    error = np.full(n, "", dtype=object)
    for i in np.flatnonzero(pes < 1):
        error[i] = no_pe_message(names[binding[i]], bound_values[i, binding[i]])
    distinct, distinct_pes, inverse = _distinct_designs(cfg, np.maximum(pes, 1))
    buffer = np.broadcast_to(cfg.pe_buffer_words, (n,))
    layers = []
    for layer in workload.layers:
        m = mapping(layer, workload.batch)
        for i in np.flatnonzero((m.held_words > buffer) & (error == "")):
            error[i] = buffer_message(layer, m.held_words, buffer[i])
        figures = {k: v[inverse] for k, v in layer_figures(distinct, m, distinct_pes).items()}
        layers.append((layer, m, figures))
    return Evaluation(bounds, pes, binding, error, layers)


def simulate_batch(arch, workload: Workload, params: dict[str, np.ndarray]) -> dict:
    """``simulate``'s totals and summary for many design points at once: ``params`` maps
    fpga fields (``clock_hz`` included) to equal-length arrays, the rest comes from
    ``arch``. Returns arrays; ``error`` is non-empty where ``simulate`` would raise."""
    cfg = replace(arch.config, **{k: np.asarray(v) for k, v in params.items()})
    workload, _ = workload.runnable(WEIGHT_KINDS, "fpga")
    n = len(next(iter(params.values())))
    ev = _evaluate(cfg, workload, n)
    figures = {key: [] for key in LAYER_FIGURES}
    for layer, m, f in ev.layers:
        figures["dense_macs"].append(layer.dense_macs(workload.batch))
        figures["effective_macs"].append(m.macs)
        figures["energy_j"].append(None)
        for key in ("cycles", "seconds", "utilization", "dram_bytes"):
            figures[key].append(f[key])
    columns = {**sum_layers(figures, ev.pes * cfg.macs_per_pe),
               **_summary(cfg, ev.pes, np.array(list(ev.bounds))[ev.binding], ev.bounds)}
    columns = {k: np.broadcast_to(v if v is not None else np.nan, (n,))
               for k, v in columns.items()}
    columns["error"] = ev.error
    return columns
