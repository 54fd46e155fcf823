"""The one Result shape every engine returns (DESIGN.md): a row per layer, totals, notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BOUNDS = ("compute", "memory", "network", "imbalance", "none")


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

    def totals(self, kinds: tuple[str, ...] | None = None) -> dict[str, Any]:
        """Sums over the layers (of ``kinds`` if given); utilization is time-weighted and
        ``mean_utilization`` is the plain mean over layers (how S001 Table I totals)."""
        rows = [r for r in self.layers if kinds is None or r.kind in kinds]
        cycles = sum(r.cycles for r in rows)
        eff = sum(r.effective_macs for r in rows)
        energies = [r.energy_j for r in rows]
        return {
            "layers": len(rows),
            "dense_macs": sum(r.dense_macs for r in rows),
            "effective_macs": eff,
            "cycles": cycles,
            "seconds": sum(r.seconds for r in rows),
            "utilization": eff / (cycles * self.peak_macs_per_cycle) if cycles else 0.0,
            "mean_utilization": sum(r.utilization for r in rows) / len(rows) if rows else 0.0,
            "dram_bytes": sum(r.dram_bytes for r in rows),
            "energy_j": None if any(e is None for e in energies) else sum(energies),
        }

    def to_frame(self):
        """Per-layer pandas DataFrame (the only thing reports and sweeps consume)."""
        import pandas as pd

        frame = pd.DataFrame([r.as_row() for r in self.layers])
        frame.attrs.update(engine=self.engine, arch=self.arch, workload=self.workload,
                           notes=list(self.notes), summary=dict(self.summary))
        return frame
