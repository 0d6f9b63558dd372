"""Honest stages: the nodes a canary's stages really expose, and warnings when the
requested percentages say otherwise.

A stage takes ``ceil(percent%)`` of each region's active nodes (``Topology.share``), so on
a small fleet several stages can land on the same nodes, or expose far more than asked.
"""

from __future__ import annotations

from typing import Any

from hotswap.core.nodes import Topology

TOO_MUCH = 2.0  # a stage exposing more than twice its requested share is warned about


def exposure(fleet: Topology, stages: list[float]) -> list[tuple[float, int]]:
    """Each stage's requested percent and the nodes it really exposes."""
    return [(stage, len(fleet.share(stage))) for stage in stages]


def warnings(fleet: Topology, stages: list[float]) -> list[dict[str, Any]]:
    """The ``stage-collapse`` warning (one, or none): stages that expose the same nodes
    as the stage before, or more than twice the share they request."""
    total = len(fleet.active)
    if not total:
        return []
    shown = exposure(fleet, stages)
    out = []
    groups: list[list[tuple[float, int]]] = []
    for stage, nodes in shown:
        if groups and groups[-1][0][1] == nodes:
            groups[-1].append((stage, nodes))
        else:
            groups.append([(stage, nodes)])
    for group in groups:
        if len(group) > 1:
            nodes = group[0][1]
            out.append(f"stages {_names(group)} expose the same {nodes} of {total} nodes ({100 * nodes / total:.1f}%)")
    over = [(s, n) for s, n in shown if 100 * n / total > TOO_MUCH * s]
    if over:
        out.append(
            f"{'stage' if len(over) == 1 else 'stages'} {_names(over)} expose more than twice the share requested "
            f"({', '.join(f'{n} of {total} nodes for {s:g}%' for s, n in over)})"
        )
    return [{"code": "stage-collapse", "message": "; ".join(out)}] if out else []


def _names(stages: list[tuple[float, int]]) -> str:
    return ", ".join(f"{s:g}%" for s, _ in stages)
