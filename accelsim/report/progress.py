"""Progress on stderr for steps that can take more than a second (rich): bars with count,
rate, ETA and elapsed time, and spinners for steps without a count.

Shown only when stderr is a terminal and the command line did not say ``--quiet``
(:func:`shown`), so piped or logged output never holds progress lines.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.progress import Progress


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
    """A spinner with the elapsed time while a step without a count runs; it is erased when
    the step ends."""
    if not shown():  # nothing to draw: rich is not imported
        yield
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        bar.add_task(description, total=None)
        yield


def tracked(description: str, unit: str):
    """A ``wrap(items)`` that iterates ``items`` behind a progress bar."""
    def wrap(items):
        items = list(items)
        with progress(unit) as bar:
            yield from bar.track(items, description=description)
    return wrap
