"""Low rank: the rank of a layer and the cross-filter decomposition.

Rank (S000 Ch. 3): reshape each group's filters to ``W ∈ R^{N×CHW}``; with
λ_i the eigenvalues of ``WWᵀ/(CHW − 1)`` (largest first) the PCA reconstruction error of M
components is ``e_M = Σ_{i>M} λ_i``, and the rank is the smallest M with ``e_M/e_0 ≤ error``
(5% by default). λ_i are the squared singular values of W over a constant, so
``e_M/e_0`` is also the relative squared Frobenius error of the best rank-M approximation,
which is what the decomposition below achieves.

Decomposition (S000 Ch. 3): M basis filters of the full filter shape, then a 1×1 layer from
the M basis outputs back to the N outputs. A grouped layer keeps its groups; every group gets
the largest rank any group needs, so the layer's rank is ``groups × that`` (a total, as in
S000 Table 3.4). Its ideal speedup, ``N·CHW / (M·(CHW + N))`` per group, is
``Layer.lowrank_speedup`` (the model's one low-rank rule).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from accelsim.model import Layer
from accelsim.traces.groups import gemm_matrices

DEFAULT_ERROR = 0.05


def error_curve(matrix: np.ndarray) -> np.ndarray:
    """``e_M/e_0`` for M = 0 … min(N, CHW) of one ``N × CHW`` matrix (1 at M = 0)."""
    energy = np.linalg.svd(np.asarray(matrix, dtype=np.float64), compute_uv=False) ** 2
    total = energy.sum()
    if total == 0.0:
        return np.zeros(energy.size + 1)
    tail = np.concatenate([np.cumsum(energy[::-1])[::-1], [0.0]])
    return tail / total


def matrix_rank(matrix: np.ndarray, error: float = DEFAULT_ERROR) -> int:
    """Smallest M ≥ 1 whose PCA reconstruction error ratio is ≤ ``error``."""
    curve = error_curve(matrix)
    return max(1, int(np.argmax(curve <= error + 1e-12)))


def layer_rank(weight: np.ndarray, kind: str, groups: int = 1,
               error: float = DEFAULT_ERROR) -> int:
    """Rank of a layer from its natural weight array: groups × the largest per-group rank."""
    return groups * max(matrix_rank(m, error) for m in gemm_matrices(weight, kind, groups))


def factors(matrix: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """The best rank-M factors of an ``N × CHW`` matrix: ``basis`` (M × CHW, the basis
    filters) and ``mix`` (N × M, the 1×1 layer), with ``mix @ basis`` ≈ the matrix."""
    u, s, vt = np.linalg.svd(np.asarray(matrix, dtype=np.float64), full_matrices=False)
    return vt[:rank], u[:, :rank] * s[:rank]


def decompose(layer: Layer, rank: int) -> tuple[Layer, Layer]:
    """The two layers replacing ``layer``: ``rank`` basis filters, then a 1×1 (or fc) layer."""
    common = dict(weight_density=None, row_sparsity=0.0, col_sparsity=0.0, rank=None,
                  mask=None)
    if layer.kind == "conv":
        basis = replace(layer, name=f"{layer.name}.basis", out_channels=rank, **common)
        mix = replace(layer, name=f"{layer.name}.mix", in_channels=rank, kernel=(1, 1),
                      stride=(1, 1), padding=(0, 0), in_hw=layer.out_hw,
                      activation_density=1.0, **common)
        return basis, mix
    basis = replace(layer, name=f"{layer.name}.basis", out_features=rank, **common)
    mix = replace(layer, name=f"{layer.name}.mix", in_features=rank,
                  activation_density=1.0, **common)
    return basis, mix
