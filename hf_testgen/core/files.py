"""Reading and writing the project's files safely: the one atomic writer, and a bounded reader
for data files (`model_registry.json`, `benchmarks.json`) that may be anything a user points at.

It imports only `errors` from the package (`DataFileError`, re-exported here for its readers).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import DataFileError

MAX_DATA_FILE_BYTES = 64 * 1024 * 1024  # the shipped registry is 0.3 MB and benchmarks 0.8 MB


def read_data_file(path: Path, *, limit: int = MAX_DATA_FILE_BYTES) -> str:
    """The text of a data file, read only if it is a regular file of at most `limit` bytes.

    A FIFO would block the read forever and `/dev/zero` would fill the memory; both are refused
    before any byte is read.

    Raises:
        FileNotFoundError: there is no such file.
        DataFileError: the path is not a regular file, is too large, cannot be read or is not UTF-8.
    """
    data = read_regular_bytes(path, limit=limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DataFileError("is not UTF-8 text") from None


class NotRegularFileError(OSError):
    """A path to be written names something other than a regular file: a device, a FIFO, a socket,
    a directory. Replacing it by a rename would turn `/dev/null` or a pipe into a plain file."""


def check_write_target(path: Path) -> None:
    """Raise unless `path` is a regular file (through symlinks) or does not exist yet.

    Raises:
        NotRegularFileError: naming the path and what it is.
    """
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return  # a new file (a missing folder fails at the write, naming it)
    except OSError as err:
        raise NotRegularFileError(err.errno, err.strerror or "cannot be checked", str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        problem = f"not a regular file ({_kind(info.st_mode)}); only a regular file is replaced"
        raise NotRegularFileError(errno.EINVAL, problem, str(path))


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))  # fmt: skip
    return next((word for test, word in kinds if test(mode)), "a special file")


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: equal after resolving symlinks, `..` and `.`, or (both
    existing) the same device and inode, which also catches hard links and case-insensitive spellings."""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def read_regular_bytes(path: Path, *, limit: int, whole: bool = True) -> bytes:
    """At most `limit` bytes of a regular file (with `whole=False`, its first `limit` bytes, whatever its size).

    The file is opened without blocking (a FIFO would otherwise block the open itself) and
    checked on the open descriptor, so a path swapped for a FIFO after a check is still refused.

    Raises:
        FileNotFoundError: there is no such file.
        DataFileError: not a regular file, larger than `limit` (when `whole`), or unreadable.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as err:
        raise DataFileError(f"cannot be read: {err.strerror or err}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise DataFileError("is not a regular file")
        if whole and info.st_size > limit:
            raise DataFileError(f"is {info.st_size:,} bytes, over the {limit:,}-byte limit for a data file")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(limit + 1 if whole else limit)
    except OSError as err:
        raise DataFileError(f"cannot be read: {err.strerror or err}") from None
    finally:
        os.close(descriptor)
    if whole and len(data) > limit:
        raise DataFileError(f"grew over the {limit:,}-byte limit while being read")
    return data


def atomic_write_text(path: Path, text: str, *, mode: int = 0o644) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never a mix.

    A symlink is written through: its target is replaced and the link stays a link. The
    temporary file lives in the target's directory (so `os.replace` is a rename on one file
    system) and is removed if anything fails before the rename. A new file gets `mode`; an
    existing one keeps its permissions. Only a regular file is replaced (`check_write_target`).

    Raises:
        NotRegularFileError: `path` is a device, a FIFO, a socket or a directory (nothing written).
    """
    import tempfile  # only writers need it; keeps the read path light

    check_write_target(path)
    target = Path(os.path.realpath(path))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, target.stat().st_mode & 0o777 if target.exists() else mode)
        check_write_target(target)  # again: it may have been replaced by something else meanwhile
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
