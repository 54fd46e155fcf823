"""What an engine ignores, said out loud: one Result note per (layer kind, workload field).

A layer field *carries sparsity* when it changes the work a sparse-aware engine could skip:
``weight_density`` below what the zero rows and columns leave (unstructured zeros),
``row_sparsity`` / ``col_sparsity`` above 0, ``activation_density`` below 1, a ``rank``.
Each engine says, per layer, which of these it exploits (its ``exploited(layer)``); every
other field that carries sparsity on a layer is ignored, and the Result gets a note naming the
field, the layer kind, the layers and what the engine does instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from accelsim.model import Layer

SPARSITY_FIELDS = ("weight_density", "row_sparsity", "col_sparsity", "activation_density",
                   "rank")
_DENSITY_SLACK = 1e-9  # weight_density equal to the structured density is not unstructured


def below(density: float, left: float) -> bool:
    """Whether a weight ``density`` has zeros beyond the ``left`` fraction a structure keeps
    (SSL rows and columns, N:M groups): zeros only unstructured skipping removes."""
    return density < left - _DENSITY_SLACK


def sparsity_fields(layer: Layer) -> tuple[str, ...]:
    """The fields of ``layer`` that carry sparsity (module docstring)."""
    present = {
        "weight_density": layer.weight_density is not None
        and below(layer.weight_density, layer.structured_density),
        "row_sparsity": layer.row_sparsity > 0,
        "col_sparsity": layer.col_sparsity > 0,
        "activation_density": layer.activation_density < 1.0,
        "rank": layer.rank is not None,
    }
    return tuple(f for f in SPARSITY_FIELDS if present[f])


def ignored_notes(engine: str, layers: Iterable[Layer],
                  exploited: Callable[[Layer], Iterable[str]],
                  instead: dict[str, str]) -> list[str]:
    """One note per (layer kind, ignored field): ``instead[field]`` says what the engine does
    with it (e.g. "runs the compacted GEMM dense")."""
    ignored: dict[tuple[str, str], list[str]] = {}
    for layer in layers:
        used = set(exploited(layer))
        for name in sparsity_fields(layer):
            if name not in used:
                ignored.setdefault((layer.kind, name), []).append(layer.name)
    notes = []
    for (kind, name), names in ignored.items():
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        notes.append(f"ignored: {name} of {kind} layers ({shown}): the {engine} engine "
                     f"{instead[name]}")
    return notes
