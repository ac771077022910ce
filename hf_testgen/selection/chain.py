"""SelectionRequest → Selection: the fallback chain.

Levels, tried in order; a level that gives no answer raises `LevelSkipped` and its message is
recorded in `Selection.notes`:

1. `api_level`: live Hub candidates (one list request), unless the settings forbid calling it.
2. `registry_level`: the cached candidates of `model_registry.json`.
3. `size_step_down`: when the preferred models are too big, step down (large → base → small →
   tiny) among ids known to exist: everything seen so far and the static default. Never an
   invented id, and never a random-weight test checkpoint.
4. `static_level`: the curated static default of the model type.

Every level applies the same filters (`ranking.Constraints`) and the same ranking. Without a
hardware profile or `--max-size`, the limit is this machine's (`hardware.machine_limit`);
`hardware="none"` opts out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..core.config import Settings
from ..core.errors import HubUnavailableError, LevelSkipped, NoModelFitsError, RegistryError
from ..core.records import ModelCandidate, Note, Rejection, RejectionKind, Selection, Source, TinyModel
from ..facts.benchmarks import MEASURED_LATENCY_METRIC, BenchmarkResult, Benchmarks, load_benchmarks
from ..facts.hardware import HARDWARE_PROFILES
from ..facts.static_defaults import static_default
from ..registry.store import Registry
from .fitness import task_fitness
from .ranking import Constraints, estimate_note, measured_fit_text, partition, rank
from .request import (  # re-exported: the request's names were defined here before they had their module
    ResolvedRequest,
    SelectionRequest,
    hardware_kind,
    known_model_types,
    open_registry,
    resolve,
    resolved,
    size_limit,
)

__all__ = [
    "LEVELS",
    "ResolvedRequest",
    "SelectionRequest",
    "build_constraints",
    "hardware_kind",
    "known_model_types",
    "make_selection",
    "no_fit_error",
    "open_registry",
    "prepare_chain",
    "resolve",
    "select",
]


@dataclass
class _Chain:
    """What the levels share: the request, and everything seen and rejected so far."""

    model_type: str
    task: str | None
    constraints: Constraints
    settings: Settings
    now: datetime
    benchmarks: Benchmarks
    registry: Registry | None
    seen: list[ModelCandidate] = field(default_factory=list)
    rejected: dict[str, tuple[RejectionKind | str, str]] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    constraints_profile: str | None = None
    hardware_kind: str | None = None

    def reject(self, rejected: list[tuple[ModelCandidate, tuple[RejectionKind, str]]]) -> None:
        for candidate, verdict in rejected:
            self.rejected.setdefault(candidate.model_id, verdict)

    def rank(
        self, candidates: list[ModelCandidate], exclude_metrics: frozenset[str] = frozenset()
    ) -> list[ModelCandidate]:
        return rank(
            candidates,
            task=self.task,
            now=self.now,
            benchmarks=self.benchmarks,
            hardware_kind=self.hardware_kind,
            profile=self.constraints_profile,
            model_type=self.model_type,
            exclude_metrics=exclude_metrics,
        )

    def note_measured_latency(self, ranked: list[ModelCandidate]) -> None:
        """--explain: name the measured cpu latencies the ranking counted, and whether they decided the winner."""
        if len(ranked) < 2:
            return
        figures = {
            candidate.model_id: result.value
            for candidate in ranked
            for result in _results_or_none(self.benchmarks, candidate.model_id)
            if result.metric == MEASURED_LATENCY_METRIC
            and result.applies_to(self.task, self.hardware_kind, self.constraints_profile)
        }
        if not figures:
            return
        without = self.rank(ranked, exclude_metrics=frozenset({MEASURED_LATENCY_METRIC}))
        listed = ", ".join(f"{model_id} {value:.3g} s" for model_id, value in sorted(figures.items()))
        if without[0].model_id != ranked[0].model_id:
            verdict = f"it decided: {ranked[0].model_id} ranks first, {without[0].model_id} would without it"
        else:
            verdict = "the top of the order is the same without it"
        self.notes.append(Note("info", f"ranking: measured cpu inference latency counted ({listed}); {verdict}"))

    def choose(self, candidates: list[ModelCandidate]) -> ModelCandidate | None:
        """Filter and rank; remember every candidate and the first reason each was rejected."""
        self.seen.extend(candidates)
        kept, rejected = partition(candidates, self.constraints)
        self.reject(rejected)
        ranked = self.rank(kept)
        self.note_measured_latency(ranked)
        for candidate in ranked[1:]:
            self.rejected.setdefault(candidate.model_id, ("ranked", f"ranked below {ranked[0].model_id}"))
        return ranked[0] if ranked else None


Level = Callable[[_Chain], ModelCandidate]


def api_level(chain: _Chain) -> ModelCandidate:
    blocked = chain.settings.api_block_reason()
    if blocked:
        raise LevelSkipped(f"api: not called ({blocked})")
    from ..hub import client as hub  # imported here so that the static path never loads huggingface_hub

    try:
        candidates = hub.fetch_candidates(
            chain.model_type,
            task=chain.task,
            settings=chain.settings,
            gated=None if chain.constraints.allow_gated else False,
            max_size_mb=chain.constraints.max_size_mb,
            notes=chain.notes,
        )
    except HubUnavailableError as err:
        raise LevelSkipped(f"api: {err} ({err.reason}); falling back") from err
    if not candidates:
        raise LevelSkipped(f"api: the Hub lists no {chain.model_type} models for task {chain.task}")
    return _choose_or_skip(chain, candidates, "api")


def registry_level(chain: _Chain) -> ModelCandidate:
    if chain.registry is None:
        raise LevelSkipped("registry: not available")
    try:
        entry = chain.registry.entry(chain.model_type)
    except RegistryError as err:
        chain.registry = None
        raise LevelSkipped(f"registry unusable, falling through: {err}", severity="warning") from err
    candidates = list(entry.candidates) if entry is not None else []
    chain.notes.extend(entry.notes if entry is not None else ())
    if not candidates:
        raise LevelSkipped(f"registry: no entry for {chain.model_type}")
    return _choose_or_skip(chain, candidates, "registry")


def size_step_down(chain: _Chain) -> ModelCandidate:
    too_big = [mid for mid, (kind, _) in chain.rejected.items() if kind == "size"]
    if not too_big:
        raise LevelSkipped("size-fallback: no candidate was rejected for size")
    pool = list(chain.seen) + _static_candidates(chain)
    kept, rejected = partition(pool, chain.constraints)
    chain.reject(rejected)
    if not kept:
        raise LevelSkipped("size-fallback: no known smaller model fits")
    # The largest model that fits is the closest step down from the preferred one.
    ranked = chain.rank(kept)
    position = {c.model_id: i for i, c in enumerate(ranked)}
    weights = chain.constraints.weights
    kept.sort(key=lambda c: (-weights(c).bytes, position[c.model_id]))
    chain.notes.append(Note("info", f"size-fallback: stepped down from {too_big[0]} to {kept[0].model_id}"))
    return kept[0]


def static_level(chain: _Chain) -> ModelCandidate:
    entry = static_default(chain.model_type)
    if entry is None or entry.default is None:
        raise LevelSkipped(f"static-default: no curated checkpoint for {chain.model_type}")
    return _choose_or_skip(chain, [entry.default], "static-default")


LEVELS: tuple[tuple[Source, Level], ...] = (
    ("api", api_level),
    ("registry", registry_level),
    ("size-fallback", size_step_down),
    ("static-default", static_level),
)


def _choose_or_skip(chain: _Chain, candidates: list[ModelCandidate], level: str) -> ModelCandidate:
    best = chain.choose(candidates)
    if best is None:
        raise LevelSkipped(f"{level}: none of {len(candidates)} candidate(s) passes the filters")
    return best


def _static_candidates(chain: _Chain) -> list[ModelCandidate]:
    """The static default: a real id the step-down may fall to (tiny test checkpoints never are)."""
    entry = static_default(chain.model_type)
    return [entry.default] if entry is not None and entry.default is not None else []


def _tiny_models(chain: _Chain) -> Iterator[TinyModel]:
    """The registry's tiny checkpoint, then the static table's (lazily: most callers need one)."""
    try:
        entry = chain.registry.entry(chain.model_type) if chain.registry is not None else None
    except RegistryError:
        entry = None  # reported by registry_level; the static tiny model still counts
    if entry is not None and entry.tiny is not None:
        yield entry.tiny
    static = static_default(chain.model_type)
    if static is not None and static.tiny is not None:
        yield static.tiny


def build_constraints(
    request: SelectionRequest,
    task: str | None,
    model_type: str | None = None,
    *,
    measured: Benchmarks | None = None,
) -> Constraints:
    """The hard filters of a (resolved: values checked) request; the size limit is `request.size_limit`'s."""
    limit, label, implicit = size_limit(request)
    return Constraints(
        task=task,
        framework=request.framework,
        max_size_mb=limit,
        size_limit_label=label,
        allow_gated=request.allow_gated,
        model_type=model_type,
        measured=measured,
        hardware_kind=hardware_kind(request),
        load_dtype=request.dtype,
        implicit_limit=implicit,
        strict_size=request.strict_size,
    )


def prepare_chain(
    request: SelectionRequest | ResolvedRequest, settings: Settings, *, now: datetime | None = None
) -> _Chain:
    """Resolve the request (unless it is already) and set up what the levels share.

    Raises:
        UnknownModelTypeError, UnsupportedTaskError, UsageError: bad input.
    """
    answer = resolved(request, settings)
    notes = list(answer.notes)
    benchmarks = _benchmarks_or_warning(settings, notes)
    chain = _Chain(
        model_type=answer.model_type,
        task=answer.task,
        constraints=build_constraints(answer.request, answer.task, answer.model_type, measured=benchmarks),
        settings=settings,
        now=now or datetime.now(timezone.utc),
        benchmarks=benchmarks,
        registry=answer.registry,
        notes=notes,
        constraints_profile=answer.request.hardware if answer.request.hardware in HARDWARE_PROFILES else None,
        hardware_kind=hardware_kind(answer.request),
    )
    if answer.registry is not None:
        _warn_if_stale(answer.registry, settings, chain)
    return chain


def select(
    request: SelectionRequest | ResolvedRequest, settings: Settings, *, now: datetime | None = None
) -> Selection:
    """Run the fallback chain and return the chosen model (its `model_type` and `task` are the resolved ones).

    Raises:
        UnknownModelTypeError, UnsupportedTaskError, UsageError: bad input.
        NoModelFitsError: no known model meets a hard constraint (names the nearest).
    """
    chain = prepare_chain(request, settings, now=now)
    for source, level in LEVELS:
        try:
            chosen = level(chain)
        except LevelSkipped as skipped:
            chain.notes.append(Note(skipped.severity, str(skipped)))
            continue
        return make_selection(chain, chosen, source)
    raise no_fit_error(chain)


def _results_or_none(benchmarks: Benchmarks, model_id: str) -> tuple[BenchmarkResult, ...]:
    """A malformed row earns no bonus in the ranking (see `ranking.benchmark_scores`), and no note here."""
    try:
        return benchmarks.for_model(model_id)
    except RegistryError:
        return ()


def _benchmarks_or_warning(settings: Settings, notes: list[Note]) -> Benchmarks:
    try:
        return load_benchmarks(settings.benchmarks_path)
    except RegistryError as err:
        notes.append(Note("warning", f"benchmarks ignored: {err}"))
        return Benchmarks({})


def _warn_if_stale(registry: Registry, settings: Settings, chain: _Chain) -> None:
    age = registry.age_days(chain.now)
    if age > settings.max_registry_age_days:
        chain.notes.append(
            Note(
                "warning",
                f"{registry.path} is {registry.age_text(chain.now)} (MAX_REGISTRY_AGE_DAYS="
                f"{settings.max_registry_age_days}); refresh it with: python find_models.py --update-registry --all",
            )
        )


def make_selection(chain: _Chain, chosen: ModelCandidate, source: Source) -> Selection:
    """The chain's answer; `chosen` is a record, so its id was checked where its row was read."""
    tiny = next(iter(_tiny_models(chain)), None)
    chain.rejected.pop(chosen.model_id, None)
    size = chain.constraints.weights(chosen)
    measured_fit = measured_fit_text(chosen, chain.constraints)
    if measured_fit:
        chain.notes.append(Note("info", measured_fit))
    elif size is not None and size.bound == "estimate":
        chain.notes.append(Note("info", estimate_note(size, chain.constraints)))
    return Selection(
        model_id=chosen.model_id,
        model_type=chain.model_type,
        revision=chosen.sha,
        source=source,
        size=size,
        task=chain.task,
        framework=chain.constraints.framework,
        rejected=tuple(Rejection(mid, reason, kind) for mid, (kind, reason) in chain.rejected.items()),  # type: ignore[arg-type]
        notes=tuple(chain.notes),
        tiny_model_id=tiny.model_id if tiny else None,
        tiny_revision=tiny.sha if tiny else None,
        task_evidence=task_fitness(chosen, chain.task, chain.model_type).text if chain.task else None,
        size_limit_mb=chain.constraints.max_size_mb,
        size_limit_label=chain.constraints.size_limit_label or None,
        load_dtype=chain.constraints.load_dtype,
        candidate=chosen,
    )


def no_fit_error(chain: _Chain) -> NoModelFitsError:
    """Name the nearest option: the smallest real model rejected for size, else any rejected one."""
    pool = {c.model_id: c for c in chain.seen + _static_candidates(chain)}
    weights = chain.constraints.weights
    by_size = sorted(
        (pool[mid] for mid, (kind, _) in chain.rejected.items() if kind == "size" and mid in pool),
        key=lambda c: (weights(c).bytes, c.model_id),
    )
    if by_size:
        nearest = by_size[0]
        size = weights(nearest)
        if size.bound == "estimate":
            needs = f"is only estimated at {size.mb:,.1f} MB"
        else:
            needs = f"needs {size.mb:,.1f} MB, {size.bound}"
        message = (
            f"no known {chain.model_type} model for {chain.task} fits {chain.constraints.max_size_mb:,.0f} MB "
            f"({chain.constraints.size_limit_label}); the smallest real candidate, {nearest.model_id}, {needs} "
            f"({chain.rejected[nearest.model_id][1]})"
        )
        return NoModelFitsError("size", nearest.model_id, message)
    first = next((item for item in chain.rejected.items() if item[1][0] != "test-model"), None)
    message = f"no known {chain.model_type} model for task {chain.task} passes the filters"
    if first:
        message += f"; the nearest is {first[0]} ({first[1][1]})"
    return NoModelFitsError("filters", first[0] if first else None, message)
