"""One file per (type, task): another task's file sits beside the default one, with a tiny checkpoint of its head."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from hf_testgen.cli.generate import main
from hf_testgen.facts import families, tasks
from hf_testgen.facts.tiny import tiny_for_head
from hf_testgen.generation.render import file_name_for

TINY_TABLE = Path(families.__file__).parent.parent / "data" / "tiny_models.json"


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("USE_STATIC_REGISTRY", "true")
    for name in ("HF_TESTGEN_REGISTRY", "HF_TESTGEN_BENCHMARKS", "HF_TESTGEN_API_DEADLINE"):
        monkeypatch.delenv(name, raising=False)


def _constants(path: Path) -> dict[str, object]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id.isupper()
        and isinstance(node.value, (ast.Constant, ast.Tuple))
    }


def test_file_names_keep_the_default_task_short_and_name_any_other():
    assert file_name_for("bert") == "test_hf_bert.py"
    assert file_name_for("bert", "text-classification") == "test_hf_bert_text_classification.py"
    assert file_name_for("xlm-roberta", "token-classification") == "test_hf_xlm_roberta_token_classification.py"


def test_a_task_file_does_not_overwrite_the_default_file_and_names_its_heads_tiny_checkpoint(offline, tmp_path):
    default_task = tasks.default_task("bert")
    assert main(["--generate", "bert", "--hardware", "none", "--output-dir", str(tmp_path)]) == 0
    argv = ["--generate", "bert", "--task", "text-classification", "--hardware", "none", "--output-dir", str(tmp_path)]
    assert main(argv) == 0
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == ["test_hf_bert.py", "test_hf_bert_text_classification.py"]
    default, other = _constants(tmp_path / names[0]), _constants(tmp_path / names[1])
    assert (default["TASK"], other["TASK"]) == (default_task, "text-classification")
    for constants in (default, other):
        head = families.resolve_head("bert", constants["TASK"]).head_class
        assert constants["TINY_MODEL_ID"] == f"hf-internal-testing/tiny-random-{head}"  # the head the task loads
    assert other["TINY_MODEL_ID"] == "hf-internal-testing/tiny-random-BertForSequenceClassification"


def test_a_head_without_a_tiny_checkpoint_gets_none_and_the_reason():
    table = json.loads(TINY_TABLE.read_text(encoding="utf-8"))["models"]
    assert "NoSuchModelForMagic" not in table
    tiny, reason = tiny_for_head("NoSuchModelForMagic", "hf-internal-testing/tiny-random-NoSuchModel")
    assert tiny is None and "NoSuchModelForMagic" in reason and "tiny-random-NoSuchModel" in reason
    assert tiny_for_head("BertForMaskedLM", None) == (table["BertForMaskedLM"]["id"], None)


def test_the_reason_is_written_above_tiny_model_id(offline, tmp_path, monkeypatch):
    from hf_testgen.generation import api as generation

    monkeypatch.setattr(generation, "tiny_for_head", lambda head, candidate: (None, f"no tiny random {head} here"))
    assert main(["--generate", "bert", "--hardware", "none", "--output-dir", str(tmp_path)]) == 0
    text = (tmp_path / "test_hf_bert.py").read_text(encoding="utf-8")
    assert "# No tiny test checkpoint: no tiny random BertForMaskedLM here\nTINY_MODEL_ID = None\n" in text


def test_every_tiny_row_names_a_class_and_a_pinned_commit():
    document = json.loads(TINY_TABLE.read_text(encoding="utf-8"))
    assert document["generated_by"] == "scripts/build_tiny_models.py" and len(document["models"]) >= 500
    for cls, row in document["models"].items():
        assert row["id"] == f"hf-internal-testing/tiny-random-{cls}" and len(row["sha"]) == 40, (cls, row)


def test_the_coverage_matrix_reads_a_task_files_type():
    from hf_testgen.suite.coverage import type_of_file_stem

    assert type_of_file_stem("bert_text_classification") == "bert"
    assert type_of_file_stem("xlm_roberta") == "xlm_roberta"
    assert type_of_file_stem("distilbert_text_classification") == "distilbert"
