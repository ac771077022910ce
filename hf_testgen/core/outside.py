"""Values from outside the process read with bounds: JSON text, numbers, dates, and the warnings they cause.

Every reader of a file or line someone else wrote (the registry, benchmarks.json, results lines,
goldens) decodes it with `loads`, so that no input can end in a traceback: not JSON nested 100,000
deep (`RecursionError`), not a 5,000-digit integer (Python's int-str limit, a plain `ValueError`).
Nesting too deep is one `OutsideValueError`; a number that cannot be a
value (NaN, Infinity, 1e400, an integer of more than MAX_INT_DIGITS digits) decodes as infinity,
which every field check (`number`) refuses, so one bad field skips its row, not the file. Duplicate
keys are kept once (the first, as a duplicate candidate row is) and reported, so the caller can warn.

A leaf module: it imports nothing from the package.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

MAX_JSON_DEPTH = 100  # the registry is 6 deep, a goldens file about 8
MAX_INT_DIGITS = 30  # a count of bytes or parameters has at most 16 digits
MAX_NUMBER = 1e15  # bytes, parameters, downloads, MB, seconds: anything larger is a corrupt value
FUTURE_SLACK = timedelta(days=1)  # clocks and time zones differ; more than this ahead is not a real date
SHOWN_WARNINGS = 3  # repeated warnings: this many examples, then one line with the count


class OutsideValueError(ValueError):
    """A value from outside that cannot be used; the message says what is wrong (the caller adds where)."""


def loads(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> tuple[Any, list[str]]:
    """Decode JSON text with bounds: (value, the keys that were duplicated in some object).

    Raises:
        OutsideValueError: not JSON, or nested deeper than `max_depth`.
    """
    duplicates: list[str] = []

    def first_of_each_key(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)  # in C; the loop below runs only for an object that repeats a key
        if len(obj) == len(pairs):
            return obj
        obj = {}
        for key, value in pairs:
            if key in obj:
                duplicates.append(key)
            else:
                obj[key] = value
        return obj

    # Integers go through Python's own parser (fast) unless one is too long for it: only then is
    # every integer parsed by `_bounded_int`. A float that overflows (1e400) is already infinity.
    options: dict[str, Any] = {"object_pairs_hook": first_of_each_key, "parse_constant": _no_constant}
    try:
        try:
            value = json.loads(text, **options)
        except ValueError as err:
            if isinstance(err, json.JSONDecodeError):
                raise
            duplicates.clear()
            value = json.loads(text, parse_int=_bounded_int, **options)  # the int-str digit limit
    except json.JSONDecodeError as err:
        raise OutsideValueError(f"not valid JSON ({err.msg} at line {err.lineno} column {err.colno})") from None
    except RecursionError:
        raise OutsideValueError("not usable JSON (nested too deeply)") from None
    except ValueError as err:
        raise OutsideValueError(f"not usable JSON ({err})") from None
    if _depth_over(value, max_depth):
        raise OutsideValueError(f"not usable JSON (nested more than {max_depth} levels deep)")
    return value, duplicates


def _bounded_int(text: str) -> int | float:
    """An integer, or infinity past MAX_INT_DIGITS digits (int() would raise past Python's 4,300)."""
    return math.inf if len(text.lstrip("-")) > MAX_INT_DIGITS else int(text)


def _no_constant(name: str) -> float:
    return math.nan if name == "NaN" else math.inf  # NaN and Infinity are not JSON: refused by the field's check


def _depth_over(value: Any, limit: int) -> bool:
    """Whether `value` nests containers more than `limit` deep (iterative: no recursion to exhaust).

    On the start-up path (the registry, benchmarks.json), so it visits containers only and compares
    exact types: a scalar is never pushed.
    """
    stack: list[tuple[Any, int]] = [(value, 1)] if type(value) in (dict, list) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        for child in item.values() if type(item) is dict else item:
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1))
    return False


def number(
    value: object,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float = MAX_NUMBER,
    whole: bool = False,
) -> float | int | None:
    """A JSON number within bounds (None stays None); a bool, a string ("nan"), NaN or infinity is refused.

    Raises:
        OutsideValueError: naming the field, the value and what is accepted.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OutsideValueError(f"field {name!r}: {_shown(value)} is not a finite number")
    if whole and value != int(value):
        raise OutsideValueError(f"field {name!r}: {_shown(value)} is not a whole number")
    if minimum is not None and value < minimum:
        raise OutsideValueError(f"field {name!r}: {_shown(value)} is below {minimum:g}")
    if abs(value) > maximum:
        raise OutsideValueError(f"field {name!r}: {_shown(value)} is above the largest accepted value ({maximum:g})")
    return value


def parse_datetime(text: object, name: str) -> datetime:
    """An ISO date or date-time from outside, timezone-aware (UTC when it names none).

    Raises:
        OutsideValueError: not a string, or not an ISO date.
    """
    if not isinstance(text, str) or len(text) > 40:
        raise OutsideValueError(f"field {name!r}: {_shown(text)} is not an ISO date")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise OutsideValueError(f"field {name!r}: {_shown(text)} is not an ISO date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def clamp_to_now(moment: datetime | None, now: datetime | None = None) -> datetime | None:
    """`moment` as an aware UTC date no later than `now` (default: the clock); None stays None.

    A date in the future is never a fact: a wrong clock or a hostile value, and it would win every
    "most recent" comparison for ever (a `lastModified` of 9999 ranked first). A naive date is UTC.
    """
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return min(aware.astimezone(timezone.utc), now or datetime.now(timezone.utc))


def in_future(moment: datetime, now: datetime | None = None) -> bool:
    """Whether a date from outside lies ahead of now by more than a clock's error (a forged or broken date)."""
    return moment > (now or datetime.now(timezone.utc)) + FUTURE_SLACK


def collapse(messages: Sequence[str], *, shown: int = SHOWN_WARNINGS, what: str = "more like these") -> list[str]:
    """Repeated warnings as a few examples and one line with the count (10,000 bad rows are 4 lines, not 10,000)."""
    if len(messages) <= shown + 1:
        return list(messages)
    rest = len(messages) - shown
    return [*messages[:shown], f"... and {rest:,} {what} ({len(messages):,} in all)"]


def _shown(value: object) -> str:
    """A value for a message: bounded (a 5,000-digit number or a 1 MB string is cut)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} (NaN, Infinity, an overflowing number or an integer of over {MAX_INT_DIGITS} digits)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_endpoint(url: str) -> str:
    """An HF_ENDPOINT: http(s), a host, a valid port, no whitespace or control characters; the URL
    without a trailing slash. `urlsplit` raises on "[::1" and `.port` on ":99999"; a CR/LF would
    split an HTTP header.

    Raises:
        OutsideValueError: what is wrong and what is accepted.
    """
    import urllib.parse

    expected = "expected http(s)://host[:port][/path], e.g. https://huggingface.co"
    if any(ch.isspace() or not ch.isprintable() for ch in url) or len(url) > 2000:
        raise OutsideValueError(f"holds whitespace or control characters; {expected}")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise OutsideValueError(f"not a URL ({err}); {expected}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutsideValueError(expected)
    if port == 0:
        raise OutsideValueError(f"port 0 is not a port; {expected}")
    return url.rstrip("/")
