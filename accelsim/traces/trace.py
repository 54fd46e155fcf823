"""A workload trace in the making: layer shapes, real weights and masks → workload JSON + masks.

Mask files (the format agreed with the sparse engines): one ``.npz`` per layer, in the folder
``<workload stem>.masks/`` next to the workload JSON, named by the layer's ``mask`` field. It
holds a boolean array under key ``weight`` (True = non-zero weight) with the layer's natural
weight shape:

* conv: ``out_channels × in_channels/groups × kh × kw``;
* fc / matmul: ``out_features × in_features``;
* lstm: ``4·hidden × (input + hidden)`` (input weights, then recurrent weights, by columns);

(the workload loader, :mod:`accelsim.model.masks`, also accepts an ``activation`` array or
per-sample ``activation_density``; extraction records only the measured mean density, since
its sample count need not equal the workload's batch).

The statistics written with the layer always agree with the mask (:mod:`accelsim.traces.groups`):
``weight_density``, ``row_sparsity``, ``col_sparsity``, ``activation_density`` (the mean of
the measured input pattern) and, only when ``rank_error`` is given, ``rank``
(:mod:`accelsim.traces.lowrank`, of the masked weights; a layer with a rank runs decomposed on
the engines that model low rank). Writing is all or nothing and never loses a user's file:
the document is validated, the mask folder (with a manifest, ``.accelsim-masks.json``, of
the files in it) and the JSON are staged in a fresh hidden folder and loaded from there, and
only then renamed into place. An existing output is replaced only with ``force``, and only
if its mask folder holds nothing but the files its manifest lists.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from accelsim.errors import AccelsimError, WorkloadError
from accelsim.model import Layer, Workload
from accelsim.spec.workload import KIND_FIELDS, load_workload, workload_from_dict
from accelsim.traces.groups import sparsity_statistics
from accelsim.traces.lowrank import layer_rank

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class TraceLayer:
    spec: dict                            # workload layer: name, kind and shape fields
    weight: np.ndarray | None = None      # real weights, natural shape
    mask: np.ndarray | None = None        # boolean; None = the non-zeros of ``weight``
    activation: np.ndarray | None = None  # boolean input pattern per sample

    def __post_init__(self):
        if self.weight is not None and not np.all(np.isfinite(self.weight)):
            raise WorkloadError(f"layer {self.spec['name']!r}: its weights hold NaN or "
                                "infinity")

    @property
    def name(self) -> str:
        return self.spec["name"]

    def kept(self) -> np.ndarray | None:
        if self.mask is not None:
            return self.mask
        return None if self.weight is None else self.weight != 0


@dataclass(frozen=True)
class Trace:
    name: str
    source: str
    layers: tuple[TraceLayer, ...]
    batch: int = 1
    notes: tuple[str, ...] = ()
    rank_error: float | None = None  # None: record no rank (a rank means "run decomposed")

    def weights(self) -> dict[str, np.ndarray]:
        """The real weights of the layers that have them, masked."""
        return {layer.name: np.where(layer.kept(), layer.weight, 0.0)
                for layer in self.layers if layer.weight is not None}

    def with_masks(self, masks: dict[str, np.ndarray], source: str) -> Trace:
        """The same layers with ``masks`` (by layer name) replacing their current ones."""
        layers = tuple(replace(layer, mask=masks[layer.name]) if layer.name in masks else layer
                       for layer in self.layers)
        return replace(self, layers=layers, source=f"{self.source}; {source}")

    def document(self, mask_dir: str | None = None,
                 progress: Callable[[Iterable], Iterable] = iter) -> dict[str, Any]:
        """The workload JSON document; ``mask_dir`` names the mask folder (None: no masks)."""
        entries = [self._entry(i, layer, mask_dir)
                   for i, layer in progress(list(enumerate(self.layers)))]
        doc = {"schema_version": SCHEMA_VERSION, "name": self.name, "source": self.source}
        if self.notes:
            doc["description"] = "; ".join(self.notes)
        doc.update(batch=self.batch, layers=entries)
        return doc

    def _entry(self, index: int, layer: TraceLayer, mask_dir: str | None) -> dict:
        entry = dict(layer.spec)
        kept = layer.kept()
        if kept is not None:
            stats = sparsity_statistics(kept, entry["kind"], entry.get("groups", 1))
            if stats["weight_density"] == 0.0:
                raise WorkloadError("layer has no non-zero weight left", file=self.source,
                                    field=f"layers.{index} ({layer.name})")
            entry.update({k: stats[k] for k in ("weight_density", "row_sparsity", "col_sparsity")})
            if mask_dir is not None:
                entry["mask"] = f"{mask_dir}/{mask_file_name(index, layer.name)}"
        if layer.activation is not None:
            entry["activation_density"] = max(float(layer.activation.mean()), 1e-12)
        if self.rank_error is not None and layer.weight is not None:
            entry["rank"] = layer_rank(np.where(kept, layer.weight, 0.0), entry["kind"],
                                       entry.get("groups", 1), self.rank_error)
        return entry

    def workload(self, progress: Callable[[Iterable], Iterable] = iter) -> Workload:
        """The validated Workload (no files written)."""
        return _validated(self.document(None, progress), file=self.source)

    def write(self, path: str | Path, progress: Callable[[Iterable], Iterable] = iter, *,
              force: bool = False) -> Workload:
        """Write the workload JSON and its mask folder atomically; return the Workload. An
        existing output is replaced only with ``force``, and then only if its mask folder
        holds nothing but files this tool wrote (its manifest says which)."""
        path = Path(path)
        mask_dir = f"{path.stem}.masks"
        doc = self.document(mask_dir, progress)
        _validated(doc, file=str(path))
        layers_with_masks = [(i, layer) for i, layer in enumerate(self.layers)
                             if layer.kept() is not None]
        _write_atomically(path, doc, path.parent / mask_dir, layers_with_masks, force=force)
        return load_workload(path)


def _validated(doc: dict, file: str) -> Workload:
    """Schema and semantic checks of a document whose mask files are not written yet."""
    return workload_from_dict(doc, file=file, load_masks=False)


MASKS_MANIFEST = ".accelsim-masks.json"  # in a mask folder: the files accelsim wrote there


def mask_file_name(index: int, name: str) -> str:
    return f"{index:03d}_{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.npz"


def _write_atomically(path: Path, doc: dict, mask_dir: Path,
                      layers: list[tuple[int, TraceLayer]], *, force: bool) -> None:
    """Stage the JSON and the mask folder (with its manifest) in a fresh hidden folder, load
    them from there, and only then rename them over the old output, whose own files are
    removed last; any failure leaves the user's files as they were."""
    old_files = _own_files(path, mask_dir, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.staging."))
    aside = None
    try:
        staged_masks = staging / mask_dir.name
        staged_masks.mkdir()
        names = []
        for index, layer in layers:
            names.append(mask_file_name(index, layer.name))
            with open(staged_masks / names[-1], "wb") as handle:
                np.savez_compressed(handle, weight=np.asarray(layer.kept(), dtype=bool))
        (staged_masks / MASKS_MANIFEST).write_text(json.dumps({"files": names}) + "\n")
        staged_json = staging / path.name
        staged_json.write_text(json.dumps(doc, indent=1) + "\n")
        try:
            load_workload(staged_json)  # the very files that will be put in place
        except AccelsimError as exc:
            raise WorkloadError(f"the trace does not load back: {exc.message}", file=str(path),
                                field=exc.field) from None
        if mask_dir.exists():
            aside = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{mask_dir.name}.old."))
            os.replace(mask_dir, aside)  # onto an empty folder of our own: atomic
        if layers:
            os.replace(staged_masks, mask_dir)
        os.replace(staged_json, path)
    except BaseException:
        if aside is not None and not mask_dir.exists():
            os.replace(aside, mask_dir)
            aside = None
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # a folder this call made
        if aside is not None:
            for name in old_files:
                (aside / name).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                aside.rmdir()


def _own_files(path: Path, mask_dir: Path, force: bool) -> list[str]:
    """The files of an existing mask folder, all of which this tool wrote; a WorkloadError
    if the output exists without ``force`` or the folder holds anything else."""
    for target in (path, mask_dir):
        if (target.exists() or target.is_symlink()) and not force:
            raise WorkloadError("exists; pass --force to replace it (only files accelsim "
                                "wrote are replaced)", file=str(target))
    if path.is_dir():
        raise WorkloadError("is a folder, not a workload file", file=str(path))
    if not (mask_dir.exists() or mask_dir.is_symlink()):
        return []
    try:
        listed = json.loads((mask_dir / MASKS_MANIFEST).read_text())["files"]
        present = sorted(p.name for p in mask_dir.iterdir())
    except (OSError, ValueError, KeyError, TypeError):
        listed, present = None, None
    if mask_dir.is_symlink() or listed is None or set(present) - {*listed, MASKS_MANIFEST}:
        raise WorkloadError("holds files accelsim did not write (no manifest, or files it does "
                            "not list); move them away or choose another --output",
                            file=str(mask_dir))
    return [*listed, MASKS_MANIFEST]


def layer_spec(layer: Layer) -> dict:
    """The workload-JSON shape fields of a Layer (no statistics)."""
    spec = {"name": layer.name, "kind": layer.kind}
    defaults = Layer(name=layer.name, kind=layer.kind)
    for key in sorted(KIND_FIELDS[layer.kind]):
        value = getattr(layer, key)
        if value is None or (key in ("dilation", "parameters") and value == getattr(defaults, key)):
            continue  # optional fields left unset
        spec[key] = list(value) if isinstance(value, tuple) else value
    for key in ("nm", "dtype"):
        if getattr(layer, key) is not None:
            value = getattr(layer, key)
            spec[key] = list(value) if isinstance(value, tuple) else value
    return spec


def layer_mask(layer: Layer) -> np.ndarray:
    """The boolean weight mask of a workload layer (read and checked by the loader)."""
    if layer.masks is None:
        raise WorkloadError(f"layer {layer.name} has no mask file", file=layer.mask)
    return layer.masks.weights


def from_workload(workload: Workload) -> Trace:
    """A trace of a workload's shapes and its masks (if any), e.g. to sparsify at random."""
    layers = []
    for layer in workload.layers:
        mask = layer_mask(layer) if layer.mask else None
        layers.append(TraceLayer(spec=layer_spec(layer), mask=mask))
    return Trace(name=workload.name, source=workload.source, layers=tuple(layers),
                 batch=workload.batch, rank_error=None)


def statistics_rows(workload: Workload) -> list[dict]:
    """One row of statistics per layer for ``accelsim trace show``; 2D-filter and channel
    sparsity come from the mask, when the layer has one."""
    rows = []
    for layer in workload.layers:
        extra = {}
        if layer.mask:
            extra = sparsity_statistics(layer_mask(layer), layer.kind, layer.groups)
        rows.append({
            "layer": layer.name, "kind": layer.kind, "weights": layer.weight_count,
            "MACs/sample": layer.dense_macs(1), "density": layer.density,
            "row sp.": layer.row_sparsity, "col sp.": layer.col_sparsity,
            "2D-filter sp.": extra.get("filter2d_sparsity"),
            "channel sp.": extra.get("channel_sparsity"),
            "rank": layer.rank, "act. density": layer.activation_density,
        })
    return rows
