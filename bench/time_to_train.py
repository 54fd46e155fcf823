"""Benchmark: time to train of one network over GPU counts. Prints medians (seconds) of
(a) the vectorised grid for ResNet-50, 17 GPU counts (1, 2, 4, ..., 65,536) x 2 encodings
    (issue 14 target: < 0.1 s), (b) the same through ``simulate`` (Result rows, marks),
(c) the grid at every GPU count 1..65,536 (131,072 configurations), for scale."""

from dataclasses import replace
from pathlib import Path

from timing import timed

from accelsim.engines import time_to_train
from accelsim.spec import Arch, load_arch, load_workload
from accelsim.spec.steps import load_steps_model

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 11



def main():
    arch = load_arch(ROOT / "archs/cluster_dgx1_v100.yaml")
    big = replace(arch.config, max_nodes=8192)  # 65,536 GPUs
    big_arch = Arch(arch.name, arch.engine, arch.clock_hz, big, arch.path)
    net = load_workload(ROOT / "workloads/resnet50_train.json")
    model = load_steps_model(ROOT / "steps/resnet50_imagenet_90ep.yaml")
    opts = {"gpus": tuple(2 ** p for p in range(17)), "encoding": ("fp32", "terngrad"),
            "scheme": "hierarchical", "steps_model": model}
    print(f"(a) grid, 17 GPU counts x 2 encodings: median "
          f"{timed(lambda: time_to_train.grid(big, net, opts), REPEATS):.4f} s")
    print(f"(b) simulate, same: median "
          f"{timed(lambda: time_to_train.simulate(big_arch, net, opts), REPEATS):.4f} s")
    every = {**opts, "gpus": tuple(range(1, 65537))}
    print(f"(c) grid, every count 1..65,536 x 2 encodings: median "
          f"{timed(lambda: time_to_train.grid(big, net, every), repeats=3):.4f} s")


if __name__ == "__main__":
    main()
