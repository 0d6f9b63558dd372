"""Honest stages: the nodes a canary's stages really expose, and a warning when the
requested percentages say otherwise.

A stage takes ``ceil(percent%)`` of each region's active nodes (``stage_nodes``, the rule
``Topology.share`` follows), so on a small fleet several stages can land on the same
nodes, or expose far more than asked. Counted from the regions' sizes alone: no numpy,
so ``validate`` stays fast.
"""

from __future__ import annotations

from hotswap.core.config import Step, stage_nodes

TOO_MUCH = 2.0  # a stage exposing more than twice its requested share is warned about


def exposure(regions: list[int], steps: list[Step]) -> list[tuple[Step, int]]:
    """Each share stage (approval waits left out) and the nodes it really exposes, on
    regions of ``regions`` active nodes each."""
    return [(s, sum(stage_nodes(n, s.nodes) for n in regions)) for s in steps if s.approval is None]


def warnings(regions: list[int], steps: list[Step]) -> list[dict[str, str]]:
    """The ``stage-collapse`` warning (one, or none): consecutive stages that expose the
    same nodes with the same traffic, or stages exposing more than twice the share of
    nodes they request; named with their node counts."""
    total = sum(regions)
    if not total:
        return []
    shown = exposure(regions, steps)
    groups: list[list[tuple[Step, int]]] = []
    for step, nodes in shown:
        last = groups[-1][-1] if groups else None
        if last is not None and last[1] == nodes and (step.traffic is None or step.traffic == last[0].traffic):
            groups[-1].append((step, nodes))
        else:
            groups.append([(step, nodes)])
    out = [
        f"stages {_names(g)} expose the same {g[0][1]} of {total} nodes ({100 * g[0][1] / total:.1f}%)"
        for g in groups
        if len(g) > 1
    ]
    over = [(s, n) for s, n in shown if 100 * n / total > TOO_MUCH * s.nodes]
    if over:
        out.append(
            f"{'stage' if len(over) == 1 else 'stages'} {_names(over)} {'exposes' if len(over) == 1 else 'expose'} "
            "more than twice the share requested "
            f"({', '.join(f'{n} of {total} nodes for {s.nodes:g}%' for s, n in over)})"
        )
    return [{"code": "stage-collapse", "message": "; ".join(out)}] if out else []


SHOWN = 3  # regions named in a Regional rollout's warning; the rest are counted


def regional_warnings(regions: list[tuple[str, int]], steps: list[Step]) -> list[dict[str, str]]:
    """The ``stage-collapse`` warning (one, or none) of ``canaryWithinRegion``: its stages
    run in each region on that region's nodes alone, so each region (``(name, active
    nodes)``) is judged on its own; the first few regions that collapse are named."""
    found = [f"region {name}: {w['message']}" for name, n in regions for w in warnings([n], steps)]
    if not found:
        return []
    more = f"; and {len(found) - SHOWN} other regions" if len(found) > SHOWN else ""
    return [{"code": "stage-collapse", "message": "; ".join(found[:SHOWN]) + more}]


def _names(stages: list[tuple[Step, int]]) -> str:
    return ", ".join(f"{s.nodes:g}%" for s, _ in stages)
