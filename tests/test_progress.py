"""Progress is drawn only on a terminal and never with ``accelsim --quiet``."""

import json
import subprocess
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


SPINNER_SCRIPT = """
import json, sys, time
from accelsim.report import progress

class Terminal:
    def __init__(self):
        self.text = []
    def isatty(self):
        return True
    def write(self, text):
        self.text.append(text)
        return len(text)
    def flush(self):
        pass

sys.stderr = terminal = Terminal()
with progress.stage("quick step"):
    pass
quick = ("rich" in sys.modules, "".join(terminal.text))
with progress.stage("slow step"):
    time.sleep(progress.SPINNER_DELAY_S + 0.5)
sys.__stdout__.write(json.dumps([quick, "rich" in sys.modules,
                                  "slow step" in "".join(terminal.text)]))
"""


def test_a_quick_step_draws_no_spinner_and_a_slow_one_does():
    """On a terminal, a step shorter than SPINNER_DELAY_S draws nothing and does not even
    import rich (the start-up of a single run); a longer one shows its spinner."""
    done = subprocess.run([sys.executable, "-c", SPINNER_SCRIPT], capture_output=True,
                          text=True, check=True)
    quick, rich_loaded, slow_drawn = json.loads(done.stdout)
    assert quick == [False, ""]
    assert rich_loaded and slow_drawn
