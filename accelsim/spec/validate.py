"""Read YAML/JSON files and check them against the JSON Schemas shipped in the package.

Every failure becomes one :class:`SpecError` line: file, field path, what is wrong and what
is allowed.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from accelsim.errors import SpecError

_SCHEMA_WORDS = {"object": "a mapping", "array": "a list", "string": "a string",
                 "integer": "an integer", "number": "a number", "boolean": "true or false"}


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    """The JSON Schema ``schemas/<name>.schema.json`` shipped with the package."""
    text = resources.files("accelsim.spec").joinpath(f"schemas/{name}.schema.json").read_text()
    return json.loads(text)


def parse_yaml(text: str):
    """Parse YAML text with the project's loader (YAML 1.2 floats, no duplicate keys)."""
    import yaml

    return yaml.load(text, Loader=_yaml_loader())


def read_document(path: str | Path) -> dict:
    """Parse a YAML or JSON file into a mapping, or raise a one-line SpecError."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise SpecError("file not found", file=str(path)) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read: {exc.__class__.__name__}", file=str(path)) from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                            file=str(path)) from None
    else:
        import yaml

        try:
            data = parse_yaml(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or "syntax error"
            raise SpecError(f"invalid YAML{where}: {problem}", file=str(path)) from None
    if not isinstance(data, dict):
        raise SpecError(f"the top level must be a mapping, got {_kind(data)}", file=str(path))
    return data


@lru_cache(maxsize=None)
def _yaml_loader():
    """A safe YAML loader that also reads YAML 1.2 floats such as ``200e6`` and ``1.5e9``
    (PyYAML's YAML 1.1 rules would read them as strings) and refuses duplicate keys (YAML
    would silently keep the last one)."""
    import re

    import yaml

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
        list("-+0123456789"),
    )
    return Loader


def check(document: dict, schema_doc: str | dict, *, file: str, prefix: str = "") -> None:
    """Validate ``document`` against a schema (a shipped one by name, or a plug-in engine's
    own); raise the first error as one line."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(
        schema(schema_doc) if isinstance(schema_doc, str) else schema_doc)
    errors = sorted(validator.iter_errors(document), key=_error_order)
    if errors:
        error = errors[0]
        path = ".".join(str(p) for p in (*_split(prefix), *error.absolute_path))
        raise SpecError(_describe(error), file=file, field=path or None)


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


def _describe(error) -> str:
    """One sentence for a jsonschema error: what is wrong and what is allowed."""
    v, kw, inst = error.validator_value, error.validator, error.instance
    if kw == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(inst) - set(allowed))
        return f"unknown field {extra[0]!r} (allowed: {', '.join(allowed)})"
    if kw == "required":
        missing = [name for name in v if name not in inst]
        return f"missing required field {missing[0]!r}"
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
