"""Tables of a Result: terminal (rich), CSV, JSON and Markdown.

A :class:`Table` is plain rows under their internal names in base units (``seconds``,
``dram_bytes``) and the columns its terminal table shows by default. The terminal and
Markdown tables choose one unit per quantity from the data (``time ms``); CSV and JSON use
one fixed SI unit per quantity whatever the data (``time_s``, ``report.units``), so files of
different runs join on their column names. The terminal
and Markdown tables show the default columns (under 100 characters wide); ``wide`` shows
every column, ``columns`` the ones named. CSV and JSON carry every column unless
``columns`` names some.

Works on plain rows so that ``accelsim run`` does not pay for importing pandas.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field

from accelsim.errors import AccelsimError
from accelsim.report import units as u

FORMATS = ("table", "csv", "json", "markdown")
WIDTH = 100  # characters a default terminal table fits in

# a per-layer Result's default columns (the engine's own columns are behind --wide)
LAYER_COLUMNS = ("layer", "kind", "dense_macs", "effective_macs", "cycles", "seconds",
                 "utilization", "bound", "dram_bytes", "energy_j")


@dataclass(frozen=True)
class Table:
    """Rows (dicts, internal names, base units), the columns shown by default, the lines
    printed under the table, whether the last row is a total, and the JSON header."""

    title: str
    rows: list[dict]
    default: tuple[str, ...]
    lines: list[str] = field(default_factory=list)
    total_row: bool = False
    header: dict = field(default_factory=dict)
    empty: str = "not modelled by this engine"  # why a default column has no value


def layer_table(result) -> Table:
    """A per-layer Result's table: one row per layer and a ``TOTAL`` row (time-weighted
    utilization)."""
    rows = [r.as_row() for r in result.layers]
    t = result.totals()
    total = {key: None for key in rows[0]} if rows else {}
    total.update(layer="TOTAL", kind="", bound="", **{k: t[k] for k in (
        "dense_macs", "effective_macs", "cycles", "seconds", "utilization", "dram_bytes",
        "energy_j")})
    return Table(f"{result.workload} on {result.arch} ({result.engine} engine)",
                 rows + [total], LAYER_COLUMNS, kind_totals(result) + list(result.notes),
                 total_row=True, header=result_header(result))


def result_header(result) -> dict:
    """The JSON fields before a Result's rows."""
    return {"engine": result.engine, "arch": result.arch, "workload": result.workload,
            "notes": list(result.notes), "summary": result.summary}


def render(result, fmt: str, columns: tuple[str, ...] | None = None,
           wide: bool = False) -> str:
    return render_table(layer_table(result), fmt, columns, wide)


def shown_columns(table: Table, fmt: str, columns: tuple[str, ...] | None,
                  wide: bool) -> tuple[list[str], list[str]]:
    """The columns to render and lines to add: ``columns`` (internal, key or machine
    names), else every column for ``wide`` and the machine formats, else the default ones
    that hold a value (a column of nothing, such as energy an engine does not model, is
    named in a line instead)."""
    available = list(dict.fromkeys(k for row in table.rows for k in row))
    if columns:
        return [_find(name, available, table.rows) for name in columns], []
    if wide or fmt in ("csv", "json"):
        return available, []
    body = table.rows[:-1] if table.total_row else table.rows
    shown, lines = [], []
    for name in table.default:
        if name not in available:
            continue
        if body and all(row.get(name) is None for row in body):
            lines.append(f"{u.column(name).label}: {table.empty}")
        else:
            shown.append(name)
    hidden = [c for c in available if c not in table.default]
    if hidden:
        lines.append(f"{len(hidden)} more column{'s' * (len(hidden) > 1)} with --wide or "
                     f"--columns: {', '.join(hidden)}")
    return shown, lines


def _find(name: str, available: list[str], rows: list[dict]) -> str:
    units = u.units_for(available, rows)
    for column in available:
        if name in (column, u.column(column).key, u.machine_name(column),
                    u.machine_name(column, units[column])):
            return column
    raise AccelsimError(f"unknown column {name!r} (columns: {', '.join(available)})",
                        field="--columns")


def render_table(table: Table, fmt: str, columns: tuple[str, ...] | None = None,
                 wide: bool = False) -> str:
    """``table`` in ``fmt`` (one of :data:`FORMATS`)."""
    names, extra_lines = shown_columns(table, fmt, columns, wide)
    if fmt in ("csv", "json"):
        units = {n: u.machine_unit(n) for n in names}
        keys = [u.machine_name(n) for n in names]
        records = [{k: _machine(row.get(n), units[n]) for k, n in zip(keys, names)}
                   for row in table.rows]
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=keys, lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
            return out.getvalue()
        body = records[:-1] if table.total_row else records
        doc = {**table.header, "columns": dict(zip(keys, names)),
               "totals": records[-1] if table.total_row else None, "layers": body}
        return json.dumps(doc, indent=2, default=_json_default) + "\n"
    units = u.units_for(names, table.rows)
    headers = [u.header(n, units[n]) for n in names]
    formats = [_formatter(n, units[n], table.rows) for n in names]
    cells = [[f(row.get(n)) for n, f in zip(names, formats)] for row in table.rows]
    lines = table.lines + extra_lines
    if fmt == "markdown":
        out_lines = ["| " + " | ".join(headers) + " |",
                     "|" + "|".join("---" if _left(n) else "---:" for n in names) + "|"]
        out_lines += ["| " + " | ".join(r) + " |" for r in cells]
        return "\n".join(out_lines + [""] + [f"- {n}" for n in lines]) + "\n"
    text = _plain_table(table, names, headers, cells, lines)
    if text is None:
        text = _rich_table(table, names, headers, cells, lines)
    return f"{table.title}\n{text}\n"


def _left(name: str) -> bool:
    return u.column(name).quantity is None and name in ("layer", "kind", "bound", "encoding",
                                                        "mark", "kernel", "dataflow")


def _machine(value, unit: u.Unit | None):
    """A CSV/JSON value: numbers in ``unit`` at full precision (15 significant digits)."""
    if unit is None or not isinstance(value, int | float) or isinstance(value, bool):
        return value
    return float(f"{unit.of(value):.15g}")


def _formatter(name: str, unit: u.Unit | None, rows: list[dict]):
    """The cell text of column ``name``: whole numbers with thousands separators; other
    numbers (in ``unit``) with the decimals that give the column's largest value four
    significant digits (one decimal for percentages); text as it is."""
    unit = unit or u.Unit("", "", 1.0)
    numbers = [r[name] for r in rows if isinstance(r.get(name), int | float)
               and not isinstance(r[name], bool) and math.isfinite(r[name])]
    peak = max((abs(unit.of(v)) for v in numbers if v), default=0.0)
    if unit.symbol == "%":
        decimals = 1
    elif not peak or (unit.size == 1 and all(isinstance(v, int) for v in numbers)):
        decimals = 0
    else:
        decimals = min(3, max(0, 3 - math.floor(math.log10(peak))))
    smallest = 0.5 * 10 ** -decimals

    def cell(value) -> str:
        if value is None:
            return "–"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        x = unit.of(value)
        if x and abs(x) < smallest:
            return f"{x:.1g}"
        return f"{x:,.{decimals}f}"
    return cell


_WRAPPED = ("layer",)  # columns of names, folded onto a second line in a narrow table


def _rules():
    from rich.box import Box

    # no verticals: a rule under the header and above a total row (rich's SIMPLE_HEAD with
    # a row rule)
    return Box("    \n    \n ── \n    \n ── \n ── \n    \n    \n")


def _rich_table(table: Table, names: list[str], headers: list[str], cells: list[list[str]],
                lines: list[str]) -> str:
    from rich.console import Console
    from rich.table import Table as RichTable

    out_table = RichTable(box=_rules(), show_edge=False, pad_edge=False,
                          collapse_padding=True)
    for name, header in zip(names, headers):  # only a long name may wrap, never a number
        out_table.add_column(header, justify="left" if _left(name) else "right",
                             no_wrap=name not in _WRAPPED, overflow="fold")
    for i, row in enumerate(cells):
        out_table.add_row(*row, end_section=table.total_row and i == len(cells) - 2)
    out = io.StringIO()
    console = Console(file=out, width=10_000, force_terminal=False, color_system=None)
    # WIDTH, where folding the names gets the table there; else as wide as it is (never cut
    # a number)
    natural = console.measure(out_table).maximum
    foldable = sum(max(0, max(len(c[i]) for c in [headers, *cells]) - 12)
                   for i, name in enumerate(names) if name in _WRAPPED)
    console.width = WIDTH if natural - foldable <= WIDTH else natural
    console.print(out_table)
    console.width = WIDTH
    for line in lines:
        console.print(line, highlight=False, markup=False)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines())


# characters rich counts as one cell each and prints as they are (a cell's "[" may open
# markup; lines are printed without markup)
_PLAIN_CHARACTERS = frozenset(chr(c) for c in range(32, 127)) | set("–µ×·…≤≥°±§≈→")
_EMOJI = re.compile(r":\S*:")  # rich replaces :name: by an emoji
_WORD = re.compile(r"\s*\S+\s*")


def _plain_table(table: Table, names: list[str], headers: list[str], cells: list[list[str]],
                 lines: list[str]) -> str | None:
    """:func:`_rich_table`'s text, written without rich (importing and running it takes
    ~0.06 s of a start-up) for a table that fits :data:`WIDTH` unfolded and plain text (one
    cell per character, no markup, no emoji names, no word longer than WIDTH); None for any
    other, which rich draws. Tests hold the two equal."""
    texts = [*headers, *(c for row in cells for c in row)]
    if not cells or not all(_PLAIN_CHARACTERS.issuperset(s) and "[" not in s
                            and s == s.strip() for s in texts) \
            or not all(_PLAIN_CHARACTERS.issuperset(s) for s in lines) \
            or any(_EMOJI.search(s) for s in (*texts, *lines)):
        return None
    widths = [max(len(c[i]) for c in [headers, *cells]) for i in range(len(names))]
    width = sum(widths) + 2 * (len(widths) - 1)  # two spaces between columns, none outside
    if width > WIDTH or not all(widths):
        return None

    def row(texts: list[str]) -> str:
        return "  ".join(s.ljust(w) if _left(n) else s.rjust(w)
                         for s, w, n in zip(texts, widths, names)).rstrip()

    rule = "─" * width
    out = [row(headers), rule]
    for i, texts in enumerate(cells):
        if table.total_row and i == len(cells) - 1 and i:
            out.append(rule)
        out.append(row(texts))
    for line in lines:
        wrapped = _wrap(line)
        if wrapped is None:
            return None
        out += wrapped
    return "\n".join(out)


def _wrap(line: str) -> list[str] | None:
    """``line`` broken into lines of at most WIDTH as rich breaks it (a word and the spaces
    after it go on the next line when the word does not fit); None if a word is longer."""
    out, current = [], ""
    for word in _WORD.findall(line) or [""]:
        if len(word.rstrip()) > WIDTH:
            return None
        if current and len(current) + len(word.rstrip()) > WIDTH:
            out.append(current.rstrip())
            current = ""
        current += word
    return [*out, current.rstrip()]


def kind_totals(result) -> list[str]:
    """One line per layer kind when a workload mixes kinds (e.g. conv and fc)."""
    kinds = sorted({r.kind for r in result.layers})
    if len(kinds) < 2:
        return []
    per_kind = {kind: result.totals((kind,)) for kind in kinds}
    unit = u.choose("time", [t["seconds"] for t in per_kind.values()])
    return [f"{kind} total: {unit.of(t['seconds']):,.4g} {unit.symbol}, utilization "
            f"{100 * t['utilization']:.1f}% time-weighted, "
            f"{100 * t['mean_utilization']:.1f}% mean of layers"
            for kind, t in per_kind.items()]


def _json_default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
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
