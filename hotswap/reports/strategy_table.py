"""The guide's strategy table and comparison matrix, checked against measured runs.

Every strategy runs its guide example configuration on the guide's example fleet (65
nodes in four regions, with 65 idle ones for blue-green) and on the same fleet a hundred
times larger, with a healthy new module (the guide's A/B figures: 25 ms to 15 ms) and a
bad one (its health checks pass, 12% of its requests fail). Each claim gets the measured
distribution next to it and a verdict; risk becomes a number, the blast radius of the
bad module. The guide's contradictions follow, each with the runs that show it, and then
how the health gate behaves as fleets grow.
"""

# This module puts the report together (its second docstring paragraph is the report's
# introduction); its parts: guide_cases (the measured cases), claims, contradictions,
# gates and gates_section.

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotswap.core.config import STRATEGIES
from hotswap.files import write_text
from hotswap.reports import claims, compare, contradictions, document, gates, gates_section, parity, plots
from hotswap.reports.document import Heading, Image, Para
from hotswap.reports.guide_cases import BAD, BASE, HEALTHY, LARGE, cases, counts, large_runs, scenario
from hotswap.runs import runner


def build(
    folder: Path,
    *,
    runs: int,
    seed: int,
    jobs: int | None = None,
    real: dict[str, dict[str, Any]] | None = None,
    progress: Callable[[str], None] | None = None,
    large: int = LARGE,
    gate_sizes: tuple[int, ...] = gates.SIZES,
) -> list[Path]:
    """Run everything and write ``strategy-table.md``, ``.html`` and plots into ``folder``."""
    sizes = (BASE, BASE * large)
    plots_folder = folder / "strategy-table"
    plots_folder.mkdir(parents=True, exist_ok=True)
    items, planned = cases(large), gates.plan(gate_sizes)
    case_cells = [(c.scenario, n) for c, n in zip(items, counts(items, runs), strict=True)]
    # every run of the report in one sweep: the executor balances the cells together
    done = runner.sweep(
        [*case_cells, *gates.cells(planned, runs), *contradictions.cells(runs)], seed=seed, jobs=jobs, timeline=False
    )
    frame, _ = compare.rows_of(items, done, progress)
    gate_table = gates.table(planned, runs, done, progress)
    write_text(plots_folder / "runs.csv", frame.to_csv(index=False))
    write_text(plots_folder / "gates.csv", gate_table.to_csv(index=False))
    small = frame[frame["condition"].str.endswith(f" {sizes[0]}")]
    data = small.assign(condition=small["condition"].str.split().str[0])
    pictures = [
        plots.cdf(
            data,
            "deployTimeSeconds",
            "healthy",
            plots_folder / "deploy-time-cdf.png",
            f"Deploy time, healthy module, {sizes[0]} nodes",
        ),
        plots.cdf(
            data,
            "rollbackTimeSeconds",
            "faulty",
            plots_folder / "rollback-time-cdf.png",
            f"Rollback time, bad module, {sizes[0]} nodes",
        ),
        plots.blast(data, plots_folder / "blast-radius.png"),
    ]
    blocks: list[document.Block] = [
        Heading(1, "The guide's strategy table, checked"),
        Para(__doc__.split("\n\n")[1].replace("\n", " ")),
        Para(
            f"Produced by `hotswap report strategy-table --runs {runs} --seed {seed}"
            + (" --real" if real else "")
            + f"`: {runs} runs per case on {sizes[0]} nodes (seeds {seed}..), "
            f"{large_runs(runs)} on {sizes[1]:,}. Every number below comes from those runs; the same command "
            "with the same seeds reproduces them"
            + (" (all but the real-fleet column, measured in wall-clock time on this machine)." if real else ".")
        ),
        *claims.claims(frame, real, sizes),
        Image(pictures[0], "CDF of deploy time per strategy, healthy module"),
        Image(pictures[1], "CDF of rollback time per strategy, bad module"),
        Image(pictures[2], "Blast radius per strategy, bad module"),
        *contradictions.section(runs, seed, frame, done),
        *gates_section.blocks(gate_table, plots_folder),
    ]
    write_text(folder / "strategy-table.md", document.markdown(blocks, folder))
    write_text(folder / "strategy-table.html", document.page(blocks, "The guide's strategy table, checked"))
    return [folder / "strategy-table.md", folder / "strategy-table.html", *pictures]


def measure_real(
    progress: Callable[[str], None] | None = None, seeds: int = 3, runs: int = 200
) -> dict[str, dict[str, Any]]:
    """Per strategy, the parity comparison (``reports.parity``) of ``seeds`` real runs on
    16 workers with ``runs`` of their simulated twin: deploy time with the healthy
    module, rollback time with the bad one."""
    out = {}
    for s in STRATEGIES:
        if progress is not None:
            progress(f"{s} on the real fleet and its twin")
        row = {}
        for key, module, name in (("deploy", HEALTHY, "deployTimeSeconds"), ("rollback", BAD, "rollbackTimeSeconds")):
            case = scenario(s, 1, module)
            real = runner.replicate(case, backend_name="real", seed=1, runs=seeds)
            twin = runner.replicate(case, backend_name="sim", seed=1, runs=runs, options={"nodes": 16})
            row[key] = next(f for f in parity.compare(real, twin)["figures"] if f["figure"] == name)
        out[s] = row
    return out
