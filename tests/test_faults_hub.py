"""Issue 15, the Hub's side: hostile servers against the real huggingface_hub client (deadlines
that cover the header phase, a size cap, pagination and redirects counted and loop-checked), and
the refresh that merges instead of replacing. Each test failed before its fix; the table, with
before and after, is docs/faults_hub.md. Deadlines are 1-2 s; byte-level hostile servers are
`hostile_hub.HostileHub`, Hub-shaped ones `hubserver.LocalHub`."""

from __future__ import annotations

import json
import time
import tracemalloc
from datetime import datetime, timedelta, timezone

import hostile_hub as hostile
import pytest
from factories import candidate_row, hub_record, registry_dict, settings_for, write_registry

from hf_testgen.core.errors import HubUnavailableError
from hf_testgen.core.progress import RequestBudget
from hf_testgen.hub import client as hub
from hf_testgen.hub import http as hub_http
from hf_testgen.refresh.job import RefreshOptions, refresh_registry
from hf_testgen.refresh.summary import render_summary
from hf_testgen.registry.merge import MAX_UNSEEN_REFRESHES
from hf_testgen.testing import loading
from hf_testgen.testing.settings import RuntimeSettings, Target

ROW = {"id": "acme/bert-x", "downloads": 5, "tags": ["bert"], "lastModified": "2025-01-01T00:00:00.000Z"}
ROWS = json.dumps([ROW]).encode()
FAST = RefreshOptions(request_delay_s=0.0)
TOKEN = "hf_" + "a" * 34


@pytest.fixture(autouse=True)
def _client_ready():
    """huggingface_hub imported and its client built before any test measures a wait."""
    hub_http.install_hooks()


def list_error(url, tmp_path, **changes) -> HubUnavailableError:
    """What `fetch_candidates` raises against the Hub at `url` (fails the test when nothing is)."""
    settings = settings_for(url, tmp_path / "r.json", **changes)
    with pytest.raises(HubUnavailableError) as err:
        hub.fetch_candidates("bert", settings=settings)
    assert "\n" not in str(err.value)
    return err.value


def refresh_outcome(url, tmp_path, *, max_requests=450, **changes):
    """(the one outcome, requests counted) of refreshing bert from the Hub at `url`."""
    settings = settings_for(url, tmp_path / "r.json", **changes)
    budget = RequestBudget(max_requests)
    report = refresh_registry(tmp_path / "r.json", ["bert"], settings=settings, options=FAST, budget=budget)
    return report.outcomes[0], budget.total


# --- cause 6: the deadline covers connect, headers and body; a size cap; counted pages ---------


def test_headers_one_byte_at_a_time_stop_at_the_selection_deadline(tmp_path):
    with hostile.HostileHub().on("/api/models", hostile.slow_headers(ROWS, 0.2)) as server:
        started = time.monotonic()
        err = list_error(server.url, tmp_path, api_deadline_s=1.0)
        elapsed = time.monotonic() - started
    assert err.reason == "timeout" and "1 s deadline" in str(err)
    assert elapsed < 4.0  # the ~250 header bytes take 50 s


def test_the_refresh_with_trickled_headers_stops_at_its_deadline(tmp_path):
    with hostile.HostileHub().on("/api/models", hostile.slow_headers(ROWS, 0.2)) as server:
        started = time.monotonic()
        outcome, _ = refresh_outcome(server.url, tmp_path, api_deadline_s=1.5)
        elapsed = time.monotonic() - started
    assert outcome.failure and "(timeout)" in outcome.failure
    assert elapsed < 4.5


def test_the_plugin_probe_with_trickled_headers_stops_at_its_bound(monkeypatch):
    monkeypatch.setattr(loading, "PROBE_TIMEOUT_S", 1.0)
    monkeypatch.setattr(loading, "_UNREACHABLE", {})
    target = Target("bert", "fill-mask", "acme/bert-x", None, None, "acme/bert-x")
    with hostile.HostileHub().on("/api/models", hostile.slow_headers(b"{}", 0.2)) as server:
        started = time.monotonic()
        reason = loading.hub_access(target, RuntimeSettings(endpoint=server.url))
        elapsed = time.monotonic() - started
    assert reason is not None and "did not answer within 1 s" in reason
    assert elapsed < 4.0


def test_own_a_5xx_to_the_probe_is_this_answer_not_an_unreachable_hub(monkeypatch, local_hub):
    monkeypatch.setattr(loading, "_UNREACHABLE", {})
    local_hub.fail("/api/models", 503, times=1)
    target = Target("bert", "fill-mask", "acme/bert-x", None, None, "acme/bert-x")
    reason = loading.hub_access(target, RuntimeSettings(endpoint=local_hub.url))
    assert reason is not None and "answered" in reason and "503" in reason
    assert loading._UNREACHABLE == {}  # the next file asks again rather than going cache-only

def test_an_endless_body_stops_at_the_size_cap(tmp_path):
    with hostile.HostileHub().on("/api/models", hostile.endless_body) as server:
        err = list_error(server.url, tmp_path, api_deadline_s=2.0)
        sent = server.sent_bytes
    assert err.reason == "bad_response" and "cap" in str(err)
    assert sent < 2 * hub_http.MAX_RESPONSE_BYTES  # the reader stopped, not the deadline


def test_a_big_valid_answer_with_its_length_is_refused_before_reading(tmp_path):
    script = hostile.big_list(100 * 1024 * 1024, declare_length=True)
    with hostile.HostileHub().on("/api/models", script) as server:
        err = list_error(server.url, tmp_path, api_deadline_s=2.0)
        sent = server.sent_bytes
    assert err.reason == "bad_response" and "over the 33.5544 MB cap" in str(err)
    assert sent < 20 * 1024 * 1024


def test_a_big_valid_answer_without_a_length_stops_at_the_cap(tmp_path):
    script = hostile.big_list(100 * 1024 * 1024, declare_length=False)
    with hostile.HostileHub().on("/api/models", script) as server:
        err = list_error(server.url, tmp_path, api_deadline_s=2.0)
    assert err.reason == "bad_response" and "passed the 33.5544 MB cap" in str(err)


def _self_link(target):
    yield hostile.head("200 OK", {"Content-Type": "application/json", "Content-Length": str(len(ROWS)),
                                  "Link": f'<{_self_link.url}{target}>; rel="next"'}) + ROWS  # fmt: skip


def test_a_next_link_to_itself_is_a_loop_not_114_requests(tmp_path):
    with hostile.HostileHub().on("/api/models", _self_link) as server:
        _self_link.url = server.url
        outcome, counted = refresh_outcome(server.url, tmp_path, max_requests=5, api_deadline_s=2.0)
        asked = len(server.targets)
    assert outcome.failure and "asked for twice" in outcome.failure
    assert asked == 1 and counted == 1  # the repeat is refused before it is sent


def _endless_pages(target):
    cursor = int(target.rsplit("cursor=", 1)[1]) + 1 if "cursor=" in target else 1
    link = f'<{_endless_pages.url}/api/models?filter=bert&cursor={cursor}>; rel="next"'
    yield hostile.head("200 OK", {"Content-Type": "application/json", "Content-Length": "2", "Link": link}) + b"[]"


def test_pages_that_never_end_count_against_max_requests(tmp_path):
    with hostile.HostileHub().on("/api/models", _endless_pages) as server:
        _endless_pages.url = server.url
        outcome, counted = refresh_outcome(server.url, tmp_path, max_requests=5, api_deadline_s=2.0)
        asked = len(server.targets)
    assert outcome.failure and "more than 5 requests" in outcome.failure
    assert asked == 5 and counted == 5


def _redirect_to_itself(target):
    yield hostile.head("302 Found", {"Location": target, "Content-Length": "0"})


def test_a_redirect_loop_stops_at_the_repeat(tmp_path):
    with hostile.HostileHub().on("/api/models", _redirect_to_itself) as server:
        err = list_error(server.url, tmp_path)
        asked = len(server.targets)
    assert err.reason == "bad_response" and "asked for twice" in str(err)
    assert asked == 1


# --- own attacks: hostile servers and replies ---------------------------------------------------


def test_own_a_redirect_to_another_host_is_not_followed(tmp_path):
    with hostile.HostileHub().on("/", hostile.answer(ROWS)) as evil:
        moved = hostile.answer(b"", "301 Moved Permanently", Location=f"{evil.url}/api/models")
        with hostile.HostileHub().on("/api/models", moved) as server:
            err = list_error(server.url, tmp_path, token=TOKEN)
        assert evil.targets == []
    assert err.reason == "bad_response" and "another host" in str(err)


def test_own_a_next_page_on_another_host_never_receives_the_token(tmp_path):
    with hostile.HostileHub().on("/", hostile.answer(ROWS)) as evil:
        linked = hostile.answer(ROWS, Link=f'<{evil.url}/api/models?cursor=1>; rel="next"')
        with hostile.HostileHub().on("/api/models", linked) as server:
            err = list_error(server.url, tmp_path, token=TOKEN)
        assert evil.targets == []  # huggingface_hub sends the token with every page it follows
    assert "another host" in str(err)


def test_own_429_with_retry_after_1e9_fails_at_once(local_hub, tmp_path):
    local_hub.fail("/api/models", 429, headers={"Retry-After": "1e9"}, times=None)
    started = time.monotonic()
    err = list_error(local_hub.url, tmp_path, api_deadline_s=10.0)
    assert err.reason == "rate_limited" and time.monotonic() - started < 5.0  # no wait for the deadline
    assert local_hub.count("/api/models") == 1


def test_own_a_500_storm_stays_within_max_requests(local_hub, tmp_path):
    local_hub.fail("/api/models", 500, times=None)
    outcome, counted = refresh_outcome(local_hub.url, tmp_path, max_requests=3, api_max_tries=8, api_deadline_s=20)
    assert outcome.failure and "(server_error)" in outcome.failure
    assert local_hub.count("/api/models") == 3 and counted == 3


def test_own_a_gzip_bomb_is_stopped_at_the_cap_in_bounded_memory(tmp_path):
    bomb = hostile.gzip_bomb_body(128 * 1024 * 1024)  # ~130 KB on the wire
    with hostile.HostileHub().on("/api/models", hostile.answer(bomb, Content_Encoding="gzip")) as server:
        tracemalloc.start()
        try:
            err = list_error(server.url, tmp_path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert err.reason == "bad_response" and "cap" in str(err)
    assert peak < 4 * hub_http.MAX_RESPONSE_BYTES


def test_own_a_valid_gzip_answer_still_works(tmp_path):
    import gzip

    with hostile.HostileHub().on("/api/models", hostile.answer(gzip.compress(ROWS), Content_Encoding="gzip")) as s:
        candidates = hub.fetch_candidates("bert", settings=settings_for(s.url, tmp_path / "r.json"))
    assert [c.model_id for c in candidates] == ["acme/bert-x"]


def test_own_an_encoding_not_asked_for_is_refused(tmp_path):
    with hostile.HostileHub().on("/api/models", hostile.answer(b"\x00" * 50, Content_Encoding="br")) as server:
        err = list_error(server.url, tmp_path)
    assert err.reason == "bad_response" and "'br'" in str(err)


def test_own_an_html_page_instead_of_json_is_a_bad_response(tmp_path):
    page = hostile.answer(b"<html><body>Maintenance</body></html>", Content_Type="text/html")
    with hostile.HostileHub().on("/api/models", page) as server:
        err = list_error(server.url, tmp_path)
    assert err.reason == "bad_response"


def test_own_invalid_utf8_is_a_bad_response(tmp_path):
    with hostile.HostileHub().on("/api/models", hostile.answer(b'[{"id": "acme/\xff\xfe"}]')) as server:
        err = list_error(server.url, tmp_path)
    assert err.reason == "bad_response"


def test_own_an_object_where_a_list_is_expected_is_a_bad_response(tmp_path):
    with hostile.HostileHub().on("/api/models", hostile.answer(b'{"models": [], "total": 0}')) as server:
        err = list_error(server.url, tmp_path)
    assert err.reason == "bad_response" and "list" in str(err)


def test_own_json_nested_100000_deep_is_a_bad_response(tmp_path):
    with hostile.HostileHub().on("/api/models", hostile.answer(b"[" * 100_000 + b"]" * 100_000)) as server:
        err = list_error(server.url, tmp_path)
    assert err.reason == "bad_response" and "deep" in str(err)


def test_own_a_truncated_chunked_body_is_one_bad_response(tmp_path):
    with hostile.HostileHub().on("/api/models", hostile.truncated_chunked) as server:
        err = list_error(server.url, tmp_path)
        asked = len(server.targets)
    assert err.reason == "bad_response" and "broke off" in str(err)
    assert asked == 1  # not huggingface_hub's five network retries


def test_own_a_content_length_that_lies_is_one_bad_response(tmp_path):
    with hostile.HostileHub().on("/api/models", hostile.answer(b"[{", Content_Length="500")) as server:
        err = list_error(server.url, tmp_path)
        asked = len(server.targets)
    assert err.reason == "bad_response" and asked == 1


def test_own_an_http10_answer_cut_by_close_is_a_bad_response(tmp_path):
    with hostile.HostileHub().on("/api/models", hostile.http10_cut) as server:
        err = list_error(server.url, tmp_path)
    assert err.reason == "bad_response"


def test_own_an_http10_answer_ended_by_close_is_read(tmp_path):
    with hostile.HostileHub().on("/api/models", hostile.http10_whole(ROWS)) as server:
        candidates = hub.fetch_candidates("bert", settings=settings_for(server.url, tmp_path / "r.json"))
    assert [c.model_id for c in candidates] == ["acme/bert-x"]


def test_own_a_proxy_from_the_environment_is_used_and_keeps_the_deadline(monkeypatch, tmp_path):
    from huggingface_hub import close_session

    with hostile.HostileHub().on("http://hub.invalid/api/models", hostile.slow_headers(ROWS, 0.2)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        close_session()  # the next call builds a client, hence a transport, that reads the environment
        try:
            started = time.monotonic()
            err = list_error("http://hub.invalid", tmp_path, api_deadline_s=1.0)
            elapsed = time.monotonic() - started
        finally:
            monkeypatch.delenv("HTTP_PROXY")
            close_session()
        assert proxy.targets and proxy.targets[0].startswith("http://hub.invalid/api/models?")
    assert err.reason == "timeout" and elapsed < 4.0

def test_own_a_slow_model_info_body_stops_at_the_deadline(tmp_path):
    with hostile.HostileHub().on("/api/models/", hostile.slow_headers(b'{"id": "acme/bert-x"}', 0.2)) as server:
        started = time.monotonic()
        with pytest.raises(HubUnavailableError) as err:
            hub.fetch_model("acme/bert-x", settings=settings_for(server.url, tmp_path / "r.json", api_deadline_s=1))
    assert err.value.reason == "timeout" and time.monotonic() - started < 4.0


def test_own_a_header_line_of_100_kb_is_one_bad_response(tmp_path):
    huge = hostile.answer(ROWS, X_Huge="h" * 200_000)
    with hostile.HostileHub().on("/api/models", huge) as server:
        err = list_error(server.url, tmp_path)
        asked = len(server.targets)
    assert err.reason == "bad_response" and asked == 1



def _two_step_loop(target):
    other = "/api/models/b" if not target.startswith("/api/models/b") else "/api/models?filter=bert"
    yield hostile.head("307 Temporary Redirect", {"Location": other, "Content-Length": "0"})


def test_own_a_two_step_redirect_loop_stops_at_the_repeat(tmp_path):
    with hostile.HostileHub().on("/api/models", _two_step_loop) as server:
        err = list_error(server.url, tmp_path)
        asked = len(server.targets)
    assert err.reason == "bad_response" and "asked for twice" in str(err) and asked <= 3


def _endless_header_lines(target):
    yield b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    while True:
        yield b"X-More: " + b"m" * 1000 + b"\r\n"


def test_own_endless_header_lines_are_one_bad_response(tmp_path):
    with hostile.HostileHub().on("/api/models", _endless_header_lines) as server:
        err = list_error(server.url, tmp_path)
        asked = len(server.targets)
    assert err.reason == "bad_response" and asked == 1


def test_own_a_stacked_gzip_encoding_is_refused(tmp_path):
    import gzip

    twice = gzip.compress(gzip.compress(ROWS))
    with hostile.HostileHub().on("/api/models", hostile.answer(twice, Content_Encoding="gzip, gzip")) as server:
        err = list_error(server.url, tmp_path)
    assert err.reason == "bad_response" and "gzip, gzip" in str(err)


# --- cause 4, the refresh's part: merge, never replace; dates from the Hub clamped --------------

BERT = "google-bert/bert-base-uncased"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
STAMP = "2026-11-27T12:00:00Z"
SIZED = {"safetensors": {"parameters": {"F32": 10**6}, "total": 10**6}}  # exact size: no model_info


@pytest.fixture
def short_hub(local_hub, tmp_path):
    """A registry of 19 bert candidates (the first the only fill-mask one), all on the Hub, and a
    Hub whose next list answer has only `acme/bert-new` (the issue's 19 -> 1)."""
    old = [candidate_row(BERT, "bert", pipeline_tag="fill-mask")]
    old += [candidate_row(f"acme/bert-{n}", "bert") for n in range(18)]
    for row in [*old, {"id": "acme/bert-new"}]:
        local_hub.add_model(hub_record(row["id"], "bert", downloads=10 if row["id"] == BERT else 0, **SIZED))
    local_hub.hostile_rows("/api/models", [hub_record("acme/bert-new", "bert", downloads=9, **SIZED)])
    return local_hub, write_registry(tmp_path / "r.json", registry_dict({"bert": old}))


def refresh_bert(hub_url, path, now=NOW):
    settings = settings_for(hub_url, path)
    return refresh_registry(path, ["bert"], settings=settings, options=FAST, budget=RequestBudget(), now=now)


def bert_rows(path):
    return {row["id"]: row for row in json.loads(path.read_text())["model_types"]["bert"]["candidates"]}


def test_a_shorter_hub_list_keeps_the_old_candidates_marked_unseen(short_hub):
    hub_server, path = short_hub
    report = refresh_bert(hub_server.url, path)
    rows = bert_rows(path)
    assert len(rows) == 19 + 1 and json.loads(path.read_text())["model_types"]["bert"]["default"] == "acme/bert-new"
    assert rows[BERT]["pipeline_tag"] == "fill-mask"
    assert rows[BERT]["unseen_since"] == STAMP and rows[BERT]["unseen_refreshes"] == 1
    assert "unseen_since" not in rows["acme/bert-new"] and not report.failures


def test_the_summary_reports_added_updated_kept_unseen_and_dropped(short_hub):
    hub_server, path = short_hub
    text = render_summary(refresh_bert(hub_server.url, path))
    assert "### Candidates added, kept unseen and dropped" in text
    assert "`acme/bert-new`" in text and f"`{BERT}` (since `2026-11-27`, 1x)" in text


def test_a_candidate_missed_by_4_refreshes_in_a_row_is_dropped(short_hub):
    hub_server, path = short_hub
    for week in range(MAX_UNSEEN_REFRESHES):
        hub_server.hostile_rows("/api/models", [hub_record("acme/bert-new", "bert", downloads=9, **SIZED)])
        refresh_bert(hub_server.url, path, now=NOW + timedelta(days=7 * week))
        rows = bert_rows(path)
        if week < MAX_UNSEEN_REFRESHES - 1:
            assert rows[BERT]["unseen_refreshes"] == week + 1 and rows[BERT]["unseen_since"] == STAMP
    assert BERT not in rows and list(rows) == ["acme/bert-new"]


def test_a_candidate_listed_again_loses_its_unseen_mark(short_hub):
    hub_server, path = short_hub
    refresh_bert(hub_server.url, path)
    refresh_bert(hub_server.url, path, now=NOW + timedelta(days=7))  # the real listing: every bert model
    rows = bert_rows(path)
    assert "unseen_since" not in rows[BERT] and "unseen_refreshes" not in rows[BERT]


def test_a_candidate_the_hub_says_is_gone_is_dropped_at_once(short_hub):
    hub_server, path = short_hub
    hub_server.remove_model(BERT)  # model_info: 404
    report = refresh_bert(hub_server.url, path)
    assert BERT not in bert_rows(path) and "acme/bert-0" in bert_rows(path)
    assert any("model_info says it is gone" in note for note in report.outcomes[0].notes)


def test_a_future_last_modified_from_the_hub_is_clamped_to_now(local_hub, tmp_path):
    local_hub.add_model(hub_record("acme/bert-future", "bert", lastModified="9999-12-31T00:00:00.000Z", **SIZED))
    before = datetime.now(timezone.utc)
    [candidate] = hub.fetch_candidates("bert", settings=settings_for(local_hub.url, tmp_path / "r.json"))
    assert before <= candidate.last_modified <= datetime.now(timezone.utc)


@pytest.mark.parametrize("mark", [{"unseen_refreshes": "lots"}, {"unseen_refreshes": 10**9},
                                  {"unseen_refreshes": 2, "unseen_since": "9999-12-31T00:00:00Z"}])  # fmt: skip
def test_own_a_hostile_unseen_mark_in_the_registry_is_reset(short_hub, tmp_path, mark):
    hub_server, _ = short_hub
    path = write_registry(tmp_path / "marked.json", registry_dict({"bert": [candidate_row(BERT, "bert", **mark)]}))
    refresh_bert(hub_server.url, path)
    row = bert_rows(path)[BERT]
    assert row["unseen_since"] == STAMP and row["unseen_refreshes"] in (1, 3)
