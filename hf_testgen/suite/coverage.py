"""The coverage matrix of a generated-suite run: one row per checkpoint under test (model type, task,
model, revision) × device, from junit XML and/or `HF_TESTGEN_RESULTS` lines
(`test_model_lookup_advanced.py --coverage`).

junit XML says what passed, failed or skipped and why; on each generated test case the plugin
records, at setup and so before any skip, the properties that key its row (`hf_testgen_model_type`,
`_task`, `_model_id`, `_revision`) and why its device is missing, if it is (`_device_missing`).
Results lines say what a passing run measured (load and inference seconds, peak memory, verdicts);
a results line alone means the test passed on that device. A cell combines every test case of one
row on one device: failed if any failed (each failing test named), else passed if any passed, else
skipped (first reason). A missing device's reason is said once, in its column's header. Rows of an
older junit file (no properties) are keyed by the file's name, and a results line of the type fills one.

Rendering: Markdown (pull request bodies, job summaries; every value through `markdown_cell`) and
a static HTML page (Jinja with autoescaping; no script, no external resource, opens from disk)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from ..core.errors import ResultsFormatError
from ..core.records import validate_model_type
from ..core.text import markdown_cell, natural_key, redact_secrets
from ..facts.tasks import all_tasks
from .results import ResultLine, iter_results, read_results_file

Status = Literal["pass", "fail", "skip"]
CellStatus = Literal["pass", "fail", "skip", "none"]  # "none": no test case or results line there
DEVICE_ORDER = ("cpu", "cuda", "mps")
_FILE_RE = re.compile(r"(?:^|[./\\])test_hf_([A-Za-z0-9_\-]+?)(?:\.py)?$")
DEVICES = frozenset({"cpu", "cuda", "mps"})
_REASON_MAX = 300
# The junit properties hf_testgen.testing.plugin records on every generated test case.
PROPERTY_PREFIX = "hf_testgen_"
ROW_PROPERTIES = ("model_type", "task", "model_id", "revision")
DEVICE_WIDE_MARK = "\N{DAGGER}"  # a cell skipped for its column's reason (said once, in the header)


@dataclass(frozen=True)
class RowKey:
    """What a row is: one checkpoint of one file ("" where a junit file of an older run does not say)."""

    model_type: str
    task: str = ""
    model_id: str = ""
    revision: str = ""

    @property
    def sort_key(self) -> tuple:
        return tuple(natural_key(part) for part in (self.model_type, self.task, self.model_id, self.revision))


@dataclass(frozen=True)
class Case:
    """One junit test case of a generated file."""

    model_type: str
    device: str
    status: Status
    reason: str = ""
    test: str = ""  # "test_fill_mask" (the device parameter dropped)
    task: str = ""
    model_id: str = ""
    revision: str = ""
    device_missing: str = ""  # the plugin's reason this device is missing here

    @property
    def key(self) -> RowKey:
        return RowKey(self.model_type, self.task, self.model_id, self.revision)


@dataclass
class Cell:
    """One row on one device."""

    status: Status
    reason: str = ""  # the first failure's message, or the first skip's reason
    result: ResultLine | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)  # (test, first line of its message)

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

    def add(self, case: Case) -> None:
        """Fold in another test case of the same row and device (a failure outweighs a pass, a pass a skip)."""
        if case.status == "fail":
            self.failures.append((case.test, case.reason))
        if _RANK[case.status] > _RANK[self.status]:
            self.status, self.reason = case.status, case.reason


@dataclass
class Row:
    model_type: str
    cells: dict[str, Cell] = field(default_factory=dict)
    task: str = ""
    model_id: str = ""
    revision: str = ""

    @property
    def key(self) -> RowKey:
        return RowKey(self.model_type, self.task, self.model_id, self.revision)

    @property
    def model(self) -> str:
        """"org/model @ 0123456789ab", "org/model @ default branch", or "" when nothing named the model."""
        if not self.model_id:
            return ""
        return f"{self.model_id} @ {self.revision[:12] if self.revision else 'default branch'}"


@dataclass(frozen=True)
class Matrix:
    rows: tuple[Row, ...]
    devices: tuple[str, ...]
    # device -> the reason every skip of that column shares because the device is missing here
    device_notes: dict[str, str] = field(default_factory=dict)

    def totals(self) -> dict[CellStatus, int]:
        """Cells per status; they add up to rows x devices ("none": no test case or results line there)."""
        counts: dict[CellStatus, int] = {"pass": 0, "fail": 0, "skip": 0, "none": 0}
        for row in self.rows:
            for device in self.devices:
                cell = row.cells.get(device)
                counts[cell.status if cell else "none"] += 1
        return counts

    def totals_text(self) -> str:
        counts = self.totals()
        text = ", ".join(f"{counts[status]} {status}" for status in ("pass", "fail", "skip"))
        return f"{text}, {counts['none']} without a result"

    def is_device_wide(self, device: str, cell: Cell | None) -> bool:
        """Whether `cell` skipped for its column's device-wide reason (the header says it; the cell is marked)."""
        note = self.device_notes.get(device)
        return bool(note) and cell is not None and cell.status == "skip" and cell.reason == note


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
        name = case.get("name") or ""
        device = device_of_test_name(name)
        if where and device:
            status, reason = _outcome(case)
            identity = {"model_type": type_of_file_stem(where.group(1)), "task": task_of_file_stem(where.group(1))}
            identity.update(_properties(case))
            cases.append(Case(device=device, status=status, reason=reason, test=_test_name(name, device), **identity))
    return cases


def _properties(case: ElementTree.Element) -> dict[str, str]:
    """The plugin's properties of one test case, checked: bounded text without secrets; a model type that is
    not a valid name drops the row's identity (the file's name keys it then)."""
    found: dict[str, str] = {}
    for prop in case.iter("property"):
        name = (prop.get("name") or "").removeprefix(PROPERTY_PREFIX)
        if (prop.get("name") or "").startswith(PROPERTY_PREFIX) and name in (*ROW_PROPERTIES, "device_missing"):
            found.setdefault(name, redact_secrets(" ".join((prop.get("value") or "").split())[:_REASON_MAX]))
    try:
        validate_model_type(found.get("model_type"))
    except ValueError:
        return {"device_missing": found["device_missing"]} if "device_missing" in found else {}
    return found


def _test_name(name: str, device: str) -> str:
    """"test_fill_mask[cpu]" -> "test_fill_mask"; "test_x[a-cuda]" -> "test_x[a]" (the column names the device)."""
    base, _, params = name[:-1].partition("[")
    rest = [part for part in params.split("-") if part != device]
    return f"{base}[{'-'.join(rest)}]" if rest else base


def device_of_test_name(name: str) -> str | None:
    """The device of a pytest id ("test_x[cpu]", "test_x[fill-mask-cuda]"): the last '-'-separated
    part of the parameters that names one. Split, not a regex: a backtracking pattern took 31 s on a
    120 KB name; this is linear in it."""
    if not name.endswith("]") or "[" not in name:
        return None
    parts = name[name.index("[") + 1 : -1].split("-")
    return next((part for part in reversed(parts) if part in DEVICES), None)


def _task_suffix(stem: str) -> str | None:
    for task in sorted(all_tasks(), key=len, reverse=True):
        suffix = "_" + task.replace("-", "_")
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return task
    return None


def type_of_file_stem(stem: str) -> str:
    """The model type part of a generated file's name: "bert_text_classification" (test_hf_<type>_<task>.py,
    a task other than the type's default) -> "bert"; "xlm_roberta" -> "xlm_roberta"."""
    task = _task_suffix(stem)
    return stem[: -len(task) - 1] if task else stem


def task_of_file_stem(stem: str) -> str:
    """The task a generated file's name carries ("bert_text_classification" -> "text-classification"), or ""."""
    return _task_suffix(stem) or ""


def _outcome(case: ElementTree.Element) -> tuple[Status, str]:
    for tag, status in (("failure", "fail"), ("error", "fail"), ("skipped", "skip")):
        found = case.find(tag)
        if found is not None:
            reason = found.get("message") or (found.text or "").strip()
            reason = re.sub(r"^(Skipped|Failed): ", "", reason.strip().splitlines()[0] if reason.strip() else "")
            shown = reason if len(reason) <= _REASON_MAX else reason[: _REASON_MAX - 1] + "\N{HORIZONTAL ELLIPSIS}"
            return status, redact_secrets(shown)  # type: ignore[return-value]
    return "pass", ""


# --- the matrix ------------------------------------------------------------------------------------
_RANK: dict[Status, int] = {"fail": 2, "pass": 1, "skip": 0}


def build_matrix(cases: Sequence[Case], lines: Sequence[ResultLine]) -> Matrix:
    """Rows by (model type, task, model, revision) in natural order; devices in cpu, cuda, mps order, then any other."""
    rows: dict[RowKey, Row] = {}
    for case in cases:
        key = case.key
        row = rows.setdefault(key, Row(key.model_type, task=key.task, model_id=key.model_id, revision=key.revision))
        row.cells.setdefault(case.device, Cell(case.status, case.reason)).add(case)
    unnamed: dict[str, list[RowKey]] = {}  # rows of older junit files (no model named), by type as files spell it
    for key in rows:
        if not key.model_id:
            unnamed.setdefault(_spelled(key.model_type), []).append(key)
    for line in lines:
        row = _row_of_line(rows, unnamed, line)
        row.cells.setdefault(line.device, Cell("pass")).result = line  # the last line of a device wins (a rerun)
    devices = {device for row in rows.values() for device in row.cells}
    ordered = [d for d in DEVICE_ORDER if d in devices] + sorted(devices - set(DEVICE_ORDER))
    table = tuple(sorted(rows.values(), key=lambda row: row.key.sort_key))
    return Matrix(table, tuple(ordered), _device_notes(table, ordered, cases))


def _spelled(model_type: str) -> str:
    """A model type as a file name spells it ("xlm-roberta" -> "xlm_roberta")."""
    return model_type.replace("-", "_").replace(".", "_")


def _row_of_line(rows: dict[RowKey, Row], unnamed: dict[str, list[RowKey]], line: ResultLine) -> Row:
    """The row a results line belongs to: its own, else an `unnamed` row of its type and task (or of no task),
    re-keyed to the line's identity, else a new one."""
    key = RowKey(line.model_type, line.task or "", line.model_id, line.revision or "")
    if key in rows:
        return rows[key]
    candidates = unnamed.get(_spelled(key.model_type), [])
    old = next((old for old in candidates if old.task in ("", key.task)), None)
    if old is not None:
        candidates.remove(old)
    row = rows.pop(old) if old is not None else Row(key.model_type)
    row.model_type, row.task, row.model_id, row.revision = key.model_type, key.task, key.model_id, key.revision
    rows[key] = row
    return row


def _device_notes(rows: Sequence[Row], devices: Sequence[str], cases: Sequence[Case]) -> dict[str, str]:
    """device -> why its tests skipped, when the plugin said the device is missing here (or, for junit files
    without properties, when every cell of a non-cpu column skipped for one reason)."""
    missing: dict[str, str] = {}
    for case in cases:
        if case.device_missing:
            missing.setdefault(case.device, case.device_missing)
    notes = {d: _device_note(d, [row.cells.get(d) for row in rows], missing.get(d)) for d in devices}
    return {device: note for device, note in notes.items() if note}


def _device_note(device: str, cells: list[Cell | None], missing: str | None) -> str | None:
    reasons = {cell.reason for cell in cells if cell is not None and cell.status == "skip"}
    if missing:
        return missing if missing in reasons else None
    every_cell_skipped = all(cell is not None and cell.status == "skip" for cell in cells)
    return reasons.pop() if device != "cpu" and len(reasons) == 1 and every_cell_skipped else None


# --- rendering -------------------------------------------------------------------------------------
def failure_lines(cell: Cell) -> list[str]:
    """"test_fill_mask: AssertionError: ..." for each failing test of a fail cell."""
    return [f"{test}: {message}" if test else message for test, message in cell.failures] or [cell.reason]


def cell_text(cell: Cell | None, *, device_wide: bool = False) -> str:
    """One cell as plain text: "pass (load 1.20 s, ...)", "skip: reason", "skip †" (the column's reason),
    "fail: test_x: message; test_y: message", or "-"."""
    if cell is None:
        return "-"
    if cell.status == "pass":
        return redact_secrets(f"pass ({cell.figures})" if cell.figures else "pass")
    if device_wide:
        return f"skip {DEVICE_WIDE_MARK}"
    detail = "; ".join(failure_lines(cell)) if cell.status == "fail" else cell.reason
    return redact_secrets(f"{cell.status}: {detail}" if detail else cell.status)


def summary_text(matrix: Matrix) -> str:
    """"2 row(s) (1 model type(s)) x 3 device(s) = 6 cell(s): 1 pass, 1 fail, 4 skip, 0 without a result"."""
    rows, devices, types = len(matrix.rows), len(matrix.devices), len({row.model_type for row in matrix.rows})
    totals = matrix.totals_text()
    return f"{rows} row(s) ({types} model type(s)) x {devices} device(s) = {rows * devices} cell(s): {totals}"


LEGEND = (
    ("pass", "at least one test of the row ran on this device and none failed; the figures are what it measured"),
    ("fail", "a test failed or errored: each failing test is named with the first line of its message"),
    ("skip", "every test skipped; the first reason is shown"),
    (f"skip {DEVICE_WIDE_MARK}", "skipped because the device is missing here: the column's header says why, once"),
    ("-", "no test case or results line of this row on this device"),
)


def render_markdown(matrix: Matrix) -> str:
    """A Markdown table for a pull request body or a job summary."""
    header = ["model type", "task", "model @ revision", *matrix.devices]
    lines = [
        "## Generated suite coverage",
        "",
        summary_text(matrix),
        "",
        "| " + " | ".join(markdown_cell(name) for name in header) + " |",  # a device name comes from a results line
        "|" + "---|" * len(header),
    ]
    for row in matrix.rows:
        found = [(device, row.cells.get(device)) for device in matrix.devices]
        texts = [cell_text(cell, device_wide=matrix.is_device_wide(device, cell)) for device, cell in found]
        cells = [row.model_type, row.task, row.model, *texts]
        lines.append("| " + " | ".join(markdown_cell(value) if value else " " for value in cells) + " |")
    mark = DEVICE_WIDE_MARK
    lines += ["", *(f"{mark} {markdown_cell(d)}: skipped: {markdown_cell(n)}" for d, n in matrix.device_notes.items())]
    lines += ["", "Legend:", *(f"- {markdown_cell(mark)}: {text}" for mark, text in LEGEND)]
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
    """A static page: one table, a legend, inline CSS, no script, nothing fetched."""
    return _html_template().render(
        matrix=matrix,
        totals=matrix.totals(),
        summary=summary_text(matrix),
        legend=LEGEND,
        mark=DEVICE_WIDE_MARK,
    )
