"""Build the shipped model registry, the static defaults and the benchmark table from real data.

Outputs (all deterministic: sorted keys, ``indent=1``, trailing newline, written atomically)::

    model_registry.json                    ranked real checkpoints per transformers model type
    hf_testgen/data/static_defaults.json   one checkpoint fit for the default task (and tiny model) per type
    benchmarks.json                        ImageNet accuracy and CPU throughput of timm checkpoints

Why derived files and not the raw data: the raw inputs (``../shared/data``, see its README) are
third-party dumps (recorded Hub replies, llmfit's model list, timm's result tables, transformers'
tiny-model summary) of several MB, some with wrong figures. The project ships only the facts it
needs (ids, commits, parameter counts, sizes, downloads, benchmark figures), each row naming its
source, so that a fresh clone works without ``../shared`` and every fact can be traced back.
No model id is invented: every id below is read from one of the sources.

Rerun (needs the ``run`` extra, i.e. transformers, and huggingface_hub; the mined facts in
``scripts/facts/`` are inputs, remade by ``scripts/mine_checkpoints.py`` and
``scripts/measure_config_sizes.py``)::

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

A row is ``ModelCandidate(...).to_dict()`` (hf_testgen/core/records.py); empty fields are dropped:

    id, model_type, sha (commit, only source a), downloads, likes, trending_score,
    pipeline_tag, library_name, frameworks (only when known), architectures, parameters,
    size_mb, size_method, size_exact, size_detail, used_storage, gated, last_modified
    (only source a), source

``size_method`` says how ``size_mb`` was got: ``safetensors`` (exact, per-dtype counts),
``param_count`` (a published parameter count x 4 bytes: an upper bound), ``config_params`` (the
default config's parameters x 4 bytes + 10 %: an upper bound, see scripts/mined_rows.py),
``used_storage`` (the repo's storage: an upper bound), ``name`` / ``size_word`` / ``typical``
(estimates from the id or the model type, see hf_testgen/facts/sizing.py; they never pass a size
limit). ``size_exact`` is true only for exact methods. ``gated`` is known for source a; other rows are
false unless their owner is one whose every recorded reply is gated (``meta-llama``).

Sources, in order of trust (a row found in several keeps the most trusted one):

a. ``hub/model_info_responses.json``: recorded full ``GET /api/models/{id}`` replies. Entries
   without ``config.model_type`` (diffusers, espnet, speechbrain) are skipped, and so is a legacy
   alias (``gpt2``) whose namespaced twin (``openai-community/gpt2``) has the same commit.
b. ``hub/llmfit_hf_models.json``: per model type and size band (``SIZE_BANDS_MB``), the
   ``--per-type`` (8) most downloaded ungated models, and the most downloaded gated one; skipping
   test repos (``tiny-random``, ``*-internal-testing`` owners, ``*-testing``) and quantised or
   converted repos: an id containing gguf, awq, gptq, -4bit, -8bit, mlx, onnx, fp8, int4, int8,
   bnb, exl2 or -quant (case-insensitive), or an llmfit ``format`` of awq, gptq, mlx or
   autoround. ``parameters_raw`` is checked against a count in the id (``parameters_from_name``):
   under half of it, the id's count is used instead (size method ``name``, an estimate); above
   twice it is kept, as mixture-of-experts ids name active counts. Size = parameters x 4 bytes,
   an upper bound (the checkpoint's dtype is not in the data).
c. transformers' own sources, mined into ``scripts/facts/`` (see ``scripts/mined_rows.py``):
   checkpoints named by the docstrings of transformers 4.44.2 and 5.x and the 4.x pipeline
   defaults, each with the head class a doc example loads it into and the result it states
   (``architectures``), kept only when the id names the type or the evidence is strong, never with
   a template-invented owner or one in ``KNOWN_BAD_DOCSTRING_IDS``; sizes from the default
   configs' parameter counts where the config docstring says they mirror the checkpoint.
   A row of an earlier source takes architectures and a better size bound from a later one.
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

f. ``scripts/facts/hub_pages/*.jsonl`` (read by ``scripts/hub_pages.py``): facts read off stored copies
   of each repository's Hub pages (tree at a commit, commit history, card, config.json), each with its
   page URLs and reading date. They fill what a row lacks (sha, pipeline tag, dtype, likes,
   downloads, gated) and replace any count-derived size by the page's weight files rounded up
   (``page_files``); a recorded Hub reply's sha and exact size stay. A repository the pages show with
   a pipeline tag and no other source lists becomes a row. ``scripts/facts/gated_repos.json``
   marks gated families (the Hub's own errors quoted), ``ARCHITECTURE_CORRECTIONS`` fixes head
   evidence the docs got wrong, and ``hf_testgen/data/default_tasks.json`` (the task most of a
   type's checkpoints are tagged for, outside the curated table) is written first.

``hf_testgen/data/static_defaults.json``: ``{"schema_version": 1, "generated_by": ...,
"model_types": {"<type>": {"default": <row>, "tiny": {...} | null}}}``: per type, the id named in
``STATIC_DEFAULTS`` when it carries the head of the type's default task and has an exact size or
an upper bound, else the best ranked such row (within ``STATIC_SIZE_MB`` when one is); a type
with no such row has no static default.

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
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from _common import ROOT as REPO_ROOT
from _common import curated
from hub_pages import PageFacts, load_page_facts

from hf_testgen.core.files import atomic_write_text  # the one atomic writer of the project
from hf_testgen.core.ids import is_test_model_id
from hf_testgen.core.records import SIZE_BOUND_RANK, ModelCandidate, SizeEstimate
from hf_testgen.facts.frameworks import detect_frameworks
from hf_testgen.facts.sizing import TORCH_DTYPE_BYTES as DTYPE_BYTES_OF
from hf_testgen.facts.sizing import estimate_candidate_size, estimate_model_size, parameters_from_name
from hf_testgen.selection.fitness import head_suffix, same_head_group

GENERATED_BY = "scripts/build_registry.py"
SCHEMA_VERSION = 1
DEFAULT_DATA_DIR = REPO_ROOT / ".." / "shared" / "data"
DEFAULT_REGISTRY = REPO_ROOT / "model_registry.json"
DEFAULT_STATIC = REPO_ROOT / "hf_testgen" / "data" / "static_defaults.json"
DEFAULT_BENCHMARKS = REPO_ROOT / "benchmarks.json"
DEFAULT_TASKS = REPO_ROOT / "hf_testgen" / "data" / "default_tasks.json"

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

# Hand-curated (scripts/curated/registry.json, each with its reason): ids known not to be Hub repos, and head
# evidence from documentation that the checkpoint does not bear out, with what replaces it.
KNOWN_BAD_DOCSTRING_IDS: dict[str, str] = {
    model_id: entry["why"] for model_id, entry in curated("registry", "known_bad_docstring_ids").items()
}
ARCHITECTURE_CORRECTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    model_id: (tuple(entry["architectures"]), entry["why"])
    for model_id, entry in curated("registry", "architecture_corrections").items()
}

# Which tiny model stands for a type: the first suffix some class of the type ends with
# (shortest class name on ties). Main task heads first, the bare model last.
TINY_CLASS_PREFERENCE: tuple[str, ...] = (
    "ForMaskedLM", "ForConditionalGeneration", "MTModel", "ForCausalLM", "LMHeadModel",
    "ForImageClassification", "ForCTC", "ForAudioClassification", "ForObjectDetection",
    "ForSemanticSegmentation", "ForUniversalSegmentation", "ForInstanceSegmentation",
    "ForQuestionAnswering", "ForSequenceClassification", "Model",
)  # fmt: skip
# Types whose main task is not the first match above (scripts/curated/registry.json: segformer).
TINY_CLASS_OVERRIDES: dict[str, str] = {
    model_type: entry["class"] for model_type, entry in curated("registry", "tiny_class_overrides").items()
}

# timm size bands (millions of parameters) and how many to take from each.
TIMM_BANDS: tuple[tuple[float, float], ...] = ((0, 5), (5, 25), (25, 100), (100, float("inf")))
TIMM_PER_BAND = 9
TIMM_SMALLEST = 4
TIMM_ALWAYS = ("resnet50.a1_in1k",)  # the static default of timm_wrapper

# The curated static default per covered type (scripts/curated/registry.json, each with its reason): small,
# ungated, widely used, and present among the derived rows (asserted). Order of preference when several fit:
# exact size (source a) over estimated, base checkpoints over fine-tunes.
STATIC_DEFAULTS: dict[str, str] = {
    model_type: entry["id"] for model_type, entry in curated("registry", "static_defaults").items()
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
    size = estimate_candidate_size(candidate)
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
    if is_test_model_id(model_id):
        return "b: test repo"
    if _QUANTISED_ID.search(model_id) or (item.get("format") or "") in _QUANTISED_FORMATS:
        return "b: quantised or converted repo"
    return None


def llmfit_size(
    item: dict[str, Any], byte_rule: tuple[int, str] | None, log: BuildLog
) -> tuple[int | None, SizeEstimate]:
    """(parameters to record, size): parameters_raw x 4 bytes, an upper bound, unless it is under half the id's count.

    4 bytes (fp32) because the checkpoint's dtype is not in llmfit's data: the recorded replies of a
    type say what is usual (BF16 for LLMs), not what this repo stores, and a size that can be too
    low is a defect. llmfit's known error is a count far too small (packed quantised weights, e.g.
    gpt-oss-20b at 1.8B): then the id's count is used, as an estimate. A count above twice the id's
    is kept: ids of mixture-of-experts models name the active or per-expert count
    (Llama-4-Maverick-17B-128E holds 400B parameters).
    """
    model_id, model_type = item["name"], item["architecture"]
    raw = int(item.get("parameters_raw") or 0)
    named = parameters_from_name(model_id)
    if raw <= 0:
        return None, estimate_model_size(model_id, model_type=model_type)
    if named and raw < named / 2:
        log.distrusted_counts.append(f"{model_id}: parameters_raw {raw:,} vs {named:,.0f} named in the id")
        return None, estimate_model_size(model_id, model_type=model_type)
    usual = f"; recorded {model_type} replies store {byte_rule[1]}" if byte_rule else ""
    detail = f"{raw:,} params (llmfit) x 4 bytes (upper bound: dtype unknown{usual})"
    return raw, SizeEstimate(bytes=raw * 4, method="param_count", detail=detail)


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
        rows = [llmfit_candidate(i, rule, gated, log) for i in items]
        result += per_size_band(rows, per_type)
    return result


# Upper bounds of the size bands (MB) the registry keeps candidates in, so that a small machine
# finds a real model too, not only the most downloaded (often gated or large) ones.
SIZE_BANDS_MB = (1_000, 4_000, 16_000, 64_000, float("inf"))


def per_size_band(rows: list[ModelCandidate], per_band: int) -> list[ModelCandidate]:
    """The `per_band` most downloaded ungated rows of every size band, and the most downloaded gated one."""
    kept: list[ModelCandidate] = []
    for low, high in zip((0.0, *SIZE_BANDS_MB[:-1]), SIZE_BANDS_MB, strict=True):
        band = [r for r in rows if r.size is not None and low <= r.size.mb < high]
        kept += [r for r in band if not r.gated][:per_band]
    kept += [r for r in rows if r.gated][:1]
    return sorted(kept, key=rank_key)


# ---------------------------------------------------------------- c. transformers' sources (mined)
# See scripts/mined_rows.py: docstring checkpoints and pipeline defaults of transformers 4.44.2 and
# 5.x with their evidence, and the default configs' parameter counts.


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
    """Per model type, candidates ranked; an id found in several sources keeps the first source's row.

    A later source still adds what the kept row lacks: architectures (evidence of a head) and a
    size of a better bound (an upper bound over an estimate).
    """
    kept: dict[str, ModelCandidate] = {}
    for rows in sources:
        for c in rows:
            key = c.model_id.lower()
            if c.model_type is None:
                continue
            if key not in kept:
                kept[key] = c
            elif kept[key].model_type == c.model_type:
                kept[key] = enrich_from(kept[key], c)
    by_type: dict[str, list[ModelCandidate]] = defaultdict(list)
    for c in kept.values():
        by_type[c.model_type or ""].append(c)
    return {t: sorted(rows, key=rank_key) for t, rows in sorted(by_type.items())}


def tighter(new: SizeEstimate, old: SizeEstimate) -> bool:
    """A better bound, or a smaller upper bound of the same kind of evidence.

    A default config's count (``default_config``) never undercuts another estimate: the config only
    mirrors the named checkpoint when its docstring is right, and bloom's default config builds 16M
    parameters while bigscience/bloom holds 176B.
    """
    if SIZE_BOUND_RANK[new.bound] != SIZE_BOUND_RANK[old.bound]:
        return SIZE_BOUND_RANK[new.bound] > SIZE_BOUND_RANK[old.bound]
    if new.method == "default_config" and old.method != "default_config":
        return False
    return new.bound == "upper" and new.bytes < old.bytes


def enrich_from(row: ModelCandidate, other: ModelCandidate) -> ModelCandidate:
    changes: dict[str, Any] = {}
    if not row.architectures and other.architectures:
        changes["architectures"] = other.architectures
    if other.size and (row.size is None or tighter(other.size, row.size)):
        changes["size"] = other.size
    if changes:
        changes["fact_source"] = f"{row.fact_source}; {', '.join(changes)} from {other.fact_source}"
    return dataclasses.replace(row, **changes) if changes else row


def apply_page_facts(
    by_type: dict[str, list[ModelCandidate]], facts: dict[str, PageFacts], log: BuildLog
) -> dict[str, list[ModelCandidate]]:
    """Fill each row's missing facts from the stored Hub pages of its repository, and add the
    repositories the pages show with task evidence (a pipeline tag) that no other source listed.

    A page fact never replaces a recorded Hub reply's (sha, exact size): both are the Hub's own
    word, and the reply's is the complete one. It does replace what other sources only guessed.
    """
    seen = {row.model_id.lower() for rows in by_type.values() for row in rows}
    result = each_row(by_type, lambda row: with_page_facts(row, facts[row.model_id.lower()])
                      if row.model_id.lower() in facts else row)  # fmt: skip
    for key, page in sorted(facts.items()):
        if key in seen or page.pipeline_tag is None or page.model_type not in result:
            continue
        row = with_page_facts(ModelCandidate(page.model_id, page.model_type, fact_source=page.source), page)
        result[page.model_type].append(dataclasses.replace(row, size=row.size or estimate_candidate_size(row)))
        log.notes.append(f"pages: added {page.model_id} ({page.model_type}, pipeline tag {page.pipeline_tag})")
    return {t: sorted(rows, key=rank_key) for t, rows in sorted(result.items())}


def apply_gated_patterns(by_type: dict[str, list[ModelCandidate]], path: Path) -> dict[str, list[ModelCandidate]]:
    """Mark gated every row whose id matches a pattern of ``scripts/facts/gated_repos.json`` (each
    pattern lists gated members as the Hub's own error messages name them)."""
    rules = [(re.compile(p["pattern"], re.IGNORECASE), p["evidence"]) for p in load_json(path)["patterns"]]

    def gated(row: ModelCandidate) -> ModelCandidate:
        rule = next(((pattern, evidence) for pattern, evidence in rules if pattern.search(row.model_id)), None)
        if rule is None or row.gated:
            return row
        urls = tuple(e["url"] for e in rule[1])
        return dataclasses.replace(
            row,
            gated=True,
            fact_source=f"{row.fact_source}; gated: the Hub gates {rule[0].pattern} ({len(urls)} quoted)",
            fact_urls=tuple(dict.fromkeys(row.fact_urls + urls)),
        )

    return each_row(by_type, gated)


def apply_corrections(by_type: dict[str, list[ModelCandidate]]) -> dict[str, list[ModelCandidate]]:
    """`ARCHITECTURE_CORRECTIONS`: replace head evidence that a row's sources got wrong, saying why."""

    def corrected(row: ModelCandidate) -> ModelCandidate:
        if row.model_id not in ARCHITECTURE_CORRECTIONS:
            return row
        architectures, why = ARCHITECTURE_CORRECTIONS[row.model_id]
        return dataclasses.replace(
            row, architectures=architectures, fact_source=f"{row.fact_source}; architectures corrected: {why}"
        )

    return each_row(by_type, corrected)


def each_row(
    by_type: dict[str, list[ModelCandidate]], change: Callable[[ModelCandidate], ModelCandidate]
) -> dict[str, list[ModelCandidate]]:
    """`change` applied to every row, in the same order."""
    return {model_type: [change(row) for row in rows] for model_type, rows in by_type.items()}


def with_page_facts(row: ModelCandidate, page: PageFacts) -> ModelCandidate:
    changes: dict[str, Any] = {}
    if row.sha is None and page.sha:
        changes["sha"] = page.sha
    if page.dtype and row.dtype is None:
        changes["dtype"] = page.dtype
    if page.size and (row.size is None or row.size.bound != "exact"):
        # the files as the Hub shows them beat any count: llmfit's count for microsoft/biogpt gives
        # 1,382 MB while its weights are 1.56 GB (a count can miss tied or buffered tensors)
        changes["size"] = page.size
    elif row.size and row.size.method == "param_count" and page.dtype and row.parameters_total:
        n = row.parameters_total  # the published count at the stored dtype's bytes: a tighter upper bound
        detail = f"{n:,} params x {page.dtype} ({DTYPE_BYTES_OF[page.dtype]:g} bytes, {page.source})"
        changes["size"] = SizeEstimate(int(n * DTYPE_BYTES_OF[page.dtype]), "param_count", detail)
    for name in ("pipeline_tag", "library_name", "frameworks", "architectures"):
        if getattr(page, name) and not getattr(row, name):
            changes[name] = getattr(page, name)
    if page.architectures and page.architectures != row.architectures:
        changes["architectures"] = page.architectures  # the repository's own config.json beats a doc example
    if page.likes is not None and page.likes > row.likes:
        changes["likes"] = page.likes
    if page.downloads is not None and row.downloads == 0:
        changes["downloads"] = page.downloads
    if page.gated and not row.gated:
        changes["gated"] = True
    if not changes:
        return row
    named = ", ".join(sorted(changes))
    changes["fact_source"] = row.fact_source if row.fact_source == page.source else (
        f"{row.fact_source}; {named} from {page.source}"
    )
    changes["fact_urls"] = tuple(dict.fromkeys(row.fact_urls + page.urls))
    return dataclasses.replace(row, **changes)


# Hub pipeline tags that name a task the generator tests under another name.
TAG_AS_TASK = {
    "image-feature-extraction": "feature-extraction",
    "sentence-similarity": "feature-extraction",
    "image-text-to-text": "image-to-text",
}


def default_tasks_document(by_type: dict[str, list[ModelCandidate]]) -> dict:
    """Per model type: the generatable task most of its real checkpoints are for, by the Hub's own
    word (the pipeline tag; the config's architectures when untagged), when that differs from the
    task `_DEFAULT_TASK_ORDER` gives. A curated type keeps its curated task unless none of its
    checkpoints carries that task's head. Ties go to the task whose checkpoints have more downloads,
    then to the order's task."""
    from hf_testgen.core.errors import GenerationError
    from hf_testgen.facts import families, tasks
    from hf_testgen.selection.ranking import direct_evidence

    rows: dict[str, dict[str, Any]] = {}
    for model_type, candidates in by_type.items():
        curated = any(model_type in types for types in tasks.TASK_TO_MODEL_TYPES.values())
        generatable = []
        for task in tasks.tasks_for_model_type(model_type):
            try:
                families.resolve_head(model_type, task)
            except GenerationError:
                continue
            generatable.append(task)
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for c in candidates:
            task = checkpoint_task(c, model_type, generatable, direct_evidence)
            if task is not None and not c.is_tiny_test_model:
                counts[task][0] += 1
                counts[task][1] += c.downloads
        if not counts or (curated and any(same_head_group(task, tasks.default_task(model_type)) for task in counts)):
            continue  # a curated task stays while one real checkpoint carries its head
        order = tasks._DEFAULT_TASK_ORDER
        rank = {task: order.index(task) if task in order else len(order) for task in counts}
        best = min(counts, key=lambda task: (-counts[task][0], -counts[task][1], rank[task], task))
        if best != tasks.default_task(model_type):
            rows[model_type] = {"task": best, "checkpoints": {task: n for task, (n, _) in sorted(counts.items())}}
    return {"schema_version": SCHEMA_VERSION, "generated_by": GENERATED_BY, "model_types": rows}


def checkpoint_task(c: ModelCandidate, model_type: str, generatable: list[str], direct_evidence) -> str | None:
    """The generatable task one checkpoint is for: its pipeline tag, else the first its architectures
    name; architectures that name only the base model (``Dinov2WithRegistersModel``) are a backbone."""
    if c.pipeline_tag:
        task = TAG_AS_TASK.get(c.pipeline_tag, c.pipeline_tag)
        return task if task in generatable else None
    if c.architectures and all(head_suffix(a) == "Model" for a in c.architectures):
        return "feature-extraction" if "feature-extraction" in generatable else None
    return next((task for task in generatable if c.architectures and direct_evidence(c, task, model_type)), None)


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


# The static default is the best fitting checkpoint that fits in this (the cpu-large profile) when
# one does, so that the last level of the chain works on an ordinary machine.
STATIC_SIZE_MB = 10_000


def static_pick(model_type: str, rows: list[ModelCandidate], now: datetime, log: BuildLog) -> ModelCandidate | None:
    """The curated default when it carries the head of the type's default task, else the best ranked that does.

    Only real (not tiny-random), ungated checkpoints whose size is exact or an upper bound qualify:
    the static level must give an answer the other levels would accept.
    """
    from hf_testgen.facts.tasks import default_task
    from hf_testgen.selection.fitness import task_fitness
    from hf_testgen.selection.ranking import rank

    task = default_task(model_type)
    fitting = [
        c
        for c in rows
        if not c.is_tiny_test_model
        and not c.gated
        and c.size is not None
        and c.size.bound != "estimate"
        and task_fitness(c, task, model_type).fits
    ]
    curated = STATIC_DEFAULTS.get(model_type)
    for c in fitting:
        if c.model_id == curated:
            return c
    if curated:
        log.notes.append(f"static: curated {curated!r} lacks the {task} head of {model_type} or a sure size")
    small = [c for c in fitting if c.size is not None and c.size.mb <= STATIC_SIZE_MB]
    ranked = rank(small or fitting, task=task, now=now, model_type=model_type)
    return ranked[0] if ranked else None


def static_document(
    by_type: dict[str, list[ModelCandidate]], tiny: dict[str, dict[str, str]], updated: str, log: BuildLog
) -> dict:
    now = datetime.fromisoformat(updated.replace("Z", "+00:00"))
    types = {}
    for model_type, rows in by_type.items():
        pick = static_pick(model_type, rows, now, log)
        if pick is not None:
            types[model_type] = {"default": pick.to_dict(), "tiny": tiny.get(model_type)}
    missing = sorted(set(COVERED_TYPES) - set(types))
    if missing:
        log.notes.append(f"static: covered types without a fitting default: {', '.join(missing)}")
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
    from mined_rows import mined_candidates

    from hf_testgen.facts.tasks import _evidence_defaults, all_tasks

    task_map = load_json(REPO_ROOT / "hf_testgen" / "data" / "task_map.json")
    known = frozenset(task_map["model_types"])
    unknown = [t for t in COVERED_TYPES if t not in known]
    if unknown:
        raise SystemExit(f"covered types unknown to the task map ({task_map['source']}): {unknown}")
    config_classes = {t: info["config_class"] for t, info in task_map["model_types"].items()}
    pretraining = {t: info["pretraining_class"] for t, info in task_map["model_types"].items()}
    hub = hub_candidates(data_dir, log)
    gated = gated_owners(hub)
    llmfit = llmfit_candidates(data_dir, known, per_type, bytes_per_param_by_type(hub), gated, log)
    other_owners = frozenset(owner(c.model_id) for c in hub + llmfit)
    pretrained_as = {t: c for t, c in pretraining.items() if c}
    counts = {c.model_id.lower(): c.parameters_total or 0 for c in hub + llmfit}
    docs = mined_candidates(
        known, other_owners, config_classes, pretrained_as, gated, KNOWN_BAD_DOCSTRING_IDS,
        log.rejected_docstring_ids, counts,
    )
    results = load_csv(data_dir / "timm_results_imagenet.csv")
    bench = load_csv(data_dir / "timm_benchmark_infer_cpu_i7_12700h.csv")
    timm = [timm_candidate(r) for r in timm_selection(results, bench)]
    by_type = merge_by_trust(hub, llmfit, docs, timm)
    by_type = apply_page_facts(by_type, load_page_facts(frozenset(all_tasks())), log)
    by_type = apply_corrections(by_type)
    by_type = apply_gated_patterns(by_type, REPO_ROOT / "scripts" / "facts" / "gated_repos.json")
    write_atomic(DEFAULT_TASKS, render({"schema_version": SCHEMA_VERSION, "model_types": {}}))
    _evidence_defaults.cache_clear()  # the order's defaults first: the table names only departures from them
    defaults = default_tasks_document(by_type)
    write_atomic(DEFAULT_TASKS, render(defaults))  # static_pick and the generator read it from here
    _evidence_defaults.cache_clear()
    tiny = tiny_models(data_dir)
    registry = registry_document(by_type, tiny, updated)
    static = static_document(by_type, tiny, updated, log)
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
