"""Run a sweep: cut its points into chunks, evaluate the unfinished ones and store each.

Chunks run in a local process pool (all cores by default), in this process (one worker), or
on a Dask distributed cluster (``scheduler`` = its address; the workers must have accelsim
installed and see the output folder, e.g. on a shared filesystem). Workers write their
chunks' temporary files themselves, so only names, row counts and checksums travel back (the
main process records them and puts the chunks in place: explore/store.py). Local pool
workers exit when the main process dies, however it dies. A batch engine gets large chunks (one
numpy evaluation each); a point-by-point engine gets small ones, so that all workers stay busy.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accelsim import registry
from accelsim.errors import SpecError
from accelsim.explore.evaluate import add_derived, evaluate, point_ids
from accelsim.explore.space import Space
from accelsim.explore.store import Store, chunk_name, chunk_ranges
from accelsim.report.progress import progress as report_progress
from accelsim.spec.sweep import Sweep, expression_names

BATCH_CHUNK_POINTS = 1 << 16
POINT_CHUNKS = 16  # a point-by-point sweep is cut in at least this many chunks (≤ 64 points)
FIRST_POINTS_TRIED = 64
RECORD_EVERY_S = 0.5   # finished chunks are recorded in the manifest at most this often
PARENT_CHECK_S = 0.2   # how often a pool worker checks that the main process is alive


@dataclass(frozen=True)
class Job:
    sweep: Sweep
    out_dir: str
    workload_index: int
    start: int
    stop: int
    name: str
    kinds: dict  # column -> numpy dtype kind: every chunk gets the same schema


@dataclass(frozen=True)
class RunSummary:
    rows: int      # design points × workloads in the store after the run
    computed: int  # of which this run computed
    seconds: float
    recomputed: tuple[str, ...] = ()  # chunks found corrupted or unrecorded, computed again

    @property
    def rows_per_s(self) -> float:
        return self.computed / self.seconds if self.seconds else 0.0


def run_job(job: Job) -> tuple[str, int, str]:
    """Evaluate one chunk and write its temporary file; returns its name, row count and
    checksum (the main process records it and puts the chunk in place)."""
    import pyarrow as pa

    workload = job.sweep.workloads[job.workload_index]
    params = Space(job.sweep).points(job.start, job.stop)
    n = job.stop - job.start
    columns = {"workload": np.full(n, workload.name, dtype=object),
               "workload_index": np.full(n, job.workload_index, dtype=np.int64),
               "point": np.arange(job.start, job.stop, dtype=np.int64),
               "point_id": point_ids(workload, params), **params}
    results = evaluate(job.sweep, workload, params)
    columns.update({k: v for k, v in results.items() if k not in params})
    blank = {"f": np.nan, "O": "", "b": False}  # a column no point of this chunk produced
    columns.update({c: np.full(n, blank[kind]) for c, kind in job.kinds.items()
                    if c not in columns and c not in job.sweep.derived})
    columns = add_derived(job.sweep, columns)
    table = {c: columns[c] for c in job.kinds}
    return job.name, n, Store(job.out_dir).write_chunk(job.name, pa.table(table))


def run_sweep(sweep: Sweep, out_dir: str | os.PathLike[str], *, workers: int | None = None,
              scheduler: str | None = None, chunk_points: int | None = None,
              progress: bool = True) -> RunSummary:
    """Run every unfinished chunk of ``sweep`` into ``out_dir``; see the module docstring."""
    space = Space(sweep)
    batch = registry.engine(sweep.arch.engine).simulate_batch is not None
    workers = workers or os.cpu_count() or 1
    chunk = chunk_points or sweep.chunk_points or default_chunk_points(space.size, batch)
    store = Store(out_dir)
    ranges = list(chunk_ranges(space.size, chunk, len(sweep.workloads)))
    names = [chunk_name(sweep.fingerprint, *r) for r in ranges]
    identity = {"fingerprint": sweep.fingerprint, "chunk_points": chunk}
    store.inspect(set(names), identity)  # a wrong folder stops the sweep before any work
    kinds = check_columns(sweep, space)
    try:
        finished = store.open(manifest(sweep, space, chunk, list(kinds)), set(names))
        jobs = [Job(sweep, str(out_dir), w, start, stop, name, kinds)
                for (w, start, stop), name in zip(ranges, names) if name not in finished]
        total = space.size * len(sweep.workloads)
        done = total - sum(j.stop - j.start for j in jobs)
        began = time.perf_counter()
        with report_progress("points", show=progress) as bar:
            task = bar.add_task(sweep.name, total=total, completed=done)
            pending, flushed = {}, time.monotonic()
            try:
                for name, rows, checksum in _execute(jobs, workers, scheduler):
                    pending[name] = checksum
                    if time.monotonic() - flushed > RECORD_EVERY_S:
                        store.record(pending)
                        pending, flushed = {}, time.monotonic()
                    bar.advance(task, rows)
            finally:
                store.record(pending)
    finally:
        store.close()
    return RunSummary(rows=total, computed=total - done, seconds=time.perf_counter() - began,
                      recomputed=tuple(store.rejected))


def _execute(jobs: list[Job], workers: int, scheduler: str | None):
    """Run jobs and yield each one's row count as it finishes."""
    if scheduler:
        from dask.distributed import Client, as_completed

        with Client(scheduler) as client:
            for future in as_completed(client.map(run_job, jobs, pure=False)):
                yield future.result()
    elif workers == 1 or len(jobs) <= 1:
        yield from map(run_job, jobs)
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            for future in as_completed([pool.submit(run_job, j) for j in jobs]):
                yield future.result()


def _die_with_parent(parent_pid: int) -> None:
    """Pool worker start-up: exit as soon as the sweep's main process is gone (even after
    a SIGKILL, which lets it clean nothing up)."""
    import threading

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="accelsim-parent-watch").start()


def check_columns(sweep: Sweep, space: Space) -> dict[str, str]:
    """Every column of a row and its kind (numpy dtype kind), from the first design point
    that runs, after checking that every derived column, objective and constraint names a
    column or a field of the base arch."""
    workload = sweep.workloads[0]
    for point in range(min(space.size, FIRST_POINTS_TRIED)):
        params = space.points(point, point + 1)
        results = evaluate(sweep, workload, params)
        if results["error"][0] == "":
            break
    else:
        raise SpecError(f"the first {point + 1} design points all fail on {workload.name}: "
                        f"{results['error'][0]}", file=sweep.path, field="parameters")
    columns = ["workload", "workload_index", "point", "point_id", *params,
               *(k for k in results if k not in params)]

    def check(text: str, field: str, comparison: bool) -> None:
        names = expression_names(text, file=sweep.path, field=field, comparison=comparison)
        unknown = sorted(names - set(columns) - set(sweep.constants))
        if unknown:
            raise SpecError(f"unknown name {unknown[0]!r} (columns: {', '.join(columns)}; "
                            "or a field of the base arch)", file=sweep.path, field=field)

    for name, text in sweep.derived.items():
        if name in columns:
            raise SpecError(f"derived column {name!r} would replace the column of that name; "
                            "choose another name", file=sweep.path, field=f"derived.{name}")
        check(text, f"derived.{name}", comparison=False)
        columns.append(name)
    results = add_derived(sweep, {**params, **results})
    kinds = {"workload": "O", "workload_index": "i", "point": "i", "point_id": "u"}
    kinds = {**kinds, **{c: results[c].dtype.kind for c in columns if c not in kinds}}
    for i, o in enumerate(sweep.objectives):
        if o.column not in columns:
            raise SpecError(f"unknown column {o.column!r} (columns: {', '.join(columns)})",
                            file=sweep.path, field=f"objectives.{i}.column")
        if kinds[o.column] not in "biuf":
            raise SpecError(f"column {o.column!r} holds text, an objective must be a number",
                            file=sweep.path, field=f"objectives.{i}.column")
    for i, text in enumerate(sweep.constraints):
        check(text, f"constraints.{i}", comparison=True)
    return kinds


def default_chunk_points(points: int, batch: bool) -> int:
    """Points per chunk when neither the command nor the spec gives it: large for a batch
    engine (one numpy evaluation each), else small enough that a pool stays busy. Never
    from the machine (its cores): chunk names come from it, so a study committed here
    resumes, or is regenerated in place, on any machine."""
    return BATCH_CHUNK_POINTS if batch else max(1, min(64, points // POINT_CHUNKS))


def manifest(sweep: Sweep, space: Space, chunk: int, columns: list[str]) -> dict:
    """What ``accelsim pareto`` needs to read the store, and what identifies the sweep."""
    return {"name": sweep.name, "spec": sweep.path, "fingerprint": sweep.fingerprint,
            "chunk_points": chunk, "points": space.size,
            "workloads": [w.name for w in sweep.workloads], "engine": sweep.arch.engine,
            "parameters": [p.name for p in sweep.parameters], "columns": columns,
            "objectives": [{"column": o.column, "goal": o.goal} for o in sweep.objectives],
            "constraints": list(sweep.constraints), "constants": sweep.constants}

