"""Every command of README.md, docs/*.md and the ``--help`` examples runs as written.

Each markdown file's blocks run in order in one temporary copy of the project (so a block
may use what an earlier one wrote), through the installed ``accelsim`` entry point and this
interpreter's ``python``, with the block's time budget; a command fails the test when it
exits with another code than the one it states (0 unless its comment says ``exits N``).
The markers that skip a command or write a file sample are described in tests/docblocks.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.docblocks import help_blocks, markdown_blocks

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_NOT_COPIED = {".git", ".venv", ".hypothesis", "accelsim", "accelsim.egg-info", "build",
               "dist", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
# (.mypy_cache: 17-25 MB that tests/test_api.py writes earlier in the same run)


def _project_copy(tmp: Path) -> Path:
    """The project's files under ``tmp`` as a fresh checkout has them: not the package (it
    is imported from ROOT) and not the sweeps' uncommitted ``reports/*/points`` datasets."""
    work = tmp / "project"
    shutil.copytree(ROOT, work, ignore=lambda folder, names: [
        n for n in names if n in _NOT_COPIED or n.endswith(".lock")
        or (n == "points" and Path(folder).parent.name == "reports")])
    return work


def _env(bin_dir: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    env["PATH"] = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent),
                                   env.get("PATH", "")])
    return env


def _accelsim_shim(tmp: Path) -> Path:
    """``accelsim`` on the PATH: the installed entry point when this interpreter has one,
    else the same ``main`` through this interpreter (a checkout used without installing)."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    installed = Path(sys.executable).parent / "accelsim"
    shim = bin_dir / "accelsim"
    if installed.exists():
        shim.symlink_to(installed)
    else:
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "from accelsim.cli import '
                        f'main; main()" "$@"\n')
        shim.chmod(0o755)
    return bin_dir


def run_blocks(blocks, cwd: Path, env: dict[str, str]) -> list[str]:
    """Run the blocks' commands in order; the failures, one line each (with the output's
    tail), and every command's time."""
    failures = []
    for block in blocks:
        if block.skip_reason:
            continue
        if block.write:
            target = cwd / block.write[0]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.write[1])
        start = time.perf_counter()
        for command in block.commands:
            left = block.budget_s - (time.perf_counter() - start)
            began = time.perf_counter()
            try:
                done = subprocess.run(["bash", "-c", command.text], cwd=cwd, env=env,
                                      capture_output=True, text=True, timeout=max(left, 1))
            except subprocess.TimeoutExpired:
                failures.append(f"{block.where}: {command.text!r}: over the block's "
                                f"{block.budget_s:.0f} s budget")
                break
            took = time.perf_counter() - began
            if done.returncode != command.exit_code:
                tail = (done.stdout + done.stderr)[-1500:]
                failures.append(f"{block.where}: {command.text!r} exited {done.returncode} "
                                f"(want {command.exit_code}) after {took:.1f} s:\n{tail}")
            if os.environ.get("ACCELSIM_DOCTEST_TIMES"):
                print(f"{took:7.2f} s  {block.where}  {command.text}", file=sys.stderr)
    return failures


def test_markers_are_well_formed():
    problems = []
    for path in DOCS:
        problems += markdown_blocks(path, ROOT)[1]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_markdown_commands_run(doc, tmp_path):
    blocks, _ = markdown_blocks(doc, ROOT)
    if not any(b.commands and not b.skip_reason for b in blocks):
        pytest.skip(f"{doc.name} shows no runnable command")
    failures = run_blocks(blocks, _project_copy(tmp_path), _env(_accelsim_shim(tmp_path)))
    assert not failures, "\n\n".join(failures)


def test_help_examples_run(tmp_path):
    from accelsim.cli import main

    blocks = help_blocks(main)
    assert blocks, "no --help text shows examples"
    failures = run_blocks(blocks, _project_copy(tmp_path), _env(_accelsim_shim(tmp_path)))
    assert not failures, "\n\n".join(failures)
