"""Matplotlib figures for reports: created on the Agg backend, saved and closed in one call."""

from __future__ import annotations


def new_figure(**subplots):
    """``plt.subplots(**subplots)`` on the headless Agg backend: (fig, axes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(**subplots)


def save_figure(fig, *paths, dpi: int = 120) -> None:
    """Lay out (unless the figure has a layout engine), write every path, close."""
    import matplotlib.pyplot as plt

    if fig.get_layout_engine() is None:
        fig.tight_layout()
    for path in paths:
        fig.savefig(path, dpi=dpi)
    plt.close(fig)
