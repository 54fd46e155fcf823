"""Usage errors are one line too (issue 17): click prints a bad flag, a bad value or a
missing argument as usage, a hint and the error on three lines; accelsim prints one
``error:`` line naming the command and the flag, exit 2. ``--help`` is unchanged.

The cases are generated from the command tree, so a new command or flag is covered."""

import click
import pytest
from click.testing import CliRunner

from accelsim.cli import main


def _commands(group=main, path=()):
    """(path, command) of every command and group under ``main``."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


COMMANDS = dict(_commands())
LEAVES = {path: c for path, c in COMMANDS.items() if not isinstance(c, click.Group)}


def _typed_options(command):
    """(flag, bad value) for every option whose type click checks."""
    ctx = click.Context(command)
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option) or param.is_flag or not param.opts[0].startswith(
                "--") or param.name == "help":
            continue
        flag = max(param.opts, key=len)
        kind = param.type
        if isinstance(kind, click.Choice):
            yield flag, "no-such-choice"
        elif isinstance(kind, click.types._NumberRangeBase):
            yield flag, "x"
            if kind.min is not None:
                yield flag, str(kind.min - 1)
        elif kind in (click.INT, click.FLOAT):
            yield flag, "x"


BAD_VALUES = [(path, flag, value) for path, command in LEAVES.items()
              for flag, value in _typed_options(command)]


def _one_line(args, *words):
    result = CliRunner().invoke(main, list(args))
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (args, result.exit_code, result.output, result.exception)
    assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.output)
    assert "Usage:" not in result.output and "Try " not in result.output, result.output
    for word in words:
        assert word in lines[0], (args, lines[0])
    return lines[0]


def test_the_generated_cases_cover_the_commands():
    assert {("run",), ("sweep",), ("pareto",), ("list",), ("arch", "new"),
            ("trace", "from-npz"), ("validate", "kernels")} <= set(LEAVES)
    assert {"--seed", "--workers", "--format", "--chunk-points"} <= {f for _, f, _ in
                                                                     BAD_VALUES}
    assert len(BAD_VALUES) >= 30


@pytest.mark.parametrize("path, flag, value", BAD_VALUES,
                         ids=[f"{' '.join(p)} {f} {v}" for p, f, v in BAD_VALUES])
def test_a_bad_flag_value_is_one_line(path, flag, value):
    """The bad flag comes first, so click judges it before any missing argument."""
    _one_line([*path, flag, value], path[-1], flag, repr(value)[1:-1])


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_an_unknown_flag_is_one_line(path):
    _one_line([*path, "--no-such-flag"], path[-1], "No such option", "--no-such-flag")


@pytest.mark.parametrize("path", sorted(p for p, c in LEAVES.items() if any(
    isinstance(param, click.Argument) and param.required for param in c.params)), ids=" ".join)
def test_a_missing_argument_is_one_line(path):
    _one_line(path, path[-1], "Missing argument")


def test_extra_arguments_and_unknown_commands_are_one_line():
    _one_line(["list", "extra"], "list", "unexpected extra argument")
    _one_line(["no-such-command"], "No such command")
    _one_line(["trace", "no-such-command"], "trace", "No such command")


def test_a_bad_list_value_from_a_callback_is_one_line():
    _one_line(["run", "--gpus", "1,x", "a.yaml", "b.json"], "--gpus", "give integers")


def test_a_file_name_with_a_newline_in_a_usage_error_stays_one_line():
    _one_line(["run", "--format", "a\nb"], "--format", "a\\nb")


@pytest.mark.parametrize("path", [(), *sorted(COMMANDS)], ids=lambda p: " ".join(p) or "main")
def test_help_still_works(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ") and "Options:" in result.stdout


def test_a_bare_group_still_shows_its_help():
    result = CliRunner().invoke(main, ["trace"])
    assert "Usage: " in result.output and "Commands:" in result.output
