"""What a refresh reports (a `TypeOutcome` per model type, one `RefreshReport`) and how it ends: under the
registry's file lock, read the file again, merge the fresh facts and write it (a dry run merges in memory only).

Reading again under the lock is what lets two refreshes of different types run at once without either
losing the other's update (see `job`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core.errors import RegistryError
from ..core.progress import RequestBudget
from ..registry.store import TypeRefresh, empty_registry, load_registry, merge_refresh, save_registry


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


@dataclass(frozen=True)
class RefreshRun:
    """What every report of one refresh shares."""

    path: Path
    source: str  # the endpoint without credentials: stored in the registry and shown in the summary
    started: datetime
    outcomes: list[TypeOutcome]
    dry_run: bool
    budget: RequestBudget

    def report(self, before: dict[str, Any], after: dict[str, Any], changed: list[str], written: bool) -> RefreshReport:
        return RefreshReport(
            path=Path(self.path),
            source=self.source,
            started=self.started,
            outcomes=self.outcomes,
            before=before,
            after=after,
            changed=changed,
            written=written,
            dry_run=self.dry_run,
            requests=self.budget.total,
            waited_s=self.budget.waited_s,
        )


def merge_and_write(
    run: RefreshRun, before: dict[str, Any], lock_timeout_s: float, before_write: Callable[[RefreshReport], None] | None
) -> RefreshReport:
    """Merge the fresh facts: in memory for a dry run, else under the lock, writing the registry when it changed."""
    fresh = [o.fresh for o in run.outcomes if o.fresh is not None]
    if run.dry_run:
        after, changed = merge_refresh(before, fresh, now=run.started, source=run.source)
        return run.report(before, after, changed, False)
    with registry_lock(run.path, lock_timeout_s):
        current = read_raw(run.path, run.started)
        after, changed = merge_refresh(current, fresh, now=run.started, source=run.source)
        report = run.report(current, after, changed, bool(changed))
        if report.written:
            if before_write is not None:
                before_write(report)
            save(after, run.path)
    return report


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


def save(raw: dict[str, Any], path: Path) -> None:
    """Validate and write atomically; a failed write leaves the old file and no temporary file."""
    try:
        save_registry(raw, path)
    except OSError as err:
        raise RegistryError(path, f"could not be written ({err}); the old file is unchanged") from None
