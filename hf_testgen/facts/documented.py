"""Outputs transformers documents for a checkpoint, replayed by the generated test of that checkpoint.

The table (`data/documented_outputs.json`, built by `scripts/build_documented_outputs.py`) holds,
per checkpoint and task, the input of transformers 4.44's code sample and the result its docs
state for it ("The capital of France is [MASK]." -> "paris" for google-bert/bert-base-uncased).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from ..core.config import PACKAGE_DATA_DIR


@dataclass(frozen=True)
class DocumentedOutput:
    inputs: tuple[str, ...]  # the sample's text arguments ("{mask}" marks a masked position)
    expected: str  # the answer the docs state: top word, label or answer span
    source: str  # the docstring and sample it comes from


@cache
def _table() -> dict[str, dict[str, dict]]:
    return json.loads((PACKAGE_DATA_DIR / "documented_outputs.json").read_text(encoding="utf-8"))["outputs"]


def documented_output(model_id: str, task: str) -> DocumentedOutput | None:
    """The documented output of `model_id` for `task`, or None when transformers documents none."""
    entry = _table().get(model_id, {}).get(task)
    if entry is None:
        return None
    return DocumentedOutput(tuple(entry["inputs"]), entry["expected"], entry["source"])
