"""Timing runs that converge: per kernel, the minimum over every run, and the log of the runs.

On a shared machine (other processes on this guest, other guests on the host) a kernel's
time only ever gets longer than its undisturbed time, so the estimator of that time is the
minimum over many runs spread across the session, not any one run. ``merge_minima`` keeps,
per kernel (a CSV row, keyed by its unique ``name``), the row of the run with the smallest
``min_time_s`` and names that run in the ``run`` column; ``append_run`` adds the run (date,
the sets timed, the load average before and after) to the ``conditions.md`` table that the
reports cite. ``interleaved`` orders several kernel sets so that each set is spread over the
whole round: calibration and the kernels it predicts then see the same machine states.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

# the measured sets of a timing round (suite.round_sets) and their CSVs under reports/validation
ROUND_FILES = {"calibration": "calibration_measured.csv",
               "transformer": "transformer/transformer_measured.csv",
               "csr_grid": "csr_grid_measured.csv", "cache_curve": "cache_curve_measured.csv",
               "kernels": "kernels_measured.csv"}
EARLIER_RUNS = "earlier"  # the ``run`` of a committed row timed before runs were named


def run_label(when: datetime | None = None) -> str:
    """The name of a timing run: its UTC start, to the minute (``2026-12-01 17:32``)."""
    return (when or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M")


def merge_minima(committed, new, *, run: str, keep=None):
    """Per kernel ``name``, the row (of ``committed`` or ``new``) with the smaller
    ``min_time_s``; ``new``'s rows get ``run`` in the ``run`` column, ``committed`` rows
    without one get ``EARLIER_RUNS``. ``keep`` (names) drops committed kernels that are no
    longer timed (a case list that changed); the committed order comes first, then new
    kernels in ``new``'s order."""
    import pandas as pd

    new = new.assign(run=run)
    if committed is None or committed.empty:
        return new.reset_index(drop=True)
    committed = committed.copy()
    if "run" not in committed:
        committed["run"] = EARLIER_RUNS
    committed["run"] = committed["run"].fillna(EARLIER_RUNS)
    if keep is not None:
        committed = committed[committed.name.isin(set(keep) | set(new.name))]
    order = list(dict.fromkeys(list(committed.name) + list(new.name)))
    both = pd.concat([committed, new], ignore_index=True)
    best = both.loc[both.groupby("name", sort=False).min_time_s.idxmin()]
    best = best.set_index("name").loc[order].reset_index()
    return best[[c for c in both.columns if c in best.columns]]


def merge_into(path: Path, new, *, run: str, keep=None):
    """``merge_minima`` of the CSV at ``path`` (if any) and ``new``, written back to ``path``;
    returns the merged frame."""
    import pandas as pd

    path = Path(path)
    committed = pd.read_csv(path) if path.exists() else None
    merged = merge_minima(committed, new, run=run, keep=keep)
    path.parent.mkdir(parents=True, exist_ok=True)
    merged.to_csv(path, index=False)
    return merged


def improved(committed, merged, run: str) -> int:
    """How many kernels of ``merged`` took their minimum from ``run``, among those
    ``committed`` already had."""
    if committed is None:
        return 0
    known = merged[merged.name.isin(set(committed.name))]
    return int((known.run == run).sum())


RUN_TABLE_HEADER = ("| run | sets | kernels (new minima) | load average (1 min) before, after "
                    "| note |")


def conditions_file(csv_path: Path) -> Path:
    """The run log for a measured CSV: ``conditions.md`` in the nearest folder at or above
    the CSV's that has one (the transformer suite's folder sits under reports/validation),
    else beside the CSV."""
    folder = Path(csv_path).resolve().parent
    for d in (folder, *folder.parents):
        if (d / "conditions.md").exists():
            return d / "conditions.md"
    return folder / "conditions.md"


def load_average() -> float:
    """The 1-minute load average (what ``uptime`` prints first); NaN where not available."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def append_run(path: Path, *, run: str, sets: str, kernels: str, load_before: float,
               load_after: float, note: str = "") -> None:
    """Add one run to the table that ends ``path`` (created with its header if missing)."""
    path = Path(path)
    if not path.exists():
        path.write_text("# Measurement conditions of the timings\n\n"
                        + RUN_TABLE_HEADER + "\n|---|---|---|---|---|\n")
    text = path.read_text()
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + f"| {run} | {sets} | {kernels} | {load_before:.2f}, "
                           f"{load_after:.2f} | {note} |\n")


def interleaved(sets: dict[str, list]) -> list[tuple[str, object]]:
    """(set name, item) over all ``sets``, each set's items in order and spread evenly over
    the whole sequence (item i of a set of n sits at position (i + ½)/n): every set sees
    the machine from the start of the round to its end."""
    keyed = [((i + 0.5) / len(items), j, name, item)
             for j, (name, items) in enumerate(sets.items()) for i, item in enumerate(items)]
    return [(name, item) for _, _, name, item in sorted(keyed, key=lambda t: t[:2])]
