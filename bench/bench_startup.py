"""Benchmark: cold start-up of the command line, against ``python -c pass``.

Each command runs ``--repeats`` times (default 10) in a fresh process, the commands taking
turns so that a change of machine load falls on all of them alike, after one run each that
writes Python's bytecode cache (as an installed package has it; ``PYTHONDONTWRITEBYTECODE``
is dropped for the children, else every module would be compiled from source each time). Reported per command:
the median and minimum wall time, and the median CPU time (user + system) of the process,
which contention from other processes affects much less than the wall time. The ``run``
command is timed twice: with its output captured (piped, as a script runs it) and on a
terminal (a pseudo-terminal for stdout and stderr, as a user at a shell runs it, where
progress may be drawn). Goals (issue 16):
``accelsim run archs/vc707.yaml workloads/alexnet_ssl.json`` under 0.3 s and ``accelsim
--help`` under 0.15 s. Then ``python -X importtime`` of the ``run`` command lists the
modules that take longest to import (cumulative, top-level imports).

    python bench/bench_startup.py [--repeats 10]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pty
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
RUN = ["run", "archs/vc707.yaml", "workloads/alexnet_ssl.json"]
TERMINAL = " (on a terminal)"
GOALS_S = {"accelsim --help": 0.15, "accelsim " + " ".join(RUN): 0.3,
           "accelsim " + " ".join(RUN) + TERMINAL: 0.3}


def accelsim_command() -> list[str]:
    """The installed ``accelsim`` script next to this Python, else the same entry point."""
    script = Path(sys.executable).with_name("accelsim")
    if script.exists():
        return [str(script)]
    found = shutil.which("accelsim")
    return [found] if found else [sys.executable, "-c", "from accelsim.cli import main; main()"]


def commands() -> dict[str, list[str]]:
    cli = accelsim_command()
    return {"python -c pass": [sys.executable, "-c", "pass"],
            "accelsim --help": [*cli, "--help"],
            "accelsim " + " ".join(RUN): [*cli, *RUN],
            "accelsim " + " ".join(RUN) + TERMINAL: [*cli, *RUN]}


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **extra}


def one_run(argv: list[str], terminal: bool = False) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one fresh process, its output captured or
    (``terminal``) written to a pseudo-terminal that is read until the process ends."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    if terminal:
        leader, follower = pty.openpty()
        child = subprocess.Popen(argv, cwd=ROOT, env=environment(), stdin=subprocess.DEVNULL,
                                 stdout=follower, stderr=follower)
        os.close(follower)
        with contextlib.suppress(OSError):  # EIO once the child has closed its end
            while os.read(leader, 65536):
                pass
        os.close(leader)
        if child.wait():
            raise subprocess.CalledProcessError(child.returncode, argv)
    else:
        subprocess.run(argv, cwd=ROOT, env=environment(), check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold_starts(repeats: int) -> dict[str, dict[str, float]]:
    cmds = commands()
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
    for argv in cmds.values():
        one_run(argv)  # writes the bytecode cache
    for _ in range(repeats):
        for name, argv in cmds.items():
            runs[name].append(one_run(argv, terminal=name.endswith(TERMINAL)))
    return {name: {"median_s": median(w for w, _ in r), "min_s": min(w for w, _ in r),
                   "cpu_median_s": median(c for _, c in r)} for name, r in runs.items()}


def import_offenders(top: int = 12) -> list[tuple[str, float]]:
    """The top-level imports of ``accelsim run`` with the most cumulative import time (s)."""
    done = subprocess.run([*accelsim_command(), *RUN], cwd=ROOT,
                          env=environment(PYTHONPROFILEIMPORTTIME="1"), check=True,
                          capture_output=True, text=True)
    found = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit() and len(name) - len(name.lstrip()) <= 1:
            found.append((name.strip(), int(cumulative) / 1e6))
    return sorted(found, key=lambda item: -item[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    repeats = parser.parse_args().repeats
    print(f"cold starts, {repeats} fresh processes each (load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores):")
    for name, t in cold_starts(repeats).items():
        goal = GOALS_S.get(name)
        verdict = "" if goal is None else (
            f"  goal < {goal} s: {'met' if t['median_s'] < goal else 'NOT met'}")
        print(f"  {name:72s} median {t['median_s']:.3f} s (min {t['min_s']:.3f}), "
              f"CPU {t['cpu_median_s']:.3f} s{verdict}")
    print("slowest top-level imports of the run command (cumulative, -X importtime):")
    for name, seconds in import_offenders():
        print(f"  {seconds:7.3f} s  {name}")


if __name__ == "__main__":
    main()
