"""Every strategy test runs twice: series of intervals served one interval at a time (as
the real fleet serves them) and all at once (as the simulator does). The strategy must
reach the same decisions, at the same intervals, either way."""

from __future__ import annotations

import pytest

from tests.hotswap.core.strategies import hand


@pytest.fixture(autouse=True, params=[False, True], ids=["one-by-one", "ahead"])
def served(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setattr(hand, "AHEAD", request.param)
    return bool(request.param)
