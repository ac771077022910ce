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
passes every timeout through unchanged.
"""

from __future__ import annotations

import functools
import importlib
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

from ..core.errors import HubUnavailableError

# huggingface_hub 1.x speaks httpx over httpcore; 2.x the renamed httpx2 over httpcore2.
_CORE_OF = {"httpx": "httpcore", "httpx2": "httpcore2"}
# httpx's own defaults for its transport's pool (httpcore's are 10 connections kept for ever).
POOL_LIMITS = {"max_connections": 100, "max_keepalive_connections": 20, "keepalive_expiry": 5.0}


def make_transport(http: Any, current_budget: Callable[[], Any]) -> Any:
    """A `DeadlineTransport` for the httpx module `http` (httpx or httpx2), reading the budget of
    the call in progress from `current_budget()` (None outside a call)."""
    core = importlib.import_module(_CORE_OF[http.__name__])

    def bound(timeout: float | None) -> float | None:
        budget = current_budget()
        if budget is None:
            return timeout
        remaining = budget.remaining()
        if remaining <= 0:
            raise budget.timed_out()
        return remaining if timeout is None else min(timeout, remaining)

    def guarded(call: Callable[[], Any]) -> Any:
        """`call()`; within a call's deadline a socket timeout is our timeout error at once.

        Every timeout inside a deadline is derived from the time left (here and in `hub_http`'s
        request hook), so it means the deadline passed: huggingface_hub must not retry it.
        """
        try:
            return call()
        except core.TimeoutException as err:
            budget = current_budget()
            if budget is not None:
                raise budget.timed_out() from err
            raise

    class DeadlineStream(core.NetworkStream):  # type: ignore[misc, name-defined]
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return guarded(lambda: self._inner.read(max_bytes, bound(timeout)))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            guarded(lambda: self._inner.write(buffer, bound(timeout)))

        def close(self) -> None:
            self._inner.close()

        def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
            return DeadlineStream(guarded(lambda: self._inner.start_tls(ssl_context, server_hostname, bound(timeout))))

        def get_extra_info(self, info: str) -> Any:
            return self._inner.get_extra_info(info)

    class DeadlineBackend(core.NetworkBackend):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            self._inner = core.SyncBackend()

        def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address=None,
                        socket_options=None) -> Any:  # fmt: skip
            return DeadlineStream(guarded(lambda: self._inner.connect_tcp(
                host, port, bound(timeout), local_address=local_address, socket_options=socket_options
            )))  # fmt: skip

        def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None) -> Any:
            return DeadlineStream(
                guarded(lambda: self._inner.connect_unix_socket(path, bound(timeout), socket_options))
            )

        def sleep(self, seconds: float) -> None:
            self._inner.sleep(seconds)

    class ResponseStream(http.SyncByteStream):  # type: ignore[misc, name-defined]
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __iter__(self) -> Iterator[bytes]:
            with _mapped(core, http, current_budget):
                yield from self._inner

        def close(self) -> None:
            if hasattr(self._inner, "close"):
                self._inner.close()

    class DeadlineTransport(http.BaseTransport):  # type: ignore[misc, name-defined]
        """httpx's transport contract over httpcore pools whose sockets keep the call's deadline."""

        def __init__(self) -> None:
            pool = {"ssl_context": _ssl_context(http), **POOL_LIMITS}
            self._direct = core.ConnectionPool(network_backend=DeadlineBackend(), **pool)
            self._proxies: dict[str, Any] = {}
            for scheme, proxy in urllib.request.getproxies().items():
                if scheme in ("http", "https") and proxy.startswith(("http://", "https://")):
                    url = http.URL(proxy)
                    auth = (url.username.encode(), url.password.encode()) if url.username else None
                    self._proxies[scheme] = core.HTTPProxy(
                        proxy_url=core.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=b"/"),
                        proxy_auth=auth,
                        network_backend=DeadlineBackend(),
                        **pool,
                    )

        def _pool_for(self, url: Any) -> Any:
            proxy = self._proxies.get(url.scheme)
            if proxy is None or urllib.request.proxy_bypass(url.host):
                return self._direct
            return proxy

        def handle_request(self, request: Any) -> Any:
            core_request = core.Request(
                method=request.method,
                url=core.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
            with _mapped(core, http, current_budget):
                answer = self._pool_for(request.url).handle_request(core_request)
            return http.Response(
                status_code=answer.status,
                headers=answer.headers,
                stream=ResponseStream(answer.stream),
                extensions=answer.extensions,
            )

        def close(self) -> None:
            self._direct.close()
            for pool in self._proxies.values():
                pool.close()

    return DeadlineTransport()


@functools.cache
def _ssl_context(http: Any) -> Any:
    """One TLS context per process: loading the CA bundle takes a noticeable part of a 1 s deadline,
    and huggingface_hub re-creates its client (hence our transport) after a connection error."""
    return http.create_ssl_context()


class _mapped:
    """httpcore's exceptions as httpx's of the same name (what huggingface_hub catches and retries).

    Within a call's deadline, a remote protocol error (a truncated chunk, a Content-Length that
    lies, a header line past httpcore's limit) is the Hub's malformed answer, our "bad_response":
    sending the same request again, as huggingface_hub would, gets the same answer. A local one
    (our own request refused by h11, e.g. a header value with a newline) is passed on as it was:
    its text may quote our headers, the token's among them.
    """

    def __init__(self, core: Any, http: Any, current_budget: Callable[[], Any]) -> None:
        self._core, self._http, self._current_budget = core, http, current_budget

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, value: BaseException | None, traceback: Any) -> bool:
        if value is None or not isinstance(value, self._core.ProtocolError | self._core.NetworkError
                                           | self._core.TimeoutException | self._core.ProxyError
                                           | self._core.UnsupportedProtocol):  # fmt: skip
            return False
        if isinstance(value, self._core.RemoteProtocolError) and self._current_budget() is not None:
            shown = str(value).splitlines()[0][:200] if str(value) else type(value).__name__
            raise HubUnavailableError("bad_response", f"the Hub's answer broke off or is malformed: {shown}") from None
        mapped = getattr(self._http, type(value).__name__, self._http.TransportError)
        raise mapped(str(value)) from value
