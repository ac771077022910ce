"""The test generator: families, rendering, safety of interpolated values, writing, and the CLI.

Fast and without torch: selection runs on the shipped registry with USE_STATIC_REGISTRY=true, so
no network is tried. (tests/test_e2e_generated.py runs generated files for real.)
"""

from __future__ import annotations

import ast
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hf_testgen.cli.generate import all_model_types, main
from hf_testgen.core.config import DEFAULT_REGISTRY_PATH, Settings
from hf_testgen.core.errors import GenerationError, UsageError
from hf_testgen.facts import families
from hf_testgen.generation import checks as generated_checks
from hf_testgen.generation import render as generator
from hf_testgen.generation.api import GenerationRequest
from hf_testgen.generation.render import (
    MARKER,
    GenerationSpec,
    file_name_for,
    output_path,
    pyrepr,
    render_test,
    write_test,
)
from hf_testgen.selection.chain import SelectionRequest, resolve

HOSTILE_ID = 'evil/x"; import os; os.system("id") #'
SHA = "86b5e0934494bd15c9632b12f734a8a67f723594"
# One (model type, task) per family and per template branch.
FAMILY_CASES = [
    ("bert", "fill-mask", "encoder-only"),
    ("distilbert", "text-classification", "encoder-only"),
    ("bert", "token-classification", "encoder-only"),
    ("roberta", "question-answering", "encoder-only"),
    ("gpt2", "text-generation", "decoder-only"),
    ("t5", "summarization", "encoder-decoder"),
    ("marian", "translation", "encoder-decoder"),
    ("bart", "fill-mask", "encoder-decoder"),
    ("vit", "image-classification", "vision"),
    ("detr", "object-detection", "vision"),
    ("segformer", "image-segmentation", "vision"),
    ("mask2former", "image-segmentation", "vision"),
    ("whisper", "automatic-speech-recognition", "speech"),
    ("wav2vec2", "automatic-speech-recognition", "speech"),
    ("audio-spectrogram-transformer", "audio-classification", "speech"),
    ("clip", "zero-shot-image-classification", "vision-text"),
    ("blip", "image-to-text", "vision-text"),
    ("vilt", "visual-question-answering", "vision-text"),
    ("llava", "image-to-text", "vision-text"),
    ("bert", "feature-extraction", "embeddings"),
    ("t5", "sentence-similarity", "embeddings"),
]


@pytest.fixture
def offline(monkeypatch):
    """Selection from the shipped registry only; no HF_TESTGEN_* leaking in from the shell."""
    monkeypatch.setenv("USE_STATIC_REGISTRY", "true")
    for name in ("HF_TESTGEN_REGISTRY", "HF_TESTGEN_BENCHMARKS", "HF_TESTGEN_API_DEADLINE"):
        monkeypatch.delenv(name, raising=False)
    return ["--registry", str(DEFAULT_REGISTRY_PATH)]


def spec_for(base_type: str, base_task: str, **changes) -> GenerationSpec:
    """A valid spec for (type, task), with `changes` applied on top."""
    fields = dict(
        model_type=base_type,
        model_id=f"example-org/{base_type}-tiny",
        revision=SHA,
        task=base_task,
        family=families.family_for(base_type, base_task).name,
        source="registry",
        size_mb=12.5,
        size_method="safetensors",
        command=f"python test_generator_fixed.py --generate {base_type} --task {base_task}",
    )
    fields.update(changes)
    return GenerationSpec(**fields)


def ruff_problems(path: Path) -> str:
    """ruff's findings with the project's rules ('' when clean); the check the generator's --verify runs."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    command = [ruff, "check", "--isolated", "--no-cache", "--select", generated_checks.RUFF_RULES]
    command += ["--line-length", str(generator.LINE_LENGTH), "--target-version", "py310", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return "" if result.returncode == 0 else result.stdout + result.stderr


def header_command(text: str) -> str:
    """The regenerating command of a file's header, its backslash-continued lines joined."""
    lines = text.split("# Command:", 1)[1].split("\n")
    words = []
    for line in lines:
        words.append(line.lstrip("#").strip().rstrip("\\").strip())
        if not line.endswith("\\"):
            break
    return " ".join(words)


# --- families ----------------------------------------------------------------------------------------
def test_there_are_seven_families_with_their_templates():
    assert families.family_names() == [
        "encoder-only",
        "decoder-only",
        "encoder-decoder",
        "vision",
        "speech",
        "vision-text",
        "embeddings",
    ]
    templates = Path(families.__file__).parent.parent / "generation" / "templates"
    for family in families.FAMILIES.values():
        assert (templates / family.template).is_file(), family.template


@pytest.mark.parametrize(("model_type", "task", "family"), FAMILY_CASES)
def test_family_comes_from_the_task_map_facts(model_type, task, family):
    assert families.family_for(model_type, task).name == family


@pytest.mark.parametrize(
    ("model_type", "task", "auto_class", "variant"),
    [
        ("wav2vec2", "automatic-speech-recognition", "AutoModelForCTC", "ctc"),
        ("whisper", "automatic-speech-recognition", "AutoModelForSpeechSeq2Seq", "seq2seq"),
        ("segformer", "image-segmentation", "AutoModelForSemanticSegmentation", "semantic"),
        ("mask2former", "image-segmentation", "AutoModelForUniversalSegmentation", "universal"),
        ("detr", "image-segmentation", "AutoModelForImageSegmentation", "panoptic"),
        ("vilt", "visual-question-answering", "AutoModelForVisualQuestionAnswering", "vqa"),
        ("blip", "image-to-text", "AutoModelForImageTextToText", "image-to-text"),
    ],
)
def test_head_class_picks_the_auto_class(model_type, task, auto_class, variant):
    head = families.resolve_head(model_type, task)
    assert head.auto_classes[0] == auto_class
    assert head.variant == variant


@pytest.mark.parametrize(
    ("model_type", "task", "reason"),
    [
        ("depth_anything", "depth-estimation", "no template for task depth-estimation"),
        ("gpt2", "image-classification", "gpt2 cannot do image-classification"),
        ("parakeet_tdt", "automatic-speech-recognition", "token-and-duration transducer"),
        ("musicgen", "text-generation", "is an audio model"),
        ("layoutlmv3", "text-classification", "has an image processor"),
        ("videoprism", "zero-shot-image-classification", "has no image processor"),
        ("encodec", "feature-extraction", "has a feature extractor"),
    ],
)
def test_types_no_family_fits_are_refused_with_the_reason(model_type, task, reason):
    with pytest.raises(GenerationError, match=reason):
        families.family_for(model_type, task)


def test_supported_and_unsupported_types_partition_the_known_types():
    supported = families.supported_model_types()
    unsupported = families.unsupported_model_types()
    assert not set(supported) & set(unsupported)
    assert {"bert", "gpt2", "t5", "vit", "whisper", "clip"} <= set(supported)
    assert "no template for task depth-estimation" in unsupported["depth_anything"]
    assert all(reason for reason in unsupported.values())
    grouped = families.types_by_family()
    assert sorted(name for names in grouped.values() for name in names) == sorted(supported)


def test_auto_classes_match_the_installed_transformers_mappings():
    """Every (type, task) the generator resolves loads, through its first Auto class, the head class the
    task map names (checked against the real auto mappings when transformers is installed)."""
    transformers = pytest.importorskip("transformers")
    from hf_testgen.facts import tasks

    mappings = {
        name: getattr(transformers, name)._model_mapping._model_mapping
        for name in dir(transformers)
        if name.startswith("AutoModel") and hasattr(getattr(transformers, name), "_model_mapping")
    }
    checked = 0
    for model_type in tasks.known_model_types():
        for task in tasks.model_type_facts(model_type)["tasks"]:
            try:
                head = families.resolve_head(model_type, task)
            except GenerationError:
                continue
            names = mappings[head.auto_classes[0]].get(model_type)
            names = names if isinstance(names, (list, tuple)) else [names]
            assert head.head_class in names, (model_type, task, head.auto_classes[0], names)
            checked += 1
    assert checked > 500


# --- rendering ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("model_type", "task", "family"), FAMILY_CASES)
def test_rendered_file_parses_passes_ruff_and_is_deterministic(tmp_path, model_type, task, family):
    text = render_test(spec_for(model_type, task))
    assert text == render_test(spec_for(model_type, task))
    assert text.startswith(MARKER)
    tree = ast.parse(text)
    # Nothing runs at import beyond imports, constants, and definitions.
    allowed = (ast.Import, ast.ImportFrom, ast.Assign, ast.FunctionDef, ast.Expr)
    assert all(isinstance(node, allowed) for node in tree.body)
    assert all(isinstance(node.value, ast.Constant) for node in tree.body if isinstance(node, ast.Expr))
    path = tmp_path / file_name_for(model_type)
    path.write_text(text, encoding="utf-8")
    assert ruff_problems(path) == ""
    assert "import" not in text  # the hf_testgen.testing plugin imports torch and transformers, and loads
    # constants and short tests only (text classification, the longest: four tests and their inputs)
    assert len([line for line in text.splitlines() if line.strip()]) <= 75
    assert "def _" not in text  # no helpers: what files share lives once in the plugin
    assert f"# Task:       {task} (family {family})\n" in text
    head = families.resolve_head(model_type, task)
    assert f"# Head:       {head.head_class} via {head.auto_classes[0]}\n" in text


def semantic_tests(task: str) -> int:
    """How many semantic tests a file of `task` has (text classification: sentiment, entailment, contrast;
    speech files check the shipped spoken sample)."""
    if task == "image-segmentation":
        return 0
    return {"feature-extraction": 2, "sentence-similarity": 2, "text-classification": 3}.get(task, 1)


def test_every_family_file_passes_ruff_and_collects_its_tests_on_each_device(tmp_path):
    """One file per case, checked as --verify does (one ruff run, one collect run)."""
    paths = []
    for index, (model_type, task, _) in enumerate(FAMILY_CASES):
        path = tmp_path / f"test_{index}_{file_name_for(model_type)[5:]}"
        path.write_text(render_test(spec_for(model_type, task)), encoding="utf-8")
        paths.append(path)
    problems, collected = generated_checks._verify([path.resolve() for path in paths])
    assert {str(path): problem for path, problem in problems.items() if problem} == {}
    for path, (_, task, _) in zip(paths, FAMILY_CASES, strict=True):
        # cpu, cuda and mps for the main test, and for each semantic test of the task
        assert collected[path.resolve()] == 3 * (1 + semantic_tests(task)), (path, task)


def test_values_enter_the_file_as_literals_and_the_header_has_provenance():
    text = render_test(spec_for("bert", "fill-mask"))
    assert 'MODEL_ID = "example-org/bert-tiny"' in text
    assert f'REVISION = "{SHA}"' in text
    assert "TINY_MODEL_ID = None" in text
    assert "# Selected:   registry level of the selection chain, 12.5 MB (safetensors)" in text
    assert "# Command:    python test_generator_fixed.py --generate bert --task fill-mask" in text
    assert "Needs the hf-testgen package installed" in text and "hf_testgen.testing" in text
    assert "HF_TESTGEN_MODEL_ID" in text


def test_a_bert_file_is_short_and_names_its_tiny_model():
    text = render_test(spec_for("bert", "fill-mask", tiny_model_id="hf-internal-testing/tiny-random-BertModel"))
    assert len([line for line in text.splitlines() if line.strip()]) <= 80
    assert 'TINY_MODEL_ID = "hf-internal-testing/tiny-random-BertModel"' in text
    assert 'EXPECTED_WORD = "capital"' in text
    assert "def test_fill_mask(loaded_model, device, record_result):" in text
    assert "def test_fill_mask_semantics(loaded_model, device, semantic):" in text


def test_no_revision_renders_none():
    text = render_test(
        spec_for("gpt2", "text-generation", revision=None, source="command-line", size_mb=None)
    )
    assert "\nREVISION = None\n" in text
    assert "given with --model (selection skipped), size unknown" in text


def test_longest_valid_model_id_stays_ruff_clean(tmp_path):
    model_id = "o" * 96 + "/" + "n" * 96
    path = tmp_path / "test_hf_bert.py"
    path.write_text(render_test(spec_for("bert", "fill-mask", model_id=model_id)), encoding="utf-8")
    assert ruff_problems(path) == ""
    assert model_id in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "changes",
    [
        {"model": HOSTILE_ID},
        {"model": "a/b/c"},
        {"model": "../../etc"},
        {"model": "someone/bert", "revision": "main"},
        {"model": "someone/bert", "revision": SHA[:12]},
        {"model": "someone/bert", "revision": SHA + '"\nimport os'},
        {"revision": SHA},  # a selected model is pinned to its own revision
        {"tiny_model": HOSTILE_ID},
        {"model_type": "../evil"},
        {"model_type": 'bert"'},
    ],
)
def test_a_request_refuses_unsafe_values_where_they_enter(changes):
    """Values are checked once, where they enter (the request, a registry or Hub row); a spec trusts them."""
    with pytest.raises(UsageError):
        GenerationRequest(**{"model_type": "bert", **changes})


def test_an_unknown_task_is_refused_when_the_request_is_resolved():
    with pytest.raises(UsageError, match="unknown task"):
        resolve(SelectionRequest("bert", task="fill-mask\nimport os"), Settings(use_static_registry=True))


def test_the_template_is_the_last_guard_for_values_nobody_checked():
    """A spec is a record of checked values; even an unchecked one enters the file only as a literal, and a
    line break cannot end a header comment."""
    text = render_test(spec_for("bert", "fill-mask", model_id=HOSTILE_ID))
    assert f"MODEL_ID = {pyrepr(HOSTILE_ID)}\n" in text
    assert not [node for node in ast.parse(text).body if isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr))][1:]
    with pytest.raises(ValueError, match="non-printable"):
        render_test(spec_for("bert", "fill-mask", command="python x.py\nimport os"))


@pytest.mark.parametrize("value", [object(), {"a": 1}, float("inf"), b"bytes"])
def test_pyrepr_refuses_what_has_no_plain_literal(value):
    with pytest.raises(TypeError):
        pyrepr(value)


@pytest.mark.parametrize(
    "value", ["plain", "it's", 'say "hi"', "back\\slash", "line\nbreak", None, 3, 1.5, ("A",)]
)
def test_pyrepr_round_trips(value):
    assert ast.literal_eval(pyrepr(value)) == value


# --- file names and writing --------------------------------------------------------------------------
def test_file_names_come_from_the_model_type():
    assert file_name_for("gpt-j") == "test_hf_gpt_j.py"
    assert file_name_for("xlm-roberta") == "test_hf_xlm_roberta.py"
    assert file_name_for("bert") == "test_hf_bert.py"


@pytest.mark.parametrize("name", ["../evil", "a/b", "", "..", "x" * 80])
def test_names_that_would_escape_the_output_dir_are_refused(tmp_path, name):
    with pytest.raises(UsageError):
        output_path(tmp_path, name)


def test_write_is_atomic_and_only_replaces_generated_files(tmp_path):
    path = tmp_path / "test_hf_bert.py"
    text = render_test(spec_for("bert", "fill-mask"))
    assert write_test(text, path) == "written"
    assert write_test(text, path) == "unchanged"
    assert write_test(text.replace("fill-mask", "fill-mask ", 1), path) == "written"  # ours: replaced
    path.write_text("# my own test\n", encoding="utf-8")
    with pytest.raises(GenerationError, match="not generated by hf-testgen"):
        write_test(text, path)
    assert path.read_text(encoding="utf-8") == "# my own test\n"
    assert write_test(text, path, force=True) == "written"
    assert path.read_text(encoding="utf-8") == text
    assert [p.name for p in tmp_path.iterdir()] == ["test_hf_bert.py"]  # no temporary files left


# --- CLI -----------------------------------------------------------------------------------------------
def test_generate_writes_the_selected_model(offline, tmp_path, capsys):
    assert main(["--generate", "bert", "--output-dir", str(tmp_path), *offline]) == 0
    out = capsys.readouterr().out
    path = tmp_path / "test_hf_bert.py"
    assert out.startswith(
        "bert: google-bert/bert-base-uncased @ 86b5e0934494 (registry, 440.4 MB at float32 safetensors) -> "
    )
    assert out.rstrip().endswith(str(path))
    text = path.read_text(encoding="utf-8")
    assert f'REVISION = "{SHA}"' in text
    assert str(tmp_path) not in text  # no machine paths: an absolute --output-dir stays out of the header
    # Same inputs, same bytes: regenerating is a no-op.
    assert main(["--generate", "bert", "--output-dir", str(tmp_path), *offline]) == 0
    assert "(unchanged)" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == text


def test_selection_flags_are_honoured(offline, tmp_path, capsys):
    argv = ["--generate", "t5", "--task", "translation", "--max-size", "300", "--output-dir", str(tmp_path)]
    assert main([*argv, *offline]) == 0
    text = (tmp_path / "test_hf_t5_translation.py").read_text(encoding="utf-8")
    assert 'TASK = "translation"' in text
    command = header_command(text)
    assert command.endswith("--task translation --max-size 300")
    assert "/" not in command  # the absolute --registry and --output-dir are machine paths: left out
    size = float(capsys.readouterr().out.split("(", 1)[1].split(" MB")[0].split(", ")[1].replace(",", ""))
    assert size <= 300


def test_gpt_j_is_written_as_test_hf_gpt_j(offline, tmp_path):
    # gpt-j-6B's upper bound (26.6 GB at fp32) may exceed this machine: no size limit for this naming test
    assert main(["--generate", "gpt-j", "--hardware", "none", "--output-dir", str(tmp_path), *offline]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["test_hf_gpt_j.py"]
    assert 'MODEL_TYPE = "gptj"' in (tmp_path / "test_hf_gpt_j.py").read_text(encoding="utf-8")


def test_model_and_revision_skip_selection(tmp_path, monkeypatch, capsys):
    import hf_testgen.selection.chain

    def no_selection(*args, **kwargs):
        raise AssertionError("selection must not run with --model")

    monkeypatch.setattr(hf_testgen.selection.chain, "select", no_selection)
    argv = [
        "--generate",
        "bert",
        "--model",
        "someone/bert-mini",
        "--revision",
        SHA,
        "--output-dir",
        str(tmp_path),
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith(
        "bert: someone/bert-mini @ 86b5e0934494 (--model, size unknown) -> "
    )
    text = (tmp_path / "test_hf_bert.py").read_text(encoding="utf-8")
    assert 'MODEL_ID = "someone/bert-mini"' in text and f'REVISION = "{SHA}"' in text
    assert header_command(text) == (
        f"python test_generator_fixed.py --generate bert --task fill-mask --model someone/bert-mini --revision {SHA}"
    )
    assert str(tmp_path) not in text


def test_the_header_command_regenerates_the_same_file(offline, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out_dir = Path("my tests")  # relative (an absolute one is left out of the header); a space: it is quoted
    assert main(["--generate", "t5", "--task", "translation", "--output-dir", str(out_dir), *offline]) == 0
    text = (out_dir / "test_hf_t5_translation.py").read_text(encoding="utf-8")
    assert "--output-dir 'my tests'" in header_command(text)
    words = shlex.split(header_command(text))
    assert words[:2] == ["python", "test_generator_fixed.py"]
    capsys.readouterr()
    assert main(words[2:]) == 0  # the registry is in the command, USE_STATIC_REGISTRY in the env
    assert "(unchanged)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--generate", "bert", "--model", HOSTILE_ID],
        ["--generate", "bert", "--model", "someone/bert", "--revision", 'main"; import os #'],
        ["--generate", "bert", "--model", "someone/bert", "--revision", "main"],
        ["--generate", 'bert"; import os; os.system("id") #'],
        ["--generate", "../evil"],
        ["--batch-generate", "bert,../evil"],
    ],
)
def test_hostile_values_exit_2_and_write_nothing(offline, tmp_path, capsys, argv):
    out_dir = tmp_path / "out"
    assert main([*argv, "--output-dir", str(out_dir), *offline]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid") and len(err.strip().splitlines()) == 1
    assert not out_dir.exists()


def test_hostile_id_message_names_the_value(tmp_path, capsys):
    assert main(["--generate", "bert", "--model", HOSTILE_ID, "--output-dir", str(tmp_path)]) == 2
    assert repr(HOSTILE_ID) in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_foreign_file_is_kept_without_force(offline, tmp_path, capsys):
    path = tmp_path / "test_hf_bert.py"
    path.write_text("def test_mine():\n    pass\n", encoding="utf-8")
    assert main(["--generate", "bert", "--output-dir", str(tmp_path), *offline]) == 1
    assert "use --force" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "def test_mine():\n    pass\n"
    assert main(["--generate", "bert", "--output-dir", str(tmp_path), "--force", *offline]) == 0
    assert path.read_text(encoding="utf-8").startswith(MARKER)


def test_dry_run_prints_the_file_and_writes_nothing(offline, tmp_path, capsys):
    out_dir = tmp_path / "out"
    assert main(["--generate", "vit", "--dry-run", "--output-dir", str(out_dir), *offline]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(MARKER)
    ast.parse(captured.out)
    assert "dry run: not written" in captured.err
    assert not out_dir.exists()


def test_verify_checks_parse_ruff_and_collection(offline, tmp_path, capsys):
    assert main(["--generate", "whisper", "--verify", "--output-dir", str(tmp_path), *offline]) == 0
    # the main test and the transcript check, each on cpu, cuda and mps
    assert generated_checks.verify_test_file(tmp_path / "test_hf_whisper.py") == 6


def test_verify_fails_on_a_broken_file(tmp_path):
    path = tmp_path / "test_hf_bert.py"
    path.write_text(MARKER + "\nimport os\n", encoding="utf-8")
    with pytest.raises(GenerationError, match="ruff check failed"):
        generated_checks.verify_test_file(path)


def test_unsupported_type_is_refused_with_the_reason(offline, tmp_path, capsys):
    assert main(["--generate", "depth_anything", "--output-dir", str(tmp_path), *offline]) == 1
    assert "no template for task depth-estimation" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_batch_summary_lists_each_failure_and_exits_1(offline, tmp_path, capsys):
    argv = ["--batch-generate", "bert,gpt2,depth_anything,no_such_type", "--output-dir", str(tmp_path)]
    assert main([*argv, *offline]) == 1
    captured = capsys.readouterr()
    assert "written 2, skipped 0, failed 2 of 4 model types" in captured.out
    assert "depth_anything: failed: depth_anything: no template for task depth-estimation" in captured.out
    assert "no_such_type: failed: unknown model type 'no_such_type'" in captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test_hf_bert.py", "test_hf_gpt2.py"]


def test_batch_of_supported_types_exits_0(offline, tmp_path, capsys):
    assert main(["--batch-generate", "bert, gpt2 ,t5", "--output-dir", str(tmp_path), *offline]) == 0
    assert "written 3, skipped 0, failed 0 of 3" in capsys.readouterr().out


def test_all_generates_every_supported_type_with_a_model(offline, tmp_path, capsys):
    expected = all_model_types(Settings(use_static_registry=True))
    assert len(expected) >= 100
    assert main(["--all", "--output-dir", str(tmp_path), *offline]) == 0
    out = capsys.readouterr().out
    written = sorted(p.name for p in tmp_path.iterdir())
    summary = next(line for line in out.splitlines() if line.startswith("written "))
    n_written, n_skipped = int(summary.split()[1].rstrip(",")), int(summary.split()[3].rstrip(","))
    assert n_written == len(written) and n_written + n_skipped == len(expected)
    assert "failed 0" in summary
    assert {file_name_for(name) for name in ("bert", "gpt2", "t5", "vit", "whisper", "clip")} <= set(written)


def test_list_families(capsys):
    assert main(["--list-families"]) == 0
    out = capsys.readouterr().out
    for name in families.family_names():
        assert f"\n{name} (" in "\n" + out
    assert "unsupported (" in out
    assert "  depth_anything: " in out
    assert "  bert, " in out or ", bert, " in out


def test_a_file_whose_first_line_only_starts_like_the_marker_is_not_overwritten(tmp_path):
    """'# Generated by hf-testgenerator' is a user's file: the marker must match exactly."""
    path = tmp_path / "test_hf_bert.py"
    path.write_text("# Generated by hf-testgenerator, my own tool\nx = 1\n", encoding="utf-8")
    with pytest.raises(GenerationError, match="not generated by hf-testgen"):
        generator.write_test("# Generated by hf-testgen. new\n", path)
    assert path.read_text(encoding="utf-8").startswith("# Generated by hf-testgenerator")
    ours = tmp_path / "test_hf_gpt2.py"
    ours.write_text("# Generated by hf-testgen. Do not edit by hand\nx = 1\n", encoding="utf-8")
    assert generator.write_test("# Generated by hf-testgen. new\n", ours) == "written"


def test_a_ruff_finding_is_blamed_on_its_own_file_only(tmp_path):
    """ruff names files relative to its working directory; a finding must not fail the other files."""
    from hf_testgen.generation.checks import verify_test_files

    good, bad = tmp_path / "test_good.py", tmp_path / "test_bad.py"
    good.write_text("def test_ok():\n    assert 1 + 1 == 2\n")
    bad.write_text("def test_long():\n    assert '" + "x" * 120 + "'\n")
    problems = verify_test_files([good, bad])
    assert problems[good.resolve()] is None
    assert "E501" in problems[bad.resolve()]


def test_two_machines_given_the_same_hardware_write_byte_identical_suites(offline, tmp_path, monkeypatch, capsys):
    """A suite generated for `--hardware cpu-large` must not depend on the RAM of the machine that wrote it;
    the header names the limit it was selected under."""
    import psutil

    class Memory:  # a stand-in for psutil's reading of another machine's RAM (the RAM cannot be changed here)
        def __init__(self, total):
            self.total, self.available = total, total // 2

    suites = []
    for ram in (8 * 2**30, 512 * 2**30):
        monkeypatch.setattr(psutil, "virtual_memory", lambda ram=ram: Memory(ram))
        out_dir = tmp_path / f"ram-{ram}"
        assert main(["--all", "--hardware", "cpu-large", "--output-dir", str(out_dir), *offline]) == 0
        suites.append({p.name: p.read_bytes() for p in sorted(out_dir.iterdir())})
    capsys.readouterr()
    assert len(suites[0]) > 150 and suites[0] == suites[1]
    assert b"(the cpu-large profile)" in suites[0][file_name_for("bert")]
