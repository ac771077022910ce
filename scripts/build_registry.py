"""Build the shipped model registry, the static defaults and the benchmark table from real data.

Outputs (all deterministic: sorted keys, ``indent=1``, trailing newline, written atomically)::

    model_registry.json                    ranked real checkpoints per transformers model type
    hf_testgen/data/static_defaults.json   one curated checkpoint (and tiny model) per covered type
    benchmarks.json                        ImageNet accuracy and CPU throughput of timm checkpoints

Why derived files and not the raw data: the raw inputs (``../shared/data``, see its README) are
third-party dumps (recorded Hub replies, llmfit's model list, timm's result tables, transformers'
tiny-model summary) of several MB, some with wrong figures. The project ships only the facts it
needs (ids, commits, parameter counts, sizes, downloads, benchmark figures), each row naming its
source, so that a fresh clone works without ``../shared`` and every fact can be traced back.
No model id is invented: every id below is read from one of the sources.

Rerun (needs the ``run`` extra, i.e. transformers, and huggingface_hub)::

    python scripts/build_registry.py --updated 2026-11-27 [--data-dir ../shared/data]

Rerunning with the same data, transformers version and ``--updated`` gives byte-identical files.

Schema of ``model_registry.json`` (``schema_version`` 1)::

    {
     "schema_version": 1,
     "updated": "2026-11-27T00:00:00Z",       # from --updated (default: today, 00:00Z)
     "generated_by": "scripts/build_registry.py",
     "model_types": {
      "<model_type>": {                        # transformers' config model_type spelling
       "updated": "<same as above>",
       "refreshed_from": "shared-data",
       "default": "<id of candidates[0]>",
       "tiny": {"id": "hf-internal-testing/tiny-random-BertForMaskedLM", "sha": "<40 hex>",
                "source": "..."} | null,
       "candidates": [<row>, ...]              # downloads desc, then likes desc, then id
      }
     }
    }

A row is ``ModelCandidate(...).to_dict()`` (hf_testgen/records.py); empty fields are dropped:

    id, model_type, sha (commit, only source a), downloads, likes, trending_score,
    pipeline_tag, library_name, frameworks (only when known), parameters, size_mb,
    size_method, size_exact, gated, last_modified (only source a), source

``size_method`` says how ``size_mb`` was got: ``safetensors`` (exact, per-dtype counts),
``param_count`` (a published parameter count x bytes per parameter, estimated), ``name`` /
``size_word`` / ``typical`` (estimated from the id or the model type, see hf_testgen/sizing.py).
``size_exact`` is true only for exact methods. ``gated`` is known for source a; other rows are
false unless their owner is one whose every recorded reply is gated (``meta-llama``).

Sources, in order of trust (a row found in several keeps the most trusted one):

a. ``hub/model_info_responses.json``: recorded full ``GET /api/models/{id}`` replies. Entries
   without ``config.model_type`` (diffusers, espnet, speechbrain) are skipped, and so is a legacy
   alias (``gpt2``) whose namespaced twin (``openai-community/gpt2``) has the same commit.
b. ``hub/llmfit_hf_models.json``: the top ``--per-type`` (8) models by downloads of each model
   type, skipping test repos (``tiny-random``, ``*-internal-testing`` owners, ``*-testing``) and
   quantised or converted repos: an id containing gguf, awq, gptq, -4bit, -8bit, mlx, onnx, fp8,
   int4, int8, bnb, exl2 or -quant (case-insensitive), or an llmfit ``format`` of awq, gptq, mlx
   or autoround. ``parameters_raw`` is checked against a count in the id
   (``parameters_from_name``): under half of it, the id's count is used instead (size method
   ``name``); above twice it is kept, as mixture-of-experts ids name active counts.
   Size = parameters x bytes per parameter: 4 when the recorded replies (source a) of that model
   type store mostly F32 weights (bert, gpt2, t5, bart ...), else 2 (16-bit, as LLMs are
   published).
c. Docstrings of the installed transformers: the config class of each covered type, and its
   model classes (``MODEL_*_MAPPING_NAMES``). Ids are kept only if (1) the repo name matches the
   type's token (``DOCSTRING_TOKENS``), (2) the id is not in ``KNOWN_BAD_DOCSTRING_IDS``, and
   (3) for model-class docstrings, which transformers 5 fills from a template and which name
   owners such as ``meta-mistral``, the owner also appears in source a, b or a config docstring.
   Sizes are estimated from the id (name, size word) or the model type.
d. ``transformers_tiny_model_summary.json``: the tiny random model of each type
   (``hf-internal-testing/tiny-random-<Class>`` at its pinned commit). Classes map to types
   through ``MODEL_*_MAPPING_NAMES``; the class is chosen by ``TINY_CLASS_PREFERENCE`` (main
   task heads first) unless ``TINY_CLASS_OVERRIDES`` names one.
e. ``timm_results_imagenet.csv`` + ``timm_benchmark_infer_cpu_i7_12700h.csv``: ``timm/<model>``
   checkpoints under model type ``timm_wrapper``: in each size band (<5M, 5-25M, 25-100M, >100M
   params) the best ImageNet top-1 per architecture family (the architecture without a trailing
   input size), plus the smallest few; only architectures with a CPU benchmark. Size =
   param_count x 4 bytes (fp32). Both tables also seed ``benchmarks.json``; a CPU figure is
   measured per architecture (batch 1, fp32; weights do not matter), so it is attached to every
   checkpoint of that architecture. Architectures benchmarked without any checkpoint in the
   results table have no Hub id and are left out.

``hf_testgen/data/static_defaults.json``: ``{"schema_version": 1, "generated_by": ...,
"model_types": {"<type>": {"default": <row>, "tiny": {...} | null}}}``, the row of the id named
in ``STATIC_DEFAULTS`` (the build fails if that id is not among the derived rows).

``benchmarks.json``: ``{"schema_version": 1, "generated_by": ..., "models": {"<id>": [entry]}}``
with entries ``{task, hardware, metric, value, higher_is_better, source, date, img_size}``;
``date`` is the tables' vintage (``TIMM_TABLES_DATE``), never the build date.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from hf_testgen.files import atomic_write_text  # noqa: E402  (the one atomic writer of the project)
from hf_testgen.frameworks import detect_frameworks  # noqa: E402
from hf_testgen.records import ModelCandidate, SizeEstimate  # noqa: E402
from hf_testgen.sizing import estimate_model_size, parameters_from_name  # noqa: E402

GENERATED_BY = "scripts/build_registry.py"
SCHEMA_VERSION = 1
DEFAULT_DATA_DIR = REPO_ROOT / ".." / "shared" / "data"
DEFAULT_REGISTRY = REPO_ROOT / "model_registry.json"
DEFAULT_STATIC = REPO_ROOT / "hf_testgen" / "data" / "static_defaults.json"
DEFAULT_BENCHMARKS = REPO_ROOT / "benchmarks.json"

# The model types the registry must cover (config model_type spelling); others found in sources
# a and b are added when transformers knows them.
COVERED_TYPES: tuple[str, ...] = (
    "bert", "roberta", "distilbert", "albert", "electra", "xlm-roberta", "deberta",
    "gpt2", "gptj", "gpt_neo", "gpt_neox", "llama", "mistral", "opt", "bloom", "phi", "qwen2",
    "t5", "mt5", "bart", "mbart", "pegasus", "marian",
    "vit", "deit", "convnext", "resnet", "swin", "beit", "detr", "yolos", "segformer",
    "mask2former", "maskformer",
    "whisper", "wav2vec2", "hubert", "audio-spectrogram-transformer",
    "clip", "siglip", "blip", "blip-2", "vilt", "git", "llava", "timm_wrapper",
)  # fmt: skip

SOURCE_LLMFIT = "llmfit hf_models.json (AlexsJones/llmfit)"
SOURCE_TINY = "transformers tests/utils/tiny_model_summary.json (2023-03)"
SOURCE_TIMM = "timm results-imagenet.csv (huggingface/pytorch-image-models)"
SOURCE_TIMM_CPU = "timm benchmark-infer-cpu i7-12700H fp32 PyTorch 2.4"
# The timm tables carry no date; they come from the PyTorch 2.4 benchmark run (about 2024-09).
TIMM_TABLES_DATE = "2024-09"

_QUANTISED_ID = re.compile(r"gguf|awq|gptq|-4bit|-8bit|mlx|onnx|fp8|int4|int8|bnb|exl2|-quant", re.IGNORECASE)
_QUANTISED_FORMATS = frozenset({"awq", "gptq", "mlx", "autoround"})
_TEST_REPO = re.compile(r"tiny-random|-internal-testing/|-testing$|unit-test", re.IGNORECASE)

# Rule for docstring ids: the repo name (after "/") must match the type's token (regex, case-
# insensitive). A type without an entry takes no docstring ids (timm_wrapper: timm tables only).
DOCSTRING_TOKENS: dict[str, str] = {
    "bert": r"bert", "roberta": r"roberta", "distilbert": r"distilbert", "albert": r"albert",
    "electra": r"electra", "xlm-roberta": r"xlm-roberta|xlmr", "deberta": r"deberta",
    "gpt2": r"gpt2", "gptj": r"gpt-j", "gpt_neo": r"gpt-neo", "gpt_neox": r"gpt-neox|pythia",
    "llama": r"llama", "mistral": r"mistral", "opt": r"\bopt-", "bloom": r"bloom", "phi": r"phi",
    "qwen2": r"qwen2", "t5": r"t5", "mt5": r"mt5", "bart": r"bart", "mbart": r"mbart",
    "pegasus": r"pegasus", "marian": r"opus-mt", "vit": r"vit", "deit": r"deit",
    "convnext": r"convnext", "resnet": r"resnet", "swin": r"swin", "beit": r"beit", "detr": r"detr",
    "yolos": r"yolos", "segformer": r"segformer", "mask2former": r"mask2former",
    "maskformer": r"maskformer", "whisper": r"whisper", "wav2vec2": r"wav2vec2", "hubert": r"hubert",
    "audio-spectrogram-transformer": r"\bast\b", "clip": r"clip", "siglip": r"siglip",
    "blip": r"blip", "blip-2": r"blip2", "vilt": r"vilt", "git": r"\bgit\b", "llava": r"llava",
}  # fmt: skip
# Ids that pass the token rule but are known not to be Hub repos.
KNOWN_BAD_DOCSTRING_IDS: dict[str, str] = {
    "google/distilbert-base-uncased": (
        "not a Hub repo (its config.json answers 401, as public notes on the transformers 5 "
        "docstring record); the checkpoint is distilbert/distilbert-base-uncased"
    ),
}
_DOC_LINK = re.compile(r"\]\(https://huggingface\.co/([\w.\-]+/[\w.\-]+)\)")
_DOC_FROM_PRETRAINED = re.compile(r"from_pretrained\(\s*[\"']([\w.\-]+/[\w.\-]+)[\"']")

# Which tiny model stands for a type: the first suffix some class of the type ends with
# (shortest class name on ties). Main task heads first, the bare model last.
TINY_CLASS_PREFERENCE: tuple[str, ...] = (
    "ForMaskedLM", "ForConditionalGeneration", "MTModel", "ForCausalLM", "LMHeadModel",
    "ForImageClassification", "ForCTC", "ForAudioClassification", "ForObjectDetection",
    "ForSemanticSegmentation", "ForUniversalSegmentation", "ForInstanceSegmentation",
    "ForQuestionAnswering", "ForSequenceClassification", "Model",
)  # fmt: skip
# Types whose main task is not the first match above (segformer is a segmentation model).
TINY_CLASS_OVERRIDES: dict[str, str] = {"segformer": "SegformerForSemanticSegmentation"}

# timm size bands (millions of parameters) and how many to take from each.
TIMM_BANDS: tuple[tuple[float, float], ...] = ((0, 5), (5, 25), (25, 100), (100, float("inf")))
TIMM_PER_BAND = 9
TIMM_SMALLEST = 4
TIMM_ALWAYS = ("resnet50.a1_in1k",)  # the static default of timm_wrapper

# The curated static default per covered type: small, ungated, widely used, and present among
# the derived rows (asserted). Order of preference when several fit: exact size (source a) over
# estimated, base checkpoints over fine-tunes.
STATIC_DEFAULTS: dict[str, str] = {
    "bert": "google-bert/bert-base-uncased",
    "roberta": "FacebookAI/roberta-base",
    # The config docstring's google/distilbert-base-uncased is not a repo; this one is recorded.
    "distilbert": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
    "albert": "albert/albert-base-v2",  # base, not the docstring's xxlarge
    "electra": "google/electra-small-discriminator",
    # xlm-roberta's docstrings name XLM / RoBERTa checkpoints, so no base checkpoint is in the
    # data; every llmfit xlm-roberta model is an embedder, and this is by far the most downloaded.
    "xlm-roberta": "intfloat/multilingual-e5-large",
    "deberta": "microsoft/deberta-base",
    "gpt2": "openai-community/gpt2",
    "gptj": "EleutherAI/gpt-j-6B",  # the only full-size gptj checkpoint in the data
    "gpt_neo": "EleutherAI/gpt-neo-125m",
    "gpt_neox": "EleutherAI/pythia-160m",
    # meta-llama repos are gated (recorded replies say "manual"); dphn/dolphin-2.9.1-yi-1.5-34b
    # has more downloads but 34B params. TinyLlama is the most-downloaded ungated llama under 2B.
    "llama": "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
    # Every mistral-type model is ~7B; zephyr is the one whose ungated status is recorded.
    "mistral": "HuggingFaceH4/zephyr-7b-beta",
    "opt": "facebook/opt-125m",
    "bloom": "bigscience/bloom-560m",
    "phi": "microsoft/phi-1_5",  # 1.4B, smaller than phi-2
    "qwen2": "Qwen/Qwen2.5-0.5B-Instruct",
    "t5": "google-t5/t5-small",
    "mt5": "google/mt5-small",
    "bart": "facebook/bart-base",
    "mbart": "facebook/mbart-large-50-many-to-many-mmt",  # recorded (exact size)
    "pegasus": "google/pegasus-xsum",
    "marian": "Helsinki-NLP/opus-mt-en-de",
    "vit": "google/vit-base-patch16-224",
    "deit": "facebook/deit-base-distilled-patch16-224",
    "convnext": "facebook/convnext-tiny-224",
    "resnet": "microsoft/resnet-50",
    "swin": "microsoft/swin-tiny-patch4-window7-224",
    "beit": "microsoft/beit-base-patch16-224",  # fine-tuned classifier, not the pt22k checkpoint
    "detr": "facebook/detr-resnet-50",
    "yolos": "hustvl/yolos-tiny",
    # The config docstring names an unrelated 36B model; the model docstring names this one.
    "segformer": "nvidia/segformer-b0-finetuned-ade-512-512",
    "mask2former": "facebook/mask2former-swin-small-coco-instance",
    "maskformer": "facebook/maskformer-swin-base-ade",
    "whisper": "openai/whisper-tiny",
    "wav2vec2": "facebook/wav2vec2-base-960h",
    "hubert": "facebook/hubert-base-ls960",
    "audio-spectrogram-transformer": "MIT/ast-finetuned-audioset-10-10-0.4593",
    "clip": "openai/clip-vit-base-patch32",
    "siglip": "google/siglip-base-patch16-224",
    "blip": "Salesforce/blip-image-captioning-base",
    "blip-2": "Salesforce/blip2-opt-2.7b",
    "vilt": "dandelin/vilt-b32-finetuned-vqa",
    "git": "microsoft/git-base",
    # 0.5B and ungated; llava-1.5-7b has more downloads but is 14x larger.
    "llava": "llava-hf/llava-interleave-qwen-0.5b-hf",
    "timm_wrapper": "timm/resnet50.a1_in1k",
}


@dataclasses.dataclass
class BuildLog:
    """What the build skipped or distrusted, for the report."""

    rejected_docstring_ids: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    distrusted_counts: list[str] = dataclasses.field(default_factory=list)
    skipped: dict[str, int] = dataclasses.field(default_factory=lambda: defaultdict(int))
    notes: list[str] = dataclasses.field(default_factory=list)


# ---------------------------------------------------------------- small helpers


def load_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def load_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def number(text: str) -> float:
    """A csv number that may carry thousands separators ("1,014.45")."""
    return float(text.replace(",", ""))


def owner(model_id: str) -> str:
    return model_id.split("/", 1)[0].lower() if "/" in model_id else ""


def repo_name(model_id: str) -> str:
    return model_id.rsplit("/", 1)[-1]


def is_test_repo(model_id: str) -> bool:
    return bool(_TEST_REPO.search(model_id))


def with_estimate(candidate: ModelCandidate) -> ModelCandidate:
    """The candidate with its size estimated from the id or type and frameworks from its files."""
    size = estimate_model_size(candidate.model_id, model_type=candidate.model_type)
    frameworks = detect_frameworks(candidate.siblings, candidate.tags, candidate.library_name)
    return dataclasses.replace(candidate, size=size, frameworks=frameworks)


# ---------------------------------------------------------------- a. recorded model_info replies


def hub_candidate(model_id: str, entry: dict[str, Any]) -> ModelCandidate | None:
    from huggingface_hub import ModelInfo

    response = entry["response"]
    if not (response.get("config") or {}).get("model_type"):
        return None  # not a transformers model (diffusers, espnet, speechbrain)
    recorded = parsedate_to_datetime(entry["recorded"]).strftime("%Y-%m-%d")
    source = f"hub model_info recorded {recorded} (huggingface_hub test cassettes)"
    candidate = ModelCandidate.from_model_info(ModelInfo(**response), fact_source=source)
    if candidate.model_id != model_id:
        raise ValueError(f"recorded reply for {model_id!r} is about {candidate.model_id!r}")
    size = estimate_model_size(
        candidate.model_id,
        model_type=candidate.model_type,
        parameters=candidate.parameters,
        parameters_total=candidate.parameters_total,
        siblings=candidate.siblings,
    )
    frameworks = detect_frameworks(candidate.siblings, candidate.tags, candidate.library_name)
    return dataclasses.replace(candidate, size=size, frameworks=frameworks)


def hub_candidates(data_dir: Path, log: BuildLog) -> list[ModelCandidate]:
    raw = load_json(data_dir / "hub" / "model_info_responses.json")
    found = [c for model_id, entry in sorted(raw.items()) if (c := hub_candidate(model_id, entry))]
    log.skipped["a: no config.model_type (not transformers)"] = len(raw) - len(found)
    namespaced = {(c.sha, c.model_type) for c in found if "/" in c.model_id}
    kept = [c for c in found if "/" in c.model_id or (c.sha, c.model_type) not in namespaced]
    for c in found:
        if c not in kept:
            log.notes.append(f"a: dropped legacy alias {c.model_id!r} (same commit as its namespaced twin)")
    return kept


def gated_owners(hub: Iterable[ModelCandidate]) -> frozenset[str]:
    """Owners whose every recorded reply is gated (their other repos are taken as gated too)."""
    by_owner: dict[str, list[bool]] = defaultdict(list)
    for c in hub:
        by_owner[owner(c.model_id)].append(c.gated)
    return frozenset(o for o, gated in by_owner.items() if o and all(gated))


def bytes_per_param_by_type(hub: Iterable[ModelCandidate]) -> dict[str, tuple[int, str]]:
    """Per model type, the bytes per parameter of the dtype holding most recorded weights."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in hub:
        for dtype, n in c.parameters:
            counts[c.model_type or ""][dtype] += n
    result = {}
    for model_type, per_dtype in counts.items():
        dtype = max(sorted(per_dtype), key=lambda d: per_dtype[d])
        result[model_type] = (4 if dtype == "F32" else 2, dtype)
    return result


# ---------------------------------------------------------------- b. llmfit


def llmfit_skip_reason(item: dict[str, Any]) -> str | None:
    model_id = item["name"]
    if is_test_repo(model_id):
        return "b: test repo"
    if _QUANTISED_ID.search(model_id) or (item.get("format") or "") in _QUANTISED_FORMATS:
        return "b: quantised or converted repo"
    return None


def count_in_name(model_id: str) -> float | None:
    """A parameter count named in the id, for cross-checking only.

    "1_6b" reads as 1.6B (as in stablelm-2-1_6b), and counts under a million are ignored: in
    these ids they are context lengths ("4k", "128k"), not parameters.
    """
    named = parameters_from_name(re.sub(r"(?<=\d)_(?=\d)", ".", model_id))
    return named if named and named >= 1e6 else None


def llmfit_size(
    item: dict[str, Any], byte_rule: tuple[int, str] | None, log: BuildLog
) -> tuple[int | None, SizeEstimate]:
    """(parameters to record, size): parameters_raw x bytes, unless it is under half the id's count.

    llmfit's known error is a count far too small (packed quantised weights, e.g. gpt-oss-20b at
    1.8B). A count above twice the id's is kept: ids of mixture-of-experts models name the active
    or per-expert count (Llama-4-Maverick-17B-128E holds 400B parameters).
    """
    model_id, model_type = item["name"], item["architecture"]
    raw = int(item.get("parameters_raw") or 0)
    named = count_in_name(model_id)
    if raw <= 0:
        return None, estimate_model_size(model_id, model_type=model_type)
    if named and raw < named / 2:
        log.distrusted_counts.append(f"{model_id}: parameters_raw {raw:,} vs {named:,.0f} named in the id")
        detail = f"{named:,.0f} params named in the id (llmfit's {raw:,} distrusted)"
        return None, SizeEstimate(bytes=int(named * 2), method="name", detail=detail)
    per_param, why = byte_rule if byte_rule else (2, "16-bit")
    if byte_rule:
        why = f"{why}, like the recorded {model_type} replies"
    detail = f"{raw:,} params (llmfit) x {per_param} bytes ({why})"
    return raw, SizeEstimate(bytes=raw * per_param, method="param_count", detail=detail)


def llmfit_candidate(
    item: dict[str, Any], byte_rule: tuple[int, str] | None, gated: frozenset[str], log: BuildLog
) -> ModelCandidate:
    parameters, size = llmfit_size(item, byte_rule, log)
    pipeline_tag = item.get("pipeline_tag")
    return ModelCandidate(
        model_id=item["name"],
        model_type=item["architecture"],
        downloads=int(item.get("hf_downloads") or 0),
        likes=int(item.get("hf_likes") or 0),
        pipeline_tag=None if pipeline_tag in (None, "", "unknown") else pipeline_tag,
        frameworks=detect_frameworks(),
        gated=owner(item["name"]) in gated,
        parameters_total=parameters,
        size=size,
        fact_source=SOURCE_LLMFIT,
    )


def llmfit_candidates(
    data_dir: Path,
    known_types: frozenset[str],
    per_type: int,
    byte_rules: dict[str, tuple[int, str]],
    gated: frozenset[str],
    log: BuildLog,
) -> list[ModelCandidate]:
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in load_json(data_dir / "hub" / "llmfit_hf_models.json"):
        reason = llmfit_skip_reason(item)
        if reason:
            log.skipped[reason] += 1
        elif item.get("architecture") not in known_types:
            log.skipped["b: architecture not a transformers model type"] += 1
        else:
            by_type[item["architecture"]].append(item)
    result = []
    for model_type, items in sorted(by_type.items()):
        items.sort(key=lambda i: (-int(i.get("hf_downloads") or 0), -int(i.get("hf_likes") or 0), i["name"]))
        rule = byte_rules.get(model_type)
        result += [llmfit_candidate(i, rule, gated, log) for i in items[:per_type]]
    return result


# ---------------------------------------------------------------- c. transformers docstrings


def docstring_ids(text: str) -> list[str]:
    """Hub ids linked (``](https://huggingface.co/x/y)``) or loaded (``from_pretrained("x/y")``)."""
    found = _DOC_LINK.findall(text) + _DOC_FROM_PRETRAINED.findall(text)
    return list(dict.fromkeys(found))


def model_classes_of(model_type: str) -> list[str]:
    """Model class names mapped to `model_type` in any ``MODEL_*_MAPPING_NAMES``, sorted."""
    from transformers.models.auto import modeling_auto

    names: set[str] = set()
    for attr in dir(modeling_auto):
        if attr.startswith("MODEL") and attr.endswith("_MAPPING_NAMES"):
            value = getattr(modeling_auto, attr).get(model_type)
            names.update([value] if isinstance(value, str) else value or ())
    return sorted(names)


def class_docstring(name: str) -> str:
    import transformers

    cls = getattr(transformers, name, None)
    if cls is None:
        return ""
    forward = getattr(cls, "forward", None)
    return (cls.__doc__ or "") + (getattr(forward, "__doc__", None) or "")


def docstring_rejection(
    model_id: str, model_type: str, from_config: bool, owners: frozenset[str]
) -> str | None:
    token = DOCSTRING_TOKENS.get(model_type)
    if model_id.lower().startswith("papers/"):
        return "a huggingface.co/papers link, not a model"
    if token is None:
        return f"no docstring rule for {model_type} (its checkpoints come from another source)"
    if not re.search(token, repo_name(model_id), re.IGNORECASE):
        return f"repo name does not match the {model_type} token /{token}/"
    if model_id in KNOWN_BAD_DOCSTRING_IDS:
        return KNOWN_BAD_DOCSTRING_IDS[model_id]
    if not from_config and owner(model_id) not in owners:
        return f"owner {owner(model_id)!r} appears in no other source (template artefact?)"
    return None


def docstring_candidates(
    types: Iterable[str], other_owners: frozenset[str], version: str, log: BuildLog
) -> list[ModelCandidate]:
    import transformers
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    found: list[tuple[str, str, str, bool]] = []  # (type, id, class, from_config)
    for model_type in types:
        config_class = CONFIG_MAPPING_NAMES[model_type]
        doc = getattr(transformers, config_class).__doc__ or ""
        found += [(model_type, i, config_class, True) for i in docstring_ids(doc)]
        for name in model_classes_of(model_type):
            found += [(model_type, i, name, False) for i in docstring_ids(class_docstring(name))]
    owners = other_owners | {owner(i) for _, i, _, from_config in found if from_config}
    result: dict[tuple[str, str], ModelCandidate] = {}
    for model_type, model_id, cls, from_config in found:
        reason = docstring_rejection(model_id, model_type, from_config, owners)
        if reason:
            log.rejected_docstring_ids.append((model_type, model_id, f"{cls}: {reason}"))
        elif (model_type, model_id) not in result:
            source = f"transformers {version} {cls} docstring"
            result[(model_type, model_id)] = with_estimate(
                ModelCandidate(model_id=model_id, model_type=model_type, fact_source=source)
            )
    log.rejected_docstring_ids = sorted(set(log.rejected_docstring_ids))
    return list(result.values())


# ---------------------------------------------------------------- d. tiny models


def class_types() -> dict[str, set[str]]:
    """Model class name -> model types it is mapped to (any ``MODEL_*_MAPPING_NAMES``)."""
    from transformers.models.auto import modeling_auto

    result: dict[str, set[str]] = defaultdict(set)
    for attr in dir(modeling_auto):
        if attr.startswith("MODEL") and attr.endswith("_MAPPING_NAMES"):
            for model_type, value in getattr(modeling_auto, attr).items():
                for name in [value] if isinstance(value, str) else value:
                    result[name].add(model_type)
    return result


def home_type(class_name: str, types: set[str]) -> str | None:
    """The type a class belongs to: the only one, else the one whose name prefixes the class."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    if len(types) == 1:
        return next(iter(types))
    lowered = class_name.lower()
    by_name = [t for t in types if lowered.startswith(re.sub(r"[-_]", "", t))]
    by_config = [
        t
        for t in types
        if class_name.startswith(CONFIG_MAPPING_NAMES.get(t, "").removesuffix("Config") or "\0")
    ]
    for matches in (by_name, by_config):
        if matches:
            return max(sorted(matches), key=len)
    return None


def tiny_rank(class_name: str) -> tuple[int, int, str]:
    for index, suffix in enumerate(TINY_CLASS_PREFERENCE):
        if class_name.endswith(suffix):
            return index, len(class_name), class_name
    return len(TINY_CLASS_PREFERENCE), len(class_name), class_name


def tiny_models(data_dir: Path) -> dict[str, dict[str, str]]:
    """Per model type, the preferred tiny random model: {"id", "sha", "source"}."""
    summary = load_json(data_dir / "transformers_tiny_model_summary.json")
    mapped = class_types()
    by_type: dict[str, list[str]] = defaultdict(list)
    for class_name in summary:
        model_type = home_type(class_name, mapped.get(class_name, set()))
        if model_type:
            by_type[model_type].append(class_name)
    result = {}
    for model_type, names in by_type.items():
        best = TINY_CLASS_OVERRIDES.get(model_type) or min(names, key=tiny_rank)
        if best not in names:
            raise SystemExit(f"tiny override {best!r} for {model_type!r} is not in the tiny-model summary")
        repo = f"hf-internal-testing/tiny-random-{best}"
        result[model_type] = {"id": repo, "sha": summary[best]["sha"], "source": SOURCE_TINY}
    return result


# ---------------------------------------------------------------- e. timm


def timm_best_per_arch(
    results: list[dict[str, str]], archs_with_bench: set[str]
) -> dict[str, dict[str, str]]:
    """Per family with a CPU benchmark, its results row with the best top-1.

    A family is the architecture without a trailing input size (``eva_giant_patch14_336`` and
    ``eva_giant_patch14_560`` are one), so that a band is not filled with one model at three sizes.
    """
    best: dict[str, dict[str, str]] = {}
    for row in results:
        arch = row["model"].split(".", 1)[0]
        if arch not in archs_with_bench:
            continue
        family = re.sub(r"_\d+$", "", arch)
        key = (number(row["top1"]), row["model"])
        if family not in best or key > (number(best[family]["top1"]), best[family]["model"]):
            best[family] = row
    return best


def timm_selection(results: list[dict[str, str]], bench: list[dict[str, str]]) -> list[dict[str, str]]:
    """Best top-1 per family in each size band, the smallest few, and TIMM_ALWAYS."""
    best = timm_best_per_arch(results, {row["model"] for row in bench})
    chosen: dict[str, dict[str, str]] = {}
    for low, high in TIMM_BANDS:
        band = [r for r in best.values() if low <= number(r["param_count"]) < high]
        band.sort(key=lambda r: (-number(r["top1"]), r["model"]))
        chosen.update((r["model"], r) for r in band[:TIMM_PER_BAND])
    rest = sorted(
        (r for r in best.values() if r["model"] not in chosen),
        key=lambda r: (number(r["param_count"]), r["model"]),
    )
    chosen.update((r["model"], r) for r in rest[:TIMM_SMALLEST])
    by_model = {r["model"]: r for r in results}
    chosen.update((m, by_model[m]) for m in TIMM_ALWAYS)
    return [chosen[m] for m in sorted(chosen)]


def timm_candidate(row: dict[str, str]) -> ModelCandidate:
    millions = number(row["param_count"])
    parameters = int(round(millions * 1e6))
    detail = f"{millions}M params (timm param_count) x 4 bytes (fp32)"
    return ModelCandidate(
        model_id=f"timm/{row['model']}",
        model_type="timm_wrapper",
        pipeline_tag="image-classification",
        library_name="timm",
        frameworks=("pytorch",),  # timm is a PyTorch library
        parameters_total=parameters,
        size=SizeEstimate(bytes=parameters * 4, method="param_count", detail=detail),
        fact_source=SOURCE_TIMM,
    )


def timm_benchmarks(
    results: list[dict[str, str]], bench: list[dict[str, str]]
) -> dict[str, list[dict[str, Any]]]:
    """benchmarks.json "models": top-1 per results row, CPU throughput per architecture."""
    models: dict[str, list[dict[str, Any]]] = defaultdict(list)
    base = {"task": "image-classification", "higher_is_better": True, "date": TIMM_TABLES_DATE}
    for row in results:
        entry = {
            "hardware": "any",
            "metric": "imagenet_top1",
            "value": number(row["top1"]),
            "source": SOURCE_TIMM,
        }
        models[f"timm/{row['model']}"].append({**base, **entry, "img_size": int(row["img_size"])})
    cpu = {row["model"]: row for row in bench}
    for model_id in list(models):
        row = cpu.get(model_id.removeprefix("timm/").split(".", 1)[0])
        if row:
            value = number(row["infer_samples_per_sec"])
            entry = {
                "hardware": "cpu",
                "metric": "cpu_samples_per_sec",
                "value": value,
                "source": SOURCE_TIMM_CPU,
            }
            models[model_id].append({**base, **entry, "img_size": int(row["infer_img_size"])})
    for entries in models.values():
        entries.sort(key=lambda e: (e["metric"], e["img_size"], e["value"]))
    return dict(models)


# ---------------------------------------------------------------- assembly


def rank_key(c: ModelCandidate) -> tuple[int, int, str]:
    return -c.downloads, -c.likes, c.model_id


def merge_by_trust(*sources: list[ModelCandidate]) -> dict[str, list[ModelCandidate]]:
    """Per model type, candidates ranked; an id found in several sources keeps the first source's row."""
    seen: set[str] = set()
    by_type: dict[str, list[ModelCandidate]] = defaultdict(list)
    for rows in sources:
        for c in rows:
            if c.model_id.lower() in seen or c.model_type is None:
                continue
            seen.add(c.model_id.lower())
            by_type[c.model_type].append(c)
    return {t: sorted(rows, key=rank_key) for t, rows in sorted(by_type.items())}


def registry_document(
    by_type: dict[str, list[ModelCandidate]], tiny: dict[str, dict[str, str]], updated: str
) -> dict:
    types = {}
    for model_type, rows in by_type.items():
        types[model_type] = {
            "updated": updated,
            "refreshed_from": "shared-data",
            "default": rows[0].model_id,
            "tiny": tiny.get(model_type),
            "candidates": [c.to_dict() for c in rows],
        }
    return {
        "schema_version": SCHEMA_VERSION,
        "updated": updated,
        "generated_by": GENERATED_BY,
        "model_types": types,
    }


def static_document(by_type: dict[str, list[ModelCandidate]], tiny: dict[str, dict[str, str]]) -> dict:
    types = {}
    for model_type, model_id in STATIC_DEFAULTS.items():
        rows = {c.model_id: c for c in by_type.get(model_type, [])}
        if model_id not in rows:
            raise SystemExit(f"static default {model_id!r} for {model_type!r} is not among the derived rows")
        types[model_type] = {"default": rows[model_id].to_dict(), "tiny": tiny.get(model_type)}
    missing = set(COVERED_TYPES) - set(types)
    if missing:
        raise SystemExit(f"no static default for covered types: {', '.join(sorted(missing))}")
    return {"schema_version": SCHEMA_VERSION, "generated_by": GENERATED_BY, "model_types": types}


def render(document: dict) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """The project's one atomic writer (world-readable: these are shipped files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text, mode=0o644)


def parse_updated(text: str | None) -> str:
    """``--updated`` (a date or date-time) as ``YYYY-MM-DDTHH:MM:SSZ``; default today at 00:00Z."""
    if text is None:
        now = datetime.now(timezone.utc)
        return now.strftime("%Y-%m-%dT00:00:00Z")
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def build(data_dir: Path, per_type: int, updated: str, log: BuildLog) -> tuple[dict, dict, dict]:
    import transformers
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    known = frozenset(CONFIG_MAPPING_NAMES)
    unknown = [t for t in COVERED_TYPES if t not in known]
    if unknown:
        raise SystemExit(f"covered types unknown to transformers {transformers.__version__}: {unknown}")
    hub = hub_candidates(data_dir, log)
    gated = gated_owners(hub)
    llmfit = llmfit_candidates(data_dir, known, per_type, bytes_per_param_by_type(hub), gated, log)
    other_owners = frozenset(owner(c.model_id) for c in hub + llmfit)
    docs = docstring_candidates(COVERED_TYPES, other_owners, transformers.__version__, log)
    docs = [dataclasses.replace(c, gated=owner(c.model_id) in gated) for c in docs]
    results = load_csv(data_dir / "timm_results_imagenet.csv")
    bench = load_csv(data_dir / "timm_benchmark_infer_cpu_i7_12700h.csv")
    timm = [timm_candidate(r) for r in timm_selection(results, bench)]
    by_type = merge_by_trust(hub, llmfit, docs, timm)
    tiny = tiny_models(data_dir)
    registry = registry_document(by_type, tiny, updated)
    static = static_document(by_type, tiny)
    models = timm_benchmarks(results, bench)
    archs = {r["model"].split(".", 1)[0] for r in results}
    log.skipped["e: benchmarked architectures without a checkpoint id"] = sum(
        r["model"] not in archs for r in bench
    )
    benchmarks = {"schema_version": SCHEMA_VERSION, "generated_by": GENERATED_BY, "models": models}
    return registry, static, benchmarks


# ---------------------------------------------------------------- report and entry point


def report(registry: dict, log: BuildLog, paths: list[Path]) -> None:
    types = registry["model_types"]
    print(f"{'model type':31} {'default':58} {'size MB':>9} {'method':11} {'n':>3}  tiny")
    for model_type, entry in types.items():
        row = entry["candidates"][0]
        tiny = (entry["tiny"] or {}).get("id", "-")
        mark = "*" if model_type in COVERED_TYPES else " "
        print(
            f"{mark}{model_type:30} {row['id']:58} {row.get('size_mb', 0):9.1f} "
            f"{row.get('size_method', '-'):11} {len(entry['candidates']):3}  {tiny}"
        )
    print("(* = covered type)")
    full_size = {t for t, e in types.items() if any("tiny-random" not in c["id"] for c in e["candidates"])}
    print("covered types lacking a full-size checkpoint:", sorted(set(COVERED_TYPES) - full_size) or "none")
    print(
        "covered types without a tiny model:",
        sorted(t for t in COVERED_TYPES if not (types.get(t) or {}).get("tiny")),
    )
    print("rejected docstring ids:")
    for model_type, model_id, reason in log.rejected_docstring_ids:
        print(f"  {model_type}: {model_id} -- {reason}")
    print("distrusted llmfit parameter counts (size from the id instead):")
    print("".join(f"  {line}\n" for line in log.distrusted_counts) or "  none")
    for reason, count in sorted(log.skipped.items()):
        print(f"skipped {count:5} -- {reason}")
    print("".join(f"{note}\n" for note in log.notes), end="")
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Derive model_registry.json, hf_testgen/data/static_defaults.json and benchmarks.json from "
            "the real data in ../shared/data (recorded Hub replies, llmfit, timm tables, transformers' "
            "tiny-model summary) and the installed transformers' docstrings. Every row names its source."
        ),
        epilog="Example: python scripts/build_registry.py --updated 2026-11-27",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="shared data folder (default: %(default)s)"
    )
    parser.add_argument(
        "--updated", help="registry timestamp, a date (2026-11-27) or ISO date-time; default: today at 00:00Z"
    )
    parser.add_argument(
        "--per-type", type=int, default=8, help="llmfit models kept per model type (default: 8)"
    )
    parser.add_argument(
        "--registry", type=Path, default=DEFAULT_REGISTRY, help="output (default: %(default)s)"
    )
    parser.add_argument(
        "--static-defaults", type=Path, default=DEFAULT_STATIC, help="output (default: %(default)s)"
    )
    parser.add_argument(
        "--benchmarks", type=Path, default=DEFAULT_BENCHMARKS, help="output (default: %(default)s)"
    )
    parser.add_argument("--quiet", action="store_true", help="do not print the build report")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    log = BuildLog()
    registry, static, benchmarks = build(
        args.data_dir.resolve(), args.per_type, parse_updated(args.updated), log
    )
    outputs = [(args.registry, registry), (args.static_defaults, static), (args.benchmarks, benchmarks)]
    for path, document in outputs:
        write_atomic(path, render(document))
    if not args.quiet:
        report(registry, log, [path for path, _ in outputs])
    return 0


if __name__ == "__main__":
    sys.exit(main())
