"""Pareto sets against a brute-force definition, on hypothesis-generated point sets."""

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from accelsim.explore.pareto import pareto_mask


def brute_force(values: np.ndarray) -> np.ndarray:
    """a dominates b: a <= b everywhere and a < b somewhere (minimisation); every pair
    compared (O(n²), as n × n arrays)."""
    a, b = values[:, None, :], values[None, :, :]       # a[j] against b[i]
    dominates = np.all(a <= b, axis=2) & np.any(a < b, axis=2)
    return ~dominates.any(axis=0)


point_sets = st.integers(1, 5).flatmap(lambda k: arrays(
    np.float64, st.tuples(st.integers(1, 60), st.just(k)),
    elements=st.integers(0, 6).map(float)))  # few values: many ties and duplicates


@settings(max_examples=300, deadline=None)
@given(values=point_sets, data=st.data())
def test_pareto_equals_brute_force(values, data):
    maximize = data.draw(st.lists(st.booleans(), min_size=values.shape[1],
                                  max_size=values.shape[1]))
    signed = np.where(maximize, -values, values)
    assert np.array_equal(pareto_mask(values, maximize), brute_force(signed))


@settings(max_examples=100, deadline=None)
@given(values=arrays(np.float64, st.tuples(st.integers(1, 200), st.integers(2, 3)),
                     elements=st.floats(-1e6, 1e6, allow_nan=False)))
def test_pareto_equals_brute_force_on_continuous_values(values):
    assert np.array_equal(pareto_mask(values), brute_force(values))


def test_rows_with_nan_are_never_on_the_front():
    values = np.array([[1.0, np.nan], [2.0, 2.0], [3.0, 1.0], [np.nan, 0.0]])
    assert pareto_mask(values).tolist() == [False, True, True, False]


def test_two_objective_front_of_a_known_set():
    values = [[1, 5], [2, 3], [2, 4], [3, 3], [4, 1], [4, 1], [5, 0.5]]
    assert pareto_mask(values).tolist() == [True, True, False, False, True, True, True]


three_objective_sets = arrays(np.float64, st.tuples(st.integers(1, 200), st.just(3)),
                              elements=st.sampled_from([-3.0, -1.0, -0.0, 0.0, 0.5, 1.0,
                                                        2.0, 1e3]))


@settings(max_examples=100, deadline=None)
@given(values=three_objective_sets, maximize=st.lists(st.booleans(), min_size=3, max_size=3))
def test_three_objective_sweep_equals_brute_force(values, maximize):
    """The O(n log n) 3-objective sweep (Fenwick tree over y ranks) against the O(n²)
    definition, on sets of many ties and duplicates (-0.0 equals 0.0); continuous values
    are in the test above."""
    signed = np.where(maximize, -values, values)
    assert np.array_equal(pareto_mask(values, maximize), brute_force(signed))


def test_three_objective_front_of_a_known_set():
    """By hand: (1,1,1) dominates (1,1,2) and (2,2,2); (0,5,5) and (5,0,5) trade x for y;
    the two copies of (3,3,0) do not dominate each other; (3,3,1) is dominated by them."""
    values = [[1, 1, 1], [1, 1, 2], [2, 2, 2], [0, 5, 5], [5, 0, 5], [3, 3, 0], [3, 3, 0],
              [3, 3, 1]]
    assert pareto_mask(values).tolist() == [True, False, False, True, True, True, True, False]
