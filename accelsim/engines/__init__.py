"""Engines: one module per engine, each a pure ``simulate(arch, workload, options) -> Result``."""
