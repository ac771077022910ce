"""Mine ``hf_testgen/data/reference_outputs.json``: the inputs and expected values of transformers' own model
integration tests, for the generated test of the same checkpoint to replay (``test_reference_output``).

transformers' slow integration tests state, for a pinned Hub checkpoint, a fixed input and what the model returns::

    model = BertModel.from_pretrained("google-bert/bert-base-uncased")
    input_ids = torch.tensor([[0, 345, 232, 328, 740, 140, 1695, 69, 6078, 1588, 2]])
    attention_mask = torch.tensor([[0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]])
    output = model(input_ids, attention_mask=attention_mask)[0]
    expected_slice = torch.tensor([[[0.4249, 0.1008, 0.7531], ...]])
    torch.testing.assert_close(output[:, 1:4, 1:4], expected_slice, rtol=1e-4, atol=1e-4)

Only what can be replayed faithfully and generically is kept, by reading each test method's statements in order
with a small evaluator over ``ast`` (nothing from transformers is imported or run):

- the model is ``SomeClass.from_pretrained("<hub id>")`` (a literal, a module constant or a ``self.<property>``
  returning that call) in float32: a ``dtype`` / ``torch_dtype`` other than float32, quantisation or any other
  loading argument except ``attn_implementation`` and ``revision`` drops the case;
- the inputs are literal tensors (``torch.tensor([[...]])``) or the checkpoint's own tokenizer called on literal
  text (``tokenizer("...", return_tensors="pt")``, its ``.input_ids`` or ``**inputs``), passed positionally or by
  keyword along with literal keyword arguments (``output_hidden_states=True``);
- the output read is ``[i]``, ``.name`` or ``["name"]`` of the forward call, then a literal index (``[:, 1:4, 1:4]``);
- the comparison is ``torch.testing.assert_close`` or ``torch.allclose`` (in ``assert`` / ``assertTrue``) against
  a literal tensor, or an ``Expectations({...})`` of literal tensors (the default entry and the ``cpu`` / ``cuda``
  ones are kept per device kind); its ``rtol`` / ``atol`` are kept (the functions' own defaults when omitted);
- greedy generation: ``model.generate(<inputs>, max_new_tokens=N, do_sample=False)`` (or ``max_length``) compared
  with literal token ids (``.tolist()`` / ``assertListEqual``) or with literal decoded text
  (``tokenizer.decode(out[0], skip_special_tokens=True)`` / ``batch_decode``).

Any statement that changes the model (an attribute set, a method call other than ``eval`` / ``to``), a seed, a
loop or a helper call the evaluator cannot follow makes the names it touches unknown, and a comparison that needs an
unknown name is not kept. Every case names the test (``path::Class::method``) and the transformers commit.

Legacy ids without a namespace (``distilbert-base-uncased``) are also keyed under the namespaced id the registry
knows for the same name (the Hub redirects the old id there), recorded as ``alias_of``.

Source: a git directory of huggingface/transformers (or a fork whose ``main`` mirrors it); files are read with
``git show`` at one commit. Rerun (deterministic: sorted keys, indent=1)::

    python scripts/mine_reference_outputs.py --git-dir /work/.mirror/zucchini-nlp+transformers/repo --rev main \\
        --read-from zucchini-nlp/transformers
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from hf_testgen.files import atomic_write_text  # noqa: E402

DEFAULT_OUTPUT = ROOT / "hf_testgen" / "data" / "reference_outputs.json"
REGISTRY = ROOT / "model_registry.json"
TEST_FILE_RE = re.compile(r"tests/models/([^/]+)/test_modeling_(?!tf_|flax_)[^/]+\.py")
PIPELINE_FILE_RE = re.compile(r"tests/pipelines/test_pipelines_\w+\.py")
HUB_ID_RE = re.compile(r"[A-Za-z0-9][\w.\-]{0,95}(/[\w.\-]{1,96})?")
FIXTURE_WORDS = ("random", "dummy", "hf-internal-testing/")
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
class Evaluator:
    def __init__(
        self,
        consts: dict[str, Any],
        properties: dict[str, Property],
        images: dict[str, str],
        functions: dict[str, ast.FunctionDef] | None = None,
    ) -> None:
        self.consts = consts
        self.properties = properties  # self.<name> -> the expression its property returns
        self.images = images  # module function -> the shipped photo it opens
        self.functions = functions or {}  # module function whose body is one `return` (`_long_tensor(x)`)
        self.methods: dict[str, ast.FunctionDef] = {}  # self.<name>(): assignments then one `return`

    def value(self, node: ast.AST, scope: Scope) -> Any:
        node = self._strip_device_calls(node)
        if isinstance(node, ast.Name):
            if node.id in scope.tainted or node.id not in scope.names:
                if node.id in self.consts and node.id not in scope.tainted:
                    return self.consts[node.id]
                raise Unknown(node.id)
            return scope.names[node.id]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            if node.attr in self.properties and node.attr not in scope.tainted:
                expression, local_names = self.properties[node.attr]
                return self.value(expression, Scope(dict(local_names)))
            raise Unknown(f"self.{node.attr}")
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):  # [input_ids]: elements may be names
            return [self.value(element, scope) for element in node.elts]
        if isinstance(node, ast.Dict) and not _has_call(node):  # a literal dict (a pipeline's expected output)
            return literal(node, self.consts)
        if isinstance(node, ast.Dict):  # {"input_ids": torch.tensor(...)}: inputs spread into the call
            if not all(isinstance(key, ast.Constant) and isinstance(key.value, str) for key in node.keys):
                raise Unknown("dict")
            pairs = zip(node.keys, node.values, strict=True)
            items = tuple((key.value, self.input_value(value, scope)) for key, value in pairs)
            return Inputs(items)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = self.value(node.operand, scope)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return -value
            raise Unknown("negation")
        if isinstance(node, ast.JoinedStr):
            raise Unknown("f-string")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            left, right = self.value(node.left, scope), self.value(node.right, scope)
            full, scale = (left, right) if isinstance(left, Full) else (right, left)
            if isinstance(full, Full) and type(scale) in (int, float):
                return Full(full.shape, full.fill * scale, "float" if type(scale) is float else full.dtype)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add)):
            return self.list_arithmetic(node, scope)
        if (
            isinstance(node, ast.IfExp)
            and isinstance(node.test, ast.Call)
            and re.fullmatch(r"is_\w+_available", ast.unparse(node.test.func))
        ):
            return self.value(node.body, scope)  # `X if is_vision_available() else None`: the tests run with it
        if isinstance(node, ast.IfExp) and re.fullmatch(r"IS_\w*(ROCM|XPU|NPU)\w*", ast.unparse(node.test)):
            return self.value(node.orelse, scope)  # `1e-3 if IS_ROCM_SYSTEM else 1e-4`: CPU and CUDA take the else
        if isinstance(node, ast.Call):
            return self.call(node, scope)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.value(node.value, scope), node.attr)
        if isinstance(node, ast.Subscript):
            return self.subscript(self.value(node.value, scope), node.slice)
        raise Unknown(type(node).__name__)

    @staticmethod
    def _strip_device_calls(node: ast.AST) -> ast.AST:
        """x.to(torch_device), x.cpu(), .eval(), .detach(), .float() on a float32 value: the same value."""
        while (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("to", "cpu", "eval", "detach", "float")
            and not node.keywords
            and (
                node.func.attr != "to"
                or len(node.args) == 1
                and isinstance(node.args[0], (ast.Name, ast.Attribute))
                and (ast.unparse(node.args[0]) in DEVICE_ARGUMENTS or ast.unparse(node.args[0]).endswith(".device"))
            )
            and (node.func.attr == "to" or not node.args)
        ):
            node = node.func.value
        return node

    def call(self, node: ast.Call, scope: Scope) -> Any:
        func = node.func
        name = ast.unparse(func)
        if isinstance(func, ast.Attribute) and func.attr == "from_pretrained":
            return self.from_pretrained(ast.unparse(func.value), node, scope)
        if name in ("torch.tensor", "torch.LongTensor", "torch.FloatTensor", "torch.BoolTensor"):
            return self.tensor(name, node, scope)
        if isinstance(func, ast.Name) and func.id == "Expectations" or name.endswith("get_expectation"):
            return self.expectations(node, scope)
        if isinstance(func, ast.Attribute) and func.attr == "generate":
            model = self.value(func.value, scope)
            if not isinstance(model, Model):
                raise Unknown("generate on a non-model")
            return Generate(model, self.args(node, scope), self.kwargs(node, scope))
        if isinstance(func, ast.Attribute) and func.attr == "encode":  # == tokenizer(text).input_ids
            encoding = self.call(ast.Call(func.value, node.args, node.keywords), scope)
            if not isinstance(encoding, Encoding) or len(encoding.args) != 1 or not isinstance(encoding.args[0], str):
                raise Unknown("encode")
            return Encoding(encoding.preprocessor, encoding.args, encoding.kwargs, "input_ids")
        if isinstance(func, ast.Attribute) and func.attr in ("decode", "batch_decode"):
            return self.decode(func, node, scope)
        if isinstance(func, ast.Attribute) and func.attr == "tolist" and not node.args:
            target = self.value(func.value, scope)
            if isinstance(target, Generate):
                return Generate(target.model, target.args, target.kwargs, target.row, tolist=True)
            raise Unknown("tolist")
        if isinstance(func, ast.Name) and func.id in self.functions and func.id not in self.images:
            return self.inline(self.functions[func.id], node, scope)
        if name == "pipeline":
            return self.pipeline(node, scope)
        if name == "nested_simplify":
            return self.simplified(node, scope)
        if name in ("torch.ones", "torch.zeros"):
            return self.full(name, node, scope)
        if name == "torch.arange" and len(node.args) == 1 and not node.keywords:
            stop = self.value(node.args[0], scope)
            if not isinstance(stop, int) or isinstance(stop, bool) or not 0 < stop <= MAX_VALUES:
                raise Unknown("arange")
            return Tensor(list(range(stop)), "long")
        if isinstance(func, ast.Attribute) and func.attr == "unsqueeze" and _args_are(node, 0):
            target = self.value(func.value, scope)
            if isinstance(target, Tensor):
                return Tensor([target.values], target.dtype)
            raise Unknown("unsqueeze")
        if isinstance(func, ast.Attribute) and func.attr == "reshape" and _args_are(node, 1, -1):
            target = self.value(func.value, scope)
            if isinstance(target, Tensor) and all(not isinstance(v, list) for v in target.values):
                return Tensor([target.values], target.dtype)
            raise Unknown("reshape")
        if name == "torch.argmax" or isinstance(func, ast.Attribute) and func.attr in ("argmax", "mean"):
            return self.reduce(node, scope)
        if isinstance(func, ast.Attribute) and func.attr == "ne" and len(node.args) == 1 and not node.keywords:
            return self.not_equal(func.value, node.args[0], scope)
        if isinstance(func, ast.Name) and func.id in self.images and not node.args and not node.keywords:
            return Image(self.images[func.id])
        if name == "Image.open" and len(node.args) == 1 and not node.keywords:
            path = literal(node.args[0], self.consts)
            if path in SHIPPED_IMAGES:
                return Image(SHIPPED_IMAGES[path])
        if isinstance(func, ast.Name) and BUILT_PROCESSOR_RE.fullmatch(func.id):
            if node.args:
                raise Unknown("processor built with positional arguments")
            init = tuple(sorted((k.arg, literal(k.value, self.consts)) for k in node.keywords if k.arg))
            if len(init) != len(node.keywords):
                raise Unknown("processor built with **kwargs")
            return Preprocessor(None, func.id, init)
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "self"
            and func.attr in self.methods
            and not node.args
            and not node.keywords
            and func.attr not in scope.tainted
        ):
            return self.method_value(self.methods[func.attr])
        callee = self.value(func, scope)
        if isinstance(callee, Pipeline) and callee.args is None:
            args = tuple(self.preprocessor_input(arg, scope) for arg in node.args)
            kwargs = tuple((k.arg, self.pipeline_option(k.value, scope)) for k in node.keywords if k.arg)
            if len(kwargs) != len(node.keywords):
                raise Unknown("pipeline call with **kwargs")
            strings = [v for v in _flat([list(args), [value for _, value in kwargs]]) if isinstance(v, str)]
            if any(re.search(r"https?://|\.(jpg|jpeg|png|wav|flac|mp3)$", text) for text in strings):
                raise Unknown("pipeline input read from the network or a file")  # the shipped photo is an Image
            return Pipeline(callee.checkpoint, callee.task, callee.init, args, kwargs)
        if isinstance(callee, Model):
            return Forward(callee, self.args(node, scope), self.kwargs(node, scope))
        if isinstance(callee, Preprocessor):
            args = tuple(self.preprocessor_input(arg, scope) for arg in node.args)
            kwargs = {k.arg: self.preprocessor_input(k.value, scope) for k in node.keywords if k.arg}
            if len(kwargs) != len(node.keywords) or kwargs.get("return_tensors") != "pt":
                raise Unknown("preprocessor call without return_tensors='pt'")
            return Encoding(callee, args, tuple(sorted(kwargs.items())))
        raise Unknown(name)

    def pipeline(self, node: ast.Call, scope: Scope) -> Pipeline:
        """pipeline("task", model="<id>") / pipeline(task=..., model=...): nothing else (a dtype, a device)."""
        keywords = {k.arg: k.value for k in node.keywords}
        if len(node.args) > 1 or None in keywords or bool(node.args) == ("task" in keywords):
            raise Unknown("pipeline arguments")
        task = self.string(node.args[0] if node.args else keywords.pop("task"), scope)
        if "model" not in keywords:
            raise Unknown("pipeline without a model")
        checkpoint = self.string(keywords.pop("model"), scope)
        if not HUB_ID_RE.fullmatch(checkpoint) or any(word in checkpoint.lower() for word in FIXTURE_WORDS):
            raise Unknown("pipeline checkpoint")
        init = []
        for name, value in sorted(keywords.items()):
            if name in ("tokenizer", "feature_extractor", "image_processor"):  # the checkpoint's own files only
                if self.string(value, scope) != checkpoint:
                    raise Unknown("another checkpoint's preprocessor")
            elif name == "device" or name == "dtype" and ast.unparse(value) in FLOAT32_WORDS:
                continue  # where it runs; float32 is what the replay loads with no dtype either
            elif name in PIPELINE_OPTIONS:
                init.append((name, literal(value, self.consts)))
            else:
                raise Unknown(f"pipeline argument {name}")
        return Pipeline(checkpoint, task, tuple(init))

    def pipeline_option(self, node: ast.AST, scope: Scope) -> Any:
        value = self.value(node, scope)
        if isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
            return value
        if isinstance(value, (str, int, float, bool, Image)) or value is None:
            return value
        raise Unknown("pipeline option")

    def simplified(self, node: ast.Call, scope: Scope) -> Pipeline:
        keywords = {k.arg: k.value for k in node.keywords}
        if len(node.args) != 1 or set(keywords) - {"decimals"}:
            raise Unknown("nested_simplify arguments")
        called = self.value(node.args[0], scope)
        decimals = literal(keywords["decimals"], {}) if "decimals" in keywords else 3  # its default
        if not isinstance(called, Pipeline) or called.args is None or called.decimals is not None:
            raise Unknown("nested_simplify of a non-pipeline")
        return Pipeline(called.checkpoint, called.task, called.init, called.args, called.kwargs, decimals)

    def full(self, name: str, node: ast.Call, scope: Scope) -> Full:
        keywords = {k.arg: k.value for k in node.keywords}
        if set(keywords) - {"size", "dtype", "device"} or len(node.args) > 1 or bool(node.args) == ("size" in keywords):
            raise Unknown(name)
        shape = self.value(node.args[0] if node.args else keywords["size"], scope)
        if not isinstance(shape, list) or not shape or not all(type(n) is int and n > 0 for n in shape):
            raise Unknown(f"{name} shape")
        dtype = ast.unparse(keywords["dtype"]).removeprefix("torch.") if "dtype" in keywords else "float32"
        kinds = {"float32": "float", "float": "float", "long": "long", "int64": "long"}
        if dtype not in kinds:
            raise Unknown(f"{name} dtype")
        return Full(tuple(shape), 1 if name == "torch.ones" else 0, kinds[dtype])

    def list_arithmetic(self, node: ast.BinOp, scope: Scope) -> list[Any]:
        """`512 * [0, 31414]`, `[1] + [306, 338] * 2048`: literal token lists built by arithmetic."""
        left, right = self.value(node.left, scope), self.value(node.right, scope)
        if isinstance(node.op, ast.Add) and isinstance(left, list) and isinstance(right, list):
            out = left + right
        elif isinstance(node.op, ast.Mult) and isinstance(left, list) and type(right) is int:
            out = left * right
        elif isinstance(node.op, ast.Mult) and isinstance(right, list) and type(left) is int:
            out = right * left
        else:
            raise Unknown("arithmetic")
        if numbers(out) > 4 * MAX_VALUES:
            raise Unknown("list too long")
        return out

    def reduce(self, node: ast.Call, scope: Scope) -> Forward:
        """torch.argmax(output.logits, dim=2) / logits.argmax(-1): the index of the largest value;
        out.mean(-1): the mean along a dimension."""
        func = node.func
        if ast.unparse(func) == "torch.argmax":
            if not node.args:
                raise Unknown("argmax")
            target_node, rest, op = node.args[0], node.args[1:], "argmax"
        else:
            target_node, rest, op = func.value, node.args, func.attr
        keywords = {k.arg: k.value for k in node.keywords}
        if set(keywords) - {"dim"} or len(rest) + len(keywords) > 1:
            raise Unknown("argmax arguments")
        dim_node = rest[0] if rest else keywords.get("dim")
        dim = None if dim_node is None else literal(dim_node, {})
        target = self.value(target_node, scope)
        if dim is not None and type(dim) is not int or op == "mean" and dim is None:
            raise Unknown(f"{op} dim")
        if not isinstance(target, Forward) or not target.output or target.reduce:
            raise Unknown(f"{op} of a non-output")
        return Forward(target.model, target.args, target.kwargs, target.output, target.index, (op, dim))

    def method_value(self, method: ast.FunctionDef) -> Any:
        """`self.get_model()`: the method's assignments evaluated in order, then its `return`."""
        scope = Scope()
        for statement in method.body[:-1]:
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                continue
            if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
                raise Unknown(f"self.{method.name}()")
            target = statement.targets[0]
            if not isinstance(target, ast.Name):
                raise Unknown(f"self.{method.name}()")
            scope.names[target.id] = self.value(statement.value, scope)
        return self.value(method.body[-1].value, scope)

    def inline(self, function: ast.FunctionDef, node: ast.Call, scope: Scope) -> Any:
        """A module function whose body is one `return`: its expression, with the call's arguments bound."""
        params = [arg.arg for arg in function.args.args]
        if node.keywords or len(node.args) != len(params) or function.args.defaults:
            raise Unknown(f"call of {function.name}")
        bound = {param: self.value(arg, scope) for param, arg in zip(params, node.args, strict=True)}
        return self.value(function.body[-1].value, Scope(bound))

    def not_equal(self, target: ast.AST, other: ast.AST, scope: Scope) -> NotEqual:
        tensor = self.input_value(target, scope)
        if not isinstance(tensor, (Tensor, Encoding)) or isinstance(tensor, Encoding) and tensor.field is None:
            raise Unknown("ne")
        text = ast.unparse(other)
        match = re.fullmatch(r"(\w+)\.config\.(pad_token_id)", text)
        if match and isinstance(scope.names.get(match.group(1)), Model) and match.group(1) not in scope.tainted:
            return NotEqual(tensor, ("config", match.group(2)))
        value = self.value(other, scope)
        if isinstance(value, int) and not isinstance(value, bool):
            return NotEqual(tensor, value)
        raise Unknown("ne")

    def preprocessor_input(self, node: ast.AST, scope: Scope) -> Any:
        value = self.value(node, scope)
        if isinstance(value, list) and all(isinstance(item, (str, Image)) for item in value) and value:
            return value
        if isinstance(value, (str, Image, bool, int, float)) or value is None:
            return value
        raise Unknown("preprocessor input")

    def string(self, node: ast.AST, scope: Scope) -> str:
        value = self.value(node, scope)
        if not isinstance(value, str):
            raise Unknown("not a string")
        return value

    def from_pretrained(self, cls: str, node: ast.Call, scope: Scope) -> Model | Preprocessor:
        if len(node.args) != 1:
            raise Unknown("from_pretrained arguments")
        checkpoint = self.string(node.args[0], scope)
        if not isinstance(checkpoint, str) or not HUB_ID_RE.fullmatch(checkpoint):
            raise Unknown("checkpoint")
        if any(word in checkpoint.lower() for word in FIXTURE_WORDS) or checkpoint.split("/")[-1].startswith("tiny"):
            raise Unknown("fixture checkpoint")  # tiny-random-x; a real model's tiny size (whisper-tiny) stays
        if any(word in cls for word in ("Tokenizer", "Processor", "FeatureExtractor")):
            # its loading options (use_fast=False, padding_side="left", src_lang=...) change the encoding: kept
            # (a revision is the file's pinned one, as for the model)
            options = tuple(sorted((k.arg, literal(k.value, self.consts)) for k in node.keywords if k.arg))
            if len(options) != len(node.keywords):
                raise Unknown("preprocessor loading arguments")
            options = tuple(item for item in options if item[0] != "revision")
            return Preprocessor(checkpoint, cls, options)
        if not ("Model" in cls or "For" in cls) or "Config" in cls:
            raise Unknown(f"not a model class: {cls}")
        load = [("dtype", "auto")]  # transformers 5 loads a checkpoint in its stored dtype unless told otherwise
        for keyword in node.keywords:
            if keyword.arg in ("dtype", "torch_dtype"):
                if ast.unparse(keyword.value) not in FLOAT32_WORDS and literal(keyword.value, {}) not in FLOAT32_WORDS:
                    raise Unknown("not float32")
                load[0] = ("dtype", "float32")
            elif keyword.arg in SAFE_LOAD_KWARGS:
                load.append((keyword.arg, literal(keyword.value, self.consts)))
            elif keyword.arg == "device_map" or keyword.arg == "use_safetensors":
                continue  # where it runs or which file format it reads, not what it computes
            elif keyword.arg == "return_dict" and literal(keyword.value, {}) is True:
                continue  # the default
            else:
                raise Unknown(f"loading argument {keyword.arg}")
        return Model(checkpoint, cls, tuple(sorted(load)))

    def tensor(self, name: str, node: ast.Call, scope: Scope) -> Tensor | Expected:
        if len(node.args) != 1:
            raise Unknown("tensor arguments")
        if isinstance(node.args[0], ast.Call):  # torch.tensor(expectations.get_expectation())
            expected = self.value(node.args[0], scope)
            if isinstance(expected, Expected) and not node.keywords:
                return expected
            raise Unknown("tensor of a call")
        values = self.value(node.args[0], scope)
        numbers(values)
        dtype = {"torch.LongTensor": "long", "torch.FloatTensor": "float", "torch.BoolTensor": "bool"}.get(name)
        for keyword in node.keywords:
            if keyword.arg == "dtype":
                dtype = {"long": "long", "int64": "long", "float32": "float", "float": "float", "bool": "bool"}.get(
                    ast.unparse(keyword.value).removeprefix("torch.")
                )
                if dtype is None:
                    raise Unknown("tensor dtype")
            elif keyword.arg != "device":
                raise Unknown(f"tensor argument {keyword.arg}")
        if dtype is None:
            dtype = "float" if _has_float(values) else "long"
        return Tensor(values, dtype)

    def expectations(self, node: ast.Call, scope: Scope) -> Expected:
        if isinstance(node.func, ast.Attribute):  # Expectations({...}).get_expectation() / name.get_expectation()
            return self.value(node.func.value, scope)
        if len(node.args) != 1 or not isinstance(node.args[0], ast.Dict):
            raise Unknown("Expectations")
        entries: dict[str, Any] = {}
        for key, value in zip(node.args[0].keys, node.args[0].values, strict=True):
            device = literal(key, {})[0] if isinstance(key, ast.Tuple) else None
            kind = "default" if device is None else device
            if kind not in ("default", "cpu", "cuda"):
                continue
            try:
                resolved = self.value(value, scope)
            except Unknown:
                continue
            resolved = resolved.values if isinstance(resolved, Tensor) else resolved
            entries.setdefault(kind, resolved)  # the first cuda entry (older major versions come first)
        if not entries:
            raise Unknown("no usable expectation")
        return Expected(tuple(sorted(entries.items())))

    def decode(self, func: ast.Attribute, node: ast.Call, scope: Scope) -> Decoded:
        tokenizer = self.value(func.value, scope)
        if not isinstance(tokenizer, Preprocessor) or len(node.args) != 1:
            raise Unknown("decode")
        generated = self.value(node.args[0], scope)
        if not isinstance(generated, Generate):
            raise Unknown("decode of a non-generation")
        kwargs = dict(self.kwargs(node, scope))
        if set(kwargs) - {"skip_special_tokens"}:
            raise Unknown("decode arguments")
        batch = func.attr == "batch_decode"
        if batch == (generated.row is not None):
            raise Unknown("decode shape")
        if tokenizer.checkpoint != generated.model.checkpoint:
            raise Unknown("another checkpoint's tokenizer")
        return Decoded(generated, batch, bool(kwargs.get("skip_special_tokens", False)))

    def attribute(self, target: Any, name: str) -> Any:
        if isinstance(target, Forward) and target.index is None and not target.reduce:
            return Forward(target.model, target.args, target.kwargs, (*target.output, name))
        if isinstance(target, Encoding) and target.field is None and name in ENCODING_FIELDS:
            return Encoding(target.preprocessor, target.args, target.kwargs, name)
        if isinstance(target, Generate) and name == "sequences":
            raise Unknown("return_dict_in_generate")
        raise Unknown(f".{name}")

    def subscript(self, target: Any, index: ast.AST) -> Any:
        if isinstance(target, Forward) and target.reduce:
            raise Unknown("index after a reduction")
        row = index.value if isinstance(index, ast.Constant) else None
        if isinstance(target, Decoded) and target.batch and type(row) is int and target.generate.row is None:
            generate = target.generate  # batch_decode(out)[i] == decode(out[i])
            rowed = Generate(generate.model, generate.args, generate.kwargs, row, generate.tolist)
            return Decoded(rowed, False, target.skip_special_tokens)
        if isinstance(target, Forward) and target.index is None:
            if (
                isinstance(index, ast.Constant)
                and isinstance(index.value, (int, str))
                and not isinstance(index.value, bool)
            ):
                return Forward(target.model, target.args, target.kwargs, (*target.output, index.value))
            if not target.output:
                raise Unknown("index on the whole output")
            return Forward(target.model, target.args, target.kwargs, target.output, index_of(index))
        if isinstance(target, Encoding) and isinstance(index, ast.Constant) and index.value in ENCODING_FIELDS:
            return Encoding(target.preprocessor, target.args, target.kwargs, index.value)
        row = index.value if isinstance(index, ast.Constant) else None
        if isinstance(target, Generate) and target.row is None and isinstance(row, int) and not isinstance(row, bool):
            return Generate(target.model, target.args, target.kwargs, row)
        raise Unknown("subscript")

    def args(self, node: ast.Call, scope: Scope) -> tuple[Any, ...]:
        out = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise Unknown("*args")
            out.append(self.input_value(arg, scope))
        return tuple(out)

    def kwargs(self, node: ast.Call, scope: Scope) -> tuple[tuple[str, Any], ...]:
        out = []
        for keyword in node.keywords:
            value = self.input_value(keyword.value, scope)
            if keyword.arg is None and isinstance(value, Inputs):
                out.extend(value.items)
            elif keyword.arg is None:
                if not (isinstance(value, Encoding) and value.field is None):
                    raise Unknown("**kwargs")
                out.append(("**", value))
            else:
                out.append((keyword.arg, value))
        return tuple(out)

    def input_value(self, node: ast.AST, scope: Scope) -> Any:
        value = self.value(node, scope)
        if isinstance(value, (Tensor, Encoding, NotEqual, Inputs, Full)) or value is None:
            return value
        if isinstance(value, (bool, int, float, str)):
            return value
        raise Unknown("input")


def _args_are(node: ast.Call, *values: Any) -> bool:
    try:
        return not node.keywords and [ast.literal_eval(arg) for arg in node.args] == list(values)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _has_call(node: ast.AST) -> bool:
    return any(isinstance(child, ast.Call) for child in ast.walk(node))


def _has_float(values: Any) -> bool:
    if isinstance(values, (list, tuple)):
        return any(_has_float(v) for v in values)
    return isinstance(values, float)


# --- statements ------------------------------------------------------------------------------------
CLOSE_FUNCS = {"torch.testing.assert_close": ASSERT_CLOSE_DEFAULT, "torch.allclose": ALLCLOSE_DEFAULT}
COMPARE = {"torch.testing.assert_close": "assert_close", "torch.allclose": "allclose"}  # allclose broadcasts
EQUAL_METHODS = ("assertEqual", "assertListEqual", "assertEquals")


class MethodMiner:
    def __init__(self, evaluator: Evaluator, source: str) -> None:
        self.evaluator = evaluator
        self.source = source
        self.cases: list[dict[str, Any]] = []

    def run(self, body: list[ast.stmt], scope: Scope) -> None:
        for statement in body:
            self.statement(statement, scope)

    def statement(self, node: ast.stmt, scope: Scope) -> None:
        if isinstance(node, ast.With):
            self.run(node.body, scope)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self.assign(node.targets[0].id, node.value, scope)
        elif isinstance(node, (ast.Assert, ast.Expr)):
            self.check(node, scope)
        elif isinstance(node, (ast.Pass, ast.ImportFrom, ast.Import)):
            pass
        else:
            self.taint(node, scope)

    def assign(self, name: str, value: ast.AST, scope: Scope) -> None:
        try:
            scope.names[name] = self.evaluator.value(value, scope)
            scope.tainted.discard(name)
        except Unknown:
            scope.names.pop(name, None)
            scope.tainted.add(name)

    def taint(self, node: ast.AST, scope: Scope) -> None:
        """Every name a statement we do not follow touches becomes unknown (and every model, on a seed)."""
        for child in ast.walk(node):
            if isinstance(child, ast.Name):
                scope.tainted.add(child.id)
            if isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name) and child.value.id == "self":
                scope.tainted.add(child.attr)

    def check(self, node: ast.stmt, scope: Scope) -> None:
        call = node.test if isinstance(node, ast.Assert) else node.value
        if isinstance(call, ast.Call) and ast.unparse(call.func) in ("self.assertTrue",) and call.args:
            call = call.args[0]
        if isinstance(call, ast.Call):
            name = ast.unparse(call.func)
            if name in CLOSE_FUNCS:
                return self.close(call, name, scope)
            if name.startswith("self.") and name[5:] in EQUAL_METHODS and len(call.args) == 2:
                return self.equal(call.args[0], call.args[1], scope)
            if name.startswith("self.assert") or name.startswith("torch.testing") or name == "isinstance":
                return
            if (
                isinstance(call.func, ast.Attribute)
                and call.func.attr in ("to", "eval", "cpu")
                and isinstance(scope.names.get(ast.unparse(call.func.value)), Model)
            ):
                return  # model.to(torch_device), model.eval(): where and how it runs, not what it computes
            self.taint(node, scope)  # a call that may change a model (set_seed, model.config...)
        elif isinstance(call, ast.Compare) and len(call.ops) == 1 and isinstance(call.ops[0], ast.Eq):
            self.equal(call.left, call.comparators[0], scope)

    def close(self, call: ast.Call, function: str, scope: Scope) -> None:
        if len(call.args) != 2:
            return
        try:
            actual = self.evaluator.value(call.args[0], scope)
            expected = self.evaluator.value(call.args[1], scope)
            if isinstance(expected, Forward) and not isinstance(actual, Forward):  # assert_close(EXPECTED, output)
                actual, expected = expected, actual
            tolerance = dict(CLOSE_FUNCS[function])
            for keyword in call.keywords:
                if keyword.arg not in ("rtol", "atol"):
                    raise Unknown(f"comparison argument {keyword.arg}")
                tolerance[keyword.arg] = float(self.evaluator.value(keyword.value, scope))
        except (Unknown, TypeError, ValueError):
            return
        if not isinstance(actual, Forward) or actual.index is None and not actual.output:
            return
        per_device = _per_device(expected)
        try:
            record = _call_record(actual)
        except Unknown:
            return
        if per_device is None:
            return
        case = {"kind": "forward", "compare": COMPARE[function], **record, "output": list(actual.output)}
        if actual.reduce:
            case[actual.reduce[0]] = actual.reduce[1]
        self.cases.append({**case, "index": actual.index, "expected": per_device, **tolerance, "test": self.source})

    def equal(self, left: ast.AST, right: ast.AST, scope: Scope) -> None:
        for actual_node, expected_node in ((left, right), (right, left)):
            try:
                actual = self.evaluator.value(actual_node, scope)
                expected = self.evaluator.value(expected_node, scope)
            except Unknown:
                continue
            record = (
                _generation_record(actual, expected)
                or _argmax_record(actual, expected)
                or _pipeline_record(actual, expected)
            )
            if record is not None:
                self.cases.append({**record, "test": self.source})
                return


def _pipeline_record(actual: Any, expected: Any) -> dict[str, Any] | None:
    """`assertEqual(nested_simplify(classifier(image, candidate_labels=[...])), [{"score": 0.511, ...}])`."""
    if not isinstance(actual, Pipeline) or actual.decimals is None or not isinstance(expected, (list, dict)):
        return None
    if not _plain(expected):
        return None
    return {
        "kind": "pipeline",
        "checkpoint": actual.checkpoint,
        "class": "pipeline",
        "task": actual.task,
        "load": {},
        "init": dict(actual.init),
        "args": [{"literal": _input(arg)} for arg in actual.args],
        "kwargs": [[name, {"literal": _input(value)}] for name, value in actual.kwargs],
        "decimals": actual.decimals,
        "expected_output": expected,
    }


def _plain(value: Any) -> bool:
    """JSON-like literal: str, numbers, bools, None, lists and str-keyed dicts of them."""
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (str, int, float, bool))


def _argmax_record(actual: Any, expected: Any) -> dict[str, Any] | None:
    """`assertEqual(torch.argmax(output.end_logits), 12)`: an index the model's output must pick, exactly."""
    if not isinstance(actual, Forward) or not actual.reduce or actual.reduce[0] != "argmax":
        return None
    expected = expected.values if isinstance(expected, Tensor) else expected
    try:
        numbers(expected)
        record = _call_record(actual)
    except Unknown:
        return None
    if any(isinstance(v, float) for v in _flat(expected)):
        return None
    case = {"kind": "forward", "compare": "assert_close", **record, "output": list(actual.output)}
    return {**case, "index": actual.index, "argmax": actual.reduce[1], "expected": {"default": expected},
            "rtol": 0.0, "atol": 0.0}


def _per_device(expected: Any) -> dict[str, Any] | None:
    entries = dict(expected.per_device) if isinstance(expected, Expected) else {"default": expected}
    out = {}
    for kind, values in entries.items():
        values = values.values if isinstance(values, Tensor) else values
        try:
            if numbers(values) > MAX_VALUES:
                return None
        except Unknown:
            return None
        out[kind] = values
    return out


def _spec(value: Any) -> Any:
    if isinstance(value, Tensor):
        return {"tensor": value.values, "dtype": value.dtype}
    if isinstance(value, Full):
        return {"full": list(value.shape), "fill": value.fill, "dtype": value.dtype}
    if isinstance(value, NotEqual):
        other = {"config": value.other[1]} if isinstance(value.other, tuple) else {"literal": value.other}
        return {"not_equal": _spec(value.tensor), "other": other}
    if isinstance(value, Encoding):
        kwargs = dict(value.kwargs)
        kwargs.pop("return_tensors", None)
        if value.preprocessor.checkpoint is None:
            built = {"init": dict(value.preprocessor.init)}
        else:
            built = {"options": dict(value.preprocessor.init)} if value.preprocessor.init else {}
        return {
            "preprocess": {
                **built,
                "class": value.preprocessor.cls,
                "args": [_input(arg) for arg in value.args],
                "kwargs": {name: _input(arg) for name, arg in kwargs.items()},
            },
            "field": value.field,
        }
    return {"literal": value}


def _input(value: Any) -> Any:
    if isinstance(value, Image):
        return {"image": value.name}
    if isinstance(value, list):
        return [_input(item) for item in value]
    return value


def _call_record(call: Forward | Generate) -> dict[str, Any]:
    for value in (*call.args, *(v for _, v in call.kwargs)):
        value = value.tensor if isinstance(value, NotEqual) else value
        if isinstance(value, Encoding) and value.preprocessor.checkpoint not in (None, call.model.checkpoint):
            raise Unknown("another checkpoint's tokenizer")
        if isinstance(value, Inputs):
            raise Unknown("a dict of inputs passed whole")
    return {
        "checkpoint": call.model.checkpoint,
        "class": call.model.cls,
        "load": dict(call.model.load),
        "args": [_spec(value) for value in call.args],
        "kwargs": [[name, _spec(value)] for name, value in call.kwargs],
    }


def _generation_record(actual: Any, expected: Any) -> dict[str, Any] | None:
    generate = actual.generate if isinstance(actual, Decoded) else actual
    if not isinstance(generate, Generate):
        return None
    kwargs = dict(generate.kwargs)
    if kwargs.get("do_sample") not in (None, False) or kwargs.get("num_beams", 1) != 1:
        return None
    if set(kwargs) - {"do_sample", "num_beams", "max_new_tokens", "max_length", "min_new_tokens"}:
        return None
    if not ({"max_new_tokens", "max_length"} & set(kwargs)):
        return None
    try:
        record = _call_record(generate)
    except Unknown:
        return None
    if isinstance(actual, Decoded):
        texts = expected if isinstance(expected, list) else [expected]
        if not (all(isinstance(text, str) for text in texts) and texts):
            return None
        if not actual.batch:
            texts = texts[:1]
        row = actual.generate.row
        expected_text = texts if actual.batch else texts[0]
        options = {"row": row, "skip_special_tokens": actual.skip_special_tokens, "expected_text": expected_text}
        return {"kind": "generate_text", **record, **options}
    if not generate.tolist or not isinstance(expected, list):
        return None
    try:
        numbers(expected)
    except Unknown:
        return None
    if any(isinstance(v, float) for v in _flat(expected)):
        return None
    return {"kind": "generate_ids", **record, "row": generate.row, "expected_ids": expected}


def _flat(values: Any) -> list[Any]:
    if isinstance(values, (list, tuple)):
        return [item for value in values for item in _flat(value)]
    return [values]


# --- files -----------------------------------------------------------------------------------------
def module_constants(tree: ast.Module) -> dict[str, Any]:
    consts: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                consts[node.targets[0].id] = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
    return consts


def image_functions(tree: ast.Module) -> dict[str, str]:
    """Module functions without arguments that open a photo the package ships and return it unchanged."""
    found = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.args.args or len(node.body) != 2:
            continue
        opened, returned = node.body
        if (
            isinstance(opened, ast.Assign)
            and isinstance(opened.value, ast.Call)
            and ast.unparse(opened.value.func) == "Image.open"
            and len(opened.value.args) == 1
            and isinstance(opened.value.args[0], ast.Constant)
            and opened.value.args[0].value in SHIPPED_IMAGES
            and isinstance(returned, ast.Return)
            and ast.unparse(returned.value) == ast.unparse(opened.targets[0])
        ):
            found[node.name] = SHIPPED_IMAGES[opened.value.args[0].value]
    return found


def return_functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    """Module functions whose body is one `return <expression>` (a docstring aside), positional parameters only."""
    found = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.decorator_list:
            continue
        arguments = node.args
        if arguments.vararg or arguments.kwarg or arguments.kwonlyargs or arguments.posonlyargs:
            continue
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
            found[node.name] = node
    return found


def return_methods(cls: ast.ClassDef) -> dict[str, ast.FunctionDef]:
    """Plain methods taking only `self` whose body is assignments to names, then one `return <expression>`."""
    found = {}
    for node in cls.body:
        if not isinstance(node, ast.FunctionDef) or node.decorator_list or node.name.startswith("test"):
            continue
        if [arg.arg for arg in node.args.args] != ["self"] or node.args.vararg or node.args.kwarg:
            continue
        if node.body and isinstance(node.body[-1], ast.Return) and node.body[-1].value is not None:
            found[node.name] = node
    return found


def class_properties(cls: ast.ClassDef) -> dict[str, Property]:
    """self.<name> -> its expression: a class-body assignment, a `self.x = ...` of setUp / setUpClass, or the one
    `return` of a (cached) property. A name assigned twice is left out."""
    found: dict[str, Property] = {}
    twice: set[str] = set()

    def put(name: str, value: ast.AST, local_names: dict[str, Any] | None = None) -> None:
        if name in found and isinstance(found[name][0], ast.Constant) and found[name][0].value is None:
            found[name] = (value, local_names or {})  # `tokenizer = None` in the class body, set in setUpClass
        elif name in found:
            twice.add(name)
        else:
            found[name] = (value, local_names or {})

    for node in cls.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            put(node.targets[0].id, node.value)
        if isinstance(node, ast.FunctionDef) and node.name in ("setUp", "setUpClass"):
            # `model_path = "org/name"` before `self.model = X.from_pretrained(model_path)`
            local_names: dict[str, Any] = {}
            for statement in node.body:
                if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                    target = statement.targets[0]
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                        put(target.attr, statement.value, dict(local_names))
                    elif isinstance(target, ast.Name) and isinstance(statement.value, ast.Constant):
                        local_names[target.id] = statement.value.value
        if not isinstance(node, ast.FunctionDef) or not node.decorator_list:
            continue
        if not any("property" in ast.unparse(d) for d in node.decorator_list):
            continue
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
            put(node.name, body[0].value)
    return {name: value for name, value in found.items() if name not in twice}


def is_integration(cls: ast.ClassDef, method: ast.FunctionDef, *, pipeline_file: bool = False) -> bool:
    """A model file's integration test (named so, or slow and named so); any slow test of a pipeline file."""
    slow = any(ast.unparse(d).split("(")[0].endswith("slow") for d in method.decorator_list)
    class_slow = any(ast.unparse(d).split("(")[0].endswith("slow") for d in cls.decorator_list)
    named = "Integration" in cls.name or (slow or class_slow) and "integration" in method.name
    return method.name.startswith("test") and (named or pipeline_file and (slow or class_slow))


def mine_file(path: str, text: str) -> list[dict[str, Any]]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    consts = module_constants(tree)
    images = image_functions(tree)
    functions = return_functions(tree)
    cases = []
    for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
        evaluator = Evaluator(consts, class_properties(cls), images, functions)
        evaluator.methods = return_methods(cls)
        in_pipelines = bool(PIPELINE_FILE_RE.fullmatch(path))
        for method in cls.body:
            method_ok = isinstance(method, ast.FunctionDef)
            integration = method_ok and is_integration(cls, method, pipeline_file=in_pipelines)
            if integration and not method.args.args[1:]:
                if any("parameterized" in ast.unparse(d) for d in method.decorator_list):
                    continue
                miner = MethodMiner(evaluator, f"{path}::{cls.name}::{method.name}")
                miner.run(method.body, Scope())
                cases.extend(miner.cases)
    return cases


def git(git_dir: str, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, text=True).stdout


def registry_ids() -> set[str]:
    data = json.loads(REGISTRY.read_text(encoding="utf-8"))
    return {row["id"] for entry in data["model_types"].values() for row in entry.get("candidates", ())}


def aliases(checkpoints: set[str], known: set[str]) -> dict[str, str]:
    """Legacy id without a namespace -> the one namespaced registry id with that name (the Hub's redirect)."""
    by_name: dict[str, list[str]] = {}
    for model_id in known:
        if "/" in model_id:
            by_name.setdefault(model_id.split("/", 1)[1], []).append(model_id)
    return {c: by_name[c][0] for c in checkpoints if "/" not in c and len(by_name.get(c, ())) == 1}


def build(git_dir: str, rev: str, read_from: str) -> dict[str, Any]:
    commit = git(git_dir, "rev-parse", rev).strip()
    listing = git(git_dir, "ls-tree", "-r", "--name-only", commit, "tests/models", "tests/pipelines").split()
    files = [path for path in listing if TEST_FILE_RE.fullmatch(path) or PIPELINE_FILE_RE.fullmatch(path)]
    by_checkpoint: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(files):
        for case in mine_file(path, git(git_dir, "show", f"{commit}:{path}")):
            by_checkpoint.setdefault(case.pop("checkpoint"), []).append(case)
    for legacy, namespaced in aliases(set(by_checkpoint), registry_ids()).items():
        if namespaced not in by_checkpoint:
            by_checkpoint[namespaced] = [dict(case, alias_of=legacy) for case in by_checkpoint[legacy]]
    return {
        "schema_version": 1,
        "generated_by": "scripts/mine_reference_outputs.py",
        "source": {"repo": "huggingface/transformers", "read_from": read_from, "commit": commit},
        "outputs": dict(sorted(by_checkpoint.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-dir", required=True)
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--read-from", default="huggingface/transformers")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    document = build(args.git_dir, args.rev, args.read_from)
    atomic_write_text(args.output, json.dumps(document, indent=1, sort_keys=True) + "\n")
    outputs = document["outputs"]
    print(f"wrote {args.output}: {sum(map(len, outputs.values()))} cases for {len(outputs)} checkpoints")
    return 0


if __name__ == "__main__":
    sys.exit(main())
