"""Dates from outside (Hub replies, files): aware, in UTC, and never later than now.

A date in the future is never a fact: it is a clock that is wrong or a value that is hostile, and
it would win every "most recent" comparison for ever (issue 15: a `lastModified` of 9999 ranked
first; a registry dated 9999 was "not stale" for ever). The shared rule is to clamp it to now.
"""

from __future__ import annotations

from datetime import datetime, timezone


def clamp_to_now(moment: datetime | None, now: datetime | None = None) -> datetime | None:
    """`moment` as an aware UTC date no later than `now` (default: the clock); None stays None.

    A naive date is read as UTC (the Hub's dates are UTC with a `Z`).
    """
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    limit = now or datetime.now(timezone.utc)
    return min(aware.astimezone(timezone.utc), limit)
