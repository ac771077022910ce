"""Mine ``scripts/facts/transformers_test_checkpoints.json``: Hub checkpoints that transformers' own integration tests
load into a model class, and whether the test pins concrete expected values.

Why: hf-testgen picks checkpoints offline and wants evidence that a checkpoint carries trained weights for the head
it is loaded into. transformers' slow integration tests are strong evidence: a test such as
``SegformerForSemanticSegmentation.from_pretrained("nvidia/segformer-b0-finetuned-ade-512-512")`` followed by
``torch.testing.assert_close(outputs.logits[0, :3, :3, :3], expected_slice)`` could not pass with a randomly
initialised head. A test that only checks an output *shape* proves nothing of the kind, so it is flagged apart.

Source: a git directory of huggingface/transformers (for example the one the ``fetch`` tool brings, or a fork whose
``main`` mirrors upstream ``main``). Nothing is imported from it and no work tree is needed: files are read with
``git ls-tree`` / ``git cat-file`` at one commit and parsed with ``ast``.

What is collected, per ``tests/models/<folder>/test_modeling_*.py`` (PyTorch only; ``test_modeling_tf_*`` and
``test_modeling_flax_*`` are skipped):

- test classes whose name contains ``IntegrationTest``, or that inherit (inside the same file) from one, and methods
  decorated ``@slow`` whose name contains ``integration`` in any other class; other ``@slow`` methods only when they
  compare against expected values (``asserts_values``), as the encoder-decoder summarisation tests do;
- in each ``test*`` method of those classes: calls ``SomeClass.from_pretrained(arg)`` where ``SomeClass`` looks like
  a model class (ends with ``Model``, or contains ``For``), also when the call sits in a helper, a (cached) property
  or ``setUp``/``setUpClass`` that the test reaches through ``self.<name>``;
- ``arg`` resolved to string(s) statically: literals, method locals (including ``for x in [...]`` loops), argument
  defaults, ``@parameterized.expand([...])`` parameters, class attributes (``self.x``/``cls.x``, inherited inside the
  file, set in the class body, in ``setUp``/``setUpClass`` or returned by a property), module constants, and
  f-strings / ``+`` whose every part resolves;
- ``asserts_values``: the test (or a ``self.<helper>`` it calls) compares against a concrete expected value: a name
  like ``expected_slice`` / ``EXPECTED_TEXT`` / ``expected`` (not a shape or size), or a literal tensor / list /
  string / number, in ``assert_close`` / ``allclose`` / ``assertEqual``-like calls or ``==`` asserts, where nothing
  compared is a shape, a length or a config field. ``asserts_shape_only``: no such comparison, but a shape check.

Model type: the type(s) whose ``classes`` in ``hf_testgen/data/task_map.json`` list the class (the folder's type
when it is one of them); an ``AutoModelFor*`` class is resolved to the folder type's head class for that task; other
classes take the folder's type (``_`` -> ``-`` where needed) or, failing that, the type whose config class name
prefixes the class name. ``task`` lists the tasks the class is the head of for that type, or is null.

Kept ids look like Hub repo ids; local paths, ``hf-internal-testing/*``, ids containing ``random`` / ``dummy``, ids
with a part starting ``test`` (``latest`` stays) and names starting ``tiny`` (``tiny-random-x``) are dropped as
fixtures. ``tiny`` size variants of real models (``openai/whisper-tiny``, ``asapp/sew-tiny-100k-ft-ls100h``) are kept;
``--drop-all-tiny`` drops every id containing ``tiny`` instead.

Rerun (the output is deterministic: sorted keys, indent=1, trailing newline, records sorted):

    python scripts/mine_test_checkpoints.py --git-dir PATH [--rev main] [--read-from OWNER/NAME]

The checked-in file was made from ``zucchini-nlp/transformers`` (a fork whose ``main`` mirrors upstream ``main``; the
upstream snapshot was too large to fetch), so ``source.read_from`` names it:

    python scripts/mine_test_checkpoints.py --git-dir /work/.mirror/zucchini-nlp+transformers/repo --rev main \
        --read-from zucchini-nlp/transformers
"""

from __future__ import annotations

import argparse
import ast
import itertools
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from _common import ROOT

from hf_testgen.core.files import atomic_write_text  # the project's one atomic writer
from hf_testgen.core.ids import is_hub_id, is_test_model_id, is_tiny_name

DEFAULT_OUTPUT = ROOT / "scripts" / "facts" / "transformers_test_checkpoints.json"
DEFAULT_TASK_MAP = ROOT / "hf_testgen" / "data" / "task_map.json"
SCHEMA_VERSION = 1
GENERATED_BY = "scripts/mine_test_checkpoints.py"
TEST_FILE_RE = re.compile(r"tests/models/([^/]+)/test_modeling_(?!tf_|flax_)[^/]+\.py")
MAX_VALUES = 64  # cap on the strings one expression may resolve to (f-string products, loops)
MAX_DEPTH = 8

# --- Hub id filter: the package's rules (hf_testgen/core/ids.py) ------------------------------------


def is_fixture(checkpoint: str, *, any_tiny: bool = False) -> bool:
    """True for test fixtures rather than real models: the package's test checkpoints (`is_test_model_id`)
    and names starting with ``tiny``. A ``tiny`` size variant (``facebook/hiera-tiny-224-in1k-hf``,
    ``openai/whisper-tiny``, ``asapp/sew-tiny-100k``) is a real trained model and stays, unless `any_tiny`."""
    return is_test_model_id(checkpoint) or is_tiny_name(checkpoint, anywhere=any_tiny)


# --- git access ------------------------------------------------------------------------------------


def git(git_dir: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run one git command against the bare `git_dir` and return its stdout."""
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], input=stdin, capture_output=True, check=True).stdout


def resolve_commit(git_dir: Path, rev: str) -> str:
    """The full sha `rev` names."""
    return git(git_dir, "rev-parse", "--verify", f"{rev}^{{commit}}").decode().strip()


def test_files(git_dir: Path, commit: str) -> list[str]:
    """Paths of the PyTorch ``tests/models/*/test_modeling_*.py`` files at `commit`, sorted."""
    names = git(git_dir, "ls-tree", "-r", "--name-only", commit, "tests/models").decode().splitlines()
    return sorted(name for name in names if TEST_FILE_RE.fullmatch(name))


def read_blobs(git_dir: Path, commit: str, paths: list[str]) -> dict[str, str]:
    """The text of each of `paths` at `commit`, read in one ``git cat-file --batch``."""
    request = "".join(f"{commit}:{path}\n" for path in paths).encode()
    out = git(git_dir, "cat-file", "--batch", stdin=request)
    texts: dict[str, str] = {}
    pos = 0
    for path in paths:
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].split()
        if len(header) != 3:
            raise RuntimeError(f"git cat-file could not read {path}: {out[pos:header_end]!r}")
        size = int(header[2])
        texts[path] = out[header_end + 1 : header_end + 1 + size].decode("utf-8")
        pos = header_end + 1 + size + 1
    return texts


# --- task map --------------------------------------------------------------------------------------

# AutoModel* class -> the task whose head class it builds (looked up in the folder type's `classes`), from the one
# task table the package and build_task_map.py share (the first task row that names the class).
from hf_testgen.facts.task_table import auto_class_tasks  # noqa: E402

AUTO_CLASS_TASKS: dict[str, str] = auto_class_tasks()


@dataclass
class TaskMap:
    """The parts of ``task_map.json`` this script needs."""

    classes: dict[str, dict[str, str]]  # model type -> task -> head class
    config_prefixes: dict[str, str]  # model type -> config class name without "Config"
    types_of_class: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> TaskMap:
        model_types = json.loads(path.read_text(encoding="utf-8"))["model_types"]
        classes = {name: dict(entry.get("classes") or {}) for name, entry in model_types.items()}
        prefixes = {
            name: entry["config_class"].removesuffix("Config")
            for name, entry in model_types.items()
            if entry.get("config_class")
        }
        task_map = cls(classes, prefixes)
        for name, heads in sorted(classes.items()):
            for head in sorted(set(heads.values())):
                task_map.types_of_class.setdefault(head, []).append(name)
        return task_map

    def folder_type(self, folder: str) -> str | None:
        """The model type a ``tests/models/<folder>`` names, or None."""
        for candidate in (folder, folder.replace("_", "-")):
            if candidate in self.classes:
                return candidate
        squashed = [name for name in self.classes if re.sub(r"[-_]", "", name) == re.sub(r"[-_]", "", folder)]
        return squashed[0] if len(squashed) == 1 else None

    def tasks_of(self, model_type: str, class_name: str) -> list[str] | None:
        """The tasks `class_name` is the head of for `model_type`, or None."""
        tasks = sorted(task for task, head in self.classes.get(model_type, {}).items() if head == class_name)
        return tasks or None

    def prefix_type(self, class_name: str) -> str | None:
        """The type whose config class name is the longest prefix of `class_name`, or None."""
        best: tuple[int, str] | None = None
        for name, prefix in self.config_prefixes.items():
            fits = prefix and class_name.startswith(prefix) and class_name[len(prefix) : len(prefix) + 1].isupper()
            if fits and (best is None or (len(prefix), name) > best):
                best = (len(prefix), name)
        return best[1] if best else None

    def place(self, folder: str, loaded_with: str) -> list[tuple[str, str]]:
        """(model type, concrete class) pairs for a class loaded in a test under `folder`."""
        folder_type = self.folder_type(folder)
        if loaded_with in AUTO_CLASS_TASKS:
            head = self.classes.get(folder_type or "", {}).get(AUTO_CLASS_TASKS[loaded_with])
            return [(folder_type or folder, head or loaded_with)]
        listed = self.types_of_class.get(loaded_with, [])
        if folder_type in listed:
            return [(folder_type, loaded_with)]
        if listed:
            return [(name, loaded_with) for name in listed]
        return [(folder_type or self.prefix_type(loaded_with) or folder, loaded_with)]


# --- static resolution of checkpoint arguments -----------------------------------------------------

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


MODEL_CLASS_RE = re.compile(r"[A-Z]\w*(?:Model|For[A-Z0-9]\w*)")


def is_model_class_name(name: str) -> bool:
    """True for names that look like a transformers model class (``BertModel``, ``BertForMaskedLM``...).

    ``For`` must start a word: ``Mask2FormerImageProcessorPil`` is no model class."""
    return bool(MODEL_CLASS_RE.fullmatch(name))


def decorator_names(func: FunctionNode) -> set[str]:
    """Last dotted component of each decorator (``slow``, ``cached_property``, ``expand``...)."""
    names = set()
    for deco in func.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(target, ast.Attribute):
            names.add(target.attr)
        elif isinstance(target, ast.Name):
            names.add(target.id)
    return names


def top_level_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a module or class body, looking into ``if``/``try``/``with`` blocks."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If | ast.With):
            yield from top_level_statements(stmt.body)
            yield from top_level_statements(getattr(stmt, "orelse", []))
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)):
                yield from top_level_statements(block)


def assigned_names(stmt: ast.stmt) -> Iterator[tuple[str, ast.expr]]:
    """(name, value) for each plain ``name = value`` / ``name: T = value`` in `stmt`."""
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                yield target.id, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        yield stmt.target.id, stmt.value


@dataclass
class FileIndex:
    """Module constants and classes of one test file."""

    constants: dict[str, list[ast.expr]]
    classes: dict[str, ast.ClassDef]

    @classmethod
    def build(cls, tree: ast.Module) -> FileIndex:
        constants: dict[str, list[ast.expr]] = {}
        for stmt in top_level_statements(tree.body):
            for name, value in assigned_names(stmt):
                constants.setdefault(name, []).append(value)
        classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
        return cls(constants, classes)

    def mro(self, class_name: str) -> list[ast.ClassDef]:
        """`class_name` and its ancestors defined in this file, nearest first (depth-first, no repeats)."""
        order: list[ast.ClassDef] = []
        stack = [class_name]
        while stack:
            name = stack.pop(0)
            node = self.classes.get(name)
            if node is None or node in order:
                continue
            order.append(node)
            stack.extend(base.id for base in node.bases if isinstance(base, ast.Name))
        return order

    def methods(self, class_name: str) -> dict[str, FunctionNode]:
        """Methods visible on `class_name` (own ones override inherited ones)."""
        table: dict[str, FunctionNode] = {}
        for node in reversed(self.mro(class_name)):
            for stmt in node.body:
                if isinstance(stmt, FunctionNode):
                    table[stmt.name] = stmt
        return table


@dataclass
class Scope:
    """Where an expression is evaluated: the file, the concrete test class and the enclosing method."""

    index: FileIndex
    class_name: str
    method: FunctionNode | None = None
    depth: int = 0

    def sub(self, method: FunctionNode | None) -> Scope:
        return Scope(self.index, self.class_name, method, self.depth + 1)

    def resolve(self, expr: ast.expr) -> list[str]:
        """The strings `expr` may statically evaluate to (empty when unknown)."""
        if self.depth > MAX_DEPTH:
            return []
        if isinstance(expr, ast.Constant):
            return [expr.value] if isinstance(expr.value, str) else []
        if isinstance(expr, ast.JoinedStr):
            return self.join([self.resolve_part(part) for part in expr.values])
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self.join([self.resolve(expr.left), self.resolve(expr.right)])
        if isinstance(expr, ast.Name):
            return self.resolve_name(expr.id)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            owner = expr.value.id
            if owner in ("self", "cls") or owner in {node.name for node in self.index.mro(self.class_name)}:
                return self.resolve_attribute(expr.attr)
        return []

    def resolve_part(self, part: ast.expr) -> list[str]:
        if isinstance(part, ast.FormattedValue):
            return self.resolve(part.value) if part.format_spec is None and part.conversion == -1 else []
        return self.resolve(part)

    @staticmethod
    def join(parts: list[list[str]]) -> list[str]:
        if any(not values for values in parts):
            return []
        joined = ["".join(combo) for combo in itertools.product(*parts)]
        return joined if len(joined) <= MAX_VALUES else []

    def resolve_name(self, name: str) -> list[str]:
        if self.method is not None:
            local = self.resolve_local(name)
            if local is not None:
                return local
        values: list[str] = []
        for expr in self.index.constants.get(name, []):
            values.extend(Scope(self.index, self.class_name, None, self.depth + 1).resolve(expr))
        return values

    def resolve_local(self, name: str) -> list[str] | None:
        """Values bound to `name` inside the current method; None when the method does not bind it."""
        method = self.method
        assert method is not None
        bound = False
        values: list[str] = []
        for node in ast.walk(method):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                for target, value in assigned_names(node):
                    if target == name:
                        bound = True
                        values.extend(self.sub(method).resolve(value))
            elif isinstance(node, ast.For):
                loop = self.loop_values(node, name)
                if loop is not None:
                    bound = True
                    values.extend(loop)
        params = self.parameter_values(name)
        if params is not None:
            bound = True
            values.extend(params)
        return sorted(set(values)) if bound else None

    def loop_values(self, loop: ast.For, name: str) -> list[str] | None:
        """Values `name` takes in ``for name in [..]`` / ``for a, name in [(..), ..]``; None if not its target."""
        bound, position = target_position(loop.target, name)
        if not bound:
            return None
        if not isinstance(loop.iter, ast.List | ast.Tuple):
            return []
        return self.element_values(loop.iter.elts, position)

    def element_values(self, rows: list[ast.expr], position: int | None) -> list[str]:
        values: list[str] = []
        for row in rows:
            if position is None:
                values.extend(self.sub(self.method).resolve(row))
            elif isinstance(row, ast.Tuple | ast.List) and position < len(row.elts):
                values.extend(self.sub(self.method).resolve(row.elts[position]))
        return values

    def parameter_values(self, name: str) -> list[str] | None:
        """Values of a parameter `name`: its default and ``@parameterized.expand([...])`` rows; None if no such."""
        method = self.method
        assert method is not None
        positional = [arg.arg for arg in (*method.args.posonlyargs, *method.args.args)]
        kwonly = [arg.arg for arg in method.args.kwonlyargs]
        if name not in positional and name not in kwonly:
            return None
        values: list[str] = []
        if name in positional:
            defaults = method.args.defaults
            offset = len(positional) - len(defaults)
            idx = positional.index(name)
            if idx >= offset:
                values.extend(self.sub(None).resolve(defaults[idx - offset]))
            values.extend(self.expand_values(method, idx - 1 if positional[:1] == ["self"] else idx))
        else:
            default = method.args.kw_defaults[kwonly.index(name)]
            if default is not None:
                values.extend(self.sub(None).resolve(default))
        return values

    def expand_values(self, method: FunctionNode, position: int) -> list[str]:
        values: list[str] = []
        for deco in method.decorator_list:
            if (
                isinstance(deco, ast.Call)
                and isinstance(deco.func, ast.Attribute)
                and deco.func.attr == "expand"
                and deco.args
                and isinstance(deco.args[0], ast.List | ast.Tuple)
            ):
                rows = deco.args[0].elts
                single = all(not isinstance(row, ast.Tuple | ast.List) for row in rows)
                values.extend(self.sub(None).element_values(rows, None if single and position == 0 else position))
        return values

    def resolve_attribute(self, attr: str) -> list[str]:
        """Values of ``self.<attr>`` on the concrete class: class body, ``self.attr = ``/``cls.attr = `` in its
        methods, or a property returning it. The nearest class in the file MRO that defines it wins."""
        for node in self.index.mro(self.class_name):
            values: list[str] = []
            found = False
            for stmt in node.body:
                for name, value in assigned_names(stmt):
                    if name == attr:
                        found = True
                        values.extend(self.sub(None).resolve(value))
                if isinstance(stmt, FunctionNode):
                    got = self.attribute_in_method(stmt, attr)
                    if got is not None:
                        found = True
                        values.extend(got)
            if found:
                return sorted(set(values))
        return []

    def attribute_in_method(self, method: FunctionNode, attr: str) -> list[str] | None:
        if method.name == attr and decorator_names(method) & {"property", "cached_property"}:
            returns = [node.value for node in ast.walk(method) if isinstance(node, ast.Return) and node.value]
            return [value for expr in returns for value in self.sub(method).resolve(expr)]
        values: list[str] | None = None
        for node in ast.walk(method):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and target.attr == attr
                        and isinstance(target.value, ast.Name)
                        and target.value.id in ("self", "cls")
                    ):
                        values = (values or []) + self.sub(method).resolve(node.value)
        return values


def target_position(target: ast.expr, name: str) -> tuple[bool, int | None]:
    """(whether the loop `target` binds `name`, its tuple position or None for the whole item)."""
    if isinstance(target, ast.Name):
        return target.id == name, None
    if isinstance(target, ast.Tuple | ast.List):
        for idx, elt in enumerate(target.elts):
            if isinstance(elt, ast.Name) and elt.id == name:
                return True, idx
    return False, None


# --- what a test asserts (assert_scan.py) -------------------------------------------------------------

from assert_scan import SHAPE_WORD_RE, AssertScan, is_literal_value, is_shape_like  # noqa: E402


def literal_value_names(bodies: Iterable[ast.AST]) -> set[str]:
    """Names bound to literal values (not shapes) in `bodies`: ``target = torch.tensor([...])``."""
    names = set()
    for body in bodies:
        for node in ast.walk(body):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                for name, value in assigned_names(node):
                    if is_literal_value(value) and not is_shape_like(value) and not SHAPE_WORD_RE.search(name):
                        names.add(name)
    return names


# --- mining one file -------------------------------------------------------------------------------

SETUP_METHODS = {"setUp", "setUpClass", "__init__"}


@dataclass(frozen=True)
class Load:
    """One ``Class.from_pretrained(arg)`` call, with the checkpoints `arg` resolves to."""

    class_name: str
    checkpoints: tuple[str, ...]


def loads_in(method: FunctionNode, scope: Scope) -> list[Load]:
    """The model-class ``from_pretrained`` calls in `method` and the checkpoints they resolve to."""
    found = []
    for node in ast.walk(method):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "from_pretrained":
            continue
        owner = node.func.value
        class_name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
        if not is_model_class_name(class_name):
            continue
        arg = node.args[0] if node.args else None
        for kw in node.keywords:
            if kw.arg == "pretrained_model_name_or_path":
                arg = kw.value
        if arg is None:
            continue
        values = scope.sub(method).resolve(arg)
        found.append(Load(class_name, tuple(sorted(set(values)))))
    return found


def self_references(func: FunctionNode) -> set[str]:
    """Attribute names used as ``self.X`` / ``cls.X`` in `func`."""
    return {
        node.attr
        for node in ast.walk(func)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
    }


def attributes_assigned(func: FunctionNode) -> set[str]:
    """Attribute names assigned as ``self.X = `` / ``cls.X = `` in `func`."""
    names = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in ("self", "cls")
                ):
                    names.add(target.attr)
    return names


def reachable_helpers(test: FunctionNode, table: dict[str, FunctionNode]) -> list[FunctionNode]:
    """Non-test methods `test` reaches through ``self.X`` (recursively), plus setup methods assigning a used X."""
    seen: dict[str, FunctionNode] = {}
    frontier = [test]
    while frontier:
        func = frontier.pop()
        refs = self_references(func)
        for name, method in table.items():
            if name in seen or name.startswith("test") or method is test:
                continue
            if name in refs or (name in SETUP_METHODS and refs & attributes_assigned(method)):
                seen[name] = method
                frontier.append(method)
    return [seen[name] for name in sorted(seen)]


def eligible_tests(index: FileIndex) -> Iterator[tuple[str, FunctionNode, dict[str, FunctionNode], bool]]:
    """(concrete class, test method, method table, is an integration test) for each slow or integration
    test of the file. A slow test outside an integration class (``test_bert2bert_summarization`` of the
    encoder-decoder tests) counts only when it compares against expected values: see `mine_file`."""
    for class_name in sorted(index.classes):
        table = index.methods(class_name)
        integration_class = any("IntegrationTest" in node.name for node in index.mro(class_name))
        for name in sorted(table):
            method = table[name]
            if not name.startswith("test"):
                continue
            slow = "slow" in decorator_names(method)
            integration = integration_class or (slow and "integration" in name.lower())
            if integration or slow:
                yield class_name, method, table, integration


@dataclass(frozen=True)
class Record:
    model_type: str
    checkpoint: str
    class_name: str
    task: tuple[str, ...] | None
    asserts_values: bool
    asserts_shape_only: bool
    test: str

    def as_json(self) -> dict[str, object]:
        return {
            "model_type": self.model_type,
            "checkpoint": self.checkpoint,
            "class": self.class_name,
            "task": list(self.task) if self.task else None,
            "asserts_values": self.asserts_values,
            "asserts_shape_only": self.asserts_shape_only,
            "test": self.test,
        }


def mine_file(path: str, source: str, task_map: TaskMap, *, any_tiny: bool = False) -> list[Record]:
    """Records for one test file."""
    folder = TEST_FILE_RE.fullmatch(path).group(1)  # type: ignore[union-attr]
    tree = ast.parse(source, filename=path)
    index = FileIndex.build(tree)
    module_values = literal_value_names(
        [stmt for stmt in top_level_statements(tree.body) if isinstance(stmt, ast.Assign | ast.AnnAssign)]
    )
    records = []
    for class_name, test, table, integration in eligible_tests(index):
        scope = Scope(index, class_name)
        helpers = reachable_helpers(test, table)
        loads = [load for func in (test, *helpers) for load in loads_in(func, scope)]
        if not loads:
            continue
        class_values = literal_value_names(
            [stmt for node in index.mro(class_name) for stmt in node.body if not isinstance(stmt, FunctionNode)]
        )
        assert_bodies = [test, *(h for h in helpers if h.name not in SETUP_METHODS)]
        scan = AssertScan(module_values | class_values | literal_value_names(assert_bodies))
        kinds = scan.scan(assert_bodies)
        if not integration and "values" not in kinds:
            continue  # a slow save/load round trip proves nothing about the checkpoint's weights
        test_id = f"{path}::{class_name}::{test.name}"
        for load in loads:
            for checkpoint in load.checkpoints:
                if not is_hub_id(checkpoint) or is_fixture(checkpoint, any_tiny=any_tiny):
                    continue
                for model_type, concrete in task_map.place(folder, load.class_name):
                    task = task_map.tasks_of(model_type, concrete)
                    records.append(
                        Record(
                            model_type=model_type,
                            checkpoint=checkpoint,
                            class_name=concrete,
                            task=tuple(task) if task else None,
                            asserts_values="values" in kinds,
                            asserts_shape_only=kinds == {"shape"},
                            test=test_id,
                        )
                    )
    return records


# --- driver ----------------------------------------------------------------------------------------


def mine(git_dir: Path, commit: str, task_map: TaskMap, *, any_tiny: bool = False) -> list[Record]:
    """All records of the repository at `commit`, deduplicated and sorted."""
    paths = test_files(git_dir, commit)
    texts = read_blobs(git_dir, commit, paths)
    records: set[Record] = set()
    for path in paths:
        try:
            records.update(mine_file(path, texts[path], task_map, any_tiny=any_tiny))
        except SyntaxError as exc:  # a file newer Python syntax we cannot parse: say so, keep going
            print(f"skipped {path}: {exc}", file=sys.stderr)
    return sorted(records, key=lambda r: (r.model_type, r.checkpoint, r.class_name, r.test))


def build_document(records: list[Record], commit: str, repo: str, read_from: str | None) -> str:
    source = {"repo": repo, "commit": commit}
    if read_from:
        source["read_from"] = read_from
    document = {
        "schema_version": SCHEMA_VERSION,
        "generated_by": GENERATED_BY,
        "source": source,
        "records": [record.as_json() for record in records],
    }
    return json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--git-dir", type=Path, required=True, help="git directory of huggingface/transformers")
    parser.add_argument("--rev", default="HEAD", help="revision to read (default: HEAD)")
    parser.add_argument("--repo", default="huggingface/transformers", help="repository named in the output")
    parser.add_argument("--read-from", default=None, help="fork/mirror actually read, when not --repo itself")
    parser.add_argument("--task-map", type=Path, default=DEFAULT_TASK_MAP)
    parser.add_argument(
        "--drop-all-tiny", action="store_true", help="also drop tiny size variants (openai/whisper-tiny...) as fixtures"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    commit = resolve_commit(args.git_dir, args.rev)
    records = mine(args.git_dir, commit, TaskMap.load(args.task_map), any_tiny=args.drop_all_tiny)
    atomic_write_text(args.output, build_document(records, commit, args.repo, args.read_from))
    with_values = sum(record.asserts_values for record in records)
    print(f"{len(records)} records ({with_values} with asserts_values) from {args.repo}@{commit} -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
