"""Plain-text views of results for the terminal."""

from __future__ import annotations

from hotswap.core.figures import FIGURES
from hotswap.core.record import RunRecord, Summary


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}{unit}"
    return f"{value:.3g}{unit}"


def run_text(run: RunRecord) -> str:
    """One run: outcome, reason, times and blast radius."""
    b = run["blastRadius"]
    lines = [
        f"{run['scenario']}: {run['strategy']} {run['previousModuleId']} -> {run['moduleId']} "
        f"on {run['fleet']['nodes']:,} nodes ({run['backend']}, seed {run['seed']})",
        f"  outcome   {run['outcome']}: {run['reason']}",
        f"  deploy    {_num(run['deployTimeSeconds'], ' s')}",
        f"  rollback  {_num(run['rollbackTimeSeconds'], ' s')}",
        f"  blast     {b['nodes']:,} nodes ({_num(b['nodesPercent'], '%')}), "
        f"{b['requests']:,} requests, {b['failedRequests']:,} failed, "
        f"{_num(b['nodeSeconds'])} node-seconds",
        f"  capacity  peak {run['capacity']['peakNodes']:,} nodes (+{_num(run['capacity']['overheadPercent'], '%')})",
    ]
    if "real" in run:
        real = run["real"]
        lines.append(
            f"  real      {real['workers']} workers for {real['scaledFrom']:,} nodes, "
            f"{_num(real['wallSeconds'], ' s')} wall at time scale {real['timeScale']:g}, "
            f"{real['requestRate']:,.0f} requests/s, {real['workerRestarts']} worker restarts"
        )
    lines += [f"  warning   {w['code']}: {w['message']}" for w in run.get("warnings", [])]
    return "\n".join(lines)


class Warnings:
    """The warnings of many runs, added one run at a time: one line per code (its first
    message and in how many runs it came; a stage-collapse message, the same in every
    run, once each)."""

    def __init__(self) -> None:
        self.runs = 0
        self.first: dict[str, str] = {}
        self.count: dict[str, int] = {}
        self.collapse: dict[str, None] = {}

    def add(self, run: RunRecord) -> RunRecord:
        self.runs += 1
        for code in dict.fromkeys(w["code"] for w in run.get("warnings", [])):
            self.count[code] = self.count.get(code, 0) + 1
        for w in run.get("warnings", []):
            self.first.setdefault(w["code"], w["message"])
            if w["code"] == "stage-collapse":
                self.collapse[w["message"]] = None
        return run

    def lines(self) -> list[str]:
        out = []
        for code, message in self.first.items():
            if code == "stage-collapse":
                out += [f"{code}: {m}" for m in self.collapse]
            else:
                many = f" (in {self.count[code]} of {self.runs} runs)" if self.runs > 1 else ""
                out.append(f"{code}: {message}{many}")
        return out


def summary_text(name: str, summary: Summary) -> str:
    """Many runs: outcome shares and each figure's distribution."""
    outcomes = ", ".join(f"{k} {v['count']} ({100 * v['rate']:.0f}%)" for k, v in summary["outcomes"].items())
    lines = [
        f"{name}: {summary['runs']} runs, seeds {summary['seeds'][0]}..{summary['seeds'][1]}",
        f"  outcomes  {outcomes}",
        f"  {'figure':<28}{'n':>5}{'mean':>12}{'p5':>12}{'p50':>12}{'p95':>12}   95% CI of mean",
    ]
    for name_ in FIGURES:
        f = summary["figures"][name_]
        if not f["n"]:
            lines.append(f"  {name_:<28}{0:>5}")
            continue
        lines.append(
            f"  {name_:<28}{f['n']:>5}{_num(f['mean']):>12}{_num(f['p5']):>12}"
            f"{_num(f['p50']):>12}{_num(f['p95']):>12}   "
            f"[{_num(f['ci95'][0])}, {_num(f['ci95'][1])}]"
        )
    return "\n".join(lines)
