"""Where the guide contradicts itself or its pseudo-code is wrong: the scenarios that
show it, and the report's section from their runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from hotswap.reports import document, verdicts
from hotswap.reports.document import Heading, Para
from hotswap.reports.guide_cases import BASE, HEALTHY, PREVIOUS, REGIONS, mean, median, scenario
from hotswap.runs import runner
from hotswap.scenario import Scenario


def repeats(runs: int) -> int:
    """Runs of each scenario that shows a contradiction by counting."""
    return max(20, runs // 2)


def cells(runs: int) -> list[tuple[Scenario, int]]:
    """The scenarios that show the contradictions, ``(scenario, runs)`` each, for one
    sweep with the rest of the report (the canary whose timeline is read runs apart)."""
    n = repeats(runs)
    no_idle = {"regions": [{"name": name, "nodes": k} for name, k in REGIONS]}
    return [
        (scenario("ABTesting", 1, PREVIOUS, name="ab-identical"), n),
        (scenario("Regional", 1, {"healthCheckFailureRate": 0.05}, name="regional-flaky"), n),
        (scenario("Rolling", 1, {"healthCheckFailureRate": 0.3}, name="rolling-bad"), n),
        (scenario("BlueGreen", 1, HEALTHY, name="blue-green-no-idle", fleet=no_idle), 1),
    ]


def section(runs: int, seed: int, frame: pd.DataFrame, done: Iterator[list[dict[str, Any]]]) -> list[document.Block]:
    """Where the guide contradicts itself or its pseudo-code is wrong, with runs to show
    it: ``done`` yields the runs of ``cells(runs)``, cell by cell."""
    n = repeats(runs)
    ab = median(frame, "ABTesting", f"healthy {BASE}", "deployTimeSeconds") or 0.0
    same, regional, rolling, (tight,) = next(done), next(done), next(done), next(done)
    inconclusive = sum(r["outcome"] == "Paused" for r in same)
    partial = [r for r in regional if r["outcome"] == "PartialSuccess"]
    left = np.mean([r["finalState"]["newModuleNodes"] for r in rolling])
    exposed_s = np.mean([r["blastRadius"]["nodeSeconds"] for r in rolling])
    canary = runner.replicate(scenario("Canary", 1, HEALTHY, name="canary-redeploys"), seed=seed, runs=1)[0]
    deploys = [e for e in canary["timeline"] if e["event"] == "Deploy"]
    asked, updated = sum(e["nodes"] for e in deploys), sum(e["updated"] for e in deploys)
    return [
        Heading(2, "Where the guide contradicts itself, with evidence"),
        Para(
            f'**A/B deployment time.** The table says 5-10 min, the A/B section "2 hours (typical experiment '
            f'duration)", and the example configuration runs a `PT2H` experiment: measured median '
            f"{verdicts.seconds(ab)}. The table is wrong for the guide's own configuration."
        ),
        Para(
            f"**A/B inconclusive.** Two modules with the same latency ({n} runs): the significance test finds no "
            f"winner in {inconclusive} runs, which HotSwap reports as `Paused` (split held). The guide's "
            'pseudo-code treats anything but "B" as "Variant A won" and rolls B back — and calls that '
            "`Success`; it also never uses `minimumSampleSize` and compares average latency whatever "
            "`winnerCriteria.metric` names."
        ),
        Para(
            f"**Regional success.** A module failing health checks on 5% of nodes, `abortOnRegionFailure: false` "
            f"({n} runs): {len(partial)} runs rolled back some regions and kept others; the guide's pseudo-code "
            "returns `Success` for them, HotSwap `PartialSuccess`. And with that setting a bad module reaches "
            f"every region in turn: the bad module's exposure above is "
            f"{mean(frame, 'Regional', f'faulty {BASE}', 'blastRadius.nodesPercent'):.3g}% "
            "of nodes, though the guide calls Regional its lowest risk."
        ),
        Para(
            '**Canary risk.** The canary section says risk "Low", the comparison matrix "Very Low"; the '
            "measured exposure is in the risk table above."
        ),
        Para(
            f"**Rolling pause.** A module failing health checks on 30% of nodes ({n} runs): the rollout pauses "
            f"with {left:.3g} nodes on average still on the bad module ({exposed_s:,.0f} node-seconds of exposure "
            "by the time it stops), and they stay until someone acts. The guide returns `PartialSuccess` and does "
            "not roll them back."
        ),
        Para(
            f'**Blue-green capacity.** Without idle nodes the guide\'s own check fails: "{tight["reason"]}". With '
            "them the deployment costs +100% nodes (resource overhead above)."
        ),
        Para(
            f"**Canary re-deploys.** Each stage deploys to all its nodes again: one healthy canary asked "
            f"{asked} node deploys for {updated} nodes actually updated. HotSwap's deploys are idempotent, so it "
            "costs nothing, and it retries nodes that were down."
        ),
    ]
