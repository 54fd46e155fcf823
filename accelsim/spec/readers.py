"""Readers of engine option values that are typed objects read from a file (an engine
declares the object's class as the option's type; the edge, ``accelsim run``'s flag or a
sweep's options, reads the path with the reader here). Engines only ever see the object."""

from __future__ import annotations

from typing import Any, Callable


def reader(option) -> Callable[[str], Any] | None:
    """The reader of ``option``'s file, or None for a plain value option."""
    from accelsim.model.steps import StepsModel
    from accelsim.spec.steps import load_steps_model

    return {StepsModel: load_steps_model}.get(option.type)
