"""The shared health-check procedure, with answers fed by hand."""

import numpy as np

from hotswap.core.effects import HealthPolicy
from hotswap.core.health import FAIL, NO_ANSWER, PASS, check


def scripted(rows):
    """Node i answers rows[i][round] (the last answer repeats); each attempt takes 0.1 s."""

    def attempt(open_, round_):
        answers = np.array([rows[i][min(round_, len(rows[i]) - 1)] for i in open_])
        return answers, np.full(len(open_), 0.1)

    return attempt


def test_thresholds_count_answers_in_a_row():
    policy = HealthPolicy(success_threshold=2, failure_threshold=3, interval=1.0)
    rows = [[PASS], [FAIL], [FAIL, PASS, PASS], [FAIL, FAIL, PASS, FAIL, FAIL, FAIL], [NO_ANSWER]]
    report = check(len(rows), policy, scripted(rows))
    assert (report.healthy, report.unhealthy, report.unreachable) == (2, 2, 1)
    # the slowest node decided after 6 rounds: 6 attempts of 0.1 s and 5 intervals
    assert report.seconds == 6 * 0.1 + 5 * 1.0


def test_deadline_fails_nodes_not_decided_in_time():
    policy = HealthPolicy(success_threshold=3, failure_threshold=3, interval=1.0, deadline=1.5)
    report = check(2, policy, scripted([[PASS], [FAIL, PASS]]))
    assert report.healthy == 0 and report.unhealthy == 2 and report.seconds == 1.5


def test_a_node_that_never_settles_fails():
    policy = HealthPolicy(success_threshold=2, failure_threshold=2, interval=0.0)
    report = check(1, policy, scripted([[PASS, FAIL] * 100]))
    assert report.unhealthy == 1


def test_no_nodes():
    report = check(0, HealthPolicy(), scripted([]))
    assert (report.checked, report.seconds) == (0, 0.0)
