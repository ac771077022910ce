"""The tiny-model generated suite as a unit: build the tiny checkpoints, serve them from a LocalHub,
generate one test file per type with the real generator, and run the files in a pytest subprocess
(serially or with pytest-xdist), collecting junit XML and HF_TESTGEN_RESULTS lines.

Used by tests/test_suite_at_scale.py and by scripts/benchmark.py (serial vs `-n 2`). It depends
only on the generator's command line and tests/tiny_models.py, not on another test module.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from generated_runs import generated_path
from tiny_models import TINY_MODEL_TASKS, TINY_MODEL_TYPES, build_tiny_model

from hf_testgen.cli.generate import build_parser, main

NAMESPACE = "hf-testgen-scale"
RUN_TIMEOUT_S = 900


def repo_of(model_type: str) -> str:
    return f"{NAMESPACE}/{model_type}"


def revision_of(model_type: str) -> str:
    """A fixed 40-hex commit sha per tiny repo (the generated file pins it)."""
    return hashlib.sha1(repo_of(model_type).encode()).hexdigest()


def build_and_serve(hub, root: Path, model_types=TINY_MODEL_TYPES) -> None:
    """Build each tiny checkpoint under `root` and publish it on `hub` at its fixed sha."""
    for model_type in model_types:
        files = build_tiny_model(model_type, root / model_type)
        hub.publish_checkpoint(
            repo_of(model_type), revision_of(model_type), model_type, TINY_MODEL_TASKS[model_type], files
        )


def generate(out_dir: Path, model_types=TINY_MODEL_TYPES) -> list[Path]:
    """One generated file per type, loading its tiny repo (marked as the tiny model where the
    generator has that flag, so semantic checks skip with the reason instead of failing)."""
    tiny_flag = "--tiny-model" in build_parser().format_help()
    files = []
    for model_type in model_types:
        argv = ["--generate", model_type, "--model", repo_of(model_type), "--revision", revision_of(model_type)]
        argv += ["--task", TINY_MODEL_TASKS[model_type], "--output-dir", str(out_dir)]
        argv += ["--tiny-model", repo_of(model_type)] if tiny_flag else []
        assert main(argv) == 0, f"generation failed for {model_type}"
        files.append(generated_path(out_dir, model_type, TINY_MODEL_TASKS[model_type]))
    return files


@dataclass(frozen=True)
class SuiteRun:
    returncode: int
    output: str
    junit: Path
    results: Path
    seconds: float


def run_suite(files: list[Path], env: dict[str, str], work: Path, *, workers: int = 0) -> SuiteRun:
    """Run the files in one pytest subprocess (`-n workers --dist loadfile` when workers > 0)."""
    import time

    work.mkdir(parents=True, exist_ok=True)
    junit, results = work / "junit.xml", work / "results.jsonl"
    env = dict(
        {key: value for key, value in env.items() if not key.startswith("HF_TESTGEN_")},
        HF_TESTGEN_RESULTS=str(results),
        TRANSFORMERS_VERBOSITY="error",
        TOKENIZERS_PARALLELISM="false",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        OMP_NUM_THREADS="1" if workers else env.get("OMP_NUM_THREADS", ""),
    )
    env = {key: value for key, value in env.items() if value != ""}
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "--noconftest"]
    command += ["--import-mode=importlib", "-o", "addopts=", f"--junitxml={junit}"]
    command += ["-n", str(workers), "--dist", "loadfile"] if workers else ["-p", "no:xdist"]
    started = time.perf_counter()
    result = subprocess.run(
        [*command, *map(str, files)], cwd=work, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    return SuiteRun(result.returncode, result.stdout + result.stderr, junit, results, time.perf_counter() - started)
