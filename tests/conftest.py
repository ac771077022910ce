"""Shared fixtures: a local Hugging Face Hub and the environment that points clients at it."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from pathlib import Path

import pytest

# huggingface_hub reads this once, at import: set it before anything imports the library so the
# test process never tries to reach huggingface.co for telemetry (e.g. /api/agent-harnesses).
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from hubserver import LocalHub
except ImportError:  # tests/ imported as a package
    from tests.hubserver import LocalHub

FIXTURES_DIR = Path(__file__).parent / "fixtures"
# Variables that would make a subprocess ignore the local Hub, or use a cache or token from elsewhere.
HUB_ENV_DROPPED = (
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_TOKEN_PATH",
    "HF_HUB_CACHE",
    "HUGGINGFACE_HUB_CACHE",
    "TRANSFORMERS_CACHE",
    "HF_XET_CACHE",
    "CI",
)


def wait_until_healthy(url: str, timeout: float = 10.0) -> None:
    """Block until ``{url}/health`` answers, so tests never race the server thread."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def _no_hub_telemetry(monkeypatch):
    """Also patch the constant, in case huggingface_hub was imported before this conftest."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)


@pytest.fixture(scope="session")
def _local_hub_server():
    """One server per test session; ``local_hub`` wipes it between tests."""
    hub = LocalHub().start()
    wait_until_healthy(hub.url)
    yield hub
    hub.stop()


@pytest.fixture
def local_hub(_local_hub_server):
    """An empty, healthy LocalHub (models, files, faults and the request log are cleared)."""
    _local_hub_server.clear()
    wait_until_healthy(_local_hub_server.url)
    _local_hub_server.clear()  # forget the health probe in the request log
    yield _local_hub_server
    _local_hub_server.clear()


@pytest.fixture
def hub_env(local_hub, tmp_path):
    """Environment for subprocesses that must talk to ``local_hub`` with a fresh HF cache."""
    env = {key: value for key, value in os.environ.items() if key not in HUB_ENV_DROPPED}
    env.update(
        HF_ENDPOINT=local_hub.url,
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HOME=str(tmp_path / "hf_home"),
        HF_HUB_ETAG_TIMEOUT="5",
    )
    return env


@pytest.fixture(scope="session")
def hub_fixture_models():
    """Real Hub records (trimmed by scripts/build_test_fixtures.py) as a list of dicts."""
    return json.loads((FIXTURES_DIR / "hub_models.json").read_text(encoding="utf-8"))
