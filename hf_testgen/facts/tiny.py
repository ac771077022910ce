"""The tiny random test checkpoint a generated file names (TINY_MODEL_ID): one that carries the head its task loads.

transformers keeps one tiny random checkpoint per model class (`data/tiny_models.json`, built by
`scripts/build_tiny_models.py` from its tiny-model list). A type's registry row names the tiny checkpoint of its
default head; a file for another task (`test_hf_bert_text_classification.py`) needs the one of that task's head, or
none, with the reason in the file.
"""

from __future__ import annotations

import json
from functools import cache

from ..core.config import PACKAGE_DATA_DIR

PREFIX = "tiny-random-"


@cache
def _table() -> dict[str, dict[str, str]]:
    return json.loads((PACKAGE_DATA_DIR / "tiny_models.json").read_text(encoding="utf-8"))["models"]


def tiny_for_head(head_class: str, candidate: str | None) -> tuple[str | None, str | None]:
    """(tiny checkpoint id, None), or (None, why there is none) for a file whose task loads `head_class`.

    Args:
        head_class: the class the file's task loads (`BertForSequenceClassification`).
        candidate: the selection's tiny checkpoint (the registry's, for the type's default head), if any.
    """
    if candidate is not None and candidate.rsplit("/", 1)[-1] == PREFIX + head_class:
        return candidate, None
    entry = _table().get(head_class)
    if entry is not None:
        return entry["id"], None
    shown = f" ({candidate} has another head)" if candidate else ""
    return None, f"no tiny random {head_class} checkpoint is known{shown}: transformers' tiny-model list has none"
