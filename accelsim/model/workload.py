"""A workload: the layers of one network with their sparsity, at one batch size."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from accelsim.errors import WorkloadError
from accelsim.model.layer import Layer


@dataclass(frozen=True)
class Workload:
    name: str
    source: str
    batch: int
    layers: tuple[Layer, ...]
    path: str | None = None  # the file it was loaded from, for messages
    seed: int = 0  # seeds generated masks (accelsim.model.masks)

    def dense_macs(self) -> int:
        return sum(layer.dense_macs(self.batch) for layer in self.layers)

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def select(self, wanted: tuple[str, ...], *, unknown_ok: bool = False
               ) -> tuple[Workload, tuple[str, ...]]:
        """The layers whose kind or name is in ``wanted`` (file order kept), and a note naming
        what was left out with its share of the work. WorkloadError when nothing matches, or
        (unless ``unknown_ok``) when a word is neither a layer's name nor a layer's kind."""
        kinds = list(dict.fromkeys(layer.kind for layer in self.layers))
        names = {layer.name for layer in self.layers}
        unknown = [w for w in wanted if w not in names and w not in kinds]
        if unknown and not unknown_ok:
            shown = ", ".join(layer.name for layer in self.layers[:12]) + (
                ", ..." if len(self.layers) > 12 else "")
            raise WorkloadError(f"{', '.join(map(repr, unknown))}: neither a layer kind "
                                f"({', '.join(kinds)}) nor a layer name ({shown}) of workload "
                                f"{self.name!r}")
        kept = tuple(layer for layer in self.layers if layer.kind in wanted
                     or layer.name in wanted)
        if not kept:
            raise WorkloadError(f"workload {self.name!r} has no layers of kinds or names "
                                f"{', '.join(wanted)}")
        left = [layer for layer in self.layers
                if layer.kind not in wanted and layer.name not in wanted]
        if not left:
            return self, ()
        counts = ", ".join(f"{k}×{n}" for k, n in sorted(Counter(l.kind for l in left).items()))
        macs = sum(layer.dense_macs(self.batch) for layer in left)
        total = self.dense_macs()
        note = (f"layers {','.join(wanted)}: {len(kept)} of {len(self.layers)} layers run; "
                f"left out {len(left)} ({counts}), {100 * macs / total if total else 0:.1f}% "
                "of the dense MACs; totals cover the layers run")
        return replace(self, layers=kept), (note,)

    def field_notes(self, engine: str, nm_effect: str) -> tuple[str, ...]:
        """Notes for layer fields an engine does not model as the roofline does: N:M
        (``nm_effect`` says what the engine does with it) and per-layer ``dtype``."""
        notes = []
        nm = [layer.name for layer in self.layers if layer.nm is not None]
        if nm:
            notes.append(f"{len(nm)} N:M layers ({', '.join(nm[:3])}{' …' if len(nm) > 3 else ''})"
                         f": {nm_effect}")
        typed = [layer.name for layer in self.layers if layer.dtype is not None]
        if typed:
            notes.append(f"per-layer dtype of {len(typed)} layers ignored: the {engine} engine "
                         "computes at its own data width")
        return tuple(notes)

    def runnable(self, kinds: tuple[str, ...], engine: str) -> tuple[Workload, tuple[str, ...]]:
        """The workload cut to the layer ``kinds`` an engine runs, and a note naming the
        layers left out with their share of the work (never dropped silently)."""
        kept = tuple(layer for layer in self.layers if layer.kind in kinds)
        left = [layer for layer in self.layers if layer.kind not in kinds]
        if not left:
            return self, ()
        counts = ", ".join(f"{k}×{n}" for k, n in sorted(Counter(l.kind for l in left).items()))
        macs = sum(layer.dense_macs(self.batch) for layer in left)
        total = self.dense_macs()
        elements = sum(layer.elements * self.batch for layer in left)
        note = (f"not run on {engine} (no unit for them): {len(left)} layers ({counts}); "
                f"{macs:,} MACs = {100 * macs / total if total else 0:.1f}% of the dense MACs"
                + (f", plus {elements:,} vector-op elements" if elements else ""))
        return replace(self, layers=kept), (note,)
