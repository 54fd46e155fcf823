"""Steps-to-result K(B): training steps to reach a target, as a function of the global batch B.

Model (S002 = Lee, DPhil thesis, Oxford 2020, Ch. 5, Theorem 5.3.1; after Shallue et al.
2019; docs/SOURCES.md §1)
---------------------------------------------------------------------------------------
For an L-smooth non-convex loss and SGD with a constant learning rate, the steps needed to
reach E‖∇f‖² < ε are bounded by

    K(B) = 4C / B                  for B ≤ 2T   (linear scaling: K·B = 4C constant)
    K(B) = C (1/T + 1/(B − T))     for B ≥ 2T   (diminishing returns, then a plateau)

continuous at the critical batch size B_crit = 2T, with K(∞) = C/T = K(2T)/2. The thesis's
App. 5.A gives the older form K = c₁/B + c₂ (no sharp corner; here B_crit = c₁/c₂, the batch
at which K is twice its plateau c₂). A fixed-epoch budget, the way ImageNet large-batch
studies are run, is K = ⌈epochs · dataset_size / B⌉: no critical batch, every B scales.

Sparsity (S002 §5.3, App. 5.C): a sparse network is modelled by its own fitted curve, or by
a factor on the dense curve's C (theorem), c₁ (c1c2) or steps (epochs): the thesis's theory
factor for Simple-CNN at 90% sparsity is c₁,sparse/c₁,dense ≈ 1.00·0.54·3.09 ≈ 1.67, and its
measured 90%-sparse/dense ratios lie in 1.5–4.5 (Fig 5.12).

Fits (:func:`fit_curve`) minimise the squared error of log K (steps are measured with a
multiplicative spread), per sparsity level. The theorem form is fitted by profiling: for each
T on a log grid C has a closed form (the mean of log K − log k(B; T)), then T is refined with
a bounded scalar search. The c1c2 form is a non-negative least squares with 1/K weights.
Uncertainty is a bootstrap over the (B, K) points (resampled with replacement, refitted):
standard deviations and 16/84-percentiles of C, T (c₁, c₂) and B_crit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

FORMS = ("theorem", "c1c2", "epochs")
FORM_NAMES = {"theorem": "Theorem 5.3.1", "c1c2": "c1/B + c2", "epochs": "fixed epochs"}


def theorem_steps(batch, c: float, t: float) -> np.ndarray:
    """Theorem 5.3.1's bound: 4C/B up to B = 2T, C(1/T + 1/(B − T)) above."""
    b = np.asarray(batch, dtype=float)
    above = c * (1.0 / t + 1.0 / np.maximum(b - t, t))
    return np.where(b <= 2 * t, 4 * c / b, above)


def c1c2_steps(batch, c1: float, c2: float) -> np.ndarray:
    """S002 App. 5.A: K = c₁/B + c₂."""
    return c1 / np.asarray(batch, dtype=float) + c2


def epoch_steps(batch, epochs: float, dataset_size: int) -> np.ndarray:
    """A fixed-epoch budget: ⌈epochs · dataset_size / B⌉ steps."""
    return np.ceil(epochs * dataset_size / np.asarray(batch, dtype=float))


@dataclass(frozen=True)
class Curve:
    """One K(B) curve: its form and parameters (theorem: C, T; c1c2: c1, c2; epochs: epochs,
    dataset_size), plus a fit's bootstrap summary (``uncertainty``: name → (std, p16, p84))."""

    form: str
    params: dict
    points: int = 0  # the (B, K) points it was fitted on; 0 = given, not fitted
    batch_range: tuple = ()  # (smallest, largest) fitted batch
    uncertainty: dict = field(default_factory=dict)
    note: str = ""

    def steps(self, batch) -> np.ndarray:
        p = self.params
        if self.form == "theorem":
            return theorem_steps(batch, p["C"], p["T"])
        if self.form == "c1c2":
            return c1c2_steps(batch, p["c1"], p["c2"])
        return epoch_steps(batch, p["epochs"], p["dataset_size"])

    @property
    def critical_batch(self) -> float:
        """2T (theorem), c₁/c₂ (c1c2); infinite for a fixed-epoch budget."""
        if self.form == "theorem":
            return 2 * self.params["T"]
        if self.form == "c1c2":
            return self.params["c1"] / self.params["c2"] if self.params["c2"] > 0 else math.inf
        return math.inf

    def scaled(self, factor: float) -> Curve:
        """The curve with C (theorem), c₁ (c1c2) or the epochs multiplied by ``factor``."""
        key = {"theorem": "C", "c1c2": "c1", "epochs": "epochs"}[self.form]
        return Curve(self.form, {**self.params, key: self.params[key] * factor},
                     batch_range=self.batch_range, note=f"{key} x {factor:g} of the dense curve")


# ---- fits ----------------------------------------------------------------------------------
def _theorem_profile(log_b: np.ndarray, log_k: np.ndarray, t: np.ndarray):
    """Best log C and the residual sum of squares for each T in ``t`` (closed form in C)."""
    b = np.exp(log_b)[None, :]
    tt = np.asarray(t, dtype=float)[:, None]
    log_shape = np.log(theorem_steps(b, 1.0, tt))
    log_c = (log_k[None, :] - log_shape).mean(axis=1)
    rss = ((log_k[None, :] - log_shape - log_c[:, None]) ** 2).sum(axis=1)
    return log_c, rss


def _fit_theorem(batch: np.ndarray, steps: np.ndarray) -> tuple[dict, str]:
    from scipy.optimize import minimize_scalar

    log_b, log_k = np.log(batch), np.log(steps)
    lo, hi = batch.min() / 4, batch.max() * 4
    grid = np.geomspace(lo, hi, 241)
    _, rss = _theorem_profile(log_b, log_k, grid)
    best = int(np.argmin(rss))
    a, b = np.log(grid[max(best - 1, 0)]), np.log(grid[min(best + 1, len(grid) - 1)])
    res = minimize_scalar(lambda x: _theorem_profile(log_b, log_k, [math.exp(x)])[1][0],
                          bounds=(a, b), method="bounded")
    t = math.exp(res.x)
    log_c, _ = _theorem_profile(log_b, log_k, [t])
    note = ""
    if 2 * t >= batch.max() * (1 - 1e-6):
        note = "no plateau in the data: B_crit is at least the largest batch (a lower bound)"
    elif 2 * t <= batch.min() * (1 + 1e-6):
        note = "no linear-scaling regime in the data: B_crit is at most the smallest batch"
    return {"C": float(math.exp(log_c[0])), "T": t}, note


def _fit_c1c2(batch: np.ndarray, steps: np.ndarray) -> tuple[dict, str]:
    from scipy.optimize import nnls

    w = 1.0 / steps  # relative errors, as the log-space theorem fit
    design = np.column_stack([1.0 / batch, np.ones_like(batch)]) * w[:, None]
    (c1, c2), _ = nnls(design, steps * w)
    return {"c1": float(c1), "c2": float(c2)}, ""


_FITS = {"theorem": _fit_theorem, "c1c2": _fit_c1c2}


def fit_curve(batch, steps, form: str = "theorem", *, bootstrap: int = 200,
              seed: int = 0) -> Curve:
    """Fit K(B) of ``form`` to measured points; bootstrap the points for uncertainty."""
    if form not in _FITS:
        raise ValueError(f"cannot fit form {form!r} (fittable: {', '.join(_FITS)})")
    b = np.asarray(batch, dtype=float)
    k = np.asarray(steps, dtype=float)
    if b.shape != k.shape or b.ndim != 1 or len(np.unique(b)) < 3:
        raise ValueError("need (batch, steps) points at three or more distinct batch sizes")
    if np.any(b <= 0) or np.any(k <= 0) or not np.all(np.isfinite(k)):
        raise ValueError("batch sizes and steps must be positive and finite")
    params, note = _FITS[form](b, k)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(bootstrap):
        idx = rng.integers(0, len(b), len(b))
        if len(np.unique(b[idx])) < 3:
            continue
        p, _ = _FITS[form](b[idx], k[idx])
        draws.append({**p, "B_crit": Curve(form, p).critical_batch})
    uncertainty = {}
    for name in draws[0] if draws else ():
        v = np.array([d[name] for d in draws])
        v = v[np.isfinite(v)]
        if len(v):
            uncertainty[name] = (float(v.std(ddof=1)) if len(v) > 1 else 0.0,
                                 float(np.percentile(v, 16)), float(np.percentile(v, 84)))
    return Curve(form, params, points=len(b), batch_range=(float(b.min()), float(b.max())),
                 uncertainty=uncertainty, note=note)


# ---- per-sparsity model --------------------------------------------------------------------
def _key(sparsity: float) -> float:
    return round(float(sparsity), 6)


@dataclass(frozen=True)
class StepsModel:
    """K(B) per sparsity level: fitted or given curves, and factors on the dense curve."""

    name: str
    curves: dict  # sparsity → Curve
    factors: dict = field(default_factory=dict)  # sparsity → factor on the dense (0.0) curve
    source: str = ""

    def curve(self, sparsity: float = 0.0) -> Curve:
        s = _key(sparsity)
        curves = {_key(k): v for k, v in self.curves.items()}
        if s in curves:
            return curves[s]
        factors = {_key(k): v for k, v in self.factors.items()}
        if s in factors and 0.0 in curves:
            return curves[0.0].scaled(factors[s])
        known = sorted(set(curves) | {k for k in factors if 0.0 in curves})
        raise ValueError(f"steps model {self.name!r} has no curve for sparsity {sparsity:g} "
                         f"(it has: {', '.join(f'{k:g}' for k in known)})")

    def steps(self, batch, sparsity: float = 0.0) -> np.ndarray:
        return self.curve(sparsity).steps(batch)

    def describe(self, levels=None) -> tuple[str, ...]:
        """One line per level (all, or those in ``levels``): form, parameters with bootstrap
        spread, B_crit, notes."""
        lines = []
        known = {_key(k) for k in self.curves} | {_key(k) for k in self.factors}
        levels = sorted(known if levels is None else {_key(k) for k in levels})
        for s in levels:
            try:
                c = self.curve(s)
            except ValueError:
                continue
            parts = []
            for name, value in c.params.items():
                spread = c.uncertainty.get(name)
                parts.append(f"{name} {value:.4g}" + (f" ± {spread[0]:.2g}" if spread else ""))
            crit = c.critical_batch
            if math.isfinite(crit):
                spread = c.uncertainty.get("B_crit")
                parts.append(f"B_crit {crit:.4g}" + (
                    f" [{spread[1]:.3g}, {spread[2]:.3g}]" if spread else ""))
            how = f"fitted on {c.points} points" if c.points else (c.note or "given")
            lines.append(f"sparsity {s:g}: {FORM_NAMES[c.form]}, {', '.join(parts)} ({how})"
                         + (f"; {c.note}" if c.points and c.note else ""))
        return tuple(lines)
