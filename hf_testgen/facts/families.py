"""Architecture families: which template tests which (model type, task), and how the file loads it.

The facts come from `data/task_map.json` (derived from transformers' auto mappings by
`scripts/build_task_map.py`), never from the spelling of a model type:

- the task must be one of the type's `tasks`;
- the head class in `classes[task]` tells which Auto class loads it (`Wav2Vec2ForCTC` →
  `AutoModelForCTC`, `WhisperForConditionalGeneration` → `AutoModelForSpeechSeq2Seq`);
- the preprocessor facts (tokenizer / image processor / feature extractor / processor) and
  `is_encoder_decoder` tell whether the family's template can feed the model.

A pair that no family fits raises `GenerationError` with the reason; it is listed as unsupported
by `--list-families`, never given a template that would feed it the wrong input.

Tables live here, next to the code that reads them (timm style): adding a family is adding a row
and a template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, get_args

from ..core.errors import GenerationError
from ..core.records import validate_model_type
from ..core.text import natural_key
from . import tasks

Modality = Literal["text", "image", "audio", "image-text"]
Preprocessor = Literal["AutoTokenizer", "AutoImageProcessor", "AutoFeatureExtractor", "AutoProcessor"]
PREPROCESSORS: tuple[str, ...] = get_args(Preprocessor)


@dataclass(frozen=True)
class Family:
    """One architecture family: the tasks its template serves and the input it feeds."""

    name: str
    template: str
    modality: Modality
    tasks: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Head:
    """How a generated file loads and calls one (model type, task): the decision of `resolve_head`."""

    model_type: str
    task: str
    family: Family
    head_class: str  # the class transformers' auto mapping gives for this type and task
    auto_classes: tuple[str, ...]  # tried in order in the file; `head_class` is the last resort
    preprocessor: Preprocessor
    variant: str  # the task's flavour inside the template, e.g. "ctc" or "seq2seq" speech


# --- the family table ------------------------------------------------------------------------------
_FAMILY_ROWS: tuple[Family, ...] = (
    Family(
        "encoder-only",
        "encoder_only.py.j2",
        "text",
        ("fill-mask", "text-classification", "token-classification", "question-answering"),
        "text encoders with a masked-LM, classification or extractive-QA head: one forward pass",
    ),
    Family(
        "decoder-only",
        "decoder_only.py.j2",
        "text",
        ("text-generation",),
        "causal language models: generate() a few tokens from a text prompt",
    ),
    Family(
        "encoder-decoder",
        "encoder_decoder.py.j2",
        "text",
        ("summarization", "translation", "text2text-generation", "fill-mask"),
        "sequence-to-sequence text models: generate() from a text input (fill-mask: denoising forward)",
    ),
    Family(
        "vision",
        "vision.py.j2",
        "image",
        ("image-classification", "object-detection", "image-segmentation"),
        "image models: one forward pass on a synthetic RGB image",
    ),
    Family(
        "speech",
        "speech.py.j2",
        "audio",
        ("automatic-speech-recognition", "audio-classification"),
        "audio models: CTC logits, generate() for seq2seq, or class logits on a shipped spoken sentence",
    ),
    Family(
        "vision-text",
        "vision_text.py.j2",
        "image-text",
        ("zero-shot-image-classification", "image-to-text", "visual-question-answering"),
        "image+text models: image-text similarity, captioning, or answering a question about an image",
    ),
    Family(
        "embeddings",
        "embeddings.py.j2",
        "text",
        ("feature-extraction", "sentence-similarity"),
        "text encoders as embedders: hidden states and the cosine similarity of two sentences",
    ),
)
FAMILIES: dict[str, Family] = {family.name: family for family in _FAMILY_ROWS}

# task -> Auto classes, in the order the file tries them (older transformers may lack the first).
_TASK_AUTO_CLASSES: dict[str, tuple[str, ...]] = {
    "fill-mask": ("AutoModelForMaskedLM",),
    "text-classification": ("AutoModelForSequenceClassification",),
    "token-classification": ("AutoModelForTokenClassification",),
    "question-answering": ("AutoModelForQuestionAnswering",),
    "text-generation": ("AutoModelForCausalLM",),
    "summarization": ("AutoModelForSeq2SeqLM",),
    "translation": ("AutoModelForSeq2SeqLM",),
    "text2text-generation": ("AutoModelForSeq2SeqLM",),
    "image-classification": ("AutoModelForImageClassification",),
    "object-detection": ("AutoModelForObjectDetection",),
    "audio-classification": ("AutoModelForAudioClassification",),
    "zero-shot-image-classification": ("AutoModelForZeroShotImageClassification",),
    # transformers 5 folded AutoModelForVision2Seq into AutoModelForImageTextToText; 4.x has both.
    "image-to-text": ("AutoModelForImageTextToText", "AutoModelForVision2Seq"),
    "feature-extraction": ("AutoModel",),
    "sentence-similarity": ("AutoModel",),
}

# Tasks served by several auto mappings: the head class's suffix names the mapping it came from
# (scripts/build_task_map.py lists the mappings per task). (task, suffix, Auto classes, variant).
_HEAD_SUFFIX_RULES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("automatic-speech-recognition", "ForCTC", ("AutoModelForCTC",), "ctc"),
    ("image-segmentation", "ForSemanticSegmentation", ("AutoModelForSemanticSegmentation",), "semantic"),
    ("image-segmentation", "ForUniversalSegmentation", ("AutoModelForUniversalSegmentation",), "universal"),
    (
        "image-segmentation",
        "ForInstanceSegmentation",
        ("AutoModelForInstanceSegmentation", "AutoModelForUniversalSegmentation"),
        "universal",
    ),
    ("image-segmentation", "ForSegmentation", ("AutoModelForImageSegmentation",), "panoptic"),
    ("visual-question-answering", "ForQuestionAnswering", ("AutoModelForVisualQuestionAnswering",), "vqa"),
    (
        "visual-question-answering",
        "ForVisualQuestionAnswering",
        ("AutoModelForVisualQuestionAnswering",),
        "vqa",
    ),
)
# What a task falls back to when no suffix rule matched (None: no template for that head).
_TASK_DEFAULT_HEAD: dict[str, tuple[tuple[str, ...], str] | None] = {
    # MODEL_FOR_SPEECH_SEQ_2_SEQ_MAPPING_NAMES; TDT heads (MODEL_FOR_TDT_MAPPING_NAMES) are refused below.
    "automatic-speech-recognition": (("AutoModelForSpeechSeq2Seq",), "seq2seq"),
    "image-segmentation": None,
    # image-text-to-text models counted as VQA-capable by the task map generate their answer.
    "visual-question-answering": (("AutoModelForImageTextToText", "AutoModelForVision2Seq"), "vqa"),
}

# Heads that no template here can drive, with the reason (facts the task map cannot show).
_HEAD_REFUSALS: tuple[tuple[str, str], ...] = (
    ("ForTDT", "token-and-duration transducer heads decode with their own loop, not generate()"),
)

# Types the task map lists for a task whose inputs the generic template cannot build. Each row cites
# the transformers signature that makes it so; keep it short, most refusals come from the facts.
_UNFIT: dict[tuple[str, str], str] = {
    ("shieldgemma2", "image-classification"): "ShieldGemma2ForImageClassification needs a policy prompt "
    "(input_ids) with the image",
    ("oneformer", "image-segmentation"): "OneFormerForUniversalSegmentation needs task_inputs "
    "('semantic'/'instance'/'panoptic' text) with the image",
    ("dia", "automatic-speech-recognition"): "DiaForConditionalGeneration generates speech from text "
    "(text-to-speech); it does not transcribe audio",
    ("lxmert", "feature-extraction"): "LxmertModel needs visual_feats and visual_pos from an object detector",
    ("bros", "feature-extraction"): "BrosModel needs a bounding box (bbox) for every token",
}

_CLASS_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


# --- public questions ------------------------------------------------------------------------------
def family_names() -> list[str]:
    """The family names in table order."""
    return list(FAMILIES)


def family_for(model_type: str, task: str) -> Family:
    """The family whose template tests `model_type` on `task`.

    Args:
        model_type: a transformers model type (canonical spelling, e.g. "gptj").
        task: a canonical task name (e.g. "fill-mask").

    Returns:
        The `Family` row.

    Raises:
        GenerationError: no family fits; the message gives the reason.
    """
    return resolve_head(model_type, task).family


def resolve_head(model_type: str, task: str) -> Head:
    """Decide family, Auto classes and preprocessor for one (model type, task) from the shipped facts.

    Raises:
        GenerationError: the type cannot do the task, no template serves the task or head, or the
            type's inputs are not what the family's template feeds (the message says which).
    """
    facts = tasks.model_type_facts(model_type)
    if task not in facts.get("tasks", ()):
        can_do = ", ".join(facts.get("tasks", ())) or "no task (transformers has no head for it)"
        raise GenerationError(f"{model_type} cannot do {task}; transformers' auto mappings give it: {can_do}")
    head_class = facts.get("classes", {}).get(task)
    if not head_class or not _CLASS_NAME_RE.fullmatch(head_class):
        raise GenerationError(f"{model_type}: the task map names no model class for {task}")
    family = _family_of_task(model_type, task, facts)
    auto_classes, variant = _auto_classes(model_type, task, head_class)
    problem = _input_problem(model_type, task, family, facts)
    if problem:
        raise GenerationError(problem)
    return Head(
        model_type=model_type,
        task=task,
        family=family,
        head_class=head_class,
        auto_classes=auto_classes,
        preprocessor=_preprocessor(family, task, facts),
        variant=variant,
    )


def supported_model_types() -> list[str]:
    """Model types the generator can generate for their default task (`tasks.default_task`), sorted.

    Only types whose name passes `records.validate_model_type` (the file name comes from it).
    """
    return [name for name, problem in _default_task_verdicts().items() if problem is None]


def unsupported_model_types() -> dict[str, str]:
    """Model types the generator cannot generate for their default task → the reason, naturally sorted."""
    return {name: problem for name, problem in _default_task_verdicts().items() if problem is not None}


def types_by_family() -> dict[str, list[str]]:
    """Family name → the supported model types it serves for their default task (naturally sorted)."""
    grouped: dict[str, list[str]] = {name: [] for name in FAMILIES}
    for model_type in supported_model_types():
        task = tasks.default_task(model_type)
        assert task is not None  # a supported type has a default task
        grouped[family_for(model_type, task).name].append(model_type)
    return grouped


def default_task_verdict(model_type: str) -> tuple[str | None, str | None]:
    """(default task, reason it cannot be generated or None) for one model type."""
    try:
        validate_model_type(model_type)
    except ValueError as err:
        return None, str(err)
    task = tasks.default_task(model_type)
    if task is None:
        return None, f"{model_type} has no task: transformers' auto mappings give it no head"
    try:
        resolve_head(model_type, task)
    except GenerationError as err:
        return task, str(err)
    return task, None


# --- decisions -------------------------------------------------------------------------------------
@cache
def _default_task_verdicts() -> dict[str, str | None]:
    names = sorted(tasks.known_model_types(), key=natural_key)
    return {name: default_task_verdict(name)[1] for name in names}


def _family_of_task(model_type: str, task: str, facts: dict[str, Any]) -> Family:
    """The task picks the family; a masked-LM task on an encoder-decoder is a denoising seq2seq model."""
    if task == "fill-mask" and facts.get("is_encoder_decoder"):
        return FAMILIES["encoder-decoder"]
    for family in _FAMILY_ROWS:
        if task in family.tasks:
            return family
    raise GenerationError(f"{model_type}: no template for task {task}")


def _auto_classes(model_type: str, task: str, head_class: str) -> tuple[tuple[str, ...], str]:
    for suffix, reason in _HEAD_REFUSALS:
        if head_class.endswith(suffix):
            raise GenerationError(f"{model_type}: no template for {head_class} ({task}): {reason}")
    for rule_task, suffix, auto_classes, variant in _HEAD_SUFFIX_RULES:
        if rule_task == task and head_class.endswith(suffix):
            return auto_classes, variant
    if task in _TASK_AUTO_CLASSES:
        return _TASK_AUTO_CLASSES[task], task
    fallback = _TASK_DEFAULT_HEAD.get(task)
    if fallback is None:
        raise GenerationError(f"{model_type}: no template for {head_class} ({task})")
    return fallback


def _input_problem(model_type: str, task: str, family: Family, facts: dict[str, Any]) -> str | None:
    """Why the family's template cannot feed this type (None when it can), from the preprocessor facts."""
    unfit = _UNFIT.get((model_type, task))
    if unfit:
        return f"{model_type}: {unfit}"
    image, audio = facts.get("image_processor"), facts.get("feature_extractor")
    text = facts.get("tokenizer") or facts.get("processor")
    what = f"the {family.name} template ({task})"
    if family.name == "decoder-only":
        # Multimodal LMs (image processor too, e.g. gemma3n) also take a text-only prompt; an audio-only
        # decoder (musicgen, moshi) decodes audio codes, not text.
        if audio and not image:
            return f"{model_type} is an audio model ({audio}, no image processor): {what} prompts with text"
        return None
    if family.modality == "text":
        if image:
            return f"{model_type} has an image processor ({image}): {what} feeds text only"
        if audio:
            return f"{model_type} has a feature extractor ({audio}): {what} feeds text only"
        if family.name == "embeddings" and "sentence-similarity" not in facts.get("tasks", ()):
            return f"{model_type} has no text tokenizer in transformers' mappings: {what} embeds text"
        speech_out = {"text-to-speech", "text-to-audio"} & set(facts.get("tasks", ()))
        if family.name == "embeddings" and speech_out:
            return (
                f"{model_type} is a {min(speech_out)} model: its AutoModel returns audio, not hidden states"
            )
        return None
    if family.modality == "image":
        if audio and not image:
            return (
                f"{model_type} has a feature extractor ({audio}) and no image processor: {what} feeds images"
            )
        if text and not image:
            return f"{model_type} has no image processor: {what} feeds images"
        return None
    if family.modality == "audio":
        if image and not audio:
            return (
                f"{model_type} has an image processor ({image}) and no feature extractor: {what} feeds audio"
            )
        if not audio and not facts.get("processor") and facts.get("tokenizer"):
            return f"{model_type} has no feature extractor: {what} feeds audio"
        return None
    # image-text
    if audio:
        return f"{model_type} has a feature extractor ({audio}): {what} feeds an image and text"
    if not image:
        return f"{model_type} has no image processor in transformers' mappings: {what} feeds an image"
    if task != "image-to-text" and not facts.get("processor"):
        return f"{model_type} has no processor for image and text together: {what} needs one"
    return None


def _preprocessor(family: Family, task: str, facts: dict[str, Any]) -> Preprocessor:
    if family.modality == "text":
        return "AutoTokenizer"
    if family.modality == "image":
        return "AutoImageProcessor"
    if family.modality == "audio":
        return "AutoFeatureExtractor" if facts.get("feature_extractor") else "AutoProcessor"
    if task == "image-to-text" and not facts.get("processor"):
        return "AutoImageProcessor"
    return "AutoProcessor"
