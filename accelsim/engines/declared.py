"""The options of the built-in engines, declared here rather than in the engine modules, so
that ``accelsim run`` builds its flags (one per option of every engine) without importing
any engine: each engine module takes its ``OPTIONS`` from this module, and the registry
reads :data:`BY_MODULE`. Each option is declared once (``--kernel`` is the roofline's, which
the cluster engine passes on to it), with the value sets its allowed values come from.
"""

from __future__ import annotations

from accelsim.engines.options import Option
from accelsim.model.layer import DTYPES
from accelsim.model.steps import StepsModel

# ---- roofline (gpu, cpu) ------------------------------------------------------------------
KERNELS = ("dense", "structured", "csr", "lowrank", "nm")
KERNEL = Option("kernel", str, "auto", "dense, structured, csr, lowrank, nm or auto (the "
                "fastest the layer can run)", choices=("auto",) + KERNELS)
ROOFLINE = (KERNEL,
            Option("mode", str, "inference", "inference or training (forward + backward)",
                   choices=("inference", "training")),
            Option("precision", str, "fp32", "default dtype of layers that give none",
                   choices=DTYPES))

# ---- cluster ------------------------------------------------------------------------------
ENCODINGS = ("fp32", "fp16", "terngrad", "topk")
SCHEMES = ("appendix-b", "ps", "ring", "hierarchical")
CLUSTER = (
    Option("gpus", int, tuple(2 ** p for p in range(10)), "GPU counts, e.g. 1,2,4,...,512",
           many=True, minimum=1, maximum=1 << 24),
    Option("encoding", str, ("fp32", "terngrad"), "gradient encodings, e.g. fp32,terngrad",
           choices=ENCODINGS, many=True),
    Option("scheme", str, "appendix-b", "communication scheme", choices=SCHEMES),
    Option("scaling", str, "weak", "weak (batch per GPU) or strong (global batch)",
           choices=("weak", "strong")),
    Option("overlap", bool, False, "overlap communication with backpropagation layer by layer"),
    Option("servers", int, None, "ps: number of parameter servers (default one per node)",
           minimum=1, maximum=1 << 24),
    Option("localization", bool, True, "ps: parameter localization (only gradients travel)"),
    Option("topk_fraction", float, 0.01, "topk: fraction of gradient entries sent"),
    Option("float_last_layer", bool, True, "terngrad: keep the last layer in fp32"),
    Option("profiled_iteration_s", float, None, "a profiled single-GPU iteration time instead "
           "of the roofline's", above=0.0, maximum=1e9),
    KERNEL,
    # time to train (accelsim.engines.time_to_train)
    Option("steps_model", StepsModel, None, "time to train with this steps-model file "
           "(steps/*.yaml): hours and GPU-hours, fastest and cheapest marked"),
    Option("batch_per_gpu", int, None, "with --steps-model: images per GPU per step, e.g. "
           "32,64 (default: the workload's batch)", many=True),
    Option("sparsity", float, None, "with --steps-model: weight sparsities of every layer, "
           "e.g. 0,0.9 (default: the workload's own)", many=True),
)

# ---- eie, scnn ----------------------------------------------------------------------------
SEED = Option("seed", int, None, "seed of generated masks (default: the workload's)",
              minimum=0, maximum=2 ** 32 - 1)
EIE = (SEED,)
SCNN = (SEED,
        Option("bank_samples", int, 4096, "product windows sampled for accumulator bank "
               "conflicts", minimum=1, maximum=1 << 20))

# ---- systolic -----------------------------------------------------------------------------
DATAFLOWS = ("ws", "os", "is")
SYSTOLIC = (Option("dataflow", str, None, "dataflow instead of the arch's (auto: the fastest "
                   "per layer)", choices=DATAFLOWS + ("auto",)),)

# the options of each built-in engine module (accelsim.engines.<module>)
BY_MODULE: dict[str, tuple[Option, ...]] = {
    "fpga": (), "roofline": ROOFLINE, "cluster": CLUSTER, "eie": EIE, "scnn": SCNN,
    "systolic": SYSTOLIC}
