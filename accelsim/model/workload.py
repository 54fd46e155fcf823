"""A workload: the layers of one network with their sparsity, at one batch size."""

from __future__ import annotations

from dataclasses import dataclass

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
