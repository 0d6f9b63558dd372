import pytest

from hotswap.reports import guide, verdicts
from hotswap.reports.verdicts import CONSISTENT, DEPENDS, INCONSISTENT

SIZES = (65, 6500)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("15-30 min", 900, 1800),
        ("2-5 min", 120, 300),
        ("30 sec", 15, 60),
        ("2 min", 60, 240),
        ("2 hours", 3600, 14400),
    ],
)
def test_claims_read_as_spans(text, low, high):
    span = guide.span(text)
    assert (span.low, span.high) == (low, high)


def test_a_claim_that_is_no_duration_is_refused():
    with pytest.raises(ValueError, match="not a duration claim"):
        guide.span("Low")


def test_every_table_figure_of_the_guide_reads():
    for deploy, rollback, _ in guide.TABLE.values():
        assert guide.span(deploy).low < guide.span(deploy).high
        assert guide.span(rollback).low < guide.span(rollback).high


@pytest.mark.parametrize(
    ("small", "large", "verdict", "says"),
    [
        (1200, 1300, CONSISTENT, "within 15-30 min"),
        (30, 40, INCONSISTENT, "below 15-30 min"),
        (7200, 7300, INCONSISTENT, "above 15-30 min"),
        (1000, 100_000, DEPENDS, "only on 65"),
        (None, None, INCONSISTENT, "never measured"),
        (1200, None, CONSISTENT, "on 65 nodes"),
    ],
)
def test_duration_verdicts(small, large, verdict, says):
    found = verdicts.duration(guide.span("15-30 min"), small, large, SIZES)
    assert found.verdict == verdict
    assert says in found.why


def test_ordinal_verdict_names_the_pairs_the_measurements_reverse():
    claims = {"A": "Very Low", "B": "Low", "C": "Medium"}
    found = verdicts.ordinal(
        claims, guide.SCALES["Risk Level"], {"A": 1.0, "B": 2.0, "C": 3.0}, higher_word_higher_value=True, unit="%"
    )
    assert {k: v.verdict for k, v in found.items()} == dict.fromkeys("ABC", CONSISTENT)
    found = verdicts.ordinal(
        claims, guide.SCALES["Risk Level"], {"A": 50.0, "B": 2.0, "C": 3.0}, higher_word_higher_value=True, unit="%"
    )
    assert found["A"].verdict == INCONSISTENT and "B (Low, 2 %)" in found["A"].why and "C (Medium" in found["A"].why
    assert found["B"].verdict == INCONSISTENT and "A (Very Low" in found["B"].why
    # a faster word wants a smaller time
    speed = verdicts.ordinal(
        {"A": "Fast", "B": "Slow"},
        guide.SCALES["Deployment Speed"],
        {"A": 10.0, "B": 100.0},
        higher_word_higher_value=False,
        unit="s",
    )
    assert speed["A"].verdict == CONSISTENT == speed["B"].verdict


def test_equal_claims_are_not_compared_and_unmeasured_is_inconsistent():
    found = verdicts.ordinal(
        {"A": "Low", "B": "Low", "C": "High"},
        ("Low", "High"),
        {"A": 5.0, "B": 1.0},
        higher_word_higher_value=True,
        unit="%",
    )
    assert found["A"].verdict == CONSISTENT == found["B"].verdict
    assert found["C"].verdict == INCONSISTENT and found["C"].why == "not measured"


def test_level_verdict():
    assert verdicts.level("High", 100, 50, ("Low", "High"), "%").verdict == CONSISTENT
    assert verdicts.level("Low", 100, 50, ("Low", "High"), "%").verdict == INCONSISTENT
    assert verdicts.level("Low", 0, 50, ("Low", "High"), "%").verdict == CONSISTENT


def test_seconds_for_people():
    assert [verdicts.seconds(v) for v in (42, 750, 7260)] == ["42 s", "12.5 min", "2.02 h"]
