"""Issue 15, the Hub's side: hostile servers against the real huggingface_hub client (deadlines
that cover the header phase, a size cap, pagination and redirects counted and loop-checked), and
the refresh that merges instead of replacing. Each test failed before its fix; the table, with
before and after, is docs/faults_hub.md. Deadlines are 1-2 s; byte-level hostile servers are
`hostile_hub.HostileHub`, Hub-shaped ones `hubserver.LocalHub`."""

from __future__ import annotations

import json
import time
import tracemalloc

import hostile_hub as hostile
import pytest
from factories import settings_for

from hf_testgen import hub, hub_http
from hf_testgen.errors import HubUnavailableError
from hf_testgen.progress import RequestBudget
from hf_testgen.refresh import RefreshOptions, refresh_registry
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
    err = list_error(local_hub.url, tmp_path, api_deadline_s=2.0)
    assert err.reason == "rate_limited" and time.monotonic() - started < 1.5
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
