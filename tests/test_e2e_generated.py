"""End to end: generated test files load tiny models from the local Hub and really run them.

Tiny random checkpoints (tests/tiny_models.py, built offline) are served by `LocalHub` as
`hf-testgen-tiny/<type>` (and `hf-testgen-tiny/bert-<task>` for more BERT heads) at a fixed commit
sha. The generator writes one file per model type with `--model <repo> --revision <sha>
--tiny-model <repo>`, plus a few more tasks, so every template branch the tiny models can drive
is exercised. All files then run in ONE pytest subprocess whose huggingface_hub points at the server:

- with the server serving the repos, every cpu test passes; the skips are cuda/mps (when this
  machine lacks them) and the semantic checks, whose reason says the model is the tiny one.
  Goldens are recorded on that run;
- run again against a Hub that accepts connections but never answers, the cached weights run
  within the bounded wait, and every output matches its golden;
- with the server answering 404 for everything, each main test fails saying the repository
  does not exist (retrying cannot help), and nothing is skipped for the weights.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("numpy")
pytest.importorskip("PIL")

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from generated_runs import (
        DEVICE_SKIPS,
        generate_file,
        result_rows,
        run_generated,
        stalled_endpoint,
        without_testgen_variables,
    )
    from tiny_models import BERT_HEADS, TINY_MODEL_TASKS, TINY_MODEL_TYPES, build_tiny_model
except ImportError:  # tests/ imported as a package
    from tests.generated_runs import (
        DEVICE_SKIPS,
        generate_file,
        result_rows,
        run_generated,
        stalled_endpoint,
        without_testgen_variables,
    )
    from tests.tiny_models import BERT_HEADS, TINY_MODEL_TASKS, TINY_MODEL_TYPES, build_tiny_model

pytestmark = pytest.mark.e2e

NAMESPACE = "hf-testgen-tiny"
# More tasks: BERT with other heads (their own tiny checkpoints), seq2seq translation and denoising
# on the t5 and bart checkpoints (same head class).
EXTRA_CASES: tuple[tuple[str, str], ...] = (
    ("bert", "token-classification"),
    ("bert", "question-answering"),
    ("bert", "feature-extraction"),
    ("t5", "translation"),
    ("bart", "fill-mask"),
)
# Tasks whose files have no semantic test (no real input that a check could use offline): none since the
# speech files transcribe or classify the shipped spoken sample.
NO_SEMANTICS: tuple[str, ...] = ()
# Tasks whose files have more than one semantic test (feature extraction: margins and documented
# scores; text classification: sentiment, entailment and the contrast check).
SEMANTIC_TESTS = {"feature-extraction": 2, "sentence-similarity": 2, "text-classification": 3}
SEMANTIC_SKIP = "semantic checks skipped: hf-testgen-tiny/"
STALL_BOUND_S = 30.0  # a silent Hub may cost a run this much more than a served one (one bounded wait)


def revision_of(model_type: str, task: str | None = None) -> str:
    """A fixed 40-hex commit sha per tiny repo (the generated file pins it)."""
    return hashlib.sha1(repo_of(model_type, task).encode()).hexdigest()


def repo_of(model_type: str, task: str | None = None) -> str:
    """`hf-testgen-tiny/<type>`, or `hf-testgen-tiny/bert-<task>` for a BERT head of another task."""
    if model_type == "bert" and task not in (None, TINY_MODEL_TASKS["bert"]) and task in BERT_HEADS:
        return f"{NAMESPACE}/bert-{task}"
    return f"{NAMESPACE}/{model_type}"


def semantic_tests(task: str) -> int:
    return 0 if task in NO_SEMANTICS else SEMANTIC_TESTS.get(task, 1)


def _cases() -> list[tuple[str, str]]:
    """(model type, task) of every generated file: each tiny model's own task, then EXTRA_CASES."""
    return [(model_type, TINY_MODEL_TASKS[model_type]) for model_type in TINY_MODEL_TYPES] + list(EXTRA_CASES)


def _repos() -> dict[str, tuple[str, str]]:
    """repo id -> (model type, task of its head) for every tiny repo the files load."""
    return {repo_of(model_type, task): (model_type, task) for model_type, task in _cases()}


@pytest.fixture(scope="module")
def tiny_checkpoints(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """Every tiny repo, built once per module: repo id -> {file name: bytes}."""
    root = tmp_path_factory.mktemp("tiny-models")
    built = {}
    for repo_id, (model_type, task) in _repos().items():
        head_task = task if model_type == "bert" else None
        built[repo_id] = build_tiny_model(model_type, root / repo_id.split("/")[1], task=head_task)
    return built


@pytest.fixture(scope="module")
def generated_files(tmp_path_factory) -> list[Path]:
    """The generated test files: one per tiny model type, plus EXTRA_CASES in their own folders."""
    root = tmp_path_factory.mktemp("generated")
    files = []
    for model_type, task in _cases():
        out_dir = root / ("main" if (model_type, task) not in EXTRA_CASES else task)
        repo_id = repo_of(model_type, task)
        extra = ("--revision", revision_of(model_type, task), "--tiny-model", repo_id)
        files.append(generate_file(out_dir, model_type, task, repo_id, *extra))
    return files


def serve(hub, checkpoints: dict[str, dict[str, bytes]]) -> None:
    """Publish each tiny checkpoint as a Hub repo at its fixed sha."""
    for repo_id, files in checkpoints.items():
        model_type, task = _repos().get(repo_id, (repo_id.split("/")[1], None))
        hub.publish_checkpoint(
            repo_id, revision_of(model_type, task), model_type, task or TINY_MODEL_TASKS[model_type], files
        )


def expected_counts(n_files: int, devices_here: int = 1) -> tuple[int, int]:
    """(passed, skipped) on this machine: every main test passes on each device it has; the rest skip."""
    n_semantic = sum(semantic_tests(task) for _, task in _cases())
    total = 3 * (n_files + n_semantic)
    return n_files * devices_here, total - n_files * devices_here


def test_generated_files_pass_against_the_local_hub(local_hub, hub_env, tiny_checkpoints, generated_files, tmp_path):
    serve(local_hub, tiny_checkpoints)
    results, goldens = tmp_path / "results.jsonl", tmp_path / "goldens.json"
    env = dict(without_testgen_variables(hub_env), HF_TESTGEN_RESULTS=str(results))
    started = time.monotonic()
    counts, reasons, output = run_generated(generated_files, dict(env, HF_TESTGEN_RECORD_GOLDEN=str(goldens)), tmp_path)
    served_seconds = time.monotonic() - started
    n_files = len(generated_files)
    assert counts["failed"] == 0 and counts["error"] == 0, output[-6000:]
    assert counts["passed"] >= n_files, output[-6000:]  # every cpu main test, plus cuda/mps where present
    devices_here = counts["passed"] // n_files
    assert (counts["passed"], counts["skipped"]) == expected_counts(n_files, devices_here), output[-6000:]
    assert len(reasons) == counts["skipped"], reasons
    assert all(r.startswith(DEVICE_SKIPS) or r.startswith(SEMANTIC_SKIP) for r in reasons), reasons
    semantic_skips = [r for r in reasons if r.startswith(SEMANTIC_SKIP)]
    assert len(semantic_skips) == devices_here * sum(semantic_tests(task) for _, task in _cases())
    assert all("is this file's tiny random test checkpoint (TINY_MODEL_ID)" in r for r in semantic_skips)
    # The files loaded the pinned revisions through the server.
    for repo_id, (model_type, task) in _repos().items():
        assert local_hub.requests(f"/{repo_id}/resolve/{revision_of(model_type, task)}/"), repo_id
    # HF_TESTGEN_RESULTS: one JSON line per model and device, with timings, memory, versions, verdicts.
    rows = result_rows(results)
    assert len(rows) == counts["passed"]
    assert {(row["model_id"], row["revision"]) for row in rows} == {
        (repo_of(model_type, task), revision_of(model_type, task)) for model_type, task in _cases()
    }
    for row in rows:
        assert row["load_seconds"] >= 0 and row["inference_seconds"] >= 0, row
        assert row["peak_memory_mb"] is None or row["peak_memory_mb"] > 0, row
        assert row["torch"] == torch.__version__ and row["transformers"] == transformers.__version__, row
        assert row["golden"] == "recorded", row
        assert row["semantic"] == (None if row["task"] in NO_SEMANTICS else "skipped"), row
        if row["device"] == "cpu":
            assert row["parity"] is None and row["max_device_diff"] is None, row
        else:  # cuda or mps, against the cpu output of the same run
            assert row["parity"] == "match" and row["max_device_diff"] >= 0, row
    recorded = json.loads(goldens.read_text(encoding="utf-8"))["entries"]
    assert len(recorded) == len(_cases()) * devices_here

    # A Hub that accepts connections but never answers, the weights cached (same HF_HOME): the files
    # use the cache after a bounded wait, and every output matches its golden.
    with stalled_endpoint() as endpoint:
        stalled_env = dict(env, HF_ENDPOINT=endpoint, HF_TESTGEN_GOLDEN=str(goldens))
        results.unlink()
        started = time.monotonic()
        stalled_counts, _, stalled_output = run_generated(generated_files, stalled_env, tmp_path)
        seconds = time.monotonic() - started
    assert stalled_counts["passed"] == counts["passed"], stalled_output[-6000:]
    assert stalled_counts["failed"] == 0 and stalled_counts["error"] == 0, stalled_output[-6000:]
    assert seconds < served_seconds + STALL_BOUND_S, (seconds, served_seconds)  # one bounded wait in all
    assert {row["golden"] for row in result_rows(results)} == {"match"}


def test_a_repository_the_hub_says_does_not_exist_fails(local_hub, hub_env, generated_files, tmp_path):
    local_hub.not_found_everywhere(True)
    counts, reasons, output = run_generated(generated_files, without_testgen_variables(hub_env), tmp_path)
    n_files = len(generated_files)
    devices_here = 1 + sum(not any(r.startswith(s) for r in reasons) for s in DEVICE_SKIPS)
    assert counts["passed"] == 0 and counts["error"] == 0, output[-6000:]
    assert counts["failed"] == n_files * devices_here, output[-6000:]  # each main test, on each device
    assert output.count(f"says {NAMESPACE}/") >= n_files and "does not exist" in output, output[-6000:]
    assert all(r.startswith(DEVICE_SKIPS) or r.startswith(SEMANTIC_SKIP) for r in reasons), reasons
