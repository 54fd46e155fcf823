"""The one Result type every engine returns (DESIGN.md): rows, totals, notes, and the shape
of its rows: one per layer (most engines), or one per scaling point (GPU count × encoding,
the cluster engine). Reports choose their renderer by that shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class LayerResult:
    """One layer on one engine. ``utilization`` is effective MACs / (cycles × peak MACs per
    cycle); ``bound`` says what limits the layer; ``extra`` holds engine-specific columns."""

    name: str
    kind: str
    dense_macs: int
    effective_macs: int
    cycles: int
    seconds: float
    utilization: float
    bound: str
    dram_bytes: int
    energy_j: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        row = {
            "layer": self.name, "kind": self.kind, "dense_macs": self.dense_macs,
            "effective_macs": self.effective_macs, "cycles": self.cycles,
            "seconds": self.seconds, "utilization": self.utilization, "bound": self.bound,
            "dram_bytes": self.dram_bytes, "energy_j": self.energy_j,
        }
        row.update(self.extra)
        return row


PER_LAYER = "per-layer"
PER_SCALING_POINT = "per-scaling-point"
PER_TRAINING_CONFIG = "per-training-config"  # time to train: encoding × sparsity × batch × GPUs
SHAPES = (PER_LAYER, PER_SCALING_POINT, PER_TRAINING_CONFIG)

LAYER_FIGURES = ("dense_macs", "effective_macs", "cycles", "seconds", "utilization",
                 "dram_bytes", "energy_j")


IMBALANCE_BOUND = 1.1
"""A layer's ``bound`` is ``imbalance`` when its imbalance (the slowest unit's work over the
mean unit's, among the units the layer uses) exceeds 1.1: more than 10% of the time is lost
to uneven work. A reporting convention, not a published figure."""


def imbalance_bound(imbalance: float) -> bool:
    """Whether ``imbalance`` makes a layer imbalance-bound (:data:`IMBALANCE_BOUND`)."""
    return imbalance > IMBALANCE_BOUND


def safe_ratio(num: Any, den: Any) -> Any:
    """num / den, 0 where den is 0 (scalars, or numpy arrays over design points)."""
    import numpy as np  # here: ``accelsim --help`` imports this module and needs no numpy

    if np.ndim(den) == 0:
        return num / den if den else 0.0
    return np.divide(num, den, out=np.zeros(np.shape(den)), where=den != 0)


def sum_layers(figures: dict[str, list[Any]], peak_macs_per_cycle: Any) -> dict[str, Any]:
    """Totals from per-layer lists of :data:`LAYER_FIGURES` (scalars, or arrays over design
    points for batch evaluation): sums; utilization is time-weighted and
    ``mean_utilization`` is the plain mean over layers (how S001 Table I totals)."""
    n = len(figures["cycles"])
    cycles = sum(figures["cycles"])
    eff = sum(figures["effective_macs"])
    energies = figures["energy_j"]
    return {
        "layers": n,
        "dense_macs": sum(figures["dense_macs"]),
        "effective_macs": eff,
        "cycles": cycles,
        "seconds": sum(figures["seconds"]),
        "utilization": safe_ratio(eff, cycles * peak_macs_per_cycle),
        "mean_utilization": sum(figures["utilization"]) / n if n else 0.0,
        "dram_bytes": sum(figures["dram_bytes"]),
        "energy_j": None if any(e is None for e in energies) else sum(energies),
    }


@dataclass(frozen=True)
class Result:
    engine: str
    arch: str
    workload: str
    layers: tuple[LayerResult, ...]
    peak_macs_per_cycle: float
    clock_hz: float
    notes: tuple[str, ...] = ()
    summary: dict[str, Any] = field(default_factory=dict)  # design-level facts (e.g. PE count)
    shape: str = PER_LAYER  # one of SHAPES: what a row stands for

    def totals(self, kinds: tuple[str, ...] | None = None) -> dict[str, Any]:
        """Sums over the layers (of ``kinds`` if given); see :func:`sum_layers`. A Result whose
        rows are alternatives (one per scaling point) has totals only when it has one row."""
        rows = [r for r in self.layers if kinds is None or r.kind in kinds]
        if self.shape != PER_LAYER and len(rows) > 1:
            raise ValueError(f"the {len(rows)} rows of this {self.engine} Result are "
                             "alternatives (one per configuration): they have no total")
        return sum_layers({key: [getattr(r, key) for r in rows] for key in LAYER_FIGURES},
                          self.peak_macs_per_cycle)

    def to_frame(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame, one row per layer (or scaling point): a column of
        numbers is numeric, NaN where a row has none (``energy_j`` of an engine that models
        no energy); engine, arch, workload, notes and summary are in ``frame.attrs``."""
        import pandas as pd

        frame = pd.DataFrame([r.as_row() for r in self.layers])
        for column in frame.columns[frame.dtypes == object]:
            if all(v is None or _is_number(v) for v in frame[column]):
                frame[column] = frame[column].astype(float)
        frame.attrs.update(engine=self.engine, arch=self.arch, workload=self.workload,
                           notes=list(self.notes), summary=dict(self.summary))
        return frame

    def _repr_html_(self) -> str:
        """A notebook's view: what ran on what, the rows and the notes."""
        from html import escape

        title = (f"<p><b>{escape(self.workload)}</b> on <b>{escape(self.arch)}</b> "
                 f"({escape(self.engine)} engine, {len(self.layers)} rows)</p>")
        notes = "".join(f"<li>{escape(note)}</li>" for note in self.notes)
        return (title + self.to_frame().to_html(index=False, na_rep="–")
                + (f"<ul>{notes}</ul>" if notes else ""))


def _is_number(value: Any) -> bool:
    """An int or float (numpy's too), not a bool."""
    import numpy as np

    return isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_)
