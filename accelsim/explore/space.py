"""Sweep parameters → design points, chunk by chunk and deterministic for a seed.

A grid is the Cartesian product of the parameters' values in C order (the last parameter
varies fastest). Random and Latin-hypercube sampling draw a unit number per point and
parameter (``numpy.random.default_rng(seed)``) and map it onto the parameter's domain:
uniformly over the listed values of ``values``, ``range`` and ``log_range``, or over the
interval of ``uniform`` (log-uniform with ``log: true``, integers with ``integer: true``).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from accelsim.spec.sweep import Parameter, Sweep, domain_size


def domain_values(p: Parameter) -> np.ndarray:
    """The listed values of a discrete domain (``values``, ``range``, ``log_range``)."""
    s = p.settings
    if p.domain == "values":
        return np.asarray(s)
    lo, hi = s["from"], s["to"]
    n = domain_size(p.domain, s)
    if p.domain == "range":
        exact = all(isinstance(v, int) for v in (lo, hi, s["step"]))
        return lo + s["step"] * np.arange(n, dtype=np.int64 if exact else float)
    if "factor" in s:
        exact = isinstance(lo, int) and isinstance(s["factor"], int)
        return lo * s["factor"] ** np.arange(n, dtype=np.int64 if exact else float)
    values = np.geomspace(lo, hi, s["num"])
    if isinstance(lo, int) and isinstance(hi, int):
        return np.unique(np.round(values).astype(np.int64))
    return values


def from_unit(p: Parameter, u: np.ndarray) -> np.ndarray:
    """Map unit numbers ``u`` in [0, 1) onto the parameter's domain."""
    if p.domain != "uniform":
        values = domain_values(p)
        return values[np.minimum((u * len(values)).astype(np.int64), len(values) - 1)]
    s = p.settings
    lo, hi = s["from"], s["to"]
    if s.get("log"):
        x = np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        return np.round(x).astype(np.int64) if s.get("integer") else x
    if s.get("integer"):
        return np.minimum(np.floor(lo + u * (hi - lo + 1)), hi).astype(np.int64)
    return lo + u * (hi - lo)


@lru_cache(maxsize=4)
def unit_samples(method: str, points: int, dims: int, seed: int) -> np.ndarray:
    """``points × dims`` unit numbers: independent (random) or one per stratum of every
    dimension (latin_hypercube)."""
    rng = np.random.default_rng(seed)
    if method == "random":
        return rng.random((points, dims))
    strata = np.stack([rng.permutation(points) for _ in range(dims)], axis=1)
    return (strata + rng.random((points, dims))) / points


class Space:
    """The design points of a sweep, numbered 0 … size−1."""

    def __init__(self, sweep: Sweep):
        self.parameters = sweep.parameters
        self.sampling = sweep.sampling
        if self.sampling.method == "grid":
            self.values = [domain_values(p) for p in self.parameters]
            self.shape = tuple(len(v) for v in self.values)
            self.size = math.prod(self.shape)
        else:
            self.size = self.sampling.points

    def points(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Parameter arrays of points ``start`` … ``stop``−1."""
        if self.sampling.method == "grid":
            index = np.unravel_index(np.arange(start, stop), self.shape)
            return {p.name: v[i] for p, v, i in zip(self.parameters, self.values, index)}
        u = unit_samples(self.sampling.method, self.size, len(self.parameters),
                         self.sampling.seed)[start:stop]
        return {p.name: from_unit(p, u[:, j]) for j, p in enumerate(self.parameters)}
