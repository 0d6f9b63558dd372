"""The health-check procedure both backends follow, as one state machine.

Each node is asked until ``successThreshold`` answers in a row pass (healthy) or
``failureThreshold`` in a row do not (failed), at ``interval`` between attempts, within
the optional ``deadline``. A backend supplies only ``attempt``: what the nodes still
undecided answered this round (``PASS``, ``FAIL``: the module failed, ``NO_ANSWER``: the
node did not answer) and how long each took. A failed node whose last answer was
``NO_ANSWER`` is *unreachable*, not unhealthy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hotswap.core.effects import HealthPolicy, HealthReport

PASS, FAIL, NO_ANSWER = 0, 1, 2
MAX_ROUNDS_PER_THRESHOLD = 8  # a node still undecided after this many rounds fails

Attempt = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]


def check(count: int, policy: HealthPolicy, attempt: Attempt) -> HealthReport:
    """Run the procedure over ``count`` nodes (positions 0..count-1).

    ``attempt(positions, round)`` returns the answers and seconds of that round.
    """
    if not count:
        return _report(0, policy, np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.int8), np.zeros(0))
    # the first round asks every node: worked out over whole arrays (most nodes decide here)
    answers, seconds = attempt(np.arange(count), 0)
    last = np.array(answers, dtype=np.int8)
    spent = np.zeros(count)
    spent += seconds
    ok = last == PASS
    healthy = ok if policy.success_threshold == 1 else np.zeros(count, dtype=bool)
    failed = ~ok if policy.failure_threshold == 1 else np.zeros(count, dtype=bool)
    state = np.where(healthy, 1, np.where(failed, 2, 0)).astype(np.int8)  # 0 undecided, 1 healthy, 2 failed
    # the nodes still undecided, and their streaks and time so far (kept compressed, so a
    # later round costs the nodes still open)
    open_ = np.flatnonzero(state == 0)
    passes, fails = ok[open_].astype(np.int32), (~ok[open_]).astype(np.int32)
    took, answers = spent[open_], last[open_]
    for round_ in range(1, MAX_ROUNDS_PER_THRESHOLD * (policy.success_threshold + policy.failure_threshold)):
        if not len(open_):
            break
        answers, seconds = attempt(open_, round_)
        took += seconds + policy.interval
        ok = answers == PASS
        passes = np.where(ok, passes + 1, 0)
        fails = np.where(ok, 0, fails + 1)
        healthy = passes >= policy.success_threshold
        done = healthy | (fails >= policy.failure_threshold)
        decided = open_[done]
        state[decided], last[decided], spent[decided] = np.where(healthy[done], 1, 2), answers[done], took[done]
        keep = ~done
        open_, passes, fails, took, answers = open_[keep], passes[keep], fails[keep], took[keep], answers[keep]
    state[open_], last[open_], spent[open_] = 2, answers, took  # still undecided: failed
    return _report(count, policy, state, last, spent)


def _report(count: int, policy: HealthPolicy, state: np.ndarray, last: np.ndarray, spent: np.ndarray) -> HealthReport:
    """The report, once every node is decided: the deadline fails the nodes past it."""
    if policy.deadline is not None:
        late = spent > policy.deadline
        state[late] = 2
        spent[late] = policy.deadline
    healthy = int(np.count_nonzero(state == 1))
    unreachable = int(np.count_nonzero((state == 2) & (last == NO_ANSWER))) if healthy < count else 0
    return HealthReport(
        checked=count,
        healthy=healthy,
        unhealthy=count - healthy - unreachable,
        unreachable=unreachable,
        seconds=float(spent.max()) if count else 0.0,
    )
