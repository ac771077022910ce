"""Rendering for the commands: text tables and JSON. Nothing here computes a selection."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from ..core.records import ModelCandidate, Note, Selection
from ..core.text import format_mb, redact_data, terminal_safe


def _print_json(data: Any) -> int:
    """`data` as JSON, every string redacted (notes quote Hub errors); json.dumps escapes control characters."""
    print(json.dumps(redact_data(data), indent=2, sort_keys=False))
    return 0


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, width: int | None = None) -> str:
    """Aligned columns; on a terminal (or with COLUMNS set) the widest columns wrap so each line fits it."""
    cells = [[str(h) for h in headers]] + [["" if v is None else terminal_safe(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    limit = _terminal_width() if width is None else width
    floors = [min(w, max(len(str(h)), 12)) for w, h in zip(widths, headers, strict=True)]
    # the first column (a model id, a task, a level) wraps only when the others cannot make room
    widths = _fit(_fit(widths, [widths[0], *floors[1:]], limit), floors, limit)
    lines: list[str] = []
    for number, row in enumerate(cells):
        lines.extend(_row_lines(row, widths))
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _terminal_width() -> int | None:
    """The terminal's width, or None when stdout is a file or a pipe and COLUMNS is not set (nothing wraps)."""
    if "COLUMNS" not in os.environ and not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def _fit(widths: Sequence[int], floors: Sequence[int], limit: int | None) -> list[int]:
    """Column widths within `limit` characters (two between columns): the column with the most to spare
    narrows first, none below its floor."""
    fitted = list(widths)
    if limit is None:
        return fitted
    excess = sum(fitted) + 2 * (len(fitted) - 1) - limit
    while excess > 0:
        widest = max(range(len(fitted)), key=lambda i: fitted[i] - floors[i])
        if fitted[widest] <= floors[widest]:
            break  # every column at its floor: the line stays too long rather than unreadable
        fitted[widest] -= 1
        excess -= 1
    return fitted


def _row_lines(row: Sequence[str], widths: Sequence[int]) -> list[str]:
    """One table row, as many lines as its tallest wrapped cell."""
    wrapped = [
        textwrap.wrap(value, width) or [""] if len(value) > width else [value]
        for value, width in zip(row, widths, strict=True)
    ]
    height = max(len(cell) for cell in wrapped)
    return [
        "  ".join((cell[k] if k < len(cell) else "").ljust(w) for cell, w in zip(wrapped, widths, strict=True)).rstrip()
        for k in range(height)
    ]


def _size(mb: float | None, method: str | None) -> str:
    """A size with how it was known and its bound (exact, upper bound, estimate)."""
    from ..core.records import size_bound

    return format_mb(mb, method or "?", bound=size_bound(method or "?"))


def print_model_type_tasks(model_type: str, *, as_json: bool) -> int:
    """The tasks one model type can do: the curated ones, then every one transformers maps, with head classes."""
    from ..facts import tasks

    curated = sorted(t for t, types in tasks.TASK_TO_MODEL_TYPES.items() if model_type in types)
    every = tasks.tasks_for_model_type(model_type)
    default = tasks.default_task(model_type)
    heads = {task: tasks.head_class(model_type, task) for task in every}
    if as_json:
        return _print_json(
            {"model_type": model_type, "default_task": default, "curated": curated, "tasks": heads}
        )
    print(f"{model_type}: {len(every)} task(s); default {default}")
    rows = [(task, heads[task] or "-", "curated" if task in curated else "", "default" if task == default else "")
            for task in every]
    print(_table(("task", "head class", "", ""), rows))
    return 0


def print_tasks(*, as_json: bool) -> int:
    from ..facts.tasks import TASK_ALIASES, TASK_TO_MODEL_TYPES, all_tasks, model_types_per_task

    full = model_types_per_task()
    if as_json:
        return _print_json(
            {
                "curated": {t: list(v) for t, v in TASK_TO_MODEL_TYPES.items()},
                "aliases": TASK_ALIASES,
                "all": full,
            }
        )
    rows = [
        (task, ", ".join(TASK_TO_MODEL_TYPES.get(task, ())) or "-", len(full.get(task, ()))) for task in all_tasks()
    ]
    print(_table(("task", "curated model types", "all types (transformers)"), rows))
    print("\naliases: " + ", ".join(f"{a} -> {t}" for a, t in sorted(TASK_ALIASES.items())))
    return 0


def print_hardware_profiles(*, as_json: bool) -> int:
    from ..facts.hardware import HARDWARE_PROFILES

    if as_json:
        return _print_json({n: p.__dict__ for n, p in HARDWARE_PROFILES.items()})
    rows = [(p.name, p.kind, f"{p.max_model_size_mb:,} MB", p.description) for p in HARDWARE_PROFILES.values()]
    print(_table(("profile", "kind", "max model size", "description"), rows))
    return 0


def print_detected_hardware(*, as_json: bool) -> int:
    """This machine, the size limit `--hardware auto` (the default) selects under, and the nearest profile."""
    from ..facts.hardware import detect_hardware, machine_limit, profile_for

    info = detect_hardware()
    limit = machine_limit()
    if as_json:
        return _print_json({**info.to_dict(), "auto_limit_mb": limit.limit_mb, "auto_limit": limit.label})
    print(f"RAM: {info.total_ram_mb:,} MB total, {info.available_ram_mb:,} MB available")
    for gpu in info.gpus:
        print(f"GPU {gpu.index}: {gpu.name}, {gpu.memory_mb:,} MB ({gpu.backend})")
    if not info.gpus:
        print("GPU: none")
    print(f"Apple MPS: {'available' if info.mps else 'no'}")
    for note in info.notes:
        print(f"note: {note}")
    print(f"--hardware auto (the default): models up to {limit.limit_mb:,} MB, from {limit.label}")
    profile = profile_for(info)
    print(f"nearest profile (--hardware {profile.name}): {profile.description}")
    return 0


def print_notes(notes: Sequence[Note], *, explain: bool) -> None:
    """Warnings always go to stderr; the other notes only with --explain."""
    for note in notes:
        if note.severity == "warning":
            print(f"warning: {terminal_safe(note.text)}", file=sys.stderr)
        elif explain:
            print(f"  note: {terminal_safe(note.text)}")


def print_selection(selection: Selection, *, explain: bool) -> None:
    revision = selection.revision[:12] if selection.revision else "default branch (no pinned sha)"
    safe = terminal_safe  # every value may come from the registry or the Hub
    print(safe(f"{selection.model_type} (task {selection.task}, framework {selection.framework})"))
    print(f"  model:    {safe(selection.model_id)}")
    print(f"  revision: {safe(revision)}")
    print(f"  source:   {safe(selection.source)}")
    size = selection.size
    shown = format_mb(size.mb, size.method, bound=size.bound, dtype=size.dtype or "the stored dtype") if size else None
    print(f"  size:     {safe(shown or 'size unknown')}{safe(_bound(selection))}")
    if selection.task_evidence:
        print(f"  fit:      {safe(selection.task_evidence)}")
    if selection.tiny_model_id:
        print(f"  tiny:     {safe(selection.tiny_model_id)}")
    print_notes(selection.notes, explain=explain)
    if explain:
        for rejection in selection.rejected:
            print(f"  rejected: {terminal_safe(rejection.model_id)}: {terminal_safe(rejection.reason)}")
    elif selection.rejected:
        print(f"  rejected: {len(selection.rejected)} candidate(s) (--explain lists them)")


def _bound(selection: Selection) -> str:
    """"; within the 12,638 MB limit of this machine (...)" or "; no size limit": what the size was checked against."""
    if selection.size is None:
        return ""
    if selection.size_limit_mb is None:
        return "; no size limit"
    return f"; within the {selection.size_limit_mb:,.0f} MB limit of {selection.size_limit_label}"


def print_comparison(comparison: Any, *, as_json: bool) -> None:
    if as_json:
        _print_json(
            {
                "model_type": comparison.model_type,
                "task": comparison.task,
                "levels": [a.__dict__ for a in comparison.levels],
                "candidates": [{**c.to_dict(), "status": status} for c, status in comparison.candidates],
                "selection": comparison.selection.to_dict() if comparison.selection else None,
                "failure": comparison.failure,
            }
        )
        return
    print(terminal_safe(f"{comparison.model_type} (task {comparison.task})") + "\n")
    rows = [
        (a.level, a.model_id or "-", _size(a.size_mb, a.size_method) if a.model_id else a.reason)
        for a in comparison.levels
    ]
    print(_table(("level", "answer", "size / why none"), rows))
    print()
    cand_rows = [
        (
            c.model_id,
            _size(c.size_mb, c.size.method if c.size else None),
            f"{c.downloads:,}",
            c.pipeline_tag or "-",
            status,
        )
        for c, status in comparison.candidates
    ]
    print(_table(("candidate", "size", "downloads", "pipeline tag", "status"), cand_rows))
    print()
    if comparison.selection:
        chosen = comparison.selection
        print(f"chain answer: {terminal_safe(chosen.model_id)} (from {terminal_safe(chosen.source)})")
    else:
        print(f"chain answer: none: {terminal_safe(comparison.failure)}")


def print_candidates(model_type: str, task: str | None, candidates: Sequence[ModelCandidate], *, as_json: bool) -> None:
    if as_json:
        _print_json({"model_type": model_type, "task": task, "candidates": [c.to_dict() for c in candidates]})
        return
    rows = [
        (
            c.model_id,
            _size(c.size_mb, c.size.method if c.size else None),
            f"{c.downloads:,}",
            c.likes,
            c.pipeline_tag or "-",
            ",".join(c.frameworks) or "-",
            "gated" if c.gated else "",
        )
        for c in candidates
    ]
    print(terminal_safe(f"{len(candidates)} {model_type} candidate(s) on the Hub" + (f" for {task}" if task else "")))
    print(_table(("model", "size", "downloads", "likes", "pipeline tag", "frameworks", ""), rows))


def print_verdict(verdict: Any, *, as_json: bool) -> None:
    if as_json:
        _print_json(verdict.to_dict())
        return
    if verdict.usable:
        print(
            f"{verdict.model_id}: usable ({', '.join(verdict.frameworks)}; "
            f"{_size(verdict.size_mb, verdict.size_method)}; revision {verdict.sha})"
        )
    else:
        print(f"{verdict.model_id}: not usable: {terminal_safe('; '.join(verdict.problems))}")
