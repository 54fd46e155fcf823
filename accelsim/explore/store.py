"""A sweep's resumable Parquet store: ``DIR/sweep.json`` (the manifest) and one file per
finished chunk in ``DIR/points/``.

A chunk is written under a hidden temporary name and renamed into place (atomic on POSIX),
so a sweep killed at any moment leaves only whole chunks, and the reader never sees a partial
file. A chunk's name is a hash of the sweep's fingerprint, workload and point range: a rerun
skips the chunks already there and never writes a point twice.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from accelsim.errors import SpecError

MANIFEST = "sweep.json"


class Store:
    def __init__(self, out_dir: str | Path):
        self.root = Path(out_dir)
        self.points_dir = self.root / "points"

    def open(self, manifest: dict) -> None:
        """Create the store, or reopen one made by the same sweep (same points, same
        chunks); objectives and constraints may change between runs."""
        old = self.manifest() if (self.root / MANIFEST).exists() else None
        if old is not None:
            for key in ("fingerprint", "chunk_points"):
                if old.get(key) != manifest[key]:
                    raise SpecError(f"holds results of a different sweep ({key} differs); "
                                    "use another --out folder or delete this one",
                                    file=str(self.root / MANIFEST))
        self.points_dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.points_dir.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
        _write_atomic(self.root / MANIFEST, json.dumps(manifest, indent=1, default=str).encode())

    def manifest(self) -> dict:
        path = self.root / MANIFEST
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            raise SpecError("not a sweep folder (no sweep.json): run `accelsim sweep` first",
                            file=str(self.root)) from None

    def finished(self) -> set[str]:
        return {p.stem for p in self.points_dir.glob("*.parquet")}

    def write_chunk(self, name: str, table) -> None:
        """Write a pyarrow Table as chunk ``name``, atomically."""
        import pyarrow.parquet as pq

        tmp = self.points_dir / f".{name}.{os.getpid()}.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, self.points_dir / f"{name}.parquet")

    def read(self):
        """Every finished row as a DataFrame, ordered by workload and point."""
        import pandas as pd

        files = sorted(self.points_dir.glob("*.parquet"))
        if not files:
            raise SpecError("no finished design points yet", file=str(self.root))
        frame = pd.read_parquet(self.points_dir)
        return frame.sort_values(["workload_index", "point"], kind="stable",
                                 ignore_index=True)


def chunk_name(fingerprint: str, workload_index: int, start: int, stop: int) -> str:
    digest = hashlib.sha256(f"{fingerprint}/{workload_index}/{start}/{stop}".encode())
    return f"w{workload_index:02d}-{start:010d}-{digest.hexdigest()[:12]}"


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
