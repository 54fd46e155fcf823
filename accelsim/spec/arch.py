"""Arch YAML → :class:`Arch`, with the engine's own block checked by its schema and built
into the engine's typed config (``accelsim.spec.configs`` for the built-in engines)."""

from __future__ import annotations

import copy
import dataclasses
import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accelsim.errors import SpecError
from accelsim.spec.validate import problems, raise_problems, read_document

if TYPE_CHECKING:
    from accelsim.registry import Engine


@dataclass(frozen=True)
class Arch:
    """A parsed arch file: common fields plus the engine's typed config."""

    name: str
    engine: str
    clock_hz: float | None
    config: Any  # the engine's frozen config dataclass
    path: str | None = None
    description: str = ""
    # the validated mapping it was built from: with_ checks a change against it as a sweep
    # does (engines never read it)
    document: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def with_(self, **fields: Any) -> Arch:
        """This arch with fields changed, named as in its file: ``clock_hz`` or a field of
        the engine's block, ``arch.with_(macs_per_pe=32)``; a nested field by its dotted
        path, ``arch.with_(**{"network.bandwidth_bytes_per_s": 25e9})``. The changed arch is
        checked against the schema as its file would be (every problem in one SpecError);
        an unknown field's error lists the fields. No file is read."""
        from accelsim import registry

        engine = registry.engine(self.engine)
        changes: dict[tuple[str, ...], Any] = {}
        for name, value in fields.items():
            path = field_path(engine, name)
            if path is None:
                known = arch_fields(engine)
                close = difflib.get_close_matches(name, known, n=1)
                raise SpecError(f"{name!r} is not a field of the {self.engine} arch"
                                + (f" (did you mean {close[0]!r}?)" if close else "")
                                + f"; its fields: {', '.join(known)}", file=self.path)
            changes[path] = value
        document = self.document
        if document is not None:
            for path, value in changes.items():
                document = doc_with(document, path, value)
            check_arch_doc(document, file=self.path or "<arch>")
        return dataclasses.replace(with_fields(self, changes), document=document)


def load_arch(path: str | os.PathLike[str]) -> Arch:
    """Read and validate an arch file; raise a one-line SpecError on any problem."""
    path = Path(path)
    return arch_from_dict(read_document(path), file=str(path), base_dir=path.parent)


def arch_from_dict(doc: dict[str, Any], *, file: str = "<arch>",
                   base_dir: str | os.PathLike[str] | None = None) -> Arch:
    """Build an Arch from a mapping, as if read from an arch file: checked against the
    schema (every problem in one SpecError), then the engine's block built into its config.
    Files the arch names (a cluster's node) are relative to ``base_dir``."""
    engine = check_arch_doc(doc, file=file)
    base = Path(base_dir) if base_dir is not None else None
    config = engine.build_config(doc[engine.block], doc, file=file, base_dir=base)
    return Arch(name=doc["name"], engine=engine.name, clock_hz=doc.get("clock_hz"),
                config=config, path=file, description=doc.get("description", ""),
                document=copy.deepcopy(doc))


def arch_fields(engine: Engine) -> list[str]:
    """The fields an arch of ``engine`` may change (sweeps, :meth:`Arch.with_`)."""
    return [*sorted(engine.schema["properties"]), "clock_hz"]


def field_path(engine: Engine, name: str) -> tuple[str, ...] | None:
    """The document path of the arch field ``name`` (``clock_hz``, or a field of the
    engine's block, nested ones dotted), None if the engine's arch has no such field."""
    head = name.split(".")
    if head[0] in engine.schema["properties"]:
        return (engine.block, *head)
    return ("clock_hz",) if name == "clock_hz" else None


def check_arch_doc(doc: dict[str, Any], *, file: str) -> Engine:
    """Check an arch mapping against the common schema and its engine's block schema,
    reporting every problem at once; returns the :class:`accelsim.registry.Engine`."""
    from accelsim import registry

    name = doc.get("engine")
    if not isinstance(name, str) or not registry.known(name):
        if name is None and "layers" in doc:
            raise SpecError("this is a workload file (it has 'layers' and no 'engine'): give "
                            "the arch file first, as in accelsim run ARCH_FILE WORKLOAD_FILE",
                            file=file)
        got = repr(name) if name is not None else "nothing"
        raise SpecError(f"got {got}, allowed: {', '.join(registry.names())}", file=file,
                        field="engine")
    engine = registry.engine(name)
    common = {k: v for k, v in doc.items() if k != engine.block}
    found: list[tuple[str | None, str]] = []
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


def _missing_block(engine: Engine, common: dict[str, Any]) -> tuple[None, str]:
    """The missing engine block, naming another engine's block given in its place."""
    from accelsim import registry

    wrong = [k for k in common if k in registry.blocks()]
    if wrong:
        return None, (f"the {engine.name} engine wants an '{engine.block}:' block, not "
                      f"'{wrong[0]}:' (the block of the {registry.blocks()[wrong[0]]} engine): "
                      f"rename the block, or set engine: {registry.blocks()[wrong[0]]}")
    return None, f"missing required field {engine.block!r} (the {engine.name} engine's block)"


def doc_with(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of an arch mapping with the field at ``path`` set to ``value`` (as a file
    holds it: a list for a tuple, a Python scalar for a numpy one)."""
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target.setdefault(key, {})
    value = value.item() if hasattr(value, "item") else value
    target[path[-1]] = list(value) if isinstance(value, tuple) else value
    return doc


def with_fields(arch: Arch, changes: dict[tuple[str, ...], Any]) -> Arch:
    """``arch`` with fields replaced in its parsed config, without reading any file:
    ``("clock_hz",)`` sets the clock (of the Arch and of a config that has one); any other
    path is ``(block, field, ...)`` into the config's (nested) dataclasses. Values must
    already be valid (a sweep checks its domains against the schema when it loads); the
    result has no ``document`` (:meth:`Arch.with_` gives it the changed one)."""
    config, clock = arch.config, arch.clock_hz
    for path, value in changes.items():
        value = _plain(value)
        if path == ("clock_hz",):
            clock = float(value)
            if any(f.name == "clock_hz" for f in dataclasses.fields(config)):
                config = dataclasses.replace(config, clock_hz=clock)
        else:
            config = _replace_path(config, path[1:], value, where=path)
    return dataclasses.replace(arch, config=config, clock_hz=clock, document=None)


def _replace_path(obj: Any, path: tuple[str, ...], value: Any, *,
                  where: tuple[str, ...]) -> Any:
    names = {f.name for f in dataclasses.fields(obj)} if dataclasses.is_dataclass(obj) else ()
    if path[0] not in names or (len(path) == 1 and dataclasses.is_dataclass(getattr(obj,
                                                                                   path[0]))):
        raise SpecError(f"{'.'.join(where)} is not a value of the parsed config (fields "
                        f"that name files or are renamed cannot be varied)")
    inner = value if len(path) == 1 else _replace_path(getattr(obj, path[0]), path[1:], value,
                                                       where=where)
    return dataclasses.replace(obj, **{path[0]: inner})


def _plain(value: Any) -> Any:
    """Python scalars for numpy ones, tuples for lists (configs are frozen)."""
    if hasattr(value, "item"):
        return value.item()
    return tuple(value) if isinstance(value, list) else value
