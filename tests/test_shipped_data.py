"""The shipped registry and static defaults keep the promises selection relies on."""

from __future__ import annotations

import json
import re

import pytest

from hf_testgen.core.config import Settings
from hf_testgen.core.records import ModelCandidate
from hf_testgen.facts.static_defaults import static_default
from hf_testgen.facts.tasks import default_task
from hf_testgen.selection.chain import open_registry
from hf_testgen.selection.fitness import task_fitness

REGISTRY = open_registry(Settings().registry_path)
STATIC = json.loads(
    (Settings().registry_path.parent / "hf_testgen" / "data" / "static_defaults.json").read_text(encoding="utf-8")
)["model_types"]


@pytest.mark.parametrize("model_type", sorted(STATIC))
def test_every_static_default_carries_the_default_tasks_head_with_a_sure_size(model_type):
    entry = static_default(model_type)
    default = entry.default
    assert not default.is_tiny_test_model
    assert default.size is not None and default.size.bound in ("exact", "upper"), default.size
    verdict = task_fitness(default, default_task(model_type), model_type)
    assert verdict.fits, verdict.text


def test_no_row_has_an_id_a_docstring_template_invented():
    template_owner = re.compile(r"^meta-(?!llama/)")
    ids = [c.model_id for t in REGISTRY.model_types for c in REGISTRY.candidates(t)]
    assert len(ids) > 1_000
    assert not [i for i in ids if template_owner.match(i)]


def test_every_row_says_where_its_facts_came_from_and_sizes_say_their_bound():
    rows: list[ModelCandidate] = [c for t in REGISTRY.model_types for c in REGISTRY.candidates(t)]
    assert all(c.fact_source for c in rows)
    mined = [c for c in rows if "scripts/facts/" in c.fact_source]
    assert len(mined) > 500 and any(c.architectures for c in mined)
    assert all(c.size is not None for c in rows)
    for c in rows:
        if c.size.method == "default_config":  # a default config's count is never more than an estimate
            assert "params of the default" in c.size.detail and c.size.bound == "estimate"
        assert c.size.method != "config_params"  # no row has its own config counted yet
        if c.size.method == "page_files":  # rounded-up page sizes name their page and bound
            assert ("huggingface.co/" + c.model_id).lower() in c.size.detail.lower() and c.size.bound == "upper"
            assert any(url in c.size.detail for url in c.fact_urls)


def test_wrong_docstring_checkpoints_never_become_rows():
    """transformers' config docstrings name unrelated models for some types (segformer: a 36B LLM)."""
    assert "ByteDance-Seed/Seed-OSS-36B-Instruct" not in {c.model_id for c in REGISTRY.candidates("segformer")}
    assert "BAAI/seggpt-vit-large" not in {c.model_id for c in REGISTRY.candidates("sew")}
    assert "google/distilbert-base-uncased" not in {c.model_id for c in REGISTRY.candidates("distilbert")}


@pytest.mark.parametrize(
    ("model_type", "model_id", "real_mb"),
    [
        ("bloom", "bigscience/bloom", 352_000),  # its default config builds 16M parameters, not 176B
        ("opt", "facebook/opt-350m", 660),  # the default config is opt-125m's
        ("whisper", "openai/whisper-tiny", 151),
        ("mt5", "google/mt5-small", 1_200),
        ("convnext", "facebook/convnext-tiny-224", 114),
    ],
)
def test_no_shipped_size_is_below_the_real_one(model_type, model_id, real_mb):
    """Real weight sizes from the Hub (fp32 or as published); a row's size must never be lower."""
    row = {c.model_id: c for c in REGISTRY.candidates(model_type)}[model_id]
    assert row.size.mb >= real_mb, (row.size, row.fact_source)


# (type, task) pairs a user asks for first, and what the offline registry must answer: a fine-tuned
# checkpoint that carries the task's head (issue: these were refused or picked odd rows).
COMMON_PAIRS = [
    ("xlm-roberta", None, "FacebookAI/xlm-roberta-base"),
    ("mobilebert", "question-answering", "csarron/mobilebert-uncased-squad-v2"),
    ("roberta", "token-classification", "Jean-Baptiste/roberta-large-ner-english"),
    ("pegasus", "summarization", "google/pegasus-xsum"),
    ("segformer", None, "nvidia/segformer-b0-finetuned-ade-512-512"),
    ("hubert", "automatic-speech-recognition", "facebook/hubert-large-ls960-ft"),
    ("deberta-v2", "question-answering", "deepset/deberta-v3-base-squad2"),
    ("xlm-roberta", "token-classification", "FacebookAI/xlm-roberta-large-finetuned-conll03-english"),
    ("layoutlmv3", "token-classification", "nielsr/layoutlmv3-finetuned-funsd"),
    ("speecht5", "text-to-speech", "microsoft/speecht5_tts"),
    ("dinov2", "feature-extraction", "facebook/dinov2-base"),
]


@pytest.mark.parametrize(("model_type", "task", "expected"), COMMON_PAIRS)
def test_common_pairs_pick_the_fine_tuned_checkpoint_offline(model_type, task, expected):
    from hf_testgen.selection.chain import SelectionRequest, select

    settings = Settings(use_static_registry=True)
    selection = select(SelectionRequest(model_type, task=task), settings)
    assert selection.model_id == expected
    assert selection.candidate is not None
    assert task_fitness(selection.candidate, selection.task, model_type).direct  # its own tag or config says so


def test_a_gated_row_is_refused_without_allow_gated():
    """Every Gemma checkpoint is gated on the Hub (scripts/facts/gated_repos.json quotes its errors)."""
    from hf_testgen.core.errors import NoModelFitsError
    from hf_testgen.selection.chain import SelectionRequest, select

    gemma = {c.model_id: c for c in REGISTRY.candidates("gemma")}
    assert gemma["google/gemma-2b"].gated
    settings = Settings(use_static_registry=True)
    try:
        chosen = select(SelectionRequest("gemma"), settings).model_id
    except NoModelFitsError:
        chosen = None
    assert not (chosen or "").startswith("google/")
    allowed = select(SelectionRequest("gemma", allow_gated=True, hardware="none"), settings)
    assert allowed.model_id.startswith("google/gemma")


def test_every_file_all_writes_from_the_shipped_registry_passes_verification(tmp_path, monkeypatch, capsys):
    """--all --verify over the shipped registry: every file parses, is ruff-clean and collects (a long
    comment from one checkpoint's facts once broke the README's main job)."""
    from hf_testgen.cli.main import generate_main

    monkeypatch.setenv("USE_STATIC_REGISTRY", "true")
    code = generate_main(["--all", "--hardware", "none", "--output-dir", str(tmp_path), "--verify"])
    out = capsys.readouterr().out
    assert code == 0, [line for line in out.splitlines() if "failed" in line][:5]
    assert len(list(tmp_path.glob("test_hf_*.py"))) >= 360
