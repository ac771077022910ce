"""Fold `HF_TESTGEN_RESULTS` lines into `benchmarks.json` (`find_models.py --merge-results`).

The measured figures live in their own section next to the published metrics::

    "measured": {"org/model": [
        {"model_type": "bert", "revision": "<sha>" | null, "task": "fill-mask", "dtype": "float32" | null,
         "device": "cuda", "gpu_name": "NVIDIA H200" | null, "hardware": "cuda:NVIDIA H200",
         "runs": 3, "load_seconds": 1.2, "inference_seconds": 0.05,      # medians of the samples
         "peak_memory_mb": 812.0, "peak_memory_method": "torch.cuda.max_memory_allocated",  # the largest
         "versions": {"torch": "2.13.0", ...}, "date": "2026-11-28T09:12:44Z", "source": "...",
         "samples": [{"id": "<digest>", "date": ..., "load_seconds": ..., ...}]}]}

The GPU name and each sample's date come from the results line (the plugin records
`torch.cuda.get_device_name()` and the UTC time it wrote the line); a line from an older plugin,
without them, is filed under "cuda:unknown GPU" and dated by the merge day.

One entry per (model id, revision, hardware, task, dtype). Why samples are kept: a median cannot be
updated from a median, and the digest of each line makes a merge idempotent (the same line merged
twice counts once, so a rerun leaves the file byte-identical). Only the newest `MAX_SAMPLES` are
kept. The rest of the file (the published metrics) is never touched, and the file is written with
the project's atomic writer. A malformed line (a torn last line after a full disk) is skipped with a
warning, and so is a line dated in the future (it would evict every real sample and outrank every
later run); a stored sample dated in the future is counted as today's. Entries are indexed by key,
so a merge is linear in the lines.
"""

from __future__ import annotations

import copy
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ..core.errors import RegistryError, ResultsFormatError
from ..core.files import DataFileError, atomic_write_text, read_data_file
from ..core.outside import OutsideValueError, loads, number
from ..facts.benchmarks import SCHEMA_VERSION
from .results import ResultLine, read_results, skipped_warnings

MAX_SAMPLES = 15
DEFAULT_SOURCE = "hf-testgen generated tests (HF_TESTGEN_RESULTS)"
EntryKey = tuple[str, str, str, str, str]  # revision, hardware, task, dtype, ("" for None)


@dataclass(frozen=True)
class MergeReport:
    """What a merge did: lines read, samples new to the file, entries touched, whether it wrote."""

    lines: int
    new_samples: int
    entries: int
    written: bool
    warnings: tuple[str, ...] = ()  # skipped lines, collapsed past a few


def dump_benchmarks(document: dict[str, Any]) -> str:
    """The file's one serialisation (the same as scripts/build_registry.py writes), so merges diff cleanly."""
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def load_document(path: Path) -> dict[str, Any]:
    """The raw benchmarks document; a missing file is an empty one.

    Raises:
        RegistryError: unreadable, not JSON, or not schema version 1.
    """
    try:
        text = read_data_file(path)
    except FileNotFoundError:
        return {"schema_version": SCHEMA_VERSION, "models": {}}
    except DataFileError as err:
        raise RegistryError(path, str(err)) from None
    try:
        document, _ = loads(text.removeprefix("\ufeff"))
    except OutsideValueError as err:
        raise RegistryError(path, str(err)) from None
    version = document.get("schema_version") if isinstance(document, dict) else None
    if type(version) is not int or version != SCHEMA_VERSION:
        raise RegistryError(path, f"expected {{'schema_version': {SCHEMA_VERSION}, ...}}")
    if not isinstance(document.get("measured", {}), dict):
        raise RegistryError(path, "'measured' is not an object")
    return document


def check_measured(document: dict[str, Any], path: Path) -> None:
    """Refuse to merge into measured entries of the wrong shape (a merge rewrites them).

    Raises:
        RegistryError: naming the model and the entry.
    """
    for model_id, entries in (document.get("measured") or {}).items():
        problem = _entries_problem(entries)
        if problem:
            raise RegistryError(path, f"measured.{model_id[:100]}{problem}; fix or remove it, then merge again")


def _entries_problem(entries: Any) -> str | None:
    """What is wrong with one model's stored entries (", [2].samples: not a list"), or None."""
    if not isinstance(entries, list):
        return ": not a list of entries"
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("samples"), list):
            return f"[{index}]: not an entry with a 'samples' list"
        for sample in entry["samples"]:
            try:
                if not isinstance(sample, dict) or not isinstance(sample.get("id"), str):
                    raise OutsideValueError("not a sample with an 'id'")
                for name in ("load_seconds", "inference_seconds"):
                    if number(sample.get(name), name, minimum=0) is None:
                        raise OutsideValueError(f"field {name!r} is missing")
                number(sample.get("peak_memory_mb"), "peak_memory_mb", minimum=0)
            except OutsideValueError as err:
                return f"[{index}].samples: {err}"
    return None


def _sample(line: ResultLine, today: str) -> dict[str, Any]:
    return {
        "id": line.digest,
        "date": line.date or today,
        "load_seconds": line.load_seconds,
        "inference_seconds": line.inference_seconds,
        "peak_memory_mb": line.peak_memory_mb,
        "peak_memory_method": line.peak_memory_method,
        "versions": line.versions,
    }


def _key(entry: dict[str, Any]) -> EntryKey:
    return tuple(str(entry.get(name) or "") for name in ("revision", "hardware", "task", "dtype"))  # type: ignore[return-value]


def _newest(samples: Iterable[dict[str, Any]], today: str = "9999-12-31") -> list[dict[str, Any]]:
    """The newest MAX_SAMPLES, oldest first; (date, id) orders them the same way on every run. A
    stored date later than `today` counts as today (it was forged or mis-stamped)."""
    ordered = sorted(samples, key=lambda s: (min(str(s.get("date", "")), today), str(s.get("id", ""))))
    return ordered[-MAX_SAMPLES:]


def summarise(entry: dict[str, Any]) -> dict[str, Any]:
    """Recompute an entry's figures from its samples: medians of the times, the largest peak memory."""
    samples = entry["samples"]
    peaks = [s for s in samples if s.get("peak_memory_mb") is not None]
    largest = max(peaks, key=lambda s: (s["peak_memory_mb"], s["id"]), default=None)
    newest = samples[-1]
    entry.update(
        runs=len(samples),
        load_seconds=round(statistics.median(s["load_seconds"] for s in samples), 4),
        inference_seconds=round(statistics.median(s["inference_seconds"] for s in samples), 4),
        peak_memory_mb=largest["peak_memory_mb"] if largest else None,
        peak_memory_method=largest.get("peak_memory_method") if largest else None,
        versions=newest.get("versions", {}),
        date=newest.get("date"),
    )
    return entry


def _new_entry(line: ResultLine) -> dict[str, Any]:
    return {
        "model_type": line.model_type,
        "revision": line.revision,
        "task": line.task,
        "dtype": line.dtype,
        "device": line.device,
        "gpu_name": line.gpu_name,
        "hardware": line.hardware,
        "samples": [],
    }


def merge_lines(
    document: dict[str, Any], lines: Sequence[ResultLine], *, source: str, today: str
) -> tuple[dict[str, Any], int, int]:
    """(new document, samples new to it, entries touched); `document` itself is not changed."""
    merged = copy.deepcopy(document)
    measured: dict[str, list[dict[str, Any]]] = merged.setdefault("measured", {})
    index = {(model_id, _key(e)): e for model_id, entries in measured.items() for e in entries}
    touched: set[tuple[str, EntryKey]] = set()
    new_samples = 0
    for line in lines:
        fresh = _new_entry(line)
        where = (line.model_id, _key(fresh))
        entry = index.get(where)
        if entry is None:
            entry = index[where] = fresh
            measured.setdefault(line.model_id, []).append(entry)
        if any(s.get("id") == line.digest for s in entry["samples"]):
            continue
        entry["samples"] = _newest([*entry["samples"], _sample(line, today)], today)
        if any(s["id"] == line.digest for s in entry["samples"]):
            entry["source"] = source
            new_samples += 1
            touched.add(where)
    for where in touched:
        summarise(index[where])
    for model_id in measured:
        measured[model_id] = [e for e in sorted(measured[model_id], key=_key) if e["samples"]]
    return merged, new_samples, len(touched)


def merge_results_files(
    benchmarks_path: Path,
    results_paths: Sequence[Path],
    *,
    source: str = DEFAULT_SOURCE,
    today: str | None = None,
) -> MergeReport:
    """Fold every line of `results_paths` into `benchmarks_path`, atomically.

    A malformed line, or one dated after tomorrow, is skipped and named in the report's warnings;
    nothing is written when the merge changes no byte (a rerun with the same inputs).

    Raises:
        ResultsFormatError: an unreadable results file, or no usable line among malformed ones.
        RegistryError: the benchmarks file is unusable.
    """
    today = today or date.today().isoformat()
    skipped: list[str] = []
    read = read_results(results_paths, skipped=skipped)
    if skipped and not read:
        first = skipped[0].removesuffix("; line skipped")
        raise ResultsFormatError(first, f"no usable line in the results ({len(skipped):,} malformed)")
    lines = _not_in_future(read, today, skipped)
    document = load_document(benchmarks_path)
    check_measured(document, benchmarks_path)
    merged, new_samples, entries = merge_lines(document, lines, source=source, today=today)
    text = dump_benchmarks(merged)
    try:
        unchanged = read_data_file(benchmarks_path) == text
    except (FileNotFoundError, DataFileError):
        unchanged = False
    if not unchanged:
        atomic_write_text(benchmarks_path, text)
    return MergeReport(
        len(lines), new_samples, entries, written=not unchanged, warnings=tuple(skipped_warnings(skipped))
    )


def _not_in_future(lines: list[ResultLine], today: str, skipped: list[str]) -> list[ResultLine]:
    """The lines dated at most a day after `today`; the others go to `skipped` (a forged or broken clock)."""
    latest = (datetime.fromisoformat(today) + timedelta(days=1)).date().isoformat()
    kept = []
    for line in lines:
        if line.date is not None and line.date[:10] > latest:
            skipped.append(f"{line.place}: 'date' {line.date!r} is in the future; line skipped")
        else:
            kept.append(line)
    return kept
