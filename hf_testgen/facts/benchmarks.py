"""`benchmarks.json`: measured results per model id, read by the ranking.

Schema (version 1)::

    {"schema_version": 1, "models": {"timm/resnet50.a1_in1k": [
        {"task": "image-classification", "hardware": "any" | "cpu" | "gpu" | <profile name>,
         "metric": "imagenet_top1", "value": 80.4, "higher_is_better": true,
         "source": "...", "date": "2024-09"}]}}

A metric is compared only among the candidates being ranked: the best of them gets the full
bonus, the worst none, so the scale of the metric does not matter.

The optional `"measured"` section holds what the generated tests measured (written by
`results_merge`, `find_models.py --merge-results`): per model id, revision and hardware, the
median load and inference seconds and the peak memory. Selection reads two things from it: the
peak memory, for the hardware fit, when it measures the model alone (`MODEL_MEMORY_METHODS`: CUDA's
allocator peak; a process's peak RSS also counts Python, torch and every other model the process
loaded); and the cpu inference latency, as a lower-is-better metric for cpu hardware.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..core.errors import RegistryError
from ..core.files import DataFileError, read_data_file
from ..core.outside import OutsideValueError, loads, number

SCHEMA_VERSION = 1
MODEL_MEMORY_METHODS = frozenset({"torch.cuda.max_memory_allocated"})
MEASURED_LATENCY_METRIC = "measured_cpu_inference_seconds"


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


@dataclass(frozen=True)
class MeasuredRun:
    """The generated tests' figures for one model, revision, hardware, task and dtype (medians over `runs`)."""

    model_id: str
    revision: str | None
    task: str | None
    device: str
    hardware: str  # "cpu", "mps", "cuda:<GPU name>"
    runs: int
    load_seconds: float
    inference_seconds: float
    peak_memory_mb: float | None
    peak_memory_method: str | None
    date: str
    dtype: str | None = None

    @property
    def kind(self) -> str | None:
        """The hardware-profile kind the figures apply to ("cpu", "gpu"; None for mps)."""
        return {"cpu": "cpu", "cuda": "gpu"}.get(self.device)

    @property
    def measures_the_model(self) -> bool:
        """Whether the peak memory is the model's own (not a whole process's), so it can decide a fit."""
        return self.peak_memory_mb is not None and self.peak_memory_method in MODEL_MEMORY_METHODS

    def describe(self) -> str:
        revision = f"revision {self.revision[:12]}" if self.revision else "unpinned revision"
        return f"{self.peak_memory_method} on {self.hardware}, {revision}, {self.runs} run(s), {self.date}"

    def as_latency(self) -> BenchmarkResult:
        return BenchmarkResult(
            task=self.task or "", hardware="cpu", metric=MEASURED_LATENCY_METRIC, value=self.inference_seconds,
            higher_is_better=False, source="measured (benchmarks.json measured)", date=self.date,
        )


TEXT_SEARCHES = 100  # lookups answered by a text search before the file is decoded (see `_not_mentioned`)


class Benchmarks:
    """Results per model id, parsed only when needed.

    The file holds thousands of models and a selection ranks a handful, so the JSON is decoded
    once, at the first lookup of an id the text names (the first `TEXT_SEARCHES` lookups are text
    searches; after them every lookup uses the decoded index), and rows become records per id.
    """

    def __init__(self, raw_models: dict[str, Any] | None = None, path: Path | None = None, text: str = "") -> None:
        self._raw = raw_models
        self._path = path
        self._text = text
        self._parsed: dict[str, tuple[BenchmarkResult, ...]] = {}
        self._measured_raw: dict[str, Any] = {}
        self._measured: dict[str, tuple[MeasuredRun, ...]] = {}
        self._searches = 0

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Benchmarks:
        """From an already decoded file (tests, merges)."""
        benchmarks = cls(document.get("models", {}))
        benchmarks._measured_raw = document.get("measured") or {}
        return benchmarks

    def _models(self) -> dict[str, Any]:
        if self._raw is None:
            try:
                raw, _ = loads(self._text.removeprefix("\ufeff"))
            except OutsideValueError as err:
                raise RegistryError(self._path, str(err)) from None
            if (
                not isinstance(raw, dict)
                or type(raw.get("schema_version")) is not int
                or raw.get("schema_version") != SCHEMA_VERSION
                or not isinstance(raw.get("models"), dict)
            ):
                raise RegistryError(self._path, f"expected {{'schema_version': {SCHEMA_VERSION}, 'models': {{...}}}}")
            measured = raw.get("measured") or {}
            if not isinstance(measured, dict):
                raise RegistryError(self._path, "'measured' is not an object")
            self._raw, self._measured_raw = raw["models"], measured
        return self._raw

    def _not_mentioned(self, model_id: str) -> bool:
        """True when the undecoded text does not name `model_id`, so there is nothing to decode for it.

        The selection of one type asks about a few dozen ids, and most are in no benchmark: a text
        search spares decoding the whole file at start-up. Past `TEXT_SEARCHES` lookups (a registry
        of thousands of candidates) decoding once is cheaper than searching the text again per id.
        """
        if self._raw is not None or self._searches >= TEXT_SEARCHES:
            return False
        self._searches += 1
        return f'"{model_id}"' not in self._text

    def for_model(self, model_id: str) -> tuple[BenchmarkResult, ...]:
        """The results recorded for `model_id` (empty when none).

        Raises:
            RegistryError: the file or the rows of this model do not follow the schema.
        """
        if model_id not in self._parsed:
            if self._not_mentioned(model_id):
                return ()
            rows = _parse_rows(model_id, self._models().get(model_id, ()), self._path)
            self._parsed[model_id] = rows + _latest_cpu_latency(self.measured_for(model_id))
        return self._parsed[model_id]

    def measured_for(self, model_id: str) -> tuple[MeasuredRun, ...]:
        """What the generated tests measured for `model_id` (empty when nothing).

        Raises:
            RegistryError: the file or this model's measured entries do not follow the schema.
        """
        if model_id not in self._measured:
            if self._not_mentioned(model_id):
                return ()
            self._models()
            self._measured[model_id] = _parse_measured(model_id, self._measured_raw.get(model_id, ()), self._path)
        return self._measured[model_id]

    def measured_peak(self, model_id: str, revision: str | None, kind: str | None) -> MeasuredRun | None:
        """The largest measured peak memory of the model itself on `kind` hardware (any kind when None).

        A run of another revision does not count when the candidate's revision is known: other
        weights. The largest figure wins, so a fit is never decided by the luckiest run.
        """
        try:
            runs = self.measured_for(model_id)
        except RegistryError:  # a malformed entry must not break selection; it just decides nothing
            return None
        usable = [
            run
            for run in runs
            if run.measures_the_model
            and (kind is None or run.kind == kind)
            and (revision is None or run.revision == revision)
        ]
        return max(usable, key=lambda run: (run.peak_memory_mb or 0.0, run.hardware), default=None)

    def model_ids(self) -> list[str]:
        return sorted(self._models())


EMPTY = Benchmarks({})


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> Benchmarks:
    try:
        text = read_data_file(Path(path))
    except DataFileError as err:
        raise RegistryError(path, str(err)) from None
    benchmarks = Benchmarks(None, Path(path), text)
    benchmarks._models()  # decoded once here: a corrupt file is one "benchmarks ignored" warning, not silence
    return benchmarks


def load_benchmarks(path: Path) -> Benchmarks:
    """Open `benchmarks.json`; a missing file is no benchmarks.

    Raises:
        RegistryError: not a regular file, too large, unreadable, not UTF-8 or not usable JSON
            (rows are checked when a ranked model is looked up).
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
                task=_string(row["task"], "task"),
                hardware=_string(row.get("hardware", "any"), "hardware"),
                metric=_string(row["metric"], "metric"),
                value=float(number(row["value"], "value")),  # type: ignore[arg-type]  # None is refused below
                higher_is_better=_yes_no(row.get("higher_is_better", True), "higher_is_better"),
                source=_string(row.get("source", ""), "source"),
                date=str(row.get("date", "")),
            )
            for row in _list_of_objects(rows)
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise RegistryError(path, f"models.{model_id}: bad result ({err})") from None


def _list_of_objects(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, dict) for item in value):
        raise TypeError("expected a list of objects")
    return list(value)


def _string(value: Any, name: str) -> str:
    if not isinstance(value, str) or len(value) > 500:
        raise TypeError(f"field {name!r} is not a string")
    return value


def _optional_string(value: Any, name: str) -> str | None:
    return None if value is None else _string(value, name)


def _yes_no(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"field {name!r}: {value!r} is not true or false")
    return value


def _latest_cpu_latency(runs: tuple[MeasuredRun, ...]) -> tuple[BenchmarkResult, ...]:
    """The newest cpu run per task, as a latency metric (one value per metric and task)."""
    newest: dict[str | None, MeasuredRun] = {}
    for run in sorted((r for r in runs if r.device == "cpu"), key=lambda r: (r.date, r.revision or "")):
        newest[run.task] = run
    return tuple(run.as_latency() for run in newest.values())


def _parse_measured(model_id: str, entries: Any, path: Path | None) -> tuple[MeasuredRun, ...]:
    try:
        return tuple(
            MeasuredRun(
                model_id=model_id,
                revision=_optional_string(entry.get("revision"), "revision"),
                task=_optional_string(entry.get("task"), "task"),
                device=_string(entry["device"], "device"),
                hardware=_string(entry["hardware"], "hardware"),
                runs=int(_required(number(entry["runs"], "runs", minimum=1, whole=True), "runs")),
                load_seconds=float(_required(number(entry["load_seconds"], "load_seconds", minimum=0), "load_seconds")),
                inference_seconds=float(
                    _required(number(entry["inference_seconds"], "inference_seconds", minimum=0), "inference_seconds")
                ),
                peak_memory_mb=number(entry.get("peak_memory_mb"), "peak_memory_mb", minimum=0),
                peak_memory_method=_optional_string(entry.get("peak_memory_method"), "peak_memory_method"),
                date=str(entry.get("date", "")),
                dtype=_optional_string(entry.get("dtype"), "dtype"),
            )
            for entry in _list_of_objects(entries)
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise RegistryError(path, f"measured.{model_id}: bad entry ({err})") from None


def _required(value: float | None, name: str) -> float:
    if value is None:
        raise TypeError(f"field {name!r} is missing")
    return value
