"""One task table (data/task_table.json) that the generator, build_task_map.py and the test-checkpoint miner read,
and the typed facts with a table of input rules that the families decide with."""

from __future__ import annotations

import inspect
import sys
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import build_task_map  # noqa: E402
import mine_test_checkpoints  # noqa: E402

from hf_testgen.core.errors import GenerationError  # noqa: E402
from hf_testgen.facts import curated, families, task_table, tasks  # noqa: E402


def test_build_task_map_reads_the_mappings_of_the_one_table():
    assert task_table.task_mappings() == build_task_map.TASKS
    assert build_task_map.TASKS["automatic-speech-recognition"] == [
        "MODEL_FOR_CTC_MAPPING_NAMES",
        "MODEL_FOR_SPEECH_SEQ_2_SEQ_MAPPING_NAMES",
        "MODEL_FOR_TDT_MAPPING_NAMES",
    ]


def test_the_miner_reads_each_auto_class_task_from_the_one_table():
    assert task_table.auto_class_tasks() == mine_test_checkpoints.AUTO_CLASS_TASKS
    # the first row naming a class wins: Seq2SeqLM heads are the same class for all three seq2seq tasks
    assert task_table.auto_class_tasks()["AutoModelForSeq2SeqLM"] == "text2text-generation"
    assert task_table.auto_class_tasks()["AutoModel"] == "feature-extraction"
    assert task_table.auto_class_tasks()["AutoModelForInstanceSegmentation"] == "image-segmentation"


def test_the_shipped_task_map_covers_the_tasks_of_the_table():
    """task_map.json was built from this table: every task it maps is a row, with the row's mappings."""
    shipped = tasks._task_map()["task_mappings"]
    rows = task_table.task_rows()
    assert set(shipped) <= set(rows)
    for task, names in shipped.items():
        assert set(names) - {"MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES"} <= set(rows[task].mappings), task


def test_every_row_has_a_source_and_known_auto_classes():
    for row in task_table.task_rows().values():
        assert row.source.startswith("transformers "), row.task
        for name in (*row.auto_classes, *(c for rule in row.heads for c in rule.auto_classes)):
            assert name.startswith("AutoModel"), (row.task, name)


def test_each_auto_class_loads_one_of_its_rows_mappings_in_the_installed_transformers():
    modeling_auto = pytest.importorskip("transformers.models.auto.modeling_auto")
    names = {id(value): key for key, value in vars(modeling_auto).items() if key.endswith("_NAMES")}
    checked = 0
    for row in task_table.task_rows().values():
        for rule_classes in (row.auto_classes, *(rule.auto_classes for rule in row.heads)):
            present = [c for c in rule_classes if hasattr(modeling_auto, c)]
            loaded = {names.get(id(getattr(modeling_auto, c)._model_mapping._model_mapping)) for c in present}
            if row.task == "visual-question-answering" and rule_classes == row.auto_classes:
                loaded -= {"MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES"}  # counted in by build_task_map (VQA_MIN_SIZE)
            assert loaded <= set(row.mappings), (row.task, rule_classes, loaded)
            checked += len(present)
    assert checked > 40


def test_the_generator_loads_a_head_with_the_auto_classes_of_its_task_row():
    whisper = families.resolve_head("whisper", "automatic-speech-recognition")
    wav2vec2 = families.resolve_head("wav2vec2", "automatic-speech-recognition")
    assert (whisper.auto_classes, whisper.variant) == (("AutoModelForSpeechSeq2Seq",), "seq2seq")
    assert (wav2vec2.auto_classes, wav2vec2.variant) == (("AutoModelForCTC",), "ctc")
    row = task_table.task_rows()["fill-mask"]
    assert families.resolve_head("bert", "fill-mask").auto_classes == row.auto_classes == ("AutoModelForMaskedLM",)


def test_a_head_no_row_loads_is_refused():
    row = task_table.task_rows()["image-segmentation"]
    assert row.loader_for("FooForSemanticSegmentation") == (("AutoModelForSemanticSegmentation",), "semantic")
    assert row.loader_for("FooForDepthEstimation") is None


def test_type_facts_are_typed_and_frozen():
    facts = families.type_facts("bert")
    assert facts.tokenizer and facts.text == facts.tokenizer and facts.image is None
    assert "fill-mask" in facts.tasks and facts.classes["fill-mask"] == "BertForMaskedLM"
    with pytest.raises(FrozenInstanceError):
        facts.tokenizer = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        facts.classes["fill-mask"] = "Other"  # type: ignore[index]
    unknown = families.type_facts("no-such-type")
    assert (unknown.tasks, dict(unknown.classes), unknown.text) == ((), {}, None)


def test_every_family_has_input_rules_by_name_or_modality():
    for family in families.FAMILIES.values():
        assert family.name in families._INPUT_RULES or family.modality in families._INPUT_RULES, family.name


@pytest.mark.parametrize(
    ("row", "task", "message"),
    [
        ({"tasks": ["fill-mask"], "classes": {"fill-mask": "XForMaskedLM"}, "image_processor": "XImageProcessor"},
         "fill-mask",
         "x has an image processor (XImageProcessor): the encoder-only template (fill-mask) feeds text only"),
        ({"tasks": ["text-generation"], "classes": {"text-generation": "XForCausalLM"}, "feature_extractor": "XFE"},
         "text-generation",
         "x is an audio model (XFE, no image processor): "
         "the decoder-only template (text-generation) prompts with text"),
        ({"tasks": ["feature-extraction", "sentence-similarity", "text-to-speech"],
          "classes": {"feature-extraction": "XModel"}, "tokenizer": "XTokenizer"},
         "feature-extraction", "x is a text-to-speech model: its AutoModel returns audio, not hidden states"),
        ({"tasks": ["image-classification"], "classes": {"image-classification": "XForImageClassification"},
          "tokenizer": "XTokenizer"},
         "image-classification", "x has no image processor: the vision template (image-classification) feeds images"),
        ({"tasks": ["zero-shot-image-classification"], "classes": {"zero-shot-image-classification": "XModel"},
          "image_processor": "XImageProcessor"},
         "zero-shot-image-classification", "x has no processor for image and text together: the vision-text "
         "template (zero-shot-image-classification) needs one"),
    ],
)
def test_an_input_rule_of_the_table_names_the_type_and_what_the_template_feeds(monkeypatch, row, task, message):
    monkeypatch.setattr(tasks, "model_type_facts", lambda model_type: row)
    with pytest.raises(GenerationError) as caught:
        families.resolve_head("x", task)
    assert str(caught.value) == message


def test_curated_head_facts_are_rows_with_a_source():
    rows = curated._rows()
    for table in ("pretraining_holds_mlm", "auto_mapping_alternates", "unfit_inputs"):
        assert rows[table], table
        for row in rows[table]:
            assert row["source"].startswith("transformers "), row
    assert "bert" in curated.pretraining_holds_mlm() and "roberta" not in curated.pretraining_holds_mlm()
    assert curated.auto_mapping_alternates() == {"image-classification": ("ForImageClassificationWithTeacher",)}
    assert curated.unfit_inputs()[("bros", "feature-extraction")].startswith("BrosModel needs a bounding box")


def test_curated_facts_hold_in_the_installed_transformers():
    transformers = pytest.importorskip("transformers")
    modeling_auto = pytest.importorskip("transformers.models.auto.modeling_auto")
    pretraining = modeling_auto.MODEL_FOR_PRETRAINING_MAPPING_NAMES
    for model_type in curated.pretraining_holds_mlm() & set(pretraining):
        source = inspect.getsource(getattr(transformers, pretraining[model_type]).__init__)
        assert "PreTrainingHeads(" in source or "MLMHead(" in source, model_type
    for task, suffixes in curated.auto_mapping_alternates().items():
        mapping_names = task_table.task_rows()[task].mappings
        heads = [v for name in mapping_names for v in getattr(modeling_auto, name).values() if isinstance(v, tuple)]
        assert all(any(h.endswith(s) for v in heads for h in v[1:]) for s in suffixes), task
    for (model_type, task), reason in curated.unfit_inputs().items():
        head = tasks.head_class(model_type, task)
        assert reason.startswith(head), (model_type, task, head)
        assert hasattr(transformers, head)


def test_the_task_filter_and_the_families_read_the_curated_rows(monkeypatch):
    from hf_testgen.core.records import ModelCandidate
    from hf_testgen.selection import fitness

    saved_as_pretraining = ModelCandidate(model_id="o/m", model_type="bert", architectures=("BertForPreTraining",))
    assert fitness.task_fitness(saved_as_pretraining, "fill-mask").fits
    monkeypatch.setattr(curated, "pretraining_holds_mlm", lambda: frozenset())
    assert not fitness.task_fitness(saved_as_pretraining, "fill-mask").fits
    monkeypatch.setattr(curated, "unfit_inputs", lambda: {("bert", "fill-mask"): "BertForMaskedLM is curated away"})
    with pytest.raises(GenerationError, match="bert: BertForMaskedLM is curated away"):
        families.resolve_head("bert", "fill-mask")
