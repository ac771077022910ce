"""Issue 15, causes 1 (secrets leak) and 8 (Markdown and terminal injection): each reproduction and our own
attacks, against the local Hub, a hostile Hub that echoes the request's credentials, and generated tests
run for real. The table is docs/faults_secrets.md; the file and subprocess faults are in
test_faults_secrets_files.py."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from factories import candidate_row, clean_command_env, hub_record, registry_dict, settings_for, write_registry
from hostile_secrets import EchoingHub

from hf_testgen.cli import main as cli
from hf_testgen.cli.report import print_selection
from hf_testgen.core import text
from hf_testgen.core.config import Settings
from hf_testgen.core.errors import ConfigError
from hf_testgen.core.progress import Progress
from hf_testgen.core.records import Note, Selection
from hf_testgen.hub.verify import VerifyProblem, VerifyReport, verify_registry
from hf_testgen.refresh.summary import render_summary
from hf_testgen.suite.coverage import build_matrix, junit_cases, render_html, render_markdown
from hf_testgen.suite.results import ResultLine

GOOD = "google-bert/bert-base-uncased"
SHA = "86b5e0934494bd15c9632b12f734a8a67f723594"
TOKEN = "hf_Q7rZkXwPbTnLmVcYdHgJfSaEuRiOpWqKtB"  # the shape of a real token: hf_ and 34 letters
ESC = "\x1b]0;pwned\x07\x1b[2J"


@pytest.fixture
def env(monkeypatch, tmp_path):
    return clean_command_env(monkeypatch, tmp_path, HF_TESTGEN_API_DEADLINE="3", HF_TESTGEN_API_MAX_TRIES="2")


@pytest.fixture(scope="module")
def echoing_hub():
    with EchoingHub() as server:
        yield server


@pytest.fixture
def echo(echoing_hub):
    echoing_hub.clear()
    echoing_hub.echo_status = None
    yield echoing_hub
    echoing_hub.echo_status = None


def assert_no_secret(*texts: str, secrets=(TOKEN, "s3cret", "api_key")) -> None:
    """No secret in any text, also once Markdown's escapes are removed (`hf\\_…` is still the token)."""
    for shown in texts:
        for secret in secrets:
            assert secret not in shown.replace("\\", ""), shown[-2000:]


# --- cause 1: the token at the edge ---------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\r\n", "\n", "\r", " ", "\t", "\x00", "\x7f", "\u2028"])
def test_a_token_with_whitespace_or_a_control_character_is_refused_without_echoing_it(bad):
    with pytest.raises(ConfigError) as err:
        Settings.from_env({"HF_TOKEN": TOKEN + bad})
    message = str(err.value)
    assert "HF_TOKEN" in message and "whitespace or a control character" in message
    assert TOKEN not in message and len(message.splitlines()) == 1


@pytest.mark.parametrize(
    "command",
    [
        ["find", "--verify", GOOD],
        ["select", "--model-type", "bert", "--json", "--hardware", "none"],
        ["lookup", "--model-type", "bert", "--json", "--hardware", "none"],
        ["find", "--update-registry", "--model-type", "bert", "--request-delay", "0"],
    ],
)
def test_a_token_with_a_trailing_newline_stops_every_command_in_one_line(local_hub, env, tmp_path, capsys, command):
    local_hub.add_model(hub_record(GOOD, "bert", downloads=10, sha=SHA))
    env.setenv("HF_ENDPOINT", local_hub.url)
    env.setenv("HF_TOKEN", TOKEN + "\r\n")
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row(GOOD, "bert")]}))
    before = path.read_bytes()
    main = {"find": cli.find_main, "select": cli.select_main, "lookup": cli.lookup_main}[command[0]]
    assert main([*command[1:], "--registry", str(path)]) == 2
    out, err = capsys.readouterr()
    assert_no_secret(out, err)
    assert "HF_TOKEN" in err and len(err.strip().splitlines()) == 1
    assert path.read_bytes() == before and local_hub.count("/api") == 0


def test_settings_cannot_hold_a_token_that_would_reach_the_http_library(tmp_path):
    with pytest.raises(ConfigError) as err:
        settings_for("http://127.0.0.1:9", tmp_path / "r.json", token=TOKEN + "\n")  # built past from_env
    assert_no_secret(str(err.value))


def test_the_weekly_summary_never_quotes_an_echoed_token(echo, tmp_path):
    echo.echo(403)  # huggingface_hub puts a 403's message on its first line
    raw = registry_dict({"bert": [candidate_row(GOOD, "bert")]})
    settings = settings_for(echo.url, tmp_path / "r.json", token=TOKEN)
    report = verify_registry(raw, ["bert"], settings=settings, stream=io.StringIO())
    assert report.problems and echo.count("/api/models") >= 1  # the check could not be made, and says so
    assert_no_secret(render_summary(None, report))


def test_a_hub_that_echoes_the_token_cannot_make_us_print_it(echo, env, tmp_path, capsys):
    echo.echo(403)
    env.setenv("HF_ENDPOINT", echo.url + "/?api_key=s3cret")
    env.setenv("HF_TOKEN", TOKEN)
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row(GOOD, "bert")]}))
    cli.select_main(["--model-type", "bert", "--json", "--explain", "--hardware", "none", "--registry", str(path)])
    cli.find_main(["--verify", GOOD, "--json"])
    assert_no_secret(*capsys.readouterr())
    assert echo.count("/") >= 2  # the Hub was asked, with the token


def test_an_echoed_token_never_reaches_the_pull_request_summary(echo, env, tmp_path, capsys):
    echo.echo(403)
    env.setenv("HF_ENDPOINT", echo.url.replace("http://", "http://user:s3cret@"))
    env.setenv("HF_TOKEN", TOKEN)
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row(GOOD, "bert")]}))
    summary = tmp_path / "summary.md"
    args = ["--registry", str(path), "--request-delay", "0", "--summary", str(summary), "--verify-registry"]
    assert cli.find_main([*args, "--update-registry", "--model-type", "bert"]) == 1
    secrets = (TOKEN, "s3cret", "dXNlcjpzM2NyZXQ")  # httpx sends the userinfo as Basic base64(user:s3cret)
    assert_no_secret(summary.read_text(), path.read_text(), *capsys.readouterr(), secrets=secrets)


# --- cause 1: URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://h:1/x?api_key=s3cret", "http://h:1/x"),
        ("https://user:s3cret@h/x?token=s3cret#frag", "https://h/x"),
        ("http://user:p@ss@s3cret@h:8080/", "http://h:8080/"),  # '@' in the password: the last one ends it
        ("http://user:%73%33cret@h/", "http://h/"),
        ("http://h/x#token=s3cret", "http://h/x"),
    ],
)
def test_redact_url_drops_userinfo_query_and_fragment(url, shown):
    assert text.redact_url(url) == shown
    assert text.redact_secrets(f"GET {url} failed") == f"GET {shown} failed"


@pytest.mark.parametrize(
    "message",
    [
        f"Illegal header value b'Bearer {TOKEN}\\r\\n'",
        f"authorization: bearer {TOKEN}",
        f"token {TOKEN} is invalid",
        "Authorization: Basic dXNlcjpzM2NyZXQ=",
        "upstream user:s3cret@127.0.0.1:9 refused",
        "see http://127.0.0.1/api?api_key=s3cret&x=1 for details",
        "HTTPError api_key=s3cret",
    ],
)
def test_one_redaction_covers_tokens_headers_and_urls_in_free_text(message):
    redacted = text.redact_secrets(message)
    assert_no_secret(redacted, secrets=(TOKEN, "s3cret", "dXNlcjpzM2NyZXQ"))
    assert_no_secret(text.terminal_safe(message), text.markdown_cell(message), secrets=(TOKEN, "s3cret"))


def test_ordinary_text_is_not_redacted():
    plain = "hf_testgen/testing/loading.py: test_hf_bert.py failed for google-bert/bert-base-uncased at http://h/x"
    assert text.redact_secrets(plain) == plain


def test_the_refresh_never_stores_or_shows_an_endpoint_query(local_hub, env, tmp_path, capsys):
    local_hub.add_model(hub_record(GOOD, "bert", downloads=100, sha=SHA))
    env.setenv("HF_ENDPOINT", local_hub.url + "/?api_key=s3cret")
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row("old/bert", "bert")]}))
    summary = tmp_path / "summary.md"
    cli.find_main(["--registry", str(path), "--update-registry", "--model-type", "bert", "--summary", str(summary)])
    assert_no_secret(path.read_text(), summary.read_text(), *capsys.readouterr())


# --- cause 1: the pytest plugin and what is built from its messages -------------------------------


def test_junit_skip_messages_and_coverage_pages_never_carry_endpoint_credentials(hub_env, tmp_path):
    pytest.importorskip("transformers")
    from generated_runs import QUIET_ENV, closed_port, generate_file, without_testgen_variables

    path = generate_file(tmp_path / "generated", "bert", "fill-mask", "example-org/never-cached-bert")
    env = dict(without_testgen_variables(hub_env), **QUIET_ENV)
    env["HF_ENDPOINT"] = f"http://user:s3cret@127.0.0.1:{closed_port()}/?api_key=s3cret"
    junit = tmp_path / "junit.xml"
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "--noconftest"]
    command += ["-o", "addopts=", f"--junitxml={junit}", str(path)]
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert "skipped" in run.stdout and "127.0.0.1" in run.stdout, run.stdout[-3000:]
    matrix = build_matrix(junit_cases(junit.read_text(), str(junit)), [])
    assert_no_secret(run.stdout, run.stderr, junit.read_text(), render_markdown(matrix), render_html(matrix))


def test_plugin_failures_never_carry_endpoint_credentials(local_hub):
    pytest.importorskip("transformers")
    from hf_testgen.testing import loading

    settings = loading.RuntimeSettings(endpoint=local_hub.url.replace("http://", "http://user:s3cret@"))
    target = loading.Target("bert", "fill-mask", "example-org/absent", None, None, "example-org/absent")
    with pytest.raises(loading.LoadFailure) as err:
        loading.load(target, settings)
    assert "does not exist" in str(err.value) and local_hub.count("/api/models") == 1
    assert_no_secret(str(err.value))


def test_plugin_skips_never_quote_an_echoed_token(echo, monkeypatch):
    pytest.importorskip("transformers")
    from hf_testgen.testing import loading

    echo.echo(503)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    settings = loading.RuntimeSettings(endpoint=echo.url + "/?api_key=s3cret")
    target = loading.Target("bert", "fill-mask", "example-org/absent", None, None, "example-org/absent")
    with pytest.raises(loading.LoadSkip) as err:
        loading.load(target, settings)
    assert_no_secret(str(err.value))


def test_the_plugin_refuses_a_token_with_a_newline_before_any_request():
    from hf_testgen.testing.settings import RuntimeSettings

    with pytest.raises(ValueError) as err:
        RuntimeSettings.from_env({"HF_TOKEN": TOKEN + "\n"})
    assert "HF_TOKEN" in str(err.value)
    assert_no_secret(str(err.value))


def test_hostile_junit_reasons_are_redacted_in_the_coverage_pages():
    reason = f"Bearer {TOKEN} refused at http://user:s3cret@hub/x?api_key=s3cret"
    junit = (
        '<testsuite><testcase classname="generated.test_hf_bert" name="test_fill[cpu]">'
        f'<skipped message="{reason}"/></testcase></testsuite>'
    )
    matrix = build_matrix(junit_cases(junit, "junit.xml"), [])
    assert matrix.rows
    assert_no_secret(render_markdown(matrix), render_html(matrix))


# --- cause 8: Markdown and terminals --------------------------------------------------------------


def test_a_results_line_device_cannot_add_a_heading_or_a_link():
    device = "cpu\n## pwned [click](http://evil) | <b>x</b>"
    matrix = build_matrix([], [ResultLine(model_type="bert", model_id=GOOD, device=device)])
    markdown = render_markdown(matrix)
    assert [line for line in markdown.splitlines() if line.startswith("#")] == ["## Generated suite coverage"]
    assert "[click](" not in markdown and "\\[click\\]" in markdown and "<b>" not in markdown
    header = markdown.splitlines()[4]
    assert header.count(" | ") == 3  # model type, task, model, one device column: no extra column


@pytest.mark.parametrize(
    "value", ["x|y", "a`b``c", "line\nbreak", "<img src=x onerror=alert(1)>", "</details>", "x\\|y", ESC]
)
def test_markdown_code_cannot_break_out_of_its_cell(value):
    shown = text.markdown_code(value)
    assert shown.startswith("`") and shown.endswith("`") and shown.count("`") == 2
    assert "|" not in shown.replace("\\|", "") and "\n" not in shown and "\x1b" not in shown


def test_a_registry_key_cannot_add_html_or_columns_to_the_pull_request_table():
    key = "bert|<img src=x onerror=alert(1)>|"
    report = VerifyReport(checked=1, problems=[VerifyProblem(key, "default", "evil/x|y", ("gone",))])
    rows = [line for line in render_summary(None, report).splitlines() if "onerror" in line]
    assert len(rows) == 1 and rows[0].replace("\\|", "").count("|") == 5, rows


def test_print_selection_shows_escape_codes_as_text(capsys):
    selection = Selection(
        model_id=f"acme/x{ESC}", model_type=f"bert{ESC}", revision=None, source="registry", size=None,
        task=f"fill-mask{ESC}", framework="pytorch", notes=(Note("info", f"n{ESC}"),),
        tiny_model_id=f"t{ESC}", task_evidence=f"e{ESC}",
    )  # fmt: skip
    print_selection(selection, explain=True)
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\x07" not in out + err and "\\x1b" in out


@pytest.mark.parametrize("bar", [False, True])
def test_progress_shows_escape_codes_as_text(bar):
    stream = io.StringIO()
    with Progress(1, description="refresh", stream=stream, bar=bar) as progress:
        progress.step(f"bert{ESC}", f"failed: {ESC} Bearer {TOKEN}")
    assert "\x1b]" not in stream.getvalue() and "\x07" not in stream.getvalue()
    assert_no_secret(stream.getvalue())


def test_json_output_is_redacted_and_still_json(capsys):
    from hf_testgen.cli.report import _print_json

    _print_json({"notes": [f'quote " and Bearer {TOKEN} at http://h/x?api_key=s3cret\\']})
    out = capsys.readouterr().out
    assert_no_secret(out)
    assert json.loads(out)["notes"][0].startswith('quote " and Bearer')


def test_the_summary_source_line_shows_no_credentials(tmp_path):
    from hf_testgen.refresh.job import RefreshReport

    report = RefreshReport(
        path=Path("r.json"), source="http://user:s3cret@h/?api_key=s3cret", started=datetime.now(),
        outcomes=[], before={"model_types": {}}, after={"model_types": {}}, changed=[], written=False,
        dry_run=True, requests=0,
    )  # fmt: skip
    assert_no_secret(render_summary(report))


def test_a_registry_key_with_escape_codes_is_text_in_every_line_of_a_check(local_hub, env, tmp_path, capsys):
    env.setenv("HF_ENDPOINT", local_hub.url)
    path = write_registry(tmp_path / "r.json", registry_dict({f"bert{ESC}": [candidate_row(GOOD, "bert")]}))
    assert cli.find_main(["--registry", str(path), "--verify-registry"]) == 1  # GOOD is not on this Hub
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\x07" not in out + err and "did not verify" in err
    assert "bert\\x1b" in err
