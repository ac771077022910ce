"""Hand-curated inputs live in data files, each entry with its reason: scripts/curated/registry.json (read by
scripts/build_registry.py and scripts/mined_rows.py) and hf_testgen/testing/data/label_words.json (labels.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import get_args

import pytest

from hf_testgen.testing import labels

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import build_registry  # noqa: E402
import mined_rows  # noqa: E402
from _common import CURATED, curated  # noqa: E402

SECTIONS = ("static_defaults", "known_bad_docstring_ids", "architecture_corrections", "tiny_class_overrides",
            "type_name_aliases")  # fmt: skip


def test_every_curated_entry_says_why_and_the_build_reads_it():
    document = json.loads((CURATED / "registry.json").read_text(encoding="utf-8"))
    assert set(SECTIONS) <= set(document)
    for section in SECTIONS:
        assert all(len(entry["why"]) >= 15 for entry in curated("registry", section).values()), section
    static = curated("registry", "static_defaults")
    assert {model_type: entry["id"] for model_type, entry in static.items()} == build_registry.STATIC_DEFAULTS
    assert build_registry.STATIC_DEFAULTS["bert"] == "google-bert/bert-base-uncased"
    assert set(build_registry.STATIC_DEFAULTS) <= set(build_registry.COVERED_TYPES)
    corrections = build_registry.ARCHITECTURE_CORRECTIONS["facebook/deit-base-distilled-patch16-224"]
    assert corrections[0] == ("DeiTForImageClassificationWithTeacher",) and "distilled" in corrections[1]
    assert "arcee-ai/model-id" in build_registry.KNOWN_BAD_DOCSTRING_IDS
    assert build_registry.TINY_CLASS_OVERRIDES == {"segformer": "SegformerForSemanticSegmentation"}
    assert mined_rows.TYPE_NAME_ALIASES["marian"] == ("opusmt",)
    assert mined_rows.matches_type("Helsinki-NLP/opus-mt-en-de", "marian", None)


def test_the_scripts_hold_no_curated_table_any_more():
    for name in ("build_registry.py", "mined_rows.py"):
        source = (ROOT / "scripts" / name).read_text(encoding="utf-8")
        for curated_value in ("google-bert/bert-base-uncased", "arcee-ai/model-id", "opusmt", "WithTeacher"):
            assert curated_value not in source, (name, curated_value)


def test_an_entry_without_a_reason_is_refused_by_name(tmp_path):
    document = {"static_defaults": {"entries": {"bert": {"id": "google-bert/bert-base-uncased", "why": " "}}}}
    (tmp_path / "registry.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match="registry.json static_defaults: 'bert' says no 'why'"):
        curated("registry", "static_defaults", folder=tmp_path)


def test_label_words_come_from_their_data_file_with_a_source_per_group():
    path = Path(labels.__file__).parent / "data" / labels.LABEL_WORDS_FILE
    groups = json.loads(path.read_text(encoding="utf-8"))["groups"]
    assert all(group["meaning"] in get_args(labels.Meaning) and len(group["source"]) >= 20 for group in groups)
    words = [word for group in groups for word in group["words"]]
    assert len(words) == len(set(words)) == len(labels.label_words()) >= 40  # no name means two things
    assert labels.meaning_of("LABEL_FAVOURABLE") == "positive" and labels.meaning_of("Contradicts") == "contradiction"
    assert "favourable" not in (Path(labels.__file__)).read_text(encoding="utf-8")
