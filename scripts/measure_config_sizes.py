"""Measure, per transformers model type, the parameter count of the model its DEFAULT config builds.

What: for every model type in ``hf_testgen/data/task_map.json`` that has a config class, build
``ConfigClass()`` (all defaults), instantiate the head class of the type's default task (and the base
``AutoModel`` class when different) on the meta device, and count parameters the way a safetensors
file stores them (shared/tied parameters once, plus persistent buffers). Also parse the config
docstring for the Hub checkpoint the defaults are said to mirror ("yield a similar configuration to
that of the [owner/name](https://huggingface.co/owner/name)"), and cross-check our counts against
recorded real sizes in ``../shared/data/hub/`` for every recorded id equal to such a checkpoint.

Why: a docstring checkpoint with no recorded Hub size can still be given a size: the one its
default config builds. Nothing is downloaded; no weights are allocated (meta device).

How to rerun (needs the ``[run]`` extra: torch and transformers; no network):

    python scripts/measure_config_sizes.py                      # all types -> scripts/facts/config_sizes.json
    python scripts/measure_config_sizes.py --types bert gpt2 --out /tmp/sizes.json

Each type runs in a worker subprocess (at most ``--jobs`` = 2 at once) under a per-type alarm, so one
slow, hanging or crashing model cannot stall the run; failures are recorded as ``error`` strings.
The output is deterministic: the same transformers/torch versions give byte-identical JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _common import ROOT

from hf_testgen.core.files import atomic_write_text  # the one atomic writer of the project

TASK_MAP = ROOT / "hf_testgen" / "data" / "task_map.json"
DEFAULT_OUT = ROOT / "scripts" / "facts" / "config_sizes.json"
HUB_DATA = ROOT.parent / "shared" / "data" / "hub"
MODEL_INFO = HUB_DATA / "model_info_responses.json"
LLMFIT = HUB_DATA / "llmfit_hf_models.json"

PER_TYPE_SECONDS = 60
CHUNK_SIZE = 20
RESULT_PREFIX = "@@RESULT "
ERROR_CHARS = 300

MIRROR_PHRASE = re.compile(r"similar\s+configuration\s+to\s+that\s+of", re.IGNORECASE)
HUB_LINK = re.compile(r"https?://huggingface\.co/([A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?)")
NOT_REPOS = {"docs", "papers", "spaces", "datasets", "blog", "models", "settings", "transformers", "join", "login"}


# ---------------------------------------------------------------------------------------------
# pure helpers (no torch / transformers)


def parse_mirror(doc: str | None) -> tuple[str | None, bool]:
    """The checkpoint a config docstring says its defaults mirror, and whether the mirror phrase named it.

    Prefers the first Hub link after "similar configuration to that of"; else the first Hub repo link.
    """
    if not doc:
        return None, False
    phrase = MIRROR_PHRASE.search(doc)
    if phrase:
        repo = first_repo_link(doc[phrase.end() : phrase.end() + 600])
        if repo:
            return repo, True
    return first_repo_link(doc), False


def first_repo_link(text: str) -> str | None:
    """The first ``huggingface.co/owner/name`` (or legacy ``huggingface.co/name``) link in `text`."""
    for match in HUB_LINK.finditer(text):
        repo = match.group(1).rstrip(".")
        if repo.split("/")[0].lower() not in NOT_REPOS and repo != "None":  # "[None](...)": an unfilled template
            return repo
    return None


def clean_error(exc: BaseException) -> str:
    """A short, run-independent error string (memory addresses scrubbed)."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    first = re.sub(r"0x[0-9a-fA-F]+", "0x?", first)
    return f"{type(exc).__name__}: {first}"[:ERROR_CHARS]


def load_types() -> dict[str, dict[str, Any]]:
    """task_map.json's model types that have a config class, with the default task attached."""
    from hf_testgen.facts import tasks

    model_types = json.loads(TASK_MAP.read_text(encoding="utf-8"))["model_types"]
    out = {}
    for name, info in model_types.items():
        if not info.get("config_class"):
            continue
        try:
            default = tasks.default_task(name)
        except Exception:  # an unknown type to tasks: no default task
            default = None
        out[name] = {
            "config_class": info["config_class"],
            "classes": info.get("classes") or {},
            "default_task": default,
        }
    return out


# ---------------------------------------------------------------------------------------------
# worker side (imports torch and transformers)


class TypeTimeout(Exception):
    """Raised by the alarm when one type takes longer than PER_TYPE_SECONDS."""


def _on_alarm(signum, frame):
    raise TypeTimeout(f"took over {PER_TYPE_SECONDS}s")


def count_model(model) -> dict[str, int]:
    """Parameters (shared ones once) and safetensors-like elements (parameters + persistent buffers)."""
    params = sum(p.numel() for _, p in model.named_parameters())
    persistent = set(model.state_dict().keys())
    buffers = sum(b.numel() for name, b in model.named_buffers() if name in persistent)
    return {"params": params, "state_dict_elements": params + buffers}


def resolve_class(class_name: str, model_type: str):
    """A model class by name: from the top-level package, else from the type's own module."""
    import importlib

    import transformers
    from transformers.models.auto.configuration_auto import model_type_to_module_name

    if hasattr(transformers, class_name):
        return getattr(transformers, class_name)
    module = importlib.import_module(f"transformers.models.{model_type_to_module_name(model_type)}")
    return getattr(module, class_name)


def config_for(cls, config):
    """The config `cls` is built from, as the Auto classes choose it: a composite config's text config
    when the class is a text-only model (e.g. a ``*ForCausalLM`` mapped for a vision-language type)."""
    text_config_class = (getattr(config, "sub_configs", None) or {}).get("text_config")
    if text_config_class is not None and getattr(cls, "config_class", None) == text_config_class:
        return config.get_text_config(), True
    return config, False


def build_and_count(class_name: str, model_type: str, config) -> dict[str, Any]:
    """Instantiate `class_name` from `config` on the meta device and count it."""
    import torch

    cls = resolve_class(class_name, model_type)
    config, text_only = config_for(cls, config)
    with torch.device("meta"):
        model = cls(config)
    return {**count_model(model), "uses_text_config": text_only}


def dtype_name(config) -> str | None:
    """The default dtype the config names, if any, as a plain string ("bfloat16")."""
    for attr in ("dtype", "torch_dtype"):
        value = getattr(config, attr, None)
        if value is not None:
            return str(value).replace("torch.", "")
    return None


def blank_row(info: dict[str, Any]) -> dict[str, Any]:
    """The fields every type gets, before any measurement."""
    classes = info["classes"]
    return {
        "config_class": info["config_class"],
        "default_task": info["default_task"],
        "head_class": classes.get(info["default_task"]) if info["default_task"] else None,
        "head_params": None,
        "head_state_dict_elements": None,
        "head_uses_text_config": None,
        "base_class": classes.get("feature-extraction"),
        "base_params": None,
        "base_state_dict_elements": None,
        "mirrors_checkpoint": None,
        "mirror_phrase": False,
        "config_dtype": None,
        "config_model_type": None,
        "model_type_matches": None,
        "tie_word_embeddings": None,
        "error": None,
        "base_error": None,
    }


def measure_type(name: str, info: dict[str, Any]) -> dict[str, Any]:
    """Everything recorded for one model type; errors are recorded, never raised."""
    import transformers

    row = blank_row(info)
    head, base = row["head_class"], row["base_class"]
    try:
        config_cls = getattr(transformers, info["config_class"])
        row["mirrors_checkpoint"], row["mirror_phrase"] = parse_mirror(config_cls.__doc__)
        config = config_cls()
        row["config_model_type"] = getattr(config, "model_type", None)
        row["model_type_matches"] = row["config_model_type"] == name
        row["config_dtype"] = dtype_name(config)
        tie = getattr(config, "tie_word_embeddings", None)
        row["tie_word_embeddings"] = tie if isinstance(tie, bool) else None
    except Exception as exc:
        row["error"] = "config: " + clean_error(exc)
        return row
    if head:
        try:
            counts = build_and_count(head, name, config)
            row["head_params"], row["head_state_dict_elements"] = counts["params"], counts["state_dict_elements"]
            row["head_uses_text_config"] = counts["uses_text_config"]
        except Exception as exc:
            row["error"] = clean_error(exc)
    if base and base != head:
        try:
            counts = build_and_count(base, name, config)
            row["base_params"], row["base_state_dict_elements"] = counts["params"], counts["state_dict_elements"]
        except Exception as exc:
            row["base_error"] = clean_error(exc)
    elif base:
        row["base_params"], row["base_state_dict_elements"] = row["head_params"], row["head_state_dict_elements"]
        row["base_error"] = row["error"]
    return row


def worker_main(names: list[str]) -> None:
    """Measure `names` one by one, printing one result line per type (flushed), under a per-type alarm."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    import transformers

    transformers.logging.set_verbosity_error()
    logging.disable(logging.WARNING)
    types = load_types()
    signal.signal(signal.SIGALRM, _on_alarm)
    for name in names:
        signal.alarm(PER_TYPE_SECONDS)
        try:
            row = measure_type(name, types[name])
        except TypeTimeout as exc:  # raised outside measure_type's own handlers
            row = {"error": clean_error(exc)}
        finally:
            signal.alarm(0)
        print(RESULT_PREFIX + json.dumps({"type": name, "row": row}), flush=True)


# ---------------------------------------------------------------------------------------------
# parent side


def run_chunk(names: list[str]) -> dict[str, dict[str, Any]]:
    """Run a worker over `names`; if it dies or hangs, blame the type in progress and go on with the rest."""
    results: dict[str, dict[str, Any]] = {}
    pending = list(names)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.setdefault("OMP_NUM_THREADS", "1")
    while pending:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", *pending]
        timeout = 60 + (PER_TYPE_SECONDS + 15) * len(pending)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)
            stdout, why = proc.stdout, f"worker exited with code {proc.returncode}"
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            why = "worker timed out"
        for line in stdout.splitlines():
            if line.startswith(RESULT_PREFIX):
                item = json.loads(line[len(RESULT_PREFIX) :])
                results[item["type"]] = item["row"]
        pending = [n for n in pending if n not in results]
        if pending:
            results[pending.pop(0)] = {"error": why}
    return results


def measure_all(names: list[str], jobs: int) -> dict[str, dict[str, Any]]:
    """Measure every type, `jobs` worker processes at a time."""
    chunks = [names[i : i + CHUNK_SIZE] for i in range(0, len(names), CHUNK_SIZE)]
    results: dict[str, dict[str, Any]] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for done, chunk_results in enumerate(pool.map(run_chunk, chunks), 1):
            results.update(chunk_results)
            print(f"{done}/{len(chunks)} chunks, {len(results)} types", file=sys.stderr, flush=True)
    return results


def recorded_sizes() -> list[dict[str, Any]]:
    """Recorded real sizes: (id, source, params, model_type) from the shared Hub data, where present."""
    records = []
    if MODEL_INFO.exists():
        for repo_id, entry in json.loads(MODEL_INFO.read_text(encoding="utf-8")).items():
            response = entry.get("response") or {}
            per_dtype = (response.get("safetensors") or {}).get("parameters") or {}
            if per_dtype:
                model_type = (response.get("config") or {}).get("model_type")
                records.append(
                    {
                        "id": repo_id,
                        "source": "model_info_responses",
                        "real_params": sum(per_dtype.values()),
                        "real_params_by_dtype": per_dtype,
                        "real_model_type": model_type,
                    }
                )
    if LLMFIT.exists():
        for entry in json.loads(LLMFIT.read_text(encoding="utf-8")):
            if entry.get("name") and entry.get("parameters_raw"):
                records.append(
                    {
                        "id": entry["name"],
                        "source": "llmfit_hf_models",
                        "real_params": entry["parameters_raw"],
                        "real_model_type": entry.get("architecture"),
                    }
                )
    return records


def ratio(ours: int | None, real: int) -> float | None:
    return round(ours / real, 4) if ours is not None and real else None


def cross_checks(rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """For each recorded id equal to a type's mirrors_checkpoint: our count vs the real one."""
    by_checkpoint: dict[str, list[str]] = {}
    for name, row in rows.items():
        if row.get("mirrors_checkpoint"):
            by_checkpoint.setdefault(row["mirrors_checkpoint"], []).append(name)
    checks = []
    for record in recorded_sizes():
        for name in by_checkpoint.get(record["id"], []):
            row = rows[name]
            head, base = row.get("head_state_dict_elements"), row.get("base_state_dict_elements")
            checks.append(
                {
                    **record,
                    "model_type": name,
                    "head_class": row.get("head_class"),
                    "head_state_dict_elements": head,
                    "base_state_dict_elements": base,
                    "ratio_head": ratio(head, record["real_params"]),
                    "ratio_base": ratio(base, record["real_params"]),
                }
            )
    return sorted(checks, key=lambda c: (c["id"], c["source"], c["model_type"]))


def versions() -> tuple[str, str]:
    """Installed transformers and torch versions, read without importing them."""
    from importlib.metadata import version

    return version("transformers"), version("torch")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--types", nargs="+", help="only these model types (default: all with a config class)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output JSON (default: {DEFAULT_OUT})")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes at once (default and max: 2)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker_main(args.worker)
        return 0
    types = load_types()
    names = sorted(args.types or types)
    unknown = [n for n in names if n not in types]
    if unknown:
        parser.error(f"no config class known for: {', '.join(unknown)}")
    rows = measure_all(names, max(1, min(args.jobs, 2)))
    transformers_version, torch_version = versions()
    doc = {
        "schema_version": 1,
        "generated_by": "scripts/measure_config_sizes.py",
        "transformers_version": transformers_version,
        "torch_version": torch_version,
        "model_types": {name: {**blank_row(types[name]), **rows[name]} for name in names},
        "cross_checks": cross_checks(rows),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, json.dumps(doc, indent=1, sort_keys=True) + "\n")
    ok = sum(1 for r in rows.values() if not r.get("error"))
    print(f"wrote {args.out}: {ok} ok, {len(rows) - ok} with errors", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
