"""Shared fixtures: the project root and the shipped example files."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def vc707():
    from accelsim import load_arch

    return load_arch(ROOT / "archs" / "vc707.yaml")


@pytest.fixture(scope="session")
def alexnet_ssl():
    from accelsim import load_workload

    return load_workload(ROOT / "workloads" / "alexnet_ssl.json")
