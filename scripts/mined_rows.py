"""Registry rows from the facts mined out of transformers' own sources (source c of build_registry.py).

Inputs, both derived files committed beside this script:

- ``scripts/facts/transformers_checkpoints.json`` (``scripts/mine_checkpoints.py``): checkpoint ids
  named in transformers 4.44.2 and 5.x docstrings and 4.x pipeline defaults, per model type and
  class, each with its evidence level and, for doc examples, the expected output the doctest states.
- ``scripts/facts/transformers_test_checkpoints.json`` (``scripts/mine_test_checkpoints.py``): the
  checkpoints transformers' model integration tests load, the class they load them into, and whether
  the test compares concrete expected values (logits, text) that a random head could not give.
- ``scripts/facts/config_sizes.json`` (``scripts/measure_config_sizes.py``): per model type, the
  parameter count of the model its default config builds (counted on the meta device), and the
  checkpoint the config docstring says the defaults mirror.

What a mined row claims, and why:

- ``architectures``: the classes a doc example loads the checkpoint into and states a result for
  that a random head could not give (``TRIVIAL_OUTPUT`` lists what does not count: shapes, True,
  "LABEL_0"); the class of a 4.x pipeline default; and, for the checkpoint a config docstring names
  as the source of the defaults, the class transformers pretrains the type as
  (``MODEL_FOR_PRETRAINING_MAPPING``) — a base checkpoint carries its pretraining head; for a type
  transformers names no such class, the default task's head when it is a language-model head
  (masked or causal LM, conditional generation): that is what base checkpoints are trained with.
  Not when a published parameter count (recorded Hub replies, llmfit) of the mirrored checkpoint or
  of the row is larger: bloom's default config builds 16M parameters, bigscience/bloom holds 176B.
- ``size``: for the checkpoint the defaults mirror, the default model's parameters x 4 bytes (fp32,
  the widest dtype checkpoints are published in) + ``CONFIG_MARGIN``: only an estimate
  (``default_config``): a config docstring's claim that its defaults mirror a checkpoint is often wrong
  (DPT's defaults build a third of Intel/dpt-large; mobilenet_v2's have 2 labels where the checkpoint
  has 1,001). Other mined ids get an estimate from the id. A stored Hub page's weight sizes
  (``scripts/hub_pages.py``) replace either.
- An id is kept only when its repo name matches the model type (``matches_type``) or the evidence
  is strong (a stated expected output, a pipeline default): the segformer config docstring names an
  unrelated 36B model, and such an id must never become a default.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

from _common import curated

from hf_testgen.core.records import ModelCandidate, SizeEstimate, validate_model_id
from hf_testgen.facts.sizing import SIZE_WORDS, estimate_model_size, parameters_from_name, size_word

FACTS_DIR = Path(__file__).resolve().parent / "facts"
CHECKPOINTS_FACTS = FACTS_DIR / "transformers_checkpoints.json"
TEST_CHECKPOINTS_FACTS = FACTS_DIR / "transformers_test_checkpoints.json"
CONFIG_SIZES_FACTS = FACTS_DIR / "config_sizes.json"

def _seq2seq_types() -> frozenset[str]:
    task_map = json.loads((Path(__file__).resolve().parent.parent / "hf_testgen/data/task_map.json").read_text())
    return frozenset(t for t, info in task_map["model_types"].items() if info.get("is_encoder_decoder"))


SEQ2SEQ_TYPES = _seq2seq_types()
CONFIG_MARGIN = 1.10  # vocabulary and head differences between the default config and the checkpoint
# An id's count is rounded ("1B" for 1.24B, "7B" for 7.6B) and may leave out a vision tower or an
# untied head; beyond this factor either way it names another size than the default config builds.
NAME_MISMATCH = 1.6
# Types that join two other types' models: their checkpoints are named after the parts (bert2bert, bert2gpt2).
COMPOSITE_TYPES = frozenset({"encoder-decoder", "speech-encoder-decoder", "vision-encoder-decoder"})
STRONG_EVIDENCE = frozenset({"doc-example-expected-output", "pipeline-default"})
# Expected outputs a randomly initialised head would give just as well: shapes, booleans, generic labels.
TRIVIAL_OUTPUT = re.compile(
    r"^\s*(True|False|tensor\(True\)|torch\.Size\(.*\)|\[[\d,\s]*\]|\(?\d+, ?\d+.*\)?)\s*$|LABEL_\d", re.DOTALL
)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def matches_type(model_id: str, model_type: str, config_class: str | None) -> bool:
    """The id names the model type (``bert`` in ``bert-base-uncased``, ``arcee`` in ``arcee-ai/AFM-4.5B``).

    Tokens: the type and the config class without "Config", squashed to letters and digits, and the
    type's first word when it has four letters or more (``aria`` of ``aria_text``). A token of three
    letters or fewer (``opt``, ``sew``) must be in the repo name itself, not in the owner.
    """
    name, full = _squash(model_id.rsplit("/", 1)[-1]), _squash(model_id)
    tokens = {_squash(model_type), re.split(r"[-_]", model_type)[0].lower(), *TYPE_NAME_ALIASES.get(model_type, ())}
    if config_class:
        tokens.add(_squash(config_class.removesuffix("Config")))
    return any(
        (len(token) >= 4 and token in full) or (token and token in name) for token in tokens if len(token) >= 3
    )


# Families published under a name other than their type's (scripts/curated/registry.json, each with its reason).
TYPE_NAME_ALIASES: dict[str, tuple[str, ...]] = {
    model_type: tuple(entry["aliases"]) for model_type, entry in curated("registry", "type_name_aliases").items()
}


def names_another_type(model_id: str, model_type: str, known_types: frozenset[str]) -> bool:
    """The repo name names a different model type: a doc example copied from another model
    (camembert's docs load deepset/roberta-base-squad2, a roberta checkpoint)."""
    name = _squash(model_id.rsplit("/", 1)[-1])
    own = _squash(model_type)
    return any(len(t) >= 4 and t in name and t not in own for t in map(_squash, known_types - {model_type}))


def strong(record: dict[str, Any]) -> bool:
    """A pipeline default, or a doc example whose stated output or loss a random head could not give.

    A stated loss under ``TRAINED_LOSS`` counts even beside a generic label: textattack's yelp model
    answers 'LABEL_1' with loss 0.01, where a random two-label head gives about 0.69.
    """
    if record["evidence"] in ("pipeline-default", "integration-test-expected-values"):
        return True
    if record["evidence"] != "doc-example-expected-output":
        return False
    output, loss = record.get("expected_output"), _number(record.get("expected_loss"))
    return (bool(output) and not TRIVIAL_OUTPUT.search(output)) or (loss is not None and loss < TRAINED_LOSS)


TRAINED_LOSS = 0.5


def _number(text: object) -> float | None:
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@dataclasses.dataclass
class MinedId:
    """Everything the facts say about one (model type, checkpoint)."""

    model_type: str
    model_id: str
    classes: set[str] = dataclasses.field(default_factory=set)
    strong: bool = False
    config_docstring: bool = False
    tag: str | None = None  # the task a 4.x pipeline defaults to it for, or text2text for generated text
    sources: set[str] = dataclasses.field(default_factory=set)


def group_records(records: list[dict[str, Any]], known_types: frozenset[str]) -> dict[tuple[str, str], MinedId]:
    grouped: dict[tuple[str, str], MinedId] = {}
    for record in records:
        model_type, model_id = record.get("model_type"), record["checkpoint"]
        if model_type not in known_types:
            continue
        try:
            validate_model_id(model_id)
        except ValueError:
            continue
        item = grouped.setdefault((model_type, model_id), MinedId(model_type, model_id))
        item.sources.add(record["source"].split(" models/")[0].split(" pipelines/")[0].split(" tests/")[0])
        if record["evidence"] == "config-docstring":
            item.config_docstring = True
        if strong(record) and record.get("class"):
            item.classes.add(record["class"])
            item.strong = True
        item.tag = item.tag or evidenced_tag(record)
    return grouped


_GENERATED_TEXT = re.compile(r"^\s*[\"']?[A-Z0-9][^\[\]{}]*\s[^\[\]{}]*[\"']?\s*$", re.DOTALL)


def evidenced_tag(record: dict[str, Any]) -> str | None:
    """A pipeline tag the facts support: the task a 4.x pipeline uses the checkpoint for by default, or
    text2text-generation for a seq2seq class whose doc example states generated text (not mask fills)."""
    if record["evidence"] == "pipeline-default":
        return record.get("task")
    if record["evidence"] == "integration-test-expected-values" and record.get("model_type") in SEQ2SEQ_TYPES:
        # the test's own name states the task its expected text checks (test_xsum_summarization)
        name = record["source"].rsplit("::", 1)[-1].lower()
        return next((task for word, task in TASK_WORDS if word in name), None)
    output = record.get("expected_output") or ""
    cls = record.get("class") or ""
    if strong(record) and cls.endswith("ForConditionalGeneration") and _GENERATED_TEXT.match(output):
        return "text2text-generation" if record.get("model_type") in SEQ2SEQ_TYPES else None
    return None


TASK_WORDS = (("summar", "summarization"), ("transl", "translation"))


def integration_test_records() -> list[dict[str, Any]]:
    """transformers' model integration tests as records of the docstring facts' shape: the class a test
    loads the checkpoint into, strong when the test compares concrete expected values (logits, text)."""
    if not TEST_CHECKPOINTS_FACTS.exists():
        return []
    facts = load_json(TEST_CHECKPOINTS_FACTS)
    source = f"transformers tests @ {facts['source']['commit'][:12]}"
    return [
        {
            "model_type": r["model_type"],
            "checkpoint": r["checkpoint"],
            "class": r["class"],
            "evidence": "integration-test-expected-values" if r["asserts_values"] else "integration-test",
            "source": f"{source} {r['test']}",
        }
        for r in facts["records"]
    ]


def config_size(
    model_type: str, model_id: str, sizes: dict[str, Any], known_counts: dict[str, int]
) -> SizeEstimate | None:
    """An estimate from the default config, for the checkpoint its docstring says the defaults mirror
    or one of the same type whose size word is no larger (``bart-large-cnn`` beside ``bart-large``:
    within a family, checkpoints named with the same size word share the architecture's dimensions)."""
    facts = sizes.get(model_type) or {}
    mirrored = facts.get("mirrors_checkpoint") or ""
    counts = [facts.get(k) or 0 for k in ("head_state_dict_elements", "head_params", "base_params")]
    if not mirrored or max(counts) <= 0 or facts.get("error"):
        return None
    same = _squash(mirrored.rsplit("/", 1)[-1]) == _squash(model_id.rsplit("/", 1)[-1])
    word, mirrored_word = size_word(model_id), size_word(mirrored)
    no_larger = word is not None and mirrored_word is not None and _WORDS.index(word) <= _WORDS.index(mirrored_word)
    if not (same or no_larger):
        return None
    params = max(counts) + untied_head_params(model_type, facts)
    published = [known_counts.get(i.lower(), 0) for i in (mirrored, model_id)]
    if max(published) > params * CONFIG_MARGIN:
        return None  # a published count says the defaults do not mirror it (bloom's config: 16M of 176B)
    named = parameters_from_name(model_id)
    if named and not named / NAME_MISMATCH <= params <= named * NAME_MISMATCH:
        # The id names a count the default config does not build (UltraBERT-150M beside a 7B default
        # config; bloom's 16M config beside 176B): the defaults do not mirror it, the name's count wins.
        return None
    like = "" if same else f" (size word {word!r}, no larger than {mirrored}'s {mirrored_word!r})"
    untied = " with an untied LM head" if untied_head_params(model_type, facts) else ""
    detail = f"{params:,} params of the default {model_type} config{untied} x 4 bytes + {CONFIG_MARGIN - 1:.0%}{like}"
    return SizeEstimate(bytes=int(params * 4 * CONFIG_MARGIN), method="default_config", detail=detail)


_WORDS = list(SIZE_WORDS)


def untied_head_params(model_type: str, facts: dict[str, Any]) -> int:
    """vocab x hidden when the default config ties the LM head to the embeddings: a checkpoint may
    untie them (google/mt5-small: 172M params tied, 300M as published), so the bound counts it twice."""
    if not facts.get("tie_word_embeddings"):
        return 0
    return _embedding_params(facts["config_class"])


@cache
def _embedding_params(config_class: str) -> int:
    import transformers

    config = getattr(transformers, config_class)()
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    vocab = getattr(text, "vocab_size", None) or 0
    names = ("hidden_size", "d_model", "n_embd")
    hidden = next((getattr(text, name) for name in names if getattr(text, name, None)), 0)
    return int(vocab) * int(hidden)


def mined_candidates(
    known_types: frozenset[str],
    other_owners: frozenset[str],
    config_classes: dict[str, str],
    pretraining: dict[str, str],
    gated_owners: frozenset[str],
    known_bad: dict[str, str],
    rejected: list[tuple[str, str, str]],
    known_counts: dict[str, int],
) -> list[ModelCandidate]:
    """One row per (model type, checkpoint) the facts name and the rules above keep."""
    records = load_json(CHECKPOINTS_FACTS)["records"] + integration_test_records()
    sizes = load_json(CONFIG_SIZES_FACTS)["model_types"] if CONFIG_SIZES_FACTS.exists() else {}
    grouped = group_records(records, known_types)
    # transformers 5 fills docstrings from a template that invents owners ("meta-aria_text",
    # "meta-olmo2"): an id counts only if its owner is known from elsewhere (the other sources or
    # a strongly evidenced id), or a config docstring names it and the owner is not a "meta-<type>".
    owners = other_owners | {_owner(i.model_id) for i in grouped.values() if i.strong}

    def owner_known(item: MinedId) -> bool:
        owner = _owner(item.model_id)
        return owner in owners or (item.config_docstring and not _TEMPLATE_OWNER.match(owner))

    result = []
    for (model_type, model_id), item in sorted(grouped.items()):
        if model_id in known_bad:
            rejected.append((model_type, model_id, known_bad[model_id]))
            continue
        if _TEMPLATE_OWNER.match(_owner(model_id)):
            rejected.append((model_type, model_id, f"owner {_owner(model_id)!r} is a docstring template's invention"))
            continue
        named = matches_type(model_id, model_type, config_classes.get(model_type))
        composite = model_type in COMPOSITE_TYPES  # bert2bert names its parts, and that is what it is
        if not named and (not item.strong or (names_another_type(model_id, model_type, known_types) and not composite)):
            why = "names another type" if item.strong else "has no strong evidence"
            rejected.append((model_type, model_id, f"the id does not name the type and {why}"))
            continue
        if not (item.strong or owner_known(item)):
            why = f"owner {_owner(model_id)!r} appears in no other source (a template's invention?)"
            rejected.append((model_type, model_id, why))
            continue
        classes = set(item.classes)
        if item.config_docstring:
            classes |= base_heads(model_type, pretraining)
        size = config_size(model_type, model_id, sizes, known_counts)
        candidate = ModelCandidate(
            model_id=model_id,
            model_type=model_type,
            architectures=tuple(sorted(classes)),
            pipeline_tag=item.tag,
            gated=_owner(model_id) in gated_owners,
            size=size or estimate_model_size(model_id, model_type=model_type),
            fact_source=f"{' + '.join(sorted(item.sources))} (scripts/facts/)",
        )
        result.append(candidate)
    return result


# Language-modelling heads: the ones a base checkpoint is trained with.
LM_HEAD_SUFFIXES = ("ForMaskedLM", "WithLMHeadModel", "LMHeadModel", "ForCausalLM", "ForConditionalGeneration")


def base_heads(model_type: str, pretraining: dict[str, str]) -> set[str]:
    """The head a base checkpoint of the type carries: the class transformers pretrains it as, else
    (no MODEL_FOR_PRETRAINING_MAPPING entry) the default task's head when that is a language-model head."""
    from hf_testgen.facts import tasks

    if pretraining.get(model_type):
        return {pretraining[model_type]}
    task = tasks.default_task(model_type)
    head = tasks.head_class(model_type, task) if task else None
    return {head} if head and head.endswith(LM_HEAD_SUFFIXES) else set()


_TEMPLATE_OWNER = re.compile(r"^meta-(?!llama$)")


def _owner(model_id: str) -> str:
    return model_id.split("/", 1)[0].lower() if "/" in model_id else ""


def by_type(candidates: list[ModelCandidate]) -> dict[str, list[ModelCandidate]]:
    grouped: dict[str, list[ModelCandidate]] = defaultdict(list)
    for candidate in candidates:
        grouped[candidate.model_type or ""].append(candidate)
    return grouped
