"""The issue-10 figures: how often the guide's canary rolls back, healthy and bad, with
the sequential triggers (the default) and the guide's literal rule (``test: observed``).

The guide's canary (stages 10/25/50/100, five-minute evaluations, the guide's triggers)
on the guide's 65-node fleet in 4 regions (first stage: 8 nodes):

    python benchmarks/decisions.py [RUNS]     # default 200 seeds a case

Prints one line per case: the share rolled back, and the share rolled back inside the
first stage, each with its 95% Wilson interval.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the scenarios live with the tests

from hotswap.runs.runner import replicate
from tests.sim.guide_canary import BASELINE_TRIGGER, guide_canary, in_first_stage

CASES = [
    # (label, scenario, what is counted, the bar)
    ("4% vs 4%, 0.5 rps/node", lambda **k: guide_canary(0.5, 0.04, 0.04, **k), "rolled back", "<= 5%"),
    ("4% vs 4%, 2 rps/node", lambda **k: guide_canary(2, 0.04, 0.04, **k), "rolled back", "<= 5%"),
    ("8% vs 4%, 2 rps/node", lambda **k: guide_canary(2, 0.04, 0.08, **k), "in first stage", ">= 95%"),
    (
        "0.1% -> 2%, 5 rps/node, baseline +100%",
        lambda **k: guide_canary(5, 0.001, 0.02, triggers=BASELINE_TRIGGER, **k),
        "rolled back",
        ">= 95%",
    ),
    (
        "0.1% -> 0.12%, 5 rps/node, baseline +100%",
        lambda **k: guide_canary(5, 0.001, 0.0012, triggers=BASELINE_TRIGGER, **k),
        "rolled back",
        "<= 5%",
    ),
]


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def main(runs: int) -> None:
    for test in ("sequential", "observed"):
        for label, make, counted, bar in CASES:
            started = time.perf_counter()
            records = replicate(make(test=test), seed=1, runs=runs)
            hits = sum(
                in_first_stage(r) if counted == "in first stage" else r["outcome"] == "RolledBack" for r in records
            )
            lo, hi = wilson(hits, runs)
            print(
                f"{test:10s} {label:42s} {counted} {100 * hits / runs:5.1f}% [{lo:.1f}, {hi:.1f}] "
                f"(bar {bar})  {time.perf_counter() - started:.1f} s"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
