"""The only module that talks to the Hub, through `huggingface_hub.HfApi`.

huggingface_hub retries 429 and 5xx answers by itself (about 23 s before it gives up) and has
no overall deadline, which would stall the fallback chain. We keep its client but add two
event hooks to the shared HTTP client, active only inside `_deadline(...)`:
- before each request: give up when the deadline has passed or the try budget is spent, and
  set the request's timeout to the time left;
- after each answer: on 429 whose Retry-After does not fit the time left, or on a 5xx whose
  back-off would not fit (or the last try), raise `HubUnavailableError` at once instead of
  letting huggingface_hub sleep.
Outside a deadline (e.g. transformers downloading weights in the same process) the hooks do nothing.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, get_args

from ._version import __version__
from .config import Settings
from .errors import HubFailure, HubUnavailableError
from .frameworks import detect_frameworks
from .records import ModelCandidate
from .sizing import estimate_candidate_size

if TYPE_CHECKING:
    from huggingface_hub import HfApi

# What one list request asks for. Each maps to a ModelCandidate field (a test checks).
ExpandProperty = Any  # the Literal lives in huggingface_hub; kept loose so this module imports without it
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
}
BACKOFF_BASE_S = 1.0  # huggingface_hub's http_backoff: 1 s, doubling, capped at 8 s
BACKOFF_MAX_S = 8.0


@dataclass
class _Budget:
    """Time and tries left for one API-level call."""

    expires: float
    deadline_s: float
    max_tries: int
    tries: int = 0
    answers: int = 0  # responses seen; fewer than tries means a try got no answer at all
    last_failure: HubFailure = "timeout"
    last_message: str = ""

    def remaining(self) -> float:
        return self.expires - time.monotonic()


_budget: ContextVar[_Budget | None] = ContextVar("hf_testgen_hub_budget", default=None)
_hooks_installed = False


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _before_request(request: Any) -> None:
    budget = _budget.get()
    if budget is None:
        return
    remaining = budget.remaining()
    if remaining <= 0:
        raise HubUnavailableError("timeout", f"the Hub did not answer within the {budget.deadline_s:g} s deadline")
    if budget.tries > budget.answers:
        # The last try got no answer (refused, name not resolved, connection reset): retrying a
        # Hub that cannot be reached only delays the fallback.
        raise HubUnavailableError("offline", f"the Hub at {request.url.host} could not be reached")
    if budget.tries >= budget.max_tries:
        raise HubUnavailableError(budget.last_failure, budget.last_message or "the Hub kept failing")
    budget.tries += 1
    request.extensions["timeout"] = {
        "connect": remaining,
        "read": remaining,
        "write": remaining,
        "pool": remaining,
    }


def _after_response(response: Any) -> None:
    budget = _budget.get()
    if budget is None:
        return
    budget.answers += 1
    status = response.status_code
    if status != 429 and status < 500:
        return
    if status == 429:
        retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
        budget.last_failure = "rate_limited"
        budget.last_message = (
            f"the Hub rate-limited us (429, Retry-After {retry_after:g} s)"
            if retry_after is not None
            else "the Hub rate-limited us (429)"
        )
        wait = (retry_after if retry_after is not None else BACKOFF_BASE_S) + 1  # http_backoff adds 1 s
    else:
        budget.last_failure = "server_error"
        budget.last_message = f"the Hub answered {status} {budget.tries} time(s)"
        wait = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (budget.tries - 1))
    if budget.tries >= budget.max_tries or wait > budget.remaining():
        beyond = " beyond the deadline" if wait > budget.remaining() else ""
        raise HubUnavailableError(budget.last_failure, budget.last_message + beyond)


def _install_hooks() -> None:
    """Add the deadline hooks to huggingface_hub's shared HTTP client (once per process)."""
    global _hooks_installed
    if _hooks_installed:
        return
    from huggingface_hub.utils import _http

    def factory() -> Any:
        client = _http.default_client_factory()
        client.event_hooks["request"].append(_before_request)
        client.event_hooks["response"].append(_after_response)
        return client

    _http.set_client_factory(factory)
    _hooks_installed = True


@contextlib.contextmanager
def _deadline(settings: Settings) -> Iterator[_Budget]:
    budget = _Budget(
        expires=time.monotonic() + settings.api_deadline_s,
        deadline_s=settings.api_deadline_s,
        max_tries=settings.api_max_tries,
    )
    token = _budget.set(budget)
    # huggingface_hub logs a warning per retry; within the deadline our error carries the reason.
    retry_logger = logging.getLogger("huggingface_hub.utils._http")
    level = retry_logger.level
    retry_logger.setLevel(logging.ERROR)
    try:
        yield budget
    finally:
        retry_logger.setLevel(level)
        _budget.reset(token)


def make_api(settings: Settings) -> HfApi:
    """The one factory for the Hub client; the endpoint comes from settings, not from import time."""
    from huggingface_hub import HfApi

    _install_hooks()
    return HfApi(
        endpoint=settings.endpoint,
        token=settings.token,
        library_name="hf-testgen",
        library_version=__version__,
    )


def _translate(err: BaseException) -> HubUnavailableError:
    """Turn whatever huggingface_hub or the HTTP layer raised into our error, with a reason."""
    from huggingface_hub import errors as hf_errors

    if isinstance(err, HubUnavailableError):
        return err
    if isinstance(err, hf_errors.OfflineModeIsEnabled):
        return HubUnavailableError("offline", "HF_HUB_OFFLINE is set")
    if isinstance(err, hf_errors.RepositoryNotFoundError):
        return HubUnavailableError("not_found", f"not found on the Hub: {str(err).splitlines()[0]}")
    if isinstance(err, hf_errors.HfHubHTTPError):
        status = getattr(err.response, "status_code", None)
        reason: HubFailure = (
            "rate_limited" if status == 429 else "server_error" if (status or 0) >= 500 else
            "not_found" if status == 404 else "bad_response"
        )  # fmt: skip
        return HubUnavailableError(reason, f"the Hub answered {status}: {str(err).splitlines()[0]}")
    if isinstance(err, TimeoutError) or type(err).__name__.endswith("Timeout") or "Timeout" in type(err).__name__:
        return HubUnavailableError("timeout", f"the Hub timed out: {err}")
    if isinstance(err, ValueError):  # json.JSONDecodeError, pydantic-free parsing errors
        return HubUnavailableError("bad_response", f"the Hub's answer could not be read: {err}")
    return HubUnavailableError("offline", f"the Hub could not be reached: {type(err).__name__}: {err}")


def enrich(candidate: ModelCandidate) -> ModelCandidate:
    """Add the derived facts (size, frameworks) to a candidate built from a Hub answer."""
    frameworks = candidate.frameworks or detect_frameworks(candidate.siblings, candidate.tags, candidate.library_name)
    with_frameworks = replace(candidate, frameworks=frameworks)
    return replace(with_frameworks, size=estimate_candidate_size(with_frameworks))


def fetch_candidates(
    model_type: str, *, task: str | None = None, settings: Settings, limit: int | None = None
) -> list[ModelCandidate]:
    """Live candidates for a model type (and task): one `list_models` request, best-downloaded first.

    Args:
        model_type: a transformers model type, used as the tag filter.
        task: a pipeline tag to filter on, or None for any.
        settings: endpoint, token, deadline, tries and default limit.
        limit: how many candidates (default `settings.api_limit`).

    Returns:
        Candidates with sizes and frameworks derived.

    Raises:
        HubUnavailableError: offline, rate limited beyond the deadline, 5xx, timeout, bad JSON.
    """
    api = make_api(settings)
    with _deadline(settings):
        try:
            infos = list(
                api.list_models(
                    filter=model_type,
                    pipeline_tag=task,
                    sort="downloads",
                    limit=limit or settings.api_limit,
                    expand=list(LIST_EXPAND),
                )
            )
        except Exception as err:  # every failure of the live level becomes a reason to fall back
            raise _translate(err) from err
    return [enrich(ModelCandidate.from_model_info(i, model_type=model_type)) for i in infos]


def fetch_model(
    model_id: str,
    *,
    settings: Settings,
    model_type: str | None = None,
    on_requests: Callable[[int], None] | None = None,
) -> ModelCandidate:
    """Full facts for one model, with exact file sizes (`model_info(files_metadata=True)`).

    Args:
        on_requests: called with the number of requests sent (the refresh's request budget).

    Raises:
        HubUnavailableError: with reason "not_found" when the model does not exist.
    """
    api = make_api(settings)
    with _deadline(settings) as budget:
        try:
            info = api.model_info(model_id, files_metadata=True)
        except Exception as err:
            raise _translate(err) from err
        finally:
            if on_requests is not None:
                on_requests(budget.tries)
    return enrich(ModelCandidate.from_model_info(info, model_type=model_type, fact_source="hub-api model_info"))


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
) -> list[ModelCandidate]:
    """Up to `limit` x `pages` live candidates for a model type, following the Hub's pages.

    The query is the one of `fetch_candidates` (tag filter, downloads order, `LIST_EXPAND`), so a
    refresh sees what the API level of selection sees, only deeper. huggingface_hub follows each
    `Link: rel="next"` header by itself; here every page that arrives gives the next one a fresh
    set of `settings.api_max_tries` tries, and all pages share the one `api_deadline_s` deadline.

    Args:
        model_type: a transformers model type, used as the tag filter.
        settings: endpoint, token, deadline and tries per page.
        limit: candidates per page asked for.
        pages: how many pages of `limit` to read (the Hub may split them further).
        task: a pipeline tag to filter on, or None for every task.
        on_requests: called once with the number of HTTP requests sent (pages and retries),
            also when the call fails, so that the caller can keep a request budget.

    Returns:
        Candidates with sizes and frameworks derived, best-downloaded first.

    Raises:
        HubUnavailableError: offline, rate limited beyond the deadline, 5xx, timeout, bad JSON.
    """
    api = make_api(settings)
    infos: list[Any] = []
    with _deadline(settings) as budget:
        answered = 0
        try:
            for info in api.list_models(
                filter=model_type,
                pipeline_tag=task,
                sort="downloads",
                limit=limit * pages,
                expand=list(LIST_EXPAND),
            ):
                if budget.tries != answered:  # a page just arrived: the next one gets its own tries
                    answered = budget.tries
                    budget.max_tries = answered + settings.api_max_tries
                infos.append(info)
        except Exception as err:  # every failure becomes one HubUnavailableError with a reason
            raise _translate(err) from err
        finally:
            if on_requests is not None:
                on_requests(budget.tries)
    return [enrich(ModelCandidate.from_model_info(i, model_type=model_type)) for i in infos]
