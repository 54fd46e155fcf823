"""The ``accelsim`` command line: run, list, trace (and later sweep, validate, report)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from accelsim import __version__
from accelsim.errors import AccelsimError
from accelsim.traces.commands import trace


class _Group(click.Group):
    """Turns every AccelsimError into one line on stderr and exit code 2, no traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AccelsimError as exc:
            click.echo(f"error: {exc.one_line()}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="accelsim")
def main():
    """Simulate neural-network workloads on accelerator architectures."""


@main.command()
@click.argument("arch_file", type=click.Path(dir_okay=False))
@click.argument("workload_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "markdown"]),
              default="table", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of standard output.")
def run(arch_file, workload_file, fmt, output):
    """Simulate WORKLOAD_FILE on ARCH_FILE and print a per-layer table with totals."""
    from accelsim.engines.registry import simulate
    from accelsim.report.table import render
    from accelsim.spec import load_arch, load_workload

    arch = load_arch(arch_file)
    workload = load_workload(workload_file)
    text = render(simulate(arch, workload), fmt)
    if output:
        Path(output).write_text(text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


main.add_command(trace)


@main.command("list")
@click.option("--root", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Project folder holding archs/ and workloads/.")
def list_(root):
    """List the arch and workload files shipped in ROOT/archs and ROOT/workloads."""
    from accelsim.spec.validate import read_document

    root = Path(root)
    for folder, pattern, key in (("archs", "*.yaml", "engine"), ("workloads", "*.json", "source")):
        files = sorted((root / folder).glob(pattern))
        click.echo(f"{folder}/ ({len(files)})")
        for path in files:
            try:
                doc = read_document(path)
                detail = str(doc.get(key, ""))
            except AccelsimError as exc:
                detail = f"INVALID: {exc.message}"
            detail = detail if len(detail) <= 90 else detail[:87] + "..."
            click.echo(f"  {path.relative_to(root)}  [{detail}]")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
