"""A new arch file from an existing one (``accelsim arch new ENGINE --like FILE``): the
template's text with its comments (each value says where it comes from), a new ``name``, a
header that lists the values the template holds from a calibration fit and the data each
was fitted on (:mod:`accelsim.calibration`), and a cluster's node file reference made to
work from the new file's folder.

Pure text in, text out; the caller reads the template and writes (and then loads, to prove
it valid) the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from accelsim.errors import SpecError

_NAME = re.compile(r"^name:[^\n]*$", re.MULTILINE)
_NODE = re.compile(r"^(\s+node:\s*)(\S+)", re.MULTILINE)


@dataclass(frozen=True)
class NewArch:
    """The new file's text and, for a cluster, the node file it names (None otherwise)."""

    text: str
    node: str | None


def new_arch_text(template: str, doc: dict, *, engine: str, name: str, like: str,
                  node: str | None = None) -> NewArch:
    """The arch file ``name`` made from ``template`` (the text of file ``like``, parsed as
    ``doc``); ``node`` replaces a cluster's node reference when given."""
    from accelsim.calibration import CALIBRATED, FITS, PRIOR_VALUES, PRIORS

    if doc.get("engine") != engine:
        raise SpecError(f"this arch is for the {doc.get('engine')} engine, not {engine}: "
                        f"start from a {engine} arch file", file=like, field="engine")
    if not _NAME.search(template):
        raise SpecError("has no top-level 'name:' line to replace", file=like, field="name")
    text = _NAME.sub(f"name: {name}", template, count=1)
    if node is not None:
        text = _NODE.sub(lambda m: m.group(1) + node, text, count=1)
    fitted = CALIBRATED.get(doc["name"], {})
    header = [f"# Written by `accelsim arch new {engine} --like {like}`: every value below is",
              f"# {doc['name']}'s, with the comment that says where it comes from. Change the",
              "# values in which your design differs; keep schema_version and engine."]
    by_fit: dict[str, list[str]] = {}
    for param, (value, fit) in fitted.items():
        by_fit.setdefault(fit, []).append(f"{param} {value:g}")
    if by_fit:
        header.append(f"# Values {doc['name']} holds from calibration fits, and the data of each:")
        for fit, params in by_fit.items():
            header += [f"#   {', '.join(params)}:",
                       f"#     {FITS[fit].data} (device {FITS[fit].device})"]
        header.append("# Under the new name the engine no longer notes them as borrowed fits.")
    by_prior: dict[str, list[str]] = {}
    for param, (value, prior) in PRIOR_VALUES.get(doc["name"], {}).items():
        by_prior.setdefault(prior, []).append(f"{param} {value:g}")
    if by_prior:
        header.append(f"# Values {doc['name']} holds from priors (fitted on nothing):")
        header += [f"#   {', '.join(params)}: {PRIORS[prior].source}"
                   for prior, params in by_prior.items()]
    return NewArch(text="\n".join(header) + "\n" + text, node=node)
