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
    state = np.zeros(count, dtype=np.int8)  # 0 undecided, 1 healthy, 2 failed
    passes = np.zeros(count, dtype=np.int32)
    fails = np.zeros(count, dtype=np.int32)
    last = np.full(count, PASS, dtype=np.int8)
    spent = np.zeros(count)
    for round_ in range(MAX_ROUNDS_PER_THRESHOLD * (policy.success_threshold + policy.failure_threshold)):
        open_ = np.flatnonzero(state == 0)
        if not len(open_):
            break
        answers, seconds = attempt(open_, round_)
        spent[open_] += seconds + (policy.interval if round_ else 0.0)
        last[open_] = answers
        ok = answers == PASS
        passes[open_] = np.where(ok, passes[open_] + 1, 0)
        fails[open_] = np.where(ok, 0, fails[open_] + 1)
        state[open_[passes[open_] >= policy.success_threshold]] = 1
        state[open_[fails[open_] >= policy.failure_threshold]] = 2
    state[state == 0] = 2
    if policy.deadline is not None:
        late = spent > policy.deadline
        state[late] = 2
        spent[late] = policy.deadline
    healthy = int(np.count_nonzero(state == 1))
    unreachable = int(np.count_nonzero((state == 2) & (last == NO_ANSWER)))
    return HealthReport(
        checked=count,
        healthy=healthy,
        unhealthy=count - healthy - unreachable,
        unreachable=unreachable,
        seconds=float(spent.max()) if count else 0.0,
    )
