"""The engines accelsim knows: the built-in ones and those installed as plug-ins.

An :class:`Engine` is everything the rest of accelsim needs from an engine: the arch file's
block that holds its parameters and that block's JSON Schema, the builder of its typed
config, its options and ``simulate`` (plus an optional vectorised ``simulate_batch`` for
sweeps). Built-in engines are loaded on first use, so that ``accelsim run`` imports only the
one it needs: engine module ``accelsim.engines.M``, config builder ``accelsim.spec.configs.M``,
schema ``accelsim/spec/schemas/<schema>.schema.json``, options declared apart from the
engine's code in ``accelsim.engines.declared`` (``run``'s flags need every engine's). A third-party package adds an engine
with an entry point in the group ``accelsim.engines`` whose name is the engine's name (the
arch file's ``engine:``) and whose object is an :class:`Engine` (docs/DESIGN.md, "How to add
an engine"). The registry knows nothing about reports: renderers are chosen by the shape of
a Result (``accelsim.report.render``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Mapping

from accelsim.engines.options import Option, python_names, resolve
from accelsim.errors import EngineError

if TYPE_CHECKING:
    from accelsim.engines.result import Result
    from accelsim.model import Workload
    from accelsim.spec.arch import Arch

GROUP = "accelsim.engines"


@dataclass(frozen=True)
class Engine:
    """One engine. ``build_config(block, doc, *, file, base_dir)`` turns the validated block
    (and the whole arch document) into the engine's frozen config; ``simulate(arch, workload,
    options) -> Result`` is pure; ``options`` declares every option it takes."""

    name: str
    block: str
    schema: dict
    build_config: Callable[..., Any]
    simulate: Callable[..., Any]
    options: tuple[Option, ...] = ()
    simulate_batch: Callable[..., dict] | None = None
    needs_clock: bool = True  # the arch file must give clock_hz
    origin: str = "built-in"  # or the distribution that installed it


@dataclass(frozen=True)
class _Builtin:
    module: str  # accelsim.engines.<module>, config builder accelsim.spec.configs.<module>
    block: str
    schema: str
    example: str | None  # the shipped archs/ file that ``accelsim arch new`` starts from
    needs_clock: bool = True


_BUILTINS = {
    "fpga": _Builtin("fpga", "fpga", "fpga", "vc707.yaml"),
    "gpu": _Builtin("roofline", "gpu", "roofline", "a100.yaml"),
    "cpu": _Builtin("roofline", "cpu", "roofline", "xeon_e5_2630.yaml"),
    "cluster": _Builtin("cluster", "cluster", "cluster", "cluster_dgx_a100.yaml",
                        needs_clock=False),
    "eie": _Builtin("eie", "eie", "eie", "eie.yaml"),
    "scnn": _Builtin("scnn", "scnn", "scnn", "scnn.yaml"),
    "systolic": _Builtin("systolic", "systolic", "systolic", "tpu_like.yaml"),
}


def _plugins() -> dict:
    """Installed plug-in entry points by engine name (a built-in name is not replaced). This
    reads every installed package's metadata (about 0.04 s): only asked for when a built-in
    engine does not do."""
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=GROUP) if ep.name not in _BUILTINS}


def names() -> tuple[str, ...]:
    """Every engine an arch file may name: built-in first, then plug-ins."""
    return (*_BUILTINS, *sorted(_plugins()))


def known(name: str) -> bool:
    """Whether an arch file may name engine ``name`` (built-in, or an installed plug-in)."""
    return name in _BUILTINS or name in _plugins()


def example(name: str) -> str | None:
    """The shipped example arch file (in ``archs/``) of a built-in engine, else None."""
    return _BUILTINS[name].example if name in _BUILTINS else None


def blocks() -> dict[str, str]:
    """The arch-file block of each built-in engine → that engine's name (``gpu`` and ``cpu``
    share the roofline model, each under its own block)."""
    return {b.block: name for name, b in _BUILTINS.items()}


@lru_cache(maxsize=None)
def engine(name: str) -> Engine:
    """The engine called ``name``; EngineError if there is none or its plug-in is broken."""
    if name in _BUILTINS:
        b = _BUILTINS[name]
        from accelsim.spec import configs
        from accelsim.spec.validate import schema

        module = importlib.import_module(f"accelsim.engines.{b.module}")
        return Engine(name=name, block=b.block, schema=schema(b.schema),
                      build_config=getattr(configs, b.module), simulate=module.simulate,
                      options=options(name),
                      simulate_batch=getattr(module, "simulate_batch", None),
                      needs_clock=b.needs_clock)
    plugins = _plugins()
    if name not in plugins:
        raise EngineError(f"unknown engine {name!r} (engines: {', '.join(names())})")
    ep = plugins[name]
    origin = f"plug-in {ep.value} ({ep.dist.name if ep.dist else 'unknown distribution'})"
    try:
        found = ep.load()
    except Exception as exc:  # a broken third-party package must not take accelsim down
        raise EngineError(f"engine {name!r}: {origin} failed to load: "
                          f"{exc.__class__.__name__}: {exc}") from None
    if not isinstance(found, Engine) or found.name != name:
        raise EngineError(f"engine {name!r}: {origin} is not an accelsim.registry.Engine "
                          f"named {name!r}")
    return Engine(**{**found.__dict__, "origin": origin})


def options(name: str) -> tuple[Option, ...]:
    """The options engine ``name`` takes; a built-in engine's are read from
    ``accelsim.engines.declared``, without importing the engine."""
    if name in _BUILTINS:
        from accelsim.engines.declared import BY_MODULE

        return BY_MODULE[_BUILTINS[name].module]
    return engine(name).options


def all_options(*, plugins: bool = True) -> dict[str, tuple[Option, list[str]]]:
    """Every option of every engine (only the built-in ones unless ``plugins``) by name, with
    the engines that take it; one name must mean one declaration (type, default, allowed
    values) across engines. Only plug-ins are imported for it (built-in engines declare their
    options apart from their code)."""
    found: dict[str, tuple[Option, list[str]]] = {}
    for name in names() if plugins else tuple(_BUILTINS):
        try:
            declared = options(name)
        except EngineError:
            continue  # a broken plug-in shows in ``accelsim list``
        for option in declared:
            if option.name in found:
                first, takers = found[option.name]
                if (first.type, first.many, first.choices) != (option.type, option.many,
                                                               option.choices):
                    raise EngineError(f"option {option.flag}: the {name} engine declares it "
                                      f"differently from the {takers[0]} engine")
                takers.append(name)
            else:
                found[option.name] = (option, [name])
    return found


def simulate(arch: Arch, workload: Workload, options: Mapping[str, Any] | None = None, *,
             python: bool = False) -> Result:
    """Run ``workload`` on ``arch`` with the engine the arch names; returns a Result.
    ``python``: messages name options as a Python caller's keys, not as flags."""
    e = engine(arch.engine)
    with python_names(python):
        return e.simulate(arch, workload, resolve(e.options, dict(options or {}),
                                                  arch.engine, file=arch.path))
