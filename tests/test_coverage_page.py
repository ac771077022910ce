"""The coverage page of a real tiny-suite run, read back as a browser would see it (html.parser, not regex).

Two generated files of one model type, bert fill-mask and bert feature-extraction, load tiny checkpoints
from the local Hub at pinned revisions and run in one pytest subprocess (junit XML and results lines).
The fill-mask repository holds a bare encoder (BertModel, no masked-LM head), so the file's strict
load fails for real on cpu. The page must show two rows (not one merged bert row), each naming its
model and revision from the junit properties the plugin records (the failing row has no results line,
its cuda and mps cells are skips), the failing test with the first line of its message, the missing
devices' reason once in their column's header, and per-status totals that add up to rows x columns.
"""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from hf_testgen.cli.main import lookup_main  # noqa: E402
from hf_testgen.suite.coverage import DEVICE_WIDE_MARK, PROPERTY_PREFIX, build_matrix, read_inputs  # noqa: E402
from hf_testgen.testing import plugin  # noqa: E402

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from generated_runs import generate_file
    from suite_runs import run_suite
    from tiny_models import build_tiny_model
except ImportError:  # tests/ imported as a package
    from tests.generated_runs import generate_file
    from tests.suite_runs import run_suite
    from tests.tiny_models import build_tiny_model

pytestmark = pytest.mark.e2e
NAMESPACE = "hf-testgen-coverage"
TASKS = ("fill-mask", "feature-extraction")


def repo_of(task: str) -> str:
    return f"{NAMESPACE}/bert-{task}"


def revision_of(task: str) -> str:
    return hashlib.sha1(repo_of(task).encode()).hexdigest()


class CoveragePage(HTMLParser):
    """The page read back: rows (their data-* identity and cells), column notes, totals, legend terms."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self.notes: dict[str, str] = {}
        self.totals: dict[str, int] = {}
        self.legend: list[str] = []
        self._open: tuple[str, dict] | None = None  # (what, attributes) of the element whose text is collected
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr" and "data-model-type" in attributes:
            self.rows.append({"identity": attributes, "cells": {}, "texts": []})
        elif tag == "td" and self.rows and "data-device" in attributes and self._open is None:
            self._open, self._text = ("cell", attributes), []
        elif tag == "li" and "data-test" in attributes:
            self.rows[-1]["cells"].setdefault("failing", []).append(attributes["data-test"])
        elif tag == "div" and "data-note" in attributes:
            self._open, self._text = ("note", attributes), []
        elif tag == "span" and "data-count" in attributes:
            self.totals[attributes["data-status"]] = int(attributes["data-count"])
        elif tag == "dt":
            self._open, self._text = ("term", attributes), []

    def handle_data(self, data):
        self._text.append(data)

    def handle_endtag(self, tag):
        if self._open is None or tag != {"cell": "td", "note": "div", "term": "dt"}[self._open[0]]:
            return
        (what, attributes), text = self._open, " ".join("".join(self._text).split())
        if what == "cell":
            self.rows[-1]["cells"][attributes["data-device"]] = (attributes["data-status"], text)
        elif what == "note":
            self.notes[attributes["data-note"]] = text
        else:
            self.legend.append(text)
        self._open = None


def test_plugin_and_page_agree_on_the_property_names():
    assert plugin.PROPERTY_PREFIX == PROPERTY_PREFIX


@pytest.fixture
def suite_run(local_hub, hub_env, tmp_path):
    """Serve the two checkpoints (the fill-mask one without its head), generate both files, run them."""
    bare_encoder = build_tiny_model("bert", tmp_path / "tiny" / "encoder", task="feature-extraction")
    for task in TASKS:  # the fill-mask repo holds the encoder alone: its head weights are missing
        local_hub.publish_checkpoint(repo_of(task), revision_of(task), "bert", task, bare_encoder)
    files = [
        generate_file(tmp_path / "generated", "bert", task, repo_of(task), "--revision", revision_of(task),
                      "--tiny-model", repo_of(task))
        for task in TASKS
    ]  # fmt: skip
    run = run_suite(files, hub_env, tmp_path / "run")
    assert run.returncode == 1, run.output[-6000:]  # the fill-mask file fails, nothing else
    return run


def _page(tmp_path: Path, *inputs: Path) -> CoveragePage:
    html = tmp_path / "coverage.html"
    assert lookup_main(["--coverage", *map(str, inputs), "--html", str(html)]) == 0
    page = CoveragePage()
    page.feed(html.read_text(encoding="utf-8"))
    return page


def test_the_page_of_a_real_run_has_a_row_per_task_naming_models_failures_and_device_notes(suite_run, tmp_path):
    page = _page(tmp_path, suite_run.results, suite_run.junit)
    identities = [(row["identity"]["data-task"], row["identity"]["data-model-id"]) for row in page.rows]
    assert identities == [("feature-extraction", repo_of("feature-extraction")), ("fill-mask", repo_of("fill-mask"))]
    extraction, fill = page.rows
    for row, task in ((extraction, "feature-extraction"), (fill, "fill-mask")):
        assert row["identity"]["data-model-type"] == "bert"
        assert row["identity"]["data-revision"] == revision_of(task)  # the failing row has no results line
    status, text = extraction["cells"]["cpu"]
    assert status == "pass" and "load" in text and "inference" in text, text
    status, text = fill["cells"]["cpu"]
    assert status == "fail" and fill["cells"]["failing"] == ["test_fill_mask"], fill["cells"]
    assert text.startswith("fail test_fill_mask: ") and "BertForMaskedLM" in text and "\n" not in text, text
    missing = [device for device in ("cuda", "mps") if plugin.device_missing(device)]
    for device in missing:  # said once, in the header; each cell only points at it
        assert page.notes[device].startswith(f"{DEVICE_WIDE_MARK} skipped: ") and len(page.notes[device]) > 20
        assert extraction["cells"][device] == fill["cells"][device] == ("skip", f"skip {DEVICE_WIDE_MARK}")
    assert set(page.notes) == set(missing)
    ran = 3 - len(missing)  # cpu, and cuda or mps where this machine has them: the encoder passes, fill-mask fails
    assert page.totals == {"pass": ran, "fail": ran, "skip": 2 * len(missing), "none": 0}
    assert sum(page.totals.values()) == len(page.rows) * 3
    assert page.legend[:3] == ["pass", "fail", "skip"] and "-" in page.legend


def test_the_junit_report_alone_still_names_each_rows_model_and_revision(suite_run, tmp_path):
    page = _page(tmp_path, suite_run.junit)
    shown = {row["identity"]["data-task"]: row["identity"]["data-model-id"] for row in page.rows}
    assert shown == {task: repo_of(task) for task in TASKS}
    matrix = build_matrix(*read_inputs([suite_run.junit]))
    assert sorted(row.model for row in matrix.rows) == sorted(f"{repo_of(t)} @ {revision_of(t)[:12]}" for t in TASKS)
    assert sum(matrix.totals().values()) == len(matrix.rows) * len(matrix.devices) == 6
