"""Arch YAML → :class:`Arch`, with the engine's own block checked by its schema and built
into the engine's typed config (``accelsim.spec.configs`` for the built-in engines)."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelsim.errors import SpecError
from accelsim.spec.validate import problems, raise_problems, read_document


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
    """Check an arch mapping against the common schema and its engine's block schema,
    reporting every problem at once; returns the :class:`accelsim.registry.Engine`."""
    from accelsim import registry

    name = doc.get("engine")
    if not isinstance(name, str) or name not in registry.names():
        if name is None and "layers" in doc:
            raise SpecError("this is a workload file (it has 'layers' and no 'engine'): give "
                            "the arch file first, as in accelsim run ARCH_FILE WORKLOAD_FILE",
                            file=file)
        got = repr(name) if name is not None else "nothing"
        raise SpecError(f"got {got}, allowed: {', '.join(registry.names())}", file=file,
                        field="engine")
    engine = registry.engine(name)
    common = {k: v for k, v in doc.items() if k != engine.block}
    found = []
    if engine.block not in doc:
        found.append(_missing_block(engine, common))
        common = {k: v for k, v in common.items() if k not in registry.blocks()}
    found += problems(common, "arch")
    if engine.needs_clock and "clock_hz" not in doc:
        found.append((None, f"missing required field 'clock_hz' (the {name} engine needs a "
                            "clock)"))
    if engine.block in doc:
        found += problems(doc[engine.block], engine.schema, prefix=engine.block)
    missing = any(message.startswith("missing required field") for _, message in found)
    raise_problems(found, file=file, hint=f"accelsim arch new {name} --like FILE writes a "
                   "complete, commented arch file" if missing else "")
    return engine


def _missing_block(engine, common: dict) -> tuple[None, str]:
    """The missing engine block, naming another engine's block given in its place."""
    from accelsim import registry

    wrong = [k for k in common if k in registry.blocks()]
    if wrong:
        return None, (f"the {engine.name} engine wants an '{engine.block}:' block, not "
                      f"'{wrong[0]}:' (the block of the {registry.blocks()[wrong[0]]} engine): "
                      f"rename the block, or set engine: {registry.blocks()[wrong[0]]}")
    return None, f"missing required field {engine.block!r} (the {engine.name} engine's block)"


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
