"""Time to train: steps-to-result K(B) × the cluster engine's step time, over GPU counts.

Model (S002 = Lee, DPhil thesis, Oxford 2020, Ch. 5 for the steps; S000 = Wen, PhD thesis,
Duke 2019, Appendix B for the step time; docs/SOURCES.md §1)
-----------------------------------------------------------------------------------------
Weak scaling: every one of N GPUs trains ``batch_per_gpu`` images per step, so the global
batch is B = N · batch_per_gpu, and

    time to train = K(B, sparsity) · T_step(N, batch_per_gpu, encoding, scheme, density)
    GPU-hours     = N · time to train / 3600

K comes from a :class:`accelsim.model.steps.StepsModel` (a fit to measured steps, Theorem
5.3.1's shape or a fixed-epoch budget); T_step is :func:`accelsim.engines.cluster.sweep`'s
iteration time, vectorised over N, for the workload at ``batch_per_gpu`` images. A
``sparsity`` s sets every layer's weight density to 1 − s for the step time (the compute
kernel then follows the roofline's ``auto`` rule) and picks the steps model's level s; the
gradient still carries every weight, as the cluster engine sends it. Without ``sparsity`` the
workload keeps its own densities and the level is its weight sparsity (zeros / weights).

Assumptions: the learning-rate schedule reaches the steps model's K at every B (warm-up and
its extra steps are not modelled); data loading and evaluation are free; the steps model is
trusted outside the batches it was fitted on only with a note. The fastest configuration
has the fewest hours, the cheapest the fewest GPU-hours (ties: the first listed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from accelsim.engines import cluster
from accelsim.engines.options import label
from accelsim.engines.result import PER_TRAINING_CONFIG, LayerResult, Result
from accelsim.errors import EngineError
from accelsim.model import Workload

OWN_OPTIONS = ("steps_model", "batch_per_gpu", "sparsity")


@dataclass(frozen=True)
class Grid:
    """Arrays over (encoding × sparsity × batch per GPU × GPU count), flattened."""

    encoding: np.ndarray
    sparsity: np.ndarray
    batch_per_gpu: np.ndarray
    gpus: np.ndarray
    nodes: np.ndarray
    step_s: np.ndarray
    compute_s: np.ndarray
    exposed_comm_s: np.ndarray
    steps: np.ndarray

    @property
    def global_batch(self) -> np.ndarray:
        return self.gpus * self.batch_per_gpu

    @property
    def time_to_train_s(self) -> np.ndarray:
        return self.steps * self.step_s

    @property
    def gpu_hours(self) -> np.ndarray:
        return self.time_to_train_s * self.gpus / 3600.0


def weight_sparsity(workload: Workload) -> float:
    """Zeros over all weights of the workload."""
    total = sum(layer.weight_count for layer in workload.layers)
    return 1.0 - sum(layer.nonzero_weights for layer in workload.layers) / total


def at(workload: Workload, batch_per_gpu: int, sparsity: float | None) -> Workload:
    """The workload at ``batch_per_gpu`` images, with every layer at density 1 − sparsity."""
    layers = workload.layers
    if sparsity is not None:
        layers = tuple(replace(layer, weight_density=None if sparsity == 0 else 1.0 - sparsity,
                               row_sparsity=0.0, col_sparsity=0.0, mask=None, masks=None)
                       for layer in layers)
    return replace(workload, batch=int(batch_per_gpu), layers=layers)


def _as_tuple(value, default):
    if value is None:
        return default
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _split(options: dict):
    own = {k: options.get(k) for k in OWN_OPTIONS}
    rest = {k: v for k, v in options.items() if k not in OWN_OPTIONS}
    if own["steps_model"] is None:
        raise EngineError(f"time to train needs a steps model (option {label('steps_model')})")
    if rest.get("scaling", "weak") != "weak":
        raise EngineError("time to train uses weak scaling (global batch = batch per GPU x "
                          f"GPUs); option {label('scaling')} strong does not apply")
    return own, rest


def grid(cfg: cluster.ClusterConfig, workload: Workload, options: dict) -> Grid:
    """Every (encoding, sparsity, batch per GPU, GPU count): numpy over the GPU counts."""
    own, rest = _split(options)
    opts = cluster._options(rest)
    batches = _as_tuple(own["batch_per_gpu"], (workload.batch,))
    sparsities = _as_tuple(own["sparsity"], (None,))
    if min(batches) < 1:
        raise EngineError("batch per GPU must be at least 1")
    if any(s is not None and not 0 <= s < 1 for s in sparsities):
        raise EngineError("sparsity must be in [0, 1)")
    model = own["steps_model"]
    gpus = np.asarray(opts["gpus"], dtype=float)
    parts = {k: [] for k in Grid.__dataclass_fields__}
    for sparsity in sparsities:
        level = weight_sparsity(workload) if sparsity is None else sparsity
        try:
            curve = model.curve(level)
        except ValueError as exc:
            raise EngineError(str(exc)) from None
        for batch in batches:
            runs = cluster.sweep(cfg, at(workload, batch, sparsity), opts)
            steps = curve.steps(gpus * batch)
            for encoding in opts["encoding"]:
                s = runs[encoding]
                for key, value in (("encoding", np.full(len(gpus), encoding, dtype=object)),
                                   ("sparsity", np.full(len(gpus), level)),
                                   ("batch_per_gpu", np.full(len(gpus), float(batch))),
                                   ("gpus", gpus), ("nodes", s.nodes.astype(float)),
                                   ("step_s", s.iteration_s), ("compute_s", s.compute_s),
                                   ("exposed_comm_s", s.exposed_s), ("steps", steps)):
                    parts[key].append(value)
    return Grid(**{k: np.concatenate(v) for k, v in parts.items()})


def _extrapolation_notes(model, g: Grid) -> list[str]:
    notes = []
    for level in dict.fromkeys(g.sparsity.tolist()):
        curve = model.curve(level)
        if not curve.batch_range:
            continue
        lo, hi = curve.batch_range
        b = g.global_batch[g.sparsity == level]
        if b.min() < lo or b.max() > hi:
            notes.append(f"sparsity {level:g}: global batches {b.min():,.0f}..{b.max():,.0f} "
                         f"reach outside the fitted {lo:,.0f}..{hi:,.0f} (extrapolated)")
    return notes


def simulate(arch, workload: Workload, options: dict) -> Result:
    cfg: cluster.ClusterConfig = arch.config
    g = grid(cfg, workload, options)
    model = options["steps_model"]
    hours = g.time_to_train_s / 3600.0
    fastest, cheapest = int(np.argmin(hours)), int(np.argmin(g.gpu_hours))
    clock = cfg.node.clock_hz
    rows = []
    for idx in range(len(g.gpus)):
        marks = [m for m, at_ in (("fastest", fastest), ("cheapest", cheapest)) if at_ == idx]
        n, t = int(g.gpus[idx]), float(g.step_s[idx])
        rows.append(LayerResult(
            name=f"{g.encoding[idx]}@{n}x{int(g.batch_per_gpu[idx])}", kind="training",
            dense_macs=0, effective_macs=0, cycles=int(round(t * clock)), seconds=t,
            utilization=0.0, bound="network" if g.exposed_comm_s[idx] > g.compute_s[idx]
            else "compute", dram_bytes=0,
            extra={"gpus": n, "nodes": int(g.nodes[idx]), "encoding": g.encoding[idx],
                   "sparsity": float(g.sparsity[idx]),
                   "batch_per_gpu": int(g.batch_per_gpu[idx]),
                   "global_batch": int(g.global_batch[idx]), "steps": float(g.steps[idx]),
                   "step_s": t, "time_to_train_s": float(g.time_to_train_s[idx]),
                   "hours": float(hours[idx]), "gpu_hours": float(g.gpu_hours[idx]),
                   "images_per_s": float(g.global_batch[idx] / t), "mark": ", ".join(marks)}))
    opts = {k: v for k, v in options.items() if k not in OWN_OPTIONS}
    scheme = opts.get("scheme", "appendix-b")
    notes = (f"time to train = steps(global batch) x step time; weak scaling, scheme {scheme}, "
             f"node {cfg.node_name} x {cfg.gpus_per_node}; steps model {model.name}",
             *model.describe(set(g.sparsity.tolist())), *_extrapolation_notes(model, g),
             "not modelled: learning-rate warm-up, data loading, evaluation")
    if options.get("sparsity") is not None:
        notes += ("sparsity applied to every layer's weights (the workload's own densities "
                  "replaced); gradients still carry every weight",)
    fast, cheap = rows[fastest].extra, rows[cheapest].extra
    summary = {"mode": "time-to-train", "scheme": scheme, "node": cfg.node_name,
               "steps_model": model.name,
               "fastest": f"{fast['encoding']} {fast['gpus']} GPUs x {fast['batch_per_gpu']}: "
                          f"{fast['hours']:.3g} h",
               "cheapest": f"{cheap['encoding']} {cheap['gpus']} GPUs x "
                           f"{cheap['batch_per_gpu']}: {cheap['gpu_hours']:.3g} GPU-h"}
    return Result(engine="cluster", arch=arch.name, workload=workload.name, layers=tuple(rows),
                  peak_macs_per_cycle=cfg.node.peak_fp32_flops / 2 / clock, clock_hz=clock,
                  notes=notes, summary=summary, shape=PER_TRAINING_CONFIG)

