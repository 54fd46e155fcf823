"""Design points are the parsed base arch with fields replaced: no file is read per point."""

import builtins
import io
import os

import pytest

from accelsim.errors import SpecError
from accelsim.explore.runner import run_sweep
from accelsim.spec import load_arch
from accelsim.spec.arch import with_fields
from accelsim.spec.sweep import load_sweep
from accelsim.spec.validate import outside_references
from tests.conftest import ROOT


def test_a_cluster_sweep_opens_its_node_file_once(tmp_path, monkeypatch):
    """sweeps/cluster_gtx1080.yaml: 160 points x 3 workloads on one node arch (gtx1080.yaml);
    before typed points every point re-read it (480 + 1 opens)."""
    opened = []
    real_open, real_io_open = builtins.open, io.open

    def counting(real):
        def open_(file, *args, **kwargs):
            opened.append(str(file))
            return real(file, *args, **kwargs)
        return open_

    monkeypatch.setattr(builtins, "open", counting(real_open))
    monkeypatch.setattr(io, "open", counting(real_io_open))  # Path.read_text uses io.open
    sweep = load_sweep(ROOT / "sweeps/cluster_gtx1080.yaml")
    summary = run_sweep(sweep, tmp_path / "out", workers=1, progress=False)
    assert summary.computed == 160 * 3
    node = str(ROOT / "archs/gtx1080.yaml")
    assert sum(os.path.realpath(p) == node for p in opened) == 1, [p for p in opened if "arch" in p]


def test_replaced_fields_equal_a_reparsed_arch(tmp_path):
    """A nested field (cluster.network.latency_s) and a top-level one, set on the parsed
    config, give the config that parsing the edited arch file gives; so does the clock."""
    import yaml

    doc = yaml.safe_load((ROOT / "archs/cluster_gtx1080_1gbe.yaml").read_text())
    doc["cluster"]["node"] = str(ROOT / "archs" / doc["cluster"]["node"])
    doc["cluster"]["network"]["latency_s"] = 5e-4
    doc["cluster"]["gpus_per_node"] = 2
    (tmp_path / "edited.yaml").write_text(yaml.safe_dump(doc))
    base = load_arch(ROOT / "archs/cluster_gtx1080_1gbe.yaml")
    changed = with_fields(base, {("cluster", "network", "latency_s"): 5e-4,
                                 ("cluster", "gpus_per_node"): 2})
    with outside_references():  # the edited copy names the shipped node file outside tmp_path
        edited = load_arch(tmp_path / "edited.yaml")
    assert changed.config == edited.config != base.config
    vc707 = load_arch(ROOT / "archs/vc707.yaml")
    faster = with_fields(vc707, {("clock_hz",): 1.5e8})
    assert faster.clock_hz == faster.config.clock_hz == 1.5e8 != vc707.config.clock_hz


def test_a_field_naming_a_file_cannot_be_swept(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(f"""
schema_version: 1
name: nodes
arch: {ROOT / 'archs/cluster_gtx1080_1gbe.yaml'}
workloads: [{ROOT / 'workloads/alexnet_train.json'}]
parameters:
  node: {{values: [gtx1080.yaml]}}
""")
    with pytest.raises(SpecError, match="parameters.node.*cannot be varied"):
        load_sweep(spec)
