"""Issue 15, readers of outside data: own attacks beyond the issue's list (hostile files, lines and
environment values), in the same style as tests/test_faults_readers.py; the table is in
docs/faults_readers.md ("own" rows)."""

from __future__ import annotations

import json
import os

import pytest
from factories import candidate_row, registry_dict, write_registry
from test_faults_readers import GOOD, code_of, env, one_line, result_row, run_python, write_lines  # noqa: F401

from hf_testgen.cli.main import select_main
from hf_testgen.core.config import Settings
from hf_testgen.core.errors import ConfigError, RegistryError
from hf_testgen.facts import benchmarks
from hf_testgen.registry.store import load_registry
from hf_testgen.suite.merge import merge_results_files


def test_own_a_registry_with_a_byte_order_mark_loads(tmp_path):
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row(GOOD, "bert")]}))
    path.write_text("\ufeff" + path.read_text())
    assert [c.model_id for c in load_registry(path).candidates("bert")] == [GOOD]


@pytest.mark.parametrize(("field", "value"), [("gated", "false"), ("private", 1), ("last_modified", "9" * 50)])
def test_own_registry_flags_and_dates_of_the_wrong_type_skip_the_row(tmp_path, field, value):
    rows = [candidate_row(GOOD, "bert"), candidate_row("org/bad", "bert", **{field: value})]
    registry = load_registry(write_registry(tmp_path / "r.json", registry_dict({"bert": rows})))
    assert [c.model_id for c in registry.candidates("bert")] == [GOOD]
    assert any(field in note.text for note in registry.entry("bert").notes)


@pytest.mark.parametrize(("row", "problem"), [
    ({"task": "t", "metric": "m", "value": "nan"}, "value"),
    ({"task": "t", "metric": "m", "value": 1.0, "higher_is_better": "false"}, "higher_is_better"),
    ({"task": "t", "metric": "m", "value": 1e300}, "value"),
])  # fmt: skip
def test_own_benchmark_rows_of_the_wrong_type_are_refused(row, problem):
    with pytest.raises(RegistryError, match=problem):
        benchmarks.Benchmarks({"org/m": [row]}).for_model("org/m")


@pytest.mark.parametrize(("change", "field"), [
    ({"gpu_name": "x" * 2_000_000}, "a line of"),
    ({"gpu_name": "x" * 5000}, "gpu_name"),
    ({"load_seconds": 1e300}, "load_seconds"),
    ({"date": "2026-13-45"}, "date"),
    ({"revision": "main\n# injected"}, "revision"),
    ({"model_type": "../bert"}, "model_type"),
])  # fmt: skip
def test_own_results_line_values_are_bounded(tmp_path, change, field):
    lines = write_lines(tmp_path / "r.jsonl", [result_row(), result_row(**change)])
    report = merge_results_files(tmp_path / "b.json", [lines])
    assert report.new_samples == 1 and any("r.jsonl:2" in w and field in w for w in report.warnings)


def test_own_a_results_line_with_a_duplicate_key_is_skipped(tmp_path):
    twice = json.dumps(result_row())[:-1] + ', "model_id": "other/model"}'
    report = merge_results_files(tmp_path / "b.json", [write_lines(tmp_path / "r.jsonl", [result_row(), twice])])
    assert report.new_samples == 1 and any("appears twice" in w for w in report.warnings)


def test_own_hf_testgen_results_at_a_fifo_fails_at_once(tmp_path):
    fifo = tmp_path / "results.jsonl"
    os.mkfifo(fifo)
    done = run_python(f"""
        from hf_testgen.testing.results import append_line
        try:
            append_line({str(fifo)!r}, {{"a": 1}})
        except OSError as err:
            print("failed:", err)
    """, timeout=20)  # fmt: skip
    assert "failed:" in done.stdout


@pytest.mark.parametrize(("name", "value"), [
    ("HF_TESTGEN_API_DEADLINE", "1e308"), ("HF_TESTGEN_API_LIMIT", "３"), ("HF_TESTGEN_API_MAX_TRIES", "9" * 5000),
])  # fmt: skip
def test_own_huge_or_unicode_numbers_in_the_environment_are_refused(name, value):
    with pytest.raises(ConfigError, match=name) as caught:
        Settings.from_env({name: value})
    assert len(str(caught.value)) < 300


def test_own_max_size_1e308_is_one_usage_line(env, capsys):  # noqa: F811  # the fixture, imported
    assert code_of(lambda: select_main(["--model-type", "bert", "--max-size", "1e308"])) == 2
    assert "--max-size" in one_line(capsys.readouterr().err)


def test_own_goldens_entries_of_the_wrong_shape_are_one_error(tmp_path):
    from hf_testgen.testing import goldens

    path = tmp_path / "g.json"
    path.write_text(json.dumps({"format": 1, "entries": {"k": "not an object"}}))
    with pytest.raises(ValueError, match="not an hf-testgen goldens file"):
        goldens.lookup(str(path), "k", "r")
    path.write_text(json.dumps({"format": 1, "entries": {"k": {"r": [1]}}}))
    with pytest.raises(ValueError, match="is not an object"):
        goldens.lookup(str(path), "k", "r")


@pytest.mark.parametrize(("name", "device"), [
    ("test_x[cpu]", "cpu"), ("test_x[fill-mask-cuda]", "cuda"), ("test_x", None), ("test_x[cpux]", None),
    ("test_x[mps-extra]", "mps"), ("test_x[" + "-" * 200_000 + "]", None),
])  # fmt: skip
def test_own_device_of_a_pytest_id(name, device):
    from hf_testgen.suite.coverage import device_of_test_name

    assert device_of_test_name(name) == device


def test_own_one_unreadable_last_modified_does_not_lose_the_hub_answer(local_hub, tmp_path):
    """huggingface_hub parses dates while it iterates a listing: one bad row's date used to lose them all."""
    from factories import hub_record, settings_for

    from hf_testgen.hub import client as hub

    local_hub.add_model(hub_record("acme/bert-good", "bert", downloads=9, lastModified="2025-01-01T00:00:00.000Z"))
    local_hub.add_model(hub_record("acme/bert-bad-date", "bert", downloads=5, lastModified="yesterday-ish"))
    found = hub.fetch_candidates("bert", settings=settings_for(local_hub.url, tmp_path / "r.json"))
    assert [c.model_id for c in found] == ["acme/bert-good", "acme/bert-bad-date"]
    assert all(c.last_modified is None for c in found)
