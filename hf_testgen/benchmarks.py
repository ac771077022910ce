"""`benchmarks.json`: measured results per model id, read by the ranking.

Schema (version 1)::

    {"schema_version": 1, "models": {"timm/resnet50.a1_in1k": [
        {"task": "image-classification", "hardware": "any" | "cpu" | "gpu" | <profile name>,
         "metric": "imagenet_top1", "value": 80.4, "higher_is_better": true,
         "source": "...", "date": "2024-09"}]}}

A metric is compared only among the candidates being ranked: the best of them gets the full
bonus, the worst none, so the scale of the metric does not matter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import RegistryError

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class BenchmarkResult:
    task: str
    hardware: str
    metric: str
    value: float
    higher_is_better: bool
    source: str
    date: str

    def applies_to(self, task: str | None, hardware_kind: str | None, profile: str | None) -> bool:
        task_ok = task is None or self.task == task
        hardware_ok = self.hardware == "any" or self.hardware in {hardware_kind, profile}
        return task_ok and hardware_ok


class Benchmarks:
    """Results per model id. Rows are turned into records only for the ids asked about, because
    the file holds thousands of models and selection looks at a handful."""

    def __init__(self, raw_models: dict[str, Any], path: Path | None = None) -> None:
        self._raw = raw_models
        self._path = path
        self._parsed: dict[str, tuple[BenchmarkResult, ...]] = {}

    def for_model(self, model_id: str) -> tuple[BenchmarkResult, ...]:
        """The results recorded for `model_id` (empty when none).

        Raises:
            RegistryError: the rows of this model do not follow the schema.
        """
        if model_id not in self._parsed:
            self._parsed[model_id] = _parse_rows(model_id, self._raw.get(model_id, ()), self._path)
        return self._parsed[model_id]

    def model_ids(self) -> list[str]:
        return sorted(self._raw)


EMPTY = Benchmarks({})


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> Benchmarks:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return parse_benchmarks(raw, Path(path))


def load_benchmarks(path: Path) -> Benchmarks:
    """Read `benchmarks.json`; a missing file is no benchmarks.

    Raises:
        RegistryError: the file exists but is not valid JSON or does not follow the schema.
    """
    path = Path(path)
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return EMPTY
    try:
        return _load_cached(str(path), mtime)
    except json.JSONDecodeError as err:
        raise RegistryError(path, f"not valid JSON ({err.msg} at line {err.lineno})") from None


def parse_benchmarks(raw: Any, path: Path | None = None) -> Benchmarks:
    if (
        not isinstance(raw, dict)
        or raw.get("schema_version") != SCHEMA_VERSION
        or not isinstance(raw.get("models"), dict)
    ):
        raise RegistryError(path, f"expected {{'schema_version': {SCHEMA_VERSION}, 'models': {{...}}}}")
    return Benchmarks(raw["models"], path)


def _parse_rows(model_id: str, rows: Any, path: Path | None) -> tuple[BenchmarkResult, ...]:
    try:
        return tuple(
            BenchmarkResult(
                task=row["task"],
                hardware=row.get("hardware", "any"),
                metric=row["metric"],
                value=float(row["value"]),
                higher_is_better=bool(row.get("higher_is_better", True)),
                source=row.get("source", ""),
                date=str(row.get("date", "")),
            )
            for row in rows
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise RegistryError(path, f"models.{model_id}: bad result ({err})") from None
