"""The generated suite at scale, end to end: the tiny-model files run with `pytest -n 2 --dist
loadfile` against the local Hub; the results lines written by both workers are whole; the
coverage page is generated from that run's junit XML and results lines and parsed back; and the
lines merge into benchmarks.json twice with the same bytes."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("numpy")
pytest.importorskip("PIL")
pytest.importorskip("xdist", reason="pytest-xdist (the test extra) runs the files in parallel")

from hf_testgen.cli.main import lookup_main  # noqa: E402
from hf_testgen.suite.coverage import DEVICE_WIDE_MARK  # noqa: E402
from hf_testgen.suite.merge import merge_results_files  # noqa: E402
from hf_testgen.suite.results import parse_line  # noqa: E402

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from suite_runs import build_and_serve, generate, repo_of, run_suite
except ImportError:  # tests/ imported as a package
    from tests.suite_runs import build_and_serve, generate, repo_of, run_suite

pytestmark = pytest.mark.e2e
# Four files of three families are enough for two workers; the full tiny suite is scripts/benchmark.py's.
MODEL_TYPES = ("bert", "distilbert", "gpt2", "vit")


class CoverageTable(HTMLParser):
    """The coverage page read back: {model type: {device: (status, text)}}."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, tuple[str, str]]] = {}
        self._row: str | None = None
        self._cell: tuple[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr" and "data-model-type" in attributes:
            self._row = attributes["data-model-type"]
            self.rows[self._row] = {}
        elif tag == "td" and self._row and "data-device" in attributes:
            self._cell, self._text = (attributes["data-device"], attributes["data-status"]), []

    def handle_data(self, data):
        self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "td" and self._cell and self._row:
            device, status = self._cell
            self.rows[self._row][device] = (status, " ".join("".join(self._text).split()))
            self._cell = None


def test_the_suite_runs_on_two_workers_and_its_results_make_the_coverage_page(
    local_hub, hub_env, tmp_path, capsys
):
    build_and_serve(local_hub, tmp_path / "tiny", MODEL_TYPES)
    files = generate(tmp_path / "generated", MODEL_TYPES)
    run = run_suite(files, hub_env, tmp_path / "run", workers=2)
    assert run.returncode == 0, run.output[-6000:]
    assert "bringing up nodes" in run.output, run.output[-2000:]  # xdist started its workers

    # Whole lines only: every line parses, and each file's cpu test wrote exactly one.
    text = run.results.read_text(encoding="utf-8")
    assert text.endswith("\n")
    lines = [parse_line(line, f"results.jsonl:{n}") for n, line in enumerate(text.splitlines(), 1)]
    cpu_lines = sorted(line.model_type for line in lines if line.device == "cpu")
    assert cpu_lines == sorted(MODEL_TYPES)

    html, markdown = tmp_path / "coverage.html", tmp_path / "coverage.md"
    argv = ["--coverage", str(run.results), str(run.junit), "--html", str(html), "--markdown", str(markdown)]
    assert lookup_main(argv) == 0
    page = CoverageTable()
    page.feed(html.read_text(encoding="utf-8"))
    assert set(page.rows) == set(MODEL_TYPES)
    for model_type, cells in page.rows.items():
        status, cpu_text = cells["cpu"]
        assert status == "pass" and "load" in cpu_text and "inference" in cpu_text, (model_type, cells)
        assert cells["cuda"] == ("skip", f"skip {DEVICE_WIDE_MARK}"), cells  # the reason is in the column's header
    table_rows = [row for row in markdown.read_text().splitlines() if row.startswith("| ") and "---" not in row]
    assert len(table_rows) == 1 + len(MODEL_TYPES)
    assert f"{len(MODEL_TYPES)} model type(s)" in capsys.readouterr().out

    bench = tmp_path / "benchmarks.json"
    merge_results_files(bench, [run.results])
    first = bench.read_bytes()
    merge_results_files(bench, [run.results])
    assert bench.read_bytes() == first
    assert set(json.loads(first)["measured"]) == {repo_of(model_type) for model_type in MODEL_TYPES}
