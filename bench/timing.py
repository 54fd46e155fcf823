"""The timing rule the benchmarks share: the median time of repeated calls."""

from statistics import median
from time import perf_counter


def timed(fn, repeats: int, clock=perf_counter) -> float:
    """Median seconds of ``repeats`` calls of ``fn`` on ``clock`` (wall time; pass
    ``time.process_time`` for this process's CPU time, what a shared machine leaves it)."""
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return median(times)
