"""The one module that reads the environment.

Each script's `main()` calls `Settings.from_env(os.environ)` once and passes the frozen result
down; tests build `Settings(...)` directly.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import ConfigError
from .outside import OutsideValueError, check_endpoint

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # hf_testgen/
PROJECT_ROOT = PACKAGE_DIR.parent  # the checkout, when the package is run from one
PACKAGE_DATA_DIR = PACKAGE_DIR / "data"  # a wheel ships copies of the top-level data files here
REGISTRY_FILE_NAME = "model_registry.json"
BENCHMARKS_FILE_NAME = "benchmarks.json"
DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_MAX_REGISTRY_AGE_DAYS = 30
DEFAULT_API_DEADLINE_S = 4.0
DEFAULT_API_LIMIT = 20
DEFAULT_API_MAX_TRIES = 3

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def is_checkout(root: Path) -> bool:
    """Whether `root` is a source checkout of hf-testgen (not the site-packages of an install).

    A checkout has the project's `pyproject.toml` next to the package; an installed package's
    parent directory (site-packages) has none.
    """
    return (root / "pyproject.toml").is_file() and (root / "hf_testgen").is_dir()


def data_file(name: str, *, project_root: Path = PROJECT_ROOT, package_data: Path = PACKAGE_DATA_DIR) -> Path:
    """Where a data file (`model_registry.json`, `benchmarks.json`) is read from by default.

    The checkout's top-level file is the one canonical copy (scripts/build_registry.py and the
    weekly refresh write it); a wheel carries a copy made at build time (see setup.py). So: the
    checkout's file when running from a checkout that has it, else the package's copy.
    """
    if is_checkout(project_root) and (project_root / name).is_file():
        return project_root / name
    return package_data / name


DEFAULT_REGISTRY_PATH = data_file(REGISTRY_FILE_NAME)
DEFAULT_BENCHMARKS_PATH = data_file(BENCHMARKS_FILE_NAME)


def _is_true(environ: Mapping[str, str], name: str) -> bool:
    """A boolean variable: 1/true/yes/on or 0/false/no/off (any case); anything else is a mistake.

    Raises:
        ConfigError: the value is neither (e.g. USE_STATIC_REGISTRY=maybe), which would
            otherwise silently mean false.
    """
    raw = environ.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(name, raw, "expected true or false (1/0, yes/no, on/off)")


def _as_number(
    environ: Mapping[str, str], name: str, default: float, cast: type = float, *, maximum: float = 1e6
) -> float:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = cast(raw.strip()) if raw.strip().isascii() else math.nan  # int("３") is 3
    except ValueError:
        raise ConfigError(name, raw[:60], f"not a number; expected e.g. {name}={default!r}") from None
    if not 0 < value <= maximum:  # also false for nan
        raise ConfigError(name, raw[:60], f"must be a positive number of at most {maximum:g}")
    return value


def validate_token(token: str | None, variable: str = "HF_TOKEN") -> str | None:
    """`token` when it can go into an `Authorization` header as it is, else a `ConfigError`.

    A token with a trailing newline (`HF_TOKEN=$(cat token.txt)` of a file saved by an editor), a
    space, a control or a non-ASCII character would make the HTTP library refuse the header and
    quote it, token and all, in its error. It is refused here, before any request, without being
    shown.

    Raises:
        ConfigError: naming the variable and the position of the first bad character.
    """
    if token is None:
        return None
    for index, char in enumerate(token):
        if char.isspace() or not char.isprintable() or not char.isascii():
            kind = "a non-ASCII character" if char.isprintable() and not char.isspace() else (
                "whitespace or a control character"
            )  # fmt: skip
            raise ConfigError(
                variable,
                "",
                f"holds {kind} at position {index + 1} of {len(token)}; a Hub token is one word of printable "
                "ASCII (check for a trailing newline, a space or quotes)",
                secret=True,
            )
    return token


def _endpoint(environ: Mapping[str, str]) -> str:
    raw = environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    try:
        return check_endpoint(raw)
    except OutsideValueError as err:
        raise ConfigError("HF_ENDPOINT", raw[:200], str(err)) from None


@dataclass(frozen=True)
class Settings:
    """Everything the environment can change, with the default next to each field."""

    endpoint: str = DEFAULT_ENDPOINT  # HF_ENDPOINT
    token: str | None = None  # HF_TOKEN
    hub_offline: bool = False  # HF_HUB_OFFLINE
    use_static_registry: bool = False  # USE_STATIC_REGISTRY
    ci: bool = False  # CI (any non-empty value)
    force_api_calls: bool = False  # FORCE_API_CALLS
    max_registry_age_days: int = DEFAULT_MAX_REGISTRY_AGE_DAYS  # MAX_REGISTRY_AGE_DAYS
    api_deadline_s: float = DEFAULT_API_DEADLINE_S  # HF_TESTGEN_API_DEADLINE
    api_limit: int = DEFAULT_API_LIMIT  # HF_TESTGEN_API_LIMIT
    api_max_tries: int = DEFAULT_API_MAX_TRIES  # HF_TESTGEN_API_MAX_TRIES
    registry_path: Path = DEFAULT_REGISTRY_PATH  # HF_TESTGEN_REGISTRY or --registry
    benchmarks_path: Path = DEFAULT_BENCHMARKS_PATH  # HF_TESTGEN_BENCHMARKS

    def __post_init__(self) -> None:
        validate_token(self.token)  # however the settings were built, a bad token never reaches a request

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from `environ` (default: `os.environ`).

        Raises:
            ConfigError: a variable holds a value we do not accept (the message names it).
        """
        env = os.environ if environ is None else environ
        return cls(
            endpoint=_endpoint(env),
            token=env.get("HF_TOKEN") or None,
            hub_offline=_is_true(env, "HF_HUB_OFFLINE"),
            use_static_registry=_is_true(env, "USE_STATIC_REGISTRY"),
            ci=bool(env.get("CI", "").strip()) and env.get("CI", "").strip().lower() not in {"0", "false", "no"},
            force_api_calls=_is_true(env, "FORCE_API_CALLS"),
            max_registry_age_days=int(_as_number(env, "MAX_REGISTRY_AGE_DAYS", DEFAULT_MAX_REGISTRY_AGE_DAYS, int)),
            api_deadline_s=_as_number(env, "HF_TESTGEN_API_DEADLINE", DEFAULT_API_DEADLINE_S, maximum=3600),
            api_limit=int(_as_number(env, "HF_TESTGEN_API_LIMIT", DEFAULT_API_LIMIT, int, maximum=1000)),
            api_max_tries=int(_as_number(env, "HF_TESTGEN_API_MAX_TRIES", DEFAULT_API_MAX_TRIES, int, maximum=100)),
            registry_path=Path(env["HF_TESTGEN_REGISTRY"]) if env.get("HF_TESTGEN_REGISTRY") else DEFAULT_REGISTRY_PATH,
            benchmarks_path=(
                Path(env["HF_TESTGEN_BENCHMARKS"]) if env.get("HF_TESTGEN_BENCHMARKS") else DEFAULT_BENCHMARKS_PATH
            ),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given fields changed (CLI flags such as --registry)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def api_block_reason(self) -> str | None:
        """Why the live API must not be called, or None when it may be."""
        if self.use_static_registry:
            return "USE_STATIC_REGISTRY=true"
        if self.hub_offline:
            return "HF_HUB_OFFLINE=1"
        if self.ci and not self.force_api_calls:
            return "CI is set (set FORCE_API_CALLS=true to call the Hub in CI)"
        return None
