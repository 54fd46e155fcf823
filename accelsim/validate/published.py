"""Published targets (``published.yaml``, with citations) and the comparisons against them."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


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
