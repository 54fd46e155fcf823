"""Design points × one workload → columns of parameters and Result totals.

An engine module with ``simulate_batch(arch, workload, params) -> dict of arrays`` is called
once for the whole chunk; any other engine runs ``simulate`` point by point, and a point the
engine rejects gets its message in ``error``, NaN numbers and empty strings (either path).
Numbers are stored as float64 (NaN marks a missing value), so every chunk of a sweep has the
same Parquet schema. Two
columns are derived for every engine: ``latency_s`` (one batch) and ``images_per_s`` (batch /
seconds, unless the engine reports its own); a sweep may add its own ``derived`` columns.
"""

from __future__ import annotations

import hashlib

import numpy as np

from accelsim import registry
from accelsim.errors import AccelsimError
from accelsim.model import Workload
from accelsim.spec.sweep import Sweep


def _scalars(mapping: dict) -> dict:
    return {k: v for k, v in mapping.items()
            if isinstance(v, int | float | str | bool | np.generic)}


def result_columns(result) -> dict:
    """A Result's totals and scalar summary entries: one sweep row's result columns. A
    Result of one row (e.g. the cluster engine at one GPU count and encoding) adds that
    row's engine columns."""
    extra = _scalars(result.layers[0].extra) if len(result.layers) == 1 else {}
    return {**result.totals(), **_scalars(result.summary), **extra, "error": ""}


def evaluate(sweep: Sweep, workload: Workload, params: dict[str, np.ndarray]) -> dict:
    """Result columns (numpy arrays) of the design points ``params`` on ``workload``."""
    batch = registry.engine(sweep.arch.engine).simulate_batch
    if batch is not None and not sweep.options_for({}) and all(
            p.path[0] != "options" for p in sweep.parameters):
        columns = batch(sweep.arch, workload, params)
    else:
        columns = _point_by_point(sweep, workload, params)
    columns = {k: _normalise(np.asarray(v)) for k, v in columns.items()}
    failed = columns["error"] != ""
    for key, values in columns.items():
        if values.dtype == np.float64:
            values[failed] = np.nan
        elif values.dtype == object and key != "error":
            values[failed] = ""
    if "seconds" in columns:  # not when every point failed
        with np.errstate(divide="ignore", invalid="ignore"):
            columns["latency_s"] = columns["seconds"]
            columns.setdefault("images_per_s", workload.batch / columns["seconds"])
    return columns


def add_derived(sweep: Sweep, columns: dict) -> dict:
    """``columns`` with the sweep's derived columns (expressions over the others and the
    base arch's fields), in order, each able to use the ones before."""
    import pandas as pd

    if not sweep.derived:
        return columns
    frame = pd.DataFrame(columns)
    constants = {k: v for k, v in sweep.constants.items() if k not in frame.columns}
    for name, text in sweep.derived.items():
        frame[name] = np.asarray(frame.eval(text, resolvers=[constants]), dtype=np.float64)
    return {**columns, **{name: frame[name].to_numpy() for name in sweep.derived}}


def _point_by_point(sweep: Sweep, workload: Workload, params: dict[str, np.ndarray]) -> dict:
    rows = []
    for i in range(len(next(iter(params.values())))):
        try:
            values = {k: v[i] for k, v in params.items()}
            arch = sweep.with_arch_values(values)
            rows.append(result_columns(registry.simulate(arch, workload,
                                                         sweep.options_for(values))))
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
