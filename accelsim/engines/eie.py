"""EIE engine: compressed sparse matrix × sparse vector on N PEs with activation FIFOs.

Model (Han et al., EIE, ISCA 2016, §III–IV; docs/SOURCES.md §1)
-----------------------------------------------------------------------------------------
The layer's ``m × k`` weight matrix W (fc: outputs × inputs; lstm: ``4h × (input + h)``)
is stored column-wise (CSC). Row ``i`` belongs to PE ``i mod N`` at local row ``⌊i/N⌋``.
Each stored entry carries a 4-bit relative row index (zeros since the previous entry of the
same PE and column); a run of ``z`` zeros needs ``⌊z / 16⌋`` padding entries (a stored zero
with index 15), and every entry, real or padding, costs one cycle. So PE ``p`` needs, for
column ``j``:

    e[p, j] = nnz[p, j] + Σ_runs ⌊z / 16⌋,   work w[p, j] = max(1, e[p, j])

(assumption: an empty column slice still takes the one cycle of its pointer read).

The leading-non-zero detector broadcasts the non-zero input activations, one per cycle, in
index order, to all PEs' FIFOs of depth D. With broadcast cycle b_t of the t-th non-zero
activation (column c_t) and finish cycle f[p, t]:

    b_t    = max(b_{t−1} + 1, max_p f[p, t − D])      (stall while any FIFO is full)
    f[p,t] = max(f[p, t−1], b_t) + w[p, c_t]          (idle while the FIFO is empty)

An activation holds its FIFO slot until its PE has finished it (so depth 1 runs the PEs in
lockstep, column by column — the paper's "about half the cycles idle" at depth 1).

simulated event by event (numba) over the real column structure of the mask: the load
imbalance is the masks', there is no fitted factor. Layer cycles = max_p f[p, last]; load
efficiency = 1 − bubbles / (N · cycles) = Σ w / (N · cycles); theoretical cycles (perfect
balance) = Σ w / N; ``imbalance`` = cycles / theoretical cycles, and ``bound`` = imbalance
above 1.1 (``accelsim.engines.result.IMBALANCE_BOUND``). ``sram_fill`` = stored entries (the
mask's non-zeros + padding) × 8 bits / (N × sparse-matrix SRAM); a design above 1 is noted and
its Result ``feasible`` is false (sweeps leave it out). Input vectors (batch samples; LSTM time steps) follow each other in the
same stream; an LSTM step waits for the previous step to finish (h_t feeds step t + 1).
Pipeline fill (4 stages) and the final write-back are not counted. At most
``MAX_SIMULATED_VECTORS`` input vectors (and ``MAX_SIMULATED_ELEMENTS`` activation elements)
are simulated per layer: a larger batch runs its first samples, an LSTM (matmul) with more
steps (columns) its first ones, and every per-input count is scaled by the vectors over
those run (the stream is stationary), with a note. A layer whose simulation would hold more
than ``masks.MAX_SIMULATED_VALUES`` weights, column entries or broadcast events is refused
in one line.

SRAM reads: the 64-bit sparse-matrix SRAM holds 8 entries per row, a column slice of e
entries costs ⌈e / 8⌉ row reads; two 16-bit pointer reads (even/odd banks) per PE per
broadcast; one activation read per broadcast and one write per output. Energy: those
accesses and one 16-bit MAC per entry (padding included), with the shared table of
:mod:`accelsim.engines.energy` (45 nm). Nothing is calibrated: every parameter in
``archs/eie.yaml`` is an architecture fact of the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from accelsim.engines.energy import EnergyTable
from accelsim.engines.ignored import ignored_notes
from accelsim.engines.jit import njit
from accelsim.engines.declared import EIE as OPTIONS
from accelsim.engines.options import resolve
from accelsim.engines.result import LayerResult, Result, imbalance_bound
from accelsim.errors import EngineError
from accelsim.model import WEIGHT_KINDS, Layer, Workload
from accelsim.model import masks as mk

MAX_SIMULATED_VECTORS = 256  # input vectors broadcast per layer; more are sampled
MAX_SIMULATED_ELEMENTS = 1 << 20  # their activation elements (events × PEs are held)

KINDS = ("fc", "lstm", "matmul")


@dataclass(frozen=True)
class EieConfig:
    clock_hz: float
    pes: int
    fifo_depth: int
    index_bits: int
    data_width_bits: int
    weight_index_bits: int
    sparse_sram_bytes_per_pe: int
    sparse_sram_width_bits: int
    pointer_sram_bytes_per_pe: int
    pointer_bits: int
    activation_sram_bytes_per_pe: int
    energy: EnergyTable

    @property
    def entry_bits(self) -> int:
        return self.weight_index_bits + self.index_bits

    @property
    def max_zero_run(self) -> int:
        """Zeros a relative index can skip (15 for 4 bits)."""
        return 2 ** self.index_bits - 1


# ---- the hot loops -----------------------------------------------------------------------
@njit(cache=True)
def column_entries(cols, rows, k, pes, max_zero_run):
    """Per column and PE: stored entries (real + padding) and real non-zeros, from the
    non-zeros' (column, row) pairs in column-major order."""
    entries = np.zeros((k, pes), np.int32)
    nnz = np.zeros((k, pes), np.int32)
    last = np.full(pes, -1, np.int64)
    current = -1
    for i in range(cols.size):
        c = cols[i]
        if c != current:
            last[:] = -1
            current = c
        p = rows[i] % pes
        local = rows[i] // pes
        zeros = local - last[p] - 1
        entries[c, p] += 1 + zeros // (max_zero_run + 1)
        nnz[c, p] += 1
        last[p] = local
    return entries, nnz


@njit(cache=True)
def fifo_schedule(work, depth, barrier):
    """Event-by-event FIFO model (module docstring). ``work[t, p]``: cycles PE p spends on
    the t-th broadcast activation; ``barrier[t]``: broadcast t waits for all PEs to finish
    t − 1. Returns total cycles."""
    n, pes = work.shape
    ring = np.zeros((max(min(depth, n), 1), pes), np.int64)  # f of the last D broadcasts
    finish = np.zeros(pes, np.int64)
    b = -1
    for t in range(n):
        b += 1
        if barrier[t]:
            b = max(b, finish.max())
        if t >= depth:
            b = max(b, ring[t % depth].max())
        for p in range(pes):
            finish[p] = max(finish[p], b) + work[t, p]
            if depth < n:
                ring[t % depth, p] = finish[p]
    return finish.max() if n else 0


# ---- one layer ---------------------------------------------------------------------------
@dataclass(frozen=True)
class EieLayerRun:
    """Counts of one layer's run (everything the Result row and the energy need)."""

    cycles: int
    work_cycles: int        # Σ w over PEs and broadcasts
    macs: int               # real non-zero MACs
    entries: int            # entries processed, padding included
    padding_entries: int    # padding stored in the whole matrix
    broadcasts: int
    matrix_row_reads: int
    max_pe_work: int        # max over PEs of its Σ w
    stored_entries: int     # non-zeros of the mask + padding: what the SRAMs hold


def weight_structure(layer: Layer, cfg: EieConfig, seed: int):
    """Per-column, per-PE entries (with padding) and non-zeros of the layer's mask."""
    m, k = layer.weight_shape
    positions = mk.weight_positions(layer, seed, transpose=True)  # column-major
    cols, rows = np.divmod(positions, m)
    return column_entries(cols, rows, k, cfg.pes, cfg.max_zero_run)


def run_layer(layer: Layer, batch: int, cfg: EieConfig, seed: int) -> EieLayerRun:
    entries, nnz = weight_structure(layer, cfg, seed)
    acts = mk.activation_mask(layer, batch, seed)
    vector, cols = np.nonzero(acts)          # broadcast order: vector by vector, index order
    work = np.maximum(entries[cols], 1)
    barrier = np.zeros(cols.size, np.bool_)
    if layer.kind == "lstm":
        starts = np.flatnonzero(np.diff(vector, prepend=-1))
        barrier[starts[1:]] = True
    cycles = int(fifo_schedule(work, cfg.fifo_depth, barrier))
    per_row = cfg.sparse_sram_width_bits // cfg.entry_bits
    processed = entries[cols]
    return EieLayerRun(
        cycles=cycles, work_cycles=int(work.sum()), macs=int(nnz[cols].sum()),
        entries=int(processed.sum()), padding_entries=int(entries.sum() - nnz.sum()),
        broadcasts=int(cols.size), matrix_row_reads=int(((processed + per_row - 1) // per_row)
                                                        .sum()),
        max_pe_work=int(work.sum(axis=0).max()) if cols.size else 0,
        stored_entries=int(entries.sum()))


def scaled(run: EieLayerRun, factor: float) -> EieLayerRun:
    """A run's per-input counts times ``factor`` (the batch over the samples simulated);
    what the stored matrix holds is unchanged."""
    if factor == 1:
        return run
    per_input = ("cycles", "work_cycles", "macs", "entries", "broadcasts",
                 "matrix_row_reads", "max_pe_work")
    return replace(run, **{k: round(getattr(run, k) * factor) for k in per_input})


def layer_energy_j(run: EieLayerRun, layer: Layer, batch: int, cfg: EieConfig) -> float:
    e, bits = cfg.energy, cfg.data_width_bits
    g = layer.gemm(batch)
    outputs = g.m * g.n
    pointer_reads = 2 * run.broadcasts * cfg.pes
    return (run.entries * e.mac_j(bits)
            + run.matrix_row_reads * e.sram_j(cfg.sparse_sram_width_bits,
                                              cfg.sparse_sram_bytes_per_pe)
            + pointer_reads * e.sram_j(cfg.pointer_bits, cfg.pointer_sram_bytes_per_pe)
            + (run.broadcasts + outputs) * e.sram_j(bits, cfg.activation_sram_bytes_per_pe)
            + run.broadcasts * cfg.pes * e.sram_j(bits, cfg.fifo_depth * bits / 8))


IGNORED = {"rank": "runs the full-rank sparse matrix (no low-rank mapping)",
           "row_sparsity": "keeps only the density the zero rows imply (a generated mask "
                           "spreads its non-zeros uniformly; give a mask file for the pattern)",
           "col_sparsity": "keeps only the density the zero columns imply (a generated mask "
                           "spreads its non-zeros uniformly; give a mask file for the pattern)"}


def exploited(layer: Layer) -> tuple[str, ...]:
    """Zero weights (CSC) and zero activations (never broadcast); SSL's rows and columns only
    as a pattern when a mask file gives one."""
    fields = ("weight_density", "activation_density")
    return fields + (("row_sparsity", "col_sparsity") if layer.masks is not None else ())


def sram_fill(run: EieLayerRun, cfg: EieConfig) -> float:
    """Stored entries (non-zeros + padding) over the PEs' sparse-matrix SRAM capacity."""
    return run.stored_entries * cfg.entry_bits / 8 / (cfg.pes * cfg.sparse_sram_bytes_per_pe)


def simulate(arch, workload: Workload, options: dict) -> Result:
    cfg: EieConfig = arch.config
    seed = resolve(OPTIONS, options, "eie", file=arch.path)["seed"]
    seed = workload.seed if seed is None else seed
    workload, skipped = workload.runnable(WEIGHT_KINDS, "eie")
    rows, notes = [], list(skipped) + list(workload.field_notes(
        "eie", "run as unstructured sparsity at density N/M (the CSC datapath skips every "
                "zero weight)"))
    for layer in workload.layers:
        if layer.kind not in KINDS:
            raise EngineError(f"layer {layer.name}: the eie engine runs {', '.join(KINDS)} "
                              f"layers, not {layer.kind}", file=arch.path)
        run_as, vector_factor = mk.simulated_vectors(layer, MAX_SIMULATED_VECTORS)
        simulated = mk.simulated_batch(run_as, workload.batch, MAX_SIMULATED_VECTORS,
                                       MAX_SIMULATED_ELEMENTS)
        m, k = layer.weight_shape
        run_vectors = simulated * mk.vectors_per_sample(run_as)
        mk.check_simulated_size(layer, "eie", arch.path, weights=m * k * layer.density,
                                column_entries=k * cfg.pes, broadcast_events=(
                                    run_vectors * k * layer.activation_density * cfg.pes))
        run = scaled(run_layer(run_as, simulated, cfg, seed),
                     workload.batch / simulated * vector_factor)
        notes += mk.sampling_notes(layer, run_as, workload.batch, simulated)
        seconds = run.cycles / cfg.clock_hz
        fill = sram_fill(run, cfg)
        if fill > 1:
            notes.append(f"{layer.name}: the compressed matrix needs {fill:.2f}× the "
                         f"sparse-matrix SRAM (spilling to DRAM is not modelled): infeasible")
        balanced = run.work_cycles / cfg.pes
        imbalance = run.cycles / balanced if balanced else 1.0
        rows.append(LayerResult(
            name=layer.name, kind=layer.kind, dense_macs=layer.dense_macs(workload.batch),
            effective_macs=run.macs, cycles=run.cycles, seconds=seconds,
            utilization=run.macs / (run.cycles * cfg.pes) if run.cycles else 0.0,
            bound="imbalance" if imbalance_bound(imbalance) else "compute",
            dram_bytes=0, energy_j=layer_energy_j(run, layer, workload.batch, cfg),
            extra={
                "load_efficiency": run.work_cycles / (cfg.pes * run.cycles) if run.cycles
                else 1.0,
                "theoretical_s": run.work_cycles / cfg.pes / cfg.clock_hz,
                "padding_entries": run.padding_entries,
                "entries_processed": run.entries,
                "sram_reads": run.matrix_row_reads + 2 * run.broadcasts * cfg.pes
                + run.broadcasts,
                "gop_per_s": 2 * run.macs / seconds / 1e9 if seconds else 0.0,
                "sram_fill": fill,
                "imbalance": imbalance,
            }))
    notes.insert(0, f"{cfg.pes} PEs, FIFO depth {cfg.fifo_depth}, "
                    f"{cfg.clock_hz / 1e6:g} MHz, seed {seed}")
    notes += ignored_notes("eie", workload.layers, exploited, IGNORED)
    fill = max((r.extra["sram_fill"] for r in rows), default=0.0)
    return Result(engine="eie", arch=arch.name, workload=workload.name, layers=tuple(rows),
                  peak_macs_per_cycle=cfg.pes, clock_hz=cfg.clock_hz, notes=tuple(notes),
                  summary={"pes": cfg.pes, "fifo_depth": cfg.fifo_depth, "seed": seed,
                           "sram_fill": fill, "feasible": fill <= 1.0})
