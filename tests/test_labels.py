"""Label names read for their meaning (hf_testgen.testing.labels): what a clear input's label must mean."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hf_testgen.testing.labels import LabelMeanings, meaning_of


@pytest.mark.parametrize(
    ("name", "meaning"),
    [
        ("POSITIVE", "positive"),
        ("LABEL_POS", "positive"),
        ("neg", "negative"),
        ("1 star", "negative"),
        ("2 stars", "negative"),
        ("3 stars", "neutral"),
        ("5 stars", "positive"),
        ("joy", "positive"),
        ("anger", "negative"),
        ("ENTAILMENT", "entailment"),
        ("contradiction", "contradiction"),
        ("LABEL_0", None),
        ("toxic", None),
        ("6 stars", None),
    ],
)
def test_a_label_name_means_what_it_says(name, meaning):
    assert meaning_of(name) == meaning


def _meanings(*names: str) -> LabelMeanings:
    return LabelMeanings.from_config(SimpleNamespace(id2label=dict(enumerate(names))))


@pytest.mark.parametrize(
    ("names", "kind"),
    [
        (("NEGATIVE", "POSITIVE"), "sentiment"),
        (("1 star", "2 stars", "3 stars", "4 stars", "5 stars"), "sentiment"),
        (("negative", "neutral", "positive"), "sentiment"),
        (("NEGATIVE", "NEUTRAL"), "sentiment"),  # a positive review has no label to go to: the check fails
        (("sadness", "joy", "love", "anger", "fear", "surprise"), "sentiment"),
        (("entailment", "neutral", "contradiction"), "entailment"),
        (("LABEL_0", "LABEL_1"), None),
        (("POSITIVE",), None),
    ],
)
def test_the_kind_of_a_classifier_comes_from_all_its_names(names, kind):
    assert _meanings(*names).kind == kind


def test_the_probability_of_a_meaning_adds_up_its_labels():
    stars = _meanings("1 star", "2 stars", "3 stars", "4 stars", "5 stars")
    probabilities = {"1 star": 0.05, "2 stars": 0.05, "3 stars": 0.1, "4 stars": 0.3, "5 stars": 0.5}
    assert stars.mass(probabilities, "positive") == pytest.approx(0.8)
    assert stars.mass(probabilities, "negative") == pytest.approx(0.1)
