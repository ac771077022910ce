"""`ModelUnderTest`: the checkpoint a generated module tests, loaded once, run per device.

It loads lazily, on the first call from a test body, so that a broken checkpoint makes the test
FAIL with the cause (a failing fixture would only report an error) and an unreachable Hub makes
it SKIP with the reason. Outputs are cached per (runner, device, inputs): the semantic test reuses
the main test's inference, and the cpu output that device parity needs is computed once.
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from importlib import resources
from typing import Any

import pytest

from ..core.results_line import ResultLine
from . import goldens, results, speech
from .labels import Kind, LabelMeanings
from .loading import HubUnreachableSkip, Loaded, LoadFailure, LoadSkip, load
from .reference import Replayer
from .runners import RUNNERS, TaskOutput
from .settings import RuntimeSettings, Target

SENTENCE_MODEL_FILE = "modules.json"  # sentence-transformers' description of a sentence-embedding model


@cache
def documented_similarities() -> dict[str, dict[str, Any]]:
    """Cosine scores that checkpoints' own documentation prints, per model id (see data/SOURCES.md)."""
    text = resources.files("hf_testgen.testing").joinpath("data", "documented_similarities.json").read_text("utf-8")
    return json.loads(text)["models"]


def _has_file(target: Target, settings: RuntimeSettings, name: str) -> bool:
    """Whether the checkpoint holds `name`: in its local folder, the Hub cache, or (online) on the Hub."""
    if target.is_local:
        return (target.local_path / name).is_file()
    from huggingface_hub import hf_hub_download, try_to_load_from_cache

    if isinstance(try_to_load_from_cache(target.model_id, name, revision=target.revision), str):
        return True
    if settings.offline:
        return False
    try:
        hf_hub_download(target.model_id, name, revision=target.revision, endpoint=settings.endpoint, etag_timeout=10)
    except Exception:  # absent, or the Hub does not answer: not known to be there
        return False
    return True


# (rtol, atol) between a cuda/mps output and the cpu output of the same run, per dtype.
PARITY_TOLERANCES: dict[str, tuple[float, float]] = {
    "float32": (2e-3, 2e-3),
    "float16": (2e-2, 2e-2),
    "bfloat16": (5e-2, 5e-2),
}


@dataclass
class DeviceRecord:
    """What happened on one device; becomes one HF_TESTGEN_RESULTS line."""

    device: str
    inference_seconds: float | None = None
    peak_memory_mb: float | None = None
    peak_memory_method: str | None = None
    golden: str | None = None  # "recorded", "match", "drift", "missing"; None when not asked
    parity: str | None = None  # "match" or "mismatch" (cuda/mps against cpu); None on cpu
    max_device_diff: float | None = None
    semantic: str | None = None  # "passed", "failed", "skipped"; None when not run


def how_to_run_for_real(target: Target) -> str:
    """The two ways to run a file whose weights cannot be downloaded here: fill the cache where the Hub is
    reachable, or point HF_TESTGEN_MODEL_ID at a local copy."""
    revision = f" --revision {target.revision}" if target.revision else ""
    download = f"hf download {target.model_id}{revision}"
    return (
        f"To run it for real: `{download}` where the Hub is reachable (the test then uses the cache), or "
        f"`{download} --local-dir <folder>` and run with HF_TESTGEN_MODEL_ID=<folder>"
    )


class ModelUnderTest:
    """The fixture object behind `loaded_model`: one per generated module."""

    def __init__(self, target: Target, settings: RuntimeSettings) -> None:
        self.target = target
        self.settings = settings
        self.records: dict[str, DeviceRecord] = {}
        self._loaded: Loaded | None = None
        self._problem: tuple[str, str] | None = None  # ("skip" | "fail", message), raised again per test
        self._outputs: dict[tuple, TaskOutput] = {}
        self._device = "cpu"
        self._replayer: Replayer | None = None

    # --- loading -----------------------------------------------------------------------------------
    @property
    def loaded(self) -> Loaded:
        """The loaded model; skips or fails the calling test when it cannot be had."""
        if self._loaded is None and self._problem is None:
            try:
                self._loaded = load(self.target, self.settings)
            except HubUnreachableSkip as skip:
                self._problem = ("skip", f"{self.target.model_id}: {skip}. {how_to_run_for_real(self.target)}")
            except LoadSkip as skip:
                self._problem = ("skip", f"{self.target.model_id}: {skip}")
            except LoadFailure as failure:
                self._problem = ("fail", str(failure))
        if self._problem is not None:
            kind, message = self._problem
            if kind == "skip":
                pytest.skip(message)
            pytest.fail(message, pytrace=False)
        assert self._loaded is not None
        return self._loaded

    def record_for(self, device: str) -> DeviceRecord:
        return self.records.setdefault(device, DeviceRecord(device))

    # --- running -----------------------------------------------------------------------------------
    def run(self, runner: str, device: str, *inputs: Any) -> TaskOutput:
        """Run `runner` on `device` with `inputs` once (later calls get the cached output)."""
        key = (runner, device, inputs)
        if key in self._outputs:
            return self._outputs[key]
        loaded = self.loaded
        torch = loaded.torch
        if self._device != device:
            loaded.model.to(device)
            self._device = device
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        with torch.inference_mode():
            output = {**RUNNERS, **speech.RUNNERS}[runner](loaded, device, *inputs)
        if device == "cuda":
            torch.cuda.synchronize()
        output.seconds = time.perf_counter() - start
        output.call = (runner, inputs)
        self._outputs[key] = output
        return output

    # The calls a generated test makes, one per runner (readable names, keyword device).
    def fill_mask(self, text: str, *, device: str) -> TaskOutput:
        return self.run("fill_mask", device, text)

    def documented_answer(self, inputs: tuple[str, ...], *, device: str) -> str:
        """The answer transformers' code sample reads off for the task: the top word, the label, the span."""
        task = self.target.task
        if task == "fill-mask":
            return self.fill_mask(inputs[0], device=device).top_words[0]
        if task == "text-classification":
            return self.classify_texts(inputs[:1], device=device).labels[0]
        if task == "question-answering":
            return self.answer_question(inputs[0], inputs[1], device=device).answer
        raise ValueError(f"transformers documents no sample output for {task!r} that this runtime replays")

    def reference_problems(self, tests: tuple[str, ...], *, device: str) -> list[str]:
        """Replay the cases of transformers' integration `tests` for the pinned checkpoint; what differs.

        A case that cannot run here (a class this transformers lacks, no expectation for the device) skips;
        a reference class that does not load strictly fails.
        """
        loaded = self.loaded
        if self._replayer is None:
            self._replayer = Replayer(loaded, self.target)
        problems: list[str] = []
        try:
            for case in self._replayer.cases(tests):
                problems.extend(self._replayer.problems(case, device))
        except LoadSkip as skip:
            pytest.skip(f"{self.target.model_id}: {skip}")
        except LoadFailure as failure:
            pytest.fail(str(failure), pytrace=False)
        finally:
            self._device = "unknown"  # a reference model may have moved; run() moves the main model again
        return problems

    def classify_texts(self, texts: tuple[str, ...], *, device: str) -> TaskOutput:
        return self.run("classify_texts", device, tuple(texts))

    def tag_tokens(self, text: str, *, device: str) -> TaskOutput:
        return self.run("tag_tokens", device, text)

    def answer_question(self, question: str, context: str, *, device: str) -> TaskOutput:
        return self.run("answer_question", device, question, context)

    def embed(self, sentences: tuple[str, ...], *, device: str) -> TaskOutput:
        return self.run("embed", device, tuple(sentences))

    # --- what the checkpoint is known to say -------------------------------------------------------
    def label_meanings(self, *, kinds: tuple[Kind | None, ...]) -> LabelMeanings:
        """What the classifier's label names mean; skips the test when their kind is not one of `kinds`."""
        meanings = LabelMeanings.from_config(self.loaded.model.config)
        if meanings.kind not in kinds:
            what = f"name {meanings.kind}s" if meanings.kind else "carry no sentiment or entailment meaning"
            pytest.skip(f"the labels of {self.target.model_id} ({', '.join(meanings.meanings)}) {what}")
        return meanings

    @property
    def embedding_kind(self) -> str:
        """"sentence-embedding" when the checkpoint ships a sentence-transformers configuration, else "encoder"."""
        return "sentence-embedding" if _has_file(self.target, self.settings, SENTENCE_MODEL_FILE) else "encoder"

    def documented_similarities(self, *, device: str) -> list[tuple[str, str, float, float]]:
        """(first, second, documented cosine, measured cosine) for every pair the checkpoint's documentation
        scores (data/documented_similarities.json); skips the test when it documents none."""
        entry = documented_similarities().get(self.target.pinned_model_id)
        if entry is None:
            pytest.skip(f"no documentation of {self.target.pinned_model_id} states similarity scores")
        pairs = entry["pairs"]
        sentences = tuple(dict.fromkeys(sentence for first, second, _ in pairs for sentence in (first, second)))
        matrix = self.embed(sentences, device=device).similarities
        where = {sentence: index for index, sentence in enumerate(sentences)}
        return [(a, b, stated, matrix[where[a]][where[b]]) for a, b, stated in pairs]

    def generate(self, text: str, *, max_new_tokens: int, device: str) -> TaskOutput:
        return self.run("generate", device, text, max_new_tokens)

    def language_model_losses(self, sentences: tuple[str, ...], *, device: str) -> TaskOutput:
        return self.run("language_model_losses", device, tuple(sentences))

    def classify_image(self, image: str, *, device: str) -> TaskOutput:
        return self.run("classify_image", device, image)

    def zero_shot_image(self, image: str, labels: tuple[str, ...], *, device: str) -> TaskOutput:
        return self.run("zero_shot_image", device, image, tuple(labels))

    def detect_objects(self, image: str, *, threshold: float, device: str) -> TaskOutput:
        return self.run("detect_objects", device, image, threshold)

    def segment_image(self, image: str, *, device: str) -> TaskOutput:
        return self.run("segment_image", device, image)

    def describe_image(self, image: str, question: str, *, max_new_tokens: int, device: str) -> TaskOutput:
        return self.run("describe_image", device, image, question, max_new_tokens)

    def transcribe_sample(self, sample: str, *, max_new_tokens: int, device: str) -> TaskOutput:
        """Speech to text on a spoken sample (a name shipped in testing/data, or a path)."""
        return self.run("transcribe_sample", device, sample, max_new_tokens)

    def classify_sample(self, sample: str, *, device: str) -> TaskOutput:
        return self.run("classify_sample", device, sample)

    @staticmethod
    def check_sample(sample: str, sha256: str) -> None:
        """The sample is the recording the file's expectations are about (its SHA-256 as shipped).

        Raises:
            AssertionError: another file is in its place (silence, noise, a re-encoding).
        """
        found = speech.sha256_of(sample)
        assert found == sha256, f"{sample} has SHA-256 {found}, not {sha256}: it is not the recording SPEECH_TEXT says"

    @staticmethod
    def word_error_rate(reference: str, hypothesis: str) -> float:
        return speech.word_error_rate(reference, hypothesis)

    def label_named(self, output: TaskOutput, name: str) -> str:
        """The model's label spelled `name` (any case); skips when the model has none: its classes are others."""
        for label in output.labels:
            if label.lower() == name.lower():
                return label
        pytest.skip(f"{self.target.model_id} has no {name!r} class ({len(output.labels)} labels), so no label is known")

    # --- checks every test shares --------------------------------------------------------------------
    def check_and_record(self, device: str, output: TaskOutput) -> None:
        """`record_result`: device parity, goldens, and the numbers for the results line.

        Raises:
            AssertionError: the output differs from the cpu output beyond PARITY_TOLERANCES, or
                drifts from its recorded golden (the message gives the differences).
        """
        loaded, record = self.loaded, self.record_for(device)
        record.inference_seconds = output.seconds
        record.peak_memory_mb, record.peak_memory_method = results.peak_memory(loaded.torch, device)
        problems = self._parity(device, output, record) + self._golden(device, output, record)
        assert not problems, f"{self.target.model_id} on {device}:\n  " + "\n  ".join(problems)

    def _parity(self, device: str, output: TaskOutput, record: DeviceRecord) -> list[str]:
        if device == "cpu":
            return []
        torch, dtype = self.loaded.torch, self.loaded.dtype
        rtol, atol = PARITY_TOLERANCES.get(dtype, PARITY_TOLERANCES["float16"])
        runner, inputs = output.call
        reference = self.run(runner, "cpu", *inputs)
        problems, largest = [], 0.0
        for name, tensor in output.tensors.items():
            expected = reference.tensors[name]
            if tensor.shape != expected.shape:
                problems.append(f"{name}: shape {tuple(tensor.shape)} on {device}, {tuple(expected.shape)} on cpu")
                continue
            largest = max(largest, float((tensor - expected).abs().max()) if tensor.numel() else 0.0)
            try:
                torch.testing.assert_close(tensor, expected, rtol=rtol, atol=atol)
            except AssertionError as error:
                problems.append(
                    f"{name} differs from cpu (rtol {rtol:g}, atol {atol:g}): " + " ".join(str(error).split())
                )
        record.max_device_diff = largest
        record.parity = "mismatch" if problems else "match"
        print(f"device parity {device} vs cpu ({dtype}): max |diff| {largest:.3g} (rtol {rtol:g}, atol {atol:g})")
        return problems

    def _golden(self, device: str, output: TaskOutput, record: DeviceRecord) -> list[str]:
        settings, loaded = self.settings, self.loaded
        if not (settings.record_golden or settings.golden):
            return []
        target = self.target
        key = goldens.golden_key(target.pinned_model_id, target.pinned_revision, target.task, device, loaded.dtype)
        runner = output.call[0]
        if settings.record_golden:
            goldens.record(settings.record_golden, key, runner, output)
            record.golden = "recorded"
            return []
        expected = goldens.lookup(settings.golden, key, runner)
        if expected is None:
            record.golden = "missing"
            return [goldens.missing_message(settings.golden, key, runner)]
        problems = goldens.differences(loaded.torch, expected, output, loaded.dtype)
        record.golden = "drift" if problems else "match"
        return [f"drift from the golden {key} ({runner}): {problem}" for problem in problems]

    # --- results -----------------------------------------------------------------------------------
    def write_results(self) -> None:
        """One HF_TESTGEN_RESULTS line per device that ran the main test."""
        path = self.settings.results_path
        if not path or self._loaded is None:
            return
        loaded = self._loaded
        for record in self.records.values():
            if record.inference_seconds is None:
                continue
            results.append_line(path, self._row(loaded, record))

    def _row(self, loaded: Loaded, record: DeviceRecord) -> ResultLine:
        from .._version import __version__

        return ResultLine(
            model_type=self.target.model_type,
            task=self.target.task,
            model_id=self.target.model_id,
            revision=self.target.revision,
            device=record.device,
            dtype=loaded.dtype,
            load_seconds=round(loaded.load_seconds, 4),
            inference_seconds=round(record.inference_seconds or 0.0, 4),
            peak_memory_mb=None if record.peak_memory_mb is None else round(record.peak_memory_mb, 1),
            peak_memory_method=record.peak_memory_method,
            semantic=record.semantic,
            golden=record.golden,
            parity=record.parity,
            max_device_diff=record.max_device_diff,
            torch=loaded.torch.__version__,
            transformers=loaded.transformers.__version__,
            hf_testgen=__version__,
            python=platform.python_version(),
            gpu_name=loaded.torch.cuda.get_device_name() if record.device == "cuda" else None,
            date=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
