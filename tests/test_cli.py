"""The selection commands as a user runs them: output, exit codes, bad input, and a light static path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from factories import fixture_records, hub_record

from hf_testgen.core.errors import NoModelFitsError

ROOT = Path(__file__).resolve().parent.parent


def run(script: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "HF_ENDPOINT", "FORCE_API_CALLS")}
    base.update({"USE_STATIC_REGISTRY": "true", "HF_HUB_DISABLE_TELEMETRY": "1"})
    base.update(env or {})
    return subprocess.run(
        [sys.executable, str(ROOT / script), *args], capture_output=True, text=True, env=base, timeout=120, cwd=ROOT
    )


def test_json_selection_on_the_shipped_registry():
    result = run("advanced_model_selection.py", "--model-type", "bert", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"model_id", "revision", "source", "size_mb", "size_method", "task", "framework", "rejected"} <= set(data)
    assert data["source"] == "registry"
    assert data["task"] == "fill-mask" and data["framework"] == "pytorch"
    assert all(set(r) == {"model_id", "kind", "reason"} for r in data["rejected"])
    assert data["task_evidence"] == "architectures name BertForMaskedLM"
    assert data["size_bound"] == "exact" and data["size_limit"].startswith("this machine")


def test_every_curated_type_selects_from_the_shipped_registry():
    from hf_testgen.core.config import Settings
    from hf_testgen.facts.tasks import TASK_TO_MODEL_TYPES
    from hf_testgen.selection.chain import SelectionRequest, open_registry, select

    settings = Settings(use_static_registry=True)
    registry = open_registry(settings.registry_path)
    required = {t for types in TASK_TO_MODEL_TYPES.values() for t in types} | {
        "bert", "roberta", "distilbert", "albert", "electra", "xlm-roberta", "gptj", "gpt_neo", "gpt_neox", "llama",
        "mistral", "opt", "bloom", "phi", "t5", "mt5", "bart", "mbart", "pegasus", "vit", "deit", "convnext", "resnet",
        "swin", "detr", "segformer", "mask2former", "whisper", "wav2vec2", "hubert", "clip", "blip", "llava",
    }  # fmt: skip
    assert required <= registry.model_types
    selected, refused = {}, {}
    for model_type in sorted(required):
        try:
            selected[model_type] = select(SelectionRequest(model_type, hardware="none"), settings)
        except NoModelFitsError as err:  # no checkpoint in the data carries the head: said, not guessed
            refused[model_type] = str(err)
    assert len(selected) >= 39, refused
    for model_type, selection in selected.items():
        assert selection.source == "registry", (model_type, selection.notes)
        assert selection.candidate.fact_source, model_type  # every id records where it came from
        assert selection.task_evidence and not selection.candidate.is_tiny_test_model
    for message in refused.values():
        assert "passes the filters" in message or "only estimated" in message


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--model-type", "bret"], "did you mean bert"),
        (["--model-type", "bert", "--task", "imagine"], "--list-tasks lists all"),
        (["--model-type", "gpt2", "--task", "image-classification"], "it can do: "),
        (["--model-type", "bert", "--hardware", "tpu-huge"], "unknown hardware profile 'tpu-huge'; valid: cpu-small"),
        (["--model-type", "bert", "--framework", "mxnet"], "unknown framework 'mxnet'; valid: pytorch"),
        (["--model-type", "bert", "--max-size", "0"], "must be a positive number"),
        (["--model-type", "bert", "--max-size", "-5"], "must be a positive number"),
        (["--model-type", "bert", "--max-size", "big"], "is not a number"),
        (["--model-type", "bert", "--max-size", "1"], "smallest real candidate, google-bert/bert-base-uncased, needs"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(args, needle):
    result = run("advanced_model_selection.py", *args)
    assert result.returncode == 2
    assert needle in result.stderr
    assert result.stdout == ""


def test_list_commands():
    tasks = run("advanced_model_selection.py", "--list-tasks")
    assert (
        tasks.returncode == 0
        and "zero-shot-image-classification" in tasks.stdout
        and "sentiment-analysis" in tasks.stdout
    )
    hardware = run("advanced_model_selection.py", "--list-hardware")
    assert hardware.returncode == 0 and "gpu-medium" in hardware.stdout and "15,000 MB" in hardware.stdout
    detected = run("advanced_model_selection.py", "--detect-hardware", "--json")
    assert detected.returncode == 0 and json.loads(detected.stdout)["total_ram_mb"] > 0


def test_explain_lists_levels_and_rejections():
    result = run("advanced_model_selection.py", "--model-type", "bert", "--max-size", "500", "--explain")
    assert result.returncode == 0, result.stderr
    assert "api: not called" in result.stdout and "within the 500 MB limit of --max-size" in result.stdout
    assert "fit:      architectures name BertForMaskedLM" in result.stdout
    assert "rejected: sentence-transformers/all-MiniLM-L6-v2: pipeline tag 'sentence-similarity'" in result.stdout


def test_list_tasks_of_one_model_type():
    for script in ("advanced_model_selection.py", "test_model_lookup_advanced.py"):
        result = run(script, "--model-type", "bert", "--list-tasks", "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["default_task"] == "fill-mask" and "text-classification" in data["curated"]
        assert data["tasks"]["question-answering"] == "BertForQuestionAnswering"
    text = run("test_model_lookup_advanced.py", "--model-type", "bert", "--list-tasks").stdout
    assert "BertForTokenClassification" in text and "level" not in text  # not the chain table


def test_lookup_shows_every_level_side_by_side():
    result = run("test_model_lookup_advanced.py", "--model-type", "t5", "--max-size", "300")
    assert result.returncode == 0, result.stderr
    for level in ("api", "registry", "size-fallback", "static-default"):
        assert level in result.stdout
    assert "google-t5/t5-small" in result.stdout
    assert run("test_model_lookup_advanced.py", "--detect-hardware").returncode == 0
    assert "fill-mask" in run("test_model_lookup_advanced.py", "--list-tasks").stdout


def test_static_path_imports_neither_torch_nor_the_hub_client():
    code = (
        "import sys, runpy\n"
        "sys.argv = ['advanced_model_selection.py', '--model-type', 'bert', '--json']\n"
        "try:\n    runpy.run_path('advanced_model_selection.py', run_name='__main__')\n"
        "except SystemExit as e:\n    assert e.code == 0, e.code\n"
        "heavy = ('torch', 'huggingface_hub', 'httpx2', 'transformers', 'jinja2')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "USE_STATIC_REGISTRY": "true"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_corrupt_registry_flag_warns_and_still_answers(tmp_path):
    broken = tmp_path / "model_registry.json"
    broken.write_text("[1, 2")
    result = run("advanced_model_selection.py", "--model-type", "bert", "--registry", str(broken), "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["source"] == "static-default"
    assert result.stderr.count("warning:") == 1 and str(broken) in result.stderr


def test_find_models_lists_live_candidates_and_verifies(local_hub):
    records = fixture_records()
    local_hub.add_model(records["google-bert/bert-base-uncased"])
    local_hub.add_model(records["meta-llama/Llama-3.1-8B-Instruct"])
    local_hub.add_model(hub_record("org/no-weights", "bert", siblings=[{"rfilename": "README.md"}]))
    env = {"HF_ENDPOINT": local_hub.url, "USE_STATIC_REGISTRY": ""}
    listed = run("find_models.py", "--model-type", "bert", "--limit", "5", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    ids = [c["id"] for c in json.loads(listed.stdout)["candidates"]]
    assert "google-bert/bert-base-uncased" in ids
    ok = run("find_models.py", "--verify", "google-bert/bert-base-uncased", env=env)
    assert ok.returncode == 0 and "usable" in ok.stdout
    gated = run("find_models.py", "--verify", "meta-llama/Llama-3.1-8B-Instruct", env=env)
    assert gated.returncode == 1 and "gated" in gated.stdout
    empty = run("find_models.py", "--verify", "org/no-weights", env=env)
    assert empty.returncode == 1 and "no weight files" in empty.stdout
    missing = run("find_models.py", "--verify", "nobody/nothing", env=env)
    assert missing.returncode == 1 and "does not exist" in missing.stdout
    hostile = run("find_models.py", "--verify", 'evil/x"; import os', env=env)
    assert hostile.returncode == 2 and "invalid model id" in hostile.stderr
