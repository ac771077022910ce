"""The fallback chain: every level, every environment variable, the filters and the ranking."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from factories import candidate_row, fixture_records, hub_record, registry_dict, settings_for, write_registry

from hf_testgen.core.config import Settings
from hf_testgen.core.errors import NoModelFitsError, UnknownModelTypeError, UnsupportedTaskError
from hf_testgen.selection.chain import SelectionRequest, select

NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)
BERT_ROWS = [
    candidate_row("google-bert/bert-base-uncased", "bert", sha="a" * 40, downloads=50_000_000,
                  pipeline_tag="fill-mask", size_mb=440.4),
    candidate_row("google-bert/bert-large-uncased", "bert", downloads=2_000_000, pipeline_tag="fill-mask",
                  size_mb=1340.0),
    candidate_row("dslim/bert-base-NER", "bert", downloads=3_000_000, pipeline_tag="token-classification"),
]  # fmt: skip


@pytest.fixture
def registry(tmp_path):
    tiny = {"bert": {"id": "hf-internal-testing/tiny-random-BertForMaskedLM", "sha": "b" * 40, "source": "test"}}
    return write_registry(tmp_path / "model_registry.json", registry_dict({"bert": BERT_ROWS}, tiny=tiny))


@pytest.fixture
def live_hub(local_hub):
    records = fixture_records()
    local_hub.add_model(records["google-bert/bert-base-uncased"])
    local_hub.add_model(records["dbmdz/bert-large-cased-finetuned-conll03-english"])
    return local_hub


def test_api_level_when_the_hub_answers(live_hub, registry):
    selection = select(SelectionRequest("bert", task="fill-mask"), settings_for(live_hub.url, registry), now=NOW)
    assert selection.source == "api"
    assert selection.model_id == "google-bert/bert-base-uncased"
    assert selection.revision == "86b5e0934494bd15c9632b12f734a8a67f723594"
    assert selection.size.exact
    assert live_hub.count("/api/models") == 1


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"USE_STATIC_REGISTRY": "true"}, "USE_STATIC_REGISTRY"),
        ({"CI": "true"}, "CI is set"),
        ({"HF_HUB_OFFLINE": "1"}, "HF_HUB_OFFLINE"),
    ],
)
def test_environment_that_forbids_the_api(live_hub, registry, env, reason):
    settings = Settings.from_env({"HF_ENDPOINT": live_hub.url, **env}).with_overrides(registry_path=registry)
    selection = select(SelectionRequest("bert"), settings, now=NOW)
    assert selection.source == "registry"
    assert live_hub.count("/api/models") == 0
    assert any(reason in note.text for note in selection.notes)


def test_force_api_calls_overrides_ci(live_hub, registry):
    env = {"HF_ENDPOINT": live_hub.url, "CI": "true", "FORCE_API_CALLS": "true"}
    settings = Settings.from_env(env).with_overrides(registry_path=registry)
    assert select(SelectionRequest("bert"), settings, now=NOW).source == "api"
    assert live_hub.count("/api/models") == 1


def test_429_with_retry_after_past_deadline_falls_back_to_registry(live_hub, registry):
    live_hub.fail("/api/models", 429, headers={"Retry-After": "3600"}, times=None)
    selection = select(SelectionRequest("bert"), settings_for(live_hub.url, registry), now=NOW)
    assert selection.source == "registry"
    assert selection.model_id == "google-bert/bert-base-uncased"
    assert any("rate_limited" in note.text for note in selection.notes)


@pytest.mark.parametrize("fault", ["500", "malformed", "timeout", "empty"])
def test_every_hub_failure_falls_back_to_registry(live_hub, registry, fault):
    if fault == "500":
        live_hub.fail("/api/models", 500, times=None)
    elif fault == "malformed":
        live_hub.malformed("/api/models", times=None)
    elif fault == "timeout":
        live_hub.delay("/api/models", 3, times=None)
    else:
        live_hub.clear()
    settings = settings_for(live_hub.url, registry, api_deadline_s=1.0, api_max_tries=1)
    selection = select(SelectionRequest("bert"), settings, now=NOW)
    assert selection.source == "registry"
    assert any(note.text.startswith("api:") for note in selection.notes)


def test_registry_level_picks_the_best_ranked_fitting_candidate(registry):
    selection = select(SelectionRequest("bert"), settings_for(None, registry, use_static_registry=True), now=NOW)
    assert selection.model_id == "google-bert/bert-base-uncased"
    assert selection.revision == "a" * 40
    reasons = {r.model_id: r.reason for r in selection.rejected}
    assert "token-classification" in reasons["dslim/bert-base-NER"]
    assert "ranked below" in reasons["google-bert/bert-large-uncased"]
    assert selection.tiny_model_id == "hf-internal-testing/tiny-random-BertForMaskedLM"


def test_the_size_limit_is_the_smaller_of_profile_and_max_size(registry):
    settings = settings_for(None, registry, use_static_registry=True)
    selection = select(SelectionRequest("bert", hardware="gpu-large", max_size_mb=500), settings, now=NOW)
    assert selection.model_id == "google-bert/bert-base-uncased"
    assert selection.size_limit_mb == 500 and selection.size_limit_label == "--max-size"
    rejected = {r.model_id: r for r in selection.rejected}
    assert rejected["google-bert/bert-large-uncased"].kind == "size"
    assert "exceeds the 500 MB limit of --max-size" in rejected["google-bert/bert-large-uncased"].reason
    profile = select(SelectionRequest("bert", hardware="cpu-small", max_size_mb=5000), settings, now=NOW)
    assert profile.size_limit_mb == 500 and profile.size_limit_label == "the cpu-small profile"


def test_a_tiny_random_checkpoint_is_never_the_selected_model(registry):
    """Under a limit only the tiny test checkpoint meets, selection says so instead of returning it."""
    settings = settings_for(None, registry, use_static_registry=True)
    with pytest.raises(NoModelFitsError) as err:
        select(SelectionRequest("bert", hardware="gpu-large", max_size_mb=100), settings, now=NOW)
    assert err.value.nearest == "google-bert/bert-base-uncased"
    assert "needs 440.4 MB" in str(err.value) and "tiny-random" not in str(err.value)


def test_the_default_limit_is_this_machine(tmp_path):
    """No --hardware and no --max-size: a model larger than this machine's memory share is never picked."""
    from hf_testgen.facts.hardware import machine_limit

    limit = machine_limit().limit_mb
    rows = [
        candidate_row("bigscience/bloom", "bloom", downloads=9_000_000, size_mb=limit * 30.0),
        candidate_row("bigscience/bloom-560m", "bloom", downloads=10_000, size_mb=1118.4),
    ]
    path = write_registry(tmp_path / "r.json", registry_dict({"bloom": rows}))
    settings = settings_for(None, path, use_static_registry=True)
    selection = select(SelectionRequest("bloom"), settings, now=NOW)
    assert selection.model_id == "bigscience/bloom-560m"
    assert selection.size_limit_mb == limit and selection.size_limit_label.startswith("this machine")
    unlimited = select(SelectionRequest("bloom", hardware="none"), settings, now=NOW)
    assert unlimited.model_id == "bigscience/bloom" and unlimited.size_limit_mb is None


@pytest.mark.parametrize(
    ("method", "passes"),
    [("safetensors", True), ("param_count", True), ("used_storage", True), ("name", False), ("size_word", False),
     ("typical", False)],
)
def test_only_an_exact_size_or_an_upper_bound_passes_a_limit(tmp_path, method, passes):
    rows = [candidate_row("org/bert-custom", "bert", pipeline_tag="fill-mask", size_mb=440.0, size_method=method)]
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": rows}))
    settings = settings_for(None, path, use_static_registry=True)
    request = SelectionRequest("bert", max_size_mb=1000)
    if passes:
        assert select(request, settings, now=NOW).model_id == "org/bert-custom"
        return
    selection = select(request, settings, now=NOW)
    assert selection.model_id != "org/bert-custom"
    reason = {r.model_id: r.reason for r in selection.rejected}["org/bert-custom"]
    assert "only estimated" in reason and method in reason


def test_an_estimate_passes_the_implicit_limit_only_within_a_quarter_of_it(tmp_path):
    """This machine's limit (no --hardware, no --max-size) lets a small estimate through, with a note;
    --strict-size and an explicit limit refuse it and say it is only estimated."""
    from hf_testgen.facts.hardware import machine_limit

    limit = machine_limit().limit_mb
    small = candidate_row("org/bert-small-guess", "bert", pipeline_tag="fill-mask", size_mb=round(limit / 5, 1),
                          size_method="name")
    large = candidate_row("org/bert-large-guess", "bert", pipeline_tag="fill-mask", size_mb=round(limit / 3, 1),
                          size_method="name", downloads=10_000_000)
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [small, large]}))
    settings = settings_for(None, path, use_static_registry=True)
    selection = select(SelectionRequest("bert"), settings, now=NOW)
    assert selection.model_id == "org/bert-small-guess"  # the more popular one is estimated above a quarter
    assert any("only estimated" in n.text and "a quarter" in n.text for n in selection.notes)
    reason = {r.model_id: r.reason for r in selection.rejected}["org/bert-large-guess"]
    assert "only estimated" in reason and "more than a quarter" in reason
    strict = select(SelectionRequest("bert", strict_size=True), settings, now=NOW)
    assert strict.model_id == "google-bert/bert-base-uncased"  # the static default, whose size is sure
    explicit = select(SelectionRequest("bert", max_size_mb=limit), settings, now=NOW)
    assert explicit.model_id == "google-bert/bert-base-uncased"


@pytest.mark.parametrize(("dtype", "fits"), [("auto", True), ("bfloat16", True), ("float32", False)])
def test_the_size_is_the_memory_at_the_load_dtype(tmp_path, dtype, fits):
    """A bf16 7B checkpoint takes 14 GB as stored (dtype auto, the default) and 28 GB in float32."""
    row = candidate_row("org/llama-7b", "llama", pipeline_tag="text-generation", size_mb=14_000.0,
                        size_method="safetensors", dtype="bfloat16")
    path = write_registry(tmp_path / "r.json", registry_dict({"llama": [row]}))
    settings = settings_for(None, path, use_static_registry=True)
    request = SelectionRequest("llama", max_size_mb=20_000, dtype=dtype)
    if not fits:
        selection = select(request, settings, now=NOW)
        assert selection.model_id != "org/llama-7b"
        assert "28,000 MB (exact) exceeds" in {r.model_id: r.reason for r in selection.rejected}["org/llama-7b"]
        return
    selection = select(request, settings, now=NOW)
    assert selection.model_id == "org/llama-7b"
    assert (selection.size.mb, selection.size.dtype, selection.load_dtype) == (14_000.0, "bfloat16", dtype)


def test_size_step_down_goes_large_to_base_before_tiny(tmp_path):
    rows = [
        candidate_row("google/flan-t5-large", "t5", downloads=9_000_000, size_mb=3132.6,
                      pipeline_tag="text2text-generation"),
        candidate_row("google/flan-t5-base", "t5", downloads=100, size_mb=990.0, pipeline_tag="summarization"),
    ]
    path = write_registry(tmp_path / "r.json", registry_dict({"t5": rows}))
    settings = settings_for(None, path, use_static_registry=True)
    selection = select(SelectionRequest("t5", task="summarization", max_size_mb=1000), settings, now=NOW)
    assert selection.model_id == "google/flan-t5-base"
    selection = select(SelectionRequest("t5", task="summarization", max_size_mb=300), settings, now=NOW)
    assert selection.source == "size-fallback"
    assert selection.model_id == "google-t5/t5-small"  # the static default: known to exist, never invented
    with pytest.raises(NoModelFitsError) as err:
        select(SelectionRequest("t5", task="summarization", max_size_mb=100), settings, now=NOW)
    assert err.value.nearest == "google-t5/t5-small"


def test_no_known_model_fits_names_the_nearest(registry):
    settings = settings_for(None, registry, use_static_registry=True)
    with pytest.raises(NoModelFitsError) as err:
        select(SelectionRequest("bert", max_size_mb=1), settings, now=NOW)
    assert err.value.constraint == "size"
    assert err.value.nearest == "google-bert/bert-base-uncased"
    assert "MB" in str(err.value)


def test_a_corrupt_registry_warns_once_and_falls_to_the_static_default(tmp_path):
    path = tmp_path / "model_registry.json"
    path.write_text('{"schema_version": 1, "updated": ')
    before = path.read_bytes()
    selection = select(SelectionRequest("bert"), settings_for(None, path, use_static_registry=True), now=NOW)
    assert selection.source == "static-default"
    assert selection.model_id == "google-bert/bert-base-uncased"
    warnings = [n for n in selection.notes if n.severity == "warning"]
    assert len(warnings) == 1 and str(path) in warnings[0].text and "not valid JSON" in warnings[0].text
    assert path.read_bytes() == before  # no read path rewrites the file


def test_an_invalid_entry_is_reported_with_its_place(tmp_path):
    data = registry_dict({"bert": [{"id": 'evil"; import os'}]})
    path = write_registry(tmp_path / "r.json", data)
    selection = select(SelectionRequest("bert"), settings_for(None, path, use_static_registry=True), now=NOW)
    assert selection.source == "static-default"
    assert any("model_types.bert.candidates[0]" in n.text for n in selection.notes)


def test_a_stale_registry_warns(registry):
    settings = settings_for(None, registry, use_static_registry=True, max_registry_age_days=7)
    selection = select(SelectionRequest("bert"), settings, now=NOW)
    assert any("days old" in n.text and "MAX_REGISTRY_AGE_DAYS=7" in n.text for n in selection.notes)
    fresh = select(SelectionRequest("bert"), settings_for(None, registry, use_static_registry=True), now=NOW)
    assert not any("days old" in n.text for n in fresh.notes)


def test_gated_models_are_rejected_unless_allowed(tmp_path):
    rows = [
        candidate_row("meta-llama/Llama-3.1-8B-Instruct", "llama", gated=True, downloads=9_000_000, size_mb=16_060.5),
        candidate_row("TinyLlama/TinyLlama-1.1B-Chat-v1.0", "llama", downloads=1_000, size_mb=2_200.1),
    ]
    path = write_registry(tmp_path / "r.json", registry_dict({"llama": rows}))
    settings = settings_for(None, path, use_static_registry=True)
    assert select(SelectionRequest("llama"), settings, now=NOW).model_id == "TinyLlama/TinyLlama-1.1B-Chat-v1.0"
    allowed = select(SelectionRequest("llama", allow_gated=True, hardware="none"), settings, now=NOW)
    assert allowed.model_id == "meta-llama/Llama-3.1-8B-Instruct"


def test_framework_filter(tmp_path):
    rows = [
        candidate_row("org/bert-pt", "bert", downloads=10_000, frameworks=["pytorch"], pipeline_tag="fill-mask"),
        candidate_row(
            "org/bert-tf", "bert", downloads=10, frameworks=["pytorch", "tensorflow"], pipeline_tag="fill-mask"
        ),
    ]
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": rows}))
    settings = settings_for(None, path, use_static_registry=True)
    assert select(SelectionRequest("bert"), settings, now=NOW).model_id == "org/bert-pt"
    tf = select(SelectionRequest("bert", framework="tensorflow"), settings, now=NOW)
    assert tf.model_id == "org/bert-tf" and tf.framework == "tensorflow"
    reasons = {r.model_id: r.reason for r in tf.rejected}
    assert reasons["org/bert-pt"] == "no tensorflow weights (has pytorch)"


def test_benchmarks_raise_the_ranking(tmp_path):
    rows = [
        candidate_row("timm/popular.a1_in1k", "timm_wrapper", downloads=1_000, size_mb=100.0,
                      pipeline_tag="image-classification"),
        candidate_row("timm/accurate.a1_in1k", "timm_wrapper", downloads=900, size_mb=100.0,
                      pipeline_tag="image-classification"),
    ]
    path = write_registry(tmp_path / "r.json", registry_dict({"timm_wrapper": rows}))
    settings = settings_for(None, path, use_static_registry=True)
    assert select(SelectionRequest("timm_wrapper"), settings, now=NOW).model_id == "timm/popular.a1_in1k"

    def top1(value):
        return [{"task": "image-classification", "hardware": "any", "metric": "imagenet_top1", "value": value}]

    bench = {"schema_version": 1, "models": {"timm/popular.a1_in1k": top1(70.0), "timm/accurate.a1_in1k": top1(85.0)}}
    (tmp_path / "benchmarks.json").write_text(json.dumps(bench))
    ranked = select(
        SelectionRequest("timm_wrapper"), settings.with_overrides(benchmarks_path=tmp_path / "benchmarks.json"), now=NOW
    )
    assert ranked.model_id == "timm/accurate.a1_in1k"


def test_ranking_tie_break_is_deterministic(tmp_path):
    rows = [candidate_row(f"org/bert-{n}", "bert", downloads=5, size_mb=100.0, pipeline_tag="fill-mask")
            for n in ("b", "a", "c")]
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": rows}))
    settings = settings_for(None, path, use_static_registry=True)
    assert {select(SelectionRequest("bert"), settings, now=NOW).model_id for _ in range(3)} == {"org/bert-a"}


def test_bad_input(registry):
    settings = settings_for(None, registry, use_static_registry=True)
    with pytest.raises(UnknownModelTypeError) as err:
        select(SelectionRequest("bret"), settings, now=NOW)
    assert "bert" in err.value.suggestions
    with pytest.raises(UnsupportedTaskError):
        select(SelectionRequest("bert", task="image-classification"), settings, now=NOW)


def test_api_candidates_of_another_task_are_filtered(local_hub, registry):
    local_hub.add_model(hub_record("org/bert-ner", "bert", pipeline_tag="token-classification", downloads=10))
    selection = select(
        SelectionRequest("bert", task="token-classification"), settings_for(local_hub.url, registry), now=NOW
    )
    assert selection.source == "api" and selection.model_id == "org/bert-ner"


def test_settings_from_env():
    settings = Settings.from_env({"MAX_REGISTRY_AGE_DAYS": "7", "HF_ENDPOINT": "http://127.0.0.1:1/", "CI": "1"})
    assert settings.max_registry_age_days == 7 and settings.endpoint == "http://127.0.0.1:1" and settings.ci
    assert settings.api_block_reason().startswith("CI")
    with pytest.raises(ValueError, match="MAX_REGISTRY_AGE_DAYS"):
        Settings.from_env({"MAX_REGISTRY_AGE_DAYS": "soon"})


def test_api_level_picks_the_checkpoint_with_the_head_over_a_popular_embedder(local_hub, registry):
    """Real recorded replies: MiniLM (90M downloads, an embedder) must not be the token classifier."""
    records = fixture_records()
    local_hub.add_model(records["sentence-transformers/all-MiniLM-L6-v2"])
    local_hub.add_model(records["dbmdz/bert-large-cased-finetuned-conll03-english"])
    selection = select(SelectionRequest("bert", task="token-classification"), settings_for(local_hub.url, registry))
    assert selection.source == "api"
    assert selection.model_id == "dbmdz/bert-large-cased-finetuned-conll03-english"
    assert selection.task_evidence == "architectures name BertForTokenClassification"
    query = local_hub.requests("/api/models")[-1][2]
    assert "expand=config" in query and "gated=false" in query and "num_parameters=" in query


def test_weights_too_small_for_a_trained_model_are_never_picked(tmp_path):
    rows = [
        candidate_row("poolside/Laguna-tiny-per-element", "bert", pipeline_tag="fill-mask", size_mb=0.7,
                      downloads=9_000_000),
        candidate_row("org/bert-mini-real", "bert", pipeline_tag="fill-mask", size_mb=4.3, downloads=10),
    ]  # fmt: skip
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": rows}))
    selection = select(SelectionRequest("bert"), settings_for(None, path, use_static_registry=True), now=NOW)
    assert selection.model_id == "org/bert-mini-real"
    rejected = {r.model_id: r for r in selection.rejected}["poolside/Laguna-tiny-per-element"]
    assert rejected.kind == "test-model" and "too small for a trained model" in rejected.reason
