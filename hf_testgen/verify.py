"""Is a model usable for a generated test? It must exist, be open, and have weights."""

from __future__ import annotations

from dataclasses import dataclass

from .config import Settings
from .errors import HubUnavailableError
from .records import Framework, validate_model_id


@dataclass(frozen=True)
class Verdict:
    model_id: str
    exists: bool
    usable: bool
    problems: tuple[str, ...]
    frameworks: tuple[str, ...] = ()
    size_mb: float | None = None
    size_method: str | None = None
    sha: str | None = None

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__, problems=list(self.problems), frameworks=list(self.frameworks))


def verify_model(model_id: str, *, settings: Settings, framework: Framework | None = None) -> Verdict:
    """One `model_info(files_metadata=True)` call: exists, not gated/disabled/private, has weights.

    Raises:
        UsageError: the id is not a valid repo id.
        HubUnavailableError: the Hub could not answer (other than "not found").
    """
    from . import hub
    from .errors import UsageError

    try:
        validate_model_id(model_id)
    except ValueError as err:
        raise UsageError(str(err)) from None
    try:
        candidate = hub.fetch_model(model_id, settings=settings)
    except HubUnavailableError as err:
        if err.reason == "not_found":
            return Verdict(model_id, exists=False, usable=False, problems=("does not exist on the Hub",))
        raise
    problems = [
        word
        for flag, word in (
            (candidate.gated, "gated"),
            (candidate.disabled, "disabled"),
            (candidate.private, "private"),
        )
        if flag
    ]
    if not candidate.frameworks:
        problems.append("has no weight files")
    elif framework is not None and framework not in candidate.frameworks:
        problems.append(f"has no {framework} weights")
    return Verdict(
        model_id=model_id,
        exists=True,
        usable=not problems,
        problems=tuple(problems),
        frameworks=candidate.frameworks,
        size_mb=candidate.size_mb,
        size_method=candidate.size.method if candidate.size else None,
        sha=candidate.sha,
    )
