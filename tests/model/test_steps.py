"""Steps-to-result model: Theorem 5.3.1's derived properties, the fits, budgets, factors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.model.steps import (Curve, StepsModel, c1c2_steps, epoch_steps, fit_curve,
                                  theorem_steps)

positive = st.floats(min_value=1e-2, max_value=1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(c=positive, t=st.floats(min_value=1.0, max_value=1e4),
       fractions=st.lists(st.floats(min_value=1e-3, max_value=1.0), min_size=2, max_size=8))
def test_perfect_scaling_below_critical_batch(c, t, fractions):
    """Below 2T, K·B = 4C for every B (S002 Theorem 5.3.1, first branch)."""
    batch = np.array(fractions) * 2 * t
    np.testing.assert_allclose(theorem_steps(batch, c, t) * batch, 4 * c, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(c=positive, t=st.floats(min_value=1.0, max_value=1e4))
def test_continuous_at_2t_and_plateau_is_half(c, t):
    k_2t = float(theorem_steps(2 * t, c, t))
    # both branches at 2T: 4C/(2T) = 2C/T and C(1/T + 1/T) = 2C/T
    assert float(theorem_steps(2 * t * (1 + 1e-9), c, t)) == pytest.approx(k_2t, rel=1e-8)
    assert k_2t == pytest.approx(2 * c / t, rel=1e-12)
    # K(∞) = C/T = K(2T)/2
    assert float(theorem_steps(1e15 * t, c, t)) == pytest.approx(k_2t / 2, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(c=positive, t=st.floats(min_value=1.0, max_value=1e4))
def test_steps_never_rise_with_batch(c, t):
    k = theorem_steps(np.geomspace(t / 100, t * 100, 200), c, t)
    assert np.all(np.diff(k) <= 1e-12 * k[:-1])


def test_fit_recovers_known_c_and_t_from_noisy_points():
    """Synthetic study: C = 5000, T = 100 (B_crit = 200), 2^1..2^12 with three points per batch
    and 10% log-normal noise; the fit must land near the truth and its bootstrap 16–84%
    interval of B_crit must be narrow enough to say the corner is between 2^6 and 2^9."""
    rng = np.random.default_rng(3)
    batch = np.repeat(2.0 ** np.arange(1, 13), 3)
    steps = theorem_steps(batch, 5000.0, 100.0) * np.exp(rng.normal(0, 0.1, batch.size))
    curve = fit_curve(batch, steps, "theorem", bootstrap=100, seed=1)
    assert curve.params["C"] == pytest.approx(5000, rel=0.1)
    assert curve.params["T"] == pytest.approx(100, rel=0.3)
    lo, hi = curve.uncertainty["B_crit"][1:]
    assert 64 < lo <= hi < 512
    assert curve.note == ""


def test_fit_without_plateau_says_b_crit_is_a_lower_bound():
    batch = 2.0 ** np.arange(1, 8)
    curve = fit_curve(batch, 1000 / batch, "theorem", bootstrap=10)
    assert "lower bound" in curve.note


def test_c1c2_fit_recovers_its_constants():
    rng = np.random.default_rng(0)
    batch = np.repeat(2.0 ** np.arange(1, 11), 2)
    steps = c1c2_steps(batch, 2.0e4, 150.0) * np.exp(rng.normal(0, 0.05, batch.size))
    curve = fit_curve(batch, steps, "c1c2", bootstrap=50)
    assert curve.params["c1"] == pytest.approx(2.0e4, rel=0.1)
    assert curve.params["c2"] == pytest.approx(150.0, rel=0.15)
    assert curve.critical_batch == pytest.approx(2.0e4 / 150.0, rel=0.25)


def test_fixed_epoch_budget():
    # ImageNet, 90 epochs, batch 256: 90 × 1,281,167 / 256 = 450,410.3 → 450,411 steps
    assert epoch_steps(256, 90, 1_281_167) == 450_411
    assert math.isinf(Curve("epochs", {"epochs": 90, "dataset_size": 10}).critical_batch)


def test_sparsity_factor_scales_the_dense_curve():
    dense = Curve("theorem", {"C": 1000.0, "T": 50.0})
    model = StepsModel("m", {0.0: dense}, factors={0.9: 1.67})
    batch = np.array([2.0, 64.0, 4096.0])
    np.testing.assert_allclose(model.steps(batch, 0.9), 1.67 * dense.steps(batch))
    with pytest.raises(ValueError, match="no curve for sparsity 0.5"):
        model.steps(batch, 0.5)


def test_fit_refuses_too_few_batches():
    with pytest.raises(ValueError, match="three or more"):
        fit_curve([2, 2, 4], [10, 11, 5])
