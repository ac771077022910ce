"""The results line is one record (hf_testgen.core.results_line.ResultLine): the plugin builds and
writes it, the merge and the coverage matrix read it back, and both sides agree on every key."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import torch
import transformers

from hf_testgen.core.errors import ResultsFormatError
from hf_testgen.core.results_line import (
    OPTIONAL_NUMBERS,
    OPTIONAL_TEXT,
    REQUIRED_SECONDS,
    REQUIRED_TEXT,
    WRITTEN_KEYS,
    ResultLine,
)
from hf_testgen.facts.families import resolve_head
from hf_testgen.suite.merge import merge_results_files
from hf_testgen.testing.loading import Loaded
from hf_testgen.testing.model import ModelUnderTest
from hf_testgen.testing.settings import RuntimeSettings, Target

SHA = "c" * 40
# A line exactly as the plugin wrote it before the record existed (json.dumps of model.py's dict, sorted keys).
PLUGIN_LINE_BEFORE = (
    '{"device": "cpu", "dtype": "float32", "golden": null, "hf_testgen": "0.3.0", "inference_seconds": 0.0123, '
    '"load_seconds": 1.2346, "max_device_diff": null, "model_id": "org/bert", "model_type": "bert", '
    '"parity": null, "peak_memory_mb": 812.3, "peak_memory_method": "ru_maxrss", "python": "3.11.9", '
    f'"revision": "{SHA}", "semantic": "passed", "task": "fill-mask", "torch": "2.13.0", '
    '"transformers": "5.0.0"}\n'
)


def tiny_bert_loaded(load_seconds: float) -> Loaded:
    config = transformers.BertConfig(
        vocab_size=32, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8
    )
    return Loaded(
        torch=torch,
        transformers=transformers,
        head=resolve_head("bert", "fill-mask"),
        model=transformers.BertForMaskedLM(config),
        preprocessor=None,
        load_seconds=load_seconds,
        unused_keys=(),
    )


def test_every_key_the_record_writes_is_one_the_reader_reads():
    read = {*REQUIRED_TEXT, *REQUIRED_SECONDS, *OPTIONAL_TEXT, *OPTIONAL_NUMBERS}
    assert set(WRITTEN_KEYS) == read and len(WRITTEN_KEYS) == len(read)


def test_a_line_written_before_the_record_reads_back_and_writes_the_same_values():
    line = ResultLine.from_line(PLUGIN_LINE_BEFORE.rstrip("\n"), "r.jsonl:1")
    assert line.extra == {} and (line.semantic, line.load_seconds, line.peak_memory_mb) == ("passed", 1.2346, 812.3)
    assert (line.gpu_name, line.date) == (None, None)  # older plugins recorded neither
    assert json.loads(line.to_line()) == {**json.loads(PLUGIN_LINE_BEFORE), "gpu_name": None, "date": None}


def test_unknown_keys_survive_a_round_trip():
    row = {**json.loads(PLUGIN_LINE_BEFORE), "gpu_name": None, "date": "2026-12-03T15:16:00Z", "new_key": [1, 2]}
    text = json.dumps(row, sort_keys=True)
    line = ResultLine.from_line(text, "r.jsonl:1")
    assert line.extra == {"new_key": [1, 2]} and line.to_line() == text + "\n"


def test_the_plugin_writes_the_record_the_merge_reads(tmp_path):
    results = tmp_path / "results.jsonl"
    target = Target(
        model_type="bert", task="fill-mask", model_id="org/bert", revision=SHA, tiny_model_id=None,
        pinned_model_id="org/bert",
    )  # fmt: skip
    under_test = ModelUnderTest(target, RuntimeSettings(results_path=str(results)))
    under_test._loaded = tiny_bert_loaded(load_seconds=1.234567)
    record = under_test.record_for("cpu")
    record.inference_seconds, record.peak_memory_mb, record.peak_memory_method = 0.0123456, 812.345, "ru_maxrss"
    record.semantic = "passed"
    under_test.record_for("mps")  # never ran: no line
    under_test.write_results()
    (text,) = results.read_text(encoding="utf-8").splitlines(keepends=True)
    line = ResultLine.from_line(text.rstrip("\n"), "results.jsonl:1")
    assert line.extra == {} and line.to_line() == text  # nothing the reader does not know, nothing lost
    assert (line.model_id, line.revision, line.task, line.device, line.dtype) == ("org/bert", SHA, "fill-mask",
                                                                                   "cpu", "float32")  # fmt: skip
    assert (line.load_seconds, line.inference_seconds, line.peak_memory_mb) == (1.2346, 0.0123, 812.3)
    assert line.versions["torch"] == torch.__version__ and line.semantic == "passed"
    assert line.gpu_name is None and '"gpu_name": null' in text  # cpu: no GPU, said so
    written = datetime.strptime(line.date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs(datetime.now(timezone.utc) - written) < timedelta(hours=1)  # UTC, when the line was written
    report = merge_results_files(tmp_path / "benchmarks.json", [results], today="2099-01-01")
    assert (report.lines, report.new_samples) == (1, 1)
    (entry,) = json.loads((tmp_path / "benchmarks.json").read_text())["measured"]["org/bert"]
    assert (entry["hardware"], entry["load_seconds"], entry["peak_memory_mb"]) == ("cpu", 1.2346, 812.3)
    assert entry["date"] == entry["samples"][0]["date"] == line.date  # the run's date, not the merge's


def test_a_cuda_line_merges_under_its_gpu_name_and_date_and_an_older_one_under_the_merge_day(tmp_path):
    cuda = ResultLine(
        model_type="bert", model_id="org/bert", device="cuda", task="fill-mask", revision=SHA, dtype="float32",
        gpu_name="NVIDIA H200", load_seconds=0.5, inference_seconds=0.01, date="2026-11-30T08:00:00Z",
    )  # fmt: skip
    results = tmp_path / "results.jsonl"
    results.write_text(cuda.to_line() + json.dumps({**json.loads(PLUGIN_LINE_BEFORE), "device": "cuda"}) + "\n")
    merge_results_files(tmp_path / "benchmarks.json", [results], today="2026-12-03")
    entries = json.loads((tmp_path / "benchmarks.json").read_text())["measured"]["org/bert"]
    assert {(e["hardware"], e["gpu_name"], e["date"]) for e in entries} == {
        ("cuda:NVIDIA H200", "NVIDIA H200", "2026-11-30T08:00:00Z"),
        ("cuda:unknown GPU", None, "2026-12-03"),  # an older line: no name, dated by the merge
    }


@pytest.mark.parametrize("missing", [*REQUIRED_TEXT, *REQUIRED_SECONDS])
def test_a_line_without_a_required_key_is_refused_by_name(missing):
    row = {k: v for k, v in json.loads(PLUGIN_LINE_BEFORE).items() if k != missing}
    with pytest.raises(ResultsFormatError, match=f"'{missing}' is missing"):
        ResultLine.from_line(json.dumps(row), "r.jsonl:3")
