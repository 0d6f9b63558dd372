"""Issue 10's A/B figures: the false-winner rate with and without ``earlyStopping``, and
what early stopping saves when B really is better, on the SimPy backend.

The guide's A/B example (scenarios/ab-testing.yaml: 20% to B for two hours, 65 nodes).
False winners: B plays A's own profile (equal versions) and the win threshold is 0%,
the worst case (any difference at all would be a win); a winner declared is false.

    python benchmarks/ab_stopping.py [RUNS]     # default 200 seeds a case

Prints one line per case: the share counted (95% Wilson interval) and the median
length of a run (the experiment stops at its decision).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def ab(equal: bool, metric: str, early: bool, threshold: float) -> Any:
    from hotswap.scenario import load
    from hotswap.scenario.model import Scenario

    data = load(ROOT / "scenarios" / "ab-testing.yaml").model_dump(by_alias=True, exclude_none=True)
    data.pop("expect", None)
    modules = data["modules"]
    if equal:
        modules["image-processor-v1.2.0"] = modules["image-processor-v1.1.0"]
    config = data["deployment"]["strategyConfig"]
    config["winnerCriteria"] = {"metric": metric, "threshold": threshold, "comparison": "lower_is_better"}
    config["earlyStopping"] = early
    return Scenario.model_validate(data)


def decided(record: dict[str, Any]) -> str:
    for entry in record["timeline"]:
        if entry["event"] == "Decision" and "winner" in entry:
            return str(entry["winner"])
    return "none"


def main(runs: int) -> None:
    from hotswap.reports.calibrate import share
    from hotswap.runs.runner import replicate

    cases = [  # (what, B plays A's profile, metric, win threshold, the decision counted)
        ("equal versions, avg_latency_ms, threshold 0%: false winner", True, "avg_latency_ms", 0.0, ("A", "B")),
        ("equal versions, error_rate, threshold 0%: false winner", True, "error_rate", 0.0, ("A", "B")),
        ("B faster (25 -> 15 ms), avg_latency_ms, threshold 10%: B wins", False, "avg_latency_ms", 10.0, ("B",)),
    ]
    for label, equal, metric, threshold, counted in cases:
        for early in (False, True):
            records = replicate(ab(equal, metric, early, threshold), seed=1, runs=runs)
            hits = sum(decided(r) in counted for r in records)
            median = statistics.median(r["totalTimeSeconds"] for r in records)
            print(f"{label:62s} earlyStopping {str(early).lower():5s} {share(hits, runs)}  median run {median:,.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
