"""Bounded ``.npz`` reading (mask files, trace inputs): the archive is checked member by
member, each ``.npy`` header (dtype, shape) is read and judged before its data, so a file
that claims a 65536 × 65536 array, holds a pickle or is truncated or corrupted fails in one
line instead of allocating, executing or tracing back.
"""

from __future__ import annotations

import io
import math
import struct
import tokenize
import zipfile
import zlib
from pathlib import Path
from typing import Callable, NoReturn

import numpy as np

from accelsim.errors import SpecError
from accelsim.spec.validate import read_bytes

MAX_NPZ_BYTES = 1 << 30     # the file itself
MAX_ARRAY_BYTES = 1 << 31   # all its arrays once read
MAX_ARRAYS = 4096
_BROKEN = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, KeyError,
           NotImplementedError, RuntimeError, SyntaxError, TypeError, OverflowError,
           tokenize.TokenError, struct.error)  # what a damaged zip or .npy header raises


def read_npz(path: str | Path, fail: Callable[[str], NoReturn], *,
             expect: Callable[[str, np.dtype, tuple], str | None] | None = None
             ) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` at ``path``; ``fail(message)`` (which raises) on a problem.
    ``expect(name, dtype, shape)`` returns what is wrong with a member, or None, before the
    member's data is read."""
    try:
        data = read_bytes(path, limit=MAX_NPZ_BYTES)
    except SpecError as exc:
        fail(exc.message)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except _BROKEN:
        fail("not an .npz file (not a zip archive)")
    if len(members) > MAX_ARRAYS:
        fail(f"{len(members)} arrays, at most {MAX_ARRAYS}")
    arrays, total = {}, 0
    for info in members:
        name = info.filename
        if not name.endswith(".npy") or "/" in name or name[:-4] in arrays:
            fail(f"member {name!r} is not an .npy array")
        key = name[:-4]
        try:
            with archive.open(info) as handle:
                dtype, shape, fortran = _header(handle, key, fail)
                problem = expect(key, dtype, shape) if expect else None
                if problem:
                    fail(problem)
                size = math.prod(shape) * dtype.itemsize
                total += size
                if total > MAX_ARRAY_BYTES:
                    fail(f"its arrays hold more than {MAX_ARRAY_BYTES >> 30} GiB")
                buffer = bytearray(handle.read(size))
                if len(buffer) != size or handle.read(1):  # reading to the end checks the CRC
                    fail(f"array {key!r} is truncated or has trailing data")
        except SpecError:
            raise
        except _BROKEN as exc:
            fail(f"array {key!r} is corrupted ({exc.__class__.__name__})")
        arrays[key] = np.frombuffer(buffer, dtype=dtype).reshape(
            shape, order="F" if fortran else "C")
    return arrays


def _header(handle, key: str, fail) -> tuple[np.dtype, tuple, bool]:
    fmt = np.lib.format
    version = fmt.read_magic(handle)
    if version == (1, 0):
        shape, fortran, dtype = fmt.read_array_header_1_0(handle)
    elif version == (2, 0):
        shape, fortran, dtype = fmt.read_array_header_2_0(handle)
    else:
        fail(f"array {key!r}: .npy version {version} is not supported")
    if dtype.hasobject:
        fail(f"array {key!r} holds Python objects (not allowed)")
    return dtype, tuple(int(n) for n in shape), fortran
