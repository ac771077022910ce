"""The one task table: which transformers auto mappings stand for a task and which Auto classes load them.

Shipped as `data/task_table.json` (a row per task, each with its source) and read by three parties:
`scripts/build_task_map.py` derives `data/task_map.json` from the rows' `mappings`, the generator
(`families.resolve_head`) loads a head with the rows' Auto classes, and
`scripts/mine_test_checkpoints.py` turns an `AutoModelFor*` class in a transformers test into the
task whose head it builds (`task_of_auto_class`). Adding a task is adding a row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from ..core.config import PACKAGE_DATA_DIR


@dataclass(frozen=True)
class HeadRule:
    """Auto classes for the heads of one mapping of a many-mapping task, named by the head class's suffix."""

    suffix: str
    auto_classes: tuple[str, ...]
    variant: str


@dataclass(frozen=True)
class TaskRow:
    """One task: its auto mappings in priority order and the Auto classes that load its heads."""

    task: str
    mappings: tuple[str, ...]
    auto_classes: tuple[str, ...]  # for a head no `heads` rule names; empty: no template loads it
    variant: str
    heads: tuple[HeadRule, ...]
    source: str

    @classmethod
    def from_dict(cls, row: dict) -> TaskRow:
        return cls(
            task=row["task"],
            mappings=tuple(row["mappings"]),
            auto_classes=tuple(row.get("auto_classes", ())),
            variant=row.get("variant", row["task"]),
            heads=tuple(HeadRule(h["suffix"], tuple(h["auto_classes"]), h["variant"]) for h in row.get("heads", ())),
            source=row["source"],
        )

    def loader_for(self, head_class: str) -> tuple[tuple[str, ...], str] | None:
        """(Auto classes, variant) that load `head_class` for this task, or None when no row says."""
        rule = next((rule for rule in self.heads if head_class.endswith(rule.suffix)), None)
        if rule:
            return rule.auto_classes, rule.variant
        return (self.auto_classes, self.variant) if self.auto_classes else None


@cache
def task_rows() -> dict[str, TaskRow]:
    """Task → its row, in table order."""
    rows = json.loads((PACKAGE_DATA_DIR / "task_table.json").read_text(encoding="utf-8"))["tasks"]
    return {row["task"]: TaskRow.from_dict(row) for row in rows}


def task_mappings() -> dict[str, list[str]]:
    """Task → the names of the auto mappings that stand for it, in priority order (for build_task_map)."""
    return {task: list(row.mappings) for task, row in task_rows().items()}


@cache
def auto_class_tasks() -> dict[str, str]:
    """`AutoModel*` class → the task whose head it builds: the first row that names the class."""
    found: dict[str, str] = {}
    for row in task_rows().values():
        for auto_class in (*row.auto_classes, *(c for rule in row.heads for c in rule.auto_classes)):
            found.setdefault(auto_class, row.task)
    return dict(sorted(found.items()))
