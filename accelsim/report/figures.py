"""Matplotlib figures for reports: created on the Agg backend in the project's style
(``report.style``), saved and closed in one call."""

from __future__ import annotations


def new_figure(**subplots):
    """``plt.subplots(**subplots)`` in the report style on the headless Agg backend:
    (fig, axes)."""
    from accelsim.report import style

    style.apply()
    import matplotlib.pyplot as plt

    return plt.subplots(**subplots)


def save_figure(fig, *paths, dpi: int | None = None) -> None:
    """Lay out (unless the figure has a layout engine), write every path (PNG at the
    style's resolution unless ``dpi``; SVG with stable ids and no date, so an unchanged
    figure writes the same file), close."""
    import matplotlib.pyplot as plt

    from accelsim.report import style

    if fig.get_layout_engine() is None:
        fig.tight_layout()
    for path in paths:
        metadata = {"Date": None} if str(path).endswith(".svg") else {}
        fig.savefig(path, dpi=dpi or style.DPI, metadata=metadata)
    plt.close(fig)
