"""A generated file names the class it tests and the Auto class that loads it (HEAD_CLASS, AUTO_CLASS), and
the plugin loads exactly those: a file cannot silently load another Auto class than the one it was written
for. A file from before the constants still runs, with the classes derived from the package's facts."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from hf_testgen.testing import loading  # noqa: E402
from hf_testgen.testing.settings import RuntimeSettings, Target  # noqa: E402

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from generated_runs import generate_file, run_generated, without_testgen_variables
    from tiny_models import build_tiny_model
except ImportError:  # tests/ imported as a package
    from tests.generated_runs import generate_file, run_generated, without_testgen_variables
    from tests.tiny_models import build_tiny_model

TINY_BERT = "hf-testgen-tiny/bert"


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    """A tiny random BERT masked-LM checkpoint in a local folder."""
    folder = tmp_path_factory.mktemp("tiny") / "bert"
    build_tiny_model("bert", folder)
    return folder


def failed_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("FAILED ")]


def _module(**constants) -> ModuleType:
    module = ModuleType("test_hf_example")
    values = dict(MODEL_TYPE="bert", TASK="fill-mask", MODEL_ID="org/bert", REVISION=None, TINY_MODEL_ID=None)
    for name, value in {**values, **constants}.items():
        setattr(module, name, value)
    return module


def _target(folder: Path, **classes) -> Target:
    return Target("bert", "fill-mask", str(folder), None, None, str(folder), dtype="auto", **classes)


def test_the_plugin_reads_the_classes_a_file_names():
    target = Target.from_module(
        _module(HEAD_CLASS="BertForMaskedLM", AUTO_CLASS="AutoModelForMaskedLM"), RuntimeSettings()
    )
    assert (target.head_class, target.auto_class) == ("BertForMaskedLM", "AutoModelForMaskedLM")
    old = Target.from_module(_module(), RuntimeSettings())  # a file from before the constants
    assert (old.head_class, old.auto_class) == (None, None)


@pytest.mark.parametrize(
    "constants",
    [
        {"HEAD_CLASS": "BertForMaskedLM"},
        {"AUTO_CLASS": "AutoModelForMaskedLM"},
        {"HEAD_CLASS": "Bert For", "AUTO_CLASS": "AutoModel"},
    ],
)
def test_a_file_names_both_classes_or_neither(constants):
    with pytest.raises(TypeError, match="must be a class name"):
        Target.from_module(_module(**constants), RuntimeSettings())


def test_the_file_s_auto_class_is_used_exactly_and_must_give_its_head_class(tiny_bert):
    loaded = loading.load(
        _target(tiny_bert, head_class="BertForMaskedLM", auto_class="AutoModelForMaskedLM"), RuntimeSettings()
    )
    assert type(loaded.model).__name__ == "BertForMaskedLM"
    assert loaded.head.auto_classes == ("AutoModelForMaskedLM",)
    wrong = _target(tiny_bert, head_class="BertForMaskedLM", auto_class="AutoModelForSequenceClassification")
    with pytest.raises(loading.LoadFailure) as failure:
        loading.load(wrong, RuntimeSettings())
    assert str(failure.value).startswith(
        f"AutoModelForSequenceClassification loads {tiny_bert} as BertForSequenceClassification, "
        "not the file's HEAD_CLASS BertForMaskedLM"
    )


def test_an_auto_class_this_transformers_lacks_skips_with_the_reason(tiny_bert):
    target = _target(tiny_bert, head_class="BertForMaskedLM", auto_class="AutoModelForTimeTravel")
    with pytest.raises(loading.LoadSkip, match=r"has no AutoModelForTimeTravel \(AUTO_CLASS\)"):
        loading.load(target, RuntimeSettings())


def test_generated_files_with_and_without_the_constants_run(tiny_bert, hub_env, tmp_path):
    """As generated: passes. AUTO_CLASS edited to another head's: fails, naming both classes. Both constants
    removed (a file from before them): passes, the classes derived from the facts."""
    files = [
        generate_file(tmp_path / kind, "bert", "fill-mask", TINY_BERT) for kind in ("as-generated", "edited", "old")
    ]
    text = files[0].read_text(encoding="utf-8")
    assert 'HEAD_CLASS = "BertForMaskedLM"\nAUTO_CLASS = "AutoModelForMaskedLM"\n' in text
    files[1].write_text(
        text.replace('"AutoModelForMaskedLM"\n', '"AutoModelForSequenceClassification"\n'), encoding="utf-8"
    )
    files[2].write_text(re.sub(r"(HEAD|AUTO)_CLASS = .*\n", "", text), encoding="utf-8")
    env = dict(without_testgen_variables(hub_env), HF_TESTGEN_MODEL_ID=str(tiny_bert), HF_TESTGEN_SEMANTIC="0")
    counts, _, output = run_generated(files, env, tmp_path)
    assert counts["passed"] == 2 and counts["failed"] == 1, output[-6000:]
    (line,) = failed_lines(output)
    assert "edited/test_hf_bert.py::test_fill_mask[cpu]" in line, line
    assert "not the file's HEAD_CLASS BertForMaskedLM" in output, output[-3000:]
