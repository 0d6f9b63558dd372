"""Gates at scale: a seed's runs under the two gates are simulated once while no health
check finds a node unhealthy or unreachable, and the shared outcome is the one the
second gate's own run has."""

import pytest

from hotswap.reports import gates
from hotswap.runs import runner


def _clean(record):
    return all(e["unhealthy"] == 0 and e["unreachable"] == 0 for e in record["timeline"] if e["event"] == "HealthCheck")


@pytest.mark.parametrize("strategy", ["Canary", "Rolling"])
def test_a_seed_under_both_gates_has_the_outcomes_of_its_own_runs(strategy):
    """The bad module fails its check on 0.5% of nodes: on 100 nodes some seeds' checks
    find one and some do not, so both branches of ``outcomes`` run."""
    scenarios = gates._alike([gates.scenario(strategy, 100, gate, True) for gate in gates.GATES.values()])
    sim = runner.backend("sim")
    kinds = set()
    for seed in range(1, 11):
        runs = [sim(s, seed) for s in scenarios]
        kinds.add(_clean(runs[0]))
        assert gates.outcomes((scenarios, seed)) == tuple(r["outcome"] for r in runs)
        if _clean(runs[0]):  # nothing for the gates to tell apart: the very same run
            assert all(r == runs[0] for r in runs[1:])
    assert kinds == {True, False}


def test_only_scenarios_that_differ_in_the_gate_share_runs():
    guide, tolerant = gates.GATES.values()
    assert len(gates._alike([gates.scenario("Canary", 100, g, False) for g in (guide, tolerant)])) == 2
    with pytest.raises(ValueError, match="health gate only"):
        gates._alike([gates.scenario("Canary", 100, guide, False), gates.scenario("Canary", 1000, guide, False)])
    with pytest.raises(ValueError, match="health gate only"):
        gates._alike([gates.scenario("Canary", 100, guide, False), gates.scenario("Canary", 100, guide, True)])


def test_the_table_counts_each_gates_outcomes_per_size():
    table = gates.measure(6, 1, sizes=(100,), jobs=1)
    assert list(table["runs"]) == [6] * len(table) and len(table) == len(gates.STRATEGIES) * len(gates.GATES)
    sim = runner.backend("sim")
    for name, gate in gates.GATES.items():
        row = table[(table["strategy"] == "Canary") & (table["gate"] == name)].iloc[0]
        bad = [sim(gates.scenario("Canary", 100, gate, True), seed)["outcome"] for seed in range(1, 7)]
        healthy = [sim(gates.scenario("Canary", 100, gate, False), seed)["outcome"] for seed in range(1, 7)]
        assert row["missedBadRate"] == bad.count("Succeeded") / 6
        assert row["falseAlarmRate"] == (6 - healthy.count("Succeeded")) / 6
