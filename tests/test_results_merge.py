"""Results lines folded into benchmarks.json (`find_models.py --merge-results`), and what selection
does with the measured figures: peak memory decides a hardware fit, cpu latency joins the ranking."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from factories import candidate_row, registry_dict, settings_for, write_registry

from hf_testgen.cli.main import find_main
from hf_testgen.core.errors import ResultsFormatError
from hf_testgen.selection.chain import SelectionRequest, select
from hf_testgen.suite.merge import MAX_SAMPLES, merge_results_files
from hf_testgen.suite.results import parse_line

NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)
SHA = "c" * 40


def main_template_row(**changes) -> dict:
    """A line with exactly the keys main's generated files write (`_record` in templates/_base.py.j2)."""
    row = {
        "model_type": "bert", "task": "fill-mask", "model_id": "org/bert", "revision": SHA, "device": "cpu",
        "load_seconds": 1.5, "inference_seconds": 0.25, "peak_memory_mb": 900.0, "peak_memory_method": "ru_maxrss",
        "torch": "2.13.0", "transformers": "5.0.0", "python": "3.11.9",
    }  # fmt: skip
    row.update(changes)
    return row


def plugin_row(**changes) -> dict:
    """A line with the keys issue 8's plugin writes (hf_testgen/testing/model.py `_row`)."""
    row = main_template_row(
        dtype="float32", semantic="skipped: tiny random checkpoint", golden=None, parity="match",
        max_device_diff=0.0, hf_testgen="0.3.0",
    )  # fmt: skip
    row.update(changes)
    return row


def write_lines(path: Path, rows: list) -> Path:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return path


def test_both_writers_lines_parse_and_unknown_keys_are_kept():
    line = parse_line(json.dumps(main_template_row(new_key=1)), "r.jsonl:1")
    assert (line.model_id, line.device, line.hardware, line.load_seconds) == ("org/bert", "cpu", "cpu", 1.5)
    assert line.extra == {"new_key": 1} and line.semantic is None
    plugin = parse_line(json.dumps(plugin_row(device="cuda", gpu_name="NVIDIA H200")), "r.jsonl:2")
    assert plugin.hardware == "cuda:NVIDIA H200" and plugin.parity == "match" and plugin.dtype == "float32"
    assert plugin.versions == {"hf_testgen": "0.3.0", "python": "3.11.9", "torch": "2.13.0", "transformers": "5.0.0"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"model_type": "bert", "model_id": "x", "device": "cpu", "load_seconds": 1', "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({k: v for k, v in main_template_row().items() if k != "model_id"}), "'model_id' is missing"),
        (json.dumps(main_template_row(inference_seconds="fast")), "'inference_seconds' is not a finite number"),
        (json.dumps(main_template_row(load_seconds=-1)), "'load_seconds' is not a finite number"),
        (json.dumps(main_template_row(device="")), "'device' is not a non-empty string"),
    ],
)
def test_a_malformed_line_names_its_place(text, problem):
    with pytest.raises(ResultsFormatError, match=problem) as caught:
        parse_line(text, "shard-2/results.jsonl:7")
    assert str(caught.value).startswith("shard-2/results.jsonl:7: ")


def test_merging_twice_is_byte_identical_and_keeps_the_published_metrics(tmp_path, capsys):
    bench = tmp_path / "benchmarks.json"
    published = {"schema_version": 1, "models": {"timm/a": [{"task": "image-classification", "metric": "top1",
                                                              "value": 80.0}]}}  # fmt: skip
    bench.write_text(json.dumps(published))
    one = write_lines(tmp_path / "one.jsonl", [main_template_row(), main_template_row(load_seconds=2.5)])
    two = write_lines(tmp_path / "two.jsonl", [plugin_row(load_seconds=0.5, device="cuda", gpu_name="NVIDIA H200",
                                                         peak_memory_method="torch.cuda.max_memory_allocated")])
    argv = ["--merge-results", str(one), str(two), "--benchmarks", str(bench)]
    assert find_main(argv) == 0
    first = bench.read_bytes()
    document = json.loads(first)
    assert document["models"] == published["models"]
    cpu, cuda = document["measured"]["org/bert"]
    assert (cpu["hardware"], cpu["runs"], cpu["load_seconds"], cpu["peak_memory_mb"]) == ("cpu", 2, 2.0, 900.0)
    assert cuda["hardware"] == "cuda:NVIDIA H200" and cuda["versions"]["hf_testgen"] == "0.3.0"
    assert "updated" in capsys.readouterr().out
    os.utime(bench, (1, 1))
    assert find_main(argv) == 0 and find_main([*argv[:3], *argv[1:2], *argv[3:]]) == 0  # rerun, a file twice
    assert bench.read_bytes() == first and bench.stat().st_mtime == 1  # not even rewritten
    assert "unchanged" in capsys.readouterr().out


def test_merge_adds_to_what_is_there_and_recomputes_the_median(tmp_path):
    bench = tmp_path / "benchmarks.json"
    merge_results_files(bench, [write_lines(tmp_path / "a.jsonl", [main_template_row(inference_seconds=1.0)])])
    later = [main_template_row(inference_seconds=3.0), main_template_row(inference_seconds=2.0, revision="d" * 40)]
    report = merge_results_files(bench, [write_lines(tmp_path / "b.jsonl", later)])
    assert (report.new_samples, report.entries, report.written) == (2, 2, True)
    entries = json.loads(bench.read_text())["measured"]["org/bert"]
    assert [(e["revision"][0], e["runs"], e["inference_seconds"]) for e in entries] == [("c", 2, 2.0), ("d", 1, 2.0)]


def test_only_the_newest_samples_are_kept(tmp_path):
    bench = tmp_path / "benchmarks.json"
    rows = [main_template_row(inference_seconds=float(n), date=f"2026-01-{n + 1:02d}") for n in range(MAX_SAMPLES + 5)]
    merge_results_files(bench, [write_lines(tmp_path / "r.jsonl", rows)])
    (entry,) = json.loads(bench.read_text())["measured"]["org/bert"]
    assert entry["runs"] == MAX_SAMPLES and entry["date"] == f"2026-01-{MAX_SAMPLES + 5:02d}"
    assert entry["inference_seconds"] == 12.0  # median of 5.0 .. 19.0


def test_a_bad_line_is_skipped_with_a_warning_naming_file_and_line(tmp_path, capsys):
    bench = tmp_path / "benchmarks.json"
    good = write_lines(tmp_path / "good.jsonl", [main_template_row()])
    assert find_main(["--merge-results", str(good), "--benchmarks", str(bench)]) == 0
    torn = json.dumps(main_template_row(inference_seconds=9.0))[:40]
    bad = write_lines(tmp_path / "bad.jsonl", [main_template_row(load_seconds=7.0), torn])
    assert find_main(["--merge-results", str(good), str(bad), "--benchmarks", str(bench)]) == 0
    assert f"warning: {bad}:2: not JSON" in capsys.readouterr().err
    (entry,) = json.loads(bench.read_text())["measured"]["org/bert"]
    assert entry["runs"] == 2  # the good lines of both files, not the torn one
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_only_bad_lines_exit_2_and_write_nothing(tmp_path, capsys):
    bench = tmp_path / "benchmarks.json"
    bad = write_lines(tmp_path / "bad.jsonl", ["{", "[1]"])
    assert find_main(["--merge-results", str(bad), "--benchmarks", str(bench)]) == 2
    assert f"{bad}:1: not JSON" in capsys.readouterr().err and not bench.exists()


def test_merge_flags_refuse_other_modes(tmp_path, capsys):
    results = write_lines(tmp_path / "r.jsonl", [main_template_row()])
    for argv in (["--merge-results", str(results), "--update-registry", "--all"], ["--benchmarks", "b.json"]):
        with pytest.raises(SystemExit) as caught:
            find_main(argv)
        assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "does not combine with --update-registry" in err and "--benchmarks needs --merge-results" in err


# --- what selection does with the measured figures ---------------------------------------------------


def gpu_run(model_id: str, peak_mb: float, revision: str | None) -> dict:
    return plugin_row(model_id=model_id, revision=revision, device="cuda", gpu_name="NVIDIA L4",
                      peak_memory_mb=peak_mb, peak_memory_method="torch.cuda.max_memory_allocated")  # fmt: skip


@pytest.fixture
def fit_case(tmp_path):
    """Two bert checkpoints under gpu-small (5,000 MB): one with an estimated 8 GB, one exactly 3 GB."""
    rows = [
        candidate_row("org/bert-estimated", "bert", downloads=90_000, pipeline_tag="fill-mask", size_mb=8000.0,
                      size_method="name", size_exact=False),
        candidate_row("org/bert-exact", "bert", sha=SHA, downloads=10_000, pipeline_tag="fill-mask", size_mb=3000.0),
    ]  # fmt: skip
    registry = write_registry(tmp_path / "r.json", registry_dict({"bert": rows}))
    return settings_for(None, registry, use_static_registry=True, benchmarks_path=tmp_path / "benchmarks.json")


def test_a_measured_peak_memory_changes_the_hardware_fit(fit_case, tmp_path):
    request = SelectionRequest("bert", hardware="gpu-small")
    before = select(request, fit_case, now=NOW)
    assert before.model_id == "org/bert-exact"
    assert {r.model_id: r.kind for r in before.rejected}["org/bert-estimated"] == "size"

    lines = [gpu_run("org/bert-estimated", 2100.0, None), gpu_run("org/bert-exact", 6200.0, SHA)]
    merge_results_files(fit_case.benchmarks_path, [write_lines(tmp_path / "gpu.jsonl", lines)])
    after = select(request, fit_case, now=NOW)
    assert after.model_id == "org/bert-estimated"
    rejected = {r.model_id: r for r in after.rejected}["org/bert-exact"]
    assert rejected.kind == "size" and rejected.reason.startswith("measured peak memory 6,200 MB")
    notes = [note.text for note in after.notes]
    assert any("measured peak memory 2,100 MB" in n and "only estimated" in n and "decided" in n for n in notes)


def test_measured_memory_of_another_revision_or_of_a_whole_process_decides_nothing(fit_case, tmp_path):
    lines = [
        gpu_run("org/bert-exact", 6200.0, "e" * 40),  # other weights
        plugin_row(model_id="org/bert-estimated", device="cpu", peak_memory_mb=100.0),  # ru_maxrss: the process
    ]
    merge_results_files(fit_case.benchmarks_path, [write_lines(tmp_path / "other.jsonl", lines)])
    for hardware in ("gpu-small", "cpu-large"):
        selection = select(SelectionRequest("bert", hardware=hardware), fit_case, now=NOW)
        assert selection.model_id == "org/bert-exact", hardware


def test_measured_cpu_latency_ranks_on_cpu_hardware_and_explain_says_it_decided(tmp_path):
    rows = [candidate_row(f"org/bert-{name}", "bert", downloads=1000, pipeline_tag="fill-mask", size_mb=400.0)
            for name in ("a", "b")]  # fmt: skip
    registry = write_registry(tmp_path / "r.json", registry_dict({"bert": rows}))
    settings = settings_for(None, registry, use_static_registry=True, benchmarks_path=tmp_path / "benchmarks.json")
    lines = [main_template_row(model_id="org/bert-a", revision=None, inference_seconds=0.9),
             main_template_row(model_id="org/bert-b", revision=None, inference_seconds=0.1)]  # fmt: skip
    assert select(SelectionRequest("bert", hardware="cpu-small"), settings, now=NOW).model_id == "org/bert-a"
    merge_results_files(settings.benchmarks_path, [write_lines(tmp_path / "cpu.jsonl", lines)])
    on_cpu = select(SelectionRequest("bert", hardware="cpu-small"), settings, now=NOW)
    assert on_cpu.model_id == "org/bert-b"
    assert any("measured cpu inference latency" in n.text and "it decided" in n.text for n in on_cpu.notes)
    assert select(SelectionRequest("bert", hardware="gpu-medium"), settings, now=NOW).model_id == "org/bert-a"
