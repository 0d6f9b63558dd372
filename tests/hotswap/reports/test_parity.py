"""Parity verdicts from records fed by hand."""

from __future__ import annotations

from hotswap.reports.parity import compare, text


def record(outcome: str, deploy: float, rollback: float | None = None, exposed: float = 25.0) -> dict:
    return {
        "outcome": outcome,
        "deployTimeSeconds": deploy,
        "rollbackTimeSeconds": rollback,
        "blastRadius": {"nodesPercent": exposed},
    }


TWIN = [record("RolledBack", 30.0 + i % 10, 1.0 + (i % 5) / 10) for i in range(196)] + [
    record("Succeeded", 1200.0, exposed=100.0) for _ in range(4)
]


def test_real_runs_inside_the_twins_spread_agree():
    verdict = compare([record("RolledBack", 33.0, 1.2)] * 3, TWIN)
    assert verdict["agree"] and verdict["outcomes"]["agree"]
    assert verdict["outcomes"]["twin"] == {"RolledBack": 0.98, "Succeeded": 0.02}
    deploy = verdict["figures"][0]
    assert deploy["figure"] == "deployTimeSeconds" and deploy["real"] == [33.0, 33.0, 33.0]
    assert deploy["twin"]["p5"] == 30.0 and deploy["agree"]
    assert "agree" in text("x", verdict, ["a warning"]).splitlines()[0]


def test_a_median_beyond_the_slack_differs():
    verdict = compare([record("RolledBack", 39.0 * 1.1 + 1, 1.2)] * 3, TWIN)
    assert not verdict["agree"] and verdict["outcomes"]["agree"]
    assert [f["agree"] for f in verdict["figures"]] == [False, True, True]
    assert "DIFFER" in text("x", verdict, []).splitlines()[0]


def test_a_real_outcome_the_twin_rarely_gives_differs():
    rare = [record("RolledBack", 33.0, 1.2)] * 199 + [record("Paused", 33.0)]
    verdict = compare([record("RolledBack", 33.0, 1.2), record("Paused", 33.0)], rare)
    assert not verdict["outcomes"]["agree"]  # Paused in 0.5% of the twin's runs
    assert not compare([record("Succeeded", 1200.0, exposed=100.0)] * 3, TWIN)["outcomes"]["agree"]


def test_the_strategy_tables_real_column_is_the_parity_comparison():
    from hotswap.reports.claims import against_twin

    verdict = compare([record("RolledBack", 33.0, 1.2), record("RolledBack", 35.0, 1.4)], TWIN)
    deploy, rollback, _ = verdict["figures"]
    assert against_twin(deploy) == "34 s (twin 30 s-39 s, agrees)"
    assert against_twin({**rollback, "agree": False}).endswith(", differs)")
    assert against_twin({"figure": "rollbackTimeSeconds", "real": [], "twin": None, "agree": True}) == "-"
