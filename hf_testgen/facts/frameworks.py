"""Which frameworks a checkpoint has weights for.

File names are the strong evidence (`model.safetensors` → pytorch, `tf_model.h5` → tensorflow,
`flax_model.msgpack` → jax, `*.onnx` → onnx); tags and `library_name` are used only when the
file list is unknown (a registry row or a list answer without siblings).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..core.errors import UsageError
from ..core.records import FRAMEWORKS, Framework, WeightFile
from ..core.text import unknown_choice

# What people type for a framework (torch's and TensorFlow's own short names); the values are `Framework`s.
FRAMEWORK_ALIASES: dict[str, Framework] = {"torch": "pytorch", "pt": "pytorch", "tf": "tensorflow", "flax": "jax"}

_FILE_EVIDENCE: tuple[tuple[Framework, re.Pattern[str]], ...] = (
    ("pytorch", re.compile(r"(^|/)([^/]*\.safetensors|pytorch_model[^/]*\.bin|[^/]*\.pt|[^/]*\.pth)$")),
    ("tensorflow", re.compile(r"(^|/)(tf_model[^/]*\.h5|saved_model\.pb)$")),
    ("jax", re.compile(r"(^|/)flax_model[^/]*\.msgpack$")),
    ("onnx", re.compile(r"(^|/)[^/]*\.onnx$")),
)
_TAG_EVIDENCE: dict[str, Framework] = {
    "pytorch": "pytorch",
    "safetensors": "pytorch",
    "tf": "tensorflow",
    "tensorflow": "tensorflow",
    "keras": "tensorflow",
    "jax": "jax",
    "flax": "jax",
    "onnx": "onnx",
}
_ORDER: tuple[Framework, ...] = ("pytorch", "tensorflow", "jax", "onnx")


def canonical_framework(name: str) -> Framework:
    """`name` as a `Framework` ("torch" and "pt" are pytorch, "tf" tensorflow, "flax" jax; any case).

    Raises:
        UsageError: one line naming the value and the closest frameworks.
    """
    value = name.strip().lower()
    value = FRAMEWORK_ALIASES.get(value, value)
    if value in FRAMEWORKS:
        return value  # type: ignore[return-value]  # checked against the Literal's values
    raise UsageError(unknown_choice("framework", name, FRAMEWORKS, aliases=tuple(FRAMEWORK_ALIASES)))


def frameworks_from_files(siblings: Iterable[WeightFile]) -> tuple[Framework, ...]:
    """Frameworks with weight files among `siblings`, in a fixed order."""
    names = [s.name for s in siblings]
    found = {fw for fw, pattern in _FILE_EVIDENCE if any(pattern.search(n) for n in names)}
    return tuple(fw for fw in _ORDER if fw in found)


def frameworks_from_tags(tags: Iterable[str], library_name: str | None = None) -> tuple[Framework, ...]:
    """Weaker evidence: Hub tags ("pytorch", "tf", "jax", "onnx", "safetensors")."""
    found = {_TAG_EVIDENCE[t] for t in tags if t in _TAG_EVIDENCE}
    if library_name in _TAG_EVIDENCE:
        found.add(_TAG_EVIDENCE[library_name])
    return tuple(fw for fw in _ORDER if fw in found)


def detect_frameworks(
    siblings: Iterable[WeightFile] = (), tags: Iterable[str] = (), library_name: str | None = None
) -> tuple[Framework, ...]:
    """Files first; tags and library name only when there is no file list to look at."""
    files = list(siblings)
    if files:
        return frameworks_from_files(files)
    return frameworks_from_tags(tags, library_name)
