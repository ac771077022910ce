"""The GitHub workflows: schema and security (scripts/check_workflows.sh), and the facts the issue asks for.

The linters come from PyPI (`check-jsonschema`, `zizmor`); without them the script test is skipped
with a reason, while the structural checks below run everywhere (PyYAML comes with huggingface_hub).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML (a huggingface_hub dependency) reads the workflow files")

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
PINNED_USES = re.compile(r"^\s*(?:-\s*)?uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d")
SUPPORTED_UP_TO = (3, 13)  # newest CPython the package is tested on


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def step_running(workflow: dict, needle: str) -> dict:
    matches = [step for step in steps(workflow) if needle in step.get("run", "")]
    assert matches, f"no step runs {needle!r}"
    return matches[0]


def step_using(workflow: dict, action: str) -> dict:
    matches = [step for step in steps(workflow) if step.get("uses", "").startswith(action + "@")]
    assert matches, f"no step uses {action}"
    return matches[0]


# --- both files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["update-registry.yml", "ci.yml"])
def test_every_action_is_pinned_by_commit_with_its_version(name):
    lines = [line for line in (WORKFLOWS / name).read_text().splitlines() if re.match(r"^\s*(-\s*)?uses:", line)]
    assert lines
    assert [line for line in lines if not PINNED_USES.match(line)] == []


@pytest.mark.parametrize("name", ["update-registry.yml", "ci.yml"])
def test_no_expression_is_pasted_into_a_script(name):
    """Inputs and event data reach scripts through env variables only (no template injection)."""
    for step in steps(load(name)):
        assert "${{" not in step.get("run", ""), step.get("name")


def test_linters_accept_both_workflows():
    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    missing = [tool for tool in ("check-jsonschema", "zizmor") if shutil.which(tool, path=path) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (pip install check-jsonschema zizmor)")
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "check_workflows.sh")],
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the weekly refresh ------------------------------------------------------------------------


def test_refresh_runs_weekly_and_by_hand():
    workflow = load("update-registry.yml")
    (schedule,) = workflow["on"]["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert day == month == "*" and weekday != "*"  # once a week
    assert set(workflow["on"]["workflow_dispatch"]["inputs"]) == {"model_types", "force"}


def test_every_dispatch_input_is_really_used():
    """Each input goes into a step's env, and that variable is read by the step's script."""
    workflow = load("update-registry.yml")
    for name in workflow["on"]["workflow_dispatch"]["inputs"]:
        used = [
            (step, var)
            for step in steps(workflow)
            for var, value in (step.get("env") or {}).items()
            if f"inputs.{name}" in str(value)
        ]
        assert used, f"input {name!r} is never passed to a step"
        assert all(f"${var}" in step["run"] or f"${{{var}}}" in step["run"] for step, var in used), name


def test_refresh_has_least_privilege_and_never_races():
    workflow = load("update-registry.yml")
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert workflow["concurrency"]["group"] and workflow["concurrency"]["cancel-in-progress"] is False


def test_refresh_steps_in_order():
    workflow = load("update-registry.yml")
    names = [step.get("uses", "").split("@")[0] or step["run"] for step in steps(workflow)]
    setup = step_using(workflow, "actions/setup-python")
    assert setup["with"]["cache"] == "pip"
    refresh = step_running(workflow, "find_models.py")
    assert refresh["env"]["HF_TOKEN"] == "${{ secrets.HF_TOKEN }}"
    samples = step_running(workflow, "test_generator_fixed.py")
    assert "pytest" in samples["run"]
    pull_request = step_using(workflow, "peter-evans/create-pull-request")
    assert pull_request["with"]["body-path"].endswith("/registry-summary.md")
    assert 'registry-summary.md"' in refresh["run"] and "--summary" in refresh["run"]
    order = [steps(workflow).index(step) for step in (setup, refresh, samples, pull_request)]
    assert order == sorted(order), names
    secret_steps = [step for step in steps(workflow) if "secrets." in str(step)]
    assert secret_steps == [refresh]  # the token reaches the refresh only


@pytest.mark.parametrize(
    ("script", "needed"),
    [
        (
            "find_models.py",
            {"--update-registry", "--verify-registry", "--summary", "--all", "--if-stale", "--model-type"},
        ),
        ("test_generator_fixed.py", {"--batch-generate", "--output-dir"}),
    ],
)
def test_workflow_steps_use_flags_the_commands_have(script, needed):
    step = step_running(load("update-registry.yml"), script)
    flags = set(re.findall(r"(--[a-z][a-z-]+)", step["run"]))  # the step runs only this command
    assert needed <= flags
    help_text = subprocess.run(
        [sys.executable, script, "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert [flag for flag in flags if flag not in help_text] == []


# --- CI ----------------------------------------------------------------------------------------


def test_ci_runs_on_pushes_and_pull_requests_for_every_supported_python():
    workflow = load("ci.yml")
    assert {"push", "pull_request"} <= set(workflow["on"])
    assert workflow["permissions"] == {"contents": "read"}
    # (no tomllib: it is 3.11+, and these tests run on 3.10 too)
    requires = re.search(r'requires-python\s*=\s*">=\s*3\.(\d+)"', (ROOT / "pyproject.toml").read_text())
    expected = [f"3.{minor}" for minor in range(int(requires.group(1)), SUPPORTED_UP_TO[1] + 1)]
    matrix_jobs = [job for job in workflow["jobs"].values() if "matrix" in job.get("strategy", {})]
    (job,) = matrix_jobs
    assert job["strategy"]["matrix"]["python-version"] == expected
    assert any(step.get("run", "").strip() == "bash .ci/run" for step in job["steps"])


def test_ci_runs_the_end_to_end_tests_on_transformers_4():
    workflow = load("ci.yml")
    install = step_running(workflow, '"transformers<5"')
    run_e2e = step_running(workflow, "pytest -m e2e")
    assert install in next(job["steps"] for job in workflow["jobs"].values() if run_e2e in job["steps"])
