"""The guide's five strategies, each a pure generator of effects, by guide name."""

from collections.abc import Callable

from hotswap.core.effects import Outcome
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.ab_testing import ab_testing
from hotswap.core.strategies.blue_green import blue_green
from hotswap.core.strategies.canary import canary
from hotswap.core.strategies.common import Steps
from hotswap.core.strategies.regional import regional
from hotswap.core.strategies.rolling import rolling

STRATEGIES: dict[str, Callable[[Rollout], Steps]] = {
    "Canary": canary,
    "BlueGreen": blue_green,
    "Rolling": rolling,
    "Regional": regional,
    "ABTesting": ab_testing,
}


def start(r: Rollout) -> Steps:
    """The strategy generator for a rollout (one that fails at once when the targeted
    regions hold no active node)."""
    if not r.fleet.active:
        return _no_targets()
    return STRATEGIES[r.strategy](r)


def _no_targets() -> Steps:
    return Outcome("Failed", "No target nodes: the targeted regions have no active node")
    yield  # a generator, like every strategy
