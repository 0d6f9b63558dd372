"""Scale and speed figures for issue 16: each section prints its figures (ratios are
measured in the same run, so a loaded machine shifts both sides alike).

    python benchmarks/scale.py rolling     # Rolling per batch: 100s at 10k/100k/1M, the guide's 6,500 in 2s
    python benchmarks/scale.py canary      # the guide's 4-stage canary on 1M nodes through the CLI
    python benchmarks/scale.py ab          # an A/B run against a canary run on the guide fleet
    python benchmarks/scale.py compare     # compare at 10,000 nodes x 200 runs: peak RSS of the largest process
    python benchmarks/scale.py report      # report strategy-table --runs 200: wall time
    python benchmarks/scale.py dask        # LocalCluster with 2 workers over 1 on fleet-100k --runs 200

Targets: rolling 1M <= 10 s; canary CLI <= 1 s; A/B <= 2x canary; compare peak <= 500 MiB;
report <= 120 s on 2 cores; Dask speed-up >= 1.7x.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = os.environ.get("RUNS", "200")  # report and dask: runs (lower it for a quick look)
REGIONS = 8


def fleet_scenario(nodes: int, strategy: str, config: dict) -> dict:
    return {
        "name": f"{strategy.lower()}-{nodes}",
        "previousModuleId": "image-processor-v1.1.0",
        "fleet": {
            "regions": [{"name": f"region-{i}", "nodes": nodes // REGIONS} for i in range(REGIONS)],
            "trafficPerNode": 20,
            "nodeFailures": {"perNodeYear": 0.1},
        },
        "deployment": {"moduleId": "image-processor-v1.2.0", "strategy": strategy, "strategyConfig": config},
    }


ROLLING = {"batchSize": 100, "batchDelay": "PT30S", "healthCheckTimeout": "PT10S", "pauseOnFailure": True}
CANARY = {"stages": [10, 25, 50, 100], "evaluationPeriod": "PT5M"}


def rolling() -> None:
    from hotswap.reports.guide_cases import LARGE, cases
    from hotswap.scenario.model import Scenario
    from sim.driver import simulate

    def row(nodes: int, scenario: Scenario, batches: int, note: str = "") -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        record = simulate(scenario, 1)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        per_batch, load, outcome = 1000 * cpu / batches, os.getloadavg()[0], record["outcome"]
        print(f"{nodes:>9,} {batches:>8,} {wall:>7.2f} {cpu:>7.2f} {per_batch:>12.3f} {load:>5.1f} {outcome}{note}")

    print(f"{'nodes':>9} {'batches':>8} {'wall_s':>7} {'cpu_s':>7} {'cpu_ms/batch':>12} {'load':>5} outcome")
    for nodes in (10_000, 100_000, 1_000_000):
        row(nodes, Scenario.model_validate(fleet_scenario(nodes, "Rolling", ROLLING)), nodes // 100)
    guide = next(c.scenario for c in cases(LARGE) if c.scenario.name == "guide-Rolling-6500")
    row(6500, guide, 3250, " (the guide's example: batches of 2)")


def canary() -> None:
    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "canary-1m.yaml"
        path.write_text(yaml.safe_dump({**fleet_scenario(1_000_000, "Canary", CANARY), "seed": 1}))
        times = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(["hotswap", "run", str(path), "--format", "json"], check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        help_start = time.perf_counter()
        subprocess.run(["hotswap", "--help"], check=True, stdout=subprocess.DEVNULL)
        best, median = min(times), sorted(times)[len(times) // 2]
        print(f"canary_1m_cli_seconds best={best:.2f} median={median:.2f} all={[round(t, 2) for t in times]}")
        print(f"hotswap_help_seconds={time.perf_counter() - help_start:.2f}")


def ab() -> None:
    from hotswap.scenario import load
    from sim.driver import simulate
    from sim.population import Population

    windows = {"now": 0}
    sample, many = Population.sample, Population._flat_series

    def counted(self, t0, t1):  # counts the windows of traffic each run samples: one at a time...
        windows["now"] += 1
        return sample(self, t0, t1)

    def counted_many(self, t0, t1):  # ... or a series of trigger intervals at once
        windows["now"] += len(t0)
        return many(self, t0, t1)

    Population.sample, Population._flat_series = counted, counted_many
    pair = {name: load(ROOT / "scenarios" / f"{name}.yaml") for name in ("ab-testing", "canary")}
    cpu, seen = dict.fromkeys(pair, 0.0), dict.fromkeys(pair, 0)
    for _ in range(3):  # interleaved, so load changes hit both; in one process, start-up included
        for name, s in pair.items():
            windows["now"] = 0
            start = time.process_time()
            for seed in range(20):
                simulate(s, seed)
            cpu[name] += time.process_time() - start
            seen[name] += windows["now"]
    per = {k: 1000 * v / 60 for k, v in cpu.items()}
    window = {k: 1000 * cpu[k] / seen[k] for k in cpu}
    print(f"ab_ms_per_run={per['ab-testing']:.1f} canary_ms_per_run={per['canary']:.1f}")
    print(f"windows_per_run ab={seen['ab-testing'] / 60:.0f} canary={seen['canary'] / 60:.0f}")
    print(f"ms_per_window ab={window['ab-testing']:.3f} canary={window['canary']:.3f}")
    print(f"ab_over_canary={per['ab-testing'] / per['canary']:.2f}")


def peak(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (the command and its children) and the largest
    process's peak RSS (MiB) of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    timed = ["/usr/bin/time", "-f", "%M", *command]
    out = subprocess.run(timed, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, int(out.stderr.strip().splitlines()[-1]) / 1024


def compare() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        args = ["hotswap", "compare", str(ROOT / "scenarios" / "fleet-10k.yaml"), "--runs", "200", "--out", tmp]
        wall, cpu, mib = peak(args)
        # /usr/bin/time reports the largest peak of the command and its waited-for children
        print(f"compare_10k_200_runs wall_s={wall:.0f} cpu_s={cpu:.0f} largest_process_peak_rss_mib={mib:.0f}")


def report() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu, mib = peak(["hotswap", "report", "strategy-table", "--runs", RUNS, "--out", tmp])
        print(f"report_strategy_table_{RUNS}_runs wall_s={wall:.0f} cpu_s={cpu:.0f} peak_rss_mib={mib:.0f}")
        print(f"load_average_after={os.getloadavg()[0]:.1f}")


def dask() -> None:
    from hotswap.runs import executors, runner
    from hotswap.scenario import load

    scenario = load(ROOT / "scenarios" / "fleet-100k.yaml")
    runs = int(RUNS)
    seconds = {}
    for workers in (1, 2, 1, 2):  # twice each, interleaved
        with executors.use(executors.Executor("dask", jobs=workers)):
            runner.replicate(scenario, seed=0, runs=2)  # workers warm: imports done
            start = time.perf_counter()
            runner.replicate(scenario, seed=1, runs=runs, timeline=False)
            took = time.perf_counter() - start
        seconds[workers] = min(seconds.get(workers, took), took)
        print(f"dask_workers={workers} runs={runs} seconds={took:.1f}", flush=True)
    print(f"dask_speedup_2_over_1={seconds[1] / seconds[2]:.2f}")


SECTIONS = {f.__name__: f for f in (rolling, canary, ab, compare, report, dask)}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(SECTIONS):
        print(f"# {name} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)", flush=True)
        SECTIONS[name]()
