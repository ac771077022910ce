"""The coverage matrix from junit XML and results lines: statuses, reasons, escaping, bad input."""

from __future__ import annotations

import json
import re

import pytest

from hf_testgen.cli.main import lookup_main
from hf_testgen.core.errors import ResultsFormatError
from hf_testgen.suite.coverage import (
    DEVICE_WIDE_MARK,
    build_matrix,
    cell_text,
    junit_cases,
    read_inputs,
    render_html,
    render_markdown,
)

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
    assert matrix.devices == ("cpu", "cuda") and matrix.totals() == {"pass": 1, "fail": 2, "skip": 2, "none": 1}
    assert sum(matrix.totals().values()) == len(matrix.rows) * len(matrix.devices)


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


def _case(test: str, device: str, task: str, outcome: str = "", *properties: tuple[str, str]) -> str:
    """One generated test case as the plugin's junit report has it (`properties` after the row's identity)."""
    identity = [("model_type", "bert"), ("task", task), ("model_id", f"org/bert-{task}"), ("revision", "b" * 40)]
    props = "".join(f'<property name="hf_testgen_{n}" value="{v}"/>' for n, v in (*identity, *properties))
    stem = "test_hf_bert" if task == "fill-mask" else f"test_hf_bert_{task.replace('-', '_')}"
    head = f'<testcase classname="out.{stem}" name="{test}[{device}]">'
    return f"{head}<properties>{props}</properties>{outcome}</testcase>"


NO_CUDA = ("device_missing", "CUDA is not available on this machine")
SKIP_CUDA = '<skipped message="CUDA is not available on this machine"/>'
TWO_TASKS = (
    "<testsuite>"
    + _case("test_fill_mask", "cpu", "fill-mask", '<failure message="AssertionError: 3 != 5&#10;assert 3 == 5"/>')
    + _case("test_fill_mask_semantics", "cpu", "fill-mask", '<error message="failed on setup with KeyError"/>')
    + _case("test_fill_mask", "cuda", "fill-mask", SKIP_CUDA, NO_CUDA)
    + _case("test_feature_extraction", "cpu", "feature-extraction")
    + _case("test_feature_extraction", "cuda", "feature-extraction", SKIP_CUDA, NO_CUDA)
    + "</testsuite>"
)


def test_two_tasks_of_one_type_are_two_rows_each_naming_its_model_and_failing_tests():
    matrix = build_matrix(junit_cases(TWO_TASKS, "junit.xml"), [])
    assert [(row.model_type, row.task, row.model) for row in matrix.rows] == [
        ("bert", "feature-extraction", "org/bert-feature-extraction @ bbbbbbbbbbbb"),
        ("bert", "fill-mask", "org/bert-fill-mask @ bbbbbbbbbbbb"),
    ]
    extraction, fill = matrix.rows
    assert extraction.cells["cpu"].status == "pass" and fill.cells["cpu"].status == "fail"
    assert fill.cells["cpu"].failures == [
        ("test_fill_mask", "AssertionError: 3 != 5"),  # the first line of the message
        ("test_fill_mask_semantics", "failed on setup with KeyError"),
    ]
    assert cell_text(fill.cells["cpu"]) == (
        "fail: test_fill_mask: AssertionError: 3 != 5; test_fill_mask_semantics: failed on setup with KeyError"
    )
    assert matrix.totals() == {"pass": 1, "fail": 1, "skip": 2, "none": 0}
    assert sum(matrix.totals().values()) == len(matrix.rows) * len(matrix.devices)


def test_a_missing_device_is_said_once_in_its_column():
    matrix = build_matrix(junit_cases(TWO_TASKS, "junit.xml"), [])
    assert matrix.device_notes == {"cuda": "CUDA is not available on this machine"}
    markdown = render_markdown(matrix)
    assert markdown.count("CUDA is not available") == 1 and markdown.count(f"skip {DEVICE_WIDE_MARK}") == 3
    html = render_html(matrix)
    assert html.count("CUDA is not available") == 1 and html.count('data-device-wide="true"') == 2
    assert "Legend" in html and "\nLegend:\n- pass: at least one test" in markdown


def test_a_skip_for_another_reason_keeps_its_own_text():
    other = TWO_TASKS.replace(SKIP_CUDA, '<skipped message="needs 40 GB of GPU memory"/>', 1)
    matrix = build_matrix(junit_cases(other, "junit.xml"), [])
    fill = next(row for row in matrix.rows if row.task == "fill-mask")
    assert cell_text(fill.cells["cuda"], device_wide=matrix.is_device_wide("cuda", fill.cells["cuda"])) == (
        "skip: needs 40 GB of GPU memory"
    )
    assert render_html(matrix).count("CUDA is not available") == 1  # the other row's skip is still the device's


def test_a_results_line_fills_its_own_row_and_not_its_sibling(tmp_path):
    line = {"model_type": "bert", "task": "feature-extraction", "model_id": "org/bert-feature-extraction",
            "revision": "b" * 40, "device": "cpu", "load_seconds": 0.5, "inference_seconds": 0.01}  # fmt: skip
    results, junit = tmp_path / "results.jsonl", tmp_path / "junit.xml"
    results.write_text(json.dumps(line) + "\n")
    junit.write_text(TWO_TASKS)
    matrix = build_matrix(*read_inputs([junit, results]))
    assert len(matrix.rows) == 2
    extraction, fill = matrix.rows
    assert extraction.cells["cpu"].figures.startswith("load 0.50 s") and fill.cells["cpu"].result is None


def test_a_bad_property_falls_back_to_the_file_name():
    junit = TWO_TASKS.replace('name="hf_testgen_model_type" value="bert"', 'name="hf_testgen_model_type" value="../x"')
    types = {(row.model_type, row.task, row.model_id) for row in build_matrix(junit_cases(junit, "j.xml"), []).rows}
    assert types == {("bert", "feature-extraction", ""), ("bert", "", "")}
