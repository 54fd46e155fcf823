"""Predicted against measured kernel speedups (vs the dense kernel of the same shape)."""

from __future__ import annotations

import numpy as np


def predicted_seconds(cfg, frame) -> np.ndarray:
    """The roofline engine's time for every measured kernel (one row of ``frame`` each)."""
    from accelsim.engines.roofline import csr_time, dense_time
    from accelsim.validate.kernels import per_group_rank

    out = np.empty(len(frame))
    for i, row in enumerate(frame.itertuples(index=False)):
        g, m, k, n = row.groups, row.m, row.k, row.n
        if row.kernel in ("dense", "conv_dense"):
            t = dense_time(cfg, g, m, k, n).seconds
        elif row.kernel == "csr":
            t = csr_time(cfg, g, m, k, n, row.density * m * k).seconds
        elif row.kernel == "structured":
            t = dense_time(cfg, g, max(1, round(m * (1 - row.row_sparsity))),
                           max(1, round(k * (1 - row.col_sparsity))), n).seconds
        else:  # lowrank, conv_lowrank: basis filters, then the 1×1 layer
            r = per_group_rank(row.rank, g)
            t = dense_time(cfg, g, r, k, n).seconds + dense_time(cfg, g, m, r, n).seconds
        out[i] = float(t)
    return out


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
