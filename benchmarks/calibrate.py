"""Issue 10's speed bar for ``hotswap calibrate``: the guide's 65-node canary
(scenarios/canary.yaml), the default grid (eight settings x seven candidates), 200 runs a
cell, within 60 s on 2 cores.

    python benchmarks/calibrate.py [RUNS] [JOBS]     # default 200 runs a cell, 2 processes

Prints the cells and runs, the wall time and the CPU time (this process and its workers),
each against the 60 s bar, with the machine's load average: the bar is for 2 idle cores,
and on a loaded machine the CPU time over the process count is the closer estimate.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BAR_SECONDS = 60.0


def main(runs: int, jobs: int) -> None:
    from hotswap.reports import calibrate as lab
    from hotswap.scenario import load

    scenario = load(ROOT / "scenarios" / "canary.yaml")
    grid = lab.default_grid(scenario)
    cells = len(grid) * len(lab.candidates(scenario))
    before = os.getloadavg()[0]
    cpu = _cpu()
    started = time.perf_counter()
    result = lab.calibrate(scenario, grid, runs=runs, jobs=jobs)
    wall, cpu = time.perf_counter() - started, _cpu() - cpu
    total = cells * runs
    print(f"cells {cells} ({len(grid)} settings x {cells // len(grid)} candidates), {runs} runs a cell: {total:,} runs")
    print(
        f"wall {wall:.1f} s on {jobs} processes ({total / wall:,.0f} runs/s); "
        f"CPU {cpu:.1f} s, {1000 * cpu / total:.2f} ms a run"
    )
    busy = cpu / jobs  # the wall time with every process on a core of its own
    print(
        f"at 200 runs a cell: wall {wall * 200 / runs:.1f} s ({wall * 200 / runs / BAR_SECONDS:.2f} x the bar); "
        f"CPU / {jobs} {busy * 200 / runs:.1f} s ({busy * 200 / runs / BAR_SECONDS:.2f} x the {BAR_SECONDS:g} s bar)"
    )
    print(f"load average {before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)")
    rec = result["recommended"]
    print(f"recommended: {lab.label(rec['setting']) if rec else 'none'}")


def _cpu() -> float:
    """CPU seconds of this process and its finished workers."""
    me, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + workers.ru_utime + workers.ru_stime


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 2)
