"""`HF_TESTGEN_RESULTS` files read back: one typed `ResultLine` per JSON line (`core.results_line`).

The line itself (its keys, how it is written and parsed) is `hf_testgen.core.results_line`, shared
with the plugin that writes it. Here: whole files, read with a size limit. Readers that can go on
skip a bad line with a warning (`iter_results(..., skipped=[])`): one torn line (a full disk) must
not cost the rest of the file.

Merge (`suite.merge`) and the coverage matrix (`suite.coverage`) read through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..core.errors import ResultsFormatError
from ..core.files import DataFileError, read_data_file
from ..core.outside import collapse
from ..core.results_line import ResultLine, parse_line

__all__ = ["ResultLine", "iter_results", "parse_line", "read_results", "read_results_file", "skipped_warnings"]

MAX_RESULTS_FILE_BYTES = 256 * 1024 * 1024  # a line is ~500 bytes: half a million runs per file


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
            yield ResultLine.from_line(line, f"{path}:{index}")
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
