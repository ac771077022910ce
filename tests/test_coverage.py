"""The coverage matrix from junit XML and results lines: statuses, reasons, escaping, bad input."""

from __future__ import annotations

import json
import re

import pytest

from hf_testgen.cli.main import lookup_main
from hf_testgen.core.errors import ResultsFormatError
from hf_testgen.suite.coverage import build_matrix, junit_cases, read_inputs, render_html, render_markdown

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="7">
<testcase classname="test_hf_bert" name="test_fill_mask[cpu]" time="1.0"/>
<testcase classname="test_hf_bert" name="test_fill_mask_semantics[cpu]" time="0.1">
  <skipped type="pytest.skip" message="tiny checkpoint: semantic checks skipped"/></testcase>
<testcase classname="test_hf_bert" name="test_fill_mask[cuda]" time="0.0">
  <skipped type="pytest.skip" message="CUDA is not available on this machine"/></testcase>
<testcase classname="shard.test_hf_gpt2" name="test_text_generation[cpu]" time="2.0">
  <failure message="AssertionError: &lt;script&gt;alert(1)&lt;/script&gt; | broke">trace</failure></testcase>
<testcase classname="shard.test_hf_gpt2" name="test_text_generation[cuda]" time="0.0">
  <skipped message="CUDA is not available on this machine"/></testcase>
<testcase classname="test_hf_vit" name="test_image_classification[cpu]" time="0.0">
  <error message="fixture 'loaded' failed"/></testcase>
<testcase classname="tests.test_cli" name="test_something" time="0.0"/>
</testsuite></testsuites>
"""


def test_junit_cases_give_one_status_per_type_and_device():
    matrix = build_matrix(junit_cases(JUNIT, "junit.xml"), [])
    cells = {row.model_type: {d: (c.status, c.reason) for d, c in row.cells.items()} for row in matrix.rows}
    assert cells == {
        "bert": {"cpu": ("pass", ""), "cuda": ("skip", "CUDA is not available on this machine")},
        "gpt2": {"cpu": ("fail", "AssertionError: <script>alert(1)</script> | broke"),
                 "cuda": ("skip", "CUDA is not available on this machine")},
        "vit": {"cpu": ("fail", "fixture 'loaded' failed")},
    }  # fmt: skip
    assert matrix.devices == ("cpu", "cuda") and matrix.totals() == {"pass": 1, "fail": 2, "skip": 2}


def test_pages_escape_what_the_results_say():
    matrix = build_matrix(junit_cases(JUNIT, "junit.xml"), [])
    html = render_html(matrix)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "http" not in html.replace("http-equiv", "")  # nothing fetched
    markdown = render_markdown(matrix)
    gpt2 = next(line for line in markdown.splitlines() if line.startswith("| gpt2"))
    assert len(re.findall(r"(?<!\\)\|", gpt2)) == 6 and "\\|" in gpt2  # the pipe cannot add a column
    assert "<script>" not in gpt2


def test_results_lines_fill_the_figures_and_a_line_alone_means_pass(tmp_path):
    line = {"model_type": "bert", "task": "fill-mask", "model_id": "org/bert", "revision": "a" * 40,
            "device": "cpu", "load_seconds": 1.25, "inference_seconds": 0.05, "peak_memory_mb": 812.0,
            "semantic": "match", "golden": "drift"}  # fmt: skip
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(line) + "\n" + json.dumps(dict(line, model_type="t5", device="mps")) + "\n")
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    matrix = build_matrix(*read_inputs([junit, results]))
    bert = next(row for row in matrix.rows if row.model_type == "bert")
    assert bert.model == "org/bert @ aaaaaaaaaaaa" and bert.task == "fill-mask"
    assert bert.cells["cpu"].figures == "load 1.25 s, inference 0.050 s, 812 MB, semantic match, golden drift"
    assert next(row for row in matrix.rows if row.model_type == "t5").cells["mps"].status == "pass"
    assert matrix.devices == ("cpu", "cuda", "mps")


def test_bad_inputs_exit_2_naming_the_file(tmp_path, capsys):
    broken = tmp_path / "junit.xml"
    broken.write_text("<testsuites><testcase>")
    with pytest.raises(ResultsFormatError, match="junit.xml: not junit XML"):
        read_inputs([broken])
    assert lookup_main(["--coverage", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl: no such file" in capsys.readouterr().err


def test_coverage_prints_markdown_without_output_files(tmp_path, capsys):
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    assert lookup_main(["--coverage", str(junit)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Generated suite coverage") and "| vit |" in out
