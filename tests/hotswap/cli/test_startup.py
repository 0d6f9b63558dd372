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
