"""The strategy table's section on health gates at scale: a table and a plot of
``gates.measure``'s rates, and the finding."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hotswap.reports import document, gates, plots
from hotswap.reports.document import Heading, Image, Para, Table


def blocks(table: pd.DataFrame, folder: Path) -> list[document.Block]:
    """The gates-at-scale finding: a table and a plot."""
    path = folder / "gates-at-scale.png"
    plots.gates(table, path)
    rows: list[list[str]] = []
    for (row_strategy, row_gate), g in table.groupby(["strategy", "gate"], sort=False):
        rows.append(
            [
                str(row_strategy),
                str(row_gate),
                *[
                    f"{100 * f:.0f}% / {100 * m:.0f}%"
                    for f, m in zip(g["falseAlarmRate"], g["missedBadRate"], strict=True)
                ],
            ]
        )
    sizes = list(dict.fromkeys(table["nodes"]))
    runs = dict(zip(table["nodes"], table["runs"], strict=False))
    worst = table[(table["gate"].str.startswith("guide")) & (table["nodes"] == max(sizes))]["falseAlarmRate"]
    return [
        Heading(2, "Health gates at scale"),
        Para(
            "Nodes fail for reasons of their own (0.1 failures per node-year, Dean 2008; an hour to repair). "
            "The guide's gate demands every checked node healthy; HotSwap can set unreachable nodes apart and "
            "tolerate a share of unhealthy ones. Cells: false alarms on a healthy module (rolled back, paused "
            "or only partly rolled out) / missed bad modules (one whose health check fails on 0.5% of nodes, "
            "rolled out anyway). Runs per size: "
            + ", ".join(f"{runs[s]} at {s:,}" for s in sizes)
            + f". Rolling uses batches of {gates.BATCH}. A seed's runs under the two gates are one run until a "
            "health check finds a node unhealthy or unreachable (the gates read nothing else), so the tolerant "
            "gate's run is simulated apart only for the seeds where one did."
        ),
        Table(["strategy", "gate", *[f"{s:,} nodes" for s in sizes]], rows),
        Para(
            f'**The finding.** With the guide\'s "all healthy" gate, a healthy module is stopped in up to '
            f"{100 * float(worst.max()):.0f}% of runs on {max(sizes):,} nodes, only because some node is always "
            "down somewhere; on a hundred nodes it almost never is. Setting unreachable nodes apart with a 1% "
            "tolerance removes the false alarms at every size — and lets the subtly bad module through on "
            "large fleets, where 0.5% unhealthy is under the tolerance. No single gate setting is right at "
            "every fleet size: the tolerance has to be chosen against the failure rate the fleet has and the "
            "faults it must catch."
        ),
        Image(path, "False alarms and missed bad modules by fleet size, for both gates"),
    ]
