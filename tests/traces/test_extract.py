"""Extraction from npz, ONNX and PyTorch; bad files give one line and write nothing."""

import json

from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from accelsim.cli import main
from accelsim.errors import AccelsimError
from accelsim.spec import load_workload
from accelsim.traces import extract
from accelsim.traces.groups import sparsity_statistics
from accelsim.traces.trace import layer_mask
from accelsim.validate.published import published

LAYERS = {"name": "tiny", "batch": 2, "layers": [
    {"name": "conv1", "kind": "conv", "in_channels": 2, "out_channels": 4, "kernel": 3,
     "padding": 1, "groups": 2, "in_hw": 6, "weight": "c1"},
    {"name": "fc1", "kind": "fc", "in_features": 144, "out_features": 5},
    {"name": "rnn", "kind": "lstm", "input_size": 5, "hidden_size": 3, "timesteps": 4,
     "weight": ["w_ih", "w_hh"]},
]}


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    c1 = rng.normal(size=(4, 1, 3, 3))
    c1[1] = 0                      # one zero filter
    fc = rng.normal(size=(5, 144)) * (rng.random((5, 144)) > 0.7)
    return {"c1": c1, "fc1": fc, "w_ih": rng.normal(size=(12, 5)), "w_hh": rng.normal(size=(12, 3))}


@pytest.fixture
def npz_source(tmp_path):
    np.savez(tmp_path / "w.npz", **_arrays())
    (tmp_path / "layers.json").write_text(json.dumps(LAYERS))
    return tmp_path / "w.npz", tmp_path / "layers.json"


def test_npz_trace_statistics_agree_with_masks(npz_source, tmp_path):
    trace = replace(extract.from_npz(*npz_source), rank_error=0.05)  # ranks are opt-in
    workload = trace.write(tmp_path / "out" / "tiny.json")
    again = load_workload(tmp_path / "out" / "tiny.json")
    arrays = _arrays()
    assert [l.name for l in again.layers] == ["conv1", "fc1", "rnn"]
    conv = again.layer("conv1")
    assert conv.row_sparsity == 0.25 and conv.weight_density == 0.75
    assert (layer_mask(conv) == (arrays["c1"] != 0)).all()
    fc = again.layer("fc1")
    assert fc.weight_density == pytest.approx((arrays["fc1"] != 0).mean())
    assert layer_mask(again.layer("rnn")).shape == (12, 8)
    assert workload.layer("rnn").rank in range(1, 9)
    assert workload.layer("conv1").rank % 2 == 0  # groups × the largest group rank


def test_extracted_trace_runs_through_accelsim_run(npz_source, tmp_path):
    out = tmp_path / "t.json"
    r = CliRunner().invoke(main, ["trace", "from-npz", str(npz_source[0]), "--layers",
                                  str(npz_source[1]), "-o", str(out)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["run", "archs/vc707.yaml", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)["layers"]
    assert [row["layer"] for row in rows] == ["conv1", "fc1", "rnn"]


@pytest.mark.parametrize("content, problem", [
    (b"this is not a zip file", "not a readable .npz"),
    (None, "no array 'c1'"),
])
def test_bad_npz_one_line_nothing_written(tmp_path, content, problem):
    source = tmp_path / "bad.npz"
    if content is None:
        np.savez(source, other=np.zeros(3))
    else:
        source.write_bytes(content)
    (tmp_path / "layers.json").write_text(json.dumps(LAYERS))
    out = tmp_path / "o" / "x.json"
    r = CliRunner().invoke(main, ["trace", "from-npz", str(source), "--layers",
                                  str(tmp_path / "layers.json"), "-o", str(out)])
    assert r.exit_code == 2
    assert problem in r.output and str(source) in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_shape_mismatch_names_the_layer(tmp_path):
    arrays = _arrays()
    arrays["c1"] = arrays["c1"][:, :, :2]
    np.savez(tmp_path / "w.npz", **arrays)
    (tmp_path / "layers.json").write_text(json.dumps(LAYERS))
    with pytest.raises(AccelsimError, match=r"'c1' has shape \(4, 1, 2, 3\), layer 'conv1'"):
        extract.from_npz(tmp_path / "w.npz", tmp_path / "layers.json")


def test_rewrite_replaces_masks_atomically(npz_source, tmp_path):
    out = tmp_path / "t.json"
    extract.from_npz(*npz_source).write(out)
    extract.from_npz(*npz_source).write(out, force=True)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert len(list((tmp_path / "t.masks").glob("*.npz"))) == 3


def test_lenet_flop_percentages_from_ssl_masks():
    """S000 Tables 2.1/2.2: FLOP % of conv1/conv2 from masks with the published structure."""
    from accelsim.traces.experiments import lenet_flop_pct, lenet_masks

    tables = published()["s000_lenet_flops"]
    for row in tables["table2_1"] + tables["table2_2"]:
        assert lenet_flop_pct(row) == row["flop_pct"], row
        channels = sparsity_statistics(lenet_masks(row)[1], "conv")["channel_sparsity"]
        assert round(20 * (1 - channels)) == row["channels"][1]
