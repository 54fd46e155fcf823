"""Mask generators: SSL group pruning, magnitude (one-shot and Zhu & Gupta), SNIP, random.

Every generator takes ``{layer name: natural weight array}`` (plus what it needs) and returns
``{layer name: boolean mask}`` of the same shapes (True = kept). ``sparsity`` is the target
fraction of zeros (SOURCES.md §1: S002, Zhu & Gupta, S004):

* **ssl**: zero whole groups (filter-, channel- or shape-wise, :mod:`accelsim.traces.groups`)
  with the smallest ℓ2 norms. Per layer, the fraction of the layer's groups removed is
  ``sparsity`` (rounded); globally, groups are ranked by RMS (norm / √size, so that groups of
  different layers compare) and removed until ``sparsity`` of all weights is gone.
* **magnitude**: keep the largest |w|, with one threshold over the network (global) or per
  layer; :func:`zhu_gupta_sparsity` is the gradual schedule of Zhu & Gupta 2017.
* **snip**: connection sensitivity ``|∂L/∂w · w|`` from one minibatch, global top-κ
  (S002 Algorithm 1), with a guard that keeps at least ``min_layer_density`` of every layer
  (S002: SNIP can otherwise remove a whole layer). :func:`mlp_gradients` gives the gradients of
  a chain of fc layers in numpy; other networks pass gradients from their framework.
* **random**: a uniformly random subset of all weights, globally (S002 App. 4.B).
* **nm**: N:M structured sparsity (e.g. 2:4, the pattern of NVIDIA's sparse tensor cores,
  Mishra et al. 2021, "Accelerating Sparse Deep Neural Networks"): in every group of M
  consecutive weights along each GEMM row (the reduction dimension k), the N largest |w| are
  kept; a short last group keeps min(N, its size). The sparsity is 1 − N/M by construction.

Ties are broken by position (stable sort), so every generator hits its target count exactly.
"""

from __future__ import annotations

import math

import numpy as np

from accelsim.traces.groups import expand, group_norms, grouped


def _keep_top(scores: dict[str, np.ndarray], keep: int) -> dict[str, np.ndarray]:
    """Masks keeping the ``keep`` highest scores over all layers together."""
    flat = np.concatenate([s.ravel() for s in scores.values()])
    order = np.argsort(-flat, kind="stable")
    kept = np.zeros(flat.size, dtype=bool)
    kept[order[:keep]] = True
    return _split(kept, scores)


def _split(flat: np.ndarray, like: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out, start = {}, 0
    for name, array in like.items():
        out[name] = flat[start:start + array.size].reshape(array.shape)
        start += array.size
    return out


def _kept_count(size: int, sparsity: float) -> int:
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(f"sparsity must be in [0, 1), got {sparsity}")
    return size - int(round(sparsity * size))


def magnitude(weights: dict[str, np.ndarray], sparsity: float, scope: str = "global"
              ) -> dict[str, np.ndarray]:
    """One-shot magnitude pruning with one global threshold or one per layer."""
    scores = {name: np.abs(w) for name, w in weights.items()}
    if scope == "layer":
        return {name: _keep_top({name: s}, _kept_count(s.size, sparsity))[name]
                for name, s in scores.items()}
    return _keep_top(scores, _kept_count(sum(s.size for s in scores.values()), sparsity))


def zhu_gupta_sparsity(step: int, final: float, begin_step: int, end_step: int,
                       initial: float = 0.0, power: int = 3) -> float:
    """Gradual schedule ``s_t = s_f + (s_i − s_f)(1 − p)^3``, p = clipped progress from
    ``begin_step`` to ``end_step`` (Zhu & Gupta; TF-MOT PolynomialDecay)."""
    progress = min(max((step - begin_step) / max(end_step - begin_step, 1), 0.0), 1.0)
    return final + (initial - final) * (1.0 - progress) ** power


def random(shapes: dict[str, tuple[int, ...]], sparsity: float, seed: int = 0
           ) -> dict[str, np.ndarray]:
    """A uniformly random global subset of all weights is kept."""
    rng = np.random.default_rng(seed)
    scores = {name: rng.random(shape) for name, shape in shapes.items()}
    return _keep_top(scores, _kept_count(sum(s.size for s in scores.values()), sparsity))


def snip(weights: dict[str, np.ndarray], gradients: dict[str, np.ndarray], sparsity: float,
         min_layer_density: float = 0.01) -> dict[str, np.ndarray]:
    """SNIP masks: global top-κ of ``|g ⊙ w|``. Each layer first reserves its own
    top ``⌈min_layer_density · size⌉`` weights; the rest of κ is filled globally."""
    scores = {name: np.abs(gradients[name] * w) for name, w in weights.items()}
    keep = _kept_count(sum(s.size for s in scores.values()), sparsity)
    reserved = {name: _keep_top({name: s}, math.ceil(min_layer_density * s.size))[name]
                for name, s in scores.items()}
    remaining = keep - sum(int(r.sum()) for r in reserved.values())
    if remaining < 0:
        raise ValueError(f"sparsity {sparsity} leaves fewer weights than min_layer_density "
                         f"{min_layer_density} reserves per layer")
    open_scores = {name: np.where(reserved[name], -np.inf, s) for name, s in scores.items()}
    filled = _keep_top(open_scores, remaining)
    return {name: reserved[name] | filled[name] for name in scores}


def mlp_gradients(weights: list[np.ndarray], x: np.ndarray, labels: np.ndarray,
                  activation: str = "tanh") -> list[np.ndarray]:
    """∂L/∂W of softmax cross-entropy (mean over the batch) for a bias-free chain of fc
    layers ``W_i`` (out × in) with ``activation`` between them and none after the last."""
    act, slope = {"tanh": (np.tanh, lambda h: 1.0 - h * h),
                  "relu": (lambda z: np.maximum(z, 0.0), lambda h: (h > 0).astype(h.dtype)),
                  "linear": (lambda z: z, np.ones_like)}[activation]
    inputs = [np.asarray(x, dtype=np.float64).reshape(len(x), -1)]
    for w in weights[:-1]:
        inputs.append(act(inputs[-1] @ w.T))
    logits = inputs[-1] @ weights[-1].T
    prob = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    prob[np.arange(len(labels)), labels] -= 1.0
    delta = prob / len(labels)
    grads = [None] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        grads[i] = delta.T @ inputs[i]
        if i:
            delta = (delta @ weights[i]) * slope(inputs[i])
    return grads


def ssl(weights: dict[str, np.ndarray], layers: dict[str, tuple[str, int]], sparsity: float,
        structure: str = "filter", scope: str = "layer") -> dict[str, np.ndarray]:
    """SSL group pruning; ``layers`` maps each name to its ``(kind, groups)``."""
    views = {name: grouped(w, *layers[name]) for name, w in weights.items()}
    norms = {name: np.asarray(group_norms(v, structure)) for name, v in views.items()}
    if scope == "layer":
        keep = {name: _keep_top({name: n}, _kept_count(n.size, sparsity))[name]
                for name, n in norms.items()}
    else:
        keep = _global_groups(views, norms, sparsity)
    return {name: np.broadcast_to(expand(keep[name], structure), views[name].shape)
            .reshape(w.shape) for name, w in weights.items()}


def _global_groups(views, norms, sparsity):
    """Remove the lowest-RMS groups network-wide until ``sparsity`` of all weights is gone."""
    size = {name: views[name].size // norms[name].size for name in views}
    rms = {name: n / math.sqrt(size[name]) for name, n in norms.items()}
    flat = np.concatenate([r.ravel() for r in rms.values()])
    weight_of = np.concatenate([np.full(r.size, size[name]) for name, r in rms.items()])
    order = np.argsort(flat, kind="stable")
    target = int(round(sparsity * sum(v.size for v in views.values())))
    removed_through = np.cumsum(weight_of[order])
    count = int(np.searchsorted(removed_through, target, side="right"))
    kept = np.ones(flat.size, dtype=bool)
    kept[order[:count]] = False
    return _split(kept, rms)


def nm(weights: dict[str, np.ndarray], n: int, m: int) -> dict[str, np.ndarray]:
    """N:M masks: the ``n`` largest |w| of every ``m`` consecutive weights of a GEMM row
    (rows = first axis of the natural shape, the rest flattened into k)."""
    masks = {}
    for name, w in weights.items():
        rows = np.abs(w.reshape(w.shape[0], -1))
        k = rows.shape[1]
        padded = np.full((rows.shape[0], -(-k // m) * m), -1.0)
        padded[:, :k] = rows
        groups = padded.reshape(rows.shape[0], -1, m)
        order = np.argsort(-groups, axis=2, kind="stable")
        kept = np.zeros_like(groups, dtype=bool)
        np.put_along_axis(kept, order[:, :, :n], True, axis=2)
        kept &= groups >= 0  # padding is never kept
        masks[name] = kept.reshape(rows.shape[0], -1)[:, :k].reshape(w.shape)
    return masks
