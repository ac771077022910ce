"""Tasks, aliases, model-type names and the shipped compatibility map."""

from __future__ import annotations

import pytest

from hf_testgen.core.errors import UnknownModelTypeError, UnsupportedTaskError, UsageError
from hf_testgen.facts import tasks


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("sentiment-analysis", "text-classification"), ("ner", "token-classification"), ("fill_mask", "fill-mask")],
)
def test_task_aliases(given, canonical):
    assert tasks.canonical_task(given) == canonical


def test_unknown_task_suggests_the_closest_in_one_short_line():
    with pytest.raises(UsageError) as err:
        tasks.canonical_task("text-clasification")
    message = str(err.value)
    assert "'text-clasification'" in message
    assert "did you mean text-classification" in message
    assert "summarization" not in message and len(message) < 120  # not every task and alias (was ~900 characters)


@pytest.mark.parametrize(("given", "suggested"), [("sentiment", "sentiment-analysis"), ("fill_mak", "fill-mask")])
def test_an_unknown_task_suggests_aliases_too(given, suggested):
    with pytest.raises(UsageError, match=f"did you mean {suggested}"):
        tasks.canonical_task(given)


def test_a_task_with_nothing_close_says_where_the_list_is():
    with pytest.raises(UsageError) as err:
        tasks.canonical_task("zzzz")
    count = len(tasks.all_tasks())
    assert str(err.value) == f"unknown task 'zzzz'; --list-tasks lists all {count} tasks and their aliases"


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("gpt-j", "gptj"),
        ("gpt-neo", "gpt_neo"),
        ("gpt-neox", "gpt_neox"),
        ("XLM-RoBERTa", "xlm-roberta"),
        ("bert", "bert"),
    ],
)
def test_model_type_spellings(given, canonical):
    assert tasks.canonical_model_type(given) == canonical


def test_unknown_model_type_names_the_closest():
    with pytest.raises(UnknownModelTypeError) as err:
        tasks.canonical_model_type("bertt")
    assert "bert" in err.value.suggestions


def test_a_type_that_cannot_do_the_task_is_told_what_it_can_do():
    with pytest.raises(UnsupportedTaskError) as err:
        tasks.check_task("gpt2", "image-classification")
    assert "text-generation" in err.value.supported
    assert "image-classification" not in err.value.supported


def test_the_curated_table_covers_the_brief_and_agrees_with_transformers():
    required = {
        "text-classification", "token-classification", "question-answering", "text-generation", "summarization",
        "translation", "image-classification", "image-segmentation", "automatic-speech-recognition",
        "visual-question-answering", "fill-mask", "feature-extraction", "object-detection", "image-to-text",
        "audio-classification", "zero-shot-image-classification",
    }  # fmt: skip
    assert required <= set(tasks.TASK_TO_MODEL_TYPES)
    full = tasks.model_types_per_task()
    disagreements = [
        (task, model_type)
        for task, types in tasks.TASK_TO_MODEL_TYPES.items()
        for model_type in types
        if model_type not in full.get(task, ())
    ]
    assert disagreements == []


def test_the_full_map_is_large_and_needs_no_transformers():
    assert len(tasks.known_model_types()) > 500
    assert "fill-mask" in tasks.tasks_for_model_type("bert")


@pytest.mark.parametrize(
    ("model_type", "task"),
    [("bert", "fill-mask"), ("gpt2", "text-generation"), ("t5", "summarization"), ("vit", "image-classification"),
     ("whisper", "automatic-speech-recognition"), ("clip", "zero-shot-image-classification"),
     # curated for text-classification, but no known deberta checkpoint carries that head: the Hub's word wins
     ("deberta", "fill-mask")],
)  # fmt: skip
def test_default_task(model_type, task):
    assert tasks.default_task(model_type) == task


def test_every_static_default_type_is_a_transformers_type():
    """Selection relies on this to know a type without reading the static table."""
    from hf_testgen.facts.static_defaults import static_defaults

    assert set(static_defaults()) <= tasks.known_model_types()


def test_the_task_index_agrees_with_the_full_map():
    full = tasks._task_map()["model_types"]
    assert {mt: info["classes"] for mt, info in full.items()} == tasks._task_index()
    pretraining = {mt: info["pretraining_class"] for mt, info in full.items() if info["pretraining_class"]}
    assert pretraining == tasks._index()["pretraining"]
