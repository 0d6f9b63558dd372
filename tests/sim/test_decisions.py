"""Issue 10's figures on the real SimPy backend, with fewer seeds than the 200 of
benchmarks/decisions.py (the full figures are recorded in the README)."""

from __future__ import annotations

import pytest

from hotswap.runs.runner import replicate
from tests.sim.guide_canary import BASELINE_TRIGGER, guide_canary, in_first_stage, rolled_back

SEEDS = 60


def share(scenario, counted) -> float:
    return sum(map(counted, replicate(scenario, seed=1, runs=SEEDS))) / SEEDS


@pytest.mark.parametrize("rps", [0.5, 2])
def test_healthy_module_near_the_threshold_rarely_rolls_back(rps):
    """Both versions at 4% errors under the guide's 5% trigger."""
    assert share(guide_canary(rps, 0.04, 0.04), rolled_back) <= 0.05
    assert share(guide_canary(rps, 0.04, 0.04, test="observed"), rolled_back) > 0.1  # the literal rule does


def test_a_module_at_twice_the_errors_is_rolled_back_in_the_first_stage():
    assert share(guide_canary(2, 0.04, 0.08), in_first_stage) >= 0.95


def test_baseline_relative_trigger_catches_twenty_times_worse_and_passes_a_little_worse():
    assert share(guide_canary(5, 0.001, 0.02, triggers=BASELINE_TRIGGER), rolled_back) >= 0.95
    assert share(guide_canary(5, 0.001, 0.0012, triggers=BASELINE_TRIGGER), rolled_back) <= 0.05
    assert share(guide_canary(5, 0.001, 0.02), rolled_back) <= 0.05  # the guide's absolute 5% does not see it
