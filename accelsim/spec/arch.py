"""Arch YAML → :class:`Arch`, with the engine's own block checked by its schema and built
into the engine's typed config (``accelsim.spec.configs`` for the built-in engines)."""

from __future__ import annotations

import copy
import dataclasses
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
    engine = check_arch_doc(doc, file=file)
    config = engine.build_config(doc[engine.block], doc, file=file, base_dir=base_dir)
    return Arch(name=doc["name"], engine=engine.name, clock_hz=doc.get("clock_hz"),
                config=config, path=file, description=doc.get("description", ""))


def check_arch_doc(doc: dict, *, file: str):
    """Check an arch mapping against the common schema and its engine's block schema;
    returns the :class:`accelsim.registry.Engine`."""
    from accelsim import registry

    name = doc.get("engine")
    if not isinstance(name, str) or name not in registry.names():
        got = repr(name) if name is not None else "nothing"
        raise SpecError(f"got {got}, allowed: {', '.join(registry.names())}", file=file,
                        field="engine")
    engine = registry.engine(name)
    check({k: v for k, v in doc.items() if k != engine.block}, "arch", file=file)
    if engine.needs_clock and "clock_hz" not in doc:
        raise SpecError(f"missing required field 'clock_hz' (the {name} engine needs a clock)",
                        file=file)
    if engine.block not in doc:
        raise SpecError(f"missing required field {engine.block!r} (the {name} engine's block)",
                        file=file)
    check(doc[engine.block], engine.schema, file=file, prefix=engine.block)
    return engine


def doc_with(doc: dict, path: tuple[str, ...], value: Any) -> dict:
    """A copy of an arch mapping with the field at ``path`` set to ``value``."""
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value.item() if hasattr(value, "item") else value
    return doc


def with_fields(arch: Arch, changes: dict[tuple[str, ...], Any]) -> Arch:
    """``arch`` with fields replaced in its parsed config, without reading any file:
    ``("clock_hz",)`` sets the clock (of the Arch and of a config that has one); any other
    path is ``(block, field, ...)`` into the config's (nested) dataclasses. Values must
    already be valid (a sweep checks its domains against the schema when it loads)."""
    config, clock = arch.config, arch.clock_hz
    for path, value in changes.items():
        value = _plain(value)
        if path == ("clock_hz",):
            clock = float(value)
            if any(f.name == "clock_hz" for f in dataclasses.fields(config)):
                config = dataclasses.replace(config, clock_hz=clock)
        else:
            config = _replace_path(config, path[1:], value, where=path)
    return dataclasses.replace(arch, config=config, clock_hz=clock)


def _replace_path(obj, path: tuple[str, ...], value, *, where: tuple[str, ...]):
    names = {f.name for f in dataclasses.fields(obj)} if dataclasses.is_dataclass(obj) else ()
    if path[0] not in names or (len(path) == 1 and dataclasses.is_dataclass(getattr(obj,
                                                                                   path[0]))):
        raise SpecError(f"{'.'.join(where)} is not a value of the parsed config (fields "
                        f"that name files or are renamed cannot be varied)")
    inner = value if len(path) == 1 else _replace_path(getattr(obj, path[0]), path[1:], value,
                                                       where=where)
    return dataclasses.replace(obj, **{path[0]: inner})


def _plain(value):
    """Python scalars for numpy ones, tuples for lists (configs are frozen)."""
    if hasattr(value, "item"):
        return value.item()
    return tuple(value) if isinstance(value, list) else value
