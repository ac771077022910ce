"""`HF_TESTGEN_RESULTS` lines read back: one typed `ResultLine` per JSON line, checked at the edge.

Generated tests append one JSON object per model and device that ran (see the `_record` helper of
the generated files, and `hf_testgen.testing`'s results line). Both writers share the keys below;
the plugin adds the dtype and the semantic / golden / parity verdicts, and a GPU name or a date
when it has them. Unknown keys are kept in `extra`, so the writers can grow without breaking the
readers; a line that is not a JSON object, or lacks a required key, is an error naming file:line.
Values from outside are checked, not trusted: ids follow the Hub's grammar (a `model_id` of
`../../../etc/passwd` is refused), times are finite and bounded, text is bounded, dates are ISO
dates. Readers that can go on skip a bad line with a warning (`iter_results(..., skipped=[])`):
one torn line (a full disk) must not cost the rest of the file.

A leaf above `files` and `errors`: merge (`results_merge`) and the coverage matrix read through here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import ResultsFormatError
from ..core.files import DataFileError, read_data_file
from ..core.outside import OutsideValueError, collapse, loads, number, parse_datetime
from ..core.records import validate_model_id, validate_model_type

MAX_RESULTS_FILE_BYTES = 256 * 1024 * 1024  # a line is ~500 bytes: half a million runs per file
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
    gpu_name: str | None = None
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
    date: str | None = None  # when the writer says; the merge stamps lines that do not
    # --- where it came from
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


def parse_line(text: str, place: str) -> ResultLine:
    """One results line → a record.

    Raises:
        ResultsFormatError: not a JSON object, a required key missing, or a value of the wrong type.
    """
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
    values: dict[str, Any] = {}
    for key in REQUIRED_TEXT:
        values[key] = _text(row, key, place, required=True)
    for key in REQUIRED_SECONDS:
        values[key] = _number(row, key, place, required=True)
    for key in OPTIONAL_TEXT:
        values[key] = _text(row, key, place, required=False)
    values["peak_memory_mb"] = _number(row, "peak_memory_mb", place, required=False)
    values["max_device_diff"] = _number(row, "max_device_diff", place, required=False)
    _check_values(values, place)
    known = {*REQUIRED_TEXT, *REQUIRED_SECONDS, *OPTIONAL_TEXT, "peak_memory_mb", "max_device_diff"}
    canonical = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    extra = {key: value for key, value in row.items() if key not in known}
    return ResultLine(**values, digest=digest, place=place, extra=extra)


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


def iter_results(path: Path, *, skipped: list[str] | None = None) -> Iterator[ResultLine]:
    """The lines of one results file; blank lines are skipped (an editor's trailing newline).

    With `skipped`, a malformed line is left out and its message ("file:line: problem") added to
    it; without, it raises.

    Raises:
        ResultsFormatError: the file cannot be read, or (without `skipped`) a line is malformed.
    """
    text = read_results_file(path).removeprefix("\ufeff")
    for index, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield parse_line(line, f"{path}:{index}")
        except ResultsFormatError as err:
            if skipped is None:
                raise
            skipped.append(f"{err}; line skipped")


def read_results(paths: Iterable[Path], *, skipped: list[str] | None = None) -> list[ResultLine]:
    """Every line of every file, in order; see `iter_results` for `skipped`."""
    return [line for path in paths for line in iter_results(path, skipped=skipped)]


def skipped_warnings(skipped: list[str]) -> list[str]:
    """The skipped lines' messages, a few and then a count (10,000 bad lines are 4 warnings)."""
    return collapse(skipped, what="more lines skipped")


def read_results_file(path: Path | str) -> str:
    """A results or junit file's text, read with the size limit.

    Raises:
        ResultsFormatError: missing, not a regular file, or too large (names the path).
    """
    try:
        return read_data_file(Path(path), limit=MAX_RESULTS_FILE_BYTES)
    except FileNotFoundError:
        raise ResultsFormatError(str(path), "no such file") from None
    except DataFileError as err:
        raise ResultsFormatError(str(path), str(err)) from None
