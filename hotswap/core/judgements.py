"""Judgements on measurements, as pure functions shared by every backend.

- ``gate``: does a health report pass the health gate?
- ``metric``/``fired``: read a named metric off a version's traffic; which trigger fires?
- ``merge``: fold consecutive observation windows together;
- ``judge``: the A/B decision, with a significance test and a minimum sample size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hotswap.core.config import Trigger, WinnerCriteria
from hotswap.core.effects import HealthPolicy, HealthReport, VersionMetrics
from hotswap.core.samples import Samples

NODE_METRICS = ("crash_rate", "memory_mb")  # measured on nodes, not requests
SAMPLE_CAP = 20_000  # latency samples kept per version when windows are merged (up to twice)


@dataclass(frozen=True)
class GateVerdict:
    passed: bool
    reason: str


def gate(report: HealthReport, policy: HealthPolicy) -> GateVerdict:
    """The health gate: at most ``max_unhealthy_percent`` of the answering nodes may fail.

    Nodes that did not answer are not evidence against the module unless the policy says
    so (``unreachable_fails``, the guide's literal "all healthy"); a check that reached no
    node at all is no evidence for it either, so it does not pass.
    """
    failing = report.unhealthy + (report.unreachable if policy.unreachable_fails else 0)
    judged = report.checked - (0 if policy.unreachable_fails else report.unreachable)
    if report.checked and judged == 0:
        return GateVerdict(False, f"none of {report.checked} nodes answered the health check")
    percent = 100 * failing / judged if judged else 0.0
    detail = f"{report.unhealthy} of {report.checked} nodes unhealthy" + (
        f", {report.unreachable} unreachable" if report.unreachable else ""
    )
    if failing and percent > policy.max_unhealthy_percent:
        return GateVerdict(False, f"{detail} ({percent:.3g}% > {policy.max_unhealthy_percent:g}% allowed)")
    return GateVerdict(True, detail)


def metric(m: VersionMetrics, name: str) -> float | None:
    """A named metric of one version's traffic; None when there is nothing to measure.
    Rates are in percent."""
    if name == "error_rate":
        return 100 * m.failed_requests / m.requests if m.requests else None
    if name == "crash_rate":
        return 100 * m.crashed_nodes / m.nodes if m.nodes else None
    if name == "avg_latency_ms":
        return m.latency_mean_ms if m.requests else None
    if name in ("p95_latency_ms", "p99_latency_ms"):
        q = 95 if name.startswith("p95") else 99
        return float(np.percentile(m.latency_samples.values, q)) if m.latency_samples else None
    if name == "memory_mb":
        return m.memory_mb if m.nodes else None
    raise ValueError(f"unknown metric {name!r}")


def fired(m: VersionMetrics | None, triggers: list[Trigger], min_requests: int = 0) -> str | None:
    """The first trigger that fires on the new version's traffic, described; else None.
    Metrics of requests are not judged on fewer than ``min_requests`` of them."""
    if m is None:
        return None
    for t in triggers:
        value = metric(m, t.metric)
        if value is None or (t.metric not in NODE_METRICS and m.requests < min_requests):
            continue
        crossed = value > t.threshold if t.comparison == "greater_than" else value < t.threshold
        if crossed:
            sign = ">" if t.comparison == "greater_than" else "<"
            return f"{t.metric} {value:.4g} {sign} {t.threshold:g}"
    return None


def measure(m: VersionMetrics | None, triggers: list[Trigger], min_requests: int = 0) -> tuple[str, str]:
    """One measurement of one interval's traffic, as Argo Rollouts and Flagger take it:
    ``Failed`` (a trigger crossed), ``Error`` (nothing to measure: no traffic reached the
    new module), ``Inconclusive`` (fewer than ``min_requests`` requests), else
    ``Successful``; with what was seen."""
    crossed = fired(m, triggers, min_requests)
    if crossed:
        return "Failed", crossed
    if m is None or any(metric(m, t.metric) is None for t in triggers):
        return "Error", "no data for the new module in this interval"
    if m.requests < min_requests and any(t.metric not in NODE_METRICS for t in triggers):
        return "Inconclusive", f"{m.requests} requests, fewer than minRequests {min_requests}"
    return "Successful", "every trigger within its threshold"


def merge(a: VersionMetrics | None, b: VersionMetrics) -> VersionMetrics:
    """``b`` following ``a``: counts add up, node state is ``b``'s, means are weighted."""
    if a is None:
        return b
    requests = a.requests + b.requests
    mean = (a.latency_mean_ms * a.requests + b.latency_mean_ms * b.requests) / requests if requests else 0.0
    return VersionMetrics(
        nodes=b.nodes,
        requests=requests,
        failed_requests=a.failed_requests + b.failed_requests,
        crashed_nodes=b.crashed_nodes,
        latency_mean_ms=mean,
        latency_samples=_thin(a, b),
        memory_mb=max(a.memory_mb, b.memory_mb),
    )


def _thin(a: VersionMetrics, b: VersionMetrics) -> Samples:
    """Both windows' latency samples; past ``2 * SAMPLE_CAP`` every other one is dropped,
    so every window seen keeps the same share (unbiased in time, and cheap: a slice)."""
    both = a.latency_samples + b.latency_samples
    return both if len(both) <= 2 * SAMPLE_CAP else both.every_other()


@dataclass(frozen=True)
class Judgement:
    winner: str  # "A", "B" or "Inconclusive"
    reason: str


def judge(
    a: VersionMetrics, b: VersionMetrics, criteria: WinnerCriteria, *, minimum_sample_size: int, confidence: float
) -> Judgement:
    """Decide an A/B experiment on ``criteria.metric``.

    B (or A) wins only when its improvement reaches ``threshold`` percent *and* the
    difference is significant at ``confidence``; fewer than ``minimum_sample_size``
    requests on either side, or a difference short of either bar, is Inconclusive.
    """
    if min(a.requests, b.requests) < minimum_sample_size:
        return Judgement(
            "Inconclusive", f"{min(a.requests, b.requests)} samples, fewer than minimumSampleSize {minimum_sample_size}"
        )
    va, vb = metric(a, criteria.metric), metric(b, criteria.metric)
    if va is None or vb is None:
        return Judgement("Inconclusive", f"no {criteria.metric} measured")
    sign = 1 if criteria.comparison == "lower_is_better" else -1
    improvement = sign * (va - vb) / va * 100 if va else (0.0 if va == vb else sign * -math.inf)
    p = _p_value(a, b, criteria.metric)
    said = (
        f"{criteria.metric} A {va:.4g} vs B {vb:.4g}: B better by {improvement:.3g}% "
        f"(threshold {criteria.threshold:g}%), p={p:.3g}"
    )
    if p > 1 - confidence:
        return Judgement("Inconclusive", f"{said}, not significant at {confidence:g}")
    if improvement >= criteria.threshold:
        return Judgement("B", said)
    if improvement <= -criteria.threshold:
        return Judgement("A", said)
    return Judgement("Inconclusive", f"{said}, smaller than the threshold")


def _p_value(a: VersionMetrics, b: VersionMetrics, name: str) -> float:
    """Two-sided p-value of the difference: Mann-Whitney U on latency samples (as
    Kayenta does), Fisher's exact test on error and crash counts; memory is a
    per-instance figure with no sampling noise, so its p-value is 0."""
    if name.endswith("latency_ms"):
        if len(a.latency_samples) < 2 or len(b.latency_samples) < 2:
            return 1.0
        return mann_whitney(a.latency_samples.values, b.latency_samples.values)
    if name == "error_rate":
        table = [
            [a.failed_requests, a.requests - a.failed_requests],
            [b.failed_requests, b.requests - b.failed_requests],
        ]
    elif name == "crash_rate":
        table = [[a.crashed_nodes, a.nodes - a.crashed_nodes], [b.crashed_nodes, b.nodes - b.crashed_nodes]]
    else:
        return 0.0
    from scipy import stats

    return float(stats.fisher_exact(np.array(table)).pvalue)


def mann_whitney(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided p-value of the Mann-Whitney U test, as ``scipy.stats.mannwhitneyu``
    computes it by default: above 8 samples a side, the normal approximation with tie
    correction and continuity correction (Conover, *Practical Nonparametric
    Statistics*, 1999), here in a few numpy passes, without importing scipy; smaller
    samples go to scipy (its exact distribution when there are no ties)."""
    n1, n2 = len(x), len(y)
    if n1 <= 8 or n2 <= 8:
        from scipy import stats

        return float(stats.mannwhitneyu(x, y).pvalue)
    both = np.concatenate([x, y])
    order = np.argsort(both, kind="stable")
    ordered = both[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1], [True]]))
    ties = np.diff(starts)  # the size of each group of equal values, in order
    ranks = np.empty(len(both))
    ranks[order] = np.repeat(starts[:-1] + (ties + 1) / 2, ties)  # average ranks, from 1
    u1 = float(ranks[:n1].sum()) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    tie_term = float(np.sum(ties.astype(float) ** 3 - ties))
    sd = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    if sd == 0:  # every value equal: no evidence of a difference
        return 1.0
    z = (u - n1 * n2 / 2 - 0.5) / sd
    return min(1.0, max(0.0, math.erfc(z / math.sqrt(2))))  # 2 * P(Z > z)
