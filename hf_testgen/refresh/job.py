"""`find_models.py --update-registry` and `--verify-registry`: keep model_registry.json fresh.

A refresh, step by step:

1. Read the registry. A missing file starts an empty one; a corrupt or invalid one stops the job
   before any request, and the file is left as it is.
2. Per model type, holding no lock: one list request (`hub.fetch_candidate_pages`: the API
   level's query, tag filter and downloads order, without its task filter, so that candidates of
   every task are kept; `--pages` reads deeper), ranked with `ranking.rank`. The few candidates
   that can become the default and whose size is only estimated get one
   `model_info(files_metadata=True)` each, unless the registry already holds an exact size for
   the same commit. A type that fails is reported and its entry left untouched.
3. Under a file lock (`<registry>.lock`): read the file again, merge (`registry.merge_refresh`:
   candidates are merged, never replaced; an old one the Hub did not list is kept, marked unseen,
   see `refresh_merge`), write atomically (temporary file + rename). Reading again under the
   lock is what lets two refreshes of different types run at once without either losing the
   other's update.

Decisions, and why:

- Byte-identical reruns. An entry's `updated`/`refreshed_from`, and the top-level `updated`,
  change only when content changes; a rerun on unchanged Hub data writes nothing. `updated` thus
  means "content last changed", and `--if-stale` refreshes when that is older than
  MAX_REGISTRY_AGE_DAYS. No `last_checked` is stored: it would change on every run.
- Ranking measures recency from the newest `last_modified` in the answer, not from the clock,
  so the order is a function of the Hub's data alone (the clock would reorder near-ties).
- An empty answer for a type that has an entry is a failure (the Hub does not lose every bert
  model overnight; a renamed tag or a broken query is likelier). For a type without an entry it
  is only noted: `--all` includes many internal types that have no checkpoints.
- Test checkpoints (`tiny-random`, `hf-internal-testing`) never become candidates; one seen in
  the answer (else the static table's) becomes the entry's `tiny` when it has none.
- HF_HUB_OFFLINE stops a refresh. USE_STATIC_REGISTRY and CI do not: refreshing is this
  command's whole job, and the weekly workflow runs in CI.
- Pacing: a `RequestBudget` (default 450 requests per 300 s, under the Hub's anonymous 500) and
  `--request-delay` between types. Retry-After is honoured by huggingface_hub's back-off when the
  wait fits the refresh deadline (30 s unless HF_TESTGEN_API_DEADLINE says otherwise).

The command (flags, printing, exit codes) is `cli.refresh`; the merge and locked write of step 3 is
`outcome.merge_and_write`; checking the registry's models is `verify.verify_registry`; the pull-request summary
is `summary.render_summary`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from ..core.config import DEFAULT_API_DEADLINE_S, Settings
from ..core.errors import HubUnavailableError, RegistryError
from ..core.progress import Progress, RequestBudget
from ..core.records import ModelCandidate, Note
from ..core.text import redact_url
from ..facts import tasks
from ..facts.benchmarks import Benchmarks, load_benchmarks
from ..facts.static_defaults import static_default
from ..hub import client as hub
from ..registry.store import (
    TinyModel,
    TypeRefresh,
    load_registry,
    natural_key,
)
from ..selection.ranking import access_rejection, framework_rejection, rank
from .outcome import RefreshReport, RefreshRun, TypeOutcome, merge_and_write, read_raw
from .sizes import confirm_gone, with_exact_sizes

REFRESH_DEADLINE_S = 30.0  # per list or model_info call; long enough to sit out a Retry-After
DEFAULT_REQUEST_DELAY_S = 0.5
EXACT_SIZE_TOP = 3  # candidates that may become the default get an exact size
LOCK_TIMEOUT_S = 600.0
TEST_REPO_OWNERS = ("hf-internal-testing",)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)



@dataclass(frozen=True)
class RefreshOptions:
    """How deep and how fast a refresh reads the Hub."""

    limit: int = 10  # candidates kept per type
    pages: int = 1  # pages of `limit` read per type
    request_delay_s: float = DEFAULT_REQUEST_DELAY_S
    exact_size_top: int = EXACT_SIZE_TOP
    dry_run: bool = False
    lock_timeout_s: float = LOCK_TIMEOUT_S


def refresh_settings(settings: Settings) -> Settings:
    """Refreshing may wait longer than selecting: 30 s per call unless HF_TESTGEN_API_DEADLINE is set."""
    if settings.api_deadline_s == DEFAULT_API_DEADLINE_S:
        return settings.with_overrides(api_deadline_s=REFRESH_DEADLINE_S)
    return settings



def resolve_model_types(requested: Sequence[str] | None, registry_types: frozenset[str], *, every: bool) -> list[str]:
    """The model types to work on, canonical and without repeats.

    Raises:
        UnknownModelTypeError: a requested type is unknown (with the closest names).
    """
    if every:
        return sorted(set(tasks.known_model_types()) | registry_types, key=natural_key)
    resolved: list[str] = []
    for name in requested or ():
        model_type = tasks.canonical_model_type(name, registry_types)
        if model_type not in resolved:
            resolved.append(model_type)
    return resolved


# --- one model type ------------------------------------------------------------------------------


def is_test_checkpoint(model_id: str) -> bool:
    """Tiny random test repos: fine for `tiny`, never a candidate."""
    return "tiny-random" in model_id.lower() or model_id.split("/")[0] in TEST_REPO_OWNERS


def registry_order(candidates: Sequence[ModelCandidate], *, task: str | None, benchmarks: Benchmarks | None):
    """Rank, then put candidates that can be a default (open, PyTorch weights) first.

    Recency is measured from the newest candidate of the answer, so the same Hub data always
    gives the same order (see the module docstring).
    """
    reference = max((c.last_modified for c in candidates if c.last_modified is not None), default=_EPOCH)
    ranked = rank(candidates, task=task, now=reference, benchmarks=benchmarks)

    def tier(candidate: ModelCandidate) -> tuple[bool, bool]:
        return (access_rejection(candidate, False) is not None, framework_rejection(candidate, "pytorch") is not None)

    return sorted(ranked, key=tier)  # stable: rank order within each tier


def refresh_type(
    model_type: str,
    *,
    old_entry: dict[str, Any] | None,
    settings: Settings,
    options: RefreshOptions,
    budget: RequestBudget,
    benchmarks: Benchmarks | None = None,
) -> TypeOutcome:
    """Fresh facts for one model type: one list request, then exact sizes for the top few."""
    budget.wait_for(settings.api_max_tries + options.pages - 1)
    row_notes: list[Note] = []
    try:
        listed = hub.fetch_candidate_pages(
            model_type,
            settings=settings,
            limit=options.limit,
            pages=options.pages,
            on_requests=budget.record,
            notes=row_notes,
            max_requests=budget.room(),
        )
    except HubUnavailableError as err:
        return TypeOutcome(model_type, failure=f"{err} ({err.reason})")
    if all(is_test_checkpoint(c.model_id) for c in listed):
        if old_entry is not None:
            return TypeOutcome(model_type, failure=f"the Hub lists no models tagged {model_type!r}; old entry kept")
        return TypeOutcome(model_type, notes=("no models on the Hub",))
    notes: list[str] = [note.text for note in row_notes]
    old_rows = {row["id"]: row for row in (old_entry or {}).get("candidates", []) if isinstance(row, dict)}
    fresh = _fresh_facts(model_type, listed, old_rows, settings=settings, options=options, budget=budget,
                         benchmarks=benchmarks, notes=notes)  # fmt: skip
    if fresh is None:
        return TypeOutcome(model_type, failure="every listed model vanished before model_info; old entry kept")
    return TypeOutcome(model_type, fresh=fresh, notes=tuple(notes))


def _fresh_facts(
    model_type: str,
    listed: Sequence[ModelCandidate],
    old_rows: dict[str, dict[str, Any]],
    *,
    settings: Settings,
    options: RefreshOptions,
    budget: RequestBudget,
    benchmarks: Benchmarks | None,
    notes: list[str],
) -> TypeRefresh | None:
    """The listed models ranked, with exact sizes for the top few and the old rows confirmed gone;
    None when every model picked for sizing vanished before its model_info."""
    task = tasks.default_task(model_type)
    candidates = [c for c in listed if not is_test_checkpoint(c.model_id)]
    ranked = registry_order(candidates, task=task, benchmarks=benchmarks)[: options.limit]
    gone: set[str] = set()
    ranked = with_exact_sizes(
        ranked,
        model_type=model_type,
        old_rows=old_rows,
        settings=settings,
        exact_size_top=options.exact_size_top,
        budget=budget,
        notes=notes,
        gone=gone,
    )
    if not ranked:
        return None
    listed_ids = frozenset(c.model_id for c in listed)
    if len(listed) < options.limit * options.pages:  # a short answer: are the unlisted old ones gone?
        unseen = [model_id for model_id in old_rows if model_id not in listed_ids]
        gone |= confirm_gone(unseen, model_type=model_type, settings=settings, budget=budget, notes=notes)
    ranked = registry_order(ranked, task=task, benchmarks=benchmarks)
    test_repos = [c for c in listed if is_test_checkpoint(c.model_id)]
    return TypeRefresh(model_type, tuple(ranked), tiny_for(model_type, test_repos), listed_ids, frozenset(gone))


def tiny_for(model_type: str, test_repos: Sequence[ModelCandidate]) -> TinyModel | None:
    """A tiny test checkpoint for an entry that has none: one the Hub listed, else the static table's."""
    for candidate in test_repos:
        if "tiny-random" in candidate.model_id.lower():
            return TinyModel(candidate.model_id, candidate.sha, "hub-api list")
    entry = static_default(model_type)
    return entry.tiny if entry is not None else None


# --- the whole refresh ---------------------------------------------------------------------------


def refresh_registry(
    path: Path,
    model_types: Sequence[str],
    *,
    settings: Settings,
    options: RefreshOptions = RefreshOptions(),
    budget: RequestBudget | None = None,
    stream: TextIO | None = None,
    now: datetime | None = None,
    before_write: Callable[[RefreshReport], None] | None = None,
) -> RefreshReport:
    """Refresh the given model types of the registry at `path` from the Hub (see the module docstring).

    Args:
        path: the registry file (created when missing and something was found).
        model_types: canonical model types, in the order to refresh them.
        settings: endpoint, token, deadline and tries (see `refresh_settings`).
        options: depth, pacing, dry run.
        budget: the request budget shared with a later verification (default: a new one).
        stream: where progress goes (default: stderr). now: the refresh time (default: the clock).
        before_write: called with the report under the lock, just before the registry is replaced (the
            `--summary` file is written there: a summary that cannot be written leaves the registry as it was).

    Returns:
        The report; `report.written` says whether the file changed.

    Raises:
        HubUnavailableError: HF_HUB_OFFLINE is set.
        RegistryError: the file is corrupt, the lock could not be had, or the write failed (the old file is intact).
    """
    if settings.hub_offline:
        raise HubUnavailableError("offline", "HF_HUB_OFFLINE is set: refreshing the registry needs the Hub")
    started = now or datetime.now(timezone.utc)
    budget = budget or RequestBudget()
    before = read_raw(path, started)
    outcomes = _refresh_each(model_types, before, settings=settings, options=options, budget=budget, stream=stream)
    run = RefreshRun(path, redact_url(settings.endpoint), started, outcomes, options.dry_run, budget)
    return merge_and_write(run, before, options.lock_timeout_s, before_write)


def _refresh_each(
    model_types: Sequence[str],
    before: dict[str, Any],
    *,
    settings: Settings,
    options: RefreshOptions,
    budget: RequestBudget,
    stream: TextIO | None,
) -> list[TypeOutcome]:
    """`refresh_type` for each model type in order, paced by `options.request_delay_s`, with progress lines."""
    benchmarks = _benchmarks(settings)
    outcomes: list[TypeOutcome] = []
    with Progress(len(model_types), description="refresh", stream=stream) as progress:
        for index, model_type in enumerate(model_types):
            if index and options.request_delay_s:
                time.sleep(options.request_delay_s)
            outcome = refresh_type(
                model_type,
                old_entry=before["model_types"].get(model_type),
                settings=settings,
                options=options,
                budget=budget,
                benchmarks=benchmarks,
            )
            outcomes.append(outcome)
            progress.step(model_type, outcome.line())
    return outcomes


def _benchmarks(settings: Settings) -> Benchmarks | None:
    """benchmarks.json when it can be read (it only nudges the order), else none."""
    try:
        return load_benchmarks(settings.benchmarks_path)
    except RegistryError:
        return None


def fresh_enough_note(path: Path, settings: Settings, now: datetime) -> str | None:
    """With --if-stale: a note saying why no refresh is needed, or None when one is."""
    if not path.exists():
        return None
    age = load_registry(path).age_days(now)
    if age > settings.max_registry_age_days:
        return None
    return (
        f"The registry was last changed {age:.1f} days ago (MAX_REGISTRY_AGE_DAYS={settings.max_registry_age_days}): "
        "not stale, not refreshed. Result: **no changes**."
    )
