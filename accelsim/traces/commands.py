"""``accelsim trace ...``: extract, sparsify, decompose and show workload traces.

SOURCE arguments take a workload (``.json``/``.yaml``: shapes and masks only), an ONNX model
(``.onnx``), a PyTorch state_dict (``.pt``/``.pth``) or an ``.npz`` of weights; the last two
need ``--layers`` (the layer description of :mod:`accelsim.traces.extract`). ``from-torch``
also takes ``model.py:Class`` with ``--input-shape`` (:mod:`accelsim.traces.torch_trace`).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import click

from accelsim.errors import WorkloadError

_output = click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
                       help="Workload JSON to write; its masks go to <stem>.masks/ beside it.")
_force = click.option("--force", is_flag=True, expose_value=False,
                      callback=lambda ctx, _, value: ctx.meta.__setitem__(FORCE, value),
                      help="Replace an existing output (only files accelsim wrote).")
FORCE = "accelsim.trace.force"


def _out(command):
    return _output(_force(command))
_rank = click.option("--rank-error", type=click.FloatRange(0.0, 1.0, max_open=True),
                     default=None,
                     help="Record each layer's rank at this PCA reconstruction error (e.g. "
                          "0.05). A layer with a rank runs decomposed (low rank) on engines "
                          "that model it, so it is off by default.")
_layers = click.option("--layers", "layers_path", type=click.Path(dir_okay=False),
                       help="Layer description for .npz and state_dict sources.")


def _load(source: str, layers_path: str | None, formats: tuple[str, ...] | None = None,
          batch: int | None = None):
    from accelsim.report.progress import stage

    with stage(f"reading {source}"):
        return _read(source, layers_path, formats, batch)


def _read(source, layers_path, formats, batch):
    from accelsim.traces import extract, trace

    suffix = Path(source).suffix.lower()
    if formats and suffix not in formats:
        raise WorkloadError(f"expected a {' or '.join(formats)} file", file=source)
    if suffix in (".json", ".yaml", ".yml"):
        from accelsim.spec import load_workload

        return trace.from_workload(load_workload(source))
    if suffix == ".onnx":
        return extract.from_onnx(source, batch)
    if suffix not in (".npz", ".pt", ".pth"):
        raise WorkloadError("unknown model format (want .json, .yaml, .onnx, .npz, .pt or .pth)",
                            file=source)
    if not layers_path:
        raise WorkloadError(f"a {suffix} source needs --layers (a layer description)",
                            file=source)
    if suffix == ".npz":
        return extract.from_npz(source, layers_path)
    return extract.from_state_dict(source, layers_path)


def _write(tr, output: str) -> None:
    for note in tr.notes:
        click.echo(f"note: {note}", err=True)
    from accelsim.report.progress import tracked

    force = click.get_current_context().meta.get(FORCE, False)
    workload = tr.write(output, progress=tracked("layers", "layers"), force=force)
    click.echo(f"wrote {output} ({len(workload.layers)} layers)", err=True)


@click.group()
def trace():
    """Build workload traces from real networks (extract, sparsify, low rank, show)."""


@trace.command("from-torch")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--input-shape", help="MODEL.py:Class sources: the input's shape, e.g. "
              "1,3,224,224 (first dimension = batch unless --batch).")
@click.option("--input-dtype", type=click.Choice(["float32", "int64"]), default="float32",
              show_default=True, help="int64 for token ids.")
@click.option("--batch", type=click.IntRange(1), help="Samples in the input (default: its first "
              "dimension; 1 for a sequence-first input).")
@_layers
@_out
@_rank
def from_torch(model, input_shape, input_dtype, batch, layers_path, output, rank_error):
    """Trace a PyTorch MODEL: ``model.py:Class`` run on --input-shape (every op becomes a layer
    or a line of the not-modelled report), or a state_dict file (.pt/.pth) with --layers."""
    if ":" in Path(model).name:
        from accelsim.traces.torch_trace import load_model, trace_module

        if not input_shape:
            raise WorkloadError("a MODEL.py:Class source needs --input-shape", file=model)
        try:
            shape = tuple(int(v) for v in input_shape.split(","))
        except ValueError:
            raise WorkloadError(f"--input-shape {input_shape!r}: want integers such as "
                                "1,3,224,224") from None
        from accelsim.report.progress import stage

        with stage(f"tracing {model}"):
            tr = trace_module(load_model(model), shape, name=model.rpartition(":")[2],
                              batch=batch, input_dtype=input_dtype)
    else:
        tr = _load(model, layers_path, (".pt", ".pth"))
    _write(_with_rank(tr, rank_error), output)


@trace.command("from-onnx")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--batch", type=click.IntRange(1), help="Samples the graph runs (default: the "
              "first input's first dimension when static, else 1); a symbolic batch "
              "dimension is set to it before shape inference.")
@_out
@_rank
def from_onnx(model, batch, output, rank_error):
    """Trace an ONNX MODEL (needs the onnx extra); unmodelled nodes are listed by name."""
    from accelsim.traces import extract

    if Path(model).suffix.lower() != ".onnx":
        raise WorkloadError("expected a .onnx file", file=model)
    _write(_with_rank(_load(model, None, batch=batch), rank_error), output)


@trace.command("from-npz")
@click.argument("weights", type=click.Path(dir_okay=False))
@_layers
@_out
@_rank
def from_npz(weights, layers_path, output, rank_error):
    """Trace an .npz of WEIGHTS described by --layers."""
    _write(_with_rank(_load(weights, layers_path, (".npz",)), rank_error), output)


def _with_rank(tr, rank_error):
    from dataclasses import replace

    return replace(tr, rank_error=rank_error)


def _nm_masks(a):
    from accelsim.traces import sparsify as sp

    # scores: the real weights; a workload's masks (kept first) where it has no weights;
    # neither: the pattern alone (density N/M, no mask)
    scores = {l.name: a.weights[l.name] if l.name in a.weights else l.kept().astype(float)
              for l in a.weighted if l.name in a.weights or l.kept() is not None}
    return sp.nm(scores, *_nm_pattern(a.nm_pattern))


def _random_masks(a):
    from accelsim.traces import sparsify as sp

    return sp.random({l.name: _shape(l) for l in a.weighted}, a.sparsity, a.seed)


def _magnitude_masks(a):
    from accelsim.traces import sparsify as sp

    return sp.magnitude(a.weights, a.sparsity, a.scope)


def _ssl_masks(a):
    from accelsim.traces import sparsify as sp

    kinds = {l.name: (l.spec["kind"], l.spec.get("groups", 1)) for l in a.tr.layers}
    return sp.ssl(a.weights, kinds, a.sparsity, a.structure, a.scope)


def _snip_masks(a):
    return _snip(a.tr, a.weights, a.sparsity, a.samples, a.activation, a.source)


# --method: the masks each method gives a trace's weight layers (accelsim.traces.sparsify)
MASKS = {"ssl": _ssl_masks, "magnitude": _magnitude_masks, "snip": _snip_masks,
         "random": _random_masks, "nm": _nm_masks}
METHODS = tuple(MASKS)


@trace.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--method", type=click.Choice(METHODS),
              required=True)
@click.option("--sparsity", type=click.FloatRange(0.0, 1.0, max_open=True),
              help="Target fraction of zero weights (every method but nm).")
@click.option("--nm", "nm_pattern", default="2:4", show_default=True,
              help="--method nm: keep N of every M consecutive weights (N:M).")
@click.option("--scope", type=click.Choice(["layer", "global"]), default="global",
              show_default=True, help="One target per layer or over the network (ssl, "
              "magnitude).")
@click.option("--structure", type=click.Choice(["filter", "channel", "shape"]),
              default="filter", show_default=True, help="SSL group.")
@click.option("--samples", type=click.Path(dir_okay=False),
              help="SNIP minibatch: .npz with arrays x (inputs) and y (integer labels).")
@click.option("--activation", type=click.Choice(["tanh", "relu", "linear"]), default="relu",
              show_default=True, help="SNIP: the MLP's activation.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random method seed.")
@click.option("--batch", type=click.IntRange(1), help="ONNX sources: samples the graph runs.")
@_layers
@_out
def sparsify(source, method, sparsity, nm_pattern, scope, structure, samples, activation,
             seed, batch, layers_path, output):
    """Prune SOURCE with METHOD to --sparsity (or --nm) and write the masked trace."""
    from accelsim.model import WEIGHT_KINDS

    tr = _load(source, layers_path, batch=batch)
    weights = tr.weights()
    weighted = [l for l in tr.layers if l.spec["kind"] in WEIGHT_KINDS]
    if method not in ("random", "nm") and len(weights) < len(weighted):
        raise WorkloadError(f"--method {method} needs real weights: give a model file "
                            "(.onnx, .npz, .pt), not a workload", file=source)
    if method != "nm" and sparsity is None:
        raise WorkloadError(f"--method {method} needs --sparsity", file=source)
    from accelsim.report.progress import stage

    with stage(f"{method} masks"):
        masks = MASKS[method](SimpleNamespace(
            tr=tr, weights=weights, weighted=weighted, sparsity=sparsity, nm_pattern=nm_pattern,
            scope=scope, structure=structure, samples=samples, activation=activation, seed=seed,
            source=source))
    if method == "nm":
        pattern = _nm_pattern(nm_pattern)
        _write(_with_nm(tr, pattern).with_masks(masks, f"N:M {pattern[0]}:{pattern[1]}"),
               output)
        return
    label = f"{method} sparsity {sparsity}" + ("" if method in ("snip", "random")
                                               else f" ({scope})")
    _write(tr.with_masks(masks, label), output)


def _nm_pattern(text: str) -> tuple[int, int]:
    try:
        n, m = (int(v) for v in text.split(":"))
    except ValueError:
        raise WorkloadError(f"--nm {text!r}: want N:M such as 2:4") from None
    if not 0 < n < m:
        raise WorkloadError(f"--nm {text!r}: want 0 < N < M")
    return n, m


def _with_nm(tr, pattern):
    from dataclasses import replace

    from accelsim.model import WEIGHT_KINDS

    layers = tuple(replace(l, spec={**l.spec, "nm": list(pattern)})
                   if l.spec["kind"] in WEIGHT_KINDS else l
                   for l in tr.layers)
    return replace(tr, layers=layers)


def _shape(layer):
    from accelsim.spec.workload import workload_from_dict

    doc = {"schema_version": 1, "name": "x", "source": "x", "batch": 1, "layers": [layer.spec]}
    return workload_from_dict(doc).layers[0].weight_shape


def _snip(tr, weights, sparsity, samples, activation, source):
    import numpy as np

    from accelsim.traces import sparsify as sp

    if not samples:
        raise WorkloadError("--method snip needs --samples (an .npz with x and y)", file=source)
    if any(l.spec["kind"] != "fc" for l in tr.layers):
        raise WorkloadError("the command line computes SNIP gradients for chains of fc layers "
                            "only; use accelsim.traces.sparsify.snip with your framework's "
                            "gradients", file=source)
    from accelsim.spec.arrays import read_npz

    def fail(message: str):
        raise WorkloadError(message, file=samples)

    arrays = read_npz(samples, fail)
    if not {"x", "y"} <= set(arrays):
        fail(f"needs arrays x and y (has {', '.join(sorted(arrays)) or 'none'})")
    x, y = arrays["x"], arrays["y"]
    width = tr.layers[0].spec["in_features"]
    if x.ndim != 2 or x.shape[1] != width or x.dtype.kind not in "biuf" \
            or y.shape != (x.shape[0],) or y.dtype.kind not in "iu":
        fail(f"x must be samples x {width} numbers (the first layer's inputs) and y one "
             f"integer label per sample; got x {x.dtype} {x.shape}, y {y.dtype} {y.shape}")
    if y.min() < 0 or y.max() >= tr.layers[-1].spec["out_features"]:
        fail(f"labels y must lie in [0, {tr.layers[-1].spec['out_features']})")
    names = [l.name for l in tr.layers]
    grads = sp.mlp_gradients([weights[n] for n in names], x, y, activation)
    return sp.snip(weights, dict(zip(names, grads)), sparsity)


@trace.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--error", type=click.FloatRange(0.0, 1.0, max_open=True), default=0.05,
              show_default=True, help="PCA reconstruction error that sets each rank.")
@_layers
@_out
def lowrank(source, error, layers_path, output):
    """Replace SOURCE's conv and fc layers by M basis filters + a 1×1 layer (M = rank at
    --error) and print each layer's theoretical speedup."""
    from dataclasses import replace

    from accelsim.traces.lowrank import decompose, layer_rank
    from accelsim.traces.trace import Trace, TraceLayer, layer_spec

    tr = replace(_load(source, layers_path), rank_error=None)
    weights = tr.weights()
    layers = []
    for base, layer in zip(tr.layers, tr.workload().layers):
        w = weights.get(layer.name)
        rank = layer.rank if w is None else layer_rank(w, layer.kind, layer.groups, error)
        if layer.kind == "lstm" or rank is None or layer.lowrank_speedup(rank) <= 1.0:
            click.echo(f"{layer.name:24s} kept (rank {rank})", err=True)
            layers.append(TraceLayer(layer_spec(layer), base.weight, base.mask))
            continue
        click.echo(f"{layer.name:24s} rank {rank:5d}  theoretical speedup "
                   f"{layer.lowrank_speedup(rank):.2f}x", err=True)
        layers.extend(TraceLayer(layer_spec(part)) for part in decompose(layer, rank))
    _write(Trace(name=f"{tr.name}_lowrank", source=f"{tr.source}; low rank at error {error}",
                 layers=tuple(layers), batch=tr.batch, rank_error=None), output)


@trace.command()
@click.argument("workload_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json", "markdown")),
              default="table", show_default=True, help="Output format.")
def show(workload_file, fmt):
    """Per-layer statistics of WORKLOAD_FILE and their total (2D-filter and channel
    sparsity from masks)."""
    from accelsim.report.table import Table, render_table
    from accelsim.spec import load_workload
    from accelsim.traces.trace import statistics_rows

    workload = load_workload(workload_file)
    rows = statistics_rows(workload)
    table = Table(f"{workload.name} (batch {workload.batch}, {len(workload.layers)} layers)",
                  rows, tuple(rows[0]), [_SHOW_KEY], total_row=True,
                  header={"workload": workload.name, "batch": workload.batch},
                  empty="none in this workload")
    click.echo(render_table(table, fmt), nl=False)


_SHOW_KEY = ("dens. = weight density; sp. = sparsity (fraction of zeros): row/col = all-zero "
             "GEMM rows (filters) and columns (shapes), 2D = all-zero 2D filters, ch. = "
             "all-zero input channels; act. dens. = activation density")


@trace.command()
@click.argument("name", required=False)
@click.option("--batch", type=click.IntRange(1), default=1, show_default=True)
@_force
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write NAME's dense workload here.")
def zoo(name, batch, output):
    """List the network zoo, or write network NAME as a dense workload."""
    from accelsim.traces.trace import Trace, TraceLayer, layer_spec
    from accelsim.traces.zoo import NETWORKS, network

    if name is None:
        for key in NETWORKS:
            net = network(key)
            click.echo(f"{key:15s} {net.parameters:>13,} parameters "
                       f"{net.macs_per_sample():>16,} MACs/sample")
        return
    if name not in NETWORKS:
        raise WorkloadError(f"unknown network {name!r} (known: {', '.join(NETWORKS)})")
    wl = network(name, batch).workload
    tr = Trace(name=wl.name, source=wl.source, batch=batch, rank_error=None,
               layers=tuple(TraceLayer(layer_spec(layer)) for layer in wl.layers))
    if output:
        _write(tr, output)
    else:
        import json

        click.echo(json.dumps(tr.document(), indent=1))
