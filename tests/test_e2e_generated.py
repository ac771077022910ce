"""End to end: generated test files load tiny models from the local Hub and really run them.

Tiny random checkpoints (tests/tiny_models.py, built offline) are served by `LocalHub` as
`hf-testgen-tiny/<type>` at a fixed commit sha. The generator writes one file per model type with
`--model hf-testgen-tiny/<type> --revision <sha>`, plus a few more tasks on the same checkpoints
(their heads start random) so every template branch the tiny models can drive is exercised. All
files then run in ONE pytest subprocess whose huggingface_hub points at the server:

- with the server serving the repos, every cpu test passes and the only skips are cuda/mps
  (when this machine lacks them); run again with the Hub unreachable, the cached weights still run;
- with the server answering 404 for everything and an empty cache, nothing passes or fails:
  every test skips, the cpu ones saying the weights cannot be had.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("numpy")
pytest.importorskip("PIL")

from hf_testgen.cli_generate import main  # noqa: E402

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from tiny_models import TINY_MODEL_TASKS, TINY_MODEL_TYPES, build_tiny_model
except ImportError:  # tests/ imported as a package
    from tests.tiny_models import TINY_MODEL_TASKS, TINY_MODEL_TYPES, build_tiny_model

pytestmark = pytest.mark.e2e

NAMESPACE = "hf-testgen-tiny"
# More tasks on the same tiny checkpoints: encoder-only heads, embeddings, seq2seq denoising.
EXTRA_CASES: tuple[tuple[str, str], ...] = (
    ("bert", "token-classification"),
    ("bert", "question-answering"),
    ("bert", "feature-extraction"),
    ("t5", "translation"),
    ("bart", "fill-mask"),
)
DEVICE_SKIPS = ("CUDA is not available", "Apple MPS is not available")
RUN_TIMEOUT_S = 900
SUMMARY_RE = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)")
SKIP_LINE_RE = re.compile(r"^SKIPPED \[(\d+)\] [^:]+:\d+: (.*)$", re.MULTILINE)


def revision_of(model_type: str) -> str:
    """A fixed 40-hex commit sha per tiny repo (the generated file pins it)."""
    return hashlib.sha1(f"{NAMESPACE}/{model_type}".encode()).hexdigest()


def repo_of(model_type: str) -> str:
    return f"{NAMESPACE}/{model_type}"


def _cases() -> list[tuple[str, str]]:
    """(model type, task) of every generated file: each tiny model's own task, then EXTRA_CASES."""
    return [(model_type, TINY_MODEL_TASKS[model_type]) for model_type in TINY_MODEL_TYPES] + list(EXTRA_CASES)


@pytest.fixture(scope="module")
def tiny_checkpoints(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """Every tiny model, built once per module: model type → {file name: bytes}."""
    root = tmp_path_factory.mktemp("tiny-models")
    return {model_type: build_tiny_model(model_type, root / model_type) for model_type in TINY_MODEL_TYPES}


@pytest.fixture(scope="module")
def generated_files(tmp_path_factory) -> list[Path]:
    """The generated test files: one per tiny model type, plus EXTRA_CASES in their own folders."""
    root = tmp_path_factory.mktemp("generated")
    files = []
    for model_type, task in _cases():
        out_dir = root / ("main" if (model_type, task) not in EXTRA_CASES else task)
        argv = [
            "--generate",
            model_type,
            "--model",
            repo_of(model_type),
            "--revision",
            revision_of(model_type),
            "--task",
            task,
            "--output-dir",
            str(out_dir),
        ]
        assert main(argv) == 0, f"generation failed for {model_type} ({task})"
        files.append(out_dir / f"test_hf_{model_type}.py")
    return files


def serve(hub, checkpoints: dict[str, dict[str, bytes]]) -> None:
    """Publish each tiny checkpoint as a Hub repo at its fixed sha."""
    for model_type, files in checkpoints.items():
        repo_id = repo_of(model_type)
        hub.add_model(
            {
                "id": repo_id,
                "sha": revision_of(model_type),
                "pipeline_tag": TINY_MODEL_TASKS[model_type],
                "library_name": "transformers",
                "tags": ["transformers", "safetensors", model_type],
                "config": {"model_type": model_type},
                "siblings": [{"rfilename": name} for name in sorted(files)],
            }
        )
        for name, content in files.items():
            hub.add_file(repo_id, name, content)


def run_generated(files: list[Path], env: dict[str, str], cwd: Path) -> tuple[Counter, list[str], str]:
    """Run all files in ONE pytest subprocess; return (outcome counts, skip reasons, output)."""
    env = dict(
        env, TRANSFORMERS_VERBOSITY="error", TOKENIZERS_PARALLELISM="false", HF_HUB_DISABLE_PROGRESS_BARS="1"
    )
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "--noconftest"]
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


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hub_env_without_overrides(hub_env: dict[str, str]) -> dict[str, str]:
    """`hub_env` minus any HF_TESTGEN_* variable of the calling shell (they would redirect the files)."""
    return {key: value for key, value in hub_env.items() if not key.startswith("HF_TESTGEN_")}


def test_generated_files_pass_against_the_local_hub(
    local_hub, hub_env, tiny_checkpoints, generated_files, tmp_path
):
    serve(local_hub, tiny_checkpoints)
    results = tmp_path / "results.jsonl"
    env = dict(hub_env_without_overrides(hub_env), HF_TESTGEN_RESULTS=str(results))
    counts, reasons, output = run_generated(generated_files, env, tmp_path)
    n_files = len(generated_files)
    assert counts["failed"] == 0 and counts["error"] == 0, output[-6000:]
    assert counts["passed"] >= n_files, output[-6000:]  # every cpu test, plus cuda/mps where present
    assert counts["passed"] + counts["skipped"] == 3 * n_files, output[-6000:]
    assert len(reasons) == counts["skipped"] and all(r.startswith(DEVICE_SKIPS) for r in reasons), reasons
    # The files loaded the pinned revisions through the server.
    for model_type in TINY_MODEL_TYPES:
        assert local_hub.requests(f"/{repo_of(model_type)}/resolve/{revision_of(model_type)}/"), model_type
    # HF_TESTGEN_RESULTS: one JSON line per passing run, with timings, memory and versions.
    rows = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == counts["passed"]
    assert {(row["model_id"], row["revision"]) for row in rows} == {
        (repo_of(model_type), revision_of(model_type)) for model_type, _ in _cases()
    }
    for row in rows:
        assert row["load_seconds"] >= 0 and row["inference_seconds"] >= 0, row
        assert row["peak_memory_mb"] is None or row["peak_memory_mb"] > 0, row
        assert row["torch"] == torch.__version__ and row["transformers"] == transformers.__version__, row

    # Offline with the weights cached (same HF_HOME, the Hub unreachable): the files still run.
    offline_env = dict(hub_env_without_overrides(hub_env), HF_ENDPOINT=f"http://127.0.0.1:{closed_port()}")
    offline_counts, _, offline_output = run_generated(generated_files, offline_env, tmp_path)
    assert offline_counts["passed"] == counts["passed"], offline_output[-6000:]
    assert offline_counts["failed"] == 0 and offline_counts["error"] == 0, offline_output[-6000:]


def test_generated_files_skip_when_the_weights_cannot_be_had(local_hub, hub_env, generated_files, tmp_path):
    local_hub.not_found_everywhere(True)
    counts, reasons, output = run_generated(generated_files, hub_env_without_overrides(hub_env), tmp_path)
    n_files = len(generated_files)
    assert counts["passed"] == 0 and counts["failed"] == 0 and counts["error"] == 0, output[-6000:]
    assert counts["skipped"] == 3 * n_files and len(reasons) == 3 * n_files, output[-6000:]
    weight_skips = [reason for reason in reasons if not reason.startswith(DEVICE_SKIPS)]
    assert len(weight_skips) >= n_files, reasons  # at least the cpu test of every file
    assert all(f"weights for {NAMESPACE}/" in r and "cannot be had" in r for r in weight_skips), weight_skips
