"""`hotswap schema`: the JSON Schema of scenario files, for editors."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hotswap.cli.common import write


@click.command()
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout.")
def schema(out: Path | None) -> None:
    """Print the JSON Schema (draft 2020-12) of scenario files: point an editor at it to
    complete and check them (docs/scenario.md says how)."""
    from hotswap.scenario.schema import json_schema

    write(out, json.dumps(json_schema(), indent=2))
