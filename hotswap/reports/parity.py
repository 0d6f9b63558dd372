"""Parity: a scenario's real runs against its simulated twin, side by side.

K real seeds and M twin runs (the simulator on the same scaled-down fleet, pace and
measured timings) agree when the real majority outcome is the twin's most common one,
every real outcome appears in at least ``MIN_SHARE`` of the twin's runs, and the median
of each real figure lies inside the twin's p5..p95 widened by ``SLACK``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from hotswap.core.figures import figure
from hotswap.core.record import RunRecord

FIGURES = ("deployTimeSeconds", "rollbackTimeSeconds", "blastRadius.nodesPercent")
MIN_SHARE = 0.02
SLACK = 0.10


def shares(runs: list[RunRecord]) -> dict[str, float]:
    counts = Counter(r["outcome"] for r in runs)
    return {k: round(v / len(runs), 6) for k, v in sorted(counts.items())}


def compare(real: list[RunRecord], twin: list[RunRecord]) -> dict[str, Any]:
    """The parity verdict: outcomes and figures, each with whether they agree."""
    import numpy as np

    real_shares, twin_shares = shares(real), shares(twin)
    majority = max(real_shares, key=lambda k: real_shares[k])
    typical = max(twin_shares, key=lambda k: twin_shares[k])
    rare = [o for o in real_shares if twin_shares.get(o, 0.0) < MIN_SHARE]
    figures = []
    for name in FIGURES:
        real_values = [v for v in (figure(r, name) for r in real) if v is not None]
        twin_values = [v for v in (figure(r, name) for r in twin) if v is not None]
        entry: dict[str, Any] = {"figure": name, "real": real_values}
        if twin_values:
            p5, p50, p95 = (round(float(x), 6) for x in np.percentile(twin_values, [5, 50, 95]))
            entry["twin"] = {"p5": p5, "p50": p50, "p95": p95}
        else:
            entry["twin"] = None
        if not real_values or not twin_values:
            entry["agree"] = not real_values and not twin_values
        else:
            median = float(np.median(real_values))
            entry["agree"] = p5 * (1 - SLACK) <= median <= p95 * (1 + SLACK)
        figures.append(entry)
    outcomes_agree = majority == typical and not rare
    return {
        "agree": outcomes_agree and all(f["agree"] for f in figures),
        "outcomes": {"real": real_shares, "twin": twin_shares, "agree": outcomes_agree},
        "figures": figures,
    }


def text(name: str, verdict: dict[str, Any], warnings: list[str]) -> str:
    """The comparison for people."""
    word = {True: "agree", False: "DIFFER"}
    o = verdict["outcomes"]
    lines = [
        f"{name}: real fleet and its simulated twin {word[verdict['agree']]}",
        f"  outcomes  real {_shares(o['real'])}  twin {_shares(o['twin'])}  {word[o['agree']]}",
    ]
    for f in verdict["figures"]:
        real = ", ".join(f"{v:.4g}" for v in f["real"]) or "none"
        twin = f["twin"]
        span = f"p5 {twin['p5']:.4g}  p50 {twin['p50']:.4g}  p95 {twin['p95']:.4g}" if twin else "none"
        lines.append(f"  {f['figure']:<26} real [{real}]  twin {span}  {word[f['agree']]}")
    lines += [f"  warning: {w}" for w in warnings]
    return "\n".join(lines)


def _shares(s: dict[str, float]) -> str:
    return ", ".join(f"{k} {100 * v:.0f}%" for k, v in s.items())


def plot(verdict: dict[str, Any], twin: list[RunRecord], folder: Path) -> list[Path]:
    """One plot per figure: the twin's runs as a histogram, the real runs as lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for f in verdict["figures"]:
        values = [v for v in (figure(r, f["figure"]) for r in twin) if v is not None]
        fig, ax = plt.subplots(figsize=(6, 3.2))
        if values:
            ax.hist(values, bins=30, color="#9ab", label=f"twin ({len(values)} runs)")
        for i, v in enumerate(f["real"]):
            ax.axvline(v, color="#c33", label="real seeds" if i == 0 else None)
        ax.set_xlabel(f["figure"])
        ax.set_title(f"{f['figure']}: {'agree' if f['agree'] else 'differ'}")
        if values or f["real"]:
            ax.legend(loc="upper right", fontsize="small")
        fig.tight_layout()
        path = folder / f"{f['figure']}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written
