"""Predicted against measured kernel speedups (vs the dense kernel of the same shape)."""

from __future__ import annotations

import numpy as np

from accelsim.model import Gemm


def predicted_seconds(cfg, frame) -> np.ndarray:
    """The roofline engine's time for every measured kernel (one row of ``frame`` each)."""
    from accelsim.engines.roofline import batched_time, csr_time, dense_time, vector_time
    from accelsim.model import Layer
    from accelsim.validate.kernels import VECTOR_KERNELS

    out = np.empty(len(frame))
    for i, row in enumerate(frame.itertuples(index=False)):
        g, m, k, n = row.groups, row.m, row.k, row.n
        if row.kernel in ("dense", "conv_dense"):
            t = dense_time(cfg, g, m, k, n).seconds
        elif row.kernel == "csr":
            t = csr_time(cfg, g, m, k, n, row.density * m * k).seconds
        elif row.kernel == "bmm":
            t = batched_time(cfg, g, m, k, n).seconds
        elif row.kernel in VECTOR_KERNELS:
            layer = Layer(name=row.name, kind=VECTOR_KERNELS[row.kernel], elements=m * n)
            t = vector_time(cfg, layer, 1).seconds
        elif row.kernel == "structured":
            c = Gemm(g, m, k, n).compacted(row.row_sparsity, row.col_sparsity)
            t = dense_time(cfg, g, c.m, c.k, n).seconds
        else:  # lowrank, conv_lowrank: basis filters, then the 1×1 layer
            t = sum(dense_time(cfg, p.groups, p.m, p.k, p.n).seconds
                    for p in Gemm(g, m, k, n).lowrank(row.rank))
        out[i] = float(t)
    return out


def sparsity_curves(cfg, m: int, k: int, n: int, sparsity: np.ndarray) -> dict:
    """Predicted speedups over dense of one GEMM shape at each ``sparsity`` (fraction of
    weights removed): CSR with that density, and structured with rows and columns removed
    in equal fractions (1 − √(1 − s) each), compacted by the model's rule."""
    from accelsim.engines.roofline import csr_time, dense_time

    dense = float(dense_time(cfg, 1, m, k, n).seconds)
    side = 1 - np.sqrt(1 - np.asarray(sparsity, dtype=float))
    csr = dense / csr_time(cfg, 1, m, k, n, (1 - sparsity) * m * k).seconds
    structured = []
    for s in side:
        c = Gemm(1, m, k, n).compacted(s, s)
        structured.append(dense / float(dense_time(cfg, 1, c.m, c.k, n).seconds))
    return {"csr": csr, "structured": np.asarray(structured)}


def lstm_sparsity_curves(cfg, comparison) -> dict:
    """:func:`sparsity_curves` from 0 to 99% for the shape of each LSTM kernel group of a
    comparison (the groups swept over sparsity), keyed by group."""
    sparsity = np.arange(0.0, 0.991, 0.005)
    lstm = comparison[comparison.group.str.startswith("lstm")]
    return {group: {"sparsity": sparsity,
                    **sparsity_curves(cfg, part.m.iloc[0], part.k.iloc[0], part.n.iloc[0],
                                      sparsity)}
            for group, part in lstm.groupby("group")}


def speedups(frame, cfg):
    """Measured and predicted speedup of every non-dense kernel over the dense kernel of the
    same shape (GEMM dense for GEMM kernels, torch dense conv for conv kernels), and the
    relative error predicted / measured − 1."""
    frame = frame.assign(predicted_s=predicted_seconds(cfg, frame))
    shape = ["m", "k", "n", "groups"]
    base_kind = {"conv_lowrank": "conv_dense"}
    rows = []
    for row in frame.itertuples(index=False):
        if row.kernel in ("dense", "conv_dense"):
            continue
        want = base_kind.get(row.kernel, "dense")
        base = frame[(frame.kernel == want) & (frame[shape] == [getattr(row, s) for s in shape]
                                               ).all(axis=1)]
        if base.empty:
            continue
        b = base.iloc[0]
        measured, predicted = b.min_time_s / row.min_time_s, b.predicted_s / row.predicted_s
        rows.append({**row._asdict(), "measured_speedup": measured,
                     "predicted_speedup": predicted, "error": predicted / measured - 1})
    import pandas as pd

    return pd.DataFrame(rows)


def absolute_errors(frame, cfg):
    """Predicted against measured time of each kernel: error = predicted / measured − 1
    (the transformer kernels, judged on time, not on a speedup), on the minimum of the
    repeats like every other comparison (the least disturbed time on a shared machine)."""
    frame = frame.assign(predicted_s=predicted_seconds(cfg, frame))
    return frame.assign(error=frame.predicted_s / frame.min_time_s - 1)


def crossover_sparsity(sparsity, speedup) -> float | None:
    """The sparsity at which a kernel starts to beat dense (speedup crosses 1, linear
    interpolation between measured points), or None if it never does in the range."""
    s = np.asarray(sparsity, dtype=float)
    x = np.asarray(speedup, dtype=float)
    order = np.argsort(s)
    s, x = s[order], x[order]
    above = np.nonzero(x >= 1.0)[0]
    if above.size == 0:
        return None
    i = above[0]
    if i == 0:
        return float(s[0])
    return float(s[i - 1] + (1.0 - x[i - 1]) * (s[i] - s[i - 1]) / (x[i] - x[i - 1]))
