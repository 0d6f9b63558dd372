"""A corpus of hostile scenario files: every one is refused by ``validate``, ``run`` and
``check`` with exit 2 and one line naming the file and the field, without a traceback,
and reading it stays within a bounded amount of memory."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from hotswap.cli import main
from hotswap.scenario.read import ReadError, read

HEAD = "deployment:\n  moduleId: m-2\n  strategy: Canary\n"
EXPECT = "expect:\n  outcome: Succeeded\n"


def canary(**extra: str) -> str:
    """A canary scenario with ``extra`` YAML lines under its sections."""
    fleet = extra.get("fleet", "")
    deployment = extra.get("deployment", "")
    top = extra.get("top", "")
    return (
        top
        + ("fleet:\n" + fleet if fleet else "")
        + extra.get("modules", "")
        + HEAD
        + deployment
        + extra.get("expect", EXPECT)
    )


def regions_json(count: int) -> str:
    regions = ",".join(f'{{"name":"r{i}","nodes":1}}' for i in range(count))
    return '{"fleet":{"regions":[' + regions + ']},"deployment":{"moduleId":"m","strategy":"Rolling"}}'


LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=False)
)


def hostile(id_: str, name: str, text: str, field: str, says: str) -> Any:
    return pytest.param(name, text, field, says, id=id_)


CORPUS = [
    hostile("nested-yaml-20000", "s.yaml", "a: " + "{a: " * 20_000 + "1" + "}" * 20_000, "a.a.a", "nested deeper"),
    hostile("nested-json-20000", "s.json", '{"a": ' + "[" * 20_000 + "]" * 20_000 + "}", "", "nested deeper"),
    hostile(
        "nested-yaml-40",
        "s.yaml",
        "a:\n" + "".join("  " * i + f"  k{i}:\n" for i in range(40)),
        "a.k0.k1",
        "nested deeper",
    ),
    hostile(
        "helm-template-value",
        "s.yaml",
        canary().replace("m-2", "{{ .Values.module }}"),
        "deployment.moduleId",
        "not a string",
    ),
    hostile("helm-template-key", "s.yaml", "{{ .Values.fleet }}: 1\n" + HEAD, "", "not a string"),
    hostile("integer-key", "s.yaml", "1: 2\n" + HEAD, "", "not a string"),
    hostile("merge-key", "s.yaml", "x: &x {moduleId: m-2}\ndeployment:\n  <<: *x\n", "deployment", "not a string"),
    hostile("billion-laughs", "s.yaml", LAUGHS, "", "aliases expanded"),
    hostile("recursive-alias", "s.yaml", "a: &a [*a]\n", "a[0]", "contains it"),
    hostile(
        "nodes-1e11",
        "s.yaml",
        canary(fleet="  regions: [{name: a, nodes: 100000000000}]\n"),
        "fleet.regions[0].nodes",
        "10000000",
    ),
    hostile(
        "nodes-1e11-float",
        "s.json",
        '{"fleet": {"regions": [{"name": "a", "nodes": 1e11}]}, "deployment": {"moduleId": "m", "strategy": "Canary"}}',
        "fleet.regions[0].nodes",
        "integer",
    ),
    hostile(
        "nodes-2^63",
        "s.yaml",
        canary(fleet=f"  regions: [{{name: a, nodes: {2**63}}}]\n"),
        "fleet.regions[0].nodes",
        "10000000",
    ),
    hostile(
        "nodes-total-over-10M",
        "s.yaml",
        canary(fleet="  regions: [{name: a, nodes: 6000000}, {name: b, nodes: 1, idleNodes: 6000000}]\n"),
        "fleet.regions",
        "10,000,000",
    ),
    hostile("traffic-inf", "s.yaml", canary(fleet="  trafficPerNode: .inf\n"), "fleet.trafficPerNode", "finite"),
    hostile(
        "traffic-nan-json",
        "s.json",
        '{"fleet": {"trafficPerNode": NaN}, "deployment": {"moduleId": "m", "strategy": "Canary"}}',
        "fleet.trafficPerNode",
        "finite",
    ),
    hostile(
        "traffic-infinity-json",
        "s.json",
        '{"fleet": {"trafficPerNode": Infinity}, "deployment": {"moduleId": "m", "strategy": "Canary"}}',
        "fleet.trafficPerNode",
        "finite",
    ),
    hostile(
        "traffic-1e400-json",
        "s.json",
        '{"fleet": {"trafficPerNode": 1e400}, "deployment": {"moduleId": "m", "strategy": "Canary"}}',
        "fleet.trafficPerNode",
        "finite",
    ),
    hostile(
        "error-rate-true",
        "s.yaml",
        canary(modules="modules:\n  m-2: {errorRate: true}\n"),
        "modules.m-2.errorRate",
        "number",
    ),
    hostile(
        "error-rate-string",
        "s.yaml",
        canary(modules="modules:\n  m-2: {errorRate: '0.5'}\n"),
        "modules.m-2.errorRate",
        "number",
    ),
    hostile(
        "region-order-empty",
        "s.yaml",
        "deployment:\n  moduleId: m-2\n  strategy: Regional\n  strategyConfig: {regionOrder: []}\n" + EXPECT,
        "deployment.strategyConfig.regionOrder",
        "at least 1",
    ),
    hostile(
        "target-regions-empty",
        "s.yaml",
        canary(deployment="  targetRegions: []\n"),
        "deployment.targetRegions",
        "at least 1",
    ),
    hostile("seed-2^80", "s.yaml", canary(top=f"seed: {2**80}\n"), "seed", "less than or equal"),
    hostile(
        "seed-last-run-over",
        "s.yaml",
        canary(top=f"seed: {2**63 - 1}\n", expect="expect:\n  runs: 2\n  outcome: Succeeded\n"),
        "expect.runs",
        "would pass",
    ),
    hostile(
        "threshold-inf",
        "s.yaml",
        canary(deployment="  autoRollback:\n    triggers: [{metric: error_rate, threshold: .inf}]\n"),
        "deployment.autoRollback.triggers[0].threshold",
        "finite",
    ),
    hostile(
        "p99-1e308-ms",
        "s.yaml",
        canary(modules="modules:\n  m-2: {latencyMs: {median: 1.0e+308, p99: 1.0e+308}}\n"),
        "modules.m-2.latencyMs",
        "3,600,000 ms",
    ),
    hostile(
        "p99-ratio",
        "s.yaml",
        canary(modules="modules:\n  m-2: {latencyMs: {median: 0.001, p99: 1000}}\n"),
        "modules.m-2.latencyMs",
        "times the median",
    ),
    hostile(
        "evaluation-period-P99999999D",
        "s.yaml",
        canary(deployment="  strategyConfig: {evaluationPeriod: P99999999D}\n"),
        "deployment.strategyConfig.evaluationPeriod",
        "at most a year",
    ),
    hostile(
        "evaluation-period-overflow",
        "s.yaml",
        canary(deployment="  strategyConfig: {evaluationPeriod: P99999999999D}\n"),
        "deployment.strategyConfig.evaluationPeriod",
        "ISO 8601",
    ),
    hostile(
        "interval-PT0.000001S",
        "s.yaml",
        canary(deployment="  autoRollback: {interval: PT0.000001S}\n"),
        "deployment.autoRollback.interval",
        "at least 1 s",
    ),
    hostile(
        "windows-over-cap",
        "s.yaml",
        canary(deployment="  autoRollback: {interval: 1}\n  strategyConfig: {evaluationPeriod: P300D}\n"),
        "deployment.strategyConfig.evaluationPeriod",
        "100,000 windows",
    ),
    hostile(
        "expect-runs-1e9",
        "s.yaml",
        canary(expect="expect:\n  runs: 1000000000\n  outcome: Succeeded\n"),
        "expect.runs",
        "100,000",
    ),
    hostile("regions-50000", "s.json", regions_json(50_000), "", "larger than"),
    hostile("regions-1001", "s.json", regions_json(1_001), "fleet.regions", "1,000"),
    hostile("module-id-path", "s.yaml", canary().replace("m-2", "../../tmp/evil"), "deployment.moduleId", "not a name"),
    hostile(
        "region-name-path",
        "s.yaml",
        canary(fleet="  regions: [{name: a/b, nodes: 1}]\n"),
        "fleet.regions[0].name",
        "not a name",
    ),
    hostile(
        "deployment-id-dotdot",
        "s.yaml",
        canary(deployment="  deploymentId: a..b\n"),
        "deployment.deploymentId",
        "not a name",
    ),
    hostile(
        "module-key-path",
        "s.yaml",
        canary(modules="modules:\n  /etc/passwd: {errorRate: 0.1}\n"),
        "modules./etc/passwd",
        "not a name",
    ),
    hostile("digits-5000", "s.yaml", canary(top="seed: " + "9" * 5000 + "\n"), "", "malformed YAML"),
    hostile("digits-5000-json", "s.json", '{"seed": ' + "9" * 5000 + "}", "", "malformed JSON"),
    hostile("date-value", "s.yaml", canary(top="description: 2001-01-01\n"), "description", "quote it"),
    hostile("python-tag", "s.yaml", "a: !!python/object/apply:os.system [true]\n", "line 1", "malformed YAML"),
    hostile("duplicate-json-key", "s.json", '{"seed": 1, "seed": 2}', "", "duplicate key"),
    hostile("string-10001", "s.yaml", canary(top="description: " + "x" * 10_001 + "\n"), "description", "10000"),
]


def invoke(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize(("name", "text", "field", "says"), CORPUS)
@pytest.mark.parametrize("command", ["validate", "run", "check"])
def test_a_hostile_file_is_refused_in_one_line(
    tmp_path: Path, command: str, name: str, text: str, field: str, says: str
):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = invoke(command, path)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    where = f"hotswap: {path}: {field}"
    assert lines[0].startswith(where), lines[0]
    assert says in lines[0].removeprefix(where), lines[0]
    assert "Traceback" not in result.output and "pydantic" not in result.output


@pytest.mark.parametrize(("name", "text"), [(p.values[0], p.values[1]) for p in CORPUS])
def test_reading_a_hostile_file_stays_within_64_mib(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    try:
        read(path)
    except ReadError:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 64 * 2**20


def test_the_corpus_covers_the_issue():
    ids = {p.id for p in CORPUS}
    for wanted in (
        "nested-yaml-20000",
        "nested-json-20000",
        "helm-template-value",
        "nodes-1e11",
        "nodes-2^63",
        "traffic-inf",
        "error-rate-true",
        "region-order-empty",
        "seed-2^80",
        "threshold-inf",
        "p99-1e308-ms",
        "evaluation-period-P99999999D",
        "interval-PT0.000001S",
        "expect-runs-1e9",
        "regions-50000",
        "traffic-nan-json",
    ):
        assert wanted in ids
    assert json.loads(regions_json(3))["fleet"]["regions"][2] == {"name": "r2", "nodes": 1}
