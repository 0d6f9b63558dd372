"""Start-up time of the command line against a bare Python, measured in one run.

    python benchmarks/startup.py [--repeat 21]

Prints the median wall time of each command and its excess over ``python -c pass``
(the target: within 0.3 s for ``hotswap --help`` and ``hotswap validate``)."""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(argv: list[str], repeat: int) -> tuple[float, float]:
    """Median wall and CPU (user + system) seconds of a command; CPU time is what a
    loaded machine distorts least."""
    wall, cpu = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=21)
    repeat = parser.parse_args().repeat
    hotswap = shutil.which("hotswap") or sys.exit("hotswap is not installed in this environment")
    bare, bare_cpu = median_seconds([sys.executable, "-c", "pass"], repeat)
    print(f"{'python -c pass':<40}wall {bare:6.3f} s  cpu {bare_cpu:6.3f} s")
    for argv in (["--help"], ["validate", "scenarios/canary.yaml"]):
        wall, cpu = median_seconds([hotswap, *argv], repeat)
        print(
            f"{'hotswap ' + ' '.join(argv):<40}wall {wall:6.3f} s  cpu {cpu:6.3f} s  "
            f"(over bare Python: wall +{wall - bare:.3f} s, cpu +{cpu - bare_cpu:.3f} s)"
        )


if __name__ == "__main__":
    main()
