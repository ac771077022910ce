"""How a refresh merges one model type's candidates into the registry: it keeps, never replaces.

Issue 15: when the Hub listed fewer models (bert: 19 candidates, then 1), the refresh replaced
the entry's candidates wholesale and lost `google-bert/bert-base-uncased`, the only one with
fill-mask evidence. A short answer is far likelier to be a passing fault (a search index that
lags, a tag being renamed, a partial outage) than the Hub losing those models, so:

- a fresh candidate replaces its old row (new facts win), and comes first, in the refresh's order;
- an old candidate the Hub did not list this time is kept after them, marked `unseen_since`
  (the date of the first refresh that missed it) and `unseen_refreshes` (how many refreshes in a
  row missed it); when the Hub lists it again the fresh row carries no mark;
- it is dropped once `MAX_UNSEEN_REFRESHES` refreshes in a row missed it, or at once when
  model_info answered 404 for it (`gone`), or when the Hub listed it and the refresh ranked it
  out (fresher facts outranked it: that is a choice, not a loss).

`MAX_UNSEEN_REFRESHES` is 4: the weekly refresh thus keeps a missing candidate for about a month,
longer than Hub incidents last, yet a model retagged away from its type for a month is gone from
it for good. Only these two keys are added to a row; readers that do not know them ignore them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_UNSEEN_REFRESHES = 4
UNSEEN_SINCE = "unseen_since"
UNSEEN_REFRESHES = "unseen_refreshes"
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")  # registry.format_timestamp's form


@dataclass(frozen=True)
class CandidateChanges:
    """What one merge did to a type's candidate rows, by id (the refresh summary reports these)."""

    added: tuple[str, ...] = ()  # listed now, not in the old entry
    updated: tuple[str, ...] = ()  # in both, with a changed row
    kept_unseen: tuple[str, ...] = ()  # not listed now, kept with the unseen marks
    dropped: tuple[str, ...] = ()  # in the old entry, not in the new one


def unseen_count(row: dict[str, Any]) -> int:
    """A row's `unseen_refreshes`: 0 when absent or not a whole number in range (a hand-edited file)."""
    value = row.get(UNSEEN_REFRESHES)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UNSEEN_REFRESHES:
        return 0
    return value


def merge_candidates(
    old_rows: Sequence[Any],
    fresh_rows: Sequence[dict[str, Any]],
    *,
    listed: frozenset[str] | None,
    gone: frozenset[str],
    today: str,
) -> tuple[list[dict[str, Any]], CandidateChanges]:
    """The merged candidate rows of one type, and what changed.

    Args:
        old_rows: the entry's rows as read (rows that are not objects with an id are dropped).
        fresh_rows: the refresh's rows, in its order (`ModelCandidate.to_dict()`).
        listed: every id the Hub listed this time, ranked out ones included (None: `fresh_rows`).
        gone: ids model_info answered 404 for.
        today: the refresh's timestamp, stored as `unseen_since` on a first miss.
    """
    fresh_ids = {row["id"] for row in fresh_rows}
    listed_ids = fresh_ids if listed is None else listed | fresh_ids
    old_by_id = {row["id"]: row for row in old_rows if isinstance(row, dict) and isinstance(row.get("id"), str)}
    missed = [row for model_id, row in old_by_id.items() if model_id not in listed_ids and model_id not in gone]
    kept = [marked for row in missed if (marked := _marked_unseen(row, today)) is not None]
    merged = [*fresh_rows, *kept]
    return merged, _changes(old_by_id, fresh_rows, kept, merged)


def _changes(
    old_by_id: dict[str, dict[str, Any]],
    fresh_rows: Sequence[dict[str, Any]],
    kept: Sequence[dict[str, Any]],
    merged: Sequence[dict[str, Any]],
) -> CandidateChanges:
    merged_ids = {row["id"] for row in merged}
    return CandidateChanges(
        added=tuple(row["id"] for row in fresh_rows if row["id"] not in old_by_id),
        updated=tuple(row["id"] for row in fresh_rows if row["id"] in old_by_id and old_by_id[row["id"]] != row),
        kept_unseen=tuple(row["id"] for row in kept),
        dropped=tuple(model_id for model_id in old_by_id if model_id not in merged_ids),
    )


def _marked_unseen(row: dict[str, Any], today: str) -> dict[str, Any] | None:
    """An old row the Hub did not list, with its unseen marks; None once too many refreshes missed it."""
    misses = unseen_count(row) + 1
    if misses >= MAX_UNSEEN_REFRESHES:
        return None
    since = row.get(UNSEEN_SINCE)
    if misses == 1 or not (isinstance(since, str) and _TIMESTAMP.fullmatch(since) and since <= today):
        since = today  # a first miss, or a mark that is not one of our timestamps (or in the future)
    return {**row, UNSEEN_SINCE: since, UNSEEN_REFRESHES: misses}
