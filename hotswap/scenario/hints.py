"""Warnings about likely mistakes that are still valid input: a scenario that says what
was probably not meant runs as written, with one line on stderr."""

from __future__ import annotations

from hotswap.scenario.model import Scenario

CODES = ("unit", "triggers")  # the warnings' codes, in records as in these lists
PERCENT_METRICS = ("error_rate", "crash_rate")
SMALLEST_LIKELY_PERCENT = 0.1


def warnings(scenario: Scenario) -> list[dict[str, str]]:
    """Every hint about ``scenario``: unit mix-ups, then replaced default triggers."""
    return unit_warnings(scenario) + trigger_warnings(scenario)


def unit_warnings(scenario: Scenario) -> list[dict[str, str]]:
    """Percent trigger thresholds below 0.1, where a fraction (0.05 for 5%) was probably
    meant; each as ``{"code": "unit", "field": ..., "message": ...}``."""
    out = []
    for i, trigger in enumerate(scenario.deployment.auto_rollback.triggers):
        if trigger.metric in PERCENT_METRICS and 0 < trigger.threshold < SMALLEST_LIKELY_PERCENT:
            out.append(
                {
                    "code": "unit",
                    "field": f"deployment.autoRollback.triggers[{i}].threshold",
                    "message": f"{trigger.metric} thresholds are in percent: {trigger.threshold:g} means "
                    f"{trigger.threshold:g}%; for {100 * trigger.threshold:g}% write {100 * trigger.threshold:g}",
                }
            )
    return out


def trigger_warnings(scenario: Scenario) -> list[dict[str, str]]:
    """A ``triggers`` list that leaves out some of the default triggers, which it replaces
    (not adds to); as ``{"code": "triggers", "field": ..., "message": ...}``."""
    message = scenario.deployment.auto_rollback.replaced_triggers()
    return [{"code": "triggers", "field": "deployment.autoRollback.triggers", "message": message}] if message else []
