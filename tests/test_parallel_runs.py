"""Parallel runs of the generated suite pay (issue 17 item 5): the plugin gives each pytest-xdist worker its
share of the cores for torch's threads, and a process that loaded a model freezes the garbage collector at
the end so its exit skips the walk over torch's and transformers' objects. The timings themselves live in
scripts/benchmark.py (`--suite-only`), not here."""

from __future__ import annotations

import json
import os
import sys

import pytest

from hf_testgen.testing.plugin import worker_threads


@pytest.mark.parametrize(
    ("workers", "env", "cpus", "expected"),
    [
        (2, {}, 2, "1"),
        (2, {}, 16, "8"),
        (4, {}, 2, "1"),  # more workers than cores: still one thread each
        (2, {}, None, "1"),  # os.cpu_count() may not know
        (2, {"OMP_NUM_THREADS": "3"}, 2, None),  # the run's own choice stays
        (None, {}, 2, None),  # not an xdist worker: torch's default
        (0, {}, 2, None),
    ],
)
def test_each_worker_gets_its_share_of_the_cores(workers, env, cpus, expected):
    assert worker_threads(workers, env, cpus) == expected


PROBE = '''
import atexit, gc, json, os, sys

def _write():
    torch = sys.modules.get("torch")
    row = {"worker": os.environ.get("PYTEST_XDIST_WORKER"), "frozen": gc.get_freeze_count(),
           "omp": os.environ.get("OMP_NUM_THREADS"), "torch_threads": torch.get_num_threads() if torch else None}
    with open(os.environ["PROBE_OUT"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\\n")

atexit.register(_write)  # after pytest_unconfigure: what the interpreter's exit starts from
'''


@pytest.mark.e2e
def test_two_workers_use_one_thread_each_and_exit_without_the_final_collection(local_hub, hub_env, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("xdist", reason="pytest-xdist (the test extra) runs the files in parallel")
    tests_dir = os.path.dirname(__file__)
    if tests_dir not in sys.path:
        sys.path.insert(0, tests_dir)
    from suite_runs import build_and_serve, generate, run_suite

    model_types = ("bert", "distilbert")
    build_and_serve(local_hub, tmp_path / "tiny", model_types)
    files = generate(tmp_path / "generated", model_types)
    (tmp_path / "probe" / "hf_testgen_exit_probe.py").parent.mkdir()
    (tmp_path / "probe" / "hf_testgen_exit_probe.py").write_text(PROBE, encoding="utf-8")
    out = tmp_path / "processes.jsonl"
    env = {key: value for key, value in hub_env.items() if key != "OMP_NUM_THREADS"}
    env.update(PYTHONPATH=str(tmp_path / "probe"), PROBE_OUT=str(out))
    run = run_suite(files, env, tmp_path / "run", workers=2, extra=("-p", "hf_testgen_exit_probe"))
    assert run.returncode == 0, run.output[-4000:]

    rows = {row["worker"]: row for row in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    share = str(max(1, (os.cpu_count() or 1) // 2))
    assert set(rows) == {None, "gw0", "gw1"}, rows  # the controller and both workers exited normally
    loaded = [rows[worker] for worker in ("gw0", "gw1") if rows[worker]["torch_threads"] is not None]
    assert loaded, rows  # xdist may give both files to one worker; at least one loaded a model
    for row in loaded:
        assert row["omp"] == share and row["torch_threads"] == int(share), rows
        assert row["frozen"] > 100_000, rows  # torch's and transformers' objects, frozen at the end
    assert rows[None]["frozen"] == 0 and rows[None]["torch_threads"] is None, rows  # the controller loads no model
