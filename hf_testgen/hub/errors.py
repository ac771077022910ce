"""huggingface_hub's and httpx's exceptions as ours: one table of reasons, and nothing else caught.

A Hub call (`hub.client`) fails with `HubUnavailableError` and a reason (`core.errors.HubFailure`)
only when the Hub or the network failed: our own deadline, retries and caps (`hub.http`), an HTTP
status huggingface_hub raised for, an httpx request error, or an answer huggingface_hub could not
parse. Any other exception, our own bugs included, propagates as it is: the selection chain falls
back to the registry on a failed Hub, never on a bug.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..core.config import Settings
from ..core.errors import HubFailure, HubUnavailableError
from ..core.text import REDACTED, redact_text, terminal_safe

T = TypeVar("T")

# An HTTP status huggingface_hub raised as HfHubHTTPError, and our reason for it (any other: "bad_response").
# 429 and 5xx rarely get here: our response hook turns them into `RetryableAnswer` first (see `hub.http`).
STATUS_REASONS: dict[int, HubFailure] = {404: "not_found", 410: "not_found", 429: "rate_limited"}
OUR_PACKAGE = Path(__file__).resolve().parent.parent


def hub_errors() -> tuple[type[BaseException], ...]:
    """What a Hub call raises when the Hub or the network fails, never our own code; see `_classify`.

    Our errors (deadline, retries, caps, a malformed answer found by `parsed`), huggingface_hub's
    (offline mode, every HTTP status it raises for: not found, gated, disabled, 4xx, 5xx) and
    httpx's request errors (timeouts, connection and protocol errors, too many redirects).
    Anything else is a bug and propagates: it is never a reason to fall back.
    """
    from huggingface_hub import errors as hf_errors

    from .transport import http

    return (HubUnavailableError, hf_errors.OfflineModeIsEnabled, hf_errors.HfHubHTTPError, http.RequestError)


def translate(err: BaseException, settings: Settings) -> HubUnavailableError:
    """Our error for one of `hub_errors()`: a reason, and a one-line message without the endpoint's
    credentials and without terminal control characters."""
    found = _classify(err)
    message = str(found).replace(settings.token, REDACTED) if settings.token else str(found)
    message = terminal_safe(redact_text(message, settings.endpoint))
    if message == str(found):
        return found
    return HubUnavailableError(found.reason, message)


def _classify(err: BaseException) -> HubUnavailableError:
    """The reason for one of `hub_errors()`, by its type and, for an HTTP error, its status code."""
    from huggingface_hub import errors as hf_errors

    from .transport import http

    first_line = str(err).splitlines()[0] if str(err) else type(err).__name__
    if isinstance(err, HubUnavailableError):
        return err
    if isinstance(err, hf_errors.OfflineModeIsEnabled):
        return HubUnavailableError("offline", "HF_HUB_OFFLINE is set")
    if isinstance(err, hf_errors.RepositoryNotFoundError):  # also GatedRepoError, and a 401 on a repository
        return HubUnavailableError("not_found", f"not found on the Hub: {first_line}")
    if isinstance(err, hf_errors.HfHubHTTPError):
        status = err.response.status_code
        reason = "disabled" if isinstance(err, hf_errors.DisabledRepoError) else _status_reason(status)
        return HubUnavailableError(reason, f"the Hub answered {status}: {first_line}")
    if isinstance(err, http.TimeoutException):
        return HubUnavailableError("timeout", f"the Hub timed out: {err}")
    if isinstance(err, http.TransportError):
        return HubUnavailableError("offline", f"the Hub could not be reached: {type(err).__name__}: {err}")
    if isinstance(err, http.RequestError):  # too many redirects, an undecodable body
        return HubUnavailableError("bad_response", f"the Hub's answer could not be read: {type(err).__name__}: {err}")
    raise TypeError(f"not a Hub failure: {type(err).__name__}") from err


def _status_reason(status: int) -> HubFailure:
    if status >= 500:
        return "server_error"
    return STATUS_REASONS.get(status, "bad_response")


def parsed(call: Callable[[], T], expected: str) -> T:
    """`call()`, a huggingface_hub call that reads the Hub's answer into `ModelInfo` records.

    huggingface_hub parses the body where it reads it: JSON nested too deep fails with
    RecursionError, a body that is not JSON or UTF-8 with ValueError, one of the wrong shape with
    TypeError, KeyError or AttributeError (an object where a list is expected gives its keys as
    rows, a row without "id" a KeyError). Raised there, these are the Hub's malformed answer,
    "bad_response"; raised in our own code (the hooks of `hub.http` run inside the call), they
    are a bug and propagate as they are.
    """
    from huggingface_hub.errors import HfHubHTTPError

    try:
        return call()
    except HfHubHTTPError:
        raise  # an HTTP status (BadRequestError is also a ValueError): `_classify` reads it
    except (RecursionError, TypeError, KeyError, AttributeError, ValueError) as err:
        if _raised_in_our_code(err):
            raise
        if isinstance(err, RecursionError):
            message = "the Hub's answer is JSON nested too deep to read"
        elif isinstance(err, ValueError):
            message = f"the Hub's answer could not be read: {err}"
        else:
            message = f"the Hub's answer is not of the expected shape ({expected}): {type(err).__name__}"
        raise HubUnavailableError("bad_response", message) from err


def _raised_in_our_code(err: BaseException) -> bool:
    """Whether the innermost frame of `err`'s traceback is in hf_testgen (not huggingface_hub, httpx or json)."""
    innermost = None
    for frame, _ in traceback.walk_tb(err.__traceback__):
        innermost = frame
    return innermost is not None and Path(innermost.f_code.co_filename).resolve().is_relative_to(OUR_PACKAGE)
