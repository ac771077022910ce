"""The Hub calls' deadline and retries, around huggingface_hub's public client only.

huggingface_hub retries 429 and 5xx answers by itself (for about 23 s) and has no overall
deadline; httpx's timeouts bound each read, not a whole body, so a server that trickles one byte
every 20 ms is never timed out. We keep huggingface_hub's shared client, re-created with two more
event hooks through its public `set_client_factory` (see `install_hooks`), active only inside
`deadline(...)`:

- before each request: give up when the deadline has passed or the last try got no answer at all,
  and bound every read of this request by the time left;
- after each answer: wrap the body so that reading it stops at the deadline, and turn a 429 or 5xx
  into `RetryableAnswer` at once, so that huggingface_hub never sleeps on it.

`call_with_retries` is our one bounded loop: it retries a `RetryableAnswer` while tries and time
remain, waiting out Retry-After only when the wait fits. No private huggingface_hub module is used.
Outside a deadline (e.g. transformers downloading weights in the same process) the hooks do nothing.
"""

from __future__ import annotations

import contextlib
import email.utils
import importlib
import logging
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from .config import Settings
from .errors import HubFailure, HubUnavailableError

RETRY_BASE_WAIT_S = 1.0  # our back-off: 1 s, doubling, capped
RETRY_MAX_WAIT_S = 8.0
T = TypeVar("T")


class RetryableAnswer(HubUnavailableError):
    """A 429 or 5xx answer; `.wait_s` is how long to wait before asking again."""

    def __init__(self, reason: HubFailure, message: str, wait_s: float) -> None:
        super().__init__(reason, message)
        self.wait_s = wait_s


@dataclass
class Budget:
    """Time and tries left for one Hub call (all its requests, pages and retries together)."""

    expires: float
    deadline_s: float
    max_tries: int
    tries: int = 0  # requests sent
    answers: int = 0  # responses seen; fewer than tries means a try got no answer at all

    def remaining(self) -> float:
        return self.expires - time.monotonic()

    def timed_out(self) -> HubUnavailableError:
        return HubUnavailableError("timeout", f"the Hub did not answer within the {self.deadline_s:g} s deadline")


_budget: ContextVar[Budget | None] = ContextVar("hf_testgen_hub_budget", default=None)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date (None when absent or unreadable)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, parsed.timestamp() - time.time())
    return seconds if 0 <= seconds < float("inf") else None


def _before_request(request: Any) -> None:
    budget = _budget.get()
    if budget is None:
        return
    remaining = budget.remaining()
    if remaining <= 0:
        raise budget.timed_out()
    if budget.tries > budget.answers:
        # The last try got no answer (refused, name not resolved, connection reset): retrying a
        # Hub that cannot be reached only delays the fallback.
        raise HubUnavailableError("offline", f"the Hub at {request.url.host} could not be reached")
    budget.tries += 1
    request.extensions["timeout"] = {"connect": remaining, "read": remaining, "write": remaining, "pool": remaining}


def _after_response(response: Any) -> None:
    budget = _budget.get()
    if budget is None:
        return
    budget.answers += 1
    response.stream = _deadline_stream(response, budget)
    status = response.status_code
    if status == 429:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        said = f", Retry-After {retry_after:g} s" if retry_after is not None else ""
        wait = retry_after if retry_after is not None else RETRY_BASE_WAIT_S
        raise RetryableAnswer("rate_limited", f"the Hub rate-limited us (429{said})", wait)
    if status >= 500:
        wait = min(RETRY_MAX_WAIT_S, RETRY_BASE_WAIT_S * 2 ** (budget.tries - 1))
        raise RetryableAnswer("server_error", f"the Hub answered {status} {budget.tries} time(s)", wait)


def _deadline_stream(response: Any, budget: Budget) -> Any:
    """The response body as a stream that raises once the deadline passes between two chunks."""
    http = importlib.import_module(type(response).__module__.split(".")[0])  # httpx or httpx2

    class DeadlineStream(http.SyncByteStream):  # type: ignore[misc, name-defined]
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __iter__(self) -> Iterator[bytes]:
            for chunk in self._inner:
                if budget.remaining() <= 0:
                    raise budget.timed_out()
                yield chunk

        def close(self) -> None:
            self._inner.close()

    return DeadlineStream(response.stream)


_installed = False


def install_hooks() -> None:
    """Make huggingface_hub's shared client carry our hooks, now and after it is re-created.

    huggingface_hub closes and re-creates its client after a network error (`close_session`), so
    hooks added to one client would be lost. We register, through the public `set_client_factory`,
    a factory that builds clients like the current one (its hooks, redirects, timeout and headers,
    read through httpx's public properties) plus our two hooks. Done once per process.
    """
    global _installed
    if _installed:
        return
    from huggingface_hub import get_session, set_client_factory

    template = get_session()
    client_class = type(template)
    request_hooks = [*template.event_hooks["request"], _before_request]
    response_hooks = [*template.event_hooks["response"], _after_response]
    follow_redirects, timeout, headers = template.follow_redirects, template.timeout, dict(template.headers)

    def client_factory() -> Any:
        return client_class(
            event_hooks={"request": list(request_hooks), "response": list(response_hooks)},
            follow_redirects=follow_redirects,
            timeout=timeout,
            headers=headers,
        )

    set_client_factory(client_factory)
    _installed = True


@contextlib.contextmanager
def deadline(settings: Settings) -> Iterator[Budget]:
    """One Hub call's budget: `settings.api_deadline_s` seconds and `settings.api_max_tries` tries."""
    budget = Budget(
        expires=time.monotonic() + settings.api_deadline_s,
        deadline_s=settings.api_deadline_s,
        max_tries=settings.api_max_tries,
    )
    token = _budget.set(budget)
    # huggingface_hub logs a warning per network retry; within the deadline our error carries the reason.
    retry_logger = logging.getLogger("huggingface_hub.utils._http")
    level = retry_logger.level
    retry_logger.setLevel(logging.ERROR)
    try:
        yield budget
    finally:
        retry_logger.setLevel(level)
        _budget.reset(token)


def call_with_retries(call: Callable[[], T], budget: Budget) -> T:
    """`call()`, again after a 429 or 5xx while tries remain and the wait fits the deadline.

    Raises:
        HubUnavailableError: the last answer's reason ("rate_limited", "server_error") when the
            tries are spent or the wait would pass the deadline; "timeout" or "offline" at once.
    """
    while True:
        try:
            return call()
        except RetryableAnswer as answer:
            if budget.tries >= budget.max_tries:
                raise HubUnavailableError(answer.reason, str(answer)) from None
            if answer.wait_s > budget.remaining():
                raise HubUnavailableError(answer.reason, f"{answer} beyond the deadline") from None
            time.sleep(answer.wait_s)
