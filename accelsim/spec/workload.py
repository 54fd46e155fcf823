"""Workload JSON → :class:`~accelsim.model.Workload` (format in DESIGN.md)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from accelsim.errors import SpecError
from accelsim.model import VECTOR_KINDS, WEIGHT_KINDS, Layer, Workload
from accelsim.model.masks import load_mask_file
from accelsim.spec.validate import check, read_document, resolve_reference

# shape fields each layer kind takes; the sparsity fields apply to every kind
_VECTOR_FIELDS = {"elements", "read_elements", "flops_per_element", "parameters", "op"}
KIND_FIELDS = {
    "conv": {"in_channels", "out_channels", "kernel", "stride", "padding", "groups", "in_hw",
             "dilation"},
    "fc": {"in_features", "out_features"},
    "matmul": {"in_features", "out_features", "columns"},
    "lstm": {"input_size", "hidden_size", "timesteps"},
    "bmm": {"heads", "rows", "inner", "columns", "causal"},
    **{kind: _VECTOR_FIELDS for kind in VECTOR_KINDS},
}
# fields of weight layers (conv, fc, matmul, lstm) only
WEIGHT_FIELDS = {"weight_density", "row_sparsity", "col_sparsity", "rank", "mask",
                 "mask_distribution", "nm"}
COMMON_FIELDS = {"name", "kind", "activation_density", "dtype", "note"}


def load_workload(path: str | os.PathLike[str]) -> Workload:
    """Read and validate a workload file; raise a one-line SpecError on any problem."""
    path = Path(path)
    doc = read_document(path)
    if "engine" in doc and "layers" not in doc:
        raise SpecError(f"this is an arch file (engine {doc['engine']!r}, no 'layers'): give "
                        "the workload file second, as in accelsim run ARCH_FILE WORKLOAD_FILE",
                        file=str(path))
    return workload_from_dict(doc, file=str(path), base_dir=path.parent)


def workload_from_dict(doc: dict[str, Any], *, file: str = "<workload>",
                       base_dir: str | os.PathLike[str] | None = None,
                       load_masks: bool = True) -> Workload:
    """Build a Workload from a mapping, as if read from a workload file: checked against
    the schema (every problem in one SpecError) and for sense (shapes, sparsity); mask files
    (relative to ``base_dir``) are read and checked unless ``load_masks`` is off (e.g. before
    a trace writer has written them)."""
    check(doc, "workload", file=file)
    base = Path(base_dir) if base_dir is not None else None
    layers = []
    names: set[str] = set()
    for i, raw in enumerate(doc["layers"]):
        field = f"layers.{i}"
        if raw["name"] in names:
            raise SpecError(f"duplicate layer name {raw['name']!r}", file=file,
                            field=f"{field}.name")
        names.add(raw["name"])
        layers.append(_layer(raw, file=file, field=field, base_dir=base,
                             batch=doc["batch"], load_masks=load_masks))
    return Workload(name=doc["name"], source=doc["source"], batch=doc["batch"],
                    layers=tuple(layers), path=file, seed=doc.get("seed", 0))


def _pair(value: int | list[int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (value[0], value[1])


def _layer(raw: dict[str, Any], *, file: str, field: str, base_dir: Path | None, batch: int,
           load_masks: bool) -> Layer:
    kind = raw["kind"]
    allowed = KIND_FIELDS[kind] | COMMON_FIELDS | (WEIGHT_FIELDS if kind in WEIGHT_KINDS
                                                  else set())
    foreign = sorted(set(raw) - allowed)
    if foreign:
        raise SpecError(
            f"field does not apply to a {kind} layer (its shape fields: "
            f"{', '.join(sorted(KIND_FIELDS[kind]))})", file=file, field=f"{field}.{foreign[0]}")
    values = {k: v for k, v in raw.items() if k != "note"}
    for key in ("kernel", "stride", "padding", "in_hw", "dilation"):
        if key in values:
            values[key] = _pair(values[key])
    if "nm" in values:
        values["nm"] = tuple(values["nm"])
    if "mask" in values and base_dir is not None:
        values["mask"] = str(resolve_reference(base_dir, values["mask"], file=file,
                                               field=f"{field}.mask"))
    layer = Layer(**values)
    _check_semantics(layer, raw, file=file, field=field)
    if layer.mask is not None and load_masks:
        masks = load_mask_file(layer.mask, layer, batch, file=file, field=f"{field}.mask")
        layer = replace(layer, masks=masks)
    return layer


def _check_semantics(layer: Layer, raw: dict[str, Any], *, file: str, field: str) -> None:
    def fail(name: str, message: str) -> None:
        raise SpecError(message, file=file, field=f"{field}.{name}")

    if layer.kind == "conv":
        for name in ("in_channels", "out_channels"):
            if getattr(layer, name) % layer.groups:
                fail(name, f"{getattr(layer, name)} is not divisible by groups={layer.groups}")
        for i, axis in enumerate(("height", "width")):
            if layer.in_hw[i] + 2 * layer.padding[i] < layer.kernel_extent[i]:
                fail("kernel", f"kernel {axis} {layer.kernel_extent[i]} exceeds the padded "
                               f"input {axis} {layer.in_hw[i] + 2 * layer.padding[i]}"
                               + (" (dilated extent)" if layer.dilation[i] > 1 else ""))
    if layer.nm is not None:
        n, m = layer.nm
        if not 0 < n < m:
            fail("nm", f"{list(layer.nm)}: want [N, M] with 0 < N < M")
        k = layer.gemm(1).k  # a row's last, short group may keep up to N of its weights
        if layer.weight_density is not None and \
                layer.weight_density > n / m * (-(-k // m) * m) / k + 1e-9:
            fail("weight_density", f"{layer.weight_density} exceeds what N:M {n}:{m} leaves")
    if layer.weight_density is not None and layer.weight_density > layer.structured_density + 1e-9:
        fail("weight_density",
             f"{layer.weight_density} exceeds what row/column sparsity leaves "
             f"({layer.structured_density:.4f})")
    if layer.rank is not None:
        g = layer.gemm(1)
        full_rank = g.groups * min(g.m, g.k)
        if layer.rank > full_rank:
            fail("rank", f"{layer.rank} exceeds the full rank {full_rank}")
