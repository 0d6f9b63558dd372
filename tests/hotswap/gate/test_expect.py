"""``hotswap.gate.expect`` on its own: parsing ``expect:`` blocks, and verdicts over hand-made run records."""

from __future__ import annotations

import math
from typing import Any

import pytest

from hotswap.gate.expect import Finding, judge
from hotswap.scenario.expect import Bound, Expectation, Expectations, ExpectError, parse

INF = math.inf
STATISTICS = ("mean", "min", "max", "p5", "p50", "p95", "p99")
OUTCOMES = ("Succeeded", "RolledBack", "PartialSuccess", "Paused", "Failed")
FIGURES = (
    "deployTimeSeconds",
    "rollbackTimeSeconds",
    "totalTimeSeconds",
    "blastRadius.nodes",
    "blastRadius.nodesPercent",
    "blastRadius.requests",
    "blastRadius.failedRequests",
    "blastRadius.nodeSeconds",
    "capacity.peakNodes",
    "capacity.overheadPercent",
    "finalState.newModuleNodes",
    "finalState.previousModuleNodes",
)  # the list in docs/ci.md


def record(
    seed: int,
    outcome: str = "Succeeded",
    deploy: float | None = 100.0,
    rollback: float | None = None,
    nodes_percent: float = 10.0,
) -> dict[str, Any]:
    """A run's result record, with the parts the expectations read."""
    return {
        "seed": seed,
        "outcome": outcome,
        "deployTimeSeconds": deploy,
        "rollbackTimeSeconds": rollback,
        "blastRadius": {
            "nodes": nodes_percent / 5,
            "nodesPercent": nodes_percent,
            "requests": 1000,
            "failedRequests": 3,
            "nodeSeconds": 50.0,
        },
    }


def only(raw: dict[str, Any], runs: list[dict[str, Any]]) -> Finding:
    """The single verdict of a one-expectation block."""
    verdicts = judge(parse(raw), runs)
    assert len(verdicts) == 1
    return verdicts[0]


# --- parse: the forms ---------------------------------------------------------------------


def test_parse_outcome_string():
    parsed = parse({"outcome": "RolledBack"})
    assert parsed == Expectations(runs=1, backend=None, items=(Expectation("outcome", outcomes=("RolledBack",)),))


def test_parse_outcome_list():
    parsed = parse({"outcome": ["Succeeded", "PartialSuccess"]})
    assert parsed.items == (Expectation("outcome", outcomes=("Succeeded", "PartialSuccess")),)


@pytest.mark.parametrize("status", OUTCOMES)
def test_parse_accepts_every_outcome(status):
    assert parse({"outcome": status}).items[0].outcomes == (status,)


def test_parse_every_run_bound():
    parsed = parse({"blastRadius.nodesPercent": {"max": 10}})
    assert parsed.items == (Expectation("blastRadius.nodesPercent", Bound(-INF, 10.0)),)


@pytest.mark.parametrize("name", FIGURES)
def test_parse_accepts_every_documented_figure(name):
    assert parse({name: {"min": 0}}).items == (Expectation(name, Bound(0.0, INF)),)


@pytest.mark.parametrize("stat", STATISTICS)
def test_parse_each_statistic(stat):
    parsed = parse({"rollbackTimeSeconds": {stat: {"max": 60}}})
    assert parsed.items == (Expectation(f"rollbackTimeSeconds.{stat}", Bound(-INF, 60.0)),)


def test_parse_several_statistics_of_one_figure_keep_their_order():
    parsed = parse({"deployTimeSeconds": {"p95": {"max": 60}, "mean": {"min": 1}}})
    assert [e.what for e in parsed.items] == ["deployTimeSeconds.p95", "deployTimeSeconds.mean"]
    assert [e.bound for e in parsed.items] == [Bound(-INF, 60.0), Bound(1.0, INF)]


def test_parse_between():
    assert parse({"deployTimeSeconds": {"between": [900, 1800]}}).items[0].bound == Bound(900.0, 1800.0)
    assert parse({"deployTimeSeconds": {"mean": {"between": [1.5, 2]}}}).items[0].bound == Bound(1.5, 2.0)


def test_parse_between_of_one_point():
    assert parse({"deployTimeSeconds": {"between": [5, 5]}}).items[0].bound == Bound(5.0, 5.0)


def test_parse_min_and_max():
    assert parse({"deployTimeSeconds": {"min": 1, "max": 2}}).items[0].bound == Bound(1.0, 2.0)
    assert parse({"deployTimeSeconds": {"p50": {"min": 1, "max": 2}}}).items[0].bound == Bound(1.0, 2.0)


def test_parse_min_alone():
    assert parse({"capacity.overheadPercent": {"min": 100}}).items[0].bound == Bound(100.0, INF)


def test_parse_outcome_rate():
    parsed = parse({"outcomeRate": {"RolledBack": {"min": 0.95}, "Failed": {"max": 0}}})
    assert parsed.items == (
        Expectation("outcomeRate.RolledBack", Bound(0.95, INF)),
        Expectation("outcomeRate.Failed", Bound(-INF, 0.0)),
    )


def test_parse_runs_and_its_default():
    assert parse({"runs": 200, "outcome": "Succeeded"}).runs == 200
    assert parse({"outcome": "Succeeded"}).runs == 1


@pytest.mark.parametrize("backend", ["sim", "real"])
def test_parse_backend(backend):
    assert parse({"backend": backend, "outcome": "Succeeded"}).backend == backend
    assert parse({"outcome": "Succeeded"}).backend is None


def test_parse_the_documented_example():
    parsed = parse(
        {
            "runs": 200,
            "backend": "sim",
            "outcome": "RolledBack",
            "rollbackTimeSeconds": {"p95": {"max": 60}},
            "blastRadius.nodesPercent": {"max": 10},
            "deployTimeSeconds": {"mean": {"between": [900, 1800]}},
            "outcomeRate": {"RolledBack": {"min": 0.95}},
        }
    )
    assert (parsed.runs, parsed.backend) == (200, "sim")
    assert [e.what for e in parsed.items] == [
        "outcome",
        "rollbackTimeSeconds.p95",
        "blastRadius.nodesPercent",
        "deployTimeSeconds.mean",
        "outcomeRate.RolledBack",
    ]


def test_a_statistic_named_like_a_bound_is_a_statistic():
    # {max: {max: 5}} is the statistic max bounded by 5; {max: 5} bounds every run
    assert parse({"deployTimeSeconds": {"max": {"max": 5}}}).items == (
        Expectation("deployTimeSeconds.max", Bound(-INF, 5.0)),
    )
    assert parse({"deployTimeSeconds": {"min": {"max": 5}}}).items == (
        Expectation("deployTimeSeconds.min", Bound(-INF, 5.0)),
    )
    assert parse({"deployTimeSeconds": {"max": 5}}).items == (Expectation("deployTimeSeconds", Bound(-INF, 5.0)),)


@pytest.mark.parametrize(
    ("bound", "text"),
    [(Bound(-INF, 10), "max 10"), (Bound(0.95, INF), "min 0.95"), (Bound(1, 2.5), "between 1 and 2.5")],
)
def test_bound_text(bound, text):
    assert str(bound) == text


# --- parse: unusable blocks, and the field named --------------------------------------------

MALFORMED = [
    # unknown keys
    ({"latency": {"max": 1}}, "expect.latency"),
    ({"outcome": "Succeeded", "deployTime": {"max": 1}}, "expect.deployTime"),
    ({"blastRadius": {"max": 1}}, "expect.blastRadius"),
    ({"rollbackTimeSeconds": {"p97": {"max": 60}}}, "expect.rollbackTimeSeconds.p97"),
    ({"rollbackTimeSeconds": {"p95": {"upto": 60}}}, "expect.rollbackTimeSeconds.p95.upto"),
    ({"rollbackTimeSeconds": {"atMost": 60}}, "expect.rollbackTimeSeconds.atMost"),
    # outcomes
    ({"outcome": "Exploded"}, "expect.outcome"),
    ({"outcome": ["Succeeded", "Exploded"]}, "expect.outcome"),
    ({"outcome": []}, "expect.outcome"),
    ({"outcome": 3}, "expect.outcome"),
    ({"outcomeRate": {"Exploded": {"min": 0.5}}}, "expect.outcomeRate.Exploded"),
    ({"outcomeRate": {"Succeeded": 0.5}}, "expect.outcomeRate.Succeeded"),
    ({"outcomeRate": {}}, "expect.outcomeRate"),
    ({"outcomeRate": "Succeeded"}, "expect.outcomeRate"),
    # bounds
    ({"deployTimeSeconds": {"between": [1, 2], "max": 3}}, "expect.deployTimeSeconds.between"),
    ({"deployTimeSeconds": {"p95": {"between": [1, 2], "min": 0}}}, "expect.deployTimeSeconds.p95.between"),
    ({"deployTimeSeconds": {"between": [1]}}, "expect.deployTimeSeconds.between"),
    ({"deployTimeSeconds": {"between": [1, 2, 3]}}, "expect.deployTimeSeconds.between"),
    ({"deployTimeSeconds": {"between": "1..2"}}, "expect.deployTimeSeconds.between"),
    ({"deployTimeSeconds": {"between": ["a", 2]}}, "expect.deployTimeSeconds.between"),
    ({"deployTimeSeconds": {"max": "fast"}}, "expect.deployTimeSeconds.max"),
    ({"deployTimeSeconds": {"max": True}}, "expect.deployTimeSeconds.max"),
    ({"deployTimeSeconds": {"min": math.nan}}, "expect.deployTimeSeconds.min"),
    ({"deployTimeSeconds": {"max": math.inf}}, "expect.deployTimeSeconds.max"),
    ({"deployTimeSeconds": {"mean": {"max": None}}}, "expect.deployTimeSeconds.mean.max"),
    ({"deployTimeSeconds": {"min": 5, "max": 3}}, "expect.deployTimeSeconds"),
    ({"deployTimeSeconds": {"between": [5, 3]}}, "expect.deployTimeSeconds"),
    ({"deployTimeSeconds": {"p95": {"min": 5, "max": 3}}}, "expect.deployTimeSeconds.p95"),
    ({"outcomeRate": {"Succeeded": {"between": [1, 0.5]}}}, "expect.outcomeRate.Succeeded"),
    ({"deployTimeSeconds": {"p95": 60}}, "expect.deployTimeSeconds.p95"),
    ({"deployTimeSeconds": {"p95": {}}}, "expect.deployTimeSeconds.p95"),
    ({"deployTimeSeconds": 60}, "expect.deployTimeSeconds"),
    ({"deployTimeSeconds": {}}, "expect.deployTimeSeconds"),
    # runs and backend
    ({"runs": 0, "outcome": "Succeeded"}, "expect.runs"),
    ({"runs": True, "outcome": "Succeeded"}, "expect.runs"),
    ({"runs": -3, "outcome": "Succeeded"}, "expect.runs"),
    ({"runs": 2.5, "outcome": "Succeeded"}, "expect.runs"),
    ({"runs": "10", "outcome": "Succeeded"}, "expect.runs"),
    ({"backend": "cloud", "outcome": "Succeeded"}, "expect.backend"),
    # nothing expected, or not a mapping
    ({}, "expect"),
    ({"runs": 10}, "expect"),
    ({"runs": 10, "backend": "sim"}, "expect"),
    (None, "expect"),
    (["outcome", "Succeeded"], "expect"),
    ("outcome: Succeeded", "expect"),
]


@pytest.mark.parametrize(("raw", "field"), MALFORMED, ids=lambda x: x if isinstance(x, str) else None)
def test_parse_rejects_and_names_the_field(raw, field):
    with pytest.raises(ExpectError) as info:
        parse(raw)
    assert info.value.field == field
    assert str(info.value)  # a message for the user
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"rollbackTimeSeconds": {"p97": {"max": 60}}}, "unknown statistic"),
        ({"latency": {"max": 1}}, "unknown expectation"),
        ({"outcomeRate": {"Exploded": {"min": 0.5}}}, "unknown outcome"),
        ({"deployTimeSeconds": {"min": 5, "max": 3}}, "above the high end"),
    ],
)
def test_parse_says_what_is_wrong(raw, words):
    with pytest.raises(ExpectError, match=words):
        parse(raw)


# --- judge ------------------------------------------------------------------------------------


def test_outcome_holds_when_every_run_ends_so():
    verdict = only({"outcome": "Succeeded"}, [record(1), record(2)])
    assert verdict == Finding("outcome", True, "Succeeded", "Succeeded", ())


def test_outcome_fails_with_exactly_the_seeds_that_end_otherwise():
    runs = [record(1), record(2, "RolledBack"), record(3), record(4, "Paused")]
    verdict = only({"outcome": "Succeeded"}, runs)
    assert not verdict.passed
    assert verdict.seeds == (2, 4)
    assert verdict.measured == "Paused, RolledBack, Succeeded"
    assert verdict.demanded == "Succeeded"


def test_outcome_list_allows_any_of_them():
    runs = [record(1), record(2, "RolledBack"), record(3, "Paused")]
    verdict = only({"outcome": ["Succeeded", "RolledBack"]}, runs)
    assert (verdict.passed, verdict.seeds, verdict.demanded) == (False, (3,), "Succeeded or RolledBack")
    assert only({"outcome": ["Succeeded", "RolledBack", "Paused"]}, runs).passed


def test_every_run_max_names_the_runs_above_it():
    runs = [record(s, nodes_percent=p) for s, p in [(5, 10.0), (6, 50.0), (7, 10.0), (8, 30.0)]]
    verdict = only({"blastRadius.nodesPercent": {"max": 20}}, runs)
    assert (verdict.passed, verdict.seeds) == (False, (6, 8))
    assert verdict.measured == "50 at worst"
    assert verdict.demanded == "max 20"
    assert only({"blastRadius.nodesPercent": {"max": 50}}, runs).passed  # inclusive


def test_every_run_min_names_the_runs_below_it():
    runs = [record(s, nodes_percent=p) for s, p in [(5, 10.0), (6, 50.0), (7, 100.0)]]
    verdict = only({"blastRadius.nodesPercent": {"min": 50}}, runs)
    assert (verdict.passed, verdict.seeds, verdict.measured) == (False, (5,), "10 at worst")
    assert only({"blastRadius.nodesPercent": {"min": 10}}, runs).passed  # inclusive


def test_every_run_between_names_the_runs_outside_it():
    runs = [record(s, deploy=d) for s, d in [(1, 150.0), (2, 250.0), (3, 120.0), (4, 99.0)]]
    verdict = only({"deployTimeSeconds": {"between": [100, 200]}}, runs)
    assert (verdict.passed, verdict.seeds) == (False, (2, 4))
    assert verdict.demanded == "between 100 and 200"
    assert only({"deployTimeSeconds": {"between": [99, 250]}}, runs).passed
    assert only({"deployTimeSeconds": {"min": 99, "max": 250}}, runs).passed
    assert only({"deployTimeSeconds": {"min": 99, "max": 249}}, runs).seeds == (2,)


def test_every_run_between_broken_above_reports_the_highest():
    runs = [record(s, deploy=d) for s, d in [(1, 150.0), (2, 250.0)]]
    assert only({"deployTimeSeconds": {"between": [100, 200]}}, runs).measured == "250 at worst"


def test_every_run_between_broken_below_reports_the_offending_value():
    runs = [record(s, deploy=d) for s, d in [(1, 63.0), (2, 150.0)]]
    verdict = only({"deployTimeSeconds": {"between": [100, 200]}}, runs)
    assert (verdict.passed, verdict.seeds) == (False, (1,))
    assert verdict.measured == "63 at worst"


# values 10, 20, 30, 40, 100 at seeds 1..5: mean 40, min 10, max 100, and linear percentiles
VALUES = {1: 10.0, 2: 20.0, 3: 30.0, 4: 40.0, 5: 100.0}
STAT_OF_VALUES = {"mean": 40.0, "min": 10.0, "max": 100.0, "p5": 12.0, "p50": 30.0, "p95": 88.0, "p99": 97.6}


@pytest.mark.parametrize("stat", STATISTICS)
def test_statistic_holds_within_its_bound(stat):
    runs = [record(s, deploy=v) for s, v in VALUES.items()]
    value = STAT_OF_VALUES[stat]
    verdict = only({"deployTimeSeconds": {stat: {"between": [value - 0.01, value + 0.01]}}}, runs)
    assert verdict.passed, verdict
    assert verdict.what == f"deployTimeSeconds.{stat}"
    assert verdict.measured == f"{value:.6g}"
    assert verdict.seeds == ()


@pytest.mark.parametrize("stat", STATISTICS)
def test_statistic_above_its_max_fails_with_the_runs_above_it(stat):
    runs = [record(s, deploy=v) for s, v in VALUES.items()]
    value = STAT_OF_VALUES[stat]
    verdict = only({"deployTimeSeconds": {stat: {"max": value - 1}}}, runs)
    assert not verdict.passed
    assert verdict.measured == f"{value:.6g}"
    assert verdict.seeds == tuple(s for s, v in VALUES.items() if v > value - 1)
    assert verdict.seeds  # a run to replay


@pytest.mark.parametrize("stat", STATISTICS)
def test_statistic_below_its_min_fails_with_the_runs_below_it(stat):
    runs = [record(s, deploy=v) for s, v in VALUES.items()]
    value = STAT_OF_VALUES[stat]
    verdict = only({"deployTimeSeconds": {stat: {"min": value + 1}}}, runs)
    assert not verdict.passed
    assert verdict.seeds == tuple(s for s, v in VALUES.items() if v < value + 1)


def test_statistic_max_and_every_run_max_differ():
    runs = [record(1, deploy=1.0), record(2, deploy=10.0)]
    assert not only({"deployTimeSeconds": {"max": {"max": 5}}}, runs).passed  # the statistic max is 10
    assert only({"deployTimeSeconds": {"min": {"max": 5}}}, runs).passed  # the statistic min is 1
    assert only({"deployTimeSeconds": {"min": {"max": 5}}}, runs).what == "deployTimeSeconds.min"
    assert only({"deployTimeSeconds": {"min": 5}}, runs).seeds == (1,)  # every run at least 5


def test_null_figures_are_left_out():
    runs = [
        record(1, rollback=None),
        record(2, "RolledBack", rollback=30.0),
        record(3, rollback=None),
        record(4, "RolledBack", rollback=90.0),
    ]
    verdict = only({"rollbackTimeSeconds": {"max": 60}}, runs)
    assert (verdict.passed, verdict.seeds, verdict.measured) == (False, (4,), "90 at worst")
    assert only({"rollbackTimeSeconds": {"mean": {"between": [60, 60]}}}, runs).passed  # (30 + 90) / 2, no zeros
    assert only({"rollbackTimeSeconds": {"min": {"min": 30}}}, runs).passed


def test_a_figure_measured_in_no_run_fails():
    runs = [record(1), record(2)]  # nothing rolled back
    for raw in ({"rollbackTimeSeconds": {"max": 60}}, {"rollbackTimeSeconds": {"p95": {"max": 60}}}):
        verdict = only(raw, runs)
        assert not verdict.passed
        assert verdict.measured == "not measured in any run"
        assert verdict.seeds == ()


def test_a_figure_missing_from_the_records_fails():
    verdict = only({"capacity.peakNodes": {"max": 60}}, [record(1)])  # record() has no capacity
    assert (verdict.passed, verdict.measured) == (False, "not measured in any run")


def test_outcome_rate_min():
    runs = [record(1), record(2, "RolledBack"), record(3), record(4), record(5, "Paused")]
    held = only({"outcomeRate": {"Succeeded": {"min": 0.6}}}, runs)  # 3 of 5: inclusive
    assert (held.passed, held.measured, held.seeds, held.what) == (True, "0.6", (), "outcomeRate.Succeeded")
    broken = only({"outcomeRate": {"Succeeded": {"min": 0.8}}}, runs)
    assert (broken.passed, broken.measured, broken.demanded) == (False, "0.6", "min 0.8")
    assert broken.seeds == (2, 5)  # the runs that did not end so


def test_outcome_rate_of_an_outcome_never_seen():
    verdict = only({"outcomeRate": {"Failed": {"max": 0}}}, [record(1), record(2)])
    assert (verdict.passed, verdict.measured) == (True, "0")


def test_outcome_rate_above_its_max_names_the_runs_that_ended_so():
    runs = [record(1, "RolledBack"), record(2), record(3, "RolledBack")]
    verdict = only({"outcomeRate": {"RolledBack": {"max": 0.5}}}, runs)
    assert not verdict.passed
    assert verdict.seeds == (1, 3)


def test_judge_gives_a_verdict_per_expectation_in_order():
    runs = [record(1, deploy=100.0), record(2, deploy=300.0)]
    verdicts = judge(
        parse(
            {
                "runs": 2,
                "outcome": "Succeeded",
                "deployTimeSeconds": {"max": 200},
                "outcomeRate": {"Succeeded": {"min": 1}},
            }
        ),
        runs,
    )
    assert [(v.what, v.passed) for v in verdicts] == [
        ("outcome", True),
        ("deployTimeSeconds", False),
        ("outcomeRate.Succeeded", True),
    ]
    assert verdicts[1].seeds == (2,)


def test_a_passing_verdict_names_no_seeds():
    runs = [record(1, deploy=100.0), record(2, deploy=300.0)]
    for raw in (
        {"deployTimeSeconds": {"max": 300}},
        {"deployTimeSeconds": {"p95": {"max": 300}}},
        {"outcome": "Succeeded"},
        {"outcomeRate": {"Succeeded": {"min": 1}}},
    ):
        verdict = only(raw, runs)
        assert verdict.passed and verdict.seeds == (), raw
