"""The Hub level against a real HTTP server on 127.0.0.1: one request, deadlines and every error path."""

from __future__ import annotations

import dataclasses
import time

import pytest
from factories import fixture_records, hub_record, settings_for

from hf_testgen.core.errors import HubUnavailableError
from hf_testgen.core.records import ModelCandidate
from hf_testgen.hub import client as hub


@pytest.fixture
def bert_hub(local_hub):
    records = fixture_records()
    local_hub.add_model(records["google-bert/bert-base-uncased"])
    local_hub.add_model(records["dbmdz/bert-large-cased-finetuned-conll03-english"])
    local_hub.add_model(records["sentence-transformers/all-MiniLM-L6-v2"])
    return local_hub


def test_one_list_request_gives_candidates_with_exact_sizes(bert_hub, tmp_path):
    candidates = hub.fetch_candidates(
        "bert", task="fill-mask", settings=settings_for(bert_hub.url, tmp_path / "r.json")
    )
    assert [c.model_id for c in candidates] == ["google-bert/bert-base-uncased"]
    bert = candidates[0]
    assert bert.sha == "86b5e0934494bd15c9632b12f734a8a67f723594"
    assert bert.size.method == "safetensors" and bert.size.exact
    assert bert.size.bytes == 110_106_428 * 4
    assert "pytorch" in bert.frameworks
    assert bert_hub.count("/api/models") == 1
    (method, path, query) = bert_hub.requests("/api/models")[0]
    assert "filter=bert" in query and "pipeline_tag=fill-mask" in query and "sort=downloads" in query
    assert "expand=safetensors" in query and "expand=trendingScore" in query


def test_candidates_come_sorted_by_downloads(bert_hub, tmp_path):
    candidates = hub.fetch_candidates("bert", settings=settings_for(bert_hub.url, tmp_path / "r.json"))
    downloads = [c.downloads for c in candidates]
    assert downloads == sorted(downloads, reverse=True) and len(candidates) == 3


def test_every_expand_property_is_official_and_maps_to_a_candidate_field():
    official = set(hub.expand_properties())
    fields = {f.name for f in dataclasses.fields(ModelCandidate)}
    assert set(hub.LIST_EXPAND) <= official
    assert set(hub.LIST_EXPAND) == set(hub.EXPAND_TO_FIELD)
    assert set(hub.EXPAND_TO_FIELD.values()) <= fields


def test_429_with_retry_after_past_the_deadline_fails_fast(bert_hub, tmp_path):
    bert_hub.fail("/api/models", 429, headers={"Retry-After": "120"}, times=None)
    started = time.monotonic()
    with pytest.raises(HubUnavailableError) as err:
        hub.fetch_candidates("bert", settings=settings_for(bert_hub.url, tmp_path / "r.json"))
    assert err.value.reason == "rate_limited"
    assert "120" in str(err.value)
    assert time.monotonic() - started < 2.0  # did not sit out huggingface_hub's own ~23 s of retries
    assert bert_hub.count("/api/models") == 1


def test_429_with_a_short_retry_after_is_waited_out(bert_hub, tmp_path):
    bert_hub.fail("/api/models", 429, headers={"Retry-After": "0"}, times=1)
    candidates = hub.fetch_candidates("bert", settings=settings_for(bert_hub.url, tmp_path / "r.json"))
    assert len(candidates) == 3
    assert bert_hub.count("/api/models") == 2


def test_server_errors_stop_after_the_try_budget(bert_hub, tmp_path):
    bert_hub.fail("/api/models", 500, times=None)
    settings = settings_for(bert_hub.url, tmp_path / "r.json", api_max_tries=1)
    with pytest.raises(HubUnavailableError) as err:
        hub.fetch_candidates("bert", settings=settings)
    assert err.value.reason == "server_error"
    assert bert_hub.count("/api/models") == 1


def test_one_server_error_then_success_is_retried(bert_hub, tmp_path):
    bert_hub.fail("/api/models", 503, times=1)
    candidates = hub.fetch_candidates("bert", settings=settings_for(bert_hub.url, tmp_path / "r.json"))
    assert len(candidates) == 3


def test_a_hanging_server_hits_the_deadline(bert_hub, tmp_path):
    bert_hub.delay("/api/models", 5, times=None)
    settings = settings_for(bert_hub.url, tmp_path / "r.json", api_deadline_s=0.5)
    started = time.monotonic()
    with pytest.raises(HubUnavailableError) as err:
        hub.fetch_candidates("bert", settings=settings)
    assert err.value.reason == "timeout"
    assert time.monotonic() - started < 3.0


def test_malformed_json_is_a_bad_response(bert_hub, tmp_path):
    bert_hub.malformed("/api/models", times=1)
    with pytest.raises(HubUnavailableError) as err:
        hub.fetch_candidates("bert", settings=settings_for(bert_hub.url, tmp_path / "r.json"))
    assert err.value.reason == "bad_response"


def test_model_info_404_is_not_found(local_hub, tmp_path):
    with pytest.raises(HubUnavailableError) as err:
        hub.fetch_model("nobody/nothing", settings=settings_for(local_hub.url, tmp_path / "r.json"))
    assert err.value.reason == "not_found"


def test_model_info_gives_exact_file_sizes(local_hub, tmp_path):
    local_hub.add_model(hub_record("org/no-safetensors", "bert", siblings=[{"rfilename": "pytorch_model.bin"}]))
    local_hub.add_file("org/no-safetensors", "pytorch_model.bin", b"x" * 1234)
    candidate = hub.fetch_model("org/no-safetensors", settings=settings_for(local_hub.url, tmp_path / "r.json"))
    assert candidate.size.method == "weight_files"
    assert candidate.size.bytes == 1234


def test_an_unreachable_hub_is_given_up_after_one_try(tmp_path, caplog):
    settings = settings_for("http://127.0.0.1:9", tmp_path / "r.json", api_deadline_s=10.0, api_max_tries=3)
    started = time.monotonic()
    with pytest.raises(HubUnavailableError) as err:
        hub.fetch_candidates("bert", settings=settings)
    assert err.value.reason == "offline"
    assert "could not be reached" in str(err.value)
    # one back-off sleep of huggingface_hub (1 s) at most, not its five retries
    assert time.monotonic() - started < 2.5
    assert not [r for r in caplog.records if "Retrying" in r.getMessage()]


def test_server_side_filters_ask_for_what_can_be_used(local_hub, tmp_path):
    """Non-gated only, and a num_parameters bound from the size limit: what cannot fit is not sent."""
    records = fixture_records()
    for model_id in ("meta-llama/Llama-3.1-8B-Instruct", "HuggingFaceH4/zephyr-7b-beta", "openai-community/gpt2"):
        record = dict(records[model_id])
        record["config"] = {**record["config"], "model_type": "llama"}
        record["tags"] = [*record.get("tags", []), "llama"]
        local_hub.add_model(record)
    settings = settings_for(local_hub.url, tmp_path / "r.json")
    ids = [c.model_id for c in hub.fetch_candidates("llama", settings=settings, gated=False, max_size_mb=1_000)]
    assert ids == ["openai-community/gpt2"]  # the gated 8B and the 7B are filtered by the server
    query = local_hub.requests("/api/models")[-1][2]
    assert "gated=false" in query and "num_parameters=min%3A0%2Cmax%3A500M" in query
    every = hub.fetch_candidates("llama", settings=settings)
    assert len(every) == 3 and "gated=" not in local_hub.requests("/api/models")[-1][2]


@pytest.mark.parametrize(
    ("limit_mb", "bound"), [(1_000, "min:0,max:500M"), (30_000, "min:0,max:15B"), (1, "min:0,max:1M")]
)
def test_num_parameters_bound_admits_every_16_bit_model_that_fits(limit_mb, bound):
    assert hub.num_parameters_filter(limit_mb) == bound
    assert hub.num_parameters_filter(None) is None
