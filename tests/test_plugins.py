"""Engine plug-ins: the toy engine of tests/fixtures/plugin, made importable by putting its
folder (package + .dist-info with entry_points.txt) on sys.path, runs through
``accelsim list``, ``run`` and ``sweep`` like a built-in engine."""

import json

import pytest
from click.testing import CliRunner

from accelsim import registry
from accelsim.cli import main
from accelsim.explore.store import Store
from tests.conftest import ROOT

PLUGIN = ROOT / "tests" / "fixtures" / "plugin"
FC = {"schema_version": 1, "name": "one_fc", "source": "test", "batch": 1,
      "layers": [{"name": "fc", "kind": "fc", "in_features": 4096, "out_features": 1000}]}


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN))
    registry.engine.cache_clear()
    yield PLUGIN / "toy.yaml"
    registry.engine.cache_clear()


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_list_shows_the_plugin_engine_and_its_options(toy):
    r = invoke("list", "--root", ROOT)
    assert r.exit_code == 0, r.output
    line = next(line for line in r.output.splitlines() if line.strip().startswith("toy "))
    assert "plug-in accelsim_toy:ENGINE (accelsim-toy)" in line and "--slowdown" in line


def test_run_uses_the_plugin_and_its_generated_flag(toy):
    # AlexNet conv1, batch 1: 96 x (3 x 11 x 11) x 55 x 55 = 105,415,200 MACs;
    # at 256 MACs/cycle, slowdown 2: ceil(105,415,200 / 128) = 823,557 cycles
    r = invoke("run", toy, ROOT / "workloads/alexnet_dense.json", "--slowdown", "2",
               "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["engine"] == "toy" and out["notes"] == ["toy engine, slowdown 2"]
    assert out["layers"][0]["dense_macs"] == 105_415_200  # JSON: fixed SI units (MACs)
    assert out["layers"][0]["cycles"] == 823_557


def test_sweep_varies_a_plugin_field_and_option(toy, tmp_path):
    (tmp_path / "fc.json").write_text(json.dumps(FC))
    (tmp_path / "s.yaml").write_text(f"""
schema_version: 1
name: toy_sweep
arch: {toy}
workloads: [fc.json]
parameters:
  macs_per_cycle: {{values: [128, 256]}}
  options.slowdown: {{values: [1.0, 2.0]}}
""")
    r = invoke("sweep", tmp_path / "s.yaml", "--out", tmp_path / "out", "--workers", 1,
               "--no-progress")
    assert r.exit_code == 0, r.output
    rows = Store(tmp_path / "out").read().sort_values("point")
    # 4096 x 1000 = 4,096,000 MACs: / 128 = 32,000 cycles, / 256 = 16,000; x slowdown
    assert rows["cycles"].tolist() == [32_000, 64_000, 16_000, 32_000]


def test_a_broken_plugin_is_listed_invalid_and_refused_in_one_line(toy, tmp_path,
                                                                   monkeypatch):
    info = tmp_path / "broken-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[accelsim.engines]\nbroken = no_such_module:X\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "b.yaml").write_text("schema_version: 1\nname: b\nengine: broken\n"
                                     "broken: {}\n")
    listed = invoke("list", "--root", ROOT)
    assert "broken  [INVALID: engine 'broken': plug-in no_such_module:X" in listed.output
    r = invoke("run", tmp_path / "b.yaml", ROOT / "workloads/alexnet_dense.json")
    assert r.exit_code == 2 and "failed to load: ModuleNotFoundError" in r.output
    assert "Traceback" not in r.output
