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
from ..facts import curated, tasks

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
# Which ForPreTraining classes hold a masked-LM head, and the alternate heads of an auto mapping, are
# hand-curated facts with a source per row: data/head_facts.json (read through `facts.curated`).
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
    if task == "fill-mask" and model_type in curated.pretraining_holds_mlm():
        suffixes.add("ForPreTraining")
    if task == "visual-question-answering":  # ViltForQuestionAnswering is saved as ...ForVisualQuestionAnswering too
        suffixes |= {"ForQuestionAnswering", "ForVisualQuestionAnswering"}
    return suffixes | set(curated.auto_mapping_alternates().get(task, ()))


def trained_with_head(model_type: str, task: str) -> bool:
    """True when every checkpoint of the type carries the task's head (rule 4 of the module docstring)."""
    head = tasks.head_class(model_type, task)
    endings = TRAINED_WITH_HEAD.get(task)
    return bool(head and endings and head.endswith(endings) and tasks.default_task(model_type) == task)


@dataclass(frozen=True)
class _Evidence:
    """What the fitness rules read about one candidate for one task."""

    model_type: str
    task: str
    tag: str | None
    archs: tuple[str, ...]
    named: tuple[str, ...]  # the architectures that name a head serving the task

    @property
    def head(self) -> str | None:
        return tasks.head_class(self.model_type, self.task)

    @property
    def tag_agrees(self) -> bool:
        return bool(self.tag and same_head_group(self.tag, self.task))


def _tag_only(e: _Evidence) -> Fitness | None:
    """Rule for summarization and translation: only a pipeline tag tells (see TAG_ONLY_TASKS)."""
    if e.task not in TAG_ONLY_TASKS:
        return None
    if e.tag_agrees:
        return Fitness(True, True, f"pipeline tag {e.tag!r}")
    why = f"pipeline tag {e.tag!r}" if e.tag else "no pipeline tag"
    return Fitness(False, False, f"{why}: a seq2seq LM has its {e.task} head before fine-tuning, only a tag tells")


def _any_checkpoint(e: _Evidence) -> Fitness | None:
    if e.task not in ANY_CHECKPOINT_TASKS:
        return None
    return Fitness(True, e.tag_agrees, f"any {e.model_type} checkpoint holds its encoder")


def _named(e: _Evidence) -> Fitness | None:
    return Fitness(True, True, f"architectures name {e.named[0]}") if e.named else None


def _contrary_tag(e: _Evidence) -> Fitness | None:
    return Fitness(False, False, f"pipeline tag {e.tag!r}, not {e.task!r}") if e.tag and not e.tag_agrees else None


def _contrary_archs(e: _Evidence) -> Fitness | None:
    if not e.archs:
        return None
    return Fitness(False, False, f"architectures {', '.join(e.archs)} lack the {e.head or e.task} head")


def _tag(e: _Evidence) -> Fitness | None:
    return Fitness(True, True, f"pipeline tag {e.tag!r}") if e.tag else None


def _trained_with(e: _Evidence) -> Fitness | None:
    if not trained_with_head(e.model_type, e.task):
        return None
    return Fitness(True, False, f"every {e.model_type} checkpoint is trained with {e.head}")


# The rules of the module docstring, in the order they are tried: the first verdict wins.
_RULES = (_tag_only, _any_checkpoint, _named, _contrary_tag, _contrary_archs, _tag, _trained_with)


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
    serving = _heads_that_serve(model_type, task)
    archs = tuple(candidate.architectures)
    named = tuple(a for a in archs if head_suffix(a) in serving)
    evidence = _Evidence(model_type, task, candidate.pipeline_tag, archs, named)
    for rule in _RULES:
        verdict = rule(evidence)
        if verdict is not None:
            return verdict
    head = evidence.head or f"a {task} head"
    return Fitness(False, False, f"no evidence it carries {head} (no pipeline tag, no architectures)")
