"""The Markdown change report of a registry refresh (the body of the weekly pull request).

What changed is computed here (`diff_entry`); how it reads is the Jinja template
`report_templates/refresh_summary.md.j2`. Every Hub-provided value enters the Markdown through
the `cell` or `code` filter (`text.markdown_cell`, `text.markdown_code`), so a hostile message
cannot add links, HTML or table rows to the pull request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from .registry import format_timestamp
from .text import format_mb, markdown_cell, markdown_code, redact_secrets

if TYPE_CHECKING:
    from .refresh import RefreshReport
    from .verify import VerifyReport

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


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(markdown_code(model_id) for model_id in ids) or "-"


@cache
def _template() -> Any:
    """The summary template (jinja2 is imported only when a summary is rendered)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("hf_testgen", "report_templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML: the filters below do the escaping
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(cell=markdown_cell, code=markdown_code, mb=format_mb, ids=_ids)
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
    moved = [d for d in diffs if not d.new_type and d.old_default != d.new_default]
    moved_types = {d.model_type for d in moved}
    quiet = [d.model_type for d in diffs if not (d.new_type or d.added or d.removed or d.resized)]
    return {
        "started": format_timestamp(report.started),
        "refreshed": sum(o.fresh is not None for o in report.outcomes),
        "verb": "would change" if report.dry_run else "changed",
        "added": [d for d in diffs if d.new_type],
        "moved": moved,
        "churn": [d for d in diffs if not d.new_type and (d.added or d.removed)],
        "resized": [(d.model_type, *r) for d in diffs for r in d.resized],
        "size_change": SIZE_CHANGE_REPORTED,
        "quiet": [t for t in quiet if t not in moved_types],
        "noted": [(o.model_type, n) for o in report.outcomes for n in o.notes],
    }
