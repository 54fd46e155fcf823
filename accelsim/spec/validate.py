"""The reading boundary: every untrusted file (arch, workload, sweep, mask, trace input,
store manifest) is opened, bounded and parsed here, and checked against the JSON Schemas
shipped in the package.

Bounds, before and while parsing: a file of at most :data:`MAX_FILE_BYTES`, nesting of at
most :data:`MAX_DEPTH` levels, at most :data:`MAX_NODES` values, integers of at most
:data:`MAX_INT_DIGITS` digits. Every number must be finite; an ``integer`` field takes only
integers (``3.0`` is refused, not truncated); mapping keys must be strings and unique, in
JSON as in YAML. YAML aliases, anchors' use and the non-JSON tags (dates, ``!!binary``,
``!!set``, ...) are refused, so a YAML file means what its JSON twin would.

References from one file to another (a layer's ``mask``, a cluster's ``node``) are resolved
inside the referencing file's folder unless :func:`outside_references` allows otherwise
(the CLI's ``--allow-outside-references``).

Every failure becomes one :class:`SpecError` line: file, field path, what is wrong and what
is allowed. jsonschema, slow to import, is loaded only for a document that may be invalid
(:mod:`accelsim.spec.conforms` accepts the valid ones).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import math
import os
import stat
from functools import lru_cache
from pathlib import Path

from accelsim.errors import SpecError, os_error_cause

MAX_FILE_BYTES = 32 << 20   # a spec or trace description file: 32 MiB
MAX_DEPTH = 32              # nesting levels of mappings and lists
MAX_NODES = 1_000_000       # values in one document
MAX_INT_DIGITS = 20         # an integer literal (2**63 has 19 digits)
MAX_MAGNITUDE = 1e30        # any number in a spec; each schema states tighter field bounds

_SCHEMA_WORDS = {"object": "a mapping", "array": "a list", "string": "a string",
                 "integer": "an integer", "number": "a number", "boolean": "true or false"}
_outside = contextvars.ContextVar("accelsim_outside_references", default=False)


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    """The JSON Schema ``schemas/<name>.schema.json`` shipped with the package (read next to
    this module: importlib.resources costs ~0.01 s of start-up to import)."""
    text = (Path(__file__).parent / "schemas" / f"{name}.schema.json").read_text()
    return json.loads(text)


# ---- files ---------------------------------------------------------------------------------
def describe_os_error(exc: BaseException) -> str:
    """Why a file could not be read, in a few words."""
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    return f"cannot read: {os_error_cause(exc)}"


def read_bytes(path: str | Path, *, limit: int = MAX_FILE_BYTES, file: str | None = None,
               field: str | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or a one-line SpecError (a
    missing file, a folder, a FIFO, a symlink loop, a name too long, a NUL byte, ...)."""
    where = {"file": file or str(path), "field": field}
    try:  # non-blocking open: a FIFO is refused, not waited on
        with open(path, "rb", opener=_nonblocking) as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise SpecError("not a regular file", **where)
            # a read of n bytes allocates n first: ask for the file's size, not the limit
            data = handle.read(min(status.st_size, limit) + 1)
            if len(data) > status.st_size:  # it grew, or reports no size (procfs)
                data += handle.read(limit + 1 - len(data))
    except SpecError:
        raise
    except (OSError, ValueError) as exc:
        raise SpecError(describe_os_error(exc), **where) from None
    if len(data) > limit:
        raise SpecError(f"larger than the {limit >> 20} MiB allowed", **where)
    return data


def _nonblocking(path, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


def read_text(path: str | Path, *, limit: int = MAX_FILE_BYTES, file: str | None = None,
              field: str | None = None) -> str:
    """:func:`read_bytes` decoded as UTF-8 (one-line SpecError if it is not)."""
    data = read_bytes(path, limit=limit, file=file, field=field)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", file=file or str(path),
                        field=field) from None


@contextlib.contextmanager
def outside_references(allowed: bool = True):
    """Within this block, references (masks, cluster nodes) may leave their file's folder."""
    token = _outside.set(allowed)
    try:
        yield
    finally:
        _outside.reset(token)


def resolve_reference(base_dir: str | Path | None, reference: str, *, file: str,
                      field: str) -> Path:
    """The file ``reference`` names, relative to ``base_dir`` (the referencing file's folder);
    it must stay inside that folder (symlinks followed) unless :func:`outside_references`."""
    base = Path(base_dir or ".")
    try:
        target = (base / reference).resolve()
        inside = target.is_relative_to(base.resolve())
    except (OSError, ValueError, RuntimeError) as exc:
        raise SpecError(f"{reference!r}: {describe_os_error(exc)}", file=file,
                        field=field) from None
    if not inside and not _outside.get():
        raise SpecError(f"{reference!r} points outside {str(base)!r}; pass "
                        "--allow-outside-references to allow it", file=file, field=field)
    return target


# ---- parsing -------------------------------------------------------------------------------
def parse_yaml(text: str, *, file: str = "<yaml>"):
    """Parse YAML text with the project's loader (YAML 1.2 floats, JSON types only, no
    aliases, no duplicate or non-string keys, bounded depth and size)."""
    import yaml

    loader = None
    try:
        loader = _yaml_loader()(text)
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc) or "syntax error"
        raise SpecError(f"invalid YAML{where}: {problem}", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()
    _check_values(data, file=file)
    return data


def parse_json(text: str, *, file: str = "<json>"):
    """Parse JSON text: duplicate keys, NaN/Infinity and huge integers refused, bounded
    depth and size."""
    def pairs(items):
        keys = [k for k, _ in items]
        if len(set(keys)) != len(keys):
            duplicate = next(k for i, k in enumerate(keys) if k in keys[:i])
            raise _Refused(f"duplicate key {duplicate!r}")
        return dict(items)

    def constant(name):
        raise _Refused(f"{name} is not a number allowed here (give a finite number)")

    def integer(digits):
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            raise _Refused(f"integer of {len(digits)} digits (at most {MAX_INT_DIGITS})")
        return int(digits)

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant,
                          parse_int=integer)
    except json.JSONDecodeError as exc:
        raise SpecError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                        file=file) from None
    except _Refused as exc:
        raise SpecError(f"invalid JSON: {exc}", file=file) from None
    except RecursionError:
        raise SpecError(f"invalid JSON: nested deeper than {MAX_DEPTH} levels",
                        file=file) from None
    _check_values(data, file=file)
    return data


def read_document(path: str | Path) -> dict:
    """Parse a YAML or JSON file into a mapping, or raise a one-line SpecError."""
    path = Path(path)
    file = str(path)
    text = read_text(path)
    data = parse_json(text, file=file) if path.suffix == ".json" else parse_yaml(text, file=file)
    if not isinstance(data, dict):
        raise SpecError(f"the top level must be a mapping, got {_kind(data)}", file=file)
    return data


class _Refused(ValueError):
    """Raised inside a parser's hook; becomes a SpecError outside it."""


def _check_values(data, *, file: str) -> None:
    """Depth, count and finiteness of every value (iterative: no recursion to exhaust)."""
    stack = [(data, (), 1)]
    count = 0
    while stack:
        value, path, depth = stack.pop()
        count += 1
        field = ".".join(map(str, path)) or None
        if count > MAX_NODES:
            raise SpecError(f"more than {MAX_NODES:,} values", file=file)
        if depth > MAX_DEPTH:
            raise SpecError(f"nested deeper than {MAX_DEPTH} levels", file=file, field=field)
        if isinstance(value, dict):
            stack.extend((v, (*path, k), depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i), depth + 1) for i, v in enumerate(value))
        elif isinstance(value, float) and not (math.isfinite(value)
                                               and abs(value) <= MAX_MAGNITUDE):
            raise SpecError(f"got {value!r}, must be a finite number of magnitude at most "
                            f"{MAX_MAGNITUDE:g}", file=file, field=field)
        elif isinstance(value, int) and not isinstance(value, bool) \
                and abs(value) > MAX_MAGNITUDE:
            raise SpecError(f"got {value}, must be of magnitude at most {MAX_MAGNITUDE:g}",
                            file=file, field=field)


@lru_cache(maxsize=None)
def _yaml_loader():
    """A safe YAML loader limited to what JSON can say: YAML 1.2 floats such as ``200e6``
    (PyYAML's YAML 1.1 rules would read them as strings), strings for unquoted dates, no
    aliases, no tags beyond JSON's types, unique string keys, bounded depth and size."""
    import re

    import yaml

    class Loader(yaml.SafeLoader):
        def __init__(self, stream):
            super().__init__(stream)
            self._depth = 0
            self._nodes = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not allowed", event.start_mark)
            self._nodes += 1
            if self._nodes > MAX_NODES:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_NODES:,} values", self.peek_event().start_mark)
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    raise yaml.composer.ComposerError(
                        None, None, f"nested deeper than {MAX_DEPTH} levels",
                        self.peek_event().start_mark)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag != "tag:yaml.org,2002:str":
                    raise yaml.constructor.ConstructorError(
                        None, None, "keys must be strings (quote the key)",
                        key_node.start_mark)
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

        def construct_yaml_int(self, node):
            digits = self.construct_scalar(node).replace("_", "").lstrip("+-")
            if len(digits) > MAX_INT_DIGITS:
                raise yaml.constructor.ConstructorError(
                    None, None, f"integer of {len(digits)} digits (at most {MAX_INT_DIGITS})",
                    node.start_mark)
            return super().construct_yaml_int(node)

        def refuse_tag(self, node):
            raise yaml.constructor.ConstructorError(
                None, None, f"tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed "
                "(only JSON's types)", node.start_mark)

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
        list("-+0123456789"),
    )
    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_yaml_int)
    for tag in ("timestamp", "binary", "set", "omap", "pairs"):
        Loader.add_constructor(f"tag:yaml.org,2002:{tag}", Loader.refuse_tag)
    return Loader


def check(document: dict, schema_doc: str | dict, *, file: str, prefix: str = "") -> None:
    """Validate ``document`` against a schema (a shipped one by name, or a plug-in engine's
    own); raise every error at once, as one line (:func:`raise_problems`)."""
    raise_problems(problems(document, schema_doc, prefix=prefix), file=file)


def problems(document: dict, schema_doc: str | dict, *, prefix: str = ""
             ) -> list[tuple[str | None, str]]:
    """Every schema error of ``document`` as (field path, what is wrong), deepest first,
    one per field path and kind of error. An unknown field that is close to a missing one
    at the same place is reported once, as the misspelling it likely is. A document
    :func:`~accelsim.spec.conforms.conforms` accepts is not shown to jsonschema."""
    from accelsim.spec.conforms import conforms

    schema_dict = schema(schema_doc) if isinstance(schema_doc, str) else schema_doc
    if conforms(document, schema_dict):
        return []
    validator = _validator_class()(schema_dict)
    errors = sorted(validator.iter_errors(document), key=_error_order)
    renamed = _misspellings(errors)
    found: dict[tuple, tuple[str | None, str]] = {}
    for error in errors:
        path = ".".join(str(p) for p in (*_split(prefix), *error.absolute_path)) or None
        message = _describe(error, renamed.get(tuple(error.absolute_path), {}))
        if message:
            found.setdefault((path, error.validator), (path, message))
    return list(found.values())


def _misspellings(errors) -> dict[tuple, dict[str, str]]:
    """Per mapping, unknown field → the missing required field it most resembles."""
    import difflib

    where: dict[tuple, dict[str, list[str]]] = {}
    for error in errors:
        inst = error.instance
        if error.validator == "required" and isinstance(inst, dict):
            where.setdefault(tuple(error.absolute_path), {}).setdefault("missing", []).extend(
                name for name in error.validator_value if name not in inst)
        elif error.validator == "additionalProperties" and isinstance(inst, dict):
            allowed = error.schema.get("properties", {})
            where.setdefault(tuple(error.absolute_path), {}).setdefault("extra", []).extend(
                sorted((k for k in inst if k not in allowed), key=str))
    renamed: dict[tuple, dict[str, str]] = {}
    for path, names in where.items():
        missing = list(names.get("missing", []))
        for extra in names.get("extra", []):
            close = difflib.get_close_matches(str(extra), missing, n=1, cutoff=0.6)
            if close:
                renamed.setdefault(path, {})[extra] = close[0]
                missing.remove(close[0])
    return renamed


def raise_problems(found: list[tuple[str | None, str]], *, file: str, hint: str = "") -> None:
    """One SpecError for all of ``found``: a single problem names its field as usual;
    several are counted and listed, each with its field, so one edit fixes them all.
    ``hint`` (what would help) ends the line."""
    tail = f" ({hint})" if hint else ""
    if len(found) == 1:
        raise SpecError(found[0][1] + tail, file=file, field=found[0][0])
    if found:
        listed = "; ".join(f"{field}: {message}" if field else message
                           for field, message in found)
        raise SpecError(f"{len(found)} problems: {listed}{tail}", file=file)


@lru_cache(maxsize=None)
def _validator_class():
    """Draft 2020-12 where an ``integer`` is an int (JSON Schema would also take ``3.0``,
    which then reaches an engine as a float)."""
    import jsonschema

    base = jsonschema.Draft202012Validator
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
    return jsonschema.validators.extend(base, type_checker=checker)


def _split(prefix: str) -> list[str]:
    return [p for p in prefix.split(".") if p]


def _error_order(error) -> tuple:
    # deepest first, so that 'layers.3.kernel' wins over a vague message about 'layers'
    return (-len(error.absolute_path), str(error.absolute_path))


def _kind(value) -> str:
    if value is None:
        return "nothing"
    name = {dict: "object", list: "array", str: "string", bool: "boolean",
            int: "integer", float: "number"}.get(type(value), type(value).__name__)
    return _SCHEMA_WORDS.get(name, name)


def _show(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _describe(error, renamed: dict[str, str]) -> str:
    """One sentence for a jsonschema error: what is wrong and what is allowed (empty when
    the error is already told as a misspelling in ``renamed``)."""
    v, kw, inst = error.validator_value, error.validator, error.instance
    if kw == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(inst) - set(allowed), key=str)
        said = [f"unknown field {k!r} (did you mean {renamed[k]!r}?)" for k in extra
                if k in renamed]
        rest = ", ".join(repr(k) for k in extra if k not in renamed)
        if rest:
            said.append(f"unknown field{'s' if ',' in rest else ''} {rest} "
                        f"(allowed: {', '.join(allowed)})")
        return "; ".join(said)
    if kw == "required":
        missing = [name for name in v if name not in inst and name not in renamed.values()]
        if not missing:
            return ""
        fields = ", ".join(map(repr, missing))
        return f"missing required field{'s' if len(missing) > 1 else ''} {fields}"
    if kw == "type":
        types = v if isinstance(v, list) else [v]
        want = " or ".join(_SCHEMA_WORDS.get(t, t) for t in types)
        return f"must be {want}, got {_kind(inst)} {_show(inst)}"
    if kw == "enum":
        return f"got {_show(inst)}, allowed: {', '.join(map(str, v))}"
    if kw == "const":
        return f"got {_show(inst)}, must be {v!r}"
    if kw in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        op = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=",
              "exclusiveMaximum": "<"}[kw]
        return f"got {_show(inst)}, must be {op} {v}"
    if kw in ("minItems", "maxItems"):
        return f"has {len(inst)} items, must have {'at least' if kw == 'minItems' else 'at most'} {v}"
    if kw == "minLength":
        return "must not be empty"
    if kw == "oneOf":
        return f"got {_show(inst)}, must be {error.schema.get('description', 'one allowed form')}"
    return error.message
