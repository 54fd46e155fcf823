"""Weight and activation masks of a layer: real ones from an ``.npz``, or generated, seeded.

Shapes (the layer's natural layout):

* weights — conv: ``(out_channels, in_channels/groups, kh, kw)``; fc, matmul, lstm: the GEMM
  matrix ``(m, k)`` (rows = outputs; an LSTM's ``4·hidden × (input + hidden)``).
* activations — conv: ``(batch, in_channels, H, W)``; others: ``(n, k)``, one row per input
  vector (``n = batch`` for fc, ``batch × timesteps`` for lstm, ``batch × columns`` for
  matmul), vectors of one sample adjacent.

An ``.npz`` mask file holds ``weight`` (boolean, required) and optionally ``activation``
(boolean) or ``activation_density`` (one density per sample); ``accelsim.traces`` writes
this format. :func:`load_mask_file` reads
and checks it at the edge (the workload loader); engines only see :class:`LayerMasks`.

Generated masks (``mask_distribution``): ``uniform`` — each weight non-zero i.i.d. with
probability = the layer's density (drawn as geometric gaps, so that only the non-zeros are
ever materialised); activations — exactly ``round(density · size)`` non-zeros per sample (or
per input vector), placed uniformly at random. Every draw comes from
``numpy.random.default_rng([seed, crc32(layer name), stream])``: deterministic for a seed.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from accelsim.errors import EngineError, SpecError

MAX_SIMULATED_VALUES = 1 << 27  # weights, activations or events held for one layer: at
# 1-24 bytes each, a few GiB at most (EIE on VGG-16's dense fc6, 1.0e8 weights: 2.6 GB peak)
DENSITY_TOLERANCE = 0.01  # relative: a mask within 1% of the stated density (+ half a count) agrees
_WEIGHT_STREAM, _ACTIVATION_STREAM = 0, 1


@dataclass(frozen=True, eq=False)
class LayerMasks:
    """A layer's real masks (any part may be missing and is then generated)."""

    weights: np.ndarray                              # bool, layer.weight_shape
    activations: np.ndarray | None = None            # bool, activation_shape(layer, batch)
    activation_density: np.ndarray | None = None     # float, one per sample


def vectors_per_sample(layer) -> int:
    """Input vectors (activation rows) one sample feeds a non-conv layer."""
    return layer.gemm(1).n


def simulated_vectors(layer, max_vectors: int):
    """The layer an event-level engine runs for one sample, with at most ``max_vectors``
    input vectors (an LSTM's first time steps, a matmul's first columns), and the factor
    its per-sample counts are scaled by (the vectors of a sample are drawn alike)."""
    vectors = 1 if layer.kind == "conv" else vectors_per_sample(layer)
    if vectors <= max_vectors:
        return layer, 1.0
    field = "timesteps" if layer.kind == "lstm" else "columns"
    return replace(layer, **{field: max_vectors}), vectors / max_vectors


_OUTPUTS = {"fc": "out_features", "matmul": "out_features", "conv": "out_channels"}


def simulated_outputs(layer, max_nonzero_weights: int):
    """The layer with only its first output channels (rows of the weight matrix) when its
    non-zero weights exceed ``max_nonzero_weights``, and the factor its counts are scaled by:
    for an engine that runs output channels group after group alike (SCNN). Grouped convs
    and LSTMs (whose outputs are also inputs) are run whole."""
    field = _OUTPUTS.get(layer.kind)
    nonzero = layer.weight_count * layer.density
    if field is None or layer.groups != 1 or nonzero <= max_nonzero_weights:
        return layer, 1.0
    outputs = getattr(layer, field)
    keep = max(1, int(outputs * max_nonzero_weights / nonzero))
    masks = layer.masks and replace(layer.masks, weights=layer.masks.weights[:keep])
    return replace(layer, masks=masks, **{field: keep}), outputs / keep


def sampling_notes(layer, run_as, batch: int, simulated: int) -> list[str]:
    """The notes of a layer run as ``run_as`` (:func:`simulated_vectors`,
    :func:`simulated_outputs`) on ``simulated`` of ``batch`` samples
    (:func:`simulated_batch`)."""
    notes = []
    field = _OUTPUTS.get(layer.kind)
    if field and getattr(run_as, field) != getattr(layer, field):
        notes.append(f"{layer.name}: {getattr(run_as, field)} of the {getattr(layer, field)} "
                     f"output channels simulated (the rest are drawn alike), counts scaled")
    if vectors_per_sample(run_as) != vectors_per_sample(layer) and layer.kind != "conv":
        what = "time steps" if layer.kind == "lstm" else "columns"
        notes.append(f"{layer.name}: {vectors_per_sample(run_as)} of the "
                     f"{vectors_per_sample(layer)} {what} of a sample simulated, counts "
                     "scaled")
    if simulated < batch:
        notes.append(f"{layer.name}: {simulated} of the {batch} samples simulated, counts "
                     "scaled to the batch")
    return notes


def check_simulated_size(layer, engine: str, file: str | None, *,
                         limit: int = MAX_SIMULATED_VALUES, **counts: float) -> None:
    """Refuse, in one EngineError line, a layer whose event-level simulation would hold
    (or loop over) more than ``limit`` of any of ``counts`` (weights, activations, events):
    memory and time stay bounded; an analytic engine (roofline, systolic) takes any size."""
    for what, count in counts.items():
        if count > limit:
            raise EngineError(
                f"layer {layer.name}: too large for the {engine} engine's event-level "
                f"simulation ({count:,.0f} {what.replace('_', ' ')}, at most {limit:,}); "
                "the roofline and systolic engines model any size", file=file)


def simulated_batch(layer, batch: int, max_vectors: int, max_elements: int = 1 << 26) -> int:
    """How many of ``batch`` samples an event-level engine runs (at least one): at most
    ``max_vectors`` input vectors and ``max_elements`` activation elements, so that memory
    and time stay bounded at any batch; the engine scales its counts to the whole batch
    and says so in its notes."""
    shape = activation_shape(layer, 1)
    per_sample_vectors = 1 if layer.kind == "conv" else shape[0]
    return max(1, min(batch, max_vectors // per_sample_vectors,
                      max_elements // max(1, math.prod(shape))))


def activation_shape(layer, batch: int) -> tuple[int, ...]:
    if layer.kind == "conv":
        return (batch, layer.in_channels, *layer.in_hw)
    return (batch * vectors_per_sample(layer), layer.gemm(1).k)


def _rng(layer, seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(layer.name.encode()), stream])


def bernoulli_positions(size: int, density: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted flat indices of an i.i.d. Bernoulli(density) mask of ``size`` elements."""
    if density >= 1.0:
        return np.arange(size, dtype=np.int64)
    expected = size * density
    positions = np.empty(0, dtype=np.int64)
    last = -1
    while last < size:
        gaps = rng.geometric(density, size=int(expected + 6 * np.sqrt(expected) + 16))
        more = last + np.cumsum(gaps)
        positions = np.concatenate([positions, more])
        last = int(more[-1])
    return positions[positions < size]


def weight_positions(layer, seed: int, *, transpose: bool = False) -> np.ndarray:
    """Sorted flat indices of the non-zero weights (of the transposed ``(k, m)`` matrix when
    ``transpose``, i.e. column-major order for a 2-D weight matrix)."""
    shape = layer.weight_shape
    if transpose and len(shape) != 2:
        raise ValueError("transpose applies to 2-D weight matrices only")
    masks = layer.masks
    if masks is not None:
        array = masks.weights.T if transpose else masks.weights
        return np.flatnonzero(array)
    return bernoulli_positions(int(np.prod(shape)), layer.density, _rng(layer, seed,
                                                                        _WEIGHT_STREAM))


def weight_mask(layer, seed: int) -> np.ndarray:
    """The boolean weight mask in ``Layer.weight_shape``."""
    if layer.masks is not None:
        return layer.masks.weights
    shape = layer.weight_shape
    flat = np.zeros(int(np.prod(shape)), dtype=bool)
    flat[weight_positions(layer, seed)] = True
    return flat.reshape(shape)


def sample_densities(layer, batch: int) -> np.ndarray:
    """Activation density of each sample (per-sample densities from the mask file if given)."""
    masks = layer.masks
    if masks is not None and masks.activation_density is not None:
        return masks.activation_density
    return np.full(batch, layer.activation_density)


def activation_mask(layer, batch: int, seed: int) -> np.ndarray:
    """The boolean activation mask in :func:`activation_shape` (real, or generated with
    exactly ``round(density · size)`` non-zeros per sample (conv) or per vector)."""
    masks = layer.masks
    if masks is not None and masks.activations is not None:
        return masks.activations[: activation_shape(layer, batch)[0]]  # the first samples
    shape = activation_shape(layer, batch)
    rng = _rng(layer, seed, _ACTIVATION_STREAM)
    per_sample = 1 if layer.kind == "conv" else vectors_per_sample(layer)
    rows = np.zeros((shape[0], int(np.prod(shape[1:]))), dtype=bool)
    densities = np.repeat(sample_densities(layer, batch)[:batch], per_sample)
    for i, density in enumerate(densities):
        count = int(np.floor(density * rows.shape[1] + 0.5))
        rows[i, rng.choice(rows.shape[1], size=count, replace=False)] = True
    return rows.reshape(shape)


# ---- the edge: reading and checking a mask file -----------------------------------------
def load_mask_file(path: str | Path, layer, batch: int, *, file: str, field: str) -> LayerMasks:
    """Read ``path`` (an ``.npz``) and check it against ``layer``; one-line SpecError if the
    file is missing or unreadable, or a shape or density contradicts the layer."""
    def fail(message: str):
        raise SpecError(f"{Path(path).name}: {message}", file=file, field=field)

    from accelsim.spec.arrays import read_npz

    shapes = {"weight": layer.weight_shape, "activation": activation_shape(layer, batch)}

    def expect(name: str, dtype: np.dtype, shape: tuple) -> str | None:
        if name == "activation_density":
            if dtype.kind not in "fiu":
                return f"'activation_density' must be numbers, got {dtype}"
            if math.prod(shape) != batch:
                return f"'activation_density' has {math.prod(shape)} values, the batch is {batch}"
            return None
        if name not in shapes:
            return f"unknown array {name!r} (allowed: activation, activation_density, weight)"
        if dtype != bool:
            return f"'{name}' must be boolean, got {dtype}"
        if shape != tuple(shapes[name]):
            return f"'{name}' has shape {shape}, the layer needs {tuple(shapes[name])}"
        return None

    arrays = read_npz(path, fail, expect=expect)
    if "weight" not in arrays:
        fail("missing array 'weight'")
    if "activation" in arrays and "activation_density" in arrays:
        fail("give either 'activation' or 'activation_density', not both")
    weights = arrays["weight"]
    _check_density(weights.mean(), layer.density, weights.size, "weight",
                   "the layer's weight density", fail)
    activations = None
    if "activation" in arrays:
        activations = arrays["activation"]
        _check_density(activations.mean(), layer.activation_density, activations.size,
                       "activation", "activation_density", fail)
    densities = None
    if "activation_density" in arrays:
        densities = np.asarray(arrays["activation_density"], dtype=float).reshape(-1)
        if not np.all((densities > 0) & (densities <= 1)):  # NaN fails too
            fail("'activation_density' values must be in (0, 1]")
        _check_density(densities.mean(), layer.activation_density, None,
                       "activation_density", "activation_density", fail)
    return LayerMasks(weights=weights, activations=activations, activation_density=densities)


def _check_density(actual: float, stated: float, size: int | None, name: str, what: str,
                   fail) -> None:
    """The mask's density must be the stated one within :data:`DENSITY_TOLERANCE` of it
    (relative: engines count the mask, reports and byte counts may use the stated value),
    plus half an element of ``size`` for the rounding of a count."""
    allowed = DENSITY_TOLERANCE * stated + (0.5 / size if size else 0.0)
    if abs(actual - stated) > allowed:
        fail(f"'{name}' density {actual:.4f} contradicts {what} {stated:.4f}")
