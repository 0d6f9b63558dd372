"""Bounded option types: every number on the command line is finite and inside the caps
of core/limits.py, and ``--help`` shows each range."""

from __future__ import annotations

import math
from typing import Any

import click

from hotswap.core import limits


class Finite(click.FloatRange):
    """A float range that also refuses nan (which no comparison with a bound catches)."""

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


RUNS = click.IntRange(1, limits.CLI_RUNS)
SEED = click.IntRange(0, limits.SEED)
JOBS = click.IntRange(1, limits.CLI_JOBS)
NODES = click.IntRange(1, limits.CLI_NODES)
TIME_SCALE = Finite(1, limits.CLI_TIME_SCALE)
RATE = Finite(1, limits.CLI_RATE)
TOLERANCE = Finite(0, limits.CLI_TOLERANCE)


def last_seed_problem(first: int, runs: int) -> str | None:
    """Why seeds ``first``..``first + runs - 1`` leave the seed range, or None."""
    if first + runs - 1 > limits.SEED:
        return f"--runs {runs} from seed {first} would pass the largest seed {limits.SEED}"
    return None
