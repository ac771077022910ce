"""The filters every level of the chain applies, and the ranking formula.

Ranking score (higher is better)::

    score = 1.0 * log10(1 + downloads)
          + 0.2 * log10(1 + likes)
          + 0.2 * log10(1 + trending_score)
          + 0.5 * recency            # 1 if modified today, falling linearly to 0 at two years
          + 1.0 * direct_evidence    # 1 if the checkpoint itself (tag, architectures) names the task's head
          + 0.5 * reference          # 1 if transformers' integration tests state outputs for it that the
                                     # generated test replays (data/reference_outputs.json): among
                                     # near-equals, the one whose test can fail without a local golden
          + 2.0 * benchmark          # 0..1: mean position between the worst and best candidate on
                                     # each benchmarks.json metric for this task and hardware (on cpu
                                     # hardware this includes the generated tests' measured latency)

Downloads dominate: likes, trending and recency together add at most about 2.1 for any realistic
figures (100k likes, trending 1000), less than the 2.18 of 150 times the downloads, so a checkpoint
with 6k downloads never beats one with 150x as many on popularity side-signals.
Ties are broken by direct evidence, then by the smaller checkpoint, then by model id, so the order
is the same on every machine.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..core.errors import RegistryError
from ..core.records import Framework, LoadDtype, ModelCandidate, RejectionKind, SizeEstimate
from ..facts.benchmarks import BenchmarkResult, Benchmarks, MeasuredRun
from ..facts.reference import checkpoints as reference_checkpoints
from ..facts.sizing import candidate_weights_at
from .fitness import task_fitness

WEIGHTS = {
    "downloads": 1.0,
    "likes": 0.2,
    "trending": 0.2,
    "recency": 0.5,
    "task_match": 1.0,
    "reference": 0.5,
    "benchmark": 2.0,
}
RECENCY_HORIZON_DAYS = 730
# At the implicit limit (this machine), an estimate of at most this share of it passes: estimates are
# figured high (fp32, the largest size a word stands for), so being 4x too low is not a realistic risk.
ESTIMATE_SHARE_OF_IMPLICIT_LIMIT = 0.25
# Weights below this (250k fp32 parameters) are a test fixture or a stub: the smallest trained
# checkpoints we know are several MB (timm/dla46x_c.in1k 4.3 MB, google/deeplabv3_mobilenet_v2 10.5 MB).
SMALLEST_TRAINED_MB = 1.0

@dataclass(frozen=True)
class Constraints:
    """The hard filters of one selection, identical at every level."""

    task: str | None
    framework: Framework = "pytorch"
    max_size_mb: float | None = None
    size_limit_label: str = ""  # e.g. "the cpu-small profile", "--max-size" or "this machine (...)"
    allow_gated: bool = False
    model_type: str | None = None  # whose head classes the task filter looks for
    # benchmarks.json's measured peak memory decides the fit when recorded for this hardware kind
    measured: Benchmarks | None = field(default=None, compare=False)
    hardware_kind: str | None = None  # "cpu", "gpu", or None (a bare --max-size: any kind's figure)
    load_dtype: LoadDtype = "auto"  # the dtype the generated test loads the weights in: sizes are at it
    # The limit is this machine's, not one the user set: an estimate of at most a quarter of it passes
    # too (with a note), unless --strict-size. An explicit limit always needs an exact or upper figure.
    implicit_limit: bool = False
    strict_size: bool = False

    def weights(self, candidate: ModelCandidate) -> SizeEstimate:
        """The candidate's weight memory at the load dtype."""
        return candidate_weights_at(candidate, self.load_dtype)

    def estimate_allowance_mb(self) -> float | None:
        """The largest estimate that passes, or None when no estimate may pass."""
        if self.max_size_mb is None or not self.implicit_limit or self.strict_size:
            return None
        return self.max_size_mb * ESTIMATE_SHARE_OF_IMPLICIT_LIMIT

    def measured_peak(self, candidate: ModelCandidate) -> MeasuredRun | None:
        if self.measured is None or self.max_size_mb is None:
            return None
        return self.measured.measured_peak(candidate.model_id, candidate.sha, self.hardware_kind)


def task_rejection(candidate: ModelCandidate, constraints: Constraints) -> str | None:
    verdict = task_fitness(candidate, constraints.task, constraints.model_type)
    return None if verdict.fits else verdict.text


def size_rejection(candidate: ModelCandidate, constraints: Constraints) -> str | None:
    """A hard limit is passed by a measured peak memory that fits, or by an exact size or an upper
    bound that fits, never by an estimate; a measured peak memory over the limit fails it.

    The measured figure (the model on this kind of hardware, see `benchmarks.MeasuredRun`) is what
    running the test really took, so it overrides an estimate; it never overrides exact or
    upper-bound weights that are already over the limit.
    """
    limit = constraints.max_size_mb
    if limit is None:
        return None
    of_limit = f"the {limit:,.0f} MB limit of {constraints.size_limit_label}"
    measured = constraints.measured_peak(candidate)
    if measured is not None and measured.peak_memory_mb > limit:
        return f"measured peak memory {measured.peak_memory_mb:,.0f} MB ({measured.describe()}) exceeds {of_limit}"
    allowance = constraints.estimate_allowance_mb()
    by_weights = _weights_rejection(constraints.weights(candidate), limit, of_limit, allowance)
    if measured is not None and by_weights is not None and _is_estimate(candidate):
        return None  # the measurement shows it fits; `measured_fit_text` says so
    return by_weights


def measured_fit_text(candidate: ModelCandidate, constraints: Constraints) -> str | None:
    """Why a candidate passed the size filter on a measured figure, or None when no measurement applied."""
    measured = constraints.measured_peak(candidate)
    if measured is None or constraints.max_size_mb is None or measured.peak_memory_mb > constraints.max_size_mb:
        return None
    limit = constraints.max_size_mb
    text = (
        f"size: measured peak memory {measured.peak_memory_mb:,.0f} MB ({measured.describe()}) fits the "
        f"{limit:,.0f} MB limit of {constraints.size_limit_label}"
    )
    if _is_estimate(candidate):
        size = candidate.size
        weights = f"only estimated ({size.mb:,.0f} MB from {size.method})" if size else "unknown"
        return f"{text}; its weight size is {weights}, so the measured figure decided"
    return f"{text}; its weight size fits too"


def estimate_note(size: SizeEstimate, constraints: Constraints) -> str:
    """Why an estimated size was accepted: no limit, or at most a quarter of this machine's."""
    head = f"size: {size.mb:,.0f} MB is only estimated from {size.method}"
    if constraints.max_size_mb is None:
        return f"{head}; no size limit applied"
    return (
        f"{head}; accepted as at most a quarter of the {constraints.max_size_mb:,.0f} MB limit of "
        f"{constraints.size_limit_label} (--strict-size refuses estimates)"
    )


def _is_estimate(candidate: ModelCandidate) -> bool:
    return candidate.size is None or candidate.size.bound == "estimate"


def _weights_rejection(size: SizeEstimate, limit: float, of_limit: str, allowance: float | None) -> str | None:
    """The weight-size rule: an exact size or an upper bound that fits passes; an estimate passes only
    within `allowance` (a share of an implicit limit), else it is named as only estimated."""
    if size.bound == "estimate":
        if allowance is not None and size.mb <= allowance:
            return None
        why = (
            f"more than a quarter of {of_limit}" if allowance is not None else f"which cannot prove it fits {of_limit}"
        )
        return f"size only estimated ({size.mb:,.0f} MB from {size.method}), {why}"
    if size.mb <= limit:
        return None
    how = "exact" if size.exact else f"upper bound from {size.method}"
    return f"{size.mb:,.0f} MB ({how}) exceeds {of_limit}"


def test_model_rejection(candidate: ModelCandidate) -> str | None:
    if candidate.is_tiny_test_model:
        return "a random-weight test checkpoint (used only as the generated file's TINY_MODEL_ID)"
    size = candidate.size
    if size is not None and size.bound != "estimate" and size.mb < SMALLEST_TRAINED_MB:
        # poolside/Laguna-tiny-per-element (0.7 MB) is a test fixture whatever its id says
        return f"weights of {size.mb:,.1f} MB: too small for a trained model (a test fixture or a stub)"
    return None


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


def rejection_reason(candidate: ModelCandidate, constraints: Constraints) -> tuple[RejectionKind, str] | None:
    """(kind, reason) of the first filter the candidate fails, or None when it passes them all."""
    checks: tuple[tuple[RejectionKind, str | None], ...] = (
        ("test-model", test_model_rejection(candidate)),
        ("access", access_rejection(candidate, constraints.allow_gated)),
        ("task", task_rejection(candidate, constraints)),
        ("framework", framework_rejection(candidate, constraints.framework)),
        ("size", size_rejection(candidate, constraints)),
    )
    return next(((kind, reason) for kind, reason in checks if reason is not None), None)


def partition(
    candidates: Iterable[ModelCandidate], constraints: Constraints
) -> tuple[list[ModelCandidate], list[tuple[ModelCandidate, tuple[RejectionKind, str]]]]:
    """(kept, [(rejected, (kind, reason))]) — each id once, first occurrence wins."""
    kept: list[ModelCandidate] = []
    rejected: list[tuple[ModelCandidate, tuple[RejectionKind, str]]] = []
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
    exclude_metrics: frozenset[str] = frozenset(),
) -> dict[str, float]:
    """0..1 per candidate: its mean normalised position on each applicable metric."""
    by_metric: dict[str, dict[str, BenchmarkResult]] = {}
    for candidate in candidates:
        try:
            results = benchmarks.for_model(candidate.model_id)
        except RegistryError:  # a malformed row must not break selection; it just earns no bonus
            results = ()
        for result in results:
            if result.metric not in exclude_metrics and result.applies_to(task, hardware_kind, profile):
                by_metric.setdefault(result.metric, {})[candidate.model_id] = result
    positions: dict[str, list[float]] = {}
    for results in by_metric.values():
        values = [r.value for r in results.values()]
        low, high = min(values), max(values)
        for model_id, result in results.items():
            position = 1.0 if high == low else (result.value - low) / (high - low)
            positions.setdefault(model_id, []).append(position if result.higher_is_better else 1.0 - position)
    return {model_id: sum(p) / len(p) for model_id, p in positions.items()}


def direct_evidence(candidate: ModelCandidate, task: str | None, model_type: str | None = None) -> bool:
    """The checkpoint itself (its tag or architectures) names the task's head: fine-tuned or tagged for it."""
    return task is not None and task_fitness(candidate, task, model_type).direct


def score(
    candidate: ModelCandidate, *, now: datetime, direct: bool = False, benchmark: float = 0.0, reference: bool = False
) -> float:
    """The ranking formula of the module docstring; `direct` is `direct_evidence` for the task."""
    return (
        WEIGHTS["downloads"] * math.log10(1 + max(candidate.downloads, 0))
        + WEIGHTS["likes"] * math.log10(1 + max(candidate.likes, 0))
        + WEIGHTS["trending"] * math.log10(1 + max(candidate.trending_score, 0.0))
        + WEIGHTS["recency"] * recency(candidate, now)
        + WEIGHTS["task_match"] * direct
        + WEIGHTS["benchmark"] * benchmark
        + WEIGHTS["reference"] * reference
    )


def rank(
    candidates: Sequence[ModelCandidate],
    *,
    task: str | None,
    now: datetime,
    benchmarks: Benchmarks | None = None,
    hardware_kind: str | None = None,
    profile: str | None = None,
    model_type: str | None = None,
    exclude_metrics: frozenset[str] = frozenset(),
) -> list[ModelCandidate]:
    """Candidates best first (see the module docstring for the formula); `exclude_metrics` shows
    what the order would be without some benchmark metrics (--explain)."""
    bench: dict[str, float] = {}
    if benchmarks is not None:
        bench = benchmark_scores(
            candidates,
            benchmarks,
            task=task,
            hardware_kind=hardware_kind,
            profile=profile,
            exclude_metrics=exclude_metrics,
        )
    referenced = frozenset(reference_checkpoints()) if candidates else frozenset()

    def key(candidate: ModelCandidate) -> tuple[float, bool, float, str]:
        direct = direct_evidence(candidate, task, model_type)  # task_fitness once per candidate, not twice
        benchmark = bench.get(candidate.model_id, 0.0)
        s = score(candidate, now=now, direct=direct, benchmark=benchmark, reference=candidate.model_id in referenced)
        size = candidate.size.bytes if candidate.size else math.inf
        return (-round(s, 9), not direct, size, candidate.model_id)

    return sorted(candidates, key=key)
