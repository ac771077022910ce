"""A real spoken sample shipped with the package, and the speech runners and checks that use it.

`speech_fox.wav` is espeak-ng reading a known sentence (data/SOURCES.md has the command): a working
speech-recognition model transcribes it to that sentence, give or take a word, and an audio classifier whose labels
include speech calls it speech. A generated test names the sample and its SHA-256, so a sample replaced by silence,
noise or anything else fails before the model's answer is judged.
"""

from __future__ import annotations

import hashlib
import re
import wave
from functools import cache
from importlib import resources

from ..facts.speech_samples import SAMPLES
from .runners import SLICE, TOP_K, TaskOutput, _compact, _label

DATA = "hf_testgen.testing"


def sample_bytes(name: str) -> bytes:
    """The sample file's bytes: a name shipped in data/, or a path (to run a file on another recording)."""
    if name in SAMPLES:
        return resources.files(DATA).joinpath("data", name).read_bytes()
    with open(name, "rb") as handle:
        return handle.read()


def sha256_of(name: str) -> str:
    return hashlib.sha256(sample_bytes(name)).hexdigest()


@cache
def waveform(name: str, sampling_rate: int):
    """The sample as float32 in [-1, 1], 16-bit mono PCM at `sampling_rate` (resampled linearly if needed)."""
    import io

    import numpy as np

    with wave.open(io.BytesIO(sample_bytes(name))) as audio:
        if audio.getnchannels() != 1 or audio.getsampwidth() != 2:
            raise ValueError(f"{name}: expected 16-bit mono PCM")
        rate, frames = audio.getframerate(), audio.readframes(audio.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
    if rate != sampling_rate:
        positions = np.arange(int(len(samples) * sampling_rate / rate)) * rate / sampling_rate
        samples = np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
    return samples


def words(text: str) -> list[str]:
    """Lower-case words without punctuation ("The dog." -> ["the", "dog"]), as WER is usually scored."""
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words of the reference, by edit distance over words."""
    ref, hyp = words(reference), words(hypothesis)
    if not ref:
        raise ValueError("the reference has no words")
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        current = [i]
        for j, other in enumerate(hyp, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other)))
        previous = current
    return previous[-1] / len(ref)


# --- runners (called by ModelUnderTest.run under inference_mode) ------------------------------------------
def _inputs(processor, device: str, name: str):
    extractor = getattr(processor, "feature_extractor", processor)
    rate = int(getattr(extractor, "sampling_rate", None) or 16000)
    audio = waveform(name, rate)
    if hasattr(processor, "tokenizer") and hasattr(processor, "feature_extractor"):
        return processor(audio=audio, sampling_rate=rate, return_tensors="pt").to(device)
    return processor(audio, sampling_rate=rate, return_tensors="pt").to(device)


def transcribe_sample(loaded, device: str, name: str, max_new_tokens: int) -> TaskOutput:
    """Speech to text on a spoken sample: CTC decoding, or greedy generate() for sequence-to-sequence models."""
    torch, model = loaded.torch, loaded.model
    inputs = _inputs(loaded.preprocessor, device, name)
    if loaded.head.variant == "ctc":
        logits = _compact(torch, model(**inputs).logits[0], "CTC logits")
        text = loaded.tokenizer.batch_decode(logits.argmax(dim=-1)[None])[0]
        return TaskOutput(loaded.head.task, {"text": text}, {"logits": logits[:4, :SLICE]}, ("text",))
    output = model.generate(
        **inputs, max_new_tokens=max_new_tokens, do_sample=False, output_logits=True, return_dict_in_generate=True
    )
    text = loaded.tokenizer.batch_decode(output.sequences, skip_special_tokens=True)[0].strip()
    first_step = _compact(torch, output.logits[0][0].topk(TOP_K).values, "first-step logits")
    return TaskOutput(loaded.head.task, {"text": text}, {"first_step_top_logits": first_step}, ("text",))


def classify_sample(loaded, device: str, name: str) -> TaskOutput:
    """The top labels of an audio classifier for a spoken sample, and every label it knows."""
    torch, model = loaded.torch, loaded.model
    logits = _compact(torch, model(**_inputs(loaded.preprocessor, device, name)).logits[0], "logits")
    top = logits.softmax(dim=-1).topk(min(TOP_K, logits.shape[-1]))
    labels = [_label(model.config, index) for index in top.indices.tolist()]
    known = [_label(model.config, index) for index in range(logits.shape[-1])]
    fields = {"label": labels[0], "top_labels": labels, "labels": known}
    return TaskOutput("audio-classification", fields, {"logits": logits[:SLICE]}, ("label",))


RUNNERS = {runner.__name__: runner for runner in (transcribe_sample, classify_sample)}
