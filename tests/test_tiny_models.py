"""The tiny offline models load back with the Auto classes and run one real inference each."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
np = pytest.importorskip("numpy")

from tiny_models import TINY_MODEL_TASKS, TINY_MODEL_TYPES, build_tiny_model  # noqa: E402

EXPECTED_ARCHITECTURES = {
    "bert": "BertForMaskedLM",
    "distilbert": "DistilBertForSequenceClassification",
    "gpt2": "GPT2LMHeadModel",
    "t5": "T5ForConditionalGeneration",
    "bart": "BartForConditionalGeneration",
    "vit": "ViTForImageClassification",
    "whisper": "WhisperForConditionalGeneration",
    "wav2vec2": "Wav2Vec2ForCTC",
    "clip": "CLIPModel",
}
MAX_DIR_BYTES = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Callable[[str], tuple[Path, dict[str, bytes]]]:
    """Build each model type once per module."""
    cache: dict[str, tuple[Path, dict[str, bytes]]] = {}

    def get(model_type: str) -> tuple[Path, dict[str, bytes]]:
        if model_type not in cache:
            out_dir = tmp_path_factory.mktemp(model_type)
            cache[model_type] = (out_dir, build_tiny_model(model_type, out_dir))
        return cache[model_type]

    return get


def _sine(sampling_rate: int, seconds: float = 1.0, freq: float = 440.0):
    t = np.arange(int(sampling_rate * seconds)) / sampling_rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _image():
    from PIL import Image

    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, size=(48, 64, 3), dtype=np.uint8))


def test_types_and_tasks_cover_the_required_models():
    required = {"bert", "distilbert", "gpt2", "t5", "bart", "vit", "whisper", "wav2vec2", "clip"}
    assert required <= set(TINY_MODEL_TYPES)
    assert set(TINY_MODEL_TASKS) == set(TINY_MODEL_TYPES)


def test_unknown_type_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown tiny model type"):
        build_tiny_model("nope", tmp_path)


@pytest.mark.parametrize("model_type", TINY_MODEL_TYPES)
def test_checkpoint_files(built, model_type):
    out_dir, files = built(model_type)
    assert {"config.json", "model.safetensors"} <= set(files)
    assert any(name in files for name in ("tokenizer_config.json", "preprocessor_config.json"))
    assert sum(len(data) for data in files.values()) < MAX_DIR_BYTES
    for name, data in files.items():
        assert (out_dir / name).read_bytes() == data
    config = json.loads(files["config.json"])
    assert config["model_type"] == model_type
    assert config["architectures"] == [EXPECTED_ARCHITECTURES[model_type]]
    if TINY_MODEL_TASKS[model_type].endswith("classification") and model_type != "clip":
        assert len(config["id2label"]) >= 2


@pytest.mark.parametrize("model_type", TINY_MODEL_TYPES)
def test_build_is_deterministic(built, tmp_path, model_type):
    _, first = built(model_type)
    assert build_tiny_model(model_type, tmp_path) == first


# --- one real inference per type, loading only with from_pretrained(out_dir) -----------------


def _run_fill_mask(out_dir: Path) -> None:
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    model = AutoModelForMaskedLM.from_pretrained(out_dir)
    inputs = tokenizer(f"hello {tokenizer.mask_token} world", return_tensors="pt")
    assert tokenizer.unk_token_id not in inputs["input_ids"][0].tolist()
    with torch.no_grad():
        logits = model(**inputs).logits
    assert logits.shape == (1, inputs["input_ids"].shape[1], model.config.vocab_size)


def _run_text_classification(out_dir: Path) -> None:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    model = AutoModelForSequenceClassification.from_pretrained(out_dir)
    with torch.no_grad():
        logits = model(**tokenizer("hello world", return_tensors="pt")).logits
    assert logits.shape == (1, 2)
    assert model.config.id2label[int(logits.argmax())] in {"NEGATIVE", "POSITIVE"}


def _run_causal_lm(out_dir: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    model = AutoModelForCausalLM.from_pretrained(out_dir)
    inputs = tokenizer("hello world", return_tensors="pt")
    output = model.generate(**inputs, max_new_tokens=3, do_sample=False)
    assert output.shape[1] > inputs["input_ids"].shape[1]
    assert isinstance(tokenizer.decode(output[0], skip_special_tokens=True), str)


def _run_seq2seq(out_dir: Path) -> None:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(out_dir)
    inputs = tokenizer("summarize: hello world", return_tensors="pt")
    assert tokenizer.unk_token_id not in inputs["input_ids"][0].tolist()
    output = model.generate(**inputs, max_new_tokens=4, do_sample=False)
    assert output[0, 0].item() == model.generation_config.decoder_start_token_id
    assert 1 < output.shape[1] <= 5
    assert tokenizer.batch_decode(output, skip_special_tokens=True)[0]


def _run_image_classification(out_dir: Path) -> None:
    from transformers import AutoImageProcessor, AutoModelForImageClassification

    processor = AutoImageProcessor.from_pretrained(out_dir)
    model = AutoModelForImageClassification.from_pretrained(out_dir)
    inputs = processor(images=_image(), return_tensors="pt")
    with torch.no_grad():
        logits = model(**inputs).logits
    assert logits.shape == (1, len(model.config.id2label))


def _run_whisper(out_dir: Path) -> None:
    from transformers import AutoModelForSpeechSeq2Seq, AutoProcessor

    processor = AutoProcessor.from_pretrained(out_dir)
    model = AutoModelForSpeechSeq2Seq.from_pretrained(out_dir)
    sampling_rate = processor.feature_extractor.sampling_rate
    inputs = processor(_sine(sampling_rate), sampling_rate=sampling_rate, return_tensors="pt")
    assert inputs.input_features.shape[1] == model.config.num_mel_bins
    output = model.generate(inputs.input_features, max_new_tokens=3)
    assert output.shape[0] == 1 and 1 <= output.shape[1] <= 3  # the decoder prompt is not returned
    assert processor.batch_decode(output, skip_special_tokens=True)[0]
    output = model.generate(inputs.input_features, max_new_tokens=3, language="en", task="transcribe")
    assert output.shape[1] <= 3


def _run_ctc(out_dir: Path) -> None:
    from transformers import AutoModelForCTC, AutoProcessor

    processor = AutoProcessor.from_pretrained(out_dir)
    model = AutoModelForCTC.from_pretrained(out_dir)
    sampling_rate = processor.feature_extractor.sampling_rate
    inputs = processor(_sine(sampling_rate), sampling_rate=sampling_rate, return_tensors="pt")
    with torch.no_grad():
        logits = model(inputs.input_values).logits
    assert logits.shape[0] == 1 and logits.shape[2] == model.config.vocab_size
    assert 0 < logits.shape[1] < inputs.input_values.shape[1]
    assert isinstance(processor.batch_decode(logits.argmax(-1))[0], str)


def _run_zero_shot_image(out_dir: Path) -> None:
    from transformers import AutoModelForZeroShotImageClassification, AutoProcessor

    processor = AutoProcessor.from_pretrained(out_dir)
    model = AutoModelForZeroShotImageClassification.from_pretrained(out_dir)
    texts = ["a photo of a cat", "a photo of a dog"]
    inputs = processor(text=texts, images=_image(), return_tensors="pt", padding=True)
    with torch.no_grad():
        outputs = model(**inputs)
    assert outputs.logits_per_image.shape == (1, 2)


RUNNERS: dict[str, Callable[[Path], None]] = {
    "bert": _run_fill_mask,
    "distilbert": _run_text_classification,
    "gpt2": _run_causal_lm,
    "t5": _run_seq2seq,
    "bart": _run_seq2seq,
    "vit": _run_image_classification,
    "whisper": _run_whisper,
    "wav2vec2": _run_ctc,
    "clip": _run_zero_shot_image,
}


@pytest.mark.parametrize("model_type", TINY_MODEL_TYPES)
def test_auto_classes_load_and_run(built, model_type):
    out_dir, _ = built(model_type)
    RUNNERS[model_type](out_dir)
