"""Mask statistics agree with the mask and with the workload format's constraint."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from accelsim.traces.groups import grouped, sparsity_statistics


@st.composite
def conv_masks(draw):
    groups = draw(st.integers(1, 3))
    out = groups * draw(st.integers(1, 4))
    shape = (out, draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return draw(arrays(bool, shape)), groups


@settings(max_examples=80, deadline=None)
@given(conv_masks())
def test_statistics_agree_with_the_mask(case):
    mask, groups = case
    stats = sparsity_statistics(mask, "conv", groups)
    assert stats["weight_density"] == mask.mean()
    rows = mask.reshape(groups, mask.shape[0] // groups, -1)
    assert stats["row_sparsity"] == (~rows.any(axis=2)).mean()
    assert stats["filter2d_sparsity"] == (~mask.any(axis=(2, 3))).mean()
    # the workload format's constraint holds for every grouped mask
    structured = (1 - stats["row_sparsity"]) * (1 - stats["col_sparsity"])
    assert stats["weight_density"] <= structured + 1e-12


def test_fc_columns_and_channels():
    mask = np.ones((3, 5), dtype=bool)
    mask[:, [1, 4]] = False
    mask[2] = False
    stats = sparsity_statistics(mask, "fc")
    assert stats["col_sparsity"] == stats["channel_sparsity"] == 2 / 5
    assert stats["row_sparsity"] == 1 / 3
    assert "filter2d_sparsity" not in stats


def test_grouped_view_is_caffe_gemm_order():
    weight = np.arange(4 * 2 * 2 * 2).reshape(4, 2, 2, 2)
    view = grouped(weight, "conv", groups=2)
    assert view.shape == (2, 2, 2, 4)
    assert (view[1, 0].ravel() == weight[2].ravel()).all()
