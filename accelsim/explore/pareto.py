"""Non-dominated (Pareto) sets of points under k objectives, each minimised or maximised.

Point a dominates b when a is no worse in every objective and better in at least one; equal
points do not dominate each other, so duplicates on the frontier are all kept. Two objectives
take a lexicographic sort and a running minimum (O(n log n)). Three take the sort and one
sweep that keeps, over the y ranks of the front points seen so far, a Fenwick tree of their
smallest z: a point is dominated exactly when some earlier, different point has y and z no
larger (Kung, Luccio and Preparata, J. ACM 1975, with a tree for the 2-D staircase;
O(n log n), compiled with numba). More than three use a lexicographic sort and then remove,
front point by front point, everything the point dominates (O(n · frontier), in numpy). One
objective is the set of points at its best value.
"""

from __future__ import annotations

import numpy as np
from accelsim.engines.jit import njit


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
    front = {1: _front_1d, 2: _front_2d, 3: _front_3d}.get(k, _front_kd)(v[ok])
    mask[ok[front]] = True
    return mask


def _front_1d(v: np.ndarray) -> np.ndarray:
    return np.flatnonzero(v[:, 0] == v[:, 0].min())


def _front_2d(v: np.ndarray) -> np.ndarray:
    """Sort by x then y; a point is on the front when it has its x group's smallest y and
    that y is below the smallest y of every smaller x."""
    order = _lex_order(v)[0]
    x, y = v[order, 0], v[order, 1]
    first = np.r_[True, x[1:] != x[:-1]]           # first (smallest-y) row of each x group
    group = np.cumsum(first) - 1
    group_min = y[first]
    before = np.r_[np.inf, np.minimum.accumulate(group_min)[:-1]]  # best y of smaller x
    keep = (y == group_min[group]) & (group_min[group] < before[group])
    return order[keep]


def _front_3d(v: np.ndarray) -> np.ndarray:
    """Lexicographic order puts every dominating point before the points it dominates; runs
    of identical points are judged together, before any of them joins the tree."""
    order, ranks, first = _lex_order(v)
    return order[_sweep_3d(ranks[1][order], np.ascontiguousarray(v[order, 2]), first)]


def _lex_order(v: np.ndarray):
    """The row order sorting ``v`` by its first column, then the next, ...; each column's
    dense ranks; and, in that order, whether a row differs from the one before. One sort of
    a combined integer key of the ranks (np.lexsort's stable float sorts take several times
    longer), or np.lexsort of the ranks when the key would overflow int64."""
    ranks = [_dense_ranks(v[:, j]) for j in range(v.shape[1])]
    counts = [int(r.max()) + 1 for r in ranks]
    if np.prod(np.array(counts, dtype=float)) < 2.0 ** 62:
        key = ranks[0]
        for rank, count in zip(ranks[1:], counts[1:]):
            key = key * count + rank
        order = np.argsort(key)
        key = key[order]
        return order, ranks, np.r_[True, key[1:] != key[:-1]]
    order = np.lexsort(ranks[::-1])
    s = v[order]
    return order, ranks, np.r_[True, np.any(s[1:] != s[:-1], axis=1)]


def _dense_ranks(column: np.ndarray) -> np.ndarray:
    """0 for the smallest value, +1 for each larger distinct value (int64)."""
    order = np.argsort(column)
    ordered = column[order]
    ranks = np.empty(len(column), dtype=np.int64)
    ranks[order] = np.r_[0, np.cumsum(ordered[1:] != ordered[:-1])]
    return ranks


@njit(cache=True)
def _sweep_3d(y_rank, z, first):  # pragma: no cover - compiled; checked against brute force
    """Mask of the front of points in lexicographic (x, y, z) order. ``tree`` is a Fenwick
    tree over y ranks holding the smallest z of the front points at or below each rank."""
    n = len(z)
    size = y_rank.max() + 1 if n else 0
    tree = np.full(size + 1, np.inf)
    keep = np.zeros(n, dtype=np.bool_)
    i = 0
    while i < n:
        best, r = np.inf, y_rank[i] + 1
        while r > 0:
            best = min(best, tree[r])
            r -= r & -r
        on = best > z[i]
        j = i
        while j < n and (j == i or not first[j]):
            keep[j] = on
            j += 1
        if on:
            r = y_rank[i] + 1
            while r <= size:
                tree[r] = min(tree[r], z[i])
                r += r & -r
        i = j
    return keep


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
