"""The caps on what a scenario file and the command line may ask for (docs/scenario.md,
"Limits"). Every number is finite and inside these bounds, so no input can make a run
take unbounded time or memory, or reach an overflow."""

from __future__ import annotations

import re

# The file itself, before any model reads it.
FILE_BYTES = 1 << 20  # 1 MiB
DEPTH = 32  # nesting of mappings and lists
ITEMS = 1_000  # entries of one mapping or list
VALUES = 50_000  # values in the whole file, aliases expanded

# Numbers.
TOTAL_NODES = 10_000_000  # active + idle nodes of the fleet
REGIONS = 1_000
SECONDS = 365 * 86_400.0  # the longest duration: one year
MIN_TRIGGER_INTERVAL = 1.0  # autoRollback.interval, seconds
WINDOWS = 100_000  # trigger windows of one wait (the wait / autoRollback.interval)
RUNS = 100_000  # expect.runs, --runs
SEED = 2**63 - 1  # seeds are 0..SEED
LATENCY_MS = 3_600_000.0  # one hour
SPREAD_RATIO = 1_000.0  # p99 / median of a spread
SPREAD_SECONDS = 86_400.0  # deploySeconds, swapSeconds: one day
THRESHOLD = 1e9  # trigger and winner thresholds
TRAFFIC_PER_NODE = 1e6  # requests per second
MEMORY_MB = 1e6
FAILURES_PER_NODE_YEAR = 1_000.0
HEALTH_THRESHOLD = 1_000  # successThreshold, failureThreshold
COUNT = 2**63 - 1  # any other count (minRequests, minimumSampleSize)
STAGES = 100
TRIGGERS = 100
TEXT = 10_000  # characters of any string

# Names are not paths: module ids, deployment ids and region names.
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_NAME = re.compile(NAME_PATTERN)


def name_problem(value: str) -> str | None:
    """Why ``value`` is not a safe name, or None when it is one."""
    if not _NAME.fullmatch(value) or ".." in value:
        return (
            f"{value[:40]!r} is not a name: 1-128 characters of letters, digits, '.', '_' and '-', "
            "starting with a letter or digit, without '..'"
        )
    return None


# The command line.
CLI_RUNS = RUNS
CLI_JOBS = 1_024
CLI_NODES = 256  # real-fleet workers (each one a process of ~30 MiB)
CLI_TIME_SCALE = 100_000.0
CLI_RATE = 1_000_000.0  # requests per second on the real fleet
CLI_TOLERANCE = 1_000.0
