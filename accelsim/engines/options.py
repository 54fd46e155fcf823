"""Engine options, each declared once (a built-in engine's in :mod:`accelsim.engines.declared`,
a plug-in's in its package): name, type, default, allowed values and help text. The registry checks options against the declarations, engines fill their
defaults from them (:func:`resolve`), and ``accelsim run`` generates its flags from them.
Messages name an option by its flag (``--steps-model``), or, within :func:`python_names`
(``accelsim.simulate``), by the key a Python caller passes (``'steps_model'``).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from accelsim.errors import EngineError

TYPES = (int, float, bool, str)
_PYTHON_NAMES = contextvars.ContextVar("accelsim_python_option_names", default=False)


def flag(name: str) -> str:
    """The command-line flag of option ``name``."""
    return "--" + name.replace("_", "-")


def label(name: str) -> str:
    """How a message names option ``name``: its flag, or (within :func:`python_names`) the
    key of the options mapping a Python caller passes."""
    return repr(name) if _PYTHON_NAMES.get() else flag(name)


@contextlib.contextmanager
def python_names(enabled: bool = True) -> Iterator[None]:
    """Within (when ``enabled``): messages name options as a Python caller's keys."""
    token = _PYTHON_NAMES.set(enabled)
    try:
        yield
    finally:
        _PYTHON_NAMES.reset(token)


@dataclass(frozen=True)
class Option:
    """One option an engine takes. ``many``: a tuple of values (a scalar is taken as one).
    A ``type`` outside :data:`TYPES` is the class of an object read from a file: the edge
    (the CLI flag, a sweep file) reads the path into it; engines only ever see the object."""

    name: str
    type: type  # one of TYPES, or the class of an object read from a file
    default: Any
    help: str
    choices: tuple | None = None
    many: bool = False
    minimum: float | None = None  # bounds of a number (a float must also be finite)
    maximum: float | None = None
    above: float | None = None    # exclusive lower bound

    @property
    def flag(self) -> str:
        return flag(self.name)

    def value(self, given: Any, engine: str, *, file: str | None = None) -> Any:
        """``given`` checked against the type and allowed values (a tuple when ``many``)."""
        name = label(self.name)
        values = tuple(given) if isinstance(given, list | tuple) else (given,)
        if not self.many and len(values) != 1:
            raise EngineError(f"option {name} of the {engine} engine takes one value, "
                              f"got {list(values)}", file=file)
        for v in values:
            if not _is(v, self.type):
                raise EngineError(f"option {name}: got {v!r}, must be "
                                  f"{'a list of ' if self.many else 'a '}{self.type.__name__}",
                                  file=file)
            if self.choices is not None and v not in self.choices:
                raise EngineError(f"option {name}: got {v!r}, allowed: "
                                  f"{', '.join(map(str, self.choices))}", file=file)
            if self.type in (int, float) and not self._in_bounds(v):
                raise EngineError(f"option {name}: got {v!r}, must be {self.bounds}",
                                  file=file)
        values = tuple(float(v) if self.type is float else v for v in values)
        return values if self.many else values[0]

    def _in_bounds(self, v) -> bool:
        return math.isfinite(v) and (self.minimum is None or v >= self.minimum) and (
            self.maximum is None or v <= self.maximum) and (self.above is None
                                                            or v > self.above)

    @property
    def bounds(self) -> str:
        parts = ["finite" if self.type is float else None,
                 f">= {self.minimum:g}" if self.minimum is not None else None,
                 f"> {self.above:g}" if self.above is not None else None,
                 f"<= {self.maximum:g}" if self.maximum is not None else None]
        return " and ".join(p for p in parts if p)


def _is(value, kind: type) -> bool:
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)  # str, bool, or a loaded object's class


def resolve(declared: tuple[Option, ...], options: Mapping[str, Any], engine: str, *,
            file: str | None = None) -> dict[str, Any]:
    """Every declared option: the given value (checked) or its default. An option the engine
    does not declare is an error naming the ones it takes."""
    by_name = {o.name: o for o in declared}
    for key in options:
        if key not in by_name:
            takes = ", ".join(label(o.name) for o in declared) or "none"
            raise EngineError(f"option {label(str(key))} does not apply to the {engine} "
                              f"engine (its options: {takes})", file=file)
    return {name: o.default if options.get(name) is None
            else o.value(options[name], engine, file=file) for name, o in by_name.items()}
