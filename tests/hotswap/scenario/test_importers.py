"""`hotswap import`: each tool's spec mapped onto a scenario the loader accepts, the
bundled examples reproduced, unsupported input refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from hotswap.cli.main import main
from hotswap.scenario.importers import appconfig, codedeploy, scenario_text
from hotswap.scenario.importers.common import ImportRefused, module_id

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "import"


def deployment(text: str) -> dict:
    return yaml.safe_load(text)["deployment"]


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


ROLLOUT = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: app}
spec:
  replicas: 20
  template: {spec: {containers: [{name: app, image: "reg.io/team/app:v2@sha256:abc"}]}}
  strategy:
    canary:
      steps: %s
"""


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("registry/image-processor:v1.2.0", "image-processor-v1.2.0"),
        ("reg.io:5000/a/b/app@sha256:ff", "app"),
        ("..weird name..:1", "weird-name.-1"),
        ("AppConfig.AllAtOnce", "AppConfig.AllAtOnce"),
    ],
)
def test_module_ids_follow_the_safe_name_rule(reference, expected):
    assert module_id(reference) == expected


def test_the_bundled_examples_are_what_import_writes(monkeypatch):
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    scenarios = sorted((EXAMPLES / "scenarios").glob("*.yaml"))
    assert len(scenarios) >= 7
    for scenario in scenarios:
        text = scenario.read_text()
        source = text.splitlines()[0].split(" from ", 1)[1].split(" (", 1)[0]
        out = runner.invoke(main, ["import", source])
        assert out.exit_code == 0, out.output
        imported = out.stdout.rstrip("\n")
        if "bad-module" in scenario.name:
            imported = imported.replace("    errorRate: 0.001\n", "    errorRate: 0.2\n", 1)
            imported = imported.replace(f"imported-{Path(source).stem}\n", f"imported-{scenario.stem}\n", 1)
        assert text.startswith(imported), scenario.name
        assert "\nexpect:\n" in text


def test_argo_steps_map_to_stages_with_traffic_holds_and_approvals(tmp_path):
    steps = (
        "[{setCanaryScale: {replicas: 2}}, {setWeight: 5}, {pause: {duration: 1m30s}}, {pause: {duration: 30s}},"
        " {setWeight: 20}, {pause: {}}, {setCanaryScale: {matchTrafficWeight: true}}, {setWeight: 50},"
        " {pause: {duration: 5m}}]"
    )
    text, _ = scenario_text([write(tmp_path, "r.yaml", ROLLOUT % steps)])
    d = deployment(text)
    assert d["moduleId"] == "app-v2"
    assert d["strategyConfig"]["stages"] == [
        {"nodes": 10.0, "traffic": 5.0, "hold": "PT2M"},
        {"nodes": 10.0, "traffic": 20.0, "hold": "PT0S"},
        {"approval": "PT30M"},
        {"nodes": 50.0, "hold": "PT5M"},
        {"nodes": 100, "hold": "PT0S"},
    ]
    assert d["autoRollback"] == {"enabled": False}  # no analysis: nothing watches
    assert "approximated: spec.strategy.canary.steps[5].pause {}" in text


def test_argo_templates_from_a_second_file_with_background_and_inline_analysis(tmp_path):
    steps = (
        "[{setWeight: 10}, {pause: {duration: 2m}}, {setWeight: 40}, {analysis: {templates: [{templateName: err}]}}]"
    )
    rollout = (ROLLOUT % steps).replace(
        "      steps:", "      analysis: {templates: [{templateName: err}], startingStep: 2}\n      steps:"
    )
    template = """apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: err}
spec:
  metrics:
  - name: error-ratio
    interval: 30s
    count: 4
    failureLimit: 1
    consecutiveErrorLimit: 2
    failureCondition: result[0] > 0.02
    provider: {prometheus: {query: 'sum(rate(errors_total{code=~"5.."}[30s])) / sum(rate(requests_total[30s]))'}}
  - name: saturation
    interval: 30s
    successCondition: result[0] < 0.8
    provider: {prometheus: {query: 'avg(cpu_usage)'}}
"""
    text, warnings = scenario_text([write(tmp_path, "r.yaml", rollout), write(tmp_path, "t.yaml", template)])
    d = deployment(text)
    assert d["strategyConfig"]["stages"][1] == {"nodes": 40.0, "hold": "PT2M"}  # analysis step: 4 x 30 s
    assert d["strategyConfig"]["startingStage"] == 2
    assert d["autoRollback"] == {
        "test": "observed",
        "interval": "PT30S",
        "failureLimit": 1,
        "consecutiveErrorLimit": 2,
        "inconclusiveLimit": 0,
        "triggers": [{"metric": "error_rate", "threshold": 2.0, "unit": "percent"}],
    }
    assert "ignored: err.spec.metrics[1]: metric 'saturation'" in text
    assert any("startingStage: the analysis starts at stage 2" in w for w in warnings)


def test_argo_blue_green(tmp_path):
    rollout = (ROLLOUT % "[]").replace(
        "    canary:\n      steps: []", "    blueGreen: {activeService: a, autoPromotionEnabled: false}"
    )
    d = deployment(scenario_text([write(tmp_path, "bg.yaml", rollout)])[0])
    assert d["strategy"] == "BlueGreen"
    assert d["strategyConfig"] == {"keepBlueEnvironment": True, "blueRetentionPeriod": "PT30S"}


def test_flagger_step_weights_iterations_and_ab_match(tmp_path):
    canary = """apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: app}
spec:
  targetRef: {kind: Deployment, name: app}
  analysis: %s
"""
    weights = deployment(
        scenario_text([write(tmp_path, "a.yaml", canary % "{interval: 30s, threshold: 2, stepWeights: [1, 5, 25]}")])[0]
    )
    assert [s["nodes"] for s in weights["strategyConfig"]["stages"]] == [1, 5, 25, 100]
    assert weights["autoRollback"]["threshold"] == 2
    ab = deployment(
        scenario_text(
            [write(tmp_path, "b.yaml", canary % "{interval: 1m, threshold: 2, iterations: 10, match: [{headers: {}}]}")]
        )[0]
    )
    assert ab["strategyConfig"]["stages"] == [{"nodes": 10.0, "hold": "PT10M"}, {"nodes": 100, "hold": "PT1M"}]
    bg = deployment(
        scenario_text([write(tmp_path, "c.yaml", canary % "{interval: 1m, threshold: 2, iterations: 5}")])[0]
    )
    assert bg["strategy"] == "BlueGreen" and bg["strategyConfig"]["blueRetentionPeriod"] == "PT5M"


def test_codedeploy_server_configs_become_rolling_batches(tmp_path):
    half = deployment(scenario_text(["CodeDeployDefault.HalfAtATime"])[0])
    assert half["strategy"] == "Rolling" and half["strategyConfig"]["batchSize"] == "50%"
    info = {"deploymentConfigInfo": {"deploymentConfigName": "keep-60", "computePlatform": "Server",
                                      "minimumHealthyHosts": {"type": "HOST_COUNT", "value": 60}}}  # fmt: skip
    hosts = deployment(scenario_text([write(tmp_path, "c.json", json.dumps(info))])[0])
    assert hosts["strategyConfig"]["batchSize"] == 5  # 65 nodes, 60 kept healthy


def test_appconfig_exponential_spreads_its_steps_over_the_duration():
    d = deployment(scenario_text(["AppConfig.Canary10Percent20Minutes"])[0])
    assert d["strategyConfig"] == {
        "stages": [{"nodes": n, "hold": "PT4M"} for n in (10.0, 20.0, 40.0, 80.0, 100.0)],
        "bakeTime": "PT10M",
    }


@pytest.mark.parametrize("name", sorted(codedeploy.PREDEFINED) + sorted(appconfig.PREDEFINED))
def test_every_predefined_name_imports(name):
    text, _ = scenario_text([name])
    assert deployment(text)["moduleId"] == name


def test_the_fleet_of_another_scenario(tmp_path):
    text, _ = scenario_text(["AppConfig.AllAtOnce"], ROOT / "scenarios" / "fleet-10k.yaml")
    assert sum(r["nodes"] for r in yaml.safe_load(text)["fleet"]["regions"]) == 10_000


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"},
            "kind Deployment is not supported",
        ),
        (
            {"e.json": '{"deploymentConfigInfo": {"trafficRoutingConfig": {"type": "Blue"}}}'},
            "expected TimeBasedCanary",
        ),
        ({"f.json": "{not json"}, "malformed JSON"),
        (
            {"g.yaml": ROLLOUT % "[{analysis: {templates: [{templateName: gone}]}}]"},
            "AnalysisTemplate 'gone' not found",
        ),
        ({"h.yaml": ROLLOUT % "[{setWeight: 150}]"}, "steps[0].setWeight: expected a number in [0, 100]"),
    ],
)
def test_unsupported_or_bad_input_is_one_line_exit_2(tmp_path, files, message):
    paths = [write(tmp_path, name, text) for name, text in files.items()]
    out = CliRunner().invoke(main, ["import", *paths, "--out", str(tmp_path / "s.yaml")])
    assert out.exit_code == 2
    assert len(out.stderr.strip().splitlines()) == 1 and message in out.stderr
    assert not (tmp_path / "s.yaml").exists()


def test_an_unknown_name_is_refused():
    out = CliRunner().invoke(main, ["import", "CodeDeployDefault.LambdaCanary7Percent3Minutes"])
    assert out.exit_code == 2 and "not a predefined" in out.stderr and len(out.stderr.splitlines()) == 1
    with pytest.raises(ImportRefused):
        scenario_text(["AppConfig.Nothing"])


def test_out_is_written_and_runs(tmp_path):
    out = tmp_path / "s.yaml"
    result = CliRunner().invoke(main, ["import", "CodeDeployDefault.LambdaCanary10Percent5Minutes", "--out", str(out)])
    assert result.exit_code == 0 and out.exists() and not result.stdout
    run = CliRunner().invoke(main, ["run", str(out), "--format", "json"])
    assert run.exit_code == 0 and json.loads(run.stdout)["outcome"] == "Succeeded"


def test_an_imported_argo_rollout_is_compared_and_calibrated(tmp_path):
    scenario = tmp_path / "argo.yaml"
    made = CliRunner().invoke(main, ["import", str(EXAMPLES / "sources" / "argo-rollout.yaml"), "--out", str(scenario)])
    assert made.exit_code == 0, made.output
    compared = CliRunner().invoke(main, ["compare", str(scenario), "--runs", "3", "--out", str(tmp_path / "cmp")])
    assert compared.exit_code == 0, compared.output
    summary = (tmp_path / "cmp" / "summary.csv").read_text().splitlines()
    assert len(summary) > 1 and any(line.startswith("Canary") for line in summary[1:])
    calibrated = CliRunner().invoke(main, ["calibrate", str(scenario), "--runs", "3", "--format", "json"])
    assert calibrated.exit_code in (0, 1), calibrated.output  # 1: no setting qualifies at 3 runs a cell
    settings = json.loads(calibrated.stdout)["settings"]
    assert settings[0]["setting"] == {}  # the imported analysis itself comes first
    assert all(len(s["detection"]) == 6 for s in settings)  # errors x1.5, x2, x5; latency +20%, +50%; crashes
