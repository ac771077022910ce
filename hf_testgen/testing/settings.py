"""What a generated test runs against: the file's constants, overridden by the environment.

This is the only module of the test runtime that reads `os.environ` (the plugin passes it in once
per session), so the rest takes typed records and can be tested with plain values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ..core.config import validate_token
from ..core.outside import OutsideValueError, check_endpoint
from ..core.records import LOAD_DTYPES

DEFAULT_ENDPOINT = "https://huggingface.co"
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
# The constants a generated file defines; a module without them is not a generated test.
REQUIRED_CONSTANTS = ("MODEL_TYPE", "TASK", "MODEL_ID", "REVISION", "TINY_MODEL_ID")
# The classes a generated file loads (files from before them have neither).
CLASS_CONSTANTS = ("HEAD_CLASS", "AUTO_CLASS")
TINY_NAMESPACES = ("hf-internal-testing/",)
TINY_MARKERS = ("tiny-random",)


def _text(env: Mapping[str, str], name: str) -> str | None:
    """The variable's value, or None when it is unset or empty (an empty value is not a choice)."""
    value = env.get(name, "").strip()
    return value or None


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    """A yes/no variable (1/0, true/false, yes/no, on/off, any case); anything else is refused."""
    value = _text(env, name)
    if value is None:
        return default
    if value.lower() in _TRUE_WORDS | _FALSE_WORDS:
        return value.lower() in _TRUE_WORDS
    raise ValueError(f"{name}={value[:60]!r}: expected 1/0, true/false, yes/no or on/off")


@dataclass(frozen=True)
class RuntimeSettings:
    """The environment of one test session, parsed once."""

    model_id: str | None = None  # HF_TESTGEN_MODEL_ID: another checkpoint (Hub id or local folder)
    revision: str | None = None  # HF_TESTGEN_REVISION
    results_path: str | None = None  # HF_TESTGEN_RESULTS: JSON lines appended per model and device
    record_golden: str | None = None  # HF_TESTGEN_RECORD_GOLDEN: write expected outputs here
    golden: str | None = None  # HF_TESTGEN_GOLDEN: compare with expected outputs recorded here
    semantic: bool = True  # HF_TESTGEN_SEMANTIC=0 turns the semantic checks off
    endpoint: str = DEFAULT_ENDPOINT  # HF_ENDPOINT, as huggingface_hub reads it
    offline: bool = False  # HF_HUB_OFFLINE: use the cache only

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RuntimeSettings:
        """Parse the variables once.

        Raises:
            ValueError: HF_TOKEN holds whitespace or a control character (huggingface_hub reads it for
                every download; the HTTP library would quote it in its error, and so in a skip), a
                boolean that is neither yes nor no (HF_TESTGEN_SEMANTIC=O, a letter, is not 0), or a
                malformed HF_ENDPOINT; the message names the variable.
        """
        validate_token(env.get("HF_TOKEN") or None)
        endpoint = _text(env, "HF_ENDPOINT") or DEFAULT_ENDPOINT
        try:
            endpoint = check_endpoint(endpoint)
        except OutsideValueError as err:
            raise ValueError(f"HF_ENDPOINT={endpoint[:200]!r}: {err}") from None
        return cls(
            model_id=_text(env, "HF_TESTGEN_MODEL_ID"),
            revision=_text(env, "HF_TESTGEN_REVISION"),
            results_path=_text(env, "HF_TESTGEN_RESULTS"),
            record_golden=_text(env, "HF_TESTGEN_RECORD_GOLDEN"),
            golden=_text(env, "HF_TESTGEN_GOLDEN"),
            semantic=_flag(env, "HF_TESTGEN_SEMANTIC", default=True),
            endpoint=endpoint,
            offline=_flag(env, "HF_HUB_OFFLINE", default=False),
        )


def _classes(module: ModuleType) -> tuple[str | None, str | None]:
    """(HEAD_CLASS, AUTO_CLASS) of a generated module; (None, None) for a file from before them."""
    names = [getattr(module, name, None) for name in CLASS_CONSTANTS]
    if names == [None, None]:
        return None, None
    for name, value in zip(CLASS_CONSTANTS, names, strict=True):
        if not (isinstance(value, str) and value.isascii() and value.isidentifier()):
            both = " and ".join(CLASS_CONSTANTS)
            raise TypeError(f"{module.__name__}.{name} must be a class name (a file names both {both}), not {value!r}")
    return names[0], names[1]


def looks_like_path(model_id: str) -> bool:
    """True for a local folder (existing, or written as a path): a Hub id is `name` or `org/name`."""
    if os.path.isdir(model_id):
        return True
    return model_id.startswith(("/", ".", "~")) or "\\" in model_id or model_id.count("/") > 1


@dataclass(frozen=True)
class Target:
    """The checkpoint a generated module tests, after the environment's overrides."""

    model_type: str
    task: str
    model_id: str
    revision: str | None
    tiny_model_id: str | None
    pinned_model_id: str  # MODEL_ID as generated, before HF_TESTGEN_MODEL_ID
    pinned_revision: str | None = None  # REVISION as generated, before HF_TESTGEN_REVISION (keys the goldens)
    # DTYPE: the dtype the weights load in ("auto": as stored); files from before DTYPE loaded float32
    dtype: str = "float32"
    # HEAD_CLASS and AUTO_CLASS: the class the file tests and the one Auto class that loads it (None: a file
    # from before them; the plugin then derives both from the package's facts, as it did when it was written)
    head_class: str | None = None
    auto_class: str | None = None

    @classmethod
    def from_module(cls, module: ModuleType, settings: RuntimeSettings) -> Target:
        """Read a generated module's constants.

        Raises:
            TypeError: the module lacks one of REQUIRED_CONSTANTS, holds a non-string id, an unknown DTYPE,
                or only one of HEAD_CLASS and AUTO_CLASS (or one that is not a class name).
        """
        missing = [name for name in REQUIRED_CONSTANTS if not hasattr(module, name)]
        if missing:
            raise TypeError(f"{module.__name__} is not a generated test: it lacks {', '.join(missing)}")
        pinned = module.MODEL_ID
        for name in ("MODEL_TYPE", "TASK", "MODEL_ID"):
            if not isinstance(getattr(module, name), str) or not getattr(module, name):
                raise TypeError(f"{module.__name__}.{name} must be a non-empty string")
        model_id = settings.model_id or pinned
        if settings.revision is not None:
            revision = settings.revision
        else:
            revision = module.REVISION if model_id == pinned else None
        dtype = getattr(module, "DTYPE", "float32")
        if dtype not in LOAD_DTYPES:
            raise TypeError(f"{module.__name__}.DTYPE must be one of {', '.join(LOAD_DTYPES)}, not {dtype!r}")
        head_class, auto_class = _classes(module)
        return cls(
            module.MODEL_TYPE, module.TASK, model_id, revision, module.TINY_MODEL_ID, pinned, module.REVISION, dtype,
            head_class, auto_class,
        )  # fmt: skip

    @property
    def is_local(self) -> bool:
        return looks_like_path(self.model_id)

    @property
    def local_path(self) -> Path:
        return Path(self.model_id).expanduser()

    def tiny_reason(self) -> str | None:
        """Why this checkpoint is a tiny random test model (its outputs mean nothing), or None."""
        if self.tiny_model_id and self.model_id == self.tiny_model_id:
            return f"{self.model_id} is this file's tiny random test checkpoint (TINY_MODEL_ID)"
        if not self.is_local and self.model_id.startswith(TINY_NAMESPACES):
            return f"{self.model_id} is a tiny random test checkpoint ({TINY_NAMESPACES[0]}*)"
        if not self.is_local and any(marker in self.model_id.lower() for marker in TINY_MARKERS):
            return f"{self.model_id} is a tiny random test checkpoint (its id says tiny-random)"
        return None

    def semantic_skip_reason(self, settings: RuntimeSettings) -> str | None:
        """Why the semantic checks do not apply, or None when they must run."""
        if not settings.semantic:
            return "semantic checks are turned off (HF_TESTGEN_SEMANTIC=0)"
        reason = self.tiny_reason()
        return f"semantic checks skipped: {reason}" if reason else None
