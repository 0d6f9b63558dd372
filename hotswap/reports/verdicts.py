"""Verdicts on the guide's claims, as pure functions of measured figures.

- a duration claim ("15-30 min", "about 30 sec") against the medians measured on a
  small and a large fleet: consistent, inconsistent, or depends on fleet size;
- an ordinal claim (Slow / Fast, Low / High, Very Low / Low / Medium) against the
  measured order of the strategies: consistent when every pair of strategies the guide
  ranks apart is ordered the same way by the measurements.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotswap.reports.guide import Span

CONSISTENT, INCONSISTENT, DEPENDS = "consistent", "inconsistent", "depends on fleet size"


@dataclass(frozen=True)
class ClaimVerdict:
    verdict: str
    why: str


def seconds(value: float) -> str:
    """A duration for people: 42 s, 12.5 min, 2.0 h."""
    if value < 120:
        return f"{value:.3g} s"
    if value < 7200:
        return f"{value / 60:.3g} min"
    return f"{value / 3600:.3g} h"


def duration(claim: Span, small: float | None, large: float | None, sizes: tuple[int, int]) -> ClaimVerdict:
    """A duration claim against the median on a small and on a large fleet."""
    measured = [(n, v) for n, v in zip(sizes, (small, large), strict=True) if v is not None]
    if not measured:
        return ClaimVerdict(INCONSISTENT, "never measured: no run got that far")
    held = [claim.holds(v) for _, v in measured]
    said = ", ".join(f"{seconds(v)} on {n:,} nodes" for n, v in measured)
    if all(held):
        return ClaimVerdict(CONSISTENT, f"median {said}, within {claim.text}")
    if not any(held):
        side = (
            "above"
            if all(v > claim.high for _, v in measured)
            else "below"
            if all(v < claim.low for _, v in measured)
            else "outside"
        )
        return ClaimVerdict(INCONSISTENT, f"median {said}: {side} {claim.text}")
    return ClaimVerdict(
        DEPENDS,
        f"median {said}: within {claim.text} only on "
        + " and ".join(f"{n:,}" for (n, _), h in zip(measured, held, strict=True) if h),
    )


def ordinal(
    claims: dict[str, str],
    scale: tuple[str, ...],
    measured: dict[str, float],
    *,
    higher_word_higher_value: bool,
    unit: str,
) -> dict[str, ClaimVerdict]:
    """Each strategy's claim against every other strategy the guide ranks apart from it."""
    rank = {word: i for i, word in enumerate(scale)}

    def said(value: float) -> str:
        return seconds(value) if unit == "s" else f"{value:.3g} {unit}"

    out = {}
    for a, word in claims.items():
        wrong = []
        for b, other in claims.items():
            if a == b or rank[word] == rank[other] or a not in measured or b not in measured:
                continue
            above = rank[word] > rank[other]
            bigger = measured[a] > measured[b]
            if measured[a] != measured[b] and above != (bigger == higher_word_higher_value):
                wrong.append(f"{b} ({other}, {said(measured[b])})")
        if a not in measured:
            out[a] = ClaimVerdict(INCONSISTENT, "not measured")
        elif wrong:
            out[a] = ClaimVerdict(INCONSISTENT, f"{said(measured[a])}, yet ranked against " + "; ".join(wrong))
        else:
            out[a] = ClaimVerdict(CONSISTENT, f"{said(measured[a])}, ordered as the guide ranks it")
    return out


def level(claim: str, measured: float, threshold: float, words: tuple[str, str], unit: str) -> ClaimVerdict:
    """A two-word claim ("Low"/"High") against a measured value and the threshold between."""
    said = words[1] if measured >= threshold else words[0]
    verdict = CONSISTENT if said == claim else INCONSISTENT
    return ClaimVerdict(verdict, f"{measured:.3g} {unit} ({said}: {words[1]} from {threshold:g} {unit})")
