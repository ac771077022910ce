"""The refresh's model_info calls: exact sizes for the few candidates that can become a type's
default, and the check that an old candidate the Hub no longer lists is really gone.

Both cost one `model_info` request per model, counted against the refresh's `RequestBudget`, so
both are bounded per type: `RefreshOptions.exact_size_top` (twice that in calls) and
`UNSEEN_CHECKS_PER_TYPE`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, NamedTuple

from ..core.config import Settings
from ..core.errors import HubUnavailableError
from ..core.progress import RequestBudget
from ..core.records import ModelCandidate, SizeEstimate
from ..hub import client as hub
from ..selection.ranking import access_rejection

EXACT_SIZE_SOURCE = "hub-api, size from model_info"
# Old candidates the Hub no longer lists that one refresh asks model_info about (a 404 drops them
# at once). Asked only when the Hub listed fewer models than requested, the case where candidates
# go missing: a full answer only means the old ones rank below the models asked for.
UNSEEN_CHECKS_PER_TYPE = 3


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
    exact_size_top: int,
    budget: RequestBudget,
    notes: list[str],
    gone: set[str] | None = None,
) -> list[ModelCandidate]:
    """Give the first `exact_size_top` open candidates an exact size.

    One `model_info(files_metadata=True)` per candidate whose size the list answer left
    estimated, at most twice `exact_size_top` calls per type. A model that vanished since the
    list is dropped; any other failure leaves the estimate in place (and a note).
    """
    result = list(ranked)
    resolved = calls = index = 0
    while index < len(result) and resolved < exact_size_top and calls < 2 * exact_size_top:
        step = _size_one(
            result[index], old_rows=old_rows, model_type=model_type, settings=settings, budget=budget, notes=notes
        )
        calls += step.asked
        if step.candidate is None:  # vanished since the list
            if gone is not None:
                gone.add(result[index].model_id)
            del result[index]
            continue
        result[index] = step.candidate
        resolved += step.exact
        index += 1
    return result


class _Sized(NamedTuple):
    candidate: ModelCandidate | None  # with its exact size when one was found; None: the model vanished
    exact: bool  # its size is exact now
    asked: bool  # model_info was called


def _size_one(
    candidate: ModelCandidate,
    *,
    old_rows: dict[str, dict[str, Any]],
    model_type: str,
    settings: Settings,
    budget: RequestBudget,
    notes: list[str],
) -> _Sized:
    """One candidate's exact size: skipped when it cannot be a default, kept when known, else asked of model_info."""
    if access_rejection(candidate, False) is not None:
        return _Sized(candidate, exact=False, asked=False)
    if candidate.size is not None and candidate.size.exact:
        return _Sized(candidate, exact=True, asked=False)
    known = known_exact_size(old_rows.get(candidate.model_id), candidate.sha)
    if known is not None:
        return _Sized(replace(candidate, size=known, fact_source=EXACT_SIZE_SOURCE), exact=True, asked=False)
    budget.wait_for(settings.api_max_tries)
    try:
        info = hub.fetch_model(
            candidate.model_id,
            settings=settings,
            model_type=model_type,
            on_requests=budget.record,
            max_requests=budget.room(),
        )
    except HubUnavailableError as err:
        if err.reason == "not_found":
            notes.append(f"{candidate.model_id} vanished between the list and model_info; dropped")
            return _Sized(None, exact=False, asked=True)
        notes.append(f"{candidate.model_id}: size stays estimated, model_info failed ({err.reason})")
        return _Sized(candidate, exact=False, asked=True)
    if info.size is not None and info.size.exact:
        return _Sized(replace(candidate, size=info.size, fact_source=EXACT_SIZE_SOURCE), exact=True, asked=True)
    notes.append(f"{candidate.model_id}: model_info lists no weight file sizes; size stays estimated")
    return _Sized(candidate, exact=False, asked=True)


def confirm_gone(
    unseen: Iterable[str], *, model_type: str, settings: Settings, budget: RequestBudget, notes: list[str]
) -> set[str]:
    """The ids among the first `UNSEEN_CHECKS_PER_TYPE` of `unseen` that model_info says do not exist.

    Any other answer (the model exists, a timeout, a 5xx) keeps the candidate: only a 404 is proof.
    """
    gone: set[str] = set()
    for model_id in list(unseen)[:UNSEEN_CHECKS_PER_TYPE]:
        budget.wait_for(settings.api_max_tries)
        try:
            hub.fetch_model(model_id, settings=settings, model_type=model_type, on_requests=budget.record,
                            max_requests=budget.room())  # fmt: skip
        except HubUnavailableError as err:
            if err.reason == "not_found":
                gone.add(model_id)
                notes.append(f"{model_id} is no longer listed and model_info says it is gone; dropped")
    return gone
