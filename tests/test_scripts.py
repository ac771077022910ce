"""scripts/ share one module (scripts/_common.py) instead of editing sys.path each: the package comes from
the installed checkout, siblings import by name, and only the test-helper scripts reach tests/."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
# Every script with a command line (README, docs/ and the workflows run them as `python scripts/NAME.py`).
COMMANDS = (
    "benchmark", "build_documented_outputs", "build_registry", "build_task_map", "build_tiny_models", "gpu_check",
    "measure_config_sizes", "mine_checkpoints", "mine_reference_outputs", "mine_test_checkpoints",
)  # fmt: skip


def sys_path_uses(path: Path) -> list[int]:
    """Lines where a module touches `sys.path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    ]


def test_only_the_common_module_edits_sys_path():
    uses = {path.name: sys_path_uses(path) for path in sorted(SCRIPTS.glob("*.py"))}
    assert len(uses) >= 15 and uses.pop("_common.py")
    assert {name: lines for name, lines in uses.items() if lines} == {}


def test_only_the_scripts_that_reuse_test_helpers_reach_tests():
    users = sorted(p.name for p in SCRIPTS.glob("[!_]*.py") if "use_test_helpers()" in p.read_text("utf-8"))
    assert users == ["benchmark.py", "gpu_check.py"]


@pytest.mark.parametrize("name", COMMANDS)
def test_each_script_runs_from_another_folder(name, tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / f"{name}.py"), "--help"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage:" in result.stdout.lower() or "Usage:" in result.stdout, result.stdout[:500]


def test_a_script_outside_the_installed_checkout_says_so_in_one_line(tmp_path):
    copy = tmp_path / "other-checkout" / "scripts"
    copy.mkdir(parents=True)
    for name in ("_common.py", "build_task_map.py"):
        shutil.copy(SCRIPTS / name, copy / name)
    result = subprocess.run(
        [sys.executable, str(copy / "build_task_map.py"), "--help"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("build_task_map.py: hf_testgen is imported from ") and "not from this checkout" in line
    assert str(tmp_path / "other-checkout") in line and "pip install -e ." in line
