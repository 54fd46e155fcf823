"""Hypothesis-generated malformed arch and workload files: every one gets exactly one error
line naming the file, exit code 2 and no traceback (at least 200 files per run)."""

import copy
import json
import tempfile
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from accelsim.cli import main

ROOT = Path(__file__).resolve().parents[2]
ARCH = yaml.safe_load((ROOT / "archs" / "vc707.yaml").read_text().replace("200.0e6", "2.0e+8"))
WORKLOAD = json.loads((ROOT / "workloads" / "alexnet_ssl.json").read_text())
BAD_VALUES = ["abc", [1, 2, 3], {"x": 1}, None, True, -1, -0.5]


def _nodes(doc, path=()):
    """Every (path, mapping) in a document, the top level included."""
    if isinstance(doc, dict):
        yield path, doc
        for key, value in doc.items():
            yield from _nodes(value, path + (key,))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _nodes(value, path + (i,))


def _leaves(doc):
    """(parent mapping, key) of every numeric value: all of them are constrained."""
    return [(node, key) for _, node in _nodes(doc) for key, value in node.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)]


@st.composite
def malformed(draw, valid, required_by_node):
    doc = copy.deepcopy(valid)
    how = draw(st.sampled_from(["drop", "unknown", "bad_value", "garbage"]))
    if how == "garbage":
        return draw(st.text(min_size=0, max_size=60).filter(lambda t: t.strip() != ""))
    if how == "drop":
        candidates = [(node, key) for path, node in _nodes(doc) for key in node
                      if key in required_by_node(path)]
        node, key = draw(st.sampled_from(candidates))
        del node[key]
    elif how == "unknown":
        _, node = draw(st.sampled_from(list(_nodes(doc))))
        node[draw(st.sampled_from(["colour", "macs_per_p", "Batch", "kernal"]))] = 1
    else:
        node, key = draw(st.sampled_from(_leaves(doc)))
        bad = draw(st.sampled_from(BAD_VALUES))
        if isinstance(node[key], float) and bad == -1:
            bad = -1.5  # -1 is still a legal float for no field here, but be explicit
        node[key] = bad
    return doc


def _arch_required(path):
    if path == ():
        return {"schema_version", "name", "engine", "clock_hz", "fpga"}
    if path == ("fpga",):
        return set(ARCH["fpga"])
    return set()


def _workload_required(path):
    if path == ():
        return {"schema_version", "name", "source", "batch", "layers"}
    if len(path) == 2 and path[0] == "layers":
        layer = WORKLOAD["layers"][path[1]]
        shape = {"conv": {"in_channels", "out_channels", "kernel", "in_hw"},
                 "fc": {"in_features", "out_features"}}[layer["kind"]]
        return {"name", "kind"} | shape
    return set()


def _run_on(content, suffix, as_arch):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"bad{suffix}"
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_text(yaml.safe_dump(content) if suffix == ".yaml" else json.dumps(content))
        good_arch = str(ROOT / "archs" / "vc707.yaml")
        good_workload = str(ROOT / "workloads" / "alexnet_ssl.json")
        args = ["run", str(path), good_workload] if as_arch else ["run", good_arch, str(path)]
        result = CliRunner().invoke(main, args)
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
        assert len(lines) == 1 and lines[0].startswith(f"error: {path}"), lines
        assert "Traceback" not in result.output


FUZZ = settings(max_examples=110, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(malformed(ARCH, _arch_required))
def test_malformed_arch_files(content):
    _run_on(content, ".yaml", as_arch=True)


@FUZZ
@given(malformed(WORKLOAD, _workload_required))
def test_malformed_workload_files(content):
    _run_on(content, ".json", as_arch=False)
