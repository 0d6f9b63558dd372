"""Plain-text views of results for the terminal."""

from __future__ import annotations

from typing import Any

from hotswap.core.figures import FIGURES


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}{unit}"
    return f"{value:.3g}{unit}"


def run_text(run: dict[str, Any]) -> str:
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


def warning_lines(runs: list[dict[str, Any]]) -> list[str]:
    """One line per warning code: its first message, and in how many runs it came."""
    first: dict[str, str] = {}
    count: dict[str, int] = {}
    for run in runs:
        for code in dict.fromkeys(w["code"] for w in run.get("warnings", [])):
            count[code] = count.get(code, 0) + 1
        for w in run.get("warnings", []):
            first.setdefault(w["code"], w["message"])
    lines = []
    for code, message in first.items():
        if code == "stage-collapse":  # the same in every run: each message once
            messages = dict.fromkeys(w["message"] for w in runs[0].get("warnings", []) if w["code"] == code)
            lines += [f"{code}: {m}" for m in messages]
        else:
            lines.append(f"{code}: {message}" + (f" (in {count[code]} of {len(runs)} runs)" if len(runs) > 1 else ""))
    return lines


def summary_text(name: str, summary: dict[str, Any]) -> str:
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
