"""The registry refresh (`find_models.py --update-registry`) against the local Hub, faults included.

Every test works on a temporary copy of a registry: the shipped model_registry.json is never
touched. The fault table of the issue is `test_fault_leaves_the_registry_intact`; run it with
`-s -k fault_leaves` to print one `FAULT |` row per fault.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from factories import candidate_row, fixture_records, hub_record, registry_dict, settings_for, write_registry

from hf_testgen.cli import refresh as cli_refresh
from hf_testgen.cli.main import find_main
from hf_testgen.core.errors import HubUnavailableError, RegistryError
from hf_testgen.core.progress import Progress, RequestBudget
from hf_testgen.core.records import ModelCandidate
from hf_testgen.core.text import markdown_cell
from hf_testgen.refresh import job as refresh
from hf_testgen.refresh.job import RefreshOptions, refresh_registry
from hf_testgen.refresh.summary import render_summary
from hf_testgen.registry.store import load_registry

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
FAST = RefreshOptions(request_delay_s=0.0)
VANISHING = "acme/bert-vanishing"  # listed, then gone when its model_info is asked
BERT_IDS = (
    "google-bert/bert-base-uncased",
    "sentence-transformers/all-MiniLM-L6-v2",
    "dbmdz/bert-large-cased-finetuned-conll03-english",
)
ROW_KEYS = set(ModelCandidate(model_id="a/b", fact_source="x").to_dict()) | {
    "model_type", "sha", "pipeline_tag", "library_name", "frameworks", "parameters",
    "size_mb", "size_method", "size_exact", "size_detail", "last_modified", "architectures", "used_storage",
    "dtype", "source_urls",
}  # fmt: skip


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def hub(local_hub):
    """The local Hub with real recorded bert and gpt2 models and a tiny bert test repo."""
    records = fixture_records()
    for model_id in (*BERT_IDS, "openai-community/gpt2"):
        local_hub.add_model(records[model_id])
    local_hub.add_model(hub_record("hf-internal-testing/tiny-random-BertModel", "bert", downloads=10**9))
    return local_hub


@pytest.fixture
def registry(tmp_path):
    """A registry with stale bert and gpt2 entries and a t5 entry no test refreshes."""
    data = registry_dict(
        {
            "bert": [
                candidate_row("google-bert/bert-base-uncased", "bert", size_mb=400.0),
                candidate_row("old/bert-gone", "bert"),
            ],
            "gpt2": [candidate_row("openai-community/gpt2", "gpt2")],
            "t5": [candidate_row("google-t5/t5-small", "t5")],
        }
    )
    return write_registry(tmp_path / "model_registry.json", data)


def run(hub, registry, model_types=("bert", "gpt2"), *, now=NOW, options=FAST, **changes):
    """Refresh in-process with short deadlines; progress goes to a buffer."""
    settings = settings_for(hub.url, registry, **changes)
    return refresh_registry(
        registry, list(model_types), settings=settings, options=options, stream=io.StringIO(), now=now
    )


def list_requests(hub) -> int:
    """List requests only (model_info requests have longer paths)."""
    return sum(1 for _, path, _ in hub.requests("/api/models") if path == "/api/models")


def model_info_requests(hub) -> int:
    return sum(1 for _, path, _ in hub.requests("/api/models/"))


def types_of(path: Path) -> dict:
    return json.loads(path.read_text())["model_types"]


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def cli_env(monkeypatch, hub, tmp_path):
    """Environment for `find_main` in-process: the local Hub, short deadlines, no CI or offline flags."""
    for name in ("CI", "HF_HUB_OFFLINE", "USE_STATIC_REGISTRY", "FORCE_API_CALLS", "HF_TOKEN", "MAX_REGISTRY_AGE_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HF_TESTGEN_API_DEADLINE", "3")
    monkeypatch.setenv("HF_TESTGEN_API_MAX_TRIES", "2")
    monkeypatch.setenv("HF_TESTGEN_BENCHMARKS", str(tmp_path / "no-benchmarks.json"))
    return monkeypatch


def find(registry: Path, *args: str) -> int:
    """Run find_models.py in-process; argparse's own exit (bad usage) becomes its code."""
    pacing = ["--request-delay", "0"] if "--update-registry" in args else []
    try:
        return find_main(["--registry", str(registry), *pacing, *args])
    except SystemExit as err:
        return int(err.code)


# --- merge, format, byte-identical reruns -------------------------------------------------------


def test_refresh_merges_the_asked_types_and_leaves_the_others(hub, registry):
    before = types_of(registry)
    report = run(hub, registry, ["bert"])
    after = types_of(registry)
    assert report.changed == ["bert"] and report.written
    assert after["gpt2"] == before["gpt2"] and after["t5"] == before["t5"]
    bert = after["bert"]
    ids = [row["id"] for row in bert["candidates"]]
    assert set(ids) == set(BERT_IDS)  # the tiny test repo is no candidate, the vanished row is gone
    assert bert["default"] == ids[0]
    assert bert["updated"] == "2026-11-27T12:00:00Z" and bert["refreshed_from"] == hub.url
    assert bert["tiny"]["id"] == "hf-internal-testing/tiny-random-BertModel"
    assert json.loads(registry.read_text())["updated"] == "2026-11-27T12:00:00Z"
    assert list_requests(hub) == 1  # one list request per type; sizes were exact from the list
    load_registry(registry).validate_all()


def test_candidate_rows_are_exactly_model_candidate_rows(hub, registry):
    run(hub, registry, ["bert"])
    for row in types_of(registry)["bert"]["candidates"]:
        assert set(row) <= ROW_KEYS
        assert ModelCandidate.from_dict(row).to_dict() == row


def test_rerun_on_unchanged_hub_data_rewrites_nothing(hub, registry):
    run(hub, registry)
    first = registry.read_bytes()
    mtime = registry.stat().st_mtime_ns
    requests_before = len(hub.requests())
    report = run(hub, registry, now=NOW + timedelta(days=400))  # a later clock must not reorder anything
    assert registry.read_bytes() == first and registry.stat().st_mtime_ns == mtime
    assert report.changed == [] and not report.written
    assert "no changes" in render_summary(report).lower()
    assert len(hub.requests()) - requests_before == 2  # the two list requests, nothing else


def test_exact_size_from_model_info_only_for_possible_defaults_and_reused_later(hub, registry):
    hub.add_model(hub_record("acme/bert-no-safetensors", "bert", downloads=10**8, likes=10**4))
    hub.add_file("acme/bert-no-safetensors", "model.safetensors", bytes(3_000_000))
    hub.add_model(hub_record("acme/bert-unpopular", "bert", downloads=1))  # never a default: no model_info
    run(hub, registry, ["bert"], options=RefreshOptions(request_delay_s=0, exact_size_top=4))
    rows = {row["id"]: row for row in types_of(registry)["bert"]["candidates"]}
    assert rows["acme/bert-no-safetensors"]["size_method"] == "weight_files"
    assert rows["acme/bert-no-safetensors"]["size_mb"] == 3.0
    assert rows["acme/bert-unpopular"]["size_exact"] is False
    # the second: a short answer, so the old candidate the Hub no longer lists is checked (404: dropped)
    asked = ["/api/models/acme/bert-no-safetensors", "/api/models/old/bert-gone"]
    assert [path for _, path, _ in hub.requests("/api/models/")] == asked
    run(hub, registry, ["bert"], options=RefreshOptions(request_delay_s=0, exact_size_top=4))
    assert model_info_requests(hub) == 2  # same commit: the size in the registry is reused


def test_old_tiny_model_is_kept(hub, tmp_path):
    tiny = {"bert": {"id": "hf-internal-testing/tiny-random-BertForMaskedLM", "sha": "a" * 40, "source": "pinned"}}
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row("x/y", "bert")]}, tiny=tiny))
    run(hub, path, ["bert"])
    assert types_of(path)["bert"]["tiny"] == tiny["bert"]


def test_refresh_creates_a_missing_registry(hub, tmp_path):
    path = tmp_path / "new.json"
    report = run(hub, path, ["gpt2"])
    assert report.written and report.changed == ["gpt2"]
    assert "### Types added" in render_summary(report)
    load_registry(path).validate_all()


def test_dry_run_writes_nothing_but_reports(hub, registry, cli_env, tmp_path, capsys):
    before = registry.read_bytes()
    summary = tmp_path / "summary.md"
    assert find(registry, "--update-registry", "--model-type", "bert", "--dry-run", "--summary", str(summary)) == 0
    assert registry.read_bytes() == before
    text = summary.read_text()
    assert "Dry run" in text and "`old/bert-gone`" in text
    assert text in capsys.readouterr().out


# --- the summary -------------------------------------------------------------------------------


def test_summary_reports_defaults_candidates_sizes_and_failures(hub, tmp_path):
    data = registry_dict(
        {
            "bert": [
                candidate_row("old/bert-default", "bert", size_mb=300.0),
                candidate_row("google-bert/bert-base-uncased", "bert", size_mb=400.0),
            ],
            "vit": [candidate_row("google/vit-base-patch16-224", "vit")],  # the Hub lists no vit here
        }
    )
    path = write_registry(tmp_path / "r.json", data)
    text = render_summary(run(hub, path, ["bert", "vit", "gpt2"]))
    assert "### Types added" in text and "`gpt2` | `openai-community/gpt2` | 548.1 MB" in text
    assert "### Defaults changed" in text
    assert "`old/bert-default` (300.0 MB) | `google-bert/bert-base-uncased` (440.4 MB)" in text
    assert "### Candidates added, kept unseen and dropped" in text and "`old/bert-default`" in text
    assert "| `bert` | `google-bert/bert-base-uncased` | 400.0 MB | 440.4 MB | +10% |" in text
    assert "### Failures (old entries kept)" in text and "| `vit` |" in text
    assert "no changes" not in text.lower()


def test_summary_cells_cannot_break_the_table():
    assert markdown_cell("a | b\n| c") == "a \\| b \\| c"
    assert len(markdown_cell("x" * 1000)) == 240


# --- faults ------------------------------------------------------------------------------------


def _vanish_during_model_info(hub, model_id):
    """Remove `model_id` once its model_info request has arrived (the answer is held back 1 s)."""
    hub.delay(f"/api/models/{model_id}", 1.0, times=1)

    def remove_when_asked():
        deadline = time.monotonic() + 10
        while not hub.requests(f"/api/models/{model_id}") and time.monotonic() < deadline:
            time.sleep(0.01)
        hub.remove_model(model_id)

    threading.Thread(target=remove_when_asked, daemon=True).start()


def _crash_on_rename(monkeypatch, seen):
    def boom(src, dst):
        seen.append(Path(src).exists())  # the temporary file is there when the "crash" happens
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)


def _small_pages(hub, patch, seen):
    hub.page_size = 2


def _rate_limited(retry_after, times):
    return lambda hub, patch, seen: hub.fail("/api/models", 429, headers={"Retry-After": retry_after}, times=times)


def _server_error(times):
    return lambda hub, patch, seen: hub.fail("/api/models", 500, times=times)


def _slow(hub, patch, seen):
    hub.delay("/api/models", 5, times=2)


def _malformed(hub, patch, seen):
    hub.malformed("/api/models")


def _no_bert_left(hub, patch, seen):
    for model_id in hub.model_ids():
        if "gpt2" not in model_id:
            hub.remove_model(model_id)


# name, how to inject it, times, types expected to fail ("crash": the write itself fails)
FAULTS = [
    ("pagination (page size 2, 4 pages for bert)", _small_pages, "-", set()),
    ("429 Retry-After: 0 (waited out)", _rate_limited("0", 1), 1, set()),
    ("429 Retry-After: 120 (beyond deadline)", _rate_limited("120", None), "always", {"bert", "gpt2"}),
    ("500 once (retried)", _server_error(1), 1, set()),
    ("500 always", _server_error(None), "always", {"bert", "gpt2"}),
    ("timeout (answer after 5 s, deadline 0.5 s)", _slow, 2, {"bert", "gpt2"}),
    ("malformed JSON on the first list", _malformed, 1, {"bert"}),
    ("tag returns nothing (bert models gone)", _no_bert_left, "-", {"bert"}),
    ("model vanishes between list and model_info", lambda h, p, s: _vanish_during_model_info(h, VANISHING), 1, set()),
    ("crash while writing (os.replace fails)", lambda h, p, s: _crash_on_rename(p, s), 1, "crash"),
]


@pytest.mark.parametrize(("fault", "inject", "times", "expected_failures"), FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_leaves_the_registry_intact(hub, registry, monkeypatch, fault, inject, times, expected_failures):
    hub.add_model(hub_record(VANISHING, "bert", downloads=10**9, likes=10**5))  # needs model_info
    for n in range(3):
        hub.add_model(
            hub_record(
                f"acme/bert-extra-{n}",
                "bert",
                downloads=10 + n,
                safetensors={"parameters": {"F32": 10**6}, "total": 10**6},
            )
        )
    before_bytes, before = registry.read_bytes(), types_of(registry)
    seen: list[bool] = []
    with monkeypatch.context() as patch:
        inject(hub, patch, seen)
        try:
            report = run(hub, registry, ["bert", "gpt2"], api_deadline_s=0.5 if "timeout" in fault else 3.0)
            failed = {o.model_type for o in report.failures}
        except RegistryError:
            report, failed = None, "crash"
    after = types_of(registry)
    intact = not leftovers(registry.parent)
    load_registry(registry).validate_all()  # still a valid registry
    lost = [t for t in before if t not in after] + [
        t for t in (failed if failed != "crash" else before) if after.get(t) != before.get(t)
    ]
    print(f"FAULT | {fault} | {times} | {'yes' if intact and not lost else 'no'} | {len(lost)}")
    assert failed == expected_failures
    assert intact and not lost
    if report is None or not report.changed:
        assert registry.read_bytes() == before_bytes  # nothing refreshed: byte-identical
    if failed == "crash":
        assert seen == [True]
    if "vanishes" in fault:
        ids = [row["id"] for row in after["bert"]["candidates"]]
        assert VANISHING not in ids and report.outcomes[0].notes
    if "pagination" in fault:
        assert list_requests(hub) == 4 + 1  # bert: 8 models (one a test repo) in pages of 2; gpt2: 1 page
        assert len(after["bert"]["candidates"]) == 7


def test_429_retry_after_is_honoured(hub, registry):
    hub.fail("/api/models", 429, headers={"Retry-After": "0"})
    started = time.monotonic()
    report = run(hub, registry, ["bert"])
    assert time.monotonic() - started < 5  # Retry-After: 0 is waited out at once, by our own loop
    assert not report.failures and list_requests(hub) == 2


def test_pages_read_deeper_and_keep_the_best_limit(hub, registry):
    hub.page_size = 2
    for n in range(6):
        hub.add_model(
            hub_record(
                f"acme/bert-{n}", "bert", downloads=n, safetensors={"parameters": {"F32": 10**6}, "total": 10**6}
            )
        )
    run(hub, registry, ["bert"], options=RefreshOptions(request_delay_s=0, limit=2, pages=3))
    assert list_requests(hub) == 3  # 6 models asked, pages of 2
    rows = types_of(registry)["bert"]["candidates"]
    # the best 2 listed, then the old candidate this full answer did not reach, kept unseen
    assert len(rows) == 3 and [row.get("unseen_refreshes") for row in rows] == [None, None, 1]


def test_crash_while_writing_keeps_old_file_and_no_temp_file(hub, registry, monkeypatch):
    before = registry.read_bytes()
    seen: list[bool] = []
    with monkeypatch.context() as patch:
        _crash_on_rename(patch, seen)
        with pytest.raises(RegistryError, match="could not be written"):
            run(hub, registry, ["bert"])
    assert seen == [True]
    assert registry.read_bytes() == before and leftovers(registry.parent) == []


def test_a_corrupt_registry_stops_the_refresh_before_any_request(hub, tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"schema_version": 1, "updated": ')
    with pytest.raises(RegistryError):
        run(hub, path, ["bert"])
    assert path.read_text() == '{"schema_version": 1, "updated": ' and hub.count("/api") == 0


def test_two_refreshes_at_once_both_land(hub, hub_env, registry, tmp_path):
    """Two processes read the same old file; the lock and the re-read keep both updates."""
    hub.delay("/api/models", 2.0, times=2)  # both list answers come late: both have read the old file
    env = {**hub_env, "HF_TESTGEN_BENCHMARKS": str(tmp_path / "none.json"), "HF_TESTGEN_API_DEADLINE": "10"}
    command = [
        sys.executable,
        "find_models.py",
        "--update-registry",
        "--registry",
        str(registry),
        "--request-delay",
        "0",
    ]
    processes = [
        subprocess.Popen(
            [*command, "--model-type", t], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for t in ("bert", "gpt2")
    ]
    results = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], results
    after = types_of(registry)
    assert {row["id"] for row in after["bert"]["candidates"]} == set(BERT_IDS)
    assert after["gpt2"]["refreshed_from"] == hub.url and after["bert"]["refreshed_from"] == hub.url
    assert after["t5"]["refreshed_from"] == "tests"
    load_registry(registry).validate_all()
    assert "[1/1] bert:" in results[0][1]  # plain progress lines when stderr is not a terminal


# --- the command: exit codes, flags, environment -----------------------------------------------


def test_all_types_failing_leaves_the_file_byte_identical_and_exits_1(hub, registry, cli_env, capsys):
    hub.fail("/api/models", 500, times=None)
    before, mtime = registry.read_bytes(), registry.stat().st_mtime_ns
    assert find(registry, "--update-registry", "--model-type", "bert", "--model-type", "gpt2") == 1
    assert registry.read_bytes() == before and registry.stat().st_mtime_ns == mtime
    assert "2 model type(s) failed to refresh: bert, gpt2" in capsys.readouterr().err


def test_some_types_failing_exits_1_and_lists_them(hub, registry, cli_env, capsys):
    hub.malformed("/api/models")  # the first type asked (gpt2) gets a broken answer
    before = types_of(registry)
    assert find(registry, "--update-registry", "--model-type", "gpt2", "--model-type", "bert") == 1
    out, err = capsys.readouterr()
    assert "failed to refresh: gpt2" in err and "| `gpt2` |" in out
    after = types_of(registry)
    assert after["gpt2"] == before["gpt2"] and after["bert"] != before["bert"]


def test_refresh_exits_0_and_runs_despite_ci_and_static_registry(hub, registry, cli_env):
    cli_env.setenv("CI", "true")
    cli_env.setenv("USE_STATIC_REGISTRY", "true")
    assert find(registry, "--update-registry", "--model-type", "bert") == 0
    assert list_requests(hub) == 1


def test_hub_offline_stops_the_refresh(hub, registry, cli_env, capsys):
    cli_env.setenv("HF_HUB_OFFLINE", "1")
    before = registry.read_bytes()
    assert find(registry, "--update-registry", "--model-type", "bert") == 1
    assert "HF_HUB_OFFLINE" in capsys.readouterr().err
    assert registry.read_bytes() == before and hub.count("/api") == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--update-registry"],
        ["--update-registry", "--all", "--model-type", "bert"],
        ["--update-registry", "--model-type", "bert", "--task", "fill-mask"],
        ["--update-registry", "--model-type", "no-such-type-at-all"],
        ["--update-registry", "--model-type", "bert", "--request-delay", "-1"],
        ["--update-registry", "--model-type", "bert", "--pages", "0"],
        ["--verify-registry", "--dry-run"],
    ],
)
def test_bad_usage_exits_2_before_any_request(hub, registry, cli_env, args):
    assert find(registry, *args) == 2
    assert hub.count("/api") == 0


def test_if_stale_skips_a_fresh_registry(hub, tmp_path, cli_env, capsys):
    recent = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row("x/y", "bert")]}, updated=recent))
    assert find(path, "--update-registry", "--model-type", "bert", "--if-stale") == 0
    assert "not stale" in capsys.readouterr().out and hub.count("/api") == 0


def test_if_stale_refreshes_an_old_registry(hub, tmp_path, cli_env):
    old = (datetime.now(timezone.utc) - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row("x/y", "bert")]}, updated=old))
    assert find(path, "--update-registry", "--model-type", "bert", "--if-stale") == 0
    assert list_requests(hub) == 1


@pytest.mark.parametrize("flags", [["--dry-run"], ["--all"], ["--summary", "x.md"], ["--pages", "2"]])
def test_refresh_flags_alone_belong_to_the_refresh_body(flags):
    """So that cli.py can route them there and get a usage error instead of silently ignoring them."""
    parser = argparse.ArgumentParser()
    cli_refresh.add_refresh_args(parser)
    assert cli_refresh.wants_refresh_body(parser.parse_args(flags))
    assert not cli_refresh.wants_refresh_body(parser.parse_args([]))


def test_bare_verify_means_verify_registry(hub, registry, cli_env, capsys):
    """`--update-registry --verify` works once cli.py gives --verify nargs="?" (const VERIFY_REGISTRY)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-type", action="append")
    parser.add_argument("--task")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--verify", nargs="?", const=cli_refresh.VERIFY_REGISTRY)
    cli_refresh.add_refresh_args(parser)
    args = parser.parse_args(["--update-registry", "--verify", "--model-type", "bert", "--request-delay", "0"])
    assert cli_refresh.wants_refresh_body(args)
    settings = settings_for(hub.url, registry)
    assert cli_refresh.refresh_main_body(parser, args, settings) == 0
    assert "### Verification of defaults and tiny models" in capsys.readouterr().out
    assert parser.parse_args(["--verify", "org/model"]).verify == "org/model"


def test_all_covers_registry_and_task_map_types():
    types = refresh.resolve_model_types(None, frozenset({"zz-custom"}), every=True)
    assert "zz-custom" in types and "bert" in types and "gpt2" in types
    assert types.index("t5") < types.index("zz-custom")


# --- verification ------------------------------------------------------------------------------


def test_verify_registry_passes_when_defaults_and_tiny_models_are_usable(hub, tmp_path, cli_env, capsys):
    tiny = {"bert": {"id": "hf-internal-testing/tiny-random-BertModel", "source": "test"}}
    path = write_registry(
        tmp_path / "r.json",
        registry_dict({"bert": [candidate_row("google-bert/bert-base-uncased", "bert")]}, tiny=tiny),
    )
    assert find(path, "--verify-registry") == 0
    assert "All 2 models checked are usable" in capsys.readouterr().out


def test_verify_registry_lists_every_unusable_model_and_exits_1(hub, tmp_path, cli_env, capsys):
    hub.add_model(fixture_records()["meta-llama/Llama-3.1-8B-Instruct"])
    tiny = {"llama": {"id": "hf-internal-testing/tiny-random-LlamaForCausalLM", "source": "test"}}
    data = registry_dict(
        {
            "llama": [candidate_row("meta-llama/Llama-3.1-8B-Instruct", "llama")],
            "bert": [candidate_row("google-bert/bert-base-uncased", "bert")],
        },
        tiny=tiny,
    )
    path = write_registry(tmp_path / "r.json", data)
    assert find(path, "--verify-registry") == 1
    out, err = capsys.readouterr()
    assert "meta-llama/Llama-3.1-8B-Instruct (llama default)" in err
    assert "hf-internal-testing/tiny-random-LlamaForCausalLM (llama tiny)" in err
    assert "gated" in out and "does not exist" in out
    assert "google-bert/bert-base-uncased (bert" not in err


def test_update_and_verify_together_check_the_refreshed_entries(hub, registry, cli_env, capsys):
    assert find(registry, "--update-registry", "--verify-registry", "--model-type", "bert") == 0
    out = capsys.readouterr().out
    assert "### Verification of defaults and tiny models" in out and "All 2 models checked are usable" in out


# --- pacing and progress -------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_request_budget_never_exceeds_its_window():
    clock = FakeClock()
    budget = RequestBudget(5, 10.0, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(12):
        budget.wait_for(1)
        budget.record(1)
        sent.append(clock.now)
    assert all(sum(1 for s in sent if t - 10.0 < s <= t) <= 5 for t in sent)
    assert clock.now >= 20.0 and budget.total == 12  # 12 requests at 5 per 10 s need two full windows


def test_request_budget_waits_for_room_for_a_whole_call():
    clock = FakeClock()
    budget = RequestBudget(4, 10.0, clock=clock, sleep=clock.sleep)
    budget.record(3)
    assert budget.wait_for(1) == 0.0
    assert budget.wait_for(2) == pytest.approx(10.0)


def test_progress_prints_plain_lines_off_a_terminal():
    stream = io.StringIO()
    with Progress(2, stream=stream) as progress:
        progress.step("bert", "3 candidates")
        progress.step("gpt2", "failed: 500")
    assert stream.getvalue() == "[1/2] bert: 3 candidates\n[2/2] gpt2: failed: 500\n"


def test_progress_draws_a_bar_on_a_terminal():
    stream = io.StringIO()
    with Progress(2, stream=stream, bar=True, description="refresh") as progress:
        progress.step("bert", "ok")
        progress.step("gpt2", "ok")
    assert "2/2" in stream.getvalue() and "[1/2]" not in stream.getvalue()


def test_hub_unavailable_is_our_error_for_offline(tmp_path):
    settings = settings_for("http://127.0.0.1:9", tmp_path / "r.json").with_overrides(hub_offline=True)
    with pytest.raises(HubUnavailableError) as err:
        refresh_registry(tmp_path / "r.json", ["bert"], settings=settings, options=FAST)
    assert err.value.reason == "offline"
