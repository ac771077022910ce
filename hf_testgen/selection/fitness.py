"""Is a checkpoint fit for a task? Only with evidence that it carries the task's head.

A checkpoint loaded into a head class it was not trained with gets a randomly initialised head and
tests nothing, so the task filter asks for evidence, in this order:

1. `architectures` name the task's head class (config.architectures from the Hub, or the class a
   transformers docstring example loads the checkpoint into with a stated expected output);
2. contrary evidence rejects: a pipeline tag for another task, or `architectures` that name
   only other heads (a feature-extraction test can use any checkpoint, so nothing contradicts it);
3. the pipeline tag is the task, or one served by the same head (summarization / translation /
   text2text-generation on a seq2seq LM: for summarization and translation the tag is the only
   evidence, as the head class is the one the model is pretrained with);
4. the task uses the head every checkpoint of the type is trained with: text-generation on a
   causal LM type, image-to-text on an image-text generator, speech recognition on a speech
   sequence-to-sequence model (whisper), text2text-generation on a seq2seq LM, zero-shot image
   classification on a contrastive image-text model (CLIP): base and fine-tuned checkpoints alike
   keep that head;
5. feature-extraction and sentence-similarity: every checkpoint holds its encoder.

Anything else is rejected, and the reason names the evidence that was missing. Masked-LM,
classification, QA, CTC, detection and segmentation heads need evidence of kind 2 or 3: encoders are
often published without their pretraining head (embedders) and fine-tuned heads differ per checkpoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.records import ModelCandidate
from ..facts import tasks

# Tasks served by the same head, so a checkpoint tagged with one can be tested on another.
SAME_HEAD_TASKS: tuple[frozenset[str], ...] = (
    frozenset({"summarization", "translation", "text2text-generation"}),
    frozenset({"image-to-text", "image-text-to-text", "visual-question-answering"}),
    frozenset({"feature-extraction", "sentence-similarity", "image-feature-extraction"}),
    # an image-text-to-text model generates text from a text-only prompt with the same LM head
    frozenset({"text-generation", "image-text-to-text"}),
)
# A seq2seq LM is pretrained with the head these tasks use (ForConditionalGeneration), so its class
# says nothing about fine-tuning: only a pipeline tag in this group is evidence (bart-base is no summariser).
TAG_ONLY_TASKS = frozenset({"summarization", "translation"})
# Tasks any checkpoint of the type can be tested on: the base model is part of every checkpoint.
ANY_CHECKPOINT_TASKS = frozenset({"feature-extraction", "sentence-similarity"})
# Tasks whose head is the one the type's checkpoints are trained with, when the head class ends so and
# the task is the type's default one (a bert checkpoint is no causal LM although BertLMHeadModel exists).
TRAINED_WITH_HEAD: dict[str, tuple[str, ...]] = {
    "text-generation": ("ForCausalLM", "LMHeadModel", "ForConditionalGeneration"),
    "image-to-text": ("ForConditionalGeneration", "ForImageTextToText", "ForVision2Seq", "ForCausalLM"),
    "automatic-speech-recognition": ("ForConditionalGeneration", "ForSpeechSeq2Seq"),
    # every seq2seq LM generates text from text with the head it is pretrained with
    "text2text-generation": ("ForConditionalGeneration",),
    # contrastive image-text models (CLIP, SigLIP, ALIGN): the "head" is the base model's two towers
    "zero-shot-image-classification": ("Model",),
}
# Types whose `ForPreTraining` class holds the masked-LM head (BERT-style MLM + next-sentence or
# sentence-order heads), so a checkpoint saved from it can be tested on fill-mask.
PRETRAINING_HOLDS_MLM = frozenset({"bert", "albert", "mobilebert", "megatron-bert", "ernie", "big_bird", "nezha"})
# Heads transformers' auto mapping lists beside the task's first class, so the Auto class the generated
# test loads with picks them by the checkpoint's own architectures (MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING:
# deit and levit map to (…ForImageClassification, …ForImageClassificationWithTeacher)).
AUTO_MAPPING_ALTERNATES: dict[str, tuple[str, ...]] = {"image-classification": ("ForImageClassificationWithTeacher",)}
_HEAD_SUFFIX = re.compile(r"(For[A-Za-z0-9]+|LMHeadModel|Model)$")


@dataclass(frozen=True)
class Fitness:
    """The verdict on one candidate for one task; `text` says why it fits or what evidence is missing."""

    fits: bool
    direct: bool  # the checkpoint itself says so (tag, architectures), not the type's training
    text: str


def head_suffix(class_name: str) -> str:
    """"ForMaskedLM" of "RobertaForMaskedLM": the part that names the head, not the architecture."""
    match = _HEAD_SUFFIX.search(class_name)
    return match.group(1) if match else class_name


def same_head_group(tag: str, task: str) -> bool:
    return tag == task or any(task in group and tag in group for group in SAME_HEAD_TASKS)


def _heads_that_serve(model_type: str, task: str) -> set[str]:
    head = tasks.head_class(model_type, task)
    suffixes = {head_suffix(head)} if head else set()
    if task == "fill-mask" and model_type in PRETRAINING_HOLDS_MLM:
        suffixes.add("ForPreTraining")
    if task == "visual-question-answering":  # ViltForQuestionAnswering is saved as ...ForVisualQuestionAnswering too
        suffixes |= {"ForQuestionAnswering", "ForVisualQuestionAnswering"}
    return suffixes | set(AUTO_MAPPING_ALTERNATES.get(task, ()))


def trained_with_head(model_type: str, task: str) -> bool:
    """True when every checkpoint of the type carries the task's head (rule 4 of the module docstring)."""
    head = tasks.head_class(model_type, task)
    endings = TRAINED_WITH_HEAD.get(task)
    return bool(head and endings and head.endswith(endings) and tasks.default_task(model_type) == task)


def task_fitness(candidate: ModelCandidate, task: str | None, model_type: str | None = None) -> Fitness:
    """Whether `candidate` carries the head `task` needs (see the module docstring for the rules).

    Args:
        candidate: the checkpoint.
        task: a canonical task name; None accepts every candidate.
        model_type: the type selection is for (default: the candidate's own).
    """
    if task is None:
        return Fitness(True, False, "no task asked")
    model_type = model_type or candidate.model_type or ""
    tag, archs = candidate.pipeline_tag, candidate.architectures
    serving = _heads_that_serve(model_type, task)
    named = [a for a in archs if head_suffix(a) in serving]
    if task in TAG_ONLY_TASKS:
        if tag and same_head_group(tag, task):
            return Fitness(True, True, f"pipeline tag {tag!r}")
        why = f"pipeline tag {tag!r}" if tag else "no pipeline tag"
        return Fitness(False, False, f"{why}: a seq2seq LM has its {task} head before fine-tuning, only a tag tells")
    if task in ANY_CHECKPOINT_TASKS:
        return Fitness(True, bool(tag and same_head_group(tag, task)), f"any {model_type} checkpoint holds its encoder")
    if named:
        return Fitness(True, True, f"architectures name {named[0]}")
    if tag and not same_head_group(tag, task):
        return Fitness(False, False, f"pipeline tag {tag!r}, not {task!r}")
    if archs:
        head = tasks.head_class(model_type, task) or task
        return Fitness(False, False, f"architectures {', '.join(archs)} lack the {head} head")
    if tag:
        return Fitness(True, True, f"pipeline tag {tag!r}")
    if trained_with_head(model_type, task):
        head = tasks.head_class(model_type, task)
        return Fitness(True, False, f"every {model_type} checkpoint is trained with {head}")
    head = tasks.head_class(model_type, task) or f"a {task} head"
    return Fitness(False, False, f"no evidence it carries {head} (no pipeline tag, no architectures)")
