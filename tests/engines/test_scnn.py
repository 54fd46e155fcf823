"""SCNN engine: work bounds (property tests), dense equivalence, strides, FC, DCNN ratio."""

from dataclasses import replace

import numpy as np

import pytest
from hypothesis import given, settings, strategies as st

from accelsim.engines import scnn
from accelsim.model import Layer, Workload
from accelsim.explore.sparse_studies import scnn_density_sweep
from accelsim.spec import load_arch, load_workload
from accelsim.validate.published import published


@pytest.fixture(scope="module")
def arch(root):
    return load_arch(root / "archs/scnn.yaml")


def _conv(c, k, r, hw, stride=1, pad=0, wd=1.0, ad=1.0, groups=1):
    return Layer(name="c", kind="conv", in_channels=c, out_channels=k, kernel=(r, r),
                 stride=(stride, stride), padding=(pad, pad), in_hw=(hw, hw), groups=groups,
                 weight_density=wd, activation_density=ad)


@settings(max_examples=20, deadline=None)
@given(c=st.integers(1, 12), k=st.integers(1, 24), r=st.sampled_from([1, 3, 5]),
       hw=st.integers(5, 20), stride=st.integers(1, 3), wd=st.floats(0.05, 1.0),
       ad=st.floats(0.05, 1.0), seed=st.integers(0, 3))
def test_cycles_at_least_products_over_multipliers(arch, c, k, r, hw, stride, wd, ad, seed):
    layer = _conv(c, k, r, hw, stride, r // 2, wd, ad)
    cfg = arch.config
    run = scnn.run_layer(layer, 1, cfg, seed, 256)
    assert run.cycles >= -(-run.products // cfg.peak_macs_per_cycle)
    assert run.pairs * cfg.multipliers_f * cfg.multipliers_i >= run.products >= run.valid_macs


@pytest.mark.parametrize("r,pad,taps", [(1, 0, 16), (3, 0, 14 * 3), (3, 1, 16 * 3 - 2)])
def test_dense_work_equals_dense_macs(arch, r, pad, taps):
    """At density 1 on uniform tiles the work is the dense work without the zero padding:
    ``taps`` = Σ over output rows of kernel rows that hit the input."""
    layer = _conv(8, 16, r, 16, 1, pad)           # 16 × 16 plane: uniform 2 × 2 tiles
    run = scnn.run_layer(layer, 1, arch.config, 0, 256)
    assert run.valid_macs == 16 * 8 * taps * taps
    assert run.imbalance == pytest.approx(1.0)
    if pad == 0:
        assert run.valid_macs == layer.dense_macs()
    if r == 1:
        assert run.products == layer.dense_macs()


def test_stride_and_fc_run(arch):
    strided = _conv(3, 8, 3, 17, stride=2, pad=1, wd=0.5, ad=0.5)
    fc = Layer(name="fc", kind="fc", in_features=256, out_features=64, weight_density=0.5,
               activation_density=0.5)
    result = scnn.simulate(arch, Workload("w", "t", 2, (strided, replace(fc, name="f"))), {})
    for row in result.layers:
        assert row.cycles > 0 and row.energy_j > 0 and row.extra["dcnn_cycles"] > 0
    fc_row = result.layers[1]
    assert fc_row.extra["pes_used"] == 64
    # one activation per channel: at most one of the I = 4 activation slots is used
    assert fc_row.utilization <= 0.25


def test_deterministic_for_a_seed(arch):
    w = Workload("w", "t", 1, (_conv(16, 32, 3, 14, 1, 1, 0.4, 0.4),))
    a, b = scnn.simulate(arch, w, {"seed": 1}), scnn.simulate(arch, w, {"seed": 1})
    c = scnn.simulate(arch, w, {"seed": 2})
    assert a.layers[0].cycles == b.layers[0].cycles
    assert a.layers[0].effective_macs != c.layers[0].effective_macs


@pytest.fixture(scope="module")
def sweep(arch, root):
    vgg = load_workload(root / "workloads/vgg16_conv_sparse.json")
    return scnn_density_sweep(arch, vgg, [1.0, 0.85, 0.3], {"bank_samples": 1024})


def test_dense_ratio_and_crossover(sweep):
    target = published()["scnn_density"]
    dense, crossover, sparse = (r["speedup"] for r in sweep)
    assert dense == pytest.approx(target["dense_ratio"], abs=0.05)    # calibrated on this
    assert crossover == pytest.approx(1.0, abs=0.1)                  # held out
    assert sparse > 3.0


# ---- issue 11 ---------------------------------------------------------------------------------
def _fc(k=256, m=64, wd=1.0, ad=1.0, **kw):
    return Layer(name="f", kind="fc", in_features=k, out_features=m, weight_density=wd,
                 activation_density=ad, **kw)


def test_matmul_columns_and_lstm_steps_are_work(arch):
    """Item 6: a 128-column matmul cost the 13,108 cycles of the 1-column fc. Dense, every
    input vector is the same work, so 128 columns = 128 x the fc's cycles, 4 LSTM steps =
    4 x one step."""
    cfg = arch.config
    fc = scnn.run_layer(_fc(), 1, cfg, 0, 256)
    mm = Layer(name="f", kind="matmul", in_features=256, out_features=64, columns=128,
               weight_density=1.0)
    assert scnn.run_layer(mm, 1, cfg, 0, 256).cycles == 128 * fc.cycles
    step = Layer(name="l", kind="lstm", input_size=32, hidden_size=16, timesteps=1)
    one = scnn.run_layer(step, 1, cfg, 0, 256)
    four = scnn.run_layer(replace(step, timesteps=4), 1, cfg, 0, 256)
    assert four.cycles == 4 * one.cycles and four.valid_macs == 4 * one.valid_macs


def test_dense_fc_costs_scnn_at_least_dcnn_energy(arch):
    """Item 7: at density 1.0 SCNN does every product DCNN does, with partly filled vectors
    and a 4-bit index on every value: it cannot be cheaper (it was 0.983x at batch 1, where
    DCNN paid every weight on all 64 PEs and SCNN once per tile)."""
    for batch in (1, 4):
        result = scnn.simulate(arch, Workload("w", "t", batch, (_fc(),)), {})
        assert result.layers[0].extra["energy_vs_dcnn"] >= 1.0


def test_dense_uniform_layer_is_balanced(arch):
    """Item 8: a dense 7x7 layer on 49 of the 64 PEs reported imbalance 1.31 (divided by 64)
    and bound 'imbalance'. Every tile holds one pixel: imbalance 1, bound compute."""
    layer = _conv(8, 16, 1, 7)
    row = scnn.simulate(arch, Workload("w", "t", 1, (layer,)), {}).layers[0]
    assert row.extra["pes_used"] == 49
    assert row.extra["imbalance"] == pytest.approx(1.0)
    assert row.bound == "compute"


def test_dram_bytes_count_the_mask_not_the_declared_density(arch):
    """Item 9: DRAM bytes used the declared density while cycles used the mask. A mask with
    40 of 64 x 16 weights non-zero: 40 x (16 + 4) bits / 8 = 100 bytes, whatever it says."""
    from accelsim.model.masks import LayerMasks

    w = np.zeros((64, 16), bool)
    w.flat[:40] = True
    layer = replace(_fc(16, 64, wd=0.5), masks=LayerMasks(weights=w))
    row = scnn.simulate(arch, Workload("w", "t", 1, (layer,)), {}).layers[0]
    assert row.dram_bytes == 100


def test_seed_none_means_the_workloads_seed(arch):
    """Item 12: options.seed=None raised a TypeError traceback."""
    w = Workload("w", "t", 1, (_conv(4, 8, 3, 8, 1, 1, 0.5, 0.5),), seed=3)
    assert scnn.simulate(arch, w, {"seed": None}).layers[0].cycles == \
        scnn.simulate(arch, w, {}).layers[0].cycles


# ---- hand-derived counts (issue 11) ---------------------------------------------------------
def _tiny(arch, **changes):
    return replace(arch.config, **changes)


def test_group_barrier_counted_by_hand(arch):
    """2 PEs (1 x 2), F = I = 1, one accumulator entry: K_c = 1, so 2 output-channel groups.
    A 1 x 4 input plane, one channel, activations [1, 1, 1, 0]: tile 0 (x = 0, 1) holds 2
    non-zeros, tile 1 (x = 2, 3) holds 1. 1x1 weights, both non-zero. Per group PE 0 does
    2 pairs, PE 1 does 1; the barrier waits for PE 0: 2 + 2 = 4 cycles, imbalance
    4 / (2 x 1.5) = 4/3, no halos (1x1). DCNN: 2 groups x 2 own pixels = 4 cycles."""
    from accelsim.model.masks import LayerMasks

    cfg = _tiny(arch, pe_rows=1, pe_cols=2, multipliers_f=1, multipliers_i=1,
                accumulator_banks=1, accumulator_entries_per_bank=1, crossbar_window_cycles=1)
    acts = np.array([[[[1, 1, 1, 0]]]], bool)
    layer = replace(_conv(1, 2, 1, 1), in_hw=(1, 4),
                    masks=LayerMasks(weights=np.ones((2, 1, 1, 1), bool), activations=acts))
    run = scnn.run_layer(layer, 1, cfg, 0, 64)
    assert (run.cycles, run.pairs, run.valid_macs, run.dcnn_cycles) == (4, 6, 6, 4)
    assert run.imbalance == pytest.approx(4 / 3) and run.halo_words == 0


@pytest.mark.parametrize("banks,cycles,rate", [(2, 2, 1.0), (4, 1, 0.0)])
def test_bank_conflicts_counted_by_hand(arch, banks, cycles, rate):
    """One PE, F = I = 2, a window of one pair. 1x1 conv, 2 output channels on a 1 x 2
    plane: the one pair makes the 4 products (k, x) -> address a = 2k + x = 0, 1, 2, 3.
    Bank (a + a//A + a//A^2) mod A: A = 2 gives banks 0, 1, 1, 0 (two products per bank: 2
    cycles, 1 stall per pair); A = 4 gives 0, 1, 2, 3 (1 cycle, no stall)."""
    cfg = _tiny(arch, pe_rows=1, pe_cols=1, multipliers_f=2, multipliers_i=2,
                accumulator_banks=banks, accumulator_entries_per_bank=4,
                crossbar_window_cycles=1)
    layer = replace(_conv(1, 2, 1, 1), in_hw=(1, 2))
    run = scnn.run_layer(layer, 1, cfg, 0, 64)
    assert run.pairs == 1 and run.products == 4
    assert run.cycles == cycles and run.bank_stall_rate == pytest.approx(rate)


def test_halo_words_counted_by_hand(arch):
    """3x3 kernel, pad 1, on a 4 x 4 plane over 2 x 2 PEs (one channel in and out): each
    PE's 2 x 2 input tile reaches output rows and columns -1..2, clipped to 0..2: 9 outputs,
    4 its own, 5 halo words per PE, 20 in all (the model counted 12 per PE, 48, before it
    clipped at the plane's edge). Halo time: 5 words / 4 per cycle -> 2 cycles after the
    one group's compute."""
    cfg = _tiny(arch, pe_rows=2, pe_cols=2)
    layer = _conv(1, 1, 3, 4, 1, 1)
    run = scnn.run_layer(layer, 1, cfg, 0, 64)
    assert run.halo_words == 20
    conv = scnn.as_conv(layer, 1, 0)
    assert list(scnn.tile_halo_words(conv, scnn.tiling(conv, cfg))) == [5, 5, 5, 5]
