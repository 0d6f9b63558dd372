"""How fast hostile scenario files are refused: every file of the test corpus
(tests/hotswap/cli/test_hostile_files.py), loaded in-process (best of 3) and refused by
``hotswap validate`` in a fresh process, next to loading and validating a bundled
scenario (the ratio: a refusal costs about what a good file costs), plus peak memory.

    python benchmarks/hostile_inputs.py     # one line per file, then the summary

Target: every refusal well under a second; the slowest in-process refusal within a few
times a good file's load.
"""

from __future__ import annotations

import contextlib
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hotswap.scenario import ScenarioError, load  # noqa: E402
from tests.hotswap.cli.test_hostile_files import CORPUS  # noqa: E402

GOOD = ROOT / "scenarios" / "canary.yaml"


def best_load(path: Path) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        with contextlib.suppress(ScenarioError):
            load(path)
        best = min(best, time.perf_counter() - start)
    return best


def validate(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).parent / "hotswap"), "validate", str(path)], capture_output=True)
    return time.perf_counter() - start, done.returncode


def main() -> None:
    good_load, (good_cli, _) = best_load(GOOD), validate(GOOD)
    print(f"{'file':<32}{'bytes':>10}{'load_ms':>10}{'cli_s':>8}  exit")
    worst_load = worst_cli = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for case in CORPUS:
            name, text = case.values[0], case.values[1]
            path = Path(folder) / case.id / name
            path.parent.mkdir()
            path.write_text(text, encoding="utf-8")
            seconds = best_load(path)
            cli, code = validate(path)
            worst_load, worst_cli = max(worst_load, seconds), max(worst_cli, cli)
            print(f"{case.id:<32}{len(text.encode()):>10,}{1000 * seconds:>10.1f}{cli:>8.2f}  {code}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"good file: load {1000 * good_load:.1f} ms, validate {good_cli:.2f} s")
    print(
        f"files={len(CORPUS)} worst_load_ms={1000 * worst_load:.1f} load_ratio={worst_load / good_load:.1f} "
        f"worst_validate_s={worst_cli:.2f} validate_ratio={worst_cli / good_cli:.2f} peak_rss_mib={peak:.0f}"
    )


if __name__ == "__main__":
    main()
