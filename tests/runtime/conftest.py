"""Fixtures of the real-backend tests: modules built by the catalogue, scenario variants, a private temp
folder per test, and a guard that no worker process or fleet folder outlives its test."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotswap.scenario import load
from runtime.catalog import Artifact, build
from tests.runtime.procs import worker_processes

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
OLD, NEW = "image-processor-v1.1.0", "image-processor-v1.2.0"


@pytest.fixture(autouse=True)
def no_worker_left(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """Fleets of the test are made in a private, short temp folder (Unix socket paths are
    limited to about 107 bytes); afterwards no worker may run and no fleet folder may be left."""
    tmp_path_factory.getbasetemp()  # fixed before tempfile's folder is redirected below
    private = Path(tempfile.mkdtemp(prefix="hs-"))
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    yield private
    left = worker_processes(private)
    for pid in left:  # do not let one failing test leak workers into the next ones
        os.kill(pid, signal.SIGKILL)
    folders = sorted(p.name for p in private.iterdir())
    shutil.rmtree(private, ignore_errors=True)
    assert not left, f"worker processes left running: {left}"
    assert not [f for f in folders if f.startswith("hotswap-")], f"folders left behind: {folders}"


@pytest.fixture(scope="session")
def exact_artifacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Artifact]:
    """Two healthy modules without the default 0.1% of failed requests: every request succeeds."""
    folder = tmp_path_factory.mktemp("exact")
    scenario = load(variant_of("canary.yaml", folder, old={"errorRate": 0}, new={"errorRate": 0}))
    return build(scenario, folder)


def variant_of(
    bundled: str,
    folder: Path,
    *,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    fleet: dict[str, Any] | None = None,
) -> Path:
    """A bundled scenario with other module profiles (and strategy or fleet settings), written in ``folder``."""
    data = yaml.safe_load((SCENARIOS / bundled).read_text())
    data["modules"] = {OLD: old or {}, NEW: new or {}}
    data["deployment"]["strategyConfig"].update(config or {})
    data["fleet"].update(fleet or {})
    data.pop("expect", None)  # the bundled file's expectations are not the variant's
    path = folder / f"{Path(bundled).stem}-{len(list(folder.glob('*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path
