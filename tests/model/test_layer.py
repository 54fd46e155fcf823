"""GEMM views, MAC counts and sparsity arithmetic of the domain model."""

import pytest
from hypothesis import given, strategies as st

from accelsim.model import Layer

# CaffeNet in the GEMM view (S000 §2.2.1, derived from the standard shapes)
CAFFENET_GEMM = {  # name: (groups, rows per group, columns, output pixels, MACs per image)
    "conv1": (1, 96, 363, 3025, 105_415_200),
    "conv2": (2, 128, 1200, 729, 223_948_800),
    "conv3": (1, 384, 2304, 169, 149_520_384),
    "conv4": (2, 192, 1728, 169, 112_140_288),
    "conv5": (2, 128, 1728, 169, 74_760_192),
    "fc6": (1, 4096, 9216, 1, 37_748_736),
    "fc7": (1, 4096, 4096, 1, 16_777_216),
    "fc8": (1, 1000, 4096, 1, 4_096_000),
}


def test_caffenet_gemm_view_matches_reference(root):
    from accelsim import load_workload

    w = load_workload(root / "workloads" / "alexnet_dense.json")
    for layer in w.layers:
        groups, m, k, n, macs = CAFFENET_GEMM[layer.name]
        g = layer.gemm(1)
        assert (g.groups, g.m, g.k, g.n) == (groups, m, k, n)
        assert layer.dense_macs(1) == macs
    assert w.dense_macs() == 724_406_816
    assert sum(layer.weight_count for layer in w.layers) == 60_954_656


def test_lstm_uses_the_input_plus_hidden_times_four_hidden_rule():
    lstm = Layer(name="l", kind="lstm", input_size=1500, hidden_size=1500, timesteps=35)
    g = lstm.gemm(batch=20)
    assert (g.m, g.k, g.n) == (4 * 1500, 3000, 20 * 35)
    assert lstm.weight_count == 4 * 1500 * 3000


def test_strided_padded_conv_output_size():
    conv = Layer(name="c", kind="conv", in_channels=3, out_channels=8, kernel=(11, 11),
                 stride=(4, 4), padding=(0, 0), in_hw=(227, 227))
    assert conv.out_hw == (55, 55)
    same = Layer(name="c", kind="conv", in_channels=8, out_channels=8, kernel=(3, 3),
                 padding=(1, 1), in_hw=(13, 13))
    assert same.out_hw == (13, 13)


def test_structured_sparsity_compacts_rows_and_columns():
    layer = Layer(name="c", kind="conv", in_channels=256, out_channels=384, kernel=(3, 3),
                  padding=(1, 1), in_hw=(13, 13), row_sparsity=0.406, col_sparsity=0.769)
    g = layer.compacted_gemm(1)
    assert (g.m, g.k) == (228, 532)  # round(384·0.594), round(2304·0.231)
    assert layer.density == pytest.approx(0.594 * 0.231)
    assert layer.effective_macs(1) == round(layer.dense_macs(1) * 0.594 * 0.231)


def test_activation_density_only_counts_when_skipped():
    layer = Layer(name="f", kind="fc", in_features=100, out_features=10, weight_density=0.5,
                  activation_density=0.4)
    assert layer.effective_macs(1) == 500
    assert layer.effective_macs(1, skip_zero_activations=True) == 200


def test_lowrank_gemms_are_basis_filters_then_one_by_one():
    layer = Layer(name="c", kind="conv", in_channels=96, out_channels=256, kernel=(5, 5),
                  padding=(2, 2), groups=2, in_hw=(27, 27), rank=100)
    basis, back = layer.lowrank_gemms(1)
    assert (basis.groups, basis.m, basis.k) == (2, 50, 48 * 25)
    assert (back.groups, back.m, back.k) == (2, 128, 50)
    assert basis.n == back.n == 729


@given(rows=st.integers(1, 512), cols=st.integers(1, 4096),
       row_sp=st.floats(0, 0.99), col_sp=st.floats(0, 0.99), batch=st.integers(1, 8))
def test_compacted_gemm_never_exceeds_dense(rows, cols, row_sp, col_sp, batch):
    layer = Layer(name="m", kind="matmul", in_features=cols, out_features=rows, columns=3,
                  row_sparsity=row_sp, col_sparsity=col_sp)
    dense, compact = layer.gemm(batch), layer.compacted_gemm(batch)
    assert compact.m <= dense.m and compact.k <= dense.k and compact.n == dense.n
    assert compact.macs <= dense.macs
