"""Every test starts outside CI as far as the tool can tell: progress lines appear only
where a test asks for them (``CI`` set or ``--progress``)."""

import pytest


@pytest.fixture(autouse=True)
def _outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
