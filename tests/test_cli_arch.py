"""Arch files without round trips: every problem in one message, wrong-block and swapped-file
errors that say what was meant, and ``accelsim arch new`` writing a valid arch per engine."""

import dataclasses
import json

import pytest
from click.testing import CliRunner

from accelsim import registry
from accelsim.cli import main
from accelsim.spec import load_arch


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_three_errors_in_one_message(root, tmp_path):
    # a GPU arch written by hand with three mistakes: tile_m left out, k_half misspelled,
    # a clock given as a word; one run must name all three
    text = (root / "archs" / "a100.yaml").read_text()
    for old, new in (("  tile_m: 64", "  #"), ("k_half: 192", "khalf: 192"),
                     ("clock_hz: 1.41e9", "clock_hz: fast")):
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    result = _invoke("run", path, root / "workloads" / "alexnet_ssl.json")
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line and line.startswith(f"error: {path}: 3 problems: "), line
    assert "gpu: missing required field 'tile_m'" in line
    assert "unknown field 'khalf' (did you mean 'k_half'?)" in line
    assert "clock_hz: must be a number, got a string 'fast'" in line
    assert "accelsim arch new gpu --like FILE" in line  # what would have helped


def test_wrong_block_says_which_block_is_wanted(root, tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text((root / "archs" / "vc707.yaml").read_text().replace("\nfpga:", "\ngpu:"))
    result = _invoke("run", path, root / "workloads" / "alexnet_ssl.json")
    assert result.exit_code == 2
    assert "the fpga engine wants an 'fpga:' block, not 'gpu:'" in result.output
    assert "unknown field" not in result.output


@pytest.mark.parametrize("order", ["workload first", "arch twice"])
def test_swapped_files_say_what_was_meant(root, order):
    arch, workload = root / "archs" / "vc707.yaml", root / "workloads" / "alexnet_ssl.json"
    args = (workload, arch) if order == "workload first" else (arch, arch)
    result = _invoke("run", *args)
    assert result.exit_code == 2
    want = ("this is a workload file" if order == "workload first" else "this is an arch file")
    assert want in result.output and "ARCH_FILE WORKLOAD_FILE" in result.output


@pytest.mark.parametrize("engine", ["fpga", "gpu", "cpu", "cluster", "eie", "scnn", "systolic"])
def test_arch_new_writes_a_valid_commented_arch(root, tmp_path, engine):
    out = tmp_path / "made" / f"my_{engine}.yaml"
    out.parent.mkdir()
    like = root / "archs" / registry.example(engine)
    result = _invoke("arch", "new", engine, "--like", like, "-o", out)
    assert result.exit_code == 0, result.output
    made, template = load_arch(out), load_arch(like)
    assert made.engine == engine and made.name == f"my_{engine}"
    config = template.config  # the template's values, under a new name
    if hasattr(config, "name"):
        config = dataclasses.replace(config, name=made.name)
    if hasattr(config, "node_name"):  # the node file is copied, unchanged
        assert made.config.node_name == config.node_name
    assert made.config == config
    text = out.read_text()
    assert text.startswith(f"# Written by `accelsim arch new {engine} --like {like}`")
    # every comment of the template is kept
    kept = [line.split("#", 1)[1] for line in like.read_text().splitlines() if "#" in line]
    assert all(comment in text for comment in kept)
    # it runs as written
    workload = root / "workloads" / ("eie_fc_dense.json" if engine == "eie" else
                                     "alexnet_ssl.json")
    assert _invoke("run", out, workload).exit_code == 0


def test_arch_new_lists_the_fitted_values_and_their_data(root, tmp_path):
    out = tmp_path / "g.yaml"
    assert _invoke("arch", "new", "gpu", "--root", root, "-o", out).exit_code == 0
    text = out.read_text()
    # a100.yaml borrows k_half and the CSR fit from the GTX TITAN Black, its tile and peak
    # efficiency are published priors (calibration registry)
    assert "k_half 192, csr_efficiency 0.2565" in text and "device gtx_titan_black" in text
    assert "tile_m 64, tile_n 64:" in text and "User's Guide" in text
    assert "max_efficiency 0.95, memory_efficiency 0.9:" in text


def test_arch_new_refuses_wrong_engine_and_overwrites(root, tmp_path):
    out = tmp_path / "x.yaml"
    result = _invoke("arch", "new", "gpu", "--like", root / "archs" / "vc707.yaml", "-o", out)
    assert result.exit_code == 2 and "for the fpga engine, not gpu" in result.output
    assert not out.exists()
    out.write_text("mine")
    result = _invoke("arch", "new", "gpu", "--root", root, "-o", out)
    assert result.exit_code == 2 and "--force" in result.output and out.read_text() == "mine"


def test_run_layers_runs_eie_on_a_cnns_fc_layers(root, tmp_path):
    # EIE has no unit for convolutions: the whole AlexNet is refused, its fc part runs.
    # Expected: the same numbers as a workload file holding only the fc layers, written here
    # from the shipped file's JSON (an independent path to the same subset).
    eie, cnn = root / "archs" / "eie.yaml", root / "workloads" / "alexnet_ssl.json"
    assert _invoke("run", eie, cnn).exit_code == 2
    doc = json.loads(cnn.read_text())
    doc["layers"] = [layer for layer in doc["layers"] if layer["kind"] == "fc"]
    fc_only = tmp_path / "alexnet_fc.json"
    fc_only.write_text(json.dumps(doc))
    picked = _invoke("run", eie, cnn, "--layers", "fc", "--format", "json")
    assert picked.exit_code == 0, picked.output
    by_file = json.loads(_invoke("run", eie, fc_only, "--format", "json").output)
    picked = json.loads(picked.output)
    assert [r["layer"] for r in picked["layers"]] == ["fc6", "fc7", "fc8"]
    assert picked["layers"] == by_file["layers"] and picked["totals"] == by_file["totals"]
    assert any("3 of 8 layers run; left out 5 (conv×5)" in n for n in picked["notes"])
    # names and kinds mix; a word that is neither is refused in one line
    mixed = json.loads(_invoke("run", eie, cnn, "--layers", "fc8,fc6", "--format",
                               "json").output)
    assert [r["layer"] for r in mixed["layers"]] == ["fc6", "fc8"]  # file order
    wrong = _invoke("run", eie, cnn, "--layers", "fc,fc9")
    assert wrong.exit_code == 2 and "--layers: 'fc9': neither a layer kind" in wrong.output
