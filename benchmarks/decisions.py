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


def main(runs: int) -> None:
    from hotswap.reports.calibrate import share

    for test in ("sequential", "observed"):
        for label, make, counted, bar in CASES:
            started = time.perf_counter()
            records = replicate(make(test=test), seed=1, runs=runs)
            first = counted == "in first stage"
            hits = sum(in_first_stage(r) if first else r["outcome"] == "RolledBack" for r in records)
            took = time.perf_counter() - started
            print(f"{test:10s} {label:42s} {counted} {share(hits, runs)} (bar {bar})  {took:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
