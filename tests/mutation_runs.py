"""Run GENERATED test files against many mutants of a real checkpoint in one pytest process (not a test module).

Each mutant folder is staged in a fresh Hugging Face cache as one revision of the file's pinned
MODEL_ID (snapshots/<sha> is the folder), so the generated file runs as it would for a user whose
copy of that checkpoint is broken: offline, from the cache, with every claim about MODEL_ID in
force. A `conftest.py` next to each copy of the file sets HF_TESTGEN_REVISION to that mutant's
sha (the plugin's `hf_testgen_settings` fixture, built from the environment as usual), which lets
one pytest process test every folder. A mutant is caught when any test of its file fails.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from hf_testgen.cli.generate import main as generate_main

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from mutants import ORIGINAL, Mutant, build, mutants_for
    from sentiment_model import fine_tune
except ImportError:  # tests/ imported as a package
    from tests.mutants import ORIGINAL, Mutant, build, mutants_for
    from tests.sentiment_model import fine_tune

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"
CLASSIFIER_ID = "hf-testgen/all-MiniLM-L6-v2-sentiment"  # fine-tuned here (tests/sentiment_model.py)
# group -> (task of the generated file, its pinned MODEL_ID, whether the checkpoint is the classifier)
GROUPS = {
    "embeddings": ("feature-extraction", MINILM_ID, False),
    "classifier": ("text-classification", CLASSIFIER_ID, True),
}

RUN_TIMEOUT_S = 1200
QUIET_ENV = {"TRANSFORMERS_VERBOSITY": "error", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
CONFTEST = '''import os

import pytest

from hf_testgen.testing.settings import RuntimeSettings


@pytest.fixture(scope="session")
def hf_testgen_settings():
    return RuntimeSettings.from_env({{**os.environ, "HF_TESTGEN_REVISION": {revision!r}}})
'''


@dataclass
class FileOutcome:
    """The tests of one generated file on one folder: name -> "passed" | "failed" | "skipped" | "error"."""

    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)

    @property
    def caught(self) -> bool:
        return any(outcome in ("failed", "error") for outcome in self.outcomes.values())

    def first_failure(self) -> str:
        for name, outcome in self.outcomes.items():
            if outcome in ("failed", "error"):
                return f"{name}: {self.messages.get(name, '')}"[:160]
        return ""


def revision_of(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()


def cache_dir(hf_home: Path, model_id: str) -> Path:
    return hf_home / "hub" / ("models--" + model_id.replace("/", "--"))


def stage(hf_home: Path, model_id: str, name: str, folder: Path) -> str:
    """Make `folder` the cached snapshot of `model_id` at a revision named after `name`; return the revision."""
    revision = revision_of(name)
    snapshots = cache_dir(hf_home, model_id) / "snapshots"
    snapshots.mkdir(parents=True, exist_ok=True)
    (snapshots / revision).symlink_to(folder.resolve(), target_is_directory=True)
    return revision


def generate(out_dir: Path, model_type: str, task: str, model_id: str) -> Path:
    """The generated file for (model_type, task) pinned to `model_id`, whatever name the generator gives it."""
    argv = ["--generate", model_type, "--task", task, "--model", model_id, "--output-dir", str(out_dir)]
    assert generate_main(argv) == 0, f"generation failed for {model_type} ({task})"
    (path,) = out_dir.glob("test_hf_*.py")
    return path


def place(generated: Path, run_dir: Path, revision: str) -> Path:
    """A copy of the generated file, unchanged, in its own folder with the conftest that picks `revision`."""
    run_dir.mkdir(parents=True)
    shutil.copy(generated, run_dir / generated.name)
    (run_dir / "conftest.py").write_text(CONFTEST.format(revision=revision), encoding="utf-8")
    return run_dir


def run(root: Path, hf_home: Path, env: dict[str, str]) -> dict[tuple[str, str], FileOutcome]:
    """Run every file under `root` (root/<group>/<mutant>/test_*.py) in one pytest process."""
    report = root / "junit.xml"
    environment = {key: value for key, value in env.items() if not key.startswith(("HF_TESTGEN_", "HF_HUB_CACHE"))}
    environment.update(QUIET_ENV, HF_HOME=str(hf_home), HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    command += ["--import-mode=importlib", "-o", "addopts=", f"--junitxml={report}", "--rootdir", str(root), "."]
    result = subprocess.run(
        command, cwd=root, env=environment, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )
    if not report.exists():
        raise AssertionError("pytest wrote no report:\n" + (result.stdout + result.stderr)[-4000:])
    return parse_junit(report)


def parse_junit(report: Path) -> dict[tuple[str, str], FileOutcome]:
    found: dict[tuple[str, str], FileOutcome] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        parts = case.get("classname", "").split(".")
        if len(parts) < 3:
            continue
        outcome = found.setdefault((parts[-3], parts[-2]), FileOutcome())
        name = case.get("name", "")
        kinds = {child.tag: child for child in case}
        for tag, verdict in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
            if tag in kinds:
                outcome.outcomes[name] = verdict
                outcome.messages[name] = " ".join((kinds[tag].get("message") or "").split())
                break
        else:
            outcome.outcomes[name] = "passed"
    return found


@dataclass(frozen=True)
class Row:
    """One line of the mutation table."""

    group: str
    mutant: Mutant
    outcome: FileOutcome

    @property
    def caught(self) -> bool:
        return self.outcome.caught


def mutation_rows(minilm: Path, work: Path, env: dict[str, str] | None = None) -> list[Row]:
    """Build the classifier and every mutant under `work`, run the generated files once, one row per folder."""
    folders, hf_home, root = work / "folders", work / "hf", work / "runs"
    sources = {"embeddings": minilm, "classifier": fine_tune(minilm, folders / "classifier-original")}
    planned: list[tuple[str, Mutant]] = []
    for group, (task, model_id, is_classifier) in GROUPS.items():
        generated = generate(work / "generated" / group, "bert", task, model_id)
        for mutant in (ORIGINAL, *mutants_for(classifier=is_classifier)):
            source = sources[group]
            folder = source if mutant is ORIGINAL else build(source, folders / group, mutant)
            place(generated, root / group / mutant.name, stage(hf_home, model_id, f"{group}-{mutant.name}", folder))
            planned.append((group, mutant))
    outcomes = run(root, hf_home, dict(os.environ) if env is None else env)
    return [Row(group, mutant, outcomes.get((group, mutant.name), FileOutcome())) for group, mutant in planned]


def score(rows: list[Row]) -> tuple[int, int]:
    """(harmful mutants caught, harmful mutants) over the rows."""
    harmful = [row for row in rows if row.mutant.harmful]
    return sum(row.caught for row in harmful), len(harmful)


def table(rows: list[Row]) -> str:
    """The mutation table as Markdown: checkpoint, mutant, harmful, caught, the first failing test."""
    lines = ["| checkpoint | mutant | harmful | caught | first failure |", "|---|---|---|---|---|"]
    for row in rows:
        detail = row.outcome.first_failure().replace("|", "/")
        caught = "yes" if row.caught else "no"
        harmful = "yes" if row.mutant.harmful else "no"
        lines.append(f"| {row.group} | {row.mutant.name} | {harmful} | {caught} | {detail} |")
    caught, total = score(rows)
    lines.append(f"\nmutation score: {caught}/{total} harmful changes caught ({100 * caught / max(total, 1):.0f} %)")
    return "\n".join(lines)
