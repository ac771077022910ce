"""Architecture families: which template tests which (model type, task), and how the file loads it.

The facts come from `data/task_map.json` (derived from transformers' auto mappings by
`scripts/build_task_map.py`), never from the spelling of a model type:

- the task must be one of the type's `tasks`;
- the head class in `classes[task]` tells which Auto class loads it, by the task's row of the one
  task table `data/task_table.json` (`Wav2Vec2ForCTC` → `AutoModelForCTC`,
  `WhisperForConditionalGeneration` → `AutoModelForSpeechSeq2Seq`);
- the preprocessor facts (tokenizer / image processor / feature extractor / processor) and
  `is_encoder_decoder`, read once into a typed `TypeFacts`, tell whether the family's template can
  feed the model: `_INPUT_RULES` holds the rules per family or modality, as rows tried in order;
  the few types whose inputs no fact shows are rows of `unfit_inputs` in `data/head_facts.json`.

A pair that no family fits raises `GenerationError` with the reason; it is listed as unsupported
by `--list-families`, never given a template that would feed it the wrong input.

The family and input-rule tables live here, next to the code that reads them (timm style): adding a
family is adding a row and a template.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any, Literal, get_args

from ..core.errors import GenerationError
from ..core.records import validate_model_type
from ..core.text import natural_key
from . import curated, task_table, tasks

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


@dataclass(frozen=True)
class TypeFacts:
    """What the family rules read about one model type, built once from its `data/task_map.json` row."""

    model_type: str
    tasks: tuple[str, ...]
    classes: Mapping[str, str]  # task -> head class
    tokenizer: str | None
    image_processor: str | None
    feature_extractor: str | None
    processor: str | None
    is_encoder_decoder: bool

    @classmethod
    def from_row(cls, model_type: str, row: Mapping[str, Any]) -> TypeFacts:
        return cls(
            model_type=model_type,
            tasks=tuple(row.get("tasks", ())),
            classes=MappingProxyType(dict(row.get("classes", {}))),
            tokenizer=row.get("tokenizer"),
            image_processor=row.get("image_processor"),
            feature_extractor=row.get("feature_extractor"),
            processor=row.get("processor"),
            is_encoder_decoder=bool(row.get("is_encoder_decoder")),
        )

    @property
    def image(self) -> str | None:
        return self.image_processor

    @property
    def audio(self) -> str | None:
        return self.feature_extractor

    @property
    def text(self) -> str | None:
        return self.tokenizer or self.processor

    @property
    def speech_output(self) -> str | None:
        """"text-to-audio" or "text-to-speech" when transformers maps the type to one (the first), else None."""
        return min({"text-to-speech", "text-to-audio"} & set(self.tasks), default=None)


def type_facts(model_type: str) -> TypeFacts:
    """The shipped facts about `model_type` as a `TypeFacts` (no tasks and no preprocessors when unknown)."""
    return TypeFacts.from_row(model_type, tasks.model_type_facts(model_type))


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

# Heads that no template here can drive, with the reason (facts the task map cannot show).
_HEAD_REFUSALS: tuple[tuple[str, str], ...] = (
    ("ForTDT", "token-and-duration transducer heads decode with their own loop, not generate()"),
)

@dataclass(frozen=True)
class InputRule:
    """A reason a family's template cannot feed a type: `says` (a format string) applies when `when` holds."""

    when: Callable[[TypeFacts, str], object]  # (facts, task) -> truthy when the template cannot feed the type
    says: str  # fields: {type}, {image}, {audio}, {speech}, {what} ("the <family> template (<task>)")


_TEXT_ONLY_RULES: tuple[InputRule, ...] = (
    InputRule(lambda f, task: f.image, "{type} has an image processor ({image}): {what} feeds text only"),
    InputRule(lambda f, task: f.audio, "{type} has a feature extractor ({audio}): {what} feeds text only"),
)
# Family name, else modality -> the rules its template's input must pass, checked in order (first one wins).
_INPUT_RULES: dict[str, tuple[InputRule, ...]] = {
    # Multimodal LMs (image processor too, e.g. gemma3n) also take a text-only prompt; an audio-only
    # decoder (musicgen, moshi) decodes audio codes, not text.
    "decoder-only": (
        InputRule(
            lambda f, task: f.audio and not f.image,
            "{type} is an audio model ({audio}, no image processor): {what} prompts with text",
        ),
    ),
    "embeddings": (
        *_TEXT_ONLY_RULES,
        InputRule(
            lambda f, task: "sentence-similarity" not in f.tasks,
            "{type} has no text tokenizer in transformers' mappings: {what} embeds text",
        ),
        InputRule(
            lambda f, task: f.speech_output,
            "{type} is a {speech} model: its AutoModel returns audio, not hidden states",
        ),
    ),
    "text": _TEXT_ONLY_RULES,
    "image": (
        InputRule(
            lambda f, task: f.audio and not f.image,
            "{type} has a feature extractor ({audio}) and no image processor: {what} feeds images",
        ),
        InputRule(lambda f, task: f.text and not f.image, "{type} has no image processor: {what} feeds images"),
    ),
    "audio": (
        InputRule(
            lambda f, task: f.image and not f.audio,
            "{type} has an image processor ({image}) and no feature extractor: {what} feeds audio",
        ),
        InputRule(
            lambda f, task: not f.audio and not f.processor and f.tokenizer,
            "{type} has no feature extractor: {what} feeds audio",
        ),
    ),
    "image-text": (
        InputRule(lambda f, task: f.audio, "{type} has a feature extractor ({audio}): {what} feeds an image and text"),
        InputRule(
            lambda f, task: not f.image,
            "{type} has no image processor in transformers' mappings: {what} feeds an image",
        ),
        InputRule(
            lambda f, task: task != "image-to-text" and not f.processor,
            "{type} has no processor for image and text together: {what} needs one",
        ),
    ),
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
    facts = type_facts(model_type)
    if task not in facts.tasks:
        can_do = ", ".join(facts.tasks) or "no task (transformers has no head for it)"
        raise GenerationError(f"{model_type} cannot do {task}; transformers' auto mappings give it: {can_do}")
    head_class = facts.classes.get(task)
    if not head_class or not _CLASS_NAME_RE.fullmatch(head_class):
        raise GenerationError(f"{model_type}: the task map names no model class for {task}")
    family = _family_of_task(facts, task)
    auto_classes, variant = _auto_classes(model_type, task, head_class)
    problem = _input_problem(facts, task, family)
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


def _family_of_task(facts: TypeFacts, task: str) -> Family:
    """The task picks the family; a masked-LM task on an encoder-decoder is a denoising seq2seq model."""
    if task == "fill-mask" and facts.is_encoder_decoder:
        return FAMILIES["encoder-decoder"]
    for family in _FAMILY_ROWS:
        if task in family.tasks:
            return family
    raise GenerationError(f"{facts.model_type}: no template for task {task}")


def _auto_classes(model_type: str, task: str, head_class: str) -> tuple[tuple[str, ...], str]:
    """(Auto classes, variant) from the task table's row for `task` (`data/task_table.json`)."""
    for suffix, reason in _HEAD_REFUSALS:
        if head_class.endswith(suffix):
            raise GenerationError(f"{model_type}: no template for {head_class} ({task}): {reason}")
    row = task_table.task_rows().get(task)
    loader = row.loader_for(head_class) if row else None
    if loader is None:
        raise GenerationError(f"{model_type}: no template for {head_class} ({task})")
    return loader


def _input_problem(facts: TypeFacts, task: str, family: Family) -> str | None:
    """Why the family's template cannot feed this type (None when it can): the first input rule that applies."""
    unfit = curated.unfit_inputs().get((facts.model_type, task))  # signatures the facts cannot show
    if unfit:
        return f"{facts.model_type}: {unfit}"
    rules = _INPUT_RULES.get(family.name, _INPUT_RULES[family.modality])
    rule = next((rule for rule in rules if rule.when(facts, task)), None)
    if rule is None:
        return None
    what = f"the {family.name} template ({task})"
    return rule.says.format(
        type=facts.model_type, image=facts.image, audio=facts.audio, speech=facts.speech_output, what=what
    )


_MODALITY_PREPROCESSOR: dict[str, Preprocessor] = {"text": "AutoTokenizer", "image": "AutoImageProcessor"}


def _preprocessor(family: Family, task: str, facts: TypeFacts) -> Preprocessor:
    if family.modality in _MODALITY_PREPROCESSOR:
        return _MODALITY_PREPROCESSOR[family.modality]
    if family.modality == "audio":
        return "AutoFeatureExtractor" if facts.feature_extractor else "AutoProcessor"
    if task == "image-to-text" and not facts.processor:
        return "AutoImageProcessor"
    return "AutoProcessor"
