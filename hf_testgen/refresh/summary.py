"""The Markdown change report of a registry refresh (the body of the weekly pull request).

What changed is computed here (`diff_entry`); how it reads is the Jinja template
`refresh/templates/refresh_summary.md.j2`. Every Hub-provided value enters the Markdown through
the `cell` or `code` filter (`text.markdown_cell`, `text.markdown_code`), so a hostile message
cannot add links, HTML or table rows to the pull request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ..core.text import format_mb, markdown_cell, markdown_code, redact_secrets
from ..registry.merge import MAX_UNSEEN_REFRESHES, UNSEEN_REFRESHES, UNSEEN_SINCE
from ..registry.store import format_timestamp

if TYPE_CHECKING:
    from ..hub.verify import VerifyReport
    from .outcome import RefreshReport

SIZE_CHANGE_REPORTED = 0.05  # relative size change worth a line in the summary
TEMPLATE = "refresh_summary.md.j2"


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
    removed: tuple[str, ...]  # dropped: gone (404), missed by too many refreshes, or ranked out
    resized: tuple[tuple[str, float, float], ...]  # (id, old MB, new MB) beyond SIZE_CHANGE_REPORTED
    updated: int = 0  # rows in both entries whose facts changed
    unseen: tuple[tuple[str, str, int], ...] = ()  # (id, unseen since, refreshes missed): kept, not listed

    @property
    def moved(self) -> bool:
        """An existing type whose default changed."""
        return not self.new_type and self.old_default != self.new_default

    @property
    def churned(self) -> bool:
        """An existing type that gained, lost or stopped seeing candidates."""
        return not self.new_type and bool(self.added or self.removed or self.unseen)

    @property
    def quiet(self) -> bool:
        """Only re-counted: no new type, no candidate came or went, none resized or unseen."""
        return not (self.new_type or self.added or self.removed or self.resized or self.unseen)


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
        updated=sum(
            1 for key in old_rows.keys() & new_rows.keys()
            if old_rows[key] != new_rows[key] and UNSEEN_SINCE not in new_rows[key]
        ),  # fmt: skip
        unseen=tuple(
            (key, str(row[UNSEEN_SINCE])[:10], int(row.get(UNSEEN_REFRESHES) or 0))
            for key, row in sorted(new_rows.items()) if UNSEEN_SINCE in row
        ),  # fmt: skip
    )


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(markdown_code(model_id) for model_id in ids) or "-"


def _unseen(rows: Sequence[tuple[str, str, int]]) -> str:
    """Kept candidates the Hub did not list: id, since when, and how many refreshes missed them."""
    shown = (f"{markdown_code(key)} (since {markdown_code(since)}, {misses}x)" for key, since, misses in rows)
    return ", ".join(shown) or "-"


@cache
def _template() -> Any:
    """The summary template (jinja2 is imported only when a summary is rendered)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("hf_testgen.refresh", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML: the filters below do the escaping
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(cell=markdown_cell, code=markdown_code, mb=format_mb, ids=_ids, unseen=_unseen)
    return environment.get_template(TEMPLATE)


def render_summary(report: RefreshReport | None, verification: VerifyReport | None = None, *, note: str = "") -> str:
    """The Markdown change report of a refresh and/or a verification."""
    title = "Model registry check" if report is None and not note else "Model registry refresh"
    context: dict[str, Any] = {"title": title, "note": note, "report": report, "verification": verification}
    if report is not None:
        context.update(_refresh_context(report))
    text = redact_secrets(_template().render(**context))  # the filters redact each value; this catches the rest
    return text.rstrip() + "\n"


def _refresh_context(report: RefreshReport) -> dict[str, Any]:
    """The sections of a refresh: which types were added, moved, churned, resized or only re-counted."""
    diffs = [diff_entry(t, report.before["model_types"].get(t), report.after["model_types"][t]) for t in report.changed]
    return {
        "started": format_timestamp(report.started),
        "refreshed": sum(o.fresh is not None for o in report.outcomes),
        "verb": "would change" if report.dry_run else "changed",
        **_sections(diffs),
        "size_change": SIZE_CHANGE_REPORTED,
        "max_unseen": MAX_UNSEEN_REFRESHES,
        "noted": [(o.model_type, n) for o in report.outcomes for n in o.notes],
    }


def _sections(diffs: Sequence[EntryDiff]) -> dict[str, list]:
    """The entry diffs grouped as the summary lists them (a moved type is never also quiet)."""
    return {
        "added": [d for d in diffs if d.new_type],
        "moved": [d for d in diffs if d.moved],
        "churn": [d for d in diffs if d.churned],
        "resized": [(d.model_type, *r) for d in diffs for r in d.resized],
        "quiet": [d.model_type for d in diffs if d.quiet and not d.moved],
    }
