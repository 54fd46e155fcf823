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

import contextlib
import importlib
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from accelsim.errors import AccelsimError, WorkloadError
from accelsim.spec.validate import read_document
from accelsim.spec.workload import workload_from_dict
from accelsim.traces.trace import Trace, TraceLayer, layer_spec


# ---- npz and state_dict with a layer description ---------------------------------------

@contextlib.contextmanager
def _naming(path):
    """An error raised without a file (e.g. a layer's NaN weights) names ``path``."""
    try:
        yield
    except AccelsimError as exc:
        if exc.file is not None:
            raise
        raise WorkloadError(exc.message, file=str(path), field=exc.field) from None


def from_npz(path: str | Path, layers_path: str | Path) -> Trace:
    """A trace from an ``.npz`` of weight arrays and a layer description."""
    with _naming(path):
        return _from_npz(Path(path), layers_path)


def _from_npz(path: Path, layers_path: str | Path) -> Trace:
    from accelsim.spec.arrays import read_npz

    def fail(message: str):
        raise WorkloadError(f"not a readable .npz of weight arrays: {message}", file=str(path))

    def numbers(name: str, dtype: np.dtype, shape: tuple) -> str | None:
        return None if dtype.kind in "biuf" else f"array {name!r} holds {dtype}, not numbers"

    arrays = read_npz(path, fail, expect=numbers)
    return _described(arrays, path, layers_path, default_key="{name}", fmt="npz")


def from_state_dict(state, layers_path: str | Path, path: str | Path = "<state_dict>"
                    ) -> Trace:
    """A trace from a PyTorch state_dict (a mapping, or a ``.pt`` file holding one)."""
    if isinstance(state, (str, Path)):
        path, state = Path(state), _load_torch_file(Path(state))
    with _naming(path):
        return _from_state_dict(state, layers_path, path)


def _from_state_dict(state, layers_path: str | Path, path) -> Trace:
    arrays = {}
    for key, value in state.items():
        if not hasattr(value, "detach"):
            raise WorkloadError(f"entry {key!r} is a {type(value).__name__}, not a tensor",
                                file=str(path))
        arrays[key] = _tensor_array(value, key, path)
    for key in [k for k in arrays if k.endswith(".weight_orig")]:
        stem = key[: -len("_orig")]
        if f"{stem}_mask" in arrays:
            if arrays[f"{stem}_mask"].shape != arrays[key].shape:
                raise WorkloadError(f"{stem}_mask has shape {arrays[f'{stem}_mask'].shape}, "
                                    f"{key} {arrays[key].shape}", file=str(path))
            arrays[stem] = arrays[key] * arrays[f"{stem}_mask"]
    return _described(arrays, Path(path), layers_path, default_key="{name}.weight",
                      fmt="PyTorch state_dict")


def _tensor_array(value, key: str, path) -> np.ndarray:
    """A tensor as a numpy array: sparse layouts made dense, bfloat16/half as float64."""
    import torch

    try:
        value = value.detach().cpu()
        if value.layout != torch.strided:
            value = value.to_dense()
        return (value.double() if value.is_floating_point() else value).numpy()
    except (RuntimeError, TypeError, ValueError) as exc:
        raise WorkloadError(f"entry {key!r}: not convertible to an array ({_reason(exc)})",
                            file=str(path)) from None


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
    for i, key in enumerate(keys):
        if key is not None and not (isinstance(key, str) or isinstance(key, list) and key
                                    and all(isinstance(k, str) for k in key)):
            raise WorkloadError(f"got {key!r}, must be an array name or a list of them",
                                file=str(layers_path), field=f"layers.{i}.weight")
    doc = {"schema_version": 1, "name": description.get("name", path.stem),
           "source": description.get("source", f"{fmt} {path.name}"),
           "batch": description.get("batch", 1), "layers": entries}
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
        if weight.shape != layer.weight_shape:
            raise WorkloadError(f"array {'+'.join(parts)!r} has shape {weight.shape}, layer "
                                f"{layer.name!r} needs {layer.weight_shape}", file=str(path))
        layers.append(TraceLayer(spec=layer_spec(layer), weight=weight))
    return Trace(name=workload.name, source=workload.source, layers=tuple(layers),
                 batch=workload.batch)


# ---- nn.Module with forward hooks ------------------------------------------------------

def from_module(module: Any, inputs: Any, name: str = "model", batch: int = 1,
                measure_activations: bool = True) -> Trace:
    """A trace of a PyTorch module (a ``torch.nn.Module``; typed ``Any`` so that type checks
    need not load torch) run once on ``inputs`` (a tensor, first axis = sample).
    Conv2d, Linear and LSTM modules become layers, in the order they run; the other modules
    with parameters, and modelled ones that never ran, are listed. Hooks do not see
    functional ops (``F.linear``, ``torch.matmul``, ``F.conv2d``,
    ``F.scaled_dot_product_attention``, norms, element-wise): every ATen op run outside the
    traced modules is counted in the notes (GEMMs with their multiply-adds), which point to
    :func:`accelsim.traces.torch_trace.trace_module` (``accelsim trace from-torch``): it
    traces every op."""
    import torch

    records: dict[str, tuple] = {}
    modelled = (torch.nn.Conv2d, torch.nn.Linear, torch.nn.LSTM)
    unseen = _Unseen()

    def record(key):
        def hook(mod, args, out):
            records.setdefault(key, (mod, args[0], out))  # first call only; returns None
            unseen.depth -= 1
        return hook

    subs = [(q, sub) for q, sub in module.named_modules() if isinstance(sub, modelled)]
    hooks = [sub.register_forward_hook(record(q)) for q, sub in subs] + \
        [sub.register_forward_pre_hook(unseen.enter) for _, sub in subs]
    try:
        with torch.no_grad(), unseen.mode():
            module.eval()
            module(inputs)
    finally:
        for hook in hooks:
            hook.remove()
    layers = []
    for qualified, (sub, x, out) in records.items():
        activation = (x != 0).cpu().numpy() if measure_activations else None
        layers.extend(_module_layers(qualified or "layer", sub, x, out, activation))
    notes = _unmodelled_modules(module, modelled, records) + unseen.notes()
    return Trace(name=name, source=f"PyTorch module {type(module).__name__}", batch=batch,
                 layers=tuple(layers), notes=tuple(notes))


class _Unseen:
    """The ATen ops a module runs outside the Conv2d/Linear/LSTM modules the hooks trace."""

    def __init__(self):
        self.depth = 0  # inside how many traced modules
        self.gemms: Counter = Counter()
        self.gemm_macs = 0
        self.other: Counter = Counter()

    def enter(self, mod, args):
        self.depth += 1

    def mode(self):
        from torch.utils._python_dispatch import TorchDispatchMode

        from accelsim.traces.torch_trace import GEMM_OPS, SHAPE_OPS, gemm_macs, op_name

        unseen = self

        class Mode(TorchDispatchMode):
            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                out = func(*args, **(kwargs or {}))
                op = op_name(func)
                if unseen.depth == 0 and op in GEMM_OPS:
                    unseen.gemms[op] += 1
                    unseen.gemm_macs += gemm_macs(op, args, out)
                elif unseen.depth == 0 and op not in SHAPE_OPS:
                    unseen.other[op] += 1
                return out

        return Mode()

    def notes(self) -> list[str]:
        out = []
        if self.gemms:
            ops = ", ".join(f"{op}×{n}" for op, n in sorted(self.gemms.items()))
            out.append(f"not seen by the hook tracer: functional GEMMs outside Conv2d/Linear/LSTM "
                       f"modules ({ops}; {self.gemm_macs:,} multiply-adds on this input, "
                       "missing from the layers)")
        if self.other:
            ops = ", ".join(f"{op}×{n}" for op, n in sorted(self.other.items()))
            out.append("not traced by the hook tracer (element-wise, norm, softmax, pool and "
                       f"other ops outside the traced modules, not timed): {ops}")
        if out:
            out[-1] += ("; `accelsim trace from-torch` (traces.torch_trace.trace_module) traces "
                        "every op")
        return out


def _module_layers(name, sub, x, out, activation) -> list[TraceLayer]:
    import torch

    if isinstance(sub, torch.nn.Conv2d):
        weight = sub.weight.detach().cpu().numpy().astype(np.float64)
        in_hw = tuple(x.shape[-2:])
        extent = [d * (k - 1) + 1 for d, k in zip(sub.dilation, sub.kernel_size)]
        pad = sub.padding if isinstance(sub.padding, tuple) else _padding_for(
            in_hw, tuple(out.shape[-2:]), extent, sub.stride)
        spec = {"name": name, "kind": "conv", "in_channels": sub.in_channels,
                "out_channels": sub.out_channels, "kernel": list(sub.kernel_size),
                "stride": list(sub.stride), "padding": list(pad), "groups": sub.groups,
                "in_hw": list(in_hw)}
        if tuple(sub.dilation) != (1, 1):
            spec["dilation"] = list(sub.dilation)
        return [TraceLayer(spec, weight, activation=activation)]
    if isinstance(sub, torch.nn.Linear):
        weight = sub.weight.detach().cpu().numpy().astype(np.float64)
        columns = math.prod(x.shape[1:-1])
        spec = {"name": name, "kind": "matmul" if columns > 1 else "fc",
                "in_features": sub.in_features, "out_features": sub.out_features}
        if columns > 1:
            spec["columns"] = columns
        return [TraceLayer(spec, weight, activation=activation)]
    steps = x.shape[1] if sub.batch_first and x.dim() == 3 else x.shape[0]
    return lstm_layers(name, sub, steps, activation)


def lstm_layers(name, sub, timesteps: int, activation=None) -> list[TraceLayer]:
    """The lstm layers of an ``nn.LSTM`` run for ``timesteps`` steps per sample: one per
    layer and direction (``NAME.l0``, ``NAME.l0_reverse``), each the gate GEMM's
    ``4·hidden × (input + hidden)`` weights (input and recurrent matrices side by side; a
    pruned module's masked weights)."""
    layers = []
    for k in range(sub.num_layers):
        for suffix in ("", "_reverse")[: 2 if sub.bidirectional else 1]:
            ih = getattr(sub, f"weight_ih_l{k}{suffix}").detach().cpu().numpy()
            hh = getattr(sub, f"weight_hh_l{k}{suffix}").detach().cpu().numpy()
            spec = {"name": f"{name}.l{k}{suffix}", "kind": "lstm", "input_size": ih.shape[1],
                    "hidden_size": sub.hidden_size, "timesteps": int(timesteps)}
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

# ONNX ops that only move or describe data (no arithmetic; not timed)
ONNX_SHAPE_OPS = {"Reshape", "Transpose", "Shape", "Constant", "ConstantOfShape", "Unsqueeze",
                  "Squeeze", "Slice", "Gather", "Cast", "Identity", "Flatten", "Expand", "Split",
                  "Concat", "Range", "Dropout", "Size"}
ONNX_VECTOR_OPS = {
    **dict.fromkeys(("Add", "Sub", "Mul", "Div", "Relu", "Gelu", "Erf", "Sqrt", "Pow", "Tanh",
                     "Sigmoid", "Where", "Neg", "Exp", "Clip", "LeakyRelu", "HardSwish",
                     "HardSigmoid", "Max", "Min", "Abs", "Not", "Equal", "Reciprocal"),
                    "eltwise"),
    **dict.fromkeys(("LayerNormalization", "BatchNormalization", "InstanceNormalization",
                     "GroupNormalization", "SimplifiedLayerNormalization"), "norm"),
    **dict.fromkeys(("Softmax", "LogSoftmax"), "softmax"),
    **dict.fromkeys(("MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
                     "ReduceMean", "ReduceMax", "ReduceSum"), "pool"),
}


def from_onnx(path: str | Path, batch: int | None = None) -> Trace:
    """A trace of an ONNX model: Conv, Gemm and MatMul with a weight initializer (weight
    layers; leading dimensions / batch = columns), MatMul of two activations (bmm), LSTM,
    vector ops by their elements, an embedding ``Gather``; view ops and every other node are
    listed by name in the notes. ``batch``: the samples the graph runs (default: the first
    input's first dimension when static, else 1); symbolic leading input dimensions are set
    to it before ONNX shape inference. Each layer's output size is checked against the
    inferred shape."""
    path = Path(path)
    onnx = _optional("onnx", path)
    from onnx import numpy_helper, shape_inference

    if not path.is_file():
        raise WorkloadError("file not found", file=str(path))
    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except Exception as exc:  # protobuf DecodeError, ValidationError, ...
        raise WorkloadError(f"not a valid ONNX model: {_reason(exc)}", file=str(path)) from None
    graph = model.graph
    weights = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    inputs = [i for i in graph.input if i.name not in weights]
    batch = _onnx_batch(inputs, batch)
    for info in inputs:  # symbolic batch dimension → the batch
        dims = info.type.tensor_type.shape.dim
        if dims and not dims[0].HasField("dim_value"):
            dims[0].dim_value = batch
    try:
        model = shape_inference.infer_shapes(model)
    except Exception as exc:
        raise WorkloadError(f"ONNX shape inference failed: {_reason(exc)}",
                            file=str(path)) from None
    graph = model.graph
    shapes = {}
    for info in [*graph.input, *graph.value_info, *graph.output]:
        dims = info.type.tensor_type.shape.dim
        shapes[info.name] = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)
    for name, array in weights.items():
        shapes[name] = array.shape
    ctx = _OnnxContext(path, weights, shapes, batch,
                       activations={i.name for i in inputs})
    with _naming(path):
        for index, node in enumerate(graph.node):
            ctx.convert(node, node.name or f"{node.op_type.lower()}_{index}")
    if not ctx.layers:
        raise WorkloadError("no layer to trace", file=str(path))
    return Trace(name=graph.name or path.stem, source=f"ONNX model {path.name}", batch=batch,
                 layers=tuple(ctx.layers), notes=tuple(ctx.report()))


def _onnx_batch(inputs, batch: int | None) -> int:
    if batch is not None:
        return batch
    dims = inputs[0].type.tensor_type.shape.dim if inputs else ()
    return dims[0].dim_value if dims and dims[0].HasField("dim_value") and \
        dims[0].dim_value > 0 else 1


class _OnnxContext:
    def __init__(self, path, weights, shapes, batch, activations):
        self.path, self.weights, self.shapes, self.batch = path, weights, shapes, batch
        self.activations = set(activations)   # tensors computed from the graph inputs
        self.layers: list[TraceLayer] = []
        self.shape_ops: Counter = Counter()
        self.unmodelled: list[str] = []

    def report(self) -> list[str]:
        notes = []
        if self.unmodelled:
            notes.append("not modelled: " + "; ".join(self.unmodelled))
        if self.shape_ops:
            notes.append("view, layout and shape/constant ops (no arithmetic on activations, "
                         "not timed): " + ", ".join(
                f"{op}×{n}" for op, n in sorted(self.shape_ops.items())))
        return notes

    def _numel(self, tensor: str) -> int | None:
        shape = self.shapes.get(tensor)
        return None if shape is None or None in shape else math.prod(shape)

    def _per_sample(self, count: int, what: str, name: str) -> int:
        if count % self.batch:
            raise WorkloadError(f"node {name!r}: {what} {count} is not divisible by the batch "
                                f"{self.batch} (a sequence-first graph? give --batch)",
                                file=str(self.path))
        return count // self.batch

    def _check(self, name: str, spec: dict, expected: int, output: str) -> None:
        actual = self._numel(output)
        if actual is not None and actual != expected:
            raise WorkloadError(f"node {name!r}: the traced {spec['kind']} layer gives "
                                f"{expected} outputs, ONNX shape inference {actual}",
                                file=str(self.path))

    def convert(self, node, name: str) -> None:
        op = node.op_type
        live = [i for i in node.input if i in self.activations]
        if live and op != "Shape":
            self.activations.update(node.output)
        if not live and op not in ("LSTM",):  # constant or shape arithmetic
            self.shape_ops[op] += 1
            return
        made = None
        if op == "Conv":
            made = self._conv(node, name)
        elif op in ("MatMul", "Gemm"):
            made = self._matmul(node, name)
        elif op == "LSTM":
            made = _onnx_lstm(node, name, self.weights, self.shapes, self.path)
        elif op == "Gather" and node.input[0] in self.weights and \
                self.weights[node.input[0]].ndim == 2:
            made = self._vector(node, name, "embedding")
        elif op in ONNX_VECTOR_OPS:
            made = self._vector(node, name, ONNX_VECTOR_OPS[op])
        elif op in ONNX_SHAPE_OPS:
            self.shape_ops[op] += 1
            return
        else:
            self.unmodelled.append(f"{name} ({op}: no accelsim layer for this op)")
            return
        if made is None:
            self.unmodelled.append(f"{name} ({op}: unsupported attributes or operands)")
        else:
            self.layers.extend(made)

    def _conv(self, node, name):
        a = _attrs(node)
        if len(node.input) < 2 or node.input[1] not in self.weights:
            return None
        weight = self.weights[node.input[1]].astype(np.float64)
        if weight.ndim != 4:
            return None
        x_shape, out_shape = self.shapes.get(node.input[0], ()), self.shapes.get(node.output[0])
        if len(x_shape) != 4 or None in x_shape[1:]:
            raise WorkloadError(f"Conv node {name!r}: the input size is unknown; give the "
                                "graph input a static shape", file=str(self.path))
        group = _attrs(node).get("group", 1)
        if weight.shape[1] * group != x_shape[1] or weight.shape[0] % group:
            raise WorkloadError(f"Conv node {name!r}: group {group} does not fit {x_shape[1]} "
                                f"input channels and a weight of shape {weight.shape}",
                                file=str(self.path))
        in_hw, kernel = x_shape[2:], weight.shape[2:]
        stride = tuple(a.get("strides", [1, 1]))
        dilation = tuple(a.get("dilations", [1, 1]))
        extent = [dilation[i] * (kernel[i] - 1) + 1 for i in range(2)]
        if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET", b"VALID", "VALID"):
            pads = [max(0, (math.ceil(in_hw[i] / stride[i]) - 1) * stride[i] + extent[i]
                        - in_hw[i]) for i in range(2)]
            pads = [pads[0] // 2, pads[1] // 2, pads[0] - pads[0] // 2, pads[1] - pads[1] // 2]
        else:
            pads = list(a.get("pads", [0, 0, 0, 0]))
        out_hw = [(in_hw[i] + pads[i] + pads[i + 2] - extent[i]) // stride[i] + 1
                  for i in range(2)]
        # symmetric padding per axis; an asymmetric pair takes the smaller side when that
        # gives the same output size (the extra row or column of zeros is never reached)
        pad = [min(pads[i], pads[i + 2]) for i in range(2)]
        for i in range(2):
            if (in_hw[i] + 2 * pad[i] - extent[i]) // stride[i] + 1 != out_hw[i]:
                pad[i] = max(pads[i], pads[i + 2])
        spec = {"name": name, "kind": "conv", "in_channels": x_shape[1],
                "out_channels": weight.shape[0], "kernel": list(kernel),
                "stride": list(stride), "padding": pad, "groups": a.get("group", 1),
                "in_hw": list(in_hw)}
        if dilation != (1, 1):
            spec["dilation"] = list(dilation)
        layer_hw = [(in_hw[i] + 2 * pad[i] - extent[i]) // stride[i] + 1 for i in range(2)]
        if out_shape and None not in out_shape[2:] and list(out_shape[2:]) != layer_hw:
            raise WorkloadError(f"node {name!r}: the traced conv gives {layer_hw} outputs, "
                                f"ONNX shape inference {list(out_shape[2:])} (pads {pads})",
                                file=str(self.path))
        return [TraceLayer(spec, weight)]

    def _matmul(self, node, name):
        a = _attrs(node) if node.op_type == "Gemm" else {}
        if len(node.input) < 2 or a.get("transA", 0):
            return None
        x, w = node.input[0], node.input[1]
        x_shape, w_shape = self.shapes.get(x), self.shapes.get(w)
        if x_shape is None or w_shape is None or None in x_shape or None in w_shape:
            raise WorkloadError(f"node {name!r}: operand shapes unknown after shape inference",
                                file=str(self.path))
        if w in self.weights and len(w_shape) == 2:
            weight = self.weights[w].astype(np.float64)
            weight = weight if a.get("transB", 0) else weight.T   # natural: out × in
            columns = self._per_sample(math.prod(x_shape[:-1]), "rows (leading dimensions)",
                                       name)
            spec = {"name": name, "kind": "matmul" if columns > 1 else "fc",
                    "in_features": weight.shape[1], "out_features": weight.shape[0]}
            if columns > 1:
                spec["columns"] = columns
            self._check(name, spec, self.batch * columns * weight.shape[0], node.output[0])
            return [TraceLayer(spec, weight)]
        if x in self.weights or w in self.weights:
            return None
        # activation × activation: broadcast leading dimensions = the matrices
        k_shape = w_shape if not a.get("transB", 0) else (*w_shape[:-2], w_shape[-1],
                                                          w_shape[-2])
        lead = math.prod(np.broadcast_shapes(tuple(x_shape[:-2]), tuple(k_shape[:-2])))
        rows, inner, cols = x_shape[-2] if len(x_shape) > 1 else 1, x_shape[-1], k_shape[-1]
        heads = self._per_sample(lead, "matrices (leading dimensions)", name)
        spec = {"name": name, "kind": "bmm", "heads": heads, "rows": rows, "inner": inner,
                "columns": cols}
        self._check(name, spec, self.batch * heads * rows * cols, node.output[0])
        return [TraceLayer(spec)]

    def _vector(self, node, name, kind):
        out = self._numel(node.output[0])
        if out is None:
            return None
        if kind == "embedding":
            read = out
        elif kind == "norm":
            read = self._numel(node.input[0]) or out
        else:
            read = sum(self._numel(i) or 0 for i in node.input if i)
        elements = -(-out // self.batch)
        spec = {"name": name, "kind": kind, "elements": max(elements, 1),
                "op": node.op_type.lower()}
        read = -(-read // self.batch)
        if read and read != elements:
            spec["read_elements"] = read
        return [TraceLayer(spec)]


def _attrs(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


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


def _reason(exc: Exception) -> str:
    """The first line of an exception's message (torch and onnx messages run long)."""
    if isinstance(exc, AccelsimError):
        return exc.message
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
