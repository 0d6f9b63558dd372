import json
import subprocess
import sys

import pytest

from hotswap.runs import memory

# a million-node run's pattern: large arrays of several sizes allocated, used and freed
# again and again (a deploy's, a health check's); the page faults they cost, counted in a
# fresh process with and without the setting
CHURN = """
import json, resource, sys
import numpy as np
from hotswap.runs.memory import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "keep" else None
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    arrays = [np.ones(n) for n in (1_000_000, 3_000_000, 500_000, 2_000_000)]
    del arrays
print(json.dumps({"kept": kept, "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before}))
"""


def churn(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHURN, mode], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_freed_blocks_are_reused_instead_of_faulted_in_again():
    kept, default = churn("keep"), churn("default")
    assert kept["kept"] is True
    # 50 rounds of 52 MB: up to 12,700 faults a round when mapped afresh, about none when reused
    assert default["faults"] > 50_000
    assert kept["faults"] < default["faults"] / 10


def test_nothing_changes_without_linux(monkeypatch):
    monkeypatch.setattr(memory.sys, "platform", "darwin")
    assert memory.keep_freed_memory() is False
