"""Engine lookup from the arch file's ``engine:`` field.

Each engine module provides ``config_from_dict(block, doc, file=, base_dir=)`` (the typed config
built from its validated arch block) and ``simulate(arch, workload, options) -> Result``.
Modules are imported on first use so that ``accelsim run`` loads only the engine it needs.
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


ENGINES: dict[str, EngineEntry] = {
    "fpga": EngineEntry("fpga", "fpga", "fpga"),
    "eie": EngineEntry("eie", "eie", "eie"),
    "scnn": EngineEntry("scnn", "scnn", "scnn"),
}


def engine_module(engine: str) -> ModuleType:
    return importlib.import_module(f"accelsim.engines.{ENGINES[engine].module}")


def simulate(arch, workload, options: dict | None = None):
    """Run ``workload`` on ``arch`` with the engine the arch names; returns a Result."""
    if arch.engine not in ENGINES:
        raise EngineError(f"unknown engine {arch.engine!r}", file=arch.path, field="engine")
    return engine_module(arch.engine).simulate(arch, workload, dict(options or {}))
