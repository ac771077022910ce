"""Golden outputs: compact expected outputs recorded from a real run, compared with tolerances.

`HF_TESTGEN_RECORD_GOLDEN=path` writes each run's `TaskOutput` (its float `tensors` and its
`exact` fields) under a key of the file's pinned MODEL_ID and REVISION, task, device kind and
dtype, plus the runner: the key names the checkpoint the file is about, not the path or id a run
reached it by, so a local copy, a relative or an absolute path all meet the same golden (and must
match it). `HF_TESTGEN_GOLDEN=path` compares later runs with it, as transformers' integration tests
compare an `expected_slice` with `torch.testing.assert_close`; a missing entry fails, naming the
key and how to record it. Recording is safe from several processes (a file lock around read,
merge and an atomic replace). `add_missing` is the weekly job's add-only mode: it writes the
goldens a file lacks and never replaces one (scripts/suite_goldens.py keeps them under goldens/).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.files import DataFileError, atomic_write_text, read_data_file
from ..core.outside import OutsideValueError, loads
from .runners import TaskOutput

FORMAT = 1
# (rtol, atol) for a rerun on the same kind of device and dtype: a drift larger than this is a change.
# Measured on cpu with all-MiniLM-L6-v2 (embedding slice, similarities) and a sentiment classifier
# fine-tuned from it (logits), as max |diff| / (atol + rtol |golden|), run in each dtype: float32
# weights rounded through float16 (harmless) reach 0.02 / 0.65 of it in float32, 0 in float16,
# 0.10 / 0.46 in bfloat16; noise of 0.1 x each tensor's std (harmful) reaches 12.6 / 47 in float32,
# 7.5 / 19 in float16, 5.0 / 9.8 in bfloat16 (tests/test_goldens.py checks float32 and bfloat16 again).
TOLERANCES: dict[str, tuple[float, float]] = {
    "float32": (1e-3, 6e-3),
    "float16": (5e-3, 1e-2),
    "bfloat16": (1e-2, 1.5e-2),
}
LOCK_TIMEOUT_S = 30.0
MAX_GOLDENS_BYTES = 64 * 1024 * 1024  # a golden is a few KB per model and device


def golden_key(model_id: str, revision: str | None, task: str, device_kind: str, dtype: str) -> str:
    return "|".join((model_id, revision or "unpinned", task, device_kind, dtype))


def split_key(key: str) -> tuple[str, str, str, str, str]:
    """(model id, revision or "unpinned", task, device kind, dtype) of a `golden_key`.

    Raises:
        ValueError: `key` does not have the five parts `golden_key` joins.
    """
    parts = key.split("|")
    if len(parts) != 5 or not all(parts):
        raise ValueError(f"{key!r} is not a golden key (model id|revision|task|device kind|dtype)")
    return parts[0], parts[1], parts[2], parts[3], parts[4]


def tolerance(dtype: str) -> tuple[float, float]:
    return TOLERANCES.get(dtype, TOLERANCES["float16"])


def _plain(value: Any) -> Any:
    """The JSON form of a field (tuples become lists), so a recorded value compares equal to a fresh one."""
    return json.loads(json.dumps(value))


def entry_of(output: TaskOutput) -> dict[str, Any]:
    return {
        "tensors": {name: tensor.tolist() for name, tensor in sorted(output.tensors.items())},
        "exact": {name: _plain(output.fields[name]) for name in output.exact},
    }


def _read(path: Path) -> dict[str, Any]:
    """The goldens file, read with the data-file bounds: a regular file of bounded size and depth.

    Raises:
        ValueError: naming the file: a FIFO, too large, not JSON, or not shaped like a goldens file.
    """
    try:
        data, _ = loads(read_data_file(path, limit=MAX_GOLDENS_BYTES))
    except FileNotFoundError:
        return {"format": FORMAT, "entries": {}}
    except (DataFileError, OutsideValueError) as err:
        raise ValueError(f"{path}: {err}") from None
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, dict) or not all(isinstance(runners, dict) for runners in entries.values()):
        raise ValueError(f"{path} is not an hf-testgen goldens file (no 'entries' object of objects)")
    return data


def read_entries(path: str | Path) -> dict[str, dict[str, Any]]:
    """The entries of the goldens file at `path` ({key: {runner: golden}}); empty when it does not exist.

    Raises:
        ValueError: naming the file: not a goldens file, or a golden that is not an object.
    """
    entries = _read(Path(path))["entries"]
    for key, runners in entries.items():
        if not all(isinstance(golden, dict) for golden in runners.values()):
            raise ValueError(f"{path}: a golden of {key} is not an object")
    return entries


def add_missing(path: str | Path, entries: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """Add each golden of `entries` that the file at `path` lacks, never replacing one it has.

    One writer at a time (no lock file is left beside a committed file); the file is replaced
    atomically, and only when something was added. Returns the (key, runner) pairs added, sorted.
    """
    target = Path(path)
    data = _read(target)
    added = []
    for key, runners in sorted(entries.items()):
        have = data["entries"].setdefault(key, {})
        for runner, golden in sorted(runners.items()):
            if runner not in have:
                have[runner] = golden
                added.append((key, runner))
    if added:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, json.dumps(data, indent=1, sort_keys=True) + "\n")
    return added


def record(path: str, key: str, runner: str, output: TaskOutput) -> None:
    """Add or replace the golden of `runner` under `key` in the goldens file at `path`."""
    from filelock import FileLock

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock", timeout=LOCK_TIMEOUT_S):
        data = _read(target)
        data["entries"].setdefault(key, {})[runner] = entry_of(output)
        atomic_write_text(target, json.dumps(data, indent=1, sort_keys=True) + "\n")


def missing_message(path: str, key: str, runner: str) -> str:
    """Why a comparison asked for with HF_TESTGEN_GOLDEN cannot be made, and how to record the golden."""
    return (
        f"HF_TESTGEN_GOLDEN={path} has no golden for {key} ({runner}): record it from a known-good run with "
        f"HF_TESTGEN_RECORD_GOLDEN={path} pytest <this file>, or unset HF_TESTGEN_GOLDEN"
    )


def lookup(path: str, key: str, runner: str) -> dict[str, Any] | None:
    """The recorded golden, or None when the file or the entry is absent."""
    golden = _read(Path(path))["entries"].get(key, {}).get(runner)
    if golden is not None and not isinstance(golden, dict):
        raise ValueError(f"{path}: the golden of {key} ({runner}) is not an object")
    return golden


def differences(torch, expected: dict[str, Any], output: TaskOutput, dtype: str) -> list[str]:
    """How `output` drifts from a recorded golden: one line per field or tensor that differs (or has another shape)."""
    rtol, atol = tolerance(dtype)
    problems = []
    for name, value in expected.get("exact", {}).items():
        actual = _plain(output.fields.get(name))
        if actual != value:
            problems.append(f"{name} is {actual!r}, the golden says {value!r}")
    for name, values in expected.get("tensors", {}).items():
        actual = output.tensors.get(name)
        if actual is None:
            problems.append(f"{name} is not in this output")
            continue
        expected_tensor = torch.tensor(values, dtype=actual.dtype)
        if expected_tensor.shape != actual.shape:
            problems.append(f"{name} has shape {tuple(actual.shape)}, the golden {tuple(expected_tensor.shape)}")
            continue
        try:
            torch.testing.assert_close(actual, expected_tensor, rtol=rtol, atol=atol)
        except AssertionError as error:
            problems.append(f"{name} (rtol {rtol:g}, atol {atol:g}): " + " ".join(str(error).split()))
    return problems
