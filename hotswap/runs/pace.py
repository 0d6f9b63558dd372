"""The pace of a run on the real fleet (and of its twin): how much faster than the
scenario its waits run, and how many requests the router sends.

The scaled-down fleet keeps the scenario's traffic per node, so the traffic it asks for
is ``trafficPerNode`` (with traffic over time, the curve's peak: the router follows the
curve below it) times its active workers per scenario-second; at time scale ``S``
the router must send ``S`` times that per second of wall time. It can send at most
``capacity`` (the profile's ``requestsPerSecond``, or ``--rate``). ``auto`` picks the
largest scale up to ``MAX_AUTO_SCALE`` at which it can; where no scale can (or a scale
given cannot), it sends what it can and the run says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AUTO_SCALE = 300.0


@dataclass(frozen=True)
class Pace:
    time_scale: float
    wall_rate: float  # requests per second of wall time the router sends, fleet-wide
    wanted: float  # requests per scenario-second the scenario's traffic asks of this fleet
    delivered: float  # requests per scenario-second the router delivers (during waits)

    @property
    def short(self) -> bool:
        """True when the router cannot deliver the scenario's traffic at this scale."""
        return self.delivered < self.wanted * (1 - 1e-9)

    def warning(self) -> str | None:
        """One line saying the traffic falls short, or None."""
        if not self.short:
            return None
        return (
            f"the router delivers {self.delivered:,.1f} requests per scenario-second at time scale "
            f"{self.time_scale:g}, not the scenario's {self.wanted:,.1f} (it sends at most "
            f"{self.wall_rate:,.0f} a second): triggers that count requests see fewer"
        )


def rate(wanted: float, time_scale: float) -> float:
    """Requests per wall second that deliver ``wanted`` per scenario-second at
    ``time_scale`` (the one place a traffic curve would come in)."""
    return wanted * time_scale


def pace(wanted: float, capacity: float, time_scale: float | None = None) -> Pace:
    """The pace for ``wanted`` requests per scenario-second with a router that sends at
    most ``capacity`` a wall second: at ``time_scale``, or ``auto`` (None)."""
    if time_scale is None:
        fits = capacity / wanted if wanted > 0 else MAX_AUTO_SCALE
        time_scale = float(max(1, min(MAX_AUTO_SCALE, math.floor(fits))))
    wall = min(capacity, rate(wanted, time_scale))
    return Pace(time_scale, wall, wanted, wall / time_scale)
