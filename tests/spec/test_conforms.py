"""The yes/no schema check that spares a valid file jsonschema's import (``conforms``) agrees
with jsonschema wherever it answers: on every shipped file (where it must answer, or the
fast path is not taken) and on random damage to them (a changed, removed or added value
anywhere)."""

import copy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accelsim import registry
from accelsim.spec.conforms import conforms
from accelsim.spec.validate import _validator_class, read_document, schema

ROOT = Path(__file__).resolve().parents[2]


def _shipped() -> list[tuple[str, dict, dict]]:
    """(name, document, schema) of every shipped file and arch block, as the loaders check
    them."""
    found = []
    for path in sorted((ROOT / "archs").glob("*.yaml")):
        doc = read_document(path)
        engine = registry.engine(doc["engine"])
        found.append((path.name, {k: v for k, v in doc.items() if k != engine.block},
                      schema("arch")))
        found.append((f"{path.name}:{engine.block}", doc[engine.block], engine.schema))
    for folder, kind in (("workloads", "workload"), ("sweeps", "sweep"), ("steps", "steps")):
        found += [(p.name, read_document(p), schema(kind))
                  for p in sorted((ROOT / folder).glob("*.*")) if p.suffix in (".json", ".yaml")]
    return found


SHIPPED = _shipped()


def _jsonschema_valid(document, schema_doc) -> bool:
    return _validator_class()(schema_doc).is_valid(document)


@pytest.mark.parametrize("name, document, schema_doc", SHIPPED, ids=[s[0] for s in SHIPPED])
def test_every_shipped_file_is_accepted_without_jsonschema(name, document, schema_doc):
    assert _jsonschema_valid(document, schema_doc)
    assert conforms(document, schema_doc) is True


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


JSON = st.recursive(st.none() | st.booleans() | st.integers(-3, 10 ** 6) |
                    st.floats(-10, 1e6, allow_nan=False) | st.sampled_from([0.0, 1.0, 3.0]) |
                    st.sampled_from(["conv", "fc", "ws", "fp16", "", "x"]),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["name", "kind", "x", "batch"]), inner,
                                      max_size=2), max_leaves=5)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), which=st.integers(0, len(SHIPPED) - 1),
       edits=st.integers(1, 3))
def test_conforms_agrees_with_jsonschema_on_damaged_files(data, which, edits):
    _, document, schema_doc = SHIPPED[which]
    document = copy.deepcopy(document)
    for _ in range(edits):
        path = data.draw(st.sampled_from(list(_paths(document))))
        if not path:
            continue
        *head, last = path
        parent = document
        for key in head:
            parent = parent[key]
        action = data.draw(st.sampled_from(["replace", "remove", "add", "copy"]))
        if action == "replace":
            parent[last] = data.draw(JSON)
        elif action == "remove":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["extra", "nam", "kind", "count"]))] = \
                data.draw(JSON)
        elif action == "copy" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))  # uniqueItems and counts
    answer = conforms(document, schema_doc)
    if answer is not None:
        assert answer == _jsonschema_valid(document, schema_doc)


@pytest.mark.parametrize("schema_doc, document, expected", [
    ({"type": "integer"}, 3.0, False),            # the project's integer is an int
    ({"enum": [1]}, True, False),                 # true is not 1
    ({"enum": [1]}, 1.0, True),                   # but 1.0 is 1
    ({"const": [0, 1]}, [False, True], False),
    ({"oneOf": [{"type": "number"}, {"type": "integer"}]}, 2, False),  # both hold
    ({"if": {"minimum": 5}, "then": {"maximum": 6}, "else": {"const": 1}}, 7, False),
    ({"if": {"minimum": 5}, "then": {"maximum": 6}, "else": {"const": 1}}, 1, True),
    ({"additionalProperties": False, "properties": {"a": {}}}, {"a": 1, "b": 2}, False),
    ({"$defs": {"n": {"minimum": 1}}, "items": {"$ref": "#/$defs/n"}}, [1, 0], False),
])
def test_conforms_decides_the_keywords_as_jsonschema(schema_doc, document, expected):
    assert _jsonschema_valid(document, schema_doc) is expected
    assert conforms(document, schema_doc) is expected


@pytest.mark.parametrize("schema_doc, document", [
    ({"pattern": "^a"}, "b"),                     # a keyword it does not decide
    ({"$ref": "other.json"}, 1),                  # a reference outside the schema
    ({"uniqueItems": True}, [1, 1.0]),            # a repeat: jsonschema says which
])
def test_conforms_leaves_what_it_cannot_decide_to_jsonschema(schema_doc, document):
    assert conforms(document, schema_doc) is None
