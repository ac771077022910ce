"""scripts/benchmark.py's explanation of the `-n 2` figure (Amdahl's law over each process's fixed cost):
the ceiling it prints and the suite size it says the target needs must agree with the law they quote."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def benchmark():
    path = Path(__file__).resolve().parent.parent / "scripts" / "benchmark.py"
    if str(path.parent) not in sys.path:  # it imports its sibling scripts by name (scripts/_common.py)
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location("benchmark_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _figures(line: str) -> tuple[float, int]:
    ceiling = re.search(r"at best reach ([\d.]+)x", line)
    needed = re.search(r"needs about (\d+) such files", line)
    assert ceiling and needed, line
    return float(ceiling.group(1)), int(needed.group(1))


def test_no_fixed_cost_halves_the_run(benchmark):
    assert _figures(benchmark.parallel_ceiling(10.0, 40, 0.0))[0] == pytest.approx(2.0)


def test_the_files_it_names_reach_the_target(benchmark):
    serial, files, fixed = 6.0, 42, 3.9  # the 42-file figures of the note on issue 17
    ceiling, needed = _figures(benchmark.parallel_ceiling(serial, files, fixed))
    assert ceiling < 1.6
    per_file = (serial - fixed) / files
    at_needed = (fixed + needed * per_file) / (fixed + needed * per_file / 2)
    assert at_needed == pytest.approx(1.6, abs=0.01)
    assert _figures(benchmark.parallel_ceiling(fixed + needed * per_file, needed, fixed))[0] >= 1.59
