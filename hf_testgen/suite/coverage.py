"""The coverage matrix of a generated-suite run: model type × device, from junit XML and/or
`HF_TESTGEN_RESULTS` lines (`test_model_lookup_advanced.py --coverage`).

junit XML says what passed, failed or skipped and why; results lines say what a passing run
measured (load and inference seconds, peak memory, semantic and golden verdicts, revision). A
results line alone means the test passed on that device. A cell combines every test case of one
file on one device: failed if any failed, else passed if any passed, else skipped (with the first
reason).

Rendering: Markdown (pull request bodies, job summaries; every value through `markdown_cell`) and
a static HTML page (Jinja with autoescaping; no script, no external resource, opens from disk).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from ..core.errors import ResultsFormatError
from ..core.text import markdown_cell, natural_key, redact_secrets
from ..facts.tasks import all_tasks
from .results import ResultLine, iter_results, read_results_file

Status = Literal["pass", "fail", "skip"]
DEVICE_ORDER = ("cpu", "cuda", "mps")
_FILE_RE = re.compile(r"(?:^|[./\\])test_hf_([A-Za-z0-9_\-]+?)(?:\.py)?$")
DEVICES = frozenset({"cpu", "cuda", "mps"})
_REASON_MAX = 300


@dataclass(frozen=True)
class Case:
    """One junit test case of a generated file."""

    model_type: str
    device: str
    status: Status
    reason: str = ""


@dataclass
class Cell:
    """One model type on one device."""

    status: Status
    reason: str = ""
    result: ResultLine | None = None

    @property
    def figures(self) -> str:
        """"load 1.20 s, inference 0.050 s, 812 MB, semantic skipped, golden match" (what was measured)."""
        line = self.result
        if line is None:
            return ""
        parts = [f"load {line.load_seconds:.2f} s", f"inference {line.inference_seconds:.3f} s"]
        if line.peak_memory_mb is not None:
            parts.append(f"{line.peak_memory_mb:,.0f} MB")
        parts += [f"{name} {value}" for name, value in (("semantic", line.semantic), ("golden", line.golden)) if value]
        return ", ".join(parts)


@dataclass
class Row:
    model_type: str
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def model(self) -> str:
        """"org/model @ 0123456789ab" from the results lines, or "" when only junit was given."""
        line = next((cell.result for cell in self.cells.values() if cell.result is not None), None)
        if line is None:
            return ""
        return f"{line.model_id} @ {line.revision[:12] if line.revision else 'default branch'}"

    @property
    def task(self) -> str:
        return next((c.result.task or "" for c in self.cells.values() if c.result is not None), "")


@dataclass(frozen=True)
class Matrix:
    rows: tuple[Row, ...]
    devices: tuple[str, ...]

    def totals(self) -> dict[Status, int]:
        counts: dict[Status, int] = {"pass": 0, "fail": 0, "skip": 0}
        for row in self.rows:
            for cell in row.cells.values():
                counts[cell.status] += 1
        return counts

    def totals_text(self) -> str:
        return ", ".join(f"{count} {status}" for status, count in self.totals().items())


# --- reading ---------------------------------------------------------------------------------------
def read_inputs(paths: Iterable[Path], *, skipped: list[str] | None = None) -> tuple[list[Case], list[ResultLine]]:
    """junit XML files (they start with "<") and results JSON-lines files, told apart by content.
    With `skipped`, a malformed results line is left out and named there (see `results.iter_results`).

    Raises:
        ResultsFormatError: a file that cannot be read, malformed XML, or (without `skipped`) a
            malformed results line.
    """
    cases: list[Case] = []
    lines: list[ResultLine] = []
    for path in paths:
        text = read_results_file(path)
        if text.lstrip().startswith("<"):
            cases += junit_cases(text, str(path))
        else:
            lines += iter_results(Path(path), skipped=skipped)
    return cases, lines


def junit_cases(text: str, place: str) -> list[Case]:
    """The generated files' test cases of a junit XML report (other tests are ignored)."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as err:
        raise ResultsFormatError(place, f"not junit XML ({err})") from None
    cases = []
    for case in root.iter("testcase"):
        where = _FILE_RE.search(case.get("file") or case.get("classname") or "")
        device = device_of_test_name(case.get("name") or "")
        if where and device:
            status, reason = _outcome(case)
            cases.append(Case(type_of_file_stem(where.group(1)), device, status, reason))
    return cases


def device_of_test_name(name: str) -> str | None:
    """The device of a pytest id ("test_x[cpu]", "test_x[fill-mask-cuda]"): the last '-'-separated
    part of the parameters that names one. Split, not a regex: a backtracking pattern took 31 s on a
    120 KB name; this is linear in it."""
    if not name.endswith("]") or "[" not in name:
        return None
    parts = name[name.index("[") + 1 : -1].split("-")
    return next((part for part in reversed(parts) if part in DEVICES), None)


def type_of_file_stem(stem: str) -> str:
    """The model type part of a generated file's name: "bert_text_classification" (test_hf_<type>_<task>.py,
    a task other than the type's default) -> "bert"; "xlm_roberta" -> "xlm_roberta"."""
    for task in sorted(all_tasks(), key=len, reverse=True):
        suffix = "_" + task.replace("-", "_")
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return stem


def _outcome(case: ElementTree.Element) -> tuple[Status, str]:
    for tag, status in (("failure", "fail"), ("error", "fail"), ("skipped", "skip")):
        found = case.find(tag)
        if found is not None:
            reason = found.get("message") or (found.text or "").strip()
            reason = re.sub(r"^Skipped: ", "", reason.strip().splitlines()[0] if reason.strip() else "")
            return status, redact_secrets(reason[:_REASON_MAX])  # type: ignore[return-value]
    return "pass", ""


# --- the matrix ------------------------------------------------------------------------------------
_RANK: dict[Status, int] = {"fail": 2, "pass": 1, "skip": 0}


def build_matrix(cases: Sequence[Case], lines: Sequence[ResultLine]) -> Matrix:
    """Rows by model type (natural order), devices in cpu, cuda, mps order, then any other."""
    rows: dict[str, Row] = {}
    for case in cases:
        row = rows.setdefault(case.model_type, Row(case.model_type))
        cell = row.cells.get(case.device)
        if cell is None or _RANK[case.status] > _RANK[cell.status]:
            row.cells[case.device] = Cell(case.status, case.reason, cell.result if cell else None)
    for line in lines:
        row = rows.setdefault(line.model_type, Row(line.model_type))
        cell = row.cells.setdefault(line.device, Cell("pass"))
        cell.result = line  # the last line of a device wins (a rerun)
    devices = {device for row in rows.values() for device in row.cells}
    ordered = [d for d in DEVICE_ORDER if d in devices] + sorted(devices - set(DEVICE_ORDER))
    return Matrix(tuple(rows[name] for name in sorted(rows, key=natural_key)), tuple(ordered))


# --- rendering -------------------------------------------------------------------------------------
def cell_text(cell: Cell | None) -> str:
    """One cell as plain text: "pass (load 1.20 s, ...)", "skip: reason", "fail: message", or "-"."""
    if cell is None:
        return "-"
    detail = cell.figures if cell.status == "pass" else cell.reason
    separator = " " if cell.status == "pass" else ": "
    text = f"({detail})" if cell.status == "pass" else detail
    return redact_secrets(f"{cell.status}{separator}{text}" if detail else cell.status)


def render_markdown(matrix: Matrix) -> str:
    """A Markdown table for a pull request body or a job summary."""
    header = ["model type", "task", "model @ revision", *matrix.devices]
    lines = [
        "## Generated suite coverage",
        "",
        f"{len(matrix.rows)} model type(s) x {len(matrix.devices)} device(s): {matrix.totals_text()}",
        "",
        "| " + " | ".join(markdown_cell(name) for name in header) + " |",  # a device name comes from a results line
        "|" + "---|" * len(header),
    ]
    for row in matrix.rows:
        cells = [row.model_type, row.task, row.model, *(cell_text(row.cells.get(d)) for d in matrix.devices)]
        lines.append("| " + " | ".join(markdown_cell(value) if value else " " for value in cells) + " |")
    return "\n".join(lines) + "\n"


@cache
def _html_template():
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("hf_testgen.suite", "templates"),
        autoescape=True,  # every value from a results file is text, never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("coverage.html.j2")


def render_html(matrix: Matrix) -> str:
    """A static page: one table, inline CSS, no script, nothing fetched."""
    return _html_template().render(matrix=matrix, cell_text=cell_text, totals=matrix.totals())
