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
remain, waiting out Retry-After only when the wait fits. No private huggingface_hub name is used: its
retry warnings are silenced inside a deadline through its public `utils.logging` verbosity.
Outside a deadline (e.g. transformers downloading weights in the same process) the hooks do nothing.

Issue 15 closed what the hooks alone could not bound:

- the header phase: the client's transport is `transport.DeadlineTransport`, whose sockets
  never wait past the deadline, so connect, status line, headers and body share it;
- the size: an answer is read to at most `MAX_RESPONSE_BYTES` after decompression (a declared
  Content-Length above it is refused before reading; gzip and deflate are decoded here, in
  bounded steps, so a small compressed bomb cannot expand in memory; other encodings, never
  asked for, are refused);
- the number of requests: one call sends at most `Budget.max_requests` (pages, redirects and
  retries together; the refresh passes what its `--max-requests` window has left), never the
  same URL twice in one try (a `Link: rel=next` or a redirect pointing back is a loop), and
  never a request to a host other than the endpoint's (a hostile next-page link would otherwise
  receive the token, which huggingface_hub sends with every page).
"""

from __future__ import annotations

import contextlib
import email.utils
import time
import zlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..core.config import Settings
from ..core.errors import HubFailure, HubUnavailableError

RETRY_BASE_WAIT_S = 1.0  # our back-off: 1 s, doubling, capped
RETRY_MAX_WAIT_S = 8.0
# The largest answer read, after decompression. A list page of 1,000 models with every expanded
# field, or model_info of a repository with thousands of files, stays within a few MB; 32 MiB is
# ample headroom and still a bounded amount of memory for json and huggingface_hub to parse.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
# Requests one call may send when no request budget says otherwise (selection, the plugin's
# probe): its tries, plus a few redirects and pages (at least twice the tries). More means the
# Hub's answers loop.
MAX_REQUESTS_PER_CALL = 10
ACCEPTED_ENCODINGS = "gzip, deflate"  # what we can decode in bounded steps (see `_body_stream`)
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
    max_requests: int = MAX_REQUESTS_PER_CALL  # requests of all tries together, pages and redirects included
    origin: tuple[str, str, int | None] | None = None  # the endpoint's (scheme, host, port): no other is asked
    max_bytes: int = MAX_RESPONSE_BYTES
    seen: set[tuple[str, str]] = field(default_factory=set)  # (method, URL) asked in the current try
    broken: bool = False  # reading an answer's body failed in the current try (cut off, reset)

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
    if budget.tries >= budget.max_requests:
        raise HubUnavailableError(
            "bad_response", f"the Hub call needed more than {budget.max_requests} requests (pages, redirects, retries)"
        )
    if budget.origin is not None and _origin(str(request.url)) != budget.origin:
        raise HubUnavailableError(
            "bad_response", f"the Hub pointed to another host ({request.url.host}); not followed, the token stays home"
        )
    key = (request.method, str(request.url))
    if key in budget.seen and budget.broken:  # huggingface_hub retrying an answer that broke off
        raise HubUnavailableError("bad_response", f"the Hub's answer to {request.url.path} broke off before its end")
    if key in budget.seen:
        raise HubUnavailableError(
            "bad_response", f"the Hub's answers loop: {request.url.path} was asked for twice (a next page or redirect)"
        )
    budget.seen.add(key)
    budget.tries += 1
    request.headers["Accept-Encoding"] = ACCEPTED_ENCODINGS
    request.extensions["timeout"] = {"connect": remaining, "read": remaining, "write": remaining, "pool": remaining}


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the port spelt out for http and https."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # a port out of range: no request reaches it anyway
        port = None
    return scheme, (parts.hostname or "").lower(), port


def _after_response(response: Any) -> None:
    budget = _budget.get()
    if budget is None:
        return
    budget.answers += 1
    response.stream = _body_stream(response, budget)
    status = response.status_code
    if status == 429:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        said = f", Retry-After {retry_after:g} s" if retry_after is not None else ""
        wait = retry_after if retry_after is not None else RETRY_BASE_WAIT_S
        raise RetryableAnswer("rate_limited", f"the Hub rate-limited us (429{said})", wait)
    if status >= 500:
        wait = min(RETRY_MAX_WAIT_S, RETRY_BASE_WAIT_S * 2 ** (budget.tries - 1))
        raise RetryableAnswer("server_error", f"the Hub answered {status} {budget.tries} time(s)", wait)


def _body_stream(response: Any, budget: Budget) -> Any:
    """The response body as a stream that stops at the deadline and at `budget.max_bytes`
    (`transport.BoundedBody`). The Content-Encoding header of a gzip or deflate answer is dropped,
    so that httpx does not decode again what the stream decodes in bounded steps.

    Raises:
        HubUnavailableError: "bad_response" for a declared length above the cap or an encoding
            that was not asked for (before any of the body is read).
    """
    from .transport import BoundedBody  # loaded by `install_hooks` already; it imports httpx

    declared = response.headers.get("Content-Length", "").strip()
    if declared.isascii() and declared.isdigit() and int(declared) > budget.max_bytes:
        cap_mb = f"{budget.max_bytes / 1_000_000:g} MB"
        raise HubUnavailableError("bad_response", f"the Hub's answer is {int(declared):,} bytes, over the {cap_mb} cap")
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        raise HubUnavailableError(
            "bad_response", f"the Hub's answer is encoded as {encoding[:40]!r}; we asked for {ACCEPTED_ENCODINGS}"
        )
    decoder = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS if "gzip" in encoding else zlib.MAX_WBITS)
        del response.headers["Content-Encoding"]
    return BoundedBody(response.stream, budget, decoder, encoding)


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

    from .transport import http, make_transport

    template = get_session()
    if not isinstance(template, http.Client):
        raise TypeError(f"huggingface_hub's client is a {type(template).__name__}, not an {http.__name__}.Client")
    client_class = type(template)
    request_hooks = [*template.event_hooks["request"], _before_request]
    response_hooks = [*template.event_hooks["response"], _after_response]
    follow_redirects, timeout, headers = template.follow_redirects, template.timeout, dict(template.headers)

    def client_factory() -> Any:
        return client_class(
            event_hooks={"request": list(request_hooks), "response": list(response_hooks)},
            transport=make_transport(_budget.get),
            follow_redirects=follow_redirects,
            timeout=timeout,
            headers=headers,
        )

    set_client_factory(client_factory)
    get_session()  # build the client (and its TLS context) now, outside any call's deadline
    _installed = True


@contextlib.contextmanager
def deadline(settings: Settings, *, max_requests: int | None = None) -> Iterator[Budget]:
    """One Hub call's budget: `settings.api_deadline_s` seconds and `settings.api_max_tries` tries.

    Args:
        max_requests: the most requests of the call, all tries, pages and redirects together
            (default `MAX_REQUESTS_PER_CALL`).
    """
    with bounded(settings.api_deadline_s, settings.endpoint, max_tries=settings.api_max_tries,
                 max_requests=max_requests) as budget:  # fmt: skip
        yield budget


@contextlib.contextmanager
def bounded(
    deadline_s: float, endpoint: str, *, max_tries: int = 1, max_requests: int | None = None
) -> Iterator[Budget]:
    """A budget of `deadline_s` seconds for the Hub calls made inside, to `endpoint`'s host only
    (also used by the pytest plugin's probe, which has no `Settings`). Installs the hooks."""
    from huggingface_hub.utils import logging as hf_logging

    install_hooks()
    budget = Budget(
        expires=time.monotonic() + deadline_s,
        deadline_s=deadline_s,
        max_tries=max_tries,
        max_requests=max(MAX_REQUESTS_PER_CALL, 2 * max_tries) if max_requests is None else max_requests,
        origin=_origin(endpoint),
    )
    token = _budget.set(budget)
    # huggingface_hub logs a warning per network retry; within the deadline our error carries the reason.
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity(hf_logging.ERROR)
    try:
        yield budget
    finally:
        hf_logging.set_verbosity(verbosity)
        _budget.reset(token)


def call_with_retries(call: Callable[[], T], budget: Budget) -> T:
    """`call()`, again after a 429 or 5xx while tries remain and the wait fits the deadline.

    Raises:
        HubUnavailableError: the last answer's reason ("rate_limited", "server_error") when the
            tries are spent or the wait would pass the deadline; "timeout" or "offline" at once.
    """
    while True:
        budget.seen.clear()  # a retry asks the first page again; only a repeat within one try is a loop
        budget.broken = False
        try:
            return call()
        except RetryableAnswer as answer:
            if budget.tries >= min(budget.max_tries, budget.max_requests):
                raise HubUnavailableError(answer.reason, str(answer)) from None
            if answer.wait_s > budget.remaining():
                raise HubUnavailableError(answer.reason, f"{answer} beyond the deadline") from None
            time.sleep(answer.wait_s)
