"""The last level of the chain: one curated real checkpoint (and a real tiny one) per model type.

The table is shipped inside the package (`data/static_defaults.json`, built with the registry by
`scripts/build_registry.py` from real sources, each recorded per row), so it works when
`model_registry.json` is missing or corrupt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from ..core.config import PACKAGE_DATA_DIR
from ..core.records import ModelCandidate, TinyModel


@dataclass(frozen=True)
class StaticDefault:
    default: ModelCandidate | None
    tiny: TinyModel | None


@cache
def static_defaults() -> dict[str, StaticDefault]:
    text = (PACKAGE_DATA_DIR / "static_defaults.json").read_text(encoding="utf-8")
    table = json.loads(text)["model_types"]
    return {
        model_type: StaticDefault(
            default=ModelCandidate.from_dict({"model_type": model_type, **row["default"]})
            if row.get("default")
            else None,
            tiny=TinyModel(row["tiny"]["id"], row["tiny"].get("sha"), row["tiny"].get("source", ""))
            if row.get("tiny")
            else None,
        )
        for model_type, row in table.items()
    }


def static_default(model_type: str) -> StaticDefault | None:
    return static_defaults().get(model_type)
