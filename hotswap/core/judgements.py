"""Judgements on measurements, as pure functions shared by every backend.

- ``gate``: does a health report pass the health gate?
- ``metric``/``fired``/``measure``: read a named metric off a version's traffic; which
  trigger's observed value is past its threshold; one interval's measurement as Argo
  Rollouts and Flagger take it (``autoRollback.test: observed``);
- ``Monitor``: the triggers of one wait, fed window by window, judged by the
  anytime-valid test on everything seen since the wait began (``test: sequential``,
  core/sequential.py);
- ``merge``: fold consecutive observation windows together;
- ``judge``: the A/B decision, with a significance test and a minimum sample size, at
  one look; ``Experiment``: the same decision with an always-valid test, as it runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hotswap.core import sequential
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


def fired(
    m: VersionMetrics | None, triggers: list[Trigger], min_requests: int = 0, previous: VersionMetrics | None = None
) -> str | None:
    """The first trigger whose observed value on the new version's traffic is past its
    threshold, described; else None. Metrics of requests are not judged on fewer than
    ``min_requests`` of them. A trigger with ``baseline: previous`` compares with
    ``previous`` (the previous module's traffic in the same window) and is not judged
    without it."""
    if m is None:
        return None
    for t in triggers:
        value = metric(m, t.metric)
        if value is None or (t.metric not in NODE_METRICS and m.requests < min_requests):
            continue
        against = metric(previous, t.metric) if t.baseline and previous is not None else None
        if t.baseline and against is None:
            continue
        if _crossed(value, t, against):
            return _said(t, value, against)
    return None


def measure(
    m: VersionMetrics | None, triggers: list[Trigger], min_requests: int = 0, previous: VersionMetrics | None = None
) -> tuple[str, str]:
    """One measurement of one interval's traffic, as Argo Rollouts and Flagger take it:
    ``Failed`` (a trigger crossed), ``Error`` (nothing to measure: no traffic reached the
    new module), ``Inconclusive`` (fewer than ``min_requests`` requests), else
    ``Successful``; with what was seen. ``previous`` is the previous module's traffic in
    the same interval, for triggers with ``baseline: previous``."""
    crossed = fired(m, triggers, min_requests, previous)
    if crossed:
        return "Failed", crossed
    if m is None or any(metric(m, t.metric) is None for t in triggers):
        return "Error", "no data for the new module in this interval"
    if m.requests < min_requests and any(t.metric not in NODE_METRICS for t in triggers):
        return "Inconclusive", f"{m.requests} requests, fewer than minRequests {min_requests}"
    return "Successful", "every trigger within its threshold"


def _said(t: Trigger, value: float, against: float | None) -> str:
    if against is not None:
        return f"{t.metric} {value:.4g} vs previous {against:.4g} (allowed +{t.threshold:g}%)"
    return f"{t.metric} {value:.4g} {'>' if t.comparison == 'greater_than' else '<'} {t.threshold:g}"


def _crossed(value: float, t: Trigger, against: float | None = None) -> bool:
    if against is not None:  # baseline: previous, an increase of more than threshold percent
        return value > against * (1 + t.threshold / 100) if against > 0 else value > 0
    return value > t.threshold if t.comparison == "greater_than" else value < t.threshold


class Monitor:
    """The rollback triggers of one wait on the new version (``new_id``), fed the
    windows of traffic one by one; ``see`` returns the first trigger that fires,
    described, or None. A trigger fires only when the data since the wait began show,
    at ``confidence``, that its metric is past its threshold, however many windows are
    looked at (``autoRollback.test: sequential``). A trigger with ``baseline: previous``
    compares with ``previous_id``'s traffic in the same windows. Node metrics (crash
    rate, memory) are states of a few nodes, not samples of requests: judged on the
    node counts as observed."""

    def __init__(
        self,
        triggers: list[Trigger],
        *,
        new_id: str,
        previous_id: str,
        confidence: float = 0.95,
        min_requests: int = 0,
    ) -> None:
        self.triggers, self.new_id, self.previous_id = triggers, new_id, previous_id
        self.alpha, self.min_requests = 1 - confidence, min_requests
        self.seen = Seen()
        self.metrics = self.seen.metrics
        self.ratios = {
            i: sequential.RatioEvidence(1 + t.threshold / 100)
            for i, t in enumerate(triggers)
            if t.baseline and t.metric == "error_rate"
        }

    def merge(self, versions: dict[str, VersionMetrics]) -> None:
        """Add one window (metrics per module id) to what was seen, judging nothing."""
        self.seen.add(versions)

    def see(self, versions: dict[str, VersionMetrics]) -> str | None:
        """Take one window (metrics per module id); the first trigger that fires, or None."""
        new, old = versions.get(self.new_id), versions.get(self.previous_id)
        if new is not None and old is not None:
            for ratio in self.ratios.values():
                ratio.add(new.failed_requests, new.requests, old.failed_requests, old.requests)
        self.merge(versions)
        m = self.metrics.get(self.new_id)
        if m is None:
            return None
        for i, t in enumerate(self.triggers):
            if t.metric not in NODE_METRICS and m.requests < self.min_requests:
                continue
            why = self._judge(i, t, m, self.metrics.get(self.previous_id) if t.baseline else None)
            if why:
                return why
        return None

    def low_power(self) -> str | None:
        """Why this wait could not have detected a module just past a trigger (a rate 1.5
        times its threshold, a mean 20% over), had it been one; None when it could. Only
        triggers on request metrics are judged."""
        m = self.metrics.get(self.new_id)
        if m is None:
            return None
        for t in self.triggers:
            if t.metric in NODE_METRICS or t.comparison != "greater_than":
                continue
            if m.requests < self.min_requests:
                return f"{m.requests} requests of the new module, fewer than minRequests {self.min_requests}"
            prev = self.metrics.get(self.previous_id) if t.baseline else None
            if t.baseline and prev is None:
                continue
            grade = self._mildest(t, m, prev)
            if grade is not None:
                return f"{m.requests} requests of the new module could not have shown {grade}"
        return None

    def _mildest(self, t: Trigger, m: VersionMetrics, prev: VersionMetrics | None) -> str | None:
        """The mildest bad grade for ``t`` if the data seen could not have shown it."""
        alpha, r0 = self.alpha, 1 + t.threshold / 100
        if t.metric == "error_rate":
            if prev is None:
                rate = min(1.0, 1.5 * t.threshold / 100)
                shown = sequential.bernoulli_above(round(rate * m.requests), m.requests, t.threshold / 100, alpha)
                return None if shown else f"error_rate {100 * rate:.3g}% (1.5 times its threshold)"
            old = prev.failed_requests / prev.requests if prev.requests else 0.0
            rate = min(1.0, 1.5 * r0 * old if old else 0.01)
            ratio = sequential.RatioEvidence(r0)
            ratio.add(round(rate * m.requests), m.requests, prev.failed_requests, prev.requests)
            shown = ratio.evidence() >= math.log(1 / alpha)
            return None if shown else f"error_rate {100 * rate:.3g}% (1.5 times the allowed increase)"
        if t.metric == "avg_latency_ms":
            se2 = self.seen.variance(self.new_id) / m.requests if m.requests else math.inf
            base = r0 * prev.latency_mean_ms if prev is not None else t.threshold
            effect = max(0.1 * base, 1.0)
            shown = sequential.normal_exceeds(0.2 * base, math.sqrt(se2), alpha, sequential.rho_for(effect, alpha))
            return None if shown else f"avg_latency_ms {1.2 * base:.4g} (20% over its threshold)"
        tail = 0.05 if t.metric.startswith("p95") else 0.01
        n = len(m.latency_samples)
        shown = sequential.bernoulli_above(round(1.5 * tail * n), n, tail, alpha)
        return None if shown else f"{t.metric} with {150 * tail:.3g}% of requests past its threshold"

    def _judge(self, i: int, t: Trigger, m: VersionMetrics, prev: VersionMetrics | None) -> str | None:
        if t.metric in NODE_METRICS:  # a node-count rule: the observed share, as observed
            return fired(m, [t], previous=prev)
        if t.baseline and (prev is None or not prev.requests):
            return None
        if not m.requests or not self._shown(i, t, m, prev):
            return None
        value, against = metric(m, t.metric), metric(prev, t.metric) if prev is not None else None
        if value is None:
            return None
        return f"{_said(t, value, against)}, shown at confidence {1 - self.alpha:g}"

    def _shown(self, i: int, t: Trigger, m: VersionMetrics, prev: VersionMetrics | None) -> bool:
        """The sequential test of trigger ``i``: is its metric shown past the threshold?"""
        alpha, r0 = self.alpha, 1 + t.threshold / 100
        if t.metric == "error_rate":
            if prev is not None:
                return self.ratios[i].evidence() >= math.log(1 / alpha)
            test = sequential.bernoulli_above if t.comparison == "greater_than" else sequential.bernoulli_below
            return test(m.failed_requests, m.requests, t.threshold / 100, alpha)
        if t.metric == "avg_latency_ms":
            mean = m.latency_mean_ms
            if prev is not None:
                d, scale = mean - r0 * prev.latency_mean_ms, prev.latency_mean_ms
            else:
                d = mean - t.threshold if t.comparison == "greater_than" else t.threshold - mean
                scale = t.threshold
            if d <= 0:  # not even observed past the threshold: nothing is shown (and no variance to estimate)
                return False
            se2 = self.seen.variance(self.new_id) / m.requests
            if prev is not None:
                se2 += r0**2 * self.seen.variance(self.previous_id) / prev.requests
            effect = max(0.1 * scale, 1.0)  # the boundary is tightest for a 10% shift (at least 1 ms)
            return sequential.normal_exceeds(d, math.sqrt(se2), alpha, sequential.rho_for(effect, alpha))
        # p95/p99: the share of requests slower than the threshold, against 5% (1%)
        tail = 0.05 if t.metric.startswith("p95") else 0.01
        limit = t.threshold
        if prev is not None:  # plug-in: the previous module's observed quantile, times the allowed increase
            limit = r0 * float(np.percentile(prev.latency_samples.values, 100 * (1 - tail)))
        samples = m.latency_samples.values
        slow = int(np.count_nonzero(samples > limit))
        if t.comparison == "greater_than":
            return sequential.bernoulli_above(slow, len(samples), tail, alpha)
        return sequential.bernoulli_below(slow, len(samples), tail, alpha)


class Seen:
    """Windows of traffic folded together per module id (``metrics``), with each module's
    latency moments over every sample seen, so a variance costs nothing per look."""

    def __init__(self) -> None:
        self.metrics: dict[str, VersionMetrics] = {}
        self.moments: dict[str, tuple[int, float, float]] = {}  # samples, their sum, sum of squares

    def add(self, versions: dict[str, VersionMetrics]) -> None:
        for module_id, m in versions.items():
            self.metrics[module_id] = merge(self.metrics.get(module_id), m)
            if m.latency_samples:
                x = m.latency_samples.values
                n, total, squares = self.moments.get(module_id, (0, 0.0, 0.0))
                self.moments[module_id] = (n + len(x), total + float(x.sum()), squares + float(x @ x))

    def variance(self, module_id: str) -> float:
        """Per-request latency variance of ``module_id``, from its samples (0 with fewer than 2)."""
        n, total, squares = self.moments.get(module_id, (0, 0.0, 0.0))
        return max(0.0, (squares - total * total / n) / (n - 1)) if n > 1 else 0.0


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


class Experiment:
    """An A/B experiment judged as it runs (``earlyStopping: true``): fed the windows
    of traffic one by one, ``see`` returns the winner as soon as an always-valid test
    shows it at ``confidence`` (B better by ``threshold`` percent, or A better by it;
    each side tested at half the error), else None. Error rate (window by window, the
    two versions' failures) and mean latency (normal mixture) are tested; other
    metrics are never conclusive early. Fewer than ``minimum_sample_size`` requests on
    either side is not judged."""

    def __init__(
        self, criteria: WinnerCriteria, *, a_id: str, b_id: str, minimum_sample_size: int, confidence: float
    ) -> None:
        self.criteria, self.a_id, self.b_id = criteria, a_id, b_id
        self.minimum, self.alpha = minimum_sample_size, (1 - confidence) / 2
        self.seen = Seen()
        self.metrics = self.seen.metrics
        theta = criteria.threshold / 100
        # lower is better: B wins when A > B / (1 - theta), A wins when B > A (1 + theta)
        b_wins = 1 / (1 - theta) if theta < 1 else math.inf
        self.ratios = {"B": sequential.RatioEvidence(b_wins), "A": sequential.RatioEvidence(1 + theta)}
        if criteria.comparison == "higher_is_better":  # the same tests with the roles swapped
            self.ratios = {"B": sequential.RatioEvidence(1 + theta), "A": sequential.RatioEvidence(b_wins)}

    def see(self, versions: dict[str, VersionMetrics]) -> Judgement | None:
        a, b = versions.get(self.a_id), versions.get(self.b_id)
        if a is not None and b is not None and self.criteria.metric == "error_rate":
            worse = {"B": (a, b), "A": (b, a)}  # the side shown worse, then the other
            if self.criteria.comparison == "higher_is_better":
                worse = {"B": (b, a), "A": (a, b)}
            for side, (hi, lo) in worse.items():
                if math.isfinite(self.ratios[side].r0):
                    self.ratios[side].add(hi.failed_requests, hi.requests, lo.failed_requests, lo.requests)
        self.seen.add(versions)
        a, b = self.metrics.get(self.a_id), self.metrics.get(self.b_id)
        if a is None or b is None or min(a.requests, b.requests) < self.minimum:
            return None
        for side in ("B", "A"):
            if self._shown(side, a, b):
                va, vb = metric(a, self.criteria.metric), metric(b, self.criteria.metric)
                return Judgement(
                    side,
                    f"{self.criteria.metric} A {va:.4g} vs B {vb:.4g}: {side} better by more than "
                    f"{self.criteria.threshold:g}%, shown at confidence {1 - 2 * self.alpha:g} after "
                    f"{a.requests + b.requests:,} requests (early stopping)",
                )
        return None

    def _shown(self, side: str, a: VersionMetrics, b: VersionMetrics) -> bool:
        name, theta = self.criteria.metric, self.criteria.threshold / 100
        if name == "error_rate":
            return self.ratios[side].evidence() >= math.log(1 / self.alpha)
        if name != "avg_latency_ms" or not a.requests or not b.requests:
            return False
        if self.criteria.comparison == "higher_is_better":  # B wins where, lower being better, A would
            side = "A" if side == "B" else "B"
        va, vb = a.latency_mean_ms, b.latency_mean_ms
        # B below A by theta: A (1 - theta) - B > 0; B above A by theta: B - A (1 + theta) > 0
        weight = 1 - theta if side == "B" else 1 + theta
        d = weight * va - vb if side == "B" else vb - weight * va
        if d <= 0:  # not even observed: nothing is shown (and no variance to estimate)
            return False
        se2 = weight**2 * self.seen.variance(self.a_id) / a.requests + self.seen.variance(self.b_id) / b.requests
        effect = max(0.1 * va, 1.0)
        return sequential.normal_exceeds(d, math.sqrt(se2), self.alpha, sequential.rho_for(effect, self.alpha))


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
