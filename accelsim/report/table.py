"""Per-layer tables of a Result: terminal (rich), CSV, JSON and Markdown.

Works on plain rows so that ``accelsim run`` does not pay for importing pandas.
"""

from __future__ import annotations

import csv
import io
import json
import math

from accelsim.engines.result import PER_LAYER

FORMATS = ("table", "csv", "json", "markdown")

# column → (header, formatter) for the terminal and Markdown tables
_SHOWN = {
    "layer": ("layer", str),
    "kind": ("kind", str),
    "dense_macs": ("dense MACs", lambda v: f"{v / 1e6:,.1f}M"),
    "effective_macs": ("eff. MACs", lambda v: f"{v / 1e6:,.1f}M"),
    "cycles": ("cycles", lambda v: f"{v:,}"),
    "seconds": ("time ms", lambda v: f"{v * 1e3:,.4g}"),
    "utilization": ("util %", lambda v: f"{100 * v:.1f}"),
    "bound": ("bound", str),
    "dram_bytes": ("DRAM MB", lambda v: f"{v / 1e6:,.2f}"),
    "energy_j": ("energy mJ", lambda v: "–" if v is None else f"{v * 1e3:,.4g}"),
}


def rows_with_total(result) -> list[dict]:
    """The per-layer rows followed by a ``TOTAL`` row (time-weighted utilization)."""
    rows = [r.as_row() for r in result.layers]
    t = result.totals()
    total = {key: None for key in rows[0]} if rows else {}
    total.update(layer="TOTAL", kind="", bound="", **{k: t[k] for k in (
        "dense_macs", "effective_macs", "cycles", "seconds", "utilization", "dram_bytes",
        "energy_j")})
    return rows + [total]


def render(result, fmt: str) -> str:
    if fmt == "json":
        return render_json(result)
    return render_rows(result, rows_with_total(result), fmt, _SHOWN,
                       kind_totals(result) + list(result.notes), total_row=True)


def render_json(result) -> str:
    return json.dumps({"engine": result.engine, "arch": result.arch,
                       "workload": result.workload, "notes": list(result.notes),
                       "summary": result.summary,
                       "totals": result.totals()
                       if result.shape == PER_LAYER or len(result.layers) == 1 else None,
                       "layers": [r.as_row() for r in result.layers]},
                      indent=2, default=_json_default) + "\n"


def render_rows(result, rows: list[dict], fmt: str, shown: dict, lines: list[str], *,
                total_row: bool) -> str:
    """CSV, Markdown or terminal table of ``rows``; ``shown`` maps column → (header,
    formatter); ``lines`` follow the table."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    columns = list(rows[0])
    headers = [shown.get(c, (c, None))[0] for c in columns]
    cells = [[_cell(c, row[c], shown) for c in columns] for row in rows]
    if fmt == "markdown":
        out_lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        out_lines += ["| " + " | ".join(r) + " |" for r in cells]
        return "\n".join(out_lines + [""] + [f"- {n}" for n in lines]) + "\n"
    return _rich_table(result, headers, cells, lines, total_row)


def _cell(column: str, value, shown: dict) -> str:
    if value is None:
        return "" if column != "energy_j" else "–"
    formatter = shown.get(column, (None, None))[1]
    if formatter is not None:
        return formatter(value)
    if isinstance(value, float):
        return f"{value:,.4g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _rich_table(result, headers: list[str], cells: list[list[str]], lines: list[str],
                total_row: bool) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{result.workload} on {result.arch} ({result.engine} engine)")
    for i, header in enumerate(headers):
        table.add_column(header, justify="left" if i < 2 or header == "bound" else "right")
    for i, row in enumerate(cells):
        table.add_row(*row, end_section=total_row and i == len(cells) - 2)
    out = io.StringIO()
    console = Console(file=out, width=10_000, force_terminal=False, color_system=None)
    console.width = max(100, console.measure(table).maximum)  # never truncate a number
    console.print(table)
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)
    return out.getvalue()


def kind_totals(result) -> list[str]:
    """One line per layer kind when a workload mixes kinds (e.g. conv and fc)."""
    kinds = sorted({r.kind for r in result.layers})
    if len(kinds) < 2:
        return []
    lines = []
    for kind in kinds:
        t = result.totals((kind,))
        lines.append(f"{kind} total: {t['seconds'] * 1e3:,.4g} ms, utilization "
                     f"{100 * t['utilization']:.1f}% time-weighted, "
                     f"{100 * t['mean_utilization']:.1f}% mean of layers")
    return lines


def _json_default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, float) and math.isinf(value):
        return None
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def integral_columns(frame):
    """``frame`` with float columns that hold only whole numbers (and NaN) as integers, for
    readable CSV (sweeps store every number as float64)."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind == "f" and values.dropna().pipe(lambda v: (v == v.round()).all()):
            frame[column] = values.astype("Int64")
    return frame
