"""Rolling: update the fleet batch by batch, health-checking each batch.

On a failed batch with ``pauseOnFailure`` the rollout stops as ``Paused`` and the failed
batch stays on the new module (it keeps counting in the blast radius); without it, every
updated node is rolled back. ``batchSize`` also takes a share of the fleet, e.g. "5%".
"""

from __future__ import annotations

import math

from hotswap.core.effects import Deploy, Milestone, Outcome, Report
from hotswap.core.nodes import EMPTY
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.common import Steps, check, missed, progress, roll_back, succeeded, watch


def rolling(r: Rollout) -> Steps:
    cfg = r.config
    targets = r.fleet.active
    size = cfg.batch_nodes(len(targets))
    count = math.ceil(len(targets) / size)
    policy = r.policy(deadline=cfg.health_check_timeout)
    done, left = EMPTY, 0
    for number, batch in enumerate(targets.chunks(size), start=1):
        report = yield Deploy(batch, r.module_id)
        verdict = yield from check(r, batch, policy)
        if not verdict.passed:
            reason = f"Health checks failed in batch {number} of {count} ({verdict.reason})"
            if cfg.pause_on_failure:
                reason += f"; {len(batch)} nodes left on {r.module_id}, {len(done)} updated before"
                yield Report(Milestone.DECISION, {"decision": "Paused", "reason": reason})
                return Outcome("Paused", reason)
            return (yield from roll_back(r, reason, nodes=done | batch))
        done, left = done | batch, left + missed(report)
        yield progress(100 * len(done) / len(targets), batch=number)
        if number < count:
            seen = yield from watch(r, cfg.batch_delay)
            if seen.fired:
                return (
                    yield from roll_back(r, f"Rollback trigger fired after batch {number} ({seen.fired})", nodes=done)
                )
    return succeeded(r, len(done), left, f" ({count} batches)")
