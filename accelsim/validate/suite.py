"""The measured-kernel validation, end to end: calibrate this CPU on microbenchmarks, time the
held-out kernels, and compare the roofline engine's predicted speedups with the measured ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

QUICK_TIMING = dict(min_repeats=3, max_repeats=30, spread=0.08, min_time_s=0.02)
FULL_TIMING = dict(min_repeats=10, max_repeats=30, spread=0.03, min_time_s=0.1)  # min is used
GRID_TIMING = dict(min_repeats=5, max_repeats=40, spread=0.03, min_time_s=0.1)  # min is used


@dataclass(frozen=True)
class Calibration:
    fit: dict
    info: dict
    bandwidth_bytes_per_s: float
    measurements: object  # DataFrame of the calibration kernels
    arch_text: str


def calibrate(*, threads: int = 1, quick: bool = False, seed: int = 0,
              progress: Callable[[int, int], None] | None = None,
              measured=None) -> Calibration:
    """Time the calibration kernels and the copy (or take ``measured``, a frame of them with
    its copy row, e.g. the committed ``calibration_measured.csv``) and fit this CPU."""
    import pandas as pd

    from accelsim.validate import calibrate as cal
    from accelsim.validate.kernels import machine_info, measure

    if measured is None:
        frame, info = measure(cal.calibration_cases(), threads=threads, seed=seed,
                              timing=QUICK_TIMING if quick else FULL_TIMING, progress=progress)
        bandwidth = cal.stream_bandwidth_bytes_per_s(threads=threads)
        frame = pd.concat([frame, pd.DataFrame([cal.copy_row(bandwidth)])], ignore_index=True)
    else:
        frame, info = measured, machine_info(threads)
        bandwidth = cal.copy_bandwidth(frame)
    fit = cal.fit_cpu(frame, bandwidth_bytes_per_s=bandwidth, threads=threads,
                      cache_bytes=cal.cpu_cache_bytes())
    text = cal.cpu_arch_text(fit, info, name=f"local_cpu_{threads}thread",
                             clock_hz=cal.cpu_clock_hz())
    return Calibration(fit, info, bandwidth, frame, text)


def validate_kernels(root: Path, cfg, *, threads: int = 1, quick: bool = False, seed: int = 0,
                     progress: Callable[[int, int], None] | None = None,
                     device: str = "cpu") -> dict:
    """Time the validation suite on ``device`` and compare it with ``cfg`` (a
    RooflineConfig): returns the raw measurements, the per-kernel comparison and the
    summary numbers."""
    from accelsim.validate.kernels import measure, validation_cases

    frame, info = measure(validation_cases(root, quick=quick), threads=threads, seed=seed,
                          timing=QUICK_TIMING if quick else FULL_TIMING, progress=progress,
                          device=device)
    return compare_kernels(frame, cfg, info)


def compare_kernels(frame, cfg, info: dict) -> dict:
    """The comparison and summary of measured kernels ``frame`` (``kernels.measure``'s, or
    the committed CSV) against ``cfg``."""
    from accelsim.validate.compare import crossover_sparsity, speedups

    comparison = speedups(frame, cfg)
    abs_err = comparison.error.abs()
    gemm = ~comparison.kernel.str.startswith("conv")
    summary = {"kernels": len(comparison), "median_abs_error": float(abs_err.median()),
               "gemm_kernels": int(gemm.sum()),
               "median_abs_error_gemm": float(abs_err[gemm].median()),
               "median_abs_error_by_group": comparison.assign(a=abs_err).groupby("group")
               .a.median().to_dict(), "crossover": {}}
    for group in sorted(g for g in comparison.group.unique() if g.startswith("lstm")):
        csr = comparison[(comparison.group == group) & (comparison.kernel == "csr")]
        sparsity = 1 - csr.density.to_numpy()
        measured = crossover_sparsity(sparsity, csr.measured_speedup)
        predicted = predicted_crossover(cfg, csr.iloc[0])
        summary["crossover"][group] = {"measured": measured, "predicted": predicted}
    return {"measurements": frame, "comparison": comparison, "summary": summary, "info": info}


def validate_transformer(cfg, *, threads: int = 1, quick: bool = False, seed: int = 0,
                         progress: Callable[[int, int], None] | None = None,
                         device: str = "cpu") -> dict:
    """Time the BERT-base layer kernels (``kernels.transformer_cases``) on ``device`` and
    compare their absolute times with ``cfg``'s predictions."""
    from accelsim.validate.kernels import measure, transformer_cases

    frame, info = measure(transformer_cases(), threads=threads, seed=seed,
                          timing=QUICK_TIMING if quick else FULL_TIMING, progress=progress,
                          device=device)
    return compare_transformer(frame, cfg, info)


def compare_transformer(frame, cfg, info: dict) -> dict:
    """The transformer kernels ``frame`` (measured, or the committed CSV) against ``cfg``."""
    from accelsim.validate.compare import absolute_errors

    comparison = absolute_errors(frame, cfg)
    abs_err = comparison.error.abs()
    summary = {"kernels": len(comparison), "median_abs_error": float(abs_err.median()),
               "median_abs_error_by_kernel": comparison.assign(a=abs_err).groupby("kernel")
               .a.median().to_dict()}
    return {"measurements": frame, "comparison": comparison, "summary": summary, "info": info}


def predicted_crossover(cfg, row) -> float | None:
    """The model's CSR-beats-dense sparsity for ``row``'s shape, on a 0.001 grid."""
    from accelsim.engines.roofline import csr_time, dense_time
    from accelsim.validate.compare import crossover_sparsity

    s = np.arange(0.0, 0.9995, 0.001)
    dense = dense_time(cfg, row.groups, row.m, row.k, row.n).seconds
    csr = csr_time(cfg, row.groups, row.m, row.k, row.n, (1 - s) * row.m * row.k).seconds
    return crossover_sparsity(s, dense / csr)


TARGETS = {"median_abs_error": 0.15, "crossover_pp": 0.05}  # issue 7's goals


# ---- timing rounds: every measured set, interleaved, merged into the committed minima -----
def round_sets(root: Path, names=None) -> dict:
    """{set: (cases, timing)} of the measured sets ``names``: the calibration kernels, the
    transformer kernels, the CSR grid, the cache curve and the held-out validation kernels."""
    from accelsim.validate import calibrate as cal, grids
    from accelsim.validate.kernels import transformer_cases, validation_cases

    every = {"calibration": lambda: (cal.calibration_cases(), FULL_TIMING),
             "transformer": lambda: (transformer_cases(), FULL_TIMING),
             "csr_grid": lambda: (grids.csr_grid_cases(), GRID_TIMING),
             "cache_curve": lambda: (grids.cache_curve_cases(), GRID_TIMING),
             "kernels": lambda: (validation_cases(root), FULL_TIMING)}
    return {name: every[name]() for name in names or every}


def timing_round(root: Path, out: Path, *, names=None, threads: int = 1,
                 seed: int = 0, progress: Callable[[int, int], None] | None = None) -> dict:
    """Time the sets ``names`` interleaved (``timings.interleaved``), the copy bandwidth
    before and after (the calibration set's copy row: the faster), merge each set into its
    CSV under ``out`` (``timings.merge_into``: per kernel the minimum over runs) and log the
    run in ``conditions.md``. Returns {set: (kernels, kernels that took a new minimum)}."""
    import pandas as pd

    from accelsim.validate import calibrate as cal
    from accelsim.validate import timings
    from accelsim.validate.kernels import measure_sets

    run, load_before = timings.run_label(), timings.load_average()
    sets = round_sets(root, names)
    copy_s = []
    if "calibration" in sets:
        copy_s.append(cal.stream_bandwidth_bytes_per_s(threads=threads))
    frames, _ = measure_sets(sets, threads=threads, seed=seed, progress=progress,
                             order=timings.interleaved)
    if "calibration" in sets:
        copy_s.append(cal.stream_bandwidth_bytes_per_s(threads=threads))
        frames["calibration"] = pd.concat(
            [frames["calibration"], pd.DataFrame([cal.copy_row(max(copy_s))])],
            ignore_index=True)
    counts = {}
    for name, frame in frames.items():
        path = Path(out) / timings.ROUND_FILES[name]
        committed = pd.read_csv(path) if path.exists() else None
        keep = [c.name for c in sets[name][0]] + list(frame.name)
        merged = timings.merge_into(path, frame, run=run, keep=keep)
        counts[name] = (len(merged), timings.improved(committed, merged, run))
    note = (f"copy {max(copy_s) / 1e9:.1f} GB/s" if copy_s else "") + "; interleaved round"
    timings.append_run(Path(out) / "conditions.md", run=run, sets=", ".join(frames),
                       kernels=", ".join(f"{n} {k} ({b})" for n, (k, b) in counts.items()),
                       load_before=load_before, load_after=timings.load_average(),
                       note=note.lstrip("; "))
    return counts
