"""Helpers for sweep tests: small sweep files written next to the test's tmp_path."""

import textwrap

import pytest

from tests.conftest import ROOT

SMALL = f"""
schema_version: 1
name: small
arch: {ROOT / 'archs' / 'vc707.yaml'}
workloads: [{ROOT / 'workloads' / 'alexnet_ssl.json'}, {ROOT / 'workloads' / 'alexnet_dense.json'}]
layer_kinds: [conv]
parameters:
  macs_per_pe: {{values: [4, 8, 16]}}
  max_pes: {{range: {{from: 8, to: 64, step: 8}}}}
  pe_buffer_words: {{log_range: {{from: 1024, to: 4096, factor: 2}}}}
objectives:
  - {{column: latency_s, goal: min}}
  - {{column: dsp_used, goal: min}}
constraints: [dsp_used <= dsp_slices, latency_s <= 0.1]
"""


@pytest.fixture
def write_spec(tmp_path):
    """Write a sweep file (default: SMALL, 72 points × 2 workloads) and return its path."""

    def write(text: str = SMALL, name: str = "sweep.yaml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return write
