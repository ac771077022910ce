"""Issue 15, causes 2 (--verify runs planted code), 3 (special files replaced) and the --summary part of
4: each reproduction and our own attacks on the files the commands write and the subprocesses they
start. The table is docs/faults_secrets.md."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from factories import candidate_row, clean_command_env, hub_record, registry_dict, write_registry

from hf_testgen.cli import main as cli
from hf_testgen.core.files import atomic_write_text

GOOD = "google-bert/bert-base-uncased"
SHA = "86b5e0934494bd15c9632b12f734a8a67f723594"
ROOT = Path(__file__).resolve().parent.parent
RESULT_LINE = (
    '{"model_type": "bert", "model_id": "a/b", "device": "cpu", "load_seconds": 1.0, "inference_seconds": 0.1}\n'
)
PLANTED = "open({marker!r}, 'w').write('ran')\n"


@pytest.fixture
def env(monkeypatch, tmp_path):
    return clean_command_env(monkeypatch, tmp_path, HF_TESTGEN_API_DEADLINE="3")


@pytest.fixture
def registry(tmp_path):
    entries = {"bert": [candidate_row("old/bert", "bert")]}
    return write_registry(tmp_path / "model_registry.json", registry_dict(entries))


def refresh(local_hub, env, registry, *extra: str) -> int:
    local_hub.add_model(hub_record(GOOD, "bert", downloads=100, sha=SHA))
    env.setenv("HF_ENDPOINT", local_hub.url)
    args = ["--registry", str(registry), "--update-registry", "--model-type", "bert", "--request-delay", "0"]
    try:
        return cli.find_main([*args, *extra])
    except SystemExit as err:
        return int(err.code)


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


# --- cause 2: --verify runs no planted code ---------------------------------------------------------


@pytest.mark.parametrize(
    "planted",
    [
        "pytest.py",
        "hf_testgen/__init__.py",
        "__init__.py",
        "conftest.py",
        "pluggy.py",
        "_pytest/__init__.py",
    ],
)
def test_verify_runs_no_code_planted_in_the_output_directory(env, tmp_path, capsys, planted):
    out = tmp_path / "out"
    marker = tmp_path / "planted-code-ran"
    (out / planted).parent.mkdir(parents=True, exist_ok=True)
    (out / planted).write_text(PLANTED.format(marker=str(marker)))
    (out / "pytest.ini").write_text("[pytest]\naddopts = -p conftest\npythonpath = .\n")
    argv = ["--generate", "bert", "--model", GOOD, "--revision", SHA, "--output-dir", str(out), "--verify"]
    code = cli.generate_main(argv)
    assert not marker.exists(), f"{planted} was run"
    assert code == 0, capsys.readouterr()


def test_verify_of_files_in_two_folders_with_one_name_counts_each(tmp_path):
    from hf_testgen.generation.checks import verify_test_files

    body = "def test_one():\n    assert True\n\n\ndef test_two():\n    assert True\n"
    files = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        files.append(tmp_path / folder / "test_hf_x.py")
        files[-1].write_text(body if folder == "a" else "X = 1\n")
    problems = verify_test_files(files)
    assert problems[files[0].resolve()] is None
    assert "collected no test" in problems[files[1].resolve()]


# --- cause 3: writes go to regular files only ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink to a fifo"])
def test_atomic_write_refuses_what_is_not_a_regular_file(tmp_path, kind):
    target = tmp_path / "target"
    if kind == "directory":
        target.mkdir()
    else:
        fifo(tmp_path / "pipe")
        if kind == "fifo":
            os.rename(tmp_path / "pipe", target)
        else:
            target.symlink_to(tmp_path / "pipe")
    with pytest.raises(OSError, match="not a regular file"):
        atomic_write_text(target, "text")
    assert not os.path.isfile(target)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_summary_at_a_fifo_fails_before_any_work(local_hub, env, registry, capsys):
    before = registry.read_bytes()
    summary = fifo(registry.parent / "summary.md")
    assert refresh(local_hub, env, registry, "--summary", str(summary)) != 0
    assert stat.S_ISFIFO(os.stat(summary).st_mode) and registry.read_bytes() == before
    assert local_hub.count("/api") == 0 and "not a regular file" in capsys.readouterr().err


def test_summary_to_dev_stdout_fails_before_the_registry_is_rewritten(local_hub, hub_env, registry):
    local_hub.add_model(hub_record(GOOD, "bert", downloads=100, sha=SHA))
    before = registry.read_bytes()
    command = [sys.executable, "find_models.py", "--registry", str(registry), "--update-registry"]
    command += ["--model-type", "bert", "--request-delay", "0", "--summary", "/dev/stdout"]
    run = subprocess.run(
        command, cwd=ROOT, env=hub_env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode != 0 and registry.read_bytes() == before, run.stderr
    assert "/dev/stdout" in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert local_hub.count("/api") == 0


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink", "hardlink", "lock", "benchmarks"])
def test_summary_may_not_name_the_registry_or_its_lock(local_hub, env, registry, tmp_path, capsys, spelling):
    before = registry.read_bytes()
    summary = {
        "same": registry,
        "dotted": tmp_path / "x" / ".." / registry.name,
        "symlink": tmp_path / "link.md",
        "hardlink": tmp_path / "hard.md",
        "lock": Path(f"{registry}.lock"),
        "benchmarks": tmp_path / "no-benchmarks.json",
    }[spelling]
    (tmp_path / "x").mkdir()
    if spelling == "symlink":
        summary.symlink_to(registry)
    if spelling == "hardlink":
        os.link(registry, summary)
    assert refresh(local_hub, env, registry, "--summary", str(summary)) == 2
    assert registry.read_bytes() == before and local_hub.count("/api") == 0
    assert "--summary" in capsys.readouterr().err


def test_the_summary_is_written_before_the_registry_is_replaced(local_hub, env, registry):
    summary = registry.parent / "summary.md"
    assert refresh(local_hub, env, registry, "--summary", str(summary)) == 0
    assert GOOD in registry.read_text() and GOOD in summary.read_text()
    assert os.stat(summary).st_mtime_ns <= os.stat(registry).st_mtime_ns


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_coverage_pages_at_a_special_file_fail_before_work(tmp_path, capsys, kind):
    results = tmp_path / "results.jsonl"
    results.write_text(RESULT_LINE)
    target = tmp_path / "page.html"
    fifo(target) if kind == "fifo" else target.mkdir()
    assert cli.lookup_main(["--coverage", str(results), "--html", str(target)]) != 0
    assert (stat.S_ISFIFO if kind == "fifo" else stat.S_ISDIR)(os.stat(target).st_mode)
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("clash", ["html is markdown", "markdown is an input", "html is an input via a link"])
def test_coverage_outputs_may_not_name_each_other_or_an_input(tmp_path, capsys, clash):
    results = tmp_path / "results.jsonl"
    content = RESULT_LINE
    results.write_text(content)
    (tmp_path / "link").symlink_to(results)
    argv = {
        "html is markdown": ["--html", str(tmp_path / "page"), "--markdown", str(tmp_path / "." / "page")],
        "markdown is an input": ["--markdown", str(results)],
        "html is an input via a link": ["--html", str(tmp_path / "link")],
    }[clash]
    try:
        code = cli.lookup_main(["--coverage", str(results), *argv])
    except SystemExit as err:
        code = int(err.code)
    assert code == 2 and results.read_text() == content and not (tmp_path / "page").exists()
    assert "may not" in capsys.readouterr().err


def test_a_generated_file_linked_to_the_registry_is_not_overwritten_even_with_force(env, tmp_path, capsys):
    out = tmp_path / "out"  # the registry lives in the output folder: the link stays inside it
    out.mkdir()
    registry = write_registry(out / "model_registry.json", registry_dict({"bert": [candidate_row("old/bert", "bert")]}))
    (out / "test_hf_bert.py").symlink_to(registry)
    before = registry.read_bytes()
    argv = ["--generate", "bert", "--model", GOOD, "--output-dir", str(out), "--registry", str(registry), "--force"]
    assert cli.generate_main(argv) != 0
    assert registry.read_bytes() == before and "registry" in capsys.readouterr().err


def test_a_generated_file_that_is_a_fifo_is_an_error_not_a_hang(hub_env, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    fifo(out / "test_hf_bert.py")
    command = [sys.executable, "test_generator_fixed.py", "--generate", "bert", "--model", GOOD, "--force"]
    run = subprocess.run(
        [*command, "--output-dir", str(out)], cwd=ROOT, env=hub_env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode != 0 and "not a regular file" in run.stderr, run.stderr
    assert stat.S_ISFIFO(os.stat(out / "test_hf_bert.py").st_mode)


def test_an_output_dir_that_is_a_fifo_is_an_error(env, tmp_path, capsys):
    out = fifo(tmp_path / "out")
    assert cli.generate_main(["--generate", "bert", "--model", GOOD, "--output-dir", str(out)]) != 0
    assert stat.S_ISFIFO(os.stat(out).st_mode) and len(capsys.readouterr().err.strip().splitlines()) == 1

