"""A finished (or partly finished) sweep read back: rows, feasibility and frontiers."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from accelsim.errors import SpecError
from accelsim.explore.pareto import pareto_mask
from accelsim.explore.store import Store

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray


class SweepResults:
    """The rows of a sweep folder with its manifest (parameters, objectives, constraints)."""

    def __init__(self, out_dir: str | os.PathLike[str]):
        store = Store(out_dir)
        self.dir = str(out_dir)
        self.manifest: dict[str, Any] = store.manifest()
        self.frame: pd.DataFrame = store.read()
        self.parameters: list[str] = self.manifest["parameters"]

    def goal(self, column: str) -> str:
        """min or max: the sweep's objective for ``column``; min if it names none."""
        goals = {o["column"]: str(o["goal"]) for o in self.manifest["objectives"]}
        return goals.get(column, "min")

    def check_column(self, column: str, option: str) -> None:
        if column not in self.frame.columns:
            raise SpecError(f"unknown column {column!r} (columns: "
                            f"{', '.join(self.frame.columns)})", file=self.dir, field=option)
        if self.frame[column].dtype.kind not in "biuf":
            raise SpecError(f"column {column!r} holds text, not numbers", file=self.dir,
                            field=option)

    def feasible(self) -> NDArray[np.bool_]:
        """Rows without an engine error, not marked infeasible by the engine (a ``feasible``
        column, e.g. EIE's weights overflowing the PE SRAMs), that meet every constraint of
        the sweep."""
        ok = (self.frame["error"] == "").to_numpy().copy()
        if "feasible" in self.frame.columns:
            ok &= self.frame["feasible"].fillna(False).to_numpy(dtype=bool)
        constants = {k: v for k, v in self.manifest["constants"].items()
                     if k not in self.frame.columns}
        for text in self.manifest["constraints"]:
            ok &= np.asarray(self.frame.eval(text, resolvers=[constants]), dtype=bool)
        return np.asarray(ok, dtype=bool)

    def frontier(self, columns: list[str], maximize: list[bool], rows: NDArray[np.bool_]
                 ) -> NDArray[np.bool_]:
        """Mask of the rows (among ``rows``) non-dominated within their workload; of rows
        tying on every objective only the first design point is kept."""
        mask = np.zeros(len(self.frame), dtype=bool)
        values = self.frame[columns].to_numpy(dtype=float)
        for group in self.frame.groupby("workload_index", sort=True).indices.values():
            index = np.asarray(group)[rows[group]]
            mask[index[pareto_mask(values[index], maximize)]] = True
        ties = self.frame[mask].duplicated(["workload_index", *columns])
        mask[ties.index[ties.to_numpy()]] = False
        return mask
