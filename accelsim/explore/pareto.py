"""Non-dominated (Pareto) sets of points under k objectives, each minimised or maximised.

Point a dominates b when a is no worse in every objective and better in at least one; equal
points do not dominate each other, so duplicates on the frontier are all kept. Two objectives
take one sort and a running minimum (O(n log n)); any k uses a lexicographic sort and then
removes, front point by front point, everything the point dominates (O(n · frontier), in
numpy). One objective is the set of points at its best value.
"""

from __future__ import annotations

import numpy as np


def pareto_mask(values, maximize=None) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``values`` (n × k); ``maximize`` says per
    column whether larger is better (default: all minimised). Rows with NaN are never on
    the frontier."""
    v = np.array(values, dtype=float, ndmin=2)
    if maximize is not None:
        v[:, np.asarray(maximize, dtype=bool)] *= -1
    mask = np.zeros(len(v), dtype=bool)
    ok = np.flatnonzero(~np.isnan(v).any(axis=1))
    if len(ok) == 0:
        return mask
    k = v.shape[1]
    front = {1: _front_1d, 2: _front_2d}.get(k, _front_kd)(v[ok])
    mask[ok[front]] = True
    return mask


def _front_1d(v: np.ndarray) -> np.ndarray:
    return np.flatnonzero(v[:, 0] == v[:, 0].min())


def _front_2d(v: np.ndarray) -> np.ndarray:
    """Sort by x then y; a point is on the front when it has its x group's smallest y and
    that y is below the smallest y of every smaller x."""
    order = np.lexsort((v[:, 1], v[:, 0]))
    x, y = v[order, 0], v[order, 1]
    first = np.r_[True, x[1:] != x[:-1]]           # first (smallest-y) row of each x group
    group = np.cumsum(first) - 1
    group_min = y[first]
    before = np.r_[np.inf, np.minimum.accumulate(group_min)[:-1]]  # best y of smaller x
    keep = (y == group_min[group]) & (group_min[group] < before[group])
    return order[keep]


def _front_kd(v: np.ndarray) -> np.ndarray:
    """Lexicographic order: no point is dominated by a later one, so the first remaining
    point is on the front; drop what it dominates and go on."""
    order = np.lexsort(v.T[::-1])
    rest, index = v[order], order
    front = []
    while len(rest):
        head = rest[0]
        front.append(index[0])
        dominated = np.all(head <= rest, axis=1) & np.any(head < rest, axis=1)
        dominated[0] = True
        rest, index = rest[~dominated], index[~dominated]
    return np.array(front, dtype=np.int64)
