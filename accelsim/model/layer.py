"""A network layer and its GEMM view.

GEMM view (DESIGN.md): per group, an ``m × k`` weight matrix (rows = output channels of the
group, ``k = in_channels/groups × kh × kw``) times a ``k × n`` matrix (``n`` = output pixels ×
batch). Caffe's im2col lowering (S000 §2.2.1). Other kinds:

* ``fc``: ``m = out_features``, ``k = in_features``, ``n = batch``.
* ``lstm``: one ``4·hidden × (input + hidden)`` matrix per layer (TensorFlow basic cell,
  S000 Fig 2.10), ``n = batch × timesteps``.
* ``matmul``: ``m = out_features``, ``k = in_features``, ``n = columns × batch`` (a weight
  times ``columns`` activation vectors per sample, e.g. a transformer's tokens).
* ``bmm``: activation × activation, ``heads`` independent ``(rows × inner)·(inner × columns)``
  products per sample (attention's Q·Kᵀ: rows = queries, inner = d_head, columns = keys;
  A·V: rows = queries, inner = keys, columns = d_head): ``groups = heads × batch``. No
  weights. ``causal`` (``"qk"``: the output is the causal score matrix; ``"av"``: the left
  operand is) leaves the dense MACs as a framework computes them and lowers the *effective*
  MACs to the visible part, ``(q·(L − q) + q(q + 1)/2) / (q·L)`` for q queries and L keys,
  which a masked kernel (e.g. FlashAttention) skips.
* conv ``dilation`` d spreads the kernel: its extent is ``d·(k − 1) + 1``, the GEMM keeps
  ``k = C/g·kh·kw`` (dilated im2col).

Vector kinds (``eltwise``, ``norm``, ``softmax``, ``pool``, ``embedding``) have no GEMM: each
is ``elements`` outputs per sample computed from ``read_elements`` inputs (default: as many)
with ``flops_per_element`` operations each; their cost is the bytes they move (memory-bound
kernels on a GPU). ``parameters`` counts their weights (norm γ/β, an embedding table) for
parameter totals; an embedding reads only the rows it gathers.

Per-layer ``dtype`` (default: the run's precision) and ``nm`` (N:M structured sparsity,
e.g. ``[2, 4]``: at most N non-zeros in every M consecutive weights of a row, the pattern of
sparse tensor cores; the weight density is N/M) apply to weight layers.

Sparsity is the fraction of zeros; density = 1 − sparsity. ``row_sparsity`` and
``col_sparsity`` are SSL's all-zero rows (filter-wise) and columns (shape-wise) of the GEMM
weight matrix (S000 §2.2.1); removing them leaves a smaller dense GEMM. ``weight_density``
is the overall fraction of non-zero weights (non-structured sparsity); without it the density
is what the structured sparsity leaves, ``(1 − row)(1 − col)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelsim.model.masks import LayerMasks

GEMM_KINDS = ("conv", "fc", "lstm", "matmul", "bmm")
WEIGHT_KINDS = ("conv", "fc", "lstm", "matmul")
VECTOR_KINDS = ("eltwise", "norm", "softmax", "pool", "embedding")
LAYER_KINDS = GEMM_KINDS + VECTOR_KINDS
CAUSAL = ("qk", "av")
DTYPES = ("fp32", "tf32", "fp16", "bf16", "fp8", "int8", "int4")
DTYPE_BYTES = {"fp32": 4.0, "tf32": 4.0, "fp16": 2.0, "bf16": 2.0, "fp8": 1.0, "int8": 1.0,
               "int4": 0.5}  # tf32 is stored as fp32
# operations per output element when a vector layer gives none (assumption: a GELU or exp is
# a few FLOPs; layer norm = mean, variance, normalise, scale, shift; softmax = max, subtract,
# exp, sum, divide); these kernels are memory-bound on GPUs and CPUs, so the value matters
# little
DEFAULT_FLOPS_PER_ELEMENT = {"eltwise": 1, "norm": 5, "softmax": 5, "pool": 1, "embedding": 0}


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

    def compacted(self, row_sparsity: float, col_sparsity: float) -> Gemm:
        """The GEMM left once a ``row_sparsity`` fraction of the weight rows and a
        ``col_sparsity`` fraction of its columns are removed and the rest packed (SSL);
        counts round half-up. The one compaction rule: layers, kernels and predictions."""
        return Gemm(self.groups, _round_count(self.m * (1.0 - row_sparsity)),
                    _round_count(self.k * (1.0 - col_sparsity)), self.n)

    def lowrank(self, rank: int) -> tuple[Gemm, Gemm]:
        """Cross-filter decomposition at total ``rank`` (S000 Ch. 3): ``rank`` basis filters,
        then a 1×1 layer back to the outputs; a grouped GEMM splits ``rank`` over its groups,
        ⌈rank/groups⌉ each (so S000 Table 3.4's odd 201 over 2 groups rounds up)."""
        r = -(-int(rank) // self.groups)
        return Gemm(self.groups, r, self.k, self.n), Gemm(self.groups, self.m, r, self.n)


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
    dilation: tuple[int, int] = (1, 1)
    # fc / matmul
    in_features: int = 0
    out_features: int = 0
    columns: int = 1
    # bmm (columns as above)
    heads: int = 1
    rows: int = 0
    inner: int = 0
    causal: str | None = None
    # vector kinds
    elements: int = 0
    read_elements: int | None = None
    flops_per_element: float | None = None
    parameters: int = 0
    op: str | None = None
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
    mask: str | None = None
    mask_distribution: str = "uniform"  # how masks are generated without a mask file
    nm: tuple[int, int] | None = None
    dtype: str | None = None
    masks: LayerMasks | None = field(default=None, compare=False, repr=False)  # from `mask`

    # ---- shapes -------------------------------------------------------------------------
    @property
    def is_vector(self) -> bool:
        return self.kind in VECTOR_KINDS

    @property
    def has_weights(self) -> bool:
        return self.kind in WEIGHT_KINDS

    @property
    def kernel_extent(self) -> tuple[int, int]:
        """Spatial extent of a (dilated) conv kernel: d·(k − 1) + 1."""
        return (self.dilation[0] * (self.kernel[0] - 1) + 1,
                self.dilation[1] * (self.kernel[1] - 1) + 1)

    @property
    def out_hw(self) -> tuple[int, int]:
        """Output map size of a conv layer: ⌊(in + 2·pad − d(kernel − 1) − 1) / stride⌋ + 1."""
        if self.kind != "conv":
            return (1, 1)
        h, w = (
            (self.in_hw[i] + 2 * self.padding[i] - self.kernel_extent[i]) // self.stride[i] + 1
            for i in range(2)
        )
        return h, w

    def gemm(self, batch: int = 1) -> Gemm:
        """The dense GEMM view of this layer for ``batch`` samples (vector kinds have none)."""
        if self.is_vector:
            raise ValueError(f"layer {self.name}: a {self.kind} layer has no GEMM view")
        if self.kind == "bmm":
            return Gemm(self.heads * batch, self.rows, self.inner, self.columns)
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
        """MACs as a framework computes them (0 for vector kinds)."""
        return 0 if self.is_vector else self.gemm(batch).macs

    @property
    def weight_count(self) -> int:
        """GEMM weights (0 for bmm and vector kinds; see ``parameters``)."""
        return self.gemm(1).weights if self.has_weights else 0

    @property
    def causal_fraction(self) -> float:
        """Fraction of a causal bmm's products that are visible (1 without ``causal``)."""
        if self.causal is None:
            return 1.0
        q, keys = self.rows, (self.columns if self.causal == "qk" else self.inner)
        return (q * (keys - q) + q * (q + 1) / 2) / (q * keys) if keys >= q else 1.0

    # ---- vector kinds -------------------------------------------------------------------
    def vector_flops(self, batch: int = 1) -> float:
        per = self.flops_per_element
        return self.elements * batch * (DEFAULT_FLOPS_PER_ELEMENT[self.kind]
                                        if per is None else per)

    def vector_bytes(self, batch: int, value_bytes: float) -> float:
        """Bytes a vector kernel moves: its inputs read and its outputs written, once."""
        read = self.elements if self.read_elements is None else self.read_elements
        return (read + self.elements) * batch * value_bytes

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
        return self.gemm(batch).compacted(self.row_sparsity, self.col_sparsity)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        """The natural shape of the weight array (and of its mask): conv ``out × in/groups ×
        kh × kw``; fc/matmul ``out × in``; lstm ``4·hidden × (input + hidden)``."""
        if self.kind == "conv":
            return (self.out_channels, self.in_channels // self.groups, *self.kernel)
        g = self.gemm(1)
        return (g.m, g.k)

    def effective_macs(self, batch: int = 1, *, skip_zero_activations: bool = False) -> int:
        """MACs with both operands possibly non-zero: zero weights always skipped,
        zero activations only when ``skip_zero_activations``."""
        act = self.activation_density if skip_zero_activations else 1.0
        return _round_count(self.dense_macs(batch) * self.density * act * self.causal_fraction)

    # ---- low rank -----------------------------------------------------------------------
    def lowrank_gemms(self, batch: int = 1) -> tuple[Gemm, Gemm]:
        """Cross-filter decomposition (S000 Ch. 3): ``rank`` basis filters of the full
        filter shape, then a 1×1 layer from ``rank`` channels back to the outputs.
        ``rank`` is the layer total; a grouped layer splits it over its groups (⌈rank/g⌉
        each, so an odd total such as S000 Table 3.4's 201 over 2 groups rounds up)."""
        if self.rank is None:
            raise ValueError(f"layer {self.name} has no rank")
        return self.gemm(batch).lowrank(self.rank)

    def lowrank_macs(self, batch: int = 1, rank: float | None = None) -> float:
        """MACs of the decomposition at total ``rank`` (the layer's by default): rank·(CHW +
        N)·H'W', the total split evenly over groups, not rounded, as S000 Table 3.4's
        theoretical speedups count it."""
        rank = self.rank if rank is None else rank
        if rank is None:
            raise ValueError(f"layer {self.name} has no rank")
        g = self.gemm(batch)
        return rank * (g.k + g.m) * g.n

    def lowrank_speedup(self, rank: float | None = None) -> float:
        """Ideal (MAC-count) speedup of the decomposition: N·CHW / (M·(CHW + N)) per group
        with M = rank/groups (S000 Table 3.4, "theoretical speedup")."""
        return self.gemm(1).macs / self.lowrank_macs(1, rank)
