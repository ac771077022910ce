"""Reference outputs from transformers' own model integration tests, replayed by the generated test of a checkpoint.

The table (`data/reference_outputs.json`, mined by `scripts/mine_reference_outputs.py` from transformers'
`tests/models/*/test_modeling_*.py` at one commit) holds, per Hub checkpoint, cases such as
`BertModel` on fixed `input_ids`, `output[0][:, 1:4, 1:4]` close to a stated 3x3 slice with atol 1e-4. A
generated file names the cases by their upstream test (`path::Class::method`); the plugin replays them.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..core.config import PACKAGE_DATA_DIR

# The case kinds hf_testgen.testing.reference replays.
REPLAYED_KINDS = ("forward", "generate_ids", "generate_text", "pipeline")


@cache
def _document() -> dict[str, Any]:
    return json.loads((PACKAGE_DATA_DIR / "reference_outputs.json").read_text(encoding="utf-8"))


def source() -> dict[str, str]:
    """Where the table was mined: {"repo", "read_from", "commit"}."""
    return dict(_document()["source"])


def reference_cases(model_id: str) -> tuple[dict[str, Any], ...]:
    """The replayable cases transformers' tests state for `model_id`, in a fixed order (empty when none)."""
    cases = _document()["outputs"].get(model_id, ())
    return tuple(case for case in cases if case["kind"] in REPLAYED_KINDS)


def reference_tests(model_id: str) -> tuple[str, ...]:
    """The upstream tests (`path::Class::method`) whose cases the generated file of `model_id` replays."""
    return tuple(dict.fromkeys(case["test"] for case in reference_cases(model_id)))


@cache
def checkpoints() -> tuple[str, ...]:
    """Every checkpoint id with at least one replayable case."""
    return tuple(model_id for model_id in _document()["outputs"] if reference_cases(model_id))
