"""The commands the documentation shows, as data for tests/test_docs.py.

A *block* is a fenced ``bash``/``sh``/``shell`` block of README.md or docs/*.md, or the
examples of one ``--help`` text (lines starting ``accelsim `` after an ``Examples:`` line).
Its commands are its lines without comments (``\\`` continues a line); a command whose
comment says ``exits N`` must exit with N, every other with 0.

HTML comments on the lines just above a fence steer the test (docs/DESIGN.md, "Documentation
is tested"):

- ``<!-- doctest: skip REASON -->``: the block is not run (a reason is required);
- ``<!-- doctest: skip "COMMAND" REASON -->``: that command of the block (as written, without
  its comment) is not run;
- ``<!-- doctest: write PATH -->``: a ``yaml``/``json``/``python`` block is written to PATH (so a
  sample is checked by a command that reads it);
- ``<!-- doctest: run COMMAND -->``: COMMAND runs after the block (several allowed);
- ``<!-- doctest: budget SECONDS -->``: the block's time budget (default ``BUDGET_S``).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

BUDGET_S = 300.0  # against hangs (generous: a loaded 2-core machine is 5x slower)
SHELL = ("bash", "sh", "shell")
_FENCE = re.compile(r"^```(\S*)\s*$")
_MARK = re.compile(r"^<!--\s*doctest:\s*(\w[\w-]*)\s*(.*?)\s*-->\s*$")
_EXITS = re.compile(r"#.*\bexits (\d+)")


@dataclass(frozen=True)
class Command:
    text: str                    # as given to bash
    exit_code: int = 0


@dataclass
class Block:
    where: str                   # "README.md:123" or "accelsim run --help"
    commands: list[Command] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (command, reason)
    skip_reason: str | None = None
    write: tuple[str, str] | None = None     # (path, text)
    budget_s: float = BUDGET_S


def commands(text: str) -> tuple[list[Command], list[str]]:
    """The commands of a shell block and the problems found in it (unbalanced quotes)."""
    found, problems, pending = [], [], ""
    for line in text.splitlines():
        if pending:
            line = pending + " " + line.strip()
            pending = ""
        if line.rstrip().endswith("\\"):
            pending = line.rstrip()[:-1].rstrip()
            continue
        code, expected = _split_comment(line)
        if not code.strip():
            continue
        try:
            shlex.split(code)
        except ValueError as exc:
            problems.append(f"{code.strip()!r}: {exc}")
            continue
        found.append(Command(code.strip(), expected))
    if pending:
        problems.append(f"{pending!r}: ends with a line continuation")
    return found, problems


def _split_comment(line: str) -> tuple[str, int]:
    """``code # comment`` → (code, expected exit code); a ``#`` inside quotes is code."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            m = _EXITS.match(line[i:])
            return line[:i], int(m.group(1)) if m else 0
    return line, 0


def markdown_blocks(path: Path, root: Path) -> tuple[list[Block], list[str]]:
    """The runnable blocks of one markdown file (in order) and the marker problems in it."""
    lines = path.read_text().splitlines()
    rel = path.relative_to(root).as_posix()
    blocks, problems, marks = [], [], []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        mark = _MARK.match(lines[i])
        if mark:
            marks.append((i + 1, mark.group(1), mark.group(2)))
        elif fence and fence.group(1):
            lang, start = fence.group(1), i + 1
            end = next((j for j in range(start, len(lines)) if lines[j].startswith("```")),
                       len(lines))
            body = "\n".join(lines[start:end]) + "\n"
            block, found = _block(f"{rel}:{start}", lang, body, marks)
            problems += found
            if block is not None:
                blocks.append(block)
            marks, i = [], end
        elif lines[i].strip():
            if marks:
                problems.append(f"{rel}:{marks[0][0]}: doctest marker not followed by a block")
            marks = []
        i += 1
    return blocks, problems


def _block(where: str, lang: str, body: str, marks) -> tuple[Block | None, list[str]]:
    block, problems = Block(where), []
    run_after = []
    for line, verb, arg in marks:
        at = f"{where.rsplit(':', 1)[0]}:{line}"
        if verb == "skip":
            m = re.match(r'"([^"]+)"\s*(.*)', arg)
            reason = m.group(2) if m else arg
            if not reason:
                problems.append(f"{at}: a skip needs a reason")
            elif m:
                block.skipped.append((m.group(1), reason))
            else:
                block.skip_reason = reason
        elif verb == "write" and arg:
            block.write = (arg, body)
        elif verb == "run" and arg:
            run_after += commands(arg)[0]
        elif verb == "budget" and re.fullmatch(r"\d+(\.\d+)?", arg):
            block.budget_s = float(arg)
        else:
            problems.append(f"{at}: unknown doctest marker {verb!r} {arg!r}")
    if lang in SHELL:
        found, bad = commands(body)
        problems += [f"{where}: {p}" for p in bad]
    elif block.write or run_after:
        found = []
    else:
        return None, problems
    skipped = {command for command, _ in block.skipped}
    for command in skipped - {c.text for c in found}:
        problems.append(f"{where}: skip {command!r}: no such command in the block")
    block.commands = [c for c in found if c.text not in skipped] + run_after
    return block, problems


def help_blocks(group, name: str = "accelsim") -> list[Block]:
    """One block per command whose ``--help`` has an ``Examples:`` section."""
    import click

    blocks = []

    def visit(command, path):
        ctx = click.Context(command, info_name=path)
        text = command.get_help(ctx)
        if "Examples:" in text:
            lines = text.split("Examples:", 1)[1].splitlines()
            shown = "\n".join(ln.strip() for ln in lines if ln.strip().startswith(name + " "))
            block = Block(f"{path} --help")
            block.commands, _ = commands(shown)
            blocks.append(block)
        for sub_name, sub in sorted(getattr(command, "commands", {}).items()):
            visit(sub, f"{path} {sub_name}")

    visit(group, name)
    return blocks
