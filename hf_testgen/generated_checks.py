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

from .errors import GenerationError
from .generator import LINE_LENGTH

# The project's ruff rules (pyproject.toml), applied in isolation so the check does not depend on
# where the file was written.
RUFF_RULES = "E,F,W,I,B,UP,SIM"
SUBPROCESS_TIMEOUT_S = 180


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
    found = shutil.which("ruff")
    if found:
        return [found]
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    raise GenerationError("ruff is not installed (pip install ruff): cannot verify the generated file")


def _ruff_findings(paths: list[Path]) -> dict[Path, str]:
    """path → its ruff findings (concise lines), for the files that have any."""
    if not paths:
        return {}
    command = [*_ruff_command(), "check", "--isolated", "--no-cache", "--output-format", "concise"]
    command += ["--select", RUFF_RULES, "--line-length", str(LINE_LENGTH), "--target-version", "py310"]
    cwd = paths[0].parent
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


def _collected_counts(paths: list[Path]) -> dict[Path, int]:
    """path → how many tests `pytest --collect-only` finds in it (files grouped by folder)."""
    counts: dict[Path, int] = {}
    folders: dict[Path, list[Path]] = {}
    for path in paths:
        folders.setdefault(path.parent, []).append(path)
    for folder, files in folders.items():
        command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
        command += ["--noconftest", "-o", "addopts=", "--rootdir", str(folder), *(f.name for f in files)]
        output = _run(command, cwd=folder).stdout
        for path in files:
            counts[path] = sum(line.startswith(f"{path.name}::") for line in output.splitlines())
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
