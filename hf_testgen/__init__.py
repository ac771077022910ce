"""hf-testgen: pick the right Hugging Face Hub model and generate pytest files that really run it.

The public API, for people who call it from Python::

    from hf_testgen import Settings, SelectionRequest, select, GenerationRequest, generate

    selection = select(SelectionRequest(model_type="bert", max_size_mb=500), Settings.from_env())
    outcome = generate(GenerationRequest(model_type="bert", output_dir=Path("tests")), Settings.from_env())

Names are imported on first use (PEP 562), so `import hf_testgen` stays light: the static
selection path never loads huggingface_hub, torch or jinja2.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .core.config import Settings
    from .core.records import ModelCandidate, Note, Rejection, Selection
    from .generation.api import GenerationRequest, Outcome, generate
    from .selection.chain import SelectionRequest, select

_EXPORTS = {
    "select": "selection.chain",
    "SelectionRequest": "selection.chain",
    "Selection": "core.records",
    "ModelCandidate": "core.records",
    "Rejection": "core.records",
    "Note": "core.records",
    "generate": "generation.api",
    "GenerationRequest": "generation.api",
    "Outcome": "generation.api",
    "Settings": "core.config",
}

__all__ = [
    "GenerationRequest",
    "ModelCandidate",
    "Note",
    "Outcome",
    "Rejection",
    "Selection",
    "SelectionRequest",
    "Settings",
    "__version__",
    "generate",
    "select",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hf_testgen' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted(__all__)
