"""Goldens kept by the weekly job (scripts/suite_goldens.py, called by generated-suite.yml).

The end-to-end test runs the workflow's own steps with bash, as a runner would, on the tiny suite
served by the local Hub: a first shard run records goldens, the goldens job adds them under a
goldens/ folder, a second run compares with them and passes, and a third, after the Hub serves
noisy weights at the same pinned revision, fails on the drift; a recording of the noisy model then
proposed on top changes nothing. The others check the add-only rule, the split of files and bad
input without running a model.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML (a huggingface_hub dependency) reads the workflow files")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import suite_goldens  # noqa: E402

from hf_testgen.testing import goldens  # noqa: E402

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from generated_runs import result_rows, without_testgen_variables
    from test_workflows import load, step_running
except ImportError:  # tests/ imported as a package
    from tests.generated_runs import result_rows, without_testgen_variables
    from tests.test_workflows import load, step_running

REVISION = "a" * 40
MODEL_TYPES = ("bert", "gpt2")


def _golden(value: float) -> dict:
    return {"tensors": {"scores": [value, 0.5]}, "exact": {"labels": ["x"]}}


def _goldens_file(path: Path, entries: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": goldens.FORMAT, "entries": entries}, indent=1, sort_keys=True) + "\n")
    return path


def _key(model_id: str, device: str = "cpu", revision: str = REVISION, task: str = "fill-mask") -> str:
    return goldens.golden_key(model_id, revision, task, device, "float32")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _script(*argv: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "HF_DEBUG"}
    command = [sys.executable, str(ROOT / "scripts" / "suite_goldens.py"), *argv]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


# --- add: one file per checkpoint, add-only --------------------------------------------------------------
def test_add_keeps_every_committed_golden_and_adds_only_what_is_missing(tmp_path):
    folder = tmp_path / "goldens"
    committed = _goldens_file(folder / "org" / "a.json", {_key("org/a"): {"fill_mask": _golden(1.0)}})
    before = committed.read_bytes()
    recorded = _goldens_file(
        tmp_path / "goldens-recorded-shard-1.json",
        {
            _key("org/a"): {"fill_mask": _golden(9.0), "top_k": _golden(2.0)},  # 9.0 would replace the committed 1.0
            _key("org/a", "cuda"): {"fill_mask": _golden(3.0)},
            _key("b-model", task="text-generation"): {"generate": _golden(4.0)},
        },
    )
    summary = tmp_path / "summary.md"
    assert suite_goldens.main(["add", "--goldens", str(folder), "--summary", str(summary), str(recorded)]) == 0

    entries = goldens.read_entries(committed)
    assert committed.read_bytes() != before  # rewritten with the additions ...
    assert entries[_key("org/a")]["fill_mask"] == _golden(1.0)  # ... the committed golden as it was
    assert entries[_key("org/a")]["top_k"] == _golden(2.0) and entries[_key("org/a", "cuda")]["fill_mask"]
    assert set(goldens.read_entries(folder / "b-model.json")) == {_key("b-model", task="text-generation")}
    assert {p.name for p in folder.rglob("*")} == {"org", "a.json", "b-model.json"}  # no lock or temporary file
    text = summary.read_text()
    assert "3 golden(s) added" in text and "1 recorded again and left as committed" in text
    assert f"| {folder / 'org' / 'a.json'} | org/a @ {REVISION[:12]} | fill-mask | cuda | float32 | fill_mask |" in text

    again = _snapshot(folder)
    assert suite_goldens.main(["add", "--goldens", str(folder), str(recorded)]) == 0
    assert _snapshot(folder) == again  # nothing left to add: no file is rewritten


@pytest.mark.parametrize(
    ("case", "named"),
    [
        ("not_json", "goldens-recorded-shard-1.json"),
        ("unpinned", "unpinned checkpoint"),
        ("not_a_hub_id", "is not a Hub model id"),
        ("misplaced", "belongs in"),
        ("bad_key", "is not a golden key"),
    ],
)
def test_add_refuses_bad_input_in_one_line_and_writes_nothing(tmp_path, case, named):
    folder = tmp_path / "goldens"
    _goldens_file(folder / "org" / "a.json", {_key("org/a"): {"fill_mask": _golden(1.0)}})
    recorded = tmp_path / "goldens-recorded-shard-1.json"
    entries = {_key("org/new"): {"fill_mask": _golden(1.0)}}
    if case == "not_json":
        recorded.write_text("{not json")
    elif case == "unpinned":
        entries[_key("org/b", revision="unpinned")] = {"fill_mask": _golden(1.0)}
    elif case == "not_a_hub_id":
        entries[_key("../../outside")] = {"fill_mask": _golden(1.0)}
    elif case == "misplaced":
        _goldens_file(folder / "org" / "c.json", {_key("org/d"): {"fill_mask": _golden(1.0)}})
    elif case == "bad_key":
        entries["org/e|only-three|parts"] = {"fill_mask": _golden(1.0)}
    if case != "not_json":
        _goldens_file(recorded, entries)
    before = _snapshot(folder)
    result = _script("add", "--goldens", str(folder), str(recorded))
    assert result.returncode == suite_goldens.BAD_INPUT, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("suite_goldens.py: error: ") and named in line, line
    assert _snapshot(folder) == before and not (folder / "org" / "new.json").exists()


# --- run: which files compare, which record, what is proposed ---------------------------------------------
def test_a_file_compares_only_when_every_device_kind_has_a_golden(tmp_path):
    pinned = suite_goldens.Checkpoint(tmp_path / "test_hf_a.py", "org/a", REVISION, "fill-mask")
    unpinned = suite_goldens.Checkpoint(tmp_path / "test_hf_b.py", "org/b", None, "fill-mask")
    entries = {_key("org/a"): {}, goldens.golden_key("org/b", None, "fill-mask", "cpu", "float32"): {}}
    assert suite_goldens.split([pinned], entries, ["cpu"]) == ([pinned], [])
    assert suite_goldens.split([pinned], entries, ["cpu", "cuda"]) == ([], [pinned])
    other_task = suite_goldens.Checkpoint(tmp_path / "test_hf_a_x.py", "org/a", REVISION, "text-classification")
    assert suite_goldens.split([other_task], entries, ["cpu"]) == ([], [other_task])
    recorded = {_key("org/a"): {"r": {}}, goldens.golden_key("org/b", None, "fill-mask", "cpu", "float32"): {"r": {}}}
    assert set(suite_goldens.proposable(recorded, [pinned, unpinned], set())) == {_key("org/a")}  # pinned only
    assert suite_goldens.proposable(recorded, [pinned, unpinned], {"test_hf_a"}) == {}  # its file failed


def test_a_failed_or_errored_test_in_the_junit_withholds_its_file(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite><testcase classname="test_hf_a" name="test_x[cpu]"><failure message="m"/></testcase>'
        '<testcase classname="sub.test_hf_b" name="t"><error message="e"/></testcase>'
        '<testcase classname="test_hf_c" name="t"/><testcase classname="test_hf_d" name="t[cuda]"><skipped/>'
        "</testcase></testsuite></testsuites>"
    )
    assert suite_goldens.failed_files(junit) == {"test_hf_a", "test_hf_b"}
    assert suite_goldens.failed_files(tmp_path / "absent.xml") == {"*"}  # pytest wrote none: nothing is trusted


def test_run_refuses_a_folder_without_generated_files(tmp_path):
    result = _script("run", str(tmp_path), "--goldens", str(tmp_path / "g"), "--work", str(tmp_path), "--name", "x",
                     "--", sys.executable, "-m", "pytest")  # fmt: skip
    assert result.returncode == suite_goldens.BAD_INPUT
    assert result.stderr.strip() == f"suite_goldens.py: error: {tmp_path} holds no generated test files (test_*.py)"


# --- the workflow's steps, end to end on the tiny suite -----------------------------------------------------
def _run_step(step: dict, workflow: dict, temp: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """A step's script under bash -e from the checkout, with the workflow's env, as a runner runs it."""
    variables = {**without_testgen_variables(env), **{k: str(v) for k, v in workflow["env"].items()}}
    variables.update(RUNNER_TEMP=str(temp), GITHUB_STEP_SUMMARY=str(temp / "summary.md"), GITHUB_RUN_ID="7")
    variables.update(PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    variables.update({key: env[key] for key in ("GOLDENS_DIR", "SHARD") if key in env})
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=ROOT, env=variables, capture_output=True, text=True, timeout=900
    )


@pytest.mark.e2e
def test_the_golden_job_records_then_compares_and_fails_a_perturbed_model(local_hub, hub_env, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("xdist", reason="pytest-xdist (the test extra) runs the shard's files")
    try:
        from mutants import MUTANTS, build
        from suite_runs import build_and_serve, generate, repo_of, revision_of
        from tiny_models import TINY_MODEL_TASKS
    except ImportError:
        from tests.mutants import MUTANTS, build
        from tests.suite_runs import build_and_serve, generate, repo_of, revision_of
        from tests.tiny_models import TINY_MODEL_TASKS

    workflow = load("generated-suite.yml")
    shard = step_running({"jobs": {"s": workflow["jobs"]["shard"]}}, "suite_goldens.py run")
    propose = step_running({"jobs": {"g": workflow["jobs"]["goldens"]}}, "suite_goldens.py add")
    build_and_serve(local_hub, tmp_path / "tiny", MODEL_TYPES)
    runner = tmp_path / "runner"
    suite = runner / "suite"
    generate(suite / "generated", MODEL_TYPES)
    folder = tmp_path / "goldens"
    env = dict(hub_env, GOLDENS_DIR=str(folder), SHARD="1", TRANSFORMERS_VERBOSITY="error")

    def shard_run(**extra: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
        for stale in suite.glob("*-shard-1*"):
            stale.unlink()
        result = _run_step(shard, workflow, runner, {**env, **extra})
        return result, {row["model_type"]: row["golden"] for row in result_rows(suite / "results-shard-1.jsonl")}

    # 1. No goldens committed: every file records, in its own junit file.
    result, states = shard_run()
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert states == dict.fromkeys(MODEL_TYPES, "recorded")
    assert (suite / "junit-shard-1-new.xml").is_file() and not (suite / "junit-shard-1.xml").exists()
    recorded = suite / "goldens-recorded-shard-1.json"
    keys = set(goldens.read_entries(recorded))
    expected = {(repo_of(t), revision_of(t), TINY_MODEL_TASKS[t], "cpu") for t in MODEL_TYPES}
    assert {goldens.split_key(key)[:4] for key in keys} == expected

    # 2. The goldens job adds them under goldens/, one file per checkpoint, and writes the PR body.
    artifacts = runner / "artifacts" / "suite-shard-1"
    artifacts.mkdir(parents=True)
    shutil.copy(recorded, artifacts / recorded.name)
    result = _run_step(propose, workflow, runner, env)
    assert result.returncode == 0, result.stdout + result.stderr
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*.json")}
    assert files == {f"{repo_of(t)}.json" for t in MODEL_TYPES}
    assert {key for t in MODEL_TYPES for key in goldens.read_entries(folder / f"{repo_of(t)}.json")} == keys
    assert f"{repo_of('bert')} @ {revision_of('bert')[:12]}" in (runner / "summary.md").read_text()
    committed = _snapshot(folder)

    # 3. Later runs compare with the committed goldens, and pass.
    result, states = shard_run()
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert states == dict.fromkeys(MODEL_TYPES, "match")
    assert (suite / "junit-shard-1.xml").is_file() and not (suite / "junit-shard-1-new.xml").exists()

    # 4. The Hub serves noisy weights at bert's pinned revision (a fresh cache downloads them): bert fails.
    mutant = next(m for m in MUTANTS if m.name == "noise_01std")
    noisy = build(tmp_path / "tiny" / "bert", tmp_path / "mutants", mutant)
    local_hub.add_file(repo_of("bert"), "model.safetensors", (noisy / "model.safetensors").read_bytes())
    result, states = shard_run(HF_HOME=str(tmp_path / "fresh_hf_home"))
    assert result.returncode == 1, (result.stdout + result.stderr)[-6000:]
    assert states == {"bert": "drift", "gpt2": "match"}
    assert f"drift from the golden {repo_of('bert')}|{revision_of('bert')}|" in result.stdout
    assert _snapshot(folder) == committed  # comparing never writes goldens/

    # 5. A recording of the noisy model (against an empty goldens/) proposed on top of the committed
    #    goldens: the job adds nothing and replaces nothing.
    result, states = shard_run(HF_HOME=str(tmp_path / "fresh_hf_home"), GOLDENS_DIR=str(tmp_path / "none"))
    assert result.returncode == 0 and states == dict.fromkeys(MODEL_TYPES, "recorded"), result.stdout[-3000:]
    (bert_key,) = [key for key in keys if key.startswith(repo_of("bert") + "|")]
    bert_file = folder / f"{repo_of('bert')}.json"
    assert goldens.read_entries(recorded)[bert_key] != goldens.read_entries(bert_file)[bert_key]  # it drifted
    shutil.copy(recorded, artifacts / recorded.name)
    result = _run_step(propose, workflow, runner, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _snapshot(folder) == committed
    last_summary = (runner / "summary.md").read_text().rpartition("## Goldens recorded")[2]
    assert f"0 golden(s) added for pinned checkpoints that had none; {len(keys)} recorded again" in last_summary
