"""FPGA engine: S001 Table I reproduction, sizing bounds and cycle-model invariants."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from accelsim import simulate
from accelsim.engines import fpga
from accelsim.model import Layer, Workload
from accelsim.validate.published import published, table1_errors

TABLE1 = published()["s001_table1_vc707"]


@pytest.fixture(scope="module")
def result(vc707, alexnet_ssl):
    return simulate(vc707, alexnet_ssl)


def test_vc707_sizes_the_array_to_32_pes(result):
    assert result.summary["pes"] == TABLE1["pes"]
    assert result.summary["binding_bound"] == "bram"
    assert all(row.extra["pes"] == 32 for row in result.layers)


def test_table1_conv_efficiency_reproduced(result):
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


def test_dsp_and_bram_used_within_the_device(result, vc707):
    cfg = vc707.config
    assert result.summary["dsp_used"] == 32 * 16 * cfg.dsp_per_mac <= cfg.dsp_slices
    assert result.summary["bram18_used"] <= cfg.bram18_blocks


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
    pes, binding, bounds = fpga.size_array(arch.config, alexnet_ssl)
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
