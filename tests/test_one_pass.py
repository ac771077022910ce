"""One request and one pass: a `--generate` run resolves the model type and task once, resolves the head
once, and checks each value once, where it enters (the command line, a registry row), trusting it after.

The real functions are wrapped with counters (counting, not replacing) in every hf_testgen module that
holds them, so a call through any import of them is seen.
"""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from collections.abc import Callable
from types import ModuleType

import pytest

from hf_testgen.cli.generate import main
from hf_testgen.core import record_fields, records
from hf_testgen.core.config import DEFAULT_REGISTRY_PATH
from hf_testgen.facts import families, tasks
from hf_testgen.facts.static_defaults import static_defaults
from hf_testgen.generation.api import GenerationRequest
from hf_testgen.selection import chain
from hf_testgen.selection.chain import SelectionRequest

SHA = "86b5e0934494bd15c9632b12f734a8a67f723594"
# (module, function): what resolves the type, the task and the head, and what checks a name, id or sha
COUNTED: tuple[tuple[ModuleType, str], ...] = (
    (tasks, "canonical_model_type"),
    (tasks, "canonical_task"),
    (tasks, "check_task"),
    (families, "resolve_head"),
    (records, "validate_model_type"),
    (records, "validate_model_id"),
    (records, "validate_revision"),
    (record_fields, "sha"),
)


@pytest.fixture
def calls(monkeypatch) -> Counter:
    """(function name, first argument) → calls, for every function of COUNTED, however it was imported."""
    counts: Counter = Counter()
    for module, name in COUNTED:
        real = getattr(module, name)
        _replace_everywhere(monkeypatch, name, real, _counting(real, name, counts))
    return counts


def _replace_everywhere(monkeypatch, name: str, real: Callable, replacement: Callable) -> None:
    """Put `replacement` wherever an hf_testgen module holds `real` under `name` (`from x import name` too)."""
    for loaded in list(sys.modules.values()):
        if (getattr(loaded, "__name__", "") or "").startswith("hf_testgen") and getattr(loaded, name, None) is real:
            monkeypatch.setattr(loaded, name, replacement)


def _counting(real: Callable, name: str, counts: Counter) -> Callable:
    def wrapper(*args, **kwargs):
        counts[name, args[0] if args else None] += 1
        return real(*args, **kwargs)

    return wrapper


@pytest.fixture
def fresh_registry(tmp_path, monkeypatch):
    """A copy of the shipped registry at a new path: its rows are read (and checked) in this run, not cached
    from an earlier test. The shipped static table is read once per process, before counting."""
    monkeypatch.setenv("USE_STATIC_REGISTRY", "true")
    for name in ("HF_TESTGEN_REGISTRY", "HF_TESTGEN_BENCHMARKS", "HF_TESTGEN_API_DEADLINE"):
        monkeypatch.delenv(name, raising=False)
    static_defaults()
    path = tmp_path / "model_registry.json"
    shutil.copyfile(DEFAULT_REGISTRY_PATH, path)
    return path


def _constants(path) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # constants and defs only
    return namespace


def test_a_generate_run_resolves_type_and_task_once_and_checks_each_value_once(fresh_registry, calls, tmp_path):
    out = tmp_path / "out"
    argv = ["--generate", "bert", "--task", "text-classification", "--output-dir", str(out)]
    assert main([*argv, "--registry", str(fresh_registry)]) == 0
    file = _constants(out / "test_hf_bert_text_classification.py")
    model_id = file["MODEL_ID"]
    totals = Counter({name: 0 for _, name in COUNTED})
    for (name, _), count in calls.items():
        totals[name] += count
    assert totals["canonical_model_type"] == 1
    assert totals["canonical_task"] == 1
    assert totals["check_task"] == 1
    assert totals["resolve_head"] == 1
    assert calls["validate_model_type", "bert"] == 1  # the name as typed, where it entered
    assert calls["validate_model_id", model_id] == 1  # the selected row's id, when the registry row was read
    checked_twice = {key: n for key, n in calls.items() if key[0] != "resolve_head" and key[1] is not None and n > 1}
    assert checked_twice == {}  # no name, id or sha is checked again after it entered
    assert file["HEAD_CLASS"] == "BertForSequenceClassification"
    assert file["AUTO_CLASS"] == "AutoModelForSequenceClassification"


def test_a_given_model_is_checked_once_and_selection_never_runs(fresh_registry, calls, tmp_path, monkeypatch):
    def no_selection(*args, **kwargs):
        raise AssertionError("selection must not run with --model")

    _replace_everywhere(monkeypatch, "select", chain.select, no_selection)
    out = tmp_path / "out"
    argv = ["--generate", "BERT", "--model", "someone/bert-mini", "--revision", SHA, "--output-dir", str(out)]
    assert main([*argv, "--tiny-model", "someone/bert-tiny", "--registry", str(fresh_registry)]) == 0
    file = _constants(out / "test_hf_bert.py")
    given = ("someone/bert-mini", SHA, "someone/bert-tiny")
    assert (file["MODEL_ID"], file["REVISION"], file["TINY_MODEL_ID"]) == given
    assert calls["validate_model_type", "bert"] == 1
    assert calls["validate_model_id", "someone/bert-mini"] == 1
    assert calls["validate_model_id", "someone/bert-tiny"] == 1
    assert calls["validate_revision", SHA] == 1
    assert sum(n for (name, _), n in calls.items() if name == "canonical_model_type") == 1
    assert sum(n for (name, _), n in calls.items() if name == "resolve_head") == 1


def test_a_generation_request_holds_its_selection_request():
    """One request: the selection's fields are not repeated; keywords build the held SelectionRequest."""
    wanted = SelectionRequest("bert", task="fill-mask", max_size_mb=500, dtype="float16")
    by_fields = GenerationRequest(model_type=" BERT", task="fill-mask", max_size_mb=500, dtype="float16")
    assert by_fields == GenerationRequest(selection=wanted) and by_fields.selection == wanted
    assert by_fields.name == "bert"  # cleaned once, where it entered
    with pytest.raises(TypeError):
        GenerationRequest(model_type="bert", selection=wanted)
    with pytest.raises(TypeError):
        GenerationRequest(model_type="bert", max_size=500)  # not a SelectionRequest field
