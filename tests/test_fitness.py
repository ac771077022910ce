"""The task filter: a pick must carry the task's head, and the reason names the missing evidence.

Each case is a real checkpoint from the recorded Hub replies (tests/fixtures/hub_models.json) or a
row shaped like the shipped registry's, with the evidence the real one carries.
"""

from __future__ import annotations

import pytest
from factories import candidate_row, fixture_records, registry_dict, settings_for, write_registry

from hf_testgen.core.records import ModelCandidate
from hf_testgen.hub.client import enrich
from hf_testgen.selection.chain import SelectionRequest, select
from hf_testgen.selection.fitness import task_fitness, trained_with_head


def recorded(model_id: str) -> ModelCandidate:
    record = fixture_records()[model_id]
    return enrich(ModelCandidate.from_model_info(_info(record), model_type=record["config"]["model_type"]))


def _info(record):
    from huggingface_hub import ModelInfo

    return ModelInfo(**record)


@pytest.mark.parametrize(
    ("model_id", "task", "fits", "because"),
    [
        # an embedder is no classifier, tagger or reader: its head would be random
        ("sentence-transformers/all-MiniLM-L6-v2", "text-classification", False, "sentence-similarity"),
        ("sentence-transformers/all-MiniLM-L6-v2", "fill-mask", False, "sentence-similarity"),
        ("sentence-transformers/all-MiniLM-L6-v2", "feature-extraction", True, "encoder"),
        # bart-base is a denoiser, not a summariser
        ("facebook/bart-base", "summarization", False, "feature-extraction"),
        ("google-bert/bert-base-uncased", "fill-mask", True, "BertForMaskedLM"),
        ("google-bert/bert-base-uncased", "question-answering", False, "fill-mask"),
        ("deepset/roberta-base-squad2", "question-answering", True, "RobertaForQuestionAnswering"),
        ("dbmdz/bert-large-cased-finetuned-conll03-english", "token-classification", True, "ForTokenClassification"),
        ("distilbert/distilbert-base-uncased-finetuned-sst-2-english", "text-classification", True, "SequenceClass"),
        # the seq2seq group: a translation-tagged T5 summarises with the same head
        ("google-t5/t5-small", "summarization", True, "translation"),
        ("alefiury/wav2vec2-large-xlsr-53-gender-recognition-librispeech", "automatic-speech-recognition", False,
         "audio-classification"),
        ("google/vit-base-patch16-224", "image-classification", True, "ViTForImageClassification"),
        ("facebook/detr-resnet-50", "object-detection", True, "DetrForObjectDetection"),
    ],
)  # fmt: skip
def test_recorded_checkpoints(model_id, task, fits, because):
    verdict = task_fitness(recorded(model_id), task)
    assert verdict.fits is fits, verdict.text
    assert because in verdict.text


def test_architectures_without_the_head_reject_and_name_it():
    base = ModelCandidate("org/wav2vec2-base", model_type="wav2vec2", architectures=("Wav2Vec2ForPreTraining",))
    verdict = task_fitness(base, "automatic-speech-recognition")
    assert not verdict.fits and "Wav2Vec2ForCTC" in verdict.text and "Wav2Vec2ForPreTraining" in verdict.text
    ctc = ModelCandidate("org/wav2vec2-base-960h", model_type="wav2vec2", architectures=("Wav2Vec2ForCTC",))
    assert task_fitness(ctc, "automatic-speech-recognition").fits


def test_no_evidence_is_not_enough_for_a_fine_tuned_head():
    untagged = ModelCandidate("org/some-roberta", model_type="roberta")
    for task in ("text-classification", "fill-mask", "question-answering", "token-classification"):
        verdict = task_fitness(untagged, task)
        assert not verdict.fits and "no evidence" in verdict.text


def test_a_type_trained_with_the_head_needs_no_more_evidence():
    assert trained_with_head("llama", "text-generation")
    assert task_fitness(ModelCandidate("org/some-llama", model_type="llama"), "text-generation").fits
    assert trained_with_head("whisper", "automatic-speech-recognition")
    # bert has BertLMHeadModel, but a bert checkpoint is no causal LM
    assert not trained_with_head("bert", "text-generation")
    assert not task_fitness(ModelCandidate("org/some-bert", model_type="bert"), "text-generation").fits
    # a llama checkpoint tagged for another task says otherwise
    reward = ModelCandidate("org/llama-reward", model_type="llama", pipeline_tag="text-classification")
    assert not task_fitness(reward, "text-generation").fits


def test_a_head_the_auto_mapping_lists_beside_the_first_serves_the_task():
    """AutoModelForImageClassification maps deit to DeiTForImageClassification and ...WithTeacher, and
    picks the one the checkpoint's architectures name: the distilled checkpoints carry the second."""
    distilled = ModelCandidate(
        "facebook/deit-base-distilled-patch16-224",
        model_type="deit",
        architectures=("DeiTForImageClassificationWithTeacher",),
    )
    assert task_fitness(distilled, "image-classification").fits
    backbone = ModelCandidate("org/deit-backbone", model_type="deit", architectures=("DeiTModel",))
    assert not task_fitness(backbone, "image-classification").fits


def test_bert_pretraining_checkpoints_hold_the_masked_lm_head():
    pretrained = ModelCandidate("org/bert", model_type="bert", architectures=("BertForPreTraining",))
    assert task_fitness(pretrained, "fill-mask").fits
    electra = ModelCandidate("org/electra", model_type="electra", architectures=("ElectraForPreTraining",))
    assert not task_fitness(electra, "fill-mask").fits


def test_selection_skips_a_popular_embedder_for_a_classifier(tmp_path):
    """The bug this filter fixes: 90M downloads of an embedder beat every real classifier."""
    rows = [
        candidate_row("sentence-transformers/all-MiniLM-L6-v2", "bert", downloads=90_000_000,
                      pipeline_tag="sentence-similarity", architectures=["BertModel"]),
        candidate_row("textattack/bert-base-uncased-yelp-polarity", "bert", downloads=0,
                      architectures=["BertForSequenceClassification"]),
    ]  # fmt: skip
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": rows}))
    selection = select(
        SelectionRequest("bert", task="text-classification"), settings_for(None, path, use_static_registry=True)
    )
    assert selection.model_id == "textattack/bert-base-uncased-yelp-polarity"
    assert selection.task_evidence == "architectures name BertForSequenceClassification"
    rejection = {r.model_id: r for r in selection.rejected}["sentence-transformers/all-MiniLM-L6-v2"]
    assert rejection.kind == "task" and "sentence-similarity" in rejection.reason


def test_downloads_dominate_likes_and_trending(tmp_path):
    """A checkpoint with 6k downloads and huge side-signals loses to one with 150x the downloads."""
    rows = [
        candidate_row("org/hyped", "bert", downloads=6_000, likes=100_000, trending_score=1_000,
                      pipeline_tag="fill-mask", last_modified="2026-11-26T00:00:00Z"),
        candidate_row("org/used", "bert", downloads=900_000, likes=0, pipeline_tag="fill-mask",
                      last_modified="2020-01-01T00:00:00Z"),
    ]  # fmt: skip
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": rows}))
    assert select(SelectionRequest("bert"), settings_for(None, path, use_static_registry=True)).model_id == "org/used"


def test_ties_go_to_the_fine_tuned_candidate_before_the_smaller_one(tmp_path):
    rows = [
        candidate_row("org/llama-small", "llama", downloads=100, size_mb=100.0),
        candidate_row("org/llama-chat", "llama", downloads=100, size_mb=900.0, pipeline_tag="text-generation"),
    ]
    path = write_registry(tmp_path / "r.json", registry_dict({"llama": rows}))
    selection = select(SelectionRequest("llama"), settings_for(None, path, use_static_registry=True))
    assert selection.model_id == "org/llama-chat"
