"""Typed records shared by every module: candidates, sizes, selections.

This is a leaf module: it imports nothing from the package. Raw Hub keys (camelCase) are read
in two places only: `ModelCandidate.from_model_info` for Hub answers and
`ModelCandidate.from_dict` for rows of `model_registry.json`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from .ids import is_test_model_id, validate_model_id
from .outside import clamp_to_now
from .record_fields import (
    MAX_SIZE_MB,
    class_names,
    hub_parameters,
    hub_siblings,
    hub_used_storage,
    number,
    parse_datetime,
    sha,
    stored_dtype,
    strings,
    text,
    truth,
    whole,
)

Framework = Literal["pytorch", "tensorflow", "jax", "onnx"]
SizeMethod = Literal[
    "safetensors", "weight_files", "page_files", "used_storage", "param_count", "config_params", "default_config",
    "name", "size_word", "typical",
]  # fmt: skip
# How far a size can be trusted against a hard limit: only "exact" and "upper" bounds may pass one.
SizeBound = Literal["exact", "upper", "estimate"]
# Why selection did not take a candidate: the filter that said no, or "ranked" (it passed, another won).
RejectionKind = Literal["access", "test-model", "task", "framework", "size", "ranked"]
Source = Literal["api", "registry", "size-fallback", "static-default"]
# The dtype a generated test loads the weights in: "auto" is the checkpoint's stored dtype (transformers 5's default).
LoadDtype = Literal["auto", "float32", "bfloat16", "float16"]
Severity = Literal["info", "warning"]

FRAMEWORKS: tuple[str, ...] = get_args(Framework)
SIZE_METHODS: tuple[str, ...] = get_args(SizeMethod)
SOURCES: tuple[str, ...] = get_args(Source)
LOAD_DTYPES: tuple[str, ...] = get_args(LoadDtype)
REJECTION_KINDS: tuple[str, ...] = get_args(RejectionKind)
EXACT_SIZE_METHODS = frozenset({"safetensors", "weight_files"})
# Sizes that cannot be too low: stored Hub page sizes rounded up, the repo's whole storage, a published
# parameter count at the stored dtype's bytes (4 when unknown), the count of the checkpoint's own config.
# A *default* config's count is only an estimate (Intel/dpt-large is 3x the default DPT config).
UPPER_BOUND_SIZE_METHODS = frozenset({"page_files", "used_storage", "param_count", "config_params"})
# How much each bound is trusted: a size is only ever replaced by one of a higher rank.
SIZE_BOUND_RANK: dict[str, int] = {"exact": 2, "upper": 1, "estimate": 0}
_REVISION_RE = re.compile(r"[0-9a-f]{40}")
_MODEL_TYPE_RE = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")


def validate_revision(revision: object) -> str:
    """Return `revision` if it is a full 40-hex commit sha, else raise `ValueError`."""
    if not isinstance(revision, str) or not _REVISION_RE.fullmatch(revision):
        raise ValueError(f"invalid revision {revision!r}: expected a 40-character lowercase hex commit sha")
    return revision


def validate_model_type(model_type: object) -> str:
    """Return `model_type` if it is a plausible transformers model type name, else raise `ValueError`."""
    if not isinstance(model_type, str) or not _MODEL_TYPE_RE.fullmatch(model_type):
        raise ValueError(
            f"invalid model type {model_type!r}: expected lowercase letters, digits, '-' or '_' (e.g. 'bert', 'gpt-j')"
        )
    return model_type


@dataclass(frozen=True)
class SizeEstimate:
    """The size of a checkpoint's weights and how it was known."""

    bytes: int
    method: SizeMethod
    detail: str = ""  # e.g. "F32: 110,106,428 params" or "token '7b'"
    dtype: str | None = None  # the dtype the figure is at ("float32", "bfloat16"...); None: as stored, unknown
    loosened: bool = False  # an exact figure converted by an assumed dtype ratio: only an upper bound

    @property
    def mb(self) -> float:
        return round(self.bytes / 1_000_000, 1)

    @property
    def exact(self) -> bool:
        return self.method in EXACT_SIZE_METHODS

    @property
    def bound(self) -> SizeBound:
        """"exact", "upper" (cannot be too low) or "estimate" (may be too low: never passes a hard limit)."""
        bound = size_bound(self.method)
        return "upper" if self.loosened and bound == "exact" else bound


@dataclass(frozen=True)
class WeightFile:
    """One file of a repository (a `siblings` entry): name and, when the Hub said, size in bytes."""

    name: str
    size: int | None = None


@dataclass(frozen=True)
class ModelCandidate:
    """One Hub checkpoint and the facts selection needs about it."""

    # identity
    model_id: str
    model_type: str | None = None
    sha: str | None = None
    # popularity
    downloads: int = 0
    likes: int = 0
    trending_score: float = 0.0
    last_modified: datetime | None = None
    # capability
    pipeline_tag: str | None = None
    library_name: str | None = None
    tags: tuple[str, ...] = ()
    frameworks: tuple[Framework, ...] = ()
    # model classes the checkpoint is known to hold: config.architectures from the Hub, or for rows
    # mined from transformers' documentation the class its documented example loads it into
    architectures: tuple[str, ...] = ()
    # access
    gated: bool = False
    disabled: bool = False
    private: bool = False
    # size
    parameters: tuple[tuple[str, int], ...] = ()  # safetensors parameter count per dtype
    parameters_total: int | None = None  # the Hub's own "total" (may disagree with the sum)
    siblings: tuple[WeightFile, ...] = ()
    used_storage: int | None = None  # bytes the whole repo stores (usedStorage): an upper bound on the weights
    size: SizeEstimate | None = None
    dtype: str | None = None  # the stored weights' dtype ("float32", "bfloat16"): config.json or the model card
    # provenance: where the facts about this candidate came from (a summary, and the pages read, with dates)
    fact_source: str = ""
    fact_urls: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def size_mb(self) -> float | None:
        return self.size.mb if self.size else None

    @property
    def is_tiny_test_model(self) -> bool:
        return is_test_model_id(self.model_id)

    @classmethod
    def from_model_info(
        cls, info: Any, *, model_type: str | None = None, fact_source: str = "hub-api"
    ) -> ModelCandidate:
        """Build a candidate from a `huggingface_hub.ModelInfo` (list_models or model_info answer)."""
        parameters, total = hub_parameters(info.safetensors)
        siblings = hub_siblings(info.siblings, WeightFile)
        config = {} if info.config is None else info.config
        stored = stored_dtype(parameters)
        fields = {
            "sha": info.sha, "downloads": info.downloads, "likes": info.likes, "trending_score": info.trending_score,
            "pipeline_tag": info.pipeline_tag, "library_name": info.library_name, "tags": info.tags,
        }  # fmt: skip
        architectures = config.get("architectures") if isinstance(config, dict) else None
        return cls(
            model_id=validate_model_id(info.id),
            model_type=model_type or (config.get("model_type") if isinstance(config, dict) else None),
            sha=sha(fields["sha"]),
            downloads=int(number(fields, "downloads", minimum=0, whole=True) or 0),
            likes=int(number(fields, "likes", minimum=0, whole=True) or 0),
            trending_score=float(number(fields, "trending_score") or 0.0),
            last_modified=clamp_to_now(info.last_modified),
            pipeline_tag=text(fields, "pipeline_tag"),
            library_name=text(fields, "library_name"),
            tags=strings(fields, "tags"),
            gated=bool(info.gated),  # None (not asked for), False, "auto" or "manual"
            disabled=bool(info.disabled),
            private=bool(info.private),
            architectures=class_names(architectures),
            parameters=parameters,
            parameters_total=total,
            siblings=siblings,
            used_storage=hub_used_storage(info.used_storage),
            dtype=stored,
            fact_source=fact_source,
        )

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> ModelCandidate:
        """Build a candidate from one row of `model_registry.json` (see docs/registry.md).

        Raises:
            ValueError: a field has the wrong type or an impossible value; the message names it.
        """
        dtype = text(row, "dtype")
        size = _row_size(row, dtype)
        last_modified = text(row, "last_modified")
        frameworks = _frameworks(row)
        return cls(
            model_id=validate_model_id(row.get("id")),
            model_type=text(row, "model_type"),
            sha=sha(row.get("sha")),
            downloads=int(number(row, "downloads", minimum=0, whole=True) or 0),
            likes=int(number(row, "likes", minimum=0, whole=True) or 0),
            trending_score=float(number(row, "trending_score") or 0.0),
            last_modified=parse_datetime(last_modified) if last_modified else None,
            pipeline_tag=text(row, "pipeline_tag"),
            library_name=text(row, "library_name"),
            tags=strings(row, "tags"),
            frameworks=frameworks,
            architectures=class_names(row.get("architectures")),
            gated=truth(row, "gated"),
            disabled=truth(row, "disabled"),
            private=truth(row, "private"),
            parameters_total=whole(number(row, "parameters", minimum=0, whole=True)),
            used_storage=whole(number(row, "used_storage", minimum=0, whole=True)),
            size=size,
            dtype=dtype,
            fact_source=text(row, "source") or "",
            fact_urls=strings(row, "source_urls"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The registry row for this candidate, without empty fields."""
        row: dict[str, Any] = {
            "id": self.model_id,
            "model_type": self.model_type,
            "sha": self.sha,
            "downloads": self.downloads,
            "likes": self.likes,
            "trending_score": self.trending_score,
            "pipeline_tag": self.pipeline_tag,
            "library_name": self.library_name,
            "frameworks": list(self.frameworks),
            "architectures": list(self.architectures),
            "parameters": self.parameters_total or (sum(n for _, n in self.parameters) or None),
            "size_mb": self.size.mb if self.size else None,
            "size_method": self.size.method if self.size else None,
            "size_exact": self.size.exact if self.size else None,
            "size_detail": self.size.detail if self.size and self.size.detail else None,
            "dtype": self.dtype,
            "used_storage": self.used_storage,
            "gated": self.gated,
            "last_modified": self.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ") if self.last_modified else None,
            "source": self.fact_source,
            "source_urls": list(self.fact_urls),
        }
        return {k: v for k, v in row.items() if v is not None and v != []}


@dataclass(frozen=True)
class Rejection:
    """A candidate that selection looked at and did not take, with the one reason why."""

    model_id: str
    reason: str
    kind: RejectionKind = "ranked"  # which filter said no; "ranked": it passed, another won

    def to_dict(self) -> dict[str, str]:
        return {"model_id": self.model_id, "kind": self.kind, "reason": self.reason}


@dataclass(frozen=True)
class Note:
    """Something worth telling the user about a decision: why a level was skipped ("info"), or a
    problem they should fix ("warning": a stale or unusable registry, a skipped bad row).

    Code branches on `severity`, never on the wording of `text`.
    """

    severity: Severity
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "text": self.text}

    def __str__(self) -> str:
        return f"{self.severity}: {self.text}" if self.severity == "warning" else self.text


@dataclass(frozen=True)
class Selection:
    """The answer of the selection chain."""

    model_id: str
    model_type: str
    revision: str | None  # pinned commit sha when known, else None (the file then loads the default branch)
    source: Source
    size: SizeEstimate | None
    task: str | None
    framework: Framework
    rejected: tuple[Rejection, ...] = ()
    notes: tuple[Note, ...] = ()  # why earlier levels were skipped, warnings (e.g. stale registry)
    tiny_model_id: str | None = None
    tiny_revision: str | None = None
    task_evidence: str | None = None  # why the model carries the task's head (fitness.task_fitness)
    size_limit_mb: float | None = None  # the hard limit it was selected under, if any
    size_limit_label: str | None = None  # where that limit came from ("--max-size", "this machine (...)")
    load_dtype: LoadDtype = "auto"  # the dtype the generated test loads the weights in; `size` is at it
    candidate: ModelCandidate | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "model_type": self.model_type,
            "revision": self.revision,
            "source": self.source,
            "size_mb": self.size.mb if self.size else None,
            "size_method": self.size.method if self.size else None,
            "size_exact": self.size.exact if self.size else False,
            "size_bound": self.size.bound if self.size else None,
            "size_detail": self.size.detail if self.size else None,
            "size_dtype": self.size.dtype if self.size else None,
            "load_dtype": self.load_dtype,
            "task": self.task,
            "framework": self.framework,
            "tiny_model_id": self.tiny_model_id,
            "tiny_revision": self.tiny_revision,
            "task_evidence": self.task_evidence,
            "size_limit_mb": self.size_limit_mb,
            "size_limit": self.size_limit_label,
            "rejected": [r.to_dict() for r in self.rejected],
            "notes": [note.to_dict() for note in self.notes],
        }


def _row_size(row: dict[str, Any], dtype: str | None) -> SizeEstimate | None:
    """A registry row's size (`size_mb`, `size_method`, `size_detail`), at the row's stored dtype."""
    size_mb = number(row, "size_mb", minimum=0.0, maximum=MAX_SIZE_MB)
    if size_mb is None:
        return None
    method = text(row, "size_method") or "typical"
    if method not in SIZE_METHODS:
        raise ValueError(f"field 'size_method': {method!r} is not one of {', '.join(SIZE_METHODS)}")
    detail = text(row, "size_detail") or ""
    return SizeEstimate(bytes=int(round(size_mb * 1_000_000)), method=method, detail=detail, dtype=dtype)  # type: ignore[arg-type]


def _frameworks(row: dict[str, Any]) -> tuple[Framework, ...]:
    frameworks = strings(row, "frameworks")
    unknown = [f for f in frameworks if f not in FRAMEWORKS]
    if unknown:
        raise ValueError(f"field 'frameworks': unknown {unknown!r}")
    return frameworks  # type: ignore[return-value]


def size_bound(method: str) -> SizeBound:
    """The bound a size method gives (see `SizeEstimate.bound`)."""
    if method in EXACT_SIZE_METHODS:
        return "exact"
    return "upper" if method in UPPER_BOUND_SIZE_METHODS else "estimate"




@dataclass(frozen=True)
class TinyModel:
    """A model type's tiny random checkpoint (for fast runs of a generated test), and where it was found."""

    model_id: str
    sha: str | None
    source: str
