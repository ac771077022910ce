"""One `HF_TESTGEN_RESULTS` line: the record the plugin builds and writes and the suite reads back.

The plugin (`hf_testgen.testing`) builds a `ResultLine` per model and device that ran and writes
`to_line()`; the merge and the coverage matrix (`hf_testgen.suite`) read each line back with
`ResultLine.from_line`. The keys are the record's fields, declared once below; a line is one JSON
object with sorted keys, and every written key is present (None as null). Unknown keys are kept in
`extra`, so the writer can grow without breaking the readers; a line that is not a JSON object, or
lacks a required key, is an error naming file:line. Values from outside are checked, not trusted:
ids follow the Hub's grammar (a `model_id` of `../../../etc/passwd` is refused), times are finite
and bounded, text is bounded, dates are ISO dates. The plugin records the GPU's name on cuda and
the UTC date and time it wrote the line; older lines (no verdicts, no dtype, no GPU name, no date)
read back with those fields None.

Here, not in `testing` or `suite`, because both layers read and write the same line (core is the
one layer both may import).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import ResultsFormatError
from .ids import validate_model_id
from .outside import OutsideValueError, loads, number, parse_datetime
from .records import validate_model_type

REQUIRED_TEXT = ("model_type", "model_id", "device")
REQUIRED_SECONDS = ("load_seconds", "inference_seconds")
OPTIONAL_TEXT = (
    "task",
    "revision",
    "dtype",
    "peak_memory_method",
    "semantic",
    "golden",
    "parity",
    "torch",
    "transformers",
    "hf_testgen",
    "python",
    "gpu_name",
    "date",
)
OPTIONAL_NUMBERS = ("peak_memory_mb", "max_device_diff")
VERSION_KEYS = ("hf_testgen", "python", "torch", "transformers")
MAX_LINE_CHARS = 1_000_000  # a line is ~500 bytes; a goldens-sized line is still far below this
MAX_TEXT_CHARS = 300  # a device, dtype, verdict or GPU name
MAX_SECONDS = 1e7  # 115 days: a larger time is corrupt and would swamp every sum and median
# A pinned sha, or a branch or tag name (HF_TESTGEN_REVISION may name one).
_REVISION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,199}", re.ASCII)


@dataclass(frozen=True)
class ResultLine:
    """One run of one generated test on one device, as its results line says."""

    # --- what ran, and where
    model_type: str
    model_id: str
    device: str  # "cpu", "cuda", "mps"
    task: str | None = None
    revision: str | None = None
    dtype: str | None = None
    gpu_name: str | None = None  # torch.cuda.get_device_name() on cuda; None elsewhere and in older lines
    # --- the measurements
    load_seconds: float = 0.0
    inference_seconds: float = 0.0
    peak_memory_mb: float | None = None
    peak_memory_method: str | None = None
    # --- the verdicts (issue 8's plugin; None from older files)
    semantic: str | None = None
    golden: str | None = None
    parity: str | None = None
    max_device_diff: float | None = None
    # --- the libraries
    torch: str | None = None
    transformers: str | None = None
    hf_testgen: str | None = None
    python: str | None = None
    date: str | None = None  # when the plugin wrote it (UTC, "2026-12-03T15:16:00Z"); the merge stamps older lines
    # --- where it came from (not written)
    digest: str = ""  # of the line's canonical JSON: the same run merged twice counts once
    place: str = ""  # "file:line", for messages
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def hardware(self) -> str:
        """The hardware key of benchmarks.json: the device kind, and the GPU's name when known."""
        if self.device == "cuda":
            return f"cuda:{self.gpu_name or 'unknown GPU'}"
        return self.device

    @property
    def versions(self) -> dict[str, str]:
        return {key: value for key in VERSION_KEYS if (value := getattr(self, key)) is not None}

    def to_row(self) -> dict[str, Any]:
        """The line's JSON object: every written field (None as null), then the unknown keys it was read with."""
        return {**self.extra, **{name: getattr(self, name) for name in WRITTEN_KEYS}}

    def to_line(self) -> str:
        """The line as the plugin appends it: one JSON object, sorted keys, and a newline."""
        return dump_line(self.to_row())

    @classmethod
    def from_line(cls, text: str, place: str) -> ResultLine:
        """One results line → a record.

        Raises:
            ResultsFormatError: not a JSON object, a required key missing, or a value of the wrong type.
        """
        row = _json_object(text, place)
        values: dict[str, Any] = {}
        for key in REQUIRED_TEXT:
            values[key] = _text(row, key, place, required=True)
        for key in REQUIRED_SECONDS:
            values[key] = _number(row, key, place, required=True)
        for key in OPTIONAL_TEXT:
            values[key] = _text(row, key, place, required=False)
        for key in OPTIONAL_NUMBERS:
            values[key] = _number(row, key, place, required=False)
        _check_values(values, place)
        canonical = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
        extra = {key: value for key, value in row.items() if key not in values}
        return cls(**values, digest=digest, place=place, extra=extra)


WRITTEN_KEYS = tuple(f.name for f in fields(ResultLine) if f.name not in {"digest", "place", "extra"})


def dump_line(row: Mapping[str, Any]) -> str:
    """A results line's text: the one serialisation every writer uses."""
    return json.dumps(row, sort_keys=True) + "\n"


def parse_line(text: str, place: str) -> ResultLine:
    """`ResultLine.from_line`, by its older name."""
    return ResultLine.from_line(text, place)


def _json_object(text: str, place: str) -> dict[str, Any]:
    if len(text) > MAX_LINE_CHARS:
        raise ResultsFormatError(place, f"a line of {len(text):,} characters (at most {MAX_LINE_CHARS:,})")
    try:
        row, duplicates = loads(text)
    except OutsideValueError as err:
        raise ResultsFormatError(place, str(err).replace("not valid JSON", "not JSON")) from None
    if not isinstance(row, dict):
        raise ResultsFormatError(place, f"expected a JSON object, got {type(row).__name__}")
    if duplicates:
        raise ResultsFormatError(place, f"key {duplicates[0][:60]!r} appears twice")
    return row


def _check_values(values: dict[str, Any], place: str) -> None:
    """The grammar of the fields that become keys and paths: ids, model type, revision, date."""
    checks = {
        "model_id": validate_model_id,
        "model_type": validate_model_type,
        "revision": _revision,
        "date": lambda value: parse_datetime(value, "date"),
    }
    for name, check in checks.items():
        if values[name] is not None:
            try:
                check(values[name])
            except ValueError as err:
                raise ResultsFormatError(place, f"{name!r}: {err}") from None


def _revision(value: str) -> str:
    if not _REVISION_RE.fullmatch(value):
        raise ValueError(f"invalid revision {value[:60]!r}: expected a commit sha or a branch name")
    return value


def _text(row: dict[str, Any], key: str, place: str, *, required: bool) -> str | None:
    value = row.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT_CHARS:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        what = "missing" if key not in row else f"not a non-empty string of <= {MAX_TEXT_CHARS} characters ({shown})"
        raise ResultsFormatError(place, f"{key!r} is {what}")
    return value


def _number(row: dict[str, Any], key: str, place: str, *, required: bool) -> float | None:
    value = row.get(key)
    if value is None and not required:
        return None
    try:
        checked = number(value, key, minimum=0, maximum=MAX_SECONDS if key in REQUIRED_SECONDS else 1e12)
    except OutsideValueError as err:
        raise ResultsFormatError(place, f"{key!r} is not a finite number >= 0 ({err})") from None
    if checked is None:
        raise ResultsFormatError(place, f"{key!r} is missing")
    return float(checked)
