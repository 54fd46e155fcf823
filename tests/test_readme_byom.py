"""Every command of README's "Bring your own model" section runs as written."""

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("torch")
from accelsim.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _commands():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Bring your own model", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.startswith("accelsim ")]


def test_bring_your_own_model_commands(tmp_path, monkeypatch):
    for name in ("archs", "tests"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    commands = _commands()
    assert len(commands) >= 10
    outputs = {}
    for line in commands:
        command, _, comment = line.partition("#")
        args = shlex.split(command)[1:]
        result = CliRunner().invoke(main, args)
        want = 2 if "exits 2" in comment else 0
        assert result.exit_code == want, (line, result.output[-2000:])
        outputs[command.strip()] = result.output
    a100 = next(v for k, v in outputs.items() if k.startswith("accelsim run archs/a100.yaml "
                                                                 "encoder.json"))
    assert "softmax" in a100 and "bmm" in a100 and "vector layers" in a100
    fpga = next(v for k, v in outputs.items() if "vc707" in k)
    assert "not run on fpga" in fpga
    fp8 = next(v for k, v in outputs.items() if k.endswith("a100.yaml bert.json --precision fp8"))
    assert "a100_sxm4_80g has no fp8 peak" in fp8
