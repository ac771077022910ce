"""Is a model usable for a generated test? It must exist, be open, and have weights.

`verify_model` checks one id (find_models.py --verify MODEL); `verify_registry` checks every
default and tiny model of a registry (--verify-registry, and after the weekly refresh).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..core.config import Settings
from ..core.errors import HubUnavailableError, UsageError
from ..core.progress import Progress, RequestBudget
from ..core.records import Framework, ModelCandidate, validate_model_id


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
    from . import client as hub  # only verification talks to the Hub; importing hub loads huggingface_hub

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
    problems = _problems(candidate, framework)
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


def _problems(candidate: ModelCandidate, framework: Framework | None) -> list[str]:
    """What makes an existing model unusable for a generated test (none: usable)."""
    flags = (("gated", candidate.gated), ("disabled", candidate.disabled), ("private", candidate.private))
    problems = [word for word, flag in flags if flag]
    if not candidate.frameworks:
        problems.append("has no weight files")
    elif framework is not None and framework not in candidate.frameworks:
        problems.append(f"has no {framework} weights")
    return problems


# --- the whole registry (find_models.py --verify-registry) -------------------------------
@dataclass(frozen=True)
class VerifyProblem:
    """A default or tiny model of the registry that is not usable, and why."""

    model_type: str
    role: str  # "default" or "tiny"
    model_id: str
    problems: tuple[str, ...]


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[VerifyProblem] = field(default_factory=list)


def models_to_verify(raw: dict[str, Any], model_types: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """(model type, role, model id, framework) of every default and tiny model of these types."""
    found = []
    for model_type in model_types:
        entry = raw["model_types"].get(model_type)
        if entry is None:
            continue
        rows = {row.get("id"): row for row in entry.get("candidates", [])}
        default = entry.get("default") or (entry["candidates"][0]["id"] if entry.get("candidates") else None)
        if default:
            frameworks = rows.get(default, {}).get("frameworks") or ["pytorch"]
            framework = "pytorch" if "pytorch" in frameworks else frameworks[0]
            found.append((model_type, "default", default, framework))
        if entry.get("tiny"):
            found.append((model_type, "tiny", entry["tiny"]["id"], "pytorch"))
    return found


def verify_registry(
    raw: dict[str, Any],
    model_types: Sequence[str],
    *,
    settings: Settings,
    budget: RequestBudget | None = None,
    stream: TextIO | None = None,
) -> VerifyReport:
    """Check every default and tiny model of these types with `verify.verify_model` (one request each)."""
    budget = budget or RequestBudget()
    report = VerifyReport()
    missing = [t for t in model_types if t not in raw["model_types"]]
    report.problems.extend(VerifyProblem(t, "entry", "-", ("the registry has no entry",)) for t in missing)
    verdicts: dict[tuple[str, str], tuple[str, ...]] = {}  # (id, framework) checked once
    targets = models_to_verify(raw, model_types)
    with Progress(len(targets), description="verify", stream=stream) as progress:
        for model_type, role, model_id, framework in targets:
            key = (model_id, framework)
            if key not in verdicts:
                budget.wait_for(1)
                try:
                    verdict = verify_model(model_id, settings=settings, framework=framework)
                    verdicts[key] = verdict.problems
                except HubUnavailableError as err:
                    verdicts[key] = (f"could not be checked: {err} ({err.reason})",)
                budget.record(1)  # model_info is one request: huggingface_hub does not retry it
                report.checked += 1
            problems = verdicts[key]
            if problems:
                report.problems.append(VerifyProblem(model_type, role, model_id, problems))
            progress.step(f"{model_type} {role}", "; ".join(problems) or f"{model_id} ok")
    return report
