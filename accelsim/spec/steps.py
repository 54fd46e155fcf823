"""Steps-model YAML → :class:`~accelsim.model.steps.StepsModel` (format in README "Time to
train").

``form`` is ``theorem`` (C, T), ``c1c2`` (c1, c2) or ``epochs`` (a fixed-epoch budget:
``epochs``, ``dataset_size``). Theorem and c1c2 curves are given per sparsity (``levels``) or
fitted per sparsity to a CSV of measured points (``fit.csv``, columns ``sparsity``, ``batch``,
``steps``; rows with no steps are points that never reached the target and are left out;
the CSV must sit in the file's folder or below it, like a workload's masks).
``sparsity_factor`` maps a sparsity to a factor on the dense curve (C, c₁ or the epochs).
Paths are relative to the file.
"""

from __future__ import annotations

from pathlib import Path

from accelsim.errors import SpecError
from accelsim.model.steps import Curve, StepsModel, fit_curve
from accelsim.spec.validate import check, read_document, read_text, resolve_reference

PARAMS = {"theorem": ("C", "T"), "c1c2": ("c1", "c2"), "epochs": ("epochs", "dataset_size")}


def load_steps_model(path: str | Path) -> StepsModel:
    """Read, validate and (for ``fit``) fit a steps-model file; one-line SpecError on errors."""
    path = Path(path)
    file = str(path)
    doc = read_document(path)
    check(doc, "steps", file=file)
    form = doc["form"]
    curves = {}
    if form == "epochs":
        for key in PARAMS["epochs"]:
            if key not in doc:
                raise SpecError(f"missing required field {key!r} (form epochs)", file=file)
        for extra in ("levels", "fit"):
            if extra in doc:
                raise SpecError(f"{extra!r} does not apply to form epochs", file=file)
        curves[0.0] = Curve("epochs", {"epochs": doc["epochs"],
                                       "dataset_size": doc["dataset_size"]})
    else:
        if ("levels" in doc) == ("fit" in doc):
            raise SpecError(f"form {form} needs exactly one of 'levels' or 'fit'", file=file)
        for key in ("epochs", "dataset_size"):
            if key in doc:
                raise SpecError(f"{key!r} applies only to form epochs", file=file)
        curves = (_fitted(doc, form, file=file, base_dir=path.parent) if "fit" in doc
                  else _given(doc["levels"], form, file=file))
    factors = {}
    for key, factor in doc.get("sparsity_factor", {}).items():
        try:
            sparsity = float(key)
        except ValueError:
            sparsity = -1.0
        if not 0 < sparsity < 1:
            raise SpecError(f"key {key!r} must be a sparsity in (0, 1)", file=file,
                            field="sparsity_factor")
        factors[sparsity] = factor
    if factors and 0.0 not in curves:
        raise SpecError("a sparsity_factor scales the dense curve: give sparsity 0",
                        file=file, field="sparsity_factor")
    return StepsModel(doc["name"], curves, factors, source=doc["source"])


def _given(levels: list, form: str, *, file: str) -> dict:
    curves = {}
    for i, level in enumerate(levels):
        names = PARAMS[form]
        missing = [n for n in names if n not in level]
        foreign = sorted(set(level) - set(names) - {"sparsity"})
        if missing or foreign:
            raise SpecError(f"form {form} takes {' and '.join(names)}: "
                            f"{'missing ' + ', '.join(missing) if missing else ''}"
                            f"{'unexpected ' + ', '.join(foreign) if foreign else ''}",
                            file=file, field=f"levels.{i}")
        if level["sparsity"] in curves:
            raise SpecError(f"duplicate sparsity {level['sparsity']}", file=file,
                            field=f"levels.{i}.sparsity")
        curves[float(level["sparsity"])] = Curve(form, {n: float(level[n]) for n in names})
    return curves


def _fitted(doc: dict, form: str, *, file: str, base_dir: Path) -> dict:
    import io

    import pandas as pd

    spec = doc["fit"]
    csv = resolve_reference(base_dir, spec["csv"], file=file, field="fit.csv")
    text = read_text(csv, file=file, field="fit.csv")
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (ValueError, pd.errors.ParserError) as exc:
        raise SpecError(f"unreadable CSV {str(csv)!r}: {exc}", file=file, field="fit.csv") \
            from None
    missing = [c for c in ("sparsity", "batch", "steps") if c not in frame.columns]
    if missing:
        raise SpecError(f"CSV {str(csv)!r} lacks column(s) {', '.join(missing)}", file=file,
                        field="fit.csv")
    frame = frame.dropna(subset=["steps"])
    curves = {}
    for sparsity, group in frame.groupby("sparsity"):
        try:
            curves[float(sparsity)] = fit_curve(group.batch.to_numpy(), group.steps.to_numpy(),
                                                form, bootstrap=spec.get("bootstrap", 200),
                                                seed=spec.get("seed", 0))
        except ValueError as exc:
            raise SpecError(f"sparsity {sparsity:g} of {str(csv)!r}: {exc}", file=file,
                            field="fit.csv") from None
    if not curves:
        raise SpecError(f"CSV {str(csv)!r} has no reached (batch, steps) points", file=file,
                        field="fit.csv")
    return curves
