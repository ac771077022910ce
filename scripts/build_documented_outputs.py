"""Derive ``hf_testgen/data/documented_outputs.json``: outputs transformers documents for a checkpoint.

transformers 4.44's model docs run each head's code sample (``add_code_sample_docstrings``) on a
named checkpoint with a fixed input and state the result: ``google-bert/bert-base-uncased`` fills
"The capital of France is [MASK]." with "paris". A generated test for that checkpoint replays the
same input and expects the same answer, which only the real, intact weights give.

Input: ``scripts/facts/transformers_checkpoints.json`` (``scripts/mine_checkpoints.py``): the
records with a stated expected output for the masked-LM, sequence-classification and extractive-QA
samples, and the sample inputs of ``transformers/utils/doc.py``. Token classification is left out:
its sample tokenises without special tokens, which the generated runner does not reproduce.

Rerun::

    python scripts/build_documented_outputs.py
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from _common import ROOT as REPO_ROOT

from hf_testgen.core.files import atomic_write_text

FACTS = REPO_ROOT / "scripts" / "facts" / "transformers_checkpoints.json"
OUTPUT = REPO_ROOT / "hf_testgen" / "data" / "documented_outputs.json"
# sample template -> (task, the sample's input arguments as the generated runner takes them)
TEMPLATES: dict[str, str] = {
    "MaskedLM": "fill-mask",
    "SequenceClassification": "text-classification",
    "QuestionAnswering": "question-answering",
}


def sample_inputs(sample: dict[str, Any]) -> list[str]:
    """The text arguments of the sample's first tokenizer call ("{mask}" marks a masked-LM position)."""
    return [str(arg) for arg in sample["preprocessor_calls"][0]["args"]]


def expected_text(output: str) -> str:
    """"'paris'" -> "paris": the repr the doctest prints, without its quotes."""
    text = output.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text


def documented(facts: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    outputs: dict[str, dict[str, dict[str, Any]]] = {}
    for record in facts["records"]:
        task = TEMPLATES.get(record.get("template") or "")
        if task is None or record["evidence"] != "doc-example-expected-output" or not record.get("expected_output"):
            continue
        if not record["source"].startswith("transformers 4.44.2"):
            continue
        sample = facts["sample_inputs"][record["template"]]
        entry = {
            "inputs": sample_inputs(sample),
            "expected": expected_text(record["expected_output"]),
            "source": f"transformers 4.44.2 {record['class']}.forward code sample ({record['template']})",
        }
        outputs.setdefault(record["checkpoint"], {}).setdefault(task, entry)
    return dict(sorted(outputs.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=Path, default=FACTS)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    facts = json.loads(args.facts.read_text(encoding="utf-8"))
    outputs = documented(facts)
    document = {
        "schema_version": 1,
        "generated_by": "scripts/build_documented_outputs.py",
        "source": f"transformers {facts['sources']['transformers_4']['version']} code-sample docstrings",
        "outputs": outputs,
    }
    atomic_write_text(args.output, json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    count = sum(len(v) for v in outputs.values())
    print(f"wrote {args.output}: {count} documented outputs of {len(outputs)} checkpoints")
    return 0


if __name__ == "__main__":
    sys.exit(main())
