"""The HTTP transport of the Hub calls: every socket read and write bounded by the call's deadline.

httpx's timeouts bound each read, not a whole answer: a server that sends one header byte every
second restarts the read timeout with each byte, so neither httpx's `read` timeout nor a check
between body chunks ever fires while the status line and headers trickle in (issue 15: 40 s
against a 4 s deadline). The bound therefore sits under HTTP, in httpcore's public
network-backend seam (`ConnectionPool(network_backend=...)`): each `connect`, `read`, `write`
and TLS handshake gets at most the time left to the current call, and once that is spent the
call fails with our `timeout` error. Connection set-up, headers and body thus share one
wall-clock deadline, on new and on kept-alive connections alike.

`DeadlineTransport` is an httpx transport over such a pool (httpx's own `HTTPTransport` offers no
way to pass a backend). Proxies named in the environment are honoured the way urllib reads them
(`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`), through httpcore's `HTTPProxy` on the same backend.
Outside a call's deadline (transformers downloading weights in the same process) the backend
passes every timeout through unchanged. `BoundedBody` bounds the body's bytes and time as well.

Only public names of httpx and httpcore are used (their `SyncByteStream`, `BaseTransport`,
`NetworkStream`, `NetworkBackend`, pools and exceptions); httpcore's exceptions are raised as
httpx's through one explicit table, as httpx's own transport does.
"""

from __future__ import annotations

import contextlib
import functools
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import huggingface_hub

from ..core.errors import HubUnavailableError

# huggingface_hub 1.x speaks httpx over httpcore; 2.x the renamed httpx2 over httpcore2. This module is
# imported only when the hooks are installed (`hub.http.install_hooks`), so the static path never loads them.
if int(huggingface_hub.__version__.split(".")[0]) >= 2:
    import httpcore2 as core
    import httpx2 as http
else:  # pragma: no cover - huggingface_hub 1.x
    import httpcore as core  # type: ignore[no-redef]
    import httpx as http  # type: ignore[no-redef]

# httpx's own defaults for its transport's pool (httpcore's are 10 connections kept for ever).
POOL_LIMITS = {"max_connections": 100, "max_keepalive_connections": 20, "keepalive_expiry": 5.0}
# What the call in progress has left: a `hub.http.Budget` (remaining(), timed_out(), ...) or None outside a call.
BudgetOf = Callable[[], Any]


def make_transport(current_budget: BudgetOf) -> DeadlineTransport:
    """A `DeadlineTransport` reading the budget of the call in progress from `current_budget()`."""
    return DeadlineTransport(current_budget)


def _bound(current_budget: BudgetOf, timeout: float | None) -> float | None:
    """A socket operation's timeout within the call's deadline (unchanged outside a call)."""
    budget = current_budget()
    if budget is None:
        return timeout
    remaining = budget.remaining()
    if remaining <= 0:
        raise budget.timed_out()
    return remaining if timeout is None else min(timeout, remaining)


def _guarded(current_budget: BudgetOf, call: Callable[[], Any]) -> Any:
    """`call()`; within a call's deadline a socket timeout is our timeout error at once.

    Every timeout inside a deadline is derived from the time left (here and in `hub.http`'s
    request hook), so it means the deadline passed: huggingface_hub must not retry it.
    """
    try:
        return call()
    except core.TimeoutException as err:
        budget = current_budget()
        if budget is not None:
            raise budget.timed_out() from err
        raise


class DeadlineStream(core.NetworkStream):
    """A socket whose every read, write and TLS handshake keeps the call's deadline."""

    def __init__(self, inner: Any, current_budget: BudgetOf) -> None:
        self._inner, self._budget = inner, current_budget

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return _guarded(self._budget, lambda: self._inner.read(max_bytes, _bound(self._budget, timeout)))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _guarded(self._budget, lambda: self._inner.write(buffer, _bound(self._budget, timeout)))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        def handshake() -> Any:
            return self._inner.start_tls(ssl_context, server_hostname, _bound(self._budget, timeout))

        return DeadlineStream(_guarded(self._budget, handshake), self._budget)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(core.NetworkBackend):
    """httpcore's synchronous backend, its connections made of `DeadlineStream`s."""

    def __init__(self, current_budget: BudgetOf) -> None:
        self._inner, self._budget = core.SyncBackend(), current_budget

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address=None,
                    socket_options=None) -> Any:  # fmt: skip
        def connect() -> Any:
            bound, options = _bound(self._budget, timeout), socket_options
            return self._inner.connect_tcp(host, port, bound, local_address=local_address, socket_options=options)

        return DeadlineStream(_guarded(self._budget, connect), self._budget)

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None) -> Any:
        def connect() -> Any:
            return self._inner.connect_unix_socket(path, _bound(self._budget, timeout), socket_options)

        return DeadlineStream(_guarded(self._budget, connect), self._budget)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class ResponseStream(http.SyncByteStream):
    """httpcore's response body, its errors raised as httpx's (see `_mapped`)."""

    def __init__(self, inner: Any, current_budget: BudgetOf) -> None:
        self._inner, self._budget = inner, current_budget

    def __iter__(self) -> Iterator[bytes]:
        with _mapped(self._budget):
            yield from self._inner

    def close(self) -> None:
        if hasattr(self._inner, "close"):
            self._inner.close()


class BoundedBody(http.SyncByteStream):
    """A response body that stops at the call's deadline and at `budget.max_bytes` after decoding.

    gzip and deflate (`decoder`, a zlib decompressor, or None for an identity body) are decoded
    here, `max_bytes` at a time: httpx would expand a compressed bomb in one go. A body whose
    reading fails marks the budget `broken`, so that a retry of the same URL is known for one.
    """

    def __init__(self, inner: Any, budget: Any, decoder: Any, encoding: str) -> None:
        self._inner, self._budget, self._decoder, self._encoding = inner, budget, decoder, encoding

    def __iter__(self) -> Iterator[bytes]:
        budget, size = self._budget, 0
        try:
            for chunk in self._inner:
                if budget.remaining() <= 0:
                    raise budget.timed_out()
                for piece in self._decoded(chunk, budget.max_bytes - size):
                    size += len(piece)
                    if size > budget.max_bytes:
                        cap = f"the {budget.max_bytes / 1_000_000:g} MB cap"
                        raise HubUnavailableError("bad_response", f"the Hub's answer passed {cap}; reading stopped")
                    yield piece
        except (HubUnavailableError, http.TransportError):
            budget.broken = True
            raise

    def _decoded(self, chunk: bytes, room: int) -> Iterator[bytes]:
        if self._decoder is None:
            yield chunk
            return
        try:
            while chunk:
                piece = self._decoder.decompress(chunk, room + 1)  # at most one byte past the room: enough to tell
                room -= len(piece)
                yield piece
                if room < 0:
                    return
                chunk = self._decoder.unconsumed_tail
        except zlib.error as err:
            message = f"the Hub's {self._encoding} answer does not decompress: {err}"
            raise HubUnavailableError("bad_response", message) from None

    def close(self) -> None:
        self._inner.close()


class DeadlineTransport(http.BaseTransport):
    """httpx's transport contract over httpcore pools whose sockets keep the call's deadline."""

    def __init__(self, current_budget: BudgetOf) -> None:
        self._budget = current_budget
        self._direct = self._pool()
        self._proxies: dict[str, Any] = {}
        for scheme, proxy in urllib.request.getproxies().items():
            if scheme in ("http", "https") and proxy.startswith(("http://", "https://")):
                self._proxies[scheme] = self._pool(http.URL(proxy))

    def _pool(self, proxy: Any = None) -> Any:
        """A connection pool on our backend: direct, or through the proxy at URL `proxy`."""
        pool = {"ssl_context": _ssl_context(), "network_backend": DeadlineBackend(self._budget), **POOL_LIMITS}
        if proxy is None:
            return core.ConnectionPool(**pool)
        auth = (proxy.username.encode(), proxy.password.encode()) if proxy.username else None
        proxy_url = core.URL(scheme=proxy.raw_scheme, host=proxy.raw_host, port=proxy.port, target=b"/")
        return core.HTTPProxy(proxy_url=proxy_url, proxy_auth=auth, **pool)

    def _pool_for(self, url: Any) -> Any:
        proxy = self._proxies.get(url.scheme)
        if proxy is None or urllib.request.proxy_bypass(url.host):
            return self._direct
        return proxy

    def handle_request(self, request: Any) -> Any:
        url = request.url
        core_request = core.Request(
            method=request.method,
            url=core.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _mapped(self._budget):
            answer = self._pool_for(url).handle_request(core_request)
        stream = ResponseStream(answer.stream, self._budget)
        return http.Response(
            status_code=answer.status, headers=answer.headers, stream=stream, extensions=answer.extensions
        )

    def close(self) -> None:
        self._direct.close()
        for pool in self._proxies.values():
            pool.close()


@functools.cache
def _ssl_context() -> Any:
    """One TLS context per process: loading the CA bundle takes a noticeable part of a 1 s deadline,
    and huggingface_hub re-creates its client (hence our transport) after a connection error."""
    return http.create_ssl_context()


# httpcore's exceptions and httpx's of the same meaning (httpx's own transport maps them the same way),
# subclasses before their parents.
_HTTPX_ERROR_OF: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (core.ConnectTimeout, http.ConnectTimeout),
    (core.ReadTimeout, http.ReadTimeout),
    (core.WriteTimeout, http.WriteTimeout),
    (core.PoolTimeout, http.PoolTimeout),
    (core.TimeoutException, http.TimeoutException),
    (core.ConnectError, http.ConnectError),
    (core.ReadError, http.ReadError),
    (core.WriteError, http.WriteError),
    (core.NetworkError, http.NetworkError),
    (core.ProxyError, http.ProxyError),
    (core.UnsupportedProtocol, http.UnsupportedProtocol),
    (core.RemoteProtocolError, http.RemoteProtocolError),
    (core.LocalProtocolError, http.LocalProtocolError),
    (core.ProtocolError, http.ProtocolError),
)
_CORE_ERRORS = tuple(core_error for core_error, _ in _HTTPX_ERROR_OF)


@contextlib.contextmanager
def _mapped(current_budget: BudgetOf) -> Iterator[None]:
    """httpcore's exceptions as httpx's (what huggingface_hub catches and retries).

    Within a call's deadline, a remote protocol error (a truncated chunk, a Content-Length that
    lies, a header line past httpcore's limit) is the Hub's malformed answer, our "bad_response":
    sending the same request again, as huggingface_hub would, gets the same answer. A local one
    (our own request refused by h11, e.g. a header value with a newline) is passed on as it was:
    its text may quote our headers, the token's among them.
    """
    try:
        yield
    except _CORE_ERRORS as err:
        if isinstance(err, core.RemoteProtocolError) and current_budget() is not None:
            shown = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
            raise HubUnavailableError("bad_response", f"the Hub's answer broke off or is malformed: {shown}") from None
        mapped = next(httpx_error for core_error, httpx_error in _HTTPX_ERROR_OF if isinstance(err, core_error))
        raise mapped(str(err)) from err
