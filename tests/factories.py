"""Builders of Hub records and registries for tests, from the derived real fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hf_testgen.core.config import Settings
from hf_testgen.registry.store import dump_registry_json

FIXTURES_DIR = Path(__file__).parent / "fixtures"


def fixture_records() -> dict[str, dict[str, Any]]:
    """The real recorded Hub answers (derived subset), keyed by id."""
    return {r["id"]: r for r in json.loads((FIXTURES_DIR / "hub_models.json").read_text())}


def hub_record(model_id: str, model_type: str, **fields: Any) -> dict[str, Any]:
    """A Hub model record in the API's JSON shape; `fields` override the defaults."""
    record: dict[str, Any] = {
        "_id": model_id.replace("/", "-"),
        "id": model_id,
        "sha": fields.pop("sha", "0" * 40),
        "downloads": 0,
        "likes": 0,
        "pipeline_tag": None,
        "library_name": "transformers",
        "tags": [model_type, "transformers", "pytorch", "safetensors"],
        "gated": False,
        "disabled": False,
        "private": False,
        "lastModified": "2025-01-01T00:00:00.000Z",
        "siblings": [{"rfilename": "config.json"}, {"rfilename": "model.safetensors"}],
        "config": {"model_type": model_type},
        "usedStorage": 500_000_000,  # the Hub always has it: an upper bound on the weights
    }
    record.update(fields)
    return record


def candidate_row(model_id: str, model_type: str, **fields: Any) -> dict[str, Any]:
    """A registry candidate row (the `ModelCandidate.to_dict()` shape)."""
    row: dict[str, Any] = {
        "id": model_id,
        "model_type": model_type,
        "downloads": 1000,
        "likes": 10,
        "frameworks": ["pytorch"],
        "size_mb": 400.0,
        "size_method": "safetensors",
        "size_exact": True,
        "gated": False,
        "source": "test",
    }
    row.update(fields)
    return row


def registry_dict(entries: dict[str, list[dict[str, Any]]], *, updated: str = "2026-11-01T00:00:00Z", tiny=None):
    """A valid registry with the given candidate rows per model type."""
    tiny = tiny or {}
    return {
        "schema_version": 1,
        "updated": updated,
        "generated_by": "tests",
        "model_types": {
            model_type: {
                "updated": updated,
                "refreshed_from": "tests",
                "default": rows[0]["id"] if rows else None,
                "tiny": tiny.get(model_type),
                "candidates": rows,
            }
            for model_type, rows in entries.items()
        },
    }


def write_registry(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(dump_registry_json(data))
    return path


def settings_for(hub_url: str | None, registry: Path, **changes: Any) -> Settings:
    """Settings pointing at a local Hub and a test registry, with short deadlines."""
    base = Settings(
        endpoint=hub_url or "http://127.0.0.1:9",
        registry_path=registry,
        benchmarks_path=registry.parent / "no-benchmarks.json",
        api_deadline_s=3.0,
        api_max_tries=2,
    )
    return base.with_overrides(**changes)


# Variables a command run in-process must not inherit from the shell or CI (the fault tests' `env`).
SHELL_VARIABLES = ("CI", "HF_HUB_OFFLINE", "USE_STATIC_REGISTRY", "FORCE_API_CALLS", "HF_TOKEN", "HF_TESTGEN_REGISTRY")


def clean_command_env(monkeypatch, tmp_path: Path, *, unset: tuple[str, ...] = (), **variables: str):
    """A clean environment for in-process commands: no CI/offline flags from the shell, no benchmarks
    file, plus `variables` (e.g. HF_TESTGEN_API_DEADLINE="3"); returns `monkeypatch`."""
    for name in (*SHELL_VARIABLES, *unset):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_TESTGEN_BENCHMARKS", str(tmp_path / "no-benchmarks.json"))
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def one_line(text: str) -> str:
    """The only non-blank line of `text` (an error a user sees), asserting there is one and no traceback."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]
