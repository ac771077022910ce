"""LocalHub must speak the Hub API well enough for the *real* huggingface_hub client.

Every test drives the unmodified client (HfApi, hf_hub_download, snapshot_download) against
the server, so a wrong header, route or JSON shape shows up as a client-side failure.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from hubserver import LocalHub
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

EXPANDED = ["downloads", "likes", "safetensors", "siblings", "sha"]


def synthetic(repo_id: str, **fields) -> dict:
    """A small Hub record; fields override the defaults."""
    record = {
        "_id": hashlib.md5(repo_id.encode()).hexdigest()[:24],
        "id": repo_id,
        "sha": hashlib.sha1(repo_id.encode()).hexdigest(),
        "downloads": 0,
        "likes": 0,
        "tags": [],
        "private": False,
        "gated": False,
        "siblings": [{"rfilename": "config.json"}],
    }
    record.update(fields)
    return record


def http_get(url: str, timeout: float = 5) -> tuple[int, dict, bytes]:
    """Plain urllib GET that returns error answers instead of raising."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def api(local_hub):
    return HfApi(endpoint=local_hub.url)


def test_list_models_filters_sorts_and_expands(local_hub, api, hub_fixture_models):
    for record in hub_fixture_models:
        local_hub.add_model(record)
    bert_mlm = {"config": {"model_type": "bert"}, "pipeline_tag": "fill-mask", "library_name": "transformers"}
    local_hub.add_model(synthetic("org/bert-tagged", tags=["bert"], downloads=5_000, **bert_mlm))
    local_hub.add_model(synthetic("org/bert-config-only", downloads=900_000, likes=3, **bert_mlm))
    local_hub.add_model(synthetic("org/bert-tie-b", downloads=10, **bert_mlm))
    local_hub.add_model(synthetic("org/bert-tie-a", downloads=10, **bert_mlm))
    local_hub.add_model(synthetic("org/bert-tiny-dl", downloads=1, **bert_mlm))
    local_hub.add_model(synthetic("org/bert-classifier", downloads=10**9, config={"model_type": "bert"}))
    local_hub.add_model(synthetic("org/roberta-mlm", downloads=10**9, pipeline_tag="fill-mask"))

    query = {"filter": "bert", "pipeline_tag": "fill-mask", "sort": "downloads", "limit": 5, "expand": EXPANDED}
    models = list(api.list_models(**query))

    assert [m.id for m in models] == [
        "google-bert/bert-base-uncased",
        "org/bert-config-only",
        "org/bert-tagged",
        "org/bert-tie-a",
        "org/bert-tie-b",
    ]
    top = models[0]
    assert top.downloads == 72376843 and top.likes > 0 and top.sha
    assert top.safetensors is not None and top.safetensors.total == 110106428
    assert "config.json" in {s.rfilename for s in top.siblings}
    # Not expanded, so the server must not send them.
    assert all(m.pipeline_tag is None and m.tags is None and m.library_name is None for m in models)
    method, path, query = local_hub.requests("/api/models")[0]
    assert (method, path) == ("GET", "/api/models") and "expand=siblings" in query


def test_list_models_default_short_form(local_hub, api, hub_fixture_models):
    for record in hub_fixture_models:
        local_hub.add_model(record)
    local_hub.add_model(synthetic("google-bert/private-one", private=True))

    models = {m.id: m for m in api.list_models(author="google-bert")}

    assert list(models) == ["google-bert/bert-base-uncased"]
    model = models["google-bert/bert-base-uncased"]
    assert model.pipeline_tag == "fill-mask" and "bert" in model.tags and model.downloads == 72376843
    assert model.sha is None and model.siblings is None  # the Hub's short form has neither
    with pytest.raises(RepositoryNotFoundError):  # private repos are invisible without a token
        api.model_info("google-bert/private-one")


def test_list_models_follows_link_pagination(local_hub, api):
    local_hub.page_size = 2
    for likes in range(7):
        local_hub.add_model(synthetic(f"org/model-{likes}", likes=likes))

    models = list(api.list_models(sort="likes"))

    assert [m.id for m in models] == [f"org/model-{likes}" for likes in reversed(range(7))]
    pages = [entry for entry in local_hub.requests("/api/models") if entry[1] == "/api/models"]
    assert len(pages) == 4
    assert [query for _, _, query in pages[1:]] == [f"sort=likes&cursor={n}" for n in (2, 4, 6)]


def test_list_models_limit_stops_paging(local_hub, api):
    local_hub.page_size = 2
    for n in range(7):
        local_hub.add_model(synthetic(f"org/model-{n}", downloads=n))

    models = list(api.list_models(sort="downloads", limit=3))

    assert [m.id for m in models] == ["org/model-6", "org/model-5", "org/model-4"]
    assert local_hub.count("/api/models") == 2


def test_model_info_with_files_metadata(local_hub, api, hub_fixture_models):
    record = next(r for r in hub_fixture_models if r["id"] == "google-bert/bert-base-uncased")
    local_hub.add_model(record)
    config = b'{"model_type": "bert"}'
    weights = b"\0" * 1234
    local_hub.add_file(record["id"], "config.json", config)
    local_hub.add_file(record["id"], "extra/model.safetensors", weights)

    plain = api.model_info(record["id"])
    detailed = api.model_info(record["id"], files_metadata=True)

    assert plain.sha == record["sha"] and plain.config == {"model_type": "bert", "architectures": ["BertForMaskedLM"]}
    assert "extra/model.safetensors" in {s.rfilename for s in plain.siblings}  # siblings kept in sync
    assert all(s.size is None for s in plain.siblings)
    siblings = {s.rfilename: s for s in detailed.siblings}
    assert siblings["config.json"].size == len(config) and siblings["config.json"].lfs is None
    safetensors = siblings["extra/model.safetensors"]
    assert safetensors.size == 1234 and safetensors.lfs.sha256 == hashlib.sha256(weights).hexdigest()
    assert all(s.size is not None for s in detailed.siblings)  # catalogue-only files too


def test_missing_repo_and_revision_raise_hub_errors(local_hub, api):
    local_hub.add_model(synthetic("org/present"))

    with pytest.raises(RepositoryNotFoundError):
        api.model_info("org/missing")
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("gpt2-missing")
    with pytest.raises(RevisionNotFoundError):
        api.model_info("org/present", revision="no-such-branch")
    assert api.model_info("org/present", revision="main").id == "org/present"


def test_remove_model_between_list_and_info(local_hub, api):
    local_hub.add_model(synthetic("org/ephemeral"))
    listed = [m.id for m in api.list_models()]

    local_hub.remove_model("org/ephemeral")

    assert listed == ["org/ephemeral"]
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("org/ephemeral")


def test_hf_hub_download_returns_served_bytes(local_hub, tmp_path):
    local_hub.add_file("org/files", "config.json", b'{"a": 1}')
    local_hub.add_file("org/files", "nested/dir/model.safetensors", b"weights" * 100)
    local_hub.add_file("single", "config.json", b"{}")

    def download(repo_id, filename):
        return Path(hf_hub_download(repo_id, filename, endpoint=local_hub.url, cache_dir=tmp_path))

    assert download("org/files", "config.json").read_bytes() == b'{"a": 1}'
    assert download("org/files", "nested/dir/model.safetensors").read_bytes() == b"weights" * 100
    assert download("single", "config.json").read_bytes() == b"{}"
    with pytest.raises(RemoteEntryNotFoundError):
        download("org/files", "missing.json")
    with pytest.raises(RepositoryNotFoundError):
        download("org/absent", "config.json")
    assert local_hub.count("/org/files/resolve/main/config.json") == 2  # HEAD for metadata, then GET


def test_snapshot_download_at_pinned_sha(local_hub, tmp_path):
    files = {"config.json": b"{}", "model.safetensors": b"w" * 64, "tokenizer/vocab.txt": b"a\nb\n"}
    for name, content in files.items():
        local_hub.add_file("org/snap", name, content)
    local_hub.add_file("org/snap", "old.txt", b"old", revision="0" * 40)
    sha = HfApi(endpoint=local_hub.url).model_info("org/snap").sha

    folder = snapshot_download("org/snap", revision=sha, endpoint=local_hub.url, cache_dir=tmp_path)
    old = snapshot_download("org/snap", revision="0" * 40, endpoint=local_hub.url, cache_dir=tmp_path)

    assert folder.endswith(sha)
    for name, content in files.items():
        assert (tmp_path / folder / name).read_bytes() == content
    assert sorted(p.name for p in (tmp_path / old).iterdir()) == ["old.txt"]
    assert local_hub.count(f"/api/models/org/snap/tree/{sha}") == 1


def test_gated_repo_files_need_access(local_hub, tmp_path, hub_fixture_models):
    record = next(r for r in hub_fixture_models if r["gated"])
    local_hub.add_model(record)
    local_hub.add_file(record["id"], "config.json", b"{}")

    with pytest.raises(GatedRepoError):
        hf_hub_download(record["id"], "config.json", endpoint=local_hub.url, cache_dir=tmp_path)


def test_injected_faults_are_served_then_consumed(local_hub, api):
    local_hub.add_model(synthetic("org/flaky"))
    local_hub.fail("/api/models/org/flaky", 500, times=1)
    local_hub.fail("/api/models?", 999)  # prefix match is on the path only: never fires
    local_hub.malformed("/api/models/org/flaky", times=1)

    with pytest.raises(HfHubHTTPError) as error:
        api.model_info("org/flaky")
    assert error.value.response.status_code == 500
    with pytest.raises(ValueError):  # json.JSONDecodeError
        api.model_info("org/flaky")
    assert api.model_info("org/flaky").id == "org/flaky"


def test_rate_limit_fault_sends_headers_and_body(local_hub):
    local_hub.fail("/api/models", 429, times=2, headers={"Retry-After": "120"}, body={"error": "slow down"})

    first = http_get(f"{local_hub.url}/api/models")
    second = http_get(f"{local_hub.url}/api/models/org/x")
    third = http_get(f"{local_hub.url}/api/models")

    assert first[0] == second[0] == 429
    assert first[1]["Retry-After"] == "120" and json.loads(first[2]) == {"error": "slow down"}
    assert third[0] == 200
    assert local_hub.count("/api/models") == 3


def test_delay_provokes_client_timeout(local_hub):
    local_hub.add_model(synthetic("org/slow"))
    local_hub.delay("/api/models/org/slow", 2, times=1)

    with pytest.raises(OSError):  # socket timeout
        http_get(f"{local_hub.url}/api/models/org/slow", timeout=0.3)
    assert http_get(f"{local_hub.url}/api/models/org/slow", timeout=2)[0] == 200


def test_stop_interrupts_pending_delay():
    hub = LocalHub().start()
    hub.delay("/", 60, times=None)
    worker = threading.Thread(target=http_get, args=(f"{hub.url}/api/models", 30), daemon=True)
    worker.start()
    time.sleep(0.2)

    started = time.monotonic()
    hub.stop()
    worker.join(timeout=5)

    assert time.monotonic() - started < 5 and not worker.is_alive()


def test_not_found_everywhere_except_health(local_hub, api, tmp_path):
    local_hub.add_file("org/real", "config.json", b"{}")
    local_hub.not_found_everywhere()

    with pytest.raises(RepositoryNotFoundError):
        api.model_info("org/real")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("org/real", "config.json", endpoint=local_hub.url, cache_dir=tmp_path)
    assert list(api.list_models()) == []
    assert http_get(f"{local_hub.url}/health")[::2] == (200, b"ok")


def test_unknown_routes_answer_404(local_hub):
    status, headers, _ = http_get(f"{local_hub.url}/api/agent-harnesses")
    assert status == 404 and "X-Error-Code" not in headers
    assert http_get(f"{local_hub.url}/health")[::2] == (200, b"ok")


def test_subprocess_downloads_through_hf_endpoint(local_hub, hub_env):
    local_hub.add_file("org/sub", "config.json", b'{"model_type": "bert"}')
    script = (
        "import huggingface_hub\n"
        "path = huggingface_hub.hf_hub_download('org/sub', 'config.json')\n"
        "print(path)\n"
        "print(open(path).read())\n"
    )

    command = [sys.executable, "-c", script]
    result = subprocess.run(command, env=hub_env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    path, content = result.stdout.splitlines()[:2]
    assert content == '{"model_type": "bert"}'
    assert path.startswith(hub_env["HF_HOME"])
    assert local_hub.count("/org/sub/resolve/main/config.json") == 2
