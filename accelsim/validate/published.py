"""Published targets (``published.yaml``, every number with its citation) and the rules that
compare a prediction with them (errors per layer, the direction of a speedup)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np


@lru_cache(maxsize=None)
def published() -> dict:
    """All published targets, keyed by case."""
    from accelsim.spec.validate import parse_yaml

    return parse_yaml(resources.files("accelsim.validate").joinpath("published.yaml").read_text())


def table1_errors(efficiency_pct: dict[str, float]) -> dict[str, float]:
    """Predicted minus published S001 Table I VC707 efficiency (percentage points) per conv
    layer, plus ``conv_total`` (mean of the layers, as S001 totals them)."""
    target = published()["s001_table1_vc707"]
    errors = {name: efficiency_pct[name] - pub for name, pub in target["conv"].items()}
    mean = sum(efficiency_pct[name] for name in target["conv"]) / len(target["conv"])
    errors["conv_total"] = mean - target["conv_total"]
    return errors


def table24_direction(speedup):
    """-1, 0 or +1: below, at or above 1 as printed with two decimals (Table 2.4's format)."""
    return np.sign(np.round(speedup, 2) - 1.0)
