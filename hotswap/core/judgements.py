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
from hotswap.core.running import Running, Seen, merge
from hotswap.core.series import Columns

NODE_METRICS = ("crash_rate", "memory_mb")  # measured on nodes, not requests


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
    windows of traffic one by one (``see``) or a series of them at once (``scan``, then
    ``take``); the first trigger that fires, described, or None. A trigger fires only
    when the data since the wait began show, at ``confidence``, that its metric is past
    its threshold, however many windows are looked at (``autoRollback.test:
    sequential``). A trigger with ``baseline: previous`` compares with ``previous_id``'s
    traffic in the same windows. Node metrics (crash rate, memory) are states of a few
    nodes, not samples of requests: judged on the node counts as observed. A series is
    judged interval by interval, exactly as its windows one by one would be."""

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
        self._ahead: tuple[dict[str, Columns], dict[str, Running | None]] | None = None  # the last scan's

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

    def _judge(self, i: int, t: Trigger, m: VersionMetrics, prev: VersionMetrics | None) -> str | None:
        if t.metric in NODE_METRICS:  # a node-count rule: the observed share, as observed
            return fired(m, [t], previous=prev)
        if t.baseline and (prev is None or not prev.requests):
            return None
        if not m.requests or not self._shown_now(i, t, m, prev):
            return None
        value, against = metric(m, t.metric), metric(prev, t.metric) if prev is not None else None
        if value is None:
            return None
        return f"{_said(t, value, against)}, shown at confidence {1 - self.alpha:g}"

    def _shown_now(self, i: int, t: Trigger, m: VersionMetrics, prev: VersionMetrics | None) -> bool:
        """The sequential test of trigger ``i`` on what was seen: is its metric shown
        past the threshold? (``_shown`` after each interval of a series, at once.)"""
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
        return _tail_shown(t, m, prev, alpha)

    def scan(self, columns: dict[str, Columns], k: int) -> tuple[int, str] | None:
        """The first of ``k`` intervals (``columns``: each version's) at which a trigger
        fires, and why; nothing is taken."""
        new = self.seen.running(columns, self.new_id, k)
        old = self.seen.running(columns, self.previous_id, k)
        self._ahead = columns, {self.new_id: new, self.previous_id: old}
        if new is None:
            return None
        hit: tuple[int, str] | None = None
        for i, t in enumerate(self.triggers):
            limit = hit[0] if hit else k  # a later trigger wins only at an earlier interval
            fires = self._fires(i, t, new, old if t.baseline else None, columns, limit)
            if fires is not None:
                hit = fires
        return hit

    def take(self, columns: dict[str, Columns], n: int) -> None:
        """Take the first ``n`` intervals of ``columns`` as seen."""
        new, old = columns.get(self.new_id), columns.get(self.previous_id)
        if new is not None and old is not None:
            for ratio in self.ratios.values():
                ratio.log_lr = ratio.running(self._ratio_steps(ratio, new.head(n), old.head(n)))[-1]
        ahead = self._ahead[1] if self._ahead is not None and self._ahead[0] is columns else None
        self._ahead = None
        self.seen.take(columns, n, ahead)

    @staticmethod
    def _ratio_steps(ratio: sequential.RatioEvidence, new: Columns, old: Columns) -> np.ndarray:
        return ratio.steps(new.failed, new.requests, old.failed, old.requests)

    def _fires(
        self, i: int, t: Trigger, m: Running, prev: Running | None, columns: dict[str, Columns], k: int
    ) -> tuple[int, str] | None:
        """The first of the first ``k`` intervals at which trigger ``i`` fires, and why."""
        if k == 0 or (t.baseline and prev is None):
            return None
        if t.metric in ("p95_latency_ms", "p99_latency_ms"):
            return self._tail_fires(t, columns, k)
        value, against = _values(m, t.metric)[:k], _values(prev, t.metric)[:k] if prev is not None else None
        if t.metric in NODE_METRICS:  # a node-count rule: the observed share, as observed
            fires = ~np.isnan(value) & _crossed_many(value, t, against)
            suffix = ""
        else:
            fires = (m.requests[:k] >= max(self.min_requests, 1)) & self._shown(i, t, m, prev, columns, k)
            if prev is not None:
                fires &= prev.requests[:k] > 0
            suffix = f", shown at confidence {1 - self.alpha:g}"
        hits = np.flatnonzero(fires)
        if not len(hits):
            return None
        j = int(hits[0])
        return j, _said(t, float(value[j]), float(against[j]) if against is not None else None) + suffix

    def _shown(
        self, i: int, t: Trigger, m: Running, prev: Running | None, columns: dict[str, Columns], k: int
    ) -> np.ndarray:
        """The sequential test of trigger ``i`` after each interval: is its metric shown
        past the threshold? (``_shown_now`` on what was seen after each, at once.)"""
        alpha, r0 = self.alpha, 1 + t.threshold / 100
        if t.metric == "error_rate":
            if prev is not None:
                ratio = self.ratios[i]
                new, old = columns.get(self.new_id), columns.get(self.previous_id)
                if new is None or old is None:  # no window with both: the evidence stands
                    return np.full(k, ratio.evidence() >= math.log(1 / alpha))
                steps = self._ratio_steps(ratio, new.head(k), old.head(k))
                return np.asarray(sequential.logmeanexp(ratio.running(steps)) >= math.log(1 / alpha))
            above = t.comparison == "greater_than"
            test = sequential.bernoulli_shows_above if above else sequential.bernoulli_shows_below
            return test(m.failed[:k], m.requests[:k], t.threshold / 100, alpha)
        # avg_latency_ms
        mean = m.mean[:k]
        if prev is not None:
            d, scale = mean - r0 * prev.mean[:k], prev.mean[:k]
        else:
            d = mean - t.threshold if t.comparison == "greater_than" else t.threshold - mean
            scale = np.full(k, float(t.threshold))
        shown = (d > 0) & (m.requests[:k] > 0)
        if prev is not None:
            shown &= prev.requests[:k] > 0
        out = np.zeros(k, dtype=bool)
        if shown.any():
            se2 = m.variance[:k][shown] / m.requests[:k][shown]
            if prev is not None:
                se2 = se2 + r0**2 * prev.variance[:k][shown] / prev.requests[:k][shown]
            effect = np.maximum(0.1 * scale[shown], 1.0)  # the boundary is tightest for a 10% shift (at least 1 ms)
            rho = 2 * math.log(1 / alpha) / effect**2  # sequential.rho_for, at each interval
            out[shown] = sequential.normal_shows(d[shown], np.sqrt(se2), alpha, rho)
        return out

    def _tail_fires(self, t: Trigger, columns: dict[str, Columns], k: int) -> tuple[int, str] | None:
        """p95/p99: the share of requests slower than the threshold, against 5% (1%), on
        the samples kept so far; interval by interval (they are thinned as they grow)."""
        new, old = self.metrics.get(self.new_id), self.metrics.get(self.previous_id)
        c, p = columns.get(self.new_id), columns.get(self.previous_id)
        for j in range(k):
            new = merge(new, c.at(j)) if c is not None else new
            old = merge(old, p.at(j)) if p is not None else old
            assert new is not None
            prev = old if t.baseline else None
            if new.requests < max(self.min_requests, 1) or (t.baseline and (prev is None or not prev.requests)):
                continue
            if _tail_shown(t, new, prev, self.alpha):
                value, against = metric(new, t.metric), metric(prev, t.metric) if prev is not None else None
                assert value is not None
                return j, f"{_said(t, value, against)}, shown at confidence {1 - self.alpha:g}"
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


def _tail_shown(t: Trigger, m: VersionMetrics, prev: VersionMetrics | None, alpha: float) -> bool:
    """p95/p99 shown past the threshold: the share of ``m``'s sampled requests slower
    than it, against 5% (1%); with ``prev`` (baseline) the threshold is the previous
    module's observed quantile times the allowed increase (a plug-in)."""
    tail = 0.05 if t.metric.startswith("p95") else 0.01
    limit = t.threshold
    if prev is not None:
        limit = (1 + t.threshold / 100) * float(np.percentile(prev.latency_samples.values, 100 * (1 - tail)))
    samples = m.latency_samples.values
    slow = int(np.count_nonzero(samples > limit))
    if t.comparison == "greater_than":
        return sequential.bernoulli_above(slow, len(samples), tail, alpha)
    return sequential.bernoulli_below(slow, len(samples), tail, alpha)


def _values(m: Running, name: str) -> np.ndarray:
    """A named metric after each interval (NaN where there is nothing to measure), as
    ``metric`` reads it; not for p95/p99 (they need the samples)."""
    if name == "error_rate":
        return np.where(m.requests > 0, 100 * m.failed / np.maximum(m.requests, 1), np.nan)
    if name == "crash_rate":
        return np.where(m.nodes > 0, 100 * m.crashed / np.maximum(m.nodes, 1), np.nan)
    if name == "avg_latency_ms":
        return np.where(m.requests > 0, m.mean, np.nan)
    if name == "memory_mb":
        return np.where(m.nodes > 0, m.memory, np.nan)
    raise ValueError(f"no running value of {name!r}")


def _crossed_many(value: np.ndarray, t: Trigger, against: np.ndarray | None) -> np.ndarray:
    """``_crossed`` after each interval (False where ``against`` is missing)."""
    if against is not None:
        past = np.where(against > 0, value > against * (1 + t.threshold / 100), value > 0)
        return np.asarray(past & ~np.isnan(against))
    return np.asarray(value > t.threshold if t.comparison == "greater_than" else value < t.threshold)


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
    of traffic one by one (``see``) or a series at once (``scan``, then ``take``), it
    gives the winner as soon as an always-valid test shows it at ``confidence`` (B
    better by ``threshold`` percent, or A better by it; each side tested at half the
    error), else None. Error rate (window by window, the two versions' failures) and
    mean latency (normal mixture) are tested; other metrics are never conclusive early.
    Fewer than ``minimum_sample_size`` requests on either side is not judged."""

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
        self._ahead: tuple[dict[str, Columns], dict[str, Running | None]] | None = None  # the last scan's

    def see(self, versions: dict[str, VersionMetrics]) -> Judgement | None:
        """Take one window (metrics per module id); the winner, once shown."""
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
            if self._shown_now(side, a, b):
                return self._said(
                    side, metric(a, self.criteria.metric), metric(b, self.criteria.metric), a.requests + b.requests
                )
        return None

    def _said(self, side: str, va: float | None, vb: float | None, requests: int) -> Judgement:
        return Judgement(
            side,
            f"{self.criteria.metric} A {va:.4g} vs B {vb:.4g}: {side} better by more than "
            f"{self.criteria.threshold:g}%, shown at confidence {1 - 2 * self.alpha:g} after "
            f"{requests:,} requests (early stopping)",
        )

    def _shown_now(self, side: str, a: VersionMetrics, b: VersionMetrics) -> bool:
        """Is ``side`` shown the winner on what was seen? (``_shown`` after each interval
        of a series, at once.)"""
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

    def scan(self, columns: dict[str, Columns], k: int) -> tuple[int, Judgement] | None:
        """The first of ``k`` intervals after which a winner is shown, and the
        judgement; nothing is taken."""
        if k == 0:
            return None
        a, b = self.seen.running(columns, self.a_id, k), self.seen.running(columns, self.b_id, k)
        self._ahead = columns, {self.a_id: a, self.b_id: b}
        if a is None or b is None:
            return None
        judged = np.minimum(a.requests, b.requests) >= self.minimum
        if not judged.any():
            return None
        evidence = self._evidence(columns, k)
        shown = {side: judged & self._shown(side, a, b, evidence.get(side)) for side in ("B", "A")}
        hits = np.flatnonzero(shown["B"] | shown["A"])
        if not len(hits):
            return None
        j = int(hits[0])
        side = "B" if shown["B"][j] else "A"
        va, vb = (float(_values(x, self.criteria.metric)[j]) for x in (a, b))
        return j, self._said(side, va, vb, int(a.requests[j] + b.requests[j]))

    def take(self, columns: dict[str, Columns], n: int) -> None:
        """Take the first ``n`` intervals of ``columns`` as seen."""
        for side, running in self._evidence(columns, n).items():
            self.ratios[side].log_lr = running[-1]
        ahead = self._ahead[1] if self._ahead is not None and self._ahead[0] is columns else None
        self._ahead = None
        self.seen.take(columns, n, ahead)

    def _evidence(self, columns: dict[str, Columns], k: int) -> dict[str, np.ndarray]:
        """Error rate: each side's log likelihood ratios after each of ``k`` intervals in
        which both versions served (none: the evidence stands)."""
        a, b = columns.get(self.a_id), columns.get(self.b_id)
        if a is None or b is None or self.criteria.metric != "error_rate":
            return {}
        a, b = a.head(k), b.head(k)
        worse = {"B": (a, b), "A": (b, a)}  # the side shown worse, then the other
        if self.criteria.comparison == "higher_is_better":
            worse = {"B": (b, a), "A": (a, b)}
        return {
            side: self.ratios[side].running(self.ratios[side].steps(hi.failed, hi.requests, lo.failed, lo.requests))
            for side, (hi, lo) in worse.items()
            if math.isfinite(self.ratios[side].r0)
        }

    def _shown(self, side: str, a: Running, b: Running, evidence: np.ndarray | None) -> np.ndarray:
        k = len(a.requests)
        name, theta = self.criteria.metric, self.criteria.threshold / 100
        if name == "error_rate":
            log_lr = evidence if evidence is not None else np.repeat(self.ratios[side].log_lr[None, :], k, axis=0)
            return np.asarray(sequential.logmeanexp(log_lr) >= math.log(1 / self.alpha))
        if name != "avg_latency_ms":
            return np.zeros(k, dtype=bool)
        if self.criteria.comparison == "higher_is_better":  # B wins where, lower being better, A would
            side = "A" if side == "B" else "B"
        va, vb = a.mean, b.mean
        # B below A by theta: A (1 - theta) - B > 0; B above A by theta: B - A (1 + theta) > 0
        weight = 1 - theta if side == "B" else 1 + theta
        d = weight * va - vb if side == "B" else vb - weight * va
        live = (d > 0) & (a.requests > 0) & (b.requests > 0)  # not even observed: nothing is shown
        out = np.zeros(k, dtype=bool)
        if live.any():
            se2 = weight**2 * a.variance[live] / a.requests[live] + b.variance[live] / b.requests[live]
            effect = np.maximum(0.1 * va[live], 1.0)
            rho = 2 * math.log(1 / self.alpha) / effect**2  # sequential.rho_for, at each interval
            out[live] = sequential.normal_shows(d[live], np.sqrt(se2), self.alpha, rho)
        return out


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
    Statistics*, 1999), here in a few numpy passes, without importing scipy (a side's
    rank sum does not depend on its order: each side is sorted on its own, then the
    two merged); smaller samples go to scipy (its exact distribution when there are no
    ties)."""
    n1, n2 = len(x), len(y)
    if n1 <= 8 or n2 <= 8:
        from scipy import stats

        return float(stats.mannwhitneyu(x, y).pvalue)
    both = np.concatenate([np.sort(x), np.sort(y)])  # each side sorted on its own (fast) ...
    order = np.argsort(both, kind="stable")  # ... then merged: a stable sort of two sorted runs is one merge
    ordered = both[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1], [True]]))
    ties = np.diff(starts)  # the size of each group of equal values, in order
    n = n1 + n2
    from_x = order < n1
    if len(ties) == n:  # no ties: a value's rank is its place (from 1), and no correction
        rank_sum, tie_term = float(np.flatnonzero(from_x).sum()) + n1, 0.0
    else:  # average ranks, from 1, of each place in order
        rank_sum = float(np.repeat(starts[:-1] + (ties + 1) / 2, ties)[from_x].sum())
        t = ties[ties > 1].astype(float)
        tie_term = float(np.sum(t * t * t - t))
    u1 = rank_sum - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    sd = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    if sd == 0:  # every value equal: no evidence of a difference
        return 1.0
    z = (u - n1 * n2 / 2 - 0.5) / sd
    return min(1.0, max(0.0, math.erfc(z / math.sqrt(2))))  # 2 * P(Z > z)
