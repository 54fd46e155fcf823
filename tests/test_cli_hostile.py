"""Hostile command lines (issue 17): bad output paths, options out of range, file names with
newlines, cluster nodes that loop or leave their folder: one line, exit 2, no traceback."""

import pytest
from click.testing import CliRunner

from accelsim.cli import main
from accelsim.registry import simulate
from accelsim.errors import EngineError, SpecError
from accelsim.spec import load_arch, load_workload
from tests.conftest import ROOT

VC707 = str(ROOT / "archs" / "vc707.yaml")
ALEXNET = str(ROOT / "workloads" / "alexnet_ssl.json")
CLUSTER = str(ROOT / "archs" / "cluster_gtx1080_1gbe.yaml")


def _one_line_exit_2(args, *words):
    result = CliRunner().invoke(main, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_output_into_a_missing_folder(tmp_path):
    target = tmp_path / "no" / "such" / "x.txt"
    _one_line_exit_2(["run", VC707, ALEXNET, "-o", str(target)], str(target),
                     "no such file or directory")


def test_output_left_untouched_on_failure(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("keep me")
    _one_line_exit_2(["run", VC707, str(tmp_path / "nope.json"), "-o", str(out)])
    assert out.read_text() == "keep me"
    assert list(tmp_path.iterdir()) == [out]


def test_plot_format_is_checked_first():
    _one_line_exit_2(["run", CLUSTER, ALEXNET, "--plot", "x.xyz"], "--plot", ".png or .svg")


def test_a_file_name_with_a_newline_stays_one_line(tmp_path):
    path = tmp_path / "a\nb.yaml"
    line = _one_line_exit_2(["run", str(path), ALEXNET], "file not found")
    assert "a\\nb.yaml" in line


@pytest.mark.parametrize("flag, value, words", [
    ("--profiled-iteration-s", "-1", "must be finite and > 0"),
    ("--profiled-iteration-s", "nan", "must be finite and > 0"),
    ("--servers", "0", "must be >= 1"),
])
def test_cluster_options_out_of_range(flag, value, words):
    _one_line_exit_2(["run", CLUSTER, ALEXNET, flag, value], words)


@pytest.mark.parametrize("seed", [-1, 1.5, True, 2 ** 40])
def test_eie_and_scnn_seed_must_be_a_small_integer(seed):
    workload = load_workload(ROOT / "workloads" / "eie_fc_dense.json")
    with pytest.raises(EngineError, match="--seed: got .*, must be"):
        simulate(load_arch(ROOT / "archs" / "eie.yaml"), workload, {"seed": seed})


def test_cluster_gpus_must_be_integers():
    with pytest.raises(EngineError, match="--gpus: got 2.0, must be a list of int"):
        simulate(load_arch(CLUSTER), load_workload(ALEXNET), {"gpus": [1, 2.0]})


@pytest.mark.parametrize("node", ["self.yaml", "other.yaml"])
def test_cluster_node_that_loops_is_one_line(tmp_path, node):
    text = (ROOT / "archs" / "cluster_gtx1080_1gbe.yaml").read_text()
    (tmp_path / "self.yaml").write_text(text.replace("node: gtx1080.yaml", f"node: {node}"))
    (tmp_path / "other.yaml").write_text(text.replace("node: gtx1080.yaml", "node: self.yaml"))
    with pytest.raises(SpecError, match="uses the cluster engine, need gpu") as info:
        load_arch(tmp_path / "self.yaml")
    assert info.value.field == "cluster.node"


def test_cluster_node_outside_its_folder_needs_the_flag(tmp_path):
    text = (ROOT / "archs" / "cluster_gtx1080_1gbe.yaml").read_text()
    path = tmp_path / "c.yaml"
    path.write_text(text.replace("node: gtx1080.yaml", f"node: {ROOT / 'archs' / 'gtx1080.yaml'}"))
    _one_line_exit_2(["run", str(path), ALEXNET], "cluster.node", "points outside")
    result = CliRunner().invoke(main, ["run", str(path), ALEXNET, "--allow-outside-references"])
    assert result.exit_code == 0, result.output
