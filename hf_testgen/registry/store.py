"""`model_registry.json`: the cached candidates per model type that keep selection working offline.

Schema (version 1, documented in docs/registry.md)::

    {"schema_version": 1, "updated": "2026-11-27T00:00:00Z", "generated_by": "...",
     "model_types": {"bert": {"updated": "...", "refreshed_from": "...", "default": "<id>",
                              "tiny": {"id": "...", "sha": "...", "source": "..."} | null,
                              "candidates": [<ModelCandidate.to_dict() row>, ...]}}}

Reading never rewrites the file, and reads only a regular file of bounded size
(`files.read_data_file`). A corrupt or invalid file raises `RegistryError` naming the
file and the problem; selection turns that into one warning and falls through. Saves are atomic.
"""

from __future__ import annotations

import fnmatch
import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..core.errors import RegistryError
from ..core.files import DataFileError, atomic_write_text, read_data_file
from ..core.outside import OutsideValueError, collapse, in_future, loads
from ..core.records import ModelCandidate, Note, TinyModel, validate_model_id, validate_revision
from ..core.text import natural_key, terminal_safe
from .merge import merge_candidates

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class RegistryEntry:
    """One model type's cached facts; `candidates` are in rank order, the first is the default."""

    model_type: str
    candidates: tuple[ModelCandidate, ...]
    tiny: TinyModel | None
    updated: datetime | None
    refreshed_from: str
    notes: tuple[Note, ...] = ()  # one warning per row that was skipped, naming model and field


class Registry:
    """A validated registry file. Each model type's rows become records on first use (a
    selection reads one type; parsing all of them would dominate a command's run time)."""

    def __init__(self, path: Path, updated: datetime, raw: dict[str, Any], notes: tuple[Note, ...] = ()) -> None:
        self.path = path
        self.updated = updated
        self.raw = raw
        self.notes = notes  # about the whole file (duplicate keys): added to every entry's notes
        self._entries: dict[str, RegistryEntry] = {}

    @property
    def model_types(self) -> frozenset[str]:
        return frozenset(self.raw["model_types"])

    def entry(self, model_type: str) -> RegistryEntry | None:
        """The parsed entry of a model type, or None when the registry has none.

        Raises:
            RegistryError: the entry does not follow the schema.
        """
        if model_type not in self._entries:
            value = self.raw["model_types"].get(model_type)
            if value is None:
                return None
            self._entries[model_type] = _parse_entry(model_type, value, self.path, self.notes)
        return self._entries[model_type]

    def candidates(self, model_type: str) -> tuple[ModelCandidate, ...]:
        entry = self.entry(model_type)
        return entry.candidates if entry else ()

    def validate_all(self) -> None:
        """Parse every entry (used before saving and by --verify-registry)."""
        for model_type in self.raw["model_types"]:
            self.entry(model_type)

    def list_model_types(self, filter: str = "*", exclude: str | None = None) -> list[str]:
        """Model types matching the `fnmatch` pattern, naturally sorted."""
        names = [n for n in self.raw["model_types"] if fnmatch.fnmatch(n, filter)]
        if exclude:
            names = [n for n in names if not fnmatch.fnmatch(n, exclude)]
        return sorted(names, key=natural_key)

    def age_days(self, now: datetime | None = None) -> float:
        """Days since `updated`; infinite for a date in the future (a forged or broken date is never fresh)."""
        now = now or datetime.now(timezone.utc)
        return math.inf if in_future(self.updated, now) else max(0.0, (now - self.updated).total_seconds() / 86_400)

    def age_text(self, now: datetime | None = None) -> str:
        """ "12 days old", or what is wrong with a date in the future."""
        age = self.age_days(now)
        return f"dated in the future ({format_timestamp(self.updated)})" if age == math.inf else f"{age:.0f} days old"


def load_registry(path: Path) -> Registry:
    """Read and validate a registry file.

    Raises:
        RegistryError: the file is missing, not JSON, or does not follow the schema.
    """
    try:
        raw, duplicates = loads(read_data_file(Path(path)).removeprefix("\ufeff"))
    except FileNotFoundError:
        raise RegistryError(path, "file not found") from None
    except (DataFileError, OutsideValueError) as err:
        raise RegistryError(path, str(err)) from None
    registry = parse_registry(raw, Path(path))
    registry.notes = tuple(Note("warning", text) for text in duplicate_key_warnings(path, duplicates))
    return registry


def duplicate_key_warnings(path: object, duplicates: list[str]) -> list[str]:
    """One warning per duplicated key (collapsed past a few): the first value was kept."""
    texts = [f"{path}: key {_shown_id(key)!s} appears twice in one object (duplicate key); the first is kept"
             for key in duplicates]  # fmt: skip
    return collapse(texts, what="more duplicate keys")


def parse_registry(raw: Any, path: Path) -> Registry:
    """Check the top-level shape of a registry; entries are checked when first read."""
    if not isinstance(raw, dict):
        raise RegistryError(path, "top level is not a JSON object")
    if type(raw.get("schema_version")) is not int or raw.get("schema_version") != SCHEMA_VERSION:  # true == 1
        raise RegistryError(path, f"schema_version is {raw.get('schema_version')!r}, expected {SCHEMA_VERSION}")
    updated = _parse_date(raw.get("updated"), path, "updated")
    types = raw.get("model_types")
    if not isinstance(types, dict) or not all(isinstance(v, dict) for v in types.values()):
        raise RegistryError(path, "'model_types' is missing or not an object of objects")
    return Registry(path=path, updated=updated, raw=raw)


def _parse_entry(model_type: str, value: Any, path: Path, file_notes: tuple[Note, ...] = ()) -> RegistryEntry:
    where = f"model_types.{model_type}"
    if not isinstance(value, dict) or not isinstance(value.get("candidates"), list):
        raise RegistryError(path, f"{where}: expected an object with a 'candidates' list")
    candidates: list[ModelCandidate] = []
    problems: list[str] = []
    seen: set[str] = set()  # Hub ids are case-insensitive: "Org/Model" and "org/model" are one repo
    for index, row in enumerate(value["candidates"]):
        place = f"{path}: {where}.candidates[{index}]"
        if not isinstance(row, dict):
            problems.append(f"{place}: not an object; row skipped")
            continue
        try:
            candidate = ModelCandidate.from_dict({"model_type": model_type, **row})
        except (ValueError, TypeError, OverflowError) as err:
            problems.append(f"{place} ({_shown_id(row.get('id'))}): {err}; row skipped")
            continue
        if candidate.model_id.lower() in seen:
            problems.append(f"{place} ({candidate.model_id}): listed twice; the first row is kept")
            continue
        seen.add(candidate.model_id.lower())
        candidates.append(candidate)
    notes = [*file_notes, *(Note("warning", text) for text in collapse(problems, what="more rows like these"))]
    tiny = _tiny(value.get("tiny"), f"{path}: {where}.tiny", notes)
    return RegistryEntry(
        model_type=model_type,
        candidates=tuple(candidates),
        tiny=tiny,
        updated=_parse_date(value["updated"], path, f"{where}.updated") if value.get("updated") else None,
        refreshed_from=str(value.get("refreshed_from", "")),
        notes=tuple(notes),
    )


def _tiny(value: Any, place: str, notes: list[Note]) -> TinyModel | None:
    """The entry's tiny test checkpoint; a malformed one is a note and no tiny model."""
    if value is None:
        return None
    try:
        if not isinstance(value, dict):
            raise ValueError("expected null or an object with an 'id'")
        sha = value.get("sha")
        return TinyModel(
            validate_model_id(value.get("id")),
            None if sha is None else validate_revision(sha),
            str(value.get("source", "")),
        )
    except ValueError as err:
        notes.append(Note("warning", f"{place}: {err}; ignored"))
        return None


def _shown_id(value: object) -> str:
    """A row's id for a note: bounded and printable, whatever the file holds."""
    text = repr(value) if not isinstance(value, str) else value
    return terminal_safe(text if len(text) <= 100 else text[:97] + "...")


def _parse_date(value: Any, path: Path, field: str) -> datetime:
    if not isinstance(value, str):
        raise RegistryError(path, f"'{field}' is missing or not a date string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise RegistryError(path, f"'{field}' is not an ISO date: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def dump_registry_json(raw: dict[str, Any]) -> str:
    """The canonical text of a registry: same data → byte-identical file."""
    return json.dumps(raw, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def save_registry(raw: dict[str, Any], path: Path) -> None:
    """Validate every entry, then atomically write a registry."""
    parse_registry(raw, Path(path)).validate_all()
    atomic_write_text(Path(path), dump_registry_json(raw))


# --- merge of a refresh (find_models.py --update-registry) ----------------------------------

REFRESHED_BY = "find_models.py --update-registry"
# What an entry says about the Hub; `updated` and `refreshed_from` only say when and whence.
ENTRY_CONTENT_KEYS = ("default", "tiny", "candidates")


@dataclass(frozen=True)
class TypeRefresh:
    """What a refresh learnt about one model type.

    `candidates` are in rank order and the first is the default; `tiny` is a test checkpoint the
    refresh saw (used only when the entry has none); `listed` every id the Hub listed, ranked out
    ones included (None: only `candidates`); `gone` ids model_info answered 404 for.
    """

    model_type: str
    candidates: tuple[ModelCandidate, ...]
    tiny: TinyModel | None = None
    listed: frozenset[str] | None = None
    gone: frozenset[str] = frozenset()


def format_timestamp(moment: datetime) -> str:
    """The registry's time format: UTC, whole seconds, `Z` suffix."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def empty_registry(updated: datetime) -> dict[str, Any]:
    """The raw form of a registry with no model types (a refresh into a new file starts here)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "updated": format_timestamp(updated),
        "generated_by": REFRESHED_BY,
        "model_types": {},
    }


def refreshed_entry(
    old: dict[str, Any] | None, fresh: TypeRefresh, *, updated: str, source: str
) -> dict[str, Any]:
    """The raw entry of `fresh.model_type` after a refresh; `old` itself when its content is unchanged.

    `updated` and `refreshed_from` are stamped only when the content (default, tiny, candidate
    rows) changes: stamping them on every run would make a rerun on unchanged Hub data rewrite
    the file. So they mean "when and from where the content last changed". Keys of `old` this
    version does not know are kept. The old tiny checkpoint is kept (its pinned commit is known
    to load); the refresh's one fills an entry that had none. Candidates are merged, never
    replaced (`refresh_merge.merge_candidates`): an old one the Hub did not list is kept, marked
    unseen, until it has been missing from `MAX_UNSEEN_REFRESHES` refreshes or is known gone.

    Raises:
        ValueError: `fresh` has no candidates (an empty answer must not wipe an entry).
    """
    if not fresh.candidates:
        raise ValueError(f"refusing to merge an empty refresh of {fresh.model_type!r}")
    tiny = (old or {}).get("tiny")
    if tiny is None and fresh.tiny is not None:
        tiny = {"id": fresh.tiny.model_id, "sha": fresh.tiny.sha, "source": fresh.tiny.source}
        tiny = {key: value for key, value in tiny.items() if value is not None}
    old_rows = (old or {}).get("candidates")
    rows, _ = merge_candidates(
        old_rows if isinstance(old_rows, list) else [],
        [candidate.to_dict() for candidate in fresh.candidates],
        listed=fresh.listed,
        gone=fresh.gone,
        today=updated,
    )
    content = {"default": fresh.candidates[0].model_id, "tiny": tiny, "candidates": rows}
    if old is not None and all(old.get(key) == content[key] for key in ENTRY_CONTENT_KEYS):
        return old
    return {**(old or {}), **content, "updated": updated, "refreshed_from": source}


def merge_refresh(
    raw: dict[str, Any], refreshed: list[TypeRefresh], *, now: datetime, source: str
) -> tuple[dict[str, Any], list[str]]:
    """Merge the fresh entries of a refresh into a registry's raw form, never replacing it wholesale.

    Types that were not refreshed, or whose refresh failed (absent from `refreshed`), keep their
    entries as they are. The top-level `updated` and `generated_by` change only when an entry did.

    Args:
        raw: the registry as read (not modified).
        refreshed: the types that were refreshed successfully.
        now: the time of the refresh.
        source: where the facts came from (the Hub endpoint).

    Returns:
        (the merged registry, the model types whose entry changed); the merged registry is `raw`
        itself when nothing changed, so the caller writes nothing.
    """
    updated = format_timestamp(now)
    types = dict(raw["model_types"])
    changed: list[str] = []
    for fresh in refreshed:
        old = types.get(fresh.model_type)
        entry = refreshed_entry(old, fresh, updated=updated, source=source)
        if entry is not old:
            types[fresh.model_type] = entry
            changed.append(fresh.model_type)
    if not changed:
        return raw, []
    return {**raw, "updated": updated, "generated_by": REFRESHED_BY, "model_types": types}, changed
