"""Anytime-valid tests: evidence that stays honest however often it is looked at.

Each test is a nonnegative supermartingale under its null hypothesis (an e-process);
by Ville's inequality it ever reaches ``1 / alpha`` with probability at most ``alpha``,
so a trigger may look after every window and still fire on a healthy module at most
``alpha`` of the time. Sources: Robbins (1970) mixtures; Johari, Koomen, Pekelis and
Walsh, "Peeking at A/B tests", KDD 2017 (mixture SPRT); Howard, Ramdas, McAuliffe and
Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist.
2021 (normal-mixture boundary); Lindon, Sanden and Shirikian, KDD 2022 (sequential
tests for software deployments). Method and assumptions: docs/decisions.md.

- ``bernoulli_evidence``: counts of a Bernoulli event (failed request, latency past a
  threshold) against ``rate <= p0``; a discrete mixture of likelihood ratios over
  alternatives above ``p0`` (uniform on a grid of odds ratios).
- ``RatioEvidence``: the new version's event rate against ``rate <= r0 * previous
  rate``, window by window: given a window's events, each came from the new version
  with a probability fixed by the rate ratio and the two versions' traffic (Poisson
  arrivals), a Bernoulli sequence whose mixture likelihood ratio is multiplied up.
- ``normal_exceeds``: an estimate ``d`` with standard error ``se`` against ``d <= 0``
  by the normal-mixture boundary in information time ``1 / se**2`` (asymptotic: a mean
  of many requests, as in Waudby-Smith et al. 2021 time-uniform central limit theory).
"""

from __future__ import annotations

import math

import numpy as np

ODDS = np.exp(np.linspace(math.log(1.05), math.log(100.0), 48))  # alternatives: odds ratio 1.05 .. 100


def _logmeanexp(x: np.ndarray) -> float:
    top = float(np.max(x))
    return top + math.log(float(np.mean(np.exp(x - top)))) if math.isfinite(top) else top


def bernoulli_evidence(events: int, n: int, p0: float) -> float:
    """Log of the mixture likelihood ratio of ``events`` in ``n`` trials against
    ``p <= p0``: large when the rate is shown above ``p0``."""
    if n <= 0 or p0 >= 1:
        return 0.0 if n <= 0 else -math.inf
    if p0 <= 0:
        return math.inf if events else 0.0
    odds0 = p0 / (1 - p0)
    p = ODDS * odds0 / (1 + ODDS * odds0)
    log_lr = events * np.log(p / p0) + (n - events) * np.log((1 - p) / (1 - p0))
    return _logmeanexp(log_lr)


def bernoulli_above(events: int, n: int, p0: float, alpha: float) -> bool:
    """Do ``events`` in ``n`` trials show, at level ``alpha``, a rate above ``p0``? At an
    observed rate of at most ``p0`` every alternative's likelihood ratio is at most 1
    (each is decreasing past the observed rate): never, and nothing to compute."""
    if events <= p0 * n:
        return False
    return bernoulli_evidence(events, n, p0) >= math.log(1 / alpha)


def bernoulli_below(events: int, n: int, p0: float, alpha: float) -> bool:
    """Do they show a rate below ``p0`` (the same test on the complement)?"""
    return bernoulli_above(n - events, n, 1 - p0, alpha)


class RatioEvidence:
    """Evidence, accumulated window by window, that the new version's event rate is
    more than ``r0`` times the previous version's (rare events: Poisson arrivals)."""

    def __init__(self, r0: float) -> None:
        self.r0 = r0
        self.ratios = r0 * ODDS  # alternatives, above r0
        self.log_lr = np.zeros(len(ODDS))

    def add(self, new_events: int, new_trials: int, old_events: int, old_trials: int) -> None:
        """One window: events and trials of each version."""
        k = new_events + old_events
        if not k or not new_trials or not old_trials:
            return
        share = new_trials / old_trials
        q0 = self.r0 * share / (self.r0 * share + 1)
        q = self.ratios * share / (self.ratios * share + 1)
        self.log_lr += new_events * np.log(q / q0) + old_events * np.log((1 - q) / (1 - q0))

    def evidence(self) -> float:
        return _logmeanexp(self.log_lr)


def rho_for(effect: float, alpha: float) -> float:
    """Mixture precision that makes the normal boundary tightest where an ``effect``
    of that size would just be detected (information ``~ 2 log(1/alpha) / effect**2``)."""
    return 2 * math.log(1 / alpha) / effect**2


def normal_exceeds(d: float, se: float, alpha: float, rho: float) -> bool:
    """Is the estimate ``d`` (standard error ``se``) shown above 0 at level ``alpha``?
    The normal-mixture boundary on ``S = I d`` in information time ``I = 1 / se**2``:
    ``S >= sqrt((I + rho) log((I + rho) / (rho alpha**2)))``."""
    if se <= 0:
        return d > 0
    info = 1 / se**2
    s = info * d
    return s > 0 and s * s >= (info + rho) * math.log((info + rho) / (rho * alpha**2))
