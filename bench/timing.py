"""The timing rule the benchmarks share: the median wall time of repeated calls."""

from statistics import median
from time import perf_counter


def timed(fn, repeats: int) -> float:
    """Median wall seconds of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = perf_counter()
        fn()
        times.append(perf_counter() - start)
    return median(times)
