"""Train LeNet-5-Caffe with SSL group Lasso on MNIST-like digits, trace it, simulate it.

End to end on the CPU in minutes (needs the torch and digits extras; bench/bench_examples.py
times it):

1. data: scikit-learn's digits as 28×28 images (accelsim.traces.digits), 80/20 split;
2. training: cross-entropy + λ_g · Σ group norms (S000 §2.2: filter-wise and channel-wise
   groups of both convs, filter-wise rows and shape-wise columns of fc1), Adam;
3. groups whose norm falls below ``--threshold`` × the layer's largest are zeroed and the
   net is fine-tuned with that mask fixed (S000 zeroes small weights the same way, §2.3);
4. the trace (real masks, activation densities measured on test images) is written;
5. each ARCH file given is simulated on the trace (default: archs/vc707.yaml).

    python examples/lenet_digits_ssl.py [--epochs 12] [-o OUT.json] [ARCH ...]
"""

from __future__ import annotations

import argparse
import time
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from accelsim.registry import simulate
from accelsim.errors import AccelsimError
from accelsim.spec import load_arch
from accelsim.traces.digits import mnist_like_digits
from accelsim.traces.extract import from_module
from accelsim.traces.groups import expand, group_norms, grouped

# (module name in the model, layer kind, SSL structures regularized)
SSL_GROUPS = (("conv1", "conv", ("filter", "channel")), ("conv2", "conv", ("filter", "channel")),
              ("fc1", "fc", ("filter", "shape")))


def lenet5() -> nn.Module:
    """LeNet-5-Caffe (SOURCES.md §8.2): 20 and 50 5×5 filters, fc 800→500→10."""
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 20, 5)), ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(20, 50, 5)), ("pool2", nn.MaxPool2d(2)),
        ("flatten", nn.Flatten()), ("fc1", nn.Linear(800, 500)), ("relu", nn.ReLU()),
        ("fc2", nn.Linear(500, 10))]))


def group_lasso(model: nn.Module) -> torch.Tensor:
    """Σ over the SSL groups of their ℓ2 norms (ε = 1e-8 keeps the gradient finite at 0)."""
    total = torch.zeros(())
    for name, kind, structures in SSL_GROUPS:
        view = grouped(model.get_submodule(name).weight, kind)
        for structure in structures:
            total = total + group_norms(view, structure, eps=1e-8).sum()
    return total


def ssl_masks(model: nn.Module, threshold: float) -> dict[str, torch.Tensor]:
    """Zero every regularized group whose norm is below ``threshold`` × the largest norm of
    its layer and structure; returns the weight masks."""
    masks = {}
    for name, kind, structures in SSL_GROUPS:
        weight = model.get_submodule(name).weight.detach()
        view = grouped(weight, kind)
        keep = torch.ones_like(view, dtype=torch.bool)
        for structure in structures:
            norms = group_norms(view, structure)
            alive = norms >= threshold * norms.max()
            keep &= expand(alive, structure)
        masks[name] = keep.reshape(weight.shape)
    return masks


def _epochs(model, x, y, epochs, lam, masks, seed):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen).split(64):
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            if lam:
                loss = loss + lam * group_lasso(model)
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                for name, mask in masks.items():
                    model.get_submodule(name).weight.mul_(mask)


def accuracy(model, x, y) -> float:
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def train(epochs: int = 12, finetune_epochs: int = 3, lam: float = 1e-2,
          threshold: float = 0.1, train_samples: int | None = None, seed: int = 0) -> dict:
    """Train with SSL, prune small groups, fine-tune; returns the model, data and metrics."""
    torch.manual_seed(seed)
    images, labels = mnist_like_digits()
    order = np.random.default_rng(seed).permutation(len(images))
    split = int(0.8 * len(images))
    train_idx = order[:split][:train_samples]
    x, y = torch.from_numpy(images[train_idx]), torch.from_numpy(labels[train_idx])
    x_test = torch.from_numpy(images[order[split:]])
    y_test = torch.from_numpy(labels[order[split:]])
    model = lenet5()
    start = time.perf_counter()
    _epochs(model, x, y, epochs, lam, {}, seed)
    masks = ssl_masks(model, threshold)
    with torch.no_grad():
        for name, mask in masks.items():
            model.get_submodule(name).weight.mul_(mask)
    pruned_accuracy = accuracy(model, x_test, y_test)
    _epochs(model, x, y, finetune_epochs, 0.0, masks, seed + 1)
    return {"model": model, "x_test": x_test, "seconds": time.perf_counter() - start,
            "accuracy": accuracy(model, x_test, y_test), "pruned_accuracy": pruned_accuracy}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archs", nargs="*", default=["archs/vc707.yaml"])
    parser.add_argument("-o", "--output", default="workloads/lenet5_digits_ssl.json")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--finetune-epochs", type=int, default=3)
    parser.add_argument("--lam", type=float, default=1e-2, help="group-Lasso weight λ_g")
    parser.add_argument("--threshold", type=float, default=0.1,
                        help="zero groups below this fraction of the largest norm")
    parser.add_argument("--train-samples", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    run = train(args.epochs, args.finetune_epochs, args.lam, args.threshold,
                args.train_samples, args.seed)
    print(f"trained in {run['seconds']:.1f} s: test accuracy {run['accuracy']:.4f} "
          f"(after pruning, before fine-tuning {run['pruned_accuracy']:.4f})")
    trace = from_module(run["model"], run["x_test"][:64], name="lenet5_digits_ssl")
    trace = replace(trace, source=(
        f"LeNet-5-Caffe trained by examples/lenet_digits_ssl.py on scikit-learn digits at "
        f"28x28 with SSL group Lasso (lambda_g={args.lam}, threshold={args.threshold}, "
        f"{args.epochs}+{args.finetune_epochs} epochs, seed {args.seed}); test accuracy "
        f"{run['accuracy']:.4f}; activation densities from 64 test images"))
    workload = trace.write(args.output, force=True)  # its own earlier output only
    for layer in workload.layers:
        print(f"  {layer.name:6s} density {layer.density:.3f}  rows {layer.row_sparsity:.3f}  "
              f"cols {layer.col_sparsity:.3f}  rank {layer.rank}  "
              f"activations {layer.activation_density:.3f}")
    results = {}
    for arch_path in args.archs:
        try:
            result = simulate(load_arch(arch_path), workload)
        except AccelsimError as exc:  # e.g. EIE runs fc/lstm layers only
            print(f"{arch_path}: not run: {exc.message}")
            continue
        totals = result.totals()
        results[arch_path] = result
        print(f"{arch_path}: {totals['seconds'] * 1e3:.4f} ms, {totals['effective_macs']:,} of "
              f"{totals['dense_macs']:,} MACs, utilization {totals['utilization']:.3f}")
    return {**run, "workload": workload, "results": results}


if __name__ == "__main__":
    main()
