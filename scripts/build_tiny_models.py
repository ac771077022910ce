"""Derive ``hf_testgen/data/tiny_models.json``: the tiny random test checkpoint of each head class.

transformers keeps one tiny random checkpoint per model class on the Hub, ``hf-internal-testing/tiny-random-<Class>``,
listed with its pinned commit in ``tests/utils/tiny_model_summary.json`` (huggingface/transformers, 2023-03,
Apache-2.0; a copy is ``shared/data/transformers_tiny_model_summary.json``). A generated file's TINY_MODEL_ID must
carry the head its task loads (``BertForSequenceClassification`` for text classification, not
``BertForMaskedLM``), so the generator looks the head class up here.

Kept: entries whose ``model_classes`` name the key itself (the repository holds weights of that class) and whose
``sha`` is a 40-hex commit. Rerun::

    python scripts/build_tiny_models.py --summary ../shared/data/transformers_tiny_model_summary.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from _common import ROOT as REPO_ROOT

from hf_testgen.core.files import atomic_write_text

DEFAULT_SUMMARY = REPO_ROOT.parent / "shared" / "data" / "transformers_tiny_model_summary.json"
OUTPUT = REPO_ROOT / "hf_testgen" / "data" / "tiny_models.json"
NAMESPACE = "hf-internal-testing/tiny-random-"
SHA_RE = re.compile(r"[0-9a-f]{40}")


def tiny_models(summary: dict[str, dict]) -> dict[str, dict[str, str]]:
    """Head class -> {"id": repo id, "sha": pinned commit}."""
    table = {}
    for cls, entry in sorted(summary.items()):
        if cls in entry.get("model_classes", ()) and SHA_RE.fullmatch(entry.get("sha") or ""):
            table[cls] = {"id": NAMESPACE + cls, "sha": entry["sha"]}
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", type=Path, default=DEFAULT_SUMMARY)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    table = tiny_models(json.loads(args.summary.read_text(encoding="utf-8")))
    document = {
        "schema_version": 1,
        "generated_by": "scripts/build_tiny_models.py",
        "source": "huggingface/transformers tests/utils/tiny_model_summary.json (2023-03), Apache-2.0",
        "models": table,
    }
    atomic_write_text(args.output, json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"wrote {args.output}: tiny checkpoints of {len(table)} head classes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
