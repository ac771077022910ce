"""The shipped spoken sample and the transcript check: it must fail on a random whisper served under a real id, and
on the sample replaced by silence or noise."""

from __future__ import annotations

import hashlib
import io
import re
import wave
from importlib import resources

import pytest

from hf_testgen.facts.speech_samples import DEFAULT_SAMPLE, SAMPLES
from hf_testgen.testing import speech

SAMPLE = SAMPLES[DEFAULT_SAMPLE]


def _wav(samples: list[int], rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(b"".join(int(v).to_bytes(2, "little", signed=True) for v in samples))
    return buffer.getvalue()


def test_the_shipped_sample_is_a_few_seconds_of_16_khz_mono_speech_with_its_recorded_hash():
    data = resources.files("hf_testgen.testing").joinpath("data", SAMPLE.name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == SAMPLE.sha256
    with wave.open(io.BytesIO(data)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) == (1, 2, 16000)
        seconds = audio.getnframes() / audio.getframerate()
    assert 2.0 < seconds < 6.0 and len(data) < 200_000
    import numpy as np

    samples = speech.waveform(SAMPLE.name, 16000)
    frames = samples[: len(samples) // 400 * 400].reshape(-1, 400)  # 25 ms frames
    loud = (np.sqrt((frames**2).mean(axis=1)) > 0.02).mean()
    assert 0.3 < loud < 0.95, loud  # words and pauses: neither silence nor a steady tone or noise
    source = resources.files("hf_testgen.testing").joinpath("data", "SOURCES.md").read_text(encoding="utf-8")
    assert SAMPLE.name in source and "espeak-ng" in source and SAMPLE.text in source


def test_resampling_keeps_the_duration():
    samples = speech.waveform(SAMPLE.name, 8000)
    assert abs(len(samples) - len(speech.waveform(SAMPLE.name, 16000)) / 2) <= 1


@pytest.mark.parametrize(
    ("hypothesis", "errors"),
    [
        ("the quick brown fox jumps over the lazy dog", 0),
        ("The quick brown fox jumped over the lazy dog!", 1),  # a substitution; case and punctuation do not count
        ("quick brown fox jumps over the lazy dog", 1),  # a deletion
        ("the quick brown fox jumps over the very lazy dog", 1),  # an insertion
        ("", 9),
    ],
)
def test_word_error_rate_counts_substitutions_deletions_and_insertions(hypothesis, errors):
    assert speech.word_error_rate(SAMPLE.text, hypothesis) == pytest.approx(errors / len(speech.words(SAMPLE.text)))


# --- end to end --------------------------------------------------------------------------------------
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from generated_runs import generate_file, run_generated, without_testgen_variables
    from test_reference_outputs import _serve
    from tiny_models import build_tiny_model
except ImportError:  # tests/ imported as a package
    from tests.generated_runs import generate_file, run_generated, without_testgen_variables
    from tests.test_reference_outputs import _serve
    from tests.tiny_models import build_tiny_model

REAL_ID = "openai/whisper-tiny"
TRANSCRIPT = "test_automatic_speech_recognition_transcript[cpu]"
MAIN = "test_automatic_speech_recognition[cpu]"


def _failed(output: str) -> set[str]:
    return set(re.findall(r"^FAILED \S*::(\S+)", output, re.MULTILINE))


@pytest.mark.e2e
def test_the_transcript_check_fails_on_a_random_whisper_and_on_silence_or_noise(local_hub, hub_env, tmp_path):
    files = build_tiny_model("whisper", tmp_path / "whisper")
    sha = _serve(local_hub, REAL_ID, "whisper", "automatic-speech-recognition", files)
    path = generate_file(tmp_path / "generated", "whisper", "automatic-speech-recognition", REAL_ID, "--revision", sha)
    env = without_testgen_variables(hub_env)

    # A random whisper under the real id: the main test runs, the transcript check fails on the words.
    counts, _, output = run_generated([path], env, tmp_path)
    assert (counts["passed"], counts["failed"], _failed(output)) == (1, 1, {TRANSCRIPT}), output[-4000:]
    assert re.search(r"heard .* for 'The quick brown fox jumps over the lazy dog\.': WER \d", output), output[-4000:]

    # The sample replaced by one second of silence, or of noise: both tests fail, naming the recording.
    rng = __import__("random").Random(0)
    replacements = {"silence.wav": [0] * 16000, "noise.wav": [rng.randint(-8000, 8000) for _ in range(16000)]}
    original = path.read_text(encoding="utf-8")
    for name, samples in replacements.items():
        (tmp_path / name).write_bytes(_wav(samples))
        path.write_text(
            original.replace(f'SPEECH_SAMPLE = "{SAMPLE.name}"', f'SPEECH_SAMPLE = "{tmp_path / name}"'), "utf-8"
        )
        counts, _, output = run_generated([path], env, tmp_path)
        assert (counts["passed"], _failed(output)) == (0, {MAIN, TRANSCRIPT}), output[-4000:]
        assert "it is not the recording SPEECH_TEXT says" in output, output[-4000:]
