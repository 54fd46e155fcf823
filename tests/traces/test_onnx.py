"""ONNX extraction on models built with the onnx helper API (no torch needed)."""

import numpy as np
import pytest
from click.testing import CliRunner

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from accelsim.cli import main  # noqa: E402
from accelsim.spec import load_workload  # noqa: E402
from accelsim.traces import extract  # noqa: E402
from accelsim.traces.trace import layer_mask  # noqa: E402


def _model(path):
    rng = np.random.default_rng(0)
    conv_w = rng.normal(size=(4, 1, 3, 3)).astype(np.float32)
    conv_w[2] = 0
    fc_w = rng.normal(size=(4 * 4 * 4, 10)).astype(np.float32)   # MatMul weight: in × out
    gemm_w = rng.normal(size=(3, 10)).astype(np.float32)          # Gemm with transB: out × in
    lstm_w = rng.normal(size=(1, 8, 3)).astype(np.float32)
    lstm_r = rng.normal(size=(1, 8, 2)).astype(np.float32)
    inits = [numpy_helper.from_array(a, n) for a, n in (
        (conv_w, "conv_w"), (fc_w, "fc_w"), (gemm_w, "gemm_w"), (lstm_w, "lstm_w"),
        (lstm_r, "lstm_r"), (np.array([1, 1, 3], dtype=np.int64), "shape3"))]
    nodes = [
        helper.make_node("Conv", ["x", "conv_w"], ["c"], name="conv", pads=[1, 1, 1, 1],
                         strides=[2, 2], kernel_shape=[3, 3]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("Flatten", ["r"], ["f"], name="flatten"),
        helper.make_node("MatMul", ["f", "fc_w"], ["h"], name="fc"),
        helper.make_node("Gemm", ["h", "gemm_w"], ["g"], name="head", transB=1),
        helper.make_node("Reshape", ["g", "shape3"], ["seq"], name="reshape"),
        helper.make_node("LSTM", ["seq", "lstm_w", "lstm_r"], ["y"], name="lstm", hidden_size=2),
    ]
    graph = helper.make_graph(
        nodes, "tinynet", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 1, 2])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, path)
    return conv_w


def test_onnx_layers_shapes_and_masks(tmp_path):
    conv_w = _model(tmp_path / "m.onnx")
    trace = extract.from_onnx(tmp_path / "m.onnx")
    assert [l.name for l in trace.layers] == ["conv", "relu", "fc", "head", "lstm"]
    assert trace.layers[1].spec["kind"] == "eltwise"  # a vector layer, timed where modelled
    assert trace.notes == ("view, layout and shape/constant ops (no arithmetic on activations, "
                           "not timed): Flatten×1, Reshape×1",)
    trace.write(tmp_path / "m.json")
    workload = load_workload(tmp_path / "m.json")
    conv = workload.layer("conv")
    assert (conv.in_hw, conv.stride, conv.padding, conv.out_hw) == ((8, 8), (2, 2), (1, 1), (4, 4))
    assert conv.row_sparsity == 0.25
    assert (layer_mask(conv) == (conv_w != 0)).all()
    assert (workload.layer("fc").in_features, workload.layer("fc").out_features) == (64, 10)
    assert (workload.layer("head").in_features, workload.layer("head").out_features) == (10, 3)
    lstm = workload.layer("lstm")
    assert (lstm.input_size, lstm.hidden_size) == (3, 2)


def test_onnx_cli_and_run(tmp_path):
    _model(tmp_path / "m.onnx")
    out = tmp_path / "m.json"
    r = CliRunner().invoke(main, ["trace", "from-onnx", str(tmp_path / "m.onnx"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "Flatten×1, Reshape×1" in r.output
    r = CliRunner().invoke(main, ["run", "archs/vc707.yaml", str(out)])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("content", [b"\x08\x01garbage that is not protobuf \xff\xfe", b""])
def test_corrupt_onnx_one_line_nothing_written(tmp_path, content):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(content)
    r = CliRunner().invoke(main, ["trace", "from-onnx", str(bad), "-o", str(tmp_path / "o.json")])
    assert r.exit_code == 2
    assert r.output.startswith(f"error: {bad}:") and len(r.output.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.onnx"]


def _conv_model(path, pads, dilations=(1, 1)):
    w = numpy_helper.from_array(np.ones((2, 1, 3, 3), dtype=np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="c", pads=list(pads), strides=[2, 2],
                            dilations=list(dilations))
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2, None, None])], [w])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def test_onnx_asymmetric_pads_and_dilation_keep_the_output_size(tmp_path):
    # pads (top, left, bottom, right) = (0, 0, 1, 1): out = ⌊(8 + 1 − 3) / 2⌋ + 1 = 4; the
    # symmetric 0 would give 3, the symmetric 1 gives ⌊(8 + 2 − 3) / 2⌋ + 1 = 4
    _conv_model(tmp_path / "a.onnx", (0, 0, 1, 1))
    conv = extract.from_onnx(tmp_path / "a.onnx", batch=4).workload().layers[0]
    assert conv.padding == (1, 1) and conv.out_hw == (4, 4)
    # dilation 2: extent 5, out = ⌊(8 + 2 − 5) / 2⌋ + 1 = 3; symbolic batch set to --batch
    _conv_model(tmp_path / "d.onnx", (1, 1, 1, 1), (2, 2))
    wl = extract.from_onnx(tmp_path / "d.onnx", batch=4).workload()
    assert wl.batch == 4 and wl.layers[0].dilation == (2, 2) and wl.layers[0].out_hw == (3, 3)
    assert wl.dense_macs() == 4 * 2 * 9 * 3 * 3
