"""A progress bar for long steps (rich), as a ``callback(done, total)``."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def progress_bar(description: str):
    """Yield ``update(done, total)``; the bar shows count, rate and time left on stderr."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
