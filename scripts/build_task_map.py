"""Build ``hf_testgen/data/task_map.json``: which transformers model types can do which task.

Why: hf-testgen must pick models and write tests without importing transformers (it is an optional,
user-chosen dependency). So the compatibility map is derived once, here, from the installed
transformers' auto mappings (``*_MAPPING_NAMES`` in ``transformers.models.auto``) and shipped as data.
Every fact in the output comes from those mappings; nothing is hand-written except which mappings
stand for which task (``TASKS``, read from ``hf_testgen/data/task_table.json``).

Rerun after upgrading transformers (needs ``pip install transformers tokenizers sentencepiece``):

    python scripts/build_task_map.py [--output PATH]      # default: hf_testgen/data/task_map.json

It also writes ``task_index.json`` beside it (model type -> tasks), which selection reads.

The output is deterministic: the same transformers version gives byte-identical JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import _common  # noqa: F401  (checks that hf_testgen is this checkout's)

from hf_testgen.core.files import atomic_write_text  # the one atomic writer of the project

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "hf_testgen" / "data" / "task_map.json"

# task -> auto mapping names, in priority order (the first mapping holding a type gives its class), from the
# one task table the package and the miners share. Names missing from the installed transformers are skipped.
from hf_testgen.facts.task_table import task_mappings  # noqa: E402

TASKS: dict[str, list[str]] = task_mappings()
# transformers 5 dropped the VQA pipeline in favour of image-text-to-text and kept only a tiny VQA
# mapping; below this size image-text-to-text models are counted as VQA-capable too.
VQA_MIN_SIZE = 10
ITT = "MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES"
ENCODER_DECODER_MAPPINGS = ["MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES", "MODEL_FOR_SPEECH_SEQ_2_SEQ_MAPPING_NAMES"]


def first_name(value) -> str | None:
    """Mapping values are a class name, a tuple of names (maybe with None), or a backend -> name dict."""
    if isinstance(value, dict):  # image processors: {"torchvision": ..., "pil": ...}; torchvision is default
        value = [value.get("torchvision"), value.get("pil"), *value.values()]
    if isinstance(value, (list, tuple)):
        return next((v for v in value if isinstance(v, str)), None)
    return value if isinstance(value, str) else None


def load_transformers():
    try:
        import transformers
        from transformers.models.auto import (
            configuration_auto,
            feature_extraction_auto,
            image_processing_auto,
            modeling_auto,
            processing_auto,
            tokenization_auto,
        )
        from transformers.utils import is_sentencepiece_available, is_tokenizers_available
    except ImportError as exc:
        sys.exit(f"build_task_map.py needs transformers: pip install transformers ({exc})")
    # Some tokenizer entries are None unless these are installed; require them so the map is stable.
    if not (is_tokenizers_available() and is_sentencepiece_available()):
        sys.exit("build_task_map.py needs tokenizers and sentencepiece: pip install tokenizers sentencepiece")
    return (
        transformers,
        {
            "config": configuration_auto.CONFIG_MAPPING_NAMES,
            "tokenizer": tokenization_auto.TOKENIZER_MAPPING_NAMES,
            "image_processor": image_processing_auto.IMAGE_PROCESSOR_MAPPING_NAMES,
            "feature_extractor": feature_extraction_auto.FEATURE_EXTRACTOR_MAPPING_NAMES,
            "processor": processing_auto.PROCESSOR_MAPPING_NAMES,
        },
        modeling_auto,
    )


PREPROCESSOR_KEYS = ("tokenizer", "image_processor", "feature_extractor", "processor")
NOTES = {
    "sentence-similarity": "MODEL_MAPPING_NAMES types with a tokenizer and no image processor or feature extractor",
    "tokenizer": "null means the type has no TOKENIZER_MAPPING_NAMES entry (AutoTokenizer then "
    "relies on the checkpoint's tokenizer_config.json)",
    "image_processor": "the torchvision-backend class when there is one, else the PIL one",
}


def present_mappings(modeling_auto) -> dict[str, dict]:
    """The auto mappings the task table (and the encoder-decoder and VQA rules) name that this transformers has."""
    wanted = {name for names in TASKS.values() for name in names} | set(ENCODER_DECODER_MAPPINGS) | {ITT}
    return {name: getattr(modeling_auto, name) for name in wanted if hasattr(modeling_auto, name)}


def mappings_per_task(mappings: dict[str, dict]) -> dict[str, list[str]]:
    """Task -> its present mappings; VQA also counts image-text-to-text heads while its own mapping is tiny."""
    per_task = {task: [n for n in names if n in mappings] for task, names in TASKS.items()}
    vqa = per_task["visual-question-answering"]
    if sum(len(mappings[n]) for n in vqa) < VQA_MIN_SIZE and ITT in mappings:
        vqa.append(ITT)
    return {task: names for task, names in per_task.items() if names}


def head_classes(mt: str, info: dict, mappings: dict[str, dict], per_task: dict[str, list[str]]) -> dict[str, str]:
    """Task -> the head class of the first of the task's mappings that holds `mt`."""
    classes = {}
    for task, names in per_task.items():
        cls = next((first_name(mappings[n][mt]) for n in names if mt in mappings[n]), None)
        if cls and (task != "sentence-similarity" or is_text_only(info)):
            classes[task] = cls
    return classes


def type_info(mt: str, aux: dict, mappings: dict[str, dict], per_task: dict[str, list[str]], pretraining) -> dict:
    """The row of one model type: preprocessor classes, config class, head classes per task."""
    info = {key: first_name(aux[key].get(mt)) for key in PREPROCESSOR_KEYS}
    info["config_class"] = aux["config"][mt]
    info["is_encoder_decoder"] = any(mt in mappings.get(n, {}) for n in ENCODER_DECODER_MAPPINGS)
    info["classes"] = head_classes(mt, info, mappings, per_task)
    info["tasks"] = sorted(info["classes"])
    # The head its checkpoints are pretrained with: base checkpoints carry it and no other.
    info["pretraining_class"] = first_name(pretraining.get(mt))
    return info


def build() -> dict:
    transformers, aux, modeling_auto = load_transformers()
    mappings = present_mappings(modeling_auto)
    per_task = mappings_per_task(mappings)
    pretraining = getattr(modeling_auto, "MODEL_FOR_PRETRAINING_MAPPING_NAMES", {})
    model_types = {mt: type_info(mt, aux, mappings, per_task, pretraining) for mt in aux["config"]}
    tasks = {task: sorted(mt for mt, info in model_types.items() if task in info["classes"]) for task in per_task}
    return {
        "schema_version": 1,
        "generated_by": "scripts/build_task_map.py",
        "source": f"transformers {transformers.__version__} auto mappings",
        "notes": NOTES,
        "task_mappings": per_task,
        "tasks": tasks,
        "model_types": model_types,
    }


def is_text_only(info: dict) -> bool:
    return bool(info["tokenizer"]) and not info["image_processor"] and not info["feature_extractor"]


def task_index(data: dict) -> dict:
    """The small part selection reads on every run: model type -> {task: head class}, and the class
    each type is pretrained as (a fraction of the whole map, which the generator and --list-tasks read)."""
    return {
        "schema_version": 2,
        "generated_by": data["generated_by"],
        "source": data["source"],
        "model_types": {mt: info["classes"] for mt, info in data["model_types"].items()},
        "pretraining": {
            mt: info["pretraining_class"] for mt, info in data["model_types"].items() if info["pretraining_class"]
        },
    }


def dump(data: dict) -> str:
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}")
    args = parser.parse_args(argv)
    data = build()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.output, dump(data))
    index_path = args.output.with_name("task_index.json")
    atomic_write_text(index_path, dump(task_index(data)))
    print(f"wrote {args.output} and {index_path}: {len(data['model_types'])} model types, {len(data['tasks'])} tasks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
