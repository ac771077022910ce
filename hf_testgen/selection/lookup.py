"""Every level of the chain answered on its own, side by side, for `test_model_lookup_advanced.py`."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..core.config import Settings
from ..core.errors import LevelSkipped
from ..core.records import ModelCandidate, Note, Selection
from .chain import LEVELS, SelectionRequest, _Chain, make_selection, no_fit_error, prepare_chain, size_step_down


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
            chosen = _step_down_within(chain, first[0]) if first and level is size_step_down else level(chain)
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


def _step_down_within(chain: _Chain, pick: ModelCandidate) -> ModelCandidate:
    """The size-fallback row once an earlier level has picked: a step down never names a model larger
    than the pick (the largest that fits could be bigger than a pick ranked first for other reasons).

    Runs the level under the pick's size as the limit, then restores the chain's limit and rejections,
    so the candidate table shows what the real chain decided.
    """
    saved = chain.constraints, dict(chain.rejected)
    own_limit = chain.constraints.max_size_mb
    weights = chain.constraints.weights(pick)
    cap = max(weights.bytes / 1_000_000, weights.mb)  # the pick itself fits, whichever way it is rounded
    chain.constraints = replace(chain.constraints, max_size_mb=cap if own_limit is None else min(cap, own_limit))
    try:
        return size_step_down(chain)
    finally:
        chain.constraints, chain.rejected = saved
