"""``accelsim run`` with engine options: roofline, cluster scaling table and plot."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from accelsim.cli import main, parse_counts

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args):
    return CliRunner().invoke(main, ["run", *[str(a) for a in args]])


def test_parse_counts_continues_the_ratio():
    assert parse_counts("1,2,4,...,512") == tuple(2 ** p for p in range(10))
    assert parse_counts("3,5") == (3, 5)


def test_cluster_scaling_table_and_plot(tmp_path):
    plot = tmp_path / "s.svg"
    r = invoke(ROOT / "archs/cluster_p100_ib.yaml", ROOT / "workloads/vgg_a_train.json",
               "--gpus", "1,2,4,...,512", "--encoding", "fp32,terngrad", "--plot", plot)
    assert r.exit_code == 0, r.output
    assert "terngrad" in r.output and "images/s" in r.output
    assert plot.stat().st_size > 1000


@pytest.mark.parametrize("args,message", [
    (("archs/vc707.yaml", "workloads/alexnet_ssl.json", "--gpus", "4"), "does not apply"),
    (("archs/gtx_titan_black.yaml", "workloads/alexnet_ssl.json", "--scheme", "ps"),
     "does not apply"),
    (("archs/cluster_p100_ib.yaml", "workloads/vgg_a_train.json", "--scheme", "tree"),
     "allowed"),
    (("archs/gtx_titan_black.yaml", "workloads/alexnet_ssl.json", "--plot", "x.png"),
     "--plot applies"),
])
def test_option_errors_are_one_line_exit_2(args, message):
    r = invoke(*[ROOT / a if a.startswith(("archs", "workloads")) else a for a in args])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


def test_roofline_kernel_option():
    r = invoke(ROOT / "archs/xeon_e5_2630_1thread.yaml", ROOT / "workloads/alexnet_ssl.json",
               "--kernel", "dense", "--mode", "training")
    assert r.exit_code == 0, r.output
    assert "training" in r.output
