"""Tasks, and which model types can do them.

Two tables:
- `TASK_TO_MODEL_TYPES`: the curated table of the product brief — the model types we pick
  models for, per task. Every pair in it is also in the full map (a test checks).
- the full compatibility map, derived from transformers' auto mappings by
  `scripts/build_task_map.py` and shipped as `data/task_map.json`, so transformers is not
  needed at run time.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..core.config import PACKAGE_DATA_DIR
from ..core.errors import UnknownModelTypeError, UnsupportedTaskError, UsageError
from ..core.text import unknown_choice

TASK_TO_MODEL_TYPES: dict[str, tuple[str, ...]] = {
    "text-classification": ("bert", "distilbert", "roberta", "albert", "electra", "xlm-roberta", "deberta"),
    "token-classification": ("bert", "distilbert", "roberta", "albert", "electra", "xlm-roberta"),
    "question-answering": ("bert", "distilbert", "roberta", "albert", "electra", "xlm-roberta"),
    "fill-mask": ("bert", "distilbert", "roberta", "albert", "electra", "xlm-roberta"),
    "feature-extraction": ("bert", "distilbert", "roberta", "xlm-roberta", "bart", "t5"),
    "text-generation": (
        "gpt2",
        "gptj",
        "gpt_neo",
        "gpt_neox",
        "llama",
        "mistral",
        "opt",
        "bloom",
        "phi",
        "qwen2",
    ),
    "summarization": ("t5", "bart", "pegasus", "mt5", "mbart"),
    "translation": ("t5", "mt5", "mbart", "marian"),
    "image-classification": ("vit", "deit", "convnext", "resnet", "swin", "beit", "timm_wrapper"),
    "object-detection": ("detr", "yolos"),
    "image-segmentation": ("segformer", "mask2former", "maskformer", "detr"),
    "automatic-speech-recognition": ("whisper", "wav2vec2", "hubert"),
    "audio-classification": ("wav2vec2", "hubert", "audio-spectrogram-transformer"),
    "visual-question-answering": ("vilt", "blip", "blip-2"),
    "image-to-text": ("blip", "blip-2", "git", "llava"),
    "zero-shot-image-classification": ("clip", "siglip"),
}

TASK_ALIASES: dict[str, str] = {
    "sentiment-analysis": "text-classification",
    "ner": "token-classification",
    "qa": "question-answering",
    "asr": "automatic-speech-recognition",
    "vqa": "visual-question-answering",
    "text2text": "text2text-generation",
    "embeddings": "feature-extraction",
    "image-captioning": "image-to-text",
}

# Names people use for a model type that differ from transformers' config `model_type`.
MODEL_TYPE_ALIASES: dict[str, str] = {
    "gpt-j": "gptj",
    "gpt-neo": "gpt_neo",
    "gpt-neox": "gpt_neox",
    "xlm_roberta": "xlm-roberta",
    "blip2": "blip-2",
    "ast": "audio-spectrogram-transformer",
    "timm": "timm_wrapper",
}

# The task a model type is tested on when none is given: the first of these that the curated
# table gives it, else the first the full map gives it. Specific heads come before generic ones
# (whisper is a speech recogniser even though transformers also maps it to text-generation).
_DEFAULT_TASK_ORDER = (
    "fill-mask",
    "automatic-speech-recognition",
    "zero-shot-image-classification",
    # a seq2seq LM outside the curated table generates text with the head it is trained with; whether
    # it summarises or translates depends on its fine-tuning (curated types keep summarization)
    "text2text-generation",
    "summarization",
    "translation",
    "text-generation",
    "image-to-text",
    "object-detection",
    "image-segmentation",
    "image-classification",
    "visual-question-answering",
    "audio-classification",
    "text-classification",
    "feature-extraction",
)


@cache
def _task_map() -> dict[str, Any]:
    """The full map (classes, tokenizers, processors): for the generator and --list-tasks."""
    return json.loads((PACKAGE_DATA_DIR / "task_map.json").read_text(encoding="utf-8"))


@cache
def _index() -> dict[str, Any]:
    return json.loads((PACKAGE_DATA_DIR / "task_index.json").read_text(encoding="utf-8"))


@cache
def _evidence_defaults() -> dict[str, str]:
    """Model type → the task its known checkpoints most often carry the head of (see `default_task`)."""
    rows = json.loads((PACKAGE_DATA_DIR / "default_tasks.json").read_text(encoding="utf-8"))
    return {model_type: row["task"] for model_type, row in rows["model_types"].items()}


def _task_index() -> dict[str, dict[str, str]]:
    """Model type → {task: head class}, the part of the map that every selection reads."""
    return _index()["model_types"]


def head_class(model_type: str, task: str) -> str | None:
    """The model class transformers' auto mappings give for (type, task), e.g. BertForSequenceClassification."""
    return _task_index().get(model_type, {}).get(task)


def pretraining_class(model_type: str) -> str | None:
    """The class the type's checkpoints are pretrained as (MODEL_FOR_PRETRAINING_MAPPING), if transformers says."""
    return _index()["pretraining"].get(model_type)


def model_types_per_task() -> dict[str, list[str]]:
    """The full map: task → every model type transformers can run it with."""
    return _task_map()["tasks"]


@cache
def all_tasks() -> list[str]:
    """Every task of the full map and the curated table, sorted."""
    return sorted({task for tasks in _task_index().values() for task in tasks} | set(TASK_TO_MODEL_TYPES))


def known_model_types() -> frozenset[str]:
    """Every model type transformers knows (from the shipped map)."""
    return frozenset(_task_index())


def model_type_facts(model_type: str) -> dict[str, Any]:
    """The shipped facts about a model type: tasks, classes per task, tokenizer/processor classes."""
    return _task_map()["model_types"].get(model_type, {"tasks": [], "classes": {}})


def canonical_task(task: str) -> str:
    """The canonical name of a task ("sentiment-analysis" → "text-classification").

    Raises:
        UsageError: the task is unknown; one line with the closest tasks and aliases (--list-tasks lists all).
    """
    name = task.strip().lower().replace("_", "-")
    name = TASK_ALIASES.get(name, name)
    if name not in all_tasks():
        listed = f"--list-tasks lists all {len(all_tasks())} tasks and their aliases"
        raise UsageError(unknown_choice("task", task, all_tasks(), aliases=tuple(TASK_ALIASES), listed=listed))
    return name


def canonical_model_type(model_type: str, extra_known: frozenset[str] = frozenset()) -> str:
    """The transformers spelling of a model type ("gpt-j" → "gptj", "XLM-RoBERTa" → "xlm-roberta").

    Args:
        model_type: what the user typed.
        extra_known: model types known from elsewhere (registry, static defaults).

    Raises:
        UnknownModelTypeError: with the closest known names.
    """
    raw = model_type.strip().lower()
    known = known_model_types() | extra_known
    for candidate in (raw, MODEL_TYPE_ALIASES.get(raw), raw.replace("-", "_"), raw.replace("_", "-")):
        if candidate and candidate in known:
            return candidate
    import difflib  # only for the error message

    suggestions = difflib.get_close_matches(raw, sorted(known | set(MODEL_TYPE_ALIASES)), n=3, cutoff=0.6)
    raise UnknownModelTypeError(model_type, suggestions)


def tasks_for_model_type(model_type: str) -> list[str]:
    """Tasks the model type can do: the full map plus the curated table."""
    curated = {task for task, types in TASK_TO_MODEL_TYPES.items() if model_type in types}
    return sorted(set(_task_index().get(model_type, ())) | curated)


def check_task(model_type: str, task: str) -> None:
    """Raise `UnsupportedTaskError` (listing what it can do) when the model type cannot do the task."""
    supported = tasks_for_model_type(model_type)
    if task not in supported:
        raise UnsupportedTaskError(model_type, task, supported)


def default_task(model_type: str) -> str | None:
    """The task a model type is tested on when none is given.

    The head the type's known checkpoints carry most often (`data/default_tasks.json`, derived from the
    registry's Hub evidence by scripts/build_registry.py) where that file names one: for types outside the
    curated table, and for curated types none of whose checkpoints carries the curated task's head
    (dinov2_with_registers is curated for image-classification, its checkpoints are backbones); else the
    curated table's task (`_DEFAULT_TASK_ORDER` among them); else the first supported task in that order.
    """
    curated = {task for task, types in TASK_TO_MODEL_TYPES.items() if model_type in types}
    supported = tasks_for_model_type(model_type)
    common = _evidence_defaults().get(model_type)
    if common in supported:
        return common
    for pool in (curated, supported):
        for task in _DEFAULT_TASK_ORDER:
            if task in pool:
                return task
    return supported[0] if supported else None
