"""Engine lookup from the arch file's ``engine:`` field.

Each engine module provides ``config_from_dict(block, doc, file=, base_dir=)`` (the typed config
built from its validated arch block) and ``simulate(arch, workload, options) -> Result``.
Modules are imported on first use so that ``accelsim run`` loads only the engine it needs.
A module's ``OPTIONS`` maps each option it takes to its allowed values (None: any); ``report``
names the ``accelsim.report`` module that renders its Result.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from accelsim.errors import EngineError


@dataclass(frozen=True)
class EngineEntry:
    module: str  # accelsim.engines.<module>
    block: str   # the arch file's block holding the engine's parameters
    schema: str  # accelsim/spec/schemas/<schema>.schema.json
    report: str = "table"  # accelsim/report/<report>.py renders its Result
    needs_clock: bool = True  # the arch file must give clock_hz


ENGINES: dict[str, EngineEntry] = {
    "fpga": EngineEntry("fpga", "fpga", "fpga"),
    "gpu": EngineEntry("roofline", "gpu", "roofline"),
    "cpu": EngineEntry("roofline", "cpu", "roofline"),
    "cluster": EngineEntry("cluster", "cluster", "cluster", report="scaling",
                           needs_clock=False),
    "eie": EngineEntry("eie", "eie", "eie"),
    "scnn": EngineEntry("scnn", "scnn", "scnn"),
    "systolic": EngineEntry("systolic", "systolic", "systolic", report="systolic"),
}


def engine_module(engine: str) -> ModuleType:
    return importlib.import_module(f"accelsim.engines.{ENGINES[engine].module}")


def renderer(engine: str):
    """``render(result, fmt)`` of the report module for ``engine``'s Results."""
    return importlib.import_module(f"accelsim.report.{ENGINES[engine].report}").render


def check_options(engine: str, options: dict, *, file: str | None = None) -> None:
    """Every option must be one the engine takes, with an allowed value."""
    allowed = getattr(engine_module(engine), "OPTIONS", {})
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if key not in allowed:
            takes = ", ".join("--" + k.replace("_", "-") for k in allowed) or "none"
            raise EngineError(f"option {flag} does not apply to the {engine} engine "
                              f"(its options: {takes})", file=file)
        values = value if isinstance(value, (list, tuple)) else (value,)
        bad = [v for v in values if allowed[key] is not None and v not in allowed[key]]
        if bad:
            raise EngineError(f"option {flag}: got {bad[0]!r}, allowed: "
                              f"{', '.join(map(str, allowed[key]))}", file=file)


def simulate(arch, workload, options: dict | None = None):
    """Run ``workload`` on ``arch`` with the engine the arch names; returns a Result."""
    if arch.engine not in ENGINES:
        raise EngineError(f"unknown engine {arch.engine!r}", file=arch.path, field="engine")
    options = dict(options or {})
    check_options(arch.engine, options, file=arch.path)
    return engine_module(arch.engine).simulate(arch, workload, options)
