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
- the inputs are literal tensors (``torch.tensor([[...]])``, also built by list arithmetic ``512 * [0, 31414]``,
  ``.reshape(1, -1)``, ``torch.arange(n).unsqueeze(0)``, or ``torch.ones(size) * 0.5`` kept by shape), masks
  ``input_ids.ne(model.config.pad_token_id)`` (the pad id read from the replayed checkpoint's config), or the
  checkpoint's own tokenizer / processor (with its literal loading options: ``use_fast=False``, ``size=480``), or a
  processor built from its class (``SegformerImageProcessorPil(...)``), called on literal text or the shipped COCO
  photo (``tokenizer("...", return_tensors="pt")``, its ``.input_ids`` or ``**inputs``), passed positionally or by
  keyword along with literal keyword arguments (``output_hidden_states=True``), or a literal dict spread with ``**``;
  one-``return`` module helpers (``_long_tensor(ids)``) and ``self.<method>()`` of assignments then a ``return``
  are followed;
- the output read is ``[i]``, ``.name`` or ``["name"]`` of the forward call, then a literal index (``[:, 1:4, 1:4]``),
  then optionally ``argmax(dim)`` (compared closely, or an ``assertEqual`` of the index, exactly) or ``mean(dim)``;
- the comparison is ``torch.testing.assert_close`` or ``torch.allclose`` (in ``assert`` / ``assertTrue``) against
  a literal tensor, or an ``Expectations({...})`` of literal tensors (the default entry and the ``cpu`` / ``cuda``
  ones are kept per device kind); its ``rtol`` / ``atol`` are kept (the functions' own defaults when omitted);
- greedy generation: ``model.generate(<inputs>, max_new_tokens=N, do_sample=False)`` (or ``max_length``) compared
  with literal token ids (``.tolist()`` / ``assertListEqual``) or with literal decoded text
  (``tokenizer.decode(out[0], skip_special_tokens=True)`` / ``batch_decode``, ``batch_decode(out)[i]``);
- a slow test of ``tests/pipelines/``: ``pipeline(task, model="<hub id>")`` (literal options such as
  ``aggregation_strategy``; the checkpoint's own tokenizer) called on literal text or the shipped photo (never a URL
  or a file path), ``assertEqual(nested_simplify(output), <literal>)``: replayed with the same rounding.

Any statement that changes the model (an attribute set, a method call other than ``eval`` / ``to``), a seed, a
loop or a helper call the evaluator cannot follow makes the names it touches unknown, and a comparison that needs an
unknown name is not kept. Every case names the test (``path::Class::method``) and the transformers commit.

Legacy ids without a namespace (``distilbert-base-uncased``) are also keyed under the namespaced id the registry
knows for the same name (the Hub redirects the old id there), recorded as ``alias_of``.

The evaluator lives in scripts/reference_values.py (what it knows), reference_evaluator.py and
reference_builders.py (expressions), reference_records.py (statements and the cases kept).

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
from pathlib import Path
from typing import Any

from _common import ROOT
from reference_evaluator import Evaluator
from reference_records import MethodMiner
from reference_values import SHIPPED_IMAGES, Property, Scope

from hf_testgen.core.files import atomic_write_text

DEFAULT_OUTPUT = ROOT / "hf_testgen" / "data" / "reference_outputs.json"
REGISTRY = ROOT / "model_registry.json"
TEST_FILE_RE = re.compile(r"tests/models/([^/]+)/test_modeling_(?!tf_|flax_)[^/]+\.py")
PIPELINE_FILE_RE = re.compile(r"tests/pipelines/test_pipelines_\w+\.py")


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
