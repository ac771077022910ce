"""The registry builder's rules for facts mined from transformers (scripts/mined_rows.py) and for each
type's default task (scripts/build_registry.py): each rule is checked on the row that motivated it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from build_registry import checkpoint_task  # noqa: E402
from mined_rows import config_size  # noqa: E402

from hf_testgen.core.records import ModelCandidate  # noqa: E402
from hf_testgen.selection.ranking import direct_evidence  # noqa: E402

# transformers' default UltrabertConfig builds 6.7B parameters, though its docstring says it mirrors
# dmis-lab/UltraBERT-150M (scripts/facts/config_sizes.json)
ULTRABERT_DEFAULTS = {"mirrors_checkpoint": "dmis-lab/UltraBERT-150M", "head_params": 6_744_707_072}


@pytest.mark.parametrize(
    ("model_id", "head_params"),
    [
        ("dmis-lab/UltraBERT-150M", 6_744_707_072),  # the config builds 45x the named count
        ("dmis-lab/UltraBERT-150M", 1_000_000),  # ... or far fewer (bloom's 16M config of 176B)
    ],
)
def test_a_default_config_that_builds_another_size_than_the_id_names_gives_no_size(model_id, head_params):
    facts = {**ULTRABERT_DEFAULTS, "head_params": head_params}
    assert config_size("ultrabert", model_id, {"ultrabert": facts}, {}) is None


def test_a_default_config_near_the_named_count_is_an_estimate_for_it():
    facts = {**ULTRABERT_DEFAULTS, "head_params": 160_000_000}
    size = config_size("ultrabert", "dmis-lab/UltraBERT-150M", {"ultrabert": facts}, {})
    assert size is not None and size.method == "default_config" and size.bound == "estimate"


@pytest.mark.parametrize(
    ("architectures", "tag", "task"),
    [
        (("Dinov2WithRegistersModel",), None, None),  # a backbone: no image head, and no text embedder
        (("DebertaForMaskedLM",), None, "fill-mask"),
        (("DebertaModel",), None, "feature-extraction"),
        ((), "question-answering", "question-answering"),
    ],
)
def test_a_checkpoint_counts_for_the_task_its_tag_or_architectures_name(architectures, tag, task):
    model_type = "dinov2_with_registers" if architectures[:1] == ("Dinov2WithRegistersModel",) else "deberta"
    generatable = ["fill-mask", "text-classification", "question-answering", "feature-extraction"]
    if model_type == "dinov2_with_registers":
        generatable = ["image-classification"]
    row = ModelCandidate(model_id="org/x", model_type=model_type, architectures=architectures, pipeline_tag=tag)
    assert checkpoint_task(row, model_type, generatable, direct_evidence) == task


ENCODER_DECODER_TESTS = '''
import unittest
from transformers import EncoderDecoderModel
from transformers.testing_utils import slow


class BertEncoderDecoderModelTest(unittest.TestCase):
    @slow
    def test_bert2bert_summarization(self):
        model = EncoderDecoderModel.from_pretrained("patrickvonplaten/bert2bert-cnn_dailymail-fp16")
        summary = model.generate()
        EXPECTED_SUMMARY = "sae was founded in 1856, five years before the civil war."
        self.assertEqual(summary, EXPECTED_SUMMARY)

    @slow
    def test_real_model_save_load_from_pretrained(self):
        model = EncoderDecoderModel.from_pretrained("org/bert2bert-roundtrip")
        model.save_pretrained("here")
'''


def test_a_slow_test_outside_an_integration_class_counts_only_when_it_checks_values():
    from mine_test_checkpoints import TaskMap, mine_file

    task_map = TaskMap.load(Path(__file__).resolve().parent.parent / "hf_testgen/data/task_map.json")
    path = "tests/models/encoder_decoder/test_modeling_encoder_decoder.py"
    records = mine_file(path, ENCODER_DECODER_TESTS, task_map)
    assert {(r.checkpoint, r.asserts_values) for r in records} == {
        ("patrickvonplaten/bert2bert-cnn_dailymail-fp16", True)
    }


def test_a_composite_types_checkpoint_may_name_its_parts():
    """bert2bert names bert, yet it is an encoder-decoder checkpoint, and the shipped registry has it."""
    import json

    registry = json.loads((Path(__file__).resolve().parent.parent / "model_registry.json").read_text())
    ids = {c["id"] for c in registry["model_types"]["encoder-decoder"]["candidates"]}
    assert "patrickvonplaten/bert2bert-cnn_dailymail-fp16" in ids


@pytest.mark.parametrize(
    ("model_id", "fixture"),
    [
        ("np-cr/testing-qwen3-moe", True),  # was qwen3_moe's default pick: a 20 MB random MoE
        ("blab-jhu/test-32m-dec", True),  # was modernbert-decoder's
        ("hf-internal-testing/tiny-random-BertModel", True),
        ("timm/test_vit.r160_in1k", True),
        ("google/bert_uncased_L-2_H-128_A-2", False),
        ("openai/whisper-tiny", False),
        ("org/latest-model", False),
    ],
)
def test_a_test_fixture_is_known_by_its_name(model_id, fixture):
    from hf_testgen.core.records import is_test_model_id

    assert is_test_model_id(model_id) is fixture
