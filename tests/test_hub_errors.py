"""Hub failures become our errors by status code and type; anything else, a bug of ours, propagates.

Against the real local Hub (tests/hubserver.py): each HTTP status maps to one reason, and an
exception raised in our own code during a Hub call is never "Hub unavailable" and never a silent
fallback to the registry. The commands show such a bug as one line (a traceback with HF_DEBUG=1).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from factories import clean_command_env, fixture_records, one_line, settings_for

from hf_testgen.cli import main as cli
from hf_testgen.core.errors import HubUnavailableError
from hf_testgen.hub import client as hub
from hf_testgen.hub import http as hub_http

PACKAGE = Path(__file__).resolve().parent.parent / "hf_testgen"
BERT = "google-bert/bert-base-uncased"
# How the Hub says why (huggingface_hub reads these headers).
DISABLED = {"X-Error-Message": "Access to this resource is disabled."}
NOT_FOUND = {"X-Error-Code": "RepoNotFound"}


def _settings(url, tmp_path, **changes):
    return settings_for(url, tmp_path / "r.json", api_max_tries=1, **changes)  # one try: no back-off wait


def _list_error(local_hub, tmp_path) -> HubUnavailableError:
    with pytest.raises(HubUnavailableError) as err:
        hub.fetch_candidates("bert", settings=_settings(local_hub.url, tmp_path))
    return err.value


def _model_error(local_hub, tmp_path) -> HubUnavailableError:
    with pytest.raises(HubUnavailableError) as err:
        hub.fetch_model(BERT, settings=_settings(local_hub.url, tmp_path))
    return err.value


# --- each status code, one reason ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "reason"),
    [(400, "bad_response"), (401, "bad_response"), (403, "bad_response"), (404, "not_found"),
     (429, "rate_limited"), (500, "server_error"), (503, "server_error")],
)  # fmt: skip
def test_a_status_of_the_list_answer_is_one_reason(local_hub, tmp_path, status, reason):
    local_hub.fail("/api/models", status, times=None)
    err = _list_error(local_hub, tmp_path)
    assert (err.reason, type(err)) == (reason, HubUnavailableError)
    assert str(status) in str(err) and "\n" not in str(err)


@pytest.mark.parametrize(
    ("status", "headers", "reason"),
    [(401, NOT_FOUND, "not_found"),  # the Hub answers 401 for a missing or private repository
     (404, {}, "not_found"), (401, {}, "bad_response"), (403, DISABLED, "disabled"), (403, {}, "bad_response"),
     (429, {}, "rate_limited"), (500, {}, "server_error"), (503, {}, "server_error")],
)  # fmt: skip
def test_a_status_of_the_model_answer_is_one_reason(local_hub, tmp_path, status, headers, reason):
    local_hub.add_model(fixture_records()[BERT])
    local_hub.fail(f"/api/models/{BERT}", status, headers=headers, times=None)
    assert _model_error(local_hub, tmp_path).reason == reason


def test_the_same_model_answered_is_read(local_hub, tmp_path):
    local_hub.add_model(fixture_records()[BERT])
    assert hub.fetch_model(BERT, settings=_settings(local_hub.url, tmp_path)).model_id == BERT


def test_a_closed_port_is_offline(tmp_path):
    err = _list_error(type("Closed", (), {"url": "http://127.0.0.1:9"})(), tmp_path)
    assert err.reason == "offline"


# --- a bug is not a Hub failure --------------------------------------------------------------------
def _our_code_fails(monkeypatch, error: Exception) -> None:
    """Test double: `Budget.remaining`, ours, called by our request hook inside huggingface_hub's call, raises."""

    def broken_remaining(self):
        raise error

    monkeypatch.setattr(hub_http.Budget, "remaining", broken_remaining)


def _our_code_has_a_type_bug(monkeypatch) -> None:
    """Test double: `Budget.remaining` answers a string, so our request hook's `remaining <= 0` raises
    TypeError in our own code, inside huggingface_hub's call (where a malformed answer raises it too)."""
    monkeypatch.setattr(hub_http.Budget, "remaining", lambda self: "later")


def test_a_bug_in_our_code_during_a_hub_call_propagates(local_hub, tmp_path, monkeypatch):
    _our_code_fails(monkeypatch, RuntimeError("test double: a bug of ours"))
    with pytest.raises(RuntimeError, match="test double"):
        hub.fetch_candidates("bert", settings=_settings(local_hub.url, tmp_path))


def test_a_type_error_of_ours_is_not_a_malformed_answer(local_hub, tmp_path, monkeypatch):
    """TypeError is what huggingface_hub raises for an answer of the wrong shape; ours stays ours."""
    _our_code_has_a_type_bug(monkeypatch)
    local_hub.add_model(fixture_records()[BERT])
    with pytest.raises(TypeError, match="'<=' not supported"):
        hub.fetch_model(BERT, settings=_settings(local_hub.url, tmp_path))


def test_a_bug_never_falls_back_to_the_registry(local_hub, tmp_path, monkeypatch):
    from hf_testgen import SelectionRequest, select

    local_hub.add_model(fixture_records()[BERT])
    _our_code_fails(monkeypatch, RuntimeError("test double: a bug of ours"))
    with pytest.raises(RuntimeError, match="test double"):
        select(SelectionRequest(model_type="bert"), _settings(local_hub.url, tmp_path))


def test_a_failed_hub_still_falls_back(local_hub, tmp_path):
    from hf_testgen import SelectionRequest, select

    local_hub.fail("/api/models", 503, times=None)
    selection = select(SelectionRequest(model_type="bert"), _settings(local_hub.url, tmp_path))
    assert selection.source != "api" and any("server_error" in note.text for note in selection.notes)


def _select_command(local_hub, tmp_path, monkeypatch) -> int:
    """select for bert with no registry (a missing default registry is a warning; a missing --registry an error)."""
    monkeypatch.setenv("HF_TESTGEN_REGISTRY", str(tmp_path / "none.json"))
    return cli.select_main(["--model-type", "bert", "--hardware", "none"])


def test_a_bug_in_a_command_is_one_line_and_exit_1(local_hub, tmp_path, monkeypatch, capsys):
    clean_command_env(monkeypatch, tmp_path, HF_ENDPOINT=local_hub.url, unset=("HF_DEBUG",))
    _our_code_fails(monkeypatch, RuntimeError("test double: a bug of ours\nsecond line"))
    assert _select_command(local_hub, tmp_path, monkeypatch) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith("error: internal error (a bug in hf-testgen): RuntimeError: test double: a bug of ours")
    assert "HF_DEBUG=1" in line and "Hub" not in line


def test_a_bug_in_a_command_with_hf_debug_is_its_traceback(local_hub, tmp_path, monkeypatch):
    clean_command_env(monkeypatch, tmp_path, HF_ENDPOINT=local_hub.url, HF_DEBUG="1")
    _our_code_fails(monkeypatch, RuntimeError("test double: a bug of ours"))
    with pytest.raises(RuntimeError, match="test double"):  # run_guarded re-raises: Python prints the traceback
        _select_command(local_hub, tmp_path, monkeypatch)


# --- the source: nothing caught wholesale, no private huggingface_hub names ------------------------
OUTSIDE = ("huggingface_hub", "httpx", "httpx2", "httpcore", "httpcore2")
_PRIVATE_IN_TEXT = re.compile(r"\b(?:" + "|".join(OUTSIDE) + r")(?:\.\w+)*\._[A-Za-z]\w*")


def _private(name: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in name.split("."))


def broad_handlers(source: str) -> list[int]:
    """Lines of `except:`, `except Exception` and `except BaseException` (alone or in a tuple)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ExceptHandler):
            continue
        types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        if node.type is None or any(isinstance(t, ast.Name) and t.id in ("Exception", "BaseException") for t in types):
            lines.append(node.lineno)
    return lines


def private_outside_names(source: str) -> list[str]:
    """Private names of huggingface_hub, httpx or httpcore: imported, read as attributes, or spelt in a string."""
    found, bound = [], set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in OUTSIDE:
                    bound.add(alias.asname or alias.name.split(".")[0])
                    found += [alias.name] if _private(alias.name) else []
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in OUTSIDE:
            bound.update(alias.asname or alias.name for alias in node.names)
            found += [f"{node.module}.{a.name}" for a in node.names if _private(f"{node.module}.{a.name}")]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [match.group(0) for match in _PRIVATE_IN_TEXT.finditer(node.value)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
            found += [f"{node.value.id}.{node.attr}"] if _private(node.attr) else []
    return found


def test_the_checks_see_what_they_forbid():
    source = (
        "import logging\nimport httpx2 as http\nfrom huggingface_hub import errors\n"
        "from huggingface_hub.utils._http import hf_raise_for_status\n"
        "def f():\n    try:\n        pass\n    except (ValueError, Exception):\n        pass\n"
        "    try:\n        pass\n    except:\n        pass\n"
        "    logging.getLogger('huggingface_hub.utils._http')\n"
        "    return http._models, errors._format, errors.__name__\n"
    )
    assert broad_handlers(source) == [8, 12]
    assert sorted(private_outside_names(source)) == [
        "errors._format", "http._models",
        "huggingface_hub.utils._http", "huggingface_hub.utils._http.hf_raise_for_status",
    ]  # fmt: skip


@pytest.mark.parametrize("path", sorted((PACKAGE / "hub").glob("*.py")), ids=lambda path: path.name)
def test_the_hub_layer_catches_nothing_wholesale(path):
    assert broad_handlers(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_private_huggingface_hub_or_httpx_name_is_used(path):
    assert private_outside_names(path.read_text(encoding="utf-8")) == []


# --- one error family, one vocabulary --------------------------------------------------------------
def test_a_data_file_error_is_one_of_ours_and_still_a_value_error(tmp_path):
    from hf_testgen.core.errors import HfTestgenError
    from hf_testgen.core.files import DataFileError, read_data_file

    (path := tmp_path / "latin1.json").write_bytes(b"\xff\xfe")
    with pytest.raises(DataFileError) as err:
        read_data_file(path)
    assert isinstance(err.value, HfTestgenError) and isinstance(err.value, ValueError)
    assert str(err.value) == "is not UTF-8 text"


def test_every_rejection_kind_is_in_the_vocabulary():
    from hf_testgen.core.records import REJECTION_KINDS, Rejection

    assert Rejection("acme/x", "ranked below acme/y").kind in REJECTION_KINDS
    assert set(REJECTION_KINDS) == {"access", "test-model", "task", "framework", "size", "ranked"}


def test_httpcore_errors_map_to_httpx_errors_of_the_same_meaning():
    from hf_testgen.hub import transport

    pairs = transport._HTTPX_ERROR_OF
    assert all(core.__name__ == mapped.__name__ for core, mapped in pairs)
    assert all(issubclass(mapped, transport.http.TransportError) for _, mapped in pairs)
    for index, (core, _) in enumerate(pairs):  # subclasses first, so the first match is the closest
        assert not any(issubclass(core, earlier) for earlier, _ in pairs[:index])
