"""The ``accelsim`` command line: run, list, arch new, trace, sweep, pareto, validate."""

from __future__ import annotations

import atexit
import dataclasses
import gc
import os
import sys
from pathlib import Path

import click

from accelsim.errors import AccelsimError, os_error_cause
from accelsim.report.table import FORMATS
from accelsim.traces.commands import trace


# The process is ending: the last garbage collection would visit every object numpy, the
# specs and the engines made (~0.03 s of a 0.3 s run) for memory the system frees anyway.
# Registered first, so it runs after every other exit handler (numba, process pools, ...).
atexit.register(gc.freeze)


class _OneLineUsageError(click.ClickException):
    """A click usage error (bad flag, bad value, missing argument) as one ``error:`` line,
    where click prints its usage, a hint and the error on three."""

    def __init__(self, exc: click.ClickException):
        message = exc.format_message()
        command = getattr(exc, "ctx", None) and exc.ctx.command_path
        if command:
            message = f"{command}: {message} (see {command} --help)"
        super().__init__(AccelsimError(message).one_line())
        self.exit_code = exc.exit_code

    def show(self, file=None):
        click.echo(f"error: {self.message}", err=True)


def _one_line(exc: click.ClickException) -> click.ClickException:
    """``exc`` as one line; the help shown for a bare ``accelsim`` (or group) stays."""
    return exc if isinstance(exc, click.exceptions.NoArgsIsHelpError | _OneLineUsageError) \
        else _OneLineUsageError(exc)


class _Group(click.Group):
    """Turns every AccelsimError and every usage error into one line on stderr and exit
    code 2, no traceback."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.ClickException as exc:
            raise _one_line(exc) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            raise _one_line(exc) from None
        except AccelsimError as exc:
            click.echo(f"error: {exc.one_line()}", err=True)
        except OSError as exc:  # an output that cannot be written: full disk, no folder, ...
            click.echo(f"error: {AccelsimError(os_error_cause(exc), file=exc.filename)}",
                       err=True)
        ctx.exit(2)


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """--version: read from the installed package only when asked (importlib.metadata is slow
    to import)."""
    if value and not ctx.resilient_parsing:
        from accelsim import __version__

        click.echo(f"accelsim, version {__version__}")
        ctx.exit()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Show the version and exit.")
@click.option("--quiet", "-q", is_flag=True,
              help="No progress bars or spinners on stderr (they are drawn only when stderr "
                   "is a terminal).")
def main(quiet):
    """Simulate neural-network workloads on accelerator architectures."""


def parse_counts(text: str) -> tuple[int, ...]:
    """``1,2,4,...,512`` → 1, 2, 4, ..., 512: ``...`` continues the ratio of the first two."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        if "..." in parts:
            at = parts.index("...")
            head = [int(p) for p in parts[:at]]
            last = int(parts[at + 1])
            if at < 2 or at != len(parts) - 2 or head[1] <= head[0]:
                raise ValueError
            ratio = head[1] / head[0]
            while head[-1] * ratio <= last:
                head.append(int(round(head[-1] * ratio)))
            return tuple(dict.fromkeys(head + [last]))
        return tuple(int(p) for p in parts)
    except (ValueError, IndexError):
        raise click.BadParameter(f"{text!r}: give integers like 1,2,4 or 1,2,4,...,512") from None


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


_outside = click.option("--allow-outside-references", "allow_outside", is_flag=True,
                        help="Let mask files and cluster node files lie outside the folder of "
                             "the file that names them.")


def _many(kind: type):
    """The converter of a comma-separated list flag of ``kind`` values."""
    if kind is int:
        return parse_counts

    def convert(text: str) -> tuple:
        try:
            return tuple(kind(w) for w in _words(text))
        except ValueError:
            raise click.BadParameter(f"{text!r}: give {kind.__name__} values separated by "
                                     "commas") from None

    return convert


def engine_flag(option, engines: list[str]) -> click.Option:
    """The ``run`` flag of one engine option declaration (``accelsim.engines.options``)."""
    default = option.default
    shown = (",".join(map(str, default)) if isinstance(default, tuple) else
             ("on" if default else "off") if option.type is bool else default)
    text = f"{'/'.join(engines)}: {option.help}" + (
        f" (default: {shown})" if default is not None else "") + (
        f" [{', '.join(map(str, option.choices))}]" if option.choices else "")
    if option.type is bool:
        name = option.flag[2:]
        return click.Option([option.name, f"--{name}/--no-{name}"], default=None, help=text)
    from accelsim.spec.readers import reader

    read = reader(option)
    if read is not None:
        return click.Option([option.name, option.flag], callback=lambda ctx, p, v: None if v
                            is None else read(v), help=text)
    if option.many:
        return click.Option([option.name, option.flag], callback=lambda ctx, p, v: None if v
                            is None else _many(option.type)(v), help=text)
    # allowed values are checked by the registry, with the same message as in sweeps
    return click.Option([option.name, option.flag], type=option.type, help=text)


def _numpy_on_one_blas_thread() -> None:
    """Import numpy with OpenBLAS on one thread, unless the environment already chose: the
    engines of ``run`` call no BLAS routine, and OpenBLAS's workers, started as numpy loads,
    spin on every core for a while (bench/bench_startup.py, load 3: run 0.37-0.45 s -> 0.32
    s, median of 11). The variable is removed again at once, so nothing this process starts
    inherits it."""
    if "numpy" in sys.modules or "OPENBLAS_NUM_THREADS" in os.environ:
        return
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        import numpy  # noqa: F401
    finally:
        del os.environ["OPENBLAS_NUM_THREADS"]


class _RunCommand(click.Command):
    """``run`` with one flag per engine option, generated from the engines' declarations
    when the command is used (so other commands do not import the engines). A command line
    is parsed with the built-in engines' flags first: finding the plug-ins reads every
    installed package's metadata, which only ``--help`` and a flag no built-in engine takes
    need."""

    _builtin_only = False

    def parse_args(self, ctx, args):
        _numpy_on_one_blas_thread()
        if "--help" not in args and "-h" not in args:
            self._builtin_only = True
            try:
                return super().parse_args(ctx, list(args))  # the parser consumes its list
            except click.NoSuchOption:
                self._builtin_only = False
                return super().parse_args(ctx, args)  # perhaps a plug-in engine's flag
            finally:
                self._builtin_only = False
        return super().parse_args(ctx, args)

    def get_params(self, ctx):
        from accelsim import registry

        installed = None if self._builtin_only else registry.names()
        if getattr(self, "_flags_for", ()) != installed:  # built once per set of engines
            self._flags_for = installed
            self._engine_flags = [engine_flag(option, engines) for option, engines in
                                  registry.all_options(plugins=installed is not None).values()]
        return [*self.params, *self._engine_flags, *super().get_params(ctx)[len(self.params):]]


@main.command(cls=_RunCommand)
@click.argument("arch_file", type=click.Path(dir_okay=False))
@click.argument("workload_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              default="table", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of standard output.")
@click.option("--wide", is_flag=True, help="Show every column, the engine's own too (the "
              "default table fits 100 characters; CSV and JSON always carry every column).")
@click.option("--columns", "columns", default=None, metavar="NAME,...",
              help="Show only these columns, by table or CSV name (time, time_ms, time_s, "
                   "seconds, pes, ...), in every format.")
@click.option("--layers", "layers", default=None, metavar="KIND|NAME,...",
              help="Run only these layers: kinds (fc, conv, ...) and layer names, separated "
                   "by commas (e.g. EIE on a CNN's fc layers: --layers fc).")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False), default=None,
              help="Write a plot (PNG or SVG) of a cluster result: throughput vs GPUs, or "
                   "hours and GPU-hours vs GPUs with --steps-model.")
@_outside
def run(arch_file, workload_file, fmt, output, wide, columns, layers, plot_file,
        allow_outside, **engine_options):
    """Simulate WORKLOAD_FILE on ARCH_FILE and print a per-layer (or per-GPU-count) table.
    Engine options apply to the engines named in their help.

    \b
    Examples:
      accelsim run archs/vc707.yaml workloads/alexnet_ssl.json
      accelsim run archs/eie.yaml workloads/alexnet_ssl.json --layers fc
      accelsim run archs/a100.yaml workloads/alexnet_ssl.json --format csv -o a100.csv
      accelsim run archs/cluster_p100_ib.yaml workloads/vgg_a_train.json --gpus 1,2,4,...,64
    """
    from accelsim.registry import simulate
    from accelsim.report import PLOTTED, plot, render
    from accelsim.report.files import write_atomic
    from accelsim.report.progress import stage
    from accelsim.spec import load_arch, load_workload
    from accelsim.spec.validate import outside_references

    if plot_file and Path(plot_file).suffix.lower() not in (".png", ".svg"):
        raise AccelsimError("give a .png or .svg file", file=plot_file, field="--plot")
    with outside_references(allow_outside):
        arch = load_arch(arch_file)
        workload = load_workload(workload_file)
    picked = ()
    if layers is not None:
        if not _words(layers):
            raise click.BadParameter("give layer kinds or names separated by commas",
                                     param_hint="--layers")
        try:
            workload, picked = workload.select(_words(layers))
        except AccelsimError as exc:
            raise AccelsimError(exc.message, file=workload_file, field="--layers") from None
    options = {k: v for k, v in engine_options.items() if v is not None}
    with stage(f"simulating {workload.name} on {arch.name} ({arch.engine} engine)"):
        result = simulate(arch, workload, options)
    if picked:  # the Result says it covers part of the workload
        result = dataclasses.replace(result, notes=(*picked, *result.notes))
    if plot_file and result.shape not in PLOTTED:
        raise click.UsageError(f"--plot applies to scaling results (cluster engine), not the "
                               f"{arch.engine} engine's")
    text = render(result, fmt, _words(columns) if columns else None, wide)
    if output:
        write_atomic(output, text.encode())
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
    if plot_file:
        with stage(f"plotting {plot_file}"):
            plot(result, plot_file)
        click.echo(f"wrote {plot_file}", err=True)


main.add_command(trace)


@main.group()
def arch():
    """Write arch files."""


@arch.command("new")
@click.argument("engine")
@click.option("--like", "like", type=click.Path(dir_okay=False), default=None,
              help="The arch file to start from [default: the engine's example in "
                   "ROOT/archs, e.g. archs/a100.yaml for gpu].")
@click.option("--output", "-o", type=click.Path(dir_okay=False), required=True,
              help="The new arch file (YAML).")
@click.option("--name", default=None, help="The new arch's name [default: the file's stem].")
@click.option("--root", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Project folder holding archs/ (for the default --like).")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
def arch_new(engine, like, output, name, root, force):
    """Write a commented, valid ENGINE arch file to OUTPUT, made from --like: every value
    keeps the comment that says where it comes from, and the header lists the values that
    were fitted and on what data. Edit what your design differs in, then run it.

    \b
    Examples:
      accelsim arch new gpu --like archs/a100.yaml -o my_gpu.yaml
      accelsim arch new fpga -o my_fpga.yaml
    """
    from accelsim import registry
    from accelsim.report.files import write_atomic
    from accelsim.spec import load_arch
    from accelsim.spec.template import new_arch_text
    from accelsim.spec.validate import read_document, read_text, resolve_reference

    if engine not in registry.names():
        raise AccelsimError(f"unknown engine {engine!r} (engines: "
                            f"{', '.join(registry.names())})", field="ENGINE")
    if like is None:
        if registry.example(engine) is None:
            raise AccelsimError(f"the {engine} engine ships no example: give --like FILE")
        like = str(Path(root) / "archs" / registry.example(engine))
    out = Path(output)
    if out.exists() and not force:
        raise AccelsimError("exists; pass --force to replace it", file=output)
    doc = read_document(like)
    node = None
    if engine == "cluster" and isinstance(doc.get("cluster"), dict) \
            and isinstance(doc["cluster"].get("node"), str):
        node = _node_copy(resolve_reference(Path(like).parent, doc["cluster"]["node"],
                                            file=like, field="cluster.node"), out, force)
    made = new_arch_text(read_text(like), doc, engine=engine, name=name or out.stem,
                         like=like, node=node)
    write_atomic(out, made.text.encode())
    try:
        load_arch(out)
    except AccelsimError:
        out.unlink()
        raise
    click.echo(f"wrote {out}" + (f" (node file {out.parent / node})" if node else ""),
               err=True)


def _node_copy(node_path: Path, out: Path, force: bool) -> str:
    """The node reference for a cluster file written to ``out``: the template's node file,
    copied next to ``out`` unless it already lies there (a node must sit in its cluster
    file's folder)."""
    from accelsim.report.files import write_atomic
    from accelsim.spec.validate import read_bytes

    target = out.parent / node_path.name
    data = read_bytes(node_path)
    if target.resolve() != node_path.resolve():
        if target.exists() and target.read_bytes() != data and not force:
            raise AccelsimError("exists and differs from the template's node file; pass "
                                "--force to replace it", file=str(target))
        write_atomic(target, data)
    return node_path.name


@main.command("list")
@click.option("--root", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Project folder holding archs/ and workloads/.")
def list_(root):
    """List the installed engines (built-in and plug-ins, with their options) and the arch
    and workload files in ROOT/archs and ROOT/workloads."""
    from accelsim import registry
    from accelsim.spec.validate import read_document

    engines = registry.names()
    click.echo(f"engines ({len(engines)})")
    for name in engines:
        try:
            e = registry.engine(name)
            flags = ", ".join(o.flag for o in e.options) or "no options"
            detail = f"{e.origin}; block {e.block!r}; {flags}"
        except AccelsimError as exc:
            detail = f"INVALID: {exc.message}"
        click.echo(f"  {name}  [{detail}]")
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


@main.group()
def validate():
    """Validate the models: measured kernels on this machine and published results."""


_MERGE = click.option(
    "--merge", is_flag=True, help="Keep per kernel the minimum of this run and the CSV "
    "already there (the estimator on a shared machine) and add the run to conditions.md.")


def _save_timings(path: Path, frame, merge: bool, sets: str, load_before: float):
    """Write the measured ``frame`` to ``path``, or with ``merge`` merge it into the CSV there
    (``timings.merge_into``) and log the run; returns the frame to fit or compare on."""
    if not merge:
        frame.to_csv(path, index=False)
        return frame
    import pandas as pd

    from accelsim.validate import timings

    run = timings.run_label()
    committed = pd.read_csv(path) if path.exists() else None
    merged = timings.merge_into(path, frame, run=run)
    fresh = timings.improved(committed, merged, run)
    timings.append_run(timings.conditions_file(path), run=run, sets=sets,
                       kernels=f"{sets} {len(merged)} ({fresh})", load_before=load_before,
                       load_after=timings.load_average())
    click.echo(f"merged into {path}: {fresh} of {len(merged)} kernels took a new minimum")
    return merged


@validate.command("calibrate")
@click.option("--threads", type=click.IntRange(1), default=1, show_default=True,
              help="BLAS threads to pin while timing.")
@click.option("--quick", is_flag=True, help="Shorter timing (less precise).")
@click.option("--out", "-o", type=click.Path(dir_okay=False), default="archs/local_cpu.yaml",
              show_default=True, help="Where to write the calibrated CPU arch file.")
@click.option("--measured", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Fit on this CSV of calibration timings (e.g. the committed "
                   "reports/validation/calibration_measured.csv) instead of timing them; the "
                   "caches, clock and machine come from its machine rows.")
@_MERGE
def validate_calibrate(threads, quick, out, measured, merge):
    """Measure this machine's CPU (GEMM peak, copy bandwidth, CSR) and write a roofline arch
    (and the timings, as calibration_measured.csv beside it)."""
    import pandas as pd

    from accelsim.report.progress import progress_bar
    from accelsim.validate.suite import calibrate

    from accelsim.validate.timings import load_average

    if measured and merge:
        raise AccelsimError("--merge merges a timing run: it does not go with --measured")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    if measured:
        cal = calibrate(threads=threads, measured=pd.read_csv(measured))
    else:
        load = load_average()
        with progress_bar("calibration kernels") as update:
            cal = calibrate(threads=threads, quick=quick, progress=update)
        frame = _save_timings(Path(out).parent / "calibration_measured.csv", cal.measurements,
                              merge, "calibration", load)
        if merge:
            cal = calibrate(threads=threads, measured=frame)
    Path(out).write_text(cal.arch_text)
    p = cal.fit["params"]
    click.echo(f"wrote {out}: peak {p['peak_fp32_flops'] / 1e9:.1f} GFLOP/s, bandwidth "
               f"{p['memory_bandwidth_bytes_per_s'] / 1e9:.1f} GB/s, fit error "
               f"{cal.fit['gemm_fit_error']:.3f} (GEMM) / {cal.fit['csr_fit_error']:.3f} (CSR)")


@validate.command("kernels")
@click.option("--quick", is_flag=True, help="Fewer kernels and shorter timing (< 5 minutes).")
@click.option("--arch", "arch_file", type=click.Path(dir_okay=False), default=None,
              help="A calibrated CPU arch file; without it the machine is calibrated first.")
@click.option("--threads", type=click.IntRange(1), default=1, show_default=True,
              help="BLAS threads to pin while timing.")
@click.option("--root", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Project folder holding workloads/.")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="cuda: the same kernels with torch on the GPU, against --arch (a gpu "
                   "arch file); skipped, not failed, without CUDA.")
@click.option("--suite", "suite_name", type=click.Choice(["sparse", "transformer"]),
              default="sparse",
              show_default=True, help="sparse: the held-out sparse/low-rank kernels (speedups); "
              "transformer: a BERT-base layer's GEMMs, attention matmuls, layer norm and "
              "softmax (absolute times).")
@click.option("--out", "-o", type=click.Path(file_okay=False), default=None,
              help="Report folder [default: reports/validation, or reports/validation/gpu; "
                   "/transformer under it for that suite].")
@click.option("--measured", type=click.Path(dir_okay=False), default=None,
              help="Compare the kernels of this CSV (a committed kernels_measured.csv) "
                   "instead of timing them; needs --arch.")
@_MERGE
def validate_kernels(quick, arch_file, threads, root, device, suite_name, out, measured,
                     merge):
    """Compare predicted with measured kernel speedups; write kernels.md and PNGs."""
    from accelsim.report.progress import progress_bar, stage
    from accelsim.report.validation import kernel_plots, kernels_markdown
    from accelsim.spec import load_arch
    from accelsim.spec.arch import arch_from_dict
    from accelsim.spec.validate import parse_yaml
    from accelsim.validate import suite
    from accelsim.validate.compare import lstm_sparsity_curves
    from accelsim.validate.kernels import cuda_available

    want = "gpu" if device == "cuda" else "cpu"
    if device == "cuda" and not cuda_available():
        click.echo("CUDA is not available here (torch with a CUDA device): GPU suite skipped")
        return
    if device == "cuda" and not arch_file:
        raise AccelsimError("--device cuda needs --arch, the GPU's arch file (e.g. "
                            "archs/h100.yaml)")
    out = Path(out) if out else (Path("reports/validation/gpu" if device == "cuda" else
                                      "reports/validation")
                                 / ("transformer" if suite_name == "transformer" else ""))
    out.mkdir(parents=True, exist_ok=True)
    calibration = None
    if measured and merge:
        raise AccelsimError("--merge merges a timing run: it does not go with --measured")
    from accelsim.validate.timings import load_average

    load = load_average()
    if measured and not arch_file:
        raise AccelsimError("--measured needs --arch (the arch the measurements are compared "
                            "with)")
    if arch_file:
        arch = load_arch(arch_file)
        if arch.engine != want:
            raise AccelsimError(f"the kernels run on the {want.upper()}: got a {arch.engine} "
                                "arch", file=arch_file, field="engine")
    else:
        with progress_bar("calibration kernels") as update:
            calibration = suite.calibrate(threads=threads, quick=quick, progress=update)
        arch_file = out / "local_cpu.yaml"
        arch_file.write_text(calibration.arch_text)
        arch = arch_from_dict(parse_yaml(calibration.arch_text), file=str(arch_file))
    if suite_name == "transformer":
        from accelsim.report.validation import transformer_markdown

        if measured:
            import pandas as pd

            from accelsim.validate.kernels import machine_info

            result = suite.compare_transformer(pd.read_csv(measured), arch.config,
                                               machine_info(threads, device))
        else:
            with progress_bar("transformer kernels") as update:
                result = suite.validate_transformer(arch.config, threads=threads, quick=quick,
                                                    progress=update, device=device)
        frame = _save_timings(out / "transformer_measured.csv", result["measurements"],
                              merge, "transformer", load)
        result = suite.compare_transformer(frame, arch.config, result["info"]) if merge \
            else result
        (out / "transformer.md").write_text(transformer_markdown(
            result, calibration, arch_name=str(arch_file), quick=quick,
            target=suite.TARGETS["median_abs_error"]))
        click.echo(f"median |error| {100 * result['summary']['median_abs_error']:.1f}% over "
                   f"{result['summary']['kernels']} transformer kernels; wrote "
                   f"{out / 'transformer.md'}")
        return
    if measured:
        import pandas as pd

        from accelsim.validate.kernels import machine_info

        with stage(f"predicting the kernels of {measured}"):
            result = suite.compare_kernels(pd.read_csv(measured), arch.config,
                                           machine_info(threads, device))
    else:
        with progress_bar("validation kernels") as update:
            result = suite.validate_kernels(Path(root), arch.config, threads=threads,
                                            quick=quick, progress=update, device=device)
    frame = _save_timings(out / "kernels_measured.csv", result["measurements"], merge,
                          "kernels", load)
    result = suite.compare_kernels(frame, arch.config, result["info"]) if merge else result
    (out / "kernels.md").write_text(kernels_markdown(
        result, calibration, arch_name=str(arch_file), quick=quick, targets=suite.TARGETS))
    with stage(f"plotting into {out}"):
        plots = kernel_plots(result, out, lstm_sparsity_curves(arch.config,
                                                               result["comparison"]))
    s = result["summary"]
    click.echo(f"median |error| {100 * s['median_abs_error']:.1f}% over {s['kernels']} "
               f"held-out kernels; wrote {out / 'kernels.md'} and {len(plots)} plots")


@validate.command("grids")
@click.option("--measure", is_flag=True, help="Time the grids here first (minutes); otherwise "
              "the committed measurements are used.")
@click.option("--arch", "arch_file", type=click.Path(dir_okay=False),
              default="reports/validation/local_cpu.yaml", show_default=True,
              help="This machine's calibrated CPU arch (dense time, caches).")
@click.option("--out", "-o", type=click.Path(file_okay=False), default="reports/validation",
              show_default=True, help="Folder of the measurements and the report.")
@_MERGE
def validate_grids(measure, arch_file, out, merge):
    """Choose the CSR model's form on the measured CSR grid (held-out shapes) and check the
    calibrated cache model, held out, on the measured cache curve; write grids.md and two
    plots."""
    import pandas as pd

    from accelsim.report.progress import progress_bar, stage
    from accelsim.report.validation import grid_plots, grids_markdown
    from accelsim.spec import load_arch
    from accelsim.validate import grids, suite
    from accelsim.validate.kernels import measure as time_kernels

    out = Path(out)
    paths = {"csr": out / "csr_grid_measured.csv", "cache": out / "cache_curve_measured.csv"}
    if merge and not measure:
        raise AccelsimError("--merge merges a timing run: it needs --measure")
    if measure:
        from accelsim.validate.timings import load_average

        out.mkdir(parents=True, exist_ok=True)
        for key, cases in (("cache", grids.cache_curve_cases()), ("csr", grids.csr_grid_cases())):
            load = load_average()
            with progress_bar(f"{key} grid") as update:
                frame, _ = time_kernels(cases, threads=1, timing=suite.GRID_TIMING,
                                        progress=update)
            _save_timings(paths[key], frame, merge, f"{key} grid", load)
    for path in paths.values():
        if not path.exists():
            raise AccelsimError("no measurements: run with --measure", file=str(path))
    cfg = load_arch(arch_file).config
    csr, cache = pd.read_csv(paths["csr"]), pd.read_csv(paths["cache"])
    with stage("fitting the CSR forms (held-out shapes); checking the cache model on the "
               "curve (held out)"):
        form = grids.choose_csr_form(cfg, csr)
        cross = grids.crossovers(cfg, csr, form["forms"][form["chosen"]]["held_out"])
        cache_check = grids.cache_summary(cfg, cache)
    (out / "grids.md").write_text(grids_markdown(form, cross, cache_check, arch_name=arch_file,
                                                 targets=suite.TARGETS))
    with stage(f"plotting {out / 'csr_grid.png'}, {out / 'cache_curve.png'}"):
        grid_plots(form, cache, cfg, out)
    med = form["forms"][form["chosen"]]["median_abs_error"]
    click.echo(f"CSR form '{form['chosen']}': held-out median |error| {100 * med:.1f}%; "
               f"wrote {out / 'grids.md'}, csr_grid.png, cache_curve.png")


from accelsim.validate.timings import ROUND_FILES  # noqa: E402  (set names, no numpy)


@validate.command("round")
@click.option("--out", "-o", type=click.Path(file_okay=False), default="reports/validation",
              show_default=True, help="Folder of the measured CSVs and conditions.md.")
@click.option("--root", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Project folder holding workloads/.")
@click.option("--sets", "names", multiple=True, type=click.Choice(list(ROUND_FILES)),
              help="Sets to time (repeatable) [default: all].")
@click.option("--threads", type=click.IntRange(1), default=1, show_default=True,
              help="BLAS threads to pin while timing.")
def validate_round(out, root, names, threads):
    """Time every measured set once, interleaved kernel by kernel (calibration and the
    kernels it predicts see the same machine states), and merge each into its CSV under
    --out: per kernel the minimum over all runs; the run is added to conditions.md. Run it
    repeatedly across a session, then refit and report from the merged CSVs (`validate
    calibrate --measured`, `validate grids`, `validate kernels --measured`).

    \b
    Examples:
      accelsim validate round --sets transformer -o /tmp/timings
    """
    from accelsim.report.progress import progress_bar
    from accelsim.validate.suite import timing_round

    with progress_bar("timing round") as update:
        counts = timing_round(Path(root), Path(out), names=names or None,
                              threads=threads, progress=update)
    for name, (kernels, fresh) in counts.items():
        click.echo(f"{name}: {fresh} of {kernels} kernels took a new minimum")
    click.echo(f"merged into {out}; run added to {Path(out) / 'conditions.md'}")


@validate.command("published")
@click.option("--quick", is_flag=True, help="Fewer SCNN bank-conflict samples (faster).")
@click.option("--root", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Project folder holding archs/ and workloads/.")
@click.option("--out", "-o", type=click.Path(dir_okay=False), default="reports/published.md",
              show_default=True, help="Markdown report; a CSV is written next to it.")
def validate_published(quick, root, out):
    """Run every engine on every published case; write the scoreboard."""
    from accelsim.report.progress import progress_bar
    from accelsim.report.validation import headline, published_markdown
    from accelsim.validate.scoreboard import scoreboard

    with progress_bar("published cases") as update:
        frame = scoreboard(Path(root), quick=quick, progress=update)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(published_markdown(frame, quick=quick))
    frame.drop(columns=["source"]).to_csv(out.with_suffix(".csv"), index=False)
    h = headline(frame)
    click.echo("; ".join(f"{kind}: {e['rows']} rows, {e['pass']} pass, {e['fail']} fail"
                         for kind, e in h.items())
               + f"; wrote {out} and {out.with_suffix('.csv')}")
@main.command()
@click.argument("spec_file", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for the results (Parquet chunks); rerun to resume.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes (default: all cores).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on a Dask distributed cluster, e.g. tcp://host:8786.")
@click.option("--chunk-points", type=click.IntRange(min=1), default=None,
              help="Design points per stored chunk (default: the spec's, or automatic).")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="The progress bar on stderr (drawn only on a terminal; --quiet before the "
                   "command also hides it).")
@_outside
def sweep(spec_file, out_dir, workers, scheduler, chunk_points, progress, allow_outside):
    """Evaluate every design point of SPEC_FILE on its workloads into OUT (resumable).

    \b
    Examples:
      accelsim sweep sweeps/cluster_gtx1080.yaml --out dse_cluster
    """
    from accelsim.explore.results import SweepResults
    from accelsim.explore.runner import run_sweep
    from accelsim.spec.sweep import load_sweep
    from accelsim.spec.validate import outside_references

    with outside_references(allow_outside):
        spec = load_sweep(spec_file)
    summary = run_sweep(spec, out_dir, workers=workers, scheduler=scheduler,
                        chunk_points=chunk_points, progress=progress)
    if summary.recomputed:
        click.echo(f"note: {len(summary.recomputed)} chunk(s) failed their checksum or were "
                   f"not recorded, and were computed again (first: {summary.recomputed[0]})",
                   err=True)
    results = SweepResults(out_dir)
    click.echo(f"{summary.rows:,} rows (design points × workloads) in {out_dir}: "
               f"{summary.computed:,} computed in {summary.seconds:.1f} s "
               f"({summary.rows_per_s:,.0f} rows/s), {int(results.feasible().sum()):,} feasible")


@main.command()
@click.argument("sweep_dir", type=click.Path(file_okay=False))
@click.option("--x", "x", required=True, help="Column on the x axis (an objective).")
@click.option("--y", "y", required=True, help="Column on the y axis (an objective).")
@click.option("--z", "z", default=None, help="Optional third objective (marker colour).")
@click.option("--max", "maximize", multiple=True, metavar="COL",
              help="Maximise COL (default: the sweep's objective goal, else minimise).")
@click.option("--out", "out_stem", default=None,
              help="Path without extension for the .png, .svg and .csv "
                   "(default: SWEEP_DIR/pareto_X_Y[_Z]).")
def pareto(sweep_dir, x, y, z, maximize, out_stem):
    """Frontier of SWEEP_DIR's feasible points: PNG + SVG plot and the frontier as CSV.

    \b
    Examples:
      accelsim sweep sweeps/cluster_gtx1080.yaml --out dse_cluster
      accelsim pareto dse_cluster --x gpus --y images_per_s
      accelsim pareto dse_cluster --x gpus --y images_per_s --z gpu_s_per_image
    """
    from accelsim.explore.results import SweepResults
    from accelsim.report.plots import pareto_plot, pareto_title
    from accelsim.report.progress import stage
    from accelsim.report.table import integral_columns

    with stage(f"reading {sweep_dir}"):
        results = SweepResults(sweep_dir)
    columns = [c for c in (x, y, z) if c]
    for option, column in zip(("--x", "--y", "--z"), columns):
        results.check_column(column, option)
    goals = ["max" if c in maximize else results.goal(c) for c in columns]
    feasible = results.feasible()
    with stage(f"frontier of {int(feasible.sum()):,} feasible points"):
        front = results.frontier(columns, [g == "max" for g in goals], feasible)
    stem = Path(out_stem or Path(sweep_dir) / f"pareto_{'_'.join(columns)}")
    stem.parent.mkdir(parents=True, exist_ok=True)
    title = pareto_title(results.manifest["name"], columns, goals)
    with stage(f"plotting {stem}.png and .svg"):
        paths = pareto_plot(results.frame, feasible, front, x=x, y=y, z=z,
                            parameters=results.parameters, title=title, out_stem=stem,
                            maximize=(goals[0] == "max", goals[1] == "max"))
    table = results.frame[front].sort_values(["workload_index", x, y])
    leading = list(dict.fromkeys(["workload", "point", *results.parameters, *columns]))
    table = table[leading + [c for c in table.columns if c not in leading]]
    integral_columns(table).to_csv(f"{stem}.csv", index=False)
    for name, group in table.groupby("workload", sort=False):
        click.echo(f"{name}: {len(group)} frontier points of "
                   f"{int(feasible[(results.frame['workload'] == name).to_numpy()].sum()):,} "
                   "feasible")
    click.echo("wrote " + ", ".join(str(p) for p in [*paths, Path(f"{stem}.csv")]))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
