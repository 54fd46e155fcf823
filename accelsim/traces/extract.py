"""Model files → :class:`~accelsim.traces.trace.Trace` (real weights, masks, statistics).

Sources:

* ``.npz`` of weight arrays plus a *layer description*: a JSON/YAML document shaped like a
  workload (``name``, optional ``source`` and ``batch``, ``layers`` with ``name``, ``kind``
  and shape fields) whose layers may name their arrays with ``weight`` (a key, or a list of
  keys joined by columns, e.g. an LSTM's input and recurrent matrices; default: the layer
  name);
* a PyTorch ``state_dict`` (the same description; default key ``<name>.weight``; pruned
  ``weight_orig``/``weight_mask`` pairs are applied) or an ``nn.Module`` run on sample inputs,
  whose Conv2d, Linear and LSTM modules are traced with forward hooks (shapes, and the input
  activation pattern of each layer);
* an ONNX model: Conv, Gemm, MatMul (with a weight initializer) and LSTM nodes; every other
  node is listed in the trace's description, never silently dropped.

torch and onnx are optional extras, imported only here and only when used. Every unreadable
or unsupported file gives a one-line :class:`WorkloadError` naming the file.
"""

from __future__ import annotations

import importlib
import math
from collections import Counter
from pathlib import Path

import numpy as np

from accelsim.errors import AccelsimError, WorkloadError
from accelsim.spec.validate import check, read_document
from accelsim.spec.workload import workload_from_dict
from accelsim.traces.trace import Trace, TraceLayer, layer_spec, natural_shape


# ---- npz and state_dict with a layer description ---------------------------------------

def from_npz(path: str | Path, layers_path: str | Path) -> Trace:
    """A trace from an ``.npz`` of weight arrays and a layer description."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError) as exc:
        raise WorkloadError(f"not a readable .npz of weight arrays: {_reason(exc)}",
                            file=str(path)) from None
    return _described(arrays, path, layers_path, default_key="{name}", fmt="npz")


def from_state_dict(state, layers_path: str | Path, path: str | Path = "<state_dict>"
                    ) -> Trace:
    """A trace from a PyTorch state_dict (a mapping, or a ``.pt`` file holding one)."""
    if isinstance(state, (str, Path)):
        path, state = Path(state), _load_torch_file(Path(state))
    arrays = {}
    for key, value in state.items():
        if not hasattr(value, "detach"):
            raise WorkloadError(f"entry {key!r} is a {type(value).__name__}, not a tensor",
                                file=str(path))
        arrays[key] = value.detach().cpu().numpy()
    for key in [k for k in arrays if k.endswith(".weight_orig")]:
        stem = key[: -len("_orig")]
        if f"{stem}_mask" in arrays:
            arrays[stem] = arrays[key] * arrays[f"{stem}_mask"]
    return _described(arrays, Path(path), layers_path, default_key="{name}.weight",
                      fmt="PyTorch state_dict")


def _optional(module: str, path: Path):
    """Import an optional extra, or say which one to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise WorkloadError(f"reading this file needs {module}: pip install "
                            f"'accelsim[{module}]'", file=str(path)) from None


def _load_torch_file(path: Path):
    torch = _optional("torch", path)

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise WorkloadError("file not found", file=str(path)) from None
    except Exception as exc:  # torch raises many kinds for corrupt or pickled files
        raise WorkloadError(f"not a readable PyTorch state_dict: {_reason(exc)}",
                            file=str(path)) from None
    if not isinstance(state, dict):
        raise WorkloadError(f"holds a {type(state).__name__}, not a state_dict (a mapping "
                            "of parameter names to tensors)", file=str(path))
    return state


def _described(arrays: dict[str, np.ndarray], path: Path, layers_path: str | Path,
               default_key: str, fmt: str) -> Trace:
    description = read_document(layers_path)
    entries = description.get("layers")
    if not isinstance(entries, list) or not entries:
        raise WorkloadError("needs a non-empty 'layers' list", file=str(layers_path))
    keys = [entry.pop("weight", default_key.format(name=entry.get("name")))
            if isinstance(entry, dict) else None for entry in entries]
    doc = {"schema_version": 1, "name": description.get("name", path.stem),
           "source": description.get("source", f"{fmt} {path.name}"),
           "batch": description.get("batch", 1), "layers": entries}
    check(doc, "workload", file=str(layers_path))
    workload = workload_from_dict(doc, file=str(layers_path))
    layers = []
    for key, layer in zip(keys, workload.layers):
        parts = [key] if isinstance(key, str) else list(key)
        missing = [k for k in parts if k not in arrays]
        if missing:
            known = ", ".join(sorted(arrays)[:8]) + (" …" if len(arrays) > 8 else "")
            raise WorkloadError(f"no array {missing[0]!r} for layer {layer.name!r} (arrays: "
                                f"{known})", file=str(path))
        try:
            weight = np.concatenate([arrays[k].astype(np.float64) for k in parts], axis=1) \
                if len(parts) > 1 else arrays[parts[0]].astype(np.float64)
        except (ValueError, TypeError) as exc:
            raise WorkloadError(f"arrays of layer {layer.name!r}: {_reason(exc)}",
                                file=str(path)) from None
        if weight.shape != natural_shape(layer):
            raise WorkloadError(f"array {'+'.join(parts)!r} has shape {weight.shape}, layer "
                                f"{layer.name!r} needs {natural_shape(layer)}", file=str(path))
        layers.append(TraceLayer(spec=layer_spec(layer), weight=weight))
    return Trace(name=workload.name, source=workload.source, layers=tuple(layers),
                 batch=workload.batch)


# ---- nn.Module with forward hooks ------------------------------------------------------

def from_module(module, inputs, name: str = "model", batch: int = 1,
                measure_activations: bool = True) -> Trace:
    """A trace of a PyTorch module run once on ``inputs`` (a tensor, first axis = sample).
    Conv2d (no dilation), Linear and LSTM modules become layers, in the order they run; the
    other modules with parameters, and modelled ones that never ran, are listed."""
    import torch

    records: dict[str, tuple] = {}
    modelled = (torch.nn.Conv2d, torch.nn.Linear, torch.nn.LSTM)

    def record(key):
        def hook(mod, args, out):
            records.setdefault(key, (mod, args[0], out))  # first call only; returns None
        return hook

    hooks = [sub.register_forward_hook(record(qualified))
             for qualified, sub in module.named_modules() if isinstance(sub, modelled)]
    try:
        with torch.no_grad():
            module.eval()
            module(inputs)
    finally:
        for hook in hooks:
            hook.remove()
    layers = []
    for qualified, (sub, x, out) in records.items():
        activation = (x != 0).cpu().numpy() if measure_activations else None
        layers.extend(_module_layers(qualified or "layer", sub, x, out, activation))
    notes = _unmodelled_modules(module, modelled, records)
    return Trace(name=name, source=f"PyTorch module {type(module).__name__}", batch=batch,
                 layers=tuple(layers), notes=tuple(notes))


def _module_layers(name, sub, x, out, activation) -> list[TraceLayer]:
    import torch

    if isinstance(sub, torch.nn.Conv2d):
        weight = sub.weight.detach().cpu().numpy().astype(np.float64)
        in_hw = tuple(x.shape[-2:])
        pad = sub.padding if isinstance(sub.padding, tuple) else _padding_for(
            in_hw, tuple(out.shape[-2:]), sub.kernel_size, sub.stride)
        spec = {"name": name, "kind": "conv", "in_channels": sub.in_channels,
                "out_channels": sub.out_channels, "kernel": list(sub.kernel_size),
                "stride": list(sub.stride), "padding": list(pad), "groups": sub.groups,
                "in_hw": list(in_hw)}
        return [TraceLayer(spec, weight, activation=activation)]
    if isinstance(sub, torch.nn.Linear):
        weight = sub.weight.detach().cpu().numpy().astype(np.float64)
        columns = math.prod(x.shape[1:-1])
        spec = {"name": name, "kind": "matmul" if columns > 1 else "fc",
                "in_features": sub.in_features, "out_features": sub.out_features}
        if columns > 1:
            spec["columns"] = columns
        return [TraceLayer(spec, weight, activation=activation)]
    steps = x.shape[1] if sub.batch_first else x.shape[0]
    layers = []
    for k in range(sub.num_layers):
        for suffix in ("", "_reverse")[: 2 if sub.bidirectional else 1]:
            ih = getattr(sub, f"weight_ih_l{k}{suffix}").detach().cpu().numpy()
            hh = getattr(sub, f"weight_hh_l{k}{suffix}").detach().cpu().numpy()
            spec = {"name": f"{name}.l{k}{suffix}", "kind": "lstm", "input_size": ih.shape[1],
                    "hidden_size": sub.hidden_size, "timesteps": steps}
            layers.append(TraceLayer(spec, np.concatenate([ih, hh], axis=1).astype(np.float64),
                                     activation=activation if k == 0 else None))
    return layers


def _padding_for(in_hw, out_hw, kernel, stride) -> tuple[int, int]:
    """The symmetric padding that gives ``out_hw`` (e.g. for ``padding='same'``)."""
    return tuple(max(0, math.ceil(((o - 1) * s + k - i) / 2))
                 for i, o, k, s in zip(in_hw, out_hw, kernel, stride))


def _unmodelled_modules(module, modelled, records) -> list[str]:
    skipped = Counter()
    for qualified, sub in module.named_modules():
        own = list(sub.parameters(recurse=False))
        if isinstance(sub, modelled) and qualified not in records:
            skipped[f"{type(sub).__name__} (never ran)"] += 1
        elif own and not isinstance(sub, modelled):
            skipped[type(sub).__name__] += 1
    return [f"not modelled: {', '.join(f'{k}×{n}' for k, n in sorted(skipped.items()))}"] \
        if skipped else []


# ---- ONNX ------------------------------------------------------------------------------

def from_onnx(path: str | Path, batch: int = 1) -> Trace:
    """A trace of an ONNX model's Conv, Gemm, MatMul and LSTM nodes (module docstring)."""
    path = Path(path)
    onnx = _optional("onnx", path)
    from onnx import numpy_helper, shape_inference

    if not path.is_file():
        raise WorkloadError("file not found", file=str(path))
    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
        model = shape_inference.infer_shapes(model)
    except Exception as exc:  # protobuf DecodeError, ValidationError, InferenceError, ...
        raise WorkloadError(f"not a valid ONNX model: {_reason(exc)}", file=str(path)) from None
    graph = model.graph
    weights = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    shapes = {}
    for info in [*graph.input, *graph.value_info, *graph.output]:
        dims = info.type.tensor_type.shape.dim
        shapes[info.name] = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)
    layers, skipped = [], Counter()
    for index, node in enumerate(graph.node):
        name = node.name or f"{node.op_type.lower()}_{index}"
        convert = _ONNX_NODES.get(node.op_type)
        made = convert(node, name, weights, shapes, path) if convert else None
        if made is None:
            skipped[node.op_type] += 1
        else:
            layers.extend(made)
    if not layers:
        raise WorkloadError("no Conv, Gemm, MatMul or LSTM node with weights to trace",
                            file=str(path))
    notes = [f"not modelled: {', '.join(f'{k}×{n}' for k, n in sorted(skipped.items()))}"] \
        if skipped else []
    return Trace(name=graph.name or path.stem, source=f"ONNX model {path.name}", batch=batch,
                 layers=tuple(layers), notes=tuple(notes))


def _attrs(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _onnx_conv(node, name, weights, shapes, path):
    a = _attrs(node)
    if len(node.input) < 2 or node.input[1] not in weights:
        return None
    weight = weights[node.input[1]].astype(np.float64)
    if weight.ndim != 4 or any(d != 1 for d in a.get("dilations", [1, 1])):
        return None
    x_shape = shapes.get(node.input[0], ())
    if len(x_shape) != 4 or None in x_shape[1:]:
        raise WorkloadError(f"Conv node {name!r}: the input size is unknown; give the graph "
                            "input a static shape", file=str(path))
    in_hw, kernel, stride = x_shape[2:], weight.shape[2:], tuple(a.get("strides", [1, 1]))
    out_shape = shapes.get(node.output[0], ())
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET", b"VALID", "VALID"):
        pad = _padding_for(in_hw, out_shape[2:], kernel, stride)
    else:
        pads = a.get("pads", [0, 0, 0, 0])
        pad = tuple(math.ceil((pads[i] + pads[i + 2]) / 2) for i in range(2))
    spec = {"name": name, "kind": "conv", "in_channels": x_shape[1],
            "out_channels": weight.shape[0], "kernel": list(kernel), "stride": list(stride),
            "padding": list(pad), "groups": a.get("group", 1), "in_hw": list(in_hw)}
    return [TraceLayer(spec, weight)]


def _onnx_gemm(node, name, weights, shapes, path):
    a = _attrs(node)
    if len(node.input) < 2 or node.input[1] not in weights or a.get("transA", 0):
        return None
    weight = weights[node.input[1]].astype(np.float64)
    weight = weight if a.get("transB", 0) else weight.T
    spec = {"name": name, "kind": "fc", "in_features": weight.shape[1],
            "out_features": weight.shape[0]}
    return [TraceLayer(spec, weight)]


def _onnx_matmul(node, name, weights, shapes, path):
    if len(node.input) < 2 or node.input[1] not in weights or weights[node.input[1]].ndim != 2:
        return None
    weight = weights[node.input[1]].astype(np.float64).T
    x_shape = shapes.get(node.input[0], ())
    columns = math.prod(x_shape[1:-1]) if x_shape and None not in x_shape[1:-1] else 1
    spec = {"name": name, "kind": "matmul" if columns > 1 else "fc",
            "in_features": weight.shape[1], "out_features": weight.shape[0]}
    if columns > 1:
        spec["columns"] = columns
    return [TraceLayer(spec, weight)]


def _onnx_lstm(node, name, weights, shapes, path):
    if len(node.input) < 3 or not {node.input[1], node.input[2]} <= set(weights):
        return None
    w, r = weights[node.input[1]], weights[node.input[2]]
    layout = _attrs(node).get("layout", 0)
    x_shape = shapes.get(node.input[0], ())
    steps = x_shape[1 if layout else 0] if len(x_shape) == 3 and x_shape[1 if layout else 0] else 1
    layers = []
    for d in range(w.shape[0]):
        spec = {"name": name if w.shape[0] == 1 else f"{name}.{('forward', 'reverse')[d]}",
                "kind": "lstm", "input_size": w.shape[2], "hidden_size": r.shape[2],
                "timesteps": steps}
        layers.append(TraceLayer(spec, np.concatenate([w[d], r[d]], axis=1).astype(np.float64)))
    return layers


_ONNX_NODES = {"Conv": _onnx_conv, "Gemm": _onnx_gemm, "MatMul": _onnx_matmul,
               "LSTM": _onnx_lstm}


def _reason(exc: Exception) -> str:
    """The first line of an exception's message (torch and onnx messages run long)."""
    if isinstance(exc, AccelsimError):
        return exc.message
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
