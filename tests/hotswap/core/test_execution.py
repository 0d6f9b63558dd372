"""Execution steps a strategy like SimPy steps a process; no backend here."""

from hotswap.core.effects import Deploy, DeployReport, Milestone, Observation, Observe, Outcome, Report, VersionMetrics
from hotswap.core.execution import Execution
from hotswap.core.ledger import Ledger
from hotswap.core.nodes import NodeSet

NODES = NodeSet.span(0, 4)


def steps():
    report = yield Deploy(NODES, "new")
    yield Report(Milestone.ROLLBACK_STARTED, {"reason": "test"})
    yield Deploy(NODES, "old")
    yield Report(Milestone.ROLLBACK_COMPLETED)
    return Outcome("RolledBack", f"updated {report.updated}")


def answer(effect):
    return DeployReport(requested=4, updated=4, failed=0, unreachable=0, seconds=1.0)


def test_reports_are_handled_and_rollback_is_timed():
    ledger = Ledger(4, NODES, "old", "new")
    ex = Execution(steps(), ledger)
    first = ex.start(0.0)
    assert isinstance(first, Deploy) and first.module_id == "new"
    second = ex.advance(first, answer(first), 0.0, 10.0)
    assert isinstance(second, Deploy) and second.module_id == "old"  # the Report never reached the driver
    assert ex.advance(second, answer(second), 10.0, 13.0) is None
    assert ex.outcome == Outcome("RolledBack", "updated 4")
    assert (ex.rollback_seconds, ex.deploy_seconds, ex.finished_at) == (3.0, 10.0, 13.0)
    assert [e["event"] for e in ledger.timeline] == ["Deploy", "RollbackStarted", "Deploy", "RollbackCompleted"]


def observing():
    seen = []
    for _ in range(4):
        observation = yield Observe(30.0)
        seen.append(observation.versions.get("new"))
    return Outcome("Succeeded", repr([m.requests if m else None for m in seen]))


def window(requests: int) -> Observation:
    return Observation(30.0, {"new": VersionMetrics(nodes=1, requests=requests, failed_requests=0)})


def test_late_metrics_reach_the_strategy_that_much_later_merged():
    ex = Execution(observing(), Ledger(4, NODES, "old", "new"), metrics_delay=60.0)
    effect = ex.start(0.0)
    for i, requests in enumerate([10, 20, 30, 40]):
        effect = ex.advance(effect, window(requests), 30.0 * i, 30.0 * (i + 1))
    assert effect is None
    # the window ending at 30 s is seen at 90 s, the one ending at 60 s at 120 s
    assert ex.outcome == Outcome("Succeeded", "[None, None, 10, 20]")
