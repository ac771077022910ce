"""A transformers source file, and the ``ast`` and model-type helpers ``mine_checkpoints.py`` reads it with.

Nothing is imported from transformers: files are parsed with ``ast``; model types come from the task map and
the configuration classes the files define (``TypeResolver``).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SourceFile:
    """One source file of a transformers tree: its path below ``transformers/`` and its text."""

    label: str  # e.g. "transformers 4.44.2"
    path: str  # e.g. "models/bert/modeling_bert.py"
    text: str

    @property
    def folder(self) -> str:
        parts = self.path.split("/")  # models/<folder>/x.py or models/deprecated/<folder>/x.py
        return parts[-2] if len(parts) > 2 and parts[0] == "models" else ""

    def where(self, *detail: str) -> str:
        return " ".join((self.label, self.path, *detail))



# --- ast helpers -------------------------------------------------------------------------------------


def literal(node: ast.AST | None, constants: dict[str, Any]) -> Any:
    """The value of a literal node, a module constant named by `node`, or a concatenation of those."""
    if node is None:
        return None
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = literal(node.left, constants), literal(node.right, constants)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def module_constants(tree: ast.Module) -> dict[str, Any]:
    """Module-level ``NAME = <literal or earlier constant>`` assignments, in file order."""
    constants: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = literal(node.value, constants)
            if value is not None:
                constants[node.targets[0].id] = value
    return constants


def call_name(node: ast.AST) -> str | None:
    """``foo`` for ``foo(...)``, ``foo.bar(...)`` or a bare ``foo``."""
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    return None


def keyword_map(call: ast.Call) -> dict[str, ast.AST]:
    return {kw.arg: kw.value for kw in call.keywords if kw.arg}


def decorator_calls(node: ast.ClassDef | ast.FunctionDef, name: str) -> list[ast.Call]:
    return [d for d in node.decorator_list if isinstance(d, ast.Call) and call_name(d) == name]


def method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def rendered(value: Any) -> str | None:
    """A doc value as the doctest template prints it (``str.format`` renders lists and floats with ``str``)."""
    if value is None:
        return None
    text = (value if isinstance(value, str) else str(value)).rstrip()
    return text if text.strip() else None


# --- model types -------------------------------------------------------------------------------------


@dataclass
class TypeResolver:
    """Maps classes to (model type, task) with the task map, and config classes to model types."""

    heads: dict[str, list[tuple[str, str]]]  # head class -> [(model type, task)]
    config_types: dict[str, set[str]]  # config class -> model types (task map + config sources)
    type_tasks: dict[str, set[str]]  # model type -> tasks
    folder_configs: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (label, folder) -> ...

    @classmethod
    def from_task_map(cls, task_map: dict[str, Any]) -> TypeResolver:
        heads: dict[str, list[tuple[str, str]]] = defaultdict(list)
        config_types: dict[str, set[str]] = defaultdict(set)
        type_tasks: dict[str, set[str]] = {}
        for model_type, entry in task_map["model_types"].items():
            for task, head in (entry.get("classes") or {}).items():
                heads[head].append((model_type, task))
            if entry.get("config_class"):
                config_types[entry["config_class"]].add(model_type)
            type_tasks[model_type] = set(entry.get("tasks") or [])
        return cls(dict(heads), config_types, type_tasks)

    def learn_configs(self, source: SourceFile, tree: ast.Module) -> None:
        """Record ``model_type = "..."`` of each config class in a configuration file."""
        found = self.folder_configs.setdefault((source.label, source.folder), {})
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                model_type = class_attribute(node, "model_type")
                if isinstance(model_type, str) and model_type:
                    found[node.name] = model_type
                    self.config_types[node.name].add(model_type)

    def types_of_config(self, config_class: str) -> list[str]:
        return sorted(self.config_types.get(config_class, ()))

    def classify(self, src: SourceFile, tree: ast.Module, class_name: str) -> tuple[list[tuple[Any, Any]], str]:
        """(model type, task) pairs of a class and how the type was found.

        A head class gives its task-map entries, narrowed (when it heads several types, e.g. ``GPT2LMHeadModel``
        for gpt2 and gpt-sw3) to the types of its config class, then to the type named like its folder. Other
        classes get the types of their config class, else their folder's type, with task None.
        """
        config = config_of_class(tree, class_name)
        config_types = set(self.types_of_config(config)) if config else set()
        if class_name in self.heads:
            pairs = sorted(set(self.heads[class_name]))
            for keep in (lambda t: t in config_types, lambda t: same_name(t, src.folder)):
                narrowed = [(t, task) for t, task in pairs if keep(t)]
                pairs = narrowed or pairs
            return pairs, "task-map-head"
        if config_types:
            return [(t, None) for t in sorted(config_types)], "config-class"
        folder_type = self.folder_type(src)
        return [(folder_type, None)], "folder" if folder_type else None

    def folder_type(self, src: SourceFile) -> str | None:
        """The model type named like the source's folder, or the only type configured there."""
        folder_types = sorted(set(self.folder_configs.get((src.label, src.folder), {}).values()))
        named = [t for t in [*self.type_tasks, *folder_types] if same_name(t, src.folder)]
        if named:
            return named[0]
        return folder_types[0] if len(folder_types) == 1 else None


def same_name(model_type: str | None, folder: str) -> bool:
    return bool(model_type) and model_type.replace("-", "_") == folder


def class_attribute(cls: ast.ClassDef, name: str) -> Any:
    """The literal value (or the Name id) assigned to class attribute `name` (``x = ...`` or ``x: T = ...``)."""
    for node in cls.body:
        target, value, annotation = None, None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value, annotation = node.target, node.value, node.annotation
        if not (isinstance(target, ast.Name) and target.id == name):
            continue
        if isinstance(value, ast.Name):
            return value.id
        if value is None and isinstance(annotation, ast.Name):
            return annotation.id
        return literal(value, {})
    return None


def config_of_class(tree: ast.Module, class_name: str, depth: int = 0) -> str | None:
    """The ``config_class`` (or ``config: XConfig``) of a class, looked up through its bases in the same module."""
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    cls = classes.get(class_name)
    if cls is None or depth > 8:
        return None
    for attr in ("config_class", "config"):
        value = class_attribute(cls, attr)
        if isinstance(value, str) and value.endswith("Config"):
            return value
    for base in cls.bases:
        name = call_name(base)
        if name and name in classes:
            found = config_of_class(tree, name, depth + 1)
            if found:
                return found
    return None
