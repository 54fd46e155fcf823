"""FPGA engine: S001 Table I reproduction, sizing bounds and cycle-model invariants."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from accelsim import simulate
from accelsim.engines import fpga
from accelsim.errors import EngineError
from accelsim.model import Layer, Workload
from accelsim.validate.published import published, table1_errors

TABLE1 = published()["s001_table1_vc707"]


@pytest.fixture(scope="module")
def result(vc707, alexnet_ssl):
    return simulate(vc707, alexnet_ssl)


def test_regression_calibration_vc707_sizes_the_array_to_32_pes(result):
    """Regression test of a calibration: alpha and m_sub were chosen to give S001's 32 PEs."""
    assert result.summary["pes"] == TABLE1["pes"]
    assert result.summary["binding_bound"] == "bram"
    assert all(row.extra["pes"] == 32 for row in result.layers)


def test_regression_calibration_table1_conv_efficiency(result):
    """Regression test of a calibration: dram_efficiency and tile_overhead_cycles were fitted
    on these five efficiencies (in-sample)."""
    pct = {row.name: 100 * row.utilization for row in result.layers}
    errors = table1_errors(pct)
    tol = TABLE1["tolerance_pp"]
    for name in TABLE1["conv"]:
        assert abs(errors[name]) <= tol["layer"], (name, pct[name], errors[name])
    assert abs(errors["conv_total"]) <= tol["conv_total"]


def test_fc_layers_are_bandwidth_bound_at_low_efficiency(result):
    conv = [r for r in result.layers if r.kind == "conv"]
    fc = [r for r in result.layers if r.kind == "fc"]
    assert all(r.bound == "memory" for r in fc)
    assert max(r.utilization for r in fc) < 0.5 * min(r.utilization for r in conv)


def test_calibration_fit_recovers_the_arch_file_values(vc707, alexnet_ssl):
    from accelsim.validate.calibrate import fit_fpga_table1

    fit = fit_fpga_table1(vc707, alexnet_ssl)
    assert fit["dram_efficiency"] == vc707.config.dram_efficiency
    assert fit["tile_overhead_cycles"] == vc707.config.tile_overhead_cycles


def test_dsp_and_bram_used_by_hand(result):
    """32 PEs × 16 MACs × 1 DSP = 512 DSP slices; 32 PEs × 32,768 words × 16 bit / 16,384
    bit per BRAM18 = 1,024 blocks (of 2,800 and 2,060)."""
    assert result.summary["dsp_used"] == 512
    assert result.summary["bram18_used"] == 1024


# ---- properties ---------------------------------------------------------------------------
layers = st.one_of(
    st.builds(lambda c, o, k, s, hw, r, cs: Layer(
        name="c", kind="conv", in_channels=c, out_channels=o, kernel=(k, k), stride=(s, s),
        padding=(k // 2, k // 2), in_hw=(hw, hw), row_sparsity=r, col_sparsity=cs),
        st.integers(1, 64), st.integers(1, 300), st.sampled_from([1, 3, 5]), st.integers(1, 2),
        st.integers(5, 40), st.floats(0, 0.9), st.floats(0, 0.9)),
    st.builds(lambda i, o, r: Layer(name="f", kind="fc", in_features=i, out_features=o,
                                    row_sparsity=r),
              st.integers(1, 3000), st.integers(1, 3000), st.floats(0, 0.9)),
)


def _arch(vc707, **changes):
    return replace(vc707, config=replace(vc707.config, **changes))


def _run(arch, layer, batch=1):
    return simulate(arch, Workload("w", "test", batch, (layer,))).layers[0]


design = dict(
    dram_efficiency=st.floats(0.05, 1.0), macs_per_pe=st.integers(1, 32),
    tile_overhead_cycles=st.integers(0, 100), dsp_slices=st.integers(200, 5000),
)


@settings(max_examples=60, deadline=None)
@given(layer=layers, batch=st.integers(1, 3), **design)
def test_cycles_never_below_compute_or_dram_bound(vc707, layer, batch, **params):
    arch = _arch(vc707, **params)
    row = _run(arch, layer, batch)
    cfg, pes = arch.config, row.extra["pes"]
    compute_bound = row.effective_macs / (pes * cfg.macs_per_pe)
    dram_bound = row.dram_bytes / (cfg.words_per_cycle * cfg.data_width_bits / 8)
    assert row.cycles >= compute_bound - 1e-6
    assert row.cycles >= dram_bound * (1 - 1e-9) - 1
    assert 0 <= row.utilization <= 1
    assert (row.utilization > 0) == (row.effective_macs > 0)  # a fully pruned layer vanishes


@settings(max_examples=60, deadline=None)
@given(layer=layers, low=st.floats(0.05, 1.0), high=st.floats(0.05, 1.0), **{
    k: v for k, v in design.items() if k != "dram_efficiency"})
def test_more_bandwidth_never_slower(vc707, layer, low, high, **params):
    low, high = sorted((low, high))
    slow = _run(_arch(vc707, dram_efficiency=low, **params), layer)
    fast = _run(_arch(vc707, dram_efficiency=high, **params), layer)
    assert fast.cycles <= slow.cycles


@settings(max_examples=60, deadline=None)
@given(layer=layers, few=st.integers(50, 3000), more=st.integers(50, 3000),
       macs_per_pe=st.integers(1, 16))
def test_more_dsps_never_slower(vc707, layer, few, more, macs_per_pe):
    few, more = sorted((few, more))
    a = _run(_arch(vc707, dsp_slices=few, macs_per_pe=macs_per_pe), layer)
    b = _run(_arch(vc707, dsp_slices=more, macs_per_pe=macs_per_pe), layer)
    assert b.extra["pes"] >= a.extra["pes"]
    assert b.cycles <= a.cycles


@settings(max_examples=60, deadline=None)
@given(dsp=st.integers(1, 10_000), bram=st.integers(1, 10_000), eff=st.floats(0.01, 1),
       sc=st.integers(1, 64), words=st.integers(64, 1 << 16), cap=st.none() | st.integers(1, 500))
def test_pe_count_never_above_any_single_limit(vc707, alexnet_ssl, dsp, bram, eff, sc, words,
                                               cap):
    arch = _arch(vc707, dsp_slices=dsp, bram18_blocks=bram, dram_efficiency=eff,
                 macs_per_pe=sc, pe_buffer_words=words, max_pes=cap)
    bounds = {k: float(v) for k, v in fpga.pe_bounds(arch.config, alexnet_ssl).items()}
    pes = int(fpga.pe_count(bounds)[0])
    hard = {k: v for k, v in bounds.items() if k != "bandwidth"}
    assert all(pes <= bound for bound in hard.values())
    assert pes <= max(1, bounds["bandwidth"])  # soft: at least one PE is still built
    assert pes == int(np.floor(min(min(hard.values()), max(1, bounds["bandwidth"]))))


@settings(max_examples=200, deadline=None)
@given(layer=layers, pes=st.integers(1, 64), sc=st.integers(1, 32), words=st.floats(0.5, 64),
       overhead=st.integers(0, 60))
def test_tile_height_candidates_find_the_best_height(layer, pes, sc, words, overhead):
    m = fpga.mapping(layer, 1)
    best = fpga.layer_cycles(m, pes, sc, words, overhead)[0]
    every = fpga.tiled_cycles(m, np.arange(1, pes + 1), sc, words, overhead)[0]
    assert best == every.min()
    # one design point runs the search as plain Python, two run it compiled: the same answer
    single = fpga.layer_cycles(m, pes, sc, words, overhead)
    pair = fpga.layer_cycles(m, np.array([pes, pes]), sc, words, overhead)
    for one, two in zip(single, pair):
        assert (two == one).all()


def test_remainder_tile_costs_what_it_costs(vc707):
    """34 rows on 32 PEs: a full tile plus a 2-row tile, not 34/32 of one tile."""
    arch = _arch(vc707, max_pes=32, tile_overhead_cycles=0, dram_efficiency=1.0)
    layer = Layer(name="f", kind="fc", in_features=64, out_features=34)
    row = _run(arch, layer)
    assert row.cycles == 2 * 64  # two tiles, each ⌈1/16⌉·64 compute cycles
    assert row.utilization == pytest.approx(34 * 64 / (2 * 64 * 32 * 16))


def test_batch_array_evaluation_matches_scalar(vc707, alexnet_ssl):
    """The cycle functions take arrays of design points (for sweeps)."""
    m = fpga.mapping(alexnet_ssl.layer("conv3"), 1)
    pes = np.array([8, 16, 32, 64])
    vec = fpga.layer_cycles(m, pes, 16, 25.0, 44)[0]
    assert list(vec) == [fpga.layer_cycles(m, p, 16, 25.0, 44)[0] for p in pes]


# ---- the FC dataflow (issue 11 item 4) ---------------------------------------------------
def _hand_arch(vc707, words_per_cycle):
    """S_p = 2, S_c = 4, no overhead, 16-bit words, B words per cycle at 200 MHz."""
    return _arch(vc707, max_pes=2, macs_per_pe=4, tile_overhead_cycles=0, dram_efficiency=1.0,
                 clock_hz=200e6, data_width_bits=16,
                 dram_bandwidth_bytes_per_s=words_per_cycle * 2 * 200e6)


def test_fc_batch_tiles_counted_by_hand(vc707):
    """fc 8 → 4, batch 6, S_p = 2, S_c = 4. Batch tiles: ⌈6/4⌉ = 2 (4 and 2 columns), each
    fetching the 4 × 8 = 32 weights once. Words: 2 · 32 weights + 6 columns · (8 in + 4 out)
    = 136 (272 bytes). Ample bandwidth: per tile 2 row tiles of 2 rows, each ⌈P/4⌉ · 8 = 8
    compute cycles → 16 per pass, 32 cycles; util = 4·8·6 / (32 · 2 · 4) = 0.75.
    B = 1 word/cycle: a pass moves 32 + 72/2 = 68 words → 68 cycles (more than any row tiling:
    2 tiles · max(8, 2·8/1) = 32), the layer 136 cycles."""
    layer = Layer(name="f", kind="fc", in_features=8, out_features=4)
    fast = _run(_hand_arch(vc707, 1e6), layer, batch=6)
    assert (fast.cycles, fast.dram_bytes, fast.extra["passes"]) == (32, 272, 2)
    assert fast.utilization == pytest.approx(0.75)
    slow = _run(_hand_arch(vc707, 1.0), layer, batch=6)
    assert slow.cycles == 136 and slow.bound == "memory"


def test_fc_rows_stream_past_the_pe_buffer(vc707):
    """An fc pass uses each weight once (≤ S_c columns, one cycle), so its rows stream and
    need not fit m_sub: the hand case above with 4-word buffers (< k' = 8) costs the same
    136 cycles; a conv row (reused by each pixel group of the pass) must still fit."""
    layer = Layer(name="f", kind="fc", in_features=8, out_features=4)
    small = replace(_hand_arch(vc707, 1.0), config=replace(
        _hand_arch(vc707, 1.0).config, pe_buffer_words=4))
    assert _run(small, layer, batch=6).cycles == 136
    conv = Layer(name="c", kind="conv", in_channels=1, out_channels=4, kernel=(3, 3),
                 in_hw=(8, 8))
    with pytest.raises(EngineError, match="9 weights per PE per pass exceed pe_buffer_words=4"):
        _run(small, conv)


def test_fp32_vc707_runs_dense_alexnet_fc6_by_hand(root):
    """README's ``run archs/vc707_fp32.yaml workloads/alexnet_dense.json`` stopped at fc6
    (9,216 weights per row, m_sub = 4,096). By hand: B = 12.8e9 · 0.79 / 200e6 · 8/32 =
    12.64 words/cycle, x = 9216/B = 729.11 cycles per row; the array has 14 PEs (bandwidth
    bound). Batch 1: one column per pass, c = 9,216 compute cycles per row tile. Tiles of
    14 rows are memory-bound: 292 · (14x + 44) = 2,993,466, plus the 8-row remainder,
    compute-bound, 9,216 + 44: 3,002,726 cycles (13-row tiles: 315 · (13x + 44) + 9,260 =
    3,008,848; ≤ 12 rows: 342 · 9,260). DRAM: (4096 · 9216 + 9216 + 4096) words · 4 B =
    151,048,192 bytes."""
    from accelsim.spec import load_arch, load_workload

    result = simulate(load_arch(root / "archs/vc707_fp32.yaml"),
                      load_workload(root / "workloads/alexnet_dense.json"))
    fc6 = next(r for r in result.layers if r.name == "fc6")
    assert (fc6.extra["pes"], fc6.extra["tile_rows"]) == (14, 14)
    assert fc6.cycles == 3_002_726 and fc6.dram_bytes == 151_048_192


def test_fc_efficiency_grows_with_batch(vc707, alexnet_ssl):
    """Before issue 11 each batch column re-streamed all weights: fc6-fc8 stayed at 4.9% for
    any batch. With batch tiles the S_c = 16 lanes fill: batch 1 ≤ 1/16 = 6.25%, batch 4 ≤
    25%, batch 16 ≤ B/S_p = 25.28/32 = 79% (the weight stream of 32 rows per row tile)."""
    util = {b: [r.utilization for r in simulate(vc707, replace(alexnet_ssl, batch=b)).layers
                if r.kind == "fc"] for b in (1, 4, 16)}
    for one, four, sixteen in zip(util[1], util[4], util[16]):
        assert one < four < sixteen
        assert one <= 1 / 16 and four <= 4 / 16 and sixteen <= 25.28 / 32
        assert four > 3.5 / 16 * 25.28 / 32 and sixteen > 0.9 * 25.28 / 32


def test_lstm_time_steps_do_not_share_a_weight_fetch(vc707):
    """An LSTM step needs the previous step's h: batch 1 × 8 steps is 8 passes of one column,
    not one pass of 8 columns (fc of the same GEMM, batch 8, is one pass)."""
    lstm = Layer(name="l", kind="lstm", input_size=16, hidden_size=8, timesteps=8)
    fc = Layer(name="f", kind="fc", in_features=24, out_features=32)
    assert _run(vc707, lstm).extra["passes"] == 8
    assert _run(vc707, fc, batch=8).extra["passes"] == 1


def test_unstructured_sparsity_is_said_out_loud(vc707, root):
    """Item 5: alexnet_l1 (unstructured) ran at dense MACs with no word."""
    from accelsim.spec import load_workload

    result = simulate(vc707, load_workload(root / "workloads/alexnet_l1.json"))
    notes = [n for n in result.notes if n.startswith("ignored: weight_density of conv")]
    assert len(notes) == 1 and "conv1" in notes[0]
    assert all(r.effective_macs == r.dense_macs for r in result.layers if r.kind == "conv")


def test_batch_errors_are_simulates_errors(vc707, alexnet_ssl):
    """Item 12: simulate_batch's error strings are simulate's messages."""
    from accelsim.errors import EngineError

    params = {"dsp_slices": np.array([2800, 5]), "pe_buffer_words": np.array([100, 32768])}
    columns = fpga.simulate_batch(vc707, alexnet_ssl, params)
    for i in range(2):
        with pytest.raises(EngineError) as exc:
            simulate(_arch(vc707, **{k: int(v[i]) for k, v in params.items()}), alexnet_ssl)
        assert columns["error"][i] == exc.value.message
