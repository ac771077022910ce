"""`HF_TESTGEN_RESULTS` lines: one JSON object per model and device, appended safely.

The line is a `hf_testgen.core.results_line.ResultLine` (the record the merge reads back); this
module only appends it.

Several pytest processes (pytest-xdist workers, shards) may append to the same file: each line
is written with one `os.write` on a descriptor opened with `O_APPEND`, so lines never interleave.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Mapping
from typing import Any

from ..core.results_line import ResultLine, dump_line


def append_line(path: str, row: ResultLine | Mapping[str, Any]) -> None:
    """Append one whole line, or nothing: on a full disk the partial line is taken back.

    A torn line would make the next merge skip it, and (before that merge skipped lines) refuse
    the whole file. The descriptor is opened without blocking and must be a regular file, so a
    FIFO named by HF_TESTGEN_RESULTS fails at once instead of hanging the test run.

    Raises:
        OSError: the path is not a regular file, or the line could not be written whole.
    """
    data = (row.to_line() if isinstance(row, ResultLine) else dump_line(row)).encode("utf-8")
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags, 0o644)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "HF_TESTGEN_RESULTS is not a regular file", path)
        start = os.fstat(descriptor).st_size
        try:
            written = os.write(descriptor, data)
        except OSError:
            _take_back(descriptor, start, 0)
            raise
        if written != len(data):
            _take_back(descriptor, start, written)
            raise OSError(
                errno.ENOSPC, f"short write ({written} of {len(data)} bytes); the partial line was removed", path
            )
    finally:
        os.close(descriptor)


def _take_back(descriptor: int, start: int, written: int) -> None:
    """Cut a partial line off the end, if it is still the end (another writer may have appended since)."""
    try:
        end = os.fstat(descriptor).st_size
        if written and end == start + written:
            os.ftruncate(descriptor, start)
    except OSError:
        pass


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
