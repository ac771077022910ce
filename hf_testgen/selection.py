"""SelectionRequest → Selection: the fallback chain.

Levels, tried in order; a level that gives no answer raises `LevelSkipped` and its message is
recorded in `Selection.notes`:

1. `api_level`: live Hub candidates (one list request), unless the settings forbid calling it.
2. `registry_level`: the cached candidates of `model_registry.json`.
3. `size_step_down`: when the preferred models are too big, step down (large → base → small →
   tiny) among ids known to exist: everything seen so far, the static default and the tiny
   test checkpoints. Never an invented id.
4. `static_level`: the curated static default of the model type.

Every level applies the same filters (`ranking.Constraints`) and the same ranking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from . import tasks
from .benchmarks import Benchmarks, load_benchmarks
from .config import Settings
from .errors import HubUnavailableError, LevelSkipped, NoModelFitsError, RegistryError, UsageError
from .hardware import HARDWARE_PROFILES
from .ranking import Constraints, partition, rank
from .records import Framework, ModelCandidate, Note, Rejection, Selection, Source, validate_model_id
from .registry import Registry, TinyModel, load_registry
from .static_defaults import static_default


@dataclass(frozen=True)
class SelectionRequest:
    """What the user asked for. `hardware` is a profile name (already resolved from "auto")."""

    model_type: str
    task: str | None = None
    hardware: str | None = None
    max_size_mb: float | None = None
    framework: Framework = "pytorch"
    allow_gated: bool = False


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
    rejected: dict[str, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    constraints_profile: str | None = None

    def choose(self, candidates: list[ModelCandidate]) -> ModelCandidate | None:
        """Filter and rank; remember every candidate and the first reason each was rejected."""
        self.seen.extend(candidates)
        kept, rejected = partition(candidates, self.constraints)
        for candidate, reason in rejected:
            self.rejected.setdefault(candidate.model_id, reason)
        hardware_kind = HARDWARE_PROFILES[self.constraints_profile].kind if self.constraints_profile else None
        ranked = rank(
            kept,
            task=self.task,
            now=self.now,
            benchmarks=self.benchmarks,
            hardware_kind=hardware_kind,
            profile=self.constraints_profile,
        )
        for candidate in ranked[1:]:
            self.rejected.setdefault(candidate.model_id, f"ranked below {ranked[0].model_id}")
        return ranked[0] if ranked else None


Level = Callable[[_Chain], ModelCandidate]


def api_level(chain: _Chain) -> ModelCandidate:
    blocked = chain.settings.api_block_reason()
    if blocked:
        raise LevelSkipped(f"api: not called ({blocked})")
    from . import hub  # imported here so that the static path never loads huggingface_hub

    try:
        candidates = hub.fetch_candidates(
            chain.model_type, task=chain.task, settings=chain.settings, notes=chain.notes
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
    too_big = [mid for mid, reason in chain.rejected.items() if "exceeds" in reason]
    if not too_big:
        raise LevelSkipped("size-fallback: no candidate was rejected for size")
    pool = list(chain.seen) + _known_small_models(chain)
    kept, rejected = partition(pool, chain.constraints)
    for candidate, reason in rejected:
        chain.rejected.setdefault(candidate.model_id, reason)
    if not kept:
        raise LevelSkipped("size-fallback: no known smaller model fits")
    # The largest model that fits is the closest step down from the preferred one.
    ranked = rank(kept, task=chain.task, now=chain.now)
    position = {c.model_id: i for i, c in enumerate(ranked)}
    kept.sort(key=lambda c: (-(c.size.bytes if c.size else 0), position[c.model_id]))
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


def _known_small_models(chain: _Chain) -> list[ModelCandidate]:
    """The static default and the tiny test checkpoints: real ids the step-down may fall to."""
    found: list[ModelCandidate] = []
    entry = static_default(chain.model_type)
    if entry is not None and entry.default is not None:
        found.append(entry.default)
    for tiny in _tiny_models(chain):
        found.append(_tiny_candidate(tiny, chain.model_type))
    return found


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


def _tiny_candidate(tiny: TinyModel, model_type: str) -> ModelCandidate:
    from .sizing import estimate_model_size  # only the step-down needs it

    return ModelCandidate(
        model_id=tiny.model_id,
        model_type=model_type,
        sha=tiny.sha,
        library_name="transformers",
        size=estimate_model_size(tiny.model_id, model_type=model_type),
        fact_source=tiny.source,
    )


@lru_cache(maxsize=8)
def _load_registry_cached(path: str, mtime_ns: int) -> Registry:
    return load_registry(Path(path))


def open_registry(path: Path) -> Registry:
    """The registry at `path`, parsed once per file version.

    Raises:
        RegistryError: missing, corrupt or invalid.
    """
    try:
        mtime = Path(path).stat().st_mtime_ns
    except OSError:
        raise RegistryError(path, "file not found") from None
    return _load_registry_cached(str(path), mtime)


def known_model_types(registry: Registry | None) -> frozenset[str]:
    """Model types the registry knows beyond transformers' own (the static table's are all transformers types)."""
    return registry.model_types if registry is not None else frozenset()


def build_constraints(request: SelectionRequest, task: str | None) -> Constraints:
    """The hard filters: the smaller of the profile's limit and --max-size wins."""
    limits = []
    if request.hardware is not None:
        if request.hardware not in HARDWARE_PROFILES:
            raise UsageError(
                f"unknown hardware profile {request.hardware!r}; valid: {', '.join(HARDWARE_PROFILES)}, auto"
            )
        limits.append((HARDWARE_PROFILES[request.hardware].max_model_size_mb, f"the {request.hardware} profile"))
    if request.max_size_mb is not None:
        limits.append((request.max_size_mb, "--max-size"))
    limit, label = min(limits) if limits else (None, "")
    return Constraints(
        task=task,
        framework=request.framework,
        max_size_mb=limit,
        size_limit_label=label,
        allow_gated=request.allow_gated,
    )


def prepare_chain(request: SelectionRequest, settings: Settings, *, now: datetime | None = None) -> _Chain:
    """Validate the request and set up what the levels share.

    Raises:
        UnknownModelTypeError, UnsupportedTaskError, UsageError: bad input.
    """
    notes: list[Note] = []
    registry = _registry_or_warning(settings, notes)
    model_type = tasks.canonical_model_type(request.model_type, known_model_types(registry))
    task = tasks.canonical_task(request.task) if request.task else tasks.default_task(model_type)
    if task is not None:
        tasks.check_task(model_type, task)
    chain = _Chain(
        model_type=model_type,
        task=task,
        constraints=build_constraints(request, task),
        settings=settings,
        now=now or datetime.now(timezone.utc),
        benchmarks=_benchmarks_or_warning(settings, notes),
        registry=registry,
        notes=notes,
        constraints_profile=request.hardware,
    )
    if registry is not None:
        _warn_if_stale(registry, settings, chain)
    return chain


def select(request: SelectionRequest, settings: Settings, *, now: datetime | None = None) -> Selection:
    """Run the fallback chain and return the chosen model.

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


def _registry_or_warning(settings: Settings, notes: list[Note]) -> Registry | None:
    try:
        return open_registry(settings.registry_path)
    except RegistryError as err:
        notes.append(Note("warning", f"registry unusable, falling through: {err}"))
        return None


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
                f"{registry.path} is {age:.0f} days old (MAX_REGISTRY_AGE_DAYS={settings.max_registry_age_days});"
                " refresh it with: python find_models.py --update-registry --all",
            )
        )


def make_selection(chain: _Chain, chosen: ModelCandidate, source: Source) -> Selection:
    validate_model_id(chosen.model_id)
    tiny = next(iter(_tiny_models(chain)), None)
    chain.rejected.pop(chosen.model_id, None)
    return Selection(
        model_id=chosen.model_id,
        model_type=chain.model_type,
        revision=chosen.sha,
        source=source,
        size=chosen.size,
        task=chain.task,
        framework=chain.constraints.framework,
        rejected=tuple(Rejection(mid, reason) for mid, reason in chain.rejected.items()),
        notes=tuple(chain.notes),
        tiny_model_id=tiny.model_id if tiny else None,
        tiny_revision=tiny.sha if tiny else None,
        candidate=chosen,
    )


def no_fit_error(chain: _Chain) -> NoModelFitsError:
    """Name the nearest option: the smallest model rejected for size, else any rejected one."""
    pool = {c.model_id: c for c in chain.seen + _known_small_models(chain)}
    by_size = sorted(
        (pool[mid] for mid, reason in chain.rejected.items() if "exceeds" in reason and mid in pool),
        key=lambda c: (c.size.bytes if c.size else 0, c.model_id),
    )
    constraint = "size" if by_size else "filters"
    if by_size:
        nearest = by_size[0]
        how = "exact" if nearest.size and nearest.size.exact else "estimated"
        message = (
            f"no known {chain.model_type} model fits {chain.constraints.max_size_mb:,.0f} MB "
            f"({chain.constraints.size_limit_label}); the nearest is {nearest.model_id} "
            f"({nearest.size_mb:,.1f} MB, {how})"
        )
        return NoModelFitsError(constraint, nearest.model_id, message)
    first = next(iter(chain.rejected.items()), None)
    message = f"no known {chain.model_type} model for task {chain.task} passes the filters"
    if first:
        message += f"; the nearest is {first[0]} ({first[1]})"
    return NoModelFitsError(constraint, first[0] if first else None, message)
