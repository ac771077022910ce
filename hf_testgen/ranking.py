"""The filters every level of the chain applies, and the ranking formula.

Ranking score (higher is better)::

    score = 1.0 * log10(1 + downloads)
          + 0.5 * log10(1 + likes)
          + 0.5 * log10(1 + trending_score)
          + 1.0 * recency            # 1 if modified today, falling linearly to 0 at two years
          + 1.0 * task_match         # 1 if the checkpoint's pipeline tag is the task itself
          + 2.0 * benchmark          # 0..1: mean position between the worst and best candidate on
                                     # each benchmarks.json metric for this task and hardware

Ties are broken by the smaller checkpoint, then by model id, so the order is the same on every
machine.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .benchmarks import BenchmarkResult, Benchmarks
from .errors import RegistryError
from .records import Framework, ModelCandidate

WEIGHTS = {
    "downloads": 1.0,
    "likes": 0.5,
    "trending": 0.5,
    "recency": 1.0,
    "task_match": 1.0,
    "benchmark": 2.0,
}
RECENCY_HORIZON_DAYS = 730

# Pipeline tags of base checkpoints that any head of their model type can be loaded from.
GENERIC_PIPELINE_TAGS = frozenset({"fill-mask", "feature-extraction", "text2text-generation", "sentence-similarity"})
# Tasks served by the same head, so a checkpoint tagged with one can be tested on another.
SAME_HEAD_TASKS = (
    frozenset({"summarization", "translation", "text2text-generation"}),
    frozenset({"image-to-text", "image-text-to-text", "visual-question-answering"}),
)


@dataclass(frozen=True)
class Constraints:
    """The hard filters of one selection, identical at every level."""

    task: str | None
    framework: Framework = "pytorch"
    max_size_mb: float | None = None
    size_limit_label: str = ""  # e.g. "cpu-small profile" or "--max-size"
    allow_gated: bool = False


def task_rejection(candidate: ModelCandidate, task: str | None) -> str | None:
    tag = candidate.pipeline_tag
    if task is None or tag is None or tag == task or tag in GENERIC_PIPELINE_TAGS:
        return None
    if any(task in group and tag in group for group in SAME_HEAD_TASKS):
        return None
    return f"pipeline tag {tag!r}, not {task!r}"


def size_rejection(candidate: ModelCandidate, constraints: Constraints) -> str | None:
    limit = constraints.max_size_mb
    if limit is None or candidate.size is None or candidate.size.mb <= limit:
        return None
    how = "exact" if candidate.size.exact else f"estimated from {candidate.size.method}"
    return f"{candidate.size.mb:,.0f} MB ({how}) exceeds the {limit:,.0f} MB limit of {constraints.size_limit_label}"


def framework_rejection(candidate: ModelCandidate, framework: Framework) -> str | None:
    if framework in candidate.frameworks:
        return None
    if not candidate.frameworks:
        # No file list and no tag evidence: transformers checkpoints without evidence are
        # PyTorch in practice; anything else is not trusted.
        if framework == "pytorch" and candidate.library_name in (None, "transformers", "timm"):
            return None
        return f"no evidence of {framework} weights"
    return f"no {framework} weights (has {', '.join(candidate.frameworks)})"


def access_rejection(candidate: ModelCandidate, allow_gated: bool) -> str | None:
    if allow_gated:
        return None
    for flag, word in (
        (candidate.disabled, "disabled"),
        (candidate.private, "private"),
        (candidate.gated, "gated"),
    ):
        if flag:
            return f"{word} (pass --allow-gated to accept it)"
    return None


def rejection_reason(candidate: ModelCandidate, constraints: Constraints) -> str | None:
    """The first filter the candidate fails, or None when it passes them all."""
    return (
        access_rejection(candidate, constraints.allow_gated)
        or task_rejection(candidate, constraints.task)
        or framework_rejection(candidate, constraints.framework)
        or size_rejection(candidate, constraints)
    )


def partition(
    candidates: Iterable[ModelCandidate], constraints: Constraints
) -> tuple[list[ModelCandidate], list[tuple[ModelCandidate, str]]]:
    """(kept, [(rejected, reason)]) — each id once, first occurrence wins."""
    kept: list[ModelCandidate] = []
    rejected: list[tuple[ModelCandidate, str]] = []
    seen: set[str] = set()
    for candidate in candidates:
        if candidate.model_id in seen:
            continue
        seen.add(candidate.model_id)
        reason = rejection_reason(candidate, constraints)
        if reason is None:
            kept.append(candidate)
        else:
            rejected.append((candidate, reason))
    return kept, rejected


def recency(candidate: ModelCandidate, now: datetime) -> float:
    if candidate.last_modified is None:
        return 0.0
    age_days = (now - candidate.last_modified).total_seconds() / 86_400
    return max(0.0, min(1.0, 1.0 - age_days / RECENCY_HORIZON_DAYS))


def benchmark_scores(
    candidates: Sequence[ModelCandidate],
    benchmarks: Benchmarks,
    *,
    task: str | None,
    hardware_kind: str | None = None,
    profile: str | None = None,
) -> dict[str, float]:
    """0..1 per candidate: its mean normalised position on each applicable metric."""
    by_metric: dict[str, dict[str, BenchmarkResult]] = {}
    for candidate in candidates:
        try:
            results = benchmarks.for_model(candidate.model_id)
        except RegistryError:  # a malformed row must not break selection; it just earns no bonus
            results = ()
        for result in results:
            if result.applies_to(task, hardware_kind, profile):
                by_metric.setdefault(result.metric, {})[candidate.model_id] = result
    positions: dict[str, list[float]] = {}
    for results in by_metric.values():
        values = [r.value for r in results.values()]
        low, high = min(values), max(values)
        for model_id, result in results.items():
            position = 1.0 if high == low else (result.value - low) / (high - low)
            positions.setdefault(model_id, []).append(position if result.higher_is_better else 1.0 - position)
    return {model_id: sum(p) / len(p) for model_id, p in positions.items()}


def score(candidate: ModelCandidate, *, task: str | None, now: datetime, benchmark: float = 0.0) -> float:
    return (
        WEIGHTS["downloads"] * math.log10(1 + max(candidate.downloads, 0))
        + WEIGHTS["likes"] * math.log10(1 + max(candidate.likes, 0))
        + WEIGHTS["trending"] * math.log10(1 + max(candidate.trending_score, 0.0))
        + WEIGHTS["recency"] * recency(candidate, now)
        + WEIGHTS["task_match"] * (1.0 if task is not None and candidate.pipeline_tag == task else 0.0)
        + WEIGHTS["benchmark"] * benchmark
    )


def rank(
    candidates: Sequence[ModelCandidate],
    *,
    task: str | None,
    now: datetime,
    benchmarks: Benchmarks | None = None,
    hardware_kind: str | None = None,
    profile: str | None = None,
) -> list[ModelCandidate]:
    """Candidates best first (see the module docstring for the formula)."""
    bench = (
        benchmark_scores(candidates, benchmarks, task=task, hardware_kind=hardware_kind, profile=profile)
        if benchmarks is not None
        else {}
    )

    def key(candidate: ModelCandidate) -> tuple[float, float, str]:
        s = score(candidate, task=task, now=now, benchmark=bench.get(candidate.model_id, 0.0))
        size = candidate.size.bytes if candidate.size else math.inf
        return (-round(s, 9), size, candidate.model_id)

    return sorted(candidates, key=key)
