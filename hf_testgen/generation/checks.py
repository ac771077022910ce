"""--verify: generated files parse, pass ruff and collect at least one test.

Kept apart from `generator` (which renders and writes): checking runs tools in subprocesses with
bounded waits, a concern of its own.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..core.errors import GenerationError
from .render import LINE_LENGTH

# The project's ruff rules (pyproject.toml), applied in isolation so the check does not depend on
# where the file was written.
RUFF_RULES = "E,F,W,I,B,UP,SIM"
SUBPROCESS_TIMEOUT_S = 180
PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent  # where this hf_testgen is imported from


def verify_test_files(paths: list[Path]) -> dict[Path, str | None]:
    """Check generated files: each parses, passes ruff, and pytest collects at least one test from it.

    One ruff run and one `pytest --collect-only` run cover all files (a batch of 170 files takes
    seconds, not minutes).

    Returns:
        path → None when it passed, else the problem (one line per finding).

    Raises:
        GenerationError: ruff is not installed, or a checker could not be run at all.
    """
    return _verify([Path(p).resolve() for p in paths])[0]


def _verify(paths: list[Path]) -> tuple[dict[Path, str | None], dict[Path, int]]:
    problems: dict[Path, str | None] = dict.fromkeys(paths)
    for path in paths:
        try:
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as err:
            problems[path] = f"does not parse: {err}"
    parsed = [path for path in paths if problems[path] is None]
    for path, finding in _ruff_findings(parsed).items():
        problems[path] = f"ruff check failed: {finding}"
    clean = [path for path in parsed if problems[path] is None]
    collected = _collected_counts(clean)
    for path in clean:
        if collected.get(path, 0) < 1:
            problems[path] = "pytest --collect-only collected no test from it"
    return problems, collected


def verify_test_file(path: Path) -> int:
    """`verify_test_files` for one file.

    Returns:
        The number of tests pytest collected.

    Raises:
        GenerationError: a check failed (the message names it), or ruff is not installed.
    """
    path = Path(path).resolve()
    problems, collected = _verify([path])
    if problems[path]:
        raise GenerationError(f"{path}: {problems[path]}")
    return collected[path]


def _ruff_command() -> list[str]:
    """ruff next to this Python first (the virtual environment's), then on PATH, then as a module run
    with an isolated path (`-I`: no working directory, no PYTHON* variables, no user site)."""
    beside = Path(sys.executable).parent / ("ruff.exe" if os.name == "nt" else "ruff")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("ruff")
    if found and os.path.isabs(found):
        return [found]
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-I", "-m", "ruff"]
    raise GenerationError("ruff is not installed (pip install ruff): cannot verify the generated file")


def _ruff_findings(paths: list[Path]) -> dict[Path, str]:
    """path → its ruff findings (concise lines), for the files that have any."""
    if not paths:
        return {}
    command = [*_ruff_command(), "check", "--isolated", "--no-cache", "--output-format", "concise"]
    command += ["--select", RUFF_RULES, "--line-length", str(LINE_LENGTH), "--target-version", "py310"]
    with tempfile.TemporaryDirectory(prefix="hf-testgen-ruff-") as neutral:
        cwd = Path(neutral)
        result = _run([*command, *map(str, paths)], cwd=cwd)
    if result.returncode == 0:
        return {}
    findings: dict[Path, list[str]] = {}
    for line in result.stdout.splitlines():
        for path in paths:  # ruff names a file relative to its working directory
            for shown in (str(path), os.path.relpath(path, cwd)):
                if line.startswith(f"{shown}:"):
                    findings.setdefault(path, []).append(line[len(shown) + 1 :])
                    break
    if not findings:  # ruff failed without naming a file: blame them all
        output = (result.stdout + result.stderr).strip()
        return dict.fromkeys(paths, output)
    return {path: "; ".join(lines) for path, lines in findings.items()}


# Run by `python -I -c`: no working directory, PYTHONPATH or user site on the child's path, so
# nothing in the output folder is importable. hf_testgen (and its pytest plugin) comes from the
# interpreter's site-packages; only when it is not installed there (a bare checkout) is the folder
# this process imports it from appended, after site-packages.
_COLLECT_BOOTSTRAP = """import sys
try:
    import hf_testgen.testing.plugin
except ImportError:
    sys.path.append(sys.argv[1])
import pytest
raise SystemExit(pytest.main(sys.argv[2:]))
"""


def _collected_counts(paths: list[Path]) -> dict[Path, int]:
    """path → how many tests `pytest --collect-only` finds in it.

    Collecting imports a file, and an import looks beside it: a `pytest.py`, `hf_testgen/` or
    `__init__.py` planted in the output folder would run. So each file is collected from a copy in
    a fresh private folder (one sub-folder per file: equal names from different folders), with its
    own empty `pytest.ini` (no `addopts`, `pythonpath` or plugins of the output folder), in an
    isolated interpreter started in that folder.
    """
    counts: dict[Path, int] = {}
    if not paths:
        return counts
    with tempfile.TemporaryDirectory(prefix="hf-testgen-collect-") as neutral:
        root = Path(neutral).resolve()
        (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        copies: dict[Path, Path] = {}
        for index, path in enumerate(paths):
            copy = root / str(index) / path.name
            copy.parent.mkdir()
            copy.write_bytes(path.read_bytes())  # a regular file: it was parsed above
            copies[path] = copy
        command = [sys.executable, "-I", "-c", _COLLECT_BOOTSTRAP, str(PACKAGE_ROOT)]
        command += ["--collect-only", "-q", "-p", "no:cacheprovider", "--noconftest", "--import-mode=importlib"]
        command += ["-c", str(root / "pytest.ini"), "--rootdir", str(root), "-o", "addopts="]
        output = _run([*command, *map(str, copies.values())], cwd=root).stdout.splitlines()
        for path, copy in copies.items():
            prefix = f"{copy.relative_to(root).as_posix()}::"
            counts[path] = sum(line.startswith(prefix) for line in output)
    return counts


def _run(command: list[str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise GenerationError(f"could not run {command[0]}: {err}") from None


def verify_texts(texts: dict[str, str]) -> dict[str, str | None]:
    """`verify_test_files` on texts that are not written anywhere (--dry-run --verify).

    Args:
        texts: file name → text.

    Returns:
        file name → None when it passed, else the problem.
    """
    with tempfile.TemporaryDirectory(prefix="hf-testgen-verify-") as tmp:
        root = Path(tmp).resolve()
        for name, text in texts.items():
            (root / name).write_text(text, encoding="utf-8")
        problems = verify_test_files([root / name for name in texts])
        return {path.name: problem for path, problem in problems.items()}
