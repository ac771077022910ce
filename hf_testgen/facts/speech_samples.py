"""The spoken samples shipped in `hf_testgen/testing/data/` (facts only: the generator and the test runtime share them).

`speech_fox.wav` is espeak-ng reading a known sentence; `testing/data/SOURCES.md` has the command, version and
licence. A generated speech test names the sample, the sentence and the file's SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpeechSample:
    name: str  # file name in hf_testgen/testing/data
    text: str  # what is said
    sha256: str  # of the file as shipped


SAMPLES = {
    "speech_fox.wav": SpeechSample(
        "speech_fox.wav",
        "The quick brown fox jumps over the lazy dog.",
        "7e68b27f269cd5f764c19db8086816090ed3a6a4ed8f2e33400547adbbf48559",
    ),
}
DEFAULT_SAMPLE = "speech_fox.wav"
