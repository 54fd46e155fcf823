"""The one plotting style of accelsim's figures: sizes for a paper's single and double
column, one font size scale, a colour-blind-safe qualitative cycle (Okabe and Ito, "Color
Universal Design", 2008), a perceptually uniform sequential map (viridis) for a third
quantity, no offset or scientific notation on the axes (units carry the scale, see
``report.units``), and PNG + SVG output.

Matplotlib is imported only inside the functions (a command that draws nothing never
loads it).
"""

from __future__ import annotations

from pathlib import Path

SINGLE_COLUMN_IN = 3.5   # a two-column paper's column width
DOUBLE_COLUMN_IN = 7.16  # its text width
DPI = 200                # PNG resolution

COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
          "#000000")
SEQUENTIAL = "viridis"  # perceptually uniform: a third objective, a density

RC = {
    "font.size": 8, "axes.titlesize": 8.5, "axes.labelsize": 8, "legend.fontsize": 7,
    "xtick.labelsize": 7, "ytick.labelsize": 7, "figure.titlesize": 9,
    "axes.titleweight": "normal", "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "axes.grid.which": "major", "grid.alpha": 0.3, "grid.linewidth": 0.5,
    "axes.formatter.useoffset": False, "axes.formatter.limits": (-4, 5),
    "lines.linewidth": 1.3, "lines.markersize": 4, "legend.frameon": False,
    "figure.constrained_layout.use": True, "savefig.dpi": DPI, "image.cmap": SEQUENTIAL,
    "svg.fonttype": "none", "svg.hashsalt": "accelsim",  # text stays text; stable ids
    "path.simplify": True,
}


def apply() -> None:
    """Use the Agg backend and this style for the figures drawn from now on."""
    import matplotlib

    matplotlib.use("Agg")
    from cycler import cycler

    matplotlib.rcParams.update(RC)
    matplotlib.rcParams["axes.prop_cycle"] = cycler(color=COLORS)


def size(width: str = "single", aspect: float = 0.75) -> tuple[float, float]:
    """(width, height) in inches: a ``single`` or ``double`` column wide, ``aspect`` high."""
    w = {"single": SINGLE_COLUMN_IN, "double": DOUBLE_COLUMN_IN}[width]
    return w, w * aspect


def save(fig, stem: str | Path) -> list[Path]:
    """Write ``stem``.png and ``stem``.svg and close the figure; returns both paths."""
    from accelsim.report.figures import save_figure

    paths = [Path(f"{stem}.png"), Path(f"{stem}.svg")]
    save_figure(fig, *paths)
    return paths


def plain_ticks(ax) -> None:
    """Plain numbers on ``ax``'s logarithmic axes (``0.1, 1, 10``, not ``10⁻¹`` or
    ``1.95×10²`` at the minor ticks): units carry the scale."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
        if scale == "log":
            axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            axis.set_minor_formatter(NullFormatter())


def wrap(text: str, fig, fontsize: float | None = None) -> str:
    """``text`` broken into lines that fit ``fig``'s width at ``fontsize`` (the title
    size by default): a title never runs off a single-column figure."""
    import textwrap

    import matplotlib

    size = fontsize or float(matplotlib.rcParams["axes.titlesize"])
    chars = max(20, int((fig.get_figwidth() - 0.6) * 72 / (0.6 * size)))  # less the labels
    return "\n".join(textwrap.fill(line, chars) for line in text.split("\n"))
