"""What the user asked for (`SelectionRequest`), resolved once (`resolve`): the canonical model type and
task, checked against the facts, and the registry the answer will come from.

Every caller that needs the model type or task of a request (the chain, the generator, `--model` files
that skip selection) takes them from one `ResolvedRequest`; nothing resolves them a second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..core.config import Settings
from ..core.errors import RegistryError, UsageError
from ..core.records import LOAD_DTYPES, Framework, LoadDtype, Note
from ..facts import tasks
from ..facts.hardware import HARDWARE_CHOICES, HARDWARE_PROFILES, machine_limit
from ..registry.store import Registry, load_registry


@dataclass(frozen=True)
class SelectionRequest:
    """What the user asked for.

    `hardware` is a profile name, "auto" (this machine, the default) or "none" (no size limit
    unless `max_size_mb`).
    """

    model_type: str
    task: str | None = None
    hardware: str | None = "auto"
    max_size_mb: float | None = None
    framework: Framework = "pytorch"
    allow_gated: bool = False
    dtype: LoadDtype = "auto"  # the dtype the generated test loads the weights in; sizes are at it
    strict_size: bool = False  # refuse estimates even at the implicit (this machine's) limit


@dataclass(frozen=True)
class ResolvedRequest:
    """A request whose values were checked and whose model type and task were resolved, once.

    `task` is the request's task in its canonical spelling, else the type's default task (None: the type
    has no head). `registry` is the one the chain reads (None: missing or unusable, said in `notes`).
    """

    request: SelectionRequest
    model_type: str
    task: str | None
    registry: Registry | None = field(default=None, compare=False)
    notes: tuple[Note, ...] = ()


def resolve(request: SelectionRequest, settings: Settings) -> ResolvedRequest:
    """Check the request's hardware and dtype, and resolve its model type and task.

    Raises:
        UnknownModelTypeError, UnsupportedTaskError, UsageError: bad input.
    """
    notes: list[Note] = []
    registry = _registry_or_warning(settings, notes)
    model_type = tasks.canonical_model_type(request.model_type, known_model_types(registry))
    task = tasks.canonical_task(request.task) if request.task else tasks.default_task(model_type)
    if task is not None:
        tasks.check_task(model_type, task)
    if request.hardware is not None and request.hardware not in HARDWARE_CHOICES:
        raise UsageError(f"unknown hardware profile {request.hardware!r}; valid: {', '.join(HARDWARE_CHOICES)}")
    if request.dtype not in LOAD_DTYPES:
        raise UsageError(f"unknown dtype {request.dtype!r}; valid: {', '.join(LOAD_DTYPES)}")
    return ResolvedRequest(request, model_type, task, registry, tuple(notes))


def resolved(request: SelectionRequest | ResolvedRequest, settings: Settings) -> ResolvedRequest:
    """`request` itself when it is resolved already, else `resolve(request, settings)`."""
    return request if isinstance(request, ResolvedRequest) else resolve(request, settings)


def _registry_or_warning(settings: Settings, notes: list[Note]) -> Registry | None:
    try:
        return open_registry(settings.registry_path)
    except RegistryError as err:
        notes.append(Note("warning", f"registry unusable, falling through: {err}"))
        return None


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


def registry_model_types(settings: Settings, notes: list[Note] | None = None) -> frozenset[str]:
    """The model types the settings' registry has rows for; an unusable registry adds a warning to `notes`."""
    try:
        registry = open_registry(settings.registry_path)
    except RegistryError as err:
        if notes is not None:
            notes.append(Note("warning", f"registry unusable, using the static defaults only: {err}"))
        registry = None
    return known_model_types(registry)


def hardware_kind(request: SelectionRequest) -> str | None:
    """"cpu"/"gpu" for the benchmarks that apply, from the profile or this machine."""
    if request.hardware in HARDWARE_PROFILES:
        return HARDWARE_PROFILES[request.hardware].kind
    if request.hardware == "auto" and request.max_size_mb is None:
        return machine_limit().kind
    return None


def size_limit(request: SelectionRequest) -> tuple[float | None, str, bool]:
    """(limit in MB or None, where it comes from, whether it is this machine's implicit one): the smaller
    of the profile's limit and --max-size wins; with neither (and hardware "auto"), this machine's."""
    limits: list[tuple[float, str]] = []
    if request.hardware in HARDWARE_PROFILES:
        limits.append((HARDWARE_PROFILES[request.hardware].max_model_size_mb, f"the {request.hardware} profile"))
    if request.max_size_mb is not None:
        limits.append((request.max_size_mb, "--max-size"))
    implicit = request.hardware == "auto" and not limits
    if implicit:
        machine = machine_limit()
        limits.append((machine.limit_mb, machine.label))
    limit, label = min(limits) if limits else (None, "")
    return limit, label, implicit
