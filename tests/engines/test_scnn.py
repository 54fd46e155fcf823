"""SCNN engine: work bounds (property tests), dense equivalence, strides, FC, DCNN ratio."""

from dataclasses import replace

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
