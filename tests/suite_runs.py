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
from tiny_models import BERT_HEADS, TINY_MODEL_TASKS, TINY_MODEL_TYPES, build_tiny_model

from hf_testgen.cli.generate import build_parser, main

NAMESPACE = "hf-testgen-scale"
RUN_TIMEOUT_S = 900
# Tasks beyond each tiny type's own: BERT's other heads (their own checkpoints), translation and denoising
# on the t5 and bart checkpoints (same head class). With the nine types' own tasks: 14 (type, task) cases.
EXTRA_TASKS: tuple[tuple[str, str], ...] = (
    ("bert", "token-classification"),
    ("bert", "question-answering"),
    ("bert", "feature-extraction"),
    ("t5", "translation"),
    ("bart", "fill-mask"),
)


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
class ScaleCase:
    """One generated file of the suite at scale: a (type, task) case in copy `copy`, its own repo and sha."""

    model_type: str
    task: str
    copy: int

    @property
    def repo_id(self) -> str:
        head = f"-{self.task}" if self.task != TINY_MODEL_TASKS[self.model_type] else ""
        return f"{NAMESPACE}/{self.model_type}{head}-{self.copy}"

    @property
    def revision(self) -> str:
        return hashlib.sha1(self.repo_id.encode()).hexdigest()

    @property
    def folder(self) -> str:
        """Files of one (type, task) share a name, so each copy and task has its own folder."""
        return f"copy{self.copy}/{self.task}"


def scale_cases(copies: int = 3) -> list[ScaleCase]:
    """Every tiny (type, task) case `copies` times, each copy its own repo (as each type of a real suite loads
    its own checkpoint): 14 cases x 3 copies = 42 files by default."""
    cases = [(model_type, TINY_MODEL_TASKS[model_type]) for model_type in TINY_MODEL_TYPES] + list(EXTRA_TASKS)
    return [ScaleCase(model_type, task, copy) for copy in range(copies) for model_type, task in cases]


def build_and_serve_scale(hub, root: Path, cases: list[ScaleCase]) -> None:
    """Build each distinct tiny checkpoint once and publish it under every repo of `cases`."""
    built: dict[tuple[str, str], dict[str, bytes]] = {}
    for case in cases:
        head = case.task if case.model_type == "bert" and case.task in BERT_HEADS else None
        key = (case.model_type, head or TINY_MODEL_TASKS[case.model_type])
        if key not in built:
            built[key] = build_tiny_model(case.model_type, root / f"{key[0]}-{key[1]}", task=head)
        hub.publish_checkpoint(case.repo_id, case.revision, case.model_type, key[1], built[key])


def generate_scale(out_dir: Path, cases: list[ScaleCase]) -> list[Path]:
    """One generated file per case, loading its own repo at its sha, marked as the tiny model."""
    files = []
    for case in cases:
        folder = out_dir / case.folder
        argv = ["--generate", case.model_type, "--task", case.task, "--model", case.repo_id]
        argv += ["--revision", case.revision, "--tiny-model", case.repo_id, "--output-dir", str(folder)]
        assert main(argv) == 0, f"generation failed for {case}"
        files.append(generated_path(folder, case.model_type, case.task))
    return files


@dataclass(frozen=True)
class SuiteRun:
    returncode: int
    output: str
    junit: Path
    results: Path
    seconds: float


def run_suite(
    files: list[Path], env: dict[str, str], work: Path, *, workers: int = 0, dist: str = "loadfile",
    extra: tuple[str, ...] = (),
) -> SuiteRun:
    """Run the files in one pytest subprocess (`-n workers --dist <dist>` when workers > 0), adding `extra`
    pytest arguments."""
    import time

    work.mkdir(parents=True, exist_ok=True)
    junit, results = work / "junit.xml", work / "results.jsonl"
    env = dict(
        {key: value for key, value in env.items() if not key.startswith(("HF_TESTGEN_", "PYTEST_XDIST_"))},
        HF_TESTGEN_RESULTS=str(results),
        TRANSFORMERS_VERBOSITY="error",
        TOKENIZERS_PARALLELISM="false",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
    )  # OMP_NUM_THREADS is the caller's: the plugin gives each xdist worker its share of the cores; an outer
    # xdist worker's PYTEST_XDIST_* variables are not this run's
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "--noconftest"]
    command += ["--import-mode=importlib", "-o", "addopts=", f"--junitxml={junit}"]
    command += ["-n", str(workers), "--dist", dist] if workers else ["-p", "no:xdist"]
    command += extra
    started = time.perf_counter()
    result = subprocess.run(
        [*command, *map(str, files)], cwd=work, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    return SuiteRun(result.returncode, result.stdout + result.stderr, junit, results, time.perf_counter() - started)
