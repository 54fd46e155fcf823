"""SCNN engine (PT-IS-CP-sparse) and its dense baseline DCNN, from one run.

Model (Parashar et al., ISCA 2017; docs/SOURCES.md §1,
architecture rows marked secondary there)
-----------------------------------------------------------------------------------------
**Tiling.** The input plane H × W is cut into a ``gy × gx`` grid (``gy = min(8, H)``,
``gx = min(8, W)``; row ``y`` goes to tile ``⌊y·gy/H⌋``); when the grid has fewer than 64
tiles the input channels are split over ``⌊64 / (gy·gx)⌋`` PEs per tile (so an FC layer —
run as a 1 × 1 convolution on a 1 × 1 plane — spreads its input channels over the PEs and
reduces the partial sums afterwards). FC, matmul and LSTM layers run one input vector after
another: a matmul's columns × batch vectors, an LSTM's batch × time steps. Each PE keeps its compressed input activations
(input stationary); output channels stream in groups of ``K_c``, the most whose output
region (own tile plus halo) fits one accumulator buffer:
``K_c = ⌊banks · entries / region⌋`` (≥ 1, ≤ K).

**Cartesian product.** Stride ``s`` is handled by phases: input ``y`` only meets kernel row
``r ≡ y + pad (mod s)``. For PE p, channel group g, input channel c and phase φ, with nw
non-zero weights (of the K_c channels) and na non-zero activations (of the tile):

    pairs[p, g] = Σ_c Σ_φ ⌈nw[g,c,φ] / F⌉ · ⌈na[p,c,φ] / I⌉        (one F×I product per cycle)

so partially filled vectors waste multipliers (intra-PE fragmentation). Every pair's F·I
products are scattered to the A accumulator banks by a hash of the output address
(``bank = (a + ⌊a/A⌋ + ⌊a/A²⌋) mod A``, ``a = (k·OH + y)·OW + x``; assumption). Each bank
takes one product per cycle; the crossbar's buffers let conflicts even out over a window of
``crossbar_window_cycles`` = W pairs, so a window of n ≤ W pairs (one weight vector against
consecutive activation vectors) takes ``max(n, most products sent to one bank)`` cycles.
The stall rate ρ (extra cycles per pair) is measured on the real mask structure over a
seeded sample of windows (``options["bank_samples"]``) and applied to the layer.

**Barriers and halos.** PEs synchronise after each group, so the slowest PE sets the pace
(inter-PE imbalance from the real per-tile non-zero counts; reported ``imbalance`` = Σ_g max_p
pairs / Σ_g mean_p pairs over the PEs the layer uses, and ``bound`` = imbalance above 1.1,
``accelsim.engines.result.IMBALANCE_BOUND``). Halo partial sums (and the
channel-split reduction) move at ``halo_words_per_cycle`` per PE, overlapped with the next
group's computation (double-buffered accumulators). A tile's halo, per output channel, is
the outputs its inputs reach on the plane (clipped at the edges) that another tile owns
(outputs are split over the tiles like the inputs); with split channels, all it reaches.
The slowest PE's halo paces the group:

    compute_g = ⌈(1 + ρ) · max_p pairs[p, g]⌉,   halo_g = ⌈K_g · max_p halo_p / halo_words_per_cycle⌉
    cycles    = Σ_g max(compute_g, halo_{g−1}) + halo_last      (per sample and conv group)

and the layer is ``max(cycles, DRAM bytes / bytes per cycle)`` (compressed weights — the
mask's non-zeros, each with its index — stream from DRAM once per layer and sample batch;
activations stay on chip).

**DCNN** (the baseline with the same 1,024 multipliers): the same tiling and K_c groups,
dense, no zero skipping, no bank conflicts: ``Σ_g ⌈K_c · ⌈C/split⌉ · R · S · max tile outputs
/ (F·I)⌉``. ``speedup_vs_dcnn`` = DCNN cycles / SCNN cycles.

**Energy** (:mod:`accelsim.engines.energy`, scaled to ``technology_nm``): per product a
16-bit multiply, a 24-bit add and a read and write of an accumulator bank; per pair one
I-vector read from the IARAM; per weight vector one F-vector read per PE that uses it, per
input vector (sample); halo words and outputs written to the OARAM; DRAM bytes. SCNN's
values carry their 4-bit index in every read and write; DCNN's do not. DCNN is counted on
the same basis with dense counts: every product, ⌈MACs / (F·I)⌉ pairs, the F-vectors of
every weight of each PE's channel slice per tile and sample, the same halos, and
uncompressed weights over DRAM. Not modelled for either: the scatter crossbar, the
coordinate computation per product, leakage — the likely cause of the miss against SCNN's
1.33× energy at density 1.0 (see ``accelsim validate published``).

Not modelled: the 4-bit zero-run index's padding entries, weight-FIFO underflow, PPU
(ReLU, compression) time. Calibrated: nothing; ``halo_words_per_cycle`` is an assumption
(the reference gives no figure). At most ``MAX_SIMULATED_SAMPLES`` input vectors run per
layer (one Python pass each): a larger batch runs its first samples, an LSTM (matmul) its
first steps (columns), and the per-sample counts are scaled by the vectors over those run.
At most ``MAX_SIMULATED_WEIGHTS`` non-zero weights run: a larger fc, matmul or ungrouped
conv runs its first output channels (K_c groups run one after another, drawn alike) and its
per-output counts are scaled by the channels over those run. Both come with a note. A layer
beyond ``masks.MAX_SIMULATED_VALUES`` weights or activations, 4 x ``MAX_SIMULATED_WEIGHTS``
non-zero weights it cannot sample (an LSTM's 4,096 x 4,096 dense gates: 3.5 GiB), or
``MAX_GROUP_PASSES`` (group, vector) passes, is refused in one line.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

import numpy as np

from accelsim.engines.energy import EnergyTable
from accelsim.engines.ignored import ignored_notes
from accelsim.engines.jit import njit
from accelsim.engines.declared import SCNN as OPTIONS
from accelsim.engines.options import resolve
from accelsim.engines.result import LayerResult, Result, imbalance_bound, safe_ratio
from accelsim.model import WEIGHT_KINDS, Layer, Workload
from accelsim.model import masks as mk

MAX_SIMULATED_SAMPLES = 64  # input vectors run per layer (Python loop); more are sampled
MAX_GROUP_PASSES = 4096     # (conv group, input vector) passes of that loop; more: refused
MAX_SIMULATED_WEIGHTS = 1 << 22  # non-zero weights run per layer; more: output channels sampled
IGNORED = {
    "row_sparsity": "keeps only the density the zero rows imply (a generated mask spreads "
                    "its non-zeros uniformly; give a mask file for the real pattern)",
    "col_sparsity": "keeps only the density the zero columns imply (a generated mask spreads "
                    "its non-zeros uniformly; give a mask file for the real pattern)",
    "rank": "runs the full-rank weights (no low-rank mapping)",
}


def exploited(layer: Layer) -> tuple[str, ...]:
    """Zero weights and activations (their masks); SSL's rows and columns only as a pattern
    when a mask file gives one."""
    fields = ("weight_density", "activation_density")
    return fields + (("row_sparsity", "col_sparsity") if layer.masks is not None else ())


@dataclass(frozen=True)
class ScnnConfig:
    clock_hz: float
    pe_rows: int
    pe_cols: int
    multipliers_f: int
    multipliers_i: int
    accumulator_banks: int
    accumulator_entries_per_bank: int
    crossbar_window_cycles: int
    halo_words_per_cycle: float
    data_width_bits: int
    accumulator_bits: int
    index_bits: int
    iaram_bytes: int
    oaram_bytes: int
    dram_bandwidth_bytes_per_s: float
    energy: EnergyTable

    @property
    def pes(self) -> int:
        return self.pe_rows * self.pe_cols

    @property
    def peak_macs_per_cycle(self) -> int:
        return self.pes * self.multipliers_f * self.multipliers_i


# ---- the layer as a convolution ------------------------------------------------------------
@dataclass(frozen=True)
class Conv:
    """A layer as a (grouped) convolution: FC/LSTM/matmul become 1 × 1 on a 1 × 1 plane."""

    weights: np.ndarray       # bool (K, C/groups, R, S)
    activations: np.ndarray   # bool (B, C, H, W)
    groups: int
    stride: tuple[int, int]
    padding: tuple[int, int]
    out_hw: tuple[int, int]


def as_conv(layer: Layer, batch: int, seed: int) -> Conv:
    w = mk.weight_mask(layer, seed)
    a = mk.activation_mask(layer, batch, seed)
    if layer.kind == "conv":
        return Conv(w, a, layer.groups, layer.stride, layer.padding, layer.out_hw)
    return Conv(w[:, :, None, None], a[:, :, None, None], 1, (1, 1), (0, 0), (1, 1))


@dataclass(frozen=True)
class Tiling:
    gy: int
    gx: int
    split: int      # PEs sharing one tile, each with a slice of the input channels
    kc: int         # output channels per group
    region: tuple[int, int]  # output rows, cols a PE's inputs touch (own tile + halo)
    own: tuple[int, int]     # output rows, cols of the largest own tile

    @property
    def tiles(self) -> int:
        return self.gy * self.gx


def tiling(conv: Conv, cfg: ScnnConfig) -> Tiling:
    _, cin, h, w = conv.activations.shape
    k, cg, r, s = conv.weights.shape
    gy, gx = min(cfg.pe_rows, h), min(cfg.pe_cols, w)
    split = max(1, min(cg, cfg.pes // (gy * gx)))
    region = tuple(-(-(-(-dim // g) + kk - 1) // st)
                   for dim, g, kk, st in ((h, gy, r, conv.stride[0]), (w, gx, s, conv.stride[1])))
    own = (-(-conv.out_hw[0] // gy), -(-conv.out_hw[1] // gx))
    capacity = cfg.accumulator_banks * cfg.accumulator_entries_per_bank
    kc = int(np.clip(capacity // (region[0] * region[1]), 1, k // conv.groups))
    return Tiling(gy, gx, split, kc, region, own)


# ---- counts ----------------------------------------------------------------------------------
def activation_keys(a: np.ndarray, conv: Conv, t: Tiling):
    """Non-zero activations of one sample ``a`` (C, H, W): (channel, tile, phase) key and
    (y, x), sorted by key, then row-major."""
    _, h, w = a.shape
    c, y, x = np.nonzero(a)
    sy, sx = conv.stride
    tile = (y * t.gy // h) * t.gx + x * t.gx // w
    phase = ((y + conv.padding[0]) % sy) * sx + (x + conv.padding[1]) % sx
    key = (c * t.tiles + tile) * sy * sx + phase
    order = np.argsort(key, kind="stable")
    return key[order], y[order], x[order]


def weight_keys(w: np.ndarray, conv: Conv, t: Tiling):
    """Non-zero weights of one conv group (K_g, C_g, R, S): (channel group, channel, phase)
    key and (k within the group, r, s), sorted by key, then r, s, k (output channel
    innermost, so that a dense F-vector holds F output channels of one kernel offset)."""
    k, c, r, s = np.nonzero(w)
    sy, sx = conv.stride
    phase = (r % sy) * sx + s % sx
    key = ((k // t.kc) * w.shape[1] + c) * sy * sx + phase
    order = np.lexsort((k, s, r, key))
    return key[order], (k % t.kc)[order], r[order], s[order]


@njit(cache=True)
def bank_stall_cycles(w_start, w_count, a_start, a_count, w_chunk, a_chunk,
                      wk, wr, ws, ay, ax, pad_y, pad_x, sy, sx, out_h, out_w, f, i_vec,
                      banks, window):
    """For each sampled pair: one weight vector against up to ``window`` consecutive
    activation vectors (the streaming order). Returns the extra cycles of each window (most
    products sent to one bank beyond the window's cycles) and the pairs in it."""
    extra = np.zeros(w_start.size, np.int64)
    pairs = np.zeros(w_start.size, np.int64)
    hits = np.zeros(banks, np.int64)
    for n in range(w_start.size):
        hits[:] = 0
        w0 = w_start[n] + w_chunk[n] * f
        w1 = min(w0 + f, w_start[n] + w_count[n])
        a0 = a_start[n] + a_chunk[n] * i_vec
        a_end = a_start[n] + a_count[n]
        a1 = min(a0 + i_vec * window, a_end)
        pairs[n] = (a1 - a0 + i_vec - 1) // i_vec
        for wi in range(w0, w1):
            for ai in range(a0, a1):
                oy = ay[ai] + pad_y - wr[wi]
                ox = ax[ai] + pad_x - ws[wi]
                if oy < 0 or ox < 0 or oy % sy or ox % sx:
                    continue
                oy //= sy
                ox //= sx
                if oy >= out_h or ox >= out_w:
                    continue
                address = (wk[wi] * out_h + oy) * out_w + ox
                hits[(address + address // banks + address // (banks * banks)) % banks] += 1
        extra[n] = max(hits.max() - pairs[n], 0)
    return extra, pairs


@dataclass(frozen=True)
class ScnnLayerRun:
    cycles: int
    dcnn_cycles: int
    pairs: int               # Σ over PEs of F×I vector pairs (cycles before stalls)
    products: int            # Cartesian non-zero products (multiplier operations)
    valid_macs: int          # products that land on an output: the layer's non-zero MACs
    weight_vectors: int      # F-vectors streamed (per PE)
    dcnn_weight_vectors: int  # the same, dense (DCNN: every weight of the PE's slice)
    halo_words: int
    bank_stall_rate: float
    imbalance: float         # Σ_g max_p / Σ_g mean_p of the pairs over the PEs used
    kc: int
    pes_used: int
    nonzero_weights: int     # of the mask the run used
    samples: int             # input vectors run one after another (batch × columns/steps)


def run_layer(layer: Layer, batch: int, cfg: ScnnConfig, seed: int, bank_samples: int
              ) -> ScnnLayerRun:
    conv = as_conv(layer, batch, seed)
    samples = conv.activations.shape[0]  # fc: batch; matmul: columns × batch; lstm: steps
    t = tiling(conv, cfg)
    pes_used = t.tiles * t.split
    k_all, cg, r, s = conv.weights.shape
    kg = k_all // conv.groups
    phases = conv.stride[0] * conv.stride[1]
    n_groups = -(-kg // t.kc)
    f, iv = cfg.multipliers_f, cfg.multipliers_i
    rng = np.random.default_rng([seed, zlib.crc32(layer.name.encode())])
    group_sizes = np.minimum(t.kc, kg - t.kc * np.arange(n_groups))
    own_words = t.own[0] * t.own[1]
    halo_per_channel = tile_halo_words(conv, t)               # per tile, per output channel
    halo_cycles = np.ceil(group_sizes * halo_per_channel.max() / cfg.halo_words_per_cycle)
    dense_cycles = np.ceil(group_sizes * -(-cg // t.split) * r * s * own_words / (f * iv))
    channel_part = np.arange(cg) * t.split // cg          # which split PE holds channel c
    taps = np.bincount(((np.arange(r)[:, None] % conv.stride[0]) * conv.stride[1]
                        + np.arange(s)[None, :] % conv.stride[1]).ravel(),
                       minlength=phases)                    # kernel offsets per phase
    dense_wv = -(-(group_sizes[:, None, None] * taps[None, None, :]) // f)  # (G, 1, Φ)
    dcnn_wvec = int(dense_wv.sum()) * cg * samples * t.tiles * conv.groups
    slowest, products, valid, pairs_total, wvec, mean_sum = [], 0, 0, 0, 0, 0.0
    stalls, sampled = 0, 0
    for grp in range(conv.groups):
        w = conv.weights[grp * kg:(grp + 1) * kg]
        wkey, wk, wr, ws = weight_keys(w, conv, t)
        nw = np.bincount(wkey, minlength=n_groups * cg * phases).reshape(n_groups, cg, phases)
        wv = -(-nw // f)
        wvec += int(wv.sum()) * samples * t.tiles
        for b in range(samples):
            a = conv.activations[b, grp * cg:(grp + 1) * cg]
            akey, ay, ax = activation_keys(a, conv, t)
            na = np.bincount(akey, minlength=cg * t.tiles * phases).reshape(cg, t.tiles, phases)
            av = -(-na // iv)
            pairs = np.zeros((t.tiles, t.split, n_groups), np.int64)   # per PE and group
            for part in range(t.split):
                sel = channel_part == part
                pairs[:, part] = (av[sel].transpose(1, 0, 2).reshape(t.tiles, -1)
                                  @ wv[:, sel].reshape(n_groups, -1).T)
            per_group = pairs.reshape(-1, n_groups)
            slowest.append(per_group.max(axis=0))
            mean_sum += per_group.sum() / pes_used
            pairs_total += int(pairs.sum())
            products += int(np.einsum("ctf,gcf->", na, nw, dtype=np.int64))
            valid += valid_macs(w, a, conv)
            if b == 0:
                extra, n = sample_stalls(conv, t, cfg, rng, bank_samples, nw, na,
                                         (wk, wr, ws), (akey, ay, ax))
                stalls, sampled = stalls + extra, sampled + n
    rho = stalls / sampled if sampled else 0.0
    cycles = sum(int(group_schedule(np.ceil((1 + rho) * m), halo_cycles)) for m in slowest)
    dcnn = int(group_schedule(dense_cycles, np.zeros(n_groups))) * conv.groups * samples
    return ScnnLayerRun(
        cycles=cycles, dcnn_cycles=dcnn, pairs=pairs_total, products=products,
        valid_macs=valid, weight_vectors=wvec, dcnn_weight_vectors=dcnn_wvec,
        halo_words=int(group_sizes.sum() * halo_per_channel.sum() * t.split
                       * conv.groups * samples),
        bank_stall_rate=rho,
        imbalance=float(sum(m.sum() for m in slowest) / mean_sum) if mean_sum else 1.0,
        kc=t.kc, pes_used=pes_used, nonzero_weights=int(conv.weights.sum()), samples=samples)


def scaled(run: ScnnLayerRun, factor: float, output_factor: float = 1.0) -> ScnnLayerRun:
    """A run's per-sample counts times ``factor`` (the input vectors over those simulated)
    and its per-output counts times ``output_factor`` (the output channels over those
    simulated); rates and the tiling are unchanged."""
    if factor == 1 and output_factor == 1:
        return run
    per_sample = ("cycles", "dcnn_cycles", "pairs", "products", "valid_macs",
                  "weight_vectors", "dcnn_weight_vectors", "halo_words")
    return replace(run, **{k: round(getattr(run, k) * factor * output_factor)
                           for k in per_sample}, samples=round(run.samples * factor),
                   nonzero_weights=round(run.nonzero_weights * output_factor))


def _touched(n_in: int, tiles: int, n_out: int, kernel: int, stride: int, pad: int):
    """Per tile along one axis: (first, last) output index its inputs reach, clipped to the
    plane, and how many of those the tile owns (outputs split over tiles like the inputs)."""
    i = np.arange(tiles)
    first_in = -(-i * n_in // tiles)                  # first input row of tile i
    last_in = -(-(i + 1) * n_in // tiles) - 1
    lo = np.maximum(-(-(first_in + pad - kernel + 1) // stride), 0)
    hi = np.minimum((last_in + pad) // stride, n_out - 1)
    own_lo, own_hi = -(-i * n_out // tiles), -(-(i + 1) * n_out // tiles) - 1
    reach = np.maximum(hi - lo + 1, 0)
    owned = np.maximum(np.minimum(hi, own_hi) - np.maximum(lo, own_lo) + 1, 0)
    return reach, owned


def tile_halo_words(conv: Conv, t: Tiling) -> np.ndarray:
    """Words each PE of a tile sends per output channel: the outputs its inputs reach (on the
    plane) that another tile owns, or all it reaches when the tile's input channels are split
    (partial sums reduced across the split PEs). Tiles in row-major order."""
    _, _, h, w = conv.activations.shape
    _, _, r, s = conv.weights.shape
    rows, own_rows = _touched(h, t.gy, conv.out_hw[0], r, conv.stride[0], conv.padding[0])
    cols, own_cols = _touched(w, t.gx, conv.out_hw[1], s, conv.stride[1], conv.padding[1])
    reach = np.outer(rows, cols).ravel()
    return reach if t.split > 1 else reach - np.outer(own_rows, own_cols).ravel()


def group_schedule(compute: np.ndarray, halo: np.ndarray) -> float:
    """Σ_g max(compute_g, halo_{g−1}) + halo_last (halos overlap the next group)."""
    previous = np.concatenate([[0.0], halo[:-1]])
    return float(np.maximum(compute, previous).sum() + halo[-1])


def valid_macs(w: np.ndarray, a: np.ndarray, conv: Conv) -> int:
    """Non-zero products that land on an output: Σ w[k,c,r,s] · (non-zero inputs of channel
    c that kernel offset (r, s) maps onto the output plane)."""
    _, _, r, s = w.shape
    (py, px), (sy, sx), (oh, ow) = conv.padding, conv.stride, conv.out_hw
    padded = np.pad(a, ((0, 0), (py, py), (px, px)))
    counts = np.empty((a.shape[0], r, s), np.int64)
    for i in range(r):
        for j in range(s):
            counts[:, i, j] = padded[:, i:i + sy * (oh - 1) + 1:sy,
                                     j:j + sx * (ow - 1) + 1:sx].sum(axis=(1, 2))
    return int(np.einsum("kcrs,crs->", w.astype(np.int64), counts))


def sample_stalls(conv: Conv, t: Tiling, cfg: ScnnConfig, rng, bank_samples: int,
                  nw: np.ndarray, na: np.ndarray, weights, activations) -> tuple[int, int]:
    """Bank-conflict extra cycles over ``bank_samples`` windows starting at vector pairs
    drawn in proportion to each cell's pairs (one conv group and sample); returns (extra
    cycles, pairs covered)."""
    wk, wr, ws = weights
    _, ay, ax = activations
    n_groups, cg, phases = nw.shape
    f, iv = cfg.multipliers_f, cfg.multipliers_i
    wv, av = -(-nw // f), -(-na // iv)                       # (G, C, Φ), (C, T, Φ)
    weight = (wv[:, :, None, :] * av[None]).reshape(-1).astype(np.float64)  # (G, C, T, Φ)
    total = weight.sum()
    if total == 0:
        return 0, 0
    cells = rng.choice(weight.size, size=min(bank_samples, int(total)), p=weight / total)
    g, c, tile, ph = np.unravel_index(cells, (n_groups, cg, t.tiles, phases))
    w_cell = (g * cg + c) * phases + ph
    a_cell = (c * t.tiles + tile) * phases + ph
    w_starts = np.concatenate([[0], np.cumsum(nw.reshape(-1))])
    a_starts = np.concatenate([[0], np.cumsum(na.reshape(-1))])
    w_chunk = (rng.random(cells.size) * wv[g, c, ph]).astype(np.int64)
    a_chunk = (rng.random(cells.size) * av[c, tile, ph]).astype(np.int64)
    extra, pairs = bank_stall_cycles(
        w_starts[w_cell], nw.reshape(-1)[w_cell], a_starts[a_cell], na.reshape(-1)[a_cell],
        w_chunk, a_chunk, wk, wr, ws, ay, ax, conv.padding[0], conv.padding[1],
        conv.stride[0], conv.stride[1], conv.out_hw[0], conv.out_hw[1], f, iv,
        cfg.accumulator_banks, cfg.crossbar_window_cycles)
    return int(extra.sum()), int(pairs.sum())


# ---- energy and the engine entry point -----------------------------------------------------
def schedule_energy_j(cfg: ScnnConfig, *, products: int, pairs: int, weight_vectors: int,
                      outputs: int, halo_words: int, dram_bytes: float,
                      index_bits: int) -> float:
    """Energy of a pair-by-pair F×I schedule: SCNN (compressed: every value read or written
    carries its ``index_bits`` zero-run index) or DCNN (dense counts, ``index_bits`` 0)."""
    e, bits = cfg.energy, cfg.data_width_bits
    word = bits + index_bits
    bank_bytes = cfg.accumulator_entries_per_bank * cfg.accumulator_bits / 8
    per_product = (e.mac_j(bits, cfg.accumulator_bits)
                   + 2 * e.sram_j(cfg.accumulator_bits, bank_bytes))
    return (products * per_product
            + pairs * e.sram_j(word * cfg.multipliers_i, cfg.iaram_bytes)
            + weight_vectors * e.sram_j(word * cfg.multipliers_f, cfg.iaram_bytes)
            + (outputs + halo_words) * e.sram_j(word, cfg.oaram_bytes)
            + e.dram_j(dram_bytes))


def simulate(arch, workload: Workload, options: dict) -> Result:
    cfg: ScnnConfig = arch.config
    opts = resolve(OPTIONS, options, "scnn", file=arch.path)
    seed = workload.seed if opts["seed"] is None else opts["seed"]
    bank_samples = opts["bank_samples"]
    bytes_per_cycle = cfg.dram_bandwidth_bytes_per_s / cfg.clock_hz
    workload, skipped = workload.runnable(WEIGHT_KINDS, "scnn")
    dilated = [layer.name for layer in workload.layers if layer.dilation != (1, 1)]
    if dilated:  # the planar tiling places undilated kernels (scnn.py's Cartesian product)
        skipped += (f"not run on scnn: dilated convs ({', '.join(dilated)}); its "
                    "Cartesian-product schedule models undilated kernels only",)
        workload = replace(workload, layers=tuple(layer for layer in workload.layers
                                                  if layer.dilation == (1, 1)))
    rows, sampled = [], []
    for layer in workload.layers:
        run_as, vector_factor = mk.simulated_vectors(layer, MAX_SIMULATED_SAMPLES)
        run_as, output_factor = mk.simulated_outputs(run_as, MAX_SIMULATED_WEIGHTS)
        simulated = mk.simulated_batch(run_as, workload.batch, MAX_SIMULATED_SAMPLES)
        shape = mk.activation_shape(run_as, simulated)
        mk.check_simulated_size(layer, "scnn", arch.path, weights=run_as.weight_count,
                                activations=int(np.prod(shape, dtype=np.float64)))
        mk.check_simulated_size(layer, "scnn", arch.path, limit=MAX_GROUP_PASSES,
                                group_passes=layer.groups * shape[0])
        mk.check_simulated_size(layer, "scnn", arch.path, limit=4 * MAX_SIMULATED_WEIGHTS,
                                non_zero_weights=run_as.weight_count * run_as.density)
        run = scaled(run_layer(run_as, simulated, cfg, seed, bank_samples),
                     workload.batch / simulated * vector_factor, output_factor)
        sampled += mk.sampling_notes(layer, run_as, workload.batch, simulated)
        g = layer.gemm(workload.batch)
        outputs = g.groups * g.m * g.n
        sparse_bytes = run.nonzero_weights * (cfg.data_width_bits + cfg.index_bits) / 8
        dense_bytes = layer.weight_count * cfg.data_width_bits / 8
        memory_cycles = int(np.ceil(sparse_bytes / bytes_per_cycle))
        dcnn_cycles = max(run.dcnn_cycles, int(np.ceil(dense_bytes / bytes_per_cycle)))
        cycles = max(run.cycles, memory_cycles)
        dense_macs = layer.dense_macs(workload.batch)
        energy = schedule_energy_j(cfg, products=run.products, pairs=run.pairs,
                                   weight_vectors=run.weight_vectors, outputs=outputs,
                                   halo_words=run.halo_words, dram_bytes=sparse_bytes,
                                   index_bits=cfg.index_bits)
        dcnn_energy = schedule_energy_j(
            cfg, products=dense_macs, pairs=-(-dense_macs // (cfg.multipliers_f
                                                               * cfg.multipliers_i)),
            weight_vectors=run.dcnn_weight_vectors, outputs=outputs,
            halo_words=run.halo_words, dram_bytes=dense_bytes, index_bits=0)
        bound = ("memory" if memory_cycles > run.cycles
                 else "imbalance" if imbalance_bound(run.imbalance) else "compute")
        rows.append(LayerResult(
            name=layer.name, kind=layer.kind, dense_macs=dense_macs,
            effective_macs=run.valid_macs, cycles=cycles, seconds=cycles / cfg.clock_hz,
            utilization=run.valid_macs / (cycles * cfg.peak_macs_per_cycle) if cycles else 0.0,
            bound=bound, dram_bytes=int(np.ceil(sparse_bytes)), energy_j=energy,
            extra={
                "products": run.products, "pairs": run.pairs, "kc": run.kc,
                "pes_used": run.pes_used, "imbalance": run.imbalance,
                "bank_stall_rate": run.bank_stall_rate, "halo_words": run.halo_words,
                "dcnn_cycles": dcnn_cycles, "dcnn_energy_j": dcnn_energy,
                "speedup_vs_dcnn": dcnn_cycles / cycles if cycles else 0.0,
                "energy_vs_dcnn": energy / dcnn_energy,
            }))
    dcnn_total = sum(r.extra["dcnn_cycles"] for r in rows)
    total = sum(r.cycles for r in rows)
    notes = (f"{cfg.pe_rows}x{cfg.pe_cols} PEs x {cfg.multipliers_f}x{cfg.multipliers_i} "
             f"multipliers, {cfg.accumulator_banks} accumulator banks, seed {seed}",
             f"DCNN (dense, same {cfg.peak_macs_per_cycle} multipliers): {dcnn_total:,} cycles;"
             f" SCNN speedup {safe_ratio(dcnn_total, total):.2f}x") + skipped \
        + tuple(sampled) + tuple(ignored_notes("scnn", workload.layers, exploited, IGNORED)) \
        + workload.field_notes(
        "scnn", "run as unstructured sparsity at density N/M (the Cartesian product skips "
                "every zero weight)")
    return Result(engine="scnn", arch=arch.name, workload=workload.name, layers=tuple(rows),
                  peak_macs_per_cycle=cfg.peak_macs_per_cycle, clock_hz=cfg.clock_hz,
                  notes=notes, summary={"dcnn_cycles": dcnn_total,
                                        "speedup_vs_dcnn": safe_ratio(dcnn_total, total),
                                        "seed": seed})
