"""Reports: tables (terminal, CSV, JSON, Markdown) and plots of rows they are given.

:func:`render` picks a Result's renderer by the shape of its rows (``Result.shape``): a
per-layer table, or a scaling table (one row per GPU count × encoding). Reports know
Result shapes, never engines.
"""

from __future__ import annotations

from accelsim.engines.result import PER_LAYER, PER_SCALING_POINT, PER_TRAINING_CONFIG


def render(result, fmt: str, columns: tuple[str, ...] | None = None,
           wide: bool = False) -> str:
    """``result`` as text in ``fmt`` (one of ``report.table.FORMATS``): the default columns,
    every column (``wide``) or the ``columns`` named (``report.table.shown_columns``)."""
    if result.shape == PER_SCALING_POINT:
        from accelsim.report.scaling import render as render_shape
    elif result.shape == PER_TRAINING_CONFIG:
        from accelsim.report.time_to_train import render as render_shape
    elif result.shape == PER_LAYER:
        from accelsim.report.table import render as render_shape
    else:
        raise ValueError(f"no renderer for Results of shape {result.shape!r}")
    return render_shape(result, fmt, columns, wide)


def plot(result, path: str) -> None:
    """``result``'s plot (PNG or SVG by suffix): throughput vs GPUs for a scaling result,
    hours and GPU-hours vs GPUs for time to train."""
    if result.shape == PER_SCALING_POINT:
        from accelsim.report.scaling import scaling_plot as plot_shape
    elif result.shape == PER_TRAINING_CONFIG:
        from accelsim.report.time_to_train import time_to_train_plot as plot_shape
    else:
        raise ValueError(f"no plot for Results of shape {result.shape!r}")
    plot_shape(result, path)


PLOTTED = (PER_SCALING_POINT, PER_TRAINING_CONFIG)

__all__ = ["PER_LAYER", "PER_SCALING_POINT", "PER_TRAINING_CONFIG", "PLOTTED", "plot", "render"]
