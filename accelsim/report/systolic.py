"""Terminal and Markdown tables of a systolic-engine Result: the common columns plus the
dataflow, stalls, mapping efficiency and the port that bounds each layer (CSV and JSON keep
every column)."""

from __future__ import annotations

from accelsim.report.table import _SHOWN, kind_totals, render_json, render_rows, rows_with_total

SHOWN = {**_SHOWN, "dataflow": ("dataflow", str), "stall_cycles": ("stalls", lambda v: f"{v:,}"),
         "mapping_efficiency": ("map. eff %", lambda v: f"{100 * v:.1f}"),
         "bound_port": ("bound by", str)}


def render(result, fmt: str) -> str:
    if fmt == "json":
        return render_json(result)
    rows = rows_with_total(result)
    if fmt != "csv":
        rows = [{k: v for k, v in row.items() if k in SHOWN} for row in rows]
    return render_rows(result, rows, fmt, SHOWN, kind_totals(result) + list(result.notes),
                       total_row=True)
