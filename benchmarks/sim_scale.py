"""How the simulator scales: a full four-stage canary at 10k, 100k and 1M nodes.

For each size it times ``simulate`` (scenario to result record: strategy, SimPy, the
population model, the ledger) on the guide's canary with a healthy module, background
node failures at Dean's rate and live traffic, and, in the same run, the *floor*: the
same numpy work in straight-line code with no SimPy, no strategy and no bookkeeping
(deploy-time and fault draws per updated node, one health evaluation per stage node,
and per-window traffic: a weighted count of nodes per version and the request draws).

    python benchmarks/sim_scale.py            # prints one line per size, then the summary

Target (2 cores): 1M nodes in <= 3 s, floor_ratio <= 10, flat cost per node,
peak memory < 2 GiB.
"""

from __future__ import annotations

import math
import resource
import sys
import time

import numpy as np

from hotswap.scenario.model import Scenario
from sim.driver import simulate

STAGES = (10, 25, 50, 100)
WINDOW, INTERVAL = 300.0, 30.0
REGIONS = 8


def scenario(nodes: int) -> Scenario:
    regions = [{"name": f"region-{i}", "nodes": nodes // REGIONS} for i in range(REGIONS)]
    return Scenario.model_validate(
        {
            "name": f"canary-{nodes}",
            "previousModuleId": "image-processor-v1.1.0",
            "fleet": {"regions": regions, "trafficPerNode": 20, "nodeFailures": {"perNodeYear": 0.1}},
            "deployment": {
                "moduleId": "image-processor-v1.2.0",
                "strategy": "Canary",
                "strategyConfig": {"stages": list(STAGES), "evaluationPeriod": "PT5M"},
            },
        }
    )


def floor(nodes: int, seed: int) -> None:
    """The bare numpy sampling of the same canary."""
    rng = np.random.default_rng(seed)
    version = np.ones(nodes, dtype=np.int8)
    weight = np.full(nodes, 1.0 / nodes)
    done = 0
    for stage in STAGES:
        upto = math.ceil(nodes * stage / 100)
        fresh = upto - done
        rng.lognormal(math.log(2.0), 0.6, fresh)  # deploy times
        _ = rng.random(fresh) < 0.0  # health-check fault draw
        _ = rng.random(fresh) < 0.0  # crash draw
        version[done:upto] = 2
        done = upto
        mix = np.bincount(version, weights=weight, minlength=3)
        for _ in range(int(WINDOW / INTERVAL)):
            for code in (1, 2):
                n = rng.poisson(20 * nodes * INTERVAL * mix[code])
                rng.binomial(n, 0.001)
                rng.lognormal(math.log(25), 0.6, 200)
        healthy = version[:upto] == 2  # one health evaluation per stage node
        healthy.all()


def best_of(repeats: int, fn, *args) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    sizes = [10_000, 100_000, 1_000_000]
    print(f"{'nodes':>9} {'seconds':>9} {'floor_s':>9} {'ratio':>6} {'us/node':>8} {'outcome':>10}")
    last = None
    for nodes in sizes:
        s = scenario(nodes)
        outcome = simulate(s, 1)["outcome"]
        repeats = 5 if nodes < 1_000_000 else 3
        seconds = best_of(repeats, simulate, s, 1)
        base = best_of(repeats, floor, nodes, 1)
        ratio = seconds / base
        print(f"{nodes:>9,} {seconds:>9.3f} {base:>9.3f} {ratio:>6.1f} {1e6 * seconds / nodes:>8.2f} {outcome:>10}")
        last = (nodes, seconds, ratio)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert last is not None
    print(f"peak_rss_mib={peak_mib:.0f} python={sys.version.split()[0]} numpy={np.__version__}")
    print(f"nodes={last[0]} seconds={last[1]:.3f} floor_ratio={last[2]:.1f}")


if __name__ == "__main__":
    main()
