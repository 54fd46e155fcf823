"""Workload traces: network shapes (zoo), real weights and masks (extract), mask generators
(sparsify), low-rank decomposition (lowrank), SSL groups and mask statistics (groups), and the
trace files themselves (trace)."""
