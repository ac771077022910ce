"""The exception family of hf-testgen. Every error the package raises on purpose is one of these."""

from __future__ import annotations

from typing import Literal

HubFailure = Literal["offline", "disabled", "rate_limited", "timeout", "server_error", "not_found", "bad_response"]


class HfTestgenError(Exception):
    """Base class of every error raised by hf-testgen on purpose."""


# --- bad input -----------------------------------------------------------------------------
class UsageError(HfTestgenError, ValueError):
    """A value given by the user is not one we accept; the message names it and the valid ones."""


class UnknownModelTypeError(UsageError):
    """The model type is not known; `.suggestions` holds the closest known names."""

    def __init__(self, model_type: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else "; see --list-tasks"
        super().__init__(f"unknown model type {model_type!r}{hint}")
        self.model_type = model_type
        self.suggestions = suggestions


class UnsupportedTaskError(UsageError):
    """The model type cannot do the task; `.supported` lists what it can do."""

    def __init__(self, model_type: str, task: str, supported: list[str]) -> None:
        can_do = ", ".join(supported) or "nothing we know of"
        super().__init__(f"model type {model_type!r} cannot do task {task!r}; it can do: {can_do}")
        self.model_type = model_type
        self.task = task
        self.supported = supported


class ConfigError(UsageError):
    """An environment variable holds a value we do not accept; `.variable` names it.

    Raised by `config.Settings.from_env`, so that a typo (USE_STATIC_REGISTRY=maybe,
    HF_TESTGEN_API_DEADLINE=nan) stops the command instead of silently meaning something else.
    """

    def __init__(self, variable: str, value: str, problem: str, *, secret: bool = False) -> None:
        # A secret (HF_TOKEN) is named, never shown: the message goes to logs and pull requests.
        super().__init__(f"{variable} (value not shown): {problem}" if secret else f"{variable}={value!r}: {problem}")
        self.variable = variable
        self.value = "" if secret else value


# --- the Hub -----------------------------------------------------------------------------
class HubUnavailableError(HfTestgenError, ConnectionError):
    """The live Hub could not answer in time; `.reason` says why (see `HubFailure`)."""

    def __init__(self, reason: HubFailure, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# --- files ---------------------------------------------------------------------------------
class DataFileError(HfTestgenError, ValueError):
    """A data file that cannot be used: not a regular file, too large, unreadable, not UTF-8.

    Raised by `files.read_data_file`; each reader names the file when it re-raises it as its own
    error (`RegistryError`, `ResultsFormatError`, ...).
    """


# --- registry ------------------------------------------------------------------------------
class RegistryError(HfTestgenError, ValueError):
    """`model_registry.json` (or `benchmarks.json`) is missing, corrupt or invalid; `.path` names it."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class ResultsFormatError(HfTestgenError, ValueError):
    """A results file (HF_TESTGEN_RESULTS lines, junit XML) cannot be used; `.place` is file[:line]."""

    def __init__(self, place: str, problem: str) -> None:
        super().__init__(f"{place}: {problem}")
        self.place = place
        self.problem = problem


# --- selection -----------------------------------------------------------------------------
class LevelSkipped(HfTestgenError):
    """A level of the selection chain gave no answer; the message is recorded as a note.

    `.severity` is "warning" when the user should act (an unusable registry), else "info".
    """

    def __init__(self, message: str, *, severity: Literal["info", "warning"] = "info") -> None:
        super().__init__(message)
        self.severity = severity


class NoModelFitsError(HfTestgenError):
    """No known model meets a hard constraint; `.nearest` is the closest option (or None)."""

    def __init__(self, constraint: str, nearest: str | None, message: str) -> None:
        super().__init__(message)
        self.constraint = constraint
        self.nearest = nearest


# --- generator -----------------------------------------------------------------------------
class GenerationError(HfTestgenError):
    """A test file could not be generated (unsupported family, unsafe value, existing foreign file)."""
