"""Hostile mask files and mask references (issue 17): one SpecError line naming the workload,
the layer's mask field and the mask file, before any large allocation."""

import io
import re
import json
import zipfile

import numpy as np
import pytest

from accelsim.errors import SpecError
from accelsim.spec import load_workload
from accelsim.spec.validate import outside_references

W = np.random.default_rng(0).random((30, 40)) < 0.25


def _workload(folder, mask="m.npz"):
    spec = {"name": "f", "kind": "fc", "in_features": 40, "out_features": 30,
            "weight_density": float(W.mean()), "activation_density": 0.5, "mask": mask}
    doc = {"schema_version": 1, "name": "w", "source": "test", "batch": 2, "layers": [spec]}
    path = folder / "w.json"
    path.write_text(json.dumps(doc))
    return path


def _npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _huge_header_zip() -> bytes:
    """A small zip whose 'weight' member claims a 65536 x 65536 boolean array."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|b1", "fortran_order": False, "shape": (65536, 65536)})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("weight.npy", header.getvalue() + b"\0" * (4 << 20))
    return out.getvalue()


def _flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x10]) + data[at + 1:]


GOOD = _npz_bytes(weight=W)
NPY = io.BytesIO()
np.save(NPY, W)


@pytest.mark.parametrize("content, words", [
    (NPY.getvalue(), "not an .npz file"),                          # an .npy renamed .npz
    (b"", "not an .npz file"),                                     # an empty file
    (GOOD[: len(GOOD) // 2], "not an .npz file"),                  # truncated
    (b"garbage" * 100, "not an .npz file"),
    (_huge_header_zip(), "'weight' has shape (65536, 65536), the layer needs (30, 40)"),
    (_npz_bytes(weight=W.astype(np.uint8)), "'weight' must be boolean, got uint8"),
    (_npz_bytes(weight=W.T), "'weight' has shape (40, 30)"),
    (_npz_bytes(weight=W, activation_density=np.array([np.nan, 0.5])), "must be in (0, 1]"),
    (_npz_bytes(weight=np.array([{"a": 1}], dtype=object)), "holds Python objects"),
])
def test_hostile_mask_files_are_one_line(tmp_path, content, words):
    (tmp_path / "m.npz").write_bytes(content)
    with pytest.raises(SpecError, match=re.escape(words)) as info:
        load_workload(_workload(tmp_path))
    line = info.value.one_line()
    assert "\n" not in line and info.value.field == "layers.0.mask" and "m.npz" in line


def test_a_member_that_is_not_npy_is_refused(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("weight.txt", "1 0 1")
    (tmp_path / "m.npz").write_bytes(out.getvalue())
    with pytest.raises(SpecError, match="member 'weight.txt' is not an .npy array"):
        load_workload(_workload(tmp_path))


def test_bit_flips_are_refused_or_read_exactly(tmp_path):
    """Every single-bit flip of a stored (uncompressed) npz either fails in one line or, where
    it only touches zip metadata that nothing reads, gives the very same mask."""
    for at in range(0, len(GOOD), 7):
        (tmp_path / "m.npz").write_bytes(_flipped(GOOD, at))
        try:
            workload = load_workload(_workload(tmp_path))
        except SpecError as exc:
            assert "\n" not in exc.one_line() and exc.field == "layers.0.mask"
        else:
            assert np.array_equal(workload.layers[0].masks.weights, W), at


def test_nul_byte_in_a_mask_path_is_one_line(tmp_path):
    with pytest.raises(SpecError, match="layers.0.mask"):
        load_workload(_workload(tmp_path, mask="m\0.npz"))


@pytest.mark.parametrize("reference", ["/etc/passwd", "../elsewhere/m.npz"])
def test_mask_references_stay_inside_the_workload_folder(tmp_path, reference):
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "m.npz").write_bytes(GOOD)
    with pytest.raises(SpecError, match="points outside .*--allow-outside-references"):
        load_workload(_workload(inner, mask=reference))


def test_outside_references_need_the_explicit_flag(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "m.npz").write_bytes(GOOD)
    path = _workload(inner, mask="../m.npz")
    with outside_references():
        assert np.array_equal(load_workload(path).layers[0].masks.weights, W)
    (inner / "link.npz").symlink_to(tmp_path / "m.npz")  # a symlink out is outside too
    with pytest.raises(SpecError, match="points outside"):
        load_workload(_workload(inner, mask="link.npz"))
