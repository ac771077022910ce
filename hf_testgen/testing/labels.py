"""What a classifier's label names mean, so a test can say which label a clear input must get.

`config.id2label` names are read as sentiments (positive/negative/neutral, pos/neg, 1-5 stars,
emotions such as joy or anger) or as entailment classes (entailment/contradiction/neutral). A
classifier whose names carry no meaning (LABEL_0, LABEL_1, ...) gets `kind` None, and its test
falls back to the contrast check (opposite texts get different labels).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Meaning = Literal["positive", "negative", "neutral", "entailment", "contradiction"]
Kind = Literal["sentiment", "entailment"]

LABEL_WORDS_FILE = "label_words.json"  # in data/: the hand-curated names, each group with its source


@cache
def label_words() -> dict[str, Meaning]:
    """Every known label name (lower case) and what it means, from data/label_words.json."""
    text = resources.files("hf_testgen.testing").joinpath("data", LABEL_WORDS_FILE).read_text("utf-8")
    return {word: group["meaning"] for group in json.loads(text)["groups"] for word in group["words"]}


_STARS = re.compile(r"^([1-5])\s*stars?$")


def meaning_of(name: str) -> Meaning | None:
    """The meaning of one label name ("POSITIVE", "LABEL_POS", "4 stars", "joy"), or None."""
    words = re.sub(r"[_\-]+", " ", name.strip().lower())
    stars = _STARS.match(words)
    if stars:
        count = int(stars.group(1))
        return "negative" if count <= 2 else ("neutral" if count == 3 else "positive")
    words = words.removeprefix("label ").strip()
    return label_words().get(words)


@dataclass(frozen=True)
class LabelMeanings:
    """Every label name of a classifier with its meaning (None where it has none)."""

    meanings: dict[str, Meaning | None]

    @classmethod
    def from_config(cls, config) -> LabelMeanings:
        id2label = getattr(config, "id2label", None) or {}
        return cls({str(name): meaning_of(str(name)) for name in id2label.values()})

    @property
    def kind(self) -> Kind | None:
        """"entailment" (it names entailment and contradiction), "sentiment" (two or more labels name sentiments,
        one of them positive or negative: a NEGATIVE/NEUTRAL classifier has no label for a positive text), or None."""
        found = [meaning for meaning in self.meanings.values() if meaning is not None]
        if {"entailment", "contradiction"} <= set(found):
            return "entailment"
        sentiments = [meaning for meaning in found if meaning in ("positive", "negative", "neutral")]
        if len(sentiments) >= 2 and {"positive", "negative"} & set(sentiments):
            return "sentiment"
        return None

    def mass(self, probabilities: dict[str, float], meaning: Meaning) -> float:
        """The probability the classifier gives to all labels that mean `meaning` (4 and 5 stars together)."""
        return sum(p for name, p in probabilities.items() if self.meanings.get(name) == meaning)
