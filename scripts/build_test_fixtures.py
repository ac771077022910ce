"""Derive ``tests/fixtures/hub_models.json`` from recorded Hugging Face Hub replies.

The recorded replies (``GET /api/models/{repo_id}`` for 24 real models) live outside the
repository and must not be committed: they carry model cards, widget data and Space lists
that the tests do not need.  This script keeps only the facts the tests rely on (ids, sha,
popularity, task, library, tags, gating, dates, safetensors sizes, repo storage, file names,
the ``model_type`` and ``architectures``), so the derived file is small, reviewable and stable across runs.

Usage::

    python scripts/build_test_fixtures.py [--source PATH] [--output PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT / ".." / "shared" / "data" / "hub" / "model_info_responses.json"
DEFAULT_OUTPUT = REPO_ROOT / "tests" / "fixtures" / "hub_models.json"

# Top-level keys copied verbatim when the recorded reply has them.
KEPT_KEYS = (
    "_id",
    "id",
    "sha",
    "downloads",
    "likes",
    "trendingScore",
    "pipeline_tag",
    "library_name",
    "tags",
    "gated",
    "disabled",
    "private",
    "lastModified",
    "createdAt",
    "safetensors",
    "usedStorage",
)


def derive_siblings(siblings: list[dict] | None) -> list[dict]:
    """Keep file names (and sizes when recorded): enough to reason about weight formats."""
    derived = []
    for sibling in siblings or []:
        entry = {"rfilename": sibling["rfilename"]}
        if "size" in sibling:
            entry["size"] = sibling["size"]
        derived.append(entry)
    return derived


def derive_record(recorded: str, response: dict) -> dict:
    """Reduce one recorded model_info reply to the fields the tests use."""
    record = {key: response[key] for key in KEPT_KEYS if key in response}
    record["siblings"] = derive_siblings(response.get("siblings"))
    config = response.get("config") or {}
    if config.get("model_type") is not None:
        record["config"] = {"model_type": config["model_type"]}
        if config.get("architectures"):
            record["config"]["architectures"] = config["architectures"]
    record["recorded"] = recorded
    return record


def derive_fixtures(raw: dict) -> list[dict]:
    """Turn ``{repo_id: {"recorded": date, "response": {...}}}`` into a list sorted by id."""
    records = [derive_record(entry["recorded"], entry["response"]) for entry in raw.values()]
    return sorted(records, key=lambda record: record["id"])


def render(records: list[dict]) -> str:
    """Serialise deterministically so that re-running the script gives a byte-identical file."""
    return json.dumps(records, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="recorded model_info replies")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="derived fixture to write")
    args = parser.parse_args(argv)

    if not args.source.is_file():
        print(f"source not found: {args.source}", file=sys.stderr)
        return 1
    raw = json.loads(args.source.read_text(encoding="utf-8"))
    records = derive_fixtures(raw)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(records), encoding="utf-8")
    print(f"wrote {len(records)} models to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
