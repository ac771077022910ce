"""Golden outputs: compact expected outputs recorded from a real run, compared with tolerances.

`HF_TESTGEN_RECORD_GOLDEN=path` writes each run's `TaskOutput` (its float `tensors` and its
`exact` fields) under a key of model id, revision, task, device kind and dtype, plus the runner;
`HF_TESTGEN_GOLDEN=path` compares later runs with it, as transformers' integration tests compare
an `expected_slice` with `torch.testing.assert_close`. Recording is safe from several processes
(a file lock around read, merge and an atomic replace).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..registry import atomic_write_text
from .runners import TaskOutput

FORMAT = 1
# (rtol, atol) for a rerun on the same kind of device and dtype: a drift larger than this is a change.
TOLERANCES: dict[str, tuple[float, float]] = {
    "float32": (1e-4, 1e-4),
    "float16": (1e-2, 1e-2),
    "bfloat16": (2e-2, 2e-2),
}
LOCK_TIMEOUT_S = 30.0


def golden_key(model_id: str, revision: str | None, task: str, device_kind: str, dtype: str) -> str:
    return "|".join((model_id, revision or "unpinned", task, device_kind, dtype))


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
    if not path.exists():
        return {"format": FORMAT, "entries": {}}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
        raise ValueError(f"{path} is not an hf-testgen goldens file (no 'entries' object)")
    return data


def record(path: str, key: str, runner: str, output: TaskOutput) -> None:
    """Add or replace the golden of `runner` under `key` in the goldens file at `path`."""
    from filelock import FileLock

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock", timeout=LOCK_TIMEOUT_S):
        data = _read(target)
        data["entries"].setdefault(key, {})[runner] = entry_of(output)
        atomic_write_text(target, json.dumps(data, indent=1, sort_keys=True) + "\n")


def lookup(path: str, key: str, runner: str) -> dict[str, Any] | None:
    """The recorded golden, or None when the file or the entry is absent."""
    target = Path(path)
    if not target.exists():
        return None
    return _read(target)["entries"].get(key, {}).get(runner)


def differences(torch, expected: dict[str, Any], output: TaskOutput, dtype: str) -> list[str]:
    """How `output` drifts from a recorded golden: one line per field or tensor that differs."""
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
        try:
            torch.testing.assert_close(actual, torch.tensor(values, dtype=actual.dtype), rtol=rtol, atol=atol)
        except AssertionError as error:
            problems.append(f"{name} (rtol {rtol:g}, atol {atol:g}): " + " ".join(str(error).split()))
    return problems
