"""A PyTorch model and an input shape → :class:`~accelsim.traces.trace.Trace`, every op
accounted for.

The model runs once on a zero-filled input of the given shape (eval mode: dropout off; grad
mode on, so that ``nn.TransformerEncoderLayer`` takes its decomposed path instead of the fused
inference kernel) under a ``TorchDispatchMode``, which sees each ATen op the model executes,
whatever Python control flow produced it (what ``torch.utils.flop_counter`` sees too; torch.fx
symbolic tracing fails on data-dependent branches such as MultiheadAttention's, and the
ATen ops are the ones a device runs). Each op becomes:

* a weight layer, when one operand is a module's weight (its parameter storage, or the
  ``weight`` a pruning pre-hook recomputed: the real mask comes with it): ``convolution`` →
  conv (stride, padding, dilation, groups), ``mm``/``addmm`` → fc or matmul (leading
  dimensions / batch = columns);
* a ``bmm`` layer for activation × activation products (``bmm``, ``baddbmm``, an ``mm``
  without weights, and scaled-dot-product attention split into Q·Kᵀ, softmax and A·V, causal
  when the op says so);
* a vector layer (element-wise, normalization, softmax, pooling, embedding) by its elements;
* an ``nn.LSTM`` module: one ``lstm`` layer per layer and direction (input size, hidden
  size, timesteps; the batch is the trace's), taken from the module, whatever ATen ops its
  backend runs inside (``mkldnn_rnn_layer`` on a CPU, cuDNN's on a GPU, or the cell's
  ``addmm`` ops): those ops are not recorded again, and a note names them and says that the
  four gates' element-wise work is not timed. A packed sequence or a projection
  (``proj_size``) has no accelsim layer and is reported;
* or a line of the "not modelled" report: view and layout ops (no arithmetic) counted by op,
  every other op by module, op and why.

Each layer's output size is checked against the tensor the op produced: a mismatch is an
error naming the op. Layer names are the module path plus the op (``layer.linear1.addmm``).
The batch is the input's first dimension unless given (a sequence-first model is traced with
``batch=1``).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections import Counter
from pathlib import Path

from accelsim.errors import WorkloadError
from accelsim.traces.trace import Trace, TraceLayer

# ATen ops that only change a tensor's view or layout (no arithmetic, no model time)
SHAPE_OPS = {"view", "_unsafe_view", "reshape", "t", "transpose", "permute", "expand",
             "unsqueeze", "squeeze", "select", "slice", "split", "split_with_sizes", "detach",
             "alias", "as_strided", "unbind", "chunk", "lift_fresh", "_to_copy", "flatten",
             "contiguous", "empty", "zeros", "ones", "full", "arange", "scalar_tensor",
             "new_zeros", "new_ones", "new_empty", "zeros_like", "ones_like", "empty_like",
             "triu", "tril", "expand_as", "clone", "copy_", "fill_", "masked_fill_", "_reshape_alias"}
ELTWISE_OPS = {"add", "sub", "mul", "div", "relu", "relu_", "gelu", "silu", "sigmoid", "tanh",
               "hardtanh", "hardswish", "clamp", "masked_fill", "where", "pow", "sqrt", "rsqrt",
               "exp", "neg", "erf", "add_", "mul_", "cat", "leaky_relu", "hardsigmoid",
               "threshold", "abs", "minimum", "maximum"}
NORM_OPS = {"native_layer_norm", "native_batch_norm", "_native_batch_norm_legit",
            "_native_batch_norm_legit_no_training", "native_group_norm", "rms_norm",
            "_fused_rms_norm"}
POOL_OPS = {"max_pool2d_with_indices", "avg_pool2d", "_adaptive_avg_pool2d", "mean",
            "adaptive_max_pool2d", "sum", "amax"}
SOFTMAX_OPS = {"_softmax", "_log_softmax", "softmax"}
SDPA_OPS = {"_scaled_dot_product_flash_attention_for_cpu", "_scaled_dot_product_flash_attention",
            "_scaled_dot_product_efficient_attention", "_scaled_dot_product_attention_math",
            "_scaled_dot_product_cudnn_attention", "scaled_dot_product_attention"}


GEMM_OPS = {"mm", "addmm", "bmm", "baddbmm", "convolution"} | SDPA_OPS


def op_name(func) -> str:
    """The ATen op's name without its overload (``aten.addmm.default`` → ``addmm``)."""
    if hasattr(func, "overloadpacket"):
        return str(func.overloadpacket.__name__)
    return func.__name__.split(".")[0] if hasattr(func, "__name__") else str(func)


def gemm_macs(op: str, args, out) -> int | None:
    """Multiply-adds of a GEMM-like ATen op (``GEMM_OPS``) from its operands' shapes; None for
    any other op."""
    if op in ("mm", "addmm", "bmm", "baddbmm"):
        a, b = (args[0], args[1]) if op in ("mm", "bmm") else (args[1], args[2])
        return math.prod(a.shape) * int(b.shape[-1])
    if op == "convolution":
        x, w, transposed = args[0], args[1], args[6]
        return (x if transposed else out).numel() * math.prod(w.shape[1:])
    if op in SDPA_OPS:
        q, k, v = args[:3]
        return math.prod(q.shape[:-1]) * int(k.shape[-2]) * (int(q.shape[-1]) + int(v.shape[-1]))
    return None


def load_model(reference: str):
    """``path/to/model.py:ClassName`` → an instance built with no arguments."""
    path, _, cls = reference.rpartition(":")
    if not path or not cls:
        raise WorkloadError("want MODEL.py:ClassName", file=reference)
    if not Path(path).is_file():
        raise WorkloadError("file not found", file=path)
    spec = importlib.util.spec_from_file_location(f"_accelsim_model_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        factory = getattr(module, cls)
    except AttributeError:
        raise WorkloadError(f"defines no {cls!r}", file=path) from None
    except Exception as exc:  # the user's module failed to import
        raise WorkloadError(f"could not be imported: {type(exc).__name__}: {exc}",
                            file=path) from None
    try:
        return factory()
    except Exception as exc:
        raise WorkloadError(f"{cls}() failed: {type(exc).__name__}: {exc}", file=path) from None


def trace_module(module, input_shape: tuple[int, ...], *, name: str = "model",
                 batch: int | None = None, input_dtype: str = "float32") -> Trace:
    """Trace ``module`` run once on a zero input of ``input_shape`` (module docstring)."""
    import torch

    batch = input_shape[0] if batch is None else batch
    recorder = _Recorder(module, batch)
    x = torch.zeros(input_shape, dtype=getattr(torch, input_dtype))
    module.eval()
    handles = [torch.nn.modules.module.register_module_forward_pre_hook(recorder.enter),
               torch.nn.modules.module.register_module_forward_hook(recorder.leave)]
    try:
        with torch.enable_grad(), recorder.mode():
            module(x)
    except WorkloadError:
        raise
    except Exception as exc:
        raise WorkloadError(f"the model failed on an input of shape {list(input_shape)}: "
                            f"{type(exc).__name__}: {str(exc)[:200]}", file=name) from None
    finally:
        for handle in handles:
            handle.remove()
    if not recorder.layers:
        raise WorkloadError("no layer traced", file=name)
    return Trace(name=name, source=f"PyTorch module {type(module).__name__}, input "
                 f"{list(input_shape)}", batch=batch, layers=tuple(recorder.layers),
                 notes=tuple(recorder.report()))


class _Recorder:
    def __init__(self, module, batch: int):
        self.batch = batch
        self.paths = {id(m): path for path, m in module.named_modules()}
        self.weights: dict[int, tuple[str, object]] = {}  # storage pointer → (name, module)
        for path, sub in module.named_modules():
            for pname, p in sub.named_parameters(recurse=False):
                self.weights[p.untyped_storage().data_ptr()] = (path, sub)
        self.stack: list[str] = []
        self.modules: list = []
        self.rnn = None  # the nn.LSTM running now (its inner ops are its lstm layers)
        self.rnn_input = None
        self.rnn_ops: dict[str, Counter] = {}  # per LSTM module: the ATen ops it ran
        self.layers: list[TraceLayer] = []
        self.names: Counter = Counter()
        self.shape_ops: Counter = Counter()
        self.unmodelled: Counter = Counter()

    # -- module context (for names and pruned weights) --
    def enter(self, mod, args):
        import torch

        self.stack.append(self.paths.get(id(mod), type(mod).__name__))
        self.modules.append(mod)
        if self.rnn is None and isinstance(mod, torch.nn.LSTM):
            self.rnn, self.rnn_input = mod, args[0] if args else None

    def leave(self, mod, args, out):
        if mod is self.rnn:
            self._lstm(mod, self.rnn_input, out)
            self.rnn = self.rnn_input = None
        if self.stack:
            self.stack.pop()
            self.modules.pop()

    def mode(self):
        from torch.utils._python_dispatch import TorchDispatchMode

        recorder = self

        class Mode(TorchDispatchMode):
            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                out = func(*args, **(kwargs or {}))
                recorder.record(func, args, kwargs or {}, out)
                return out

        return Mode()

    def report(self) -> list[str]:
        notes = []
        if self.unmodelled:
            notes.append("not modelled: " + "; ".join(
                f"{where} {op} ×{n} ({why})" for (where, op, why), n in
                sorted(self.unmodelled.items())))
        for where, ops in self.rnn_ops.items():
            ran = ", ".join(f"{op}×{n}" for op, n in sorted(ops.items()))
            notes.append(f"nn.LSTM {where}: its ATen ops ({ran}) are its lstm layers (the gate GEMMs); the four gates' element-wise "
                         "work (sigmoid, tanh, cell update) is not timed")
        if self.shape_ops:
            notes.append("view/layout ops (no arithmetic, not timed): " + ", ".join(
                f"{op}×{n}" for op, n in sorted(self.shape_ops.items())))
        return notes

    # -- ops --
    def _name(self, op: str) -> str:
        base = f"{self.stack[-1] if self.stack and self.stack[-1] else 'model'}.{op}"
        self.names[base] += 1
        return base if self.names[base] == 1 else f"{base}#{self.names[base]}"

    def _weight(self, tensor):
        import torch

        if not isinstance(tensor, torch.Tensor) or tensor.is_meta:
            return None
        pointer = tensor.untyped_storage().data_ptr()
        mod = self.modules[-1] if self.modules else None
        pruned = getattr(mod, "weight", None) if hasattr(mod, "weight_mask") else None
        if pruned is not None and pruned.untyped_storage().data_ptr() == pointer:
            return (self.stack[-1], mod)  # recomputed by torch.nn.utils.prune's pre-hook
        return self.weights.get(pointer)

    def _per_sample(self, count: int, what: str, op: str) -> int:
        if count % self.batch:
            raise WorkloadError(f"{what} {count} is not divisible by the batch {self.batch} "
                                "(a sequence-first input? give the batch)", file=op)
        return count // self.batch

    def record(self, func, args, kwargs, out) -> None:
        import torch

        op = op_name(func)
        tensors = [a for a in args if isinstance(a, torch.Tensor)]
        result = out[0] if isinstance(out, (tuple, list)) else out
        if self.rnn is not None:  # inside an nn.LSTM: traced as its lstm layers on return
            self.rnn_ops.setdefault(self.stack[-1] or "model", Counter())[op] += 1
            return
        if op in SHAPE_OPS:
            self.shape_ops[op] += 1
        elif op == "convolution":
            self._conv(args, result)
        elif op in ("mm", "addmm"):
            a, b = (args[0], args[1]) if op == "mm" else (args[1], args[2])
            self._mm(op, a, b, result)
        elif op in ("bmm", "baddbmm"):
            a, b = (args[0], args[1]) if op == "bmm" else (args[1], args[2])
            self._bmm(op, a.shape[0], a.shape[1], a.shape[2], b.shape[2], None, result.numel())
        elif op in SDPA_OPS:
            self._sdpa(op, args, kwargs)
        elif op in NORM_OPS | SOFTMAX_OPS | POOL_OPS | ELTWISE_OPS | {"embedding"}:
            self._vector(op, tensors, result)
        elif not tensors or not isinstance(result, torch.Tensor):
            self.shape_ops[op] += 1
        else:
            where = self.stack[-1] if self.stack else "model"
            self.unmodelled[(where or "model", op, "no accelsim layer for this op")] += 1

    def _add(self, spec: dict, weight=None, check=None, op: str = "") -> None:
        if check is not None:
            self._add_check(spec, *check)
        self.layers.append(TraceLayer(spec, weight))

    def _conv(self, args, out) -> None:
        x, w = args[0], args[1]
        stride, padding, dilation, transposed, _, groups = args[3:9]
        name = self._name("conv")
        if transposed:
            self.unmodelled[(self.stack[-1] if self.stack else "model", "conv_transpose",
                             "transposed convolution has no accelsim layer")] += 1
            return
        if x.dim() != 4:
            self.unmodelled[(self.stack[-1], f"conv{x.dim() - 2}d", "only 2-D convs")] += 1
            return
        owner = self._weight(w)
        spec = {"name": name, "kind": "conv", "in_channels": int(x.shape[1]),
                "out_channels": int(w.shape[0]), "kernel": [int(w.shape[2]), int(w.shape[3])],
                "stride": list(stride), "padding": list(padding), "groups": int(groups),
                "in_hw": [int(x.shape[2]), int(x.shape[3])]}
        if tuple(dilation) != (1, 1):
            spec["dilation"] = list(dilation)
        oh = [(x.shape[2 + i] + 2 * padding[i] - dilation[i] * (w.shape[2 + i] - 1) - 1)
              // stride[i] + 1 for i in range(2)]
        weight = w.detach().double().numpy() if owner is not None else None
        self._add(spec, weight, (oh, [int(out.shape[2]), int(out.shape[3])]))

    def _lstm(self, mod, x, out) -> None:
        """An ``nn.LSTM`` that returned ``out`` for input ``x``: its lstm layers, the output
        size checked against the recurrence's (samples × steps × directions × hidden)."""
        import torch

        from accelsim.traces.extract import lstm_layers

        where = self.stack[-1] or "model"
        if not isinstance(x, torch.Tensor) or mod.proj_size:
            why = "a projection (proj_size)" if isinstance(x, torch.Tensor) else \
                "a packed sequence"
            self.unmodelled[(where, "lstm", f"{why} has no accelsim layer")] += 1
            return
        batched = x.dim() == 3
        steps = int(x.shape[1] if mod.batch_first and batched else x.shape[0])
        samples = int(x.shape[0 if mod.batch_first else 1]) if batched else 1
        timesteps = self._per_sample(samples * steps, "lstm samples × steps", where)
        self.names[where] += 1  # a module run twice: its second layers are NAME#2.l0, ...
        n = self.names[where]
        layers = lstm_layers(where if n == 1 else f"{where}#{n}", mod, timesteps)
        directions = 2 if mod.bidirectional else 1
        for layer in layers:
            self._add(layer.spec, layer.weight)
        expected = self.batch * timesteps * directions * mod.hidden_size
        self._add_check(layers[-1].spec, expected, int(out[0].numel()))

    def _add_check(self, spec: dict, expected: int, actual: int) -> None:
        if expected != actual:
            raise WorkloadError(f"traced {spec['kind']} layer gives {expected} outputs, "
                                f"the framework computed {actual}", file=spec["name"])

    def _mm(self, op, a, b, out) -> None:
        if self._weight(b) is None:  # activation × activation: rows split over the samples
            rows = self._per_sample(int(a.shape[0]), f"{op} rows", op)
            self._bmm(op, self.batch, rows, int(a.shape[1]), int(b.shape[1]), None,
                      out.numel())
            return
        name = self._name(op)
        columns = self._per_sample(int(a.shape[0]), f"{op} rows", name)
        spec = {"name": name, "kind": "matmul" if columns > 1 else "fc",
                "in_features": int(b.shape[0]), "out_features": int(b.shape[1])}
        if columns > 1:
            spec["columns"] = columns
        weight = b.detach().double().numpy().T
        self._add(spec, weight, (self.batch * columns * int(b.shape[1]), out.numel()))

    def _bmm(self, op, matrices, rows, inner, columns, causal, numel) -> None:
        name = self._name(op)
        heads = self._per_sample(int(matrices), f"{op} matrices", name)
        spec = {"name": name, "kind": "bmm", "heads": heads, "rows": int(rows),
                "inner": int(inner), "columns": int(columns)}
        if causal:
            spec["causal"] = causal
        self._add(spec, None, (self.batch * heads * rows * columns, numel))

    def _sdpa(self, op, args, kwargs) -> None:
        q, k, v = args[:3]
        causal = bool(kwargs.get("is_causal", args[4] if len(args) > 4 and
                                 isinstance(args[4], bool) else False))
        lead = math.prod(q.shape[:-2])
        L, E, S, Ev = q.shape[-2], q.shape[-1], k.shape[-2], v.shape[-1]
        self._bmm("sdpa.qk", lead, L, E, S, "qk" if causal else None, lead * L * S)
        heads = lead // self.batch
        self._add({"name": self._name("sdpa.softmax"), "kind": "softmax",
                   "elements": int(heads * L * S), "op": "softmax"})
        self._bmm("sdpa.av", lead, L, S, Ev, "av" if causal else None, lead * L * Ev)

    def _vector(self, op, tensors, out) -> None:
        import torch

        kind = ("norm" if op in NORM_OPS else "softmax" if op in SOFTMAX_OPS else
                "pool" if op in POOL_OPS else "embedding" if op == "embedding" else "eltwise")
        if kind == "embedding":
            read = out.numel()  # only the gathered rows
        elif kind == "norm":
            read = tensors[0].numel()
        else:
            read = sum(t.numel() for t in tensors if t.dim() > 0)
        # per sample, rounded up (a mask shared by the samples counts once per sample)
        elements = -(-int(out.numel()) // self.batch)
        spec = {"name": self._name(op), "kind": kind, "elements": max(elements, 1), "op": op}
        read = -(-int(read) // self.batch)
        if read and read != elements:
            spec["read_elements"] = read
        self._add(spec)
