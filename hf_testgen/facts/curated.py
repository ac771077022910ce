"""Hand-curated facts about transformers' heads that its auto mappings do not state (`data/head_facts.json`).

Each row of the data file names the source it was read from; this module only turns the rows into the
lookups the task filter (`selection.fitness`) and the families (`facts.families`) ask.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..core.config import PACKAGE_DATA_DIR


@cache
def _rows() -> dict[str, Any]:
    return json.loads((PACKAGE_DATA_DIR / "head_facts.json").read_text(encoding="utf-8"))


@cache
def pretraining_holds_mlm() -> frozenset[str]:
    """Types whose `ForPreTraining` class holds the masked-LM head (BERT-style MLM + next-sentence or
    sentence-order heads), so a checkpoint saved from it can be tested on fill-mask."""
    return frozenset(row["model_type"] for row in _rows()["pretraining_holds_mlm"])


@cache
def auto_mapping_alternates() -> dict[str, tuple[str, ...]]:
    """Task → head suffixes transformers' auto mapping lists beside the task's first class, so the Auto class
    the generated test loads with picks them by the checkpoint's own architectures."""
    found: dict[str, tuple[str, ...]] = {}
    for row in _rows()["auto_mapping_alternates"]:
        found[row["task"]] = (*found.get(row["task"], ()), row["suffix"])
    return found


@cache
def unfit_inputs() -> dict[tuple[str, str], str]:
    """(model type, task) → why the generic template cannot build its inputs (the transformers signature)."""
    return {(row["model_type"], row["task"]): row["reason"] for row in _rows()["unfit_inputs"]}
