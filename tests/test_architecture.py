"""The package's shape: imports go one way (no cycle, not even through a function-level import),
nothing below the commands imports them, and every module is small enough to read in one go."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "hf_testgen"
MAX_MODULE_LINES = 450
# The command layer: argparse, printing, exit codes. Nothing else in the package may import these.
COMMAND_MODULES = {"hf_testgen.cli", "hf_testgen.cli_generate", "hf_testgen.cli_refresh", "hf_testgen.cli_common",
                   "hf_testgen.cli_results"}
RENDERING_MODULES = {"hf_testgen.report"}
# Modules owned by another branch while it is being changed; strict: the test fails once they fit.
OVERSIZED_ELSEWHERE: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(source: str, name: str, *, is_package: bool, known: set[str]) -> set[str]:
    """Every package module `source` (module `name`) imports, at any depth: module level,
    inside functions, under TYPE_CHECKING."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in known else base)
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    known = set(modules)
    graph = {}
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        graph[name] = imported_modules(source, name, is_package=path.name == "__init__.py", known=known)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None (depth-first, three colours)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_cycle_finder_finds_a_cycle_through_three_modules():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_function_level_and_type_checking_imports_are_edges():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .records import Note\n"
        "def f():\n    from .cli import main\n    from . import tasks\n"
    )
    known = {"hf_testgen", "hf_testgen.cli", "hf_testgen.tasks", "hf_testgen.records"}
    found = imported_modules(source, "hf_testgen.refresh", is_package=False, known=known)
    assert found == {"hf_testgen.cli", "hf_testgen.tasks", "hf_testgen.records"}


def test_the_package_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_nothing_below_the_commands_imports_them():
    upper = COMMAND_MODULES | RENDERING_MODULES
    graph = import_graph()
    offenders = {name: sorted(graph[name] & upper) for name in graph if name not in upper and graph[name] & upper}
    assert offenders == {}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=OVERSIZED_ELSEWHERE[path.name]))
        if path.name in OVERSIZED_ELSEWHERE
        else path
        for path in sorted(PACKAGE.rglob("*.py"))
    ],
    ids=lambda path: str(path.relative_to(PACKAGE)),
)
def test_module_fits_in_one_read(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name} has {lines} lines (at most {MAX_MODULE_LINES})"
