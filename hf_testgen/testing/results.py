"""`HF_TESTGEN_RESULTS` lines: one JSON object per model and device, appended safely.

Several pytest processes (pytest-xdist workers, shards) may append to the same file: each line
is written with one `os.write` on a descriptor opened with `O_APPEND`, so lines never interleave.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def append_line(path: str, row: dict[str, Any]) -> None:
    data = (json.dumps(row, sort_keys=True) + "\n").encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(descriptor, data)
    finally:
        os.close(descriptor)
    if written != len(data):
        raise OSError(f"short write to {path}: {written} of {len(data)} bytes")


def peak_memory(torch, device: str) -> tuple[float | None, str]:
    """(megabytes, how it was measured): CUDA's allocator peak, else this process's peak RSS."""
    if device == "cuda":
        return torch.cuda.max_memory_allocated() / 1e6, "torch.cuda.max_memory_allocated"
    try:
        import resource
    except ImportError:  # Windows
        return None, "unavailable"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak * (1 if sys.platform == "darwin" else 1024) / 1e6, "ru_maxrss"
