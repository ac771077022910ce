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
3. Under a file lock (`<registry>.lock`): read the file again, merge (`registry.merge_refresh`),
   write atomically (temporary file + rename). Reading again under the lock is what lets two
   refreshes of different types run at once without either losing the other's update.

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

Exit codes: 0 all good; 1 some types failed or a model did not verify (listed); 2 bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from . import hub, tasks
from .benchmarks import Benchmarks, load_benchmarks
from .cli import EXIT_FAILED, EXIT_OK, positive_int
from .config import DEFAULT_API_DEADLINE_S, Settings
from .errors import HubUnavailableError, RegistryError
from .progress import DEFAULT_MAX_REQUESTS, HUB_WINDOW_S, Progress, RequestBudget
from .ranking import access_rejection, framework_rejection, rank
from .records import ModelCandidate, SizeEstimate
from .registry import (
    TinyModel,
    TypeRefresh,
    empty_registry,
    format_timestamp,
    load_registry,
    merge_refresh,
    natural_key,
    save_registry,
)
from .static_defaults import static_default

REFRESH_DEADLINE_S = 30.0  # per list or model_info call; long enough to sit out a Retry-After
DEFAULT_REQUEST_DELAY_S = 0.5
EXACT_SIZE_TOP = 3  # candidates that may become the default get an exact size
LOCK_TIMEOUT_S = 600.0
SIZE_CHANGE_REPORTED = 0.05  # relative size change worth a line in the summary
EXACT_SIZE_SOURCE = "hub-api, size from model_info"
TEST_REPO_OWNERS = ("hf-internal-testing",)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# --- arguments -----------------------------------------------------------------------------------


def non_negative_seconds(text: str) -> float:
    """--request-delay: zero or more seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (e.g. 0.5)") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be zero or a positive number of seconds")
    return value


def add_refresh_args(parser: argparse.ArgumentParser) -> None:
    """The registry refresh and verification flags of find_models.py."""
    group = parser.add_argument_group("registry refresh (--update-registry) and check (--verify-registry)")
    group.add_argument(
        "--update-registry", action="store_true", help="refresh the registry from the Hub for --model-type or --all"
    )
    group.add_argument("--all", action="store_true", help="every model type of the registry and the task map")
    group.add_argument(
        "--pages", type=positive_int, metavar="N", help="read N pages of --limit models per type, keep the best --limit"
    )
    group.add_argument(
        "--request-delay",
        type=non_negative_seconds,
        metavar="S",
        help=f"seconds to wait between model types (default {DEFAULT_REQUEST_DELAY_S:g})",
    )
    group.add_argument(
        "--max-requests",
        type=positive_int,
        metavar="N",
        help=f"most Hub requests per {HUB_WINDOW_S:g} s (default {DEFAULT_MAX_REQUESTS}; anonymous limit: 500)",
    )
    group.add_argument("--dry-run", action="store_true", help="show what would change, write nothing to the registry")
    group.add_argument("--summary", type=Path, metavar="FILE", help="write a Markdown change report to FILE")
    group.add_argument(
        "--if-stale", action="store_true", help="refresh only when the registry is older than MAX_REGISTRY_AGE_DAYS"
    )
    group.add_argument(
        "--verify-registry",
        action="store_true",
        help="check every default and tiny model (exists, not gated or disabled, has weights); after a refresh "
        "when given with --update-registry",
    )


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


# If cli.py declares `--verify` with nargs="?" and const=VERIFY_REGISTRY, a bare `--verify` (as in
# `--update-registry --verify`) means --verify-registry; `--verify MODEL` keeps its meaning.
VERIFY_REGISTRY = "<registry>"
REFRESH_ONLY_FLAGS = ("all", "dry_run", "if_stale", "pages", "request_delay", "max_requests", "summary")


def wants_refresh_body(args: argparse.Namespace) -> bool:
    """Whether `refresh_main_body` must handle these arguments: a refresh or check was asked for,
    or one of their flags was given (which alone must be a usage error, not silently ignored)."""
    given = (getattr(args, name, None) not in (None, False) for name in REFRESH_ONLY_FLAGS)
    bare_verify = getattr(args, "verify", None) == VERIFY_REGISTRY
    return bool(args.update_registry or args.verify_registry or bare_verify or any(given))


def _check_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Reject flag combinations that have no meaning (exit 2 through `parser.error`)."""
    if getattr(args, "verify", None) == VERIFY_REGISTRY:  # bare --verify: the registry-wide check
        args.verify, args.verify_registry = None, True
    if args.update_registry:
        if args.all == bool(args.model_type):
            parser.error("--update-registry needs --model-type TYPE (repeatable) or --all, not both")
        for flag, given in (("--task", args.task), ("--verify MODEL", args.verify), ("--json", args.json)):
            if given:
                parser.error(f"{flag} does not apply to --update-registry (a refresh keeps candidates of every task)")
        return
    if not args.verify_registry:
        parser.error(
            "--all, --dry-run, --if-stale, --pages, --request-delay, --max-requests and --summary need "
            "--update-registry or --verify-registry"
        )
    refresh_only = {
        "--dry-run": args.dry_run,
        "--if-stale": args.if_stale,
        "--pages": args.pages is not None,
        "--request-delay": args.request_delay is not None,
    }
    for flag, given in refresh_only.items():
        if given:
            parser.error(f"{flag} needs --update-registry")
    if args.all and args.model_type:
        parser.error("give --model-type or --all, not both")
    if args.verify or args.json or args.task:
        parser.error("--verify-registry checks the registry; --verify MODEL, --json and --task do not apply")


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


@dataclass(frozen=True)
class TypeOutcome:
    """How the refresh of one model type went: fresh facts, or the reason it failed."""

    model_type: str
    fresh: TypeRefresh | None = None
    failure: str | None = None
    notes: tuple[str, ...] = ()

    def line(self) -> str:
        if self.failure:
            return f"failed: {self.failure}"
        if self.fresh is None:
            return "; ".join(self.notes) or "nothing to do"
        return f"{len(self.fresh.candidates)} candidates, default {self.fresh.candidates[0].model_id}"


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


def known_exact_size(row: dict[str, Any] | None, sha: str | None) -> SizeEstimate | None:
    """The exact size the registry already holds for this commit, to spare a model_info call."""
    if not row or not sha or row.get("sha") != sha or not row.get("size_exact") or row.get("size_mb") is None:
        return None
    return SizeEstimate(bytes=int(round(float(row["size_mb"]) * 1_000_000)), method=row["size_method"])


def with_exact_sizes(
    ranked: list[ModelCandidate],
    *,
    model_type: str,
    old_rows: dict[str, dict[str, Any]],
    settings: Settings,
    options: RefreshOptions,
    budget: RequestBudget,
    notes: list[str],
) -> list[ModelCandidate]:
    """Give the first `options.exact_size_top` open candidates an exact size.

    One `model_info(files_metadata=True)` per candidate whose size the list answer left
    estimated, at most twice `exact_size_top` calls per type. A model that vanished since the
    list is dropped; any other failure leaves the estimate in place (and a note).
    """
    result = list(ranked)
    resolved = calls = index = 0
    while index < len(result) and resolved < options.exact_size_top and calls < 2 * options.exact_size_top:
        candidate = result[index]
        if access_rejection(candidate, False) is not None:
            index += 1
            continue
        if candidate.size is not None and candidate.size.exact:
            resolved, index = resolved + 1, index + 1
            continue
        known = known_exact_size(old_rows.get(candidate.model_id), candidate.sha)
        if known is not None:
            result[index] = replace(candidate, size=known, fact_source=EXACT_SIZE_SOURCE)
            resolved, index = resolved + 1, index + 1
            continue
        calls += 1
        budget.wait_for(settings.api_max_tries)
        try:
            info = hub.fetch_model(
                candidate.model_id, settings=settings, model_type=model_type, on_requests=budget.record
            )
        except HubUnavailableError as err:
            if err.reason == "not_found":
                notes.append(f"{candidate.model_id} vanished between the list and model_info; dropped")
                del result[index]
                continue
            notes.append(f"{candidate.model_id}: size stays estimated, model_info failed ({err.reason})")
            index += 1
            continue
        if info.size is not None and info.size.exact:
            result[index] = replace(candidate, size=info.size, fact_source=EXACT_SIZE_SOURCE)
            resolved += 1
        else:
            notes.append(f"{candidate.model_id}: model_info lists no weight file sizes; size stays estimated")
        index += 1
    return result


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
    try:
        listed = hub.fetch_candidate_pages(
            model_type, settings=settings, limit=options.limit, pages=options.pages, on_requests=budget.record
        )
    except HubUnavailableError as err:
        return TypeOutcome(model_type, failure=f"{err} ({err.reason})")
    test_repos = [c for c in listed if is_test_checkpoint(c.model_id)]
    candidates = [c for c in listed if not is_test_checkpoint(c.model_id)]
    if not candidates:
        if old_entry is not None:
            return TypeOutcome(model_type, failure=f"the Hub lists no models tagged {model_type!r}; old entry kept")
        return TypeOutcome(model_type, notes=("no models on the Hub",))
    task = tasks.default_task(model_type)
    notes: list[str] = []
    ranked = registry_order(candidates, task=task, benchmarks=benchmarks)[: options.limit]
    old_rows = {row["id"]: row for row in (old_entry or {}).get("candidates", []) if isinstance(row, dict)}
    ranked = with_exact_sizes(
        ranked,
        model_type=model_type,
        old_rows=old_rows,
        settings=settings,
        options=options,
        budget=budget,
        notes=notes,
    )
    if not ranked:
        return TypeOutcome(model_type, failure="every listed model vanished before model_info; old entry kept")
    ranked = registry_order(ranked, task=task, benchmarks=benchmarks)
    return TypeOutcome(
        model_type,
        fresh=TypeRefresh(model_type, tuple(ranked), tiny_for(model_type, test_repos)),
        notes=tuple(notes),
    )


def tiny_for(model_type: str, test_repos: Sequence[ModelCandidate]) -> TinyModel | None:
    """A tiny test checkpoint for an entry that has none: one the Hub listed, else the static table's."""
    for candidate in test_repos:
        if "tiny-random" in candidate.model_id.lower():
            return TinyModel(candidate.model_id, candidate.sha, "hub-api list")
    entry = static_default(model_type)
    return entry.tiny if entry is not None else None


# --- the whole refresh ---------------------------------------------------------------------------


@dataclass
class RefreshReport:
    """What a refresh did: per-type outcomes, the registry before and after the merge."""

    path: Path
    source: str
    started: datetime
    outcomes: list[TypeOutcome]
    before: dict[str, Any]
    after: dict[str, Any]
    changed: list[str]
    written: bool
    dry_run: bool
    requests: int
    waited_s: float = 0.0

    @property
    def failures(self) -> list[TypeOutcome]:
        return [o for o in self.outcomes if o.failure]


def read_raw(path: Path, now: datetime) -> dict[str, Any]:
    """The registry's raw form, every entry validated; an empty registry when the file is missing.

    Raises:
        RegistryError: the file exists but is corrupt or invalid (a refresh must not paper over it).
    """
    if not Path(path).exists():
        return empty_registry(now)
    registry = load_registry(path)
    registry.validate_all()
    return registry.raw


def refresh_registry(
    path: Path,
    model_types: Sequence[str],
    *,
    settings: Settings,
    options: RefreshOptions = RefreshOptions(),
    budget: RequestBudget | None = None,
    stream: TextIO | None = None,
    now: datetime | None = None,
) -> RefreshReport:
    """Refresh the given model types of the registry at `path` from the Hub (see the module docstring).

    Args:
        path: the registry file (created when missing and something was found).
        model_types: canonical model types, in the order to refresh them.
        settings: endpoint, token, deadline and tries (see `refresh_settings`).
        options: depth, pacing, dry run.
        budget: the request budget shared with a later verification (default: a new one).
        stream: where progress goes (default: stderr).
        now: the refresh time (default: the clock).

    Returns:
        The report; `report.written` says whether the file changed.

    Raises:
        HubUnavailableError: HF_HUB_OFFLINE is set.
        RegistryError: the file is corrupt, the lock could not be had, or the write failed
            (the old file is then intact).
    """
    if settings.hub_offline:
        raise HubUnavailableError("offline", "HF_HUB_OFFLINE is set: refreshing the registry needs the Hub")
    started = now or datetime.now(timezone.utc)
    budget = budget or RequestBudget()
    before = read_raw(path, started)
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
    fresh = [o.fresh for o in outcomes if o.fresh is not None]
    if options.dry_run:
        after, changed = merge_refresh(before, fresh, now=started, source=settings.endpoint)
        current, written = before, False
    else:
        with registry_lock(path, options.lock_timeout_s):
            current = read_raw(path, started)
            after, changed = merge_refresh(current, fresh, now=started, source=settings.endpoint)
            written = bool(changed)
            if written:
                _save(after, path)
    return RefreshReport(
        path=Path(path),
        source=settings.endpoint,
        started=started,
        outcomes=outcomes,
        before=current,
        after=after,
        changed=changed,
        written=written,
        dry_run=options.dry_run,
        requests=budget.total,
        waited_s=budget.waited_s,
    )


def _benchmarks(settings: Settings) -> Benchmarks | None:
    """benchmarks.json when it can be read (it only nudges the order), else none."""
    try:
        return load_benchmarks(settings.benchmarks_path)
    except RegistryError:
        return None


@contextlib.contextmanager
def registry_lock(path: Path, timeout_s: float) -> Iterator[None]:
    """Hold `<registry>.lock` (filelock) around read-merge-write, so refreshes never interleave.

    Raises:
        RegistryError: another refresh held the lock for longer than `timeout_s`.
    """
    from filelock import FileLock, Timeout

    lock = FileLock(f"{path}.lock", timeout=timeout_s)
    try:
        lock.acquire()
    except Timeout:
        raise RegistryError(path, f"another refresh has held {path}.lock for over {timeout_s:g} s") from None
    try:
        yield
    finally:
        lock.release()


def _save(raw: dict[str, Any], path: Path) -> None:
    """Validate and write atomically; a failed write leaves the old file and no temporary file."""
    try:
        save_registry(raw, path)
    except OSError as err:
        raise RegistryError(path, f"could not be written ({err}); the old file is unchanged") from None


# --- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyProblem:
    """A default or tiny model of the registry that is not usable, and why."""

    model_type: str
    role: str  # "default" or "tiny"
    model_id: str
    problems: tuple[str, ...]


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[VerifyProblem] = field(default_factory=list)


def models_to_verify(raw: dict[str, Any], model_types: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """(model type, role, model id, framework) of every default and tiny model of these types."""
    found = []
    for model_type in model_types:
        entry = raw["model_types"].get(model_type)
        if entry is None:
            continue
        rows = {row.get("id"): row for row in entry.get("candidates", [])}
        default = entry.get("default") or (entry["candidates"][0]["id"] if entry.get("candidates") else None)
        if default:
            frameworks = rows.get(default, {}).get("frameworks") or ["pytorch"]
            framework = "pytorch" if "pytorch" in frameworks else frameworks[0]
            found.append((model_type, "default", default, framework))
        if entry.get("tiny"):
            found.append((model_type, "tiny", entry["tiny"]["id"], "pytorch"))
    return found


def verify_registry(
    raw: dict[str, Any],
    model_types: Sequence[str],
    *,
    settings: Settings,
    budget: RequestBudget | None = None,
    stream: TextIO | None = None,
) -> VerifyReport:
    """Check every default and tiny model of these types with `verify.verify_model` (one request each)."""
    from .verify import verify_model

    budget = budget or RequestBudget()
    report = VerifyReport()
    missing = [t for t in model_types if t not in raw["model_types"]]
    report.problems.extend(VerifyProblem(t, "entry", "-", ("the registry has no entry",)) for t in missing)
    verdicts: dict[tuple[str, str], tuple[str, ...]] = {}  # (id, framework) checked once
    targets = models_to_verify(raw, model_types)
    with Progress(len(targets), description="verify", stream=stream) as progress:
        for model_type, role, model_id, framework in targets:
            key = (model_id, framework)
            if key not in verdicts:
                budget.wait_for(1)
                try:
                    verdict = verify_model(model_id, settings=settings, framework=framework)
                    verdicts[key] = verdict.problems
                except HubUnavailableError as err:
                    verdicts[key] = (f"could not be checked: {err} ({err.reason})",)
                budget.record(1)  # model_info is one request: huggingface_hub does not retry it
                report.checked += 1
            problems = verdicts[key]
            if problems:
                report.problems.append(VerifyProblem(model_type, role, model_id, problems))
            progress.step(f"{model_type} {role}", "; ".join(problems) or f"{model_id} ok")
    return report


# --- the summary (Markdown) ---------------------------------------------------------------------


@dataclass(frozen=True)
class EntryDiff:
    """What changed in one entry, as the summary reports it."""

    model_type: str
    new_type: bool
    old_default: str | None
    new_default: str | None
    old_default_mb: float | None
    new_default_mb: float | None
    added: tuple[str, ...]
    removed: tuple[str, ...]
    resized: tuple[tuple[str, float, float], ...]  # (id, old MB, new MB) beyond SIZE_CHANGE_REPORTED


def diff_entry(model_type: str, old: dict[str, Any] | None, new: dict[str, Any]) -> EntryDiff:
    """Compare two raw entries of a model type (`old` None: the type is new)."""
    old_rows = {row["id"]: row for row in (old or {}).get("candidates", [])}
    new_rows = {row["id"]: row for row in new.get("candidates", [])}
    resized = []
    for model_id in sorted(old_rows.keys() & new_rows.keys()):
        before, after = old_rows[model_id].get("size_mb"), new_rows[model_id].get("size_mb")
        if before and after and abs(after - before) / before > SIZE_CHANGE_REPORTED:
            resized.append((model_id, float(before), float(after)))
    old_default = (old or {}).get("default")
    new_default = new.get("default")
    return EntryDiff(
        model_type=model_type,
        new_type=old is None,
        old_default=old_default,
        new_default=new_default,
        old_default_mb=old_rows.get(old_default, {}).get("size_mb"),
        new_default_mb=new_rows.get(new_default, {}).get("size_mb"),
        added=tuple(sorted(new_rows.keys() - old_rows.keys())),
        removed=tuple(sorted(old_rows.keys() - new_rows.keys())),
        resized=tuple(resized),
    )


def _cell(text: object) -> str:
    """A Markdown table cell: one line, no pipes, bounded (Hub messages end up in a PR body)."""
    flat = re.sub(r"\s+", " ", str(text)).replace("|", "\\|").strip()
    return flat if len(flat) <= 240 else flat[:237] + "..."


def _mb(value: float | None) -> str:
    return "size unknown" if value is None else f"{value:,.1f} MB"


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(f"`{model_id}`" for model_id in ids) or "-"


def render_summary(report: RefreshReport | None, verification: VerifyReport | None = None, *, note: str = "") -> str:
    """The Markdown change report (the body of the weekly pull request)."""
    title = "Model registry check" if report is None and not note else "Model registry refresh"
    lines = [f"## {title}", ""]
    if note:
        lines += [note, ""]
    if report is not None:
        lines += _refresh_sections(report)
    if verification is not None:
        lines += _verification_section(verification)
    return "\n".join(lines).rstrip() + "\n"


def _refresh_sections(report: RefreshReport) -> list[str]:
    diffs = [diff_entry(t, report.before["model_types"].get(t), report.after["model_types"][t]) for t in report.changed]
    refreshed = [o for o in report.outcomes if o.fresh is not None]
    verb = "would change" if report.dry_run else "changed"
    lines = [
        f"Source: {report.source}, {format_timestamp(report.started)}. "
        f"{len(report.outcomes)} model types asked: {len(refreshed)} refreshed, {len(report.changed)} {verb}, "
        f"{len(report.failures)} failed; {report.requests} Hub requests.",
        "",
    ]
    if report.dry_run:
        lines += ["Dry run: the registry file was not written.", ""]
    if not report.changed:
        lines += ["Result: **no changes** to the registry.", ""]
    added = [d for d in diffs if d.new_type]
    if added:
        lines += ["### Types added", "", "| model type | default | size |", "|---|---|---|"]
        lines += [f"| `{d.model_type}` | `{d.new_default}` | {_mb(d.new_default_mb)} |" for d in added]
        lines.append("")
    moved = [d for d in diffs if not d.new_type and d.old_default != d.new_default]
    if moved:
        lines += ["### Defaults changed", "", "| model type | old default | new default |", "|---|---|---|"]
        lines += [
            f"| `{d.model_type}` | `{d.old_default}` ({_mb(d.old_default_mb)}) | "
            f"`{d.new_default}` ({_mb(d.new_default_mb)}) |"
            for d in moved
        ]
        lines.append("")
    churn = [d for d in diffs if not d.new_type and (d.added or d.removed)]
    if churn:
        lines += ["### Candidates added and removed", "", "| model type | added | removed |", "|---|---|---|"]
        lines += [f"| `{d.model_type}` | {_ids(d.added)} | {_ids(d.removed)} |" for d in churn]
        lines.append("")
    resized = [(d.model_type, *r) for d in diffs for r in d.resized]
    if resized:
        lines += [
            f"### Sizes changed by more than {SIZE_CHANGE_REPORTED:.0%}",
            "",
            "| model type | model | old | new | change |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| `{t}` | `{model_id}` | {_mb(old)} | {_mb(new)} | {(new - old) / old:+.0%} |"
            for t, model_id, old, new in resized
        ]
        lines.append("")
    quiet = [d.model_type for d in diffs if not (d.new_type or d.added or d.removed or d.resized)]
    quiet = [t for t in quiet if t not in {d.model_type for d in moved}]
    if quiet:
        lines += [f"Figures only (downloads, likes, commits, order): {_ids(quiet)}.", ""]
    if report.failures:
        lines += ["### Failures (old entries kept)", "", "| model type | reason |", "|---|---|"]
        lines += [f"| `{o.model_type}` | {_cell(o.failure)} |" for o in report.failures]
        lines.append("")
    noted = [(o.model_type, n) for o in report.outcomes for n in o.notes]
    if noted:
        lines += ["<details><summary>Notes</summary>", ""]
        lines += [f"- `{t}`: {_cell(n)}" for t, n in noted]
        lines += ["", "</details>", ""]
    return lines


def _verification_section(verification: VerifyReport) -> list[str]:
    lines = ["### Verification of defaults and tiny models", ""]
    if not verification.problems:
        return lines + [f"All {verification.checked} models checked are usable.", ""]
    lines += [
        f"{len(verification.problems)} problem(s) among {verification.checked} models checked:",
        "",
        "| model type | role | model | problems |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{p.model_type}` | {p.role} | `{p.model_id}` | {_cell('; '.join(p.problems))} |"
        for p in verification.problems
    ]
    return lines + [""]


# --- the command body ---------------------------------------------------------------------------


def refresh_main_body(parser: argparse.ArgumentParser, args: argparse.Namespace, settings: Settings) -> int:
    """`find_models.py --update-registry ...` and/or `--verify-registry`; returns 0, 1 or 2."""
    _check_usage(parser, args)
    settings = refresh_settings(settings)
    path = Path(settings.registry_path)
    started = datetime.now(timezone.utc)
    registry_types = frozenset(read_raw(path, started)["model_types"])
    budget = RequestBudget(args.max_requests or DEFAULT_MAX_REQUESTS)
    report: RefreshReport | None = None
    note = ""
    if args.update_registry:
        model_types = resolve_model_types(args.model_type, registry_types, every=args.all)
        stale_note = _fresh_enough(path, settings, started) if args.if_stale else None
        if stale_note:
            note = stale_note
        else:
            options = RefreshOptions(
                limit=args.limit,
                pages=args.pages or 1,
                request_delay_s=DEFAULT_REQUEST_DELAY_S if args.request_delay is None else args.request_delay,
                dry_run=args.dry_run,
            )
            report = refresh_registry(path, model_types, settings=settings, options=options, budget=budget, now=started)
    verification = None
    if args.verify_registry:
        raw = report.after if report is not None else read_raw(path, started)
        verification = verify_registry(raw, _verify_types(args, raw), settings=settings, budget=budget)
    summary = render_summary(report, verification, note=note)
    print(summary, end="")
    if args.summary:
        args.summary.write_text(summary, encoding="utf-8")
    return _exit_code(report, verification)


def _verify_types(args: argparse.Namespace, raw: dict[str, Any]) -> list[str]:
    """Types named with --model-type (a missing entry is then a problem), else every entry."""
    if args.model_type:
        return resolve_model_types(args.model_type, frozenset(raw["model_types"]), every=False)
    return sorted(raw["model_types"], key=natural_key)


def _fresh_enough(path: Path, settings: Settings, now: datetime) -> str | None:
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


def _exit_code(report: RefreshReport | None, verification: VerifyReport | None) -> int:
    failed = [o.model_type for o in report.failures] if report else []
    if failed:
        print(f"error: {len(failed)} model type(s) failed to refresh: {', '.join(failed)}", file=sys.stderr)
    if verification is not None and verification.problems:
        listed = ", ".join(f"{p.model_id} ({p.model_type} {p.role})" for p in verification.problems)
        print(f"error: {len(verification.problems)} registry model(s) did not verify: {listed}", file=sys.stderr)
    return EXIT_FAILED if failed or (verification and verification.problems) else EXIT_OK
