"""SSL weight groups of one layer and the sparsity statistics of its mask.

Every layer's weights are viewed as a 4-D array ``(groups, rows, channels, positions)``:

* conv ``out × in/groups × kh × kw`` → ``(groups, out/groups, in/groups, kh·kw)``;
* fc / matmul ``out × in`` → ``(1, out, in, 1)``;
* lstm ``4·hidden × (input + hidden)`` → ``(1, 4·hidden, input + hidden, 1)``.

Flattening the last two axes gives each group's GEMM weight matrix (rows × channels·positions,
Caffe's im2col order, S000 §2.2.1). The SSL groups (S000 §2.2) are then a row
(filter-wise), a column (shape-wise), one input channel across the group's filters
(channel-wise) and one ``kh × kw`` kernel (2D-filter-wise).

Statistics of a boolean mask (True = weight kept), as fractions of all-zero groups:

* ``row_sparsity``: all-zero rows over all groups' rows;
* ``col_sparsity``: column positions that are zero in *every* group. For one group this is
  the usual column sparsity; for grouped layers it guarantees
  ``weight_density ≤ (1 − row)(1 − col)``, which the workload format requires;
* ``filter2d_sparsity`` (conv only) and ``channel_sparsity``.

The functions work on numpy arrays and on torch tensors alike (the SSL training regularizer
uses :func:`group_norms` on tensors).
"""

from __future__ import annotations

# axes of the 4-D view each group spans (its keys are the group structures)
GROUP_AXES = {"filter": (2, 3), "channel": (1, 3), "shape": (1,), "filter2d": (3,)}


def grouped(weight, kind: str, groups: int = 1):
    """The ``(groups, rows, channels, positions)`` view of a layer's natural weight array."""
    if kind == "conv":
        out, per_group, kh, kw = weight.shape
        return weight.reshape(groups, out // groups, per_group, kh * kw)
    rows, cols = weight.shape
    return weight.reshape(1, rows, cols, 1)


def gemm_matrices(weight, kind: str, groups: int = 1):
    """Each group's GEMM weight matrix: an array ``(groups, rows, columns)``."""
    g4 = grouped(weight, kind, groups)
    return g4.reshape(g4.shape[0], g4.shape[1], g4.shape[2] * g4.shape[3])


def group_norms(view, structure: str, eps: float = 0.0):
    """ℓ2 norm of every group of ``structure`` in a 4-D view; the group axes are summed out
    (``shape``-wise groups come back as ``(groups, channels, positions)``)."""
    return ((view * view).sum(axis=GROUP_AXES[structure]) + eps) ** 0.5


def expand(per_group, structure: str):
    """Put the summed-out group axes back (size 1) so that a per-group array broadcasts over
    the 4-D view."""
    return per_group[tuple(None if axis in GROUP_AXES[structure] else slice(None)
                           for axis in range(4))]


def sparsity_statistics(mask, kind: str, groups: int = 1) -> dict[str, float]:
    """Density and structured sparsities of a boolean mask (module docstring)."""
    view = grouped(mask, kind, groups)
    stats = {
        "weight_density": float(view.mean()),
        "row_sparsity": float((~view.any(axis=(2, 3))).mean()),
        "col_sparsity": float((~view.any(axis=(0, 1))).mean()),
        "channel_sparsity": float((~view.any(axis=(1, 3))).mean()),
    }
    if kind == "conv":
        stats["filter2d_sparsity"] = float((~view.any(axis=3)).mean())
    return stats
