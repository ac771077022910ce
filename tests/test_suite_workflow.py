"""The generated-suite workflow: its shape, and its shard and merge steps run here with bash, as a
runner would (RUNNER_TEMP, GITHUB_STEP_SUMMARY and the step's env set the same way)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML (a huggingface_hub dependency) reads the workflow files")

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from test_workflows import PINNED_USES, WORKFLOWS, load, step_running, steps
except ImportError:  # tests/ imported as a package
    from tests.test_workflows import PINNED_USES, WORKFLOWS, load, step_running, steps

ROOT = Path(__file__).resolve().parent.parent
NAME = "generated-suite.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return load(NAME)


def run_step(step: dict, workflow: dict, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Run a step's script with bash -e from the checkout, with the workflow's and the given env."""
    variables = {**os.environ, **{k: str(v) for k, v in workflow["env"].items()}}
    variables.update(RUNNER_TEMP=str(tmp_path), GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"), GITHUB_RUN_ID="7")
    variables.update(env, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=ROOT, env=variables, capture_output=True, text=True, timeout=300
    )


def test_actions_are_pinned_and_no_expression_reaches_a_script(workflow):
    lines = [line for line in (WORKFLOWS / NAME).read_text().splitlines() if re.match(r"^\s*(-\s*)?uses:", line)]
    assert lines and [line for line in lines if not PINNED_USES.match(line)] == []
    assert [step.get("name") for step in steps(workflow) if "${{" in step.get("run", "")] == []
    assert "secrets." not in (WORKFLOWS / NAME).read_text()


def test_weekly_after_the_refresh_by_hand_and_read_only(workflow):
    (refresh,) = load("update-registry.yml")["on"]["schedule"]
    (suite,) = workflow["on"]["schedule"]
    r_minute, r_hour, _, _, r_day = refresh["cron"].split()
    minute, hour, day, month, weekday = suite["cron"].split()
    assert (day, month, weekday) == ("*", "*", r_day) and int(hour) > int(r_hour)
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read"}


def test_shards_gpu_and_merge_jobs(workflow):
    jobs = workflow["jobs"]
    shards = jobs["shard"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(workflow["env"]["SHARD_COUNT"]) + 1))
    assert "-n auto --dist loadfile" in step_running({"jobs": {"s": jobs["shard"]}}, "pytest")["run"]
    assert jobs["gpu"]["if"] == "${{ vars.HF_TESTGEN_GPU_RUNNER != '' }}"  # off unless a variable names a runner
    assert jobs["gpu"]["runs-on"] == ["self-hosted", "${{ vars.HF_TESTGEN_GPU_RUNNER }}"]
    assert jobs["merge"]["needs"] == ["shard", "gpu"] and jobs["merge"]["if"] == "${{ !cancelled() }}"
    uploads = [s for job in ("shard", "gpu") for s in jobs[job]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert all(s["if"] == "${{ !cancelled() }}" and s["with"]["name"].startswith("suite-") for s in uploads)


def test_the_shard_steps_generate_every_file_exactly_once(workflow, tmp_path):
    step = next(s for s in workflow["jobs"]["shard"]["steps"] if "test_generator_fixed.py" in s.get("run", ""))
    everything = tmp_path / "all"
    command = [sys.executable, "test_generator_fixed.py", "--all", "--hardware", "cpu-small"]
    subprocess.run(
        [*command, "--output-dir", str(everything)],
        cwd=ROOT, env={**os.environ, "USE_STATIC_REGISTRY": "true"}, capture_output=True, check=True,
    )  # fmt: skip
    per_shard = []
    for shard in workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"]:
        temp = tmp_path / f"runner-{shard}"
        result = run_step(step, workflow, temp, SHARD=str(shard), HARDWARE="cpu-small")
        assert result.returncode == 0, result.stderr[-3000:]
        per_shard.append({p.name for p in (temp / "suite" / "generated").glob("test_hf_*.py")})
    assert all(per_shard)
    assert Counter(name for files in per_shard for name in files) == Counter(p.name for p in everything.glob("*.py"))


def write_artifacts(root: Path) -> None:
    """What two shards upload: results lines as the generated files write them, and junit XML."""
    for shard, model_type in ((1, "bert"), (2, "vit")):
        folder = root / "artifacts" / f"suite-shard-{shard}"
        folder.mkdir(parents=True)
        line = {"model_type": model_type, "task": "t", "model_id": f"org/{model_type}", "revision": "a" * 40,
                "device": "cpu", "load_seconds": 1.0, "inference_seconds": 0.1, "peak_memory_mb": 500.0,
                "peak_memory_method": "ru_maxrss", "torch": "2.13.0", "python": "3.12"}  # fmt: skip
        (folder / f"results-shard-{shard}.jsonl").write_text(json.dumps(line) + "\n")
        (folder / f"junit-shard-{shard}.xml").write_text(
            f'<testsuites><testsuite><testcase classname="test_hf_{model_type}" name="test_x[cpu]"/>'
            f'<testcase classname="test_hf_{model_type}" name="test_x[cuda]"><skipped message="no CUDA"/>'
            "</testcase></testsuite></testsuites>"
        )


def test_the_merge_step_folds_every_shard_and_writes_the_summary(workflow, tmp_path):
    step = step_running({"jobs": {"m": workflow["jobs"]["merge"]}}, "--merge-results")
    write_artifacts(tmp_path)
    result = run_step(step, workflow, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    merged = json.loads((tmp_path / "report" / "benchmarks.json").read_text())
    shipped = json.loads((ROOT / "benchmarks.json").read_text())
    assert merged["models"] == shipped["models"] and set(merged["measured"]) == {"org/bert", "org/vit"}
    assert merged["measured"]["org/bert"][0]["source"] == "generated suite, run 7"
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## Generated suite coverage") and "| bert |" in summary and "| vit |" in summary
    assert 'data-status="skip"' in (tmp_path / "report" / "coverage.html").read_text()
    assert (ROOT / "benchmarks.json").read_text() == json.dumps(shipped, indent=1, sort_keys=True,
                                                                ensure_ascii=False) + "\n"  # untouched


def test_the_merge_step_fails_when_no_shard_left_files(workflow, tmp_path):
    step = step_running({"jobs": {"m": workflow["jobs"]["merge"]}}, "--merge-results")
    result = run_step(step, workflow, tmp_path)
    assert result.returncode == 1
    assert "No shard produced results" in (tmp_path / "summary.md").read_text()


def test_the_goldens_job_opens_its_pull_request_as_the_registry_refresh_does(workflow):
    """Write access in that job only; the same pinned action as update-registry.yml; the body is the
    summary the add step writes; the recorded goldens travel from the shards and the GPU job."""
    jobs = workflow["jobs"]
    job = jobs["goldens"]
    assert job["needs"] == ["shard", "gpu"] and job["if"] == "${{ !cancelled() }}"
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert [name for name, other in jobs.items() if "permissions" in other] == ["goldens"]
    opens = [s for s in job["steps"] if s.get("uses", "").startswith("peter-evans/create-pull-request@")]
    (refresh_opens,) = [s for s in steps(load("update-registry.yml")) if "create-pull-request@" in s.get("uses", "")]
    assert [s["uses"] for s in opens] == [refresh_opens["uses"]]
    assert opens[0]["with"]["add-paths"] == workflow["env"]["GOLDENS_DIR"] == "goldens"
    add = step_running({"jobs": {"g": job}}, "suite_goldens.py add")
    assert opens[0]["with"]["body-path"] == "${{ runner.temp }}/goldens-summary.md"
    assert '--summary "$RUNNER_TEMP/goldens-summary.md"' in add["run"]
    for name in ("shard", "gpu"):
        (upload,) = [s for s in jobs[name]["steps"] if "upload-artifact" in s.get("uses", "")]
        assert "/suite/goldens-recorded-" in upload["with"]["path"], name
        assert '--goldens "$GOLDENS_DIR"' in step_running({"jobs": {name: jobs[name]}}, "suite_goldens.py run")["run"]
