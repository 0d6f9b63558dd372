"""A/B testing: run the new module (B) beside the previous one (A) on a traffic split,
then promote B, roll it back, or hold the split when the experiment is inconclusive.

Unlike the guide, "Inconclusive" is its own answer (the rollout pauses with the split in
place), too few samples is inconclusive, the metric in ``winnerCriteria`` is the one
compared, and a win needs statistical significance as well as the threshold. With
``earlyStopping: true`` the experiment ends as soon as an always-valid test shows a
winner (``judgements.Experiment``); without it the winner is judged once, at the end.
"""

from __future__ import annotations

from hotswap.core import judgements
from hotswap.core.effects import Deploy, Milestone, Outcome, Report, Route, VersionMetrics
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.common import Steps, check, missed, progress, roll_back, succeeded, watch


def ab_testing(r: Rollout) -> Steps:
    cfg = r.config
    everyone = r.fleet.active
    b_nodes = r.fleet.share(cfg.variant_b_percentage)
    a_nodes = everyone - b_nodes
    if not a_nodes:
        return Outcome(
            "Failed",
            f"Fleet too small to split: {cfg.variant_b_percentage:g}% of each region leaves no node for variant A",
        )
    restore = Route(((everyone, 1.0),))
    first = yield Deploy(b_nodes, r.module_id)
    verdict = yield from check(r, b_nodes, r.policy())
    if not verdict.passed:
        return (yield from roll_back(r, f"Health checks failed on variant B ({verdict.reason})", nodes=b_nodes))
    pb = cfg.variant_b_percentage
    yield Route(((a_nodes, 100 - pb), (b_nodes, pb)))
    experiment = (
        judgements.Experiment(
            cfg.winner_criteria,
            a_id=r.previous_id,
            b_id=r.module_id,
            minimum_sample_size=cfg.minimum_sample_size,
            confidence=cfg.confidence,
        )
        if cfg.early_stopping
        else None
    )
    seen = yield from watch(r, cfg.experiment_duration, experiment=experiment)
    if seen.fired:
        return (
            yield from roll_back(r, f"Rollback trigger fired on variant B ({seen.fired})", route=restore, nodes=b_nodes)
        )
    if experiment is not None:  # looked at all along: only the always-valid test may decide
        result = seen.decided or judgements.Judgement(
            "Inconclusive", f"no winner shown at confidence {cfg.confidence:g} in {cfg.experiment_duration:g} s"
        )
    else:  # one look, at the end
        empty = VersionMetrics(nodes=0, requests=0, failed_requests=0)
        result = judgements.judge(
            seen.metrics.get(r.previous_id, empty),
            seen.metrics.get(r.module_id, empty),
            cfg.winner_criteria,
            minimum_sample_size=cfg.minimum_sample_size,
            confidence=cfg.confidence,
        )
    yield Report(Milestone.DECISION, {"winner": result.winner, "reason": result.reason})
    if result.winner == "B":
        second = yield Deploy(a_nodes, r.module_id)
        verdict = yield from check(r, a_nodes, r.policy())
        if not verdict.passed:
            return (
                yield from roll_back(
                    r,
                    f"Variant B won, but health checks failed on promotion ({verdict.reason})",
                    route=restore,
                    nodes=everyone,
                )
            )
        yield restore
        yield progress(100, promoted=len(a_nodes))
        left = missed(first) + missed(second)
        return succeeded(r, len(everyone), left, f"; variant B won: {result.reason}")
    if result.winner == "A":
        return (yield from roll_back(r, f"Variant A won: {result.reason}", route=restore, nodes=b_nodes))
    return Outcome("Paused", f"Inconclusive: {result.reason}; split held at {100 - pb:g}/{pb:g}")
