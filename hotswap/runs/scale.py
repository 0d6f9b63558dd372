"""Scale a scenario's fleet down to a few worker processes.

Each region keeps its share of the active nodes (at least one worker per region that
has nodes), and its ratio of idle to active nodes; everything else is unchanged, so the
modules' fault profiles keep their meaning.
"""

from __future__ import annotations

import math

from hotswap.scenario import Scenario
from hotswap.scenario.fleet import RegionSpec


def shares(sizes: list[int], total: int) -> list[int]:
    """Split ``total`` over regions in proportion to ``sizes``: at least one for each
    non-empty region, largest remainders first, ties to the earlier region."""
    whole = sum(sizes)
    exact = [s * total / whole for s in sizes]
    out = [max(1, math.floor(e)) if s else 0 for s, e in zip(sizes, exact, strict=True)]
    while sum(out) > total:
        i = max((i for i, n in enumerate(out) if n > 1), key=lambda i: out[i] - exact[i])
        out[i] -= 1
    while sum(out) < total:
        i = max((i for i, s in enumerate(sizes) if s), key=lambda i: exact[i] - out[i])
        out[i] += 1
    return out


def scale(scenario: Scenario, nodes: int) -> Scenario:
    """The scenario on ``nodes`` active workers (unchanged when it has no more)."""
    regions = scenario.fleet.regions
    active = sum(r.nodes for r in regions)
    if active <= nodes:
        return scenario
    needed = sum(1 for r in regions if r.nodes)
    if nodes < needed:
        raise ValueError(f"--nodes {nodes} is fewer than the {needed} regions with nodes")
    counts = shares([r.nodes for r in regions], nodes)
    scaled = [
        RegionSpec.model_validate(
            {
                "name": r.name,
                "nodes": n,
                "idleNodes": round(n * r.idle_nodes / r.nodes) if r.nodes else min(r.idle_nodes, 1),
                "utcOffset": r.utc_offset,
            }
        )
        for r, n in zip(regions, counts, strict=True)
    ]
    return scenario.model_copy(update={"fleet": scenario.fleet.model_copy(update={"regions": scaled})})
