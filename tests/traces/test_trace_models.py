"""The three user models of issue 13 (fixture_models.py) traced via torch and via ONNX: the
same GEMM layers and the same MACs, equal to an independent count (FlopCounterMode)."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
import torch.nn.utils.prune as prune  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from accelsim.cli import main  # noqa: E402
from accelsim.errors import WorkloadError  # noqa: E402
from accelsim.model import WEIGHT_KINDS  # noqa: E402
from accelsim.spec import load_workload  # noqa: E402
from accelsim.traces.extract import from_onnx  # noqa: E402
from accelsim.traces.torch_trace import trace_module  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import fixture_models as fm  # noqa: E402


def _input(name):
    shape, dtype, batch = fm.INPUTS[name]
    return torch.zeros(shape, dtype=getattr(torch, dtype)), shape, dtype, batch


def _export(model, x, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(path), dynamo=False, opset_version=17)


def _gemms(workload):
    """(kind, GEMM shape) of every GEMM layer, in order (fc and a 1-column matmul agree)."""
    out = []
    for layer in workload.layers:
        if layer.kind in WEIGHT_KINDS or layer.kind == "bmm":
            g = layer.gemm(workload.batch)
            out.append(("bmm" if layer.kind == "bmm" else "weight", g.groups, g.m, g.k, g.n))
    return out


def _independent_macs(name, model, x):
    """FlopCounterMode's FLOPs / 2; it does not count the CPU flash-attention op that
    nn.MultiheadAttention calls, so that one is added by hand: Q·Kᵀ and A·V, each
    heads × L × L × d_head = 8 × 64 × 64 × 32 MACs."""
    counter = FlopCounterMode(display=False)
    with counter:
        model(x)
    macs = counter.get_total_flops() / 2
    return macs + (2 * 8 * 64 * 64 * 32 if name == "EncoderLayer" else 0)


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    out = {}
    for name in fm.INPUTS:
        model = getattr(fm, name)().eval()
        x, shape, dtype, batch = _input(name)
        path = tmp_path_factory.mktemp(name) / f"{name}.onnx"
        _export(model, x, path)
        out[name] = (trace_module(model, shape, name=name, batch=batch, input_dtype=dtype)
                     .workload(), from_onnx(path, batch=batch).workload(),
                     _independent_macs(name, model, x))
    return out


@pytest.mark.parametrize("name", list(fm.INPUTS))
def test_torch_and_onnx_agree_with_flop_counter(traced, name):
    via_torch, via_onnx, expected = traced[name]
    assert _gemms(via_torch) == _gemms(via_onnx)
    assert via_torch.dense_macs() == via_onnx.dense_macs()
    assert via_torch.dense_macs() == pytest.approx(expected, rel=0.01)


def test_resnet_like_keeps_dilation_and_depthwise(traced):
    via_torch, via_onnx, _ = traced["ResNetLike"]
    for wl in (via_torch, via_onnx):
        convs = [l for l in wl.layers if l.kind == "conv"]
        dilated = [l for l in convs if l.dilation == (2, 2)]
        # (16 + 2·2 − (2·(3 − 1) + 1)) / 1 + 1 = 16; undilated it would be 18 (+26% MACs)
        assert len(dilated) == 1 and dilated[0].out_hw == (16, 16)
        assert any(l.groups == 16 and l.in_channels == 16 for l in convs)


def test_transformer_attention_and_columns(traced):
    via_torch, via_onnx, _ = traced["EncoderLayer"]
    for wl in (via_torch, via_onnx):
        assert wl.batch == 1
        qkv = next(l for l in wl.layers if l.kind == "matmul")
        assert (qkv.in_features, qkv.out_features, qkv.columns) == (256, 768, 64)  # 64 tokens
        bmm = [l for l in wl.layers if l.kind == "bmm"]
        assert [(l.heads, l.rows, l.inner, l.columns) for l in bmm] == [(8, 64, 32, 64),
                                                                         (8, 64, 64, 32)]
        assert {"softmax", "norm", "eltwise"} <= {l.kind for l in wl.layers}


def test_sequence_first_onnx_without_batch_names_the_node(tmp_path):
    model = fm.EncoderLayer().eval()
    x, *_ = _input("EncoderLayer")
    _export(model, x, tmp_path / "e.onnx")
    with pytest.raises(WorkloadError, match="node '/layer/self_attn/MatMul_1'.*give --batch"):
        from_onnx(tmp_path / "e.onnx")


def test_batch_eight_graph_keeps_its_batch(tmp_path):
    model = fm.ResNetLike().eval()
    x = torch.zeros(8, 3, 32, 32)
    _export(model, x, tmp_path / "r8.onnx")
    wl = from_onnx(tmp_path / "r8.onnx").workload()
    one = trace_module(model, (1, 3, 32, 32)).workload()
    assert wl.batch == 8 and wl.dense_macs() == 8 * one.dense_macs()


def test_pruned_masks_are_the_real_ones():
    model = fm.ResNetLike().eval()
    prune.l1_unstructured(model.conv1, "weight", amount=0.5)
    tr = trace_module(model, (1, 3, 32, 32))
    layer = next(l for l in tr.layers if l.name == "conv1.conv")
    assert (layer.kept() == model.conv1.weight_mask.numpy().astype(bool)).all()
    prune.remove(model.conv1, "weight")  # zeros stay in the plain weight
    layer = next(l for l in trace_module(model, (1, 3, 32, 32)).layers
                 if l.name == "conv1.conv")
    assert layer.kept().mean() == pytest.approx(0.5)


def test_every_op_is_a_layer_or_reported():
    tr = trace_module(fm.TinyGPT().eval(), (1, 16), input_dtype="int64")
    notes = " ".join(tr.notes)
    assert "bitwise_not" in notes  # the ~mask of masked_fill: not modelled, and named
    assert "view×" in notes


def test_cli_from_torch_and_from_onnx(tmp_path):
    model = f"{HERE / 'fixture_models.py'}:EncoderLayer"
    r = CliRunner().invoke(main, ["trace", "from-torch", model, "--input-shape", "64,1,256",
                                  "--batch", "1", "-o", str(tmp_path / "t.json")])
    assert r.exit_code == 0, r.output
    assert load_workload(tmp_path / "t.json").dense_macs() == 52_428_800
    r = CliRunner().invoke(main, ["trace", "from-torch", f"{HERE / 'fixture_models.py'}:Nope",
                                  "--input-shape", "1", "-o", str(tmp_path / "x.json")])
    assert r.exit_code == 2 and "defines no 'Nope'" in r.output


def test_nm_sparsify_keeps_two_of_every_four(tmp_path):
    from accelsim.traces.sparsify import nm

    w = np.arange(1.0, 13.0).reshape(2, 6)  # rows of 6: groups of 4 and a short one of 2
    mask = nm({"w": w}, 2, 4)["w"]
    assert mask.tolist() == [[False, False, True, True, True, True]] * 2
