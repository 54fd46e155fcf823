"""Low rank: S000 Table 3.4 speedups, the rank definition and the decomposition."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.traces.lowrank import decompose, error_curve, factors, layer_rank, matrix_rank
from accelsim.traces.zoo import caffenet
from accelsim.validate.published import published

TABLE = published()["s000_table34"]


@pytest.mark.parametrize("force", ["none", "l2"])
@pytest.mark.parametrize("layer", ["conv3", "conv4", "conv5"])
def test_table3_4_theoretical_speedups(force, layer):
    speedup = caffenet().workload.layer(layer).lowrank_speedup(TABLE["rank"][force][layer])
    assert round(speedup, 2) == TABLE["theoretical_speedup"][force][layer]


def test_break_even_rank_of_conv3():
    conv3 = caffenet().workload.layer("conv3")
    assert conv3.lowrank_speedup(329) > 1.0 > conv3.lowrank_speedup(330)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 24), k=st.integers(2, 40), true_rank=st.integers(1, 6),
       error=st.floats(0.001, 0.5), seed=st.integers(0, 2**16))
def test_decomposition_error_within_threshold(n, k, true_rank, error, seed):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(n, true_rank)) @ rng.normal(size=(true_rank, k))
    w += 0.05 * rng.normal(size=(n, k))
    m = matrix_rank(w, error)
    basis, mix = factors(w, m)
    rel = np.linalg.norm(w - mix @ basis) ** 2 / np.linalg.norm(w) ** 2
    assert rel <= error + 1e-9
    if m > 1:  # smallest such M
        b, x = factors(w, m - 1)
        assert np.linalg.norm(w - x @ b) ** 2 / np.linalg.norm(w) ** 2 > error


def test_error_curve_is_the_pca_eigenvalue_tail():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(8, 30))
    eig = np.sort(np.linalg.eigvalsh(w @ w.T / (30 - 1)))[::-1]
    expected = [eig[m:].sum() / eig.sum() for m in range(9)]
    assert np.allclose(error_curve(w), expected)


def test_grouped_rank_is_groups_times_the_largest_group_rank():
    rng = np.random.default_rng(1)
    low = rng.normal(size=(4, 1)) @ rng.normal(size=(1, 18))
    full = rng.normal(size=(4, 18))
    weight = np.concatenate([low, full]).reshape(8, 2, 3, 3)
    assert layer_rank(weight, "conv", groups=2) == 2 * 4


def test_decompose_conv_keeps_the_output_shape():
    conv5 = caffenet().workload.layer("conv5")
    basis, mix = decompose(conv5, 146)
    assert (basis.out_channels, basis.kernel, basis.groups) == (146, (3, 3), 2)
    assert (mix.in_channels, mix.out_channels, mix.kernel) == (146, 256, (1, 1))
    assert mix.out_hw == conv5.out_hw
    ratio = conv5.dense_macs() / (basis.dense_macs() + mix.dense_macs())
    assert ratio == pytest.approx(conv5.lowrank_speedup(146))
