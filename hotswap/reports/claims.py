"""The strategy table's claims, one by one against the measured runs: deploy and rollback
time, risk (the bad module's blast radius), resource overhead, and the comparison matrix."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hotswap.core.config import STRATEGIES
from hotswap.reports import document, guide, verdicts
from hotswap.reports.document import Heading, Para, Table
from hotswap.reports.guide_cases import mean, median, spread


def duration_table(
    frame: pd.DataFrame,
    real: dict[str, dict[str, Any]] | None,
    sizes: tuple[int, int],
    title: str,
    column_of_table: int,
    condition: str,
    column: str,
    real_key: str,
    intro: str,
) -> list[document.Block]:
    """A duration claim of the strategy table, per strategy, against both fleets (and the real one)."""
    rows = []
    for s in STRATEGIES:
        claim = guide.span(guide.TABLE[s][column_of_table])
        at = [f"{condition} {n}" for n in sizes]
        v = verdicts.duration(claim, median(frame, s, at[0], column), median(frame, s, at[1], column), sizes)
        measured_real = [against_twin(real[s][real_key])] if real else []
        rows.append(
            [
                s,
                claim.text,
                *[spread(frame, s, a, column, verdicts.seconds) for a in at],
                *measured_real,
                v.verdict,
                v.why,
            ]
        )
    head = [
        "strategy",
        "guide",
        f"measured, {sizes[0]} nodes",
        f"measured, {sizes[1]:,} nodes",
        *(["real fleet (16 workers) against its twin"] if real else []),
        "verdict",
        "why",
    ]
    return [Heading(2, title), Para(intro), Table(head, rows)]


def against_twin(figure: dict[str, Any]) -> str:
    """A parity figure (``reports.parity``) as a cell: the real median, the twin's
    p5-p95, and whether they agree."""
    if not figure["real"]:
        return "-"
    twin = figure["twin"]
    span = f"twin {verdicts.seconds(twin['p5'])}-{verdicts.seconds(twin['p95'])}" if twin else "twin: none"
    median = verdicts.seconds(float(np.median(figure["real"])))
    return f"{median} ({span}, {'agrees' if figure['agree'] else 'differs'})"


def claims(frame: pd.DataFrame, real: dict[str, dict[str, Any]] | None, sizes: tuple[int, int]) -> list[document.Block]:
    """The strategy table and the matrix, claim by claim."""
    small = f"{{}} {sizes[0]}"
    blocks: list[document.Block] = []
    blocks += duration_table(
        frame,
        real,
        sizes,
        "Deployment time",
        0,
        "healthy",
        "deployTimeSeconds",
        "deploy",
        "Healthy module; scenario time from the first deploy until the new module serves 100%.",
    )
    blocks += duration_table(
        frame,
        real,
        sizes,
        "Rollback time",
        1,
        "faulty",
        "rollbackTimeSeconds",
        "rollback",
        "Bad module (health checks pass, 12% of requests fail); from the rollback decision until the previous "
        'module runs again and its health is verified. The guide gives one figure ("30 sec"); it is read as '
        "half to twice it.",
    )

    exposure = {s: mean(frame, s, small.format("faulty"), "blastRadius.nodesPercent") for s in STRATEGIES}
    failed = {s: mean(frame, s, small.format("faulty"), "blastRadius.failedRequests") for s in STRATEGIES}
    table_risk = verdicts.ordinal(
        {s: guide.TABLE[s][2] for s in STRATEGIES},
        guide.SCALES["Risk Level"],
        exposure,
        higher_word_higher_value=True,
        unit="% of nodes",
    )
    blocks += [
        Heading(2, "Risk"),
        Para(
            "Risk as a number: the expected blast radius of the bad module on the guide's fleet, the mean "
            "share of nodes that ran it and the mean failed requests. A claim is consistent when every "
            "strategy the guide ranks lower exposed fewer nodes."
        ),
        Table(
            ["strategy", "guide (table)", "nodes exposed", "failed requests", "verdict", "why"],
            [
                [
                    s,
                    guide.TABLE[s][2],
                    f"{exposure[s]:.3g}%",
                    f"{failed[s]:,.0f}",
                    table_risk[s].verdict,
                    table_risk[s].why,
                ]
                for s in STRATEGIES
            ],
        ),
    ]

    overhead = {s: mean(frame, s, small.format("healthy"), "capacity.overheadPercent") for s in STRATEGIES}
    rows = []
    for s in STRATEGIES:
        v = verdicts.level(guide.MATRIX["Resource Overhead"][s], overhead[s], 50, ("Low", "High"), "% extra nodes")
        rows.append([s, guide.MATRIX["Resource Overhead"][s], f"{overhead[s]:.3g}%", v.verdict, v.why])
    blocks += [
        Heading(2, "Resource overhead"),
        Para("Peak nodes running a module, over the nodes that served before the deployment."),
        Table(["strategy", "guide", "measured", "verdict", "why"], rows),
    ]

    deploy = {s: median(frame, s, small.format("healthy"), "deployTimeSeconds") for s in STRATEGIES}
    rollback = {s: median(frame, s, small.format("faulty"), "rollbackTimeSeconds") for s in STRATEGIES}
    measured = {
        "Deployment Speed": ({k: v for k, v in deploy.items() if v is not None}, False, "s"),
        "Rollback Speed": ({k: v for k, v in rollback.items() if v is not None}, False, "s"),
        "Resource Overhead": (overhead, True, "% extra nodes"),
        "Risk Level": (exposure, True, "% of nodes"),
    }
    rows = []
    for criterion, (values, up, unit) in measured.items():
        found = verdicts.ordinal(
            guide.MATRIX[criterion], guide.SCALES[criterion], values, higher_word_higher_value=up, unit=unit
        )
        rows += [[criterion, s, guide.MATRIX[criterion][s], found[s].verdict, found[s].why] for s in STRATEGIES]
    blocks += [
        Heading(2, "Comparison matrix"),
        Para(
            "Each row's words ranked against the measured order of the strategies on the guide's fleet: "
            "deploy and rollback medians (a faster word wants a shorter time), overhead, and exposure."
        ),
        Table(["criterion", "strategy", "guide", "verdict", "why"], rows),
    ]
    return blocks
