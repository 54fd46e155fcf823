"""Progress is drawn only on a terminal and never with ``accelsim --quiet``."""

import sys

import click
from click.testing import CliRunner

from accelsim.cli import main
from accelsim.report import progress


class _Terminal:
    def isatty(self):
        return True

    def write(self, text):
        return len(text)

    def flush(self):
        pass


def test_progress_needs_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert progress.shown()
    with click.Context(main) as ctx:
        ctx.params["quiet"] = True
        assert not progress.shown()
    monkeypatch.setattr(sys, "stderr", open("/dev/null", "w"))
    assert not progress.shown()


def test_piped_output_holds_no_progress(root, tmp_path):
    """Under CliRunner stderr is not a terminal: the sweep's bar and pareto's spinners leave
    nothing but the command's own lines."""
    spec = tmp_path / "s.yaml"
    spec.write_text((root / "sweeps/cluster_gtx1080.yaml").read_text().replace(
        "../archs/", f"{root}/archs/").replace("../workloads/", f"{root}/workloads/"))
    runner = CliRunner()
    swept = runner.invoke(main, ["sweep", str(spec), "--out", str(tmp_path / "o")])
    assert swept.exit_code == 0, swept.output
    front = runner.invoke(main, ["-q", "pareto", str(tmp_path / "o"), "--x", "gpus",
                                 "--y", "images_per_s"])
    assert front.exit_code == 0, front.output
    for text in (swept.output, front.output):
        assert "━" not in text and "ETA" not in text
