"""A hostile Hub for the secrets faults: it answers with the request's own Authorization header in its
error message, as a misconfigured proxy or a malicious server would (not a test module)."""

from __future__ import annotations

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from hubserver import LocalHub, hub_error
except ImportError:  # tests/ imported as a package
    from tests.hubserver import LocalHub, hub_error


class EchoingHub(LocalHub):
    """A LocalHub that, once `echo(status)` is called, answers every API request with `status` and a
    message quoting the Authorization header and the full URL it was sent (credentials, query)."""

    echo_status: int | None = None

    def echo(self, status: int) -> None:
        self.echo_status = status

    def _handle(self, request):
        if self.echo_status is None or request.path == "/health":
            return super()._handle(request)
        with self._lock:
            self._log.append((request.method, request.path, request.query_string.decode("latin-1")))
        authorization = request.headers.get("Authorization", "<none>")
        message = f"refused {request.url} with Authorization: {authorization}"
        answer = hub_error(self.echo_status, None, message)
        answer.headers["X-Error-Message"] = message  # huggingface_hub puts it on the first line of a 403
        return answer
