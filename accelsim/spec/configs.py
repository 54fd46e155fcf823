"""Typed engine configs from validated arch blocks: one builder per built-in engine module.

Each builder takes the engine's block (already checked by its schema), the whole arch
document and where it came from, and returns the engine's frozen config. A file the block
names (a cluster's node arch) is read and checked here, once, at load time: engines never
open files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from accelsim.engines.energy import EnergyTable
from accelsim.errors import AccelsimError, SpecError

if TYPE_CHECKING:  # each builder imports only its own engine (``accelsim run`` loads one)
    from accelsim.engines.cluster import ClusterConfig
    from accelsim.engines.eie import EieConfig
    from accelsim.engines.fpga import FpgaConfig
    from accelsim.engines.roofline import RooflineConfig
    from accelsim.engines.scnn import ScnnConfig
    from accelsim.engines.systolic import SystolicConfig


def energy_table(block: dict | None) -> EnergyTable:
    """An EnergyTable from an arch file's optional ``energy`` block (``technology_nm``)."""
    block = block or {}
    return EnergyTable(technology_nm=float(block.get("technology_nm", 45.0)))


def fpga(block: dict, doc: dict, *, file: str, base_dir: Path | None = None) -> FpgaConfig:
    from accelsim.engines.fpga import FpgaConfig

    values = dict(block)
    values["sizing_layer_kinds"] = tuple(values["sizing_layer_kinds"])
    return FpgaConfig(clock_hz=float(doc["clock_hz"]), **values)


def roofline(block: dict, doc: dict, *, file: str, base_dir: Path | None = None
             ) -> RooflineConfig:
    from accelsim.engines.roofline import RooflineConfig

    values = dict(block)
    for key in ("sparse_nm", "sparse_dtypes"):
        if key in values:
            values[key] = tuple(values[key])
    return RooflineConfig(device=doc["engine"], clock_hz=float(doc["clock_hz"]),
                          name=doc["name"], **values)


def eie(block: dict, doc: dict, *, file: str, base_dir: Path | None = None) -> EieConfig:
    from accelsim.engines.eie import EieConfig

    values = {k: v for k, v in block.items() if k != "energy"}
    return EieConfig(clock_hz=float(doc["clock_hz"]), energy=energy_table(block.get("energy")),
                     **values)


def scnn(block: dict, doc: dict, *, file: str, base_dir: Path | None = None) -> ScnnConfig:
    from accelsim.engines.scnn import ScnnConfig

    values = {k: v for k, v in block.items() if k != "energy"}
    return ScnnConfig(clock_hz=float(doc["clock_hz"]),
                      energy=energy_table(block.get("energy")), **values)


def cluster(block: dict, doc: dict, *, file: str, base_dir: Path | None = None
            ) -> ClusterConfig:
    """The cluster with its node's GPU config read from the node arch file (relative to
    the cluster file, and inside its folder unless outside references are allowed)."""
    from accelsim.engines.cluster import ClusterConfig, Link
    from accelsim.spec.arch import arch_from_dict
    from accelsim.spec.validate import read_document, resolve_reference

    node_path = resolve_reference(base_dir, block["node"], file=file, field="cluster.node")
    try:
        node_doc = read_document(node_path)
    except SpecError as exc:
        raise SpecError(f"node file {str(node_path)!r}: {exc.message}", file=file,
                        field="cluster.node") from None
    engine = node_doc.get("engine")
    if engine != "gpu":  # checked before loading it: a node naming a cluster would loop
        raise SpecError(f"node {block['node']!r} uses the {engine} engine, need gpu",
                        file=file, field="cluster.node")
    try:
        node = arch_from_dict(node_doc, file=str(node_path), base_dir=node_path.parent)
    except AccelsimError as exc:
        raise SpecError(f"invalid node file: {exc.one_line()}", file=file,
                        field="cluster.node") from None
    links = {name: Link(**{k: v for k, v in block[name].items() if k != "name"})
             for name in ("intra_node", "host", "network")}
    return ClusterConfig(node=node.config, node_name=node.name,
                         gpus_per_node=block["gpus_per_node"], max_nodes=block["max_nodes"],
                         compute_efficiency=block["compute_efficiency"], **links)


def systolic(block: dict, doc: dict, *, file: str, base_dir: Path | None = None
             ) -> SystolicConfig:
    """The array, its DRAM bandwidth per second or per cycle as given (the schema takes one)."""
    from accelsim.engines.systolic import SystolicConfig

    values = {k: v for k, v in block.items() if k != "energy"}
    try:
        return SystolicConfig(clock_hz=float(doc["clock_hz"]),
                              energy=energy_table(block.get("energy")), **values)
    except AccelsimError as exc:
        raise SpecError(exc.message, file=file, field=exc.field) from None
