"""Progress on stderr for steps that can take more than a second (rich): bars with count,
rate, ETA and elapsed time, and spinners for steps without a count.

Shown only when stderr is a terminal and the command line did not say ``--quiet``
(:func:`shown`), so piped or logged output never holds progress lines.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.progress import Progress

SPINNER_DELAY_S = 0.5  # a step without a count shows its spinner once it has run this long


def shown() -> bool:
    """Whether progress may be drawn: stderr is a terminal and the command line (the root
    click context, if any) has no ``--quiet``."""
    ctx = click.get_current_context(silent=True)
    quiet = ctx is not None and ctx.find_root().params.get("quiet", False)
    return not quiet and sys.stderr.isatty()


@lru_cache(maxsize=None)
def _rate_column():
    """The class of a column of items per second, e.g. ``12,345 points/s`` (made on first use:
    rich takes ~0.05 s to import, which a command that draws nothing does not pay)."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def __init__(self, unit: str):
            super().__init__()
            self.unit = unit

        def render(self, task):
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {self.unit}/s" if speed else f"… {self.unit}/s")

    return RateColumn


def progress(unit: str, *, show: bool = True) -> Progress:
    """A rich Progress with count, ``unit``/s, ETA and elapsed columns (drawn if ``show`` and
    :func:`shown`)."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    _rate_column()(unit), TextColumn("ETA"), TimeRemainingColumn(),
                    TimeElapsedColumn(), console=Console(stderr=True),
                    disable=not (show and shown()))


@contextmanager
def progress_bar(description: str, unit: str = "kernels"):
    """Yield ``update(done, total)`` driving one progress bar."""
    with progress(unit) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@contextmanager
def stage(description: str):
    """A spinner with the elapsed time while a step without a count runs, drawn once the step
    has taken :data:`SPINNER_DELAY_S` (a quicker step, such as most single runs, draws
    nothing and does not import rich); it is erased when the step ends."""
    if not shown():
        yield
        return
    begun = time.monotonic()
    drawn = []

    def draw() -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                       console=Console(stderr=True), transient=True)
        bar.add_task(description, total=None)
        bar.tasks[0].start_time = begun  # the step's elapsed time, not the spinner's
        bar.start()
        drawn.append(bar)

    timer = threading.Timer(SPINNER_DELAY_S, draw)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()  # a spinner being drawn now is drawn, then erased
        for bar in drawn:
            bar.stop()


def tracked(description: str, unit: str):
    """A ``wrap(items)`` that iterates ``items`` behind a progress bar."""
    def wrap(items):
        items = list(items)
        with progress(unit) as bar:
            yield from bar.track(items, description=description)
    return wrap
