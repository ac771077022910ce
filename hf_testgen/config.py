"""The one module that reads the environment.

Each script's `main()` calls `Settings.from_env(os.environ)` once and passes the frozen result
down; tests build `Settings(...)` directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGISTRY_PATH = PROJECT_ROOT / "model_registry.json"
DEFAULT_BENCHMARKS_PATH = PROJECT_ROOT / "benchmarks.json"
DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_MAX_REGISTRY_AGE_DAYS = 30
DEFAULT_API_DEADLINE_S = 4.0
DEFAULT_API_LIMIT = 20
DEFAULT_API_MAX_TRIES = 3

_TRUE = {"1", "true", "yes", "on"}


def _is_true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _TRUE


def _as_number(environ: Mapping[str, str], name: str, default: float, cast: type = float) -> float:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = cast(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number; expected e.g. {name}={default!r}") from None
    if value <= 0:
        raise ValueError(f"{name}={raw!r} must be positive")
    return value


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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from `environ` (default: `os.environ`).

        Raises:
            ValueError: a numeric variable holds something that is not a positive number.
        """
        env = os.environ if environ is None else environ
        return cls(
            endpoint=(env.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/"),
            token=env.get("HF_TOKEN") or None,
            hub_offline=_is_true(env.get("HF_HUB_OFFLINE")),
            use_static_registry=_is_true(env.get("USE_STATIC_REGISTRY")),
            ci=bool(env.get("CI", "").strip()) and env.get("CI", "").strip().lower() not in {"0", "false", "no"},
            force_api_calls=_is_true(env.get("FORCE_API_CALLS")),
            max_registry_age_days=int(_as_number(env, "MAX_REGISTRY_AGE_DAYS", DEFAULT_MAX_REGISTRY_AGE_DAYS, int)),
            api_deadline_s=_as_number(env, "HF_TESTGEN_API_DEADLINE", DEFAULT_API_DEADLINE_S),
            api_limit=int(_as_number(env, "HF_TESTGEN_API_LIMIT", DEFAULT_API_LIMIT, int)),
            api_max_tries=int(_as_number(env, "HF_TESTGEN_API_MAX_TRIES", DEFAULT_API_MAX_TRIES, int)),
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
