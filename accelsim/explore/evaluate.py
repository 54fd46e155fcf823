"""Design points × one workload → columns of parameters and Result totals.

An engine module with ``simulate_batch(arch, workload, params) -> dict of arrays`` is called
once for the whole chunk; any other engine runs ``simulate`` point by point, and a point the
engine rejects gets its message in ``error``, NaN numbers and empty strings (either path). Numbers are stored as float64
(NaN marks a missing value), so every chunk of a sweep has the same Parquet schema. Two
columns are derived for every engine: ``latency_s`` (one batch) and ``images_per_s``.
"""

from __future__ import annotations

import hashlib

import numpy as np

from accelsim.engines.registry import engine_module, simulate
from accelsim.errors import AccelsimError
from accelsim.model import Workload
from accelsim.spec.sweep import Sweep


def result_columns(result) -> dict:
    """A Result's totals and scalar summary entries: one sweep row's result columns."""
    summary = {k: v for k, v in result.summary.items()
               if isinstance(v, int | float | str | bool | np.generic)}
    return {**result.totals(), **summary, "error": ""}


def evaluate(sweep: Sweep, workload: Workload, params: dict[str, np.ndarray]) -> dict:
    """Result columns (numpy arrays) of the design points ``params`` on ``workload``."""
    module = engine_module(sweep.arch.engine)
    if hasattr(module, "simulate_batch"):
        columns = module.simulate_batch(sweep.arch, workload, params)
    else:
        columns = _point_by_point(sweep, workload, params)
    columns = {k: _normalise(np.asarray(v)) for k, v in columns.items()}
    failed = columns["error"] != ""
    for key, values in columns.items():
        if values.dtype == np.float64:
            values[failed] = np.nan
        elif values.dtype == object and key != "error":
            values[failed] = ""
    with np.errstate(divide="ignore", invalid="ignore"):
        columns["latency_s"] = columns["seconds"]
        columns["images_per_s"] = workload.batch / columns["seconds"]
    return columns


def _point_by_point(sweep: Sweep, workload: Workload, params: dict[str, np.ndarray]) -> dict:
    rows = []
    for i in range(len(next(iter(params.values())))):
        try:
            arch = sweep.with_arch_values({k: v[i] for k, v in params.items()})
            rows.append(result_columns(simulate(arch, workload)))
        except AccelsimError as exc:
            rows.append({"error": exc.message})
    keys = list(dict.fromkeys(k for row in rows for k in row))
    return {k: [row.get(k) for row in rows] for k in keys}


def _normalise(values: np.ndarray) -> np.ndarray:
    """float64 for numbers (None → NaN), bool kept, str otherwise (None → '')."""
    if values.dtype.kind in "iuf":
        return values.astype(np.float64)
    if values.dtype.kind == "b":
        return values
    if values.dtype.kind == "O" and all(v is None or isinstance(v, int | float | np.number)
                                        and not isinstance(v, bool) for v in values):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return np.array(["" if v is None else str(v) for v in values], dtype=object)


def point_ids(workload: Workload, params: dict[str, np.ndarray]) -> np.ndarray:
    """A deterministic uint64 per (parameters, workload): the point's identity."""
    import pandas as pd

    salt = hashlib.sha256(f"{workload.name}{workload.layers!r}".encode()).digest()[:8]
    hashed = pd.util.hash_pandas_object(pd.DataFrame(params), index=False).to_numpy()
    return hashed ^ np.frombuffer(salt, dtype=np.uint64)[0]
