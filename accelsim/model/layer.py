"""A network layer and its GEMM view.

GEMM view (DESIGN.md): per group, an ``m × k`` weight matrix (rows = output channels of the
group, ``k = in_channels/groups × kh × kw``) times a ``k × n`` matrix (``n`` = output pixels ×
batch). Caffe's im2col lowering (gpu-cpu.md §2). Other kinds:

* ``fc``: ``m = out_features``, ``k = in_features``, ``n = batch``.
* ``lstm``: one ``4·hidden × (input + hidden)`` matrix per layer (TensorFlow basic cell,
  S000 Fig 2.10), ``n = batch × timesteps``.
* ``matmul``: ``m = out_features``, ``k = in_features``, ``n = columns × batch``.

Sparsity is the fraction of zeros; density = 1 − sparsity. ``row_sparsity`` and
``col_sparsity`` are SSL's all-zero rows (filter-wise) and columns (shape-wise) of the GEMM
weight matrix (S000 §2.2.1); removing them leaves a smaller dense GEMM. ``weight_density``
is the overall fraction of non-zero weights (non-structured sparsity); without it the density
is what the structured sparsity leaves, ``(1 − row)(1 − col)``. ``nm`` (e.g. ``[2, 4]``) is N:M
structured sparsity: at most N non-zeros in every M consecutive weights of a row (density N/M).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelsim.model.masks import LayerMasks

LAYER_KINDS = ("conv", "fc", "lstm", "matmul")


def _round_count(x: float) -> int:
    """Round a non-negative count half-up (Python's round() rounds half to even)."""
    return int(math.floor(x + 0.5))


@dataclass(frozen=True)
class Gemm:
    """``groups`` independent GEMMs of an ``m × k`` weight matrix times a ``k × n`` matrix."""

    groups: int
    m: int
    k: int
    n: int

    @property
    def macs(self) -> int:
        return self.groups * self.m * self.k * self.n

    @property
    def weights(self) -> int:
        return self.groups * self.m * self.k


@dataclass(frozen=True)
class Layer:
    name: str
    kind: str
    # conv
    in_channels: int = 0
    out_channels: int = 0
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    groups: int = 1
    in_hw: tuple[int, int] = (1, 1)
    # fc / matmul
    in_features: int = 0
    out_features: int = 0
    columns: int = 1
    # lstm
    input_size: int = 0
    hidden_size: int = 0
    timesteps: int = 1
    # sparsity and low rank
    weight_density: float | None = None
    row_sparsity: float = 0.0
    col_sparsity: float = 0.0
    activation_density: float = 1.0
    rank: int | None = None
    nm: tuple[int, int] | None = None
    mask: str | None = None
    mask_distribution: str = "uniform"  # how masks are generated without a mask file
    masks: LayerMasks | None = field(default=None, compare=False, repr=False)  # from `mask`

    # ---- shapes -------------------------------------------------------------------------
    @property
    def out_hw(self) -> tuple[int, int]:
        """Output map size of a conv layer: ⌊(in + 2·pad − kernel) / stride⌋ + 1."""
        if self.kind != "conv":
            return (1, 1)
        return tuple(
            (self.in_hw[i] + 2 * self.padding[i] - self.kernel[i]) // self.stride[i] + 1
            for i in range(2)
        )

    def gemm(self, batch: int = 1) -> Gemm:
        """The dense GEMM view of this layer for ``batch`` samples."""
        if self.kind == "conv":
            oh, ow = self.out_hw
            return Gemm(
                groups=self.groups,
                m=self.out_channels // self.groups,
                k=self.in_channels // self.groups * self.kernel[0] * self.kernel[1],
                n=oh * ow * batch,
            )
        if self.kind == "fc":
            return Gemm(1, self.out_features, self.in_features, batch)
        if self.kind == "lstm":
            return Gemm(1, 4 * self.hidden_size, self.input_size + self.hidden_size,
                        batch * self.timesteps)
        return Gemm(1, self.out_features, self.in_features, self.columns * batch)

    def dense_macs(self, batch: int = 1) -> int:
        return self.gemm(batch).macs

    @property
    def weight_count(self) -> int:
        return self.gemm(1).weights

    # ---- sparsity -----------------------------------------------------------------------
    @property
    def structured_density(self) -> float:
        """Fraction of the weight matrix left after removing all-zero rows and columns."""
        return (1.0 - self.row_sparsity) * (1.0 - self.col_sparsity)

    @property
    def density(self) -> float:
        """Overall fraction of non-zero weights (N/M under ``nm`` unless measured)."""
        if self.weight_density is not None:
            return self.weight_density
        if self.nm is not None:
            return self.structured_density * self.nm[0] / self.nm[1]
        return self.structured_density

    @property
    def nonzero_weights(self) -> int:
        return _round_count(self.weight_count * self.density)

    def compacted_gemm(self, batch: int = 1) -> Gemm:
        """The GEMM left once all-zero rows and columns are removed and the rest packed (SSL)."""
        g = self.gemm(batch)
        return Gemm(
            groups=g.groups,
            m=_round_count(g.m * (1.0 - self.row_sparsity)),
            k=_round_count(g.k * (1.0 - self.col_sparsity)),
            n=g.n,
        )

    def effective_macs(self, batch: int = 1, *, skip_zero_activations: bool = False) -> int:
        """MACs with both operands possibly non-zero: zero weights always skipped,
        zero activations only when ``skip_zero_activations``."""
        act = self.activation_density if skip_zero_activations else 1.0
        return _round_count(self.dense_macs(batch) * self.density * act)

    # ---- low rank -----------------------------------------------------------------------
    def lowrank_gemms(self, batch: int = 1) -> tuple[Gemm, Gemm]:
        """Cross-filter decomposition (gpu-cpu.md §5): ``rank`` basis filters of the full
        filter shape, then a 1×1 layer from ``rank`` channels back to the outputs.
        ``rank`` is the layer total; a grouped layer splits it over its groups (⌈rank/g⌉
        each, so an odd total such as S000 Table 3.4's 201 over 2 groups rounds up)."""
        if self.rank is None:
            raise ValueError(f"layer {self.name} has no rank")
        g = self.gemm(batch)
        r = -(-self.rank // g.groups)
        return Gemm(g.groups, r, g.k, g.n), Gemm(g.groups, g.m, r, g.n)
