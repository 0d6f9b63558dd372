"""Issue 10's figures on the real SimPy backend, with fewer seeds than the 200 of
benchmarks/decisions.py (whose figures the README and docs/decisions.md record).

With 40 seeds a share is noisy, so each bar is checked with a stated sampling margin:
a bar of "at most 5%" fails only when a true rate of 5% would give as many rollbacks
(or, for "at least 95%", as many misses) with probability below 0.1% (binomial).
"""

from __future__ import annotations

import pytest
from scipy.stats import binom

from hotswap.runs.runner import replicate
from tests.sim.guide_canary import BASELINE_TRIGGER, guide_canary, in_first_stage, rolled_back

SEEDS = 40
MOST = int(binom.isf(0.001, SEEDS, 0.05))  # 7 of 40: a true 5% gives more only 0.1% of the time


def hits(scenario, counted) -> int:
    return sum(map(counted, replicate(scenario, seed=1, runs=SEEDS)))


@pytest.mark.parametrize("rps", [0.5, 2])
def test_healthy_module_near_the_threshold_rarely_rolls_back(rps):
    """Both versions at 4% errors under the guide's 5% trigger: at most 5%."""
    assert hits(guide_canary(rps, 0.04, 0.04), rolled_back) <= MOST


def test_the_literal_rule_rolls_the_same_healthy_module_back():
    """``test: observed`` (one measurement an interval, the first failed one rolls back)."""
    assert hits(guide_canary(2, 0.04, 0.04, test="observed"), rolled_back) > SEEDS / 2


def test_a_module_at_twice_the_errors_is_rolled_back_in_the_first_stage():
    """8% against 4% at 2 requests/s a node: at least 95% inside the first stage."""
    assert SEEDS - hits(guide_canary(2, 0.04, 0.08), in_first_stage) <= MOST


def test_baseline_relative_trigger_catches_twenty_times_worse_and_passes_a_little_worse():
    """5 requests/s a node, allowed increase 100%: 0.1% -> 2% at least 95% rolled back,
    0.1% -> 0.12% at least 95% passed; the guide's absolute 5% misses the first."""
    assert SEEDS - hits(guide_canary(5, 0.001, 0.02, triggers=BASELINE_TRIGGER), rolled_back) <= MOST
    assert hits(guide_canary(5, 0.001, 0.0012, triggers=BASELINE_TRIGGER), rolled_back) <= MOST
    assert hits(guide_canary(5, 0.001, 0.02), rolled_back) <= MOST


def test_a_baseline_relative_trigger_works_in_observed_mode_too():
    """Per interval against the previous module's same interval: 0.1% -> 2% is caught."""
    observed = guide_canary(5, 0.001, 0.02, triggers=BASELINE_TRIGGER, test="observed")
    assert SEEDS - hits(observed, rolled_back) <= MOST
