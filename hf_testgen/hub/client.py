"""The only module that talks to the Hub, through `huggingface_hub.HfApi`.

Every call runs inside `hub.http.deadline(...)` and `hub.http.call_with_retries(...)`: one
overall deadline that covers every request, retry and body, and our own bounded retries of 429
and 5xx answers (see `hub.http`). Only public huggingface_hub API is used. A failure of the Hub
or the network is one `HubUnavailableError` with a reason (`hub.errors`); anything else, a bug
of ours included, propagates and is never a reason to fall back. Answers become
`ModelCandidate` records here, one row at a time: a row that does not parse is skipped with a
note naming the model and the field, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar, get_args

from .._version import __version__
from ..core.config import Settings
from ..core.errors import HubUnavailableError
from ..core.records import ModelCandidate, Note
from ..core.text import terminal_safe
from ..facts.frameworks import detect_frameworks
from ..facts.sizing import estimate_candidate_size
from .errors import hub_errors, parsed, translate
from .http import call_with_retries, deadline, install_hooks

if TYPE_CHECKING:
    from huggingface_hub import HfApi

# What one list request asks for. Each maps to a ModelCandidate field (a test checks).
LIST_EXPAND: tuple[str, ...] = (
    "downloads",
    "likes",
    "trendingScore",
    "pipeline_tag",
    "library_name",
    "tags",
    "gated",
    "disabled",
    "private",
    "lastModified",
    "safetensors",
    "siblings",
    "sha",
    "config",
    "usedStorage",
)
EXPAND_TO_FIELD = {
    "downloads": "downloads",
    "likes": "likes",
    "trendingScore": "trending_score",
    "pipeline_tag": "pipeline_tag",
    "library_name": "library_name",
    "tags": "tags",
    "gated": "gated",
    "disabled": "disabled",
    "private": "private",
    "lastModified": "last_modified",
    "safetensors": "parameters",
    "siblings": "siblings",
    "sha": "sha",
    "config": "architectures",
    "usedStorage": "used_storage",
}
T = TypeVar("T")


def make_api(settings: Settings) -> HfApi:
    """The one factory for the Hub client; the endpoint comes from settings, not from import time."""
    from huggingface_hub import HfApi

    install_hooks()
    return HfApi(
        endpoint=settings.endpoint,
        token=settings.token,
        library_name="hf-testgen",
        library_version=__version__,
    )


def enrich(candidate: ModelCandidate) -> ModelCandidate:
    """Add the derived facts (size, frameworks) to a candidate built from a Hub answer."""
    frameworks = candidate.frameworks or detect_frameworks(candidate.siblings, candidate.tags, candidate.library_name)
    with_frameworks = replace(candidate, frameworks=frameworks)
    return replace(with_frameworks, size=estimate_candidate_size(with_frameworks))


def num_parameters_filter(max_size_mb: float | None) -> str | None:
    """The Hub's `num_parameters` bound for a size limit: no model with more parameters fits it.

    Weights take at least 2 bytes per parameter in the 16-bit and wider formats transformers
    checkpoints are published in, so a limit of N MB admits at most N/2 million parameters. The
    exact size check still happens on our side; this only spares the request what cannot fit.
    """
    if max_size_mb is None:
        return None
    millions = int(max_size_mb / 2)
    return f"min:0,max:{millions // 1000}B" if millions >= 10_000 else f"min:0,max:{max(millions, 1)}M"


def _server_filters(api: HfApi, *, gated: bool | None, max_size_mb: float | None) -> dict[str, Any]:
    """Keyword arguments for the filters this huggingface_hub's `list_models` supports (num_parameters: ≥ 1.9)."""
    import inspect

    accepted = inspect.signature(api.list_models).parameters
    filters: dict[str, Any] = {}
    if gated is not None and "gated" in accepted:
        filters["gated"] = gated
    bound = num_parameters_filter(max_size_mb)
    if bound is not None and "num_parameters" in accepted:
        filters["num_parameters"] = bound
    return filters


def _listing(
    api: HfApi, model_type: str, *, task: str | None, limit: int, filters: dict[str, Any] | None = None
) -> Callable[[], list[Any]]:
    """The one list query (tag filter, downloads order, `LIST_EXPAND`), as a call the retry loop can repeat."""

    def query(expand: list[str]) -> list[Any]:
        return list(
            api.list_models(
                filter=model_type, pipeline_tag=task, sort="downloads", limit=limit, expand=expand, **(filters or {})
            )
        )

    def listing() -> list[Any]:
        try:
            return query(list(LIST_EXPAND))
        except json.JSONDecodeError:
            raise  # a broken body, not a field: `bad_response`
        except ValueError:
            # huggingface_hub parses each row's lastModified while it iterates the answer, so one
            # unreadable date would lose every row: ask once more without dates (recency then counts 0).
            return query([field for field in LIST_EXPAND if field not in DATE_FIELDS])

    return listing


DATE_FIELDS = frozenset({"lastModified", "createdAt"})


def parse_rows(infos: list[Any], *, model_type: str, notes: list[Note] | None) -> list[ModelCandidate]:
    """Candidates from a list answer, parsed one row at a time, in the Hub's order.

    A row that does not parse (an invalid id or sha, `"downloads": "lots"`) is skipped with a
    warning naming the model and the field; a second row with the same id is dropped.
    """
    candidates: list[ModelCandidate] = []
    seen: set[str] = set()
    for index, info in enumerate(infos):
        try:
            candidate = enrich(ModelCandidate.from_model_info(info, model_type=model_type))
        except ValueError as err:  # a field named by the record's checks
            shown = _shown(info.id)
            _note(notes, f"Hub row {index} ({shown}) skipped: {err}")
            continue
        if candidate.model_id in seen:
            _note(notes, f"Hub row {index} ({candidate.model_id}) skipped: the id was listed twice")
            continue
        seen.add(candidate.model_id)
        candidates.append(candidate)
    return candidates


def _note(notes: list[Note] | None, text: str) -> None:
    if notes is not None:
        notes.append(Note("warning", text))


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return terminal_safe(text if len(text) <= 100 else text[:97] + "...")


def fetch_candidates(
    model_type: str,
    *,
    task: str | None = None,
    settings: Settings,
    limit: int | None = None,
    notes: list[Note] | None = None,
    gated: bool | None = None,
    max_size_mb: float | None = None,
) -> list[ModelCandidate]:
    """Live candidates for a model type (and task): one `list_models` request, best-downloaded first.

    Args:
        model_type: a transformers model type, used as the tag filter.
        task: a pipeline tag to filter on, or None for any.
        settings: endpoint, token, deadline, tries and default limit.
        limit: how many candidates (default `settings.api_limit`).
        notes: where a warning per skipped row goes (model and field named).
        gated: False asks the Hub for non-gated models only; None for all.
        max_size_mb: a size limit, sent as a `num_parameters` bound (see `num_parameters_filter`).

    Returns:
        Candidates with sizes and frameworks derived.

    Raises:
        HubUnavailableError: offline, rate limited beyond the deadline, 5xx, timeout, bad JSON.
    """
    api = make_api(settings)

    filters = _server_filters(api, gated=gated, max_size_mb=max_size_mb)
    listing = _listing(api, model_type, task=task, limit=limit or settings.api_limit, filters=filters)
    infos = _hub_call(lambda: parsed(listing, "a list of models"), settings)
    return parse_rows(infos, model_type=model_type, notes=notes)


def _hub_call(
    call: Callable[[], T],
    settings: Settings,
    *,
    max_requests: int | None = None,
    on_requests: Callable[[int], None] | None = None,
    more_tries: int = 0,
) -> T:
    """`call()` within one deadline and our bounded retries (`hub.http`); `on_requests` gets the
    number of requests sent, also when the call fails. A failure of the Hub or the network (one of
    `hub_errors()`) becomes one `HubUnavailableError` with a reason; anything else propagates.
    """
    with deadline(settings, max_requests=max_requests) as budget:
        budget.max_tries += more_tries
        try:
            return call_with_retries(call, budget)
        except hub_errors() as err:
            raise translate(err, settings) from err
        finally:
            if on_requests is not None:
                on_requests(budget.tries)


def fetch_model(
    model_id: str,
    *,
    settings: Settings,
    model_type: str | None = None,
    on_requests: Callable[[int], None] | None = None,
    max_requests: int | None = None,
) -> ModelCandidate:
    """Full facts for one model, with exact file sizes (`model_info(files_metadata=True)`).

    Args:
        on_requests: called with the number of requests sent (the refresh's request budget).
        max_requests: the most requests it may send, redirects and retries included.

    Raises:
        HubUnavailableError: with reason "not_found" when the model does not exist.
    """
    api = make_api(settings)
    info = _hub_call(
        lambda: parsed(lambda: api.model_info(model_id, files_metadata=True), "a model's facts"),
        settings,
        max_requests=max_requests,
        on_requests=on_requests,
    )
    try:
        return enrich(ModelCandidate.from_model_info(info, model_type=model_type, fact_source="hub-api model_info"))
    except ValueError as err:  # a field named by the record's checks
        message = f"the Hub's answer for {_shown(model_id)} is unusable: {err}"
        raise HubUnavailableError("bad_response", message) from None


def expand_properties() -> tuple[str, ...]:
    """The `expand=` properties huggingface_hub accepts (for the consistency test)."""
    from huggingface_hub.hf_api import ExpandModelProperty_T

    return get_args(ExpandModelProperty_T)


# --- the registry refresh: deeper lists and counted requests -----------------------------------


def fetch_candidate_pages(
    model_type: str,
    *,
    settings: Settings,
    limit: int,
    pages: int = 1,
    task: str | None = None,
    on_requests: Callable[[int], None] | None = None,
    notes: list[Note] | None = None,
    max_requests: int | None = None,
) -> list[ModelCandidate]:
    """Up to `limit` x `pages` live candidates for a model type, following the Hub's pages.

    The query is the one of `fetch_candidates` (tag filter, downloads order, `LIST_EXPAND`), so a
    refresh sees what the API level of selection sees, only deeper. huggingface_hub follows each
    `Link: rel="next"` header by itself; a 429 or 5xx on any page restarts the listing (with
    `settings.api_max_tries + pages - 1` tries in all), and all pages share one deadline.

    Args:
        model_type: a transformers model type, used as the tag filter.
        settings: endpoint, token, deadline and tries per page.
        limit: candidates per page asked for.
        pages: how many pages of `limit` to read (the Hub may split them further).
        task: a pipeline tag to filter on, or None for every task.
        on_requests: called once with the number of HTTP requests sent, also when the call fails.
        max_requests: the most requests the call may send, pages, redirects and retries together
            (the refresh passes what its `--max-requests` window has left); past it the call fails.

    Returns:
        Candidates with sizes and frameworks derived, best-downloaded first.

    Raises:
        HubUnavailableError: offline, rate limited beyond the deadline, 5xx, timeout, bad JSON.
    """
    listing = _listing(make_api(settings), model_type, task=task, limit=limit * pages)
    infos = _hub_call(  # a retried listing starts again at page 1: one more try per page
        lambda: parsed(listing, "a list of models"), settings,
        max_requests=max_requests, on_requests=on_requests, more_tries=pages - 1,
    )  # fmt: skip
    return parse_rows(infos, model_type=model_type, notes=notes)
