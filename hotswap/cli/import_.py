"""`hotswap import`: a rollout from Argo Rollouts, Flagger, AWS CodeDeploy or AWS
AppConfig, as an ordinary commented scenario (printed, or written atomically)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="import")
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--fleet",
    "fleet",
    type=click.Path(path_type=Path),
    default=None,
    help="A scenario whose fleet to use (default: the guide's example fleet).",
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write the scenario here (atomically).")
def import_(sources: tuple[str, ...], fleet: Path | None, out: Path | None) -> None:
    """Import SOURCES: an Argo Rollout (+ its AnalysisTemplates, in the same file or
    more files), a Flagger Canary, a CodeDeploy deployment config (JSON, or a
    CodeDeployDefault.* name) or an AppConfig deployment strategy (JSON, or an
    AppConfig.* name)."""
    from hotswap.cli.common import fail, write
    from hotswap.scenario import ScenarioError
    from hotswap.scenario.importers import ImportRefused, scenario_text

    try:
        text, warnings = scenario_text(list(sources), fleet)
    except (ImportRefused, ScenarioError) as exc:
        fail(str(exc))
    for warning in warnings:
        click.echo(f"hotswap: warning: {out or sources[0]}: {warning}", err=True)
    write(out, text)
