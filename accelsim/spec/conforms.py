"""A yes/no check of a document against a JSON Schema, for the files that are valid: it
decides, without importing jsonschema (about 0.1 s of every command's start-up), the
keywords of draft 2020-12 that the shipped schemas use, with the same rules as
:mod:`accelsim.spec.validate`'s jsonschema validator (an ``integer`` is an ``int``, not
``3.0``; ``true`` is not ``1``). A document it cannot accept, or a schema keyword it does not
know, goes to jsonschema, which finds and words every error, so messages do not depend on
this module.

:func:`conforms` is exact where it answers True; anything it cannot decide exactly (an
unknown keyword, a reference outside the schema, a long ``uniqueItems`` list, a repeated
item there) is answered "not known" (None), never guessed.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

_ANNOTATIONS = frozenset({"$schema", "$comment", "$defs", "title", "description", "default",
                          "examples", "deprecated", "readOnly", "writeOnly",
                          "then", "else"})  # then/else are applied by their "if"
_MAX_UNIQUE_ITEMS = 64  # uniqueItems compares all pairs; longer lists go to jsonschema


class _Unknown(Exception):
    """The check cannot decide exactly: leave the document to jsonschema."""


def conforms(document: Any, schema: Mapping[str, Any] | bool) -> bool | None:
    """True if ``document`` is valid under ``schema``, False if it is not, None if this
    module cannot tell (then ask jsonschema)."""
    try:
        return _valid(document, schema, schema)
    except _Unknown:
        return None


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, numbers.Number) and not isinstance(value, bool)
    kinds = {"object": dict, "array": list, "string": str, "boolean": bool,
             "null": type(None)}
    if name not in kinds:
        raise _Unknown
    return isinstance(value, kinds[name])


def _equal(one: Any, two: Any) -> bool:
    """JSON equality as jsonschema has it: 1 == 1.0, but true is not 1, lists and mappings
    item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(k in two and _equal(v, two[k])
                                            for k, v in one.items())
    if isinstance(one, bool) or isinstance(two, bool):
        return False  # not the same object: true vs 1, false vs 0, true vs false
    return bool(one == two)


def _resolve(reference: str, root: Any) -> Any:
    if not reference.startswith("#/"):
        raise _Unknown
    node = root
    for token in reference[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or token not in node or "%" in token:
            raise _Unknown
        node = node[token]
    return node


def _valid(value: Any, schema: Any, root: Any) -> bool:
    if schema is True:
        return True
    if schema is False:
        return False
    if not isinstance(schema, Mapping) or "$id" in schema:
        raise _Unknown
    return all(_keyword(key, argument, value, schema, root) for key, argument in schema.items())


def _keyword(key: str, arg: Any, value: Any, schema: Mapping[str, Any], root: Any) -> bool:
    """Whether ``value`` satisfies one keyword ``key: arg`` of ``schema``."""
    if key in _ANNOTATIONS:
        return True
    if key == "$ref":
        return _valid(value, _resolve(arg, root), root)
    if key == "type":
        return any(_is_type(value, t) for t in (arg if isinstance(arg, list) else [arg]))
    if key == "enum":
        return any(_equal(value, allowed) for allowed in arg)
    if key == "const":
        return _equal(value, arg)
    if key == "allOf":
        return all(_valid(value, s, root) for s in arg)
    if key == "anyOf":
        return any(_valid(value, s, root) for s in arg)
    if key == "oneOf":
        return sum(_valid(value, s, root) for s in arg) == 1
    if key == "not":
        return not _valid(value, arg, root)
    if key == "if":
        branch = "then" if _valid(value, arg, root) else "else"
        return _valid(value, schema.get(branch, True), root)
    if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if not _is_type(value, "number"):
            return True
        return {"minimum": value >= arg, "maximum": value <= arg,
                "exclusiveMinimum": value > arg, "exclusiveMaximum": value < arg}[key]
    if key == "minLength":
        return not isinstance(value, str) or len(value) >= arg
    if key in ("minItems", "maxItems", "items", "uniqueItems"):
        return not isinstance(value, list) or _array_keyword(key, arg, value, schema, root)
    if key in ("properties", "required", "additionalProperties"):
        return not isinstance(value, dict) or _object_keyword(key, arg, value, schema, root)
    raise _Unknown  # a keyword this module does not decide


def _array_keyword(key: str, arg: Any, value: list, schema: Mapping[str, Any],
                   root: Any) -> bool:
    if key == "minItems":
        return len(value) >= arg
    if key == "maxItems":
        return len(value) <= arg
    if key == "items":
        if "prefixItems" in schema:
            raise _Unknown
        return all(_valid(item, arg, root) for item in value)
    if not arg:  # uniqueItems: false
        return True
    if len(value) > _MAX_UNIQUE_ITEMS:
        raise _Unknown
    if any(_equal(a, b) for i, a in enumerate(value) for b in value[:i]):
        raise _Unknown  # jsonschema says which items repeat
    return True


def _object_keyword(key: str, arg: Any, value: dict, schema: Mapping[str, Any],
                    root: Any) -> bool:
    if key == "required":
        return all(name in value for name in arg)
    if key == "properties":
        return all(_valid(value[name], sub, root) for name, sub in arg.items()
                   if name in value)
    if "patternProperties" in schema:  # additionalProperties
        raise _Unknown
    known = schema.get("properties", {})
    return all(_valid(item, arg, root) for name, item in value.items() if name not in known)
