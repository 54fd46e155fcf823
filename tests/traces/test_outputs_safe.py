"""Trace outputs never lose a user's file (issue 17): an existing output is replaced only
with --force and only when its mask folder holds nothing but files accelsim wrote; a failed
write leaves everything as it was."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from accelsim.cli import main
from accelsim.errors import AccelsimError
from accelsim.traces import extract
from accelsim.traces.trace import MASKS_MANIFEST

LAYERS = {"name": "tiny", "batch": 1, "layers": [
    {"name": "fc1", "kind": "fc", "in_features": 6, "out_features": 4, "weight": "w"}]}


@pytest.fixture
def source(tmp_path):
    weights = np.random.default_rng(0).normal(size=(4, 6))
    weights[np.abs(weights) < 0.5] = 0
    np.savez(tmp_path / "w.npz", w=weights)
    (tmp_path / "layers.json").write_text(json.dumps(LAYERS))
    return str(tmp_path / "w.npz"), str(tmp_path / "layers.json")


def _trace(out, source, *extra):
    return CliRunner().invoke(main, ["trace", "from-npz", source[0], "--layers", source[1],
                                     "-o", str(out), *extra])


def test_an_existing_output_needs_force(tmp_path, source):
    out = tmp_path / "o" / "t.json"
    assert _trace(out, source).exit_code == 0
    first = out.read_text()
    result = _trace(out, source)
    assert result.exit_code == 2 and "pass --force" in result.stderr, result.output
    assert out.read_text() == first
    assert _trace(out, source, "--force").exit_code == 0
    assert (out.parent / "t.masks" / MASKS_MANIFEST).is_file()


def test_a_user_file_in_the_mask_folder_is_never_deleted(tmp_path, source):
    out = tmp_path / "t.json"
    (tmp_path / "t.masks").mkdir()
    (tmp_path / "t.masks" / "notes.txt").write_text("mine")
    for extra in ((), ("--force",)):
        result = _trace(out, source, *extra)
        assert result.exit_code == 2, result.output
        assert "t.masks" in result.stderr and (tmp_path / "t.masks" / "notes.txt").read_text() \
            == "mine"
    assert not out.exists()
    assert _trace(out, source).exit_code == 2  # still refused: nothing was touched


def test_a_user_file_added_to_a_written_folder_is_kept(tmp_path, source):
    out = tmp_path / "t.json"
    assert _trace(out, source).exit_code == 0
    (tmp_path / "t.masks" / "mine.npz").write_bytes(b"user data")
    result = _trace(out, source, "--force")
    assert result.exit_code == 2 and "did not write" in result.stderr
    assert (tmp_path / "t.masks" / "mine.npz").read_bytes() == b"user data"


def test_a_file_named_like_the_old_aside_folder_is_left_alone(tmp_path, source):
    out = tmp_path / "t.json"
    assert _trace(out, source).exit_code == 0
    (tmp_path / ".t.masks.old").write_text("a user's file")
    assert _trace(out, source, "--force").exit_code == 0
    assert (tmp_path / ".t.masks.old").read_text() == "a user's file"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [
        ".t.masks.old"]


def test_a_failed_write_leaves_nothing_and_keeps_the_old_output(tmp_path, source,
                                                                 monkeypatch):
    out = tmp_path / "t.json"
    assert _trace(out, source).exit_code == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "t.masks").iterdir()}
    old_json = out.read_text()

    def broken(*args, **kwargs):
        raise AccelsimError("simulated failure while loading the staged trace")

    monkeypatch.setattr("accelsim.traces.trace.load_workload", broken)
    with pytest.raises(AccelsimError, match="does not load back"):
        extract.from_npz(*source).write(out, force=True)
    assert out.read_text() == old_json
    assert {p.name: p.read_bytes() for p in (tmp_path / "t.masks").iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
