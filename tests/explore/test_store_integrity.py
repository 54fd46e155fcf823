"""A store that cannot silently lie (issue 17): a lock per folder, checksums verified on
read and bad chunks recomputed, foreign files refused before any work, pool workers that
die with the main process, a clean message on a full disk."""

import collections
import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from accelsim.cli import main
from accelsim.errors import SpecError
from accelsim.explore import store as store_module
from accelsim.explore.runner import run_sweep
from accelsim.explore.store import Store
from accelsim.spec.sweep import load_sweep
from tests.conftest import ROOT
from tests.explore.conftest import SMALL


def _run(spec, out, **options):
    return run_sweep(load_sweep(spec), out, **{"workers": 1, "progress": False,
                                                "chunk_points": 16, **options})


def _chunks(out) -> list[Path]:
    return sorted((Path(out) / "points").glob("*.parquet"))


def _whole(spec, tmp_path) -> pd.DataFrame:
    _run(spec, tmp_path / "whole")
    return Store(tmp_path / "whole").read()


def test_a_second_sweep_on_a_locked_folder_stops_at_once(write_spec, tmp_path):
    spec = write_spec()
    _run(spec, tmp_path / "o")
    holder = Store(tmp_path / "o")
    sweep = load_sweep(spec)
    from accelsim.explore.store import expected_chunks

    holder.open(holder.manifest(), expected_chunks(holder.manifest()))
    try:
        with pytest.raises(SpecError, match="another sweep is running on this folder"):
            run_sweep(sweep, tmp_path / "o", workers=1, progress=False, chunk_points=16)
    finally:
        holder.close()
    assert _run(spec, tmp_path / "o").computed == 0  # released: the folder is usable again


@pytest.mark.parametrize("damage", ["truncate", "garbage", "bitflip", "swap"])
def test_a_bad_chunk_is_reported_then_recomputed(write_spec, tmp_path, damage):
    spec = write_spec()
    out = tmp_path / "o"
    _run(spec, out)
    first, second = _chunks(out)[:2]
    data = first.read_bytes()
    first.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"PAR1 junk" * 50,
                       "bitflip": data[:100] + bytes([data[100] ^ 1]) + data[101:],
                       "swap": second.read_bytes()}[damage])
    with pytest.raises(SpecError, match="fails its checksum") as info:
        Store(out).read()
    assert info.value.file == str(first)
    resumed = _run(spec, out)
    assert resumed.recomputed == (first.stem,) and resumed.computed == 16
    pd.testing.assert_frame_equal(Store(out).read(), _whole(spec, tmp_path))


def test_every_single_bit_flip_in_a_chunk_is_caught(write_spec, tmp_path):
    spec = write_spec()
    out = tmp_path / "o"
    _run(spec, out)
    chunk = _chunks(out)[0]
    data = chunk.read_bytes()
    for at in range(0, len(data), max(1, len(data) // 200)):  # ~200 positions
        chunk.write_bytes(data[:at] + bytes([data[at] ^ (1 << (at % 8))]) + data[at + 1:])
        with pytest.raises(SpecError, match="fails its checksum"):
            Store(out).read()
    chunk.write_bytes(data)
    assert len(Store(out).read()) == 144


@pytest.mark.parametrize("name", ["copy.parquet", ".notes.tmp", "w00-0000000000-000000000000.parquet"])
def test_a_foreign_file_stops_the_sweep_before_any_work_and_is_kept(write_spec, tmp_path,
                                                                    name):
    spec = write_spec()
    out = tmp_path / "o"
    _run(spec, out)
    foreign = out / "points" / name
    foreign.write_bytes(_chunks(out)[0].read_bytes())
    before = sorted(p.name for p in (out / "points").iterdir())
    with pytest.raises(SpecError, match="is not a chunk of this sweep") as info:
        _run(spec, out)
    assert info.value.file == str(foreign)
    assert sorted(p.name for p in (out / "points").iterdir()) == before
    with pytest.raises(SpecError, match="is not a chunk of this sweep"):
        Store(out).read()


def test_a_broken_manifest_stops_the_sweep_before_any_work(write_spec, tmp_path, monkeypatch):
    spec = write_spec()
    out = tmp_path / "o"
    out.mkdir()
    (out / "sweep.json").write_text("{not json")
    calls = []
    monkeypatch.setattr("accelsim.explore.runner.check_columns",
                        lambda *a: calls.append(a))
    with pytest.raises(SpecError, match="invalid JSON") as info:
        _run(spec, out)
    assert info.value.file == str(out / "sweep.json") and not calls


def test_a_full_disk_is_one_line_and_the_resume_is_exact(write_spec, tmp_path, monkeypatch):
    spec = write_spec()
    out = tmp_path / "o"
    real_open, written = open, []

    def full_after_three(path, *args, **kwargs):
        if str(path).endswith(".parquet.tmp"):
            written.append(path)
            if len(written) > 3:
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(store_module, "open", full_after_three, raising=False)
    result = CliRunner().invoke(main, ["sweep", str(spec), "--out", str(out), "--workers", "1",
                                       "--chunk-points", "16", "--no-progress"])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert "no space left on the device" in lines[0] and "rerun" in lines[0]
    assert len(_chunks(out)) == 3 and not list((out / "points").glob(".*"))
    monkeypatch.undo()
    assert _run(spec, out).computed == 144 - 3 * 16
    pd.testing.assert_frame_equal(Store(out).read(), _whole(spec, tmp_path))


def _alive_in_group(pgid: int) -> list[int]:
    """Processes of process group ``pgid`` that are not zombies (from /proc)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_kill_9_of_the_main_process_leaves_no_sweep_process_within_5_s(write_spec, tmp_path):
    spec = write_spec(SMALL.replace("to: 64, step: 8", "to: 512, step: 1"))
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "accelsim.cli", "sweep", str(spec), "--out", str(out),
         "--workers", "2", "--chunk-points", "4", "--no-progress"],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(_alive_in_group(proc.pid)) < 3 or not _chunks(out):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the pool never started"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, not its group
        proc.wait()
        killed = time.monotonic()
        while _alive_in_group(proc.pid) and time.monotonic() - killed < 5:
            time.sleep(0.05)
        assert _alive_in_group(proc.pid) == []
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


_RACER = """
import json, sys, time
from click.testing import CliRunner
from accelsim.cli import main
print("ready", flush=True)
for line in sys.stdin:  # one trial a line: its start delay (s), then the sweep's arguments
    delay, *args = json.loads(line)
    time.sleep(delay)
    result = CliRunner().invoke(main, args)
    print(json.dumps([result.exit_code, result.stderr]), flush=True)
"""
TRIALS = 10
OFFSETS_S = (0.0, 0.0, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4)  # together .. in turn


def _store_is_consistent(out: Path) -> int:
    """The manifest records exactly the chunks on disk (names and checksums), all of one
    sweep, no temporary file is left and no (workload, point) is stored twice; the rows."""
    from accelsim.explore.store import expected_chunks

    manifest = json.loads((out / "sweep.json").read_text())
    on_disk = {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in _chunks(out)}
    assert on_disk == manifest["chunks"], (sorted(on_disk), sorted(manifest["chunks"]))
    assert set(on_disk) <= expected_chunks(manifest)
    assert not [p for p in (out / "points").iterdir() if p.suffix != ".parquet"]
    frame = Store(out).read()
    assert not frame.duplicated(["workload_index", "point"]).any()
    return len(frame)


def test_two_different_sweeps_on_one_folder_from_two_processes(write_spec, tmp_path):
    """Two processes start different sweeps on one --out, TRIALS times, with start offsets
    from together to one after the other: one runs, the other refuses in one line (exit 2),
    and the folder holds exactly the winner's complete, recorded, duplicate-free rows."""
    one = SMALL.replace(", " + str(ROOT / "workloads" / "alexnet_dense.json"), "").replace(
        "log_range: {from: 1024, to: 4096, factor: 2}", "values: [2048]")
    specs = [write_spec(one, name="a.yaml"),  # 3 x 8 points x 1 workload = 24 rows
             write_spec(one.replace("values: [4, 8, 16]", "values: [4, 8]"),
                        name="b.yaml")]       # 2 x 8 = 16 rows
    racers = [subprocess.Popen([sys.executable, "-c", _RACER], cwd=ROOT, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
              for _ in specs]
    outcomes = []
    try:
        for racer in racers:
            assert racer.stdout.readline().strip() == "ready"
        for trial in range(TRIALS):
            out = tmp_path / f"out{trial}"
            delays = [0.0, OFFSETS_S[trial % len(OFFSETS_S)]]
            order = specs[:: 1 if trial % 2 else -1]
            for racer, spec, delay in zip(racers, order, delays):
                racer.stdin.write(json.dumps([delay, "sweep", str(spec), "--out", str(out),
                                              "--workers", "1", "--chunk-points", "4",
                                              "--no-progress"]) + "\n")
                racer.stdin.flush()
            results = [json.loads(racer.stdout.readline()) for racer in racers]
            assert sorted(code for code, _ in results) == [0, 2], results
            winner = order[[code for code, _ in results].index(0)]
            (refusal,) = [err.strip().splitlines() for code, err in results if code == 2]
            assert len(refusal) == 1 and "Traceback" not in refusal[0], refusal
            assert any(words in refusal[0] for words in (
                "another sweep is running on this folder", "holds results of a different "
                "sweep", "is not a chunk of this sweep")), refusal[0]
            outcomes.append(refusal[0].split(": ", 2)[-1][:30])
            assert _store_is_consistent(out) == (24 if winner == specs[0] else 16)
    finally:
        for racer in racers:
            racer.stdin.close()
            racer.wait(timeout=60)
    print("refusals:", collections.Counter(outcomes))  # shown with pytest -s
    assert len(outcomes) == TRIALS
