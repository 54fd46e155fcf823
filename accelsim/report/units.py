"""Units of report columns, written once for tables and figures.

Every column a report shows maps to a :class:`Column`: the words of its header or axis label
and the quantity it measures. A quantity with engineering units (time, energy, bytes,
bandwidth, frequency, MACs, a fraction shown in percent) gets its unit chosen from the data
(:func:`choose`): the largest unit in which the largest magnitude is still at least 1, so a
column of 0.12-8.9 ms reads ``time ms`` and 29-119 µs reads ``time µs``. One table uses one
unit per quantity (:func:`units_for`), so seconds and milliseconds never mix in it.

Machine outputs (CSV, JSON) use one fixed unit per quantity whatever the data, so that
files from different runs join on their names: SI base units (:data:`MACHINE_UNITS`), the
name the column's key and that unit (:func:`machine_name`: ``time_s``, ``dram_bytes``,
``energy_j``, ``dense_macs``, ``util_pct``). Result rows and sweep columns keep their
internal SI names (``seconds``, ``latency_s``, ``energy_j``): sweep specs, objectives and
derived expressions use those.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# quantity → units, largest first: (symbol, identifier form, size in the base unit)
QUANTITIES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "time": (("s", "s", 1.0), ("ms", "ms", 1e-3), ("µs", "us", 1e-6), ("ns", "ns", 1e-9)),
    "energy": (("J", "j", 1.0), ("mJ", "mj", 1e-3), ("µJ", "uj", 1e-6), ("nJ", "nj", 1e-9),
               ("pJ", "pj", 1e-12)),
    "bytes": (("TB", "tb", 1e12), ("GB", "gb", 1e9), ("MB", "mb", 1e6), ("KB", "kb", 1e3),
              ("B", "b", 1.0)),
    "bandwidth": (("TB/s", "tb_per_s", 1e12), ("GB/s", "gb_per_s", 1e9),
                  ("MB/s", "mb_per_s", 1e6), ("KB/s", "kb_per_s", 1e3), ("B/s", "b_per_s", 1.0)),
    "frequency": (("GHz", "ghz", 1e9), ("MHz", "mhz", 1e6), ("kHz", "khz", 1e3),
                  ("Hz", "hz", 1.0)),
    "macs": (("TMAC", "tmac", 1e12), ("GMAC", "gmac", 1e9), ("MMAC", "mmac", 1e6),
             ("kMAC", "kmac", 1e3), ("MAC", "mac", 1.0)),
    "percent": (("%", "pct", 0.01),),
}


@dataclass(frozen=True)
class Unit:
    """A unit of a quantity: its symbol (``µs``), identifier form (``us``) and size in the
    base unit (1e-6); :meth:`of` converts base values to it."""

    symbol: str
    ident: str
    size: float

    def of(self, value: float) -> float:
        return value / self.size


# the fixed unit of each quantity in CSV and JSON: SI base units (percent stays percent)
MACHINE_UNITS: dict[str, Unit] = {
    "time": Unit("s", "s", 1.0), "energy": Unit("J", "j", 1.0),
    "bytes": Unit("B", "bytes", 1.0), "bandwidth": Unit("B/s", "bytes_per_s", 1.0),
    "frequency": Unit("Hz", "hz", 1.0), "macs": Unit("MAC", "macs", 1.0),
    "percent": Unit("%", "pct", 0.01)}


@dataclass(frozen=True)
class Column:
    """``label``: the words of the header and axis label without the unit (``time``,
    ``DRAM``); ``quantity``: a :data:`QUANTITIES` key, or None for a number shown as it is
    (counts, ratios, names); ``key``: the identifier the machine name starts with."""

    label: str
    quantity: str | None = None
    key: str | None = None


# the columns reports show, by their internal (Result, sweep) name
COLUMNS: dict[str, Column] = {
    # a per-layer Result's rows
    "layer": Column("layer"), "kind": Column("kind"),
    "dense_macs": Column("dense", "macs", "dense"),
    "effective_macs": Column("eff.", "macs", "effective"),
    "cycles": Column("cycles"),
    "seconds": Column("time", "time", "time"),
    "utilization": Column("util", "percent", "util"),
    "mean_utilization": Column("mean util", "percent", "mean_util"),
    "bound": Column("bound"),
    "dram_bytes": Column("DRAM", "bytes", "dram"),
    "energy_j": Column("energy", "energy", "energy"),
    # engine columns
    "pes": Column("PEs"), "pes_used": Column("PEs used"),
    "dsp_used": Column("DSPs used"), "bram18_used": Column("BRAM18s used"),
    "load_efficiency": Column("load efficiency", "percent", "load_efficiency"),
    "sram_fill": Column("SRAM fill", "percent", "sram_fill"),
    "gop_per_s": Column("GOP/s"),
    "training_macs": Column("training", "macs", "training"),
    "mapping_efficiency": Column("mapping efficiency", "percent", "mapping_efficiency"),
    "compute_utilization": Column("compute util", "percent", "compute_util"),
    # cluster and time-to-train rows
    "gpus": Column("GPUs"), "nodes": Column("nodes"), "encoding": Column("encoding"),
    "iteration_s": Column("iteration", "time", "iteration"),
    "exposed_comm_s": Column("exposed", "time", "exposed_comm"),
    "comm_bytes_per_gpu": Column("comm/GPU", "bytes", "comm_per_gpu"),
    "images_per_s": Column("images/s", None, "images_per_s"),
    "speedup_vs_1gpu": Column("× 1 GPU", None, "speedup_vs_1gpu"),
    "speedup_vs_fp32": Column("× fp32", None, "speedup_vs_fp32"),
    "sparsity": Column("sparsity", "percent", "sparsity"),
    "batch_per_gpu": Column("batch/GPU", None, "batch_per_gpu"),
    "global_batch": Column("global batch", None, "global_batch"),
    "steps": Column("steps"), "step_s": Column("step", "time", "step"),
    "hours": Column("hours"), "gpu_hours": Column("GPU-hours", None, "gpu_hours"),
    "mark": Column("best", None, "best"),
    # workload statistics (trace show)
    "weights": Column("weights"), "macs_per_sample": Column("MACs/sample", None,
                                                             "macs_per_sample"),
    "density": Column("dens.", "percent", "density"),
    "row_sparsity": Column("row sp.", "percent", "row_sparsity"),
    "col_sparsity": Column("col sp.", "percent", "col_sparsity"),
    "filter2d_sparsity": Column("2D sp.", "percent", "filter2d_sparsity"),
    "channel_sparsity": Column("ch. sp.", "percent", "channel_sparsity"),
    "rank": Column("rank"),
    "activation_density": Column("act. dens.", "percent", "activation_density"),
    # sweep parameters (figure keys)
    "macs_per_pe": Column("MACs/PE"), "max_pes": Column("PE cap"),
    "pe_buffer_words": Column("PE buffer words"),
    "bram_fraction_for_buffers": Column("BRAM for buffers", "percent", "bram_for_buffers"),
    "ifmap_sram_bytes": Column("ifmap SRAM", "bytes", "ifmap_sram"),
    "filter_sram_bytes": Column("filter SRAM", "bytes", "filter_sram"),
    "ofmap_sram_bytes": Column("ofmap SRAM", "bytes", "ofmap_sram"),
    # sweep columns (figures)
    "latency_s": Column("latency", "time", "latency"),
    "sram_bytes": Column("on-chip SRAM", "bytes", "sram"),
    "gpu_s_per_image": Column("GPU time per image", "time", "gpu_time_per_image"),
    "fifo_depth": Column("activation FIFO depth"),
    "clock_hz": Column("clock", "frequency", "clock"),
    "memory_bandwidth_bytes_per_s": Column("memory bandwidth", "bandwidth",
                                           "memory_bandwidth"),
}

# a name's unit suffix → quantity, for the columns not listed above
_SUFFIXES = (("_bytes_per_s", "bandwidth"), ("_bytes", "bytes"), ("_hz", "frequency"),
             ("_j", "energy"), ("_s", "time"), ("_macs", "macs"))


def column(name: str) -> Column:
    """The Column of ``name``: listed in :data:`COLUMNS`, else read from its unit suffix
    (``theoretical_s`` → theoretical, time), else the name in words."""
    name = name.removeprefix("options.")
    if name in COLUMNS:
        return COLUMNS[name]
    for suffix, quantity in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            return Column(stem.replace("_", " "), quantity, stem)
    return Column(name.replace("_", " "), None, name)


def choose(quantity: str, values) -> Unit:
    """The unit of ``quantity`` for ``values`` (base units): the largest in which the
    largest finite magnitude is at least 1; the smallest unit for values all below it,
    the base unit when there is no non-zero value."""
    units = [Unit(*u) for u in QUANTITIES[quantity]]
    peak = _peak(values)
    if peak is None:
        return next(u for u in units if u.size == 1.0) if len(units) > 1 else units[0]
    for unit in units:
        if peak >= unit.size * (1 - 1e-12):
            return unit
    return units[-1]


def _peak(values) -> float | None:
    """The largest finite non-zero magnitude of ``values`` (None if there is none); a
    numeric numpy array in one vectorised pass (a sweep's column: 10^6 values)."""
    if getattr(getattr(values, "dtype", None), "kind", "") in ("i", "u", "f"):
        import numpy as np

        magnitudes = np.abs(values[np.isfinite(values) & (values != 0)], dtype=float)
        return float(magnitudes.max()) if magnitudes.size else None
    finite = [abs(float(v)) for v in values if v is not None and _finite(v) and v != 0]
    return max(finite) if finite else None


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def units_for(columns, rows) -> dict[str, Unit | None]:
    """One unit per quantity for a table of ``rows`` (dicts) over ``columns``: every time
    column in the table shares a unit chosen from all of them, and so on."""
    by_quantity: dict[str, list] = {}
    for name in columns:
        quantity = column(name).quantity
        if quantity:
            by_quantity.setdefault(quantity, []).extend(
                row.get(name) for row in rows if isinstance(row.get(name), int | float))
    chosen = {q: choose(q, values) for q, values in by_quantity.items()}
    return {name: chosen.get(column(name).quantity) for name in columns}


def header(name: str, unit: Unit | None) -> str:
    """A table header: the label and the unit symbol, ``time ms``."""
    label = column(name).label
    return f"{label} {unit.symbol}" if unit else label


def machine_unit(name: str) -> Unit | None:
    """The fixed CSV/JSON unit of column ``name`` (:data:`MACHINE_UNITS`; None: none)."""
    quantity = column(name).quantity
    return MACHINE_UNITS[quantity] if quantity else None


def machine_name(name: str, unit: Unit | None = None) -> str:
    """A column's name in identifier form: its key and ``unit`` (by default its fixed
    CSV/JSON unit, ``time_s``; with a table's unit, ``time_ms``, the header's form)."""
    c = column(name)
    key = c.key or name
    unit = unit or machine_unit(name)
    return f"{key}_{unit.ident}" if unit else key


def axis_label(name: str, unit: Unit | None) -> str:
    """A figure's axis label: the label with the unit in brackets, ``latency [ms]``."""
    label = column(name).label
    return f"{label} [{unit.symbol}]" if unit else label


def scaled(name: str, values) -> tuple[Unit | None, object]:
    """``values`` (a numpy array or a list, base units) in the unit chosen for them, with
    that unit (None and the values unchanged for a column without a quantity)."""
    quantity = column(name).quantity
    if not quantity:
        return None, values
    unit = choose(quantity, values)
    try:
        return unit, values / unit.size
    except TypeError:
        return unit, [None if v is None else v / unit.size for v in values]


def format_value(name: str, value) -> str:
    """One value of column ``name`` with its unit, for a figure's key or label: ``1 MiB``
    (a whole number of KiB), ``300 MHz``, ``3.83 ms``, ``50%``, ``4,096``, ``ws``."""
    if value is None or isinstance(value, str | bool):
        return str(value)
    v = float(value)
    quantity = column(name).quantity
    if quantity == "bytes" and v >= 1024 and v == int(v) and int(v) % 1024 == 0:
        for symbol, size in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
            if v >= size:
                return f"{v / size:.3g} {symbol}"
    if quantity:
        unit = choose(quantity, [v])
        return f"{unit.of(v):.3g}{'' if unit.symbol == '%' else ' '}{unit.symbol}"
    return f"{v:,.0f}" if v == int(v) or abs(v) >= 1000 else f"{v:.3g}"


def describe(name: str, value) -> str:
    """``label value``: ``ifmap SRAM 1 MiB``, ``clock 300 MHz``."""
    return f"{column(name).label} {format_value(name, value)}"
