"""Progress bars for long steps (rich, on stderr): count, rate, ETA and elapsed time."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Items per second, e.g. ``12,345 points/s``."""

    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def render(self, task):
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} {self.unit}/s" if speed else f"… {self.unit}/s")


def progress(unit: str, *, show: bool = True) -> Progress:
    """A rich Progress with count, ``unit``/s, ETA and elapsed columns."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    RateColumn(unit), TextColumn("ETA"), TimeRemainingColumn(),
                    TimeElapsedColumn(), console=Console(stderr=True), disable=not show)


@contextmanager
def progress_bar(description: str, unit: str = "kernels"):
    """Yield ``update(done, total)`` driving one progress bar."""
    with progress(unit) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def tracked(description: str, unit: str):
    """A ``wrap(items)`` that iterates ``items`` behind a progress bar."""
    def wrap(items):
        items = list(items)
        with progress(unit) as bar:
            yield from bar.track(items, description=description)
    return wrap
