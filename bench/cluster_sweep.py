"""Benchmark: cluster sweeps. Prints medians (seconds) of
(a) 17 GPU counts (1..65,536) x 3 networks x 2 encodings (issue 4 target: <= 0.1 s), and
(b) one CLI-sized sweep of 1..512 GPUs for VggNet-A."""

from dataclasses import replace
from pathlib import Path

from timing import timed

from accelsim.engines import cluster
from accelsim.spec import load_arch, load_workload

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 21



def main():
    arch = load_arch(ROOT / "archs/cluster_p100_ib.yaml")
    big = replace(arch.config, max_nodes=16384)  # 65,536 GPUs
    nets = [load_workload(ROOT / f"workloads/{n}_train.json")
            for n in ("alexnet", "googlenet", "vgg_a")]
    gpus = tuple(2 ** p for p in range(17))
    opts = {"gpus": gpus, "encoding": ("fp32", "terngrad")}

    def full():
        for net in nets:
            cluster.sweep(big, net, opts)

    print(f"17 GPU counts x 3 networks x 2 encodings: median {timed(full, REPEATS):.4f} s")
    print(f"same with overlap (ring): median "
          f"{timed(lambda: [cluster.sweep(big, n, {**opts, 'scheme': 'ring', 'overlap': True}) for n in nets], REPEATS):.4f} s")
    print(f"VggNet-A 1..512 GPUs: median "
          f"{timed(lambda: cluster.simulate(arch, nets[2], {'gpus': gpus[:10]}), REPEATS):.4f} s")


if __name__ == "__main__":
    main()
