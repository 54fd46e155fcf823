"""The calibration registry: every calibrated value of every shipped arch file, the data it was
fitted on, the procedure and the range of inputs the fit saw.

One place for three uses: the scoreboard derives each row's kind (fit or prediction) from
``Fit.targets``; the roofline engine notes a device whose efficiency parameters were fitted
on another device's data, and a layer that lies outside a fit's range; a test checks that the
arch files' ``CALIBRATED`` comments and this registry agree, value by value.

Beside the fits, ``PRIORS``: values taken from a published source (a derating table, a
vendor guide) without fitting on any scoreboard row, so the rows they feed stay
predictions; each arch value is registered with its prior (``PRIOR_VALUES``, checked against
the GPU arch files' ``PRIOR`` comments) and a Result notes where each came from.

A value counts as the registered calibration only while the arch holds that very value (a
user who edits it owns the result). Pure data: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatch


@dataclass(frozen=True)
class Fit:
    """One fitting procedure on one data set. ``targets``: the scoreboard rows fitted on,
    as (case, item pattern) pairs (fnmatch). ``ranges``: per kernel, the fitted range of
    each input (density, GEMM m, k, n) as (low, high)."""

    id: str
    device: str            # arch name of the device whose data this is
    data: str
    procedure: str
    targets: tuple[tuple[str, str], ...] = ()
    ranges: dict = field(default_factory=dict)


_T24_SHAPES = {"m": (87, 384), "k": (264, 2304), "n": (169, 3025)}  # dense + compacted GEMMs
_T24_CSR = {"density": (0.028, 0.324), "m": (96, 384), "k": (363, 2304), "n": (169, 3025)}
_EIE_DENSE = {"m": (1000, 4096), "k": (4096, 25088), "n": (1, 1)}


def _table24_fit(side: str, arch: str) -> Fit:
    """The Table 2.4 fit of one device: its ten speedups (CSR and SSL rows, conv1-conv5)."""
    return Fit(f"table24_{side}", arch,
               f"S000 Table 2.4, {side.upper()} rows: AlexNet 1 (l1, CSR) and AlexNet 2 (SSL) "
               "speedups, conv1-conv5",
               "accelsim.validate.calibrate.fit_roofline_table24 (grid; leave-one-layer-out CV "
               "reported by validate.published)",
               (("s000_table24", f"{side} *"),),
               {"dense": _T24_SHAPES, "structured": _T24_SHAPES, "csr": _T24_CSR})


FITS = {f.id: f for f in (
    _table24_fit("gpu", "gtx_titan_black"),
    _table24_fit("cpu", "xeon_e5_2630_1thread"),
    Fit("eie_dense_titan_x", "titan_x_maxwell",
        "EIE Table IV, dense batch-1 cuBLAS times on the Titan X (Alex-6/7/8, VGG-6)",
        "accelsim.validate.calibrate.fit_memory_eie (grid, minimax relative error)",
        (("eie_table4_dense", "gpu_titan_x *"),), {"dense": _EIE_DENSE}),
    Fit("eie_dense_i7", "i7_5930k",
        "EIE Table IV, dense batch-1 MKL times on the i7-5930K (Alex-6/7/8, VGG-6)",
        "accelsim.validate.calibrate.fit_memory_eie (grid, minimax relative error)",
        (("eie_table4_dense", "cpu_i7_5930k *"),), {"dense": _EIE_DENSE}),
    Fit("table1_vc707", "vc707",
        "S001 Table I, VC707 conv1-conv5 computation efficiencies, conv total and PE count",
        "accelsim.validate.calibrate.fit_fpga_table1 (grid, minimax per-layer miss); "
        "macs_per_pe chosen among 8/16/17/32, alpha and m_sub so that the BRAM bound gives 32 PEs",
        (("s001_table1_vc707", "conv*"), ("s001_table1_vc707", "PE count"))),
    Fit("scnn_dense_ratio", "scnn",
        "SCNN density sweep: SCNN/DCNN = 0.79 at density 1.0 (VGG-16 conv)",
        "crossbar_window_cycles chosen among 1/2/4/8/16",
        (("scnn_density", "SCNN / DCNN performance at density 1.0"),)),
    Fit("local_cpu_gemm", "local_cpu_1thread",
        "this machine's 110 calibration GEMMs (calibrate.CALIBRATION_GEMMS, "
        "CALIBRATION_NARROW_GEMMS and CALIBRATION_LLC_GEMMS, none a validation shape) and a 2 x 128 MiB copy, min of repeats "
        "(reports/validation/calibration_measured.csv)",
        "accelsim.validate.calibrate.fit_cpu (grids; coordinate descent on mean |log error|, "
        "in-sample 0.212); the narrow-n form (a per-call cost, not padded to tiles) chosen by "
        "leave-one-n-out CV on the calibration GEMMs at n = 2-30 (minima to 18:48: 0.285, "
        "against 0.340 padded); judged held out on the cache curve, the CSR grid and the "
        "transformer and sparse validation kernels (reports/validation)",
        (), {"dense": {"m": (20, 6000), "k": (30, 15000), "n": (1, 1000)}}),
    Fit("local_cpu_csr", "local_cpu_1thread",
        "this machine's 32 calibration CSR kernels (calibrate.CALIBRATION_CSR: square 1024 and "
        "2048, n 8-1024, density 1-50%), min of repeats",
        "accelsim.validate.calibrate.fit_cpu (grid, mean |log error|) in the form chosen on the "
        "CSR grid by leave-one-shape-out error (validate.grids)",
        (), {"csr": {"density": (0.01, 0.5), "m": (1024, 2048), "k": (1024, 2048),
                     "n": (8, 1024)}}),
    Fit("local_cpu_vector", "local_cpu_1thread",
        "this machine's 8 calibration layer-norm and softmax kernels (torch, "
        "calibrate.CALIBRATION_VECTOR)",
        "accelsim.validate.calibrate.fit_cpu (grid, mean |log error|, bandwidth and launch held)",
        (), {"vector": {"elements": (65536, 900000)}}),  # 64 x 1024 ... 300 x 3000
    Fit("terngrad_gains", "cluster_gtx1080_1gbe",
        "S000 Section 4.3: TernGrad's gains, AlexNet 3.04x on 8 GTX 1080 (1 GbE) and VggNet-A "
        "about 2x on 512 P100 (InfiniBand)",
        "accelsim.validate.calibrate.fit_cluster_compute_efficiency (grid, minimax |log error|, "
        "one value for both clusters; leave-one-out reported by validate.published)",
        (("s000_terngrad_scaling", "alexnet_ethernet *"),
         ("s000_terngrad_scaling", "vgg_a_infiniband *"))),
)}

_SHAPE = ("tile_m", "tile_n", "k_half", "launch_overhead_s")
_CSR = ("csr_efficiency", "csr_row_overhead")
_TITAN_BLACK = {"tile_m": 16, "tile_n": 96, "k_half": 192, "csr_efficiency": 0.2565,
                "csr_row_overhead": 1024}
_XEON_1T = {"tile_m": 8, "tile_n": 256, "k_half": 64, "csr_efficiency": 0.4272,
            "csr_row_overhead": 256}
_TITAN_X = {"memory_efficiency": 0.8725, "launch_overhead_s": 22.0e-6}
_I7 = {"memory_efficiency": 0.23}


def _from(fit: str, values: dict) -> dict:
    return {k: (v, fit) for k, v in values.items()}


# arch name -> {parameter: (registered value, fit id)}
CALIBRATED: dict[str, dict[str, tuple[float, str]]] = {
    "gtx_titan_black": {**_from("table24_gpu", {**_TITAN_BLACK, "launch_overhead_s": 10.0e-6}),
                        **_from("eie_dense_titan_x", {"memory_efficiency": 0.8725})},
    "xeon_e5_2630_1thread": {**_from("table24_cpu", {**_XEON_1T, "launch_overhead_s": 20.0e-6}),
                             **_from("eie_dense_i7", _I7)},
    "xeon_e5_2630": {**_from("table24_cpu", {**_XEON_1T, "launch_overhead_s": 20.0e-6}),
                     **_from("eie_dense_i7", _I7)},
    "i7_5930k": {**_from("table24_cpu", _XEON_1T),
                 **_from("eie_dense_i7", {**_I7, "launch_overhead_s": 72.0e-6})},
    "titan_x_maxwell": {**_from("table24_gpu", _TITAN_BLACK),
                        **_from("eie_dense_titan_x", _TITAN_X)},
    **{name: {**_from("table24_gpu", _TITAN_BLACK), **_from("eie_dense_titan_x", _TITAN_X)}
       for name in ("gtx1080", "p100_sxm2")},
    **{name: {**_from("table24_gpu", {k: _TITAN_BLACK[k]
                                      for k in ("k_half", "csr_efficiency", "csr_row_overhead")}),
              **_from("eie_dense_titan_x", {"launch_overhead_s": 22.0e-6})}
       for name in ("v100_sxm2", "a100_sxm4_80g", "h100_sxm5")},
    "local_cpu_1thread": {  # reports/validation/local_cpu.yaml
        **_from("local_cpu_gemm", {
            "peak_fp32_flops": 1.56909e11, "memory_bandwidth_bytes_per_s": 1.74497e10,
            "tile_m": 16, "tile_n": 8, "k_half": 4, "n_half": 24, "launch_overhead_s": 1e-6,
            "l2_spill_penalty": 1.5, "cache_bytes": 3.35544e7, "cache_spill_penalty": 0.5}),
        **_from("local_cpu_csr", {"csr_efficiency": 0.0748108, "csr_nnz_overhead": 16,
                                  "csr_narrow_overhead": 0}),
        **_from("local_cpu_vector", {"vector_flops": 7.49894e9})},
    "vc707": _from("table1_vc707", {"dram_efficiency": 0.79, "tile_overhead_cycles": 44,
                                    "macs_per_pe": 16, "bram_fraction_for_buffers": 0.5,
                                    "pe_buffer_words": 32768}),
    "vc707_fp32": _from("table1_vc707", {"dram_efficiency": 0.79, "tile_overhead_cycles": 44}),
    "scnn": _from("scnn_dense_ratio", {"crossbar_window_cycles": 2}),
    **{name: _from("terngrad_gains", {"compute_efficiency": 0.638})
       for name in ("cluster_gtx1080_1gbe", "cluster_p100_ib")},
}



@dataclass(frozen=True)
class Prior:
    """A value read off a published source, fitted on no scoreboard row. ``device``: the
    device the source describes (an arch name, or a device in words)."""

    id: str
    device: str
    source: str
    published: bool = True  # False: an assumption where no data exists


PRIORS = {p.id: p for p in (
    Prior("calculon_a100", "a100_sxm4_80g",
          "Calculon's A100 80 GB derating (repository calculon-ai/calculon, "
          "systems/a100_80g.json): matrix-unit efficiency 0.95 for operations of >= 128 GFLOP, "
          "memory efficiency 0.90 for transfers of >= 100 MB"),
    Prior("nvidia_gemm_tile", "a100_sxm4_80g",
          "NVIDIA, Matrix Multiplication Background User's Guide (DU-09799-001, 2023), §2.3: "
          "cuBLAS picks per GEMM among thread-block tiles of 256x128 down to 64x64; with no "
          "per-tile data-reuse term in this model the 64x64 fills the SMs best"),
    Prior("paleo_ppp", "Tesla K80 / K40",
          "Paleo (Qi et al., ICLR 2017; TalwalkarLab/paleo) platform percent of peak: "
          "ppp_comp 0.62 for AlexNet on K80 and Inception v3 on K40"),
    Prior("no_gpu_cache_curve", "none",
          "no GPU kernel curve measured, so no cache spill (the roofline's DRAM term holds)",
          published=False),
)}

_PALEO = {"max_efficiency": (0.62, "paleo_ppp")}
_NO_SPILL = {"cache_spill_penalty": (0.0, "no_gpu_cache_curve")}
_TENSOR_CORE = {"max_efficiency": (0.95, "calculon_a100"),
                "memory_efficiency": (0.90, "calculon_a100"),
                "tile_m": (64, "nvidia_gemm_tile"), "tile_n": (64, "nvidia_gemm_tile")}

# arch name -> {parameter: (registered value, prior id)}
PRIOR_VALUES: dict[str, dict[str, tuple[float, str]]] = {
    **{name: {**_PALEO, **_NO_SPILL} for name in ("gtx_titan_black", "titan_x_maxwell",
                                                   "gtx1080", "p100_sxm2")},
    **{name: {**_TENSOR_CORE, **_NO_SPILL} for name in ("v100_sxm2", "a100_sxm4_80g",
                                                         "h100_sxm5")},
}

# What each parameter is, for notes ("tile model taken from ...").
PARAMETER_ROLE = {**{p: "GEMM tile model" for p in _SHAPE}, **{p: "CSR model" for p in _CSR},
                  "memory_efficiency": "memory efficiency", "max_efficiency": "peak efficiency"}


def registered(arch_name: str, config) -> dict[str, Fit]:
    """{parameter: Fit} for the calibrated values ``config`` still holds (edited ones drop
    out)."""
    out = {}
    for param, (value, fit_id) in CALIBRATED.get(arch_name, {}).items():
        held = getattr(config, param, None)
        if held is not None and _same(held, value):
            out[param] = FITS[fit_id]
    return out


def _same(a, b) -> bool:
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))


def held_priors(arch_name: str, config) -> dict[str, Prior]:
    """{parameter: Prior} for the prior values ``config`` still holds."""
    return {param: PRIORS[prior_id]
            for param, (value, prior_id) in PRIOR_VALUES.get(arch_name, {}).items()
            if getattr(config, param, None) is not None and _same(getattr(config, param), value)}


def borrowed_notes(arch_name: str, config) -> list[str]:
    """Where each registered value of ``arch_name`` comes from: one note per fit whose values
    it takes from another device's data, one per published prior it holds."""
    by_fit: dict[str, list[str]] = {}
    for param, fit in registered(arch_name, config).items():
        if fit.device != arch_name:
            by_fit.setdefault(fit.id, []).append(param)
    notes = [f"{', '.join(params)} taken from the {FITS[fid].device} fit ({FITS[fid].data}); "
             "not calibrated on this device" for fid, params in by_fit.items()]
    by_prior: dict[str, list[str]] = {}
    for param, prior in held_priors(arch_name, config).items():
        by_prior.setdefault(prior.id, []).append(f"{param} {getattr(config, param):g}")
    for pid, params in by_prior.items():
        prior = PRIORS[pid]
        whose = "" if prior.device == arch_name else \
            f" (describes {prior.device}, not this device)" if prior.device != "none" else ""
        kind = "a published prior" if prior.published else "an assumption"
        notes.append(f"{', '.join(params)}: {prior.source}{whose} ({kind}, not fitted)")
    return notes


def outside_range(fits: dict[str, Fit], kernel: str, inputs: dict) -> list[str]:
    """Per fit that the arch's parameters come from, the inputs (density, m, k, n) of a
    ``kernel`` call outside that fit's range: 'table24_gpu: n 1 (fitted 169-3025)'."""
    out = []
    for fit in {f.id: f for f in fits.values()}.values():
        misses = [f"{name} {inputs[name]:.4g} (fitted {lo:g}-{hi:g})"
                  for name, (lo, hi) in fit.ranges.get(kernel, {}).items()
                  if inputs.get(name) is not None and not lo <= inputs[name] <= hi]
        if misses:
            out.append(f"{fit.id}: {', '.join(misses)}")
    return out


def fitted_on(case: str, item: str) -> list[str]:
    """Ids of the fits made on scoreboard row (case, item)."""
    return [f.id for f in FITS.values()
            if any(c == case and fnmatch(item, pattern) for c, pattern in f.targets)]
