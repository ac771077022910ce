"""Faults at the boundaries, each a reproduction from issue 9, against the local Hub (and its
hostile variants: bad rows, trickled bodies) or hostile local files. Each test failed before the
boundary was hardened; the table is in docs/faults.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from factories import (
    candidate_row,
    clean_command_env,
    hub_record,
    one_line,
    registry_dict,
    settings_for,
    write_registry,
)

from hf_testgen.cli import main as cli
from hf_testgen.core.errors import HubUnavailableError
from hf_testgen.hub import client as hub
from hf_testgen.refresh.job import RefreshOptions, refresh_registry
from hf_testgen.selection.chain import SelectionRequest, select

ROOT = Path(__file__).resolve().parent.parent
GOOD = "google-bert/bert-base-uncased"
SHA = "86b5e0934494bd15c9632b12f734a8a67f723594"
MASKED_LM = {"pipeline_tag": "fill-mask", "config": {"model_type": "bert", "architectures": ["BertForMaskedLM"]}}
SAFETENSORS = {"safetensors": {"parameters": {"F32": 110_000_000}, "total": 110_000_000}}


def good_row(**fields):
    """A Hub row that passes every filter for bert fill-mask."""
    return hub_record(GOOD, "bert", downloads=10, sha=SHA, **MASKED_LM, **SAFETENSORS, **fields)


def good_registry_row(**fields):
    masked_lm = {"pipeline_tag": "fill-mask", "architectures": ["BertForMaskedLM"]}
    return candidate_row(GOOD, "bert", size_mb=440.4, **masked_lm, **fields)


@pytest.fixture
def env(monkeypatch, tmp_path):
    """In-process commands: no CI/offline flags, short deadlines, no benchmarks."""
    return clean_command_env(monkeypatch, tmp_path, HF_TESTGEN_API_DEADLINE="3", HF_TESTGEN_API_MAX_TRIES="2")


def code_of(call) -> int:
    try:
        return call()
    except SystemExit as err:  # argparse's own usage exit
        return int(err.code)


# --- the Hub: deadline over the whole body, bad rows, duplicates ----------------------------------


def test_trickled_body_stops_at_the_deadline(local_hub, tmp_path):
    rows = [hub_record(GOOD, "bert")] * 3
    local_hub.trickle("/api/models", rows, seconds_per_byte=0.02)  # ~1,500 bytes: ~30 s
    settings = settings_for(local_hub.url, tmp_path / "r.json", api_deadline_s=1.0)
    started = time.monotonic()
    with pytest.raises(HubUnavailableError) as err:
        hub.fetch_candidates("bert", settings=settings)
    assert err.value.reason == "timeout"
    assert time.monotonic() - started < 2.5


BAD_ROWS = [
    ("id with a quote", {"id": 'evil/x"; import os'}, "invalid model id"),
    ("null id", {"id": None}, "invalid model id"),
    ("id over 96 characters", {"id": "a/" + "b" * 97}, "invalid model id"),
    ("downloads 'lots'", {"downloads": "lots"}, "field 'downloads'"),
    ("hostile sha", {"sha": "$(id)"}, "field 'sha'"),
    ("sha 'main'", {"sha": "main"}, "field 'sha'"),
    ("uppercase sha", {"sha": SHA.upper()}, "field 'sha'"),
]


@pytest.mark.parametrize(("fault", "change", "field"), BAD_ROWS, ids=[row[0] for row in BAD_ROWS])
def test_a_bad_hub_row_is_skipped_with_a_note(local_hub, tmp_path, fault, change, field):
    bad = {**hub_record("acme/bert-bad", "bert", downloads=10**9, sha=SHA), **change}
    local_hub.hostile_rows("/api/models", [bad, good_row()])
    settings = settings_for(local_hub.url, tmp_path / "missing.json")
    selection = select(SelectionRequest("bert", task="fill-mask", hardware="none"), settings)
    assert selection.source == "api" and selection.model_id == GOOD
    warnings = [n.text for n in selection.notes if n.severity == "warning"]
    assert any("skipped" in text and field in text for text in warnings), warnings


def test_a_bad_hub_row_is_one_warning_in_the_select_command(local_hub, env, tmp_path, capsys):
    env.setenv("HF_ENDPOINT", local_hub.url)
    env.setenv("HF_TESTGEN_REGISTRY", str(tmp_path / "none.json"))  # a missing registry not named by --registry
    local_hub.hostile_rows("/api/models", [{**hub_record("acme/x", "bert"), "downloads": "lots"}])
    code = cli.select_main(["--model-type", "bert", "--hardware", "none"])
    assert code == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "field 'downloads'" in err


def test_the_same_id_twice_is_stored_once(local_hub, tmp_path):
    row = hub_record(GOOD, "bert", downloads=100, sha=SHA)
    local_hub.hostile_rows("/api/models", [row, row])
    path = tmp_path / "r.json"
    settings = settings_for(local_hub.url, path)
    refresh_registry(path, ["bert"], settings=settings, options=RefreshOptions(request_delay_s=0, exact_size_top=0))
    ids = [r["id"] for r in json.loads(path.read_text())["model_types"]["bert"]["candidates"]]
    assert ids == [GOOD]


# --- registry rows ------------------------------------------------------------------------------

REGISTRY_ROWS = [
    ("last_modified a number", {"last_modified": 12345}, "last_modified"),
    ("size_mb 1e400", {"size_mb": float("inf")}, "size_mb"),
    ("size_mb negative", {"size_mb": -5}, "size_mb"),
    ("pipeline_tag a list", {"pipeline_tag": ["x"]}, "pipeline_tag"),
    ("sha 'main'", {"sha": "main"}, "sha"),
    ("hostile sha", {"sha": "$(id)"}, "sha"),
]


@pytest.mark.parametrize(("fault", "change", "field"), REGISTRY_ROWS, ids=[row[0] for row in REGISTRY_ROWS])
def test_a_bad_registry_row_is_skipped_with_a_note(tmp_path, fault, change, field):
    bad = {**candidate_row("acme/bert-bad", "bert", downloads=10**9), **change}
    data = registry_dict({"bert": [bad, good_registry_row()]})
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data).replace("Infinity", "1e400"))
    settings = settings_for(None, path, use_static_registry=True)
    selection = select(SelectionRequest("bert", task="fill-mask", hardware="none"), settings)
    assert selection.source == "registry" and selection.model_id == GOOD
    warnings = [n.text for n in selection.notes if n.severity == "warning"]
    assert any("acme/bert-bad" in text and field in text and "skipped" in text for text in warnings), warnings


def test_a_negative_size_is_never_printed(tmp_path, env, capsys):
    bad = {**candidate_row("acme/bert-bad", "bert", downloads=10**9), "size_mb": -5}
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [bad]}))
    env.setenv("USE_STATIC_REGISTRY", "true")
    assert cli.select_main(["--model-type", "bert", "--registry", str(path), "--hardware", "none"]) == 0
    out, err = capsys.readouterr()
    assert "-5" not in out and "acme/bert-bad" not in out and "size_mb" in err


@pytest.mark.parametrize("given", ["flag", "environment"])
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_a_registry_that_is_not_a_regular_file(tmp_path, kind, given):
    """Named with --registry: one error, exit 1. Found through HF_TESTGEN_REGISTRY: one warning, and selection
    falls through (a FIFO never blocks either)."""
    path = {"fifo": tmp_path / "fifo", "dev-zero": Path("/dev/zero"), "directory": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HF_ENDPOINT")}
    env.update(USE_STATIC_REGISTRY="true")
    flag = ["--registry", str(path)] if given == "flag" else []
    if given == "environment":
        env["HF_TESTGEN_REGISTRY"] = str(path)
    script = ROOT / "advanced_model_selection.py"
    result = subprocess.run(
        [sys.executable, str(script), "--model-type", "bert", *flag, "--hardware", "none"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    if given == "flag":
        assert result.returncode == 1, result.stderr
        assert result.stderr == f"error: {path}: not a regular file (given with --registry)\n" and result.stdout == ""
    else:
        assert result.returncode == 0, result.stderr
        assert "not a regular file" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["directory", "binary"])
def test_unusable_benchmarks_are_one_warning(tmp_path, env, capsys, kind):
    target = tmp_path / "bench"
    if kind == "directory":
        target.mkdir()
    else:
        target.write_bytes(b"\xff\xfe\x00binary")
    env.setenv("HF_TESTGEN_BENCHMARKS", str(target))
    env.setenv("USE_STATIC_REGISTRY", "true")
    assert cli.select_main(["--model-type", "bert", "--hardware", "none"]) == 0
    assert "benchmarks ignored" in capsys.readouterr().err


# --- files the commands write -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["a file", "/dev/null"])
def test_an_output_dir_that_cannot_hold_files_is_one_line_exit_1(tmp_path, env, capsys, kind):
    target = tmp_path / "file" if kind == "a file" else Path("/dev/null")
    if kind == "a file":
        target.write_text("x")
    env.setenv("USE_STATIC_REGISTRY", "true")
    assert cli.generate_main(["--generate", "bert", "--output-dir", str(target)]) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith("error: ") and str(target) in line


def test_an_empty_output_dir_is_bad_usage(env, capsys):
    assert code_of(lambda: cli.generate_main(["--generate", "bert", "--output-dir", ""])) == 2
    assert "empty path" in capsys.readouterr().err


def test_summary_into_a_missing_directory_fails_before_the_registry_changes(local_hub, env, tmp_path, capsys):
    local_hub.add_model(hub_record(GOOD, "bert", downloads=100, sha=SHA))
    env.setenv("HF_ENDPOINT", local_hub.url)
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row("old/bert", "bert")]}))
    before = path.read_bytes()
    summary = tmp_path / "missing" / "summary.md"
    args = ["--registry", str(path), "--update-registry", "--model-type", "bert", "--request-delay", "0"]
    assert cli.find_main([*args, "--summary", str(summary)]) == 1
    assert path.read_bytes() == before and local_hub.count("/api/models") == 0
    assert str(summary.parent) in one_line(capsys.readouterr().err)


def test_a_symlinked_registry_is_updated_through_the_link(local_hub, tmp_path):
    local_hub.add_model(hub_record(GOOD, "bert", downloads=100, sha=SHA))
    target = write_registry(tmp_path / "real.json", registry_dict({"bert": [candidate_row("old/bert", "bert")]}))
    link = tmp_path / "model_registry.json"
    link.symlink_to(target)
    settings = settings_for(local_hub.url, link)
    refresh_registry(link, ["bert"], settings=settings, options=RefreshOptions(request_delay_s=0, exact_size_top=0))
    assert link.is_symlink()
    assert [r["id"] for r in json.loads(target.read_text())["model_types"]["bert"]["candidates"]] == [GOOD]


# --- what is printed or stored ------------------------------------------------------------------


def test_endpoint_credentials_are_never_stored_or_printed(local_hub, env, tmp_path, capsys):
    local_hub.add_model(hub_record(GOOD, "bert", downloads=100, sha=SHA))
    secret_url = local_hub.url.replace("http://", "http://user:s3cret@")
    env.setenv("HF_ENDPOINT", secret_url)
    gpt2 = registry_dict({"gpt2": [candidate_row("openai-community/gpt2", "gpt2")]})
    path = write_registry(tmp_path / "r.json", gpt2)
    summary = tmp_path / "summary.md"
    local_hub.fail("/api/models", 500, times=None, body={"error": f"upstream {secret_url} failed"})
    args = ["--registry", str(path), "--request-delay", "0", "--summary", str(summary)]
    cli.find_main([*args, "--update-registry", "--model-type", "gpt2"])
    local_hub.clear()
    local_hub.add_model(hub_record(GOOD, "bert", downloads=100, sha=SHA))
    assert cli.find_main([*args, "--update-registry", "--model-type", "bert"]) == 0
    out, err = capsys.readouterr()
    for text in (path.read_text(), summary.read_text(), out, err):
        assert "s3cret" not in text
    assert json.loads(path.read_text())["model_types"]["bert"]["refreshed_from"] == local_hub.url


def test_hub_text_cannot_drive_the_terminal(local_hub, env, capsys):
    env.setenv("HF_ENDPOINT", local_hub.url)
    local_hub.add_model(hub_record(GOOD, "bert", pipeline_tag="fill-mask\x1b]0;pwned\x07\x1b[2J", sha=SHA))
    assert cli.find_main(["--model-type", "bert"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b" in out


def test_hub_text_cannot_add_markdown_to_the_summary(local_hub, env, tmp_path, capsys):
    env.setenv("HF_ENDPOINT", local_hub.url)
    hostile = {**hub_record("acme/x", "bert"), "id": "<img src=x onerror=alert(1)>[click](http://evil)"}
    local_hub.add_model(good_row())
    local_hub.hostile_rows("/api/models", [hostile, good_row()])
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row("old/bert", "bert")]}))
    args = ["--registry", str(path), "--request-delay", "0", "--update-registry", "--model-type", "bert", "--dry-run"]
    assert cli.find_main(args) == 0
    out = capsys.readouterr().out
    assert "<img" not in out and "&lt;img" in out  # no raw HTML
    assert "[click](" not in out and "\\[click\\](" in out  # no link


# --- the lookup ---------------------------------------------------------------------------------


def test_lookup_exits_2_when_nothing_fits_and_warns_about_the_registry(tmp_path, env, capsys):
    stale = registry_dict({"bert": [good_registry_row()]}, updated="2020-01-01T00:00:00Z")
    path = write_registry(tmp_path / "r.json", stale)
    env.setenv("USE_STATIC_REGISTRY", "true")
    assert cli.lookup_main(["--model-type", "bert", "--registry", str(path), "--max-size", "1"]) == 2
    err = capsys.readouterr().err
    assert "days old" in err
