"""Mine ``scripts/facts/transformers_checkpoints.json``: real Hub checkpoints per (model type, head class, task).

Why: hf-testgen picks checkpoints offline. A checkpoint is only a good test subject for a head when there is
evidence that it carries trained weights for that head. transformers' own source holds that evidence: its doc
examples load a checkpoint into a head class and (often) state the output the doctest expects, which would fail
with a randomly initialised head. This script collects those facts, each naming the file and class it came from.

Sources (read as text and parsed with ``ast``; no transformers module is imported):

1. transformers 4.44.2, read straight out of its wheel (a zip):
   - ``models/*/modeling_*.py`` (PyTorch only): ``_*CHECKPOINT*`` / ``_*EXPECTED*`` module constants,
     ``@add_code_sample_docstrings(checkpoint=..., expected_output=..., ...)`` on each class's ``forward``,
     and hand-written ``Class.from_pretrained("owner/name")`` examples in class / forward docstrings;
   - ``models/*/configuration_*.py``: the checkpoint linked in the config docstring
     ("Instantiating a configuration with the defaults will yield a similar configuration to that of ...");
   - ``utils/doc.py``: the inputs the PyTorch code-sample templates feed (top-level ``sample_inputs``);
   - ``pipelines/__init__.py``: ``SUPPORTED_TASKS`` pipeline defaults with their pinned revisions.
2. The installed transformers 5.x (found with ``importlib.util.find_spec``, not imported):
   - ``@auto_docstring(checkpoint="...")`` on model classes (evidence ``auto-docstring``) and on config classes
     (evidence ``config-docstring``);
   - hand-written ``Class.from_pretrained("owner/name")`` examples in class / forward docstrings.
3. ``hf_testgen/data/task_map.json`` maps head classes to (model type, task); config classes give the model type
   of classes that are no task's head (``BertForPreTraining``: task null).

Evidence levels (field ``evidence``), strongest first: ``pipeline-default``, ``doc-example-expected-output``,
``doc-example``, ``config-docstring``, ``auto-docstring``.

Rerun (the 4.44.2 wheel comes from PyPI: ``pip download --no-deps transformers==4.44.2 -d /tmp/tf444``):

    python scripts/mine_checkpoints.py --tf4-wheel /tmp/tf444/transformers-4.44.2-py3-none-any.whl

The output is deterministic (sorted keys, indent=1, trailing newline, records sorted).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import io
import json
import re
import tokenize
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import ROOT

from hf_testgen.core.files import atomic_write_text  # the one atomic writer of the project
from hf_testgen.core.ids import is_hub_id as is_repo_id

DEFAULT_OUTPUT = ROOT / "scripts" / "facts" / "transformers_checkpoints.json"
DEFAULT_TASK_MAP = ROOT / "hf_testgen" / "data" / "task_map.json"
SCHEMA_VERSION = 1
GENERATED_BY = "scripts/mine_checkpoints.py"

EVIDENCE_LEVELS = (  # strongest first
    "pipeline-default",
    "doc-example-expected-output",
    "doc-example",
    "config-docstring",
    "auto-docstring",
)

# --- Hub id filter ---------------------------------------------------------------------------------

PLACEHOLDER_OWNERS = {"username", "user", "your-username", "path", "my-org", "org", "organization", "<fill>"}
PLACEHOLDER_PARTS = ("<", ">", "{", "}", "path/to", "your-", "your_", "my-model", "my_model", "fill")
PLACEHOLDER_NAMES = {"tba", "tbd", "todo", "xxx", "model", "checkpoint", "not_yet_released", "not-yet-released"}


def is_hub_id(candidate: str) -> bool:
    """True when `candidate` is a Hub repo id (the package's grammar, ``owner/name`` or a legacy bare name) and
    not a placeholder of the docs (``username/my-model``)."""
    if not is_repo_id(candidate):
        return False
    lowered = candidate.lower()
    if lowered.startswith("papers/") or any(part in lowered for part in PLACEHOLDER_PARTS):
        return False
    parts = candidate.split("/")
    if any(part.lower() in PLACEHOLDER_NAMES for part in parts):
        return False
    if len(parts) == 1 and "_" in candidate:  # legacy bare Hub names never had underscores (``gpt_bigcode``)
        return False
    return not (len(parts) == 2 and parts[0].lower() in PLACEHOLDER_OWNERS)


# --- source files ------------------------------------------------------------------------------------

from transformers_source import (  # noqa: E402  (the source file record and the ast / model-type helpers)
    SourceFile,
    TypeResolver,
    call_name,
    decorator_calls,
    keyword_map,
    literal,
    method,
    module_constants,
    rendered,
    same_name,
)


def is_pt_modeling(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (
        path.startswith("models/")
        and name.startswith("modeling_")
        and not name.startswith(("modeling_tf_", "modeling_flax_"))
        and name.endswith(".py")
    )


def is_configuration(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return path.startswith("models/") and name.startswith("configuration_") and name.endswith(".py")


def wanted(path: str) -> bool:
    return is_pt_modeling(path) or is_configuration(path) or path in ("utils/doc.py", "pipelines/__init__.py")


def read_wheel(wheel: Path, label: str) -> list[SourceFile]:
    """The wanted files of a transformers wheel, read from the zip (nothing is imported or extracted)."""
    files = []
    with zipfile.ZipFile(wheel) as archive:
        for name in sorted(archive.namelist()):
            if name.startswith("transformers/") and wanted(name[len("transformers/") :]):
                text = archive.read(name).decode("utf-8")
                files.append(SourceFile(label, name[len("transformers/") :], text))
    return files


def read_tree(root: Path, label: str) -> list[SourceFile]:
    """The wanted files of an installed transformers package directory."""
    files = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if wanted(rel):
            files.append(SourceFile(label, rel, path.read_text(encoding="utf-8")))
    return files


def init_version(init: str, where: object) -> str:
    """``__version__`` of a ``transformers/__init__.py`` text."""
    match = re.search(r"^__version__\s*=\s*[\"']([^\"']+)", init, re.M)
    if not match:
        raise SystemExit(f"{where}: no __version__ in transformers/__init__.py")
    return match.group(1)


def wheel_version(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return init_version(archive.read("transformers/__init__.py").decode("utf-8"), wheel)


def tree_version(root: Path) -> str:
    return init_version((root / "__init__.py").read_text(encoding="utf-8"), root)


def installed_transformers() -> Path:
    """Directory of the installed transformers, found without importing it."""
    spec = importlib.util.find_spec("transformers")
    if spec is None or not spec.origin:
        raise SystemExit("transformers is not installed (pip install -e '.[run]')")
    return Path(spec.origin).parent


def parse(source: SourceFile) -> ast.Module | None:
    try:
        return ast.parse(source.text)
    except SyntaxError:
        return None


# --- records -----------------------------------------------------------------------------------------


def make_record(**fields: Any) -> dict[str, Any]:
    record = {
        "model_type": None,
        "model_type_from": None,
        "checkpoint": None,
        "class": None,
        "task": None,
        "evidence": None,
        "expected_output": None,
        "expected_loss": None,
        "revision": None,
        "template": None,
        "mask": None,
        "qa_target_start_index": None,
        "qa_target_end_index": None,
        "source": None,
    }
    unknown = set(fields) - set(record)
    if unknown:
        raise ValueError(f"unknown record fields {sorted(unknown)}")
    record.update(fields)
    return record


def class_records(
    resolver: TypeResolver, src: SourceFile, tree: ast.Module, class_name: str, **fields: Any
) -> list[dict[str, Any]]:
    """One record per (model type, task) of `class_name`."""
    pairs, origin = resolver.classify(src, tree, class_name)
    return [
        make_record(model_type=model_type, model_type_from=origin if model_type else None, task=task,
                    **{"class": class_name}, **fields)
        for model_type, task in pairs
    ]


# --- 4.44 add_code_sample_docstrings -----------------------------------------------------------------


def template_kind(model_class: str, modality: str | None) -> str | None:
    """The PT_SAMPLE_DOCSTRINGS key 4.44's ``add_code_sample_docstrings`` picks for a class (same order)."""
    rules = [
        (("SequenceClassification" in model_class or "AudioClassification" in model_class) and modality == "audio",
         "AudioClassification"),
        ("SequenceClassification" in model_class, "SequenceClassification"),
        ("QuestionAnswering" in model_class, "QuestionAnswering"),
        ("TokenClassification" in model_class, "TokenClassification"),
        ("MultipleChoice" in model_class, "MultipleChoice"),
        ("MaskedLM" in model_class or model_class in ("FlaubertWithLMHeadModel", "XLMWithLMHeadModel"), "MaskedLM"),
        ("LMHead" in model_class or "CausalLM" in model_class, "LMHead"),
        ("CTC" in model_class, "CTC"),
        ("AudioFrameClassification" in model_class, "AudioFrameClassification"),
        ("XVector" in model_class and modality == "audio", "AudioXVector"),
        ("Model" in model_class and modality == "audio", "SpeechBaseModel"),
        ("Model" in model_class and modality == "vision", "VisionBaseModel"),
        ("Model" in model_class or "Encoder" in model_class, "BaseModel"),
        ("ImageClassification" in model_class, "ImageClassification"),
    ]
    return next((kind for matched, kind in rules if matched), None)


def mine_code_samples(resolver: TypeResolver, source: SourceFile, tree: ast.Module) -> list[dict[str, Any]]:
    constants = module_constants(tree)
    records = []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
            for call in decorator_calls(fn, "add_code_sample_docstrings"):
                kwargs = keyword_map(call)
                checkpoint = literal(kwargs.get("checkpoint"), constants)
                if not is_hub_id(checkpoint):
                    continue
                model_class = literal(kwargs.get("model_cls"), constants) or cls.name
                kind = template_kind(model_class, literal(kwargs.get("modality"), constants))
                expected = rendered(literal(kwargs.get("expected_output"), constants))
                fields = {
                    "checkpoint": checkpoint,
                    "evidence": "doc-example-expected-output" if expected else "doc-example",
                    "expected_output": expected,
                    "expected_loss": rendered(literal(kwargs.get("expected_loss"), constants)),
                    "revision": literal(kwargs.get("revision"), constants),
                    "template": kind,
                    "source": source.where(f"{cls.name}.{fn.name}", "add_code_sample_docstrings"),
                }
                if kind == "MaskedLM":
                    fields["mask"] = literal(kwargs.get("mask"), constants) or "[MASK]"
                if kind == "QuestionAnswering":
                    fields["qa_target_start_index"] = literal(kwargs.get("qa_target_start_index"), constants) or 14
                    fields["qa_target_end_index"] = literal(kwargs.get("qa_target_end_index"), constants) or 15
                records += class_records(resolver, source, tree, model_class, **fields)
    return records


# --- hand-written doc examples -----------------------------------------------------------------------

SAVE_RE = re.compile(r"\.save_pretrained\(\s*[\"']([^\"']+)[\"']")
LOAD_RE = re.compile(r"\b([A-Z]\w*)\.from_pretrained\(\s*[\"']([^\"']+)[\"']")
REVISION_RE = re.compile(r"\brevision\s*=\s*[\"']([^\"']+)[\"']")


@dataclass
class Statement:
    """One doctest statement (a ``>>>`` line with its ``...`` continuations) and the output lines after it."""

    code: str
    output: list[str] = field(default_factory=list)


def is_open(code: str) -> bool:
    """True when `code` stops inside brackets or a string (the next lines continue it, ``...`` or not)."""
    try:
        for _ in tokenize.generate_tokens(io.StringIO(code + "\n").readline):
            pass
    except (tokenize.TokenError, SyntaxError):
        return True
    return False


def doctest_blocks(text: str) -> list[list[Statement]]:
    """The doctest statements of each fenced (or unfenced) example in a docstring."""
    blocks: list[list[Statement]] = [[]]
    in_output = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            blocks.append([])
            in_output = False
        elif line.startswith(">>>"):
            blocks[-1].append(Statement(line[3:].strip()))
            in_output = False
        elif blocks[-1] and not in_output and (line.startswith("...") or is_open(blocks[-1][-1].code)):
            blocks[-1][-1].code += "\n" + (line[3:].strip() if line.startswith("...") else line)
        elif line and blocks[-1]:
            if in_output or blocks[-1][-1].code:
                blocks[-1][-1].output.append(line)
                in_output = True
        else:
            in_output = False
    return [block for block in blocks if block]


def example_loads(text: str, class_name: str) -> list[tuple[str, str | None, str | None]]:
    """(checkpoint, revision, expected output) for each ``class_name.from_pretrained("id")`` in the examples.

    The expected output is every doctest output line after the load, up to the next load of the same class
    or the end of the example; None when there is none.
    """
    loads = []
    saved = {path.strip("./") for path in SAVE_RE.findall(text)}  # local folders the example writes itself
    for block in doctest_blocks(text):
        starts = [
            (index, match)
            for index, statement in enumerate(block)
            for match in LOAD_RE.finditer(statement.code)
            if match.group(1) == class_name and match.group(2).strip("./") not in saved
        ]
        for position, (index, match) in enumerate(starts):
            end = starts[position + 1][0] if position + 1 < len(starts) else len(block)
            output = [line for statement in block[index:end] for line in statement.output]
            revision = REVISION_RE.search(block[index].code[match.end() :].split(")")[0])
            loads.append((match.group(2), revision.group(1) if revision else None, "\n".join(output) or None))
    return loads


def docstring_texts(node: ast.ClassDef | ast.FunctionDef, constants: dict[str, Any]) -> list[str]:
    """The node's docstring plus string arguments of its docstring decorators (resolved through constants)."""
    texts = [ast.get_docstring(node, clean=False) or ""]
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and "docstring" in (call_name(decorator) or ""):
            for arg in [*decorator.args, *(kw.value for kw in decorator.keywords)]:
                value = literal(arg, constants)
                if isinstance(value, str):
                    texts.append(value)
    return [text for text in texts if "from_pretrained" in text]


def mine_doc_examples(resolver: TypeResolver, source: SourceFile, tree: ast.Module) -> list[dict[str, Any]]:
    constants = module_constants(tree)
    records = []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        forward = method(cls, "forward")
        places = [(cls, cls.name)] + ([(forward, f"{cls.name}.forward")] if forward else [])
        for node, where in places:
            for text in docstring_texts(node, constants):
                for checkpoint, revision, expected in example_loads(text, cls.name):
                    if not is_hub_id(checkpoint):
                        continue
                    records += class_records(
                        resolver, source, tree, cls.name,
                        checkpoint=checkpoint,
                        evidence="doc-example-expected-output" if expected else "doc-example",
                        expected_output=expected,
                        revision=revision,
                        source=source.where(where, "docstring example"),
                    )
    return records


# --- config docstrings and @auto_docstring(checkpoint=...) ---------------------------------------------

CONFIG_LINK_RE = re.compile(r"\[([^\]\s]+)\]\(https?://huggingface\.co/([^)\s]+)\)")


def config_docstring_checkpoints(doc: str) -> list[str]:
    """Checkpoints linked in the paragraph saying which checkpoint the config's defaults mirror."""
    found = []
    for paragraph in re.split(r"\n\s*\n", doc):
        if "Instantiating a configuration" not in paragraph and "similar configuration" not in paragraph:
            continue
        for text, target in CONFIG_LINK_RE.findall(paragraph):
            if text == target and is_hub_id(target):
                found.append(target)
    return found


def auto_docstring_checkpoint(node: ast.ClassDef | ast.FunctionDef) -> str | None:
    for call in decorator_calls(node, "auto_docstring"):
        value = literal(keyword_map(call).get("checkpoint"), {})
        if isinstance(value, str):
            return value
    return None


def mine_configs(resolver: TypeResolver, source: SourceFile, tree: ast.Module) -> list[dict[str, Any]]:
    records = []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        checkpoints = [(c, "docstring link") for c in config_docstring_checkpoints(ast.get_docstring(cls) or "")]
        decorated = auto_docstring_checkpoint(cls)
        if decorated:
            checkpoints.append((decorated, "auto_docstring(checkpoint=...)"))
        for checkpoint, how in checkpoints:
            if not is_hub_id(checkpoint):
                continue
            types, origin = resolver.types_of_config(cls.name), "config-class"
            if not types:
                types, origin = [resolver.folder_type(source)], "folder"
            for model_type in types:
                records.append(make_record(
                    model_type=model_type, model_type_from=origin if model_type else None,
                    checkpoint=checkpoint, evidence="config-docstring", source=source.where(cls.name, how),
                    **{"class": cls.name},
                ))
    return records


def mine_auto_docstrings(resolver: TypeResolver, source: SourceFile, tree: ast.Module) -> list[dict[str, Any]]:
    """``@auto_docstring(checkpoint=...)`` on model classes or their methods, and ``checkpoint=`` class keywords."""
    records = []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        found = []
        if auto_docstring_checkpoint(cls):
            found.append((auto_docstring_checkpoint(cls), cls.name))
        for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
            if auto_docstring_checkpoint(fn):
                found.append((auto_docstring_checkpoint(fn), f"{cls.name}.{fn.name}"))
        keyword = literal(next((kw.value for kw in cls.keywords if kw.arg == "checkpoint"), None), {})
        if isinstance(keyword, str):
            found.append((keyword, f"{cls.name} class keyword"))
        for checkpoint, where in found:
            if is_hub_id(checkpoint):
                records += class_records(resolver, source, tree, cls.name, checkpoint=checkpoint,
                                         evidence="auto-docstring",
                                         source=source.where(where, "auto_docstring(checkpoint=...)"))
    return records


# --- 4.44 code-sample template inputs ----------------------------------------------------------------

PREPROCESSOR_CALLEES = {"tokenizer", "processor", "feature_extractor", "image_processor"}


def template_statements(template: str) -> list[ast.stmt]:
    """The template's doctest statements as ast (``{{``/``}}`` unescaped; ``{placeholders}`` stay literal)."""
    statements = []
    for block in doctest_blocks(template.replace("{{", "{").replace("}}", "}")):
        for statement in block:
            try:
                statements += ast.parse(statement.code).body
            except SyntaxError:
                continue
    return statements


def describe(node: ast.AST, variables: dict[str, Any]) -> Any:
    """A JSON-able view of an argument: its literal value, a variable's literal value, or ``<expr: source>``."""
    if isinstance(node, ast.Name) and node.id in variables:
        return variables[node.id]
    if isinstance(node, ast.List | ast.Tuple):
        return [describe(element, variables) for element in node.elts]
    value = literal(node, {})
    return value if value is not None else f"<expr: {ast.unparse(node)}>"


def sample_inputs_of(template: str) -> dict[str, Any]:
    """Literal assignments, preprocessor calls and datasets of one code-sample template, in order."""
    variables: dict[str, Any] = {}
    calls: list[dict[str, Any]] = []
    datasets: list[dict[str, Any]] = []
    for statement in template_statements(template):
        if isinstance(statement, ast.Assign):
            value = literal(statement.value, {})
            target = statement.targets[0]
            if isinstance(target, ast.Name) and isinstance(value, str | int | float):
                variables[target.id] = value
            elif isinstance(target, ast.Tuple) and isinstance(value, tuple) and len(value) == len(target.elts):
                variables.update({t.id: v for t, v in zip(target.elts, value, strict=True) if isinstance(t, ast.Name)})
        for call in (n for n in ast.walk(statement) if isinstance(n, ast.Call)):
            name = call_name(call)
            if name == "load_dataset":
                datasets.append({"args": [describe(a, variables) for a in call.args],
                                 "kwargs": {k: describe(v, variables) for k, v in sorted(keyword_map(call).items())}})
            elif isinstance(call.func, ast.Name) and name in PREPROCESSOR_CALLEES:
                calls.append({"callee": name, "args": [describe(a, variables) for a in call.args],
                              "kwargs": {k: describe(v, variables) for k, v in sorted(keyword_map(call).items())}})
    return {"variables": variables, "preprocessor_calls": calls, "datasets": datasets}


def mine_sample_inputs(source: SourceFile, tree: ast.Module) -> dict[str, Any]:
    constants = module_constants(tree)
    kinds = next(
        (node.value for node in tree.body
         if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "PT_SAMPLE_DOCSTRINGS"),
        None,
    )
    if not isinstance(kinds, ast.Dict):
        return {}
    samples = {}
    for key, value in zip(kinds.keys, kinds.values, strict=True):
        kind, name = literal(key, {}), getattr(value, "id", None)
        if isinstance(kind, str) and isinstance(constants.get(name), str):
            samples[kind] = {**sample_inputs_of(constants[name]), "source": source.where(name)}
    return samples


# --- 4.44 pipeline defaults --------------------------------------------------------------------------


def pipeline_defaults(source: SourceFile, tree: ast.Module) -> list[dict[str, Any]]:
    """(task, checkpoint, revision, source) of each PyTorch pipeline default in ``SUPPORTED_TASKS``."""
    table = next(
        (node.value for node in tree.body
         if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "SUPPORTED_TASKS"),
        None,
    )
    if not isinstance(table, ast.Dict):
        return []
    found: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for task_node, spec in zip(table.keys, table.values, strict=True):
        task = literal(task_node, {})
        default = dict_get(spec, "default")
        if not isinstance(task, str) or default is None:
            continue
        variants = [("", default)] if dict_get(default, "model") else [
            ("-".join(literal(k, {}) or ()), v) for k, v in zip(default.keys, default.values, strict=True)
        ]
        for variant, entry in variants:
            pinned = literal(dict_get(dict_get(entry, "model"), "pt"), {})
            if isinstance(pinned, tuple) and len(pinned) == 2 and is_hub_id(pinned[0]):
                found[(task, pinned[0], pinned[1])].append(variant)
    return [
        {"task": task, "checkpoint": checkpoint, "revision": revision,
         "source": source.where(f"SUPPORTED_TASKS[{task!r}]", "default")
         + (f" ({', '.join(v for v in variants if v)})" if any(variants) else "")}
        for (task, checkpoint, revision), variants in sorted(found.items())
    ]


def dict_get(node: ast.AST | None, key: str) -> ast.AST | None:
    if not isinstance(node, ast.Dict):
        return None
    for k, v in zip(node.keys, node.values, strict=True):
        if literal(k, {}) == key:
            return v
    return None


def repo_name_types(checkpoint: str, task: str, resolver: TypeResolver) -> list[str]:
    """Model types doing `task` whose name begins the repo name (``detr-resnet-50`` -> detr); longest first."""
    name = checkpoint.rsplit("/", 1)[-1].lower()
    matches = [
        t for t, tasks in resolver.type_tasks.items()
        if task in tasks and re.match(re.escape(t.lower().replace("_", "-")) + r"(-|$)", name)
    ]
    return sorted(matches, key=lambda t: (-len(t), t))[:1]


def pipeline_records(
    defaults: list[dict[str, Any]], resolver: TypeResolver, other: list[dict[str, Any]], task_map: dict[str, Any]
) -> list[dict[str, Any]]:
    """Pipeline defaults as records; the model type comes from other records naming the checkpoint, else its name."""
    types_by_checkpoint: dict[str, set[str]] = defaultdict(set)
    own_folder: dict[str, set[str]] = defaultdict(set)  # types named like the folder of a record citing them
    for record in other:
        if record["model_type"] and record["evidence"] != "auto-docstring":
            types_by_checkpoint[record["checkpoint"]].add(record["model_type"])
            if same_name(record["model_type"], record["source"].split()[2].split("/")[-2]):
                own_folder[record["checkpoint"]].add(record["model_type"])
    records = []
    for default in defaults:
        task, checkpoint = default["task"], default["checkpoint"]
        known = sorted(types_by_checkpoint.get(checkpoint, ()))
        fitting = [t for t in known if task in resolver.type_tasks.get(t, ())] or known
        fitting = [t for t in fitting if t in own_folder[checkpoint]] or fitting
        origin = "same-checkpoint-records" if fitting else "repo-name"
        types = fitting or repo_name_types(checkpoint, task, resolver)
        for model_type in types or [None]:
            entry = task_map["model_types"].get(model_type) or {}
            records.append(make_record(
                model_type=model_type, model_type_from=origin if model_type else None, checkpoint=checkpoint,
                task=task, evidence="pipeline-default", revision=default["revision"], source=default["source"],
                **{"class": (entry.get("classes") or {}).get(task)},
            ))
    return records


# --- driver ------------------------------------------------------------------------------------------


def mine_tree(resolver: TypeResolver, files: Iterable[SourceFile], *, legacy: bool) -> Iterator[dict[str, Any]]:
    """All class-level records of one transformers tree (configs are read first, for model types)."""
    parsed = [(source, parse(source)) for source in files]
    parsed = [(source, tree) for source, tree in parsed if tree is not None]
    for source, tree in parsed:
        if is_configuration(source.path):
            resolver.learn_configs(source, tree)
    for source, tree in parsed:
        if is_configuration(source.path):
            yield from mine_configs(resolver, source, tree)
        elif is_pt_modeling(source.path):
            if legacy:
                yield from mine_code_samples(resolver, source, tree)
            else:
                yield from mine_auto_docstrings(resolver, source, tree)
            yield from mine_doc_examples(resolver, source, tree)


def record_key(record: dict[str, Any]) -> tuple[str, ...]:
    return tuple(record[k] or "" for k in ("model_type", "checkpoint", "class", "evidence", "source", "task"))


def dedupe(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    unique = {json.dumps(r, sort_keys=True): r for r in records}
    return sorted(unique.values(), key=record_key)


def build(wheel: Path, tf5_dir: Path, tf5_version: str, task_map_path: Path) -> dict[str, Any]:
    task_map = json.loads(task_map_path.read_text(encoding="utf-8"))
    resolver = TypeResolver.from_task_map(task_map)
    tf4_version = wheel_version(wheel)
    tf4_files = read_wheel(wheel, f"transformers {tf4_version}")
    tf5_files = read_tree(tf5_dir, f"transformers {tf5_version}")

    records = list(mine_tree(resolver, tf4_files, legacy=True))
    records += mine_tree(resolver, tf5_files, legacy=False)
    by_path = {source.path: source for source in tf4_files}
    doc, pipelines = by_path["utils/doc.py"], by_path["pipelines/__init__.py"]
    sample_inputs = mine_sample_inputs(doc, parse(doc))
    records += pipeline_records(pipeline_defaults(pipelines, parse(pipelines)), resolver, records, task_map)

    return {
        "schema_version": SCHEMA_VERSION,
        "generated_by": GENERATED_BY,
        "evidence_levels": list(EVIDENCE_LEVELS),
        "sources": {
            "transformers_4": {"version": tf4_version, "wheel": wheel.name,
                               "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()},
            "transformers_5": {"version": tf5_version, "location": "installed package (site-packages/transformers)"},
            "task_map": {"path": "hf_testgen/data/task_map.json", "source": task_map.get("source")},
        },
        "sample_inputs": sample_inputs,
        "records": dedupe(records),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tf4-wheel", type=Path, required=True, help="transformers 4.x wheel (e.g. 4.44.2)")
    parser.add_argument("--tf5-dir", type=Path, help="transformers 5.x package directory (default: the installed one)")
    parser.add_argument("--task-map", type=Path, default=DEFAULT_TASK_MAP)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    tf5_dir = args.tf5_dir or installed_transformers()
    facts = build(args.tf4_wheel, tf5_dir, tree_version(tf5_dir), args.task_map)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.output, json.dumps(facts, sort_keys=True, indent=1, ensure_ascii=False) + "\n")
    counts = defaultdict(int)
    for record in facts["records"]:
        counts[record["evidence"]] += 1
    print(f"wrote {args.output}: {len(facts['records'])} records {dict(sorted(counts.items()))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
