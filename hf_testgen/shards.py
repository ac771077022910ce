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
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import RegistryError, UsageError


def parse_shard(text: str) -> tuple[int, int]:
    """"I/N" → (I, N), 1 <= I <= N.

    Raises:
        UsageError: not of that form.
    """
    index, slash, count = text.strip().partition("/")
    if slash and index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count):
        return int(index), int(count)
    raise UsageError(f"--shard {text!r}: expected I/N with 1 <= I <= N, e.g. 2/4")


def hash_shard(model_type: str, count: int) -> int:
    """0-based shard of a type by its name alone (sha256: the same on every machine and Python)."""
    return int.from_bytes(hashlib.sha256(model_type.encode("utf-8")).digest()[:8], "big") % count


def balanced(names: Sequence[str], count: int, seconds: Mapping[str, float]) -> list[list[str]]:
    """Greedy longest-first over `seconds` (unknown types: the median of the known ones)."""
    known = [seconds[name] for name in names if name in seconds]
    fallback = statistics.median(known) if known else 1.0
    cost = {name: seconds.get(name, fallback) for name in names}
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
            try:
                total = float(entry["load_seconds"]) + float(entry["inference_seconds"])
            except (KeyError, TypeError, ValueError):
                continue
            candidate = (entry.get("device") == "cpu", total)
            per_type[model_type] = max(per_type.get(model_type, candidate), candidate)
    return {model_type: total for model_type, (_, total) in per_type.items()}


def seconds_from_file(path: Path) -> dict[str, float]:
    """`measured_seconds` of a benchmarks file; an unusable or missing file gives none (hash split)."""
    from .results_merge import load_document

    try:
        return measured_seconds(load_document(Path(path)))
    except RegistryError:
        return {}
