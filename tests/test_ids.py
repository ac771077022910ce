"""One Hub-id grammar and one test-checkpoint rule (hf_testgen/core/ids.py), used by the package and by the
scripts that build and mine its data: the registry builder, the two checkpoint miners, the reference miner."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from hf_testgen.core.ids import is_hub_id, is_test_model_id, is_tiny_name, validate_model_id
from hf_testgen.core.records import is_test_model_id as records_rule
from hf_testgen.core.records import validate_model_id as records_validator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import build_registry  # noqa: E402
import mine_checkpoints  # noqa: E402
import mine_test_checkpoints  # noqa: E402


@pytest.mark.parametrize(
    ("model_id", "test_checkpoint"),
    [
        # what records._TEST_MODEL_RE knew
        ("hf-internal-testing/tiny-random-BertModel", True),
        ("hf-tiny-model-private/tiny-random-GPT2Model", True),
        ("timm/test_vit.r160_in1k", True),
        ("np-cr/testing-qwen3-moe", True),
        # what build_registry._TEST_REPO knew
        ("org/bert-unit-test", True),
        ("org/llama-testing", True),
        ("some-internal-testing/model", True),
        # what mine_test_checkpoints.is_fixture knew
        ("ArthurZ/dummy-rocbert-ner", True),
        ("org/random-weights", True),
        ("redmoe-ai-v1/dots.llm1.test", True),
        ("google/PaliGemma-test-224px-hf", True),
        # real models
        ("openai/whisper-tiny", False),
        ("timm/tiny_vit_5m_224.in1k", False),
        ("TinyLlama/TinyLlama-1.1B-Chat-v1.0", False),
        ("org/latest-model", False),
        ("google/bert_uncased_L-2_H-128_A-2", False),
    ],
)
def test_the_one_test_checkpoint_rule_is_the_union_of_the_three_it_replaces(model_id, test_checkpoint):
    assert is_test_model_id(model_id) is test_checkpoint
    assert records_rule is is_test_model_id and build_registry.is_test_model_id is is_test_model_id
    assert mine_test_checkpoints.is_fixture(model_id) is (test_checkpoint or is_tiny_name(model_id))


def test_a_tiny_name_is_a_fixture_only_for_the_miners():
    assert is_tiny_name("TitanML/tiny-mixtral") and not is_test_model_id("TitanML/tiny-mixtral")
    assert not is_tiny_name("openai/whisper-tiny") and is_tiny_name("openai/whisper-tiny", anywhere=True)
    assert mine_test_checkpoints.is_fixture("openai/whisper-tiny", any_tiny=True)


@pytest.mark.parametrize(
    "candidate",
    ["org/model-", "org/.hidden", "-org/model", "ｏｒｇ/model", "org/a--b", "org/a..b", "org/model.git", "a/b/c", ""],
)
def test_every_miner_refuses_what_the_package_refuses(candidate):
    assert not is_hub_id(candidate)
    with pytest.raises(ValueError, match="invalid model id"):
        validate_model_id(candidate)
    assert not mine_checkpoints.is_hub_id(candidate) and not mine_test_checkpoints.is_hub_id(candidate)
    assert records_validator is validate_model_id


def shipped_ids() -> dict[str, set[str]]:
    """Every Hub id the shipped data names, per file."""

    def load(relative: str):
        return json.loads((ROOT / relative).read_text(encoding="utf-8"))

    registry = load("model_registry.json")["model_types"]
    return {
        "model_registry.json": {c["id"] for entry in registry.values() for c in entry["candidates"]},
        "benchmarks.json": set(load("benchmarks.json")["models"]),
        "tiny_models.json": {row["id"] for row in load("hf_testgen/data/tiny_models.json")["models"].values()},
        "reference_outputs.json": set(load("hf_testgen/data/reference_outputs.json")["outputs"]),
        "transformers_checkpoints.json": {
            r["checkpoint"] for r in load("scripts/facts/transformers_checkpoints.json")["records"]
        },
        "transformers_test_checkpoints.json": {
            r["checkpoint"] for r in load("scripts/facts/transformers_test_checkpoints.json")["records"]
        },
    }


def test_every_id_in_the_shipped_data_is_a_hub_id_and_the_mined_ones_are_no_test_checkpoints():
    ids = shipped_ids()
    assert all(len(found) >= 100 for found in ids.values()), {name: len(found) for name, found in ids.items()}
    assert {name: sorted(i for i in found if not is_hub_id(i)) for name, found in ids.items()} == dict.fromkeys(ids, [])
    mined = ids["transformers_test_checkpoints.json"] | ids["reference_outputs.json"]
    assert sorted(i for i in mined if is_test_model_id(i)) == []
    assert all(is_test_model_id(i) for i in ids["tiny_models.json"])  # the tiny checkpoints are all fixtures
