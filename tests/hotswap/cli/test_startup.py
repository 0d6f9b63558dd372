"""Start-up stays light: the command line imports no heavy library before a command
needs it (timing is measured by benchmarks/startup.py, not asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("simpy", "wasmtime", "pandas", "matplotlib", "scipy", "pyarrow", "numpy", "rich")
ROOT = Path(__file__).resolve().parents[3]


def loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    modules = json.loads(out.stdout.strip().splitlines()[-1])
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


def test_importing_the_cli_loads_no_heavy_library():
    assert loaded_after("import hotswap.cli") == []


def test_help_loads_no_heavy_library():
    code = "from hotswap.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    assert loaded_after(code) == []


def test_validate_loads_no_heavy_library():
    code = (
        "from hotswap.cli import main\ntry:\n    main(['validate', 'scenarios/canary.yaml'])\n"
        "except SystemExit as exc:\n    assert exc.code == 0, exc.code"
    )
    assert loaded_after(code) == []


def built_after(code: str) -> list[str]:
    """The scenario model classes complete (validator built) after ``code``, in a fresh process."""
    probe = (
        f"{code}\nimport json\nfrom hotswap.core.fields import Model\n"
        "todo, built = [Model], []\nwhile todo:\n    cls = todo.pop()\n    todo.extend(cls.__subclasses__())\n"
        "    if cls is not Model and cls.__pydantic_complete__:\n        built.append(cls.__name__)\n"
        "print(json.dumps(sorted(built)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_scenario_models_builds_none():
    assert built_after("import hotswap.scenario") == []


def test_a_canary_file_builds_the_canary_models_only():
    built = built_after("from hotswap.scenario import load\nload('scenarios/canary.yaml')")
    assert "Scenario" in built and "CanaryDeployment" in built
    others = {"BlueGreenDeployment", "RollingDeployment", "RegionalDeployment", "ABTestingDeployment"}
    assert others.isdisjoint(built), built
    assert {"BlueGreenConfig", "RollingConfig", "RegionalConfig", "ABTestingConfig"}.isdisjoint(built), built
