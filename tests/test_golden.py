"""Every bundled scenario's JSON result (20 seeded runs) is byte-identical to the golden
file recorded before a refactoring. A change of behaviour on purpose re-records them
(``python tests/test_golden.py``) in the same commit, saying why."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotswap.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
RUNS = 20


def result(scenario: Path) -> str:
    out = CliRunner().invoke(main, ["run", str(scenario), "--runs", str(RUNS), "--format", "json"])
    assert out.exit_code == 0, out.output
    return out.stdout


def first_difference(expected: str, actual: str) -> str:
    old, new = json.loads(expected), json.loads(actual)
    for i, (a, b) in enumerate(zip(old, new, strict=False)):
        if a != b:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            return f"run {i} (seed {a.get('seed')}) differs in {keys}"
    return f"{len(old)} runs recorded, {len(new)} now"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_result_is_golden(scenario: Path) -> None:
    golden = GOLDEN / f"{scenario.stem}.json.gz"
    expected = gzip.decompress(golden.read_bytes()).decode()
    actual = result(scenario)
    assert actual.rstrip("\n") == expected.rstrip("\n"), first_difference(expected, actual)


def test_every_scenario_has_a_golden_file() -> None:
    assert {p.stem for p in SCENARIOS} == {p.name.removesuffix(".json.gz") for p in GOLDEN.glob("*.json.gz")}


if __name__ == "__main__":  # re-record
    for path in SCENARIOS:
        (GOLDEN / f"{path.stem}.json.gz").write_bytes(gzip.compress(result(path).encode(), mtime=0))
        print(f"recorded {path.stem}", file=sys.stderr)
