"""Numba kernels compiled on first call, so that importing an engine does not import numba.

``@njit(**options)`` is ``numba.njit(cache=True, **options)``, deferred: the first call of a
kernel imports numba (about 0.2 s), compiles the module's kernels (or loads them from
numba's on-disk cache, ``cache=True`` always) and puts each kernel's numba dispatcher in
its place in the module's namespace, so kernels calling kernels are compiled together as
numba resolves them. Even from its cache numba costs about 0.5 s to set up its compiler, more
than a loop over one design point: inside :func:`interpreted`, kernels not yet compiled run
as the plain Python functions they are (``kernel.py_func``, numba's name for it), with the
same results.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any

_INTERPRETED = contextvars.ContextVar("accelsim_jit_interpreted", default=False)


class Kernel:
    """A function numba compiles on its first call (see the module docstring)."""

    def __init__(self, func: Callable[..., Any], options: dict[str, Any]):
        self.py_func = func
        self.options = {**options, "cache": True}
        self.dispatcher: Any = None
        functools.update_wrapper(self, func)

    def __call__(self, *args: Any) -> Any:
        if self.dispatcher is None:
            if _INTERPRETED.get():
                return self.py_func(*args)
            _compile(self.py_func.__globals__)
        return self.dispatcher(*args)


def njit(**options: Any) -> Callable[[Callable[..., Any]], Kernel]:
    """Decorator: ``numba.njit(cache=True, **options)`` on the first call."""
    return lambda func: Kernel(func, options)


def _compile(namespace: dict[str, Any]) -> None:
    """Every kernel of a module's namespace replaced by its numba dispatcher."""
    import numba

    for name, value in list(namespace.items()):
        if isinstance(value, Kernel) and value.dispatcher is None:
            value.dispatcher = numba.njit(**value.options)(value.py_func)
            namespace[name] = value.dispatcher


@contextlib.contextmanager
def interpreted(enabled: bool = True) -> Iterator[None]:
    """Run kernels not yet compiled as plain Python within (when ``enabled``)."""
    token = _INTERPRETED.set(enabled)
    try:
        yield
    finally:
        _INTERPRETED.reset(token)
