"""The CI gate's verdicts: a scenario's expectations judged on its runs, naming the
seeds that break each one so a failure can be replayed with ``hotswap run --seed``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hotswap.core.figures import figure
from hotswap.core.record import RunRecord
from hotswap.scenario.expect import STATISTICS, Expectation, Expectations


@dataclass(frozen=True)
class Finding:
    what: str
    passed: bool
    measured: str
    demanded: str
    seeds: tuple[int, ...] = ()


def judge(expectations: Expectations, runs: list[RunRecord]) -> list[Finding]:
    """The verdict on each expectation over the runs."""
    return [_judge(e, runs) for e in expectations.items]


def _judge(e: Expectation, runs: list[RunRecord]) -> Finding:
    if e.what == "outcome":
        bad = tuple(r["seed"] for r in runs if r["outcome"] not in e.outcomes)
        seen = sorted({r["outcome"] for r in runs})
        return Finding("outcome", not bad, ", ".join(seen), " or ".join(e.outcomes), bad)
    assert e.bound is not None
    if e.what.startswith("outcomeRate."):
        status = e.what.split(".", 1)[1]
        rate = sum(r["outcome"] == status for r in runs) / len(runs)
        too_many = rate > e.bound.high  # then the runs that ended so break it, else those that did not
        bad = () if e.bound.holds(rate) else tuple(r["seed"] for r in runs if (r["outcome"] == status) == too_many)
        return Finding(e.what, e.bound.holds(rate), f"{rate:.3g}", str(e.bound), bad)
    name, stat = _split(e.what)
    pairs = [(r["seed"], v) for r in runs if (v := figure(r, name)) is not None]
    if not pairs:
        return Finding(e.what, False, "not measured in any run", str(e.bound))
    values = np.array([v for _, v in pairs], dtype=float)
    if stat is None:
        bad = tuple(s for s, v in pairs if not e.bound.holds(v))
        outside = [max(v - e.bound.high, e.bound.low - v) for _, v in pairs]
        worst = pairs[int(np.argmax(outside))][1]  # the value farthest outside (or closest to leaving)
        return Finding(e.what, not bad, f"{worst:.6g} at worst", str(e.bound), bad)
    value = (
        float(values.mean())
        if stat == "mean"
        else (
            float(values.min())
            if stat == "min"
            else float(values.max())
            if stat == "max"
            else float(np.percentile(values, int(stat[1:])))
        )
    )
    held = e.bound.holds(value)
    bad = () if held else tuple(s for s, v in pairs if not e.bound.holds(v))
    return Finding(e.what, held, f"{value:.6g}", str(e.bound), bad)


def _split(what: str) -> tuple[str, str | None]:
    head, _, tail = what.rpartition(".")
    return (head, tail) if tail in STATISTICS else (what, None)
