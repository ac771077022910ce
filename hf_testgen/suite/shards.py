"""Split the generated suite into N shards by model type (`test_generator_fixed.py --all --shard I/N`).

Each shard of a CI matrix generates and runs only its own model types, so the split must be the
same in every job: it depends only on the list of types and on benchmarks.json, never on the
machine or the order of the jobs.

- With measured times (benchmarks.json's `"measured"` entries, load + inference seconds per model
  type): greedy longest-first, each type to the shard with the least total so far (ties: the lower
  shard), so shards take about the same wall time. A type never measured counts as the median of
  the measured ones.
- Without: a hash of the type's name, so a type keeps its shard when others are added or removed.
"""

from __future__ import annotations

import hashlib
import math
import re
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..core.errors import RegistryError, UsageError

MAX_SHARDS = 1000  # more jobs than model types is a typo; 10^8 shards would fill the memory
_SHARD_RE = re.compile(r"([0-9]{1,4})/([0-9]{1,4})", re.ASCII)  # str.isdigit takes "²" and "３"
MAX_SECONDS = 1e7


def parse_shard(text: str) -> tuple[int, int]:
    """"I/N" → (I, N), 1 <= I <= N <= MAX_SHARDS, in ASCII digits.

    Raises:
        UsageError: not of that form.
    """
    found = _SHARD_RE.fullmatch(text.strip())
    if found and 1 <= int(found[1]) <= int(found[2]) <= MAX_SHARDS:
        return int(found[1]), int(found[2])
    shown = text if len(text) <= 40 else text[:37] + "..."
    raise UsageError(f"--shard {shown!r}: expected I/N with 1 <= I <= N <= {MAX_SHARDS}, e.g. 2/4")


def hash_shard(model_type: str, count: int) -> int:
    """0-based shard of a type by its name alone (sha256: the same on every machine and Python)."""
    return int.from_bytes(hashlib.sha256(model_type.encode("utf-8")).digest()[:8], "big") % count


def balanced(names: Sequence[str], count: int, seconds: Mapping[str, float]) -> list[list[str]]:
    """Greedy longest-first over `seconds` (unknown types: the median of the known ones)."""
    usable = {name: value for name, value in seconds.items() if _usable_seconds(value)}  # NaN would tie everything
    known = [usable[name] for name in names if name in usable]
    fallback = statistics.median(known) if known else 1.0
    cost = {name: usable.get(name, fallback) for name in names}
    shards: list[list[str]] = [[] for _ in range(count)]
    totals = [0.0] * count
    for name in sorted(names, key=lambda n: (-cost[n], n)):
        target = min(range(count), key=lambda i: (totals[i], i))
        shards[target].append(name)
        totals[target] += cost[name]
    return shards


def assign(names: Sequence[str], count: int, seconds: Mapping[str, float] | None = None) -> list[list[str]]:
    """Every name in exactly one of `count` shards, each shard in the order of `names`."""
    unique = list(dict.fromkeys(names))
    if seconds and any(name in seconds for name in unique):
        shards = balanced(unique, count, seconds)
    else:
        shards = [[] for _ in range(count)]
        for name in unique:
            shards[hash_shard(name, count)].append(name)
    position = {name: i for i, name in enumerate(unique)}
    return [sorted(shard, key=position.__getitem__) for shard in shards]


def shard_of(names: Sequence[str], index: int, count: int, seconds: Mapping[str, float] | None = None) -> list[str]:
    """The names of shard `index` (1-based) of `count`."""
    return assign(names, count, seconds)[index - 1]


def measured_seconds(document: Mapping[str, Any]) -> dict[str, float]:
    """Load + inference seconds per model type from benchmarks.json's measured entries (cpu runs
    first, as CI shards run on cpu; the largest when a type has several models)."""
    per_type: dict[str, tuple[bool, float]] = {}
    for entries in (document.get("measured") or {}).values():
        for entry in entries if isinstance(entries, list) else ():
            model_type = entry.get("model_type") if isinstance(entry, dict) else None
            if not isinstance(model_type, str):
                continue
            load, inference = entry.get("load_seconds"), entry.get("inference_seconds")
            if not (_usable_seconds(load) and _usable_seconds(inference)):
                continue  # "nan", a string, a bool, a negative or huge time: not a measurement
            total = float(load) + float(inference)
            candidate = (entry.get("device") == "cpu", total)
            per_type[model_type] = max(per_type.get(model_type, candidate), candidate)
    return {model_type: total for model_type, (_, total) in per_type.items()}


def seconds_from_file(path: Path) -> dict[str, float]:
    """`measured_seconds` of a benchmarks file; an unusable or missing file gives none (hash split)."""
    from .merge import load_document

    try:
        return measured_seconds(load_document(Path(path)))
    except RegistryError:
        return {}


def _usable_seconds(value: object) -> bool:
    """A real number of seconds: not a string ("nan"), a bool, NaN, negative or absurdly large."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= MAX_SECONDS
    )
