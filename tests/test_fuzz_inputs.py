"""Fuzzing every input format in-process (issue 17): every shipped arch (each engine's
block), workload (each layer kind), sweep spec and mask file, and generated npz, torch and
ONNX inputs, mutated by hypothesis (deleted fields, wrong types, NaN/inf, huge and tiny
numbers, integral floats, duplicate keys, YAML tags and aliases, deep nesting, truncation,
bit flips, garbage). Each case must either load (and then simulate to finite numbers) or
fail with one AccelsimError line naming the file, within a bounded time and memory; any
other exception is a failure.

About 3,100 cases per run (the ``CASES`` below); ``ACCELSIM_FUZZ=large`` runs ten times
as many (``smoke``: a twentieth, while developing).
"""

import io
import json
import math
import os
import resource
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from accelsim.errors import AccelsimError
from accelsim.registry import simulate
from accelsim.spec import load_arch, load_workload
from accelsim.spec.sweep import load_sweep
from accelsim.spec.validate import parse_yaml, schema
from accelsim.spec.workload import workload_from_dict
from tests.conftest import ROOT

SCALE = {"large": 10, "smoke": 0.05}.get(os.environ.get("ACCELSIM_FUZZ", ""), 1)
CASES = {"arch": 700, "workload": 700, "sweep": 250, "mask": 450, "npz": 350, "torch": 250,
         "onnx": 400, "bounds": 25}
CASE_SECONDS = 20.0           # one case, on a loaded 2-core machine
RSS_GROWTH_BYTES = 3 << 30    # the whole fuzz run may not grow the process by more
CASE_PEAK_BYTES = 3 << 30     # nor one case's peak (reset per case where Linux allows)
BOUNDS_CASE_SECONDS = 120.0   # one engine run at the schema's size bounds, and its memory:
BOUNDS_PEAK_BYTES = 4 << 30   # EIE holds up to 2^27 non-zeros (VGG-16 fc6 dense, 1.0e8: 2.6 GB)

BAD_VALUES = [float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 1e-300, -1, 0, -0.5,
              2 ** 70, 10 ** 25, 3.0, 0.5, True, False, None, "x", "", [], {}, [1, 2, 3],
              {"a": 1}, "1e9", 2 ** 31, 65537, 16777217]
UNKNOWN_KEYS = ["colour", "Batch", "kernal", "1", "", "a.b", "x" * 300]
YAML_INSERTS = ["!!binary aGVsbG8=", "!!set {a, b}", "&a [*a]", "*nowhere", "!!python/object:os.system x",
                "2020-01-01", "[" * 200, "? [a, b]", "{a: 1, a: 2}", ".nan", "!!timestamp 2001-12-14"]
TINY = {"conv": {"name": "c", "kind": "conv", "in_channels": 4, "out_channels": 8,
                 "kernel": 3, "in_hw": 8, "padding": 1},
        "fc": {"name": "f", "kind": "fc", "in_features": 16, "out_features": 8}}

FUZZ = dict(deadline=None, derandomize=False, database=None,
            suppress_health_check=list(HealthCheck))


def _examples(kind: str) -> settings:
    return settings(max_examples=max(1, int(CASES[kind] * SCALE)), **FUZZ)


# ---- the corpus: shipped files, copied with everything they reference -----------------
@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    for folder in ("archs", "workloads", "sweeps"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    """Every engine run once first: a case's time bound is not its numba compilation (the
    large profile's first EIE case took 28 s under load, its rerun well under 1 s)."""
    for name in ENGINE_ARCHS:
        arch = load_arch(ROOT / "archs" / f"{name}.yaml")
        simulate(arch, _tiny_workload(arch.engine), {})


ARCH_FILES = sorted(p.name for p in (ROOT / "archs").glob("*.yaml"))
WORKLOAD_FILES = sorted(p.name for p in (ROOT / "workloads").glob("*.json"))
SWEEP_FILES = sorted(p.name for p in (ROOT / "sweeps").glob("*.yaml"))
MASK_FILES = sorted(p.name for p in (ROOT / "workloads" / "lenet5_digits_ssl.masks").glob(
    "*.npz"))
_BASELINE_RSS = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _nodes(doc, path=()):
    """(path, container) of every mapping and list in a document, the top level included."""
    if isinstance(doc, dict | list):
        yield path, doc
        items = doc.items() if isinstance(doc, dict) else enumerate(doc)
        for key, value in items:
            yield from _nodes(value, (*path, key))


@st.composite
def mutated_text(draw, doc: dict, suffix: str) -> str:
    """A document mutated structurally and then, sometimes, as text."""
    doc = json.loads(json.dumps(doc))
    nodes = list(_nodes(doc))  # of the original: a nested mutation is never descended into
    for _ in range(draw(st.integers(1, 3))):
        path, node = draw(st.sampled_from(nodes))
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        how = draw(st.sampled_from(["delete", "value", "value", "unknown", "nest"]))
        if how == "delete" and keys:
            del node[draw(st.sampled_from(keys))]
        elif how == "value" and keys:
            node[draw(st.sampled_from(keys))] = draw(st.sampled_from(BAD_VALUES))
        elif how == "unknown" and isinstance(node, dict):
            node[draw(st.sampled_from(UNKNOWN_KEYS))] = draw(st.sampled_from(BAD_VALUES))
        elif how == "nest" and keys:
            deep = 1
            for _ in range(draw(st.sampled_from([5, 40, 200]))):
                deep = [deep]
            node[draw(st.sampled_from(keys))] = deep
    if suffix == ".json":
        text = json.dumps(doc, allow_nan=True)
    else:
        text = yaml.safe_dump(doc, sort_keys=False)
    how = draw(st.sampled_from(["none", "none", "truncate", "flip", "duplicate", "insert",
                                "garbage"]))
    if how == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif how == "flip" and text:
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + chr((ord(text[at]) ^ (1 << draw(st.integers(0, 6)))) or 32) \
            + text[at + 1:]
    elif how == "duplicate":
        lines = text.splitlines()
        at = draw(st.integers(0, len(lines) - 1))
        text = "\n".join(lines[: at + 1] + lines[at:])
    elif how == "insert":
        lines = text.splitlines()
        at = draw(st.integers(0, len(lines) - 1))
        head = lines[at].split(":")[0] if ":" in lines[at] else lines[at]
        lines[at] = f"{head}: {draw(st.sampled_from(YAML_INSERTS))}"
        text = "\n".join(lines)
    elif how == "garbage":
        text = draw(st.text(max_size=200))
    return text


def _peak_reset() -> int | None:
    """Reset this process's peak resident memory (Linux: /proc/self/clear_refs); the
    resident memory now, or None where the peak cannot be reset."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_bytes("VmRSS")
    except OSError:
        return None


def _status_bytes(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise OSError(f"no {key}")


def _expect_clean(run, path: Path, *names, seconds: float = CASE_SECONDS,
                  peak_bytes: int = CASE_PEAK_BYTES):
    """``run()`` succeeds or raises one AccelsimError line naming one of ``names``, within
    ``seconds`` and CASE_PEAK_BYTES more resident memory at its peak."""
    resident = _peak_reset()
    began = time.monotonic()
    try:
        run()
    except AccelsimError as exc:
        line = exc.one_line()
        assert "\n" not in line, line
        assert any(str(n) in line for n in (path, *names)), line
    finally:
        elapsed = time.monotonic() - began
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - _BASELINE_RSS
    assert elapsed < seconds, f"{elapsed:.1f} s"
    assert grown < max(RSS_GROWTH_BYTES, peak_bytes), \
        f"resident memory grew by {grown / 2 ** 30:.1f} GiB"
    if resident is not None:
        peak = _status_bytes("VmHWM") - resident
        assert peak < peak_bytes, f"the case's peak memory grew by {peak / 2 ** 30:.1f} GiB"


def _finite(result) -> None:
    """Every number of every layer row (its engine's columns too) is finite and not
    negative: a count that wrapped round (an integer overflow) shows up here."""
    for row in result.layers:
        for key, value in row.as_row().items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert math.isfinite(value) and value >= 0, (row.name, key, value)
        # no layer beats the peak (a count wrapped to a small number would)
        assert row.cycles * result.peak_macs_per_cycle >= row.effective_macs * (1 - 1e-9), \
            (row.name, row.cycles, row.effective_macs)


def _tiny_workload(engine: str):
    layer = TINY["fc" if engine == "eie" else "conv"]
    return workload_from_dict({"schema_version": 1, "name": "tiny", "source": "fuzz",
                               "batch": 2, "layers": [layer]})


def _write(path: Path, text: str) -> Path:
    path.write_text(text, errors="surrogateescape")
    return path


# ---- arch, workload, sweep ---------------------------------------------------------------
@_examples("arch")
@given(data=st.data(), name=st.sampled_from(ARCH_FILES))
def test_fuzz_arch_files(corpus, data, name):
    doc = parse_yaml((ROOT / "archs" / name).read_text())
    path = _write(corpus / "archs" / f"fuzz_{name}", data.draw(mutated_text(doc, ".yaml")))

    def run():
        arch = load_arch(path)
        _finite(simulate(arch, _tiny_workload(arch.engine), {}))

    _expect_clean(run, path)


_HOST = None


def _h100():
    global _HOST
    _HOST = _HOST or load_arch(ROOT / "archs" / "h100.yaml")
    return _HOST


@_examples("workload")
@given(data=st.data(), name=st.sampled_from(WORKLOAD_FILES))
def test_fuzz_workload_files(corpus, data, name):
    doc = json.loads((ROOT / "workloads" / name).read_text())
    path = _write(corpus / "workloads" / f"fuzz_{name}", data.draw(mutated_text(doc, ".json")))

    def run():
        _finite(simulate(_h100(), load_workload(path), {}))

    _expect_clean(run, path)


@_examples("sweep")
@given(data=st.data(), name=st.sampled_from(SWEEP_FILES))
def test_fuzz_sweep_files(corpus, data, name):
    doc = parse_yaml((ROOT / "sweeps" / name).read_text())
    path = _write(corpus / "sweeps" / f"fuzz_{name}", data.draw(mutated_text(doc, ".yaml")))
    _expect_clean(lambda: load_sweep(path), path)


# ---- masks -------------------------------------------------------------------------------
def _npz(arrays: dict) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@st.composite
def mutated_bytes(draw, data: bytes) -> bytes:
    how = draw(st.sampled_from(["truncate", "flip", "flips", "garbage", "empty", "prefix"]))
    if how == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if how in ("flip", "flips"):
        out = bytearray(data)
        for _ in range(1 if how == "flip" else draw(st.integers(2, 50))):
            out[draw(st.integers(0, len(out) - 1))] ^= 1 << draw(st.integers(0, 7))
        return bytes(out)
    if how == "garbage":
        return draw(st.binary(max_size=500))
    if how == "prefix":
        return draw(st.binary(max_size=30)) + data
    return b""


@st.composite
def mutated_arrays(draw, arrays: dict) -> dict:
    arrays = dict(arrays)
    key = draw(st.sampled_from(sorted(arrays)))
    how = draw(st.sampled_from(["dtype", "shape", "drop", "extra", "nan", "object", "scalar",
                                "huge_dim"]))
    a = arrays[key]
    if how == "dtype":
        arrays[key] = a.astype(draw(st.sampled_from([np.uint8, np.int64, np.float16,
                                                     np.float64, np.complex64])))
    elif how == "shape":
        arrays[key] = a.reshape(-1) if a.ndim > 1 else a.reshape(1, -1)
    elif how == "drop":
        del arrays[key]
    elif how == "extra":
        arrays[draw(st.sampled_from(["extra", "activation", "activation_density"]))] = \
            np.ones(draw(st.integers(0, 5)))
    elif how == "nan":
        arrays[key] = np.full(a.shape, np.nan)
    elif how == "object":
        arrays[key] = np.array([{"a": 1}], dtype=object)
    elif how == "scalar":
        arrays[key] = np.array(5)
    else:
        arrays[key] = np.zeros((0, *a.shape[1:]), dtype=a.dtype)
    return arrays


LENET = json.loads((ROOT / "workloads" / "lenet5_digits_ssl.json").read_text())


@_examples("mask")
@given(data=st.data(), name=st.sampled_from(MASK_FILES))
def test_fuzz_mask_files(corpus, data, name):
    original = ROOT / "workloads" / "lenet5_digits_ssl.masks" / name
    if data.draw(st.booleans()):
        content = data.draw(mutated_bytes(original.read_bytes()))
    else:
        with np.load(original) as arrays:
            content = _npz(data.draw(mutated_arrays({k: arrays[k] for k in arrays.files})))
    folder = corpus / "workloads" / "fuzz.masks"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(content)
    doc = json.loads(json.dumps(LENET))
    for layer in doc["layers"]:
        if layer.get("mask", "").endswith(name):
            layer["mask"] = f"fuzz.masks/{name}"
    path = _write(corpus / "workloads" / "fuzz_lenet.json", json.dumps(doc))
    _expect_clean(lambda: _finite(simulate(_h100(), load_workload(path), {})), path)


# ---- trace inputs: npz, torch, ONNX ------------------------------------------------------
TRACE_LAYERS = {"name": "tiny", "batch": 1, "layers": [
    {"name": "conv1", "kind": "conv", "in_channels": 2, "out_channels": 4, "kernel": 3,
     "padding": 1, "in_hw": 6},
    {"name": "fc1", "kind": "fc", "in_features": 144, "out_features": 5}]}


def _trace_arrays(prefix: str = "", suffix: str = "") -> dict:
    rng = np.random.default_rng(0)
    return {f"{prefix}conv1{suffix}": rng.normal(size=(4, 2, 3, 3)),
            f"{prefix}fc1{suffix}": rng.normal(size=(5, 144)) * (rng.random((5, 144)) > 0.5)}


def _traced(corpus, load, *names):
    from accelsim.traces.trace import Trace

    def run():
        trace = load()
        assert isinstance(trace, Trace)
        trace.write(corpus / "out" / "t.json", force=True)

    return run


@_examples("npz")
@given(data=st.data())
def test_fuzz_npz_weights(corpus, data):
    from accelsim.traces import extract

    layers = corpus / "layers.json"
    layers.write_text(json.dumps(TRACE_LAYERS))
    good = _npz(_trace_arrays())
    content = data.draw(st.one_of(mutated_bytes(good), st.builds(
        _npz, mutated_arrays(_trace_arrays()))))
    path = corpus / "w.npz"
    path.write_bytes(content)
    (corpus / "out").mkdir(exist_ok=True)
    _expect_clean(_traced(corpus, lambda: extract.from_npz(path, layers)), path, layers,
                  corpus / "out")


@_examples("torch")
@given(data=st.data())
def test_fuzz_torch_state_dicts(corpus, data):
    torch = pytest.importorskip("torch")
    from accelsim.traces import extract

    layers = corpus / "torch_layers.json"
    layers.write_text(json.dumps(TRACE_LAYERS))
    state = {k: torch.tensor(v) for k, v in _trace_arrays(suffix=".weight").items()}
    key = data.draw(st.sampled_from(sorted(state)))
    how = data.draw(st.sampled_from(["bfloat16", "half", "int", "bool", "sparse", "shape",
                                     "drop", "nan", "not_tensor", "pruned", "pruned_bad",
                                     "bytes"]))
    t = state[key]
    if how in ("bfloat16", "half"):
        state[key] = t.to(torch.bfloat16 if how == "bfloat16" else torch.float16)
    elif how == "int":
        state[key] = t.to(torch.int64)
    elif how == "bool":
        state[key] = t != 0
    elif how == "sparse":
        state[key] = t.to_sparse()
    elif how == "shape":
        state[key] = t.reshape(-1)
    elif how == "drop":
        del state[key]
    elif how == "nan":
        state[key] = torch.full_like(t, float("nan"))
    elif how == "not_tensor":
        state[key] = data.draw(st.sampled_from([1, "x", [1.0], None]))
    elif how in ("pruned", "pruned_bad"):
        stem = key[: -len(".weight")]
        del state[key]
        state[f"{stem}.weight_orig"] = t
        state[f"{stem}.weight_mask"] = (t != 0).double() if how == "pruned" else \
            torch.ones(1, *t.shape[1:])
    path = corpus / "s.pt"
    buffer = io.BytesIO()
    torch.save(state, buffer)
    content = buffer.getvalue()
    if how == "bytes":
        content = data.draw(mutated_bytes(content))
    path.write_bytes(content)
    (corpus / "out").mkdir(exist_ok=True)
    _expect_clean(_traced(corpus, lambda: extract.from_state_dict(path, layers)), path,
                  layers, corpus / "out")


def _onnx_model(mutation: dict) -> bytes:
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    conv_w = rng.normal(size=mutation.get("conv_shape", (4, 2, 3, 3))).astype(np.float32)
    if mutation.get("nan"):
        conv_w[:] = np.nan
    fc_w = rng.normal(size=(144, 5)).astype(np.float32)
    inits = [numpy_helper.from_array(conv_w, "conv_w"), numpy_helper.from_array(fc_w, "fc_w")]
    conv = {"pads": mutation.get("pads", [1, 1, 1, 1]), "strides": mutation.get("strides", [1, 1]),
            "group": mutation.get("group", 1)}
    nodes = [helper.make_node("Conv", ["x", "conv_w"], ["c"], name="conv", **conv),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Flatten", ["r"], ["f"], name="flatten"),
             helper.make_node("MatMul", ["f", "fc_w"], ["y"], name="fc")]
    graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, mutation.get("input", [1, 2, 6, 6]))], [
        helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model.SerializeToString()


@_examples("onnx")
@given(data=st.data())
def test_fuzz_onnx_models(corpus, data):
    pytest.importorskip("onnx")
    from accelsim.traces import extract

    mutation = data.draw(st.fixed_dictionaries({}, optional={
        "conv_shape": st.sampled_from([(4, 1, 3, 3), (4, 2, 5, 5), (3, 2, 3, 3), (4, 2, 3)]),
        "nan": st.booleans(),
        "pads": st.sampled_from([[0, 0, 0, 0], [2, 2, 2, 2], [1, 0, 1, 0], [-1, 1, 1, 1]]),
        "strides": st.sampled_from([[2, 2], [1, 3], [0, 1]]),
        "group": st.sampled_from([2, 3, 0]),
        "input": st.sampled_from([[1, 2, 6, 6], [2, 2, 6, 6], [1, 3, 6, 6], ["n", 2, 6, 6],
                                  [1, 2, 2, 2]])}))
    content = _onnx_model(mutation)
    if data.draw(st.booleans()):
        content = data.draw(mutated_bytes(content))
    path = corpus / "m.onnx"
    path.write_bytes(content)
    (corpus / "out").mkdir(exist_ok=True)
    _expect_clean(_traced(corpus, lambda: extract.from_onnx(path)), path, corpus / "out")


# ---- engines at the schema's bounds -----------------------------------------------------
_BOUNDS = schema("workload")
COUNT_MAX = _BOUNDS["$defs"]["count"]["maximum"]          # channels, features, steps, ...
PAIR_MAX = _BOUNDS["$defs"]["pair"]["oneOf"][0]["maximum"]  # kernel, in_hw
BATCH_MAX = _BOUNDS["properties"]["batch"]["maximum"]
ENGINE_ARCHS = ["vc707", "h100", "eie", "scnn", "cluster_p100_ib", "i7_5930k", "tpu_like"]
_LOADED = {}


@st.composite
def extreme_layers(draw):
    """A layer whose sizes are each 1, small or the schema's maximum."""
    count = st.sampled_from([1, 3, 64, 4096, COUNT_MAX])
    kind = draw(st.sampled_from(["conv", "fc", "matmul", "lstm"]))
    layer = {"name": "x", "kind": kind}
    if kind == "conv":
        hw = draw(st.sampled_from([1, 8, 224, PAIR_MAX]))
        layer.update(in_channels=draw(count), out_channels=draw(count), in_hw=hw,
                     kernel=draw(st.sampled_from([1, 3, hw])),
                     padding=draw(st.sampled_from([0, 1])))
    elif kind in ("fc", "matmul"):
        layer.update(in_features=draw(count), out_features=draw(count))
        if kind == "matmul":
            layer["columns"] = draw(count)
    else:
        layer.update(input_size=draw(count), hidden_size=draw(count), timesteps=draw(count))
    for field in ("weight_density", "activation_density"):
        if draw(st.booleans()):
            layer[field] = draw(st.sampled_from([1e-9, 0.5, 1.0]))
    return layer


@_examples("bounds")
@given(layer=extreme_layers(), batch=st.sampled_from([1, 2, BATCH_MAX]),
       name=st.sampled_from(ENGINE_ARCHS))
def test_fuzz_engines_at_the_schema_bounds(layer, batch, name):
    """Valid layers at the schema's size bounds: every engine gives finite numbers or one
    line (EIE/SCNN: a layer too large to hold), within a case's time and memory."""
    arch = _LOADED.get(name) or _LOADED.setdefault(name, load_arch(ROOT / "archs" /
                                                                   f"{name}.yaml"))

    def run():
        workload = workload_from_dict({"schema_version": 1, "name": "bounds",
                                       "source": "fuzz", "batch": batch, "layers": [layer]})
        _finite(simulate(arch, workload, {}))

    _expect_clean(run, Path(arch.path), "layers.0", "layer x", seconds=BOUNDS_CASE_SECONDS,
                  peak_bytes=BOUNDS_PEAK_BYTES)

