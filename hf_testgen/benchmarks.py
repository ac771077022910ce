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
from .files import DataFileError, read_data_file

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
    """Results per model id, parsed only when needed.

    The file holds thousands of models and a selection ranks a handful, so the JSON is decoded
    only once a ranked id is actually mentioned in it, and rows become records per id.
    """

    def __init__(self, raw_models: dict[str, Any] | None = None, path: Path | None = None, text: str = "") -> None:
        self._raw = raw_models
        self._path = path
        self._text = text
        self._parsed: dict[str, tuple[BenchmarkResult, ...]] = {}

    def _models(self) -> dict[str, Any]:
        if self._raw is None:
            try:
                raw = json.loads(self._text)
            except json.JSONDecodeError as err:
                raise RegistryError(self._path, f"not valid JSON ({err.msg} at line {err.lineno})") from None
            if not isinstance(raw, dict) or raw.get("schema_version") != SCHEMA_VERSION or not isinstance(
                raw.get("models"), dict
            ):
                raise RegistryError(self._path, f"expected {{'schema_version': {SCHEMA_VERSION}, 'models': {{...}}}}")
            self._raw = raw["models"]
        return self._raw

    def for_model(self, model_id: str) -> tuple[BenchmarkResult, ...]:
        """The results recorded for `model_id` (empty when none).

        Raises:
            RegistryError: the file or the rows of this model do not follow the schema.
        """
        if model_id not in self._parsed:
            if self._raw is None and f'"{model_id}"' not in self._text:
                return ()
            self._parsed[model_id] = _parse_rows(model_id, self._models().get(model_id, ()), self._path)
        return self._parsed[model_id]

    def model_ids(self) -> list[str]:
        return sorted(self._models())


EMPTY = Benchmarks({})


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> Benchmarks:
    try:
        text = read_data_file(Path(path))
    except DataFileError as err:
        raise RegistryError(path, str(err)) from None
    return Benchmarks(None, Path(path), text)


def load_benchmarks(path: Path) -> Benchmarks:
    """Open `benchmarks.json`; a missing file is no benchmarks.

    Raises:
        RegistryError: not a regular file, too large, unreadable or not UTF-8 (rows are checked
            when a ranked model is looked up).
    """
    path = Path(path)
    try:
        mtime = path.stat().st_mtime_ns
        return _load_cached(str(path), mtime)
    except FileNotFoundError:
        return EMPTY


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
