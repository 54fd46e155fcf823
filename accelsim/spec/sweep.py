"""Sweep YAML → :class:`Sweep`: a base arch, parameters to vary, workloads, objectives and
constraints (format in README "Design-space exploration").

Paths in the file are relative to it. A parameter is a field of the arch's engine block
(``macs_per_pe``; ``a.b`` for a nested field), ``clock_hz``, or an engine option
(``options.gpus``, passed to ``simulate`` like ``accelsim run``'s options). Every value an arch
field can take is checked against the arch schemas here, so a bad value fails before the sweep
starts; a design point is then the parsed base arch with those fields replaced in its typed
config (no file is read again); an option the engine rejects marks its points with the
engine's error. ``derived`` columns are expressions over a row's columns (e.g. a cost).
"""

from __future__ import annotations

import ast
import contextlib
import copy
import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accelsim.errors import AccelsimError, SpecError
from accelsim.model import Workload
from accelsim.spec.arch import (Arch, arch_fields, arch_from_dict, check_arch_doc, doc_with,
                                field_path, with_fields)
from accelsim.spec.validate import check, read_bytes, read_document
from accelsim.spec.workload import load_workload

DOMAINS = ("values", "range", "log_range", "uniform")
MAX_DOMAIN_VALUES = 1_000_000  # values one discrete parameter lists
MAX_POINTS = 10_000_000        # design points of a grid (sampled: the schema's points bound)


@dataclass(frozen=True)
class Parameter:
    """One swept arch field: ``path`` inside the arch document and its domain (one of
    :data:`DOMAINS`, with that domain's settings from the file)."""

    name: str
    path: tuple[str, ...]
    domain: str
    settings: Any  # the list of values, or the domain's mapping


@dataclass(frozen=True)
class Sampling:
    method: str = "grid"  # grid | random | latin_hypercube
    points: int | None = None
    seed: int = 0


@dataclass(frozen=True)
class Objective:
    column: str
    goal: str  # min | max


@dataclass(frozen=True)
class Sweep:
    name: str
    path: str
    arch: Arch
    arch_doc: dict
    workloads: tuple[Workload, ...]
    parameters: tuple[Parameter, ...]
    sampling: Sampling
    objectives: tuple[Objective, ...] = ()
    constraints: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)  # engine options for every point
    derived: dict = field(default_factory=dict)  # column name -> expression
    chunk_points: int | None = None
    constants: dict = field(default_factory=dict)  # scalar fields of the base arch
    fingerprint: str = ""  # what decides the points and their results

    @property
    def arch_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.path[0] != "options")

    def with_arch_values(self, values: dict[str, Any]) -> Arch:
        """The base arch with the swept fields set to ``values`` (checked at load)."""
        return with_fields(self.arch, {p.path: values[p.name] for p in self.arch_parameters})

    def options_for(self, values: dict[str, Any]) -> dict:
        """The engine options of a point: the fixed ones and the swept ones."""
        swept = {p.path[1]: values[p.name] for p in self.parameters if p.path[0] == "options"}
        return {**self.options, **{k: v.item() if hasattr(v, "item") else v
                                   for k, v in swept.items()}}


def load_sweep(path: str | os.PathLike[str]) -> Sweep:
    """Read and validate a sweep file and the files it names; one-line SpecError on error."""
    path = Path(path)
    doc = read_document(path)
    file = str(path)
    check(doc, "sweep", file=file)
    arch_file = path.parent / doc["arch"]
    with _named_by(file, "arch"):
        arch_doc = read_document(arch_file)
        arch = arch_from_dict(arch_doc, file=str(arch_file), base_dir=arch_file.parent)
    kinds = tuple(doc.get("layer_kinds", ()))
    workload_files = [path.parent / w for w in doc["workloads"]]
    workloads = []
    for i, w in enumerate(workload_files):
        with _named_by(file, f"workloads.{i}"):
            workloads.append(_only_kinds(load_workload(w), kinds, file=file,
                                         field=f"workloads.{i}"))
    workloads = tuple(workloads)
    parameters = tuple(_parameter(name, raw, arch, arch_doc, file=file)
                       for name, raw in doc["parameters"].items())
    if not parameters:
        raise SpecError("give at least one parameter to vary", file=file, field="parameters")
    sampling = _sampling(doc.get("sampling", {"method": "grid"}), parameters, file=file)
    for i, text in enumerate(doc.get("constraints", [])):
        expression_names(text, file=file, field=f"constraints.{i}")
    for name, text in doc.get("derived", {}).items():
        expression_names(text, file=file, field=f"derived.{name}", comparison=False)
    options = _resolved_options(doc.get("options", {}), arch.engine, path.parent, file=file)
    block = arch_doc.get(arch.engine, {})
    constants = {k: v for k, v in {**arch_doc, **block}.items()
                 if isinstance(v, int | float | str | bool)}
    identity = {
        "arch": arch_doc, "workloads": [hashlib.sha256(read_bytes(w)).hexdigest()
                                        for w in workload_files],
        "layer_kinds": kinds, "parameters": doc["parameters"],
        "sampling": doc.get("sampling", {}), "options": doc.get("options", {}),
        "derived": doc.get("derived", {}),
    }
    given = doc.get("options", {})
    loaded = {k: repr(v) for k, v in options.items() if v is not given.get(k)}
    if loaded:  # what a loaded file holds decides the results too
        identity["loaded"] = loaded
    fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True,
                                            default=str).encode()).hexdigest()
    return Sweep(name=doc["name"], path=file, arch=arch, arch_doc=arch_doc, workloads=workloads,
                 parameters=parameters, sampling=sampling,
                 objectives=tuple(Objective(**o) for o in doc.get("objectives", [])),
                 constraints=tuple(doc.get("constraints", [])),
                 options=options, derived=doc.get("derived", {}),
                 chunk_points=doc.get("chunk_points"), constants=constants,
                 fingerprint=fingerprint)


@contextlib.contextmanager
def _named_by(file: str, field: str):
    """An error in a file the sweep names also names the sweep file and its field."""
    try:
        yield
    except AccelsimError as exc:
        if exc.file == file:
            raise
        raise SpecError(exc.one_line(), file=file, field=field) from None


def _resolved_options(options: dict, engine: str, base_dir: Path, *, file: str) -> dict:
    """The sweep's fixed engine options, with each option that its engine declares with a
    file-typed value (e.g. ``steps_model``: a path relative to the sweep file) read into its
    typed object (``accelsim.spec.readers``)."""
    from accelsim import registry
    from accelsim.spec.readers import reader

    loaders = {o.name: reader(o) for o in registry.engine(engine).options
               if reader(o) is not None}
    resolved = dict(options)
    for name, load in loaders.items():
        if name not in options:
            continue
        if not isinstance(options[name], str):
            raise SpecError("must be a file path", file=file, field=f"options.{name}")
        with _named_by(file, f"options.{name}"):
            resolved[name] = load(str(base_dir / options[name]))
    return resolved


def _only_kinds(workload: Workload, kinds: tuple[str, ...], *, file: str, field: str) -> Workload:
    if not kinds:
        return workload
    try:
        return workload.select(kinds, unknown_ok=True)[0]
    except AccelsimError as exc:
        raise SpecError(exc.message, file=file, field=field) from None


def _parameter(name: str, raw: dict, arch: Arch, arch_doc: dict, *, file: str) -> Parameter:
    from accelsim import registry

    where = f"parameters.{name}"
    given = [d for d in DOMAINS if d in raw]
    if len(given) != 1:
        raise SpecError(f"give exactly one of {', '.join(DOMAINS)}", file=file, field=where)
    domain, settings = given[0], raw[given[0]]
    _check_domain(domain, settings, file=file, field=f"{where}.{domain}")
    head = name.split(".")
    engine = registry.engine(arch.engine)
    if head[0] == "options" and len(head) == 2:
        takes = sorted(o.name for o in engine.options)
        if head[1] not in takes:
            raise SpecError(f"the {arch.engine} engine has no option {head[1]!r} (its "
                            f"options: {', '.join(takes) or 'none'})", file=file, field=where)
        return Parameter(name=name, path=tuple(head), domain=domain, settings=settings)
    path = field_path(engine, name)
    if path is None:
        raise SpecError(f"not a field of the {arch.engine} arch nor options.NAME (fields: "
                        f"{', '.join(arch_fields(engine))})",
                        file=file, field=where)
    parameter = Parameter(name=name, path=path, domain=domain, settings=settings)
    for value in _probe_values(domain, settings):
        try:
            check_arch_doc(doc_with(arch_doc, path, value), file=arch.path)
            with_fields(arch, {path: value})
        except AccelsimError as exc:
            raise SpecError(f"value {value!r} gives an invalid arch: {exc.field or ''} "
                            f"{exc.message}", file=file, field=where) from None
    return parameter


def _check_domain(domain: str, settings, *, file: str, field: str) -> None:
    if domain == "values":
        return
    if settings["to"] < settings["from"]:
        raise SpecError(f"'to' ({settings['to']}) is below 'from' ({settings['from']})",
                        file=file, field=field)
    if domain == "log_range" and ("factor" in settings) == ("num" in settings):
        raise SpecError("give exactly one of 'factor' or 'num'", file=file, field=field)
    if domain != "uniform" and domain_size(domain, settings) > MAX_DOMAIN_VALUES:
        raise SpecError(f"gives {domain_size(domain, settings):,} values, at most "
                        f"{MAX_DOMAIN_VALUES:,} (a larger step or factor, or sample)",
                        file=file, field=field)


def domain_size(domain: str, settings) -> int:
    """How many values a discrete domain lists (before any are made)."""
    if domain == "values":
        return len(settings)
    lo, hi = settings["from"], settings["to"]
    if domain == "range":
        return math.floor((hi - lo) / settings["step"] + 1e-9) + 1
    if "factor" in settings:
        return math.floor(math.log(hi / lo) / math.log(settings["factor"]) + 1e-9) + 1
    return settings["num"]


def _probe_values(domain: str, settings) -> list:
    """Values that show whether a domain fits the arch schema: every listed value, a range's
    ends, and a continuous domain's ends and middle (an integer field rejects a fraction)."""
    if domain == "values":
        return list(settings)
    ends = [settings["from"], settings["to"]]
    if domain != "uniform":
        return ends
    middle = (ends[0] + ends[1]) / 2
    return ends + [round(middle) if settings.get("integer") else middle]


def _sampling(raw: dict, parameters: tuple[Parameter, ...], *, file: str) -> Sampling:
    sampling = Sampling(method=raw["method"], points=raw.get("points"), seed=raw.get("seed", 0))
    if sampling.method == "grid":
        if sampling.points is not None:
            raise SpecError("a grid has as many points as the product of the parameters' "
                            "values; drop 'points' or sample", file=file,
                            field="sampling.points")
        for p in parameters:
            if p.domain == "uniform":
                raise SpecError("a continuous 'uniform' domain needs sampling method random "
                                "or latin_hypercube", file=file, field=f"parameters.{p.name}")
        size = math.prod(domain_size(p.domain, p.settings) for p in parameters)
        if size > MAX_POINTS:
            raise SpecError(f"the grid has {size:,} points, at most {MAX_POINTS:,} (fewer "
                            "values, or sample)", file=file, field="parameters")
    elif sampling.points is None:
        raise SpecError(f"missing required field 'points' (method {sampling.method})",
                        file=file, field="sampling")
    return sampling


_ALLOWED = (ast.Expression, ast.Compare, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Name,
            ast.Constant, ast.Load, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
_TRUTH = (ast.Compare, ast.BoolOp)  # what and/or/not may combine
MAX_EXPRESSION_CHARS = 1000
MAX_EXPRESSION_NODES = 400
MAX_EXPONENT = 16


def expression_names(text: str, *, file: str, field: str, comparison: bool = True) -> set[str]:
    """The column names an expression uses: a constraint such as ``dsp_used <= dsp_slices``
    (``comparison``) or a derived column's arithmetic; it may only compare, combine
    comparisons with and/or/not and do arithmetic (``**`` by a number of at most 16), within
    :data:`MAX_EXPRESSION_CHARS` characters, and its constant parts must evaluate."""
    def fail(why: str):
        raise SpecError(f"{_short(text)}: {why}", file=file, field=field)

    if len(text) > MAX_EXPRESSION_CHARS:
        fail(f"longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(text, mode="eval")
        nodes = list(ast.walk(tree))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise SpecError(f"not an expression: {_short(text)}", file=file, field=field) from None
    if len(nodes) > MAX_EXPRESSION_NODES:
        fail(f"more than {MAX_EXPRESSION_NODES} terms")
    bad = [type(n).__name__ for n in nodes if not isinstance(n, _ALLOWED)]
    compares = isinstance(tree.body, _TRUTH) or (isinstance(tree.body, ast.UnaryOp)
                                                  and isinstance(tree.body.op, ast.Not))
    if bad or (comparison and not compares):
        want = "a comparison such as 'latency_s <= 0.01'" if comparison else "arithmetic"
        raise SpecError(f"{_short(text)} must be {want} (arithmetic, and/or/not allowed)",
                        file=file, field=field)
    for node in nodes:
        operands = (node.values if isinstance(node, ast.BoolOp) else [node.operand]
                    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) else [])
        if any(not _truth(v) for v in operands):
            fail("and/or/not combine comparisons only (e.g. 'not (x > 1)')")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and not (
                isinstance(node.right, ast.Constant) and _number(node.right.value)
                and abs(node.right.value) <= MAX_EXPONENT):
            fail(f"'**' takes a number of at most {MAX_EXPONENT} as exponent")
        if isinstance(node, ast.BinOp | ast.UnaryOp) and not any(
                isinstance(n, ast.Name) for n in ast.walk(node)):
            try:  # a constant part: evaluated here, in floats, so it cannot hang or crash
                eval(compile(ast.Expression(_as_floats(node)), field, "eval"), {})
            except (ArithmeticError, TypeError, ValueError) as exc:
                fail(f"its constant part cannot be evaluated ({exc.__class__.__name__})")
    return {n.id for n in nodes if isinstance(n, ast.Name)}


def _truth(node) -> bool:
    return isinstance(node, _TRUTH) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and _truth(node.operand)
    ) or (isinstance(node, ast.Constant) and isinstance(node.value, bool))


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_floats(node):
    """A copy of a constant expression with every number a float (no huge integers)."""
    node = copy.deepcopy(node)
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and _number(n.value):
            n.value = float(n.value)
    return ast.fix_missing_locations(node)


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")
