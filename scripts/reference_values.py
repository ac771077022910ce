"""The values the reference miner's evaluator knows (a model, a tokenizer call, a forward pass, a literal
tensor...), its literal helpers and the patterns it recognises (scripts/mine_reference_outputs.py)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

ENCODING_FIELDS = (
    "input_ids", "attention_mask", "pixel_values", "pixel_mask", "token_type_ids", "input_features", "input_values",
)
# transformers' prepare_img() opens this fixture; the package ships the same file (testing/data/SOURCES.md)
COCO_FIXTURE = "./tests/fixtures/tests_samples/COCO/000000039769.png"
SHIPPED_IMAGES = {COCO_FIXTURE: "coco_cats.png"}
SAFE_LOAD_KWARGS = ("attn_implementation", "revision")
BUILT_PROCESSOR_RE = re.compile(r"\w+(ImageProcessor|ImageProcessorPil|FeatureExtractor)")  # built, not loaded
PIPELINE_OPTIONS = ("top_k", "aggregation_strategy", "num_beams", "max_new_tokens", "do_sample", "max_length")
FLOAT32_WORDS = ("float32", "torch.float32", "float", "torch.float")
MAX_VALUES = 4096  # a kept expected tensor holds at most this many numbers
# torch.testing.assert_close's float32 defaults; torch.allclose's defaults
ASSERT_CLOSE_DEFAULT = {"rtol": 1.3e-6, "atol": 1e-5}
ALLCLOSE_DEFAULT = {"rtol": 1e-5, "atol": 1e-8}
DEVICE_KEYS = {"cpu": ("cpu",), "cuda": ("cuda",)}


DEVICE_ARGUMENTS = ("torch_device", "model.device", "self.device", "device", "torch.float32")
Property = tuple[ast.AST, dict[str, Any]]  # self.<name>: its expression and the setUp locals it may use


class Unknown(Exception):
    """The evaluator cannot follow this expression faithfully."""


# --- values the evaluator knows -------------------------------------------------------------------
@dataclass(frozen=True)
class Model:
    checkpoint: str
    cls: str
    load: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Preprocessor:
    """A tokenizer, image processor or processor loaded from a checkpoint."""

    checkpoint: str | None  # None: built from its class's defaults and `init` (SegformerImageProcessorPil(...))
    # `init`: the constructor's arguments (checkpoint None), else from_pretrained's options (use_fast=False)
    cls: str
    init: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Image:
    """A photo the package ships (the one transformers' ``prepare_img()`` opens)."""

    name: str


@dataclass(frozen=True)
class Tensor:
    values: Any
    dtype: str  # "long", "float", "bool"


@dataclass(frozen=True)
class Encoding:
    """preprocessor(*args, **kwargs): ``field`` None for the whole encoding, else one of its tensors."""

    preprocessor: Preprocessor
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]
    field: str | None = None


@dataclass(frozen=True)
class Forward:
    model: Model
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]
    output: tuple[Any, ...] = ()  # [0] / "logits" steps, then an index
    index: Any = None
    reduce: tuple[Any, ...] = ()  # after the index: ("argmax", 2) = torch.argmax(x, dim=2), ("mean", -1)


@dataclass(frozen=True)
class Generate:
    model: Model
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]
    row: int | None = None  # out[0]
    tolist: bool = False


@dataclass(frozen=True)
class Decoded:
    generate: Generate
    batch: bool
    skip_special_tokens: bool


@dataclass(frozen=True)
class Pipeline:
    """pipeline(task="...", model="<hub id>"), called on literal inputs; `simplified`: nested_simplify's decimals."""

    checkpoint: str
    task: str
    init: tuple[tuple[str, Any], ...] = ()  # literal pipeline options: top_k, aggregation_strategy, num_beams...
    args: tuple[Any, ...] | None = None
    kwargs: tuple[tuple[str, Any], ...] = ()
    decimals: int | None = None


@dataclass(frozen=True)
class Full:
    """torch.ones(size=(1, 10, 2048)) * 0.5: a tensor of one value, kept by its shape (too big to list)."""

    shape: tuple[int, ...]
    fill: float | int
    dtype: str


@dataclass(frozen=True)
class Inputs:
    """A literal dict of model inputs (``{"input_ids": torch.tensor(...)}``), spread with ``**``."""

    items: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class NotEqual:
    """``input_ids.ne(x)`` (an attention mask): ``x`` a literal or ``("config", name)`` of the model's config."""

    tensor: Any
    other: Any


@dataclass(frozen=True)
class Expected:
    per_device: tuple[tuple[str, Any], ...]  # ("default" | "cpu" | "cuda", values)


@dataclass
class Scope:
    names: dict[str, Any] = field(default_factory=dict)
    tainted: set[str] = field(default_factory=set)


# --- literals ------------------------------------------------------------------------------------
def literal(node: ast.AST, consts: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name) and node.id in consts:
        return consts[node.id]
    if isinstance(node, ast.Attribute) and node.attr in ("float32", "long", "int64", "bool", "float16", "bfloat16"):
        return f"torch.{node.attr}"
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise Unknown(ast.unparse(node)[:80]) from None


def numbers(values: Any) -> int:
    if isinstance(values, (list, tuple)):
        return sum(numbers(v) for v in values)
    if isinstance(values, bool) or not isinstance(values, (int, float)):
        raise Unknown(f"not a number: {values!r}")
    return 1


def index_of(node: ast.AST) -> list[Any]:
    """A literal index as JSON: ints, null (None), "..." and [start, stop, step] slices."""
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    out: list[Any] = []
    for item in items:
        if isinstance(item, ast.Slice):
            out.append([None if part is None else _int(part) for part in (item.lower, item.upper, item.step)])
        elif isinstance(item, ast.Constant) and item.value is Ellipsis:
            out.append("...")
        elif isinstance(item, ast.Constant) and item.value is None:
            out.append(None)
        else:
            out.append(_int(item))
    return out


def _int(node: ast.AST) -> int:
    value = ast.literal_eval(node) if isinstance(node, (ast.Constant, ast.UnaryOp)) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise Unknown(f"index {ast.unparse(node)}")
    return value


# --- the evaluator ---------------------------------------------------------------------------------


def args_are(node: ast.Call, *values: Any) -> bool:
    try:
        return not node.keywords and [ast.literal_eval(arg) for arg in node.args] == list(values)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def has_call(node: ast.AST) -> bool:
    return any(isinstance(child, ast.Call) for child in ast.walk(node))


def has_float(values: Any) -> bool:
    if isinstance(values, (list, tuple)):
        return any(has_float(v) for v in values)
    return isinstance(values, float)


def flat(values: Any) -> list[Any]:
    if isinstance(values, (list, tuple)):
        return [item for value in values for item in flat(value)]
    return [values]
