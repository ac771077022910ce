"""The commands as a new user meets them (issue 17 items 1-2): each names the program that was run
(`hf-testgen select` under the installed command, the script in a checkout), and each mistake in a
closed choice is one short line with the closest valid values."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from factories import candidate_row, clean_command_env, one_line, registry_dict, write_registry

from hf_testgen.cli import main as cli
from hf_testgen.cli import report
from hf_testgen.cli.common import prog_for
from hf_testgen.core.errors import UsageError
from hf_testgen.facts.frameworks import canonical_framework
from hf_testgen.facts.hardware import canonical_hardware, machine_limit

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = {
    "select": "advanced_model_selection.py",
    "lookup": "test_model_lookup_advanced.py",
    "find": "find_models.py",
    "generate": "test_generator_fixed.py",
}
SHORT = 150  # what "one short line" means here, program name included (the unknown-task line was ~900 characters)


@pytest.fixture
def env(monkeypatch, tmp_path):
    return clean_command_env(monkeypatch, tmp_path, USE_STATIC_REGISTRY="true")


def exit_code(entry, argv: list[str]) -> int:
    """A command's exit code, whether argparse exits (usage) or the body returns."""
    try:
        return entry(argv)
    except SystemExit as stop:
        return stop.code


def command_line(argv: list[str], capsys) -> tuple[int, str, str]:
    """`hf-testgen ARGV` in-process: (exit code, stdout, stderr)."""
    code = exit_code(cli.main, argv)
    out, err = capsys.readouterr()
    return code, out, err


# --- 1. the program's own name ---------------------------------------------------------------------
@pytest.mark.parametrize("subcommand", list(SCRIPTS))
def test_help_usage_and_examples_name_the_command(subcommand, env, capsys):
    code, out, _ = command_line([subcommand, "--help"], capsys)
    assert code == 0 and out.startswith(f"usage: hf-testgen {subcommand} ")
    examples = out.split("examples:\n", 1)[1].splitlines()
    assert examples and all(line.startswith(f"  hf-testgen {subcommand} --") for line in examples), examples
    assert ".py" not in out  # no checkout script, anywhere in the help


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        (["select", "--bogus"], "hf-testgen select: error: unrecognized arguments: --bogus"),
        (["lookup"], "hf-testgen lookup: error: --model-type is required"),
        (["find", "--update-registry"], "hf-testgen find: error: --update-registry needs --model-type"),  # refresh
        (["find", "--dry-run"], "hf-testgen find: error: --all, --dry-run"),
        (["find", "--benchmarks", "b.json"], "hf-testgen find: error: --benchmarks needs --merge-results"),  # merge
        (["lookup", "--html", "c.html"], "hf-testgen lookup: error: --html and --markdown need --coverage"),  # coverage
        (["select", "--model-type", "bert", "--task", "sentiment"], "hf-testgen select: error: unknown task"),
        (["generate", "--generate", "bert", "--task", "sentiment"], "hf-testgen generate: error: unknown task"),
    ],
)
def test_errors_name_the_command_and_subcommand(argv, start, env, capsys):
    code, out, err = command_line(argv, capsys)
    assert code == 2 and out == ""
    assert one_line(err).startswith(start), err


def test_the_checkout_scripts_keep_their_own_names():
    for subcommand, script in SCRIPTS.items():
        assert prog_for(subcommand, script) == script  # not dispatched: the script's own name
        result = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0 and result.stdout.startswith(f"usage: {script} ")
        assert f"\n  python {script} --" in result.stdout
    bad = subprocess.run([sys.executable, "find_models.py", "--dry-run"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and bad.stderr.startswith("find_models.py: error: ")


def test_an_unknown_subcommand_suggests_the_closest(capsys):
    code, _, err = command_line(["selct"], capsys)
    assert code == 2
    assert one_line(err) == "hf-testgen: error: unknown command 'selct' (did you mean select?); choose from " + (
        "select, generate, lookup, find"
    )


def test_the_installed_command_run_elsewhere_names_itself(tmp_path):
    """The console script of this environment, from a directory that is no checkout."""
    command = shutil.which("hf-testgen", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.skip("hf-testgen is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HF_ENDPOINT", "HF_TESTGEN_REGISTRY")}
    env["USE_STATIC_REGISTRY"] = "true"
    helped = subprocess.run([command, "select", "--help"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: hf-testgen select ")
    wrong = subprocess.run(
        [command, "select", "--model-type", "bert", "--hardware", "gpu-smal"],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert wrong.returncode == 2
    assert one_line(wrong.stderr) == (
        "hf-testgen select: error: argument --hardware: unknown hardware profile 'gpu-smal'; "
        "did you mean gpu-small or cpu-small?"
    )


# --- 2. errors that help ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flags", "line"),
    [
        (["--task", "sentiment"], "error: unknown task 'sentiment'; did you mean sentiment-analysis?"),
        (
            ["--hardware", "gpu-smal"],
            "advanced_model_selection.py: error: argument --hardware: unknown hardware profile 'gpu-smal'; "
            "did you mean gpu-small or cpu-small?",
        ),
        (
            ["--framework", "mxnet"],
            "advanced_model_selection.py: error: argument --framework: unknown framework 'mxnet'; "
            "valid: pytorch, tensorflow, jax, onnx",
        ),
        (["--dtype", "float61"], "advanced_model_selection.py: error: argument --dtype: unknown dtype 'float61'; "
         "did you mean float16, bfloat16 or float32?"),
        (["--task", "zzzz"], "error: unknown task 'zzzz'; --list-tasks lists all"),
    ],
)  # fmt: skip
def test_a_mistaken_choice_is_one_short_line_with_the_closest(flags, line, env, capsys):
    code = exit_code(cli.select_main, ["--model-type", "bert", *flags])
    err = one_line(capsys.readouterr().err)
    assert code == 2 and err.startswith(line) and len(err) <= SHORT, err


@pytest.mark.parametrize(
    ("given", "framework"),
    [("torch", "pytorch"), ("pt", "pytorch"), ("PyTorch", "pytorch"), ("tf", "tensorflow"), ("flax", "jax")],
)
def test_framework_spellings_people_use_are_accepted(given, framework, env, capsys):
    assert canonical_framework(given) == framework
    assert cli.select_main(["--model-type", "bert", "--framework", given, "--hardware", "none", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["framework"] == framework


def test_the_library_checks_each_choice_once(env):
    assert canonical_hardware(" GPU-Small ") == "gpu-small"
    with pytest.raises(UsageError, match="did you mean gpu-small"):
        canonical_hardware("gpu-smal")
    with pytest.raises(UsageError, match=r"unknown framework 'keras-3'; valid: pytorch"):
        canonical_framework("keras-3")


def test_dtype_short_names_are_accepted(env, capsys):
    assert cli.select_main(["--model-type", "bert", "--dtype", "fp16", "--hardware", "none", "--json"]) == 0
    assert "float16" in json.loads(capsys.readouterr().out)["size_dtype"]


def test_generate_takes_the_same_choices(env, tmp_path, capsys):
    """The generate command's flags come from the same shared definitions: it benefits without its own code."""
    out_dir = tmp_path / "out"
    argv = ["--generate", "bert", "--hardware", "gpu-smal", "--output-dir", str(out_dir)]
    assert exit_code(cli.generate_main, argv) == 2 and "did you mean gpu-small" in one_line(capsys.readouterr().err)
    assert cli.generate_main(["--generate", "bert", "--framework", "pt", "--output-dir", str(out_dir)]) == 0
    text = (out_dir / "test_hf_bert.py").read_text()
    assert "--framework" not in text  # pt is pytorch, the default: the file is the one `--framework pytorch` writes
    missing = tmp_path / "none.json"
    assert cli.generate_main(["--generate", "bert", "--registry", str(missing), "--output-dir", str(out_dir)]) == 1
    assert one_line(capsys.readouterr().err) == f"error: {missing}: No such file or directory (given with --registry)"


@pytest.mark.parametrize(
    "argv",
    [
        ["select", "--model-type", "bert"],
        ["select", "--model-type", "bert", "--list-tasks"],
        ["lookup", "--model-type", "bert"],
        ["find", "--model-type", "bert"],
        ["find", "--verify-registry"],
    ],
)
def test_an_explicit_registry_that_is_missing_is_an_error(argv, env, tmp_path, capsys):
    missing = tmp_path / "nonexistent.json"
    code, out, err = command_line([*argv, "--registry", str(missing)], capsys)
    assert code == 1 and out == ""
    assert one_line(err) == f"hf-testgen {argv[0]}: error: {missing}: No such file or directory (given with --registry)"


def test_a_registry_found_by_default_that_is_missing_still_only_warns(env, tmp_path, capsys):
    env.setenv("HF_TESTGEN_REGISTRY", str(tmp_path / "nonexistent.json"))
    assert cli.select_main(["--model-type", "bert", "--hardware", "none", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["source"] == "static-default" and "file not found" in err


def test_a_refresh_may_still_create_the_registry_it_names(env, tmp_path, capsys):
    """--update-registry writes the file it is given, so a missing one is no error there (no Hub: it fails later)."""
    env.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    env.setenv("HF_TESTGEN_API_DEADLINE", "1")
    new = tmp_path / "new.json"
    argv = ["--registry", str(new), "--update-registry", "--model-type", "bert", "--request-delay", "0", "--dry-run"]
    cli.find_main(argv)
    assert "given with --registry" not in capsys.readouterr().err


def test_detect_hardware_shows_the_limit_auto_uses(env, capsys):
    limit = machine_limit()
    assert cli.select_main(["--detect-hardware"]) == 0
    out = capsys.readouterr().out
    assert f"--hardware auto (the default): models up to {limit.limit_mb:,} MB, from {limit.label}" in out
    assert cli.lookup_main(["--detect-hardware", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["auto_limit_mb"] == limit.limit_mb and data["auto_limit"] == limit.label


def test_the_size_fallback_row_never_names_a_model_larger_than_the_pick(env, tmp_path, capsys):
    """The pick ranks first on downloads; a larger model also fits and a huge one is too big, so the
    step-down runs: it used to name the larger model (as flan-t5-large beside t5-small)."""
    masked = {"pipeline_tag": "fill-mask", "architectures": ["BertForMaskedLM"]}
    rows = [
        candidate_row("acme/bert-small", "bert", size_mb=100.0, downloads=10**6, **masked),
        candidate_row("acme/bert-mid", "bert", size_mb=900.0, downloads=10, **masked),
        candidate_row("acme/bert-huge", "bert", size_mb=5000.0, downloads=10**5, **masked),
    ]
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": rows}))
    assert cli.lookup_main(["--model-type", "bert", "--registry", str(path), "--max-size", "2000", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    levels = {level["level"]: level for level in data["levels"]}
    assert data["selection"]["model_id"] == "acme/bert-small"
    assert levels["size-fallback"]["model_id"] == "acme/bert-small"
    status = {c["id"]: c["status"] for c in data["candidates"]}
    assert status["acme/bert-mid"].startswith("ranked below") and "exceeds" in status["acme/bert-huge"]


# --- tables fit the terminal ------------------------------------------------------------------------
def test_a_table_wraps_its_widest_columns_to_the_width(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)  # pytest-xdist workers may set it; captured stdout is no terminal
    rows = [("google-t5/t5-small", "a long reason " * 10, "x"), ("org/other-model", "short", "y")]
    table = report._table(("model", "why", "z"), rows, width=60)
    lines = table.splitlines()
    assert all(len(line) <= 60 for line in lines) and len(lines) > 4
    assert "google-t5/t5-small" in lines[2]  # the first column keeps whole ids
    assert report._table(("model", "why", "z"), rows, width=None).count("\n") == 3  # a pipe: one line per row


def test_the_lookup_tables_fit_a_narrow_terminal(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HF_ENDPOINT", "HF_TESTGEN_REGISTRY")}
    env.update(USE_STATIC_REGISTRY="true", COLUMNS="100")
    result = subprocess.run(
        [sys.executable, "test_model_lookup_advanced.py", "--model-type", "t5", "--hardware", "cpu-medium"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    assert "google-t5/t5-small" in result.stdout and "google/flan-t5-large" in result.stdout


def test_all_prints_each_skip_once(env, tmp_path, capsys):
    """`--all` used to print every skip live and again in the summary."""
    code = exit_code(cli.generate_main, ["--all", "--hardware", "cpu-small", "--output-dir", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    skips = [line.strip() for line in (out + err).splitlines() if ": skipped: " in line]  # live lines went to stderr
    assert code == 0 and skips, out[-2000:]
    assert len(skips) == len(set(skips)), [line for line in skips if skips.count(line) > 1][:3]
