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
from functools import cache

import numpy as np

ODDS = np.exp(np.linspace(math.log(1.05), math.log(100.0), 48))  # alternatives: odds ratio 1.05 .. 100


def logmeanexp(x: np.ndarray) -> np.ndarray:
    """Log of the mean of ``exp(x)`` along the last axis, without overflow."""
    top = np.max(x, axis=-1)
    finite = np.isfinite(top)
    safe = np.where(finite, top, 0.0)
    with np.errstate(divide="ignore"):
        out = safe + np.log(np.mean(np.exp(x - safe[..., None]), axis=-1))
    result: np.ndarray = np.where(finite, out, top)
    return result


def _log_mean_exp(x: np.ndarray) -> float:
    """``logmeanexp`` of one row, as a float (the same operations, without the
    bookkeeping of many rows: a test looks after every window)."""
    top = np.maximum.reduce(x)
    if not math.isfinite(top):
        return float(top)
    return float(top + np.log(np.add.reduce(np.exp(x - top)) / len(x)))


@cache
def _log_ratios(p0: float) -> tuple[np.ndarray, np.ndarray]:
    """Per alternative ``p``: ``log(p / p0)`` and ``log((1 - p) / (1 - p0))`` (0 < p0 < 1)."""
    odds0 = p0 / (1 - p0)
    p = ODDS * odds0 / (1 + ODDS * odds0)
    return np.log(p / p0), np.log((1 - p) / (1 - p0))


def bernoulli_evidence(events: int, n: int, p0: float) -> float:
    """Log of the mixture likelihood ratio of ``events`` in ``n`` trials against
    ``p <= p0``: large when the rate is shown above ``p0``."""
    if n <= 0:
        return 0.0
    if p0 >= 1:
        return -math.inf
    if p0 <= 0:
        return math.inf if events > 0 else 0.0
    up, down = _log_ratios(p0)
    return _log_mean_exp(float(events) * up + float(n - events) * down)


def bernoulli_evidences(events: np.ndarray, n: np.ndarray, p0: float) -> np.ndarray:
    """``bernoulli_evidence`` of each (events, trials) pair, at once."""
    events, n = np.asarray(events, dtype=float), np.asarray(n, dtype=float)
    out = np.zeros(len(n))
    tried = n > 0
    if p0 >= 1:
        out[tried] = -math.inf
    elif p0 <= 0:
        out[tried & (events > 0)] = math.inf
    elif tried.any():
        up, down = _log_ratios(p0)
        e, m = events[tried, None], n[tried, None]
        out[tried] = logmeanexp(e * up + (m - e) * down)
    return out


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


def bernoulli_shows_above(events: np.ndarray, n: np.ndarray, p0: float, alpha: float) -> np.ndarray:
    """``bernoulli_above`` of each (events, trials) pair, at once (evidence worked out
    only where the observed rate is past ``p0``)."""
    events, n = np.asarray(events), np.asarray(n)
    out = events > p0 * n
    if out.any():
        out[out] = bernoulli_evidences(events[out], n[out], p0) >= math.log(1 / alpha)
    return out


def bernoulli_shows_below(events: np.ndarray, n: np.ndarray, p0: float, alpha: float) -> np.ndarray:
    """``bernoulli_below`` of each pair, at once."""
    return bernoulli_shows_above(np.asarray(n) - np.asarray(events), n, 1 - p0, alpha)


class RatioEvidence:
    """Evidence, accumulated window by window, that the new version's event rate is
    more than ``r0`` times the previous version's (rare events: Poisson arrivals).
    ``add`` takes one window; ``steps`` and ``running`` take many at once, and
    ``running(steps(...))[i]`` is the log likelihood ratios ``add`` would reach after
    the first ``i + 1`` of them, to the bit."""

    def __init__(self, r0: float) -> None:
        self.r0 = r0
        self.ratios = r0 * ODDS  # alternatives, above r0
        self.log_lr = np.zeros(len(ODDS))

    def add(self, new_events: int, new_trials: int, old_events: int, old_trials: int) -> None:
        """One window: events and trials of each version."""
        one = self.steps(np.array([new_events]), np.array([new_trials]), np.array([old_events]), np.array([old_trials]))
        self.log_lr = self.running(one)[0]

    def steps(
        self, new_events: np.ndarray, new_trials: np.ndarray, old_events: np.ndarray, old_trials: np.ndarray
    ) -> np.ndarray:
        """Each window's log likelihood ratios (a row per window; zeros for a window
        without events or without trials on either side)."""
        out = np.zeros((len(new_events), len(ODDS)))
        live = ((new_events + old_events) > 0) & (new_trials > 0) & (old_trials > 0)
        if live.any():
            share = (new_trials[live] / old_trials[live])[:, None]
            q0 = self.r0 * share / (self.r0 * share + 1)
            q = self.ratios * share / (self.ratios * share + 1)
            out[live] = new_events[live, None] * np.log(q / q0) + old_events[live, None] * np.log((1 - q) / (1 - q0))
        return out

    def running(self, steps: np.ndarray) -> np.ndarray:
        """The log likelihood ratios after each of ``steps``, from where they stand."""
        return np.cumsum(np.concatenate((self.log_lr[None, :], steps)), axis=0)[1:]

    def evidence(self) -> float:
        return _log_mean_exp(self.log_lr)


def rho_for(effect: float, alpha: float) -> float:
    """Mixture precision that makes the normal boundary tightest where an ``effect``
    of that size would just be detected (information ``~ 2 log(1/alpha) / effect**2``)."""
    return 2 * math.log(1 / alpha) / effect**2


def normal_exceeds(d: float, se: float, alpha: float, rho: float) -> bool:
    """Is the estimate ``d`` (standard error ``se``) shown above 0 at level ``alpha``?
    The normal-mixture boundary on ``S = I d`` in information time ``I = 1 / se**2``:
    ``S >= sqrt((I + rho) log((I + rho) / (rho alpha**2)))``."""
    if d <= 0 or se <= 0:
        return d > 0
    info = 1 / (se * se)
    s = info * d
    return bool(s > 0 and s * s >= (info + rho) * np.log((info + rho) / (rho * alpha**2)))


def normal_shows(d: np.ndarray, se: np.ndarray, alpha: float, rho: np.ndarray) -> np.ndarray:
    """``normal_exceeds`` of each (estimate, standard error, precision), at once."""
    out = d > 0
    judged = out & (se > 0)
    if judged.any():
        info = 1 / se[judged] ** 2
        s, r = info * d[judged], rho[judged]
        out[judged] = (s > 0) & (s * s >= (info + r) * np.log((info + r) / (r * alpha**2)))
    return out
