"""Arch YAML → :class:`Arch`, with the engine's own block checked by its schema."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelsim.errors import SpecError
from accelsim.spec.validate import check, read_document


@dataclass(frozen=True)
class Arch:
    """A parsed arch file: common fields plus the engine's typed config."""

    name: str
    engine: str
    clock_hz: float | None
    config: Any  # the engine's frozen config dataclass
    path: str | None = None
    description: str = ""


def load_arch(path: str | Path) -> Arch:
    """Read and validate an arch file; raise a one-line SpecError on any problem."""
    path = Path(path)
    return arch_from_dict(read_document(path), file=str(path), base_dir=path.parent)


def arch_from_dict(doc: dict, *, file: str = "<arch>", base_dir: Path | None = None) -> Arch:
    """Build an Arch from a mapping: the common part, then the engine's block."""
    from accelsim.engines.registry import ENGINES, engine_module

    engine = doc.get("engine")
    if not isinstance(engine, str) or engine not in ENGINES:
        got = repr(engine) if engine is not None else "nothing"
        raise SpecError(f"got {got}, allowed: {', '.join(ENGINES)}", file=file, field="engine")
    block_name = ENGINES[engine].block
    common = {k: v for k, v in doc.items() if k != block_name}
    check(common, "arch", file=file)
    if ENGINES[engine].needs_clock and "clock_hz" not in doc:
        raise SpecError(f"missing required field 'clock_hz' (the {engine} engine needs a clock)",
                        file=file)
    if block_name not in doc:
        raise SpecError(f"missing required field {block_name!r} (the {engine} engine's block)",
                        file=file)
    module = engine_module(engine)
    check(doc[block_name], ENGINES[engine].schema, file=file, prefix=block_name)
    config = module.config_from_dict(doc[block_name], doc, file=file, base_dir=base_dir)
    return Arch(name=doc["name"], engine=engine, clock_hz=doc.get("clock_hz"), config=config,
                path=file, description=doc.get("description", ""))
