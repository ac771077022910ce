"""Every level of the chain answered on its own, side by side, for `test_model_lookup_advanced.py`."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.config import Settings
from ..core.errors import LevelSkipped
from ..core.records import ModelCandidate, Note, Selection
from .chain import LEVELS, SelectionRequest, make_selection, no_fit_error, prepare_chain


@dataclass(frozen=True)
class LevelAnswer:
    level: str
    model_id: str | None
    size_mb: float | None
    size_method: str | None
    reason: str  # why this level gave no answer, or "" when it did


@dataclass(frozen=True)
class Comparison:
    model_type: str
    task: str | None
    levels: tuple[LevelAnswer, ...]
    candidates: tuple[tuple[ModelCandidate, str], ...]  # (candidate, "chosen" | "kept" | rejection reason)
    selection: Selection | None
    failure: str | None
    notes: tuple[Note, ...] = ()  # warnings and why levels were skipped, as in `Selection.notes`


def compare_levels(request: SelectionRequest, settings: Settings) -> Comparison:
    """Run every level on one chain, without stopping at the first answer.

    The chain's answer is the first level that gave one, exactly as `select()` would pick.
    """
    chain = prepare_chain(request, settings)
    answers: list[LevelAnswer] = []
    first: tuple[ModelCandidate, str] | None = None
    for name, level in LEVELS:
        try:
            chosen = level(chain)
        except LevelSkipped as skipped:
            chain.notes.append(Note(skipped.severity, str(skipped)))
            answers.append(LevelAnswer(name, None, None, None, str(skipped)))
            continue
        answers.append(
            LevelAnswer(name, chosen.model_id, chosen.size_mb, chosen.size.method if chosen.size else None, "")
        )
        first = first or (chosen, name)
    selection = make_selection(chain, first[0], first[1]) if first else None
    failure = None if first else str(no_fit_error(chain))
    status = {
        c.model_id: chain.rejected[c.model_id][1] if c.model_id in chain.rejected else "kept" for c in chain.seen
    }
    if selection is not None:
        status[selection.model_id] = "chosen"
    seen = {c.model_id: c for c in chain.seen}
    return Comparison(
        model_type=chain.model_type,
        task=chain.task,
        levels=tuple(answers),
        candidates=tuple((candidate, status[mid]) for mid, candidate in seen.items()),
        selection=selection,
        failure=failure,
        notes=tuple(chain.notes),
    )
